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
  article: a planted conflict;
* in some other stories the figure is multiplied by 5 in one language's article and in one
  or two copies of it by other outlets (each keeping its own 70% of the story's lines, the
  altered line always among them): a *copied* plant, the way an error really spreads, one
  wire report reprinted by several outlets of one language. The copies draw on their own
  random stream, so the corpus of a seed without them is the corpus of earlier runs. A figure here is a plain integer that the quantity stage
  reads, in every version, as an amount of something (a count, money, a percentage, a
  measure or a duration, not a date, a time or an age written into a compound word such
  as "44-годишната"): multiplying the day of a month makes no claim a fact-checker would
  compare. Lines with such a figure left as it is are the "agreeing figures".

  Which figures those are is frozen in ``data/ntrex/shared_figures.json`` (line -> the figures
  every version shares, as the quantity stage read them when the file was written): the corpus
  must not change when the system it measures changes. Read afresh, a parser that learned
  "Bellator 206" is a name stopped planting there, shifted every later random choice, and its
  held-out figures measured another corpus. ``python benchmarks/news.py --freeze`` writes the
  file again with the current parser (every figure measured before then is on the old corpus).

Nothing about a line's story, language or position is given to the workbench: articles
are JSON Lines rows with a text and a neutral id.

Two parts of NTREX are used: ``tuning`` (the first 61 stories, ``data/ntrex/``), on which
settings were chosen, and ``heldout`` (the other 62, ``data/ntrex/heldout/``), run only to
check figures on stories no setting was chosen on.
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
COPY_SHARE = 0.3  # of the stories without a single-article plant, those given a copied plant
FACTOR = 5
PARTS = {"tuning": DATA, "heldout": DATA / "heldout"}
SHARED_FIGURES = DATA / "shared_figures.json"
# A plain integer, not part of a decimal, a range or a thousands group.
_INTEGER = re.compile(r"(?<![\d.,:/-])\d{1,6}(?![\d]|[.,:/]\d)")


def read_ntrex(part: str = "tuning") -> tuple[list[str], dict[str, list[str]]]:
    """The story id of every line, and each language's lines (line-aligned), of one part."""
    folder = PARTS[part]
    ids = (folder / "document_ids.txt").read_text(encoding="utf-8").splitlines()
    lines = {lang: (folder / f"{code}.txt").read_text(encoding="utf-8").splitlines() for lang, code in LANGUAGES.items()}
    for lang, rows in lines.items():
        if len(rows) != len(ids):
            raise SystemExit(f"{folder}/{LANGUAGES[lang]}.txt has {len(rows)} lines, document_ids.txt {len(ids)}")
    return ids, lines


COMPARABLE = {"count", "money", "percent", "measure", "duration"}


def shared_figures(part: str) -> dict[str, list[str]]:
    """Line number -> the figures all four versions of the line share (see the module's docstring),
    read by the current quantity stage."""
    _, lines = read_ntrex(part)
    shared = {}
    for n in range(len(lines["bg"])):
        common = set(figures(lines["bg"][n], "bg"))
        for lang in ("ro", "uk", "fr"):
            common &= set(figures(lines[lang][n], lang))
        if common:
            shared[str(n)] = sorted(common)
    return shared


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
    copied: bool = False  # the plant is in this article and in same-language copies of it


@dataclass
class Corpus:
    articles: list[Article]
    stories: dict[str, list[int]]  # story -> its NTREX line numbers
    agreeing: list[tuple[int, str]] = field(default_factory=list)  # (line, figure) shared by all four, untouched

    def jsonl(self) -> str:
        return "".join(json.dumps({"id": a.article_id, "text": a.text}, ensure_ascii=False) + "\n"
                       for a in self.articles)


def figure_pattern(figure: str) -> re.Pattern:
    """The figure as a whole number in a line: not part of a longer number, a date or a decimal."""
    return re.compile(rf"(?<![\d.,:/-]){re.escape(figure)}(?![\d]|[.,:/]\d)")


