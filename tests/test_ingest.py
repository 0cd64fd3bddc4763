"""Ingest: formats, legacy encodings, de-duplication, and bad input that never stops a batch."""

from __future__ import annotations

import csv
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from workbench.ingest import Document, decode_bytes
from workbench.pipeline import prepare_article

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
BG = (SAMPLES / "003_d7d34adf8c061df0.txt").read_text(encoding="utf-8")
UK = (SAMPLES / "001_5a34058cff188202.txt").read_text(encoding="utf-8")
FR = (SAMPLES / "002_20acd37116a2ee7f.txt").read_text(encoding="utf-8")
RO = (SAMPLES / "000_34b67d16e7c3daa1.txt").read_text(encoding="utf-8")


def store_snapshot(workbench) -> tuple:
    db = workbench.store
    articles = db.execute("SELECT article_id, text FROM articles ORDER BY article_id").fetchall()
    statements = db.execute("SELECT statement_id, text FROM statements ORDER BY statement_id").fetchall()
    return tuple(map(tuple, articles)), tuple(map(tuple, statements))


# -- encodings -------------------------------------------------------------------------

def _legacy(text: str, encoding: str) -> str:
    """The text as a newsroom on that code page would have typed it."""
    replacements = {
        "cp1251": {"ѝ": "и", "’": "'", "…": "...", "—": "-", "„": '"', "“": '"', "«": '"', "»": '"'},
        "cp1250": {"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ"},
        "iso-8859-2": {"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ", "„": '"', "”": '"', "–": "-", "“": '"'},
        "latin-1": {"’": "'", "…": "..."},
    }[encoding]
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


# A short accent-heavy French page: charset-normalizer alone read it as cp1257 ("franēais", "ą 4,5 %").
FR_BUDGET = ("Le gouvernement français présente son budget\n\nLe ministre de l'Économie a déclaré mercredi que le "
             "déficit public serait réduit à 4,5 % du PIB. Selon lui, les dépenses de l'État diminueront grâce à des "
             "économies réalisées dans plusieurs ministères. L'opposition a dénoncé un budget « injuste » et a réclamé "
             "un débat à l'Assemblée. Les élèves et les enseignants s'inquiètent déjà des conséquences.\n")


@pytest.mark.parametrize(
    "text, encoding",
    [(BG, "cp1251"), (UK, "cp1251"), (RO, "cp1250"), (RO, "iso-8859-2"), (FR, "latin-1"), (FR_BUDGET, "latin-1")],
    ids=["bg-windows-1251", "uk-windows-1251", "ro-windows-1250", "ro-iso-8859-2", "fr-latin-1", "fr-latin-1-short"],
)
def test_legacy_encodings_decode_without_mojibake(text, encoding):
    expected = _legacy(text, encoding)
    decoded, detected = decode_bytes(expected.encode(encoding), "sample")
    # ISO-8859-16 (the Romanian standard) reads the same bytes with comma-below ș ț: the same letters.
    unify = str.maketrans("şţŞŢ", "șțȘȚ")
    assert decoded.translate(unify) == expected.translate(unify), detected


def test_utf8_with_and_without_bom(make_workbench, tmp_path):
    plain, bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_text(BG, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + BG.encode("utf-8"))
    workbench = make_workbench()
    report = workbench.ingest([plain, bom])
    assert len(report.added) == 1 and len(report.duplicates) == 1
    article = workbench.articles()[0]
    assert not article.text.startswith("\ufeff")
    assert article.encoding == "utf-8"


def test_windows_1251_file_is_stored_as_proper_cyrillic(make_workbench, tmp_path):
    path = tmp_path / "bg-1251.txt"
    path.write_bytes(_legacy(BG, "cp1251").encode("cp1251"))
    workbench = make_workbench()
    workbench.ingest([path])
    article = workbench.articles()[0]
    assert article.encoding == "cp1251"
    assert "Севернокорейският лидер Ким Чен-Ун планира" in article.text
    assert article.language == "bg"


