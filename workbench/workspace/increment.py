"""Incremental analysis: only what changed since the last analysis is read again.

A newsroom's workspace grows by a few articles at a time, read against months of earlier ones.
An incremental run:

1. embeds the new statements (through the cache) and labels their languages against the
   workspace's known ones;
2. judges corpus boilerplate again only where the new articles can change it (short lines they
   repeat) and reads the new statements' claims;
3. puts each new article into the story it matches best, or starts a new one
   (:func:`workbench.stories.assign_articles`, online assignment as in news-stream clustering);
   an article placed before the rest of its story arrived moves to it when it is clearly more
   similar to it, and every other article keeps its story;
4. aligns claims again only inside the stories that gained or lost articles (or whose
   statements changed), with their links across stories;
5. regroups the part of the link graph those stories' statements are in, replays the analyst's
   decisions there, and judges the groups that changed. Every other group keeps its id, its
   verdict and its place in the ranking.

What a run read again, and why, is in its manifest (``reanalysed_stories``). A full analysis
(``analyze --full``) reads everything; it runs on its own when a setting the results depend on
changed, and says so.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import langid
from ..group import GroupingInput, candidate_links, story_claim_links
from ..model import Article, Link, Statement, Story
from ..stories import assign_articles, story_index
from .context import Concern, ProgressCallback, Workspace
from .review import Review
from .stages import StageTimer, Stages, with_reasons

log = logging.getLogger(__name__)


@dataclass
class Increment:
    """What an incremental run found changed, and what it computed (written by :meth:`store`)."""

    analysed_upto: int
    new_articles: list[Article]
    removed_articles: set[str]
    relabelling: langid.Relabelling | None = None
    corpus_reasons: dict[str, str] = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    keys: dict[str, frozenset[str]] = field(default_factory=dict)
    hubness: dict[str, float] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # statements whose links and groups are computed again
    gone: set[str] = field(default_factory=set)  # statements of removed articles the stored results still name
    fresh: int = 0  # statements of the new articles
    stories: list[Story] = field(default_factory=list)
    reanalysed: dict[str, list[str]] = field(default_factory=dict)  # story id -> why
    assignments: dict[str, dict[str, Any]] = field(default_factory=dict)  # new or moved article -> its stories.Placement
    stats: dict[str, Any] = field(default_factory=dict)
    index_manifest: dict[str, Any] = field(default_factory=dict)
    encoded: int = 0

    @property
    def empty(self) -> bool:
        return not self.new_articles and not self.removed_articles


class IncrementalAnalysis(Concern):
    """Reads again what changed since the last analysis (see the module's docstring)."""

    def __init__(self, workspace: Workspace, stages: Stages, review: Review):
        super().__init__(workspace)
        self.stages = stages
        self.review = review

    def changes(self, last: dict[str, Any]) -> Increment:
        """The articles added and removed since the analysis ``last`` (its manifest)."""
        analysed_upto = int(last["articles_seq"])
        known = set(self.store.story_of_articles())
        present = set(self.store.article_seqs())
        new = [article for article in self.store.articles_after(seq=analysed_upto) if article.article_id not in known]
        return Increment(analysed_upto=analysed_upto, new_articles=new, removed_articles=known - present)

    def compute(self, change: Increment, last: dict[str, Any], timer: StageTimer,
                progress: ProgressCallback | None = None) -> Increment:
        """Everything an incremental run computes, nothing written (see the module's docstring)."""
        store, space = self.store, self.workspace.scoring_space
        new_ids = {article.article_id for article in change.new_articles}
        statements = store.statements()
        by_id = {s.statement_id: s for s in statements}
        with timer("languages"):
            fresh = [s for s in statements if s.article_id in new_ids]
            relabelled, relabelling = self.workspace.relabel_languages(
                fresh, articles=change.new_articles, languages=last.get("languages", {}).get("workspace", ()))
            change.relabelling = relabelling
            change.fresh = len(relabelled)
            by_id.update((s.statement_id, s) for s in relabelled)
        with timer("embed"):
            raw, change.encoded = self.workspace.embed([s.text for s in relabelled], progress,
                                                       engine=self.workspace.engine)
            scored_new = space.transform(raw) if len(relabelled) else np.zeros((0, self.workspace.encoder.dimension),
                                                                                np.float32)
        with timer("boilerplate"):
            changed = self._boilerplate_again(statements, by_id, relabelled, raw, change)
        with timer("claims"):
            fresh_content = [by_id[s.statement_id] for s in relabelled]
            change.claims = self.stages.read_claims(fresh_content)
            again = fresh_content + [by_id[sid] for sid in changed if sid in by_id and by_id[sid].article_id not in new_ids]
            claims_again = {**store.claims([s.statement_id for s in again if s.article_id not in new_ids]),
                            **change.claims}
            change.keys = {sid: keys for sid, keys in self.stages.evidence_keys(
                [s for s in again if self.workspace.eligible(s)], claims_again).items()}
        with timer("index"):
            change.index_manifest = self.workspace.update_index(relabelled, scored_new, rebuild=False,
                                                                engine=self.workspace.engine)
            index = self.workspace.index
        current = [by_id[s.statement_id] for s in statements]
        vector_ids = store.vector_ids()
        scored = index.vectors_for(np.array([vector_ids[s.statement_id] for s in current], dtype=np.int64))
        with timer("stories"):
            keys = {**self.store.statement_keys(), **change.keys}
            change.stories, change.assignments = self._assign(current, scored, keys, change)
        story_of = story_index(change.stories)
        with timer("group"):
            self._touched(change, current, changed, story_of)
            self._links(change, current, scored, keys, story_of)
        return change

    def _boilerplate_again(self, statements: list[Statement], by_id: dict[str, Statement], fresh: list[Statement],
                           raw_new: np.ndarray, change: Increment) -> set[str]:
        """Corpus boilerplate where the new articles can change it: short lines they repeat (in
        the articles holding them), and the new articles' own off-topic statements. Records every
        reason judged again in ``change.corpus_reasons``; returns the old statements whose
        reason changed."""
        from ..boilerplate import REPEATED_MAX_WORDS, repeated_key

        structural = self.store.structural_reasons()
        new_articles = {s.article_id for s in fresh}
        # Only a short line can become furniture, and only where a new article repeats it: the
        # articles holding one (all their lines, which decide whether they are copies of the new
        # one), and the new articles themselves. Long lines are never keyed, at any corpus size.
        new_keys = {repeated_key(s.text) for s in fresh if s.count_words() <= REPEATED_MAX_WORDS}
        holders = new_articles | {s.article_id for s in statements
                                  if s.count_words() <= REPEATED_MAX_WORDS and repeated_key(s.text) in new_keys}
        involved = [by_id[s.statement_id] for s in statements if s.article_id in holders]
        rows = {s.statement_id: i for i, s in enumerate(fresh)}
        # Off-topic is judged on the encoder's own vectors, as a full analysis judges it.
        vectors = np.zeros((len(involved), raw_new.shape[1]), np.float32)
        for i, statement in enumerate(involved):
            if statement.statement_id in rows:
                vectors[i] = raw_new[rows[statement.statement_id]]
        reasons = self.stages.corpus_boilerplate(involved, vectors, structural, off_topic_articles=new_articles)
        changed = set()
        for statement in involved:
            reason = reasons.get(statement.statement_id, "")
            before = "" if statement.article_id in new_articles else _corpus_reason(statement,
                                                                                      structural.get(statement.statement_id, ""))
            if statement.article_id not in new_articles and reason != "repeated_across_articles" and before == "off_topic":
                reason = before  # only repetition is judged again in an old article
            if statement.article_id in new_articles or reason != before:
                change.corpus_reasons[statement.statement_id] = reason
                by_id[statement.statement_id] = with_reasons(statement, structural.get(statement.statement_id, ""), reason)
                if statement.article_id not in new_articles:
                    changed.add(statement.statement_id)
        return changed

    def _assign(self, statements: list[Statement], scored: np.ndarray, keys: dict[str, frozenset[str]],
                change: Increment) -> tuple[list[Story], dict[str, dict[str, Any]]]:
        """The stored stories without the removed articles, with each new article where it fits best."""
        stored = []
        for story in self.store.stories():
            kept = tuple(a for a in story.article_ids if a not in change.removed_articles)
            if kept:
                stored.append(Story(story.story_id, story.label, kept, story.languages, story.cohesion))
        data = self.stages.story_input(statements, scored, keys)
        new_ids = [article.article_id for article in change.new_articles]
        # An article an analyst decided about stays in its story: the decision was made there.
        article_of = {s.statement_id: s.article_id for s in statements}
        pinned = {article_of[sid] for decision in self.store.decisions()
                  for sid in (*decision.statement_ids, *decision.target_ids) if sid in article_of}
        stories, placements = assign_articles(stored, data, new_ids, self.config.story, pinned=pinned)
        return stories, {article: placement.to_dict() for article, placement in placements.items()}

    def _touched(self, change: Increment, statements: list[Statement], changed: set[str],
                 story_of: dict[str, str]) -> None:
        """The stories to align again and why, and their statements (with the former group-mates of
        removed statements, whose groups lose members)."""
        before = self.store.story_of_articles()
        kept = {story.story_id for story in change.stories}
        reasons: dict[str, list[str]] = defaultdict(list)
        for article in change.new_articles:
            reasons[story_of.get(article.article_id, "")].append(f"gained article {article.article_id}")
        for article, placement in sorted(change.assignments.items()):
            if placement["moved_from"]:  # placed before the rest of its story arrived
                reasons[placement["story_id"]].append(f"gained article {article} from story {placement['moved_from']}")
                if placement["moved_from"] in kept:
                    reasons[placement["moved_from"]].append(f"article {article} moved to story {placement['story_id']}")
        for article in sorted(change.removed_articles):
            if before.get(article) in kept:
                reasons[before[article]].append(f"lost article {article}")
        article_of = {s.statement_id: s.article_id for s in statements}
        for sid in sorted(changed):
            state = "boilerplate" if change.corpus_reasons.get(sid) else "content"
            reasons[story_of.get(article_of.get(sid, ""), "")].append(f"statement {sid} is {state} now")
        change.reanalysed = {story: sorted(set(why)) for story, why in sorted(reasons.items()) if story}
        change.touched = {s.statement_id for s in statements if story_of.get(s.article_id) in change.reanalysed}
        change.gone = set(self.store.group_members()) - set(article_of) if change.removed_articles else set()
        for group in self.store.groups_holding(change.gone):
            change.touched.update(m for m in group.statement_ids if m in article_of)
        change.stats["removed_statements"] = len(change.gone)

    def _links(self, change: Increment, statements: list[Statement], scored: np.ndarray,
               keys: dict[str, frozenset[str]], story_of: dict[str, str]) -> None:
        """Claim links again for the touched stories: aligned inside them, plus their links across
        stories (mutual, at ``group.cross_story``), with the hubness of their statements.

        A link across stories joins a touched statement to any other; between two touched stories
        it takes part in their alignment (one statement per article in a claim), to an untouched
        story it stands on its own score, since that story's claims are not formed again."""
        config = self.config
        eligible_ids = {s.statement_id for s in statements if self.workspace.eligible(s)}
        counts = Counter(key for sid, found in keys.items() if sid in eligible_ids for key in found)
        data = self.stages.grouping_input(statements, scored, keys, counts, len(eligible_ids), lazy=True)
        rows = np.array([i for i, sid in enumerate(data.statement_ids) if sid in change.touched], dtype=np.int64)
        change.stats.update({"eligible_statements": len(data.statement_ids), "touched_statements": len(rows),
                             "stories_reanalysed": len(change.reanalysed)})
        if not len(rows):
            return
        thresholds = self.workspace.thresholds
        corpus, _, space, hubs, gated = candidate_links(data, config.group, config.index,
                                                        {**thresholds, "suggested": config.group.cross_story},
                                                        touched=rows)
        change.hubness = {data.statement_ids[r]: round(float(hubs[r]), 5) for r in rows.tolist()}
        row_of = {sid: r for r, sid in enumerate(data.statement_ids)}
        touched_rows = set(rows.tolist())

        def inside(link: Link) -> tuple[bool, bool]:
            return row_of[link.source_id] in touched_rows, row_of[link.target_id] in touched_rows

        within = [link for link in corpus if all(inside(link))]
        # What the last analysis linked among these statements is proposed again (see story_claim_links).
        seeds = [link for link in self.store.links(change.touched)
                 if link.rank >= 0 and link.source_id in change.touched and link.target_id in change.touched]
        alignment = story_claim_links(_subset(data, rows), space[rows], story_of, config.group, thresholds, within,
                                      hubs[rows], seeds=seeds, map_stories=self.workspace.engine.map)
        across = [replace(link, shared=("aligned:across_stories",) + link.shared) for link in corpus
                  if sum(inside(link)) == 1 and link.mutual and link.score >= config.group.cross_story
                  and story_of.get(data.article_ids[row_of[link.source_id]])
                  != story_of.get(data.article_ids[row_of[link.target_id]])]
        change.links = alignment.links + across
        change.stats.update(alignment.stats)
        change.stats.update({"pairs_without_shared_names": gated, "links_to_stories_not_reanalysed": len(across)})


def _subset(data: GroupingInput, rows: np.ndarray) -> GroupingInput:
    """The rows ``rows`` of ``data``."""
    picked = rows.tolist()
    return GroupingInput(
        statement_ids=[data.statement_ids[r] for r in picked], article_ids=[data.article_ids[r] for r in picked],
        languages=[data.languages[r] for r in picked], vectors=data.vectors[rows],
        evidence=[data.evidence[r] for r in picked], names=[data.names[r] for r in picked] if data.names else None,
        positions=[data.positions[r] for r in picked] if data.positions else None)


def _corpus_reason(statement: Statement, structural: str) -> str:
    """The corpus reason stored in ``statement.boilerplate_reason`` (after its structural one)."""
    parts = [part for part in statement.boilerplate_reason.split(",") if part and part != structural]
    return ",".join(parts)
