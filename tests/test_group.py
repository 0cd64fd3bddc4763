"""Cross-lingual grouping on the samples (gold annotation in tests/gold/groups.json) and its parts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from workbench.config import IndexConfig
from workbench.evaluation import load_gold, score_grouping
from workbench.group import (
    LONG_ARTICLE, Constraints, Evidence, Neighbourhoods, anchored, center, constraints_from, language_means, name_key,
    name_keys, neighbourhoods, shared_evidence,
)
from workbench.index import VectorIndex
from workbench.model import Decision

from conftest import peak_memory_increase_mb, sample_statement

GOLD = Path(__file__).parent / "gold" / "groups.json"


def group_of(workbench, statement_id: str) -> str:
    return workbench.store.group_of(statement_id)


@pytest.mark.parametrize("a, b", [
    (("002", "Plus tôt, il a été signalé que"), ("004", "Неотдавнашен доклад на Блумбърг")),  # shells fr-bg
    (("001", "Речник Кремля Дмитро С."), ("004", "Говорителят на Кремъл Дмитрий Песков")),  # Peskov uk-bg
], ids=["shells-fr-bg", "peskov-uk-bg"])
def test_facts_told_in_several_languages_share_a_group(analysed_samples, a, b):
    first, second = sample_statement(analysed_samples, *a), sample_statement(analysed_samples, *b)
    assert group_of(analysed_samples, first.statement_id)
    assert group_of(analysed_samples, first.statement_id) == group_of(analysed_samples, second.statement_id)


def test_the_factory_tour_told_in_romanian_and_ukrainian_is_one_claim(analysed_samples):
    """The Ukrainian report tells the tour in one sentence, the Romanian one in four (gold
    cluster kim_factory_tour): a claim group holds one statement per article, so the
    Ukrainian sentence joins one of the Romanian ones, whichever matches it best."""
    statements = analysed_samples.statements()
    gold = load_gold(GOLD, analysed_samples.articles(), statements)
    ukrainian = sample_statement(analysed_samples, "001", "За останніми тижнями, Кім")
    romanian_article = sample_statement(analysed_samples, "000", "Liderul nord-coreean, Kim Jong Un, a efectuat").article_id
    tour_in_romanian = {sid for sid in gold.clusters["kim_factory_tour"]
                        if next(s for s in statements if s.statement_id == sid).article_id == romanian_article}
    group = group_of(analysed_samples, ukrainian.statement_id)
    assert group and any(group_of(analysed_samples, sid) == group for sid in tour_in_romanian)


def test_no_boilerplate_statement_is_in_any_group(analysed_samples):
    grouped = set(analysed_samples.store.group_members())
    boilerplate = {s.statement_id for s in analysed_samples.statements(boilerplate=True)}
    assert grouped and not grouped & boilerplate


def test_groups_span_articles_and_explain_their_links(analysed_samples):
    groups = analysed_samples.groups()
    assert groups
    links = analysed_samples.store.links()
    thresholds = analysed_samples.thresholds
    for group in groups:
        assert len(group.article_ids) >= 2
        assert group.label_statement_id in group.statement_ids
    for link in links:
        assert link.source_id < link.target_id
        assert link.score >= thresholds["suggested"] and link.rank >= 0
        assert -1.0 <= link.cosine <= 1.0 and link.margin > 0
        assert link.tier in {"suggested", "confirmed"}
    assert any(link.shared for link in links)  # shared units, names or figures are recorded


def test_grouping_quality_against_the_gold(analysed_samples):
    """Regression floors for the figures reported in benchmarks/REPORT.md (benchmarks/bench_grouping.py).

    groups.json is topic-level: it puts all four shells statements in one slot. Since two claims
    merge only when all their versions back it (group.merge_margin), the shells statements form
    two claims, as the fact-level gold (claims.json, written without looking at any grouping)
    has them: the 2022 shells and rockets US officials described, and the shell counts. The
    topic-level floor was lowered with that change (precision 0.5 to 0.42, claim recall 0.28
    to 0.17, recall 0.13 to 0.08); the real-news benchmark's precision rose from 0.77 to 0.93.
    Neither is the issue's target for the samples (precision 0.8, recall 0.7 against our gold).
    The floors rose again when the story alignment's suggested cut went from 1.04 to 0.99 (fact
    level: precision 0.29 to 0.33, recall 0.13 to 0.23, claim recall 0.22 to 0.43).
    """
    statements = analysed_samples.statements()
    article_of = {s.statement_id: s.article_id for s in statements}
    gold = load_gold(GOLD, analysed_samples.articles(), statements)
    scores = score_grouping(analysed_samples.groups(), gold, article_of)
    # must_group's factories pair names one of four Romanian sentences of the tour; with one
    # statement per article per claim, the fact-level test above checks that claim instead.
    assert scores.must_group_found >= scores.must_group_total - 1
    assert scores.precision >= 0.46 and scores.claim_recall >= 0.31 and scores.recall >= 0.14
    facts = score_grouping(analysed_samples.groups(), load_gold(GOLD.with_name("claims.json"),
                                                                analysed_samples.articles(), statements), article_of)
    assert facts.must_group_found == facts.must_group_total  # the shells counts, 1 million against 5 million
    assert facts.precision >= 0.32 and facts.claim_recall >= 0.42 and facts.recall >= 0.22


def test_same_input_gives_the_same_groups(analysed_samples, make_workbench, samples_dir):
    again = make_workbench()
    again.ingest([samples_dir])
    again.analyze()
    assert [(g.group_id, g.statement_ids) for g in again.groups()] == \
        [(g.group_id, g.statement_ids) for g in analysed_samples.groups()]


UNRELATED = Path(__file__).parent / "data" / "unrelated"


def test_unrelated_articles_never_join_a_group_and_leave_the_samples_groups_as_they_were(
        analysed_samples, make_workbench, samples_dir):
    """Five off-topic articles written for this test (tests/data/unrelated: football in English,
    a recipe in Romanian, a zoo in Russian, weather in French, a phone in Bulgarian). Before the
    name anchor, the football report, the zoo story and the recipe joined the Kim-Putin group."""
    mixed = make_workbench()
    assert len(mixed.ingest([samples_dir, UNRELATED]).added) == 10
    manifest = mixed.analyze()
    unrelated = {a.article_id for a in mixed.articles() if UNRELATED.name in a.origin}
    assert len(unrelated) == 5
    assert all(not set(group.article_ids) & unrelated for group in mixed.groups())
    assert manifest["grouping"]["pairs_without_shared_names"] > 0
    assert sorted(g.statement_ids for g in mixed.groups()) == sorted(g.statement_ids for g in analysed_samples.groups())


def test_a_pair_is_anchored_only_by_a_name_the_other_article_also_names():
    kim, peskov = name_keys("Liderul nord-coreean, Kim Jong Un, a vizitat fabrici.", min_length=2), name_keys(
        "Речник Кремля Дмитро С. сказав: Пєсков заявив у вівторок.", min_length=2)
    story = frozenset({"km", "pskv", "krml"})
    assert anchored(frozenset(kim), frozenset(), frozenset(), story)  # Kim is named in the other article
    assert anchored(frozenset(), frozenset(peskov), story, frozenset())  # Peskov, from the other side
    assert not anchored(frozenset(), frozenset(), story, story)  # neither statement names anything
    assert not anchored(frozenset({"mnch"}), frozenset({"tss"}), frozenset({"mnch"}), frozenset({"tss", "mskv"}))
    assert "km" not in name_keys("Liderul, Kim Jong Un, a vizitat")  # two-consonant keys only when asked for
    assert "km" in name_keys("Liderul, Kim Jong Un, a vizitat", min_length=2)


def test_centering_removes_a_language_offset():
    rng = np.random.default_rng(0)
    content = rng.normal(size=(40, 16))
    offset = np.zeros(16)
    offset[0] = 6.0
    vectors = np.vstack([content[:20] + offset, content[20:] - offset]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    languages = ["ro"] * 20 + ["bg"] * 20
    centred = center(vectors, languages, language_means(vectors, languages, shrinkage=0))
    raw_gap = np.mean(vectors[:20] @ vectors[:20].T) - np.mean(vectors[:20] @ vectors[20:].T)
    centred_gap = np.mean(centred[:20] @ centred[:20].T) - np.mean(centred[:20] @ centred[20:].T)
    assert raw_gap > 0.5 and abs(centred_gap) < 0.1


@pytest.mark.parametrize("names", [("Песков", "Пєсков", "Peskov"), ("Пхенян", "Phenian"), ("Kirby", "Кърби"),
                                   ("Bloomberg", "Блумбърг"), ("Shoigu", "Шойгу"), ("Wagner", "Вагнер")])
def test_names_match_across_scripts(names):
    assert len({name_key(name) for name in names}) == 1


def test_shared_evidence_is_explained():
    a = Evidence(units=frozenset({"shell"}), names=frozenset({"pskv"}), figures=frozenset({"19 month"}))
    b = Evidence(units=frozenset({"shell", "tank"}), names=frozenset(), figures=frozenset({"19 month"}))
    assert shared_evidence(a, b) == ("unit:shell", "figure:19 month")


def test_later_decisions_win_over_earlier_ones():
    decisions = [
        Decision("accept_link", ("s1", "s2"), created="2026-01-01T00:00:01"),
        Decision("reject_link", ("s1", "s2"), created="2026-01-01T00:00:02"),
        Decision("merge", ("s3", "s4"), created="2026-01-01T00:00:03"),
        Decision("split", ("s3",), target_ids=("s4", "s5"), created="2026-01-01T00:00:04"),
    ]
    constraints: Constraints = constraints_from(decisions)
    assert ("s1", "s2") in constraints.cannot and ("s1", "s2") not in constraints.must
    assert ("s3", "s4") in constraints.cannot and ("s3", "s5") in constraints.cannot
    assert not constraints.must


COMMUNITIES_SCRIPT = """
import json, random
import networkx as nx
from workbench.group import _communities
rng = random.Random(7)
graph = nx.Graph()
names = [f"s{rng.getrandbits(40):010x}" for _ in range(60)]
graph.add_nodes_from(sorted(names + [f"t{n:04d}" for n in range(300)]))  # the rest of the corpus
for i, a in enumerate(names):
    for b in names[i + 1:]:
        if rng.random() < (0.35 if names.index(b) // 10 == i // 10 else 0.03):
            graph.add_edge(min(a, b), max(a, b), weight=round(1 + rng.random() / 10, 4))
parts = _communities(graph, set(names), set(), seed=0)
print(json.dumps(sorted(sorted(part) for part in parts)))
"""


def test_loose_components_split_the_same_way_whatever_the_string_hashing():
    """Python salts string hashes per process; set order once leaked into Louvain's node order."""
    import os
    import subprocess
    import sys

    answers = {
        subprocess.run([sys.executable, "-c", COMMUNITIES_SCRIPT], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in range(6)
    }
    assert len(answers) == 1 and answers.pop().startswith("[[")


def test_a_grouping_with_no_pairs_scores_no_precision():
    from workbench.evaluation import GoldGrouping

    gold = GoldGrouping(clusters={"c": {"s1", "s2"}}, must_group=[("s1", "s2")], acceptable=set())
    scores = score_grouping([], gold, {"s1": "a1", "s2": "a2"})
    assert (scores.precision, scores.recall, scores.f1, scores.must_group_found) == (0.0, 0.0, 0.0, 0)


def test_an_outlet_credited_at_the_end_is_not_shared_evidence():
    """'…, rapporte Reuters' and '…, повідомляє Reuters': the relaying agency is not part of either fact."""
    from workbench.attribution import extract_attributions
    from workbench.group import _without_trailing_credits
    from workbench.model import Claims

    french = "Il a dit cela lors d'une conférence de presse à Séoul, rapporte Reuters."
    kept = _without_trailing_credits(french, Claims(attributions=extract_attributions(french, "fr")))
    assert "Reuters" not in kept and "Séoul" in kept
    assert "rtrs" not in name_keys(kept)
    leading = "Selon Reuters, Pyongyang a livré des obus à Moscou."  # a source named up front is kept
    assert _without_trailing_credits(leading, Claims(attributions=extract_attributions(leading, "fr"))) == leading


def test_a_group_keeps_its_id_while_it_keeps_most_of_its_statements():
    from workbench.group import keep_group_ids
    from workbench.model import Group

    def group(group_id, *members):
        return Group(group_id, tuple(members), members[0], "suggested", tuple(members), ("bg", "fr"))

    before = [group("gA", "a", "b", "c", "d"), group("gB", "e", "f"), group("gC", "g", "h", "i")]
    after = [group("g-a", "a", "b", "c"),  # 3 of gA's 4: continues gA
             group("g-d", "d", "x"),  # a fragment of gA
             group("g-e", "e", "f", "g", "h"),  # 2 of gB's 2 and 2 of gC's 3: continues gB, the larger share
             group("gA", "i", "y")]  # a new group whose own id happens to be an old one's
    kept = keep_group_ids(after, before)
    assert [g.group_id for g in kept][:3] == ["gA", "g-d", "gB"]
    assert kept[3].group_id not in {"gA", "gB", "gC", "g-d"} and kept[3].statement_ids == ("i", "y")
    assert [g.statement_ids for g in kept] == [g.statement_ids for g in after]  # only ids change
    assert keep_group_ids(after, []) == after


def test_precision_at_recall_is_the_best_any_threshold_reaches():
    from workbench.evaluation import GoldGrouping, pair_labels, precision_at_recall, roc_auc

    gold = GoldGrouping(clusters={"c": {"a1", "b1"}, "d": {"a2", "b2"}, "e": {"a3"}}, must_group=[],
                        acceptable={frozenset(("d", "e"))})
    ids = ["a1", "a2", "a3", "b1", "b2"]
    article_of = {s: s[0] for s in ids}
    rows_i, rows_j, is_gold, is_right = pair_labels(gold, article_of, ids)
    pairs = [(ids[i], ids[j]) for i, j in zip(rows_i, rows_j)]
    assert len(pairs) == 6  # three a-statements against two b-statements
    assert {p for p, g in zip(pairs, is_gold) if g} == {("a1", "b1"), ("a2", "b2")}
    assert {p for p, r in zip(pairs, is_right) if r} == {("a1", "b1"), ("a2", "b2"), ("a3", "b2")}
    # ranked: a1-b1 (gold), a1-b2 (wrong), a3-b2 (acceptable), a2-b2 (gold), then the rest
    score_of = {("a1", "b1"): 0.9, ("a1", "b2"): 0.8, ("a3", "b2"): 0.7, ("a2", "b2"): 0.6}
    scores = np.array([score_of.get(p, 0.1) for p in pairs])
    ceiling = precision_at_recall(scores, is_gold, is_right, [0.5, 1.0])
    assert ceiling == {0.5: 1.0, 1.0: 0.75}  # one pair right of one; three right of four
    # gold pairs rank 1st and 4th of 6: they beat 4 and 2 of the 4 others, 6 of 8 comparisons
    assert roc_auc(scores, is_gold) == 0.75


# -- neighbourhoods: the same lists in bounded memory (issue 28, item 1) ------------------------

def one_search_neighbourhoods(space: np.ndarray, articles: list[str], languages: list[str], k: int) -> Neighbourhoods:
    """The reference: each language searched in one call for every row, over-fetching past the
    largest article's statements, then same-article rows dropped (the search before issue 28)."""
    articles_array, languages_array = np.asarray(articles), np.asarray(languages)
    lists, means = {}, {}
    for language in sorted(set(languages)):
        members = np.flatnonzero(languages_array == language)
        index = VectorIndex(space.shape[1])
        index.add(space[members], members.astype(np.int64))
        fetch = min(len(members), k + max(Counter(articles_array[members].tolist()).values()))
        sims, rows = index.search(space, fetch)
        kept_rows = np.full((len(space), k), -1, dtype=np.int64)
        kept_sims = np.full((len(space), k), -np.inf, dtype=np.float32)
        for query in range(len(space)):
            others = [j for j in range(fetch) if rows[query, j] >= 0 and articles[rows[query, j]] != articles[query]][:k]
            kept_rows[query, :len(others)] = rows[query, others]
            kept_sims[query, :len(others)] = sims[query, others]
        lists[language] = (kept_rows, kept_sims)
        finite = np.isfinite(kept_sims)
        means[language] = np.where(finite.any(axis=1), np.where(finite, kept_sims, 0).sum(axis=1)
                                   / np.maximum(finite.sum(axis=1), 1), 0.0).astype(np.float32)
    return Neighbourhoods(lists, means)


def assert_same_neighbourhoods(found: Neighbourhoods, expected: Neighbourhoods) -> None:
    assert found.lists.keys() == expected.lists.keys()
    for language, (rows, sims) in expected.lists.items():
        assert np.array_equal(found.lists[language][0], rows), language
        assert np.array_equal(found.lists[language][1], sims), language
        assert np.array_equal(found.mean_similarity[language], expected.mean_similarity[language]), language


def random_unit_vectors(count: int, seed: int, dimension: int = 384) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_neighbourhoods_of_the_samples_are_those_of_one_search(analysed_samples):
    statements = [s for s in analysed_samples.statements() if not s.boilerplate]
    space = analysed_samples.scoring_space.transform(analysed_samples.embed([s.text for s in statements]))
    articles, languages = [s.article_id for s in statements], [s.language for s in statements]
    assert_same_neighbourhoods(neighbourhoods(space, articles, languages, 4, IndexConfig()),
                               one_search_neighbourhoods(space, articles, languages, 4))


def test_neighbourhoods_searched_in_blocks_are_those_of_one_search():
    """9,000 statements in blocks of one FAISS tile (4,096 queries), the rest joining the last:
    the same lists, to the last bit, as one search; ten copies of one statement tie exactly."""
    space = random_unit_vectors(9_000, seed=3)
    space[10:20] = space[0]
    articles = [f"a{row % 300:03d}" for row in range(len(space))]
    languages = [("fr", "bg", "uk")[row % 3] for row in range(len(space))]
    assert_same_neighbourhoods(neighbourhoods(space, articles, languages, 4, IndexConfig(), block_entries=1),
                               one_search_neighbourhoods(space, articles, languages, 4))


def test_a_language_past_exact_max_keeps_its_neighbours_in_an_archive_index_removed_with_it():
    """Grouping's index of one language past index.exact_max is an archive index (IVF, candidates
    re-scored exactly) in a temporary folder, not an HNSW graph: on clustered vectors it finds
    nearly every exact neighbour, and its folder goes with it."""
    rng = np.random.default_rng(7)
    topics = random_unit_vectors(400, seed=8)
    space = topics[rng.integers(0, 400, 6_600)] + 0.08 * rng.standard_normal((6_600, 384)).astype(np.float32)
    space /= np.linalg.norm(space, axis=1, keepdims=True)
    articles = [f"a{row // 6:04d}" for row in range(len(space))]
    languages = ["fr"] * 6_000 + ["bg"] * 600
    indexes: dict = {}
    found = neighbourhoods(space, articles, languages, 4, IndexConfig(exact_max=2_000), indexes=indexes)
    assert indexes["fr"].kind == "archive" and indexes["bg"].kind == "flat"
    folder = indexes["fr"].archive_dir
    assert folder.is_dir() and any(folder.rglob("*.faiss"))
    expected = one_search_neighbourhoods(space, articles, languages, 4)
    rows, exact_rows = found.lists["fr"][0], expected.lists["fr"][0]
    recall = np.mean([len(set(a) & set(b)) / 4 for a, b in zip(rows.tolist(), exact_rows.tolist())])
    assert recall >= 0.95, recall
    assert np.array_equal(found.lists["bg"][0], expected.lists["bg"][0])  # below exact_max: exact
    del indexes
    import gc

    gc.collect()
    assert not folder.exists()


def test_a_long_article_finds_the_nearest_statements_of_the_other_articles():
    long = LONG_ARTICLE + 200
    space = random_unit_vectors(long + 600, seed=5)
    articles = ["long"] * long + [f"a{row // 10:02d}" for row in range(600)]
    languages = ["fr"] * long + [("fr", "bg")[row % 2] for row in range(600)]
    found = neighbourhoods(space, articles, languages, 4, IndexConfig())
    articles_array, languages_array = np.asarray(articles), np.asarray(languages)
    for language, (rows, sims) in found.lists.items():
        cosines = space @ space.T
        cosines[(articles_array[:, None] == articles_array[None, :]) | (languages_array[None, :] != language)] = -np.inf
        nearest = np.argsort(-cosines, axis=1, kind="stable")[:, :4]
        assert np.array_equal(rows, nearest), language
        assert np.allclose(sims, np.take_along_axis(cosines, nearest, axis=1), atol=1e-5), language


# A generous ceiling, not the aim: the search takes tens of MB; over-fetching past the long
# article made a 10,000 x 10,000 result (7.2 GB on 9,066 statements).
NEIGHBOURHOODS_MEMORY_CEILING_MB = 1_000


def test_one_10000_statement_article_is_searched_in_bounded_memory():
    setup = """
        import numpy as np
        from workbench.config import IndexConfig
        from workbench.group import neighbourhoods

        vectors = np.random.default_rng(7).standard_normal((10_600, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        articles = ["long"] * 10_000 + [f"a{row // 10:02d}" for row in range(600)]
        languages = ["fr"] * 10_000 + [("fr", "bg")[row % 2] for row in range(600)]
        neighbourhoods(vectors[-100:], articles[-100:], languages[-100:], 4, IndexConfig())  # FAISS and BLAS warm
    """
    measured = "hoods = neighbourhoods(vectors, articles, languages, 4, IndexConfig())"
    assert peak_memory_increase_mb(setup, measured) <= NEIGHBOURHOODS_MEMORY_CEILING_MB


def test_names_read_from_stored_keys_are_the_names_of_the_text(analysed_samples):
    """Stories take each statement's names from its stored evidence keys (an incremental run does
    not read every text again): they must be the names its text gives."""
    from workbench.group import names_from_keys

    keys = analysed_samples.store.statement_keys()
    statements = [s for s in analysed_samples.statements() if s.statement_id in keys]
    named = [s for s in statements if name_keys(s.text)]
    assert len(statements) > 80 and len(named) > 40
    for statement in statements:
        assert names_from_keys(keys[statement.statement_id]) == name_keys(statement.text), statement.text


def test_evidence_worked_out_when_read_is_the_evidence_worked_out_at_once(analysed_samples):
    from workbench.group import evidence_from_keys

    stored = analysed_samples.store.statement_keys()
    keys = [stored[sid] for sid in sorted(stored)]
    counts = Counter(key for found in keys for key in found)
    eager, eager_gates = evidence_from_keys(keys, counts, len(keys))
    lazy, lazy_gates = evidence_from_keys(keys, counts, len(keys), lazy=True)
    assert len(lazy) == len(lazy_gates) == len(keys)
    order = list(range(len(keys)))[::-1]  # read out of order, gates before evidence for half of them
    for row in order:
        if row % 2:
            assert lazy_gates[row] == eager_gates[row]
        assert lazy[row] == eager[row]
        assert lazy_gates[row] == eager_gates[row]
    assert any(e.names for e in eager) and any(e.figures for e in eager) and any(eager_gates)
