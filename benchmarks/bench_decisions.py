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
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from test_ui import fill_large_workspace  # noqa: E402

from workbench import Config, Workbench  # noqa: E402
from workbench.index import VectorIndex  # noqa: E402
from workbench.model import Decision  # noqa: E402


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    try:
        workspace = folder / "large"
        fill_large_workspace(workspace)
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
