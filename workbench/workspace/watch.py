"""Watching feeds: read them again and again, analyse what is new, say what changed.

Each batch reads every feed's items not stored yet (:meth:`Intake.ingest_feeds`), runs the
analysis when it brought a new article, and compares the conflicts before and after: a
conflict is new when its group was not a conflict before, changed when its statements did.
Between batches it sleeps; Ctrl-C (KeyboardInterrupt) goes through to the caller, with
every stored article and analysis whole (each is written in one transaction).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ..store import utc_now
from .analysis import Analysis
from .context import Concern, Workspace
from .intake import IngestReport, Intake

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL_S = 1.0  # a feed read more often than this is hammered, not watched


def parse_interval(text: str) -> float:
    """Seconds in ``"30s"``, ``"15m"``, ``"2h"``, ``"1d"`` (a bare number is seconds); a
    ValueError that says what is accepted otherwise."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not found:
        raise ValueError(f"{text!r} is not a duration; write it as 30s, 15m, 2h or 1d")
    seconds = float(found.group(1)) * _UNITS[found.group(2) or "s"]
    if seconds < MIN_INTERVAL_S:
        raise ValueError(f"{text!r} is under {MIN_INTERVAL_S:g} s; feeds are read at most once a second")
    return seconds


@dataclass(frozen=True)
class WatchBatch:
    """What one reading of the feeds brought."""

    number: int
    started: str  # ISO 8601, UTC
    report: IngestReport
    analysed: bool
    new_conflicts: tuple[str, ...] = ()  # group ids
    changed_conflicts: tuple[str, ...] = ()

    def line(self) -> str:
        """The batch in one line, as ``workbench watch`` prints it."""
        report = self.report
        said = (f"{self.started} batch {self.number}: {len(report.added)} new article(s), {report.known} already stored, "
                f"{len(report.errors)} rejected")
        if not self.analysed:
            return said + "; nothing new to analyse"
        conflicts = (f"{len(self.new_conflicts)} new conflict(s)"
                     + (f" ({', '.join(self.new_conflicts[:5])})" if self.new_conflicts else "")
                     + f", {len(self.changed_conflicts)} changed"
                     + (f" ({', '.join(self.changed_conflicts[:5])})" if self.changed_conflicts else ""))
        return f"{said}; analysed: {conflicts}"


class Watch(Concern):
    """Reads feeds in batches and analyses what they bring."""

    def __init__(self, workspace: Workspace, intake: Intake, analysis: Analysis):
        super().__init__(workspace)
        self.intake = intake
        self.analysis = analysis

    def batch(self, feeds: Sequence[str], number: int = 1) -> WatchBatch:
        """Read the feeds once; analyse if an article was added."""
        started = utc_now()
        report = self.intake.ingest_feeds(feeds)
        if not report.added:
            return WatchBatch(number, started, report, analysed=False)
        before = self._conflicts()
        self.analysis.analyze()
        after = self._conflicts()
        new = tuple(sorted(group for group in after if group not in before))
        changed = tuple(sorted(group for group in after if group in before and after[group] != before[group]))
        return WatchBatch(number, started, report, analysed=True, new_conflicts=new, changed_conflicts=changed)

    def watch(self, feeds: Sequence[str], *, every_s: float, times: int | None = None,
              on_batch: Callable[[WatchBatch], None] | None = None,
              sleep: Callable[[float], None] = time.sleep) -> list[WatchBatch]:
        """Batches every ``every_s`` seconds, ``times`` of them (None: until interrupted)."""
        batches: list[WatchBatch] = []
        while times is None or len(batches) < times:
            if batches:
                sleep(every_s)
            batches.append(self.batch(feeds, len(batches) + 1))
            if on_batch is not None:
                on_batch(batches[-1])
        return batches

    def _conflicts(self) -> dict[str, frozenset[str]]:
        """Each conflict's group id and statements."""
        return {group.group_id: frozenset(group.statement_ids) for group in self.store.groups()
                if group.verdict == "conflicts"}
