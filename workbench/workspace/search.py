"""Search and the reading aid: the statements nearest to a claim, in every language.

Queries go into the scoring space the statements are in (:mod:`workbench.space`) and are
ranked across languages by CSLS, so neither a language nor a hub statement dominates a
page. The reading aid shows, for a statement in another language, the statements nearest
to it in the reader's own, from the stored vectors (nothing is embedded).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..clean import words
from ..embed import encode_queries
from ..errors import WorkbenchError
from ..group import COMPARABLE_FIGURE_KINDS, Evidence, describe_shared, evidence_bonus, shared_evidence
from ..index import VectorIndex
from ..model import Quantity
from ..quantities import UnitResolver, extract_quantities, in_base_unit
from ..space import space_for
from ..words import ordinal
from .context import Concern, Workspace

log = logging.getLogger(__name__)

SEARCH_HUB_K = 4  # a query's usual similarity in a language: the mean cosine of its 4 nearest there
SEARCH_POOL = 50  # per language, the nearest statements ranked with each one's hubness too

# Cosines in the scoring space, in words, for the bundled encoder. Measured on 600 held-out NTREX
# lines (bg-fr, ro-bg, uk-fr): 90% of translations score 0.55-0.59 or more (median 0.66-0.71),
# while the closest other line of the same story scores 0.44-0.47 at the median and 0.58-0.61 at
# the 95th percentile, and the closest line of another story 0.39-0.42.
CLOSE_COSINE = 0.6  # as close as most translations
WEAK_COSINE = 0.45  # below what the closest other line of the same story usually reaches
# Chosen, not measured: how far above the query's usual cosine in its language a hit is said to
# stand out there, and how far above it a statement's own usual closeness is said to rank it lower.
STANDS_OUT = 0.02
HUB_NOTE = 0.05


@dataclass(frozen=True, slots=True)
class SearchHit:
    statement_id: str
    text: str
    language: str
    article_id: str
    score: float  # cosine similarity to the query
    adjusted: float = 0.0  # the ranking score: CSLS, plus shared evidence (see Search.search_many)
    source: str = ""
    title: str = ""
    group_id: str = ""
    published: str = ""  # the article's publication date, as stored
    usual: float = 0.0  # the query's usual cosine in this language (mean of its SEARCH_HUB_K nearest there)
    hub: float | None = None  # the statement's usual cosine to its neighbours (None: not known, not used)
    shared: tuple[str, ...] = ()  # what it shares with the query beyond wording (group.shared_evidence keys)
    place: int = 1  # its place by cosine among the statements of its language nearest the query

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def closeness(cosine: float) -> str:
    """How close two statements are, in words, from their cosine (measured on sentence pairs: see
    ``CLOSE_COSINE``); the reading aid says it of each neighbour."""
    if cosine >= CLOSE_COSINE:
        return "close (as close as most translations)"
    if cosine >= WEAK_COSINE:
        return "loosely related (as close as other sentences of one story often are)"
    return "weak (less close than most sentences of one story: it likely says something else)"


def explain_hit(hit: SearchHit) -> str:
    """Why a hit is where it is, for a fact-checker: how close it is to the query among the
    statements of its language, whether it stands out among them, and what else brought it up or
    down. (A short claim and a whole statement reach lower cosines than two sentences do, so
    :func:`closeness`'s words, measured on sentence pairs, are not used here.)"""
    place = "the closest" if hit.place == 1 else f"the {ordinal(hit.place)} closest"
    parts = [f"{place} {hit.language} statement to the query (cosine {hit.score:.2f})"]
    if hit.score >= hit.usual + STANDS_OUT:
        parts.append(f"it stands out: clearly closer than the {hit.language} statements nearest the query are on "
                     "average")
    else:
        parts.append(f"it does not stand out from the {hit.language} statements nearest the query")
    if hit.hub is not None and hit.hub >= hit.usual + HUB_NOTE:
        parts.append(f"it is close to many other statements too ({hit.hub:.2f} on average to its nearest), "
                     "which ranks it lower")
    if hit.shared:
        parts.append(f"it shares with the query: {describe_shared(hit.shared)}, which ranks it higher")
    return "; ".join(parts)


def statement_evidence(text: str, language: str, quantities: Sequence[Quantity],
                       resolver: UnitResolver, cache: dict[tuple[str, str], str]) -> Evidence:
    """What a query or statement can share with another beyond wording, as links count it
    (:func:`workbench.group.shared_evidence`): the counted things it names and its figures.
    Unlike a link, search keeps common counted things: among the statements near one query, the
    ones counting what the query counts are the ones about it. ``cache`` holds word lookups."""
    units = set()
    for word in words(text):
        if len(word) < 3:
            continue
        if (word, language) not in cache:
            key = resolver.lookup(word, language)
            cache[word, language] = key if key and resolver.kind_of(key) == "count" else ""
        if cache[word, language]:
            units.add(cache[word, language])
    figures = {f"{q.value:g} {q.unit_key}" for q in map(in_base_unit, quantities)
               if q.kind in COMPARABLE_FIGURE_KINDS and q.value is not None and q.unit_key}
    return Evidence(units=frozenset(units), figures=frozenset(figures))



@dataclass(frozen=True, slots=True)
class _Ranked:
    """One ranked statement before it becomes a :class:`SearchHit`."""

    score: float
    adjusted: float
    vector_id: int
    usual: float = 0.0
    hub: float | None = None
    shared: tuple[str, ...] = ()
    place: int = 1


class Search(Concern):
    """Search over the workspace's index, and the reading aid."""

    def __init__(self, workspace: Workspace):
        super().__init__(workspace)
        self._index_articles = -1  # the store's article sequence the loaded index was checked against
        self.unsearched = 0  # statements the last search did not reach: ingested since a read-only index was saved
        self._searchable: tuple[tuple[Any, ...], dict[str, np.ndarray]] | None = None

    def index(self) -> VectorIndex:
        """The workspace's search index, holding every stored statement.

        Built on first use if analysis has not run yet; statements ingested since the
        index was last saved are embedded (through the cache) and appended, so a
        search never silently misses an article that is already in the workspace.
        """
        index = self.workspace.loaded_index()
        if index is None and not self.store.count("statements"):
            raise WorkbenchError("the workspace holds no statements yet; ingest some articles first")
        articles_seen = self.store.revision()[3]
        if index is None or self._index_articles != articles_seen:
            self._extend_index(index)
            self._index_articles = articles_seen
        return self.workspace.index

    def _extend_index(self, index: VectorIndex | None) -> None:
        statements = self.store.statements()
        vector_ids = self.store.vector_ids([s.statement_id for s in statements])
        held = (index.contains(np.array([vector_ids[s.statement_id] for s in statements], dtype=np.int64))
                if index is not None else np.zeros(len(statements), dtype=bool))
        missing = [s for s, present in zip(statements, held) if not present]
        # A read-only workspace is searched as its saved index holds it: nothing is embedded or saved.
        self.unsearched = len(missing) if self.store.read_only and index is not None else 0
        if self.unsearched or (not missing and index is not None):
            return
        log.info("Index - adding %d statement(s) ingested since the index was saved", len(missing))
        vectors, _ = self.workspace.embed([s.text for s in missing])
        self.workspace.update_index(missing, self.workspace.scoring_space.transform(vectors), rebuild=index is None,
                                    index=index)

    def search(self, query: str, *, language: str | None = None, top: int = 10,
               include_boilerplate: bool = False) -> list[SearchHit]:
        """The statements nearest to ``query`` (any language), best first, with cosine scores."""
        return self.search_many([query], language=language, top=top, include_boilerplate=include_boilerplate)[0]

    def search_many(self, queries: Sequence[str], *, language: str | None = None, top: int = 10,
                    include_boilerplate: bool = False) -> list[list[SearchHit]]:
        """Nearest statements for each query, in every language (or only ``language``), best first.

        Short claims are embedded with the model's query prefix (e5: 'query: '),
        whole sentences as passages, like the stored statements (measured on
        tests/gold/search.json, see ``encode_queries``); both go into the scoring space the
        statements are in (language subspace removed, :mod:`workbench.space`). Hits are
        ranked by CSLS (Conneau et al. 2018): the cosine minus half the query's usual
        similarity in the hit's language (its mean cosine to its ``SEARCH_HUB_K`` nearest
        there) and half the statement's own usual similarity to its neighbours (hubness),
        so neither a language nor a hub dominates the page. Evidence shared with the query
        adds to the score as it does to a link's (``group.evidence_weight`` per kind,
        :func:`statement_evidence`): counting the thing the query counts, and giving a figure
        for it. Hubness alone buried the statements a fact-checker looks for: in a corpus that
        tells one story, a long statement touching many of its threads is close to many other
        statements (the Bulgarian five million shells of sample 004, which names Bloomberg,
        the ministry, the shells and a denial: 0.60-0.65 to its four nearest, the 15th highest
        of 100), and CSLS took half of that off, ranking it 17th for "Coreea de Nord a trimis
        un milion de obuze Rusiei" (13th by cosine); giving a figure for the shells the query
        counts brings it to the first three (benchmarks/bench_search.py: claims recall@10 and
        MRR@10 rise too).

        The ranking is one order over the whole workspace, whatever ``top`` asks for, so the
        first k hits of ``top=K`` are exactly the hits of ``top=k``: each language's
        ``SEARCH_POOL`` nearest statements are ranked by CSLS and evidence, ahead of any
        others, which follow by the query-side correction alone (an order that merges across
        languages the same way at any depth). ``score`` is the plain cosine in the scoring
        space, ``adjusted`` the score hits are ranked by.
        """
        if not queries:
            return []
        index = self.index()
        by_language = self._searchable_ids(language, include_boilerplate)
        if language is not None and language not in by_language:
            known = ", ".join(sorted(self._searchable_ids(None, include_boilerplate))) or "none"
            raise WorkbenchError(f"no searchable statements in language {language!r}; this workspace has: {known}")
        model = self.config.embed.model
        vectors = encode_queries(self.workspace.encoder, model, list(queries), self.config.embed.query_prefix,
                                 space_of=lambda prefix: space_for(model, prefix))
        fetch = max(top, SEARCH_POOL)
        found_per_language = index.search_each(vectors, fetch, dict(sorted(by_language.items())))
        pool_ids = {int(v) for _, ids in found_per_language.values() for v in ids[:, :SEARCH_POOL].ravel() if v >= 0}
        hubs = self.store.hubness(pool_ids)
        shared = self._shared_with(queries, found_per_language)
        weight = self.config.group.evidence_weight
        candidates: list[list[tuple[int, float, _Ranked]]] = [[] for _ in queries]
        for scores, found in found_per_language.values():
            for q, (row_scores, row_ids) in enumerate(zip(scores, found)):
                valid = row_ids >= 0
                if not valid.any():
                    continue
                usual = float(np.mean(row_scores[valid][:SEARCH_HUB_K]))
                for rank, (score, vector_id) in enumerate(zip(row_scores[valid], row_ids[valid])):
                    vector_id, score = int(vector_id), float(score)
                    if rank < SEARCH_POOL:
                        hub = hubs.get(vector_id)
                        evidence = shared[q].get(vector_id, ())
                        adjusted = score - (usual + (usual if hub is None else hub)) / 2 \
                            + evidence_bonus(evidence, weight)
                        candidates[q].append((0, adjusted, _Ranked(score, adjusted, vector_id, usual, hub, evidence,
                                                                   rank + 1)))
                    else:
                        candidates[q].append((1, score - usual, _Ranked(score, score - usual, vector_id, usual,
                                                                   place=rank + 1)))
        for per_query in candidates:
            # Best first across languages; measured against interleaving each language's best
            # (benchmarks/bench_search.py): recall@10 0.669 vs 0.640 on claims, MRR 0.526 vs 0.393 on sentences.
            per_query.sort(key=lambda item: (item[0], -item[1], item[2].vector_id))
        return self._hits([[ranked for *_, ranked in per_query[:top]] for per_query in candidates])

    def _shared_with(self, queries: Sequence[str],
                     found_per_language: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[dict[int, tuple[str, ...]]]:
        """For each query, what each statement of its pool shares with it beyond wording
        (:func:`statement_evidence`): only queries that count something or give a figure are
        compared, so most searches read no statement here."""
        resolver = self.workspace.unit_resolver
        cache: dict[tuple[str, str], str] = {}
        asked = [statement_evidence(query, "und", extract_quantities(query, "und", unit_resolver=resolver),
                                    resolver, cache) for query in queries]
        shared: list[dict[int, tuple[str, ...]]] = [{} for _ in queries]
        wanted = [q for q, evidence in enumerate(asked) if evidence.units or evidence.figures]
        if not wanted:
            return shared
        pools = {q: {int(v) for _, ids in found_per_language.values() for v in ids[q, :SEARCH_POOL] if v >= 0}
                 for q in wanted}
        rows = self.store.statement_rows_by_vector_id(set().union(*pools.values()))
        claims = self.store.claims(statement.statement_id for statement, _ in rows.values())
        told: dict[int, Evidence] = {}
        for q in wanted:
            for vector_id in pools[q]:
                if vector_id not in told:
                    statement = rows[vector_id][0]
                    found = claims.get(statement.statement_id)
                    told[vector_id] = statement_evidence(statement.text, statement.language,
                                                         found.quantities if found else (), resolver, cache)
                common = shared_evidence(asked[q], told[vector_id])
                if common:
                    shared[q][vector_id] = common
        return shared

    def _hits(self, ranked: list[list[_Ranked]]) -> list[list[SearchHit]]:
        """Search hits from ranked vector ids, with their statements and groups."""
        statements = self.store.statement_rows_by_vector_id({hit.vector_id for row in ranked for hit in row})
        group_of = {sid: row["group_id"] for sid, row in self.store.group_members(
            statement.statement_id for statement, _ in statements.values()).items()}
        results = []
        for row in ranked:
            hits = []
            for found in row:
                statement, article = statements[found.vector_id]
                hits.append(SearchHit(
                    statement_id=statement.statement_id, text=statement.text, language=statement.language,
                    article_id=statement.article_id, score=round(found.score, 4), adjusted=round(found.adjusted, 4),
                    source=article.source or article.url, title=article.title,
                    group_id=group_of.get(statement.statement_id, ""), published=article.published,
                    usual=round(found.usual, 4), hub=None if found.hub is None else round(found.hub, 4),
                    shared=found.shared, place=found.place,
                ))
            results.append(hits)
        return results

    def reading_language(self, analyst: str) -> str:
        """The language ``analyst`` reads the workspace in ("" when not chosen), kept in the workspace."""
        return (self.store.get_meta(f"analyst:{analyst}:reading_language") or "") if analyst else ""

    def set_reading_language(self, analyst: str, language: str) -> None:
        """Keep ``analyst``'s reading language with their name, for their next session."""
        if analyst:
            self.store.set_meta(f"analyst:{analyst}:reading_language", language)

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` in ``target`` by the configured backend (``translate.backend``), a reading
        aid only. Raises :class:`~workbench.translate.TranslationError` (no backend, or it failed)."""
        from ..translate import TranslationError, make_translator

        settings = self.config.translate
        translator = make_translator(settings.backend, settings.url, settings.api_key)
        if translator is None:
            raise TranslationError("no translation backend is set (translate.backend = none); set it to argos or "
                                   "libretranslate with translate.url")
        return translator.translate(texts, source, target)

    def nearest_in(self, statement_ids: Sequence[str], language: str, *, top: int = 3) -> dict[str, list[SearchHit]]:
        """A reading aid: for each statement, the ``top`` statements in ``language`` nearest to
        it, so a reader of ``language`` can check a claim made in another. They are ranked by
        the cosine in the scoring space, the figure the reader is shown beside each (ranked with
        a correction for hubs, they read out of the order of the cosines shown), and each hit's
        ``usual`` is 0 (no query). Uses the stored vectors: nothing is embedded. Statements
        already in ``language``, or without a stored vector, get no entry."""
        index = self.index()
        allowed = self._searchable_ids(language, False).get(language)
        if allowed is None or not len(allowed):
            return {}
        by_id = {s.statement_id: s for s in self.store.statements(statement_ids=list(statement_ids))}
        vector_ids = self.store.vector_ids([sid for sid, s in by_id.items() if s.language != language])
        held = index.contains(np.array(list(vector_ids.values()), dtype=np.int64))
        asked = [(sid, vid) for (sid, vid), present in zip(vector_ids.items(), held) if present]
        if not asked:
            return {}
        scores, found = index.search(index.vectors_for(np.array([vid for _, vid in asked], dtype=np.int64)),
                                     top, allowed_ids=allowed)
        ranked = [[_Ranked(score, score, vid, place=place) for place, (score, vid) in enumerate(
                   sorted(((float(score), int(vid)) for score, vid in zip(row_scores, row_ids) if vid >= 0),
                          key=lambda hit: (-hit[0], hit[1])), 1)]
                  for row_scores, row_ids in zip(scores, found)]
        return dict(zip((sid for sid, _ in asked), self._hits(ranked)))

    def _searchable_ids(self, language: str | None, include_boilerplate: bool) -> dict[str, np.ndarray]:
        """Vector ids per language for search, read once per store revision (not once per query).

        Statements ingested since the last analysis are placed by the labels that analysis
        will give them (:meth:`Workspace.relabel_languages`), not by langdetect's guess on one
        short sentence: a French article of one line labelled Dutch made a one-statement Dutch
        bucket, whose best hit then outranked the French translation of the query."""
        key = (self.store.revision(), language, include_boilerplate)
        if self._searchable is None or self._searchable[0] != key:
            found = self.store.vector_ids_by_language(None, include_boilerplate=include_boilerplate)
            moved = self._provisional_languages()
            if moved:
                vector_ids = self.store.vector_ids(list(moved))
                moving = {vector_ids[sid]: new for sid, new in moved.items() if sid in vector_ids}
                buckets: dict[str, list[int]] = {}
                for bucket, ids in found.items():
                    for vector_id in ids.tolist():
                        buckets.setdefault(moving.get(vector_id, bucket), []).append(vector_id)
                found = {name: np.array(sorted(ids), dtype=np.int64) for name, ids in sorted(buckets.items())}
            if language is not None:
                found = {name: ids for name, ids in found.items() if name == language}
            for ids in found.values():
                ids.setflags(write=False)  # the index keeps its work on read-only groups for the next search
            self._searchable = (key, found)
        return self._searchable[1]

    def _provisional_languages(self) -> dict[str, str]:
        """Statement id -> language, for the statements of articles awaiting analysis whose
        label the next analysis will change."""
        waiting = {article.article_id for article in self.workspace.awaiting_analysis()}
        if not waiting:
            return {}
        statements = [s for s in self.store.statements() if s.article_id in waiting]
        relabelled, _ = self.workspace.relabel_languages(statements)
        return {new.statement_id: new.language for old, new in zip(statements, relabelled) if new.language != old.language}
