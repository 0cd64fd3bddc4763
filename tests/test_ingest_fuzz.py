"""Fuzzing ingest: whatever bytes arrive, the store stays consistent and every input is either
stored or named in a one-line message.

Inputs are built by hypothesis (derandomized, so a run is repeatable) from real sample text:
encoded in the code pages newsrooms send or in UTF-16 with and without a BOM, then damaged by
truncation, NUL bytes, stray invalid bytes, random bytes and over-long lines, and written as
.txt, .md, .html, .jsonl or .csv. Each example ingests a batch of such files into one workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import Config, Workbench
from workbench.clean import normalise_newlines

from conftest import unprivileged

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SENTENCES = [
    line.strip()
    for path in sorted(SAMPLES.glob("*.txt"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if 20 < len(line.strip()) < 300
][:60]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251", "cp1250", "latin-1"]
FORMATS = ["txt", "md", "html", "jsonl", "csv"]
MAX_ROW_MB = 0.01  # 10 kB: over-long rows are cheap to make


def _body(texts: list[str], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps({"text": text, "title": text[:20]}, ensure_ascii=False) + "\n" for text in texts)
    if fmt == "csv":
        return "text,title\n" + "".join('"' + text.replace('"', '""') + '","' + text[:10].replace('"', '""') + '"\n'
                                        for text in texts)
    if fmt == "html":
        return "<html><body><article>" + "".join(f"<p>{text}</p>" for text in texts) + "</article></body></html>"
    if fmt == "md":
        return "# " + texts[0] + "\n\n" + "\n\n".join(texts[1:]) + "\n"
    return "\n\n".join(texts) + "\n"


@dataclass(frozen=True)
class FuzzInput:
    fmt: str
    data: bytes
    encoding: str
    texts: tuple[str, ...]  # as the encoding can hold them
    damage: tuple[str, ...]

    def expected_texts(self) -> set[str] | None:
        """What the store must hold from this file, where that is certain: undamaged text and
        rows in a Unicode encoding (HTML and Markdown are transformed on the way in)."""
        if self.damage or not self.encoding.startswith("utf") or self.fmt not in {"txt", "jsonl", "csv"}:
            return None
        if self.fmt == "txt":
            return {normalise_newlines(_body(list(self.texts), "txt"))}
        return {normalise_newlines(text) for text in self.texts}

    def stray_utf8_only(self) -> bool:
        """Damaged only by a few stray bytes in UTF-8 with plenty of valid non-ASCII letters: the
        file must still be read as UTF-8, never as a legacy code page."""
        strays = self.damage.count("stray")
        letters = sum(1 for c in "".join(self.texts) if ord(c) > 127)
        return (self.encoding in {"utf-8", "utf-8-sig"} and strays > 0 and set(self.damage) == {"stray"}
                and letters >= 8 * strays)


@st.composite
def input_files(draw: st.DrawFn) -> FuzzInput:
    fmt = draw(st.sampled_from(FORMATS))
    encoding = draw(st.sampled_from(ENCODINGS))
    texts = [text.encode(encoding, errors="replace").decode(encoding)
             for text in draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))]
    data = _body(texts, fmt).encode(encoding)
    damage = draw(st.lists(st.sampled_from(["truncate", "nul", "stray", "random", "huge"]), max_size=3))
    for kind in damage:
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "stray":
            data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x9c", b"\xe2\x82"])) + data[at:]
        elif kind == "random":
            data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
        elif kind == "huge":
            data = data[:at] + b"x" * int(MAX_ROW_MB * 1024 * 1024 * 1.5) + data[at:]
    return FuzzInput(fmt, data, encoding, tuple(texts), tuple(damage))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(input_files(), min_size=1, max_size=4))
def test_every_input_is_stored_or_named_and_the_store_stays_consistent(batch: list[FuzzInput]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = []
        for number, fuzz_input in enumerate(batch):
            path = root / f"input-{number}.{fuzz_input.fmt}"
            path.write_bytes(fuzz_input.data)
            paths.append(path)
        config = Config.load(workspace=str(root / "workspace"), overrides=[f"ingest.max_row_mb={MAX_ROW_MB}"])
        with Workbench(config) as workbench:
            report = workbench.ingest(paths)  # must not raise, whatever the bytes

            # every file is accounted for: something stored from it, or a message naming it
            by_id = {article.article_id: article for article in workbench.articles()}
            for path, fuzz_input in zip(paths, batch):
                items = [item for item in report.items if item.origin == str(path) or item.origin.startswith(f"{path}:")]
                assert items, f"{path.name} was neither stored nor named"
                # and what is certain about its text holds: no mis-decoding
                stored = [by_id[item.article_id] for item in items if item.status in {"added", "duplicate"}]
                expected = fuzz_input.expected_texts()
                if expected is not None:
                    assert not [item for item in items if item.status == "error"], [item.message for item in items]
                    assert {article.text for article in stored} == expected
                if fuzz_input.stray_utf8_only():
                    assert all(article.encoding.startswith("utf-8") for article in stored), \
                        [(a.origin, a.encoding) for a in stored]
            for item in report.errors:
                assert item.message.startswith(item.origin) and "\n" not in item.message

            # the store holds exactly the articles reported added, each whole
            db = workbench.store
            added = {item.article_id for item in report.added}
            stored = {row[0] for row in db.execute("SELECT article_id FROM articles")}
            assert stored == added
            for article in workbench.articles():
                assert "\x00" not in article.text
                article.text.encode("utf-8")  # no lone surrogates: the text is real Unicode
                statements = workbench.statements(article_id=article.article_id)
                assert statements, f"{article.origin} stored without statements"
                for statement in statements:
                    assert 0 <= statement.start < statement.end <= len(article.text)
                    assert statement.text.strip()
            orphans = db.execute(
                "SELECT COUNT(*) FROM statements WHERE article_id NOT IN (SELECT article_id FROM articles)").fetchone()[0]
            assert orphans == 0
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"



# -- the batch goes on: unreadable folders, links to nothing, damaged rows, one huge article ---

def _rows_file(rows: list[tuple[str, str]]) -> tuple[bytes, list[tuple[int, int, int]]]:
    """A CSV of (title, text) rows whose texts hold line breaks, and each row's byte span and first line."""
    data = b"title,text\n"
    spans, line = [], 2
    for title, text in rows:
        row = ('"' + title.replace('"', '""') + '","' + text.replace('"', '""') + '"\n').encode("utf-8")
        spans.append((len(data), len(data) + len(row), line))
        data += row
        line += row.count(b"\n")
    return data, spans


