"""Evidence tables: written in slices with the same rows whatever the slice size; decisions kept in them."""

from __future__ import annotations

import json

import pandas as pd

from workbench import export


def test_jsonl_written_in_slices_keeps_every_row(tmp_path, monkeypatch) -> None:
    frame = pd.DataFrame({"n": range(7), "text": ["a\nb", "é «q»", None, "", "x", "y", "z"]})
    monkeypatch.setattr(export, "JSONL_ROWS_PER_WRITE", 3)  # 7 rows: three slices, the last one short
    export.write_table(frame, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(frame.to_json(orient="records", force_ascii=False))


def test_exports_keep_rejected_links_and_notes_on_ungrouped_statements(analysed_copy, tmp_path) -> None:
    links = analysed_copy.store.links()
    rejected = links[0]
    analysed_copy.reject_link(rejected.source_id, rejected.target_id, author="ana")
    grouped = set(analysed_copy.store.group_members())
    loner = next(s for s in analysed_copy.statements() if s.statement_id not in grouped and not s.boilerplate)
    analysed_copy.add_note("statement", [loner.statement_id], "check with the Seoul desk", author="ana")
    analysed_copy.export(tmp_path, formats=("csv",))
    decisions = pd.read_csv(tmp_path / "decisions.csv", keep_default_na=False)
    assert list(decisions["kind"]) == ["reject_link", "note"]
    rejection = decisions.iloc[0]
    assert rejection["statement_ids"].split() == [rejected.source_id, rejected.target_id]
    assert rejection["author"] == "ana" and str(rejection["active"]) == "True"
    texts = {s.statement_id: s.text for s in analysed_copy.statements()}
    assert rejection["texts"] == f"{texts[rejected.source_id]} | {texts[rejected.target_id]}"
    statements = pd.read_csv(tmp_path / "statements.csv", keep_default_na=False).set_index("statement_id")
    assert statements.loc[loner.statement_id, "note"] == "check with the Seoul desk"
    assert statements.loc[loner.statement_id, "group_id"] == ""


def test_csv_cells_that_look_like_formulas_are_neutralised(make_workbench, tmp_path) -> None:
    """OWASP's CSV injection advice: a cell starting with = + - @ tab or CR gets a leading
    apostrophe in CSV, so a spreadsheet shows it as text; JSON Lines keeps the text as it is."""
    import json

    from workbench.export import csv_text, neutralise_formulas

    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
                                   "@SUM(A1)", "\tTAB", "plain = fine"], "score": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0]})
    safe = neutralise_formulas(frame)
    assert list(safe["text"]) == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1+cmd|' /C calc'!A0", "'-2+3",
                                  "'@SUM(A1)", "'\tTAB", "plain = fine"]
    assert list(safe["score"]) == [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0]  # numbers stay numbers
    assert list(frame["text"])[0].startswith("=")  # the caller's frame is left alone
    assert csv_text(frame).splitlines()[1].startswith("\"'=HYPERLINK(")

    workbench = make_workbench()
    workbench.ingest_text('=HYPERLINK("http://evil.example/steal","Raportul complet al ministerului") '
                          "arată că au fost livrate un milion de obuze.\n\nMinisterul a confirmat cifra luni.",
                          title="=cmd|' /C calc'!A0")
    workbench.analyze()
    out = tmp_path / "out"
    workbench.export(out, formats=("csv", "jsonl"))
    statements = pd.read_csv(out / "statements.csv", keep_default_na=False)
    assert not any(str(cell).startswith(("=", "+", "-", "@")) for cell in statements.to_numpy().ravel())
    assert "'=cmd|' /C calc'!A0" in set(statements["title"])
    first = json.loads((out / "statements.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["text"].startswith('=HYPERLINK(') and first["title"] == "=cmd|' /C calc'!A0"
