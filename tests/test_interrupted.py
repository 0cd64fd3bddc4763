"""Killed work is marked, not hidden: a real ``workbench`` process is SIGKILLed mid-analysis and
mid-ingest, and the workspace must then say what was interrupted and count what was stored."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import Config, Workbench

from conftest import SAMPLES

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def start(*args: str, home: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbench", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "WORKBENCH_HOME": str(home)})


def marker_holds(database: Path, sql: str) -> bool:
    if not database.exists():
        return False
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchone() is not None
    except sqlite3.OperationalError:
        return False  # the schema is being created


def kill_at(process: subprocess.Popen, database: Path, sql: str) -> None:
    """SIGKILL ``process`` at a stage marker: as soon as ``sql`` (read from ``database``, which the
    command writes on its way) returns a row. Each marker is followed by seconds of work, and the
    process is stopped (SIGSTOP) the moment it is seen, so the kill lands inside that stage however
    slow the machine; there is no time limit."""
    while not marker_holds(database, sql):
        if process.poll() is not None:
            pytest.fail(f"the command ended before its stage marker {sql!r} held: {process.stderr.read().decode()}")
        time.sleep(0.02)
    process.send_signal(signal.SIGSTOP)
    assert process.poll() is None, "the command ended at its stage marker, before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_a_killed_analysis_is_marked_interrupted_everywhere(tmp_path):
    workspace = tmp_path / "ws"
    home = tmp_path / "home"  # a cold embedding cache: the analysis is busy for seconds
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        workbench.ingest([SAMPLES])
    process = start("analyze", "--workspace", str(workspace), "--quiet", home=home)
    # The marker: the first batch of vectors in the embedding cache. Two more batches are left to
    # embed, so the run is killed while it embeds.
    kill_at(process, home / "cache" / "embeddings.db", "SELECT 1 FROM vectors")
    assert process.returncode == -signal.SIGKILL

    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        assert [run["status"] for run in workbench.runs()] == ["interrupted"]
        [note] = [note for note in workbench.status_notes() if "was interrupted before it finished" in note]
        # The first analysis was killed: there is no earlier one whose results these would be.
        assert "no analysis has finished in this workspace yet, so nothing is grouped" in note
        assert "results of the last finished one" not in note
        out = tmp_path / "out"
        workbench.export(out)
        manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert [run["status"] for run in manifest["runs_not_finished"]] == ["interrupted"]

        workbench.analyze()  # the next run finishes; the killed one stays marked
        assert [run["status"] for run in workbench.runs()] == ["interrupted", "finished"]
        assert not any("interrupted" in note for note in workbench.status_notes()), workbench.status_notes()
        with sqlite3.connect(workspace / "workbench.db") as db:  # stored, not only computed
            assert db.execute("SELECT status FROM runs ORDER BY run_id").fetchall() == [("interrupted",), ("finished",)]


def test_a_killed_ingest_counts_what_it_stored_and_names_the_file(tmp_path):
    workspace = tmp_path / "ws"
    rows = tmp_path / "big.jsonl"
    with rows.open("w", encoding="utf-8") as handle:
        for n in range(1200):
            handle.write(json.dumps({"text": f"Article {n}: the council met on day {n} and approved {n * 7} new homes."
                                            " The mayor said the vote was close.", "title": f"Story {n}"}) + "\n")
    process = start("ingest", str(rows), "--workspace", str(workspace), home=tmp_path / "home")
    kill_at(process, workspace / "workbench.db",
            "SELECT 1 FROM inputs WHERE complete = 0 AND (SELECT COUNT(*) FROM articles) >= 5")

    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        stored = len(workbench.articles())
        assert 5 <= stored < 1200
        [entry] = workbench.inputs()
        assert entry["path"] == str(rows) and entry["complete"] is False
        assert entry["added"] == stored  # counted from the store, not the unfinished tally
        assert any("not read to the end" in note and str(rows) in note for note in workbench.status_notes())

        report = workbench.ingest([rows])  # read again: the rest is added, nothing twice
        assert len(report.added) == 1200 - stored and len(report.duplicates) == stored
        assert len(workbench.articles()) == 1200
        assert all(entry["complete"] for entry in workbench.inputs())
        assert not any("not read to the end" in note for note in workbench.status_notes())
