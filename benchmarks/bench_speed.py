#!/usr/bin/env python3
"""Speed and memory of the whole pipeline, as ratios measured in one run.

What it measures (``benchmarks/out/speed.json``; ``run_all.py`` turns it into the report):

1. **Pipeline vs bare encoding, warm vs cold** on a 10,000-statement synthetic corpus
   (``synthetic.py``). Each repeat runs, on a fresh workspace with an empty embedding
   cache: (b) the whole ``workbench analyze CORPUS --out DIR`` (ingest, every stage,
   export) as a subprocess; (c) the same command again (warm cache, every article a
   duplicate); (a) the encoder's ``encode()`` alone on exactly the texts the pipeline
   embedded, in batches of ``embed.batch_size``, in a fresh process like the pipeline's.
   Reported: b/a and c/b (medians over repeats), wall-clock and CPU time, and ``run.json``'s
   stage timings.
2. **Scaling** from 1k to 100k statements: ``analyze`` on a fresh workspace whose
   embedding cache is the benchmarks' own (``common.cache_path()``), so 100k statements
   are encoded only by the first run on a machine; then again on a fresh workspace with
   that cache warm, and once more on the same workspace. Time per stage, peak memory
   (max RSS of the subprocess) and whether the run encoded or read the cache.
3. **Index**: exact (``IndexFlatIP``) vs HNSW (the library's ``VectorIndex``) on the 10k-100k
   corpus vectors: build time, batch-of-1 latency, recall@10 of HNSW against exact
   (unfiltered and filtered to one language, as search does), the cost of the grouping
   stage's all-rows neighbour search, and an efSearch sweep at the largest size.
4. **Search**: ``Workbench.search()`` end to end (query encoding included) on the 100k
   workspace, median over 50 different queries from the parallel set.

Run: ``python benchmarks/bench_speed.py`` (first run on a machine about 1.5 h on 2 cores,
most of it encoding 100k statements once into the benchmark cache; later runs about
35 min), ``--quick`` for a smoke run on 300-1,000 statements (about 5 min), ``--ratio-only
--repeat 1`` for part 1 alone (about 10 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

# The project's machines have 2 cores; `make bench` sets the same (Makefile).
for _name, _value in (("OMP_NUM_THREADS", "2"), ("TOKENIZERS_PARALLELISM", "false"), ("HF_HUB_OFFLINE", "1"),
                      ("TRANSFORMERS_OFFLINE", "1")):
    os.environ.setdefault(_name, _value)

import numpy as np

from common import HERE, cache_path, encode_cached, machine, read_parallel, write_result
from synthetic import sample_pool, write_corpus

from workbench.config import Config, IndexConfig
from workbench.embed import EmbeddingCache, embed_texts, load_encoder
from workbench.index import VectorIndex
from workbench.pipeline import Workbench
from workbench.store import Store

WORKSPACE = "bench"
SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)
QUICK_SIZES = (300, 1_000)
INDEX_SIZES = (10_000, 30_000, 50_000, 100_000)
QUICK_INDEX_SIZES = (300, 1_000)
EF_SWEEP = (16, 32, 64, 96, 128, 256)
TOP_K = 10
INDEX_QUERIES = 200
SEARCH_QUERIES = 50
TARGETS = {"pipeline_vs_encoding": 1.3, "warm_vs_cold": 0.10, "peak_memory_mb": 2048, "search_ms": 50}


@dataclass
class Run:
    """One ``workbench analyze`` subprocess: what the operating system and the run manifest say."""

    wall_s: float
    cpu_s: float  # user + system of the process: less sensitive than wall time to other load on the machine
    max_rss_mb: float  # peak resident memory of the process
    load_before: float  # 1-minute load average before and after: above the core count means contention
    load_after: float
    phases: dict[str, float]  # import, ingest, analyze, export, process (timed_cli.py)
    stages: dict[str, float]  # run.json timings_s
    encoded: int
    from_cache: int
    counts: dict[str, Any]
    grouping: dict[str, Any]
    index_kind: str


def clean_environment(home: Path) -> dict[str, str]:
    """This process's environment with a fresh WORKBENCH_HOME and no WORKBENCH_* setting overrides."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("WORKBENCH_")}
    env["WORKBENCH_HOME"] = str(home)
    return env


