"""A read-only workspace (a read-only mount, another user's files): reading commands work,
writing ones say why they cannot, and nothing is changed.

The workspace is made truly read-only: by permissions for a normal user, and for root (who may
write anything) by copying it onto a tmpfs remounted read-only. Where neither is possible the
real-medium test is skipped; the in-process tests below it need neither.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import Config, Workbench
from workbench.errors import StoreError
from workbench.store import Store

from conftest import HANG_GUARD_S, copy_tree


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def read_only_copy(source: Path, tmp_path: Path) -> Iterator[Path]:
    """``source`` copied where no one may write it: by permissions for a normal user, and for
    root (who may write anything) onto a tmpfs remounted read-only."""
    if os.geteuid() != 0:
        target = tmp_path / source.name
        copy_tree(source, target)
        for path in [target, *target.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield target
        for path in [target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return
    mount = tmp_path / "medium"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("running as root without permission to mount a read-only file system")
    try:
        copy_tree(source, mount / source.name)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True, capture_output=True)
        yield mount / source.name
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.fixture
def read_only_workspace(analysed_samples, tmp_path):
    with read_only_copy(analysed_samples.config.workspace_dir, tmp_path) as workspace:
        yield workspace


def _cli(*args: str, workspace: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, timeout=HANG_GUARD_S)


def test_reading_commands_work_and_writing_ones_explain_on_a_read_only_medium(read_only_workspace, tmp_path,
                                                                            samples_dir):
    before = _digest(read_only_workspace)
    for command in (["summary"], ["statements"], ["groups"], ["stories"],
                    ["search", "Северна Корея е изпратила снаряди на Русия"], ["export", "--out", str(tmp_path / "out")]):
        result = _cli(*command, workspace=read_only_workspace)
        assert result.returncode == 0, (command, result.stderr)
        assert "readonly database" not in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "groups.csv").exists()
    assert "близо пет милиона" in (tmp_path / "out" / "statements.csv").read_text(encoding="utf-8")

    for command in (["ingest", str(samples_dir)], ["analyze"]):
        result = _cli(*command, workspace=read_only_workspace)
        assert result.returncode == 1, (command, result.stderr)
        assert "the workspace is read-only" in result.stderr and "copy the workspace folder" in result.stderr
        assert "Traceback" not in result.stderr
    assert _digest(read_only_workspace) == before


def test_a_store_opened_read_only_reads_everything_and_refuses_every_write(analysed_samples):
    config = Config.load(workspace=str(analysed_samples.config.workspace_dir))
    with Workbench(config, store=Store(config.database_path, read_only=True)) as workbench:
        assert workbench.store.read_only
        assert len(workbench.groups()) == len(analysed_samples.groups())
        assert workbench.search("Северна Корея е изпратила снаряди на Русия", top=3)
        group = next(g for g in workbench.groups() if len(g.statement_ids) >= 2)
        with pytest.raises(StoreError, match="the workspace is read-only"):
            workbench.accept_link(group.statement_ids[0], group.statement_ids[1])
        with pytest.raises(StoreError, match="the workspace is read-only"):
            workbench.ingest_text("Un articol nou despre fabrica de muniție din Cugir și producția ei.")


CUGIR = "Fabrica de muniție din Cugir și-a dublat producția de obuze în ultimul an, potrivit conducerii sale."
SHELLS_QUERY = "Северна Корея е изпратила снаряди на Русия"


@pytest.fixture
def home_with_an_article_awaiting_analysis(analysed_samples, tmp_path) -> Path:
    """A home holding the analysed samples as workspace ``ws``, its saved index, and one article
    ingested since that analysis."""
    home = tmp_path / "home"
    copy_tree(analysed_samples.config.workspace_dir, home / "workspaces" / "ws")
    copy_tree(analysed_samples.config.index_dir, home / "indexes" / "ws")
    with Workbench(Config.load(workspace="ws", home=str(home))) as workbench:
        assert workbench.ingest_text(CUGIR, title="Cugir").status == "added"
        assert len(workbench.awaiting_analysis()) == 1
    return home


def test_search_reads_the_saved_index_of_a_read_only_workspace_and_says_what_waits(
        home_with_an_article_awaiting_analysis, tmp_path):
    """The whole home on read-only storage: search used to embed the waiting article and save
    the index, and stopped with "could not open .index.faiss.partial for writing"."""
    with read_only_copy(home_with_an_article_awaiting_analysis, tmp_path) as home:
        before = _digest(home)
        result = subprocess.run([sys.executable, "-m", "workbench", "search", SHELLS_QUERY, "--json", "--top", "50",
                                  "--workspace", "ws"], capture_output=True, text=True,
                                 env={**os.environ, "WORKBENCH_HOME": str(home)})
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert ("note: 1 statement(s) ingested since the last analysis are not searched: the workspace is read-only "
                "(analyse a copy of its folder to search them)") in result.stderr.splitlines()
        hits = json.loads(result.stdout)["hits"]
        assert any("пет милиона" in hit["text"] for hit in hits)
        assert not any("Cugir" in hit["text"] for hit in hits)
        assert _digest(home) == before


def test_a_store_opened_read_only_searches_its_index_as_saved(home_with_an_article_awaiting_analysis):
    config = Config.load(workspace="ws", home=str(home_with_an_article_awaiting_analysis))
    index_file = config.index_dir / "index.faiss"
    saved = index_file.read_bytes()
    with Workbench(config, store=Store(config.database_path, read_only=True)) as workbench:
        hits = workbench.search(CUGIR, top=50)
        assert hits and not any("Cugir" in hit.text for hit in hits)
        assert workbench.unsearched == 1
    assert index_file.read_bytes() == saved
    with Workbench(config) as workbench:  # a writable workspace finds the article at once
        assert workbench.search(CUGIR, top=1)[0].text == CUGIR
        assert workbench.unsearched == 0