@st.composite
def csv_with_one_nul(draw: st.DrawFn) -> tuple[list[tuple[str, str]], bytes, int]:
    """Rows of two or three paragraphs each, and a NUL byte put anywhere after the header."""
    paragraphs = st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=3, unique=True)
    texts = draw(st.lists(paragraphs.map("\n".join), min_size=2, max_size=5, unique=True))
    rows = [(f"title {number}", text) for number, text in enumerate(texts)]
    data, spans = _rows_file(rows)
    at = draw(st.integers(spans[0][0], len(data) - 1))
    return rows, data[:at] + b"\x00" + data[at:], at


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(case=csv_with_one_nul())
def test_a_nul_byte_in_a_multi_line_csv_row_rejects_that_row_alone(case) -> None:
    """Wherever the NUL falls (in a row's first line, in the line holding its closing quote), that
    row is named and skipped, and every other row is stored as written."""
    rows, data, at = case
    _, spans = _rows_file(rows)
    damaged = next(number for number, (start, end, _) in enumerate(spans) if start <= at < end)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        path.write_bytes(data)
        with Workbench(Config.load(workspace=str(Path(folder) / "workspace"))) as workbench:
            report = workbench.ingest([path])
            stored = {article.text for article in workbench.articles()}
    assert stored == {text for number, (_, text) in enumerate(rows) if number != damaged}
    assert len(report.errors) == 1, [item.message for item in report.errors]
    message = report.errors[0].message
    nul_line = spans[damaged][2] + data[spans[damaged][0]:at].count(b"\n")
    assert message.startswith(f"{path}:{nul_line}: a NUL byte") and "\n" not in message


def test_a_nul_byte_in_the_header_of_a_csv_names_the_header():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        data, _ = _rows_file([("one", SENTENCES[0]), ("two", SENTENCES[1])])
        path.write_bytes(b"ti\x00tle" + data[5:])
        with Workbench(Config.load(workspace=str(Path(folder) / "workspace"))) as workbench:
            report = workbench.ingest([path])
    assert [item.message for item in report.errors] == [
        f"{path}:1: the header row is damaged (a NUL byte at column 3: this row is damaged) "
        "(re-export the file: no row can be read without it)"]


