"""The archive index: search past ``index.exact_max`` statements that keeps its neighbours.

Exact search scores every stored row, which stops fitting a query's time budget somewhere past
200,000 statements; the HNSW graph that used to take over there lost neighbours (recall@10
0.69 against exact search, 0.27 filtered to one language; benchmarks/REPORT.md). The archive
is built for both problems:

* **Candidates** come from an inverted file (IVF): ``lists`` k-means cells trained once on a
  sample, each holding its rows as 8-bit scalar-quantized codes (SQ8, one byte a dimension).
  The lists live in one file that is memory-mapped (faiss ``OnDiskInvertedLists``), so they
  cost page cache, not process memory.
* **Scores** are exact against a float16 copy of every vector, memory-mapped too: each
  group's best candidates are re-ranked with it. The cosines search reports, and the vectors
  :meth:`Archive.vectors_at` returns, are therefore those of float16-rounded vectors (a
  component of a unit vector is off by at most 2^-12 of itself, a cosine by about 1e-3).
* **Filtered search** (every language ranked on its own) takes all groups from one scan:
  the ``probe`` nearest lists are scanned once, every row in them gets its approximate score,
  and each group keeps its own ``rerank`` best of them for the exact re-ranking. A language
  holding 2% of the rows is not starved by the other 98%, as a shared top-k would starve it.

The archive is read-only once built. Statements added later go to a small exact index beside
it (the *delta*, held by :class:`workbench.index.VectorIndex`); when that grows past
``delta_max`` it is encoded as one more shard and the shards are merged again.

Building happens in three steps, so that issue 32 can spread the middle one over workers:
:func:`train` writes a trained, empty index file; :func:`build_shard` is a pure function from
(that file, vectors, ids, first row) to a shard's files, which a Ray task can run;
:func:`merge` joins the shards with ``faiss.contrib.ondisk.merge_ondisk``. :func:`build` runs
the three with the ``map`` it is given (the builtin one: one worker). The merged lists hold the
same rows in the same order whichever worker encoded a shard, so searches give the same
results as a build in one process (tests/test_archive.py).

Every file has a fresh name; the index manifest (``manifest.json``, written last by
:meth:`workbench.index.VectorIndex.save`) says which files make up the index, with their
sizes. A build that is killed leaves the previous index in use, and files no manifest names
are removed by the next save.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .errors import IndexDamagedError

log = logging.getLogger(__name__)

FOLDER = "archive"  # under the index folder
CODEC = "sq8"
REBUILD = "workbench analyze --rebuild-index"
POINTS_PER_LIST = 50  # training sample per IVF list; faiss's k-means asks for at least 39
TRAIN_ITERATIONS = 10  # k-means rounds: cells only need to be coarse, each round costs a pass over the sample
LOW_SCORE = -8.0  # below any inner product of two SQ8-decoded unit vectors: a range search keeps every row it scans
FEW_QUERIES = 16  # fewer queries than this are searched on one thread (see one_thread_for)
SCAN_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
SMALL_SELECTION = 4_096  # entries best_per_segment sorts outright
MAX_SCORE_LEVELS = 1_024  # levels best_per_segment counts a pair's entries in
# A filtered scan probes at most this many times ``probe`` lists: skipping a row by its number
# still costs about a fifth of scoring it (1,000,000 rows, 2% of them a language's: 97 ms for
# every list, 41 ms for half of them, against 18 ms for an unfiltered probe of 64).
FILTERED_PROBE_FACTOR = 8

MapFunction = Callable[..., Iterable[Any]]


@dataclass(frozen=True)
class ArchiveSettings:
    """How an archive is built and searched (``index.archive_*`` in the settings)."""

    lists: int = 0  # IVF cells; 0: chosen from the row count (see lists_for)
    probe: int = 64  # cells scanned per query
    rerank: int = 32  # per group and query, candidates re-ranked against the stored vectors (never fewer than k)
    shard_size: int = 250_000  # rows encoded per shard (one worker's task)
    delta_max: int = 20_000  # rows the exact delta may hold before it is folded in as a shard

    @classmethod
    def of(cls, options: Any) -> "ArchiveSettings":
        """The settings of an ``IndexConfig`` (``index.archive_*``)."""
        return cls(lists=options.archive_lists, probe=options.archive_probe, rerank=options.archive_rerank,
                   shard_size=options.archive_shard_size, delta_max=options.archive_delta_max)


@dataclass(frozen=True)
class Shard:
    """One shard's files: ``<name>.faiss`` (IVF codes, ids are global rows), ``<name>.vectors.npy``
    (float16) and ``<name>.ids.npy`` (the rows' vector ids)."""

    name: str
    first_row: int
    count: int

    def files(self) -> list[str]:
        return [f"{self.name}.faiss", f"{self.name}.vectors.npy", f"{self.name}.ids.npy"]


def lists_for(count: int, settings: ArchiveSettings) -> int:
    """IVF cells for ``count`` rows: the setting, or a power of two near 2·√count (2,048 at a
    million), never more than the rows can train (``POINTS_PER_LIST`` each)."""
    wanted = settings.lists or 2 ** round(math.log2(2 * math.sqrt(max(count, 1))))
    return max(1, min(wanted, count // POINTS_PER_LIST))


# -- building ----------------------------------------------------------------------------------


def train(sample: np.ndarray, lists: int, target: Path) -> None:
    """Train an empty IVF-SQ8 inner-product index on ``sample`` and write it to ``target``."""
    import faiss

    sample = np.ascontiguousarray(sample, dtype=np.float32)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(sample.shape[1]), sample.shape[1], lists,
                                          faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = TRAIN_ITERATIONS
    index.cp.seed = 1234
    index.train(sample)
    _write_index(index, target)


def build_shard(trained: Path, vectors: np.ndarray, ids: np.ndarray, first_row: int, folder: Path,
                name: str) -> Shard:
    """Encode one shard with the trained index in ``trained``: a pure function of its arguments
    (it reads ``trained`` and writes only ``folder/name.*``), so a worker process can run it.

    The IVF ids are global row numbers (``first_row`` onwards), so the merged lists point straight
    into the float16 copies, which keep the rows in that order."""
    import faiss

    index = faiss.read_index(str(trained))
    rows = np.arange(first_row, first_row + len(vectors), dtype=np.int64)
    index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), rows)
    shard = Shard(name, first_row, len(vectors))
    _write_index(index, folder / f"{name}.faiss")
    _save_array(folder / f"{name}.vectors.npy", np.asarray(vectors, dtype=np.float16))
    _save_array(folder / f"{name}.ids.npy", np.asarray(ids, dtype=np.int64))
    return shard


def merge(trained: Path, folder: Path, shards: Sequence[Shard], name: str) -> None:
    """Merge the shards' lists into ``name.faiss`` + ``name.ivfdata`` (memory-mapped when read)."""
    import faiss
    from faiss.contrib.ondisk import merge_ondisk

    index = faiss.read_index(str(trained))
    with _faiss_output_logged():
        merge_ondisk(index, [str(folder / f"{shard.name}.faiss") for shard in shards],
                     str(folder / f"{name}.ivfdata"))
    _write_index(index, folder / f"{name}.faiss")


def _build_shard_task(task: tuple[Path, np.ndarray, np.ndarray, int, Path, str]) -> Shard:
    return build_shard(*task)


def unique_name(stem: str) -> str:
    """A file name no earlier version of the index used: files are never overwritten in place."""
    return f"{stem}-{uuid.uuid4().hex[:12]}"


# -- the archive ---------------------------------------------------------------------------------


class Archive:
    """A built archive, opened read-only: its merged lists and its shards' vectors and ids."""

    def __init__(self, directory: Path, description: dict[str, Any], settings: ArchiveSettings):
        import faiss

        self.directory = directory
        self.settings = settings
        folder = directory / FOLDER
        self.shards = [Shard(**shard) for shard in description["shards"]]
        merged = folder / f"{description['merged']}.faiss"
        with reading(merged), _faiss_output_logged():  # faiss says where it found the lists, on the C stdout
            self._ivf = faiss.read_index(str(merged), faiss.IO_FLAG_ONDISK_SAME_DIR | faiss.IO_FLAG_READ_ONLY)
        # The on-disk lists start 32 threads per search to read the probed lists ahead of the scan.
        # Once the lists are in the page cache that only costs: 12 ms against 8 ms for the scan of a
        # million rows at probe 128; and a first search with the cache dropped took as long without
        # them (1.3-1.9 s, most of it working out the rows' languages).
        faiss.downcast_InvertedLists(self._ivf.invlists).prefetch_nthread = 0
        self._float16 = faiss.IndexScalarQuantizer(self._ivf.d, faiss.ScalarQuantizer.QT_fp16)
        self._vectors, ids = [], []
        for shard in self.shards:
            with reading(folder / f"{shard.name}.vectors.npy") as path:
                self._vectors.append(np.load(path, mmap_mode="r"))
            with reading(folder / f"{shard.name}.ids.npy") as path:
                ids.append(np.load(path))
        self.ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        self.description = {**description, "lists": int(self._ivf.nlist)}
        self._ivf.nprobe = min(settings.probe, self._ivf.nlist)
        self._starts = np.array([shard.first_row for shard in self.shards], dtype=np.int64)
        order = np.argsort(self.ids, kind="stable")
        self._sorted_ids, self._sorted_rows = self.ids[order], order

    @classmethod
    def build(cls, directory: Path, vectors: np.ndarray, ids: np.ndarray, settings: ArchiveSettings,
              *, seed: int = 0, map_function: MapFunction = map) -> "Archive":
        """Train on a sample of ``vectors``, then encode them in shards through ``map_function`` and merge."""
        folder = directory / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        lists = lists_for(len(vectors), settings)
        sample_size = min(len(vectors), POINTS_PER_LIST * lists)
        sample = np.sort(np.random.default_rng(seed).choice(len(vectors), sample_size, replace=False))
        trained = f"{unique_name('trained')}.faiss"
        started = time.perf_counter()
        train(vectors[sample], lists, folder / trained)
        log.info("Index - archive: %d lists trained on %d of %d vectors in %.1f s", lists, sample_size, len(vectors),
                 time.perf_counter() - started)
        return cls.from_trained(directory, trained, vectors, ids, settings, map_function=map_function)

    @classmethod
    def from_trained(cls, directory: Path, trained: str, vectors: np.ndarray, ids: np.ndarray,
                     settings: ArchiveSettings, *, shards: Sequence[Shard] = (), trained_on: int | None = None,
                     map_function: MapFunction = map) -> "Archive":
        """An archive of ``shards`` (already encoded) and new shards of ``vectors``, encoded with
        the trained index ``directory/archive/trained`` through ``map_function``, then merged."""
        folder = directory / FOLDER
        first = shards[-1].first_row + shards[-1].count if shards else 0
        size = max(1, settings.shard_size)
        tasks = [(folder / trained, vectors[start:start + size], ids[start:start + size], first + start, folder,
                  unique_name("shard")) for start in range(0, len(vectors), size)]
        started = time.perf_counter()
        every = list(shards) + list(map_function(_build_shard_task, tasks))
        encoded = time.perf_counter()
        merged = unique_name("merged")
        merge(folder / trained, folder, every, merged)
        log.info("Index - archive: %d rows encoded in %d shard(s) in %.1f s, %d shards merged in %.1f s", len(vectors),
                 len(tasks), encoded - started, len(every), time.perf_counter() - encoded)
        description = {"codec": CODEC, "trained_on": trained_on or first + len(vectors), "trained": trained,
                       "merged": merged, "shards": [shard.__dict__ for shard in every]}
        return cls(directory, description, settings)

    def extended(self, vectors: np.ndarray, ids: np.ndarray, *, map_function: MapFunction = map) -> "Archive":
        """A new archive holding this one's rows and ``vectors`` as new shards (same training),
        encoded through ``map_function``."""
        lists = int(self.description["lists"])
        grown = (len(self) + len(vectors)) / max(1, int(self.description["trained_on"]))
        if grown >= 4:
            log.warning("Index - the archive holds %.0f times the statements its %d lists were trained for; "
                        "searches scan longer lists. `%s` trains it anew", grown, lists, REBUILD)
        return Archive.from_trained(self.directory, self.description["trained"], vectors, ids, self.settings,
                                    shards=self.shards, trained_on=int(self.description["trained_on"]),
                                    map_function=map_function)

    def __len__(self) -> int:
        return len(self.ids)

    def files(self) -> list[str]:
        """Every file of this archive, relative to the index folder."""
        names = [self.description["trained"], f"{self.description['merged']}.faiss",
                 f"{self.description['merged']}.ivfdata"] + [name for shard in self.shards for name in shard.files()]
        return [f"{FOLDER}/{name}" for name in names]

    # -- rows --------------------------------------------------------------------------------
    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of those ``ids`` the archive holds, and a mask of which ``ids`` those are."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
        where = np.clip(np.searchsorted(self._sorted_ids, ids), 0, len(self._sorted_ids) - 1)
        present = self._sorted_ids[where] == ids
        return self._sorted_rows[where[present]], present

    def vectors_at(self, rows: np.ndarray) -> np.ndarray:
        """The stored (float16-rounded) vectors of ``rows``, as float32."""
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")  # ascending reads from the memory maps
        ascending = rows[order]
        begins = np.append(np.searchsorted(ascending, self._starts), len(rows))
        found = np.empty((len(rows), self._ivf.d), dtype=np.float16)
        for number, vectors in enumerate(self._vectors):
            shard = slice(begins[number], begins[number + 1])
            found[order[shard]] = vectors[ascending[shard] - self._starts[number]]
        if not len(rows):
            return found.astype(np.float32)
        # faiss widens float16 with the processor's own instructions, twice as fast as numpy's cast (same bits)
        return self._float16.sa_decode(found.view(np.uint8))

    # -- search ------------------------------------------------------------------------------
    def candidates(self, queries: np.ndarray, groups: "RowGroups", depth: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For every query and group, the group's best rows with their exact scores (against the
        stored float16 vectors): ``(query, group, score, vector id)`` arrays.

        A group the scan would reach fewer than ``depth`` of on average (its rows times
        ``probe / lists``) is scored against every one of its rows. The others take their
        ``depth`` best by SQ8 score from the rows of the lists nearest each query (one scan for
        all of them), re-scored exactly; a query that leaves a group with fewer than ``depth``
        scans four times as many lists, until the group is served or every list is scanned.

        When the scanned groups hold a share of the rows (a search filtered to one language),
        the scan probes ``probe / share`` lists (at most ``FILTERED_PROBE_FACTOR`` times
        ``probe``) and scores only the groups' rows, skipping the others by row number: a
        language's nearest rows lie as far down the ranking of the lists as its share is small,
        and so the filtered search scores about as many rows as an unfiltered one."""
        lists = self._ivf.nlist
        exact = (groups.sizes > 0) & (groups.sizes * self._ivf.nprobe <= depth * lists)
        scanned = (groups.sizes > 0) & ~exact
        parts = []
        if scanned.any():
            share = float(groups.sizes[scanned].sum()) / max(1, len(self))
            probe = min(lists, math.ceil(self._ivf.nprobe / share), self._ivf.nprobe * FILTERED_PROBE_FACTOR)
            selector = groups.selector(scanned) if share < 1 else None
            found = self._scan(queries, np.arange(len(queries)), groups.labels, scanned, probe, selector)
            need = np.minimum(depth, groups.sizes)
            while probe < lists:
                counts = np.bincount(found[0] * len(scanned) + found[1], minlength=len(queries) * len(scanned))
                short = np.flatnonzero(((counts.reshape(len(queries), -1) < need) & scanned).any(axis=1))
                if not len(short):
                    break
                probe = min(lists, probe * 4)
                kept = ~np.isin(found[0], short)
                wider = self._scan(queries[short], short, groups.labels, scanned, probe, selector)
                found = tuple(np.concatenate([part[kept], more]) for part, more in zip(found, wider))
            query_of, labels, approximate, rows = found
            chosen, _ = best_per_segment(query_of, labels, approximate, rows, depth)
            query_of, labels, rows = query_of[chosen], labels[chosen], rows[chosen]
            parts.append((query_of, labels, np.einsum("ij,ij->i", self.vectors_at(rows), queries[query_of]), rows))
        for group in np.flatnonzero(exact):
            rows = groups.rows(group)
            # einsum's own loop, not BLAS: BLAS threads would spin on after it (see one_thread_for)
            scores = np.einsum("qd,rd->qr", queries, self.vectors_at(rows))
            parts.append((np.repeat(np.arange(len(queries)), len(rows)), np.full(scores.size, group),
                          scores.ravel(), np.tile(rows, len(queries))))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32), empty
        query_of, labels, scores, rows = (np.concatenate(column) for column in zip(*parts))
        return query_of, labels, scores.astype(np.float32), self.ids[rows]

    def _scan(self, queries: np.ndarray, numbers: np.ndarray, row_labels: np.ndarray, scanned: np.ndarray,
              probe: int, selector: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(query number, group, SQ8 score, row)`` of every row of a scanned group in the
        ``probe`` lists nearest each query; one range search below any possible score returns
        every row of the lists it scans (only the rows ``selector`` holds, when given)."""
        positions, approximate, rows = self._range_scan(queries, probe, selector)
        query_of = numbers[positions]
        labels = row_labels[rows]
        keep = np.append(scanned, False)[labels]  # a row in no group (-1) reads the False appended
        if keep.all():  # every group scanned, or a selector let through only the scanned groups' rows
            return query_of, labels, approximate, rows
        return query_of[keep], labels[keep], approximate[keep], rows[keep]

    def _range_scan(self, queries: np.ndarray, probe: int, selector: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(query position, SQ8 score, row)`` of every row in the ``probe`` lists nearest each query.

        A few queries have their probed lists split between threads of our own (one scan of a
        million rows at probe 128: 10.4-11.2 ms in one thread, 6.5-7.0 ms in two). FAISS's own
        way to split them, OpenMP, leaves its threads spinning after the scan, and that slowed
        the next query's encoding (see ``one_thread_for``); idle threads of a pool sleep."""
        with one_thread_for(len(queries)):
            distances, lists = self._ivf.quantizer.search(queries, probe)
            threads = min(SCAN_THREADS, probe)
            if len(queries) >= FEW_QUERIES or threads < 2:
                return self._scan_lists(queries, lists, distances, selector)
        # every thread takes every threads-th list, so each gets near and far ones alike
        parts = scan_pool().map(lambda part: self._scan_lists(queries, lists[:, part::threads],
                                                              distances[:, part::threads], selector), range(threads))
        return tuple(np.concatenate(column) for column in zip(*parts))

    def _scan_lists(self, queries: np.ndarray, lists: np.ndarray, distances: np.ndarray, selector: Any
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_range_scan` over the given lists of each query (as FAISS's quantizer chose them;
        what ``range_search`` does after choosing them)."""
        import faiss

        params = faiss.SearchParametersIVF(nprobe=lists.shape[1])
        if selector is not None:
            params.sel = selector
        lists, distances = np.ascontiguousarray(lists), np.ascontiguousarray(distances)
        result = faiss.RangeSearchResult(len(queries))
        # the Python wrapper of this call refuses search parameters, which carry the selector
        self._ivf.range_search_preassigned_c(len(queries), faiss.swig_ptr(queries), LOW_SCORE, faiss.swig_ptr(lists),
                                             faiss.swig_ptr(distances), result, False, params, None)
        lims = faiss.rev_swig_ptr(result.lims, len(queries) + 1).astype(np.int64)
        count = int(lims[-1])
        return (np.repeat(np.arange(len(queries)), np.diff(lims)), faiss.rev_swig_ptr(result.distances, count).copy(),
                faiss.rev_swig_ptr(result.labels, count).copy())


@dataclass(frozen=True)
class RowGroups:
    """Which group each row of an archive is in, worked out once for a set of groups."""

    labels: np.ndarray  # int32 per row: its group, -1 for none
    sizes: np.ndarray  # rows per group
    order: np.ndarray  # rows sorted by group (those in none first)
    # per set of groups: a bitmap of their rows and the FAISS selector that reads it
    selectors: dict[bytes, tuple[np.ndarray, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, labels: np.ndarray, count: int) -> "RowGroups":
        return cls(labels, np.bincount(labels[labels >= 0], minlength=count), np.argsort(labels, kind="stable"))

    def selector(self, chosen: np.ndarray) -> Any:
        """A FAISS selector of the rows in the ``chosen`` groups (a mask over groups), made once."""
        import faiss

        key = np.asarray(chosen, dtype=bool).tobytes()
        if key not in self.selectors:
            member = np.zeros(len(self.labels), dtype=bool)
            grouped = self.labels >= 0
            member[grouped] = chosen[self.labels[grouped]]
            bitmap = np.packbits(member, bitorder="little")  # bit i of byte i // 8 is row i, as FAISS reads it
            self.selectors[key] = (bitmap, faiss.IDSelectorBitmap(len(member), faiss.swig_ptr(bitmap)))
        return self.selectors[key][1]

    def rows(self, group: int) -> np.ndarray:
        """The rows of ``group``, ascending."""
        end = len(self.labels) - int(self.sizes[group + 1:].sum())
        return self.order[end - int(self.sizes[group]):end]


def best_per_segment(query_of: np.ndarray, labels: np.ndarray, scores: np.ndarray, ids: np.ndarray,
                     depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ``depth`` best entries of each (query, label) pair and their ranks in it
    (0 for the best; ties by id, as exact search orders them).

    A scan brings 30,000 to 150,000 entries a query: they are first cut to those in or above the
    score level of their pair's ``depth``-th best (levels from one count per pair and level, so
    no sort over all entries: a sort on one key took twice as long, on three keys ten times),
    and only those are sorted with the ties broken."""
    segments = query_of * (int(labels.max(initial=0)) + 1) + labels
    candidates = np.arange(len(scores))
    if len(scores) > SMALL_SELECTION:
        count = int(segments.max()) + 1
        # about two counters an entry: fine enough that a level holds a handful of a pair's entries
        levels = int(min(MAX_SCORE_LEVELS, max(16, 2 * len(scores) // count)))
        # scores of unit vectors lie within (-2, 2); the clip keeps any other score in the end levels
        level = np.clip(((scores + 2.0) * (levels / 4.0)).astype(np.int64), 0, levels - 1)
        per_level = np.bincount(segments * levels + (levels - 1 - level), minlength=count * levels)
        reached = np.cumsum(per_level.reshape(count, levels), axis=1) >= depth  # best level first
        # a pair with fewer than depth entries keeps them all (level 0)
        lowest_kept = np.where(reached[:, -1], levels - 1 - reached.argmax(axis=1), 0)
        candidates = np.flatnonzero(level >= lowest_kept[segments])
    order = candidates[np.lexsort((ids[candidates], -scores[candidates], segments[candidates]))]
    ranks = _ranks(segments[order])
    kept = ranks < depth
    return order[kept], ranks[kept]


def _ranks(segments: np.ndarray) -> np.ndarray:
    """For sorted segment keys, each entry's position within its segment."""
    if not len(segments):
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(len(segments), dtype=bool)
    starts[1:] = segments[1:] != segments[:-1]
    first = np.flatnonzero(starts)
    return np.arange(len(segments)) - first[np.cumsum(starts) - 1]


@contextmanager
def one_thread_for(queries: int) -> Iterator[None]:
    """Run faiss on one thread for a few queries: OpenMP's threads keep spinning after a parallel
    region, and on two cores slowed the next query's encoding 3 to 4 times (see
    ``VectorIndex._all_scores``). The archive splits a few queries' scan between threads of its
    own instead (``scan_pool``)."""
    import faiss

    if queries >= FEW_QUERIES:
        yield
        return
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


@functools.cache
def scan_pool() -> ThreadPoolExecutor:
    """The threads an archive splits a few queries' scan between, each running FAISS on one
    OpenMP thread (a thread's OpenMP setting is its own, so it is made in each)."""
    import faiss

    return ThreadPoolExecutor(SCAN_THREADS, thread_name_prefix="archive-scan",
                              initializer=lambda: faiss.omp_set_num_threads(1))


# A forked process has none of its parent's threads: it makes a pool of its own.
os.register_at_fork(after_in_child=scan_pool.cache_clear)


# -- files ---------------------------------------------------------------------------------------


@contextmanager
def reading(path: Path) -> Iterator[Path]:
    """Reading one file of the index: any failure names the file and the command that rebuilds it."""
    try:
        yield path
    except (RuntimeError, ValueError, OSError, EOFError) as exc:
        detail = str(exc).strip().splitlines()
        raise IndexDamagedError(f"the index file {path} cannot be read ({detail[-1] if detail else type(exc).__name__}); "
                                f"rebuild the index with `{REBUILD}`") from None


def _write_index(index: Any, target: Path) -> None:
    import faiss

    partial = target.with_name(f".{target.name}.partial")
    faiss.write_index(index, str(partial))
    partial.replace(target)


def _save_array(target: Path, array: np.ndarray) -> None:
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as handle:
        np.save(handle, array)
    partial.replace(target)


@contextmanager
def _faiss_output_logged() -> Iterator[None]:
    """Send what faiss prints on the C stdout meanwhile to the debug log.

    Its on-disk lists print unconditionally ("resizing ... to N bytes", "updating ondisk
    filename"), which would land in the middle of `workbench search --json`. The process's
    file descriptor 1 is redirected while this runs, so another thread's output in that time
    goes to the log too."""
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            libc.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode("utf-8", "replace").splitlines():
                log.debug("faiss: %s", line)
