"""The workbench's public API: one object that runs the pipeline stages on a workspace.

>>> from workbench import Workbench
>>> wb = Workbench.open("demo")            # or Workbench(Config.load(...))
>>> wb.ingest(["data/samples"])            # read, clean, segment, detect language, mark boilerplate
>>> wb.analyze()                           # corpus-level stages
>>> wb.export("out/")                      # evidence tables and the run manifest

The CLI, the Streamlit UI and the notebooks all go through this class; none of
them holds analysis logic of its own. Behind it, each concern has its own module in
:mod:`workbench.workspace`: intake (articles in), analysis, search and the reading aid,
review (the analyst's decisions) and tables (results out). This class only hands each
call to the concern that answers it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .config import Config
from .embed import Encoder, load_encoder
from .index import VectorIndex
from .model import Article, Decision, Group, Relation, Statement, Story
from .quantities import UnitResolver
from .space import ScoringSpace
from .store import Store
from .workspace.analysis import Analysis
from .workspace.context import ProgressCallback, Workspace
from .workspace.intake import IngestItem, IngestReport, Intake, prepare_article
from .workspace.review import Review
from .workspace.search import Search, SearchHit
from .workspace.tables import Tables
from .workspace.watch import Watch, WatchBatch

__all__ = ["IngestItem", "IngestReport", "ProgressCallback", "SearchHit", "WatchBatch", "Workbench", "prepare_article"]


class Workbench:
    """A workspace and the pipeline that runs on it."""

    def __init__(self, config: Config | None = None, *, store: Store | None = None, encoder: Encoder | None = None,
                 encoder_loader: Callable[[str, str], Encoder] = load_encoder):
        """``encoder_loader(model, prefix)`` loads the configured encoder when it is first needed (the
        UI passes one that shares each model between workspaces), unless ``encoder`` is given."""
        config = config or Config.load()
        self.workspace = Workspace(config, store or Store(config.database_path), encoder, encoder_loader)
        self._intake = Intake(self.workspace)
        self._search = Search(self.workspace)
        self._review = Review(self.workspace)
        self._tables = Tables(self.workspace)
        self._analysis = Analysis(self.workspace, self._review, self._tables)
        self._watch = Watch(self.workspace, self._intake, self._analysis)

    @classmethod
    def open(cls, workspace: str | None = None, **load_options: Any) -> "Workbench":
        return cls(Config.load(workspace=workspace, **load_options))

    def close(self) -> None:
        self.workspace.close()
        self.store.close()

    def __enter__(self) -> "Workbench":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the workspace -----------------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self.workspace.config

    @property
    def store(self) -> Store:
        return self.workspace.store

    @property
    def encoder(self) -> Encoder:
        """The configured encoder, loaded once per Workbench."""
        return self.workspace.encoder

    @property
    def thresholds(self) -> dict[str, float]:
        """Link thresholds: the model's defaults unless the configuration sets them."""
        return self.workspace.thresholds

    @property
    def scoring_space(self) -> ScoringSpace:
        """Where statements are compared: the language subspace of the model removed (:mod:`workbench.space`)."""
        return self.workspace.scoring_space

    @property
    def unit_resolver(self) -> UnitResolver:
        """Counted nouns to unit keys: the lexicon, then the bundled model for unknown nouns."""
        return self.workspace.unit_resolver

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for any texts with this workspace's encoder, through the embedding cache."""
        return self.workspace.embed(list(texts))[0]

    def eligible(self, statement: Statement) -> bool:
        """Whether a statement takes part in grouping: content, a known language, enough words."""
        return self.workspace.eligible(statement)

    # -- intake ------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, feeds: Iterable[str] = (),
               progress: ProgressCallback | None = None) -> IngestReport:
        """Read articles from files, folders and web addresses (mixed freely), and the new items of
        ``feeds``, into the workspace; one bad input never stops the rest."""
        return self._intake.ingest(paths, feeds=feeds, progress=progress)

    def ingest_urls(self, urls: Iterable[str], *, progress: ProgressCallback | None = None) -> IngestReport:
        """Fetch each web address and store its article (see :mod:`workbench.web`); each failing
        address is named with its reason and the rest go on."""
        return self._intake.ingest_urls(urls, progress=progress)

    def ingest_feeds(self, feeds: Iterable[str], *, progress: ProgressCallback | None = None) -> IngestReport:
        """Store the articles of each feed's items not stored yet (by address or GUID)."""
        return self._intake.ingest_feeds(feeds, progress=progress)

    def watch(self, feeds: Sequence[str], *, every_s: float, times: int | None = None,
              on_batch: Callable[[WatchBatch], None] | None = None) -> list[WatchBatch]:
        """Read ``feeds`` every ``every_s`` seconds (``times`` batches, or until interrupted),
        analysing after each batch that brought an article; ``on_batch`` hears of each batch."""
        return self._watch.watch(feeds, every_s=every_s, times=times, on_batch=on_batch)

    def ingest_text(self, text: str, *, title: str = "", url: str = "", source: str = "",
                    language: str = "") -> IngestItem:
        """Ingest one pasted article (the UI's paste box); same checks as a file."""
        return self._intake.ingest_text(text, title=title, url=url, source=source, language=language)

    def remove_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete these articles, their statements and what analysis derived from them; their groups
        are regrouped at once, their stories aligned again by the next analysis. Decisions stay in
        the audit trail. Returns the removed statements' ids."""
        return self._review.remove_articles(article_ids)

    # -- analysis ----------------------------------------------------------------------------
    def analyze(self, *, progress: ProgressCallback | None = None, rebuild_index: bool = False,
                full: bool = False) -> dict[str, Any]:
        """Analyse what changed since the last analysis, or everything when ``full`` (or when a full
        analysis is needed: the manifest's ``mode`` and ``full_because`` say), and return the run
        manifest (see :mod:`workbench.workspace.analysis`)."""
        return self._analysis.analyze(progress=progress, rebuild_index=rebuild_index, full=full)

    def full_analysis_because(self) -> str:
        """Why the next analysis will read everything ("" when it will be incremental)."""
        return self._analysis.full_because(self.store.last_run())

    def preview_settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """How many groups and links a change of settings would give, without storing anything."""
        return self._analysis.preview_settings(overrides)

    def apply_settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Save settings to this workspace (``settings.json``) and re-run the analysis with them."""
        return self._analysis.apply_settings(overrides)

    # -- search and the reading aid ------------------------------------------------------------
    def index(self) -> VectorIndex:
        """The workspace's search index, holding every stored statement."""
        return self._search.index()

    def search(self, query: str, *, language: str | None = None, top: int = 10,
               include_boilerplate: bool = False) -> list[SearchHit]:
        """The statements nearest to ``query`` (any language), best first, with cosine scores."""
        return self._search.search(query, language=language, top=top, include_boilerplate=include_boilerplate)

    def search_many(self, queries: Sequence[str], *, language: str | None = None, top: int = 10,
                    include_boilerplate: bool = False) -> list[list[SearchHit]]:
        """Nearest statements for each query, in every language (or only ``language``), best first."""
        return self._search.search_many(queries, language=language, top=top, include_boilerplate=include_boilerplate)

    @property
    def unsearched(self) -> int:
        """Statements the last search did not reach: ingested since a read-only workspace's index was saved."""
        return self._search.unsearched

    def nearest_in(self, statement_ids: Sequence[str], language: str, *, top: int = 3) -> dict[str, list[SearchHit]]:
        """A reading aid: for each statement, the ``top`` statements in ``language`` nearest to it."""
        return self._search.nearest_in(statement_ids, language, top=top)

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` in ``target`` by the configured backend (``translate.backend``), a reading aid only."""
        return self._search.translate(texts, source, target)

    def reading_language(self, analyst: str) -> str:
        """The language ``analyst`` reads the workspace in ("" when not chosen), kept in the workspace."""
        return self._search.reading_language(analyst)

    def set_reading_language(self, analyst: str, language: str) -> None:
        """Keep ``analyst``'s reading language with their name, for their next session."""
        self._search.set_reading_language(analyst, language)

    # -- review: the analyst's decisions -------------------------------------------------------
    def decide(self, decision: Decision, *, apply: bool = True) -> int:
        """Store one decision (in its own transaction) and, by default, regroup at once."""
        return self._review.decide(decision, apply=apply)

    def accept_link(self, a: str, b: str, *, author: str = "") -> int:
        return self._review.accept_link(a, b, author=author)

    def reject_link(self, a: str, b: str, *, author: str = "") -> int:
        return self._review.reject_link(a, b, author=author)

    def move_statement(self, statement_id: str, to_group: str | None, *, author: str = "") -> int:
        """Move a statement into another group (``None``: out of its group, on its own)."""
        return self._review.move_statement(statement_id, to_group, author=author)

    def split_group(self, group_id: str, part: Sequence[str], *, author: str = "") -> int:
        """Split ``part`` off its group: no statement of it may be grouped with the rest again."""
        return self._review.split_group(group_id, part, author=author)

    def merge_groups(self, group_ids: Sequence[str], *, author: str = "") -> int:
        return self._review.merge_groups(group_ids, author=author)

    def new_group(self, statement_ids: Sequence[str], *, author: str = "") -> int:
        """These statements leave their groups and form one of their own, whatever their scores."""
        return self._review.new_group(statement_ids, author=author)

    def set_verdict(self, group_id: str, verdict: str, *, author: str = "") -> int:
        return self._review.set_verdict(group_id, verdict, author=author)

    def add_note(self, subject: str, statement_ids: Sequence[str], text: str, *, author: str = "") -> int:
        return self._review.add_note(subject, statement_ids, text, author=author)

    def undo(self, decision_id: int, *, author: str = "") -> None:
        """Withdraw a decision; it stays in the audit trail as inactive, with who undid it and when."""
        self._review.undo(decision_id, author=author)

    def regroup(self, around: Iterable[str] | None = None) -> dict[str, Any]:
        """Re-apply analyst decisions to the stored links: fast, no embedding or search."""
        return self._review.regroup(around)

    def preview(self, decision: Decision) -> list[str]:
        """What ``decision`` would change in the groups, in words, before it is made."""
        return self._review.preview(decision)

    def preview_undo(self, decision_id: int) -> list[str]:
        """What undoing decision ``decision_id`` would change, in words, before it is undone."""
        return self._review.preview_undo(decision_id)

    # -- tables: reading the results -------------------------------------------------------------
    def articles(self) -> list[Article]:
        return self.store.articles()

    def statements(self, **filters: Any) -> list[Statement]:
        return self.store.statements(**filters)

    def groups(self) -> list[Group]:
        """Claim groups, ranked: conflicts first, then by languages and articles spanned."""
        return self.store.groups()

    def group(self, group_id: str) -> Group:
        return self._review.group_by_id(group_id)

    def relations(self, group_id: str | None = None) -> list[Relation]:
        """The verdict between each cross-article pair of a group (or of every group), with explanations."""
        return self.store.relations(group_id)

    def stories(self) -> list[Story]:
        """The stories of the last analysis, largest first."""
        return self.store.stories()

    def statements_frame(self, **filters: Any) -> pd.DataFrame:
        """The statements evidence table (one row per statement) as a DataFrame."""
        return self._tables.statements_frame(**filters)

    def groups_frame(self, group_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The groups evidence table (one row per group and statement) as a DataFrame."""
        return self._tables.groups_frame(group_ids)

    def stories_frame(self) -> pd.DataFrame:
        """One row per story: its label, articles, languages and its claim groups' verdicts."""
        return self._tables.stories_frame()

    def articles_frame(self) -> pd.DataFrame:
        """One row per article: language, statement and boilerplate counts, groups it takes part in."""
        return self._tables.articles_frame()

    def counts(self) -> dict[str, Any]:
        return self._tables.counts()

    def awaiting_analysis(self) -> list[Article]:
        """Articles ingested after the last finished analysis: their statements are in no group
        and get no verdict until the next :meth:`analyze`."""
        return self.workspace.awaiting_analysis()

    def inputs(self) -> list[dict[str, Any]]:
        """Every input file read into the workspace (path, sha256, size, seen_at, added, complete)."""
        return self._tables.inputs()

    def runs(self) -> list[dict[str, Any]]:
        """Every analysis run with its status: running, finished or interrupted."""
        return self._tables.runs()

    def runs_since_results(self) -> list[dict[str, Any]]:
        """The runs started after the last finished one: still running, or interrupted."""
        return self._tables.runs_since_results()

    def status_notes(self) -> list[str]:
        """What a reader of the results should know about the workspace's state right now."""
        return self._tables.status_notes()

    def last_manifest(self) -> dict[str, Any] | None:
        return self.store.last_run()

    def export_manifest(self, files: list[str], *, directory: str = "") -> dict[str, Any]:
        """``run.json`` for an export: the last analysis's manifest and what has happened since."""
        return self._tables.export_manifest(files, directory=directory)

    def export(self, out_dir: str | Path, *, formats: Iterable[str] = ("csv", "jsonl")) -> list[Path]:
        """Write the evidence tables in ``formats`` and ``run.json`` to ``out_dir``."""
        return self._tables.export(out_dir, formats=formats)
