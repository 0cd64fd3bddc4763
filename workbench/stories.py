"""Stories: the articles that report the same news event, across languages and days.

Fact-checkers think in stories (Kim's visit to Russia, an earthquake in Sulawesi) and in
the claims inside them, and so does the grouping: claims are aligned between the
articles of one story (see :mod:`workbench.group`), never across the whole corpus.

How articles become stories:

1. **Candidates.** Only likely pairs of articles are measured: each article's
   ``CANDIDATE_ARTICLES`` nearest articles by mean statement vector (a FAISS search), and
   the articles that share one of its rare names (an inverted index of names). Every other
   pair counts as unrelated (similarity 0): far apart in the mean and sharing no rare
   name, two articles share no statements. Memory and time follow the number of articles
   times ``CANDIDATE_ARTICLES``; no article-by-article matrix is built at any size.
2. **Shared statements.** Two articles are as similar as their statements are to
   each other's best match: for every content statement of either, its highest cosine
   (in the scoring space, language subspace removed, :mod:`workbench.space`) to a
   statement of the other article, averaged (BERTScore's matching, Zhang et al. 2020,
   at the level of articles). Measured on the real-news benchmark (NTREX-128 stories in
   four languages, 70% of lines kept): versions of one story score 0.44-0.77 (5th
   percentile 0.53), different stories a median of 0.26 (99.9th percentile 0.53); the
   mean statement vector, tried first, separated them far worse (different stories up
   to 0.92, because every news text shares one direction), which is why it only
   proposes candidates.
3. **Shared names.** The share of an article's rare names (people, places,
   organisations; keyed across scripts, Песков = Peskov) that the other article names
   too, weighted by ``story.name_weight``. Names common to a fifth of the articles
   (Putin in a corpus about Russia) are not rare and count for nothing.
4. **Dates.** Two articles published more than ``story.max_days`` apart lose
   ``story.date_penalty`` of their similarity; unknown dates cost nothing.
5. **Average linkage, weighted by statements.** Articles are merged while the average
   similarity between two clusters stays at or above ``story.threshold``, each article
   weighing as many statements as it has: a two-line reprint of one paragraph does not
   pull its source article out of the story the way it would if it counted as much as a
   full report. Average linkage, unlike single linkage, does not chain a string of
   loosely related articles into one huge story; ties break by article id, so the same
   input gives the same stories.

New articles of a stream join the stories already found one at a time
(:func:`assign_articles`), as in news-stream clustering (Miranda et al. 2018): each joins
the story it is most similar to on average, as average linkage measures it, or starts one.
An article placed before the rest of its story arrived (one Bulgarian report of an arrest,
put with another arrest story) moves to the story its own versions start, when it is clearly
more similar to that story than to the one it is in (:data:`MOVE_MARGIN`); nothing else moves.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Callable, Collection, Sequence

import numpy as np

from .config import StoryConfig
from .model import Story

log = logging.getLogger(__name__)

COMMON_NAME_SHARE = 0.2  # a name in more than this share of the articles says nothing about which story
CANDIDATE_ARTICLES = 50  # per article, the nearest by document vector whose statements are measured
# A rare name shared by at most this many articles makes each pair of them a candidate. One held
# by more (a running story's protagonist) still adds its bonus to pairs found otherwise, but all
# its pairs would grow with the square of its articles.
NAME_CANDIDATE_ARTICLES = 64
# Up to this many articles searched among as many, the nearest ones are found exactly (about a
# second at 10,000; a few new articles among 200,000 cost less); above, an inverted-file index
# of 4 sqrt(n) lists probes the ``NEAREST_PROBES`` closest to each article. On the story benchmark's 50,000 articles 16 probes found 99.8% of the exact
# neighbours; 2 sqrt(n) lists, unbalanced by the direction all news shares, needed 24 probes
# for 99.3% and took ten times as long.
EXACT_SEARCH_ARTICLES = 10_000
NEAREST_PROBES = 16
QUERY_BLOCK = 4096  # articles searched at once: their results, not the queries' copy, set the memory
# Cosines held at once when one article's statements meet its candidates' (64 MB): a long
# article is measured a slice of its statements at a time (one of 10,000 made a 400 MB block).
BLOCK_ENTRIES = 1 << 24
GATHER_ROWS = 1 << 15  # candidates' statements copied together for one product (48 MB at 384 dimensions)
PAIR_BLOCK = 1 << 20  # pairs whose rare names are compared at once
# An article placed before moves to a story that gained articles only when it is on average
# this much more similar to that story than to the other articles of its own. On the real-news
# benchmark in four batches, versions of one story score 0.44-0.77 against each other and the
# articles of a story they were wrongly put in about 0.45-0.5.
MOVE_MARGIN = 0.05
MOVE_ROUNDS = 3


@dataclass
class StoryInput:
    """One row per article, and the vectors of its statements."""

    article_ids: list[str]
    vectors: np.ndarray  # (n, d) document vectors, L2-normalised, in the scoring space (candidates, labels, cohesion)
    names: list[frozenset[str]]
    languages: list[str]
    titles: list[str]
    published: list[str]
    # (m, d) statement vectors in the scoring space, each article's rows together and in the order
    # of article_ids; None: each article is its document vector alone (similarity = document cosine)
    statements: np.ndarray | None = None
    statement_counts: np.ndarray | None = None  # (n,) how many rows of ``statements`` each article has
    weights: list[float] | None = None  # how much each article counts in a cluster's average (statements)

    def __post_init__(self) -> None:
        n = len(self.article_ids)
        if len(set(self.article_ids)) != n:
            raise ValueError("StoryInput: an article id is given twice")
        if any(len(column) != n for column in (self.vectors, self.names, self.languages, self.titles,
                                                self.published)):
            raise ValueError("StoryInput: every column needs one row per article")
        if (self.statements is None) != (self.statement_counts is None):
            raise ValueError("StoryInput: statements and statement_counts go together")
        if self.statement_counts is not None:
            counts = np.asarray(self.statement_counts)
            if len(counts) != n or (n and counts.min() < 1) or int(counts.sum()) != len(self.statements):
                raise ValueError(f"StoryInput: statement_counts must give each of the {n} articles at least one "
                                 f"of the {len(self.statements)} statement rows, all of them in all")
        if self.weights is not None and len(self.weights) != n:
            raise ValueError("StoryInput: weights need one value per article")

    def statement_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The statement vectors and each article's row count (an article's document vector
        stands for it when no statements are given)."""
        if self.statements is None:
            return np.ascontiguousarray(self.vectors, dtype=np.float32), np.ones(len(self.article_ids), np.int64)
        return self.statements, np.asarray(self.statement_counts, dtype=np.int64)

    def weight_array(self) -> np.ndarray:
        return np.asarray(self.weights if self.weights is not None else [1.0] * len(self.article_ids), np.float64)