class RunFailed(RuntimeError):
    """An analyze run that failed or was stopped (over the memory cap or the time limit)."""

    def __init__(self, label: str, reason: str, wall_s: float, max_rss_mb: float):
        super().__init__(f"analyze ({label}): {reason}")
        self.record = {"failed": reason, "wall_s": round(wall_s, 1), "max_rss_mb": round(max_rss_mb, 1)}


@dataclass(frozen=True)
class Limits:
    """Guards for a shared machine: a run above ``memory_mb`` or ``seconds`` is stopped and reported as such."""

    memory_mb: float
    seconds: float


def analyze(corpus: Path, home: Path, label: str, limits: Limits, settings: tuple[str, ...] = (),
            extra_env: dict[str, str] | None = None) -> Run:
    """``workbench analyze CORPUS --out DIR`` on the workspace in ``home``, measured from outside
    (``extra_env``: more environment variables for the run, e.g. a PYTHONPATH to other code)."""
    import psutil

    out_dir = home / f"out-{label}"
    timings = home / f"timings-{label}.json"
    log_path = home / f"log-{label}.txt"
    command = [sys.executable, str(HERE / "timed_cli.py"), str(timings), "analyze", str(corpus),
               "--workspace", WORKSPACE, "--out", str(out_dir), "--quiet"]
    command += [argument for setting in settings for argument in ("--set", setting)]
    load_before = os.getloadavg()[0]
    peak_mb, stopped = 0.0, ""
    with log_path.open("w", encoding="utf-8") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, env={**clean_environment(home), **(extra_env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT)
        watched = psutil.Process(process.pid)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            try:
                peak_mb = max(peak_mb, watched.memory_info().rss / 2**20)
            except psutil.NoSuchProcess:
                continue
            elapsed = time.perf_counter() - started
            if not stopped and (peak_mb > limits.memory_mb or elapsed > limits.seconds):
                stopped = (f"stopped above the memory cap of {limits.memory_mb:,.0f} MB" if peak_mb > limits.memory_mb
                           else f"stopped after the time limit of {limits.seconds:,.0f} s")
                process.kill()
            time.sleep(0.2)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if stopped:
        raise RunFailed(label, stopped, wall, peak_mb)
    if process.returncode not in (0, 3):  # 3: some inputs were rejected, the rest analysed
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RunFailed(label, f"exited with {process.returncode}: {tail}", wall, peak_mb)
    manifest = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    measured = json.loads(timings.read_text(encoding="utf-8"))
    # The child's own high-water mark is exact; polling may miss a short peak. (Not ru_maxrss: on
    # Linux it includes this process's memory at the fork.)
    peak_mb = max(peak_mb, measured["peak_rss_mb"] or 0.0)
    return Run(
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        max_rss_mb=round(peak_mb, 1),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
        phases=measured["seconds"],
        stages=manifest["timings_s"],
        encoded=int(manifest["embedding"]["encoded"]),
        from_cache=int(manifest["embedding"]["from_cache"]),
        counts=manifest["counts"],
        grouping=manifest["grouping"],
        index_kind=manifest["index"]["index_type"],
    )


def new_home(parent: Path, name: str, shared_cache: bool) -> Path:
    """A WORKBENCH_HOME; with ``shared_cache`` its embedding cache is the benchmarks' own."""
    home = parent / name
    home.mkdir(parents=True)
    if shared_cache:
        cache_path().parent.mkdir(parents=True, exist_ok=True)
        (home / "cache").symlink_to(cache_path().parent, target_is_directory=True)
    return home


def workspace_texts(home: Path) -> list[str]:
    """The texts the pipeline embedded for this workspace: every statement's, unique, in corpus order."""
    config = Config.load(workspace=WORKSPACE, home=str(home), environ={})
    store = Store(config.database_path)
    try:
        return list(dict.fromkeys(statement.text for statement in store.statements()))
    finally:
        store.close()


def bare_encoding(texts: list[str], work: Path) -> dict[str, float]:
    """The floor: the configured encoder's encode() on ``texts`` in the pipeline's batches, no cache.

    It runs in a fresh process, as the pipeline does: a long-lived benchmark process that has
    already loaded FAISS and the store is not the setting the encoder meets in ``analyze``."""
    texts_path, result_path = work / "bare-texts.json", work / "bare-result.json"
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    load_before = os.getloadavg()[0]
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--bare-encode", str(texts_path), str(result_path)],
                   env=clean_environment(work), check=True)
    measured = json.loads(result_path.read_text(encoding="utf-8"))
    return {**measured, "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def bare_encoding_child(texts_path: Path, result_path: Path) -> None:
    """The child of :func:`bare_encoding`: load the encoder, then time encode() alone."""
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    config = Config.load(environ={})
    encoder = load_encoder(config.embed.model, config.embed.prefix)
    batch = config.embed.batch_size
    cpu_before, started = os.times(), time.perf_counter()
    for start in range(0, len(texts), batch):
        encoder.encode(texts[start:start + batch], batch_size=batch)
    wall = time.perf_counter() - started
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    result_path.write_text(json.dumps({
        "texts": len(texts), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "per_statement_ms": round(1000 * wall / max(len(texts), 1), 3)}), encoding="utf-8")


def ratio_benchmark(corpus: Path, repeats: int, work: Path, limits: Limits) -> dict[str, Any]:
    """b/a and c/b on one corpus, ``repeats`` times, each repeat a, b and c back to back."""
    rounds = []
    for number in range(1, repeats + 1):
        home = new_home(work, f"ratio-{number}", shared_cache=False)
        cold = analyze(corpus, home, "cold", limits)
        print(f"  repeat {number}: cold analyze {cold.wall_s:.1f} s", flush=True)
        warm = analyze(corpus, home, "warm", limits)
        print(f"  repeat {number}: warm analyze {warm.wall_s:.1f} s", flush=True)
        bare = bare_encoding(workspace_texts(home), home)
        print(f"  repeat {number}: bare encoding of {bare['texts']} texts {bare['wall_s']:.1f} s", flush=True)
        rounds.append({
            "cold": asdict(cold), "warm": asdict(warm), "bare": bare,
            "pipeline_vs_encoding": round(cold.wall_s / bare["wall_s"], 4),
            "pipeline_vs_encoding_cpu": round(cold.cpu_s / bare["cpu_s"], 4),
            # The same ratio inside one process: immune to load that changes between (a) and (b).
            "pipeline_vs_embed_stage": round(cold.wall_s / cold.stages["embed"], 4),
            "warm_vs_cold": round(warm.wall_s / cold.wall_s, 4),
            "warm_vs_cold_cpu": round(warm.cpu_s / cold.cpu_s, 4),
        })
        shutil.rmtree(home, ignore_errors=True)

    def median(key: str, part: str | None = None) -> float:
        return round(statistics.median(r[part][key] if part else r[key] for r in rounds), 4)

    return {
        "corpus": corpus.name,
        "statements": rounds[0]["cold"]["counts"]["statements"],
        "repeats": repeats,
        "pipeline_vs_encoding": median("pipeline_vs_encoding"),
        "pipeline_vs_encoding_cpu": median("pipeline_vs_encoding_cpu"),
        "pipeline_vs_embed_stage": median("pipeline_vs_embed_stage"),
        "warm_vs_cold": median("warm_vs_cold"),
        "warm_vs_cold_cpu": median("warm_vs_cold_cpu"),
        "bare_wall_s": median("wall_s", "bare"),
        "cold_wall_s": median("wall_s", "cold"),
        "warm_wall_s": median("wall_s", "warm"),
        "encoding_ms_per_statement": median("per_statement_ms", "bare"),
        "rounds": rounds,
    }


@dataclass
class Scaling:
    rows: list[dict[str, Any]] = field(default_factory=list)
    analysed_home: Path | None = None  # the largest workspace whose runs all finished: search runs on it
    ingested_home: Path | None = None  # the largest workspace ingested, finished or not: its vectors feed the index benchmark
    ingested_corpus: Path | None = None


def scaling_benchmark(sizes: tuple[int, ...], work: Path, pool, limits: Limits) -> Scaling:
    """Each size on fresh workspaces sharing the benchmark cache; stops at the first size whose run fails."""
    result = Scaling()
    for size in sizes:
        corpus = write_corpus(size, pool)
        home = new_home(work, f"scale-{size}-first", shared_cache=True)
        row: dict[str, Any] = {"size": size}
        try:
            first = analyze(corpus, home, "first", limits)
            if first.encoded:
                # This run filled the benchmark cache: it is the cold run at this size.
                row["cold"] = asdict(first)
                shutil.rmtree(home, ignore_errors=True)
                home = new_home(work, f"scale-{size}-warm", shared_cache=True)
                row["warm"] = asdict(analyze(corpus, home, "warm", limits))
            else:
                row["warm"] = asdict(first)
            row["rerun"] = asdict(analyze(corpus, home, "rerun", limits))
        except RunFailed as error:
            row["failed"] = error.record
        row["statements"] = statement_count(home)
        print(f"  {row['statements']} statements: " + ", ".join(
            f"{name} {row[name]['wall_s']:.1f} s / {row[name]['max_rss_mb']:.0f} MB"
            for name in ("cold", "warm", "rerun", "failed") if name in row), flush=True)
        result.rows.append(row)
        result.ingested_home, result.ingested_corpus = home, corpus
        if "failed" in row:
            return result
        if result.analysed_home is not None:
            shutil.rmtree(result.analysed_home, ignore_errors=True)
        result.analysed_home = home
    return result


def statement_count(home: Path) -> int:
    config = Config.load(workspace=WORKSPACE, home=str(home), environ={})
    if not config.database_path.exists():
        return 0
    store = Store(config.database_path)
    try:
        return store.count("statements")
    finally:
        store.close()


# -- index -------------------------------------------------------------------------------------

def _median_ms(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def _per_query_ms(index: VectorIndex, queries: np.ndarray, allowed: np.ndarray | None = None) -> float:
    """Median latency of one query at a time (interactive search)."""
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None, :], TOP_K, allowed_ids=allowed)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def _recall(exact: tuple[np.ndarray, np.ndarray], approximate: tuple[np.ndarray, np.ndarray]) -> float:
    """Recall@k against exact search, by score: ties between identical vectors count as found."""
    exact_scores, _ = exact
    approximate_scores, _ = approximate
    kth = exact_scores[:, -1:] - 1e-5
    found = (approximate_scores >= kth) & np.isfinite(approximate_scores)
    return float(np.minimum(found.sum(axis=1), TOP_K).mean() / TOP_K)


