"""The synthetic corpus behind the speed benchmark (benchmarks/synthetic.py): deterministic,
unique texts, real languages, no language given away to the pipeline."""

from __future__ import annotations

import json
import sys
from itertools import islice

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
synthetic = pytest.importorskip("synthetic")


@pytest.fixture(scope="module")
def pool():
    return synthetic.sample_pool()


def first_articles(pool, count: int) -> list[dict[str, str]]:
    return [row for row, _ in islice(synthetic.articles(pool), count)]


def test_stream_is_deterministic_and_prefix_stable(pool) -> None:
    assert first_articles(pool, 12) == first_articles(pool, 40)[:12]


def test_every_sentence_is_unique_and_no_language_is_given(pool) -> None:
    rows = first_articles(pool, 60)
    assert all("lang" not in row and "language" not in row for row in rows)
    import random

    stream = synthetic.SentenceStream(pool, random.Random(1))
    # Far more sentences than the smallest language holds: uniqueness must come from the variants.
    sentences = [stream.sentence(language) for language in pool.words for _ in range(500)]
    assert len({sentence.casefold() for sentence in sentences}) == len(sentences)
    assert set(pool.words) >= {"bg", "fr", "ro", "uk"}


def test_pipeline_detects_the_language_each_article_was_written_in(pool, make_workbench, tmp_path) -> None:
    rows = first_articles(pool, 20)
    corpus = tmp_path / "synthetic.jsonl"
    corpus.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([corpus])
    detected = {article.title: article.language for article in workbench.articles()}
    written = {row["title"]: row["id"].rsplit("-", 1)[1] for row in rows}
    agreeing = sum(detected[title] == language for title, language in written.items())
    assert agreeing >= 19, {title: (written[title], detected[title]) for title in written}


def test_the_real_news_corpus_does_not_change_when_the_quantity_stage_does(monkeypatch) -> None:
    import workbench.quantities

    news = pytest.importorskip("news")
    before = news.build(seed=7, stories=12, part="heldout")
    # a parser that reads no figure at all: the corpus it is measured on stays the same
    monkeypatch.setattr(workbench.quantities, "extract_quantities", lambda text, language, **_: [])
    after = news.build(seed=7, stories=12, part="heldout")
    assert [(a.article_id, a.text, a.planted) for a in after.articles] == \
        [(a.article_id, a.text, a.planted) for a in before.articles]
    assert any(a.planted for a in before.articles) and before.agreeing == after.agreeing
