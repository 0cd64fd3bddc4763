"""Reading inputs: files and folders in, one :class:`Document` per article out.

Accepted inputs (folders are searched recursively):

* ``.txt``, ``.text``, ``.md``, ``.markdown``: one article per file;
* ``.html``, ``.htm``: one article per file, main text extracted with trafilatura;
* ``.jsonl``, ``.ndjson``: one article per line, a JSON object;
* ``.csv``, ``.tsv``: one article per row, with a header row.

Rows (JSONL and CSV) need a ``text`` field; ``id``, ``title``, ``url``,
``source``, ``published`` and ``lang`` are optional (see :data:`ROW_FIELDS`).

Bytes are decoded by BOM, then UTF-16 without a BOM (told by its byte order),
then UTF-8, then charset-normalizer's detection, so windows-1251, windows-1250,
ISO-8859-2 and Latin-1 files decode to the right letters. A few stray invalid
bytes in otherwise valid UTF-8 are replaced with U+FFFD and reported as a
warning, never read as a legacy code page. Row files are decoded row by row: a
row that is valid UTF-8 is read as UTF-8, others in the file's code page, and a
damaged row (invalid bytes, a NUL) is rejected alone, naming its line.

A problem with one input is yielded as an :class:`~workbench.errors.InputError`
and reading goes on with the next one. Row files are streamed line by line with
a per-row size limit, so a 200 MB file never sits in memory whole. Paths in
messages are shown by :func:`display_path`: one printable line, whatever bytes
the file name holds.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import hashlib
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator
from urllib.parse import urlsplit

from .clean import normalise_newlines, words
from .dates import day_of
from .errors import InputError

log = logging.getLogger(__name__)

FORMATS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv",
}
ROW_FORMATS = frozenset({"jsonl", "csv"})  # files holding one article per row
ROW_FIELDS = {
    "text": "the article text (required)",
    "id": "your own id for the article (kept in its metadata)",
    "title": "headline",
    "url": "where it was published",
    "source": "outlet or file name shown in exports (default: the input file name)",
    "published": "publication date, ISO 8601 (YYYY-MM-DD; another form is kept as written but not used)",
    "lang": "ISO 639-1 language code, if known (otherwise detected)",
    "outlet": "the publication's name, e.g. Le Monde (shown on cards, in exports and ClaimReview)",
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
    warnings: tuple[str, ...] = ()  # what was repaired while reading it (replaced bytes...)
    outlet: str = ""  # the publication's own name, where the page or feed gives it


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    format: str
    size: int


def display_path(path: str | Path) -> str:
    """A path as one printable line: bytes that are not UTF-8 shown as ``\\xff``, control
    characters (a newline in a file name) as escapes, so a message stays one readable line."""
    text = str(path)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[InputFile], list[InputError]]:
    """Files to read, in a stable order, and errors for paths that cannot be read at all."""
    files: list[InputFile] = []
    errors: list[InputError] = []
    seen: set[Path] = set()
    accepted = f"accepted: {', '.join(sorted(FORMATS))}"
    for raw in paths:
        shown = display_path(raw)
        try:
            path = Path(raw).expanduser()
            exists, is_dir = path.exists(), path.is_dir()
        except RuntimeError:  # Python's word for ~name of a user this machine does not have
            user = str(raw).split(os.sep, 1)[0].removeprefix("~")
            errors.append(InputError(shown, f"starts with the home folder of {display_path(user)!r}, a user this machine "
                                            "does not have", "give the path without ~, or the folder in full"))
            continue
        except OSError as exc:  # a folder on the way that this user may not enter
            errors.append(InputError(shown, f"cannot be reached ({_reason(exc)})",
                                     "check the permissions of the folders on its path"))
            continue
        if not exists:
            errors.append(InputError(shown, *_missing(path)))
            continue
        if is_dir:
            candidates = _folder_files(path, errors)
            chosen = [p for p in candidates if p.suffix.lower() in FORMATS]
            skipped = len(candidates) - len(chosen)
            if skipped:
                log.info("%s: skipped %d file(s) that are not %s", shown, skipped, ", ".join(sorted(FORMATS)))
            if not chosen and not candidates:
                errors.append(InputError(shown, "folder holds no readable articles", accepted))
            elif not chosen:
                errors.append(InputError(shown, "folder holds no files of a type the workbench reads", accepted))
        else:
            if path.suffix.lower() not in FORMATS:
                errors.append(InputError(shown, f"unsupported file type {display_path(path.suffix) or '(none)'!r}", accepted))
                continue
            chosen = [path]
        for candidate in chosen:
            try:
                resolved = candidate.resolve()
                size = candidate.stat().st_size
            except (OSError, RuntimeError) as exc:
                errors.append(InputError(display_path(candidate), f"cannot be read ({_reason(exc)})", "check its permissions"))
                continue
            if resolved in seen:
                continue
            seen.add(resolved)
            files.append(InputFile(candidate, FORMATS[candidate.suffix.lower()], size))
    return files, errors


def _missing(path: Path) -> tuple[str, str]:
    """Why a path that does not exist cannot be read, and what to do."""
    if not path.is_symlink():
        return "no such file or folder", "check the path"
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop this way
        return "a symbolic link that loops back on itself", "point the link at a file or folder"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself", "point the link at a file or folder"
    return f"a symbolic link to {display_path(os.readlink(path))!r}, which does not exist", "fix or remove the link"


def _folder_files(folder: Path, errors: list[InputError]) -> list[Path]:
    """Every visible file under ``folder``, sorted, following links to folders (each folder is read
    once); what cannot be read (a sub-folder, a file, a link to nothing, a link that loops back) is
    named in ``errors``."""
    def unreadable(exc: OSError) -> None:
        where = display_path(exc.filename if exc.filename is not None else folder)
        errors.append(InputError(where, f"folder cannot be read ({_reason(exc)}); its files were skipped", "check its permissions"))

    found: list[Path] = []
    entered = {os.path.realpath(folder)}
    for root, folders, names in os.walk(folder, onerror=unreadable, followlinks=True):
        base = Path(root)
        followed = []
        for name in sorted(name for name in folders if not name.startswith(".")):
            real = os.path.realpath(base / name)
            if real not in entered:
                entered.add(real)
                followed.append(name)
            elif os.path.commonpath([real, os.path.realpath(base)]) == real:
                errors.append(InputError(display_path(base / name), "a symbolic link that loops back to a folder above "
                                         "it; not followed", "point the link at another folder"))
        folders[:] = followed
        for name in names:
            if name.startswith("."):
                continue
            path = base / name
            try:
                if path.is_file():
                    found.append(path)
                elif not path.exists():
                    errors.append(InputError(display_path(path), *_missing(path)))
            except OSError as exc:
                errors.append(InputError(display_path(path), f"cannot be read ({_reason(exc)})", "check its permissions"))
    return sorted(found)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


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
    origin = display_path(path)
    if input_file.size == 0:
        yield InputError(origin, "empty file", "nothing to ingest")
        return
    try:
        if input_file.format in ROW_FORMATS:
            yield from _read_rows(input_file, int(max_row_mb * 1024 * 1024))
            return
        if input_file.size > max_file_mb * 1024 * 1024:
            yield InputError(
                origin,
                f"file is {input_file.size / 1024 / 1024:.1f} MB, more than the {max_file_mb:g} MB allowed for one article",
                "split it into articles (JSONL or CSV are read row by row), or raise ingest.max_file_mb",
            )
            return
        decoded = decode_text(path.read_bytes(), origin)
        name = display_path(path.name)
        if input_file.format == "html":
            document = _html_document(decoded.text, origin, name, decoded.encoding)
        elif input_file.format == "markdown":
            body, title = markdown_to_text(decoded.text)
            document = _text_document(body, origin, name, decoded.encoding, title=title)
        else:
            document = _text_document(decoded.text, origin, name, decoded.encoding)
        if isinstance(document, Document) and decoded.warnings:
            document = replace(document, warnings=decoded.warnings)
        yield document
    except InputError as error:
        yield error
    except OSError as exc:
        yield InputError(origin, f"cannot read the file ({_reason(exc)})", "check its permissions")


def _text_document(text: str, origin: str, source: str, encoding: str, title: str = "") -> Document | InputError:
    text = normalise_newlines(text)
    if not text.strip():
        return InputError(origin, "file holds only whitespace", "nothing to ingest")
    return Document(text=text, origin=origin, source=source, encoding=encoding, title=title)


# -- decoding --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, the encoding used, and what was repaired on the way."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


# A UTF-8 text damaged by a few stray bytes still has far more valid multi-byte characters
# than invalid bytes; a text in a legacy code page read as UTF-8 has almost none.
_STRAY_RATIO = 4
# A row of a UTF-8 file with at most this many invalid bytes is damaged UTF-8, not another encoding.
_STRAY_PER_ROW = 3
_BINARY_NUL_SHARE = 0.05  # more NULs than this in text that is not UTF-16 is a binary file


def decode_bytes(data: bytes, origin: str) -> tuple[str, str]:
    """Decode a whole file; see :func:`decode_text` for the rules. Returns text and encoding."""
    decoded = decode_text(data, origin)
    return decoded.text, decoded.encoding


def decode_text(data: bytes, origin: str) -> Decoded:
    """Decode a whole file: BOM, UTF-16 without a BOM, UTF-8 (a few stray bytes replaced, with a
    warning), then charset-normalizer among the newsroom code pages."""
    if not data.strip():
        raise InputError(origin, "empty file", "nothing to ingest")
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name)
            except UnicodeDecodeError as exc:
                raise InputError(origin, f"starts with a {name} byte-order mark but is not valid {name} ({exc.reason})",
                                 "re-save it as UTF-8") from None
    _refuse_magic(data, origin)
    if b"\x00" in data or _control_share(data[:8192]) > _BINARY_NUL_SHARE:
        utf16 = utf16_without_bom(data)
        if utf16 is None:
            nul = data.find(b"\0")
            where = f" (a NUL byte at byte {nul})" if nul >= 0 else ""
            raise InputError(origin, f"binary file, not text{where}",
                             "give the workbench .txt, .md, .html, .jsonl or .csv files")
        return decode_text_utf16(data, utf16, origin)
    text, invalid, first_bad = lenient_utf8(data)
    if not invalid:
        return Decoded(text, "utf-8")
    if _non_ascii_letters(text) >= _STRAY_RATIO * invalid:
        return Decoded(text, "utf-8", (_replaced_warning(invalid, first_bad, "byte"),))
    encoding = _detect_encoding(data[:_SAMPLE_BYTES * 4], origin)
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError as exc:
        raise InputError(origin, f"looks like {encoding} but byte {exc.start} does not decode", "re-save it as UTF-8") from None


def decode_text_utf16(data: bytes, encoding: str, origin: str) -> Decoded:
    if len(data) % 2:
        data = data[:-1]
        warnings: tuple[str, ...] = ("the last byte was cut off (an odd number of bytes in UTF-16); dropped",)
    else:
        warnings = ()
    try:
        return Decoded(data.decode(encoding), encoding, warnings)
    except UnicodeDecodeError as exc:
        raise InputError(origin, f"reads as {encoding} but byte {exc.start} does not decode", "re-save it as UTF-8") from None


def _replaced_warning(count: int, first: int, where: str) -> str:
    plural = "" if count == 1 else "s"
    return (f"{count} byte sequence{plural} that {'is' if count == 1 else 'are'} not valid UTF-8 (first at {where} {first}) "
            f"replaced with \ufffd; the rest is UTF-8")


def lenient_utf8(data: bytes) -> tuple[str, int, int]:
    """UTF-8 with each invalid sequence replaced by U+FFFD: text, how many, and where the first was."""
    parts: list[str] = []
    position, invalid, first_bad = 0, 0, -1
    while True:
        try:
            parts.append(data[position:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            parts.append(data[position:position + exc.start].decode("utf-8"))
            parts.append("\ufffd")
            if first_bad < 0:
                first_bad = position + exc.start
            invalid += 1
            position += exc.end
    return "".join(parts), invalid, first_bad


def _control_share(head: bytes) -> float:
    """Share of control bytes other than tab and line breaks: text has none, UTF-16 Cyrillic many."""
    return sum(1 for b in head if b < 0x20 and b not in (9, 10, 13)) / max(1, len(head))


def _non_ascii_letters(text: str) -> int:
    return sum(1 for c in text if c > "\x7f" and c != "\ufffd")


def utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the bytes read as text in that byte order, else None.

    Text in the alphabets the workbench reads (Latin, Greek, Cyrillic, Arabic, Hebrew...) sits
    below U+0800 and has spaces between its words; read in the wrong byte order it becomes CJK
    and other high code points, and binary data has no spaces, so the right order stands out.
    """
    head = data[:_SAMPLE_BYTES]
    head = head[:len(head) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = head.decode(encoding, errors="replace")
        if not text:
            continue
        plausible = sum(1 for c in text if (c.isprintable() or c in "\t\n\r") and (c < "\u0800" or "\u2000" <= c <= "\u206f")
                        and not unicodedata.combining(c))
        spaces = sum(1 for c in text if c.isspace())
        if plausible >= 0.95 * len(text) and spaces >= 0.03 * len(text):
            return encoding
    return None


def _refuse_magic(head: bytes, origin: str) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(origin, f"binary file: {what}")


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
    encoding = _legacy_encoding(sample)
    if encoding is None:
        raise InputError(origin, "unreadable text encoding (no known encoding decodes it cleanly)", "re-save it as UTF-8")
    return encoding


def _legacy_encoding(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(sample, cp_isolation=NEWSROOM_ENCODINGS) if m.chaos <= 0.3]
    if not matches:
        return None
    cleanest = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= cleanest + _CHAOS_MARGIN]
    return max(close, key=lambda m: (_alphabet_fit(str(m)), -NEWSROOM_ENCODINGS.index(m.encoding))).encoding


