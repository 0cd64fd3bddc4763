"""Analysis: every corpus-level stage, from the stored statements to groups and verdicts.

A workspace analysed before is analysed again incrementally: only what changed since the last
analysis is read (:mod:`workbench.workspace.increment`). A full analysis reads everything, in
this order: languages, embedding (cached), corpus boilerplate, claims (quantities,
attribution, hedging), the search index (extended, not rebuilt), stories, claim groups with the
analyst's decisions, verdicts. It runs when asked for (``analyze --full``), on a workspace never
analysed, and when something the results depend on changed (the model, a grouping setting...):
the run manifest says which and why (``mode``, ``full_because``).

Either way, the results are written in one transaction with the run's record: a run killed half
way leaves the previous results whole, and decisions are never touched.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..config import SETTINGS_FILE, Config
from ..engine import StoryMap, map_here
from ..errors import ScoringSpaceChangedError, WorkbenchError
from ..group import GroupingResult, group_statements, keep_group_ids, member_rows
from ..index import VectorIndex, read_manifest
from ..langid import UNDETERMINED
from ..model import Decision, Statement, Story
from ..stories import assign_stories, story_index
from ..store import utc_now
from ..verdicts import judge_groups_by_story
from .context import Concern, ProgressCallback, Workspace
from .increment import IncrementalAnalysis
from .review import Review
from .stages import StageTimer, Stages, analysis_settings, with_reasons
from .tables import Tables

log = logging.getLogger(__name__)

# Manifests from 2 on record what an incremental run needs; earlier ones call for a full run. A
# version that reads statements differently raises it, so that no increment mixes two readings.
ANALYSIS_FORMAT = 3
FORMAT_CHANGES = {
    2: "before analyses could be incremental",
    3: "before lengths and weights were compared across units and numbers in names (Bellator 206) were read",
}


class Analysis(Concern):
    """Runs the analysis stages on the workspace and stores their results."""

    def __init__(self, workspace: Workspace, review: Review, tables: Tables):
        super().__init__(workspace)
        self.review = review
        self.tables = tables
        self.stages = Stages(workspace)
        self.increment = IncrementalAnalysis(workspace, self.stages, review)

    def analyze(self, *, progress: ProgressCallback | None = None, rebuild_index: bool = False,
                full: bool = False) -> dict[str, Any]:
        """Analyse what changed since the last analysis (everything, when ``full`` or when a
        full analysis is needed) and return the run manifest."""
        self.workspace.thresholds  # noqa: B018 - refuses settings it cannot use before any work is done
        engine = self.workspace.engine  # a cluster that cannot be used is said before any work is done
        space = self.workspace.scoring_space
        rescored = ""
        if not rebuild_index and (self.config.index_dir / "manifest.json").exists():
            try:
                VectorIndex.check(self.config.index_dir, model_id=self.workspace.encoder.model_id,
                                  workspace_id=self.store.workspace_id, space=space.name)  # before minutes of embedding
            except ScoringSpaceChangedError as exc:
                log.warning("Index - %s: re-scoring every statement now", exc)
                rebuild_index, rescored = True, str(exc)
        last = self.store.last_run()
        because = self.full_because(last, full=full, rebuild_index=rebuild_index, rescored=rescored)
        timer = StageTimer()
        manifest = self.tables.manifest_base()
        manifest["analysis_format"] = ANALYSIS_FORMAT
        manifest["engine"] = engine.describe()
        run_id = self.store.start_run(manifest)
        # Read before the statements: an article stored meanwhile then counts as awaiting analysis.
        manifest["articles_seq"] = self.store.max_article_seq()
        if not self.store.count("statements"):
            raise WorkbenchError("the workspace holds no statements yet; ingest some articles first")
        if because:
            log.info("Analysis - full: %s", because)
            manifest.update({"mode": "full", "full_because": because})
            self._full(manifest, timer, progress, rebuild_index)
        else:
            manifest["mode"] = "incremental"
            self._incremental(manifest, timer, progress, last)
        with self.store.transaction():
            manifest["timings_s"] = timer.as_dict()
            manifest["counts"] = self.tables.counts()
            manifest["verdicts"] = self.store.verdict_counts()
            manifest["finished"] = utc_now()
            self.store.finish_run(run_id, manifest)
        return manifest

    def full_because(self, last: dict[str, Any] | None, *, full: bool = False, rebuild_index: bool = False,
                     rescored: str = "") -> str:
        """Why the next analysis must read everything, in words ("" when it may be incremental)."""
        if full:
            return "asked for (--full)"
        if rescored:
            return f"the index is re-scored: {rescored}"
        if rebuild_index:
            return "the index is rebuilt (--rebuild-index)"
        interrupted = self._changed_since_interrupted()
        if interrupted:
            return interrupted
        if last is None:
            return "no analysis has finished in this workspace yet"
        made_by = int(last.get("analysis_format", 1))
        if made_by < ANALYSIS_FORMAT:
            return (f"the last analysis was made by an earlier version of the workbench, "
                    f"{FORMAT_CHANGES[made_by + 1]}")
        saved = read_manifest(self.config.index_dir)
        if saved is None:
            return (f"the search index is missing from {self.config.index_dir} (a workspace copied or moved to another "
                    "folder, or its index deleted): it is built again")
        analysed = int(last.get("counts", {}).get("statements", 0))
        if int(saved.get("count", 0)) < analysed:
            return (f"the search index holds {saved.get('count', 0)} statements, fewer than the {analysed} analysed: "
                    "it is built again")
        if self.config.group.method != "stories":
            return f"group.method = {self.config.group.method} aligns every statement with every other: no increment"
        model = last.get("model", {}).get("id")
        if model != self.workspace.encoder.model_id:
            return f"the model changed ({model} -> {self.workspace.encoder.model_id})"
        changed = self._settings_changed_since(last)
        if changed:
            return "settings the results depend on changed: " + ", ".join(changed)
        new = len(self.store.articles_after(seq=int(last.get("articles_seq", 0))))
        analysed = self.store.count("articles") - new
        if new > analysed:
            return f"more articles are new ({new}) than were analysed ({analysed}): they are analysed together"
        return ""

    def _settings_changed_since(self, manifest: dict[str, Any]) -> list[str]:
        """The settings the results depend on that differ between the run of ``manifest`` and now.

        A setting the run's manifest lacks came with a later version of the workbench: that run
        worked as its default does (a version whose new default changes results raises
        ``ANALYSIS_FORMAT`` instead), so upgrading alone never calls for a full analysis."""
        now = analysis_settings(self.config.settings_dict())
        before = {**analysis_settings(Config().settings_dict()), **analysis_settings(manifest.get("settings", {}))}
        return [f"{key} {before.get(key)!r} -> {now.get(key)!r}" for key in sorted(set(before) | set(now))
                if before.get(key) != now.get(key)]

    def _changed_since_interrupted(self) -> str:
        """Why a run after an interrupted one, with other settings, does not resume it ("" when the
        last run since the results was not interrupted, or had these settings).

        A killed run leaves only the vectors of the shards it finished, in the embedding cache; a
        resume reuses them, and the rest of the analysis runs again anyway."""
        since = self.tables.runs_since_results()
        if not since or since[-1]["status"] != "interrupted":
            return ""
        run_id = since[-1]["run_id"]
        row = self.store.execute("SELECT manifest FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        changed = self._settings_changed_since(json.loads(row[0]))
        if not changed:
            return ""
        model_changed = any(change.startswith(("embed.model ", "embed.prefix ")) for change in changed)
        return (f"the settings changed since analysis run {run_id} was interrupted ({', '.join(changed)}), so it is "
                "not resumed: everything is analysed again with the new settings"
                + ("; the statements it embedded are embedded again with the new model" if model_changed else
                   "; the vectors it cached are reused, as they depend on the model alone"))

    # -- a full analysis ---------------------------------------------------------------------
    def _full(self, manifest: dict[str, Any], timer: StageTimer, progress: ProgressCallback | None,
              rebuild_index: bool) -> None:
        space = self.workspace.scoring_space
        statements = self.store.statements()
        with timer("languages"):
            statements, relabelling = self.workspace.relabel_languages(statements)
        with timer("embed"):
            vectors, encoded = self.workspace.embed([s.text for s in statements], progress,
                                                    engine=self.workspace.engine)
        with timer("boilerplate"):
            structural = self.store.structural_reasons()
            corpus_reasons = self.stages.corpus_boilerplate(statements, vectors, structural)
            statements = [with_reasons(s, structural.get(s.statement_id, ""), corpus_reasons.get(s.statement_id, ""))
                          for s in statements]
        with timer("claims"):
            claims = self.stages.read_claims(statements)
            keys = self.stages.evidence_keys([s for s in statements if self.workspace.eligible(s)], claims)
        with timer("index"):
            scored = space.transform(vectors)
            del vectors
            index_manifest = self.workspace.update_index(statements, scored, rebuild=rebuild_index,
                                                         engine=self.workspace.engine)
            # Grouping builds its own per-language indexes; the saved one is reloaded by the
            # first search. Holding it through grouping and export would only add to peak memory.
            self.workspace.index = None
        with timer("stories"):
            stories = self.stages.find_stories(statements, scored, keys)
        with timer("group"):
            # The decision state is read before the decisions: one made meanwhile is replayed below.
            decisions_seen = self.store.results_state()[1]
            decisions = self.store.decisions()
            grouping = self._group(statements, scored, keys, stories, decisions, map_stories=self.workspace.engine.map)
        with timer("verdicts"):
            groups, relations = judge_groups_by_story(
                assign_stories(keep_group_ids(grouping.groups, self.store.groups()), story_index(stories)),
                {s.statement_id: s for s in statements}, claims, decisions, self.config.verdict.tolerance,
                self.workspace.seniority(statements), article_dates=self.store.article_dates(),
                apart_days=self.config.verdict.apart_days, map_stories=self.workspace.engine.map)
        manifest["notes"] = self.stages.notes(statements, grouping.stats, stories, relabelling)
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
                    statement_keys=keys,
                )
                replayed = self.store.results_state()[1] - decisions_seen
                if replayed:
                    log.info("Group - %d decision(s) made during this analysis applied to its results", replayed)
                    self.review.regroup_from(self.store.results_state(), analysed_upto=manifest["articles_seq"])
            manifest.update({
                "model": self._model(),
                "thresholds": grouping.thresholds,
                "scoring_space": space.name,
                "centering_languages": sorted(grouping.centering),
                "languages": {"workspace": list(relabelling.languages),
                              "articles_relabelled": {aid: list(change) for aid, change in relabelling.articles.items()},
                              "statements_relabelled": len(relabelling.statements)},
                "stories": _story_counts(stories),
                "index": index_manifest,
                "grouping": grouping.stats,
                "embedding": {"encoded": encoded, "from_cache": len(statements) - encoded},
                "decisions_made_during_run": replayed,
            })

    def _group(self, statements: list[Statement], vectors, keys: dict[str, frozenset[str]],
               stories: list[Story], decisions: list[Decision], map_stories: StoryMap = map_here) -> GroupingResult:
        undetermined = sum(1 for s in statements if s.language == UNDETERMINED and not s.boilerplate)
        if undetermined:
            log.warning("Group - %d statement(s) in an undetermined language or script were left out of grouping",
                        undetermined)
        data = self.stages.grouping_input(statements, vectors, keys)
        result = group_statements(data, self.config.group, self.config.index, self.workspace.thresholds,
                                  decisions, seed=self.config.seed,
                                  all_statements={s.statement_id: s for s in statements},
                                  all_vectors=dict(zip((s.statement_id for s in statements), vectors)),
                                  story_of=story_index(stories), map_stories=map_stories)
        result.stats["undetermined_language"] = undetermined
        return result

    # -- an incremental analysis ------------------------------------------------------------
    def _incremental(self, manifest: dict[str, Any], timer: StageTimer, progress: ProgressCallback | None,
                     last: dict[str, Any]) -> None:
        change = self.increment.changes(last)
        carried = {key: last[key] for key in ("thresholds", "scoring_space", "centering_languages", "languages",
                                              "notes") if key in last}
        manifest.update(carried)
        manifest.update({"model": self._model(), "new_articles": len(change.new_articles),
                         "removed_articles": sorted(change.removed_articles)})
        if change.empty:
            log.info("Analysis - nothing changed since the last analysis")
            manifest.update({"reanalysed_stories": {}, "stories": last.get("stories", {}),
                             "index": {**(read_manifest(self.config.index_dir) or {}), "added": 0},
                             "grouping": {"stories_reanalysed": 0}, "embedding": {"encoded": 0, "from_cache": 0},
                             "decisions_made_during_run": 0})
            return
        decisions_seen = self.store.results_state()[1]
        change = self.increment.compute(change, last, timer, progress)
        relabelling = change.relabelling
        affected = change.touched | change.gone
        with self.store.transaction():
            with timer("store"):
                self.store.apply_increment(
                    statement_languages={sid: new for sid, (_, new) in relabelling.statements.items()},
                    article_languages={aid: new for aid, (_, new) in relabelling.articles.items()},
                    corpus_reasons=change.corpus_reasons, claims=change.claims,
                    claims_of=[*change.keys, *change.claims], hubness=change.hubness, statement_keys=change.keys,
                    links=change.links, links_of=affected, stories=change.stories)
            with timer("verdicts"):
                self.review.regroup_from(self.store.results_state(), analysed_upto=manifest["articles_seq"],
                                         around=affected, map_stories=self.workspace.engine.map)
        log.info("Analysis - %d new article(s), %d removed: %d stor(y/ies) re-analysed", len(change.new_articles),
                 len(change.removed_articles), len(change.reanalysed))
        known = last.get("languages", {})
        manifest.update({
            "reanalysed_stories": change.reanalysed,
            "assignments": change.assignments,
            "languages": {"workspace": sorted(set(known.get("workspace", ())) | set(relabelling.languages)),
                          "articles_relabelled": {aid: list(pair) for aid, pair in relabelling.articles.items()},
                          "statements_relabelled": len(relabelling.statements)},
            "stories": _story_counts(change.stories),
            "index": change.index_manifest,
            "grouping": change.stats,
            "embedding": {"encoded": change.encoded, "from_cache": change.fresh - change.encoded},
            "decisions_made_during_run": self.store.results_state()[1] - decisions_seen,
        })

    def _model(self) -> dict[str, Any]:
        encoder = self.workspace.encoder
        return {"id": encoder.model_id, "dimension": encoder.dimension, "prefix": getattr(encoder, "prefix", "")}

    # -- settings ------------------------------------------------------------------------------
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
        keys = candidate.stages.evidence_keys([s for s in statements if candidate.workspace.eligible(s)], claims)
        result = candidate._group(statements, scored, keys, candidate.stages.find_stories(statements, scored, keys),
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
        """Save settings to this workspace (``settings.json``) and re-run the analysis with them
        (a full one, as a setting the results depend on changed)."""
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


def _story_counts(stories: list[Story]) -> dict[str, int]:
    return {"count": len(stories), "with_several_articles": sum(len(s.article_ids) > 1 for s in stories),
            "largest": max((len(s.article_ids) for s in stories), default=0)}