# -- formats ---------------------------------------------------------------------------

def test_folder_is_read_recursively_and_same_article_is_stored_once(make_workbench, tmp_path):
    nested = tmp_path / "corpus" / "deeper"
    nested.mkdir(parents=True)
    (tmp_path / "corpus" / "a.txt").write_text(FR, encoding="utf-8")
    (nested / "copy-of-a.txt").write_text(FR.replace("\n", "\r\n"), encoding="utf-8")  # same article, other file
    (nested / "notes.docx").write_bytes(b"PK\x03\x04 ignored: not a supported suffix")
    workbench = make_workbench()
    report = workbench.ingest([tmp_path / "corpus"])
    assert len(report.added) == 1
    assert len(report.duplicates) == 1
    assert "same article as" in report.duplicates[0].message
    assert workbench.store.count("articles") == 1
    again = workbench.ingest([tmp_path / "corpus" / "a.txt"])
    assert len(again.duplicates) == 1 and not again.added


def test_a_romanian_article_resent_from_a_legacy_code_page_is_the_same_article(make_workbench, samples_dir, tmp_path):
    original = (samples_dir / "000_34b67d16e7c3daa1.txt").read_text(encoding="utf-8")
    legacy = tmp_path / "000-cp1250.txt"
    legacy.write_bytes(original.translate(str.maketrans("șțȘȚ", "şţŞŢ")).encode("cp1250", errors="replace"))
    workbench = make_workbench()
    assert len(workbench.ingest([samples_dir / "000_34b67d16e7c3daa1.txt"]).added) == 1
    report = workbench.ingest([legacy])
    assert not report.added and len(report.duplicates) == 1, report.items


def test_html_main_text_is_extracted(make_workbench, tmp_path):
    page = (
        "<html><head><meta charset='windows-1251'><title>Путин ще посети Северна Корея</title></head><body>"
        "<nav><a href='/'>Начало</a> <a href='/svyat'>Свят</a> <a href='/sport'>Спорт</a></nav>"
        "<article><h1>Путин ще посети Северна Корея</h1>"
        "<p>Руският президент Владимир Путин ще посети Северна Корея за двудневно посещение, което започва днес.</p>"
        "<p>По време на посещението се очаква да бъде подписано споразумение за стратегическо партньорство.</p>"
        "<p>Неотдавнашен доклад сочи, че Северна Корея е изпратила близо пет милиона артилерийски снаряда.</p>"
        "</article><footer>Всички права запазени. Бисквитки.</footer></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1251"))
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 1, report.items
    article = workbench.articles()[0]
    assert article.title == "Путин ще посети Северна Корея"
    assert "близо пет милиона" in article.text
    assert "Начало" not in article.text and "Бисквитки" not in article.text
    texts = [s.text for s in workbench.statements()]
    assert texts.count("Путин ще посети Северна Корея") == 1


def test_html_takes_no_publication_date_from_a_year_in_the_body_and_refuses_a_menu(make_workbench, tmp_path):
    page = tmp_path / "budget.html"
    page.write_text(
        "<html><head><title>Guvernul adoptă bugetul</title></head><body><article><h1>Guvernul adoptă bugetul pentru "
        "2025</h1><p>Guvernul a adoptat miercuri proiectul de buget pentru anul 2025, a anunțat ministrul finanțelor. "
        "Deficitul estimat este de 7 la sută din PIB.</p><p>Opoziția a criticat proiectul și a anunțat o moțiune de "
        "cenzură.</p></article></body></html>", encoding="utf-8")
    dated = tmp_path / "dated.html"
    dated.write_text(page.read_text(encoding="utf-8").replace("miercuri", "joi").replace(  # another article
        "<head>", '<head><meta property="article:published_time" content="2024-10-02T09:00:00+03:00">'), encoding="utf-8")
    menu = tmp_path / "menu.htm"
    menu.write_text('<html><body><ul><li><a href="/a">A</a></li></ul></body></html>', encoding="utf-8")
    workbench = make_workbench()
    report = workbench.ingest([page, dated, menu])
    assert len(report.added) == 2 and len(report.errors) == 1
    assert "menu.htm: no article text found in this HTML page (only 'A')" in report.errors[0].message
    published = {Path(a.origin).name: a.published for a in workbench.articles()}
    assert published == {"budget.html": "", "dated.html": "2024-10-02"}


