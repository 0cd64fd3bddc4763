"""Evidence tables: the files other tools read (CSV, JSON Lines, XLSX) and the run manifest.

Column names are a contract: scripts depend on them, so columns are only ever
added, never renamed or removed. ``STATEMENT_COLUMNS`` lists them in order.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

if TYPE_CHECKING:
    from .pipeline import Workbench

log = logging.getLogger(__name__)

STATEMENT_COLUMNS = [
    "statement_id", "article_id", "source", "title", "language", "position", "start", "end", "text",
    "boilerplate", "boilerplate_reason",
]
FORMATS = ("csv", "jsonl", "xlsx")


def statement_rows(workbench: "Workbench", **filters: Any) -> pd.DataFrame:
    """One row per statement, with its article's source and title."""
    articles = {article.article_id: article for article in workbench.articles()}
    records = []
    for statement in workbench.statements(**filters):
        article = articles[statement.article_id]
        records.append(
            {
                "statement_id": statement.statement_id,
                "article_id": statement.article_id,
                "source": article.url or article.source,
                "title": article.title,
                "language": statement.language,
                "position": statement.position,
                "start": statement.start,
                "end": statement.end,
                "text": statement.text,
                "boilerplate": statement.boilerplate,
                "boilerplate_reason": statement.boilerplate_reason,
            }
        )
    return pd.DataFrame.from_records(records, columns=STATEMENT_COLUMNS)


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write one table as CSV, JSON Lines or XLSX (by suffix), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(temporary, index=False, encoding="utf-8", lineterminator="\n")
    elif suffix == ".jsonl":
        frame.to_json(temporary, orient="records", lines=True, force_ascii=False)
    elif suffix == ".xlsx":
        frame.to_excel(temporary, index=False, engine="openpyxl")
    else:
        raise ValueError(f"unknown table format {suffix!r}; use one of {', '.join(FORMATS)}")
    temporary.replace(path)
    return path


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """One XLSX workbook with a sheet per table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    temporary.replace(path)
    return path


def write_manifest(manifest: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")
    temporary.replace(path)
    return path


def evidence_tables(workbench: "Workbench") -> dict[str, pd.DataFrame]:
    """Every evidence table by name."""
    return {"statements": statement_rows(workbench)}


def export_all(workbench: "Workbench", out_dir: Path, *, formats: Iterable[str] = ("csv", "jsonl")) -> list[Path]:
    """Write every evidence table in the given formats, plus ``run.json``."""
    formats = tuple(formats)
    unknown = [name for name in formats if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    tables = evidence_tables(workbench)
    written = []
    for name, frame in tables.items():
        for fmt in formats:
            if fmt != "xlsx":
                written.append(write_table(frame, out_dir / f"{name}.{fmt}"))
    if "xlsx" in formats:
        written.append(write_workbook(tables, out_dir / "evidence.xlsx"))
    manifest = workbench.last_manifest() or {}
    manifest = {**manifest, "exported": {"directory": str(out_dir), "files": [p.name for p in written]}}
    written.append(write_manifest(manifest, out_dir / "run.json"))
    log.info("Export - %d files in %s", len(written), out_dir)
    return written
