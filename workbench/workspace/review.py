"""Review: the analyst's decisions, stored at once and applied to the groups.

A decision (accept or reject a link, move a statement, split, merge, a new group, a
verdict by hand, a note, an undo) is stored in its own transaction and replayed on every
later analysis. Applying one regroups only its part of the link graph: the statements
that stored or accepted links join to those it names, so no other group changes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

import numpy as np

from ..engine import StoryMap, map_here
from ..errors import WorkbenchError
from ..group import constraints_from, describe_regrouping, keep_group_ids, member_rows, regroup
from ..model import VERDICTS, Decision, Group, Link, Relation, Statement
from ..store import ResultsChanged, utc_now
from ..stories import assign_stories
from ..verdicts import judge_groups_by_story, rank_key
from .context import Concern, Workspace

log = logging.getLogger(__name__)

REGROUP_ATTEMPTS = 5
LINKED_PART_MIN = 10_000  # a decision regroups only its part of the link graph up to half the workspace, or this


@dataclass(frozen=True)
class _LinkedPart:
    """Statements no link joins to any other statement outside them, and their scored links."""

    statement_ids: frozenset[str]
    links: list[Link]



class Review(Concern):
    """Analyst decisions and the regrouping they cause."""

    def __init__(self, workspace: Workspace):
        super().__init__(workspace)
        self._basis: tuple[Any, list[Statement], list[str], dict[str, np.ndarray]] | None = None
        self._analysis_seen: int | None = None  # the analysis revision the loaded index was read at

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
        group = self.group_by_id(group_id)
        part = tuple(sorted(set(part)))
        rest = tuple(m for m in group.statement_ids if m not in part)
        if not part or not rest or not set(part) <= set(group.statement_ids):
            raise WorkbenchError("a split needs some, but not all, of the group's own statements")
        return self.decide(Decision("split", part, target_ids=rest, author=author))

    def merge_groups(self, group_ids: Sequence[str], *, author: str = "") -> int:
        anchors = tuple(self.group_by_id(g).statement_ids[0] for g in group_ids)
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
        group = self.group_by_id(group_id)
        return self.decide(Decision("set_verdict", group.statement_ids, value=verdict, author=author))

    def add_note(self, subject: str, statement_ids: Sequence[str], text: str, *, author: str = "") -> int:
        if subject not in {"statement", "link", "group"}:
            raise WorkbenchError(f"a note is about a statement, a link or a group, not {subject!r}")
        return self.decide(Decision("note", tuple(statement_ids), value=text, author=author, subject=subject), apply=False)

    def undo(self, decision_id: int, *, author: str = "") -> None:
        """Withdraw a decision; it stays in the audit trail as inactive, with who undid it and when."""
        undone = self._decision(decision_id)
        self.store.set_decision_active(decision_id, False, author=author)
        self.regroup(around=(*undone.statement_ids, *undone.target_ids))

    def remove_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles (see :meth:`Store.remove_articles`) and regroup what their statements
        were linked to at once; the next analysis aligns their stories again. Returns the removed
        statements' ids."""
        unknown = [a for a in article_ids if self.store.article(a) is None]
        if unknown:
            raise WorkbenchError(f"no article {unknown[0]!r} in this workspace; list them with `workbench statements` "
                                 "or the Corpus page")
        statements = [s.statement_id for a in article_ids for s in self.store.statements(article_id=a)]
        mates = {m for group in self.store.groups_holding(statements) for m in group.statement_ids}
        linked = {end for link in self.store.links(statements) for end in link.key}
        removed = self.store.remove_articles(article_ids)
        self.regroup(around=mates | linked)
        return removed

    def group_by_id(self, group_id: str) -> Group:
        for group in self.store.groups([group_id]):
            return group
        raise WorkbenchError(f"no group {group_id!r} in this workspace (it may have changed after re-analysis)")

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
                return self.regroup_from(state, around=touched)
            except ResultsChanged as changed:
                log.info("Group - %s; grouping again", changed)
        raise WorkbenchError("the workspace kept changing while the decision was applied (another analysis or "
                             f"decision landed {REGROUP_ATTEMPTS} times); the decision is stored: apply it again with "
                             "`workbench analyze` or any other decision")

    def regroup_from(self, state: tuple[int, int], *, analysed_upto: int | None = None,
                     around: set[str] | None = None, map_stories: StoryMap = map_here) -> dict[str, Any]:
        """Regroup (around ``around``) and judge the changed groups, each story's by ``map_stories``
        (an analysis's engine; a decision judges in this process)."""
        if not self.store.count("links") and not self.store.decisions():
            return {"groups": self.store.count("groups")}
        decisions = self.store.decisions()
        part = None if around is None else self._linked_part(around, decisions)
        previous = self.store.groups() if part is None else self.store.groups_holding(part.statement_ids)
        result, groups, by_id = self._regrouped(decisions, previous, analysed_upto, part)
        groups, relations, unchanged = self._judge_changed(groups, by_id, decisions, previous, map_stories)
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
            statements, eligible, vectors = self._part_basis(part.statement_ids, analysed_upto)
            candidates, retired = part.links, self.store.group_ids()
        referenced = {i for d in decisions for i in (*d.statement_ids, *d.target_ids)}
        missing = sorted(referenced - vectors.keys())
        if missing:
            vectors = {**vectors, **self.workspace.stored_vectors(missing, statements)}
        by_id = {s.statement_id: s for s in statements}
        result = regroup(candidates, eligible, by_id, vectors, decisions, seed=self.config.seed)
        groups = assign_stories(keep_group_ids(result.groups, previous, retired), self.store.story_of_articles())
        return result, groups, by_id

    def preview(self, decision: Decision) -> list[str]:
        """What ``decision`` would change in the groups, in words, before it is made: which
        statements would leave or join which group, which groups would split, merge, appear
        or go. Nothing is stored. An empty list: the groups would stay as they are."""
        return self._regrouping_with([*self.store.decisions(), decision], decision)

    def preview_undo(self, decision_id: int) -> list[str]:
        """What undoing decision ``decision_id`` would change, in words, before it is undone (see
        :meth:`preview`); a verdict set by hand or a note, which move no statement, say what
        goes. Nothing is stored."""
        undone = self._decision(decision_id)
        if not undone.active:
            raise WorkbenchError(f"decision #{decision_id} is already undone (by {undone.undone_by or 'someone'} "
                                 f"at {undone.undone_at}); reload the page")
        effects = self._regrouping_with([d for d in self.store.decisions() if d.decision_id != decision_id], undone)
        if undone.kind == "set_verdict":
            effects.append(f"the verdict set by hand ({undone.value}) goes: the group shows its computed verdict again")
        elif undone.kind == "note":
            effects.append("the note leaves the card (it stays in the audit trail, marked undone)")
        return effects

    def _regrouping_with(self, decisions: list[Decision], around: Decision) -> list[str]:
        """How the groups around ``around``'s statements would change under ``decisions``, in words."""
        part = self._linked_part({*around.statement_ids, *around.target_ids}, decisions)
        previous = self.store.groups() if part is None else self.store.groups_holding(part.statement_ids)
        _, groups, by_id = self._regrouped(decisions, previous, part=part)
        return describe_regrouping(previous, groups, by_id)

    def _decision(self, decision_id: int) -> Decision:
        found = next((d for d in self.store.decisions(active_only=False) if d.decision_id == decision_id), None)
        if found is None:
            raise WorkbenchError(f"no decision #{decision_id} in this workspace; the decisions are listed in "
                                 "decisions.csv of `workbench export`")
        return found

    def _judge_changed(self, groups: list[Group], by_id: dict[str, Statement], decisions: list[Decision],
                       previous_groups: list[Group], map_stories: StoryMap = map_here,
                       ) -> tuple[list[Group], list[Relation], set[str]]:
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
                                    explanation=old.explanation, qualifier=old.qualifier))
        members = [sid for group in changed for sid in group.statement_ids]
        judged, relations = judge_groups_by_story(changed, by_id, self.store.claims(members), decisions,
                                                  self.config.verdict.tolerance,
                                                  self.workspace.seniority(by_id[m] for m in members if m in by_id),
                                                  article_dates=self.store.article_dates(),
                                                  apart_days=self.config.verdict.apart_days, map_stories=map_stories)
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
            self.workspace.index = None
            self._analysis_seen = key
            later = (self.workspace.awaiting_analysis() if analysed_upto is None
                     else self.store.articles_after(seq=analysed_upto))
            awaiting = {article.article_id for article in later}
            statements = [s for s in self.store.statements() if s.article_id not in awaiting]
            eligible = [s.statement_id for s in statements if self.workspace.eligible(s)]
            # Vectors only label groups and score links an analyst made; a workspace whose index
            # is gone (a copied folder) still regroups every analysed statement.
            vectors = self.workspace.stored_vectors(eligible, statements)
            self._basis = (key, statements, eligible, vectors)
        return self._basis[1], self._basis[2], self._basis[3]

    def _part_basis(self, statement_ids: Iterable[str], analysed_upto: int | None = None,
                    ) -> tuple[list[Statement], list[str], dict[str, np.ndarray]]:
        """What :meth:`_grouping_basis` gives, for these statements only: a decision reads the
        statements and vectors of its part of the link graph, not the whole workspace's."""
        key = self.store.results_state()[0]
        if self._analysis_seen != key:
            self.workspace.index = None
            self._analysis_seen = key
        later = (self.workspace.awaiting_analysis() if analysed_upto is None
                 else self.store.articles_after(seq=analysed_upto))
        awaiting = {article.article_id for article in later}
        statements = [s for s in self.store.statements(statement_ids=statement_ids) if s.article_id not in awaiting]
        eligible = [s.statement_id for s in statements if self.workspace.eligible(s)]
        return statements, eligible, self.workspace.stored_vectors(eligible, statements)