@dataclass(frozen=True)
class Placement:
    """Where :func:`assign_articles` put one new article, and why (for the run manifest)."""

    story_id: str  # the story it is in
    joined: bool  # True: it joined a story found before; False: it is in a story of its batch's new articles
    # joined: its average similarity to the story's other articles; otherwise to the closest
    # other story (0.0 when no other story's article was a candidate)
    similarity: float
    closest_story_id: str  # joined: the story joined; otherwise that closest other story ("" when none)
    reason: str  # the same, in words
    moved_from: str = ""  # an article placed before: the story it left (see assign_articles)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def document_vectors(statements: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each article's normalised mean statement vector (rows grouped as in :class:`StoryInput`)."""
    if not len(counts):
        return np.zeros((0, statements.shape[1]), np.float32)
    # One sum per article: np.add.reduceat in float64 converts the whole block first and took
    # 10 times as long at 100,000 statements.
    means = np.empty((len(counts), statements.shape[1]), np.float64)
    start = 0
    for article, count in enumerate(counts.tolist()):
        means[article] = statements[start:start + count].sum(axis=0, dtype=np.float64)
        start += count
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def story_id_for(article_ids: Sequence[str]) -> str:
    return "s" + hashlib.sha1(min(article_ids).encode()).hexdigest()[:12]


