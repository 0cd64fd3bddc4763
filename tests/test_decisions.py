"""Analyst decisions are stored at once and survive re-analysis, new articles and crashes."""

from __future__ import annotations

import pytest

from workbench import Config, Workbench
from workbench.errors import WorkbenchError
from workbench.export import decision_rows
from workbench.model import Decision

from conftest import HANG_GUARD_S, SAMPLES, copy_tree, sample_statement


def shells_group(workbench):
    french = sample_statement(workbench, "002", "Plus tôt, il a été signalé que")
    return next(g for g in workbench.groups() if french.statement_id in g.statement_ids)


def membership(workbench) -> set[frozenset[str]]:
    return {frozenset(g.statement_ids) for g in workbench.groups()}


def test_reject_and_accept_change_groups_and_survive_reanalysis(analysed_copy):
    group = shells_group(analysed_copy)
    french = sample_statement(analysed_copy, "002", "Plus tôt, il a été signalé que")
    others = [m for m in group.statement_ids if m != french.statement_id]
    for other in others:
        analysed_copy.reject_link(french.statement_id, other, author="ana")
    assert not analysed_copy.store.group_of(french.statement_id)  # out of the group at once
    bulgarian = sample_statement(analysed_copy, "004", "Неотдавнашен доклад на Блумбърг")
    analysed_copy.accept_link(french.statement_id, bulgarian.statement_id, author="ana")
    after_decisions = membership(analysed_copy)
    assert analysed_copy.store.group_of(french.statement_id) == analysed_copy.store.group_of(bulgarian.statement_id)
    analysed_copy.analyze()
    assert membership(analysed_copy) == after_decisions
    rows = analysed_copy.groups_frame()
    assert "link accepted by ana" in set(rows.loc[rows.statement_id == french.statement_id, "decision"])


def test_decisions_survive_adding_articles(tmp_path):
    workbench = Workbench(Config.load(workspace=str(tmp_path / "ws")))
    try:
        workbench.ingest(sorted(SAMPLES.glob("00[0-3]*.txt")))
        workbench.analyze()
        factories_ro = sample_statement(workbench, "000", "Liderul nord-coreean, Kim Jong Un, a efectuat")
        ukrainian = sample_statement(workbench, "001", "Представники США неодноразово")
        workbench.new_group([factories_ro.statement_id, ukrainian.statement_id], author="ana")
        workbench.add_note("statement", [ukrainian.statement_id], "check the original NYT wording")
        workbench.ingest([SAMPLES / "004_b91c89b5cbf94032.txt"])
        workbench.analyze()
        assert workbench.store.group_of(factories_ro.statement_id) == workbench.store.group_of(ukrainian.statement_id)
        rows = workbench.groups_frame()
        assert "check the original NYT wording" in set(rows["note"])
    finally:
        workbench.close()


def test_move_split_merge_and_verdict(analysed_copy):
    group = shells_group(analysed_copy)
    moved = group.statement_ids[0]
    target = next(g for g in analysed_copy.groups() if g.group_id != group.group_id)
    analysed_copy.move_statement(moved, target.group_id)
    assert analysed_copy.store.group_of(moved) == next(
        g.group_id for g in analysed_copy.groups() if set(target.statement_ids) <= set(g.statement_ids))
    current = next(g for g in analysed_copy.groups() if moved in g.statement_ids)
    analysed_copy.split_group(current.group_id, [moved])
    assert analysed_copy.store.group_of(moved) != analysed_copy.store.group_of(target.statement_ids[0])
    groups = analysed_copy.groups()
    analysed_copy.merge_groups([groups[0].group_id, groups[1].group_id])
    merged = next(g for g in analysed_copy.groups() if groups[0].statement_ids[0] in g.statement_ids)
    assert set(groups[1].statement_ids) <= set(merged.statement_ids)
    analysed_copy.set_verdict(merged.group_id, "underspecified", author="ana")
    verdict = next(g for g in analysed_copy.groups() if groups[0].statement_ids[0] in g.statement_ids)
    assert (verdict.verdict, verdict.verdict_source) == ("underspecified", "analyst")
    analysed_copy.analyze()
    again = next(g for g in analysed_copy.groups() if groups[0].statement_ids[0] in g.statement_ids)
    assert (again.verdict, again.verdict_source) == ("underspecified", "analyst")
    with pytest.raises(WorkbenchError, match="not one of"):
        analysed_copy.set_verdict(merged.group_id, "maybe")


