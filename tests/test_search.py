"""Search in any language, from the library and the CLI (one query, or a file of queries as JSON Lines)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.cli import main

from conftest import sample_statement


def test_a_claim_finds_its_counterpart_on_the_first_page_in_another_language(analysed_samples):
    french = sample_statement(analysed_samples, "002", "Plus tôt, il a été signalé que")
    bulgarian = sample_statement(analysed_samples, "004", "Неотдавнашен доклад на Блумбърг")
    hits = analysed_samples.search(french.text, language="bg", top=10)  # one page, the CLI's default
    assert bulgarian.statement_id in [hit.statement_id for hit in hits]
    assert all(hit.language == "bg" for hit in hits)


def test_results_cover_every_language_and_skip_boilerplate(analysed_samples):
    hits = analysed_samples.search("Kim Jong Un a inspectat fabrici de armament", top=12)
    assert {hit.language for hit in hits} == {"ro", "uk", "fr", "bg"}
    boilerplate = {s.statement_id for s in analysed_samples.statements(boilerplate=True)}
    assert not {hit.statement_id for hit in hits} & boilerplate
    assert all(-1 <= hit.score <= 1 for hit in hits)
    first_round = hits[:4]  # each language's best comes first
    assert {hit.language for hit in first_round} == {"ro", "uk", "fr", "bg"}
    assert first_round[0].statement_id == sample_statement(
        analysed_samples, "000", "Liderul nord-coreean, Kim Jong Un, a efectuat").statement_id


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
