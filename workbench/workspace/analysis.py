"""Analysis: every corpus-level stage, from the stored statements to groups and verdicts.

Stages in order: languages, embedding (cached), corpus boilerplate, claims (quantities,
attribution, hedging), the search index (extended, not rebuilt), stories, claim groups
with the analyst's decisions, verdicts. All results replace the previous run's in one
transaction; decisions are never touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import Counter
from dataclasses import replace
from typing import Any, Iterator, Sequence

import numpy as np

from .. import boilerplate, langid
from ..attribution import extract_attributions, extract_hedges
from ..config import SETTINGS_FILE
from ..errors import ScoringSpaceChangedError, WorkbenchError
from ..group import GroupingInput, GroupingResult, group_statements, keep_group_ids, member_rows, name_keys, \
    statement_evidence
from ..index import VectorIndex
from ..langid import UNDETERMINED
from ..model import Claims, Decision, Statement, Story
from ..quantities import extract_many
from ..stories import StoryInput, assign_stories, document_vectors, find_stories, story_index
from ..store import utc_now
from ..verdicts import judge_groups
from .context import Concern, ProgressCallback, Workspace
from .review import Review
from .tables import Tables

log = logging.getLogger(__name__)


class StageTimer:
    """Wall-clock seconds per stage, for the run manifest."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def as_dict(self) -> dict[str, float]:
        return {**{k: round(v, 4) for k, v in self.seconds.items()}, "total": round(time.perf_counter() - self.started, 4)}


