#!/usr/bin/env python3
"""How long one analyst decision takes on a workspace of 100,000 statements.

The workspace is the UI tests' synthetic one (tests/test_ui.py ``fill_large_workspace``:
1,000 articles, 20,000 groups, 40,000 links), with random unit vectors in its index in
place of embeddings (a decision never embeds). Prints the time of a first decision in a
fresh Workbench (it reads the index once) and of the next one, each with its preview
(what the UI lists before the analyst confirms).
Run: ``python benchmarks/bench_decisions.py`` (about a minute); not part of ``make bench``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common import large_workspace

from workbench import Config, Workbench
from workbench.model import Decision


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    try:
        workspace, overrides, _ = large_workspace(folder)
        for attempt in range(3):
            with Workbench(Config.load(workspace=str(workspace), overrides=overrides)) as workbench:
                times = []
                for offset in (0, 1):
                    group = workbench.store.groups()[10 * attempt + offset]
                    pair = tuple(sorted(group.statement_ids[:2]))
                    started = time.perf_counter()
                    workbench.preview(Decision("reject_link", pair))  # what the UI shows before Confirm
                    times.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    workbench.reject_link(*pair)
                    times.append(time.perf_counter() - started)
                print(f"first decision: preview {times[0]:.2f} s, decision {times[1]:.2f} s; "
                      f"next: preview {times[2]:.2f} s, decision {times[3]:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
