#!/usr/bin/env python3
"""The ``workbench`` command line with wall-clock timers around ingest, analyze and export.

The speed benchmark runs ``python benchmarks/timed_cli.py TIMINGS.json analyze PATH --out DIR``
instead of ``workbench analyze PATH --out DIR``: the same code path (``workbench.cli.main``),
plus a JSON file with the seconds spent in ``Workbench.ingest``, ``Workbench.analyze`` and
``Workbench.export`` and in importing the program, so the parts of a run outside
``run.json``'s stage timings (start-up, ingest, export) are measured too, and the
process's peak resident memory.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

STARTED = time.perf_counter()
PHASES = ("ingest", "analyze", "export")


def _timed(seconds: dict[str, float], name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

    return wrapper


def peak_memory_mb() -> float | None:
    """This process's own high-water resident memory (VmHWM). Unlike ``ru_maxrss`` it leaves out
    the parent's memory at fork, which Linux counts in the child's ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main() -> None:
    timings_path = Path(sys.argv[1])
    seconds: dict[str, float] = {}
    from workbench import cli
    from workbench.pipeline import Workbench

    seconds["import"] = time.perf_counter() - STARTED
    for name in PHASES:
        setattr(Workbench, name, _timed(seconds, name, getattr(Workbench, name)))
    sys.argv = ["workbench", *sys.argv[2:]]
    try:
        cli.main()
    finally:
        seconds["process"] = time.perf_counter() - STARTED
        record = {"seconds": {k: round(v, 4) for k, v in seconds.items()}, "peak_rss_mb": peak_memory_mb()}
        timings_path.write_text(json.dumps(record), encoding="utf-8")


if __name__ == "__main__":
    main()