def test_undo_keeps_the_decision_in_the_audit_trail(analysed_copy):
    before = membership(analysed_copy)
    group = shells_group(analysed_copy)
    decision = analysed_copy.split_group(group.group_id, [group.statement_ids[0]])
    assert membership(analysed_copy) != before
    analysed_copy.undo(decision, author="mira")
    assert membership(analysed_copy) == before
    trail = analysed_copy.store.decisions(active_only=False)
    assert [(d.decision_id, d.active, d.undone_by) for d in trail] == [(decision, False, "mira")]
    assert trail[0].undone_at >= trail[0].created  # when it was undone, as well as by whom
    rows = decision_rows(analysed_copy.store)
    assert (rows["undone_by"].tolist(), rows["undone_at"].tolist()) == (["mira"], [trail[0].undone_at])


def test_a_crash_during_analysis_loses_no_decision_and_no_result(analysed_copy, monkeypatch):
    group = shells_group(analysed_copy)
    analysed_copy.set_verdict(group.group_id, "conflicts", author="ana")
    groups_before = [(g.group_id, g.statement_ids, g.verdict) for g in analysed_copy.groups()]

    import workbench.workspace.analysis as analysis

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(analysis, "judge_groups_by_story", broken)
    with pytest.raises(RuntimeError):
        analysed_copy.analyze(full=True)  # the incremental run's crash: test_incremental.py
    monkeypatch.undo()
    reopened = Workbench(Config.load(workspace=str(analysed_copy.config.workspace_dir)))
    try:
        assert [(g.group_id, g.statement_ids, g.verdict) for g in reopened.groups()] == groups_before
        assert [d.kind for d in reopened.store.decisions()] == ["set_verdict"]
    finally:
        reopened.close()


def test_a_new_group_takes_its_statements_out_of_their_groups_and_nothing_else(analysed_copy):
    """Starting a group from two search hits once merged both hits' whole groups."""
    shells = shells_group(analysed_copy)
    bulgarian = sample_statement(analysed_copy, "004", "Неотдавнашен доклад на Блумбърг")
    # a Romanian statement of another group (which one depends on the grouping; any will do)
    other = next(g for g in analysed_copy.groups() if g.group_id != shells.group_id and len(g.statement_ids) > 2
                 and any(s.language == "ro" for s in analysed_copy.statements(statement_ids=list(g.statement_ids))))
    romanian = next(s for s in analysed_copy.statements(statement_ids=list(other.statement_ids)) if s.language == "ro")
    analysed_copy.new_group([bulgarian.statement_id, romanian.statement_id], author="ana")
    created = next(g for g in analysed_copy.groups() if bulgarian.statement_id in g.statement_ids)
    assert set(created.statement_ids) == {bulgarian.statement_id, romanian.statement_id}
    left_behind = set(shells.statement_ids) - {bulgarian.statement_id}
    assert not left_behind & set(created.statement_ids)
    assert not (set(other.statement_ids) - {romanian.statement_id}) & set(created.statement_ids)
    analysed_copy.analyze()  # and it holds after re-analysis
    again = next(g for g in analysed_copy.groups() if bulgarian.statement_id in g.statement_ids)
    assert set(again.statement_ids) == set(created.statement_ids)