def test_links_to_nothing_and_links_that_loop_inside_a_folder_are_named(tmp_path):
    folder = tmp_path / "in"
    (folder / "deeper").mkdir(parents=True)
    (folder / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
    (folder / "deeper" / "b.txt").write_text(SENTENCES[1], encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (folder / "self.txt").symlink_to(folder / "self.txt")
    (folder / "deeper" / "up").symlink_to(folder)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "c.txt").write_text(SENTENCES[2], encoding="utf-8")
    (folder / "linked").symlink_to(tmp_path / "elsewhere")
    with Workbench(Config.load(workspace=str(tmp_path / "workspace"))) as workbench:
        report = workbench.ingest([folder])
        stored = {article.text for article in workbench.articles()}
    assert stored == {SENTENCES[0], SENTENCES[1], SENTENCES[2]}
    assert sorted(item.message for item in report.errors) == [
        f"{folder / 'deeper' / 'up'}: a symbolic link that loops back to a folder above it; not followed "
        "(point the link at another folder)",
        f"{folder / 'gone.txt'}: a symbolic link to '{tmp_path / 'deleted.txt'}', which does not exist "
        "(fix or remove the link)",
        f"{folder / 'self.txt'}: a symbolic link that loops back on itself (point the link at a file or folder)",
    ]


@pytest.mark.parametrize("command", ["ingest", "analyze"])
def test_a_folder_this_user_may_not_enter_is_named_and_the_rest_of_the_batch_is_stored(command):
    """``workbench ingest locked/210_ro.txt good/264_bg.txt`` with ``locked/`` at mode 000 raised a
    PermissionError from Path.exists() and stored nothing."""
    root = Path(tempfile.mkdtemp(prefix="unprivileged-"))  # pytest's own folders admit root only
    locked, good = root / "locked" / "210_ro.txt", root / "good" / "264_bg.txt"
    try:
        root.chmod(0o777)
        for path, text in ((locked, SENTENCES[0]), (good, SENTENCES[1])):
            path.parent.mkdir(mode=0o755)
            path.write_text(text, encoding="utf-8")
        locked.parent.chmod(0)
        ran = subprocess.run(
            unprivileged([sys.executable, "-m", "workbench", command, str(locked), str(good), "--workspace", "ws"]),
            capture_output=True, text=True, env={**os.environ, "WORKBENCH_HOME": str(root / "home"), "HOME": str(root)})
        assert ran.returncode == 3, ran.stderr
        assert f"error: {locked}: cannot be reached (permission denied) (check the permissions of the folders on " \
               "its path)" in ran.stderr.splitlines()
        assert "Traceback" not in ran.stderr
        with Workbench(Config.load(workspace="ws", home=str(root / "home"))) as workbench:
            assert [article.text for article in workbench.articles()] == [SENTENCES[1]]
            assert (workbench.last_manifest() is not None) == (command == "analyze")
    finally:
        locked.parent.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


def test_one_huge_article_is_stored_whole_in_bounded_statements_beside_the_rest_of_its_batch(tmp_path):
    """A single-line article of over a million characters (a scraper that lost the line breaks),
    in one batch with an ordinary article and a link to nothing: stored once, with a warning that
    names it, cut into statements no longer than the limit that cover it in order."""
    words = [word for sentence in SENTENCES for word in sentence.split()]
    sentences, size = [], 0
    while size < 1_100_000:  # sentences of 150-250 words, each numbered so none repeats
        count = 150 + len(sentences) % 100
        sentence = f"{len(sentences)} " + " ".join(words[(len(sentences) * 7 + i) % len(words)] for i in range(count))
        sentences.append(sentence.rstrip(".!?") + ".")
        size += len(sentences[-1]) + 1
    huge, ordinary, dangling = tmp_path / "huge.txt", tmp_path / "ordinary.txt", tmp_path / "dangling.txt"
    huge.write_text(" ".join(sentences), encoding="utf-8")
    ordinary.write_text(SENTENCES[0], encoding="utf-8")
    dangling.symlink_to(tmp_path / "gone.txt")
    config = Config.load(workspace=str(tmp_path / "workspace"))
    with Workbench(config) as workbench:
        report = workbench.ingest([tmp_path])
        [item] = [item for item in report.added if item.origin == str(huge)]
        assert any("million characters" in warning for warning in item.warnings)
        assert [error.origin for error in report.errors] == [str(dangling)]
        assert {article.text for article in workbench.articles()} == {huge.read_text(encoding="utf-8"), SENTENCES[0]}
        statements = workbench.statements(article_id=item.article_id)
        text = huge.read_text(encoding="utf-8")
        assert all(len(s.text) <= config.segment.max_statement_chars for s in statements)
        assert all(earlier.end <= later.start for earlier, later in zip(statements, statements[1:]))
        assert "".join(text[s.start:s.end] for s in statements).replace(" ", "") == text.replace(" ", "")