def index_benchmark(vectors: np.ndarray, languages: np.ndarray, queries: np.ndarray,
                    sizes: tuple[int, ...]) -> dict[str, Any]:
    options = IndexConfig()
    hnsw_options = {"hnsw_m": options.hnsw_m, "ef_construction": options.hnsw_ef_construction,
                    "ef_search": options.hnsw_ef_search}
    # The smallest language is the hardest filter for HNSW (most of the graph is filtered out).
    counts = {language: int((languages == language).sum()) for language in np.unique(languages)}
    filter_language = min(counts, key=counts.get)
    batch = queries[: min(len(queries), INDEX_QUERIES)]
    rows = []
    for size in [s for s in sizes if s <= len(vectors)] or [len(vectors)]:
        ids = np.arange(size, dtype=np.int64)
        allowed = ids[languages[:size] == filter_language]
        built = {}
        for kind in ("flat", "hnsw"):
            started = time.perf_counter()
            index = VectorIndex(vectors.shape[1], kind=kind, **hnsw_options)
            index.add(vectors[:size], ids)
            built[kind] = (index, time.perf_counter() - started)
        flat, hnsw = built["flat"][0], built["hnsw"][0]
        exact, approximate = flat.search(batch, TOP_K), hnsw.search(batch, TOP_K)
        exact_filtered = flat.search(batch, TOP_K, allowed_ids=allowed)
        approximate_filtered = hnsw.search(batch, TOP_K, allowed_ids=allowed)
        # The grouping stage searches every row at once (k + an article's share of neighbours):
        # its cost per row in a batch, times the rows, plus the build, is what exact_max trades.
        sample = vectors[: min(size, 2_000)]
        batch_ms = {kind: _median_ms(lambda: built[kind][0].search(sample, TOP_K), 3) / len(sample)
                    for kind in ("flat", "hnsw")}
        row = {
            "size": size,
            "build_s": {kind: round(built[kind][1], 3) for kind in built},
            "latency_ms": {kind: round(_per_query_ms(built[kind][0], batch), 3) for kind in built},
            "latency_filtered_ms": {kind: round(_per_query_ms(built[kind][0], batch, allowed), 3) for kind in built},
            "recall_at_10": round(_recall(exact, approximate), 4),
            "recall_at_10_filtered": round(_recall(exact_filtered, approximate_filtered), 4),
            "batch_ms_per_query": {kind: round(value, 4) for kind, value in batch_ms.items()},
            "all_rows_search_s": {kind: round(built[kind][1] * (kind == "hnsw") + batch_ms[kind] * size / 1000, 2)
                                  for kind in built},
        }
        print(f"  index {size}: flat {row['latency_ms']['flat']:.2f} ms, hnsw {row['latency_ms']['hnsw']:.2f} ms, "
              f"recall@10 {row['recall_at_10']:.3f} (filtered {row['recall_at_10_filtered']:.3f})", flush=True)
        rows.append(row)
    # The indexes of the largest size are still in `flat`, `hnsw` and `exact`: sweep efSearch on them.
    sweep = []
    for ef in EF_SWEEP:
        hnsw.ef_search = ef
        sweep.append({"ef_search": ef, "recall_at_10": round(_recall(exact, hnsw.search(batch, TOP_K)), 4),
                      "latency_ms": round(_per_query_ms(hnsw, batch), 3)})
    return {
        "hnsw": hnsw_options,
        "queries": len(batch),
        "query_source": "sentences of the parallel set (none of them in the corpus)",
        "filter_language": filter_language,
        "filter_share": round(counts[filter_language] / len(languages), 3),
        "configured_exact_max": options.exact_max,
        "sizes": rows,
        "ef_sweep": {"size": rows[-1]["size"], "flat_latency_ms": rows[-1]["latency_ms"]["flat"], "points": sweep},
        "recommended_exact_max": recommend_exact_max(rows),
    }


