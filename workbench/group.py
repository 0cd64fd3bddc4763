"""Cross-lingual claim groups: candidate links, corrected scores, tiers and groups.

The algorithm, in the order it runs:

1. **Centering** (``group.centering``, off by default). Each language's mean
   vector (fitted on the corpus, shrunk toward the global mean when a
   language has few statements) is subtracted and the vectors re-normalised,
   removing the offset a multilingual encoder gives a language (Libovický et
   al. 2020). Measured: it lifts retrieval on the parallel set, but fitted on
   a corpus with one or two articles per language it removes those articles'
   topic, and it lowered grouping F1 on the samples; see benchmarks/REPORT.md.
2. **Candidates.** For every statement, its ``k`` nearest neighbours *in each
   language*, from other articles only. Taking them per language keeps
   same-language statements, which every multilingual encoder scores too
   high, from crowding out the other languages. A pair is a candidate if
   either side lists the other (both directions).
3. **Anchor.** A pair is kept only if one statement names a person, place
   or organisation (a name key, across scripts) that the other's article
   also names (``group.article_gate``): unrelated stories share no names.
4. **Scores.** The ratio margin of Artetxe & Schwenk (2019): the pair's
   cosine divided by the mean cosine of each side's ``k`` neighbours in the
   other's language, so a pair only scores high if it stands out from what
   each side is usually close to. CSLS and plain cosine can be chosen instead.
5. **Evidence.** Shared kinds of evidence add a fixed amount each: the same
   counted unit ("shells" in both), the same rare name across scripts
   (Песков = Пєсков = Peskov; not an outlet credited at the end of the
   statement, "…, rapporte Reuters") and the same figure.
6. **Tiers.** A link is *suggested* above the model's suggested threshold and
   *confirmed* above the stricter one; analyst decisions (accept, reject,
   move, split, merge) override scores.
7. **Groups.** Connected components of the link graph (networkx) that span at
   least two articles; large loose components are split with Louvain
   communities (seeded). Everything else stays a visible singleton.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Collection, Iterable, Sequence

import numpy as np

from .clean import CAPITALS, name_key
from .config import GroupConfig, IndexConfig
from .engine import LazyWorks, StoryMap, map_here
from .model import Decision, Group, Link
from .quantities import in_base_unit

if TYPE_CHECKING:
    from .index import VectorIndex

log = logging.getLogger(__name__)

DENOMINATOR_FLOOR = 0.05  # margins on centred vectors: keep a tiny neighbourhood mean from exploding the ratio
CENTERING_SHRINKAGE = 10  # pseudo-count of the global mean in each language's mean
LARGE_COMPONENT = 12


@dataclass(frozen=True, slots=True)
class Evidence:
    """What two statements can share besides meaning: counted units, rare names, figures."""

    units: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()


@dataclass
class GroupingInput:
    """The statements to group, aligned row by row with their vectors."""

    statement_ids: list[str]
    article_ids: list[str]
    languages: list[str]
    vectors: np.ndarray  # raw, L2-normalised
    evidence: Sequence[Evidence] = field(default_factory=list)
    # every name key of each statement (not only rare ones), for group.article_gate
    names: Sequence[frozenset[str]] | None = None
    # each statement's position in its article, for lines one version splits into two sentences
    positions: list[int] | None = None


@dataclass
class GroupingResult:
    candidates: list[Link]  # every scored link above the suggested cut, before decisions (what the store keeps)
    links: list[Link]  # the links inside groups after decisions (accepted pairs added, rejected ones gone)
    groups: list[Group]
    centering: dict[str, list[float]]  # language -> mean vector used
    thresholds: dict[str, float]
    stats: dict[str, float]
    hubness: dict[str, float] = field(default_factory=dict)  # statement -> mean cosine to its k nearest (CSLS's r)


# -- scoring space ------------------------------------------------------------------------

def language_means(vectors: np.ndarray, languages: Sequence[str], shrinkage: int = CENTERING_SHRINKAGE) -> dict[str, np.ndarray]:
    """Per-language mean vectors, each shrunk toward the global mean by ``shrinkage`` pseudo-rows."""
    if len(vectors) == 0:
        return {}
    languages = np.asarray(languages)
    overall = vectors.mean(axis=0)
    means = {}
    for language in sorted(set(languages.tolist())):
        rows = vectors[languages == language]
        means[language] = (rows.sum(axis=0) + shrinkage * overall) / (len(rows) + shrinkage)
    return means


def center(vectors: np.ndarray, languages: Sequence[str], means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each row's language mean and re-normalise."""
    if len(vectors) == 0:
        return vectors.copy()
    offsets = np.vstack([means.get(language, np.zeros(vectors.shape[1], np.float32)) for language in languages])
    centred = vectors - offsets.astype(np.float32)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(centred / norms, dtype=np.float32)


@dataclass
class Neighbourhoods:
    """Per-language nearest neighbours of every row, other articles only."""

    lists: dict[str, tuple[np.ndarray, np.ndarray]]  # language -> (rows (n, k), sims (n, k)); -1 / -inf padded
    mean_similarity: dict[str, np.ndarray]  # language -> (n,) mean of the row's k sims in that language


NEIGHBOUR_BLOCK_ENTRIES = 1 << 22  # query rows x neighbours fetched at a time: about 100 MB with their masks
LONG_ARTICLE = 1000  # statements in one language above which an article's rows are searched on their own


