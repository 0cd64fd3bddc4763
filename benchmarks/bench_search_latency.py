#!/usr/bin/env python3
"""How long one search takes on a workspace of 100,000 statements, as the CLI and the UI call it.

The workspace is the UI tests' synthetic one (tests/test_ui.py ``fill_large_workspace``:
1,000 articles in ro, uk, bg and fr), with random unit vectors in its index in place of
embeddings: an exact search costs the same whatever the vectors hold, and the query itself
is embedded by the real encoder. Prints, from one run: the median and 90th percentile of
``Workbench.search()`` (query encoding included), of encoding the query alone, and of the
index step both ways: one filtered FAISS search per language (what search did before), and
every row scored once for all languages (``VectorIndex.search_each``, what search uses);
then ``Workbench.search()`` again with the index step done the former way, for the ratio.
Run: ``python benchmarks/bench_search_latency.py`` (about a minute); not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from common import large_workspace, machine, write_result

from workbench import Config, Workbench

QUERIES = ("North Korea sent five million shells to Russia", "Кім Чен Ин і Путін зустрілися в Росії",
           "Putin va vizita Coreea de Nord", "Plus d'un million d'obus livrés à la Russie",
           "Северна Корея е изпратила близо пет милиона снаряда на Русия")


def timed_ms(function, arguments) -> list[float]:
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append(1000 * (time.perf_counter() - started))
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 2), "p90_ms": round(ordered[int(0.9 * len(ordered))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="times each query is asked (default 20)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-search-latency-"))
    try:
        workspace, overrides, count = large_workspace(folder)
        # a different text each time, so no cache answers for the encoder
        queries = [f"{text} ({n})" for n in range(args.repeat) for text in QUERIES]
        with Workbench(Config.load(workspace=str(workspace), overrides=overrides)) as workbench:
            started = time.perf_counter()
            workbench.search("first search of the session")
            first_ms = 1000 * (time.perf_counter() - started)
            search = timed_ms(workbench.search, queries)
            encoding = timed_ms(lambda query: workbench.encoder.encode([query]), queries)
            index = workbench.index()
            by_language = dict(sorted(workbench.store.vector_ids_by_language().items()))
            embedded = workbench.scoring_space.transform(workbench.encoder.encode(list(QUERIES)))
            rows = [embedded[i % len(embedded)][None, :] for i in range(len(queries))]
            filtered = timed_ms(lambda q: [index.search(q, 50, allowed_ids=ids) for ids in by_language.values()], rows)
            together = timed_ms(lambda q: index.search_each(q, 50, by_language), rows)
            index.search_each = lambda found, k, groups: {  # the former index step, for the ratio
                name: index.search(found, k, allowed_ids=ids) for name, ids in groups.items()}
            former = timed_ms(workbench.search, [f"{query} again" for query in queries])
        result = {
            "machine": machine(), "statements": count, "languages": len(by_language), "queries": len(queries),
            "first_search_ms": round(first_ms, 1), "search": summary(search), "query_encoding": summary(encoding),
            "search_filtered_per_language": summary(former),
            "index_filtered_per_language": summary(filtered), "index_scored_once": summary(together),
        }
        result["index_ratio"] = round(result["index_scored_once"]["median_ms"]
                                      / result["index_filtered_per_language"]["median_ms"], 3)
        write_result("search_latency", result)
        print(f"{count:,} statements in {len(by_language)} languages, {len(queries)} queries:")
        print(f"  Workbench.search(): median {result['search']['median_ms']} ms, p90 {result['search']['p90_ms']} ms "
              f"(first of the session {result['first_search_ms']} ms)")
        print(f"  Workbench.search() with one filtered FAISS search per language: median "
              f"{result['search_filtered_per_language']['median_ms']} ms, p90 "
              f"{result['search_filtered_per_language']['p90_ms']} ms")
        print(f"  query encoding alone: median {result['query_encoding']['median_ms']} ms")
        print(f"  index step, one filtered FAISS search per language: median "
              f"{result['index_filtered_per_language']['median_ms']} ms; every row scored once: "
              f"{result['index_scored_once']['median_ms']} ms ({result['index_ratio']}x)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
