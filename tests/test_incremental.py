"""Incremental analysis: a workspace analysed before reads again only what changed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from workbench import Config, Workbench
from workbench.verdicts import key_relation

from conftest import GOLD, copy_tree, sample_statement

UNRELATED = Path(__file__).parent / "data" / "unrelated"
# A French outlet's report of Putin's visit that repeats the Bulgarian sample's five million shells.
FRENCH_REPRINT = (
    "Poutine en Corée du Nord\n"
    "Vladimir Poutine est arrivé à Pyongyang pour une visite de deux jours, la première depuis près de 25 ans.\n"
    "Selon un récent rapport de Bloomberg citant le ministère sud-coréen de la Défense, la Corée du Nord a envoyé "
    "près de cinq millions d'obus d'artillerie à la Russie.\n"
    "Les deux pays doivent signer un accord de partenariat stratégique."
)


def grouped_pairs(workbench: Workbench) -> set[frozenset[str]]:
    return {frozenset((a, b)) for group in workbench.groups() for a in group.statement_ids
            for b in group.statement_ids if a < b}


def results(workbench: Workbench) -> list[tuple]:
    return [(g.group_id, g.statement_ids, g.verdict, g.explanation, g.story_id) for g in workbench.groups()]


def shells(workbench: Workbench):
    five_million = sample_statement(workbench, "004", "Неотдавнашен доклад на Блумбърг")
    return next(g for g in workbench.groups() if five_million.statement_id in g.statement_ids)


def test_a_reanalysis_with_nothing_new_changes_no_group(analysed_copy):
    before = results(analysed_copy)
    manifest = analysed_copy.analyze()
    assert manifest["mode"] == "incremental" and manifest["reanalysed_stories"] == {}
    assert results(analysed_copy) == before
    assert manifest["counts"]["groups"] == len(before)


def right_pairs(workbench: Workbench, pairs: set[frozenset[str]]) -> set[frozenset[str]]:
    """Those of ``pairs`` the samples' fact-level gold counts right (tests/gold/claims.json)."""
    from workbench.evaluation import counts_right, load_gold

    gold = load_gold(GOLD / "claims.json", workbench.articles(), workbench.statements())
    cluster = gold.cluster_of()
    return {pair for pair in pairs if counts_right(*(cluster.get(sid) for sid in sorted(pair)), gold)}


def test_an_article_that_repeats_known_facts_keeps_every_right_group_and_the_conflict_card(analysed_copy):
    """On the samples, a French article was added: the re-analysis reshaped the shells group, its
    card showed the containers sentence against one million, and the French sample left its story."""
    pairs = grouped_pairs(analysed_copy)
    right = right_pairs(analysed_copy, pairs)
    assert right  # the samples have right groups to keep
    old_statements = {s.statement_id for s in analysed_copy.statements()}
    group = shells(analysed_copy)
    card = key_relation(analysed_copy.relations(group.group_id))
    stories_before = analysed_copy.store.story_of_articles()
    added = analysed_copy.ingest_text(FRENCH_REPRINT, title="Poutine en Corée du Nord")
    manifest = analysed_copy.analyze()
    assert manifest["mode"] == "incremental"
    story = analysed_copy.store.story_of_articles()[added.article_id]
    assert manifest["reanalysed_stories"] == {story: [f"gained article {added.article_id}"]}
    placement = manifest["assignments"][added.article_id]
    assert placement["joined"] and placement["story_id"] == story and "joined" in placement["reason"]
    after = grouped_pairs(analysed_copy)
    assert right <= after  # every right pair grouped before is grouped still
    among_old = {pair for pair in after - pairs if pair <= old_statements}
    assert right_pairs(analysed_copy, among_old) == among_old  # and no wrong one joined the known statements
    assert all(analysed_copy.store.story_of_articles()[article] == story for article, story in stories_before.items())
    grown = shells(analysed_copy)
    assert grown.group_id == group.group_id and grown.verdict == "conflicts"
    reprint = next(s for s in analysed_copy.statements(article_id=added.article_id) if "cinq millions" in s.text)
    assert reprint.statement_id in grown.statement_ids
    new_card = key_relation(analysed_copy.relations(grown.group_id))
    assert (new_card.source_id, new_card.target_id) == (card.source_id, card.target_id)
    assert "Блумбърг" in new_card.explanation and "renseignements de la République de Corée" in new_card.explanation


