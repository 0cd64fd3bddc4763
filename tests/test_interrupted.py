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


def kill_when(process: subprocess.Popen, database: Path, sql: str, *, timeout: float = 240) -> None:
    """SIGKILL ``process`` as soon as ``sql`` (read from its database) returns a row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the command ended before it could be killed: {process.stderr.read().decode()}"
        if database.exists():
            try:
                with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
                    if db.execute(sql).fetchone():
                        process.send_signal(signal.SIGKILL)
                        process.wait(timeout=30)
                        return
            except sqlite3.OperationalError:
                pass  # the schema is being created
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"{sql!r} never held within {timeout} s")


def test_a_killed_analysis_is_marked_interrupted_everywhere(tmp_path):
    workspace = tmp_path / "ws"
    home = tmp_path / "home"  # a cold embedding cache: the analysis is busy for seconds
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        workbench.ingest([SAMPLES])
    process = start("analyze", "--workspace", str(workspace), "--quiet", home=home)
    kill_when(process, workspace / "workbench.db", "SELECT 1 FROM runs WHERE status = 'running'")
    assert process.returncode == -signal.SIGKILL

    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        assert [run["status"] for run in workbench.runs()] == ["interrupted"]
        assert any("was interrupted before it finished" in note for note in workbench.status_notes())
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
    kill_when(process, workspace / "workbench.db",
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