@dataclass(frozen=True, slots=True)
class RowEncoding:
    """How the rows of one file are decoded: each row is tried as UTF-8 first; ``fallback`` is the
    code page for rows that are not (None: such a row is damaged UTF-8); ``stream`` is set for
    UTF-16 files, which are decoded as one text stream."""

    fallback: str | None = None
    stream: str | None = None
    skip_bom: bool = False


def _row_encoding(handle: BinaryIO, origin: str) -> RowEncoding:
    sample = handle.read(_SAMPLE_BYTES)
    handle.seek(0)
    if sample.startswith(codecs.BOM_UTF8):
        return RowEncoding(skip_bom=True)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return RowEncoding(stream="utf-16")
    if not sample.strip():
        raise InputError(origin, "file holds only whitespace", "nothing to ingest")
    _refuse_magic(sample, origin)
    if b"\x00" in sample:
        utf16 = utf16_without_bom(sample)
        if utf16 is not None:
            return RowEncoding(stream=utf16)
        if sample.count(b"\x00") > _BINARY_NUL_SHARE * len(sample):
            raise InputError(origin, "binary file, not text", "give the workbench .txt, .md, .html, .jsonl or .csv files")
    text, invalid, _ = lenient_utf8(sample)
    if len(sample) == _SAMPLE_BYTES and text.endswith("\ufffd"):
        invalid -= 1  # the sample cut a multi-byte character in half
    if invalid <= 0 or _non_ascii_letters(text) >= _STRAY_RATIO * invalid:
        return RowEncoding()
    return RowEncoding(fallback=_legacy_encoding(sample))


