"""Reading inputs: files and folders in, one :class:`Document` per article out.

Accepted inputs (folders are searched recursively):

* ``.txt``, ``.text``, ``.md``, ``.markdown``: one article per file;
* ``.html``, ``.htm``: one article per file, main text extracted with trafilatura;
* ``.jsonl``, ``.ndjson``: one article per line, a JSON object;
* ``.csv``, ``.tsv``: one article per row, with a header row.

Rows (JSONL and CSV) need a ``text`` field; ``id``, ``title``, ``url``,
``source``, ``published`` and ``lang`` are optional (see :data:`ROW_FIELDS`).

Bytes are decoded by BOM, then strict UTF-8, then charset-normalizer's
detection, so windows-1251, windows-1250, ISO-8859-2 and Latin-1 files decode
to the right letters. A problem with one input is yielded as an
:class:`~workbench.errors.InputError` and reading goes on with the next one.
Row files are streamed line by line with a per-row size limit, so a 200 MB file
never sits in memory whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .clean import normalise_newlines, words
from .errors import InputError

log = logging.getLogger(__name__)

FORMATS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv",
}
ROW_FIELDS = {
    "text": "the article text (required)",
    "id": "your own id for the article (kept in its metadata)",
    "title": "headline",
    "url": "where it was published",
    "source": "outlet or file name shown in exports (default: the input file name)",
    "published": "publication date, ISO 8601 preferred",
    "lang": "ISO 639-1 language code, if known (otherwise detected)",
}
_ROW_ALIASES = {"language": "lang", "body": "text", "content": "text", "headline": "title", "date": "published"}
_MAGIC = {
    b"%PDF": "a PDF document (export it to text or HTML first)",
    b"PK\x03\x04": "a ZIP archive or Office document (unpack it or save it as text first)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive (unpack it first)",
}
_SAMPLE_BYTES = 256 * 1024
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class Document:
    """One article as read from its input, before analysis."""

    text: str
    origin: str  # path, or path:line for a row
    source: str
    encoding: str
    title: str = ""
    url: str = ""
    published: str = ""
    language: str = ""  # given by the input; "" means detect it
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    format: str
    size: int


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[InputFile], list[InputError]]:
    """Files to read, in a stable order, and errors for paths that cannot be read at all."""
    files: list[InputFile] = []
    errors: list[InputError] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            errors.append(InputError(str(raw), "no such file or folder", "check the path"))
            continue
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            chosen = [p for p in candidates if p.suffix.lower() in FORMATS]
            skipped = len(candidates) - len(chosen)
            if skipped:
                log.info("%s: skipped %d file(s) that are not %s", path, skipped, ", ".join(sorted(FORMATS)))
            if not chosen:
                errors.append(InputError(str(raw), "folder holds no readable articles", f"accepted: {', '.join(sorted(FORMATS))}"))
        else:
            if path.suffix.lower() not in FORMATS:
                errors.append(
                    InputError(str(raw), f"unsupported file type {path.suffix or '(none)'!r}", f"accepted: {', '.join(sorted(FORMATS))}")
                )
                continue
            chosen = [path]
        for candidate in chosen:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            files.append(InputFile(candidate, FORMATS[candidate.suffix.lower()], candidate.stat().st_size))
    return files, errors


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_documents(
    input_file: InputFile, *, max_file_mb: float = 50.0, max_row_mb: float = 5.0
) -> Iterator[Document | InputError]:
    """Yield the articles of one input file, and an error for each part that cannot be read."""
    path = input_file.path
    origin = str(path)
    if input_file.size == 0:
        yield InputError(origin, "empty file", "nothing to ingest")
        return
    try:
        if input_file.format in {"jsonl", "csv"}:
            yield from _read_rows(input_file, int(max_row_mb * 1024 * 1024))
            return
        if input_file.size > max_file_mb * 1024 * 1024:
            yield InputError(
                origin,
                f"file is {input_file.size / 1024 / 1024:.1f} MB, more than the {max_file_mb:g} MB allowed for one article",
                "split it into articles (JSONL or CSV are read row by row), or raise ingest.max_file_mb",
            )
            return
        data = path.read_bytes()
        text, encoding = decode_bytes(data, origin)
        if input_file.format == "html":
            yield _html_document(text, origin, path.name, encoding)
        elif input_file.format == "markdown":
            body, title = markdown_to_text(text)
            yield _text_document(body, origin, path.name, encoding, title=title)
        else:
            yield _text_document(text, origin, path.name, encoding)
    except InputError as error:
        yield error
    except OSError as exc:
        yield InputError(origin, f"cannot read the file ({exc.strerror or exc})", "check its permissions")


def _text_document(text: str, origin: str, source: str, encoding: str, title: str = "") -> Document | InputError:
    text = normalise_newlines(text)
    if not text.strip():
        return InputError(origin, "file holds only whitespace", "nothing to ingest")
    return Document(text=text, origin=origin, source=source, encoding=encoding, title=title)


# -- decoding --------------------------------------------------------------------------

def decode_bytes(data: bytes, origin: str) -> tuple[str, str]:
    """Decode a whole file: BOM, then strict UTF-8, then charset-normalizer."""
    if not data.strip():
        raise InputError(origin, "empty file", "nothing to ingest")
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise InputError(origin, f"starts with a {name} byte-order mark but is not valid {name} ({exc.reason})",
                                 "re-save it as UTF-8") from None
    _refuse_binary(data[:8192], origin)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _detect_encoding(data[:_SAMPLE_BYTES * 4], origin)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise InputError(origin, f"looks like {encoding} but byte {exc.start} does not decode", "re-save it as UTF-8") from None


def _refuse_binary(head: bytes, origin: str) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(origin, f"binary file: {what}")
    if b"\x00" in head:
        # UTF-16 without a BOM also has NULs; let the detector try it before calling it binary.
        from charset_normalizer import from_bytes

        best = from_bytes(head).best()
        if best is None or not best.encoding.startswith("utf_16"):
            raise InputError(origin, "binary file, not text", "give the workbench .txt, .md, .html, .jsonl or .csv files")


# Legacy encodings newsrooms in the workbench's languages still send: Cyrillic (bg, uk, ru),
# Central European (ro) and Western (fr, en). Asking charset-normalizer about these only keeps
# it from choosing a Baltic or Nordic code page for Latin-1 French ("franēais").
# In order of preference when two decode equally well (ISO-8859-16 last: it would turn a
# cp1250 "ţ" into "ț").
NEWSROOM_ENCODINGS = ["utf_8", "cp1251", "cp1250", "cp1252", "iso8859_2", "latin_1", "iso8859_15", "koi8_r", "koi8_u",
                      "iso8859_5", "mac_cyrillic", "iso8859_16"]
# Letters of the workbench's languages beyond ASCII; any Cyrillic letter counts as well.
_HOME_LETTERS = set("àâæçéèêëîïôœùûüÿăâîșțşţÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸĂÂÎȘȚŞŢ")
_CHAOS_MARGIN = 0.05  # candidates this close to the cleanest decoding are told apart by their letters


def _alphabet_fit(text: str) -> float:
    """Share of the non-ASCII letters that belong to ro/fr or Cyrillic: mojibake scores low."""
    letters = [c for c in text if c.isalpha() and not c.isascii()]
    if not letters:
        return 1.0
    return sum(1 for c in letters if c in _HOME_LETTERS or "\u0400" <= c <= "\u04ff") / len(letters)


def _detect_encoding(sample: bytes, origin: str) -> str:
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(sample, cp_isolation=NEWSROOM_ENCODINGS) if m.chaos <= 0.3]
    if not matches:
        raise InputError(origin, "unreadable text encoding (no known encoding decodes it cleanly)", "re-save it as UTF-8")
    cleanest = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= cleanest + _CHAOS_MARGIN]
    return max(close, key=lambda m: (_alphabet_fit(str(m)), -NEWSROOM_ENCODINGS.index(m.encoding))).encoding


def _stream_encoding(handle: BinaryIO, origin: str) -> str:
    sample = handle.read(_SAMPLE_BYTES)
    handle.seek(0)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(origin, "UTF-16 row files are not supported", "re-save it as UTF-8")
    if not sample.strip():
        raise InputError(origin, "file holds only whitespace", "nothing to ingest")
    _refuse_binary(sample[:8192], origin)
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and len(sample) == _SAMPLE_BYTES:
            return "utf-8"  # the sample cut a multi-byte character in half
    return _detect_encoding(sample, origin)


# -- HTML and Markdown -----------------------------------------------------------------

MIN_HTML_WORDS = 5  # fewer is a menu, a link list or an error page, not an article


def _html_document(html_text: str, origin: str, source: str, encoding: str) -> Document | InputError:
    import trafilatura

    result = trafilatura.bare_extraction(
        html_text, with_metadata=True, include_comments=False, include_tables=False, include_images=False,
        # Only dates the page states as its own (meta tags, time elements): the extensive search
        # takes a year named in the body ("the budget for 2025") for the publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if result is None:
        return InputError(origin, "no article text found in this HTML page", "check that it is an article page, not a menu or index")
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = normalise_newlines(data.get("text") or "")
    if len(words(text)) < MIN_HTML_WORDS:
        found = f" (only {text.strip()!r})" if text.strip() else ""
        return InputError(origin, f"no article text found in this HTML page{found}",
                          "check that it is an article page, not a menu or index")
    return Document(
        text=text,
        origin=origin,
        source=data.get("url") or source,
        encoding=encoding,
        title=(data.get("title") or "").strip(),
        url=data.get("url") or "",
        published=data.get("date") or "",
        meta={key: str(data[key]) for key in ("sitename", "author") if data.get(key)},
    )


def markdown_to_text(markdown: str) -> tuple[str, str]:
    """Plain text of a Markdown article, one block per paragraph, and its first H1 as title."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    blocks: list[str] = []
    title = ""
    heading_level = None
    for token in tokens:
        if token.type == "heading_open":
            heading_level = token.tag
        elif token.type == "inline":
            text = "".join(
                child.content if child.type in {"text", "code_inline"} else (" " if child.type in {"softbreak", "hardbreak"} else "")
                for child in (token.children or [])
            ).strip()
            if text:
                if heading_level == "h1" and not title:
                    title = text
                blocks.append(text)
        elif token.type == "heading_close":
            heading_level = None
    return "\n\n".join(blocks), title