def test_a_decision_regroups_as_a_full_analysis_would_and_keeps_unchanged_verdicts(analysed_copy):
    """Decisions judge only the groups they change; the result must equal a full re-analysis."""
    def snapshot():
        groups = [(g.group_id, g.statement_ids, g.verdict, g.verdict_source, g.explanation) for g in analysed_copy.groups()]
        relations = sorted((r.group_id, r.source_id, r.target_id, r.relation, r.explanation)
                           for r in analysed_copy.store.relations())
        return groups, relations

    shells = shells_group(analysed_copy)
    first, second = shells.statement_ids[:2]
    analysed_copy.reject_link(first, second)
    analysed_copy.set_verdict(analysed_copy.groups()[-1].group_id, "underspecified", author="ana")
    undone = analysed_copy.set_verdict(analysed_copy.groups()[-2].group_id, "conflicts")
    analysed_copy.undo(undone)
    after_decisions = snapshot()
    analysed_copy.analyze()
    assert snapshot() == after_decisions


def stored_grouping(workbench) -> tuple:
    """Everything a regrouping writes: groups in rank order, their members' rows, relations, decision links."""
    store = workbench.store
    members = sorted(tuple(row) for row in store.execute("SELECT * FROM group_members"))
    ranks = [tuple(row) for row in store.execute("SELECT group_id, rank FROM groups ORDER BY rank")]
    relations = sorted((r.group_id, r.source_id, r.target_id, r.relation, r.explanation) for r in store.relations())
    decision_links = [link for link in store.links() if link.rank < 0]
    return workbench.groups(), ranks, members, relations, decision_links


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_decision_regroups_only_its_part_of_the_link_graph_and_writes_what_a_full_regroup_would(analysed_copy,
                                                                                                  seed):
    """Each decision regroups only the statements linked to those it names; after each, a full
    regroup of every group must store exactly the same thing (ids, members, ranks, verdicts)."""
    import random

    rng = random.Random(seed)
    workbench = analysed_copy
    scored = [link for link in workbench.store.links() if link.rank >= 0]
    statements = sorted({sid for link in scored for sid in link.key})
    made: list[int] = []
    applied = []
    for step in range(20):
        groups = workbench.groups()
        kind = rng.choice(["accept", "reject", "reject", "move", "split", "merge", "new", "verdict", "undo"])
        if kind == "accept":
            made.append(workbench.accept_link(*rng.sample(statements, 2)))
        elif kind == "reject" and groups:
            made.append(workbench.reject_link(*rng.sample(rng.choice(groups).statement_ids, 2)))
        elif kind == "move" and len(groups) > 1:
            source, target = rng.sample(groups, 2)
            made.append(workbench.move_statement(rng.choice(source.statement_ids),
                                                 rng.choice([target.group_id, None])))
        elif kind == "split" and groups:
            group = rng.choice(groups)
            made.append(workbench.split_group(group.group_id, group.statement_ids[:1]))
        elif kind == "merge" and len(groups) > 1:
            made.append(workbench.merge_groups([g.group_id for g in rng.sample(groups, 2)]))
        elif kind == "new":
            made.append(workbench.new_group(rng.sample(statements, 2)))
        elif kind == "verdict" and groups:
            made.append(workbench.set_verdict(rng.choice(groups).group_id, rng.choice(["conflicts", "corroborates"])))
        elif kind == "undo" and made:
            workbench.undo(made.pop(rng.randrange(len(made))))
        else:
            continue
        applied.append(kind)
        after_decision = stored_grouping(workbench)
        workbench.regroup()  # every group, from every stored link
        assert stored_grouping(workbench) == after_decision, (step, kind)
    assert len(set(applied)) >= 6, applied  # most kinds of decision were tried


# -- decisions and a running analysis ----------------------------------------------------------