def test_a_news_story_added_one_language_at_a_time_keeps_the_lines_it_grouped(make_workbench, tmp_path):
    """An NTREX-128 story (benchmarks/data/ntrex) told in French, then Bulgarian, Romanian and
    Ukrainian, each added and analysed in turn: two versions of one line grouped once stay grouped."""
    from conftest import ROOT

    data = ROOT / "benchmarks" / "data" / "ntrex"
    ids = (data / "document_ids.txt").read_text(encoding="utf-8").splitlines()
    lines = [n for n, story in enumerate(ids) if story == "upi.176266"]
    workbench = make_workbench()
    line_of: dict[str, int] = {}
    grouped_lines: set[frozenset[str]] = set()
    for code, language in (("fra", "fr"), ("bul", "bg"), ("ron", "ro"), ("ukr", "uk")):
        texts = (data / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        path = tmp_path / f"{language}.jsonl"
        path.write_text(json.dumps({"text": "\n".join(texts[n] for n in lines), "lang": language},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
        [item] = workbench.ingest([path]).added
        article = workbench.store.article(item.article_id)
        for statement in workbench.statements(article_id=item.article_id):
            line_of[statement.statement_id] = lines[article.text.count("\n", 0, statement.start)]
        manifest = workbench.analyze()
        assert manifest["mode"] == ("full" if language == "fr" else "incremental")
        now = {pair for pair in grouped_pairs(workbench) if len({line_of[sid] for sid in pair}) == 1}
        assert grouped_lines <= now, language
        grouped_lines = now
    assert len(grouped_lines) >= 30  # most lines of the story are grouped across the four languages


def test_an_unrelated_article_leaves_every_group_as_it_was(analysed_copy):
    before = results(analysed_copy)
    analysed_copy.ingest([UNRELATED / "meteo_fr.txt"])
    manifest = analysed_copy.analyze()
    assert manifest["mode"] == "incremental"
    new = analysed_copy.articles()[-1].article_id
    placement = manifest["assignments"][new]
    assert not placement["joined"] and placement["reason"].startswith("started story")
    assert results(analysed_copy) == before


def test_a_changed_setting_calls_for_a_full_analysis_and_says_which(analysed_copy):
    config = Config.load(workspace=str(analysed_copy.config.workspace_dir), overrides={"group.merge_margin": "0.8"})
    with Workbench(config) as changed:
        assert "group.merge_margin 0.9 -> 0.8" in changed.full_analysis_because()
        manifest = changed.analyze()
    assert manifest["mode"] == "full" and "group.merge_margin" in manifest["full_because"]
    assert analysed_copy.analyze(full=True)["full_because"] == "asked for (--full)"


def test_a_setting_added_since_the_last_analysis_calls_for_a_full_one_only_off_its_default(analysed_copy):
    """An upgrade that adds settings (the archive index's) must not make the next analysis of a
    large workspace a full one: the earlier run worked as the new setting's default does."""
    with sqlite3.connect(analysed_copy.config.database_path) as db:
        run_id, text = db.execute("SELECT run_id, manifest FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        manifest = json.loads(text)
        del manifest["settings"]["index.archive_probe"], manifest["settings"]["group.merge_margin"]
        db.execute("UPDATE runs SET manifest = ? WHERE run_id = ?", (json.dumps(manifest), run_id))
    assert analysed_copy.full_analysis_because() == ""
    config = Config.load(workspace=str(analysed_copy.config.workspace_dir), overrides={"group.merge_margin": "0.8"})
    with Workbench(config) as changed:
        assert "group.merge_margin 0.9 -> 0.8" in changed.full_analysis_because()
    analysed_copy.ingest_text(FRENCH_REPRINT, title="Poutine en Corée du Nord")
    assert analysed_copy.analyze()["mode"] == "incremental"


def test_a_workspace_analysed_by_an_earlier_version_is_analysed_in_full_once(analysed_copy):
    with sqlite3.connect(analysed_copy.config.database_path) as db:
        run_id, text = db.execute("SELECT run_id, manifest FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        manifest = json.loads(text)
        del manifest["analysis_format"], manifest["mode"]
        db.execute("UPDATE runs SET manifest = ? WHERE run_id = ?", (json.dumps(manifest), run_id))
    first = analysed_copy.analyze()
    assert first["mode"] == "full" and "earlier version" in first["full_because"]
    assert "before analyses could be incremental" in first["full_because"]
    assert analysed_copy.analyze()["mode"] == "incremental"


def test_a_workspace_analysed_before_the_last_change_of_reading_is_analysed_in_full_and_says_what_changed(
        analysed_copy):
    from workbench.workspace.analysis import ANALYSIS_FORMAT, FORMAT_CHANGES

    with sqlite3.connect(analysed_copy.config.database_path) as db:
        run_id, text = db.execute("SELECT run_id, manifest FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        manifest = {**json.loads(text), "analysis_format": ANALYSIS_FORMAT - 1}
        db.execute("UPDATE runs SET manifest = ? WHERE run_id = ?", (json.dumps(manifest), run_id))
    first = analysed_copy.analyze()
    assert first["mode"] == "full" and FORMAT_CHANGES[ANALYSIS_FORMAT] in first["full_because"]
    assert analysed_copy.analyze()["mode"] == "incremental"


def test_a_removed_article_leaves_its_groups_and_its_story_is_analysed_again(analysed_copy):
    french = sample_statement(analysed_copy, "002", "Plus tôt, il a été signalé que")
    story = analysed_copy.store.story_of_articles()[french.article_id]
    removed = analysed_copy.remove_articles([french.article_id])
    assert french.statement_id in removed
    assert not any(french.statement_id in g.statement_ids for g in analysed_copy.groups())  # at once
    manifest = analysed_copy.analyze()
    assert manifest["mode"] == "incremental" and manifest["removed_articles"] == [french.article_id]
    assert f"lost article {french.article_id}" in manifest["reanalysed_stories"][story]
    assert french.article_id not in analysed_copy.store.story_of_articles()
    with pytest.raises(Exception, match="no article"):
        analysed_copy.remove_articles(["a-no-such-article"])


def test_a_file_ingested_again_in_changed_form_replaces_its_earlier_version_and_its_story_is_analysed_again(
        analysed_copy, samples_dir, tmp_path):
    text = (samples_dir / "002_20acd37116a2ee7f.txt").read_text(encoding="utf-8")
    assert "plus d'un million de coquilles" in text
    path = tmp_path / "reprise.txt"
    path.write_text(text.replace("plus d'un million de coquilles", "plus de deux millions de coquilles"), encoding="utf-8")
    first = analysed_copy.ingest([path]).added[0]
    analysed_copy.analyze()
    story = analysed_copy.store.story_of_articles()[first.article_id]
    path.write_text(text.replace("plus d'un million de coquilles", "plus de trois millions de coquilles"), encoding="utf-8")
    again = analysed_copy.ingest([path])
    [second] = again.added
    assert f"replaces its earlier version ({first.article_id})" in second.message
    assert [a.article_id for a in analysed_copy.articles() if a.origin == str(path)] == [second.article_id]
    manifest = analysed_copy.analyze()
    assert manifest["mode"] == "incremental" and manifest["removed_articles"] == [first.article_id]
    now = analysed_copy.store.story_of_articles()
    assert first.article_id not in now and now[second.article_id] == story
    assert set(manifest["reanalysed_stories"][story]) >= {f"lost article {first.article_id}",
                                                         f"gained article {second.article_id}"}
    rows = [path, path.with_name("rows.jsonl")]  # a row file's rows are never versions of one another
    rows[1].write_text(json.dumps({"text": text.replace("coquilles", "obus")}, ensure_ascii=False) + "\n", encoding="utf-8")
    kept = analysed_copy.ingest([rows[1]]).added[0]
    rows[1].write_text(json.dumps({"text": text.replace("coquilles", "projectiles")}, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    analysed_copy.ingest([rows[1]])
    assert analysed_copy.store.article(kept.article_id) is not None


def test_a_workspace_moved_to_another_folder_is_analysed_in_full_with_its_index_built_again(analysed_copy, tmp_path):
    """The index lives in the home, under a name made from the workspace's path: a moved folder
    has none. An incremental run then read vectors the index did not hold (KeyError)."""
    moved = tmp_path / "moved"
    copy_tree(analysed_copy.config.workspace_dir, moved)
    groups = results(analysed_copy)
    with Workbench(Config.load(workspace=str(moved), home=str(analysed_copy.config.home_dir))) as copy:
        assert "the search index is missing" in copy.full_analysis_because()
        added = copy.ingest_text(FRENCH_REPRINT, title="Poutine en Corée du Nord")
        manifest = copy.analyze()
        assert manifest["mode"] == "full" and "search index is missing" in manifest["full_because"]
        # only the new article's statements are encoded: the rest come from the cache
        assert manifest["embedding"]["encoded"] <= len(copy.statements(article_id=added.article_id))
        assert copy.analyze()["mode"] == "incremental"
        assert len(copy.search("Coreea de Nord a trimis obuze Rusiei", top=3)) == 3
    assert results(analysed_copy) == groups  # the original is untouched


def test_an_interrupted_incremental_run_leaves_the_previous_results_whole(analysed_copy, monkeypatch):
    import workbench.workspace.review as review

    before = results(analysed_copy)
    analysed_copy.ingest_text(FRENCH_REPRINT, title="Poutine en Corée du Nord")

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(review, "judge_groups_by_story", power_cut)
    with pytest.raises(RuntimeError):
        analysed_copy.analyze()
    monkeypatch.undo()
    with Workbench(Config.load(workspace=str(analysed_copy.config.workspace_dir))) as reopened:
        assert results(reopened) == before
        assert reopened.status_notes()  # the interrupted run and the waiting article are said
        assert reopened.analyze()["mode"] == "incremental"


def test_undated_articles_are_said_in_the_notes(analysed_copy):
    notes = analysed_copy.last_manifest()["notes"]
    assert any("No article has a publication date" in note for note in notes)
