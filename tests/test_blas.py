"""faiss's OpenBLAS runs the processor's own kernel (see workbench/blas.py)."""

import json
import os
import subprocess
import sys

import pytest

from workbench.blas import cpu_flags, kernel_for

AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def test_the_best_kernel_the_processor_runs():
    assert kernel_for(frozenset(AVX512 | {"avx2", "fma", "sse3"})) == "SkylakeX"
    assert kernel_for(frozenset({"avx2", "fma", "avx512f"})) == "Haswell"  # AVX-512 without BW, DQ, VL
    assert kernel_for(frozenset({"sse3", "avx"})) is None  # OpenBLAS chooses


def test_flags_of_the_first_processor(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n", encoding="utf-8")
    assert cpu_flags(info) == {"fpu", "sse3", "avx2", "fma"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


FAISS_KERNEL = """
import json, os
import workbench, faiss
from threadpoolctl import threadpool_info
print(json.dumps({"set": os.environ.get("OPENBLAS_CORETYPE"), "faiss": [
    info.get("architecture") for info in threadpool_info()
    if info.get("internal_api") == "openblas" and "faiss" in str(info.get("filepath", ""))]}))
"""


def _faiss_kernel(environment: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", FAISS_KERNEL], capture_output=True, text=True, env=environment,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(kernel_for(cpu_flags()) is None, reason="a processor without AVX2: OpenBLAS chooses")
def test_faiss_loads_the_kernel_chosen_for_the_processor():
    environment = {key: value for key, value in os.environ.items() if key != "OPENBLAS_CORETYPE"}
    found = _faiss_kernel(environment)
    assert found["set"] == kernel_for(cpu_flags())
    assert found["faiss"] == [found["set"]]


def test_a_kernel_the_user_set_is_kept():
    found = _faiss_kernel({**os.environ, "OPENBLAS_CORETYPE": "Prescott"})
    assert found == {"set": "Prescott", "faiss": ["Prescott"]}