def test_a_page_nested_deeper_than_the_parser_reads_is_named_for_that_in_one_line(tmp_path):
    """Nesting past libxml2's 256 levels cut the text off, and the page was called "not a menu or
    index" under a line of trafilatura's own ("WARNING trafilatura.core: discarding data: None")."""
    import subprocess
    import sys

    depth = 100_000
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<div>" * depth + "<p>Consiliul local a votat marți bugetul pentru noul tramvai "
                    "al orașului.</p>" + "</div>" * depth + "</body></html>", encoding="utf-8")
    ran = subprocess.run([sys.executable, "-m", "workbench", "ingest", str(page), "--workspace", str(tmp_path / "ws")],
                         capture_output=True, text=True)
    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        f"error: {page}: the page's elements nest deeper than the HTML parser reads (Excessive depth in document: "
        "256), so its text is cut off (save the article's text as .txt, or fix the page's markup)",
        "Ingested 0 new article(s); 0 duplicate(s) stored once; 1 input(s) rejected."]


def test_markdown_article(make_workbench, tmp_path):
    path = tmp_path / "article.md"
    path.write_text(
        "# Kim a vizitat fabricile de muniții\n\nLiderul nord-coreean a efectuat **inspecții** la cinci fabrici. "
        "A cerut mai multe [rachete](http://example.org).\n\n- Primul punct al listei este aici\n",
        encoding="utf-8",
    )
    workbench = make_workbench()
    workbench.ingest([path])
    article = workbench.articles()[0]
    assert article.title == "Kim a vizitat fabricile de muniții"
    texts = [s.text for s in workbench.statements()]
    assert "Liderul nord-coreean a efectuat inspecții la cinci fabrici." in texts
    assert "A cerut mai multe rachete." in texts
    assert not any("**" in text or "](" in text for text in texts)


def test_jsonl_rows_with_optional_fields(make_workbench, tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [
        {"id": "r1", "text": RO, "url": "https://example.ro/a", "source": "EVZ", "published": "2023-09-05", "lang": "ro"},
        {"text": UK, "title": "Кім Чен Ин і Путін зустрілися в Росії: пряма інформація про війну в Україні"},
    ]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n\n", encoding="utf-8")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 2 and not report.errors
    first, second = workbench.articles()
    assert (first.url, first.source, first.published, first.language) == ("https://example.ro/a", "EVZ", "2023-09-05", "ro")
    assert first.meta["id"] == "r1" and first.origin.endswith("rows.jsonl:1")
    assert {s.language_source for s in workbench.statements(article_id=first.article_id)} == {"given"}
    assert second.language == "uk" and second.source == "rows.jsonl"


def test_csv_written_by_pandas_with_quotes_inside_texts(make_workbench, tmp_path):
    import pandas as pd

    path = tmp_path / "export.csv"
    texts = [FR, UK]  # both contain straight double quotes, which CSV writers double
    assert all('"' in text for text in texts)
    pd.DataFrame({"text": texts, "title": ["fr", "uk"]}).to_csv(path, index=False)
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 2 and not report.errors
    stored = {a.title: a.text for a in workbench.articles()}
    assert stored["fr"] == FR.replace("\r\n", "\n") and stored["uk"] == UK


def test_csv_rows_with_semicolons_and_aliases(make_workbench, tmp_path):
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Title", "Language", "Text"])
        writer.writerow(["Заглавие", "bg", _legacy(BG, "cp1251")])
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 1, report.items
    article = workbench.articles()[0]
    assert article.language == "bg" and article.title == "Заглавие"
    assert article.origin.endswith("rows.csv:2")


def test_a_row_s_source_is_what_exports_show_even_with_a_url(make_workbench, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"text": FR, "source": "Le Monde", "url": "https://example.org/a"}) + "\n"
                    + json.dumps({"text": UK, "url": "https://example.org/b"}) + "\n", encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([path])
    shown = dict(zip(workbench.statements_frame()["article_id"], workbench.statements_frame()["source"]))
    by_url = {a.url: shown[a.article_id] for a in workbench.articles()}
    assert by_url == {"https://example.org/a": "Le Monde", "https://example.org/b": "https://example.org/b"}


