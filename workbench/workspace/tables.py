"""Tables: what the workspace holds and the last analysis found, as records, frames and files.

Counts, runs and their state, the notes a reader of the results needs (articles waiting,
runs interrupted, files not read to the end), the evidence tables as DataFrames and the
export that writes them with the run manifest.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .. import __version__
from ..export import export_all, group_rows, statement_rows, story_rows
from ..store import utc_now
from .context import Concern


class Tables(Concern):
    """Reading the workspace's results."""

    def manifest_base(self) -> dict[str, Any]:
        """The start of a run manifest: tool, settings, inputs and environment."""
        return {
            "tool": "claim-workbench",
            "version": __version__,
            "started": utc_now(),
            "workspace": {"name": self.config.workspace_name, "path": str(self.config.workspace_dir),
                          "id": self.store.workspace_id},
            "settings": self.config.settings_dict(),
            "inputs": self.inputs(),
            "environment": {"python": sys.version.split()[0], "platform": platform.platform()},
        }

    def inputs(self) -> list[dict[str, Any]]:
        """Every input file read into the workspace (path, sha256, size, seen_at, added, complete)."""
        return self.store.inputs()

    def runs(self) -> list[dict[str, Any]]:
        """Every analysis run with its status: running, finished or interrupted."""
        return self.store.runs()

    def runs_since_results(self) -> list[dict[str, Any]]:
        """The runs started after the last finished one: still running, or interrupted."""
        runs = self.runs()
        last_finished = max((run["run_id"] for run in runs if run["status"] == "finished"), default=0)
        return [run for run in runs if run["run_id"] > last_finished]

    def status_notes(self) -> list[str]:
        """What a reader of the results should know about the workspace's state right now:
        articles not analysed yet, an analysis running or interrupted, files not read to the end."""
        notes = []
        # Before any analysis nothing is grouped yet, and every article would "await" it.
        waiting = self.workspace.awaiting_analysis() if self.store.last_run() is not None else []
        if waiting:
            notes.append(f"{len(waiting)} article(s) ingested since the last analysis await analysis: their "
                         "statements are in no group yet (run `workbench analyze`).")
        shown = ("these are the results of the last finished one" if self.store.last_run() is not None
                 else "no analysis has finished in this workspace yet, so nothing is grouped")
        for run in self.runs_since_results():
            if run["status"] == "running":
                notes.append(f"An analysis started {run['started']} is still running; {shown}.")
            else:
                notes.append(f"The analysis started {run['started']} was interrupted before it finished; {shown} "
                             "(run `workbench analyze` again).")
        unfinished = [entry["path"] for entry in self.inputs() if not entry["complete"]]
        if unfinished:
            notes.append(f"{len(unfinished)} input file(s) were not read to the end (an ingest was interrupted, or is still running): "
                         f"{', '.join(unfinished[:3])}{'…' if len(unfinished) > 3 else ''}; ingest them again.")
        return notes

    def counts(self) -> dict[str, Any]:
        by_language = self.store.statement_counts()
        return {
            "articles": self.store.count("articles"),
            "statements": sum(total for total, _ in by_language.values()),
            "boilerplate": sum(boilerplate for _, boilerplate in by_language.values()),
            "by_language": {language: total for language, (total, _) in by_language.items()},
            "groups": self.store.count("groups"),
            "grouped_statements": self.store.count("group_members"),
            "links": self.store.count("links"),
        }

    def articles_frame(self) -> pd.DataFrame:
        """One row per article: language, statement and boilerplate counts, groups it takes part in."""
        rows = self.store.execute(
            """SELECT a.article_id, a.title, a.source, a.url, a.language, a.published, a.origin, a.outlet,
                      COUNT(s.statement_id) AS statements,
                      SUM(CASE WHEN s.structural_reason != '' OR s.corpus_reason != '' THEN 1 ELSE 0 END) AS boilerplate,
                      COUNT(DISTINCT m.group_id) AS groups
               FROM articles a LEFT JOIN statements s ON s.article_id = a.article_id
               LEFT JOIN group_members m ON m.statement_id = s.statement_id
               GROUP BY a.article_id ORDER BY a.seq"""
        ).fetchall()
        frame = pd.DataFrame([dict(row) for row in rows], columns=[
            "article_id", "title", "source", "url", "language", "published", "origin", "statements", "boilerplate",
            "groups", "outlet"])
        frame["boilerplate_share"] = (frame["boilerplate"] / frame["statements"].where(frame["statements"] > 0, 1)).round(3)
        return frame

    def statements_frame(self, **filters: Any) -> pd.DataFrame:
        """The statements evidence table (one row per statement) as a DataFrame."""
        return statement_rows(self.store, **filters)

    def groups_frame(self, group_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The groups evidence table (one row per group and statement) as a DataFrame."""
        return group_rows(self.store, group_ids)

    def stories_frame(self) -> pd.DataFrame:
        """One row per story: its label, articles, languages and its claim groups' verdicts."""
        return story_rows(self.store)

    def export_manifest(self, files: list[str], *, directory: str = "") -> dict[str, Any]:
        """``run.json`` for an export: the last analysis's manifest and what has happened since -
        runs that never finished, inputs read (or being read) after it - so it never undercounts
        the workspace. The CLI and the UI write the same one."""
        manifest = self.store.last_run() or {"note": "no analysis has finished in this workspace yet"}
        return {**manifest, "inputs_now": self.inputs(),
                "runs_not_finished": self.runs_since_results(),
                "articles_awaiting_analysis": len(self.workspace.awaiting_analysis()),
                "exported": {"directory": directory, "files": files}}

    def export(self, out_dir: str | Path, *, formats: Iterable[str] = ("csv", "jsonl")) -> list[Path]:
        """Every evidence table in ``formats`` and ``run.json``, written to ``out_dir``."""
        return export_all(self.store, Path(out_dir), self.export_manifest([], directory=str(out_dir)),
                          formats=tuple(formats), publish=self.config.publish)
