#!/usr/bin/env python3
"""Search finds the translation: NTREX-128 news sentences among bg, ro, uk and fr, 12 directions.

For each target language, its sentences are ingested into a fresh workspace twice: as
one-sentence articles (the case that used to invent languages: a single French sentence
read as Portuguese or Catalan) and as multi-sentence articles (one per story). Each
other language's version of the same sentences is then searched with
``Workbench.search_many`` - the call ``workbench search`` and the UI make - and the first
hit must be a statement of the translated line. Each workspace is searched twice: right
after ingest, before any analysis (search then builds the index itself, and the languages of
statements waiting for analysis are the ones that analysis will give them), and after
``Workbench.analyze``. Also checked on every query: the first hit of ``top=1`` is the first
hit of ``top=5`` (the prefix property of ``--top``).

Run: ``python benchmarks/bench_translation_search.py [--lines 400] [--set KEY=VALUE ...]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import OUT, machine, write_result

import news

from workbench import Config, Workbench

TARGET = 0.95


def corpus_rows(sentences: list[str], stories: list[str], mode: str) -> list[dict[str, str]]:
    if mode == "one_sentence":
        return [{"id": f"line-{i:04d}", "text": text} for i, text in enumerate(sentences)]
    rows: dict[str, list[str]] = {}
    for text, story in zip(sentences, stories):
        rows.setdefault(story, []).append(text)
    return [{"id": f"story-{i:03d}", "text": "\n".join(lines)} for i, lines in enumerate(rows.values())]


def run_target(target: str, mode: str, sentences: dict[str, list[str]], stories: list[str],
               overrides: dict[str, str]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-translation-"))
    try:
        path = folder / "corpus.jsonl"
        rows = corpus_rows(sentences[target], stories, mode)
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        config = Config.load(workspace=str(folder / "ws"), home=str(OUT), overrides=overrides)
        with Workbench(config) as workbench:
            workbench.ingest([path])
            texts = {a.article_id: a.text for a in workbench.articles()}
            origin_row = {a.article_id: int(a.origin.rsplit(":", 1)[1]) - 1 for a in workbench.articles()}
            # statement -> index of the target sentence it comes from
            line_of = {}
            offsets = {}
            for i, story in enumerate(stories):
                offsets.setdefault(story, []).append(i)
            story_order = list(offsets)
            for statement in workbench.statements():
                row = origin_row[statement.article_id]
                if mode == "one_sentence":
                    line_of[statement.statement_id] = row
                else:
                    position = texts[statement.article_id].count("\n", 0, statement.start)
                    line_of[statement.statement_id] = offsets[story_order[row]][position]
            result = {"target": target, "mode": mode, "statements": len(line_of),
                      "after_ingest": searched(workbench, sentences, target, line_of)}
            manifest = workbench.analyze()
            result["after_analysis"] = searched(workbench, sentences, target, line_of)
            result["languages_seen"] = sorted({s.language for s in workbench.statements()})
            result["notes"] = manifest.get("notes", [])
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def searched(workbench: Workbench, sentences: dict[str, list[str]], target: str, line_of: dict[str, int]) -> dict:
    """Each other language's sentences searched in the workspace: top-1 hits per direction."""
    directions = {}
    for source in sorted(sentences):
        if source == target:
            continue
        queries = sentences[source]
        started = time.perf_counter()
        first = workbench.search_many(queries, top=1)
        seconds = time.perf_counter() - started
        five = workbench.search_many(queries, top=5)
        hits = sum(1 for i, found in enumerate(first) if found and line_of[found[0].statement_id] == i)
        prefix = sum(1 for a, b in zip(first, five) if [h.statement_id for h in a] == [h.statement_id for h in b[:1]])
        directions[f"{source}->{target}"] = {"queries": len(queries), "top1": round(hits / len(queries), 4),
                                             "prefix_agree": prefix,
                                             "ms_per_query": round(1000 * seconds / len(queries), 2)}
    return {"directions": directions}


def summary_of(results: list[dict], when: str) -> dict:
    directions = [r for result in results for r in result[when]["directions"].values()]
    queries = sum(r["queries"] for r in directions)
    return {"queries": queries, "top1": round(sum(r["top1"] * r["queries"] for r in directions) / queries, 4),
            "worst_direction": min(r["top1"] for r in directions),
            "prefix_disagreements": sum(r["queries"] - r["prefix_agree"] for r in directions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400, help="sentences per language (from the first stories)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.assignments)
    ids, _ = news.read_ntrex()
    sentences = {lang: rows[: args.lines] for lang, rows in news.parallel_sentences().items()}
    stories = ids[: args.lines]
    results = []
    for target in news.LANGUAGES:
        for mode in ("one_sentence", "multi_sentence"):
            result = run_target(target, mode, sentences, stories, overrides)
            results.append(result)
            print(target, mode, result["languages_seen"],
                  {when: {d: r["top1"] for d, r in result[when]["directions"].items()}
                   for when in ("after_ingest", "after_analysis")}, flush=True)
    summary = {when: summary_of(results, when) for when in ("after_ingest", "after_analysis")}
    print(summary)
    write_result("translation_search", {"machine": machine(), "target": TARGET, "summary": summary,
                                        "overrides": overrides, "results": results})


if __name__ == "__main__":
    main()
