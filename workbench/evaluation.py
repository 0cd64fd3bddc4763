"""Measuring groupings against a gold annotation, and retrieval on parallel sentences.

A gold file (see ``tests/gold/groups.json``) names statements by the prefix of
their article's file name and the start of their text, so it survives re-ingest.
Scores are computed over *cross-article statement pairs*: a predicted pair is two
statements from different articles in one predicted group.

* precision: predicted pairs that are in one gold cluster (or in two clusters the
  gold file lists as an acceptable confusion) / all predicted pairs (0 when there are none);
* recall: gold pairs that share a predicted group / all gold pairs;
* claim recall: the fact-level view. A fact is told once per article, so what a
  fact-checker needs is, for every two articles that both tell a gold fact, one link
  between them inside it: the article pairs of each gold cluster that share a
  predicted group through at least one pair of the cluster's statements / all such
  article pairs. (A gold cluster with six statements from one article and one from
  another has one article pair, not six statement pairs.)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .model import Article, Group, Statement


@dataclass(frozen=True)
class GoldGrouping:
    clusters: dict[str, set[str]]  # cluster name -> statement ids
    must_group: list[tuple[str, str]]
    acceptable: set[frozenset[str]]  # pairs of cluster names

    def cluster_of(self) -> dict[str, str]:
        return {sid: name for name, members in self.clusters.items() for sid in members}


def load_gold(path: str | Path, articles: Sequence[Article], statements: Sequence[Statement]) -> GoldGrouping:
    """Resolve a gold file's text references to this workspace's statement ids."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    by_prefix = {Path(a.origin.split(":")[0]).name[:3]: a.article_id for a in articles}

    def resolve(reference: str) -> str:
        prefix, text = reference[:3], reference[4:]
        matches = [s.statement_id for s in statements if s.article_id == by_prefix.get(prefix) and s.text.startswith(text)]
        if len(matches) != 1:
            raise ValueError(f"gold reference {reference!r} matches {len(matches)} statements, expected 1")
        return matches[0]

    clusters = {name: {resolve(ref) for ref in refs} for name, refs in data["clusters"].items()}
    must = [(resolve(a), resolve(b)) for a, b in data.get("must_group", [])]
    acceptable = {frozenset(pair) for pair in data.get("acceptable", [])}
    return GoldGrouping(clusters, must, acceptable)


