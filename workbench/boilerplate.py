"""Boilerplate and off-topic text: marked with a reason, never deleted.

News pages wrap an article in furniture: mastheads, photo credits, share
prompts, login and comment forms, author boxes and long lists of unrelated
teaser headlines. The signals used here are chosen to carry over to sites we
have never seen:

* shape: a line too short to state anything, a caption ending in "| Source",
  the same line twice in a row (a teaser card repeats its title), a short line
  that is only a relative timestamp ("Преди 24 минути", "il y a 3 heures"),
  three or more lines built on one template (form field messages);
* position: lines above the headline (masthead), and everything after the
  point where the page stops being the article (the tail, found where most of
  the remaining lines carry one of these signals);
* a small multilingual cue lexicon of generic web vocabulary
  (``resources/boilerplate.json``), only ever combined with a shape limit;
* once embeddings exist: repetition of a short line across articles, and
  distance from the article's own topic (a robust z-score against the other
  statements of the same article).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

import numpy as np

from .clean import CAPITALS, clean_statement, words
from .segment import Line

REASONS = {
    "masthead": "site name or section label above the headline",
    "credit": "photo or media credit",
    "short_fragment": "a standalone line too short to state anything",
    "call_to_action": "share, follow or subscribe prompt, or a related-content heading",
    "form": "comment, login or subscription form",
    "author_bio": "author box",
    "teaser_list": "list of teaser headlines (repeated titles, relative timestamps)",
    "after_article_end": "page furniture after the article ends",
    "repeated_across_articles": "the same short line appears in several articles",
    "off_topic": "far from the article's own topic",
    "markup": "mostly HTML markup (a tag, a script), kept as written",
}
STRONG_TAIL_SIGNALS = {"call_to_action", "form", "author_bio", "teaser_list"}


@dataclass(frozen=True, slots=True)
class Headline:
    """Where the headline is: its line, the lines that repeat it, and the masthead above it."""

    title: str
    line: int | None
    repeats: dict[int, int]  # line index -> characters at its start that repeat the headline
    masthead: tuple[int, ...]


@lru_cache(maxsize=1)
def lexicon() -> dict[str, list[str]]:
    text = resources.files("workbench").joinpath("resources/boilerplate.json").read_text(encoding="utf-8")
    return {key: value for key, value in json.loads(text).items() if not key.startswith("_")}


@lru_cache(maxsize=None)
def _cue_pattern(name: str) -> re.Pattern[str]:
    cues = sorted(lexicon()[name], key=len, reverse=True)
    alternatives = "|".join(re.escape(cue) for cue in cues)
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


@lru_cache(maxsize=1)
def _relative_time() -> re.Pattern[str]:
    lex = lexicon()
    before = "|".join(re.escape(c) for c in lex["ago_before"])
    after = "|".join(re.escape(c) for c in lex["ago_after"])
    units = "|".join(re.escape(u) for u in sorted(lex["time_units"], key=len, reverse=True))
    amount = r"(?:\d+|o|un|une|одна|една|един|one|an?)"
    return re.compile(
        rf"(?<!\w)(?:(?:{before})\s+{amount}\s+(?:{units})\b|{amount}\s+(?:{units})\s+(?:{after})\b)",
        re.IGNORECASE,
    )


_PIPE_CREDIT = re.compile(r"\s\|\s*[^\W\d][\w.-]*(?:\s+[\w.-]+){0,2}\s*$")
_SPACE = re.compile(r"\s+")


def repeated_key(text: str) -> str:
    """What two statements share when one repeats the other (see :func:`repeated_across_articles`)."""
    return _SPACE.sub(" ", clean_statement(text)).casefold()


# -- headline --------------------------------------------------------------------------

HEADLINE_OVERLAP = 0.34  # share of a leading line's stems found in the body, for it to tell the body


def find_headline(lines: Sequence[Line], given_title: str = "", lookahead: int = 6) -> Headline:
    """Find the headline among the leading lines, the lines that repeat it, and the masthead.

    With a title from the input (CSV/JSONL/HTML metadata) the headline is the
    leading line that matches it. Otherwise it is the leading unpunctuated line
    that is repeated just below or shares most words with the body, so a
    site tagline or section label above it is not taken for it; failing that, a
    first line set off by a blank line right above the body.
    """
    first_body = next((line.index for line in lines if _is_body(line)), len(lines))
    leading = [line for line in lines[: min(first_body, lookahead)]]
    body_stems = _stems(" ".join(line.text for line in lines[first_body:]))

    def tells_the_body(line: Line) -> float:
        stems = _stems(line.text)
        return len(stems & body_stems) / len(stems) if stems else 0.0

    chosen: Line | None = None
    if given_title:
        wanted = repeated_key(given_title)
        chosen = next((line for line in lines[:lookahead] if repeated_key(line.text).startswith(wanted)), None)
        title = given_title.strip()
    else:
        best_score = 0.0
        for line in leading:
            if line.word_count < 3 or is_credit(line.text):
                continue
            repeated = any(repeated_key(other.text).startswith(repeated_key(line.text))
                           for other in lines[line.index + 1: lookahead + 2])
            score = tells_the_body(line) + (1.0 if repeated else 0.0)
            if score > best_score + 1e-9:
                chosen, best_score = line, score
        if best_score < HEADLINE_OVERLAP:
            chosen = _set_off_first_line(lines, first_body)
        title = clean_statement(chosen.text) if chosen else ""
    if chosen is None:
        return Headline(title=title, line=None, repeats={}, masthead=())
    wanted = repeated_key(chosen.text)
    repeats = {}
    for other in lines[chosen.index + 1: chosen.index + 5]:
        if repeated_key(other.text) == wanted:
            repeats[other.index] = len(other.text)
        elif other.text.startswith(chosen.text):
            repeats[other.index] = len(chosen.text)
    # A line above the headline that tells the body too is a kicker or a second headline (a story
    # given as its title and subtitle), not a site name or section label.
    masthead = tuple(line.index for line in lines[: chosen.index]
                     if line.word_count < 3 or tells_the_body(line) < HEADLINE_OVERLAP)
    return Headline(title=title, line=chosen.index, repeats=repeats, masthead=masthead)


def _set_off_first_line(lines: Sequence[Line], first_body: int) -> Line | None:
    """The first line as the headline when it looks like one on its own: a few words, no final
    punctuation, a blank line after it and the body right below ("Titlu fără punct final")."""
    if first_body == 0 or len(lines) < 2:
        return None
    first, following = lines[0], lines[1]
    stands_alone = following.start - first.end >= 2  # at least "\n\n" between them
    if (3 <= first.word_count <= 25 and not first.ends_with_punctuation and not is_credit(first.text)
            and stands_alone and first_body == 1):
        return first
    return None


def _is_body(line: Line) -> bool:
    return (line.word_count >= 8 and line.ends_with_punctuation) or line.text.count(". ") >= 2


def _stems(text: str) -> set[str]:
    # A five-letter prefix is a serviceable stem for inflected ro/uk/bg/ru words.
    return {word.casefold()[:5] for word in words(text) if len(word) >= 4}


# -- structural signals ----------------------------------------------------------------

AGENCY_CREDIT_WORDS = 6  # "the Russian state news agency TASS" and shorter: a name, not a claim


def is_credit(text: str) -> bool:
    """A photo or source credit: a short line with a credit cue, or a bare news-agency name
    ("Російське державне інформаційне агентство ТАСС.") left after the sentence it credits."""
    count = len(words(text))
    if count <= 14 and (_cue_pattern("credit").search(text) or _PIPE_CREDIT.search(text)):
        return True
    return count <= AGENCY_CREDIT_WORDS and bool(_cue_pattern("news_agency").search(text))


def is_call_to_action(text: str) -> bool:
    word_count = len(words(text))
    if word_count <= 20 and _cue_pattern("follow_verbs").search(text) and _cue_pattern("platforms").search(text):
        return True
    heading = _cue_pattern("related_heading").match(text.strip())
    return word_count <= 8 and heading is not None


# "John Brown is a senior correspondent…", "Marie Lefèvre est journaliste…": a capitalised name,
# a copula, and a newsroom role within the next few words.
_NAME_WORD = rf"[{CAPITALS}][\w'’.-]+"


@lru_cache(maxsize=1)
def _bio_pattern() -> re.Pattern[str]:
    copulas = "|".join(re.escape(c) for c in sorted(lexicon()["bio_copulas"], key=len, reverse=True))
    roles = "|".join(re.escape(r) for r in sorted(lexicon()["bio_roles"], key=len, reverse=True))
    return re.compile(rf"^\s*{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}\s+(?:{copulas})\b(?:\s+[\w'’-]+){{0,5}}?\s+(?:{roles})",
                      re.IGNORECASE)


def is_author_bio(text: str) -> bool:
    """A line introducing the author by name and newsroom role."""
    return len(words(text)) <= 40 and _bio_pattern().match(text) is not None


def is_form_text(text: str) -> bool:
    return len(words(text)) <= 25 and bool(_cue_pattern("form").search(text))


def is_relative_timestamp(text: str) -> bool:
    return len(words(text)) <= 8 and bool(_relative_time().search(text))


def line_reasons(lines: Sequence[Line], headline: Headline) -> dict[int, str]:
    """A boilerplate reason for each line that is furniture (line index -> reason code)."""
    reasons: dict[int, str] = {index: "masthead" for index in headline.masthead}
    keys = [repeated_key(line.text) for line in lines]
    for line in lines:
        if line.index in reasons or line.index == headline.line or line.index in headline.repeats:
            continue
        text = line.text
        if is_credit(text):
            reasons[line.index] = "credit"
        elif is_call_to_action(text):
            reasons[line.index] = "call_to_action"
        elif is_form_text(text):
            reasons[line.index] = "form"
        elif is_relative_timestamp(text):
            reasons[line.index] = "teaser_list"
        elif is_author_bio(text):
            reasons[line.index] = "author_bio"
        elif _cue_pattern("author_heading").match(text.strip()) and line.word_count <= 8:
            reasons[line.index] = "author_bio"
            if line.index + 1 < len(lines) and lines[line.index + 1].word_count <= 60:
                reasons[line.index + 1] = "author_bio"
    for index in range(1, len(lines)):
        if keys[index] and keys[index] == keys[index - 1] and index - 1 != headline.line:
            reasons.setdefault(index - 1, "teaser_list")
            reasons.setdefault(index, "teaser_list")
    for index in _templated_lines(lines):
        reasons.setdefault(index, "form")
    for index in _teaser_run(lines, headline):
        reasons.setdefault(index, "teaser_list")
    for line in lines:
        if line.word_count < 3 and line.index != headline.line and line.index not in headline.repeats:
            reasons.setdefault(line.index, "short_fragment")
    _mark_tail(lines, reasons)
    return reasons


TEASER_RUN = 3  # unpunctuated headline-like lines in a row after the article's last sentence


def _teaser_run(lines: Sequence[Line], headline: Headline) -> list[int]:
    """A list of other stories' headlines ending the page: after the last line of body text,
    at least three short lines in a row without final punctuation, and the heading above them."""
    last_body = max((line.index for line in lines if _is_body(line)), default=-1)
    run: list[int] = []
    found: list[int] = []
    for line in lines[last_body + 1:]:
        if line.index != headline.line and 3 <= line.word_count <= 15 and not line.ends_with_punctuation:
            run.append(line.index)
            continue
        if len(run) >= TEASER_RUN:
            found += run
        run = []
    if len(run) >= TEASER_RUN:
        found += run
    heading = found[0] - 1 if found else -1
    if heading > last_body and heading >= 0 and lines[heading].word_count <= 4:
        found.insert(0, heading)
    return found


def _templated_lines(lines: Sequence[Line], window: int = 5, minimum: int = 3) -> set[int]:
    """Lines built on one template ("Полето X не трябва да е празно."), as form messages are."""
    shapes = []
    for line in lines:
        tokens = words(line.text.casefold())
        shapes.append((tokens[0], tuple(tokens[-2:])) if 3 <= len(tokens) <= 15 else None)
    found: set[int] = set()
    for start in range(len(lines)):
        if shapes[start] is None:
            continue
        same = [i for i in range(start, min(len(lines), start + window)) if shapes[i] == shapes[start]]
        if len(same) >= minimum:
            found.update(same)
    return found


def _mark_tail(lines: Sequence[Line], reasons: dict[int, str], share: float = 0.6) -> None:
    """From the first strong furniture signal after which most lines are furniture, mark the rest too."""
    total = len(lines)
    for line in lines:
        if reasons.get(line.index) not in STRONG_TAIL_SIGNALS:
            continue
        rest = range(line.index, total)
        flagged = sum(1 for i in rest if i in reasons)
        if flagged >= share * len(rest) and len(rest) >= 2:
            # Share and follow prompts also sit inside articles: full sentences right after them,
            # before any other furniture, are still the article's own ("Le débat devrait reprendre…").
            prompts_only = True
            for i in rest:
                if reasons.get(i) not in (None, "call_to_action"):
                    prompts_only = False
                if prompts_only and i not in reasons and _is_body(lines[i]):
                    continue
                reasons.setdefault(i, "after_article_end")
            return


# -- corpus-level signals (need the whole corpus or embeddings) --------------------------

COPY_SHARED_LINES = 3  # two articles sharing this many statements, and
COPY_SHARED_SHARE = 0.3  # this share of the shorter one's, are one report reprinted
REPEATED_WIDELY = 50  # a short line in more articles than this is page furniture, copies or not
REPEATED_MAX_WORDS = 12  # a line repeated across articles is furniture only up to this many words


def repeated_across_articles(
    statements: Iterable[tuple[str, str, str]], max_words: int = REPEATED_MAX_WORDS
) -> set[str]:
    """Statement ids of short lines whose text appears in more than one article, unless every
    article holding it is a copy of every other (one wire report reprinted by several outlets).

    ``statements`` yields ``(statement_id, article_id, text)``. Long sentences repeated across
    articles are syndicated reporting and stay content. So are the short ones of reprints:
    "Au moins 384 personnes sont mortes." in three French outlets' copies of one report is
    the report, and as boilerplate it would leave the copies' figure out of every claim.
    Two articles are copies when they share at least ``COPY_SHARED_LINES`` statements and
    ``COPY_SHARED_SHARE`` of the shorter one's; "Citește și" in two articles that share one
    sentence stays furniture.
    """
    articles_by_text: dict[str, set[str]] = {}
    ids_by_text: dict[str, list[str]] = {}
    texts_of: dict[str, set[str]] = defaultdict(set)
    for statement_id, article_id, text in statements:
        key = repeated_key(text)
        texts_of[article_id].add(key)
        articles_by_text.setdefault(key, set()).add(article_id)
        if len(words(text)) <= max_words:
            ids_by_text.setdefault(key, []).append(statement_id)
    shared: Counter[tuple[str, str]] = Counter()
    for holders in articles_by_text.values():
        if 1 < len(holders) <= REPEATED_WIDELY:
            ordered = sorted(holders)
            shared.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])

    def copies(a: str, b: str) -> bool:
        count = shared[(a, b) if a < b else (b, a)]
        return count >= COPY_SHARED_LINES and count >= COPY_SHARED_SHARE * min(len(texts_of[a]), len(texts_of[b]))

    repeated = set()
    for key, ids in ids_by_text.items():
        holders = sorted(articles_by_text[key])
        if len(holders) < 2:
            continue
        if len(holders) > REPEATED_WIDELY or not all(copies(a, b) for i, a in enumerate(holders) for b in holders[i + 1:]):
            repeated.update(ids)
    return repeated


def off_topic(
    vectors: np.ndarray,
    article_index: np.ndarray,
    candidate: np.ndarray,
    *,
    z: float = 3.0,
    floor: float = 0.10,
) -> np.ndarray:
    """Mask of rows far from their own article's topic.

    The topic of an article is the normalised mean of its candidate (not yet
    marked) statements. A row is off-topic when its cosine to that topic falls
    more than ``z`` robust standard deviations (1.4826 * MAD) and at least
    ``floor`` below the article's median. Articles with fewer than five
    candidate statements are left alone: there is no distribution to judge by.
    """
    flags = np.zeros(len(vectors), dtype=bool)
    for article in np.unique(article_index):
        rows = np.flatnonzero(article_index == article)
        content = rows[candidate[rows]]
        if len(content) < 5:
            continue
        topic = vectors[content].mean(axis=0)
        topic /= np.linalg.norm(topic) or 1.0
        similarity = vectors[rows] @ topic
        reference = similarity[candidate[rows]]
        median = float(np.median(reference))
        spread = 1.4826 * float(np.median(np.abs(reference - median))) or 1e-6
        far = (similarity < median - z * spread) & (similarity < median - floor)
        flags[rows[far & candidate[rows]]] = True
    return flags