def recommend_exact_max(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Where HNSW starts to pay: its build plus the all-rows search costs less than exact search,
    with recall@10 of at least 0.95 (interpolated log-log between measured sizes)."""
    def advantage(row: dict[str, Any]) -> float:
        return row["all_rows_search_s"]["flat"] / max(row["all_rows_search_s"]["hnsw"], 1e-9)

    for previous, row in zip([None, *rows], rows):
        if advantage(row) >= 1 and row["recall_at_10"] >= 0.95:
            if previous is None:
                return {"size": row["size"], "basis": "HNSW already cheaper at the smallest measured size"}
            low, high = np.log(advantage(previous)), np.log(advantage(row))
            weight = (0 - low) / (high - low) if high != low else 1.0
            size = float(np.exp(np.log(previous["size"]) + weight * (np.log(row["size"]) - np.log(previous["size"]))))
            return {"size": int(round(size, -3)), "basis": "interpolated crossover of exact vs HNSW all-rows cost"}
    return {"size": None, "basis": "exact search stays cheaper (or HNSW recall < 0.95) up to the largest size"}


def corpus_vectors(home: Path) -> tuple[np.ndarray, np.ndarray]:
    """The workspace's statement vectors (from the benchmark cache) and languages, in corpus order."""
    config = Config.load(workspace=WORKSPACE, home=str(home), environ={})
    store = Store(config.database_path)
    try:
        statements = store.statements()
    finally:
        store.close()
    encoder = load_encoder(config.embed.model, config.embed.prefix)
    cache = EmbeddingCache(cache_path())
    try:
        vectors = embed_texts(encoder, [s.text for s in statements], cache=cache).vectors
    finally:
        cache.close()
    return vectors, np.array([s.language for s in statements])


def query_texts(count: int) -> list[str]:
    """Different real sentences in the six languages of the parallel set, none of them in the corpus."""
    parallel = read_parallel()
    languages = list(parallel)
    rows = len(parallel[languages[0]])
    step = max(rows // count, 1)
    return [parallel[languages[i % len(languages)]][(i * step) % rows] for i in range(count)]


# -- search ------------------------------------------------------------------------------------

def search_benchmark(home: Path) -> dict[str, Any]:
    """Workbench.search() end to end, one query at a time, as the CLI and the UI call it."""
    queries = query_texts(SEARCH_QUERIES)
    with Workbench(Config.load(workspace=WORKSPACE, home=str(home), environ={})) as workbench:
        started = time.perf_counter()
        workbench.search(queries[0])
        first_ms = 1000 * (time.perf_counter() - started)  # loads the encoder and the index
        times = []
        for query in queries:
            started = time.perf_counter()
            workbench.search(query)
            times.append(1000 * (time.perf_counter() - started))
        encode_ms = []
        for query in queries:
            started = time.perf_counter()
            workbench.encoder.encode([query])
            encode_ms.append(1000 * (time.perf_counter() - started))
        statements = workbench.store.count("statements")
        index_kind = workbench.index().kind
        breakdown = search_profile(workbench, queries[:10])
    return {
        "statements": statements,
        "index_kind": index_kind,
        "queries": len(queries),
        "first_search_ms": round(first_ms, 1),
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(float(np.percentile(times, 90)), 2),
        "max_ms": round(max(times), 2),
        "query_encoding_median_ms": round(statistics.median(encode_ms), 2),
        "profile": breakdown,
    }


def search_profile(workbench: Workbench, queries: list[str], top: int = 10) -> list[dict[str, Any]]:
    """Where a search spends its time: the library's functions by cumulative time (cProfile)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        workbench.search(query)
    profiler.disable()
    entries = pstats.Stats(profiler).stats  # (file, line, function) -> (calls, primitive, own, cumulative, callers)
    total = max(cumulative for (file, _, function), (*_, cumulative, _) in entries.items() if function == "search")
    library = [(f"{Path(file).name}:{line} {function}", cumulative)
               for (file, line, function), (*_, cumulative, _) in entries.items()
               if "/workbench/" in file and function not in {"search", "search_many"}]
    library.sort(key=lambda item: -item[1])
    return [{"function": name, "share": round(cumulative / total, 3)} for name, cumulative in library[:top]]


# Grouping thresholds no link reaches: analysis without groups, verdicts or relations.
NO_GROUPING = ("group.suggested=99", "group.confirmed=99")


def searchable_workspace(scaling: Scaling, limits: Limits) -> tuple[Path | None, dict[str, Any]]:
    """The workspace to measure search on: the largest analysed one; if the analysis of a larger one
    failed, that one analysed without grouping (search reads the index, not the groups)."""
    if scaling.ingested_home is None or scaling.ingested_home == scaling.analysed_home:
        return scaling.analysed_home, {}
    print("  the largest size did not finish: analysing it again without grouping, for search", flush=True)
    try:
        run = analyze(scaling.ingested_corpus, scaling.ingested_home, "search-fallback", limits, NO_GROUPING)
    except RunFailed as error:
        print(f"  {error}", flush=True)
        return scaling.analysed_home, {}
    return scaling.ingested_home, {"fallback": {"settings": list(NO_GROUPING), "wall_s": run.wall_s,
                                                "max_rss_mb": run.max_rss_mb}}


# -- main --------------------------------------------------------------------------------------

def targets(speed: dict[str, Any]) -> dict[str, Any]:
    """Each target of the issue with its measured value, or why it was not measured."""
    ratio, search = speed.get("ratio", {}), speed.get("search", {})
    largest = (speed.get("scaling") or [{}])[-1]
    peaks = [largest[name]["max_rss_mb"] for name in ("cold", "warm", "rerun", "failed") if name in largest]
    at_full = largest.get("size") == SIZES[-1]

    def entry(name: str, value: float | None, statements: int | None, **extra: Any) -> dict[str, Any]:
        limit = TARGETS[name]
        met = None if value is None else (value <= limit if name == "pipeline_vs_encoding" else value < limit)
        return {"value": value, "limit": limit, "met": met, "statements": statements, **extra}

    return {
        "pipeline_vs_encoding": entry("pipeline_vs_encoding", ratio.get("pipeline_vs_encoding"), ratio.get("statements")),
        "warm_vs_cold": entry("warm_vs_cold", ratio.get("warm_vs_cold"), ratio.get("statements")),
        "peak_memory_mb": entry("peak_memory_mb", max(peaks) if peaks else None, largest.get("statements"),
                                at_target_size=at_full, stopped="failed" in largest),
        "search_ms": entry("search_ms", search.get("median_ms"), search.get("statements"),
                           at_target_size=at_full and search.get("statements") == largest.get("statements"),
                           without_grouping="fallback" in search),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run of a few minutes")
    parser.add_argument("--repeat", type=int, default=None, help="repeats of the pipeline/encoding ratio (default 3, quick 1)")
    parser.add_argument("--memory-cap-mb", type=float, default=8192,
                        help="stop an analyze run above this resident memory (default 8192: 4x the target)")
    parser.add_argument("--time-limit", type=float, default=4 * 3600, help="stop an analyze run after this many seconds")
    parser.add_argument("--keep", action="store_true",
                        help="keep the workspaces (the largest analysed one, for profiling) instead of deleting them")
    parser.add_argument("--ratio-only", action="store_true",
                        help="only the pipeline/encoding ratio (part 1), written to out/speed_ratio.json: "
                             "speed.json and its scaling runs are left as they are")
    parser.add_argument("--bare-encode", nargs=2, type=Path, metavar=("TEXTS", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_encode:
        bare_encoding_child(*args.bare_encode)
        return
    sizes = QUICK_SIZES if args.quick else SIZES
    index_sizes = QUICK_INDEX_SIZES if args.quick else INDEX_SIZES
    ratio_size = 1_000 if args.quick else 10_000
    repeats = args.repeat or (1 if args.quick else 3)
    limits = Limits(memory_mb=args.memory_cap_mb, seconds=args.time_limit)
    started = time.perf_counter()
    pool = sample_pool()
    speed: dict[str, Any] = {"machine": machine(), "quick": args.quick, "limits": asdict(limits)}
    work = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    try:
        print(f"pipeline vs bare encoding on {ratio_size} statements, {repeats} repeat(s)", flush=True)
        try:
            speed["ratio"] = ratio_benchmark(write_corpus(ratio_size, pool), repeats, work, limits)
        except RunFailed as error:
            speed["ratio_failed"] = error.record
            print(f"  {error}", flush=True)
        if args.ratio_only:
            speed["seconds"] = round(time.perf_counter() - started, 1)
            print(f"wrote {write_result('speed_ratio', speed)}")
            return
        print(f"scaling over {sizes}", flush=True)
        scaling = scaling_benchmark(sizes, work, pool, limits)
        speed["scaling"] = scaling.rows
        if scaling.ingested_home is not None:
            print("index: exact vs HNSW", flush=True)
            vectors, languages = corpus_vectors(scaling.ingested_home)
            defaults = Config.load(environ={}).embed
            queries = encode_cached(load_encoder(defaults.model, defaults.prefix), query_texts(INDEX_QUERIES))
            speed["index"] = index_benchmark(vectors, languages, queries, index_sizes)
        search_home, fallback = searchable_workspace(scaling, limits)
        if search_home is not None:
            print("search end to end", flush=True)
            speed["search"] = search_benchmark(search_home) | fallback
    finally:
        if args.keep:
            print(f"kept the workspaces in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    speed["seconds"] = round(time.perf_counter() - started, 1)
    speed["targets"] = targets(speed)
    path = write_result("speed", speed)
    for name, target in speed["targets"].items():
        verdict = "not measured" if target["met"] is None else "met" if target["met"] else "MISSED"
        print(f"{name}: {target['value']} (limit {target['limit']}, {target['statements']} statements) {verdict}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