def cross_article_pairs(groups: Iterable[Iterable[str]], article_of: dict[str, str]) -> set[frozenset[str]]:
    pairs = set()
    for members in groups:
        for a, b in combinations(sorted(members), 2):
            if article_of[a] != article_of[b]:
                pairs.add(frozenset((a, b)))
    return pairs


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    gold_pairs: int
    true_pairs: int
    must_group_found: int
    must_group_total: int
    claim_recall: float = 0.0
    claim_pairs: int = 0

    def as_dict(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


def score_grouping(groups: Sequence[Group], gold: GoldGrouping, article_of: dict[str, str]) -> PairScores:
    predicted = cross_article_pairs((g.statement_ids for g in groups), article_of)
    gold_pairs = cross_article_pairs(gold.clusters.values(), article_of)
    cluster_of = gold.cluster_of()
    correct = sum(1 for a, b in map(sorted, predicted) if counts_right(cluster_of.get(a), cluster_of.get(b), gold))
    true = len(predicted & gold_pairs)
    # No predicted pair is no evidence of precision: 0, as scikit-learn's zero_division default gives,
    # so a threshold that groups nothing never looks perfect in a sweep.
    precision = correct / len(predicted) if predicted else 0.0
    recall = true / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    group_of = {sid: g.group_id for g in groups for sid in g.statement_ids}
    must_found = sum(1 for a, b in gold.must_group if group_of.get(a) is not None and group_of.get(a) == group_of.get(b))
    claim_pairs, claims_found = set(), set()
    for name, members in gold.clusters.items():
        for a, b in combinations(sorted(members), 2):
            if article_of[a] != article_of[b]:
                key = (name, frozenset((article_of[a], article_of[b])))
                claim_pairs.add(key)
                if group_of.get(a) is not None and group_of.get(a) == group_of.get(b):
                    claims_found.add(key)
    claim_recall = len(claims_found) / len(claim_pairs) if claim_pairs else 1.0
    return PairScores(round(precision, 4), round(recall, 4), round(f1, 4), len(predicted), len(gold_pairs), true,
                      must_found, len(gold.must_group), round(claim_recall, 4), len(claim_pairs))


def pair_labels(gold: GoldGrouping, article_of: dict[str, str],
                statement_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every cross-article pair of ``statement_ids`` as row indices ``(i, j)``, with whether it
    is a gold pair (same cluster) and whether it counts as right (same or acceptable clusters)."""
    cluster_of = gold.cluster_of()
    articles = np.array([article_of[s] for s in statement_ids])
    upper_i, upper_j = np.triu_indices(len(statement_ids), 1)
    cross = articles[upper_i] != articles[upper_j]
    rows_i, rows_j = upper_i[cross], upper_j[cross]
    names_i = [cluster_of.get(statement_ids[i]) for i in rows_i]
    names_j = [cluster_of.get(statement_ids[j]) for j in rows_j]
    is_gold = np.array([a is not None and a == b for a, b in zip(names_i, names_j)], dtype=bool)
    is_right = np.array([counts_right(a, b, gold) for a, b in zip(names_i, names_j)], dtype=bool)
    return rows_i, rows_j, is_gold, is_right


def counts_right(cluster_a: str | None, cluster_b: str | None, gold: GoldGrouping) -> bool:
    """Whether a pair in these gold clusters is right: the same cluster, or two the gold accepts."""
    return (cluster_a is not None and cluster_b is not None
            and (cluster_a == cluster_b or frozenset((cluster_a, cluster_b)) in gold.acceptable))


def precision_at_recall(scores: np.ndarray, is_gold: np.ndarray, is_right: np.ndarray,
                        recalls: Sequence[float]) -> dict[float, float]:
    """The best pair precision any single threshold on ``scores`` reaches at each recall.

    Pairs are taken best first; for each recall level, the precision is that of the shortest
    prefix holding that share of the gold pairs, and the best precision of any longer prefix
    (precision can rise again further down). A ceiling for a grouping that links pairs by that
    score alone: groups add pairs by transitivity, but cannot rank the pairs better. Recall
    levels no prefix reaches get 0.
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    found = np.cumsum(is_gold[order])
    precision = np.cumsum(is_right[order]) / np.arange(1, len(order) + 1)
    best_from = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at this depth or deeper
    total = int(is_gold.sum())
    result = {}
    for recall in recalls:
        reached = np.flatnonzero(found >= recall * total) if total else np.array([], dtype=int)
        result[recall] = round(float(best_from[reached[0]]), 4) if len(reached) else 0.0
    return result


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The chance that a random positive pair scores above a random negative one (ties count
    half): the area under the ROC curve, from ranks (Mann-Whitney U)."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class SearchScores:
    """Search against gold queries: each query's relevant statements are one gold cluster."""

    recall_at_k: float  # mean share of the cluster's statements on the first page
    mrr_at_k: float  # mean reciprocal rank of the first relevant hit (0 when none is on the page)
    hit_at_3: float  # share of queries with a relevant statement in the top 3
    queries: int
    k: int

    def as_dict(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


def load_search_gold(path: str | Path) -> list[tuple[str, str]]:
    """(query, gold cluster name) pairs from a search gold file (see ``tests/gold/search.json``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(item["query"], item["cluster"]) for item in data["queries"]]


def score_search(ranked: Sequence[Sequence[str]], clusters: Sequence[str], gold: GoldGrouping, k: int = 10) -> SearchScores:
    """Score ranked statement ids (one list per query, best first) against each query's gold cluster."""
    recall, reciprocal, early = [], [], []
    for statement_ids, cluster in zip(ranked, clusters, strict=True):
        relevant = gold.clusters[cluster]
        page = list(statement_ids)[:k]
        recall.append(len(relevant & set(page)) / len(relevant))
        first = next((rank for rank, sid in enumerate(page, start=1) if sid in relevant), None)
        reciprocal.append(0.0 if first is None else 1.0 / first)
        early.append(first is not None and first <= 3)
    count = len(recall)
    mean = (lambda values: round(float(np.mean(values)), 4) if count else 0.0)
    return SearchScores(mean(recall), mean(reciprocal), mean(early), count, k)


def top1_accuracy(source: np.ndarray, target: np.ndarray) -> float:
    """Share of source rows whose highest-scoring target row is their own translation (same row index)."""
    best = np.argmax(source @ target.T, axis=1)
    return float(np.mean(best == np.arange(len(source))))


def margin_top1_accuracy(source: np.ndarray, target: np.ndarray, k: int = 4) -> float:
    """Top-1 accuracy when candidates are ranked by the ratio margin instead of the raw cosine."""
    similarity = source @ target.T
    k = min(k, similarity.shape[1])
    forward = np.sort(similarity, axis=1)[:, -k:].mean(axis=1)
    backward = np.sort(similarity, axis=0)[-k:, :].mean(axis=0)
    margin = similarity / np.maximum((forward[:, None] + backward[None, :]) / 2, 0.05)
    best = np.argmax(margin, axis=1)
    return float(np.mean(best == np.arange(len(source))))


# -- the quantity phrase table (tests/data/quantity_phrases.tsv) --------------------------

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class PhraseCase:
    """One gold row: a phrase, the anchor text of the quantity it holds, and its expected reading."""

    language: str
    text: str
    anchor: str
    kind: str  # the expected kind, or "none" where no quantity may be found at the anchor
    value: float | None
    low: float | None
    high: float | None
    approximator: str
    unit_key: str


def load_phrase_table(path: str | Path) -> list[PhraseCase]:
    """Rows of the tab-separated phrase table; "-" is empty, ``\\uXXXX`` escapes invisible characters."""
    def number(cell: str) -> float | None:
        return None if cell == "-" else float(cell)

    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    cases = []
    for line in lines[1:]:  # the first is the column header
        language, text, anchor, kind, value, low, high, approximator, unit_key = line.split("\t")
        cases.append(PhraseCase(
            language=language, text=_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text), anchor=anchor, kind=kind,
            value=number(value), low=number(low), high=number(high),
            approximator="" if approximator == "-" else approximator, unit_key="" if unit_key == "-" else unit_key,
        ))
    return cases


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
