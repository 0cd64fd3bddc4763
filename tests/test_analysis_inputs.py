"""Corpora the analysis must handle with a clear message: empty, one article, one language, odd scripts, missing models."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from workbench.cli import EXIT_FAILURE, main
from workbench.errors import ConfigError, WorkbenchError

from conftest import SAMPLES


def test_empty_workspace_is_refused_with_a_message(make_workbench):
    workbench = make_workbench()
    with pytest.raises(WorkbenchError, match="holds no statements yet"):
        workbench.analyze()
    with pytest.raises(WorkbenchError, match="holds no statements yet"):
        workbench.search("anything")


def test_single_article_gives_no_groups_and_says_why(make_workbench):
    workbench = make_workbench()
    workbench.ingest([SAMPLES / "002_20acd37116a2ee7f.txt"])
    manifest = workbench.analyze()
    assert workbench.groups() == []
    assert any("Only one article" in note for note in manifest["notes"])
    assert workbench.search("Blinken", top=3)  # search still works


def test_one_language_only(make_workbench):
    workbench = make_workbench()
    workbench.ingest([SAMPLES / "003_d7d34adf8c061df0.txt", SAMPLES / "004_b91c89b5cbf94032.txt"])
    manifest = workbench.analyze()
    assert any("one language (bg)" in note for note in manifest["notes"])
    for group in workbench.groups():
        assert group.languages == ("bg",) and len(group.article_ids) == 2


def test_statements_in_an_unidentified_script_are_kept_but_not_grouped(make_workbench, tmp_path):
    runic = tmp_path / "runes.txt"
    runic.write_text("ᚠᚢᚦᚨᚱᚲ ᚷᚹᚺᚾᛁᛃ ᛇᛈᛉᛊᛏᛒ ᛖᛗᛚᛜᛞᛟ ᚠᚢᚦᚨᚱᚲ.\n\nᛖᛗᛚᛜᛞᛟ ᚷᚹᚺᚾᛁᛃ ᛇᛈᛉᛊᛏᛒ ᚠᚢᚦᚨᚱᚲ ᛖᛗᛚ.\n", encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([runic, SAMPLES / "000_34b67d16e7c3daa1.txt", SAMPLES / "001_5a34058cff188202.txt"])
    manifest = workbench.analyze()
    runes = [s for s in workbench.statements() if s.text.startswith("ᚠ") or s.text.startswith("ᛖ")]
    assert runes and all(s.language == "und" for s in runes)
    grouped = set(workbench.store.group_members())
    assert not grouped & {s.statement_id for s in runes}
    assert any("could not be identified" in note and "runes.txt" in note for note in manifest["notes"])


def test_a_script_the_detector_has_no_profile_for_is_undetermined_not_estonian(make_workbench, tmp_path):
    georgian = tmp_path / "ka.txt"
    georgian.write_text("ჩრდილოეთ კორეამ რუსეთს ჭურვები გაუგზავნა\n\nსამხრეთ კორეის თავდაცვის სამინისტროს ცნობით, "
                        "ჩრდილოეთ კორეამ რუსეთს თითქმის ხუთი მილიონი საარტილერიო ჭურვი გაუგზავნა.\n", encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([georgian])
    assert {s.language for s in workbench.statements()} == {"und"}
    assert workbench.articles()[0].language == "und"


def test_chinese_statements_are_long_enough_to_group(make_workbench, tmp_path):
    """Han text has no spaces: a whole sentence once counted as one word, too short to group."""
    chinese = tmp_path / "zh.txt"
    chinese.write_text("朝鲜向俄罗斯运送炮弹\n\n据韩国国防部称，朝鲜已向俄罗斯运送了近五百万枚炮弹。\n"
                       "克里姆林宫发言人佩斯科夫表示，两国在一些敏感领域开展合作。\n", encoding="utf-8")
    workbench = make_workbench()
    workbench.ingest([chinese, SAMPLES / "004_b91c89b5cbf94032.txt"])
    statements = [s for s in workbench.statements() if s.language == "zh"]
    assert len(statements) == 3 and not any(s.boilerplate for s in statements)
    assert all(workbench.eligible(s) for s in statements)


def test_cli_names_a_model_that_cannot_be_loaded_offline(tmp_path):
    pytest.importorskip("sentence_transformers")
    result = CliRunner().invoke(main, ["analyze", str(SAMPLES / "000_34b67d16e7c3daa1.txt"), "-w", str(tmp_path / "ws"),
                                       "--model", "sentence-transformers/LaBSE"])
    assert result.exit_code == EXIT_FAILURE
    assert "sentence-transformers/LaBSE" in result.output and "cannot be loaded offline" in result.output


def test_cli_reports_notes_on_stderr(tmp_path):
    result = CliRunner().invoke(main, ["analyze", str(SAMPLES / "002_20acd37116a2ee7f.txt"), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0
    assert "note: Only one article" in result.output


def test_a_scoring_without_its_own_thresholds_is_refused_before_any_work(make_workbench, samples_dir):
    """Margin thresholds (1.02) on the cosine scale would give no group at all, silently."""
    workbench = make_workbench(**{"group.scoring": "cosine"})
    workbench.ingest([samples_dir])
    with pytest.raises(ConfigError, match="group.scoring=cosine needs its own thresholds"):
        workbench.analyze()
    assert workbench.store.count("links") == 0
    tuned = make_workbench(**{"group.scoring": "cosine", "group.suggested": 0.87, "group.confirmed": 0.92})
    assert tuned.analyze()["grouping"]["groups"] > 0
