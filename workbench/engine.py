"""Where an analysis's heavy, independent pieces of work run: in this process, or on a Ray cluster.

Two stages split into pieces that need nothing from one another:

* **embedding**: the statements the embedding cache does not hold yet;
* **per-story work**: the alignment inside each story (its statements' usual closeness and
  each article pair's mutual best matches), the split lines of each story, and the verdicts of
  each story's groups.
* **index shards**: past ``index.exact_max`` statements, the archive index's shards, each
  encoded with the index trained once, then merged on the driver (:mod:`workbench.archive`).

An :class:`Engine` runs those pieces. The process that runs ``analyze`` (the *driver*) keeps
everything else: it owns the workspace and writes every result in its one transaction, and it
forms the claims, which must see every story's proposals at once. So both engines give the same
vectors and the same groups, and a driver killed half way leaves the previous results whole.

* :class:`LocalEngine` (``engine.backend = local``, the default) runs every piece here, one
  after another: the workbench as it always ran. Nothing imports Ray.
* ``engine.backend = ray`` runs them on a Ray cluster (:mod:`workbench.cluster`, the optional
  extra ``pip install '.[cluster]'``): embedding on Ray Data, per-story work as Ray tasks.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence, TypeVar

from .config import Config
from .embed import EmbeddingCache, EmbeddingResult, Encoder, ProgressCallback, embed_texts

Item = TypeVar("Item")
Result = TypeVar("Result")
# Runs a function on each item, returning the results in the items' order (the builtin map's
# contract, as a list). Items come largest first, so a cluster starts the longest work first.
StoryMap = Callable[[Callable[[Item], Result], Sequence[Item]], list[Result]]


def map_here(function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
    """Each item's result, computed in this process in order."""
    return [function(item) for item in items]


class LazyWorks(Sequence[Item]):
    """Work items built when read, from their keys: an engine that runs them one after another
    holds one story's copy of the vectors at a time, not every story's."""

    def __init__(self, keys: Sequence[Any], build: Callable[[Any], Item]):
        self._keys = list(keys)
        self._build = build

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, position: int) -> Item:  # type: ignore[override] - one item, never a slice
        return self._build(self._keys[position])


class Engine(Protocol):
    """Runs the independent pieces of an analysis (see the module's docstring)."""

    name: str

    def embed(self, encoder: Encoder, texts: Sequence[str], *, cache: EmbeddingCache | None,
              progress: ProgressCallback | None = None) -> EmbeddingResult:
        """Vectors for ``texts`` (see :func:`workbench.embed.embed_texts`): the driver reads and
        writes the cache, the engine encodes what it lacks."""
        ...

    def map(self, function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
        """``function`` on each item (one story's work), the results in the items' order."""
        ...

    def index_shards(self, build: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        """The archive's shards: ``build`` on each of ``tasks`` (:func:`workbench.archive.build_shard`'s
        arguments), whose files must end up in the task's folder, on the driver's disk."""
        ...

    def describe(self) -> dict[str, Any]:
        """What ran the analysis, for the run manifest."""
        ...

    def close(self) -> None:
        ...


class LocalEngine:
    """Every piece in this process, one after another."""

    name = "local"

    def __init__(self, batch_size: int):
        self.batch_size = batch_size

    def embed(self, encoder: Encoder, texts: Sequence[str], *, cache: EmbeddingCache | None,
              progress: ProgressCallback | None = None) -> EmbeddingResult:
        return embed_texts(encoder, texts, cache=cache, batch_size=self.batch_size, progress=progress)

    def map(self, function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
        return map_here(function, items)

    def index_shards(self, build: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        return map_here(build, tasks)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name}

    def close(self) -> None:
        pass


def open_engine(config: Config) -> Engine:
    """The engine ``config.engine`` names, connected and checked (a Ray cluster is joined, or a
    Ray instance started, only here)."""
    if config.engine.backend == "local":
        return LocalEngine(config.embed.batch_size)
    from .cluster import RayEngine  # says what to install when Ray is missing

    return RayEngine.connect(config.engine)
