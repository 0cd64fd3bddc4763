"""Config: one object, documented precedence, clear errors."""

from __future__ import annotations

import json

import pytest

from workbench.config import Config
from workbench.errors import ConfigError


def test_precedence_saved_settings_file_environment_overrides(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "settings.json").write_text(json.dumps({"group": {"k": 5, "scoring": "csls"}, "seed": 3}))
    toml = tmp_path / "wb.toml"
    toml.write_text("[group]\nk = 6\n[verdict]\ntolerance = 0.2\n")
    config = Config.load(
        workspace=str(workspace),
        config_file=toml,
        environ={"WORKBENCH_GROUP__K": "7", "WORKBENCH_EMBED__BATCH_SIZE": "16"},
        overrides=["group.k=8"],
    )
    assert config.group.k == 8  # --set beats environment beats file beats saved settings
    assert config.embed.batch_size == 16
    assert config.verdict.tolerance == 0.2
    assert config.group.scoring == "csls" and config.seed == 3


def test_values_are_typed_and_optional_thresholds_accept_default():
    config = Config.load(overrides={"group.centering": "false", "group.suggested": "1.05", "group.confirmed": "default"})
    assert config.group.centering is False
    assert config.group.suggested == 1.05
    assert config.group.confirmed is None


@pytest.mark.parametrize("assignment, message", [
    ("group.kk=3", "unknown setting 'group.kk'"),
    ("group.k=many", "group.k='many' is not a valid int"),
    ("nonsense", "is not KEY=VALUE"),
    ("group.scoring=cosin", "group.scoring is 'cosin'; use one of: margin, csls, cosine"),
    ("group.article_gate=off", "group.article_gate is 'off'; use one of: shared_name, none"),
    ("group.k=0", "group.k=0 is out of range; use a number in .1, 100."),
    ("group.suggested=nan", "group.suggested=nan is out of range"),
    ("verdict.tolerance=-0.1", "verdict.tolerance=-0.1 is out of range; use a number in .0, 1."),
    ("index.exact_max=0", "index.exact_max=0 is out of range"),
    ("ingest.max_file_mb=0", "ingest.max_file_mb=0.0 is out of range; use a number in .0, 100000."),
    ("embed.batch_size=-3", "embed.batch_size=-3 is out of range"),
    ("story.threshold=1.5", "story.threshold=1.5 is out of range; use a number in .0, 1."),
    ("group.method=global", "group.method is 'global'; use one of: stories, corpus"),
])
def test_bad_settings_say_what_is_wrong(assignment, message):
    with pytest.raises(ConfigError, match=message):
        Config.load(overrides=[assignment])


def test_workspace_names_and_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    named = Config.load(workspace="demo")
    assert named.workspace_dir == tmp_path / "workspaces" / "demo"
    assert named.index_dir == tmp_path / "indexes" / "demo"
    by_path = Config.load(workspace=str(tmp_path / "elsewhere" / "ws2"))
    assert by_path.workspace_dir == tmp_path / "elsewhere" / "ws2"
    assert by_path.workspace_name == "ws2"
    assert by_path.index_dir.parent == tmp_path / "indexes" and by_path.index_dir.name.startswith("ws2-")
    other = Config.load(workspace=str(tmp_path / "other" / "ws2"))
    assert other.index_dir != by_path.index_dir


@pytest.mark.parametrize("name, says", [
    ("..", "workspace name '..' is not usable (give a name like 'demo' or a folder path like ./demo)"),
    (".", "workspace name '.' is not usable (give a name like 'demo' or a folder path like ./demo)"),
    ("~nosuchuser", "workspace '~nosuchuser' starts with the home folder of 'nosuchuser', a user this machine does "
                    "not have (give the folder in full, or a name like 'demo')"),
])
def test_a_workspace_name_that_is_no_workspace_is_refused_and_nothing_is_written(tmp_path, monkeypatch, name, says):
    """`-w ..` wrote workbench.db into the folder above; `-w ~nosuchuser` ended in a RuntimeError traceback."""
    from click.testing import CliRunner

    from workbench.cli import main

    below = tmp_path / "here" / "below"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    result = CliRunner().invoke(main, ["summary", "-w", name])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [f"error: {says}"]
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_settings_round_trip_through_the_manifest_form():
    config = Config.load(overrides={"group.k": 9})
    assert Config().with_values(config.settings_dict()).settings_dict() == config.settings_dict()