@pytest.mark.parametrize("full", [True, False], ids=["full", "incremental"])
def test_a_decision_made_while_analysis_runs_is_applied_to_its_results(analysed_copy, monkeypatch, tmp_path, full):
    """The decision lands (from another connection, as from the UI) after the analysis has read
    the decisions and before it stores its groups: the stored groups must still follow it, and
    the article this analysis was the first to read must keep its groups through the replay."""
    import workbench.workspace.analysis as analysis
    import workbench.workspace.increment as increment

    new_article = tmp_path / "new.txt"
    new_article.write_text((SAMPLES / "004_b91c89b5cbf94032.txt").read_text(encoding="utf-8").replace(
        "Северна Корея", "КНДР"), encoding="utf-8")
    analysed_copy.ingest([new_article])
    new_id = analysed_copy.articles()[-1].article_id

    group = shells_group(analysed_copy)
    french = sample_statement(analysed_copy, "002", "Plus tôt, il a été signalé que")
    other = next(m for m in group.statement_ids if m != french.statement_id)
    reviewer = Workbench(Config.load(workspace=str(analysed_copy.config.workspace_dir)))
    made = []

    def decide_once():
        if not made:  # once, in the analysis; the reviewer's own regrouping also judges
            made.append("deciding")
            made[0] = reviewer.reject_link(french.statement_id, other, author="ana")

    if full:  # between reading the decisions and storing the groups
        real_judge = analysis.judge_groups_by_story

        def judge_after_a_decision(*args, **kwargs):
            decide_once()
            return real_judge(*args, **kwargs)

        monkeypatch.setattr(analysis, "judge_groups_by_story", judge_after_a_decision)
    else:  # while the new article's links are computed, before anything is stored
        real_links = increment.IncrementalAnalysis._links

        def links_after_a_decision(self, *args, **kwargs):
            decide_once()
            return real_links(self, *args, **kwargs)

        monkeypatch.setattr(increment.IncrementalAnalysis, "_links", links_after_a_decision)
    try:
        manifest = analysed_copy.analyze(full=full)
        assert manifest["mode"] == ("full" if full else "incremental")
        monkeypatch.undo()
        assert made and manifest["decisions_made_during_run"] == 1
        assert any(new_id in g.article_ids for g in analysed_copy.groups())
        assert analysed_copy.store.group_of(french.statement_id) != analysed_copy.store.group_of(other) or \
            not analysed_copy.store.group_of(french.statement_id)
        after = membership(analysed_copy)
        analysed_copy.analyze(full=full)  # a clean run with the same decisions gives the same groups
        assert membership(analysed_copy) == after
    finally:
        reviewer.close()


def test_a_decision_computed_before_an_analysis_landed_is_computed_again(analysed_copy, monkeypatch, tmp_path):
    """A reviewer's regrouping read the old links; an analysis with a new article stored its
    results before the reviewer wrote. The reviewer's stale groups must not overwrite them."""
    import threading

    import workbench.workspace.review as review

    group = shells_group(analysed_copy)
    french = sample_statement(analysed_copy, "002", "Plus tôt, il a été signalé que")
    other = next(m for m in group.statement_ids if m != french.statement_id)
    reviewer = Workbench(Config.load(workspace=str(analysed_copy.config.workspace_dir)))
    real_regroup = review.regroup
    computed, proceed, calls = threading.Event(), threading.Event(), []

    def regroup_then_wait(*args, **kwargs):
        result = real_regroup(*args, **kwargs)
        if threading.current_thread().name == "reviewer":
            calls.append(1)
            if len(calls) == 1:
                computed.set()
                proceed.wait(timeout=HANG_GUARD_S)
        return result

    monkeypatch.setattr(review, "regroup", regroup_then_wait)
    failures = []

    def review():
        try:
            reviewer.reject_link(french.statement_id, other, author="ana")
        except Exception as exc:  # reported below, in the test's own thread
            failures.append(exc)

    thread = threading.Thread(target=review, name="reviewer")
    thread.start()
    try:
        assert computed.wait(timeout=HANG_GUARD_S)
        new_article = tmp_path / "new.txt"
        new_article.write_text((SAMPLES / "004_b91c89b5cbf94032.txt").read_text(encoding="utf-8").replace(
            "Северна Корея", "КНДР"), encoding="utf-8")
        analysed_copy.ingest([new_article])
        analysed_copy.analyze()
    finally:
        proceed.set()
        thread.join(timeout=HANG_GUARD_S)
        reviewer.close()
    assert not failures and len(calls) == 2  # the stale grouping was refused and computed again
    stored = membership(analysed_copy)
    analysed_copy.regroup()
    assert membership(analysed_copy) == stored  # what is stored is what the decisions give on the new links
    new_id = analysed_copy.articles()[-1].article_id
    assert any(new_id in g.article_ids for g in analysed_copy.groups())
    assert not any({french.statement_id, other} <= set(g.statement_ids) for g in analysed_copy.groups())