def build(seed: int = 7, stories: int | None = None, *, part: str = "tuning", copies: bool = True) -> Corpus:
    """The benchmark corpus for ``seed`` (optionally only the first ``stories`` stories), with
    copied plants unless ``copies`` is false."""
    ids, lines = read_ntrex(part)
    frozen = json.loads(SHARED_FIGURES.read_text(encoding="utf-8"))[part]
    by_story: dict[str, list[int]] = {}
    for number, story in enumerate(ids):
        by_story.setdefault(story, []).append(number)
    order = list(by_story)[:stories] if stories else list(by_story)
    rng = random.Random(seed)
    copy_rng = random.Random(seed * 7919 + 1)  # its own stream: the rest of the corpus is as without copies
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
        shared = [(n, figure) for n in numbers for figure in frozen.get(str(n), [])]
        plant = None
        if shared and rng.random() < PLANT_SHARE:
            for n, figure in rng.sample(shared, len(shared)):
                holders = [lang for lang in LANGUAGES if n in kept[lang]]
                if len(holders) >= 2:
                    plant = (n, figure, rng.choice(holders))
                    break
        copied = None
        if copies and shared and not plant and copy_rng.random() < COPY_SHARE:
            copied = _copied_plant(shared, kept, numbers, copy_rng)
        if copied:
            plant = copied[:3]
        agreeing.extend((n, figure) for n, figure in shared if not plant or n != plant[0])
        for lang in LANGUAGES:
            versions = [kept[lang]] + (copied[3] if copied and copied[2] == lang else [])
            for copy_number, chosen in enumerate(versions):
                texts = [lines[lang][n] for n in chosen]
                planted = None
                if plant and plant[2] == lang:
                    n, figure, _ = plant
                    position = chosen.index(n)
                    new = str(int(figure) * FACTOR)
                    texts[position] = figure_pattern(figure).sub(new, texts[position], count=1)
                    planted = (n, figure, new)
                suffix = f"-copy{copy_number}" if copy_number else ""
                articles.append(Article(article_id=f"news-{story_number:03d}-{lang}{suffix}", story=story,
                                        language=lang, lines=chosen, text="\n".join(texts), planted=planted,
                                        copied=bool(copied) and planted is not None))
    return Corpus(articles=articles, stories={s: by_story[s] for s in order}, agreeing=agreeing)


def _copied_plant(shared: list[tuple[int, str]], kept: dict[str, list[int]], numbers: list[int],
                  rng: random.Random) -> tuple[int, str, str, list[list[int]]] | None:
    """A copied plant: (line, figure, language, the copies' lines). The language's article keeps
    the line, at least one other language has it too, and each of one or two copies keeps its
    own 70% of the story's lines with the line among them (never the article's very lines: that
    would be the same article twice)."""
    for n, figure in rng.sample(shared, len(shared)):
        holders = [lang for lang in LANGUAGES if n in kept[lang]]
        if len(holders) < 2:
            continue
        lang = rng.choice(holders)
        copies = []
        for _ in range(rng.choice((1, 2))):
            chosen = [m for m in numbers if m == n or rng.random() < KEEP]
            if chosen == kept[lang] or chosen in copies:
                droppable = [m for m in chosen if m != n]
                if not droppable:
                    continue
                chosen.remove(rng.choice(droppable))
            copies.append(chosen)
        if copies:
            return n, figure, lang, copies
    return None


def parallel_sentences(stories: int | None = None) -> dict[str, list[str]]:
    """Every line of the chosen stories, per language (for the search benchmark)."""
    ids, lines = read_ntrex()
    keep = set(list(dict.fromkeys(ids))[:stories]) if stories else set(ids)
    rows = [n for n, story in enumerate(ids) if story in keep]
    return {lang: [lines[lang][n] for n in rows] for lang in LANGUAGES}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="The real-news benchmark corpus (see the module's docstring).")
    parser.add_argument("--freeze", action="store_true",
                        help=f"write {SHARED_FIGURES.name} again with the current quantity stage")
    if parser.parse_args().freeze:
        import subprocess

        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=HERE).stdout.strip()
        frozen = {"read_by": f"workbench.quantities at commit {commit}",
                  **{part: shared_figures(part) for part in PARTS}}
        SHARED_FIGURES.write_text(json.dumps(frozen, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{SHARED_FIGURES}: " + ", ".join(f"{part} {len(frozen[part])} lines" for part in PARTS))
    else:
        parser.print_help()