class Analysis(Concern):
    """Runs the analysis stages on the workspace and stores their results."""

    def __init__(self, workspace: Workspace, review: Review, tables: Tables):
        super().__init__(workspace)
        self.review = review
        self.tables = tables

    def analyze(self, *, progress: ProgressCallback | None = None, rebuild_index: bool = False) -> dict[str, Any]:
        """Run every corpus-level stage and return the run manifest.

        Stages: embedding (cached), corpus boilerplate (repetition, off-topic),
        claims (quantities, attribution, hedging), the search index (extended,
        not rebuilt), cross-lingual grouping with analyst decisions. All results
        replace the previous run's in one transaction; decisions are never touched.
        """
        self.workspace.thresholds  # noqa: B018 - refuses settings it cannot use before any work is done
        space = self.workspace.scoring_space
        if not rebuild_index and (self.config.index_dir / "manifest.json").exists():
            try:
                VectorIndex.check(self.config.index_dir, model_id=self.workspace.encoder.model_id,
                                  workspace_id=self.store.workspace_id, space=space.name)  # before minutes of embedding
            except ScoringSpaceChangedError as exc:
                log.warning("Index - %s: re-scoring every statement now", exc)
                rebuild_index = True
        timer = StageTimer()
        manifest = self.tables.manifest_base()
        run_id = self.store.start_run(manifest)
        # Read before the statements: an article stored meanwhile then counts as awaiting analysis.
        manifest["articles_seq"] = self.store.max_article_seq()
        statements = self.store.statements()
        if not statements:
            raise WorkbenchError("the workspace holds no statements yet; ingest some articles first")

        with timer("languages"):
            statements, relabelling = self.workspace.relabel_languages(statements)
        with timer("embed"):
            vectors, encoded = self.workspace.embed([s.text for s in statements], progress)
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
            index_manifest = self.workspace.update_index(statements, scored, rebuild=rebuild_index)
            # Grouping builds its own per-language indexes; the saved one is reloaded by the
            # first search. Holding it through grouping and export would only add to peak memory.
            self.workspace.index = None
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
                                             decisions, self.config.verdict.tolerance,
                                             self.workspace.seniority(statements),
                                             article_dates=self.store.article_dates(),
                                             apart_days=self.config.verdict.apart_days)
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
                    self.review.regroup_from(self.store.results_state(), analysed_upto=manifest["articles_seq"])
            manifest.update({
                "model": {"id": self.workspace.encoder.model_id, "dimension": self.workspace.encoder.dimension,
                          "prefix": getattr(self.workspace.encoder, "prefix", "")},
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
            manifest["counts"] = self.tables.counts()
            manifest["finished"] = utc_now()
            self.store.finish_run(run_id, manifest)
        return manifest

    def _analysis_notes(self, statements: list[Statement], grouping: GroupingResult, stories: Sequence[Story],
                        relabelling: langid.Relabelling) -> list[str]:
        """Plain-language notes on why a corpus gives few or no groups, and on what is uncertain."""
        notes = []
        articles = {s.article_id for s in statements}
        languages = sorted({s.language for s in statements if self.workspace.eligible(s)})
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
        space = self.workspace.scoring_space
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

    def _read_claims(self, statements: list[Statement]) -> dict[str, Claims]:
        quantities = extract_many([(s.text, s.language) for s in statements], unit_resolver=self.workspace.unit_resolver)
        claims: dict[str, Claims] = {}
        for statement, found_quantities in zip(statements, quantities):
            found = Claims(
                quantities=found_quantities,
                attributions=extract_attributions(statement.text, statement.language),
                hedges=extract_hedges(statement.text, statement.language),
            )
            if found.quantities or found.attributions or found.hedges:
                claims[statement.statement_id] = found
        return claims

    def _find_stories(self, statements: list[Statement], scored: np.ndarray) -> list[Story]:
        """Articles grouped into stories, from their content statements in the scoring space."""
        return find_stories(self._story_input(statements, scored), self.config.story)

    def _story_input(self, statements: list[Statement], scored: np.ndarray) -> StoryInput:
        """Every article with its content statements' vectors, names, language, title and date."""
        content = [i for i, s in enumerate(statements) if self.workspace.eligible(s)]
        covered = {statements[i].article_id for i in content}
        # An article with no statement fit for grouping still belongs to a story: all its statements speak for it.
        rows = content + [i for i, s in enumerate(statements) if s.article_id not in covered]
        rows.sort(key=lambda i: (statements[i].article_id, i))  # each article's rows together, in id order
        articles = {a.article_id: a for a in self.store.articles()}
        first_text: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        for i in rows:
            statement = statements[i]
            first_text.setdefault(statement.article_id, statement.text)
            names.setdefault(statement.article_id, set()).update(name_keys(statement.text))
        statement_counts = Counter(statements[i].article_id for i in rows)
        ids = sorted(statement_counts)
        counts = np.array([statement_counts[a] for a in ids], dtype=np.int64)
        vectors = np.ascontiguousarray(scored[rows], dtype=np.float32)
        return StoryInput(
            article_ids=ids,
            vectors=document_vectors(vectors, counts),
            names=[frozenset(names.get(a, ())) for a in ids],
            languages=[articles[a].language if a in articles else UNDETERMINED for a in ids],
            titles=[(articles[a].title if a in articles else "") or first_text.get(a, a) for a in ids],
            published=[articles[a].published if a in articles else "" for a in ids],
            statements=vectors,
            statement_counts=counts,
            weights=[float(c) for c in counts],
        )

    def _group(self, statements: list[Statement], vectors: np.ndarray, claims: dict[str, Claims],
               stories: Sequence[Story], decisions: Sequence[Decision]) -> GroupingResult:
        eligible = [i for i, s in enumerate(statements) if self.workspace.eligible(s)]
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
            evidence=statement_evidence(chosen, claims, self.workspace.unit_resolver),
            names=[frozenset(name_keys(statement.text, min_length=2)) for statement in chosen],
            positions=[statement.position for statement in chosen],
        )
        result = group_statements(data, self.config.group, self.config.index, self.workspace.thresholds,
                                  decisions, seed=self.config.seed,
                                  all_statements={s.statement_id: s for s in statements},
                                  all_vectors=dict(zip((s.statement_id for s in statements), vectors)),
                                  story_of=story_index(stories))
        result.stats["undetermined_language"] = undetermined
        return result

    def preview_settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """How many groups and links a change of settings would give, without storing anything."""
        model_changes = _changes_model(overrides)
        candidate = Analysis(Workspace(self.config.with_values(overrides), self.store,
                                       None if model_changes else self.workspace.loaded_encoder,
                                       self.workspace.load_encoder), self.review, self.tables)
        statements = self.store.statements()
        vectors, _ = candidate.workspace.embed([s.text for s in statements])
        claims = self.store.claims()
        scored = candidate.workspace.scoring_space.transform(vectors)
        result = candidate._group(statements, scored, claims, candidate._find_stories(statements, scored),
                                  self.store.decisions())
        current_groups = self.store.groups()
        current = {frozenset(g.statement_ids) for g in current_groups}
        proposed = {frozenset(g.statement_ids) for g in result.groups}
        return {
            "thresholds": candidate.workspace.thresholds,
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
        model_changes = _changes_model(overrides)
        self.workspace.change_settings(self.config.with_values(overrides), model_changed=model_changes)
        path = self.config.workspace_dir / SETTINGS_FILE
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        saved.update({key: value for key, value in overrides.items()})
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
        return self.analyze(rebuild_index=model_changes)


def _changes_model(overrides: dict[str, Any]) -> bool:
    """Whether these settings change the vectors (another model or prefix): then the index is rebuilt."""
    return "embed.model" in overrides or "embed.prefix" in overrides


def _with_reasons(statement: Statement, structural: str, corpus: str) -> Statement:
    reasons = ",".join(r for r in (structural, corpus) if r)
    return replace(statement, boilerplate=bool(reasons), boilerplate_reason=reasons)

