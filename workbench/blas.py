"""FAISS's matrix products on the processor's own kernel.

The faiss-cpu wheel bundles OpenBLAS 0.3.15, which does not recognise processors newer than it and
falls back to its oldest x86-64 kernel ("Prescott", SSE3). On this project's machines an exact
search of 548 statements against 25,000 (one language of an incremental analysis at 100,000) took
0.38 s on it and 0.08 s on the SkylakeX kernel the processor runs. OpenBLAS reads
``OPENBLAS_CORETYPE`` once, when it loads, so :func:`choose_kernel_for_faiss` sets it from the
processor's instruction sets before anything imports faiss (``workbench/__init__.py`` calls it
first). A value the user set is kept.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# OpenBLAS kernels known to 0.3.15 and to newer releases, best first, with the instruction sets each needs.
KERNELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("SkylakeX", frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})),
    ("Haswell", frozenset({"avx2", "fma"})),
)
CPU_INFO = Path("/proc/cpuinfo")


def kernel_for(flags: set[str] | frozenset[str]) -> str | None:
    """The best OpenBLAS kernel a processor with these instruction-set flags runs (None: leave
    OpenBLAS to choose)."""
    return next((kernel for kernel, needed in KERNELS if needed <= flags), None)


def cpu_flags(cpu_info: Path = CPU_INFO) -> frozenset[str]:
    """The instruction-set flags of the first processor in ``/proc/cpuinfo`` (none elsewhere)."""
    try:
        text = cpu_info.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def choose_kernel_for_faiss() -> str | None:
    """Set ``OPENBLAS_CORETYPE`` for the processor, unless it is set or faiss is loaded already
    (then it would not be read); returns the kernel set."""
    if "OPENBLAS_CORETYPE" in os.environ or "faiss" in sys.modules:
        return None
    kernel = kernel_for(cpu_flags())
    if kernel:
        os.environ["OPENBLAS_CORETYPE"] = kernel
    return kernel
