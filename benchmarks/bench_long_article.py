#!/usr/bin/env python3
"""Peak memory of ``workbench analyze`` on one very long article (issue 28, item 1).

The corpus is the sample articles (``data/samples``) plus one article of about ``--statements``
sentences (default 10,000) in French, written on a single line, as a scraper that lost the
paragraph breaks leaves it: the article is cut into statements at sentence boundaries and stored
with a warning. Its sentences come from the synthetic stream of ``synthetic.py`` (real French
vocabulary and lengths, every sentence unique).

One ``workbench analyze`` of that folder runs through ``timed_cli.py`` on a fresh workspace
whose embedding cache is the benchmarks' own (``common.cache_path()``), so the long article is
encoded once per machine; the process's peak resident memory and ``run.json``'s stage timings
are recorded. Before the fix, the grouping stage asked for ``k`` plus the long article's own
statement count of neighbours per statement, an n x n matrix: 7.2 GB on 9,066 statements.

``--baseline REF`` first runs the same analysis on the code of git commit ``REF`` (its
``workbench`` package extracted with ``git archive`` and put first on ``PYTHONPATH``), on its
own fresh workspace, so the two figures are measured back to back on the same machine.

Writes ``benchmarks/out/long_article.json``. Run: ``python benchmarks/bench_long_article.py
[--statements 10000] [--baseline f5a5b06]``; the first run encodes the article (about 4 minutes
on 2 cores), later runs read the cache.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench_speed import Limits, RunFailed, analyze, new_home
from common import ROOT, machine, write_result
from synthetic import SAMPLES, SEED, SentenceStream, sample_pool

LANGUAGE = "fr"


def write_long_corpus(folder: Path, statements: int) -> Path:
    """The sample articles plus one single-line article of ``statements`` sentences."""
    folder.mkdir(parents=True)
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    stream = SentenceStream(sample_pool(), random.Random(SEED))
    line = " ".join(stream.sentence(LANGUAGE) for _ in range(statements))
    (folder / f"long_{LANGUAGE}.txt").write_text(line + "\n", encoding="utf-8")
    return folder


def baseline_code(ref: str, work: Path) -> Path:
    """The ``workbench`` package as it was at ``ref``, in a folder to put first on PYTHONPATH."""
    target = work / f"code-{ref}"
    target.mkdir()
    archive = subprocess.run(["git", "archive", ref, "workbench"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def measured(corpus: Path, work: Path, label: str, limits: Limits, code: Path | None = None) -> dict[str, Any]:
    """One analyze run's peak memory, stage timings and counts (or how it failed)."""
    env = {"PYTHONPATH": str(code)} if code is not None else {}
    try:
        run = analyze(corpus, new_home(work, label, shared_cache=True), label, limits, extra_env=env)
    except RunFailed as error:
        print(f"  {error}", flush=True)
        return error.record
    print(f"  {label}: peak {run.max_rss_mb:,.0f} MB, {run.wall_s:,.1f} s, {run.counts['statements']:,} statements "
          f"(group stage {run.stages.get('group', 0):.1f} s)", flush=True)
    return {"max_rss_mb": run.max_rss_mb, "wall_s": run.wall_s, "cpu_s": run.cpu_s, "stages": run.stages,
            "statements": run.counts["statements"], "articles": run.counts["articles"],
            "encoded": run.encoded, "from_cache": run.from_cache, "load_before": run.load_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=10_000, help="sentences in the long article (default 10,000)")
    parser.add_argument("--baseline", metavar="REF", default=None,
                        help="also measure the code of this git commit, first, on the same corpus")
    parser.add_argument("--memory-cap-mb", type=float, default=12_288,
                        help="stop a run above this resident memory (default 12,288; the old code needed over 7 GB)")
    parser.add_argument("--time-limit", type=float, default=3600, help="stop a run after this many seconds")
    args = parser.parse_args()
    limits = Limits(memory_mb=args.memory_cap_mb, seconds=args.time_limit)
    work = Path(tempfile.mkdtemp(prefix="bench-long-"))
    result: dict[str, Any] = {"machine": machine(), "statements_asked": args.statements, "language": LANGUAGE,
                              "limits": {"memory_mb": limits.memory_mb, "seconds": limits.seconds}}
    try:
        corpus = write_long_corpus(work / "corpus", args.statements)
        result["characters"] = (corpus / f"long_{LANGUAGE}.txt").stat().st_size
        if args.baseline:
            commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, check=True,
                                    capture_output=True, text=True).stdout.strip()
            print(f"baseline {commit}", flush=True)
            result["baseline"] = {"commit": commit, **measured(corpus, work, "baseline", limits,
                                                                baseline_code(args.baseline, work))}
        print("this code", flush=True)
        result["current"] = measured(corpus, work, "current", limits)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {write_result('long_article', result)}")


if __name__ == "__main__":
    main()
