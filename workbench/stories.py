"""Stories: the articles that report the same news event, across languages and days.

Fact-checkers think in stories (Kim's visit to Russia, an earthquake in Sulawesi) and in
the claims inside them, and so does the grouping: claims are aligned between the
articles of one story (see :mod:`workbench.group`), never across the whole corpus.

How articles become stories:

1. **Shared statements.** Two articles are as similar as their statements are to
   each other's best match: for every content statement of either, its highest cosine
   (in the scoring space, language subspace removed, :mod:`workbench.space`) to a
   statement of the other article, averaged (BERTScore's matching, Zhang et al. 2020,
   at the level of articles). Measured on the real-news benchmark (NTREX-128 stories in
   four languages, 70% of lines kept): versions of one story score 0.44-0.77 (5th
   percentile 0.53), different stories a median of 0.26 (99.9th percentile 0.53); the
   mean statement vector, tried first, separated them far worse (different stories up
   to 0.92, because every news text shares one direction).
2. **Shared names.** The share of an article's rare names (people, places,
   organisations; keyed across scripts, Песков = Peskov) that the other article names
   too, weighted by ``story.name_weight``. Names common to a fifth of the articles
   (Putin in a corpus about Russia) are not rare and count for nothing.
3. **Dates.** Two articles published more than ``story.max_days`` apart lose
   ``story.date_penalty`` of their similarity; unknown dates cost nothing.
4. **Average linkage, weighted by statements.** Articles are merged while the average
   similarity between two clusters stays at or above ``story.threshold``, each article
   weighing as many statements as it has: a two-line reprint of one paragraph does not
   pull its source article out of the story the way it would if it counted as much as a
   full report. Average linkage, unlike single linkage, does not chain a string of
   loosely related articles into one huge story; ties break by article id, so the same
   input gives the same stories.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

import numpy as np

from .config import StoryConfig
from .model import Story

log = logging.getLogger(__name__)

COMMON_NAME_SHARE = 0.2  # a name in more than this share of the articles says nothing about which story


@dataclass
class StoryInput:
    """One row per article."""

    article_ids: list[str]
    vectors: np.ndarray  # (n, d) document vectors, L2-normalised, in the scoring space (labels, cohesion)
    names: list[frozenset[str]]
    languages: list[str]
    titles: list[str]
    published: list[str]
    similarity: np.ndarray | None = None  # (n, n) shared-statement similarity; None: document cosine
    weights: list[float] | None = None  # how much each article counts in a cluster's average (statements)


def document_vectors(article_of_row: Sequence[str], space: np.ndarray) -> dict[str, np.ndarray]:
    """Each article's normalised mean statement vector."""
    rows: dict[str, list[int]] = defaultdict(list)
    for row, article in enumerate(article_of_row):
        rows[article].append(row)
    result = {}
    for article, members in rows.items():
        mean = space[members].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        result[article] = (mean / norm if norm else mean).astype(np.float32)
    return result


DENSE_ARTICLES = 1500  # up to this many articles every pair is measured; above, only likely pairs
# Cosines held at once when one article is measured against every statement (64 MB): a long
# article is measured a slice of its statements at a time (one of 10,000 made a 400 MB block).
DENSE_BLOCK_ENTRIES = 1 << 24
CANDIDATE_ARTICLES = 50  # per article, the nearest by document vector that are measured