def test_a_decision_after_new_articles_embeds_nothing_and_the_wait_is_said(analysed_copy, monkeypatch, tmp_path):
    new_article = tmp_path / "new.txt"
    new_article.write_text((SAMPLES / "002_20acd37116a2ee7f.txt").read_text(encoding="utf-8").replace(
        "Corée du Nord", "RPDC"), encoding="utf-8")
    analysed_copy.ingest([new_article])
    assert len(analysed_copy.awaiting_analysis()) == 1
    assert any("1 article(s) ingested since the last analysis await analysis" in note
               for note in analysed_copy.status_notes())
    encoded = []
    encoder = analysed_copy.encoder
    real_encode = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda texts, **kw: encoded.append(len(texts)) or real_encode(texts, **kw))
    group = shells_group(analysed_copy)
    analysed_copy.reject_link(group.statement_ids[0], group.statement_ids[1], author="ana")
    assert encoded == []  # the decision used the last analysis's vectors
    new_statements = {s.statement_id for s in analysed_copy.statements(article_id=analysed_copy.articles()[-1].article_id)}
    assert not any(new_statements & set(g.statement_ids) for g in analysed_copy.groups())
    analysed_copy.analyze()
    assert analysed_copy.awaiting_analysis() == []
    assert not any("await analysis" in note for note in analysed_copy.status_notes())


def test_a_decision_on_a_copied_workspace_without_its_index_keeps_every_group(analysed_copy, tmp_path):
    """The index lives under WORKBENCH_HOME, keyed by the workspace's path: a copied folder has
    none. A decision there once left no statement with a vector, and every group vanished."""
    copy = tmp_path / "copied"
    copy_tree(analysed_copy.config.workspace_dir, copy)
    with Workbench(Config.load(workspace=str(copy))) as copied:
        assert not (copied.config.index_dir / "manifest.json").exists()
        groups_before = len(copied.groups())
        group = shells_group(copied)
        effects = copied.preview(Decision("reject_link", tuple(sorted(group.statement_ids[:2]))))
        assert len(effects) < groups_before  # a few statements move, not every group
        copied.reject_link(group.statement_ids[0], group.statement_ids[1], author="ana")
        assert len(copied.groups()) >= groups_before - 1
        assert not any(set(group.statement_ids[:2]) <= set(g.statement_ids) for g in copied.groups())


def test_impossible_decisions_are_refused_naming_the_id(analysed_copy):
    """accept_link of unknown ids or of a statement with itself, reject_link of an unknown id and
    undo of a decision that does not exist were all stored (or silently ignored)."""
    statement = sample_statement(analysed_copy, "002", "Plus tôt, il a été signalé que").statement_id
    before = analysed_copy.store.decisions(active_only=False)
    for decide, says in [
        (lambda: analysed_copy.accept_link(statement, "s0000000000000000"), "no statement 's0000000000000000'"),
        (lambda: analysed_copy.accept_link("s-nope", "s-nope-either"), "no statement 's-nope'"),
        (lambda: analysed_copy.accept_link(statement, statement), f"{statement!r} was given as both"),
        (lambda: analysed_copy.reject_link("s-nope", statement), "no statement 's-nope'"),
        (lambda: analysed_copy.undo(99999), "no decision #99999"),
    ]:
        with pytest.raises(WorkbenchError, match=says):
            decide()
    assert analysed_copy.store.decisions(active_only=False) == before