def neighbourhoods(
    space: np.ndarray, articles: Sequence[str], languages: Sequence[str], k: int, index_config: IndexConfig,
    *, block_entries: int = NEIGHBOUR_BLOCK_ENTRIES, queries: np.ndarray | None = None,
    indexes: dict[str, VectorIndex] | None = None,
) -> Neighbourhoods:
    """Each row's ``k`` nearest rows of other articles, in every language, and their mean similarity
    (only for the rows ``queries``, when given: the others' lists stay empty). ``indexes``: each
    language's index of ``space``, kept there for the next call on the same rows (an incremental
    analysis searches twice, and building them took a second at 100,000 statements).

    Each language's rows are searched with an over-fetch by the most statements one article holds
    there, and same-article rows are dropped. Memory stays proportional to the statement count,
    whatever one article's size:

    - queries go in blocks of whole FAISS query tiles of about ``block_entries`` fetched rows; a
      corpus that fits one block is searched in one call, as before, and a larger one in the same
      tiles, so with the same sums;
    - an article holding more than ``LONG_ARTICLE`` statements in the language is left out of the
      over-fetch: its statements search the other articles' rows only (a filtered search).
      Over-fetching past a 9,066-statement article made n x n results: 7.2 GB.
    """
    import faiss

    from .archive import ArchiveSettings
    from .index import VectorIndex

    # Integer article codes: comparing the article-id strings of every fetched row cost 64 bytes an entry.
    article_codes = np.unique(np.asarray(articles), return_inverse=True)[1].reshape(-1)
    languages = np.asarray(languages)
    tile = faiss.cvar.distance_compute_blas_query_bs
    lists, means = {}, {}
    for language in sorted(set(languages.tolist())):
        members = np.flatnonzero(languages == language)
        index = (indexes or {}).get(language)
        if index is None:
            # Past exact_max rows in one language: an archive index (IVF, candidates re-scored
            # exactly) in a temporary folder, as search uses, not an HNSW graph that lost neighbours.
            index = VectorIndex(
                space.shape[1], exact_max=index_config.exact_max, hnsw_m=index_config.hnsw_m,
                ef_construction=index_config.hnsw_ef_construction, ef_search=index_config.hnsw_ef_search,
                archive=ArchiveSettings.of(index_config), temporary_archive=True,
            )
            index.add(space[members], members.astype(np.int64))
            if indexes is not None:
                indexes[language] = index
        keep_rows = np.full((len(space), k), -1, dtype=np.int64)
        keep_sims = np.full((len(space), k), -np.inf, dtype=np.float32)
        held = np.bincount(article_codes[members], minlength=int(article_codes.max()) + 1)
        long_codes = np.flatnonzero(held > LONG_ARTICLE)
        in_long = np.isin(article_codes, long_codes)
        # Over-fetch by the largest share one (not long) article holds in this language, then drop
        # same-article rows: a statement's own article must not fill its neighbour list.
        fetch = min(len(members), k + int(np.where(held > LONG_ARTICLE, 0, held).max()))
        asked = np.ones(len(space), dtype=bool) if queries is None else np.isin(np.arange(len(space)), queries)
        searched = np.flatnonzero(~in_long & asked)
        # Blocks of whole FAISS query tiles, the rest joining the last one: each query is scored
        # in the same BLAS tile as in one call, so to the same last bit.
        step = max(1, block_entries // fetch // tile) * tile
        blocks = max(1, len(searched) // step)
        for number in range(blocks):
            block = searched[number * step:(number + 1) * step if number < blocks - 1 else len(searched)]
            if not len(block):
                continue
            sims, rows = index.search(space[block], fetch)
            valid = (rows >= 0) & (article_codes[np.clip(rows, 0, None)] != article_codes[block, None])
            first_valid = np.argsort(~valid, axis=1, kind="stable")[:, :k]  # keeps the best-first order
            picked_valid = np.take_along_axis(valid, first_valid, axis=1)
            width = first_valid.shape[1]
            keep_rows[block, :width] = np.where(picked_valid, np.take_along_axis(rows, first_valid, axis=1), -1)
            keep_sims[block, :width] = np.where(picked_valid, np.take_along_axis(sims, first_valid, axis=1), -np.inf)
        for code in long_codes:
            others = members[article_codes[members] != code]
            block = np.flatnonzero((article_codes == code) & asked)
            if len(others) and len(block):
                keep_sims[block], keep_rows[block] = index.search(space[block], k, allowed_ids=others)
        lists[language] = (keep_rows, keep_sims)
        finite = np.isfinite(keep_sims)
        counts = finite.sum(axis=1)
        totals = np.where(finite, keep_sims, 0.0).sum(axis=1)
        means[language] = np.where(counts > 0, totals / np.maximum(counts, 1), 0.0).astype(np.float32)
    return Neighbourhoods(lists, means)


# -- evidence -------------------------------------------------------------------------------

_NAME_TOKEN = re.compile(rf"(?<![\w'’])([{CAPITALS}][\w'’-]{{2,}})")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s+|[«„“\"(]\s*)$")
def name_keys(text: str, min_length: int = 3) -> set[str]:
    """Keys of capitalised words that are not sentence-initial (names, acronyms).

    Keys shorter than three consonants (Kim ``km``, Corée/Кореї ``kr``) are kept only
    when asked: too ambiguous to count as shared evidence, enough to anchor a story.
    """
    keys = set()
    for match in _NAME_TOKEN.finditer(text):
        if _SENTENCE_START.search(text[: match.start()]):
            continue
        key = name_key(match.group(1))
        if len(key) >= min_length:
            keys.add(key)
    return keys


def anchored(names_a: frozenset[str], names_b: frozenset[str], article_names_a: frozenset[str],
             article_names_b: frozenset[str]) -> bool:
    """Whether a statement names something the other statement's article names too.

    Two reports of one fact name the same people, places or organisations, if not
    always in the same sentence. Without such an anchor, a pair of unrelated
    statements ("the two clubs meet again next month", "visitors will see the calf
    next month") can look as alike to a small encoder as two translations.
    """
    return bool(names_a & article_names_b or names_b & article_names_a)


RARE_MAX_SHARE = 0.05  # a unit or name in more than this share of the statements is common
RARE_MAX_COUNT = 2  # ... but a key in this few statements is rare in any workspace


COMPARABLE_FIGURE_KINDS = {"count", "duration", "percent", "money", "measure", "designation"}


def _without_trailing_credits(text: str, found) -> str:
    """The statement without a source credited at its end (", rapporte Reuters", "повідомляє
    Reuters"): the outlet that relays a fact is not part of it, and two unrelated statements
    credited to one agency once looked alike by that name."""
    if not found:
        return text
    for attribution in sorted(found.attributions, key=lambda a: -a.start):
        tail = text[attribution.end:].strip(" .!?…»\"”“")
        if not tail and attribution.start > len(text) // 2:
            cue = text.rfind(attribution.cue, 0, attribution.start) if attribution.cue else -1
            text = text[:cue if cue >= 0 else attribution.start]
    return text


def statement_keys(statements: Sequence, claims: dict, resolver) -> list[frozenset[str]]:
    """Per statement, every key of its evidence before rarity is weighed: the counted things it
    mentions (``unit:shell``), its names (``name:pskv``), its figures (``figure:1e+06 shell``) and,
    for ``group.article_gate``, every name key down to two consonants (``gate:km``).

    Counted things come from the quantity stage's unit lexicon (a noun such as "снаряди",
    "coquilles" or "obuze" maps to ``shell``), whether or not a figure goes with it. The keys of
    a statement depend on it alone, so an analysis stores them and a later one reads them back
    (:func:`evidence_from_keys` weighs rarity over the whole workspace)."""
    from .clean import words

    result = []
    counted: dict[tuple[str, str], str | None] = {}  # (word, language) -> count unit key; words repeat a lot
    for statement in statements:
        keys = set()
        for word in words(statement.text):
            if len(word) < 3:
                continue
            cache_key = (word, statement.language)
            if cache_key not in counted:
                key = resolver.lookup(word, statement.language)
                counted[cache_key] = key if key and resolver.kind_of(key) == "count" else None
            if counted[cache_key]:
                keys.add(f"unit:{counted[cache_key]}")
        found = claims.get(statement.statement_id)
        keys.update(f"name:{name}" for name in name_keys(_without_trailing_credits(statement.text, found)))
        for quantity in (in_base_unit(q) for q in (found.quantities if found else [])):
            if quantity.kind in COMPARABLE_FIGURE_KINDS and quantity.value is not None and quantity.unit_key:
                keys.add(f"figure:{quantity.value:g} {quantity.unit_key}")
        keys.update(f"gate:{name}" for name in name_keys(statement.text, min_length=2))
        result.append(frozenset(keys))
    return result


def names_from_keys(keys: frozenset[str]) -> set[str]:
    """The statement's :func:`name_keys` (of three consonants or more), read from its
    :func:`statement_keys`: its ``gate:`` keys are every name key of its text down to two."""
    names = (key.partition(":")[2] for key in keys if key.startswith("gate:"))
    return {name for name in names if len(name) >= 3}  # name_keys' own min_length


def evidence_from_keys(keys: Sequence[frozenset[str]], counts: Counter | None = None,
                       total: int | None = None, *, lazy: bool = False,
                       ) -> tuple[Sequence[Evidence], Sequence[frozenset[str]]]:
    """Each statement's :class:`Evidence` (rare units and names only, its figures) and its names for
    ``group.article_gate``, from :func:`statement_keys`. A unit or name that occurs in more than 5%
    of the statements (Kim, Putin, "weapons") says nothing about which fact is told: ``counts`` and
    ``total`` are how often each key occurs among the workspace's statements (by default, among
    these).

    ``lazy``: each row is worked out when first read (an incremental analysis reads a few thousand
    rows of the workspace's 100,000; working them all out took a second and a half)."""
    if counts is None:
        counts = Counter(key for statement in keys for key in statement)
        total = len(keys)
    limit = max(RARE_MAX_COUNT, int(RARE_MAX_SHARE * (total or 0)))
    if lazy:
        rows = _RowEvidence(keys, counts, limit)
        return rows, _RowGates(rows)
    read = [_row_evidence(statement, counts, limit) for statement in keys]
    return [evidence for evidence, _ in read], [gate for _, gate in read]


def _row_evidence(keys: frozenset[str], counts: Counter, limit: int) -> tuple[Evidence, frozenset[str]]:
    """One statement's :class:`Evidence` and article-gate names (see :func:`evidence_from_keys`)."""
    units, names, figures, gate = set(), set(), set(), set()
    for key in keys:
        kind, _, value = key.partition(":")
        if kind == "figure":
            figures.add(value)
        elif kind == "gate":
            gate.add(value)
        elif counts[key] <= limit:
            (units if kind == "unit" else names).add(value)
    return Evidence(units=frozenset(units), names=frozenset(names), figures=frozenset(figures)), frozenset(gate)


class _RowEvidence(Sequence):
    """Each row's :func:`_row_evidence`, worked out once, when first read."""

    def __init__(self, keys: Sequence[frozenset[str]], counts: Counter, limit: int):
        self._keys, self._counts, self._limit = keys, counts, limit
        self._read: dict[int, tuple[Evidence, frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, row):  # type: ignore[override]
        return self.both(row)[0]

    def both(self, row: int) -> tuple[Evidence, frozenset[str]]:
        if row not in self._read:
            self._read[row] = _row_evidence(self._keys[row], self._counts, self._limit)
        return self._read[row]


class _RowGates(Sequence):
    """The article-gate names of :class:`_RowEvidence`'s rows."""

    def __init__(self, rows: _RowEvidence):
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, row):  # type: ignore[override]
        return self._rows.both(row)[1]


def statement_evidence(statements: Sequence, claims: dict, resolver) -> list[Evidence]:
    """Per statement: the counted things it mentions, its names and its figures, rare ones only
    (rarity among these statements; see :func:`statement_keys`)."""
    return evidence_from_keys(statement_keys(statements, claims, resolver))[0]


def shared_evidence(a: Evidence, b: Evidence) -> tuple[str, ...]:
    """What two statements share: counted units, rare names, the same figure, or differing
    figures in one unit (``amount:``; "over a million shells" and "nearly five million shells"
    report the same quantity, which is what the verdict compares, so a conflicting figure
    counts for as much as an agreeing one)."""
    shared = [f"unit:{u}" for u in sorted(a.units & b.units)]
    shared += [f"name:{n}" for n in sorted(a.names & b.names)]
    same = a.figures & b.figures
    shared += [f"figure:{f}" for f in sorted(same)]
    agreed = _figure_units(same)
    shared += [f"amount:{u}" for u in sorted((_figure_units(a.figures) & _figure_units(b.figures)) - agreed)]
    return tuple(shared)


def evidence_keys(evidence: Evidence) -> set[str]:
    """Keys two statements have in common exactly when :func:`shared_evidence` finds something:
    a counted unit, a rare name, or a unit of their figures (the same figure, or an amount)."""
    return ({f"unit:{u}" for u in evidence.units} | {f"name:{n}" for n in evidence.names}
            | {f"figure unit:{u}" for u in _figure_units(evidence.figures)})


def _figure_units(figures: Iterable[str]) -> set[str]:
    """The units of figures written as '<value> <unit>'."""
    return {figure.partition(" ")[2] for figure in figures}


def describe_shared(shared: Sequence[str]) -> str:
    """A link's shared evidence in words: 'both count shell; 2 rare names; the same figure
    (5,000,000 shell)'. Name keys are folded spellings, so names are counted, not spelled."""
    from .verdicts import format_figure

    by_kind: dict[str, list[str]] = defaultdict(list)
    for item in shared:
        kind, _, value = item.partition(":")
        by_kind[kind].append(value)
    words = []
    if by_kind.get("unit"):
        words.append("both count " + ", ".join(by_kind["unit"]))
    if by_kind.get("name"):
        count = len(by_kind["name"])
        words.append(f"{count} rare name{'s' if count != 1 else ''} in common")
    for figure in by_kind.get("figure", ()):
        value, _, unit = figure.partition(" ")
        words.append(f"the same figure ({format_figure(float(value))} {unit})")
    if by_kind.get("amount"):
        words.append("figures in the same unit (" + ", ".join(by_kind["amount"]) + ")")
    if by_kind.get("analyst"):
        words.append("linked by an analyst")
    if "split_line" in by_kind.get("aligned", ()):
        words.append("one of two consecutive sentences of its article that together tell this version")
    return "; ".join(words) or "nothing beyond the wording"


def evidence_bonus(shared: Sequence[str], weight: float) -> float:
    kinds = {item.split(":", 1)[0] for item in shared}
    return weight * len(kinds)


# -- links ----------------------------------------------------------------------------------

def hubness(hoods: Neighbourhoods, k: int) -> np.ndarray:
    """Each row's mean similarity to its ``k`` nearest rows in any language (CSLS's r): high for hubs."""
    sims = np.concatenate([lists[1] for lists in hoods.lists.values()], axis=1)
    top = -np.sort(-np.where(np.isfinite(sims), sims, -np.inf), axis=1)[:, :k]
    finite = np.isfinite(top)
    return np.where(finite.any(axis=1), np.where(finite, top, 0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1), 0.0)


def candidate_links(data: GroupingInput, config: GroupConfig, index_config: IndexConfig,
                    thresholds: dict[str, float], touched: np.ndarray | None = None,
                    ) -> tuple[list[Link], dict[str, np.ndarray], np.ndarray, np.ndarray, int]:
    """Scored links above the suggested threshold, the centering means, the scoring space, hubness,
    and how many candidate pairs the article gate left out.

    ``touched``: rows whose links alone are wanted (an incremental analysis): the neighbourhoods of
    those rows and of their neighbours are searched, not every row's, and only pairs with a
    touched row are scored; the hubness of untouched rows is then 0."""
    raw = data.vectors
    means = language_means(raw, data.languages) if config.centering else {}
    space = center(raw, data.languages, means) if config.centering else raw
    queries = None
    # Kept between the two searches of an incremental run only: a full run searches once, and
    # holding every language's index at a time would add a copy of the vectors to its peak.
    indexes: dict[str, VectorIndex] | None = {} if touched is not None else None
    if touched is not None:
        # Mutuality and both sides' usual similarity need the neighbours' own neighbourhoods too.
        first = neighbourhoods(space, data.article_ids, data.languages, config.k, index_config, queries=touched,
                               indexes=indexes)
        found = np.concatenate([rows[touched].ravel() for rows, _ in first.lists.values()] or [np.zeros(0, np.int64)])
        queries = np.union1d(touched, found[found >= 0])
    hoods = neighbourhoods(space, data.article_ids, data.languages, config.k, index_config, queries=queries,
                           indexes=indexes)
    languages = data.languages
    articles = data.article_ids
    wanted = None if touched is None else set(touched.tolist())
    rank_of: dict[tuple[int, int], int] = {}
    article_best: set[tuple[int, int]] = set()  # (query, neighbour): no statement of the neighbour's article ranks higher
    for language, (rows, _) in hoods.lists.items():
        for query in (range(len(rows)) if queries is None else queries.tolist()):
            seen_articles = set()
            for rank, neighbour in enumerate(rows[query]):
                if neighbour < 0:
                    continue
                neighbour = int(neighbour)
                rank_of[(query, neighbour)] = rank
                if articles[neighbour] not in seen_articles:
                    article_best.add((query, neighbour))
                    seen_articles.add(articles[neighbour])
    pairs = sorted({(min(a, b), max(a, b)) for a, b in rank_of if wanted is None or a in wanted or b in wanted})
    evidence = data.evidence or [Evidence()] * len(raw)
    names = data.names if config.article_gate == "shared_name" else None
    rows_of_article: dict[str, list[int]] = defaultdict(list)
    for row, article in enumerate(articles):
        rows_of_article[article].append(row)
    article_names: dict[str, frozenset[str]] = {}

    def names_of_article(article: str) -> frozenset[str]:
        # Only the articles of the pairs scored: an incremental analysis scores a few of them.
        if article not in article_names:
            article_names[article] = frozenset().union(*(names[row] for row in rows_of_article[article]))
        return article_names[article]

    links = []
    gated = 0
    for a, b in pairs:
        if names is not None and not anchored(names[a], names[b], names_of_article(articles[a]),
                                              names_of_article(articles[b])):
            gated += 1
            continue
        cosine = float(raw[a] @ raw[b])
        cosine_space = float(space[a] @ space[b])
        r_a = float(hoods.mean_similarity[languages[b]][a])
        r_b = float(hoods.mean_similarity[languages[a]][b])
        margin = cosine_space / max((r_a + r_b) / 2, DENOMINATOR_FLOOR)
        csls = 2 * cosine_space - r_a - r_b
        base = {"margin": margin, "csls": 1.0 + csls, "cosine": cosine_space}[config.scoring]
        forward, backward = rank_of.get((a, b)), rank_of.get((b, a))
        if config.link_filter == "mutual" and (forward is None or backward is None):
            continue
        if config.link_filter == "article_best" and (a, b) not in article_best and (b, a) not in article_best:
            continue
        shared = shared_evidence(evidence[a], evidence[b])
        score = base + evidence_bonus(shared, config.evidence_weight)
        if score < thresholds["suggested"]:
            continue
        ranks = [r for r in (forward, backward) if r is not None]
        source, target = sorted((data.statement_ids[a], data.statement_ids[b]))
        links.append(Link(
            source_id=source, target_id=target, cosine=round(cosine, 4), cosine_centered=round(cosine_space, 4),
            margin=round(margin, 4), rank=min(ranks), mutual=forward is not None and backward is not None,
            score=round(score, 4), tier=_tier(base, score, thresholds),
            shared=shared,
        ))
    if gated:
        log.info("Group - %d candidate pair(s) left out: neither statement names a person, place or "
                 "organisation that the other's article names (group.article_gate)", gated)
    return links, means, space, hubness(hoods, config.k), gated


@dataclass
class Alignment:
    """Claim links of a story-first grouping and what the constraints left out."""

    links: list[Link]
    stats: dict[str, int]


def ratio_margin(sims: np.ndarray, usual_rows: np.ndarray, usual_columns: np.ndarray) -> np.ndarray:
    """Each cosine of ``sims`` over the mean usual closeness of its two statements (the ratio
    margin of vecalign and Artetxe & Schwenk)."""
    return sims / np.maximum((usual_rows[:, None] + usual_columns[None, :]) / 2, DENOMINATOR_FLOOR)


USUAL_BLOCK = 2048  # statements scored at a time: a story of 90,000 statements never holds its full matrix
COPY_COSINE = 0.95  # two statements of one language this close are one text reprinted, not two statements


def usual_in_story(rows_of: dict[str, np.ndarray], space: np.ndarray, k: int,
                   languages: np.ndarray | None = None) -> dict[int, float]:
    """Each statement's mean cosine to its ``k`` nearest statements in the story's other articles.

    Reprints count last, given ``languages`` (two statements of one language at ``COPY_COSINE``
    or closer are one text reprinted):
    - a statement's own reprints: one wire report reprinted by three French outlets made each
      French statement look unusually close to everything (its two copies were two of its four
      nearest), so the margins to its Bulgarian, Romanian and Ukrainian versions fell, and the
      reprints formed a claim of their own, apart from the versions whose figure differed;
    - the reprints among its neighbours, each text counted once: a French line whose Bulgarian
      version three Bulgarian outlets printed had that one version as three of its four nearest,
      so its usual closeness was its closeness to its versions, and no margin to them reached
      the cut (in a full analysis; one run before the reprints arrived had linked them).
    Only a statement with fewer than ``k`` other neighbours makes up the number from reprints."""
    articles = sorted(rows_of)
    story_rows = np.concatenate([rows_of[a] for a in articles])
    owners = np.concatenate([[i] * len(rows_of[a]) for i, a in enumerate(articles)])
    k_story = max(1, min(k, len(story_rows) - max(len(rows) for rows in rows_of.values())))
    story_languages = None if languages is None else np.asarray(languages)[story_rows]
    repeated = None if story_languages is None else _repeated_reprints(space[story_rows], story_languages)
    usual = np.empty(len(story_rows))
    for start in range(0, len(story_rows), USUAL_BLOCK):
        block = slice(start, start + USUAL_BLOCK)
        sims = space[story_rows[block]] @ space[story_rows].T
        sims[owners[block, None] == owners[None, :]] = -np.inf  # other articles only
        if story_languages is None:
            usual[block] = (-np.sort(-sims, axis=1)[:, :k_story]).mean(axis=1)
            continue
        copies = (sims >= COPY_COSINE) & (story_languages[block, None] == story_languages[None, :])
        copies |= repeated(sims)
        others = _nearest(np.where(copies, -np.inf, sims), k_story)
        reprints = _nearest(np.where(copies, sims, -np.inf), k_story)
        # The k first of: the other neighbours, nearest first, then the reprints.
        values = np.concatenate([others, reprints], axis=1)
        rank = np.concatenate([np.where(np.isfinite(others), 0, 2), np.where(np.isfinite(reprints), 1, 2)], axis=1)
        usual[block] = np.take_along_axis(values, np.argsort(rank, axis=1, kind="stable")[:, :k_story], axis=1).mean(axis=1)
    return dict(zip(story_rows.tolist(), usual.tolist()))


def _repeated_reprints(space: np.ndarray, languages: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """For scores against these statements (a block of rows by all of them), a mask of the
    columns that repeat a text another column of the row already counts: every reprint of a
    text but its nearest one (the first, on a tie). A text's reprints are the statements of
    its language at ``COPY_COSINE`` or closer to its first statement."""
    text_of = np.arange(len(space))
    for language in np.unique(languages):
        rows = np.flatnonzero(languages == language)
        for start in range(0, len(rows), USUAL_BLOCK):
            block = rows[start:start + USUAL_BLOCK]
            close = (space[block] @ space[rows].T) >= COPY_COSINE
            text_of[block] = rows[close.argmax(axis=1)]  # the first statement it reprints (itself at worst)
    order = np.argsort(text_of, kind="stable")
    texts, counts = np.unique(text_of[order], return_counts=True)
    if (counts == 1).all():
        return lambda sims: np.zeros(sims.shape, dtype=bool)
    columns = order[np.isin(text_of[order], texts[counts > 1])]  # reprinted texts' statements, text by text
    grouped = text_of[columns]
    group_starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])

    def repeated(sims: np.ndarray) -> np.ndarray:
        scores = sims[:, columns]
        best = np.repeat(np.maximum.reduceat(scores, group_starts, axis=1), np.diff(np.r_[group_starts, len(columns)]),
                         axis=1)
        at_best = scores == best
        seen = np.cumsum(at_best, axis=1)
        seen_before = np.repeat(np.concatenate([np.zeros((len(sims), 1), dtype=seen.dtype),
                                                seen[:, group_starts[1:] - 1]], axis=1),
                                np.diff(np.r_[group_starts, len(columns)]), axis=1)
        kept = at_best & (seen - seen_before == 1) & np.isfinite(scores)
        mask = np.zeros(sims.shape, dtype=bool)
        mask[:, columns] = ~kept
        return mask

    return repeated


def _nearest(sims: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` highest values, highest first (``-inf`` where a row has fewer)."""
    top = -np.partition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else sims
    return -np.sort(-top, axis=1)[:, :k]


def article_pairs(rows_of: dict[str, np.ndarray], space: np.ndarray, neighbours: int) -> list[tuple[str, str]]:
    """The article pairs of a story whose statements are aligned: all of them, or in a story of
    more than ``neighbours + 1`` articles, each article with its ``neighbours`` closest (by the
    mean of their statement vectors). The same fact is told by a few outlets, not by every
    article of a running story; aligning every pair of a 344-article story is 59,000 pairs,
    and quadratic beyond."""
    articles = sorted(rows_of)
    if len(articles) <= neighbours + 1:
        return [(a, b) for i, a in enumerate(articles) for b in articles[i + 1:]]
    means = np.vstack([space[rows_of[a]].mean(axis=0) for a in articles])
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
    sims = means @ means.T
    np.fill_diagonal(sims, -np.inf)
    closest = np.argsort(-sims, axis=1, kind="stable")[:, :neighbours]
    chosen = {tuple(sorted((i, int(j)))) for i in range(len(articles)) for j in closest[i]}
    return [(articles[i], articles[j]) for i, j in sorted(chosen)]


def align_story(rows_of: dict[str, np.ndarray], space: np.ndarray, usual_of: dict[int, float], k: int,
                pairs: Sequence[tuple[str, str]], evidence: Sequence[Evidence] = (),
                weight: float = 0.0) -> list[tuple[int, int, float, float]]:
    """Mutual-best statement pairs between the article ``pairs`` of one story (every two of its
    articles, or in a large story each article and its closest: :func:`article_pairs`).

    For articles A and B, the cosine matrix of their statements is scored with the ratio
    margin of vecalign (Thompson & Koehn 2019) and Artetxe & Schwenk (2019): a pair's
    cosine over the mean cosine of each side's ``k`` nearest statements in the story's
    other articles (``usual_of``, from :func:`usual_in_story`: the whole story, so a two-line
    article's statements do not look unusually close to their few candidates), plus ``weight`` per kind of evidence the two share (a counted unit, a rare
    name, a figure). A pair is a candidate only if each side is the other's best match
    (the same fact is told once per article), so a statement close to everything in the
    story does not link to all of it. Returns ``(row_a, row_b, cosine, margin)``.
    """
    found = []
    articles = sorted(rows_of)
    # Which statements of each article hold each evidence key: only pairs sharing a key can
    # share evidence, so a story of hundreds of articles does not compare every pair's sets
    # (on 11,310 synthetic statements in one story of 344 articles, that took 170 of 200 s).
    holders: dict[str, dict[str, list[int]]] = {}
    if weight and evidence:
        for article in articles:
            holders[article] = defaultdict(list)
            for position, row in enumerate(rows_of[article]):
                for key in evidence_keys(evidence[row]):
                    holders[article][key].append(position)
    for article_a, article_b in pairs:
        rows_a, rows_b = rows_of[article_a], rows_of[article_b]
        sims = space[rows_a] @ space[rows_b].T
        usual_a = np.array([usual_of[int(r)] for r in rows_a])
        usual_b = np.array([usual_of[int(r)] for r in rows_b])
        margins = ratio_margin(sims, usual_a, usual_b)
        # Within the article pair alone, a pair's margin counts only when they share evidence:
        # two reports of one fact that paraphrase it (not translations) stand out in their
        # articles and name the same thing, not in the whole story.
        k_a, k_b = min(k, len(rows_b)), min(k, len(rows_a))
        local_a = -np.sort(-sims, axis=1)[:, :k_a].mean(axis=1)
        local_b = -np.sort(-sims, axis=0)[:k_b, :].mean(axis=0)
        local = ratio_margin(sims, local_a, local_b)
        scores = margins.copy()
        if holders:
            pairs = {(x, y) for key, xs in holders[article_a].items() for x in xs
                     for y in holders[article_b].get(key, ())}
            for x, y in sorted(pairs):
                shared = shared_evidence(evidence[rows_a[x]], evidence[rows_b[y]])
                margins[x, y] = max(margins[x, y], local[x, y])
                scores[x, y] = margins[x, y] + evidence_bonus(shared, weight)
        best_b = scores.argmax(axis=1)
        best_a = scores.argmax(axis=0)
        for x in np.flatnonzero(best_a[best_b] == np.arange(len(rows_a))):
            y = int(best_b[x])
            found.append((int(rows_a[x]), int(rows_b[y]), float(sims[x, y]), float(margins[x, y])))
    return found


@dataclass
class StoryWork:
    """One story's statements, cut out of the corpus: all that aligning its articles needs, so a
    worker process can align it alone (:func:`align_story_work`). Rows run article by article,
    in the corpus's order within each article."""

    story: str
    rows: np.ndarray  # the corpus rows (of the GroupingInput) these statements are
    articles: list[str]
    statement_ids: list[str]
    languages: np.ndarray
    space: np.ndarray  # the rows' vectors in the scoring space
    vectors: np.ndarray  # their raw vectors (a link's cosine)
    evidence: list[Evidence]
    config: GroupConfig
    thresholds: dict[str, float]


@dataclass
class StoryProposals:
    """What aligning one story proposes, in corpus rows: the claim formation takes it from here."""

    usual: dict[int, float]  # row -> its usual closeness in the story (see usual_in_story)
    pairs: list[tuple[str, str]]  # the article pairs aligned
    proposals: list[tuple[float, Link, int, int]]  # (score, link, row, row)


def align_story_work(work: StoryWork) -> StoryProposals:
    """The within-story alignment of one story: its statements' usual closeness, the article pairs
    to align (:func:`article_pairs`, capped in a large story) and their mutual best statement pairs
    that clear the suggested cut, as links."""
    config = work.config
    positions: dict[str, list[int]] = defaultdict(list)
    for position, article in enumerate(work.articles):
        positions[article].append(position)
    rows_of = {article: np.array(found) for article, found in positions.items()}
    story_usual = usual_in_story(rows_of, work.space, config.k, work.languages)
    pairs = article_pairs(rows_of, work.space, config.story_neighbours)
    proposals = []
    for a, b, cosine, margin in align_story(rows_of, work.space, story_usual, config.k, pairs, work.evidence,
                                            config.evidence_weight):
        shared = shared_evidence(work.evidence[a], work.evidence[b])
        score = margin + evidence_bonus(shared, config.evidence_weight)
        if score < work.thresholds["suggested"]:
            continue
        source, target = sorted((work.statement_ids[a], work.statement_ids[b]))
        link = Link(source_id=source, target_id=target, cosine=round(float(work.vectors[a] @ work.vectors[b]), 4),
                    cosine_centered=round(cosine, 4), margin=round(margin, 4), rank=0, mutual=True,
                    score=round(score, 4), tier=_tier(margin, score, work.thresholds),
                    shared=("aligned:story",) + shared)
        proposals.append((score, link, int(work.rows[a]), int(work.rows[b])))
    return StoryProposals({int(work.rows[row]): value for row, value in story_usual.items()}, pairs, proposals)


def story_claim_links(data: GroupingInput, space: np.ndarray, story_of: dict[str, str], config: GroupConfig,
                      thresholds: dict[str, float], corpus_links: Sequence[Link] = (),
                      corpus_usual: np.ndarray | None = None, seeds: Sequence[Link] = (),
                      map_stories: StoryMap = map_here) -> Alignment:
    """Claim links inside each story, plus the few across stories that clear a much stricter bar.

    Pairs are taken strongest first into claim groups that hold at most one statement per
    article: a pair that would put two statements of one article into one claim is left out
    (counted in ``stats``), which is what keeps a story from collapsing into one group. A pair
    that would join two claims must also be backed by all their statements
    (:func:`_claims_agree`, ``group.merge_margin``).
    Cross-story links come from the corpus-wide candidates (``corpus_links``), mutual and
    at least ``group.cross_story`` on their own scale: the same claim quoted in another story.

    ``seeds``: links an earlier analysis made between these statements (an incremental analysis
    aligns a story again when it gains an article): they are proposed again at their own scores,
    so a link whose margin a new article's statements lowered below the cut is not lost.

    Each story is aligned on its own (:func:`align_story_work`), and its split lines looked for on
    their own (:func:`split_story_work`), by ``map_stories``, largest story first: in this process,
    or as one task per story on a cluster (:mod:`workbench.engine`). The claims are formed here,
    from every story's proposals at once, so the links are the same either way.
    """
    rows_by_story: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row, article in enumerate(data.article_ids):
        rows_by_story[story_of.get(article, article)][article].append(row)
    evidence = data.evidence or [Evidence()] * len(data.statement_ids)
    languages = np.asarray(data.languages)
    # Stories of two articles or more, largest first (a cluster then starts the longest work first).
    story_rows = {story: np.array([row for article in sorted(rows_of) for row in rows_of[article]], dtype=np.int64)
                  for story, rows_of in rows_by_story.items() if len(rows_of) > 1}
    order = sorted(story_rows, key=lambda story: (-len(story_rows[story]), story))

    def story_work(story: str) -> StoryWork:
        rows = story_rows[story]
        return StoryWork(story, rows, [data.article_ids[r] for r in rows], [data.statement_ids[r] for r in rows],
                         languages[rows], space[rows], data.vectors[rows], [evidence[r] for r in rows], config,
                         thresholds)

    found = dict(zip(order, map_stories(align_story_work, LazyWorks(order, story_work))))
    proposals: list[tuple[float, Link, int, int]] = []
    aligned_with: dict[str, list[str]] = defaultdict(list)  # the articles each article is aligned with
    # Each row's usual closeness: to its story's other articles, else (a story of one article,
    # reached only by a cross-story link) to the whole corpus.
    usual = np.array(corpus_usual if corpus_usual is not None else np.ones(len(data.statement_ids)), dtype=np.float32)
    for story in sorted(found):
        story_usual = found[story]
        usual[list(story_usual.usual)] = list(story_usual.usual.values())
        for article_a, article_b in story_usual.pairs:
            aligned_with[article_a].append(article_b)
            aligned_with[article_b].append(article_a)
        proposals += story_usual.proposals
    row_of = {sid: row for row, sid in enumerate(data.statement_ids)}
    cross = 0
    for link in corpus_links:
        a, b = row_of.get(link.source_id), row_of.get(link.target_id)
        if a is None or b is None or not link.mutual or link.score < config.cross_story:
            continue
        if story_of.get(data.article_ids[a]) == story_of.get(data.article_ids[b]):
            continue
        proposals.append((link.score, replace(link, shared=("aligned:across_stories",) + link.shared), a, b))
        cross += 1
    proposals.sort(key=lambda item: (-item[0], item[1].key))
    parent = list(range(len(data.statement_ids)))
    articles_in = {row: {data.article_ids[row]} for row in range(len(data.statement_ids))}
    members = {row: [row] for row in range(len(data.statement_ids))}

    def root(row: int) -> int:
        while parent[row] != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    links, blocked, apart = [], 0, 0
    # What an earlier analysis linked here competes again with the new pairs, at its own score and
    # under the same rules: it stays unless a better-scoring version takes its place (one statement
    # per article in a claim), or the claims it joins prove two facts once more of their versions
    # are known. Held unconditionally, links made while a story had two of its four versions
    # joined facts the later versions tell apart (real news in four batches: precision 0.84).
    # A link to an article that has since moved to another story is not proposed again: across
    # stories only the mutual links above group.cross_story join claims, and those are proposed anew.
    known = {item[1].key for item in proposals}
    for link in seeds:
        a, b = row_of.get(link.source_id), row_of.get(link.target_id)
        if a is None or b is None or link.key in known:  # no longer grouped, or proposed anew
            continue
        if story_of.get(data.article_ids[a], data.article_ids[a]) == story_of.get(data.article_ids[b],
                                                                                  data.article_ids[b]):
            proposals.append((link.score, link, a, b))
            known.add(link.key)
    proposals.sort(key=lambda item: (-item[0], item[1].key))
    # Claims grow one statement at a time first; a pair that would merge two claims already
    # told by several articles waits until every statement has had its chance to join. Taken
    # in score order alone, a loosely related sentence of another report merged into a claim
    # first and then kept that claim's own version in the fourth language out of it.
    merges = []
    for round_ in ("statements", "claims"):
        for item in (proposals if round_ == "statements" else merges):
            _, link, a, b = item
            root_a, root_b = root(a), root(b)
            if root_a != root_b:
                if round_ == "statements" and len(members[root_a]) > 1 and len(members[root_b]) > 1:
                    merges.append(item)
                    continue
                if articles_in[root_a] & articles_in[root_b]:
                    blocked += 1  # would put two statements of one article into one claim
                    continue
                if (not _claims_agree(members[root_a], members[root_b], space, usual, config.merge_margin)
                        and not (_counts_one_thing(link.shared, evidence[a].units)
                                 and (_one_text(members[root_a], space, languages)
                                      or _one_text(members[root_b], space, languages)))):
                    apart += 1
                    continue
                parent[root_b] = root_a
                articles_in[root_a] |= articles_in.pop(root_b)
                members[root_a] += members.pop(root_b)
            links.append(link)
    split = []
    if config.split_lines and data.positions is not None:
        claim_of = {r: members[root(r)] for r in range(len(parent))}
        article_rows = {article: rows for rows_of in rows_by_story.values() for article, rows in rows_of.items()}

        def split_work(story: str) -> SplitWork:
            return split_work_of(data, space, usual, aligned_with, claim_of, evidence, story_rows[story],
                                 article_rows, config, thresholds)

        split = [link for links_of_story in map_stories(split_story_work, LazyWorks(order, split_work))
                 for link in links_of_story]
    links += split
    links.sort(key=lambda link: link.key)
    stats = {"aligned_pairs": len(proposals) - cross, "cross_story_candidates": cross,
             "pairs_left_out_one_per_article": blocked, "pairs_left_out_claims_apart": apart,
             "split_lines_joined": len(split)}
    return Alignment(links=links, stats=stats)


SPLIT_GAIN = 0.02  # how much closer two sentences read together must be to a claim than either alone


@dataclass
class SplitWork:
    """What looking for one story's split lines needs (:func:`split_story_work`): its articles, and
    every article holding a statement of a claim one of theirs is in, whole."""

    data: GroupingInput
    space: np.ndarray
    usual: np.ndarray
    aligned_with: dict[str, list[str]]
    claim_of: dict[int, list[int]]  # the claim (rows) of each row of the story's articles
    articles: frozenset[str]  # the story's articles: only their lines are looked at
    config: GroupConfig
    thresholds: dict[str, float]


def split_work_of(data: GroupingInput, space: np.ndarray, usual: np.ndarray, aligned_with: dict[str, list[str]],
                  claim_of: dict[int, list[int]], evidence: Sequence[Evidence], rows: np.ndarray,
                  article_rows: dict[str, list[int]], config: GroupConfig, thresholds: dict[str, float]) -> SplitWork:
    """One story's :class:`SplitWork`, its story's rows being ``rows`` of the corpus ``data``
    (``article_rows``: each article's rows there)."""
    articles = frozenset(data.article_ids[r] for r in rows.tolist())
    reached = articles | {data.article_ids[m] for r in rows.tolist() for m in claim_of[r]}
    kept = np.array(sorted(r for article in reached for r in article_rows[article]), dtype=np.int64)
    local = {int(row): position for position, row in enumerate(kept)}
    picked = kept.tolist()
    subset = GroupingInput(
        statement_ids=[data.statement_ids[r] for r in picked], article_ids=[data.article_ids[r] for r in picked],
        languages=[data.languages[r] for r in picked], vectors=data.vectors[kept],
        evidence=[evidence[r] for r in picked], positions=[data.positions[r] for r in picked])
    return SplitWork(subset, space[kept], usual[kept], {a: aligned_with.get(a, []) for a in articles},
                     {local[r]: [local[m] for m in claim_of[r]] for r in rows.tolist()}, articles, config, thresholds)


def split_story_work(work: SplitWork) -> list[Link]:
    """The split-line links of one story's articles."""
    return split_line_links(work.data, work.space, work.usual, work.aligned_with, work.claim_of, work.config,
                            work.thresholds, work.data.evidence, articles=work.articles)


def split_line_links(data: GroupingInput, space: np.ndarray, usual: np.ndarray, aligned_with: dict[str, list[str]],
                     claim_of: dict[int, list[int]], config: GroupConfig, thresholds: dict[str, float],
                     evidence: Sequence[Evidence], articles: Collection[str] | None = None) -> list[Link]:
    """Links for a line that one version tells in two sentences (a 2-1 alignment, as in Bertalign).

    The one-statement-per-article rule leaves the second sentence of such a line out of its
    claim, or both out when neither alone is the best match; a sentence reprinted by other
    outlets is then in a claim of its reprints only, which is no version of anything else.
    Two consecutive sentences of one article, at least one of them in no claim or in its
    reprints' only, join a claim of their story when, read together
    (the mean of their vectors, which stands in for encoding the two as one text):

    - they are closer to the claim's versions in the other articles than either sentence
      alone, by ``SPLIT_GAIN`` in mean cosine (by any amount when each sentence left out *adds*
      evidence: shares with every version a counted unit, a rare name or a figure's unit that
      its neighbour does not);
    - every such version has them as its best match in their article, and each sentence left
      out has every version as its own best match in that version's article;
    - their mean margin over those versions clears ``group.merge_margin``;
    - the claim is told by at least two other articles, each of which must agree, or by one
      when each sentence left out adds evidence.

    The versions are looked for in the articles each article was aligned with
    (``aligned_with``). Each sentence left out is linked to the version closest to it. Only the
    lines of ``articles`` are looked at, when given (one story's: :func:`split_story_work`).
    """
    if data.positions is None:
        return []
    rows_of_article: dict[str, list[int]] = defaultdict(list)
    for row in sorted(range(len(data.statement_ids)), key=lambda r: (data.article_ids[r], data.positions[r])):
        rows_of_article[data.article_ids[row]].append(row)
    arrays = {article: np.array(rows) for article, rows in rows_of_article.items()}

    def best_in(article: str, vector: np.ndarray) -> int:
        return int(arrays[article][int((space[arrays[article]] @ vector).argmax())])

    languages = np.asarray(data.languages)

    def reprints_of(row: int, rows: Sequence[int]) -> list[int]:
        rows = np.asarray(rows, dtype=int)
        same = (languages[rows] == languages[row]) & (space[rows] @ space[row] >= COPY_COSINE)
        return rows[same].tolist()

    def left_out(row: int) -> bool:
        # in no claim, or in its reprints' only: three outlets reprinting a line told in two
        # sentences made the second sentence's reprints a claim of their own
        return len(reprints_of(row, claim_of[row])) == len(claim_of[row])

    joined: set[int] = set()
    links = []
    for article, rows in rows_of_article.items():
        if articles is not None and article not in articles:
            continue
        elsewhere = np.array([r for other in sorted(aligned_with.get(article, ())) for r in rows_of_article[other]],
                             dtype=int)
        if not len(elsewhere):
            continue
        elsewhere_space = space[elsewhere]
        for first, second in zip(rows, rows[1:]):
            if data.positions[second] != data.positions[first] + 1 or joined & {first, second}:
                continue
            alone = [r for r in (first, second) if left_out(r)]
            if not alone:
                continue
            together = space[first] + space[second]
            together /= max(float(np.linalg.norm(together)), 1e-9)
            placed = [r for r in (first, second) if r not in alone]
            claim = claim_of[placed[0]] if placed else claim_of[int(elsewhere[int((elsewhere_space @ together).argmax())])]
            if sum(data.article_ids[r] == article for r in claim) != len(placed):
                continue  # the claim also holds another sentence of this article
            # The reprints of either sentence tell the line split as this article does: no version.
            split_alike = set(reprints_of(first, claim)) | set(reprints_of(second, claim))
            versions = np.array([r for r in claim if data.article_ids[r] != article and r not in split_alike], dtype=int)
            if not len(versions):
                continue
            # What a sentence left out shares with every version (a counted unit, a rare name, a
            # figure's unit) and its neighbour does not: the part of the line it carries.
            adds = all(set(shared_evidence(evidence[row], evidence[version]))
                       - set(shared_evidence(evidence[first + second - row], evidence[version]))
                       for row in alone for version in versions)
            # Against a single version, a neighbouring sentence that happens to fit passes these
            # tests as often as a true split (all 7 wrong joins on NTREX and the samples had one),
            # unless it adds such evidence.
            if len(versions) == 1 and not adds:
                continue
            closeness = space[versions] @ together
            gain = 0.0 if adds else SPLIT_GAIN
            if closeness.mean() <= max(float((space[versions] @ space[r]).mean()) for r in (first, second)) + gain:
                continue
            if (closeness < (space[versions] @ space[arrays[article]].T).max(axis=1)).any():
                continue
            if any(best_in(data.article_ids[v], space[r]) != v for r in alone for v in versions):
                continue
            usual_together = (usual[first] + usual[second]) / 2
            margin = float(ratio_margin(closeness[None, :], np.array([usual_together]), usual[versions]).mean())
            if margin < config.merge_margin:
                continue
            for row in alone:
                partner = int(versions[int((space[versions] @ space[row]).argmax())])
                source, target = sorted((data.statement_ids[row], data.statement_ids[partner]))
                links.append(Link(source_id=source, target_id=target,
                                  cosine=round(float(data.vectors[row] @ data.vectors[partner]), 4),
                                  cosine_centered=round(float(space[row] @ space[partner]), 4),
                                  margin=round(margin, 4), rank=0, mutual=True, score=round(margin, 4),
                                  tier=_tier(margin, margin, thresholds),
                                  shared=("aligned:split_line",) + shared_evidence(evidence[row], evidence[partner])))
                joined.add(row)
    return links


def _counts_one_thing(shared: Sequence[str], units: frozenset[str]) -> bool:
    """Whether a link pairs two figures for one counted thing, agreeing or not ("over a million
    shells" against "nearly five million shells"): a rare counted thing (``units``), or any,
    when the link also shares a rare name ("1920 personnes ... Sulawesi" against "384 души ...
    Сулавези": more than one statement in twenty counts people, so people alone say nothing of
    which fact is told, and the French reprints of the 1920 stayed a claim of their own).

    Such a pair joins its claim even when the claim's other versions are not as close: two
    figures for the same counted thing are what the verdict compares, and the claim-level test
    would keep them apart as soon as one side has been reprinted or retold (a French reprint of
    the one-million report made the two French statements a claim of their own, which the
    Bulgarian five million could then not join, and the conflict went unseen). The caller lets
    it join only a claim of one version to another (:func:`_one_text`): between two claims of
    several versions each, "nine holes" and "two holes" of one golf story merged whole lines.
    """
    named = any(item.startswith("name:") for item in shared)
    for item in shared:
        kind, _, value = item.partition(":")
        if kind not in ("amount", "figure"):
            continue
        unit = value if kind == "amount" else value.partition(" ")[2]  # "figure:<value> <unit>"
        if unit in units or named:
            return True
    return False


def _one_text(claim: Sequence[int], space: np.ndarray, languages: np.ndarray) -> bool:
    """Whether a claim is one version: one statement, or one text reprinted (one language, every
    two at ``COPY_COSINE`` or closer)."""
    if len(claim) == 1:
        return True
    rows = np.asarray(claim)
    return len(set(languages[rows].tolist())) == 1 and bool((space[rows] @ space[rows].T >= COPY_COSINE).all())


def _claims_agree(claim_a: Sequence[int], claim_b: Sequence[int], space: np.ndarray, usual: np.ndarray,
                  cut: float) -> bool:
    """Whether two claims may merge: the mean margin over all their cross pairs is at least ``cut``.

    One strong pair starts a claim, but it is not enough to join two claims that several
    articles already tell: two outlets' reports of one event hold sentences that are each
    other's best match by chance ("25 cm of rain in Mexico", "landfall on Monday
    afternoon"), and one such pair would pour the four versions of one fact into the four
    of another (average linkage at the level of claims). A margin here is a pair's cosine
    over the mean usual closeness of its two statements, as in :func:`align_story`: when
    two claims are one fact, every version of one is about as close to every version of
    the other as to its own nearest statements.
    """
    if len(claim_a) == 1 and len(claim_b) == 1:
        return True  # a single pair has passed the link's own bar
    rows_a, rows_b = np.asarray(claim_a), np.asarray(claim_b)
    return float(ratio_margin(space[rows_a] @ space[rows_b].T, usual[rows_a], usual[rows_b]).mean()) >= cut


def _tier(base: float, score: float, thresholds: dict[str, float]) -> str:
    """Confirmed needs the stricter bar *and* enough similarity on its own: shared evidence can
    lift a link into review, never confirm it alone."""
    return "confirmed" if score >= thresholds["confirmed"] and base >= thresholds["suggested"] else "suggested"


# -- decisions ------------------------------------------------------------------------------

@dataclass
class Constraints:
    """Analyst decisions replayed in order: later decisions win over earlier ones."""

    must: set[tuple[str, str]] = field(default_factory=set)
    cannot: set[tuple[str, str]] = field(default_factory=set)
    verdicts: list[Decision] = field(default_factory=list)

    def _pair(self, a: str, b: str) -> tuple[str, str]:
        return (a, b) if a < b else (b, a)

    def join(self, a: str, b: str) -> None:
        if a != b:
            pair = self._pair(a, b)
            self.cannot.discard(pair)
            self.must.add(pair)

    def separate(self, a: str, b: str) -> None:
        if a != b:
            pair = self._pair(a, b)
            self.must.discard(pair)
            self.cannot.add(pair)


def constraints_from(decisions: Iterable[Decision]) -> Constraints:
    constraints = Constraints()
    for decision in sorted(decisions, key=lambda d: (d.created, d.decision_id or 0)):
        ids = decision.statement_ids
        if decision.kind == "accept_link" and len(ids) == 2:
            constraints.join(*ids)
        elif decision.kind == "reject_link" and len(ids) == 2:
            constraints.separate(*ids)
        elif decision.kind == "move" and ids:
            moved, former = ids[0], ids[1:]
            for mate in former:
                constraints.separate(moved, mate)
            for member in decision.target_ids:
                constraints.join(moved, member)
        elif decision.kind == "split":
            for a in ids:
                for b in decision.target_ids:
                    constraints.separate(a, b)
        elif decision.kind == "merge":
            for a, b in zip(ids, ids[1:]):
                constraints.join(a, b)
        elif decision.kind == "new_group":
            for a in ids:
                for b in decision.target_ids:
                    constraints.separate(a, b)
            for a, b in zip(ids, ids[1:]):
                constraints.join(a, b)
        elif decision.kind == "set_verdict":
            constraints.verdicts.append(decision)
    return constraints


# -- groups ---------------------------------------------------------------------------------

def build_groups(
    statement_ids: Sequence[str],
    article_of: dict[str, str],
    language_of: dict[str, str],
    links: list[Link],
    constraints: Constraints,
    space_of: dict[str, np.ndarray],
    seed: int = 0,
) -> tuple[list[Group], list[Link]]:
    """Groups from the link graph after analyst decisions; returns the groups and the links kept."""
    import networkx as nx

    kept = [link for link in links if link.key not in constraints.cannot]
    by_key = {link.key: link for link in kept}
    for pair in sorted(constraints.must):
        if pair not in by_key:
            by_key[pair] = _decision_link(pair, space_of)
        else:
            by_key[pair] = replace(by_key[pair], tier="confirmed")
    kept = sorted(by_key.values(), key=lambda link: link.key)

    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(statement_ids) | {i for pair in constraints.must for i in pair}))
    for link in kept:
        capacity = float("inf") if link.key in constraints.must else max(link.score, 1e-6)
        graph.add_edge(link.source_id, link.target_id, weight=link.score, capacity=capacity)

    components = []
    for component in nx.connected_components(graph):
        for part in _separate(graph, component, constraints.cannot):
            components.extend(_communities(graph, part, constraints.must, seed, article_of))

    links_of: dict[str, list[Link]] = defaultdict(list)
    for link in kept:
        links_of[link.source_id].append(link)
    surviving = set()
    groups = []
    for members in components:
        articles = {article_of[m] for m in members}
        if len(articles) < 2:
            continue
        ordered = tuple(sorted(members))
        member_set = set(ordered)
        group_links = [l for m in ordered for l in links_of.get(m, ()) if l.target_id in member_set]
        surviving.update(l.key for l in group_links)
        confirmed = nx.Graph()
        confirmed.add_nodes_from(ordered)
        confirmed.add_edges_from(l.key for l in group_links if l.tier == "confirmed")
        tier = "confirmed" if nx.is_connected(confirmed) else "suggested"
        groups.append(Group(
            group_id=group_id_for(ordered),
            statement_ids=ordered,
            label_statement_id=_medoid(ordered, space_of),
            tier=tier,
            article_ids=tuple(sorted(articles)),
            languages=tuple(sorted({language_of[m] for m in ordered})),
        ))
    groups.sort(key=lambda g: (-len(g.languages), -len(g.article_ids), g.group_id))
    return groups, [l for l in kept if l.key in surviving]


def group_id_for(members: Sequence[str]) -> str:
    """Stable while the group keeps its smallest member: adding statements rarely renames a group."""
    return "g" + hashlib.sha1(min(members).encode()).hexdigest()[:12]


def keep_group_ids(groups: Sequence[Group], previous: Sequence[Group], retired: Iterable[str] = ()) -> list[Group]:
    """``groups`` with the ids of the ``previous`` groups they continue.

    A new group continues an old one when it holds most of that old group's statements (more
    than half; at most one new group can), so rejecting one weak link, adding an article or
    re-analysing never renames a group that kept most of its members. A new group continuing
    several old ones (a merge) takes the id of the one it shares most with (then: the larger
    share of it). Any other group
    keeps its own id, made anew if it is an old group's id: a fragment holding half of a
    group or less does not pass for it. ``retired``: the ids of other old groups, when
    ``previous`` holds only those these groups can continue (a decision's part of the graph).
    """
    owner = {sid: group.group_id for group in previous for sid in group.statement_ids}
    size = {group.group_id: len(group.statement_ids) for group in previous}
    claims: list[tuple[int, str, int]] = []  # (overlap, old id, index of the new group)
    for index, group in enumerate(groups):
        overlap = Counter(owner[sid] for sid in group.statement_ids if sid in owner)
        claims += [(count, old, index) for old, count in overlap.items() if 2 * count > size[old]]
    inherited: dict[int, str] = {}
    taken: set[str] = set()
    for count, old, index in sorted(claims, key=lambda c: (-c[0], -c[0] / size[c[1]], c[1], c[2])):
        if index not in inherited and old not in taken:
            inherited[index] = old
            taken.add(old)
    retired = set(size) | set(retired)  # an old id goes only to the group that continues it, never to a fragment
    result = []
    for index, group in enumerate(groups):
        group_id = inherited.get(index, group.group_id)
        if index not in inherited and group_id in retired:
            group_id = "g" + hashlib.sha1(" ".join(group.statement_ids).encode()).hexdigest()[:12]
        result.append(replace(group, group_id=group_id) if group_id != group.group_id else group)
    return result


def _decision_link(pair: tuple[str, str], space_of: dict[str, np.ndarray]) -> Link:
    a, b = pair
    cosine = float(space_of[a] @ space_of[b]) if a in space_of and b in space_of else 0.0
    return Link(source_id=a, target_id=b, cosine=round(cosine, 4), cosine_centered=round(cosine, 4), margin=0.0,
                rank=-1, mutual=False, score=0.0, tier="confirmed", shared=("analyst:accepted",))


def _ordered_subgraph(graph, members: Iterable[str]):
    """A copy of the subgraph on ``members`` with nodes and edges in sorted order.

    networkx iterates a subgraph *view* in the order of the set it was made from,
    which follows Python's per-process string hashing; Louvain and minimum cuts
    depend on that order, so the same input could give different groups in two runs.
    """
    import networkx as nx

    chosen = sorted(members)
    ordered = nx.Graph()
    ordered.add_nodes_from(chosen)
    view = graph.subgraph(chosen)
    ordered.add_edges_from(sorted((min(u, v), max(u, v), data) for u, v, data in view.edges(data=True)))
    return ordered


def _separate(graph, component: set[str], cannot: set[tuple[str, str]]) -> list[set[str]]:
    """Cut a component until no cannot-link pair is left inside it (minimum cuts, weakest links first)."""
    import networkx as nx

    parts = [set(component)]
    done = []
    while parts:
        part = parts.pop()
        conflict = next((pair for pair in sorted(cannot) if pair[0] in part and pair[1] in part), None)
        if conflict is None:
            done.append(part)
            continue
        sub = _ordered_subgraph(graph, part)
        if nx.has_path(sub, *conflict):
            try:
                _, (side_a, side_b) = nx.minimum_cut(sub, conflict[0], conflict[1], capacity="capacity")
            except nx.NetworkXUnbounded:  # joined only by accepted links: the later decision already removed one
                side_a, side_b = {conflict[0]}, part - {conflict[0]}
        else:
            side_a = nx.node_connected_component(sub, conflict[0])
            side_b = part - side_a
        for side in (side_a, side_b):
            for piece in nx.connected_components(_ordered_subgraph(graph, side)):
                parts.append(set(piece))
    return done


def _communities(graph, members: set[str], must: set[tuple[str, str]], seed: int,
                 article_of: dict[str, str] | None = None) -> list[set[str]]:
    """Split a large, loosely knit component into Louvain communities, keeping accepted links together.

    A component with one statement per article is one claim told by many outlets, however
    thinly its links knit it; only one that holds an article twice is split.
    """
    import networkx as nx

    if len(members) <= LARGE_COMPONENT or (article_of is not None
                                           and len({article_of.get(m, m) for m in members}) == len(members)):
        return [members]
    sub = _ordered_subgraph(graph, members)
    if nx.density(sub) >= 0.5:
        return [members]
    communities = nx.community.louvain_communities(sub, weight="weight", seed=seed)
    owner = {node: i for i, community in enumerate(communities) for node in community}
    merged = nx.utils.UnionFind(range(len(communities)))
    for a, b in must:
        if a in owner and b in owner:
            merged.union(owner[a], owner[b])
    result: dict[int, set[str]] = defaultdict(set)
    for node, community in owner.items():
        result[merged[community]].add(node)
    return [result[key] for key in sorted(result, key=lambda key: min(result[key]))]


def _medoid(members: Sequence[str], space_of: dict[str, np.ndarray]) -> str:
    present = [m for m in members if m in space_of]
    if not present:
        return members[0]
    matrix = np.vstack([space_of[m] for m in present])
    centrality = (matrix @ matrix.T).mean(axis=1)
    return present[int(np.argmax(centrality))]


# -- the stage ------------------------------------------------------------------------------

def group_statements(
    data: GroupingInput,
    config: GroupConfig,
    index_config: IndexConfig,
    thresholds: dict[str, float],
    decisions: Sequence[Decision] = (),
    *,
    seed: int = 0,
    all_statements: dict | None = None,
    all_vectors: dict[str, np.ndarray] | None = None,
    story_of: dict[str, str] | None = None,
    map_stories: StoryMap = map_here,
) -> GroupingResult:
    """Links, tiers and groups for ``data``, with analyst decisions applied.

    ``story_of`` maps each article to its story (``group.method = "stories"``, the default):
    claims are aligned inside stories first, each story's work run by ``map_stories``.
    """
    alignment_stats: dict[str, int] = {}
    if data.statement_ids:
        if config.method == "stories":
            # The corpus-wide pass runs with no cut of its own: only its strongest cross-story
            # links are kept, at group.cross_story.
            corpus, means, space, hubs, gated = candidate_links(data, config, index_config,
                                                                {**thresholds, "suggested": config.cross_story})
            alignment = story_claim_links(data, space, story_of or {}, config, thresholds, corpus, hubs,
                                          map_stories=map_stories)
            candidates, alignment_stats = alignment.links, alignment.stats
        else:
            candidates, means, _, hubs, gated = candidate_links(data, config, index_config, thresholds)
    else:
        candidates, means, hubs, gated = [], {}, np.zeros(0), 0
    # Labels and analyst links are measured on the raw vectors, as the search index holds them,
    # so a quick regroup after a decision picks the same labels as the full analysis.
    vectors = dict(all_vectors or {})
    vectors.update(zip(data.statement_ids, data.vectors))
    statements = dict(all_statements or {})
    result = regroup(candidates, data.statement_ids, statements, vectors, decisions, seed=seed,
                     article_ids=dict(zip(data.statement_ids, data.article_ids)),
                     languages=dict(zip(data.statement_ids, data.languages)))
    result.centering = {lang: mean.round(6).tolist() for lang, mean in means.items()}
    result.thresholds = dict(thresholds)
    result.hubness = {sid: round(float(h), 5) for sid, h in zip(data.statement_ids, hubs)}
    result.stats["pairs_without_shared_names"] = gated
    result.stats.update(alignment_stats)
    return result


def regroup(
    candidates: Sequence[Link],
    eligible_ids: Sequence[str],
    statements: dict,
    vectors: dict[str, np.ndarray],
    decisions: Sequence[Decision],
    *,
    seed: int = 0,
    article_ids: dict[str, str] | None = None,
    languages: dict[str, str] | None = None,
) -> GroupingResult:
    """Groups from already scored links and the analyst's decisions: no embedding or search needed."""
    constraints = constraints_from(decisions)
    article_of = dict(article_ids or {})
    language_of = dict(languages or {})
    for statement_id in set(eligible_ids) | {i for pair in constraints.must for i in pair}:
        statement = statements.get(statement_id)
        if statement is not None:
            article_of.setdefault(statement_id, statement.article_id)
            language_of.setdefault(statement_id, statement.language)
    # Decisions about statements that no longer exist (an article was removed) are kept, but cannot act.
    constraints.must = {pair for pair in constraints.must if pair[0] in article_of and pair[1] in article_of}
    # Links to statements no longer taking part (stored before they were marked boilerplate) are dropped.
    scored = [link for link in candidates if link.rank >= 0 and link.source_id in article_of and link.target_id in article_of]
    eligible = set(eligible_ids)
    groups, kept = build_groups(eligible_ids, article_of, language_of, scored, constraints, vectors, seed)
    grouped = sum(len(g.statement_ids) for g in groups)
    stats = {
        "eligible_statements": len(eligible_ids),
        "candidate_links": len(scored),
        "links_in_groups": len(kept),
        "confirmed_links": sum(l.tier == "confirmed" for l in kept),
        "groups": len(groups),
        "confirmed_groups": sum(g.tier == "confirmed" for g in groups),
        "grouped_statements": grouped,
        "singletons": len(eligible) - sum(1 for g in groups for m in g.statement_ids if m in eligible),
        "decisions_applied": len(constraints.must) + len(constraints.cannot),
    }
    log.info("Group - %d statements, %d links, %d groups", len(eligible_ids), len(kept), len(groups))
    decision_links = [l for l in kept if l.rank < 0]
    return GroupingResult(candidates=scored + decision_links, links=kept, groups=groups, centering={},
                          thresholds={}, stats=stats)


def member_rows(groups: Sequence[Group], links: Sequence[Link]) -> list[dict]:
    """One row per grouped statement: its tier in the group and the scores of its best link there."""
    best: dict[str, Link] = {}
    for link in links:
        for statement_id in link.key:
            current = best.get(statement_id)
            if current is None or (link.tier == "confirmed", link.score) > (current.tier == "confirmed", current.score):
                best[statement_id] = link
    rows = []
    for group in groups:
        for statement_id in group.statement_ids:
            link = best.get(statement_id)
            rows.append({
                "statement_id": statement_id,
                "group_id": group.group_id,
                "member_tier": link.tier if link else "suggested",
                "score_cosine": link.cosine if link else None,
                "score_margin": link.margin if link else None,
            })
    return rows


def describe_regrouping(before: Sequence[Group], after: Sequence[Group], statements: dict,
                        *, most: int = 8) -> list[str]:
    """What changes from ``before`` to ``after``, in words, for an analyst about to decide:
    each statement that would change group, then the groups that would appear or go."""
    def short(statement_id: str) -> str:
        statement = statements.get(statement_id)
        if statement is None:
            return statement_id
        text = " ".join(statement.text.split())
        return f"the {statement.language} statement «{text[:60]}{'…' if len(text) > 60 else ''}»"

    was = {sid: group.group_id for group in before for sid in group.statement_ids}
    now = {sid: group.group_id for group in after for sid in group.statement_ids}
    moves, touched = [], set()
    for sid in sorted(set(was) | set(now), key=lambda s: (was.get(s, "~"), now.get(s, "~"), s)):
        old, new = was.get(sid), now.get(sid)
        if old == new:
            continue
        touched.update(gid for gid in (old, new) if gid)
        if new is None:
            moves.append(f"{short(sid)} would leave group {old} and be in no group")
        elif old is None:
            moves.append(f"{short(sid)} would join group {new}")
        else:
            moves.append(f"{short(sid)} would move from group {old} to group {new}")
    old_ids, new_ids = {g.group_id for g in before}, {g.group_id for g in after}
    sizes = {group.group_id: len(group.statement_ids) for group in after}
    lines = moves[:most] + ([f"and {len(moves) - most} more statements would change group"] if len(moves) > most else [])
    lines += [f"group {gid} would no longer exist" for gid in sorted(old_ids - new_ids)]
    lines += [f"a new group {gid} of {sizes[gid]} statements would form" for gid in sorted(new_ids - old_ids)]
    lines += [f"group {gid} keeps its id ({sizes[gid]} statements)" for gid in sorted(touched & old_ids & new_ids)]
    return lines
