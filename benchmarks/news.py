"""The real-news benchmark corpus: NTREX-128 stories, one article per language, 70% of lines kept.

Source: NTREX-128 (Federmann, Kocmi and Xin 2022, "NTREX-128 - News Test References for MT
Evaluation of 128 Languages"), https://github.com/MicrosoftTranslator/NTREX, released under
CC BY-SA 4.0: the 1,997 English sentences of the WMT19 news test set (123 published news
stories from BBC, Reuters, The Guardian, CNN, ...), translated by professional translators,
line-aligned, with the story each line belongs to in DOCUMENT_IDS.tsv. The files under
``benchmarks/data/ntrex/`` are the first stories of the Bulgarian, Romanian, Ukrainian and
French references (see SOURCES.md there, which also says how they were copied).

A benchmark corpus is built deterministically from a seed:

* each story becomes one article per language, keeping each line with probability 0.7
  (different outlets tell different parts of a story), in the story's order;
* in some stories one figure that all four versions share is multiplied by 5 in one
  article: a planted conflict. A figure here is a plain integer that the quantity stage
  reads, in every version, as an amount of something (a count, money, a percentage, a
  measure or a duration, not a date, a time or an age written into a compound word such
  as "44-годишната"): multiplying the day of a month makes no claim a fact-checker would
  compare. Lines with such a figure left as it is are the "agreeing figures".

Nothing about a line's story, language or position is given to the workbench: articles
are JSON Lines rows with a text and a neutral id.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "ntrex"
LANGUAGES = {"bg": "bul", "ro": "ron", "uk": "ukr", "fr": "fra"}
KEEP = 0.7
PLANT_SHARE = 0.35
FACTOR = 5
# A plain integer, not part of a decimal, a range or a thousands group.
_INTEGER = re.compile(r"(?<![\d.,:/-])\d{1,6}(?![\d]|[.,:/]\d)")


def read_ntrex() -> tuple[list[str], dict[str, list[str]]]:
    """The story id of every line, and each language's lines (line-aligned)."""
    ids = (DATA / "document_ids.txt").read_text(encoding="utf-8").splitlines()
    lines = {lang: (DATA / f"{code}.txt").read_text(encoding="utf-8").splitlines() for lang, code in LANGUAGES.items()}
    for lang, rows in lines.items():
        if len(rows) != len(ids):
            raise SystemExit(f"{DATA}/{LANGUAGES[lang]}.txt has {len(rows)} lines, document_ids.txt {len(ids)}")
    return ids, lines


COMPARABLE = {"count", "money", "percent", "measure", "duration"}


def figures(line: str, language: str) -> list[str]:
    """Integers in ``line`` that the quantity stage reads as an amount (see the module docstring)."""
    from workbench.quantities import extract_quantities

    amounts = {q.value for q in extract_quantities(line, language) if q.kind in COMPARABLE and q.value is not None}
    return [m.group(0) for m in _INTEGER.finditer(line)
            if int(m.group(0)) >= 2 and not m.group(0).startswith("0") and float(m.group(0)) in amounts
            and not (len(m.group(0)) == 4 and 1800 <= int(m.group(0)) <= 2100)]


@dataclass
class Article:
    article_id: str
    story: str
    language: str
    lines: list[int]  # NTREX line numbers kept, in order
    text: str
    planted: tuple[int, str, str] | None = None  # (line, original figure, planted figure)


@dataclass
class Corpus:
    articles: list[Article]
    stories: dict[str, list[int]]  # story -> its NTREX line numbers
    agreeing: list[tuple[int, str]] = field(default_factory=list)  # (line, figure) shared by all four, untouched

    def jsonl(self) -> str:
        return "".join(json.dumps({"id": a.article_id, "text": a.text}, ensure_ascii=False) + "\n"
                       for a in self.articles)


def build(seed: int = 7, stories: int | None = None) -> Corpus:
    """The benchmark corpus for ``seed`` (optionally only the first ``stories`` stories)."""
    ids, lines = read_ntrex()
    by_story: dict[str, list[int]] = {}
    for number, story in enumerate(ids):
        by_story.setdefault(story, []).append(number)
    order = list(by_story)[:stories] if stories else list(by_story)
    rng = random.Random(seed)
    articles: list[Article] = []
    agreeing: list[tuple[int, str]] = []
    for story_number, story in enumerate(order):
        numbers = by_story[story]
        kept = {}
        for lang in LANGUAGES:
            chosen = [n for n in numbers if rng.random() < KEEP]
            if len(chosen) < 2:
                chosen = numbers[:2]
            kept[lang] = chosen
        # Figures all four versions of a line share: candidates for a planted conflict.
        shared = []
        for n in numbers:
            common = set(figures(lines["bg"][n], "bg"))
            for lang in ("ro", "uk", "fr"):
                common &= set(figures(lines[lang][n], lang))
            shared.extend((n, figure) for figure in sorted(common))
        plant = None
        if shared and rng.random() < PLANT_SHARE:
            for n, figure in rng.sample(shared, len(shared)):
                holders = [lang for lang in LANGUAGES if n in kept[lang]]
                if len(holders) >= 2:
                    plant = (n, figure, rng.choice(holders))
                    break
        agreeing.extend((n, figure) for n, figure in shared if not plant or n != plant[0])
        for lang in LANGUAGES:
            texts = [lines[lang][n] for n in kept[lang]]
            planted = None
            if plant and plant[2] == lang:
                n, figure, _ = plant
                position = kept[lang].index(n)
                new = str(int(figure) * FACTOR)
                texts[position] = re.sub(rf"(?<![\d.,:/-]){figure}(?![\d]|[.,:/]\d)", new, texts[position], count=1)
                planted = (n, figure, new)
            articles.append(Article(article_id=f"news-{story_number:03d}-{lang}", story=story, language=lang,
                                    lines=kept[lang], text="\n".join(texts), planted=planted))
    return Corpus(articles=articles, stories={s: by_story[s] for s in order}, agreeing=agreeing)


def parallel_sentences(stories: int | None = None) -> dict[str, list[str]]:
    """Every line of the chosen stories, per language (for the search benchmark)."""
    ids, lines = read_ntrex()
    keep = set(list(dict.fromkeys(ids))[:stories]) if stories else set(ids)
    rows = [n for n, story in enumerate(ids) if story in keep]
    return {lang: [lines[lang][n] for n in rows] for lang in LANGUAGES}