def test_csv_quote_left_open_is_reported_not_swallowed(make_workbench, tmp_path):
    """Before: exit 0, one article holding every later row as its text."""
    path = tmp_path / "open-quote.csv"
    path.write_text('id,text,title\n1,"Parlamentul a votat legea bugetului.,T1\n'
                    "2,Guvernul a demisionat astăzi dimineață.,T2\n3,Ministrul a vorbit despre reforme.,T3\n",
                    encoding="utf-8")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert not report.added and len(report.errors) == 1
    message = report.errors[0].message
    assert message.startswith(f"{path}:2: CSV cannot be parsed") and "never closed" in message
    assert workbench.store.count("articles") == 0


# -- bad input ---------------------------------------------------------------------------

def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 500)
    (bad / "document.txt").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 10)
    import random

    rng = random.Random(7)
    (bad / "unreadable.txt").write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(4000)))
    (bad / "no-text-column.csv").write_text("title,url\nA headline,https://example.org\n", encoding="utf-8")
    return {path.name: path for path in bad.iterdir()}


def test_each_bad_input_gets_a_one_line_error_and_the_batch_goes_on(make_workbench, tmp_path):
    bad = _bad_inputs(tmp_path)
    good = tmp_path / "good.txt"
    good.write_text(FR, encoding="utf-8")
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text(
        json.dumps({"text": BG}, ensure_ascii=False) + "\n{this is not json\n" + json.dumps([1, 2]) + "\n"
        + json.dumps({"title": "no text"}) + "\n",
        encoding="utf-8",
    )
    missing = tmp_path / "does-not-exist.txt"
    workbench = make_workbench()
    report = workbench.ingest([*sorted(bad.values()), good, jsonl, missing])

    messages = {item.origin.rsplit("/", 1)[-1]: item.message for item in report.errors}
    assert "empty file" in messages["empty.txt"]
    assert "binary file" in messages["binary.txt"]
    assert "PDF" in messages["document.txt"]
    assert "unreadable text encoding" in messages["unreadable.txt"]
    assert "no 'text' column" in messages["no-text-column.csv:1"] and "title, url" in messages["no-text-column.csv:1"]
    assert "not valid JSON" in messages["mixed.jsonl:2"] and "near '{this is not json'" in messages["mixed.jsonl:2"]
    assert "not an object" in messages["mixed.jsonl:3"]
    assert "no 'text' field" in messages["mixed.jsonl:4"]
    assert "no such file" in messages["does-not-exist.txt"]
    assert all("\n" not in item.message for item in report.errors)
    # the good file and the good JSONL row are stored, complete
    assert len(report.added) == 2
    assert {a.language for a in workbench.articles()} == {"fr", "bg"}
    for article in workbench.articles():
        assert workbench.statements(article_id=article.article_id)


def test_bad_files_leave_the_store_unchanged(make_workbench, tmp_path):
    workbench = make_workbench()
    good = tmp_path / "good.txt"
    good.write_text(UK, encoding="utf-8")
    workbench.ingest([good])
    before = store_snapshot(workbench)
    report = workbench.ingest(sorted(_bad_inputs(tmp_path).values()))
    assert len(report.errors) == 5 and not report.added
    assert store_snapshot(workbench) == before


