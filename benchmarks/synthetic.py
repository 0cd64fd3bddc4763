#!/usr/bin/env python3
"""A synthetic corpus of any size, made by reshuffling the real sentences of data/samples.

The speed benchmark needs 1k to 100k statements; the samples hold about a hundred
content statements in four languages. Each synthetic sentence is one of them with
its words spliced onto another sentence of the same language (the first part of
one, the rest of the other), its clauses rotated, or two of its words swapped. So
every sentence is in a real language, has the samples' length and vocabulary, and
is unique (the embedding cache is keyed by the text's hash: a repeated text would
be encoded once and flatter the pipeline).

Articles have 20-30 statements (a headline line, then paragraphs of 2-4
sentences) and the samples' language mix. Rows carry no ``lang`` column, so the
pipeline detects every article's and statement's language, as it must for most
real inputs (the language an article was written in ends its id). The stream is seeded and deterministic,
and the corpus of N statements is the first articles of that one stream, so a
smaller corpus is a prefix of a larger one: an embedding cache filled by the
100k corpus serves every smaller size too.

Run ``python benchmarks/synthetic.py 10000`` to write ``benchmarks/out/corpus/synthetic-10000.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from common import OUT, ROOT

SAMPLES = ROOT / "data" / "samples"
CORPUS_DIR = OUT / "corpus"
SEED = 20240613
MIN_WORDS = 6  # shorter sample statements are headlines and fragments, not sentences to reshuffle
# Quotes are dropped from synthetic sentences: a splice can leave one unclosed, and the
# segmenter (rightly) joins sentences until a quote closes, which would merge statements.
_QUOTES = re.compile(r"[«»„“”\"]")
_TRAILING = re.compile(r"[\s.!?…:;,–-]+$")


@dataclass(frozen=True)
class SamplePool:
    """Content sentences of the samples, split into words, per language, and each language's share."""

    words: dict[str, list[list[str]]]
    shares: dict[str, float]


def sample_pool() -> SamplePool:
    """Ingest data/samples with the library (in a throwaway home) and keep the content statements."""
    from workbench import Config, Workbench

    home = Path(tempfile.mkdtemp(prefix="bench-samples-"))
    try:
        with Workbench(Config.load(workspace="samples", home=str(home))) as workbench:
            workbench.ingest([SAMPLES])
            statements = workbench.statements()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    pool: dict[str, list[list[str]]] = {}
    for statement in statements:
        tokens = _QUOTES.sub("", statement.text).split()
        if statement.boilerplate or statement.is_title or len(tokens) < MIN_WORDS or len(statement.language) != 2:
            continue
        pool.setdefault(statement.language, []).append(tokens)
    # A language needs two sentences to splice; the samples have a dozen or more in each.
    pool = {language: sentences for language, sentences in sorted(pool.items()) if len(sentences) >= 2}
    total = sum(len(sentences) for sentences in pool.values())
    return SamplePool(words=pool, shares={language: len(s) / total for language, s in pool.items()})


def _as_sentence(tokens: list[str]) -> str:
    text = _TRAILING.sub("", " ".join(tokens))
    # A sentence that starts in lowercase would be joined to the previous one by the segmenter.
    return text[:1].upper() + text[1:] + "."


def _splice(rng: random.Random, sentences: list[list[str]]) -> list[str]:
    first, second = rng.sample(sentences, 2)
    cut = rng.uniform(0.3, 0.7)  # the same relative cut in both keeps the samples' sentence lengths
    return first[:max(2, round(cut * len(first)))] + second[round(cut * len(second)):]


def _rotate_clauses(rng: random.Random, sentences: list[list[str]]) -> list[str]:
    tokens = rng.choice(sentences)
    clauses = [clause.strip() for clause in " ".join(tokens).split(",") if clause.strip()]
    if len(clauses) < 2:
        return _splice(rng, sentences)
    turn = rng.randrange(1, len(clauses))
    return ", ".join(clauses[turn:] + clauses[:turn]).split()


def _swap_words(rng: random.Random, tokens: list[str]) -> list[str]:
    tokens = list(tokens)
    a, b = rng.sample(range(len(tokens)), 2)
    tokens[a], tokens[b] = tokens[b], tokens[a]
    return tokens


class SentenceStream:
    """Unique synthetic sentences per language, from one seeded generator."""

    def __init__(self, pool: SamplePool, rng: random.Random):
        self.pool = pool
        self.rng = rng
        self.seen: set[str] = set()

    def sentence(self, language: str) -> str:
        sentences = self.pool.words[language]
        tokens = (_splice if self.rng.random() < 0.7 else _rotate_clauses)(self.rng, sentences)
        # Later sentences of a small language collide more often; each extra swap multiplies the variants.
        while (text := _as_sentence(tokens)).casefold() in self.seen:
            tokens = _swap_words(self.rng, tokens)
        self.seen.add(text.casefold())
        return text

    def headline(self, language: str) -> str:
        """A headline line: the first words of a sentence, without a full stop."""
        while True:
            tokens = self.rng.choice(self.pool.words[language])
            tokens = _swap_words(self.rng, tokens[:self.rng.randint(6, 11)])
            text = _TRAILING.sub("", " ".join(tokens))
            text = text[:1].upper() + text[1:]
            if text.casefold() not in self.seen:
                self.seen.add(text.casefold())
                return text


def articles(pool: SamplePool, seed: int = SEED) -> Iterator[tuple[dict[str, str], int]]:
    """An endless stream of ``(JSONL row, statements written)``; the same seed gives the same stream."""
    rng = random.Random(seed)
    stream = SentenceStream(pool, rng)
    languages = list(pool.shares)
    weights = [pool.shares[language] for language in languages]
    number = 0
    while True:
        number += 1
        language = rng.choices(languages, weights)[0]
        title = stream.headline(language)
        body_sentences = rng.randint(19, 29)  # plus the headline: 20-30 statements
        paragraphs, written = [], 0
        while written < body_sentences:
            size = min(rng.randint(2, 4), body_sentences - written)
            paragraphs.append(" ".join(stream.sentence(language) for _ in range(size)))
            written += size
        text = "\n\n".join([title, *paragraphs])
        # No "lang" column: like most real inputs, the pipeline has to detect every language.
        yield {"id": f"synthetic-{number:06d}-{language}", "title": title, "source": "synthetic",
               "text": text}, body_sentences + 1


def corpus_path(statements: int) -> Path:
    return CORPUS_DIR / f"synthetic-{statements}.jsonl"


def write_corpus(statements: int, pool: SamplePool | None = None) -> Path:
    """Write (or reuse) the corpus of at least ``statements`` statements; returns its path."""
    path = corpus_path(statements)
    if path.exists():
        return path
    pool = pool or sample_pool()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    written = 0
    with temporary.open("w", encoding="utf-8") as handle:
        for row, count in articles(pool):
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += count
            if written >= statements:
                break
    temporary.replace(path)
    return path


def describe(path: Path) -> dict[str, object]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    written_in = Counter(row["id"].rsplit("-", 1)[1] for row in rows)
    return {"articles": len(rows), "languages": dict(sorted(written_in.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("statements", type=int, nargs="+", help="corpus sizes in statements, e.g. 1000 10000")
    args = parser.parse_args()
    pool = sample_pool()
    print("sample sentences per language:", {language: len(s) for language, s in pool.words.items()})
    for size in args.statements:
        path = write_corpus(size, pool)
        print(f"{path.relative_to(ROOT)}: {describe(path)}")


if __name__ == "__main__":
    main()