# -- rows ------------------------------------------------------------------------------

def _read_rows(input_file: InputFile, max_row_bytes: int) -> Iterator[Document | InputError]:
    path = input_file.path
    origin = str(path)
    with path.open("rb") as handle:
        encoding = _stream_encoding(handle, origin)
        lines = _decoded_lines(handle, encoding, origin, max_row_bytes)
        if input_file.format == "jsonl":
            yield from _jsonl_rows(lines, path)
        else:
            yield from _csv_rows(lines, path, encoding, max_row_bytes)


def _decoded_lines(
    handle: BinaryIO, encoding: str, origin: str, max_row_bytes: int
) -> Iterator[tuple[int, str | InputError]]:
    """``(line number, text)`` for each line; an oversize or undecodable line becomes an error."""
    number = 0
    while True:
        raw = handle.readline(max_row_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_row_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line without holding it
                raw = handle.readline(1 << 20)
            yield number, InputError(origin, f"row is longer than {max_row_bytes // (1024 * 1024)} MB; skipped",
                                     "raise ingest.max_row_mb if it is a real article", line=number)
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            yield number, InputError(origin, f"bytes at column {exc.start} are not valid {encoding}",
                                     "re-save the file as UTF-8", line=number)
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        yield number, text


def _jsonl_rows(lines: Iterator[tuple[int, str | InputError]], path: Path) -> Iterator[Document | InputError]:
    origin = str(path)
    for number, line in lines:
        if isinstance(line, InputError):
            yield line
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            around = line[max(0, exc.pos - 20):exc.pos + 20].replace("\n", " ").strip()
            problem = exc.msg.lower().removesuffix(" at")  # "Invalid control character at"
            yield InputError(origin, f"not valid JSON ({problem}, column {exc.colno}, near {around!r})",
                             "each line must be one JSON object", line=number)
            continue
        if not isinstance(record, dict):
            yield InputError(origin, f"a JSON {type(record).__name__}, not an object", 'write {"text": "..."} per line', line=number)
            continue
        yield _row_document(record, origin, number, path.name, "utf-8")


def _csv_rows(
    lines: Iterator[tuple[int, str | InputError]], path: Path, encoding: str, max_row_bytes: int
) -> Iterator[Document | InputError]:
    origin = str(path)
    problems: list[InputError] = []

    def text_lines() -> Iterator[str]:
        for _, line in lines:
            if isinstance(line, InputError):
                problems.append(line)
                yield "\n"  # keeps csv's line count aligned; an empty row is skipped
            else:
                yield line

    source = text_lines()
    first = next(source, "")
    dialect = _sniff(first, path)
    csv.field_size_limit(max(max_row_bytes, 131072))
    reader = csv.reader(_chain(first, source), dialect)
    header_row = next(reader, None)
    if not header_row:
        yield InputError(origin, "CSV file has no header row", f"the first row must name the columns; accepted: {', '.join(ROW_FIELDS)}")
        return
    header = [_ROW_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in header_row]
    if "text" not in header:
        yield InputError(
            origin,
            f"CSV has no 'text' column (columns: {', '.join(h for h in header_row if h) or 'none'})",
            "rename the column that holds the article text to 'text'",
            line=1,
        )
        return
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            hint = ("a quotation mark opened in this row is never closed, so every row after it was read as its "
                    "text; close the quote (or double quotes inside a field) and ingest the file again"
                    if "unexpected end of data" in str(exc) else "check quoting around this row")
            yield InputError(origin, f"CSV cannot be parsed from here on ({exc})", hint, line=start_line)
            break
        while problems:
            yield problems.pop(0)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield InputError(origin, f"row has {len(row)} cells but the header names {len(header)}", "check for an unquoted delimiter", line=start_line)
            continue
        record = dict(zip(header, row))
        yield _row_document(record, origin, start_line, path.name, encoding)
    while problems:
        yield problems.pop(0)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class _StrictExcel(csv.excel):
    strict = True  # a quote left open to the end of the file is an error, not one giant last cell


class _StrictExcelTab(csv.excel_tab):
    strict = True


def _sniff(header_line: str, path: Path) -> type[csv.Dialect] | csv.Dialect:
    if path.suffix.lower() == ".tsv":
        return _StrictExcelTab
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t|")
    except csv.Error:
        return _StrictExcel
    dialect.strict = True
    # A header line cannot show how quotes inside fields are escaped; every CSV writer we
    # meet (Excel, pandas, LibreOffice) doubles them.
    dialect.doublequote = True
    dialect.quotechar = '"'
    return dialect


def _row_document(record: dict, origin: str, line: int, file_name: str, encoding: str) -> Document | InputError:
    record = {_ROW_ALIASES.get(str(k).strip().lower(), str(k).strip().lower()): v for k, v in record.items()}
    text = record.get("text")
    if text is None:
        return InputError(origin, "row has no 'text' field", f"fields found: {', '.join(record) or 'none'}", line=line)
    if not isinstance(text, str):
        return InputError(origin, f"'text' is a {type(text).__name__}, not a string", line=line)
    text = normalise_newlines(text)
    if not text.strip():
        return InputError(origin, "row has an empty 'text'", "nothing to ingest", line=line)
    language = str(record.get("lang") or "").strip().lower()
    if language and not _LANG_CODE.match(language):
        return InputError(origin, f"'lang' is {language!r}, not an ISO 639-1 code", "use codes like ro, uk, bg, fr", line=line)
    meta = {"row": str(line)}
    if record.get("id") not in (None, ""):
        meta["id"] = str(record["id"])
    return Document(
        text=text,
        origin=f"{origin}:{line}",
        source=str(record.get("source") or record.get("url") or file_name).strip(),
        encoding=encoding,
        title=str(record.get("title") or "").strip(),
        url=str(record.get("url") or "").strip(),
        published=str(record.get("published") or "").strip(),
        language=language,
        meta=meta,
    )


def accepted_inputs_help() -> str:
    columns = "; ".join(f"{name}: {meaning}" for name, meaning in ROW_FIELDS.items())
    return (
        "Files or folders (searched recursively) of .txt/.md (one article each), .html/.htm (main text extracted), "
        f".jsonl and .csv/.tsv (one article per row). Row fields - {columns}."
    )


__all__ = ["Document", "InputFile", "expand_paths", "read_documents", "decode_bytes", "file_sha256", "ROW_FIELDS"]
