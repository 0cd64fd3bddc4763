"""Synthetic articles with story structure, as vectors: the story benchmark's corpus (bench_stories_scale.py).

No text is written or encoded: each article is its statements' vectors in a 384-dimensional
space, built to look, to story finding, like encoded news in the scoring space:

* every statement leans on one shared "news" direction, so that statements of unrelated
  stories still have cosines of about 0.2 to 0.3 (real news: a median of 0.26 between
  articles of different stories, ``workbench.stories``);
* stories come in topics of up to 20 (several stories about one war, one election): their
  statements share a topic direction, so stories of one topic sit closer than others;
* one story in five is a follow-up that retells 30% of its lines from the topic's previous
  story: the two sit near the threshold, as related stories do;
* a story of 1 to 50 articles (a long tail: most stories have a few articles) has 4 to 30
  lines (facts); each article is in one of six languages and keeps each line with
  probability 0.7 (one statement per kept line, about 10 statements an article), with a
  language offset and noise, so one line told in two languages has a cosine of about 0.8;
* names: each story has 2 to 6 names of its own (each article names each with probability
  0.6), each topic 3 (probability 0.3), and every article 2 to 5 names drawn from 3,000
  common ones with a Zipf law (the Putins and Reuters of every corpus);
* a story runs over up to 4 days of one year; one article in ten has no date.

The same ``(articles, seed)`` always gives the same corpus, and a corpus is the prefix of
no other (each size is drawn on its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DIMENSION = 384
LANGUAGES = ("bg", "fr", "ro", "uk", "en", "ru")
KEEP = 0.7
STORIES_PER_TOPIC = 20
COMMON_NAMES = 3000
FOLLOW_UP = 0.2  # share of stories that retell some lines of the previous story of their topic


@dataclass
class Corpus:
    """Articles in story order; statement rows grouped by article in the same order."""

    article_ids: list[str]
    story: np.ndarray  # (n,) the true story of each article
    statements: np.ndarray  # (m, d) float32, L2-normalised
    counts: np.ndarray  # (n,) statements per article
    names: list[frozenset[str]]
    languages: list[str]
    published: list[str]


def story_sizes(articles: int, rng: np.random.Generator) -> list[int]:
    """Story sizes from 1 to 50 (probability falling as size^-1.5), adding up to ``articles``."""
    sizes = np.arange(1, 51)
    probability = sizes ** -1.5
    probability /= probability.sum()
    drawn: list[int] = []
    left = articles
    while left > 0:
        size = int(min(rng.choice(sizes, p=probability), left))
        drawn.append(size)
        left -= size
    return drawn


def build(articles: int, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    sizes = story_sizes(articles, rng)
    news = _unit(rng.standard_normal(DIMENSION))
    language_offsets = {language: 0.25 * _unit(rng.standard_normal(DIMENSION)) for language in LANGUAGES}
    zipf = 1.0 / np.arange(1, COMMON_NAMES + 1)
    zipf /= zipf.sum()
    start = date(2024, 1, 1)
    vectors, counts, story_of, names, languages, published = [], [], [], [], [], []
    topic = np.zeros(DIMENSION)
    for number, size in enumerate(sizes):
        if number % STORIES_PER_TOPIC == 0:
            topic = _unit(rng.standard_normal(DIMENSION))
            topic_names = [f"t{number}n{j}" for j in range(3)]
        core = _unit(rng.standard_normal(DIMENSION))
        lines = int(rng.integers(4, 31))
        # a line: the news direction, the topic, the story, and what the line itself says
        facts = 0.5 * news + 0.45 * topic + 0.4 * core + 0.7 * _unit(rng.standard_normal((lines, DIMENSION)))
        if number % STORIES_PER_TOPIC and rng.random() < FOLLOW_UP:
            # a follow-up retells some lines of the topic's previous story
            retold = min(len(previous), lines) * 3 // 10
            facts[:retold] = previous[:retold]
        previous = facts
        own_names = [f"s{number}n{j}" for j in range(int(rng.integers(2, 7)))]
        day = int(rng.integers(0, 365))
        for _ in range(size):
            language = LANGUAGES[int(rng.integers(len(LANGUAGES)))]
            kept = np.flatnonzero(rng.random(lines) < KEEP)
            if not len(kept):
                kept = np.array([int(rng.integers(lines))])
            noise = 0.5 * _unit(rng.standard_normal((len(kept), DIMENSION)))
            vectors.append(_unit(facts[kept] + language_offsets[language] + noise).astype(np.float32))
            counts.append(len(kept))
            story_of.append(number)
            held = {name for name in own_names if rng.random() < 0.6}
            held |= {name for name in topic_names if rng.random() < 0.3}
            held |= {f"c{j}" for j in rng.choice(COMMON_NAMES, size=int(rng.integers(2, 6)), p=zipf)}
            names.append(frozenset(held))
            languages.append(language)
            published.append("" if rng.random() < 0.1 else
                              (start + timedelta(days=day + int(rng.integers(0, 4)))).isoformat())
    return Corpus(article_ids=[f"a{seed}-{i:07d}" for i in range(len(counts))], story=np.array(story_of),
                  statements=np.vstack(vectors), counts=np.array(counts, dtype=np.int64), names=names,
                  languages=languages, published=published)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
