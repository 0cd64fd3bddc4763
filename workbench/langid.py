"""Language detection for articles and statements (langdetect, seeded).

langdetect draws random n-gram samples, so a fixed seed on our own factory makes
the same text always get the same answer. Two corrections on top of it, both
needed for the ro/uk/bg/ru news this workbench reads:

* Short statements ("Свят", "Close") carry too little signal; they take the
  article's language.
* Within Cyrillic, langdetect often calls short Bulgarian or Ukrainian text
  Russian or Macedonian. A statement may differ from its article's Cyrillic
  language only if its letters prove it: it uses a letter the article's
  language never uses (ы э ё are not Bulgarian or Ukrainian, і ї є ґ are not
  Russian or Bulgarian, ъ is not Ukrainian) and none that the detected
  language never uses.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Collection, Sequence

log = logging.getLogger(__name__)

UNDETERMINED = "und"
CYRILLIC_LANGUAGES = {"bg", "mk", "ru", "uk", "sr", "be"}

# Cyrillic letters each language never uses: a statement shows it is not in
# language X only by containing one of X's foreign letters.
_FOREIGN_LETTERS = {
    "bg": "ыэёіїєґўјљњћђџѓќѕ",
    "ru": "іїєґўјљњћђџѓќѕ",
    "uk": "ыэёъўјљњћђџѓќѕ",
    "be": "ищъїєґјљњћђџѓќѕ",
    "mk": "йщъьюяыэёіїєґўђћ",
    "sr": "йщъьюяыэёіїєґўѓќѕ",
}
# Letters only Macedonian or Serbian Cyrillic has, among the Cyrillic languages langdetect knows.
_OWN_LETTERS = {"mk": "ѓќѕјљњџ", "sr": "јљњћђџ"}
_LETTER = re.compile(r"[^\W\d_]")

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


# Scripts langdetect has profiles for (Unicode name prefixes). Text in any other script
# (Georgian, Armenian, Ethiopic, ...) gets a confident but wrong answer from it ("et").
DETECTABLE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "DEVANAGARI", "BENGALI", "GUJARATI",
                      "GURMUKHI", "KANNADA", "MALAYALAM", "TAMIL", "TELUGU", "THAI", "CJK", "HANGUL", "HIRAGANA",
                      "KATAKANA"}


def _script_counts(text: str) -> dict[str, int]:
    """Letters per Unicode script (the first word of a letter's name: "LATIN", "CYRILLIC", ...)."""
    counts: dict[str, int] = {}
    for char in text:
        name = unicodedata.name(char, "") if char.isalpha() else ""
        if name:
            script = name.split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return counts


def main_script(text: str) -> str:
    """The Unicode script most of the letters of ``text`` are in ("LATIN", "GEORGIAN", ...), or ""."""
    counts = _script_counts(text)
    return max(sorted(counts), key=counts.__getitem__) if counts else ""


# langdetect's estimate for one statement settles within a few hundred characters; reading a
# 1,500-character statement whole only costs time (a 5 MB file is 3,500 such statements).
STATEMENT_DETECT_CHARS = 500


def detect(text: str, *, seed: int = 0, among: Collection[str] | None = None) -> tuple[str, float]:
    """The most probable language of ``text`` and its probability; ``("und", 0.0)`` if none.

    With ``among``, the most probable of those languages: a short Bulgarian line that
    langdetect calls Macedonian is still read as Bulgarian by a parser that knows no
    Macedonian.
    """
    if len(_LETTER.findall(text)) < 3 or main_script(text) not in DETECTABLE_SCRIPTS:
        return UNDETERMINED, 0.0
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:  # langdetect's factory is not thread-safe while creating detectors
        detector = _factory().create()
    detector.seed = seed
    if among is not None:
        profiles = set(detector.langlist)
        # langdetect's own prior: languages outside ``among`` get no probability at all.
        detector.set_prior_map({code: 1.0 for code in _profile_codes(among) if code in profiles})
    detector.append(text)
    try:
        best = detector.get_probabilities()
    except LangDetectException:
        return UNDETERMINED, 0.0
    if not best:
        return UNDETERMINED, 0.0
    return _normalise_code(best[0].lang), float(best[0].prob)


def article_language(text: str, *, seed: int = 0, sample_chars: int = 4000) -> str:
    """The language of an article body, from its longer lines (menus and captions add noise)."""
    lines = sorted((line for line in text.splitlines() if line.strip()), key=len, reverse=True)
    sample, size = [], 0
    for line in lines:
        sample.append(line)
        size += len(line)
        if size >= sample_chars:
            break
    text_sample = "\n".join(sample)[:2 * sample_chars]  # one giant line must not be read whole
    language, _ = detect(text_sample, seed=seed)
    if language in _OWN_LETTERS and not set(text_sample.lower()) & set(_OWN_LETTERS[language]):
        # langdetect calls short Bulgarian (and some Russian) text Macedonian or Serbian;
        # without a letter only those alphabets have, it is one of the big three.
        language, _ = detect(text_sample, seed=seed, among=("bg", "ru", "uk"))
    return language


def statement_language(
    text: str, article_lang: str, *, min_chars: int = 40, seed: int = 0
) -> tuple[str, str]:
    """``(language, source)`` for one statement; source is "detected" or "article"."""
    letters = len(_LETTER.findall(text))
    if letters < min_chars and article_lang != UNDETERMINED:
        return article_lang, "article"
    detected, probability = detect(text[:STATEMENT_DETECT_CHARS], seed=seed)
    if detected == UNDETERMINED:
        return (article_lang, "article") if article_lang != UNDETERMINED else (UNDETERMINED, "detected")
    if detected == article_lang or article_lang == UNDETERMINED:
        return detected, "detected"
    if detected in CYRILLIC_LANGUAGES and article_lang in CYRILLIC_LANGUAGES:
        if _proves_other_language(text, detected, article_lang):
            return detected, "detected"
        return article_lang, "article"
    # A different script family (an English sentence in a Romanian article) is
    # believable when langdetect is sure of it; otherwise trust the article.
    if probability >= 0.90 and _script(text) != "mixed":
        return detected, "detected"
    return article_lang, "article"


def letters_settle(text: str, language: str, among: Collection[str]) -> bool:
    """Whether the letters of ``text`` rule out every other Cyrillic language in ``among``
    ("Преди 24 минути" could be Bulgarian or Russian; "Доставлено більше" can only be Ukrainian)."""
    if language not in _FOREIGN_LETTERS:
        return True
    letters = set(text.lower())
    if letters & set(_FOREIGN_LETTERS[language]):
        return False
    others = [code for code in among if code in _FOREIGN_LETTERS and code != language]
    return all(letters & set(_FOREIGN_LETTERS[other]) for other in others)


def _proves_other_language(text: str, detected: str, article_lang: str) -> bool:
    """True if ``text`` has a letter the article's language lacks and none that ``detected`` lacks."""
    letters = set(text.lower())
    return bool(letters & set(_FOREIGN_LETTERS.get(article_lang, ""))) and not (
        letters & set(_FOREIGN_LETTERS.get(detected, ""))
    )


def _script(text: str) -> str:
    scripts = _script_counts(text)
    if len(scripts) > 1:
        return "mixed"
    return next(iter(scripts), "none").lower()


def _profile_codes(codes: Collection[str]) -> list[str]:
    """langdetect's profile names for ISO codes ("zh" is two profiles)."""
    return [name for code in codes for name in (("zh-cn", "zh-tw") if code == "zh" else (code,))]


def _normalise_code(code: str) -> str:
    # langdetect uses zh-cn / zh-tw; everything else is ISO 639-1 already.
    return code.split("-")[0] if code.startswith("zh") else code


# -- corpus-level labels ----------------------------------------------------------------------
# langdetect labels a one-sentence French article Portuguese, Catalan or Swedish about as often
# as French; a workspace of Bulgarian, French, Romanian and Ukrainian news then grows phantom
# languages of a few statements each, which win every cross-language ranking.

CONFIDENT_LETTERS = 200  # an article this long is labelled reliably by langdetect alone


@dataclass(frozen=True)
class Relabelling:
    """Labels the corpus-level check corrected, and what it was sure of."""

    languages: tuple[str, ...]  # the workspace's languages
    articles: dict[str, tuple[str, str]]  # article id -> (old, new)
    statements: dict[str, tuple[str, str]]  # statement id -> (old, new)


def workspace_languages(articles: Sequence[tuple[str, str, str]], *, min_share: float = 0.1,
                        expected: Collection[str] = ()) -> tuple[str, ...]:
    """The languages a workspace is written in, from ``(text, language, source)`` per article.

    ``expected`` (``language.expected``) wins when given. Otherwise: every language given by
    the input or detected on an article long enough to be sure of, and among short articles,
    the languages at least ``min_share`` of them were labelled with.
    """
    if expected:
        return tuple(sorted(expected))
    sure: set[str] = set()
    short: Counter[str] = Counter()
    for text, language, source in articles:
        if language == UNDETERMINED:
            continue
        if source == "given" or len(_LETTER.findall(text)) >= CONFIDENT_LETTERS:
            sure.add(language)
        else:
            short[language] += 1
    total = sum(short.values())
    sure.update(language for language, count in short.items() if count >= min_share * total)
    return tuple(sorted(sure))


def relabel(articles: Sequence[tuple[str, str, str, str]], statements: Sequence[tuple[str, str, str, str, str]],
            languages: Collection[str], *, seed: int = 0) -> Relabelling:
    """Labels that leave the workspace's languages only on strong evidence.

    ``articles``: ``(article_id, text, language, source)``; ``statements``: ``(statement_id,
    article_id, text, language, source)``. A short article labelled outside ``languages`` is
    detected again among those of them written in its script; long ones keep their label
    (langdetect is reliable there). A statement keeps a language other than its article's
    only if that language is one of the workspace's, or its script says so.
    """
    workspace = set(languages)
    new_article: dict[str, tuple[str, str]] = {}
    language_of: dict[str, str] = {}
    for article_id, text, language, source in articles:
        language_of[article_id] = language
        if source == "given" or language in workspace or not workspace:
            continue
        if len(_LETTER.findall(text)) >= CONFIDENT_LETTERS:
            continue
        among = [code for code in sorted(workspace) if _writes_in(code, main_script(text))]
        if not among:
            continue  # a script none of the workspace's languages uses: the label stands
        found, _ = detect(text, seed=seed, among=among)
        if found != UNDETERMINED and found != language:
            new_article[article_id] = (language, found)
            language_of[article_id] = found
    new_statement: dict[str, tuple[str, str]] = {}
    for statement_id, article_id, text, language, source in statements:
        article_language = language_of.get(article_id, language)
        if source == "given" or language == article_language:
            continue
        if source == "article" or (language not in workspace and _same_script(language, article_language)):
            new_statement[statement_id] = (language, article_language)
    return Relabelling(languages=tuple(sorted(workspace)), articles=new_article, statements=new_statement)


# The script each language langdetect knows is written in (everything else: Latin).
_SCRIPT_OF = {**{code: "CYRILLIC" for code in CYRILLIC_LANGUAGES}, "el": "GREEK", "ar": "ARABIC", "fa": "ARABIC",
              "ur": "ARABIC", "he": "HEBREW", "hi": "DEVANAGARI", "mr": "DEVANAGARI", "ne": "DEVANAGARI",
              "bn": "BENGALI", "gu": "GUJARATI", "pa": "GURMUKHI", "kn": "KANNADA", "ml": "MALAYALAM",
              "ta": "TAMIL", "te": "TELUGU", "th": "THAI", "zh": "CJK", "ja": "CJK", "ko": "HANGUL"}


def _writes_in(language: str, script: str) -> bool:
    expected = _SCRIPT_OF.get(language, "LATIN")
    return script == expected or (language == "ja" and script in {"HIRAGANA", "KATAKANA"})


def _same_script(a: str, b: str) -> bool:
    return _SCRIPT_OF.get(a, "LATIN") == _SCRIPT_OF.get(b, "LATIN")
