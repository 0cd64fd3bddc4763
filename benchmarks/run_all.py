#!/usr/bin/env python3
"""Run every benchmark script in turn, then write benchmarks/REPORT.md and its plots.

What ``make bench`` runs. The scripts run one after another as subprocesses (a failing
one is recorded and the rest still run); each writes ``benchmarks/out/<name>.json``
(``bench_quantities.py`` prints tables, kept in ``benchmarks/out/logs/quantities.log``),
and ``report.py`` turns them into the report. Output of each script is shown as it
runs and kept in ``benchmarks/out/logs/<name>.log``.

Runtime on the project's 2-core machines: about 1.5 to 2 hours the first time (the
speed benchmark encodes 100k synthetic statements once into the benchmark embedding
cache, and the retrieval benchmark encodes the parallel set), about 40 minutes after
that. ``--quick`` is a smoke run of about 8 minutes on small sizes; its report (which says so)
goes to ``benchmarks/out/REPORT-quick.md``, never over the committed one.

    python benchmarks/run_all.py [--quick] [--only speed --only grouping ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from common import HERE
import report
from report import LOGS, write_report

# name: (script, arguments for a full run, arguments for --quick)
SCRIPTS: dict[str, tuple[str, list[str], list[str]]] = {
    "quantities": ("bench_quantities.py", [], ["--repeat", "2"]),
    "retrieval": ("bench_retrieval.py", [], ["--limit", "200"]),
    "grouping": ("bench_grouping.py", [], []),
    "search_quality": ("bench_search.py", [], []),
    "news": ("bench_news.py", [], ["--seed", "7"]),
    "translation_search": ("bench_translation_search.py", [], ["--lines", "100"]),
    "speed": ("bench_speed.py", [], ["--quick"]),
    "long_article": ("bench_long_article.py", [], ["--statements", "1000"]),
    "stories_scale": ("bench_stories_scale.py", [], ["--sizes", "20000"]),
}
# The same environment as `make bench` (Makefile) when run directly: 2 threads, offline models.
ENVIRONMENT = {"OMP_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1"}


def run_script(name: str, script: str, args: list[str]) -> dict[str, object]:
    """Run one script, echoing its output and keeping it in the log; never raises on its failure."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name}.log"
    env = {**ENVIRONMENT, **os.environ}
    print(f"\n== {script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, str(HERE / script), *args], cwd=HERE, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
        exit_code = process.wait()
    elapsed = time.perf_counter() - started
    if exit_code:
        print(f"!! {script} exited with {exit_code}; see {log_path}", flush=True)
    return {"script": script, "args": args, "exit_code": exit_code, "seconds": round(elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few minutes")
    parser.add_argument("--only", action="append", choices=sorted(SCRIPTS), metavar="NAME",
                        help=f"run only these benchmarks (repeatable): {', '.join(SCRIPTS)}")
    args = parser.parse_args()
    status = {"started": time.time(), "quick": args.quick, "scripts": {}}
    if args.quick:
        report.use_quick_output()
    for name, (script, full_args, quick_args) in SCRIPTS.items():
        if args.only and name not in args.only:
            continue
        status["scripts"][name] = run_script(name, script, quick_args if args.quick else full_args)
    written = write_report(status)
    print(f"\nwrote {written.relative_to(HERE.parent)} and its plots in {report.PLOTS.relative_to(HERE.parent)}/")
    failed = [entry["script"] for entry in status["scripts"].values() if entry["exit_code"]]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