def find_stories(data: StoryInput, config: StoryConfig) -> list[Story]:
    """Stories of the given articles, largest first; every article is in exactly one."""
    n = len(data.article_ids)
    if n == 0:
        return []
    order = np.array(sorted(range(n), key=lambda i: data.article_ids[i]), dtype=np.int64)  # same input, same stories
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    if n == 1:
        owner_of_rank = np.zeros(1, dtype=np.int64)
    else:
        first, second, similarity = similarity_graph(data, config)
        owner_of_rank = weighted_average_linkage(n, rank[first], rank[second], similarity,
                                                 data.weight_array()[order], config.threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for row_rank, row in enumerate(order.tolist()):
        members[int(owner_of_rank[row_rank])].append(row)
    stories = [_story(data, rows, story_id_for([data.article_ids[r] for r in rows])) for rows in members.values()]
    stories.sort(key=_story_order)
    log.info("Stories - %d article(s) in %d stor(y/ies), %d with more than one article", n, len(stories),
             sum(len(s.article_ids) > 1 for s in stories))
    return stories


def assign_articles(stories: Sequence[Story], data: StoryInput, new_article_ids: Sequence[str],
                    config: StoryConfig, *, pinned: Collection[str] = ()) -> tuple[list[Story], dict[str, Placement]]:
    """Put new articles into the stories already found, or into new ones.

    ``stories`` hold the articles already placed; ``data`` holds every article of ``stories``
    and every new one (any other article in it is left out). The new articles are clustered
    with the old stories as :func:`find_stories` clusters articles (average linkage on the
    same candidate pairs, at ``story.threshold``), each old story entering as one cluster of
    its articles, and two old stories never merging. So a new article joins the old story it
    is most similar to on average (shared statements, plus shared rare names, less the date
    penalty, over all the story's articles), new articles that tell one piece of news start a
    story together, the order of the new articles does not matter, and a batch of every
    article gives the stories of :func:`find_stories`. Old stories keep their ``story_id``,
    even when a new article with a smaller id joins one.

    An old article moves only to a story that gained new articles, and only when its average
    similarity to that story reaches ``story.threshold`` and passes its average similarity to
    the other articles of its own story by :data:`MOVE_MARGIN`: it was placed before the rest
    of its story arrived, and one analysis of every article would have put it with them.
    Articles in ``pinned`` (an analyst decided about one of their statements) never move.

    Returns every story, largest first, and a :class:`Placement` for each new article and each
    old article that moved (its ``moved_from`` names the story it left).
    """
    position = {article: row for row, article in enumerate(data.article_ids)}
    story_of = _check_assignment(stories, position, new_article_ids)
    if not new_article_ids:
        return list(stories), {}
    # The items clustered: the old stories (0 .. old - 1), then the new articles in id order.
    old = len(stories)
    new_rows = np.array(sorted((position[a] for a in new_article_ids), key=data.article_ids.__getitem__),
                        dtype=np.int64)
    weights = data.weight_array()
    item_of = story_of.copy()
    item_of[new_rows] = old + np.arange(len(new_rows))
    item_weights = np.concatenate([np.bincount(story_of[story_of >= 0], weights=weights[story_of >= 0],
                                               minlength=old), weights[new_rows]])
    first, second, similarity = similarity_graph(data, config, queries=new_rows)
    placed = (item_of[first] >= 0) & (item_of[second] >= 0)  # the input's other articles are left out
    first, second, similarity = first[placed], second[placed], similarity[placed]
    low, high, average = _item_pairs(item_of[first], item_of[second], similarity,
                                     np.where(item_of[first] < old, weights[first], weights[second]), item_weights, old)
    # Items ranked by their smallest article id: ties break as in find_stories.
    smallest = [min(story.article_ids) for story in stories] + [data.article_ids[r] for r in new_rows]
    order = np.array(sorted(range(len(smallest)), key=smallest.__getitem__), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    anchored = np.zeros(len(order), dtype=bool)
    anchored[rank[:old]] = True
    cluster_of_rank = weighted_average_linkage(len(order), rank[low], rank[high], average, item_weights[order],
                                               config.threshold, anchored=anchored)
    items_of: dict[int, list[int]] = defaultdict(list)
    for item, cluster in enumerate(cluster_of_rank[rank].tolist()):
        items_of[cluster].append(item)
    result, story_id_of_row = list(stories), {}
    for items in items_of.values():
        rows = [int(new_rows[item - old]) for item in items if item >= old]
        if not rows:
            continue
        if items[0] < old:  # an old story (at most one in a cluster), with what joined it
            story_id = stories[items[0]].story_id
            result[items[0]] = _story(data, [position[a] for a in stories[items[0]].article_ids] + rows, story_id)
        else:
            story_id = story_id_for([data.article_ids[r] for r in rows])
            result.append(_story(data, rows, story_id))
        story_id_of_row.update(dict.fromkeys(rows, story_id))
    final = {row: stories[key].story_id for row, key in enumerate(story_of.tolist()) if key >= 0}
    final.update(story_id_of_row)
    near_new = np.unique(np.concatenate([first[item_of[first] < old], second[item_of[second] < old]]))
    staying = {position[a] for a in pinned if a in position}
    moves: dict[int, Placement] = {}
    # Two articles put in one wrong story hold each other there: once one has left, the other's
    # own story is weaker, so moves are looked for again (each article moves at most once).
    for _ in range(MOVE_ROUNDS):
        found = _moves(data, final, near_new, staying | set(moves), set(story_id_of_row.values()), config)
        if not found:
            break
        final.update((row, move.story_id) for row, move in found.items())
        moves.update(found)
    if moves:
        changed = {move.story_id for move in moves.values()} | {move.moved_from for move in moves.values()}
        rows_of: dict[str, list[int]] = defaultdict(list)
        for row, story_id in final.items():
            if story_id in changed:
                rows_of[story_id].append(row)
        result = [story for story in result if story.story_id not in changed]
        result += [_story(data, sorted(rows, key=data.article_ids.__getitem__), story_id)
                   for story_id, rows in sorted(rows_of.items())]
    result.sort(key=_story_order)
    placements = _placements(data, final, story_id_of_row, {story.story_id for story in stories}, first, second,
                             similarity, config)
    placements.update((data.article_ids[row], move) for row, move in moves.items())
    log.info("Stories - %d new article(s): %d joined a story found before, %d are in new stories; %d article(s) "
             "placed before moved; %d stor(y/ies) in all", len(new_rows), sum(p.joined for p in placements.values()
                                                                           if not p.moved_from),
             sum(not p.joined for p in placements.values()), len(moves), len(result))
    return result, placements


def _moves(data: StoryInput, final: dict[int, str], candidates: np.ndarray, pinned: set[int],
           gained: set[str], config: StoryConfig) -> dict[int, Placement]:
    """The old articles (rows of ``candidates``, near a new article) that move to a story which
    gained articles (``gained``), with their :class:`Placement` (see :func:`assign_articles`).
    Every move is decided on the stories as the new articles left them, so the order of the
    articles does not matter."""
    candidates = np.array([row for row in candidates.tolist() if row not in pinned and row in final], dtype=np.int64)
    if not len(candidates) or not gained:
        return {}
    count = len(data.article_ids)
    codes: dict[str, int] = {}
    story_code = np.full(count, -1, dtype=np.int64)
    for row, story_id in final.items():
        story_code[row] = codes.setdefault(story_id, len(codes))
    in_gained = np.isin(story_code, [codes[story_id] for story_id in gained if story_id in codes])
    is_candidate = np.zeros(count, dtype=bool)
    is_candidate[candidates] = True

    def decisive(first: np.ndarray, second: np.ndarray) -> np.ndarray:
        # The pairs a move is decided on: a candidate's with its own story and with the stories
        # that gained articles, for the candidates with a pair into such a story at all (any
        # other has nowhere to move). Measuring every candidate pair instead took 29 s of a
        # 39 s increment at 100,000 statements: rare names shared by many articles made 1,719
        # candidates and 870,643 pairs.
        reaches = np.zeros(count, dtype=bool)
        for a, b in ((first, second), (second, first)):
            reaches[a[is_candidate[a] & in_gained[b]]] = True
        kept = np.zeros(len(first), dtype=bool)
        for a, b in ((first, second), (second, first)):
            kept |= reaches[a] & (in_gained[b] | (story_code[a] == story_code[b]))
        return kept

    first, second, similarity = similarity_graph(data, config, queries=candidates, keep=decisive)
    moves = {}
    for row, (inside, outside) in sorted(_affinities(data, final, candidates.tolist(), first, second,
                                                     similarity).items(),
                                         key=lambda item: data.article_ids[item[0]]):
        own = final[row]
        offers = {story_id: value for story_id, value in outside.items() if story_id in gained}
        if not offers:
            continue
        best = min(offers, key=lambda story_id: (-offers[story_id], story_id))
        if offers[best] >= config.threshold and offers[best] >= inside + MOVE_MARGIN:
            reason = (f"moved from story {own} to story {best}, which gained articles: on average {offers[best]:.3f} "
                      f"similar to its articles, against {inside:.3f} to the other articles of {own}")
            moves[row] = Placement(best, True, round(offers[best], 4), best, reason, moved_from=own)
    return moves


def _check_assignment(stories: Sequence[Story], position: dict[str, int], new_article_ids: Sequence[str]) -> np.ndarray:
    """Each input row's old story (-1: none), after checking that the input fits the call."""
    missing = [a for story in stories for a in story.article_ids if a not in position]
    if missing:
        raise ValueError(f"assign_articles: {len(missing)} article(s) of the stories given are not in the input "
                         f"(for example {missing[0]}); it needs every article of every story")
    unknown = [a for a in new_article_ids if a not in position]
    if unknown:
        raise ValueError(f"assign_articles: new article {unknown[0]} is not in the input")
    if len(set(new_article_ids)) != len(new_article_ids):
        raise ValueError("assign_articles: a new article is given twice")
    story_of = np.full(len(position), -1, dtype=np.int64)
    for key, story in enumerate(stories):
        rows = [position[a] for a in story.article_ids]
        if (story_of[rows] >= 0).any():
            raise ValueError(f"assign_articles: story {story.story_id} shares an article with another story")
        story_of[rows] = key
    placed = [a for a in new_article_ids if story_of[position[a]] >= 0]
    if placed:
        raise ValueError(f"assign_articles: new article {placed[0]} is already in a story")
    return story_of


def _item_pairs(a: np.ndarray, b: np.ndarray, similarity: np.ndarray, old_weight: np.ndarray,
                item_weights: np.ndarray, old: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Article pairs as pairs of items (items below ``old`` are old stories): a new article's
    similarity to an old story is its average over all the story's articles, weighted by
    ``old_weight``, 0 where a pair is not a candidate, as average linkage measures a cluster."""
    to_story = (a < old) | (b < old)
    weighted = np.where(to_story, similarity * old_weight, similarity)
    count = len(item_weights)
    keys, where = np.unique(np.minimum(a, b) * count + np.maximum(a, b), return_inverse=True)
    low, high = keys // count, keys % count
    divisor = np.ones(len(keys))
    divisor[low < old] = item_weights[low[low < old]]
    return low, high, np.bincount(where.reshape(-1), weights=weighted) / divisor


def _affinities(data: StoryInput, story_id_of_row: dict[int, str], rows: Sequence[int], first: np.ndarray,
                second: np.ndarray, similarity: np.ndarray) -> dict[int, tuple[float, dict[str, float]]]:
    """For each of ``rows``: its average similarity to the other articles of its own story, and to
    each other story it has a candidate pair with, as average linkage weighs them (by statements;
    a pair that is not a candidate counts 0). ``story_id_of_row``: every placed row's story."""
    weights = data.weight_array()
    totals: dict[str, float] = defaultdict(float)
    for row, story_id in story_id_of_row.items():
        totals[story_id] += float(weights[row])
    wanted = set(rows)
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for a, b, value in zip(first.tolist(), second.tolist(), similarity.tolist()):
        if a in wanted and b in story_id_of_row:
            sums[a][story_id_of_row[b]] += weights[b] * value
        if b in wanted and a in story_id_of_row:
            sums[b][story_id_of_row[a]] += weights[a] * value
    result = {}
    for row in rows:
        own = story_id_of_row[row]
        rest = totals[own] - weights[row]
        inside = sums[row].get(own, 0.0) / rest if rest else 0.0
        result[row] = (inside, {sid: value / totals[sid] for sid, value in sums[row].items() if sid != own})
    return result


def _placements(data: StoryInput, story_id_of_row: dict[int, str], placed: Collection[int], old_ids: set[str],
                first: np.ndarray, second: np.ndarray, similarity: np.ndarray,
                config: StoryConfig) -> dict[str, Placement]:
    """Why each new article (row of ``placed``) is where it is: its average similarity to the
    other articles of its story and to the closest story it is not in. ``story_id_of_row``:
    every placed row's story at the end (old articles included); ``old_ids``: the stories found
    before."""
    companions = Counter(story_id_of_row[row] for row in placed)
    result = {}
    for row, (inside, outside) in _affinities(data, story_id_of_row, list(placed), first, second, similarity).items():
        own = story_id_of_row[row]
        closest = min(outside, key=lambda sid: (-outside[sid], sid)) if outside else ""
        nearest = outside.get(closest, 0.0)
        if closest:
            elsewhere = (f"the closest other story, {closest}, is on average {nearest:.3f} similar, below the "
                         f"threshold {config.threshold:g}")
        else:
            elsewhere = "no other story's articles are near it in statements or rare names"
        if own in old_ids:
            reason = f"joined story {own}: on average {inside:.3f} similar to its other articles"
        elif companions[own] > 1:
            reason = (f"started story {own} with {companions[own] - 1} other new article(s), on average {inside:.3f} "
                      f"similar to them; {elsewhere}")
        else:
            reason = f"started story {own}: {elsewhere}"
        joined = own in old_ids
        result[data.article_ids[row]] = Placement(own, joined, round(inside if joined else nearest, 4),
                                                  own if joined else closest, reason)
    return result


# -- the similarity graph ------------------------------------------------------------------------

def similarity_graph(data: StoryInput, config: StoryConfig, queries: np.ndarray | None = None,
                     keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(first, second, similarity)`` of the candidate pairs (``first < second``, sorted): shared
    statements, plus shared rare names, minus distant dates. With ``queries``, only the pairs
    that hold at least one of those rows; with ``keep``, only the pairs it marks (given the
    pairs' ``first`` and ``second``), measured alone."""
    rare = rare_names(data.names)
    first, second = candidate_pairs(data.vectors, rare, queries)
    if keep is not None:
        kept = keep(first, second)
        first, second = first[kept], second[kept]
    statements, counts = data.statement_rows()
    similarity = shared_statement_similarity(statements, counts, first, second).astype(np.float64)
    if config.name_weight:
        similarity += config.name_weight * _name_share(rare, first, second)
    if config.date_penalty:
        days = np.array([np.nan if day is None else float(day.toordinal()) for day in map(_day, data.published)])
        with np.errstate(invalid="ignore"):  # an unknown date (NaN) is never too far
            apart = np.abs(days[first] - days[second]) > config.max_days
        similarity -= config.date_penalty * apart
    return first, second, similarity


def rare_names(names: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """Each article's names that at most a fifth of the articles (and at least two) hold."""
    counts = Counter(name for held in names for name in held)
    limit = max(2, int(COMMON_NAME_SHARE * len(names)))
    return [frozenset(name for name in held if counts[name] <= limit) for held in names]


def candidate_pairs(vectors: np.ndarray, rare: Sequence[frozenset[str]],
                    queries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The article pairs worth measuring, ``first < second``, sorted and unique: each (query)
    article with its ``CANDIDATE_ARTICLES`` nearest by document vector, and every two articles
    sharing a rare name held by at most ``NAME_CANDIDATE_ARTICLES`` articles."""
    n = len(vectors)
    rows = np.arange(n, dtype=np.int64) if queries is None else np.asarray(queries, dtype=np.int64)
    nearest = nearest_articles(vectors, rows, CANDIDATE_ARTICLES)
    near_first = np.repeat(rows, nearest.shape[1])
    near_second = nearest.reshape(-1)
    named_first, named_second = _name_pairs(rare, None if queries is None else rows)
    first = np.concatenate([near_first, named_first])
    second = np.concatenate([near_second, named_second])
    valid = (second >= 0) & (first != second)
    low, high = np.minimum(first[valid], second[valid]), np.maximum(first[valid], second[valid])
    keys = sorted_unique(low * n + high)
    return keys // n, keys % n


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by a sort: numpy 2's hashing ``unique`` took 0.67 s on the 950,000
    candidate pairs of an incremental analysis at 100,000 statements, a sort 0.01 s."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def nearest_articles(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """``(len(queries), k + 1)`` rows of each query's nearest articles by inner product (its own
    row among them; -1 pads a short list). Exact while queries times articles stay within
    ``EXACT_SEARCH_ARTICLES`` squared; above, an inverted-file index trained on the vectors
    themselves (FAISS's k-means has a fixed seed, so the same vectors give the same lists and
    the same neighbours)."""
    from .index import _faiss

    faiss = _faiss()
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dimension = data.shape
    if len(queries) * n <= EXACT_SEARCH_ARTICLES ** 2:
        index = faiss.IndexFlatIP(dimension)
    else:
        quantizer = faiss.IndexFlatIP(dimension)
        lists = int(min(4 * np.sqrt(n), n / 39))  # FAISS's k-means warns below 39 points a list
        index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
        # The lists only need to keep neighbours together, not to be optimal: 10 rounds of
        # k-means on a sample of 64 articles a list, whose cost (sample times lists, 1024 n)
        # grows linearly with the articles.
        index.cp.niter = 10
        index.cp.max_points_per_centroid = 64
        index.train(data)
        index.nprobe = NEAREST_PROBES
    index.add(data)
    width = min(k + 1, n)
    found = np.empty((len(queries), width), dtype=np.int64)
    for start in range(0, len(queries), QUERY_BLOCK):
        block = queries[start:start + QUERY_BLOCK]
        found[start:start + len(block)] = index.search(data[block], width)[1]
    return found


def _name_pairs(rare: Sequence[frozenset[str]], queries: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Every two articles that share a rare name held by at most ``NAME_CANDIDATE_ARTICLES``
    articles (with ``queries``: only the names those articles hold)."""
    wanted = None if queries is None else {name for row in queries.tolist() for name in rare[row]}
    postings: dict[str, list[int]] = defaultdict(list)
    for row, held in enumerate(rare):
        for name in held:
            if wanted is None or name in wanted:
                postings[name].append(row)
    by_size: dict[int, list[list[int]]] = defaultdict(list)
    for holders in postings.values():
        if 2 <= len(holders) <= NAME_CANDIDATE_ARTICLES:
            by_size[len(holders)].append(holders)
    firsts, seconds = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size, lists in sorted(by_size.items()):
        holders = np.array(lists, dtype=np.int64)
        left, right = np.triu_indices(size, 1)
        firsts.append(holders[:, left].reshape(-1))
        seconds.append(holders[:, right].reshape(-1))
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    if queries is not None:
        query = np.zeros(len(rare), dtype=bool)
        query[queries] = True
        keep = query[first] | query[second]
        first, second = first[keep], second[keep]
    return first, second


def _name_share(rare: Sequence[frozenset[str]], first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per pair, the share of the smaller rare-name set that the other article names too."""
    from scipy.sparse import csr_matrix

    codes: dict[str, int] = {}
    columns = [codes.setdefault(name, len(codes)) for held in rare for name in sorted(held)]
    sizes = np.array([len(held) for held in rare], dtype=np.int64)
    held = csr_matrix((np.ones(len(columns), np.float32), columns, np.concatenate([[0], np.cumsum(sizes)])),
                      shape=(len(rare), max(1, len(codes))))
    share = np.zeros(len(first), dtype=np.float64)
    for start in range(0, len(first), PAIR_BLOCK):  # the pairs' name rows, a block at a time
        a, b = first[start:start + PAIR_BLOCK], second[start:start + PAIR_BLOCK]
        shared = np.asarray(held[a].multiply(held[b]).sum(axis=1)).reshape(-1)
        share[start:start + len(a)] = shared / np.maximum(np.minimum(sizes[a], sizes[b]), 1)
    return share


def shared_statement_similarity(statements: np.ndarray, counts: np.ndarray, first: np.ndarray, second: np.ndarray,
                                *, block_entries: int = BLOCK_ENTRIES) -> np.ndarray:
    """For each pair of articles ``(first[p], second[p])``: the mean, over the statements of
    both, of each statement's best cosine to a statement of the other article.

    ``statements`` hold each article's rows together (``counts`` of them, in article order).
    Pairs are measured per article against all its partners at once, in products of at most
    about ``block_entries`` cosines (a long article a slice of its statements at a time) and
    ``GATHER_ROWS`` partner statements, so memory follows neither the article count nor the
    longest article.
    """
    from threadpoolctl import threadpool_limits

    counts = np.asarray(counts, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    result = np.empty(len(first), dtype=np.float32)
    order = np.argsort(first, kind="stable")
    firsts, seconds = first[order], second[order]
    bounds = np.flatnonzero(np.r_[True, firsts[1:] != firsts[:-1], True]) if len(first) else np.zeros(1, np.int64)
    # Many small products: a second BLAS thread only makes each one wait for it (on a busy
    # two-core machine a 12 x 600 product took 49 ms with two threads, 0.2 ms with one).
    with threadpool_limits(limits=1, user_api="blas"):
        for low, high in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            article = int(firsts[low])
            own = statements[starts[article]:starts[article] + counts[article]]
            result[order[low:high]] = _against(own, statements, starts, counts, seconds[low:high], block_entries)
    return result


def _against(own: np.ndarray, statements: np.ndarray, starts: np.ndarray, counts: np.ndarray, partners: np.ndarray,
             block_entries: int) -> np.ndarray:
    """The shared-statement similarity of the article whose statements are ``own`` to each partner."""
    result = np.empty(len(partners), dtype=np.float32)
    held = counts[partners]
    ends = np.cumsum(held)
    # consecutive partners whose statements add up to about GATHER_ROWS are measured together
    chunk_of = (ends - held) // GATHER_ROWS
    edges = [0, *(np.flatnonzero(chunk_of[1:] != chunk_of[:-1]) + 1).tolist(), len(partners)]
    for a, b in zip(edges[:-1], edges[1:]):
        sizes = held[a:b]
        offsets = ends[a:b] - sizes - (ends[a] - sizes[0])
        rows = np.repeat(starts[partners[a:b]] - offsets, sizes) + np.arange(int(offsets[-1] + sizes[-1]))
        theirs = statements[rows]
        own_best = np.zeros(b - a, dtype=np.float32)  # summed over own statements: best cosine in each partner
        their_best = np.full(len(rows), -np.inf, dtype=np.float32)  # each partner statement's best in own
        step = max(1, block_entries // len(rows))
        for top in range(0, len(own), step):
            block = own[top:top + step] @ theirs.T
            own_best += np.maximum.reduceat(block, offsets, axis=1).sum(axis=0)
            np.maximum(their_best, block.max(axis=0), out=their_best)
        result[a:b] = (own_best + np.add.reduceat(their_best, offsets)) / (len(own) + sizes)
    return result


# -- average linkage on the sparse graph -------------------------------------------------------

def weighted_average_linkage(count: int, first: np.ndarray, second: np.ndarray, similarity: np.ndarray,
                             weights: np.ndarray, threshold: float, *, anchored: np.ndarray | None = None) -> np.ndarray:
    """Each of ``count`` items' cluster, named by its smallest index: merge the two most similar
    clusters while their weighted average similarity is at least ``threshold`` (ties: the lowest
    indices first). Pairs not given count as similarity 0.

    The Lance-Williams update of average linkage with each cluster weighing the sum of its
    members' weights, on the pairs given only. Two clusters merge only through a pair at or above
    the threshold (an average of smaller values is smaller, and ``threshold`` > 0), so clusters
    never cross the connected components of those strong pairs: each component is clustered on
    its own, with the pairs inside it. Two clusters that each hold an ``anchored`` item are never
    merged (the stories already found, when new articles join them).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    owner = np.arange(count, dtype=np.int64)
    low, high = np.minimum(first, second), np.maximum(first, second)
    strong = similarity >= threshold
    if not strong.any():
        return owner
    ones = np.ones(int(strong.sum()), dtype=np.int8)
    _, component = connected_components(coo_matrix((ones, (low[strong], high[strong])), shape=(count, count)),
                                        directed=False)
    inside = component[low] == component[high]
    low, high, similarity = low[inside], high[inside], similarity[inside]
    order = np.argsort(component[low], kind="stable")
    low, high, similarity = low[order], high[order], similarity[order]
    labels = component[low]
    bounds = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1], True])
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        _link(low[start:end].tolist(), high[start:end].tolist(), similarity[start:end].tolist(), weights,
              threshold, owner, anchored)
    return owner


def _link(low: list[int], high: list[int], similarity: list[float], weights: np.ndarray, threshold: float,
          owner: np.ndarray, anchored: np.ndarray | None) -> None:
    """Average linkage of one component (its pairs ``low < high``), written into ``owner``."""
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    heap = []
    for a, b, value in zip(low, high, similarity):
        neighbours[a][b] = neighbours[b][a] = value
        if value >= threshold:
            heap.append((-value, a, b))
    heapq.heapify(heap)
    weight = {item: float(weights[item]) for item in neighbours}
    held = {item for item in neighbours if anchored is not None and anchored[item]}  # clusters holding an anchor
    merged_into: dict[int, int] = {}
    while heap:
        value, a, b = heapq.heappop(heap)
        if a in merged_into or b in merged_into or neighbours[a].get(b) != -value:
            continue  # a cluster merged since, or the pair's similarity changed since it was queued
        if a in held and b in held:
            continue
        left, right = neighbours.pop(a), neighbours.pop(b)
        del left[b], right[a]
        total = weight[a] + weight[b]
        joined = {}
        for other in left.keys() | right.keys():
            average = (weight[a] * left.get(other, 0.0) + weight[b] * right.get(other, 0.0)) / total
            joined[other] = average
            theirs = neighbours[other]
            theirs.pop(b, None)
            theirs[a] = average
            if average >= threshold:
                heapq.heappush(heap, (-average, min(a, other), max(a, other)))
        neighbours[a] = joined
        weight[a] = total
        merged_into[b] = a
        if b in held:
            held.add(a)
    for item in merged_into:
        root = item
        while root in merged_into:
            root = merged_into[root]
        owner[item] = root


# -- stories --------------------------------------------------------------------------------------

def _story(data: StoryInput, rows: Sequence[int], story_id: str) -> Story:
    centre = data.vectors[rows].mean(axis=0)
    closeness = data.vectors[rows] @ centre / max(float(np.linalg.norm(centre)), 1e-9)
    central = rows[int(np.argmax(closeness))]
    return Story(
        story_id=story_id,
        label=_label(data.titles[central]),
        article_ids=tuple(sorted(data.article_ids[r] for r in rows)),
        languages=tuple(sorted({data.languages[r] for r in rows})),
        cohesion=round(float(closeness.mean()), 4) if len(rows) > 1 else 1.0,
    )


def _story_order(story: Story) -> tuple:
    return -len(story.article_ids), -len(story.languages), story.story_id


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
