"""The vector index: a thin wrapper around FAISS, inner product on normalised vectors.

Small corpora get exact search (``IndexFlatIP``). Above ``exact_max`` vectors an
HNSW graph (``IndexHNSWFlat``) replaces it; the benchmark reports its recall
against exact search and the latency of both. Rows carry the statements'
vector ids (``IndexIDMap2``), so adding articles appends to the index instead
of rebuilding it. A persisted index has a ``manifest.json`` (model id,
dimension, count, index type, created); opening it with another model is
refused, never silently mixed.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .errors import IndexMismatchError, ScoringSpaceChangedError

log = logging.getLogger(__name__)

INDEX_FILE = "index.faiss"
FEW_QUERIES = 16  # fewer queries than this are scored one at a time (see VectorIndex._all_scores)
QUERY_BLOCK = 256  # queries scored together: a block's scores at 100,000 rows take 100 MB
MANIFEST_FILE = "manifest.json"


def _faiss():
    import faiss

    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    return faiss


class VectorIndex:
    """Exact or HNSW inner-product search over rows identified by int64 ids."""

    def __init__(
        self,
        dimension: int,
        *,
        exact_max: int = 200_000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 96,
        kind: str = "auto",
    ):
        self.dimension = dimension
        self.exact_max = exact_max
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._requested_kind = kind
        self._index = self._new_index("hnsw" if kind == "hnsw" else "flat")
        self._id_order: tuple[int, np.ndarray, np.ndarray] | None = None  # (count, sorted ids, their rows)

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
        faiss = _faiss()
        inner = faiss.downcast_index(self._index.index)
        return f"hnsw{self.hnsw_m}" if isinstance(inner, faiss.IndexHNSWFlat) else "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def ids(self) -> np.ndarray:
        faiss = _faiss()
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Append rows; switches from exact to HNSW when the index grows past ``exact_max``."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(vectors) != len(ids):
            raise ValueError(f"expected ({len(ids)}, {self.dimension}) vectors, got {vectors.shape}")
        if len(vectors) == 0:
            return
        if self._requested_kind == "auto" and self.kind == "flat" and len(self) + len(vectors) > self.exact_max:
            self._convert_to_hnsw()
        self._index.add_with_ids(vectors, ids)

    def _convert_to_hnsw(self) -> None:
        existing_ids = self.ids
        existing = self._index.index.reconstruct_n(0, len(self)) if len(self) else np.zeros((0, self.dimension), np.float32)
        self._index = self._new_index("hnsw")
        if len(existing_ids):
            self._index.add_with_ids(existing, existing_ids)
        log.info("Index - switched to HNSW (M=%d) above %d vectors", self.hnsw_m, self.exact_max)

    def vectors_for(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (every one must be held), in their order."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), np.float32)
        if self.kind != "flat":
            return np.vstack([self._index.reconstruct(int(i)) for i in ids])
        # One gather from FAISS's own rows: reconstructing 100,000 vectors one call at a time took seconds.
        rows, found = self._rows_of(ids)
        if len(found) != len(ids):
            missing = sorted(set(ids.tolist()) - set(found.tolist()))[:5]
            raise KeyError(f"the index holds no vector for id(s) {missing}")
        faiss = _faiss()
        inner = faiss.downcast_index(self._index.index)
        stored = faiss.rev_swig_ptr(inner.get_xb(), len(self) * self.dimension).reshape(len(self), self.dimension)
        return stored[rows].copy()

    # -- search ------------------------------------------------------------------------------
    def search_each(self, queries: np.ndarray, k: int,
                    groups: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """For each named group of ids, ``(scores, ids)`` of its ``k`` nearest rows per query, as
        :meth:`search` with ``allowed_ids`` gives them (search ranks every language's statements).

        An exact index scores every row once for all the groups, where a filtered search per
        group scores them all once per group; an HNSW index searches each group with its filter.
        """
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
        """``(len(queries), len(self))`` inner products with every stored row, in storage order."""
        faiss = _faiss()
        count = len(self)
        inner = faiss.downcast_index(self._index.index)
        # A view of FAISS's own rows, made anew for each call: an add may move them.
        stored = faiss.rev_swig_ptr(inner.get_xb(), count * self.dimension).reshape(count, self.dimension)
        if len(queries) >= FEW_QUERIES:
            return queries @ stored.T
        # A few queries (an analyst's search): FAISS's single-threaded SIMD loop. A BLAS product
        # is as fast alone, but its threads keep spinning after it and slowed the next query's
        # encoding 3 to 4 times on two cores (100,000 rows: 7 ms + 26 ms against 5 ms + 6 ms).
        scores = np.empty((len(queries), count), dtype=np.float32)
        for row, query in enumerate(queries):
            faiss.fvec_inner_products_ny(faiss.swig_ptr(scores[row]), faiss.swig_ptr(query), faiss.swig_ptr(stored),
                                         self.dimension, count)
        return scores

    def _rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The storage rows of those ``ids`` the index holds, and their ids."""
        if self._id_order is None or self._id_order[0] != len(self):  # rows are only ever appended
            stored = self.ids
            order = np.argsort(stored, kind="stable")
            self._id_order = (len(self), stored[order], order)
        _, sorted_ids, order = self._id_order
        where = np.clip(np.searchsorted(sorted_ids, ids), 0, max(len(sorted_ids) - 1, 0))
        present = sorted_ids[where] == ids if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
        return order[where[present]], ids[present]

    def search(self, queries: np.ndarray, k: int, *, allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the ``k`` nearest rows per query, best first; ids -1 where fewer exist."""
        faiss = _faiss()
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if len(self) == 0 or k <= 0:
            shape = (len(queries), max(k, 0))
            return np.full(shape, -np.inf, dtype=np.float32), np.full(shape, -1, dtype=np.int64)
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
        ``space`` the scoring space its vectors are in (:mod:`workbench.space`)."""
        faiss = _faiss()
        directory.mkdir(parents=True, exist_ok=True)
        previous = read_manifest(directory)
        temporary = directory / f".{INDEX_FILE}.partial"
        faiss.write_index(self._index, str(temporary))
        temporary.replace(directory / INDEX_FILE)
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
        }
        manifest_temporary = directory / f".{MANIFEST_FILE}.partial"
        manifest_temporary.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        manifest_temporary.replace(directory / MANIFEST_FILE)
        return manifest

    @staticmethod
    def check(directory: Path, *, model_id: str, workspace_id: str | None = None,
              space: str | None = None) -> dict[str, Any]:
        """The manifest of the index in ``directory``, if this model, workspace and scoring space may use it."""
        manifest = read_manifest(directory)
        if manifest is None or not (directory / INDEX_FILE).exists():
            raise FileNotFoundError(directory / INDEX_FILE)
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
        return manifest

    @classmethod
    def load(
        cls, directory: Path, *, model_id: str, workspace_id: str | None = None, space: str | None = None,
        **options: Any
    ) -> "VectorIndex":
        """Open a persisted index; refuse one built with another model, for another workspace or in
        another scoring space."""
        faiss = _faiss()
        manifest = cls.check(directory, model_id=model_id, workspace_id=workspace_id, space=space)
        index = cls(int(manifest["dimension"]), **options)
        index._index = faiss.read_index(str(directory / INDEX_FILE))
        hnsw = manifest.get("hnsw") or {}
        index.hnsw_m = int(hnsw.get("m", index.hnsw_m))
        if index.kind != "flat":
            faiss.downcast_index(index._index.index).hnsw.efSearch = index.ef_search
        return index


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
