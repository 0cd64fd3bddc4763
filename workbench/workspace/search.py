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

from ..embed import encode_queries
from ..errors import WorkbenchError
from ..index import VectorIndex
from ..space import space_for
from .context import Concern, Workspace

log = logging.getLogger(__name__)

SEARCH_HUB_K = 4  # a query's usual similarity in a language: the mean cosine of its 4 nearest there
SEARCH_POOL = 50  # per language, the nearest statements ranked with each one's hubness too


@dataclass(frozen=True, slots=True)
class SearchHit:
    statement_id: str
    text: str
    language: str
    article_id: str
    score: float  # cosine similarity to the query
    adjusted: float = 0.0  # cosine above the query's usual similarity to this language: the ranking score
    source: str = ""
    title: str = ""
    group_id: str = ""
    published: str = ""  # the article's publication date, as stored

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}



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
        so neither a language nor a hub dominates the page.

        The ranking is one order over the whole workspace, whatever ``top`` asks for, so the
        first k hits of ``top=K`` are exactly the hits of ``top=k``: each language's
        ``SEARCH_POOL`` nearest statements are ranked by CSLS, ahead of any others, which
        follow by the query-side correction alone (an order that merges across languages the
        same way at any depth). ``score`` is the plain cosine in the scoring space,
        ``adjusted`` the score hits are ranked by.
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
        candidates: list[list[tuple[int, float, float, int]]] = [[] for _ in queries]
        for scores, found in found_per_language.values():
            for q, (row_scores, row_ids) in enumerate(zip(scores, found)):
                valid = row_ids >= 0
                if not valid.any():
                    continue
                usual = float(np.mean(row_scores[valid][:SEARCH_HUB_K]))
                for rank, (score, vector_id) in enumerate(zip(row_scores[valid], row_ids[valid])):
                    vector_id, score = int(vector_id), float(score)
                    if rank < SEARCH_POOL:
                        candidates[q].append((0, score - (usual + hubs.get(vector_id, usual)) / 2, score, vector_id))
                    else:
                        candidates[q].append((1, score - usual, score, vector_id))
        for per_query in candidates:
            # Best first across languages; measured against interleaving each language's best
            # (benchmarks/bench_search.py): recall@10 0.669 vs 0.640 on claims, MRR 0.526 vs 0.393 on sentences.
            per_query.sort(key=lambda item: (item[0], -item[1], item[3]))
        return self._hits([[(score, adjusted, vector_id) for _, adjusted, score, vector_id in per_query[:top]]
                           for per_query in candidates])

    def _hits(self, ranked: list[list[tuple[float, float, int]]]) -> list[list[SearchHit]]:
        """Search hits from ``(score, adjusted, vector id)`` lists, with their statements and groups."""
        statements = self.store.statement_rows_by_vector_id({vid for row in ranked for *_, vid in row})
        group_of = {sid: row["group_id"] for sid, row in self.store.group_members(
            statement.statement_id for statement, _ in statements.values()).items()}
        results = []
        for row in ranked:
            hits = []
            for score, adjusted, vector_id in row:
                statement, article = statements[vector_id]
                hits.append(SearchHit(
                    statement_id=statement.statement_id, text=statement.text, language=statement.language,
                    article_id=statement.article_id, score=round(score, 4), adjusted=round(adjusted, 4),
                    source=article.source or article.url, title=article.title,
                    group_id=group_of.get(statement.statement_id, ""), published=article.published,
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
        it (cosine in the scoring space), so a reader of ``language`` can check a claim made in
        another. Uses the vectors the last analysis stored: nothing is embedded. Statements
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
                                     max(top, SEARCH_POOL), allowed_ids=allowed)
        # As in search: a statement near everything (a hub) gives way to one near this statement only.
        hubs = self.store.hubness({int(v) for v in found.ravel() if v >= 0})
        ranked = []
        for row_scores, row_ids in zip(scores, found):
            row = [(float(score), float(score) - hubs.get(int(vid), 0.0) / 2, int(vid))
                   for score, vid in zip(row_scores, row_ids) if vid >= 0]
            ranked.append(sorted(row, key=lambda hit: (-hit[1], hit[2]))[:top])
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
