"""Sentence segmentation: article text -> lines -> statement spans with offsets.

Lines come first: a headline, a caption or a form label has no final
punctuation, and must still be a statement of its own, so text is split into
lines (paragraphs re-flowed only when they are hard-wrapped) before sentences.
Within a line, `sentencex <https://github.com/santhoshtr/sentencex>`_ splits
sentences with the language's abbreviation lists. A few repairs follow, each a
known failure of sentence splitters on news text:

* a piece that starts in lowercase continues the previous sentence (a split
  after "млн." or after a closing quote before "заяви той");
* a piece ending in an initial ("Dmitry S.", "J.-P.") or a title that always
  precedes a name ("Mr.", "Dl.", "г-н", "ул.") is joined to the next;
* a piece with an unclosed quote («…», „…“, "…") is joined until it closes;
* a number followed by a unit abbreviation ("122 mm.") before a capital letter
  does end the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .clean import CAPITALS, words

_TERMINAL = tuple(".!?…:;»\"“”'。！？")  # with the full-width stops of Chinese and Japanese
_LETTERS = re.compile(r"[^\W\d_]")
_UPPER_START = re.compile(r"^\W*[A-ZÀ-ÖØ-ÞĂÂÎȘȚŞŢА-ЯЁІЇЄҐЂЈЉЊЋЏЅЃЌ]")
_LOWER_START = re.compile(r"^[\s\"'«»„“”(\[]*[a-zà-öø-ÿăâîșțşţа-яёіїєґђјљњћџѕѓќ]")
_INITIAL_END = re.compile(r"(?:^|[\s(\"'«„“-])(?:[A-ZА-ЯЁІЇЄҐ]\.-?){1,3}\s*$")
_UNIT_SPLIT = re.compile(
    rf"(?<=\d)(\s?(?:mm|cm|km|kg|m|g|t|мм|см|км|кг)\.)(\s+)(?=[{CAPITALS}])"
)

_UNIT_END = re.compile(r"\d\s?(?:mm|cm|km|kg|m|g|t|мм|см|км|кг)\.\s*$")

# Titles and address words that always precede a name, so a full stop after
# them never ends a sentence. Small and general on purpose: sentencex already
# knows each language's common abbreviations.
_NAME_PREFIXES = {
    "ro": ["dl", "dna", "dra", "prof", "dr", "gen", "col", "lt", "sf", "str", "bd", "nr", "art", "ing", "av"],
    "fr": ["m", "mm", "mme", "mlle", "dr", "pr", "me", "st", "ste", "gén", "col", "lt", "av", "bd", "art", "n°"],
    "bg": ["г-н", "г-жа", "г-ца", "проф", "д-р", "ген", "ул", "бул", "гр", "с", "пл", "чл", "ал"],
    "uk": ["проф", "д-р", "ген", "вул", "пров", "просп", "м", "с", "смт", "ст", "п"],
    "ru": ["г-н", "г-жа", "проф", "д-р", "ген", "ул", "пр", "пер", "г", "с", "ст", "им"],
    "en": ["mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "sen", "rep", "gov", "st", "mt", "no", "vs"],
}


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the article (a re-flowed paragraph when the text is hard-wrapped)."""

    index: int
    start: int  # offsets into the article text, whitespace trimmed
    end: int
    text: str

    @property
    def word_count(self) -> int:
        return len(words(self.text))

    @property
    def ends_with_punctuation(self) -> bool:
        return self.text.rstrip().endswith(_TERMINAL)


@dataclass(frozen=True, slots=True)
class Span:
    """One statement's raw span: offsets into the article text and the line it sits on."""

    start: int
    end: int
    line: int


# A line longer than this (a whole file without line breaks) is cut into lines first, so that
# sentence splitting, language detection and boilerplate checks each see bounded text.
MAX_LINE_CHARS = 20_000
MAX_STATEMENT_CHARS = 1_500  # the default of segment.max_statement_chars


def split_lines(text: str) -> list[Line]:
    """Non-empty lines with offsets; hard-wrapped paragraphs become one line, and a line longer
    than :data:`MAX_LINE_CHARS` is cut at sentence (else word) boundaries."""
    lines: list[Line] = []
    for para_start, para_end in _paragraphs(text):
        raw_lines = _raw_lines(text, para_start, para_end)
        groups = [raw_lines] if _is_hard_wrapped(text, raw_lines) else [[line] for line in raw_lines]
        for group in groups:
            start, end = group[0][0], group[-1][1]
            for piece_start, piece_end in cut_long(text, start, end, MAX_LINE_CHARS):
                lines.append(Line(index=len(lines), start=piece_start, end=piece_end, text=text[piece_start:piece_end]))
    return lines


def split_statements(text: str, line: Line, language: str, *, max_chars: int = MAX_STATEMENT_CHARS) -> list[Span]:
    """Sentence spans of one line, offsets into the article text. A sentence longer than
    ``max_chars`` is cut at clause (else word) boundaries into pieces no longer than that."""
    pieces = _sentencex_pieces(line.text, language)
    pieces = _split_after_units(line.text, pieces)
    pieces = _repair(line.text, pieces, language)
    spans = []
    for start, end in pieces:
        start, end = _trim(line.text, start, end)
        for piece_start, piece_end in cut_long(line.text, start, end, max_chars):
            spans.append(Span(line.start + piece_start, line.start + piece_end, line.index))
    return spans


# Where to cut an over-long text, best first: after a sentence end, after a clause mark, at a space.
_CUT_AFTER = (re.compile(r"[.!?…;]['\"»”’)]*\s+"), re.compile(r"[,:–—]\s+|\s[–—-]\s+"), re.compile(r"\s+"))


def cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as consecutive pieces of at most ``limit`` characters, whitespace
    trimmed, cut at the latest good boundary in the second half of each window (a hard cut
    only where a window holds no space at all)."""
    start, end = _trim(text, start, end)
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        window_end = start + limit
        cut = -1
        for boundary in _CUT_AFTER:
            last = None
            for last in boundary.finditer(text, start + limit // 2, window_end):
                pass
            if last is not None:
                cut = last.end()
                break
        if cut <= start:
            cut = window_end
        piece = _trim(text, start, cut)
        if piece[1] > piece[0]:
            pieces.append(piece)
        start, end = _trim(text, cut, end)
    if end > start:
        pieces.append((start, end))
    return pieces


# -- lines -----------------------------------------------------------------------------

def _paragraphs(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in re.finditer(r"\n[ \t\u00a0]*\n", text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def _raw_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    result, position = [], start
    for piece in text[start:end].split("\n"):
        piece_start, piece_end = _trim(text, position, position + len(piece))
        if piece_end > piece_start:
            result.append((piece_start, piece_end))
        position += len(piece) + 1
    return result


def _is_hard_wrapped(text: str, raw_lines: list[tuple[int, int]]) -> bool:
    """Three or more lines of similar width that mostly stop mid-sentence, two at least: a wrapped
    paragraph. One open-ended line is not enough: a headline over two paragraphs of a short
    article, one line each, looked wrapped (its paragraphs' widths were alike, and half of the
    lines above the last were open-ended: the headline), and the headline and the first
    paragraph became one statement."""
    if len(raw_lines) < 3:
        return False
    body = raw_lines[:-1]
    widths = [end - start for start, end in body]
    if max(widths) > 120 or min(widths) < 0.6 * max(widths):
        return False
    open_ended = sum(not text[start:end].rstrip().endswith(_TERMINAL) for start, end in body)
    return open_ended >= max(2, 0.5 * len(body))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# -- sentences -------------------------------------------------------------------------

def _sentencex_pieces(line: str, language: str) -> list[tuple[int, int]]:
    from sentencex import segment

    pieces, cursor = [], 0
    for piece in segment(_sentencex_language(language), line):
        if not piece:
            continue
        found = line.find(piece, cursor)
        if found < 0:  # sentencex should return exact substrings; fall back to the whole rest
            pieces.append((cursor, len(line)))
            cursor = len(line)
            break
        pieces.append((found, found + len(piece)))
        cursor = found + len(piece)
    if cursor < len(line) and line[cursor:].strip():
        pieces.append((cursor, len(line)))
    return pieces or [(0, len(line))]


@lru_cache(maxsize=64)
def _sentencex_language(language: str) -> str:
    return language if language and language != "und" else "en"


def _split_after_units(line: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result = []
    for start, end in pieces:
        cut = start
        for match in _UNIT_SPLIT.finditer(line, start, end):
            result.append((cut, match.end(1)))
            cut = match.end(1)
        result.append((cut, end))
    return result


def _repair(line: str, pieces: list[tuple[int, int]], language: str) -> list[tuple[int, int]]:
    prefixes = _NAME_PREFIXES.get(language, []) + _NAME_PREFIXES["en"]
    merged: list[tuple[int, int]] = []
    carry: int | None = None  # start of a piece with no letters ("1."), prepended to the next
    for start, end in pieces:
        current = line[start:end]
        if not _LETTERS.search(current):
            carry = start if carry is None else carry
            continue
        if carry is not None:
            start, carry = carry, None
        if merged and _opens_next_sentence(current, line[merged[-1][0]:merged[-1][1]], prefixes):
            carry = start  # "M." / "Dl." after a full stop starts the next sentence: "M. Dupont a dit…"
            continue
        if merged:
            previous = line[merged[-1][0]:merged[-1][1]]
            if (
                _LOWER_START.match(current)
                or len(words(current)) == 1  # "Україна." alone is a fragment of the sentence before
                or _INITIAL_END.search(previous.rstrip())
                or (_ends_with_name_prefix(previous, prefixes) and not _UNIT_END.search(previous))
                or _quote_open(previous)
            ):
                merged[-1] = (merged[-1][0], end)
                continue
        merged.append((start, end))
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], pieces[-1][1])
        else:
            merged.append((carry, pieces[-1][1]))
    return merged


def _opens_next_sentence(current: str, previous: str, prefixes: list[str]) -> bool:
    """A capitalised title alone ("M.", "Dl.", "Dr.") right after a finished sentence."""
    stripped = current.strip()
    return (len(words(stripped)) == 1 and stripped[:1].isupper() and _ends_with_name_prefix(stripped, prefixes)
            and previous.rstrip().endswith(_TERMINAL) and not _quote_open(previous))


def _ends_with_name_prefix(text: str, prefixes: list[str]) -> bool:
    stripped = text.rstrip()
    if not stripped.endswith("."):
        return False
    last = stripped[:-1].rsplit(None, 1)[-1].lstrip("(\"'«„“").casefold() if stripped[:-1].strip() else ""
    return last in prefixes


def _quote_open(text: str) -> bool:
    """True if a quotation opened in ``text`` is still open at its end."""
    depth_guillemet = text.count("«") - text.count("»")
    low_opened = text.count("„")
    curly_open, curly_close = text.count("“"), text.count("”")
    if low_opened:
        # „…“ (bg, ro, uk) and „…” (ro, pl) both close a low-9 quote.
        unbalanced_low = low_opened > curly_open + curly_close
    else:
        unbalanced_low = curly_open > curly_close  # English-style “…”
    straight_odd = text.count('"') % 2 == 1
    return depth_guillemet > 0 or unbalanced_low or straight_odd
