"""The analysis stages both kinds of run share: corpus boilerplate, claims, the story input, the
grouping input, and the notes a run leaves. A full analysis runs them on every statement, an
incremental one on the statements it reads again (:mod:`workbench.workspace.increment`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from dataclasses import replace
from typing import Any, Iterator, Sequence

import numpy as np

from .. import boilerplate, langid
from ..attribution import extract_attributions, extract_hedges
from ..dates import day_of
from ..group import GroupingInput, evidence_from_keys, name_keys, names_from_keys, statement_keys
from ..langid import UNDETERMINED
from ..model import Claims, Statement, Story
from ..quantities import extract_many
from ..stories import StoryInput, document_vectors, find_stories
from .context import Concern

log = logging.getLogger(__name__)

# Settings an analysis's results depend on: a change to any of them calls for a full analysis.
ANALYSIS_SETTINGS = ("seed", "language.", "boilerplate.", "embed.model", "embed.prefix", "index.", "group.", "story.",
                     "verdict.")


def analysis_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings among ``settings`` (a manifest's, dotted) that an analysis's results depend on."""
    return {key: value for key, value in sorted(settings.items())
            if key == "seed" or key.startswith(tuple(prefix for prefix in ANALYSIS_SETTINGS if prefix.endswith(".")))
            or key in ANALYSIS_SETTINGS}


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


class Stages(Concern):
    """The analysis stages, on whichever statements a run gives them."""

    def corpus_boilerplate(self, statements: list[Statement], vectors: np.ndarray | None, structural: dict[str, str],
                           off_topic_articles: set[str] | None = None) -> dict[str, str]:
        """Corpus-level boilerplate reasons: short lines repeated across articles that are no copies
        of one another, and (with ``vectors``, aligned with ``statements``) statements far from their
        article's topic, judged in ``off_topic_articles`` only when given."""
        repeated = boilerplate.repeated_across_articles(
            (s.statement_id, s.article_id, s.text) for s in statements if not structural.get(s.statement_id)
        )
        reasons = {sid: "repeated_across_articles" for sid in repeated}
        if self.config.boilerplate.off_topic and vectors is not None:
            candidate = np.array([not structural.get(s.statement_id) and s.statement_id not in repeated
                                  and (off_topic_articles is None or s.article_id in off_topic_articles)
                                  for s in statements], dtype=bool)
            article_index = np.array([s.article_id for s in statements])
            far = boilerplate.off_topic(
                vectors, article_index, candidate, z=self.config.boilerplate.off_topic_z,
                floor=self.config.boilerplate.off_topic_floor,
            )
            for statement, flag in zip(statements, far):
                if flag and not statement.is_title:
                    reasons[statement.statement_id] = "off_topic"
        return reasons

    def read_claims(self, statements: list[Statement]) -> dict[str, Claims]:
        """Quantities, sources and hedges of each statement that has any."""
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

    def evidence_keys(self, statements: list[Statement], claims: dict[str, Claims]) -> dict[str, frozenset[str]]:
        """The evidence keys of each statement (see :func:`workbench.group.statement_keys`)."""
        keys = statement_keys(statements, claims, self.workspace.unit_resolver)
        return {statement.statement_id: found for statement, found in zip(statements, keys)}

    def story_input(self, statements: list[Statement], scored: np.ndarray,
                    keys: dict[str, frozenset[str]] | None = None) -> StoryInput:
        """One row per article of ``statements``: its content statements in the scoring space speak
        for it, and all of them when it has no statement fit for grouping. ``keys``: statements'
        evidence keys (:meth:`evidence_keys`), whose names are then not read from the text again."""
        keys = keys or {}
        content = [i for i, s in enumerate(statements) if self.workspace.eligible(s)]
        covered = {statements[i].article_id for i in content}
        rows = content + [i for i, s in enumerate(statements) if s.article_id not in covered]
        rows.sort(key=lambda i: (statements[i].article_id, i))  # each article's rows together, in id order
        articles = {a.article_id: a for a in self.store.articles()}
        first_text: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        for i in rows:
            statement = statements[i]
            first_text.setdefault(statement.article_id, statement.text)
            found = keys.get(statement.statement_id)
            names.setdefault(statement.article_id, set()).update(
                name_keys(statement.text) if found is None else names_from_keys(found))
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

    def find_stories(self, statements: list[Statement], scored: np.ndarray,
                     keys: dict[str, frozenset[str]] | None = None) -> list[Story]:
        """Articles grouped into stories, from their content statements in the scoring space."""
        return find_stories(self.story_input(statements, scored, keys), self.config.story)

    def grouping_input(self, statements: list[Statement], vectors: np.ndarray,
                       keys: dict[str, frozenset[str]], counts: Counter | None = None,
                       total: int | None = None, *, lazy: bool = False) -> GroupingInput:
        """The statements fit for grouping among ``statements`` (``vectors`` aligned with them), with
        their evidence, rare by ``counts`` over ``total`` statements (by default among these);
        ``lazy``: worked out for a statement when first read (see :func:`evidence_from_keys`)."""
        eligible = [i for i, s in enumerate(statements) if self.workspace.eligible(s)]
        chosen = [statements[i] for i in eligible]
        evidence, gates = evidence_from_keys([keys.get(s.statement_id, frozenset()) for s in chosen], counts, total,
                                             lazy=lazy)
        return GroupingInput(
            statement_ids=[s.statement_id for s in chosen],
            article_ids=[s.article_id for s in chosen],
            languages=[s.language for s in chosen],
            vectors=vectors[eligible] if eligible else np.zeros((0, vectors.shape[1]), np.float32),
            evidence=evidence,
            names=gates,
            positions=[statement.position for statement in chosen],
        )

    def notes(self, statements: list[Statement], grouping_stats: dict[str, Any], stories: Sequence[Story],
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
        if not grouping_stats.get("eligible_statements"):
            notes.append("No statement is eligible for grouping (all are boilerplate, too short, or in an "
                         "unidentified language).")
        dates = self.store.article_dates()
        undated = [a for a in articles if day_of(dates.get(a)) is None]
        unreadable = sum(1 for a in undated if dates.get(a))
        if undated:
            which = "No article has" if len(undated) == len(articles) else f"{len(undated)} article(s) have"
            notes.append(f"{which} a publication date"
                         + (f" ({unreadable} with one that does not read as a date, YYYY-MM-DD)" if unreadable else "")
                         + ": stories cannot bound them in time (story.max_days), so they join stories by content "
                         "alone.")
        return notes


def with_reasons(statement: Statement, structural: str, corpus: str) -> Statement:
    """``statement`` marked with its structural and corpus boilerplate reasons."""
    reasons = ",".join(r for r in (structural, corpus) if r)
    return replace(statement, boilerplate=bool(reasons), boilerplate_reason=reasons)

