"""The sample corpus against our gold annotation (tests/gold/samples.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLD = json.loads((Path(__file__).parent / "gold" / "samples.json").read_text(encoding="utf-8"))["articles"]


@pytest.fixture(scope="module")
def by_file(ingested_samples):
    articles = {Path(article.origin).name: article for article in ingested_samples.articles()}
    return {
        name: (article, ingested_samples.statements(article_id=article.article_id))
        for name, article in articles.items()
    }


@pytest.mark.parametrize("name", sorted(GOLD))
def test_article_language_and_title(by_file, name):
    article, _ = by_file[name]
    assert article.language == GOLD[name]["language"]
    assert article.title == GOLD[name]["title"]


@pytest.mark.parametrize("name", sorted(GOLD))
def test_statement_count_and_headline(by_file, name):
    _, statements = by_file[name]
    assert len(statements) == GOLD[name]["statements"]
    titles = [s for s in statements if s.is_title]
    assert bool(titles) == GOLD[name]["headline_is_statement"]
    if titles:
        assert titles[0].text == GOLD[name]["title"]
        # the repeated headline below it is not a second statement
        assert sum(s.text.startswith(GOLD[name]["title"]) for s in statements) == 1


@pytest.mark.parametrize("name", sorted(GOLD))
def test_boilerplate_matches_gold(by_file, name):
    _, statements = by_file[name]
    expected = list(GOLD[name]["boilerplate"])
    marked = [s for s in statements if s.boilerplate]
    assert len(marked) == len(expected), [s.text[:40] for s in marked]
    for statement, gold in zip(marked, expected):
        assert statement.text.startswith(gold["starts_with"]), (statement.text, gold)
        assert statement.boilerplate_reason in gold["reasons"], (statement.text, statement.boilerplate_reason)


@pytest.mark.parametrize("name", sorted(GOLD))
def test_every_statement_language_is_the_articles(by_file, name):
    """The samples are single-language articles: no Bulgarian line may be called Russian or Macedonian."""
    article, statements = by_file[name]
    assert {s.language for s in statements} == {GOLD[name]["language"]}


def test_offsets_point_into_the_original_text(by_file):
    for article, statements in by_file.values():
        for statement in statements:
            raw = article.text[statement.start:statement.end]
            assert raw.strip() == raw and raw
            # the cleaned text keeps every word of the raw span
            assert statement.text.split()[-1].strip("*") in raw


def test_positions_are_dense_and_ordered(by_file):
    for _, statements in by_file.values():
        assert [s.position for s in statements] == list(range(len(statements)))
        assert all(a.end <= b.start for a, b in zip(statements, statements[1:]))


def test_motivating_sentences_are_content(by_file):
    """The two shells sentences must survive cleaning intact and not be marked boilerplate."""
    _, fr = by_file["002_20acd37116a2ee7f.txt"]
    _, bg = by_file["004_b91c89b5cbf94032.txt"]
    shells_fr = [s for s in fr if "plus d'un million de coquilles" in s.text]
    shells_bg = [s for s in bg if "близо пет милиона артилерийски снаряда" in s.text]
    assert len(shells_fr) == 1 and not shells_fr[0].boilerplate
    assert len(shells_bg) == 1 and not shells_bg[0].boilerplate
    assert shells_fr[0].text.startswith("Plus tôt, il a été signalé que")
    assert shells_bg[0].text.startswith("Неотдавнашен доклад на Блумбърг")
