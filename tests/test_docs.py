"""The documentation tells the truth about the program it ships with.

* every ``workbench COMMAND`` the README and the docs name is a command of ``workbench --help``,
  and every ``--option`` written after it is one of that command's options;
* every setting they name (``group.k``) is a line of ``workbench settings``;
* every ``make TARGET`` is a target of the Makefile;
* every link between the repository's pages resolves: the file exists, and a ``#anchor`` is a
  heading of it;
* docs/settings.md is exactly what ``workbench settings --reference`` renders from the one
  ``Config`` object, and every setting has its meaning there.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.config import MEANINGS, Config, known_settings, settings_reference

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
# The pages a user reads; the links of each must resolve.
PAGES = sorted({README, ROOT / "CHANGELOG.md", ROOT / "notebooks" / "README.md", ROOT / "benchmarks" / "REPORT.md",
                ROOT / "benchmarks" / "history.md", *(ROOT / "docs").glob("*.md")})
# The pages whose commands and settings must exist (the history and changelog name former ones).
CURRENT_PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FILE_SUFFIXES = {"py", "csv", "tsv", "jsonl", "json", "jsonld", "md", "xlsx", "toml", "png", "npz", "txt", "html", "htm",
                 "db", "ipynb", "zip"}


# -- what the program says about itself ---------------------------------------------------------

def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@cache
def commands() -> frozenset[str]:
    """The commands `workbench --help` lists."""
    text = cli("--help")
    listing = text.split("Commands:", 1)[1]
    return frozenset(re.findall(r"^  ([a-z][a-z-]*)\s", listing, flags=re.MULTILINE))


@cache
def options_of(command: str) -> frozenset[str]:
    return frozenset(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", cli(command, "--help")))


@cache
def settings() -> frozenset[str]:
    """The settings `workbench settings` prints, one `key = value` a line."""
    return frozenset(line.split(" = ", 1)[0] for line in cli("settings").splitlines()
                     if line and not line.startswith("#"))


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


# -- what the pages say ---------------------------------------------------------------------

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def code_of(text: str) -> list[str]:
    """The code a page shows: each fenced block's lines and each inline code span."""
    pieces = [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]
    pieces += INLINE_CODE.findall(FENCE.sub("", text))
    return pieces


COMMAND = re.compile(r"(?<![\w.-])(?<!from )(?<!import )workbench\s+([a-z][a-z-]*)((?:\s+[^\s#]+)*)")


def named_commands(text: str) -> list[tuple[str, list[str]]]:
    """(command, its --options) for every `workbench COMMAND ...` in the page's code."""
    found = []
    for piece in code_of(text):
        for command, rest in COMMAND.findall(piece):
            found.append((command, re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest)))
    return found


def named_settings(text: str, sections: set[str]) -> set[str]:
    """Every `section.key` in the page's code whose section is a settings section (file names aside)."""
    found = set()
    for piece in code_of(text):
        for section, key in re.findall(r"(?<![\w./$-])([a-z]+)\.([a-z][a-z0-9_]*)\b(?![./(-])", piece):
            if section in sections and key not in FILE_SUFFIXES:
                found.add(f"{section}.{key}")
    return found


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered."""
    anchors: set[str] = set()
    for title in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", text), flags=re.MULTILINE):
        title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link in a heading keeps its text
        slug = "".join(ch for ch in title.strip().lower()
                       if ch in " -_" or unicodedata.category(ch)[0] in "LN").replace(" ", "-")
        anchor, number = slug, 0
        while anchor in anchors:
            number += 1
            anchor = f"{slug}-{number}"
        anchors.add(anchor)
    return anchors


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def broken_links(page: Path) -> list[str]:
    """Each link of ``page`` to a file or heading of the repository that is not there."""
    text = page.read_text(encoding="utf-8")
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    broken = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z][a-z+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and destination.suffix == ".md" and anchor not in heading_anchors(
                destination.read_text(encoding="utf-8")):
            shown = destination.relative_to(ROOT) if destination.is_relative_to(ROOT) else destination
            broken.append(f"{target}: no heading #{anchor} in {shown}")
    return broken


# -- the tests ------------------------------------------------------------------------------

def test_the_pages_exist():
    for page in PAGES:
        assert page.is_file(), page


@pytest.mark.parametrize("page", CURRENT_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_and_option_named_exists(page: Path):
    named = named_commands(page.read_text(encoding="utf-8"))
    unknown = sorted({command for command, _ in named} - commands())
    assert not unknown, f"{page.name} names commands `workbench --help` does not list: {unknown}"
    missing = sorted({f"workbench {command} {option}" for command, options in named for option in options
                      if option not in options_of(command)})
    assert not missing, f"{page.name} names options their command does not take: {missing}"


def test_the_readme_names_the_commands():
    """The README's command table is the place a user looks: every command is in it."""
    named = {command for command, _ in named_commands(README.read_text(encoding="utf-8"))}
    assert commands() <= named, f"commands the README does not name: {sorted(commands() - named)}"