def _decode_row(raw: bytes, encoding: RowEncoding, origin: str, number: int) -> tuple[str, str, tuple[str, ...]] | InputError:
    """One row's text, its encoding and warnings; or the error that rejects this row alone."""
    try:
        return raw.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError as exc:
        column = exc.start + 1
    if encoding.fallback is not None:
        try:
            return raw.decode(encoding.fallback), encoding.fallback, ()
        except UnicodeDecodeError as exc:
            return InputError(origin, f"byte at column {exc.start + 1} is neither UTF-8 nor {encoding.fallback}",
                              "re-save the file as UTF-8", line=number)
    text, invalid, first_bad = lenient_utf8(raw)
    if invalid <= _STRAY_PER_ROW or _non_ascii_letters(text) >= _STRAY_RATIO * invalid:
        return text, "utf-8", (_replaced_warning(invalid, first_bad + 1, "column"),)
    return InputError(origin, f"{invalid} byte sequences from column {column} are not valid UTF-8, unlike the rest of the file "
                              "(this row seems to be in another encoding)", "re-save the file as UTF-8", line=number)


# -- HTML and Markdown -----------------------------------------------------------------

MIN_HTML_WORDS = 5  # fewer is a menu, a link list or an error page, not an article


def _parser_limit(html_text: str) -> str:
    """What stopped the HTML parser before the end of the page, or "": a page nested deeper than
    libxml2 reads (256 levels) loses every text below that depth."""
    from lxml import etree

    parser = etree.HTMLParser()
    with contextlib.suppress(etree.LxmlError, ValueError):
        etree.fromstring(html_text, parser)
    return next((error.message.split(",")[0] for error in parser.error_log if error.type_name == "ERR_RESOURCE_LIMIT"), "")


