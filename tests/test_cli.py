"""The command line: commands, exports, exit codes (click's CliRunner plus one real subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.blas import cpu_flags, kernel_for
from workbench.cli import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, main
from workbench.export import STATEMENT_COLUMNS

from conftest import HANG_GUARD_S, unprivileged

REQUIRED_STATEMENT_COLUMNS = [
    "statement_id", "article_id", "source", "title", "language", "position", "start", "end", "text",
    "boilerplate", "boilerplate_reason",
]


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [*args], catch_exceptions=False)

    return invoke


def test_every_command_has_help(run):
    for command in [[], ["ingest"], ["analyze"], ["statements"], ["doctor"], ["settings"]]:
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert "text (required)" in run("ingest", "--help").output  # accepted columns are documented


def test_analyze_writes_the_evidence_contract(run, tmp_path, samples_dir):
    out = tmp_path / "out"
    result = run("analyze", str(samples_dir), "--out", str(out), "--workspace", str(tmp_path / "ws"))
    assert result.exit_code == EXIT_OK, result.output
    frame = pd.read_csv(out / "statements.csv", keep_default_na=False)
    assert list(frame.columns[: len(REQUIRED_STATEMENT_COLUMNS)]) == REQUIRED_STATEMENT_COLUMNS
    assert list(frame.columns) == STATEMENT_COLUMNS
    assert set(frame["boilerplate"].astype(str).str.lower()) == {"true", "false"}
    assert set(frame["language"]) == {"ro", "uk", "fr", "bg"}
    assert frame["source"].str.endswith(".txt").all()
    jsonl = [json.loads(line) for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(jsonl) == len(frame) and jsonl[0]["statement_id"] == frame["statement_id"][0]
    assert isinstance(jsonl[0]["boilerplate"], bool)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for key in ("version", "settings", "inputs", "counts", "timings_s"):
        assert key in manifest
    assert len(manifest["inputs"]) == 5 and all(len(item["sha256"]) == 64 for item in manifest["inputs"])
    assert manifest["counts"]["articles"] == 5 and manifest["counts"]["statements"] == len(frame)
    assert "Statements per language" in result.output
    multilingual = sum(1 for line in run("groups", "--workspace", str(tmp_path / "ws")).output.splitlines()
                       if line.startswith("g") and "," in line.split("  ")[2])
    assert multilingual > 0 and f", {multilingual} of them across languages" in result.output


def test_ingest_then_statements_with_filters(run, tmp_path, samples_dir):
    workspace = str(tmp_path / "ws")
    assert run("ingest", str(samples_dir), "--workspace", workspace).exit_code == EXIT_OK
    again = run("ingest", str(samples_dir / "002_20acd37116a2ee7f.txt"), "-w", workspace)
    assert again.exit_code == EXIT_OK and "duplicate" in again.output
    table = run("statements", "--workspace", workspace, "--language", "fr")
    assert table.exit_code == EXIT_OK
    assert "[masthead] Incidents" in table.output
    rows = run("statements", "-w", workspace, "--boilerplate", "--format", "jsonl").output.splitlines()
    assert rows and all(json.loads(row)["boilerplate"] for row in rows)
    content = run("statements", "-w", workspace, "--content", "--contains", "coquilles", "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(content.output))
    assert len(frame) == 1 and "plus d'un million de coquilles" in frame["text"][0]


def test_exit_codes(run, tmp_path, samples_dir):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    workspace = str(tmp_path / "ws")
    partial = run("ingest", str(samples_dir), str(empty), "-w", workspace)
    assert partial.exit_code == EXIT_PARTIAL
    assert f"error: {empty}: empty file" in partial.output
    nothing = run("ingest", str(tmp_path / "missing.txt"), "-w", str(tmp_path / "ws2"))
    assert nothing.exit_code == EXIT_FAILURE
    usage = run("ingest", "-w", workspace)
    assert usage.exit_code == 2
    bad_setting = run("statements", "-w", workspace, "--set", "group.k=lots")
    assert bad_setting.exit_code == EXIT_FAILURE and "not a valid int" in bad_setting.output
    no_articles = run("analyze", "-w", str(tmp_path / "ws3"))
    assert no_articles.exit_code == EXIT_FAILURE and "holds no articles" in no_articles.output


def test_doctor_passes_here(run):
    result = run("doctor")
    assert result.exit_code == EXIT_OK, result.output
    assert "bundled encoder" in result.output
    kernel = kernel_for(cpu_flags())
    if kernel:  # the OpenBLAS bundled with faiss runs the processor's kernel (workbench/blas.py)
        assert f"(BLAS kernel {kernel})" in result.output, result.output


def test_python_dash_m_entry_point(tmp_path, samples_dir):
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "ingest", str(samples_dir / "000_34b67d16e7c3daa1.txt"),
         "--workspace", str(tmp_path / "ws")],
        capture_output=True, text=True, timeout=HANG_GUARD_S,
    )
    assert result.returncode == 0, result.stderr
    assert "Ingested 1 new article" in result.stderr


EXIT_USAGE = 2


@pytest.mark.parametrize("out, formats, says", [
    ("a-file/results", "csv", "Invalid value for --out: cannot write the results to {out} (not a directory)"),
    ("results", "csv,pdf", "Invalid value for --format: unknown export format(s) 'pdf'; use one or more of csv, "
                           "jsonl, xlsx"),
    ("results", " , ", "Invalid value for --format: no export format given"),
], ids=["out-under-a-file", "unknown-format", "no-format"])
def test_analyze_checks_out_and_format_before_any_work(run, tmp_path, samples_dir, out, formats, says):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / out
    result = run("analyze", str(samples_dir), "--out", str(out), "--format", formats, "--workspace",
                 str(tmp_path / "ws"))
    assert result.exit_code == EXIT_USAGE, result.output
    assert says.format(out=out) in " ".join(result.output.split())
    assert not (tmp_path / "ws").exists()  # nothing was ingested, let alone analysed


def test_export_with_no_format_writes_nothing(run, analysed_samples, tmp_path):
    out = tmp_path / "out"
    result = run("export", "--out", str(out), "--format", "", "--workspace", str(analysed_samples.config.workspace_dir))
    assert result.exit_code == EXIT_USAGE, result.output
    assert "no export format given" in result.output and not out.exists()


def test_an_out_folder_the_user_may_not_write_is_refused_before_any_work(samples_dir):
    root = Path(tempfile.mkdtemp(prefix="unwritable-out-"))  # pytest's own folders admit root only
    try:
        root.chmod(0o777)
        theirs = root / "theirs"
        theirs.mkdir(mode=0o755)  # root's, which the user nobody may read but not write
        ran = subprocess.run(unprivileged([sys.executable, "-m", "workbench", "analyze", str(samples_dir), "--out",
                                           str(theirs / "out"), "--workspace", str(root / "ws")]),
                             capture_output=True, text=True, env={**os.environ, "WORKBENCH_HOME": str(root / "home")})
        assert ran.returncode == EXIT_USAGE, ran.stderr
        assert f"cannot write the results to {theirs / 'out'} (permission denied)" in " ".join(ran.stderr.split())
        assert "Traceback" not in ran.stderr and not (root / "ws").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_summary_and_stories_count_in_words(run, analysed_samples):
    # "1 conflicts", "(1 conflicts pair)": every count the command line writes agrees with its noun.
    import re

    workspace = str(analysed_samples.config.workspace_dir)
    said = run("summary", "--workspace", workspace).output + run("stories", "--workspace", workspace).output
    conflicts = sum(g.verdict == "conflicts" for g in analysed_samples.groups())
    assert conflicts == 1  # the shells conflict alone, so the singular is what is checked
    assert re.search(r"Claim groups: \d+, \d+ of them across languages \(1 conflicting, ", said), said
    assert "conflicts (1 conflicting pair):" in said
    assert not re.search(r"(?<![\d,.])1 (conflicts|articles|statements|groups|claim groups|files|pairs)\b", said), said