def shared_statement_similarity(article_of_row: Sequence[str], space: np.ndarray, articles: Sequence[str],
                                *, block_entries: int = DENSE_BLOCK_ENTRIES) -> np.ndarray:
    """``(n, n)`` similarity of ``articles``: the mean, over the statements of both, of each
    statement's best cosine to a statement of the other article.

    Exact for every pair up to ``DENSE_ARTICLES`` articles (one article's statements against
    all statements at a time, or a long article's in slices of about ``block_entries`` cosines,
    so memory follows the statement count). Above that, the cost would grow with the square of the
    statements (minutes at 100,000), so each article is measured against its
    ``CANDIDATE_ARTICLES`` nearest articles by mean statement vector only, and every other
    pair counts as unrelated (0): far apart in the mean, two articles share no statements.
    """
    position = {article: i for i, article in enumerate(articles)}
    keys = np.array([position[a] for a in article_of_row])
    order = np.argsort(keys, kind="stable")
    ordered = np.ascontiguousarray(space[order], dtype=np.float32)
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    counts = np.diff(np.r_[starts, len(ordered)])
    n = len(articles)
    sums = np.zeros((n, n), dtype=np.float32)  # sums[a, b]: over a's statements, best cosine in b
    if n <= DENSE_ARTICLES:
        rows_per_block = max(1, block_entries // len(ordered))
        for a, (start, count) in enumerate(zip(starts, counts)):
            for first in range(start, start + count, rows_per_block):
                block = ordered[first:min(first + rows_per_block, start + count)] @ ordered.T
                sums[a] += np.maximum.reduceat(block, starts, axis=1).sum(axis=0)
        measured = np.ones((n, n), dtype=bool)
    else:
        means = np.add.reduceat(ordered, starts, axis=0)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        nearest = np.argsort(-(means @ means.T), axis=1)[:, :CANDIDATE_ARTICLES + 1]
        measured = np.zeros((n, n), dtype=bool)
        for a, (start, count) in enumerate(zip(starts, counts)):
            for b in nearest[a]:
                if measured[a, b]:
                    continue
                block = ordered[start:start + count] @ ordered[starts[b]:starts[b] + counts[b]].T
                sums[a, b], sums[b, a] = block.max(axis=1).sum(), block.max(axis=0).sum()
                measured[a, b] = measured[b, a] = True
    similarity = np.where(measured, (sums + sums.T) / (counts[:, None] + counts[None, :]), 0.0)
    np.fill_diagonal(similarity, 1.0)
    return similarity.astype(np.float32)


def story_id_for(article_ids: Sequence[str]) -> str:
    return "s" + hashlib.sha1(min(article_ids).encode()).hexdigest()[:12]


def similarity_matrix(data: StoryInput, config: StoryConfig) -> np.ndarray:
    """Pairwise article similarity: document cosine, plus shared rare names, minus distant dates."""
    n = len(data.article_ids)
    sims = (data.similarity if data.similarity is not None else data.vectors @ data.vectors.T).astype(np.float32)
    sims = sims.copy()
    counts = Counter(name for names in data.names for name in names)
    limit = max(2, int(COMMON_NAME_SHARE * n))
    rare = [frozenset(name for name in names if counts[name] <= limit) for names in data.names]
    if config.name_weight:
        for i in range(n):
            if not rare[i]:
                continue
            for j in range(i + 1, n):
                if rare[j]:
                    shared = len(rare[i] & rare[j])
                    if shared:
                        bonus = config.name_weight * shared / min(len(rare[i]), len(rare[j]))
                        sims[i, j] += bonus
                        sims[j, i] += bonus
    days = [_day(value) for value in data.published]
    if config.date_penalty and any(day is not None for day in days):
        for i in range(n):
            for j in range(i + 1, n):
                if days[i] is not None and days[j] is not None and abs((days[i] - days[j]).days) > config.max_days:
                    sims[i, j] -= config.date_penalty
                    sims[j, i] -= config.date_penalty
    np.fill_diagonal(sims, 1.0)
    return sims


def find_stories(data: StoryInput, config: StoryConfig) -> list[Story]:
    """Stories of the given articles, largest first; every article is in exactly one."""
    n = len(data.article_ids)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: data.article_ids[i])  # same input, same stories
    if n == 1:
        labels = np.zeros(1, dtype=int)
    else:
        sims = similarity_matrix(data, config)
        weights = np.asarray(data.weights if data.weights is not None else [1.0] * n, dtype=np.float64)
        labels = np.empty(n, dtype=int)
        labels[order] = weighted_average_linkage(sims[np.ix_(order, order)], weights[order], config.threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for row in order:
        members[int(labels[row])].append(row)
    stories = []
    for rows in members.values():
        centre = data.vectors[rows].mean(axis=0)
        closeness = data.vectors[rows] @ centre / max(float(np.linalg.norm(centre)), 1e-9)
        central = rows[int(np.argmax(closeness))]
        ids = tuple(sorted(data.article_ids[r] for r in rows))
        stories.append(Story(
            story_id=story_id_for(ids),
            label=_label(data.titles[central]),
            article_ids=ids,
            languages=tuple(sorted({data.languages[r] for r in rows})),
            cohesion=round(float(closeness.mean()), 4) if len(rows) > 1 else 1.0,
        ))
    stories.sort(key=lambda s: (-len(s.article_ids), -len(s.languages), s.story_id))
    log.info("Stories - %d article(s) in %d stor(y/ies), %d with more than one article", n, len(stories),
             sum(len(s.article_ids) > 1 for s in stories))
    return stories


def weighted_average_linkage(similarity: np.ndarray, weights: np.ndarray, threshold: float) -> np.ndarray:
    """Cluster labels: merge the two most similar clusters while their weighted average
    similarity is at least ``threshold`` (ties: the lowest indices first).

    The Lance-Williams update of average linkage with each cluster weighing the sum of its
    members' weights; each row's best partner is cached, so a merge costs O(n) plus the
    rows whose best partner it changed.
    """
    n = len(similarity)
    sims = similarity.astype(np.float64).copy()
    np.fill_diagonal(sims, -np.inf)
    weight = weights.astype(np.float64).copy()
    alive = np.ones(n, dtype=bool)
    owner = np.arange(n)
    best = sims.argmax(axis=1)
    while True:
        rows = np.flatnonzero(alive)
        if len(rows) < 2:
            break
        values = sims[rows, best[rows]]
        pick = int(np.argmax(values))
        if values[pick] < threshold:
            break
        a, b = sorted((int(rows[pick]), int(best[rows[pick]])))
        merged = (weight[a] * sims[a] + weight[b] * sims[b]) / (weight[a] + weight[b])
        sims[a], sims[:, a] = merged, merged
        sims[a, a] = -np.inf
        sims[b, :], sims[:, b] = -np.inf, -np.inf
        weight[a] += weight[b]
        alive[b] = False
        owner[owner == b] = a
        stale = np.flatnonzero(alive & ((best == a) | (best == b)))
        best[stale] = sims[stale].argmax(axis=1)
        better = alive & (sims[:, a] > sims[np.arange(n), best])
        best[better] = a
        best[a] = int(sims[a].argmax())
    return owner


def _label(title: str, limit: int = 120) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def _day(value: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()[:10]).date()
    except ValueError:
        return None


def story_index(stories: Sequence[Story]) -> dict[str, str]:
    """Article id -> story id."""
    return {article: story.story_id for story in stories for article in story.article_ids}


def assign_stories(groups: Sequence, story_of: dict[str, str]) -> list:
    """Each group with the story most of its articles belong to (ties: the smallest story id)."""
    from dataclasses import replace

    result = []
    for group in groups:
        counts = Counter(story_of[a] for a in group.article_ids if a in story_of)
        story = min(counts, key=lambda s: (-counts[s], s)) if counts else ""
        result.append(replace(group, story_id=story))
    return result


def assign_articles(stories: Sequence[Story], data: StoryInput, new_article_ids: Sequence[str],
                    config: StoryConfig) -> tuple[list[Story], dict[str, str]]:
    """``stories`` with each of ``new_article_ids`` (rows of ``data``, taken in order) in the story
    it matches best - the weighted average similarity to that story's articles, as average
    linkage measures it - if that reaches ``story.threshold``, else in a new story that later new
    articles may join. Every other article keeps its story, and a story keeps its id. Returns the
    stories, largest first, and for each new article where it went and why."""
    position = {article: i for i, article in enumerate(data.article_ids)}
    sims = similarity_matrix(data, config)
    weights = np.asarray(data.weights if data.weights is not None else [1.0] * len(data.article_ids), dtype=np.float64)
    members: dict[str, list[str]] = {story.story_id: list(story.article_ids) for story in stories}
    old = {story.story_id: story for story in stories}
    reasons: dict[str, str] = {}
    for article in new_article_ids:
        row = position[article]
        best, best_score = None, -np.inf
        for story_id, articles in sorted(members.items()):
            rows = [position[a] for a in articles if a in position]
            if not rows:
                continue
            score = float(np.average(sims[row, rows], weights=weights[rows]))
            if score > best_score:
                best, best_score = story_id, score
        if best is not None and best_score >= config.threshold:
            members[best].append(article)
            reasons[article] = f"joined story {best} (similarity {best_score:.3f})"
        else:
            story_id = story_id_for([article])
            members[story_id] = [article]
            reasons[article] = (f"started story {story_id} (the closest, {best}, at {best_score:.3f}, is under "
                                f"story.threshold {config.threshold})" if best is not None else f"started story {story_id}")
    result = []
    for story_id, articles in members.items():
        rows = [position[a] for a in articles if a in position]
        ids = tuple(sorted(articles))
        centre = data.vectors[rows].mean(axis=0)
        closeness = data.vectors[rows] @ centre / max(float(np.linalg.norm(centre)), 1e-9)
        label = old[story_id].label if story_id in old else _label(data.titles[rows[int(np.argmax(closeness))]])
        result.append(Story(story_id=story_id, label=label, article_ids=ids,
                            languages=tuple(sorted({data.languages[r] for r in rows})),
                            cohesion=round(float(closeness.mean()), 4) if len(rows) > 1 else 1.0))
    result.sort(key=lambda s: (-len(s.article_ids), -len(s.languages), s.story_id))
    return result, reasons