def test_huge_single_article_file_is_refused_without_reading_it(make_workbench, tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # 200 MB, written in chunks
        chunk = ("Северна Корея е изпратила снаряди. " * 2000).encode("utf-8")
        for _ in range(200 * 1024 * 1024 // len(chunk) + 1):
            handle.write(chunk)
    workbench = make_workbench()
    tracemalloc.start()
    report = workbench.ingest([path])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "more than the 50 MB allowed" in report.errors[0].message
    assert peak < 20 * 1024 * 1024
    assert workbench.store.count("articles") == 0


def test_huge_jsonl_is_streamed_row_by_row(make_workbench, tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write((json.dumps({"text": FR}, ensure_ascii=False) + "\n").encode("utf-8"))
        handle.write(b'{"text": "')
        filler = ("x" * (1024 * 1024)).encode()
        for _ in range(200):  # one 200 MB row
            handle.write(filler)
        handle.write(b'"}\n')
        handle.write((json.dumps({"text": BG}, ensure_ascii=False) + "\n").encode("utf-8"))
    workbench = make_workbench()
    tracemalloc.start()
    report = workbench.ingest([path])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(report.added) == 2
    assert len(report.errors) == 1 and "huge.jsonl:2" in report.errors[0].message
    assert "longer than 5 MB" in report.errors[0].message
    assert peak < 40 * 1024 * 1024


def test_article_that_breaks_midway_leaves_no_half_written_rows(make_workbench, tmp_path, monkeypatch):
    """A crash while storing an article's statements rolls the whole article back."""
    workbench = make_workbench()
    good = tmp_path / "good.txt"
    good.write_text(RO, encoding="utf-8")
    workbench.ingest([good])
    before = store_snapshot(workbench)

    from workbench import store as store_module

    real_hash = store_module.text_hash
    calls = {"n": 0}

    def failing_hash(text: str) -> str:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real_hash(text)

    monkeypatch.setattr(store_module, "text_hash", failing_hash)
    article, statements = prepare_article(Document(text=UK, origin="other", source="other", encoding="utf-8"), workbench.config)
    with pytest.raises(OSError):
        workbench.store.add_article(article, statements)
    assert store_snapshot(workbench) == before


# -- decoding row by row, stray bytes, UTF-16 without a BOM ------------------------------

ROWS = [
    "Fabrica din Cugir a produs 12.000 de obuze în 2024, a anunțat ministrul.",
    "Завод у Харкові виготовив 300 дронів за місяць, повідомив міністр.",
    "Le ministre a déclaré que l'usine produirait deux fois plus d'obus l'an prochain.",
]


def _stored_texts(workbench) -> dict[str, str]:
    return {article.origin.rsplit("/", 1)[-1]: article.text for article in workbench.articles()}


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_one_stray_byte_spoils_only_its_row_and_is_reported(make_workbench, tmp_path, kind):
    encoded = [row.encode("utf-8") for row in ROWS]
    # A byte no UTF-8 text holds, right after "Завод у Харкові", in row 2 only.
    damaged = encoded[1].replace("Харкові".encode(), "Харкові".encode() + b"\xff")
    if kind == "jsonl":
        lines = [b'{"text": "' + row + b'"}' for row in (encoded[0], damaged, encoded[2])]
        path, second = tmp_path / "rows.jsonl", "rows.jsonl:2"
    else:
        lines = [b"text"] + [b'"' + row + b'"' for row in (encoded[0], damaged, encoded[2])]
        path, second = tmp_path / "rows.csv", "rows.csv:3"
    path.write_bytes(b"\n".join(lines) + b"\n")
    workbench = make_workbench()
    report = workbench.ingest([path])

    assert len(report.added) == 3 and not report.errors
    texts = _stored_texts(workbench)
    assert sorted(t for name, t in texts.items() if name != second) == sorted([ROWS[0], ROWS[2]])
    assert texts[second] == ROWS[1].replace("Харкові", "Харкові\ufffd")
    assert [w.split(":")[1] for w in report.warnings] == [second.split(":")[1]]
    assert "not valid UTF-8" in report.warnings[0] and "replaced" in report.warnings[0]
    assert all(article.encoding == "utf-8" for article in workbench.articles())
    damaged_article = next(a for a in workbench.articles() if a.origin.endswith(second))
    assert "not valid UTF-8" in damaged_article.meta["decoding"]


def test_a_row_in_another_encoding_is_rejected_alone_naming_its_line(make_workbench, tmp_path):
    """In a file of UTF-8 rows, a row typed on a Cyrillic code page is neither read as damaged
    UTF-8 nor allowed to switch the whole file to that code page."""
    path = tmp_path / "mixed.jsonl"
    utf8_rows = [f"{row} ({number})" for number in range(3) for row in ROWS]
    rows = [json.dumps({"text": row}, ensure_ascii=False).encode("utf-8") for row in utf8_rows]
    rows.insert(1, json.dumps({"text": "Министърът заяви, че заводът е произвел 300 снаряда."}, ensure_ascii=False).encode("cp1251"))
    path.write_bytes(b"\n".join(rows) + b"\n")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert sorted(_stored_texts(workbench).values()) == sorted(utf8_rows)
    assert [item.origin.rsplit("/", 1)[-1] for item in report.errors] == ["mixed.jsonl:2"]
    assert "not valid UTF-8" in report.errors[0].message and "another encoding" in report.errors[0].message


def test_a_legacy_code_page_row_file_is_read_in_that_code_page(make_workbench, tmp_path):
    path = tmp_path / "bg-1251.csv"
    rows = ["Министърът заяви, че заводът е произвел 300 снаряда за месец.",
            "Правителството одобри нов бюджет за отбрана в сряда."]
    path.write_bytes(("text\n" + "\n".join(f'"{row}"' for row in rows) + "\n").encode("cp1251"))
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 2 and not report.errors and not report.warnings
    assert sorted(_stored_texts(workbench).values()) == sorted(rows)
    assert {a.encoding for a in workbench.articles()} == {"cp1251"}


def test_a_stray_byte_in_a_utf8_article_is_replaced_not_read_as_a_code_page(make_workbench, tmp_path):
    path = tmp_path / "stray.txt"
    head, tail = RO[:len(RO) // 2], RO[len(RO) // 2:]
    path.write_bytes(head.encode("utf-8") + b"\x9c" + tail.encode("utf-8"))
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 1
    article = workbench.articles()[0]
    assert article.encoding == "utf-8"
    assert article.text == (head + "\ufffd" + tail).replace("\r\n", "\n")
    assert len(report.warnings) == 1 and f"byte {len(head.encode())}" in report.warnings[0]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(make_workbench, tmp_path, encoding):
    text_file, row_file = tmp_path / "article.txt", tmp_path / "rows.csv"
    text_file.write_bytes(BG.encode(encoding))
    row_file.write_bytes(("text\n" + "\n".join(f'"{row}"' for row in ROWS) + "\n").encode(encoding))
    workbench = make_workbench()
    report = workbench.ingest([text_file, row_file])
    assert len(report.added) == 4 and not report.errors
    texts = _stored_texts(workbench)
    assert texts["article.txt"] == BG.replace("\r\n", "\n")
    assert "\x00" not in "".join(texts.values())
    assert sorted(t for name, t in texts.items() if name.startswith("rows.csv")) == sorted(ROWS)
    assert {a.encoding for a in workbench.articles()} == {encoding}


def test_utf16_row_file_with_a_bom_is_read(make_workbench, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps({"text": row}, ensure_ascii=False) for row in ROWS) + "\n", encoding="utf-16")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 3 and not report.errors
    assert sorted(_stored_texts(workbench).values()) == sorted(ROWS)


def test_a_nul_byte_rejects_its_row_not_the_file(make_workbench, tmp_path):
    path = tmp_path / "nul.csv"
    encoded = [row.encode("utf-8") for row in ROWS]
    quoted = [b'"' + row + b'"' for row in encoded]
    path.write_bytes(b"text\n" + quoted[0] + b"\n" + quoted[1][:20] + b"\x00" + quoted[1][20:] + b"\n" + quoted[2] + b"\n")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert sorted(_stored_texts(workbench).values()) == sorted([ROWS[0], ROWS[2]])
    assert [item.origin.rsplit("/", 1)[-1] for item in report.errors] == ["nul.csv:3"]
    assert "NUL byte at column 21" in report.errors[0].message


# -- file names and folders ---------------------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_read_and_named_with_escapes(make_workbench, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    odd = os.fsdecode(bytes(folder) + b"/\xffst\xe9ri.txt")  # Latin-1 bytes in a UTF-8 file system
    Path(odd).write_text(RO, encoding="utf-8")
    (folder / "z-after.txt").write_text(UK, encoding="utf-8")
    workbench = make_workbench()
    report = workbench.ingest([folder])
    assert len(report.added) == 2 and not report.errors
    origins = sorted(article.origin.rsplit("/", 1)[-1] for article in workbench.articles())
    assert origins == ["\\xffst\\xe9ri.txt", "z-after.txt"]
    assert sorted(record["path"].rsplit("/", 1)[-1] for record in report.inputs) == origins


def test_a_newline_in_a_file_name_keeps_the_message_on_one_line(make_workbench, tmp_path):
    path = tmp_path / "two\nlines.txt"
    path.write_bytes(b"")
    report = make_workbench().ingest([path])
    assert len(report.errors) == 1
    message = report.errors[0].message
    assert "\n" not in message and "two\\nlines.txt: empty file" in message


def test_a_symlink_loop_is_called_a_loop_not_missing(make_workbench, tmp_path):
    loop, broken = tmp_path / "loop.txt", tmp_path / "broken.txt"
    loop.symlink_to(loop)
    broken.symlink_to(tmp_path / "gone.txt")
    report = make_workbench().ingest([loop, broken])
    messages = sorted(item.message for item in report.errors)
    assert "loops back on itself" in messages[1] and "loop.txt" in messages[1]
    assert "a symbolic link to" in messages[0] and "gone.txt" in messages[0] and "does not exist" in messages[0]


@pytest.fixture
def unreadable(monkeypatch):
    """Make paths unreadable: by permissions, and where the tests run as root (who may read
    anything) by refusing them where the operating system would."""
    import builtins
    import io

    refused: set[str] = set()
    real_open, real_scandir = io.open, os.scandir

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(file)) in refused:
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    def guarded_scandir(path="."):
        if os.path.abspath(os.fsdecode(path)) in refused:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    changed: list[tuple[Path, int]] = []

    def make(path: Path) -> Path:
        changed.append((path, path.stat().st_mode))
        path.chmod(0)
        refused.add(os.path.abspath(path))
        return path

    yield make
    for path, mode in changed:
        path.chmod(mode)


def test_unreadable_files_and_folders_are_named_and_the_rest_is_stored(make_workbench, tmp_path, unreadable):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.txt").write_text(RO, encoding="utf-8")
    (folder / "locked" / "hidden-away.txt").write_text(FR, encoding="utf-8")
    unreadable(folder / "b.txt") if (folder / "b.txt").write_text(BG, encoding="utf-8") else None
    (folder / "c.txt").write_text(UK, encoding="utf-8")
    named = tmp_path / "named.txt"
    named.write_text(FR_BUDGET, encoding="utf-8")
    unreadable(named)
    unreadable(folder / "locked")
    workbench = make_workbench()
    report = workbench.ingest([folder, named])
    assert sorted(_stored_texts(workbench)) == ["a.txt", "c.txt"]
    messages = sorted(item.message for item in report.errors)
    assert len(messages) == 3 and all("permission denied" in m and "\n" not in m for m in messages)
    assert any(m.startswith(f"{folder / 'b.txt'}:") for m in messages)
    assert any(m.startswith(f"{named}:") for m in messages)
    assert any(m.startswith(f"{folder / 'locked'}:") and "folder cannot be read" in m for m in messages)


def test_cli_names_an_unreadable_file_and_stores_the_rest_with_exit_3(tmp_path, unreadable):
    from click.testing import CliRunner

    from workbench.cli import main

    good, locked = tmp_path / "good.txt", tmp_path / "locked.txt"
    good.write_text(RO, encoding="utf-8")
    locked.write_text(BG, encoding="utf-8")
    unreadable(locked)
    result = CliRunner().invoke(main, ["ingest", str(good), str(locked), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 3, result.output
    assert f"error: {locked}: cannot read the file (permission denied)" in result.output
    assert "Ingested 1 new article(s)" in result.output


def test_a_huge_single_line_file_becomes_bounded_statements_with_a_warning(make_workbench, tmp_path):
    """A 1.2 MB file without line breaks or full stops used to be one statement of 1.2 M characters."""
    import random

    rng = random.Random(5)
    words = [w.strip(".,;:!?«»\"„“") for w in BG.split() if w.strip(".,;:!?«»\"„“")]
    path = tmp_path / "dump.txt"
    path.write_text(" ".join(rng.choice(words) for _ in range(200_000))[:1_200_000], encoding="utf-8")
    workbench = make_workbench()
    report = workbench.ingest([path])
    assert len(report.added) == 1
    statements = workbench.statements()
    assert max(len(s.text) for s in statements) <= workbench.config.segment.max_statement_chars
    assert len(statements) >= 1_200_000 // 1_500
    assert any("far longer than a news article" in warning for warning in report.warnings)


def test_only_http_addresses_are_kept_as_an_article_url(make_workbench, tmp_path):
    workbench = make_workbench()
    text = "Северна Корея е изпратила на Русия над милион артилерийски снаряда, твърди разузнаването."
    refused = workbench.ingest_text(text, url="javascript:alert(document.cookie)")
    assert refused.status == "error" and "'javascript:alert(document.cookie)' is not a web address" in refused.message
    assert workbench.articles() == []
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"text": text, "url": "data:text/html,<script>alert(1)</script>"}) + "\n"
                    + json.dumps({"text": text + " Второ.", "url": "https://example.org/a"}) + "\n", encoding="utf-8")
    report = workbench.ingest([rows])
    assert len(report.added) == 2
    assert sorted(article.url for article in workbench.articles()) == ["", "https://example.org/a"]
    assert any("'url' 'data:text/html,<script>alert(1)</script>' is not an http(s) address" in warning
               for warning in report.warnings)
    accepted = workbench.ingest_text(text + " Трето.", url=" https://example.org/b ")
    assert accepted.status == "added" and workbench.articles()[-1].url == "https://example.org/b"


def test_a_line_of_markup_is_kept_as_written_never_turned_into_a_statement_it_does_not_make(make_workbench):
    """Pasted '<script>alert(1)</script><img onerror>' once became the statement 'alert(1)'."""
    workbench = make_workbench()
    markup = '<script>alert(1)</script><img src=x onerror=alert(1)>'
    text = ("Северна Корея е изпратила на Русия близо пет милиона артилерийски снаряда.\n\n" + markup + "\n\n"
            "<p>Според разузнаването доставките продължават и през тази година.</p>")
    item = workbench.ingest_text(text, title="Снаряди")
    assert item.status == "added"
    article = workbench.articles()[0]
    by_text = {s.text: s for s in workbench.statements(article_id=article.article_id)}
    kept = by_text[markup]
    assert article.text[kept.start:kept.end] == markup  # the stored text is the source span
    assert kept.boilerplate and kept.boilerplate_reason == "markup"
    assert "alert(1)" not in by_text  # no statement the source never made
    prose = next(s for s in by_text.values() if s.text.startswith("Според разузнаването"))
    assert not prose.boilerplate  # a sentence in <p> tags is still a sentence