def _no_text(origin: str, html_text: str, found: str = "") -> InputError:
    limit = _parser_limit(html_text)
    if limit:
        return InputError(origin, f"the page's elements nest deeper than the HTML parser reads ({limit}), so its text "
                                  "is cut off", "save the article's text as .txt, or fix the page's markup")
    return InputError(origin, f"no article text found in this HTML page{found}",
                      "check that it is an article page, not a menu or index")


def _html_document(html_text: str, origin: str, source: str, encoding: str) -> Document | InputError:
    from .extract import extract_html

    data = extract_html(html_text).data
    if not data:
        return _no_text(origin, html_text)
    text = normalise_newlines(data.get("text") or "")
    if len(words(text)) < MIN_HTML_WORDS:
        return _no_text(origin, html_text, f" (only {text.strip()!r})" if text.strip() else "")
    return Document(
        text=text,
        origin=origin,
        source=web_address(data.get("url") or "") or source,
        encoding=encoding,
        title=(data.get("title") or "").strip(),
        url=web_address(data.get("url") or ""),
        published=data.get("date") or "",
        meta={key: str(data[key]) for key in ("sitename", "author") if data.get(key)},
        outlet=(data.get("sitename") or "").strip(),
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
    origin = display_path(path)
    with path.open("rb") as handle:
        encoding = _row_encoding(handle, origin)
        if encoding.stream is not None:
            lines = _stream_lines(handle, encoding.stream, origin, max_row_bytes)
        else:
            lines = _decoded_lines(handle, encoding, origin, max_row_bytes)
        rows = _jsonl_rows(lines, path) if input_file.format == "jsonl" else _csv_rows(lines, path, max_row_bytes)
        yielded = False
        for row in rows:
            yielded = True
            yield row
        if not yielded:
            yield InputError(origin, "file holds no rows", "nothing to ingest")


@dataclass(frozen=True, slots=True)
class RowText:
    """One decoded line of a row file. A damaged line (a NUL byte, another encoding) carries the
    error that rejects its row, and its text as well as it reads, so a CSV parser still sees
    where its quotes open and close."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()
    damage: InputError | None = None


def _oversize_row(origin: str, number: int, max_row_bytes: int) -> InputError:
    return InputError(origin, f"row is longer than {max_row_bytes / (1024 * 1024):g} MB; skipped",
                      "raise ingest.max_row_mb if it is a real article", line=number)


def _decoded_lines(
    handle: BinaryIO, encoding: RowEncoding, origin: str, max_row_bytes: int
) -> Iterator[tuple[int, RowText | InputError]]:
    """``(line number, text)`` for each line; an oversize, NUL-holding or undecodable line becomes an error."""
    number = 0
    while True:
        raw = handle.readline(max_row_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_row_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line without holding it
                raw = handle.readline(1 << 20)
            yield number, _oversize_row(origin, number, max_row_bytes)
            continue
        if number == 1 and encoding.skip_bom:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in raw:
            column = raw.index(b"\x00") + 1
            damage = InputError(origin, f"a NUL byte at column {column}: this row is damaged",
                                "re-export the file, or delete the NUL bytes from this row", line=number)
            yield number, RowText(lenient_utf8(raw.replace(b"\x00", b""))[0], "", damage=damage)
            continue
        decoded = _decode_row(raw, encoding, origin, number)
        if isinstance(decoded, InputError):
            yield number, RowText(lenient_utf8(raw)[0], "", damage=decoded)
        else:
            yield number, RowText(*decoded)


def _stream_lines(
    handle: BinaryIO, encoding: str, origin: str, max_row_bytes: int
) -> Iterator[tuple[int, RowText | InputError]]:
    """Lines of a UTF-16 row file, decoded as one stream (its lines cannot be split as bytes)."""
    import io

    # A character of UTF-16 is at least two bytes, so a row of max_row_bytes has at most half as many.
    max_chars = max_row_bytes // 2
    stream = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    number = 0
    try:
        while True:
            line = stream.readline(max_chars + 1)
            if not line:
                return
            number += 1
            if len(line) > max_chars and not line.endswith("\n"):
                while line and not line.endswith("\n"):
                    line = stream.readline(1 << 20)
                yield number, _oversize_row(origin, number, max_row_bytes)
                continue
            line = line.lstrip("\ufeff") if number == 1 else line
            warnings = (f"characters that are not valid {encoding} replaced with \ufffd",) if "\ufffd" in line else ()
            yield number, RowText(line, encoding, warnings)
    finally:
        stream.detach()


def _jsonl_rows(lines: Iterator[tuple[int, RowText | InputError]], path: Path) -> Iterator[Document | InputError]:
    origin = display_path(path)
    for number, line in lines:
        if isinstance(line, InputError):
            yield line
            continue
        if line.damage is not None:
            yield line.damage
            continue
        if not line.text.strip():
            continue
        try:
            record = json.loads(line.text)
        except json.JSONDecodeError as exc:
            around = line.text[max(0, exc.pos - 20):exc.pos + 20].replace("\n", " ").strip()
            problem = exc.msg.lower().removesuffix(" at")  # "Invalid control character at"
            yield InputError(origin, f"not valid JSON ({problem}, column {exc.colno}, near {around!r})",
                             "each line must be one JSON object", line=number)
            continue
        if not isinstance(record, dict):
            yield InputError(origin, f"a JSON {type(record).__name__}, not an object", 'write {"text": "..."} per line', line=number)
            continue
        yield _row_document(record, origin, number, path.name, line.encoding, line.warnings)


def _csv_rows(
    lines: Iterator[tuple[int, RowText | InputError]], path: Path, max_row_bytes: int
) -> Iterator[Document | InputError]:
    origin = display_path(path)
    problems: list[InputError] = []
    consumed: list[RowText] = []  # the lines the record being parsed was read from

    def text_lines() -> Iterator[str]:
        for _, line in lines:
            if isinstance(line, InputError):
                problems.append(line)
                yield "\n"  # keeps csv's line count aligned; an empty row is skipped
            else:
                consumed.append(line)
                yield line.text

    source = text_lines()
    first = next(source, "")
    dialect = _sniff(first, path)
    csv.field_size_limit(max(max_row_bytes, 131072))
    reader = csv.reader(_chain(first, source), dialect)
    header_row = next(reader, None)
    damaged = [part.damage for part in consumed if part.damage is not None]
    consumed.clear()
    if damaged:
        yield InputError(origin, f"the header row is damaged ({damaged[0].problem})",
                         "re-export the file: no row can be read without it", line=damaged[0].line)
        return
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
        parts, consumed[:] = list(consumed), []
        while problems:
            yield problems.pop(0)
        damaged = [part.damage for part in parts if part.damage is not None]
        if damaged:  # only this row is rejected: the parser read its quotes as written
            end_line = reader.line_num
            for damage in damaged:
                yield damage if end_line == start_line else InputError(
                    origin, f"{damage.problem} (the row of lines {start_line}-{end_line} is skipped)", damage.hint,
                    line=damage.line)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield InputError(origin, f"row has {len(row)} cells but the header names {len(header)}", "check for an unquoted delimiter", line=start_line)
            continue
        record = dict(zip(header, row))
        encodings = sorted({part.encoding for part in parts}) or ["utf-8"]
        warnings = tuple(warning for part in parts for warning in part.warnings)
        yield _row_document(record, origin, start_line, path.name, "+".join(encodings), warnings)
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


def web_address(url: str) -> str:
    """``url`` if it is an http(s) address with a host, else "": a ``javascript:`` or ``data:``
    link taken from an article must never become a link a fact-checker clicks."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return parts.geturl() if parts.scheme.lower() in {"http", "https"} and parts.netloc else ""


def _row_document(record: dict, origin: str, line: int, file_name: str, encoding: str,
                  warnings: tuple[str, ...] = ()) -> Document | InputError:
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
    published = str(record.get("published") or "").strip()
    if published and day_of(published) is None:
        warnings += (f"'published' {published[:40]!r} is not an ISO 8601 date (YYYY-MM-DD); kept as written, but stories "
                     "and verdicts cannot use it",)
    given_url = str(record.get("url") or "").strip()
    url = web_address(given_url)
    if given_url and not url:
        warnings += (f"'url' {given_url[:80]!r} is not an http(s) address and was left out",)
    return Document(
        text=text,
        origin=f"{origin}:{line}",
        source=str(record.get("source") or record.get("outlet") or url or file_name).strip(),
        encoding=encoding,
        title=str(record.get("title") or "").strip(),
        url=url,
        published=published,
        language=language,
        meta=meta,
        warnings=warnings,
        outlet=str(record.get("outlet") or "").strip(),
    )


def accepted_inputs_help() -> str:
    columns = "; ".join(f"{name}: {meaning}" for name, meaning in ROW_FIELDS.items())
    return (
        "Files or folders (searched recursively) of .txt/.md (one article each), .html/.htm (main text extracted), "
        ".jsonl and .csv/.tsv (one article per row), and web addresses (http:// or https://: the page is fetched and "
        f"its article extracted). Row fields - {columns}."
    )


__all__ = ["Document", "Decoded", "InputFile", "expand_paths", "read_documents", "decode_bytes", "decode_text", "display_path",
           "file_sha256", "ROW_FIELDS"]