@pytest.mark.parametrize("page", CURRENT_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_setting_named_exists(page: Path):
    sections = {key.split(".")[0] for key in settings() if "." in key}
    named = named_settings(page.read_text(encoding="utf-8"), sections)
    unknown = sorted(named - settings())
    assert not unknown, f"{page.name} names settings `workbench settings` does not print: {unknown}"


def test_every_make_target_named_exists():
    for page in CURRENT_PAGES:
        targets = {target for piece in code_of(page.read_text(encoding="utf-8"))
                   for target in re.findall(r"(?<![\w-])make ([a-z][a-z-]*)", piece)}
        assert targets <= make_targets(), f"{page.name}: {sorted(targets - make_targets())} are not Makefile targets"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(page: Path):
    assert broken_links(page) == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path):
    """A wrong command, option, setting, file and anchor are each found (the checks can fail)."""
    text = ("# Title\n\n## Two words\n\nRun `workbench analyse --out x` or `workbench search --fast q`, with "
            "`group.kk=3` and `group.k`, see [a](missing.md), [b](#two-words), [c](#three-words) and "
            "[d](page.md#title).\n\n```bash\n.venv/bin/workbench summry\n```\n")
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    named = dict(named_commands(text))
    assert set(named) - commands() == {"analyse", "summry"}
    assert "--fast" not in options_of("search") and named["search"] == ["--fast"]
    assert named_settings(text, {"group"}) - settings() == {"group.kk"}
    assert [problem.split(":")[0] for problem in broken_links(page)] == ["missing.md", "#three-words"]


def test_anchors_follow_github():
    text = "# Reading files and pages (`ingest.*`)\n## How it works\n## How it works\n## Quality & speed, 2026\n"
    assert heading_anchors(text) == {"reading-files-and-pages-ingest", "how-it-works", "how-it-works-1",
                                     "quality--speed-2026"}


def test_every_setting_has_a_meaning():
    assert set(MEANINGS) == set(known_settings()), (
        f"no meaning: {sorted(set(known_settings()) - set(MEANINGS))}; "
        f"no such setting: {sorted(set(MEANINGS) - set(known_settings()))}")


def test_the_settings_reference_is_what_the_config_renders():
    """docs/settings.md is generated: after a change to workbench/config.py, run
    `workbench settings --reference > docs/settings.md`."""
    assert SETTINGS_PAGE.read_text(encoding="utf-8") == settings_reference()
    assert cli("settings", "--reference") == settings_reference()


def test_the_settings_reference_has_one_row_per_setting_with_its_default_and_check():
    rows = {line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in SETTINGS_PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| `")}
    assert set(rows) == settings()
    assert rows["group.k"][:2] == [f"`{Config().group.k}`", "whole number in [1, 100]"]
    assert rows["group.method"][1] == "`stories`, `corpus`"
    assert rows["story.threshold"][1] == "number in (0, 1]"
    assert rows["group.split_lines"][:2] == ["`true`", "`true`, `false`"]
