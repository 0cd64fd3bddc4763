"""The vector index: a thin wrapper around FAISS, inner product on normalised vectors.

Small corpora get exact search (``IndexFlatIP``). Above ``exact_max`` vectors, an index
given a folder (``archive_dir``, the workspace's index folder) becomes an **archive**
(:mod:`workbench.archive`: IVF lists memory-mapped from disk, candidates re-ranked against
float16 copies of the vectors), with an exact index beside it for the rows added since
(the *delta*); one without a folder (grouping's per-language indexes) switches to an
HNSW graph (``IndexHNSWFlat``) as before. benchmarks/REPORT.md reports the recall of
both against exact search. Rows carry the statements' vector ids (``IndexIDMap2``), so
adding articles appends to the index instead of rebuilding it. A persisted index has a
``manifest.json`` (model id, dimension, count, index type and parameters, its files with
their sizes); opening it with another model is refused, never silently mixed, and a file
that is missing, truncated or unreadable is named with the command that rebuilds it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .archive import FOLDER as ARCHIVE_FOLDER
from .archive import (FEW_QUERIES, REBUILD, SCAN_THREADS, Archive, ArchiveSettings, MapFunction, RowGroups,
                      best_per_segment, reading, scan_pool, unique_name)
from .errors import IndexDamagedError, IndexMismatchError, ScoringSpaceChangedError

log = logging.getLogger(__name__)

INDEX_FILE = "index.faiss"
QUERY_BLOCK = 256  # queries scored together: a block's scores at 100,000 rows take 100 MB
# Queries an archive scans together: each brings every row of its probed lists (about 30,000
# at a million rows) into one range-search result.
ARCHIVE_QUERY_BLOCK = 32
MANIFEST_FILE = "manifest.json"
SPLIT_SCORING_ROWS = 20_000  # rows from which a few queries' exact scores are split between threads


def _faiss():
    import faiss

    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    # Exact searches always take FAISS's BLAS path. FAISS 1.15 scores a call of fewer than
    # 128,000 / d queries one query at a time: at 25,000 rows, 199 queries took 0.39 s that way
    # and 0.14 s with BLAS (an incremental analysis searches a few hundred statements), and the
    # last bit of a score could differ from the same pair's in a full analysis's larger calls.
    faiss.cvar.distance_compute_blas_threshold = 0
    return faiss


@dataclass
class _Labelling:
    """Which group every row is in (-1: none), for one set of groups; see ``VectorIndex._labelling``."""

    groups: tuple[np.ndarray | None, ...]  # the arrays given, matched by identity
    sorted_groups: list[np.ndarray | None]
    archive: Archive
    archive_groups: RowGroups
    memory_count: int = -1
    memory_labels: np.ndarray | None = None


class VectorIndex:
    """Exact, archive or HNSW inner-product search over rows identified by int64 ids."""

    def __init__(
        self,
        dimension: int,
        *,
        exact_max: int = 200_000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 96,
        kind: str = "auto",
        archive: ArchiveSettings | None = None,
        archive_dir: Path | None = None,
        temporary_archive: bool = False,
    ):
        self.dimension = dimension
        self.exact_max = exact_max
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.archive_settings = archive or ArchiveSettings()
        self.archive_dir = archive_dir
        # An index that lives only for one analysis (grouping's per language) becomes an archive in
        # a temporary folder, removed with the index, rather than an HNSW graph that loses neighbours.
        self._temporary_archive = temporary_archive and archive_dir is None
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._requested_kind = kind
        self._index = self._new_index("hnsw" if kind == "hnsw" else "flat")  # every row, or the archive's delta
        self._archive: Archive | None = None
        self._id_order: tuple[int, np.ndarray, np.ndarray] | None = None  # (count, sorted ids, their rows)
        self._labelling_cache: _Labelling | None = None
        # Runs the archive's shard builds (archive.MapFunction): here, one after another, unless an
        # analysis hands its engine's (a Ray cluster builds them in parallel: Engine.index_shards).
        self.map_shards: MapFunction = map

    # -- construction ----------------------------------------------------------------------
    def _new_index(self, kind: str):
        faiss = _faiss()
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(self.dimension, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = self.ef_construction
            inner.hnsw.efSearch = self.ef_search
        else:
            inner = faiss.IndexFlatIP(self.dimension)
        return faiss.IndexIDMap2(inner)

    @property
    def kind(self) -> str:
        if self._archive is not None:
            return "archive"
        faiss = _faiss()
        inner = faiss.downcast_index(self._index.index)
        return f"hnsw{self.hnsw_m}" if isinstance(inner, faiss.IndexHNSWFlat) else "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal) + (len(self._archive) if self._archive is not None else 0)

    @property
    def ids(self) -> np.ndarray:
        if self._archive is not None:
            return np.concatenate([self._archive.ids, self._memory_ids()])
        return self._memory_ids()

    def _memory_ids(self) -> np.ndarray:
        """The ids of the rows held in memory: all of them, or the archive's delta."""
        faiss = _faiss()
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """Whether the index holds each of ``ids`` (a boolean mask)."""
        ids = np.asarray(ids, dtype=np.int64)
        present = self._where(ids)[1]
        if self._archive is not None:
            present |= self._archive.rows_of(ids)[1]
        return present

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Append rows. Past ``exact_max`` rows an index with an ``archive_dir`` (or a
        ``temporary_archive``) becomes an archive there (rows added later go to its delta), from
        exact or HNSW; one without switches from exact to HNSW."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(vectors) != len(ids):
            raise ValueError(f"expected ({len(ids)}, {self.dimension}) vectors, got {vectors.shape}")
        if len(vectors) == 0:
            return
        if self._requested_kind == "auto" and self.kind != "archive" and len(self) + len(vectors) > self.exact_max:
            # An HNSW index here was saved before the archive index existed: it loses neighbours
            # (most of them filtered to one language), so its rows move to an archive too.
            if self._temporary_archive and self.archive_dir is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="workbench-neighbours-")
                self.archive_dir = Path(self._scratch.name)
            if self.archive_dir is not None:
                self._convert_to_archive(vectors, ids)
                return
            if self.kind == "flat":
                self._convert_to_hnsw()
        self._index.add_with_ids(vectors, ids)

    def _convert_to_archive(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        held = self._memory_ids()
        if len(held):
            vectors = np.vstack([self._index.index.reconstruct_n(0, len(held)), vectors])
            ids = np.concatenate([held, ids])
        self._archive = Archive.build(self.archive_dir, vectors, ids, self.archive_settings,
                                      map_function=self.map_shards)
        self._index = self._new_index("flat")
        self._id_order = None
        log.info("Index - switched to the archive index above %d vectors (%d rows)", self.exact_max, len(ids))

    def _convert_to_hnsw(self) -> None:
        existing_ids = self.ids
        existing = self._index.index.reconstruct_n(0, len(self)) if len(self) else np.zeros((0, self.dimension), np.float32)
        self._index = self._new_index("hnsw")
        if len(existing_ids):
            self._index.add_with_ids(existing, existing_ids)
        log.info("Index - switched to HNSW (M=%d) above %d vectors", self.hnsw_m, self.exact_max)

    def vectors_for(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (every one must be held), in their order; an archive's are
        float16-rounded."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._archive is None:
            return self._memory_vectors(ids)
        found = np.zeros((len(ids), self.dimension), dtype=np.float32)
        rows, archived = self._archive.rows_of(ids)
        found[archived] = self._archive.vectors_at(rows)
        found[~archived] = self._memory_vectors(ids[~archived])
        return found

    def _memory_vectors(self, ids: np.ndarray) -> np.ndarray:
        """The vectors of ``ids`` held in memory (all rows, or the archive's delta), in their order."""
        if not len(ids):
            return np.zeros((0, self.dimension), np.float32)
        if self._archive is None and self.kind != "flat":
            return np.vstack([self._index.reconstruct(int(i)) for i in ids])
        # One gather from FAISS's own rows: reconstructing 100,000 vectors one call at a time took seconds.
        rows, found = self._rows_of(ids)
        if len(found) != len(ids):
            missing = sorted(set(ids.tolist()) - set(found.tolist()))[:5]
            raise KeyError(f"the index holds no vector for id(s) {missing}")
        faiss = _faiss()
        count = int(self._index.ntotal)
        inner = faiss.downcast_index(self._index.index)
        stored = faiss.rev_swig_ptr(inner.get_xb(), count * self.dimension).reshape(count, self.dimension)
        return stored[rows]  # an index array: numpy copies the rows out of FAISS's memory

    # -- search ------------------------------------------------------------------------------
    def search_each(self, queries: np.ndarray, k: int,
                    groups: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """For each named group of ids, ``(scores, ids)`` of its ``k`` nearest rows per query, as
        :meth:`search` with ``allowed_ids`` gives them (search ranks every language's statements).

        An exact index scores every row once for all the groups, where a filtered search per
        group scores them all once per group; an archive scans its lists once for all the groups
        too (so a group that holds a small share of the rows keeps fewer of its exact neighbours
        than a search filtered to it alone, which probes more lists: see
        :meth:`workbench.archive.Archive.candidates`); an HNSW index searches each group with its filter.

        Groups given as read-only arrays are matched by identity from one call to the next, so an
        archive works out which group each of its rows is in once (Search passes them so).
        """
        if self._archive is not None and len(self) and k > 0:
            queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
            scores, found = self._archive_search(queries, k, list(groups.values()))
            return {name: (scores[number], found[number]) for number, name in enumerate(groups)}
        if self.kind != "flat" or len(self) == 0 or k <= 0:
            return {name: self.search(queries, k, allowed_ids=ids) for name, ids in groups.items()}
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        members = {name: self._rows_of(np.asarray(ids, dtype=np.int64)) for name, ids in groups.items()}
        result = {name: (np.full((len(queries), k), -np.inf, dtype=np.float32),
                         np.full((len(queries), k), -1, dtype=np.int64)) for name in groups}
        for start in range(0, len(queries), QUERY_BLOCK):
            block = slice(start, start + QUERY_BLOCK)
            scores = self._all_scores(queries[block])
            for name, (rows, row_ids) in members.items():
                k_eff = min(k, len(rows))
                if not k_eff:
                    continue
                group_scores = scores[:, rows]
                picked = (np.argpartition(-group_scores, k_eff - 1, axis=1)[:, :k_eff] if k_eff < len(rows)
                          else np.broadcast_to(np.arange(len(rows)), group_scores.shape))
                picked_scores = np.take_along_axis(group_scores, picked, axis=1)
                picked_ids = row_ids[picked]
                order = np.lexsort((picked_ids, -picked_scores), axis=1)  # best first; ties by id
                result[name][0][block, :k_eff] = np.take_along_axis(picked_scores, order, axis=1)
                result[name][1][block, :k_eff] = np.take_along_axis(picked_ids, order, axis=1)
        return result

    def _all_scores(self, queries: np.ndarray) -> np.ndarray:
        """``(len(queries), rows)`` inner products with every row held in memory, in storage order."""
        faiss = _faiss()
        count = int(self._index.ntotal)
        inner = faiss.downcast_index(self._index.index)
        # A view of FAISS's own rows, made anew for each call: an add may move them.
        stored = faiss.rev_swig_ptr(inner.get_xb(), count * self.dimension).reshape(count, self.dimension)
        if len(queries) >= FEW_QUERIES:
            return queries @ stored.T
        # A few queries (an analyst's search): FAISS's single-threaded SIMD loop. A BLAS product
        # is as fast alone, but its threads keep spinning after it and slowed the next query's
        # encoding 3 to 4 times on two cores (100,000 rows: 7 ms + 26 ms against 5 ms + 6 ms).
        # Many rows are split between the archive's scan threads, which sleep when idle.
        scores = np.empty((len(queries), count), dtype=np.float32)
        parts = SCAN_THREADS if count >= SPLIT_SCORING_ROWS else 1
        bounds = np.linspace(0, count, parts + 1).astype(np.int64)

        def score(part: int) -> None:
            begin, end = int(bounds[part]), int(bounds[part + 1])
            for row, query in enumerate(queries):
                faiss.fvec_inner_products_ny(faiss.swig_ptr(scores[row, begin:end]), faiss.swig_ptr(query),
                                             faiss.swig_ptr(stored[begin:end]), self.dimension, end - begin)

        if parts > 1:
            list(scan_pool().map(score, range(parts)))
        else:
            score(0)
        return scores

    def _rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The storage rows of those ``ids`` the index holds in memory, and their ids."""
        rows, present = self._where(ids)
        return rows, ids[present]

    def _where(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The storage rows of those ``ids`` held in memory, and a mask of which ``ids`` those are."""
        count = int(self._index.ntotal)
        if self._id_order is None or self._id_order[0] != count:  # rows are only ever appended
            stored = self._memory_ids()
            order = np.argsort(stored, kind="stable")
            self._id_order = (count, stored[order], order)
        _, sorted_ids, order = self._id_order
        where = np.clip(np.searchsorted(sorted_ids, ids), 0, max(len(sorted_ids) - 1, 0))
        present = sorted_ids[where] == ids if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
        return order[where[present]], present

    # -- the archive's search ----------------------------------------------------------------
    def _archive_search(self, queries: np.ndarray, k: int, groups: Sequence[np.ndarray | None]
                        ) -> tuple[np.ndarray, np.ndarray]:
        """``(groups, queries, k)`` scores and ids: each group's ``k`` nearest rows (``None``: all
        rows), from the archive's candidates and the delta's exact scores together."""
        scores = np.full((len(groups), len(queries), k), -np.inf, dtype=np.float32)
        found = np.full((len(groups), len(queries), k), -1, dtype=np.int64)
        labelling = self._labelling(groups)
        if labelling is None:  # overlapping groups: each searched on its own
            for number, group in enumerate(groups):
                scores[number], found[number] = self._archive_search(queries, k, [group])
            return scores, found
        depth = max(k, self.archive_settings.rerank)
        memory_rows = np.flatnonzero(labelling.memory_labels >= 0)
        memory_ids = self._memory_ids()[memory_rows]
        for start in range(0, len(queries), ARCHIVE_QUERY_BLOCK):
            block = queries[start:start + ARCHIVE_QUERY_BLOCK]
            query_of, labels, block_scores, ids = self._archive.candidates(block, labelling.archive_groups, depth)
            if len(memory_rows):
                exact = self._all_scores(block)[:, memory_rows]
                query_of = np.concatenate([query_of, np.repeat(np.arange(len(block)), len(memory_rows))])
                labels = np.concatenate([labels, np.tile(labelling.memory_labels[memory_rows], len(block))])
                block_scores = np.concatenate([block_scores, exact.ravel()])
                ids = np.concatenate([ids, np.tile(memory_ids, len(block))])
            chosen, rank = best_per_segment(query_of, labels, block_scores, ids, k)
            scores[labels[chosen], start + query_of[chosen], rank] = block_scores[chosen]
            found[labels[chosen], start + query_of[chosen], rank] = ids[chosen]
        return scores, found

    def _labelling(self, groups: Sequence[np.ndarray | None]) -> _Labelling | None:
        """The group of every archive row and delta row, or ``None`` when groups overlap.

        Finding a million rows' groups takes longer than a search, so it is kept for the next
        call with the same read-only arrays (an array that can change is worked out anew)."""
        cached = self._labelling_cache
        same = (cached is not None and cached.archive is self._archive and len(cached.groups) == len(groups)
                and all(a is b for a, b in zip(cached.groups, groups))
                and all(group is None or not group.flags.writeable for group in groups))
        if not same:
            sorted_groups = [None if group is None else np.sort(np.asarray(group, dtype=np.int64)) for group in groups]
            archive_labels = _labels_of(sorted_groups, len(self._archive),
                                        lambda group: self._archive.rows_of(group)[0])
            if archive_labels is None:
                return None
            cached = _Labelling(tuple(groups), sorted_groups, self._archive, RowGroups.of(archive_labels, len(groups)))
            self._labelling_cache = cached
        count = int(self._index.ntotal)
        if cached.memory_count != count:
            memory_ids = self._memory_ids()

            def held(group: np.ndarray) -> np.ndarray:
                where = np.clip(np.searchsorted(group, memory_ids), 0, max(len(group) - 1, 0))
                return np.flatnonzero(group[where] == memory_ids) if len(group) else np.zeros(0, dtype=np.int64)

            memory_labels = _labels_of(cached.sorted_groups, count, held)
            if memory_labels is None:
                return None
            cached.memory_count, cached.memory_labels = count, memory_labels
        return cached

    def search(self, queries: np.ndarray, k: int, *, allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the ``k`` nearest rows per query, best first; ids -1 where fewer exist."""
        faiss = _faiss()
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if len(self) == 0 or k <= 0:
            shape = (len(queries), max(k, 0))
            return np.full(shape, -np.inf, dtype=np.float32), np.full(shape, -1, dtype=np.int64)
        if self._archive is not None:
            scores, found = self._archive_search(queries, k, [allowed_ids])
            return scores[0], found[0]
        k_eff = min(k, len(self))
        params = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_ids, dtype=np.int64))
            if self.kind == "flat":
                params = faiss.SearchParameters(sel=selector)
            else:
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, k_eff))
        elif self.kind != "flat":
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k_eff))
        scores, ids = self._index.search(queries, k_eff, params=params)
        if k_eff < k:
            pad = k - k_eff
            scores = np.pad(scores, ((0, 0), (0, pad)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, pad)), constant_values=-1)
        scores = np.where(ids < 0, -np.inf, scores)
        return scores, ids

    # -- persistence ---------------------------------------------------------------------------
    def save(self, directory: Path, *, model_id: str, workspace_id: str, model: str = "",
             space: str = "identity") -> dict[str, Any]:
        """Write the index, then its manifest; ``model`` is the name the user gave (``--model``),
        ``space`` the scoring space its vectors are in (:mod:`workbench.space`).

        An archive's delta is written to a file of its own; past ``delta_max`` rows it is first
        folded into the archive as a new shard. The manifest, written last, names the files
        that make up the index; files it no longer names are removed after it."""
        faiss = _faiss()
        directory.mkdir(parents=True, exist_ok=True)
        try:
            previous = read_manifest(directory)
        except IndexDamagedError:
            previous = None  # a damaged index is being replaced
        if self._archive is not None:
            files = self._save_archive(directory)
        else:
            temporary = directory / f".{INDEX_FILE}.partial"
            faiss.write_index(self._index, str(temporary))
            temporary.replace(directory / INDEX_FILE)
            files = [INDEX_FILE]
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest = {
            "model_id": model_id,
            "model": model,
            "dimension": self.dimension,
            "count": len(self),
            "index_type": self.kind,
            "metric": "inner_product",
            "space": space,
            "created": (previous or {}).get("created", now) if (previous or {}).get("model_id") == model_id else now,
            "updated": now,
            "workspace_id": workspace_id,
            "faiss_version": faiss.__version__,
            "hnsw": {"m": self.hnsw_m, "ef_construction": self.ef_construction, "ef_search": self.ef_search},
            "files": {name: (directory / name).stat().st_size for name in files},
        }
        if self._archive is not None:
            settings = self.archive_settings
            manifest["archive"] = {**self._archive.description, "delta": files[-1], "delta_count": int(self._index.ntotal),
                                   "probe": settings.probe, "rerank": settings.rerank,
                                   "shard_size": settings.shard_size, "delta_max": settings.delta_max}
        manifest_temporary = directory / f".{MANIFEST_FILE}.partial"
        manifest_temporary.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        manifest_temporary.replace(directory / MANIFEST_FILE)
        _remove_unlisted(directory, files)
        return manifest

    def _save_archive(self, directory: Path) -> list[str]:
        """Fold a delta grown past ``delta_max`` into the archive, write the delta; the files to list."""
        faiss = _faiss()
        if self._archive.directory != directory:
            raise ValueError(f"an archive index lives in {self._archive.directory}; it cannot be saved to {directory}")
        count = int(self._index.ntotal)
        if count > self.archive_settings.delta_max:
            log.info("Index - folding %d recent rows into the archive as a new shard", count)
            self._archive = self._archive.extended(self._index.index.reconstruct_n(0, count), self._memory_ids(),
                                                   map_function=self.map_shards)
            self._index = self._new_index("flat")
            self._id_order = None
        delta = f"{ARCHIVE_FOLDER}/{unique_name('delta')}.faiss"
        temporary = directory / ARCHIVE_FOLDER / ".delta.partial"
        faiss.write_index(self._index, str(temporary))
        temporary.replace(directory / delta)
        return self._archive.files() + [delta]

    @staticmethod
    def check(directory: Path, *, model_id: str, workspace_id: str | None = None,
              space: str | None = None) -> dict[str, Any]:
        """The manifest of the index in ``directory``, if this model, workspace and scoring space may use it."""
        manifest = read_manifest(directory)
        if manifest is None:
            raise FileNotFoundError(directory / MANIFEST_FILE)
        if manifest["model_id"] != model_id:
            built_with = manifest.get("model") or manifest["model_id"]
            raise IndexMismatchError(
                f"the index in {directory} was built with model {built_with!r} ({manifest['model_id']}), not "
                f"{model_id!r}; vectors of two models are never mixed. Re-run with --model {built_with}, "
                "or rebuild the index for this model with `workbench analyze --rebuild-index`"
            )
        if space is not None and manifest.get("space", "identity") != space:
            raise ScoringSpaceChangedError(
                f"the index in {directory} holds vectors in the scoring space {manifest.get('space', 'identity')!r}, "
                f"and this workbench scores in {space!r} (language subspace removed, see workbench/space.py); "
                "run `workbench analyze` to re-score the workspace (vectors come from the embedding cache)"
            )
        if workspace_id and manifest.get("workspace_id") not in (None, workspace_id):
            raise IndexMismatchError(
                f"the index in {directory} belongs to another workspace with the same name; "
                "give this workspace another name, or rebuild with `workbench analyze --rebuild-index`"
            )
        _check_files(directory, manifest)
        return manifest

    @classmethod
    def load(
        cls, directory: Path, *, model_id: str, workspace_id: str | None = None, space: str | None = None,
        **options: Any
    ) -> "VectorIndex":
        """Open a persisted index; refuse one built with another model, for another workspace or in
        another scoring space."""
        manifest = cls.check(directory, model_id=model_id, workspace_id=workspace_id, space=space)
        index = cls(int(manifest["dimension"]), **{**options, "archive_dir": directory})
        if manifest.get("index_type") == "archive":
            index._archive = Archive(directory, manifest["archive"], index.archive_settings)
            index._index = _read_index(directory / manifest["archive"]["delta"])
            return index
        index._index = _read_index(directory / INDEX_FILE)
        hnsw = manifest.get("hnsw") or {}
        index.hnsw_m = int(hnsw.get("m", index.hnsw_m))
        if index.kind != "flat":
            _faiss().downcast_index(index._index.index).hnsw.efSearch = index.ef_search
        return index


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexDamagedError(f"the index manifest {path} cannot be read ({exc}); "
                                f"rebuild the index with `{REBUILD}`") from None
    if not isinstance(manifest, dict) or "model_id" not in manifest:
        raise IndexDamagedError(f"the index manifest {path} is not one this workbench wrote; "
                                f"rebuild the index with `{REBUILD}`")
    return manifest


def _check_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is there, at the size it was written (a manifest from before
    sizes were kept names only ``index.faiss``)."""
    for name, size in (manifest.get("files") or {INDEX_FILE: None}).items():
        path = directory / name
        found = path.stat().st_size if path.exists() else None
        if found is None or (size is not None and found != size):
            state = "is missing" if found is None else f"holds {found:,} bytes where {size:,} were written"
            raise IndexDamagedError(f"the index file {path} {state}; rebuild the index with `{REBUILD}`")


def _read_index(path: Path) -> Any:
    with reading(path):
        return _faiss().read_index(str(path))


def _labels_of(sorted_groups: Sequence[np.ndarray | None], count: int, rows_of) -> np.ndarray | None:
    """For ``count`` rows, the number of the group each is in (-1: none), ``rows_of(group)``
    giving a group's rows; ``None`` when a row is in two groups. A ``None`` group is every row."""
    labels = np.full(count, -1, dtype=np.int32)
    for number, group in enumerate(sorted_groups):
        rows = np.arange(count) if group is None else rows_of(group)
        if (labels[rows] >= 0).any():
            return None
        labels[rows] = number
    return labels


def _remove_unlisted(directory: Path, files: Sequence[str]) -> None:
    """Remove the files of earlier versions of the index that ``files`` (the manifest's) no longer names."""
    listed = {directory / name for name in files}
    archive = directory / ARCHIVE_FOLDER
    if (directory / INDEX_FILE) not in listed:
        (directory / INDEX_FILE).unlink(missing_ok=True)
    if not any(path.parent == archive for path in listed):
        shutil.rmtree(archive, ignore_errors=True)
        return
    for path in archive.iterdir():
        if path not in listed:
            path.unlink(missing_ok=True)
