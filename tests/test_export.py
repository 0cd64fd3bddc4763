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
