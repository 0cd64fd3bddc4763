"""The workbench's public API: one object that runs the pipeline stages on a workspace.

>>> from workbench import Workbench
>>> wb = Workbench.open("demo")            # or Workbench(Config.load(...))
>>> wb.ingest(["data/samples"])            # read, clean, segment, detect language, mark boilerplate
>>> wb.analyze()                           # corpus-level stages
>>> wb.export("out/")                      # evidence tables and the run manifest

The CLI, the Streamlit UI and the notebooks all go through this class; none of
them holds analysis logic of its own.
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from . import __version__, boilerplate, langid
from .clean import article_id_for, clean_statement, join_drop_cap, statement_id_for, words
from .config import Config
from .errors import InputError
from .ingest import Document, expand_paths, file_sha256, read_documents
from .model import Article, Statement
from .segment import Line, Span, split_lines, split_statements
from .store import Store, utc_now

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class IngestItem:
    """What happened to one article (or one unreadable input)."""

    origin: str
    status: str  # added | duplicate | error
    article_id: str = ""
    message: str = ""


@dataclass
class IngestReport:
    items: list[IngestItem] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # path, sha256, size, added, duplicates, errors

    @property
    def added(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "added"]

    @property
    def duplicates(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "duplicate"]

    @property
    def errors(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "error"]


def prepare_article(document: Document, config: Config) -> tuple[Article, list[Statement]]:
    """Clean, segment, detect languages and mark structural boilerplate for one article."""
    text = document.text
    article_id = article_id_for(text)
    if document.language:
        language, language_source = document.language, "given"
    else:
        language, language_source = langid.article_language(text, seed=config.seed), "detected"
    lines = split_lines(text)
    headline = boilerplate.find_headline(lines, document.title)
    reasons = boilerplate.line_reasons(lines, headline)
    min_chars = config.segment.short_statement_chars

    statements: list[Statement] = []
    occurrences: Counter[str] = Counter()
    for line in lines:
        for span, reason, is_title in _line_statements(text, line, headline, reasons, language, config):
            cleaned = clean_statement(text[span.start:span.end])
            if not statements:
                cleaned = join_drop_cap(cleaned, language)
            if not cleaned:
                continue
            if language_source == "given":
                statement_language, source = language, "given"
            else:
                statement_language, source = langid.statement_language(
                    cleaned, language, min_chars=min_chars, seed=config.seed
                )
            key = cleaned.casefold()
            statement_id = statement_id_for(article_id, cleaned, occurrences[key])
            occurrences[key] += 1
            statements.append(
                Statement(
                    statement_id=statement_id,
                    article_id=article_id,
                    position=len(statements),
                    start=span.start,
                    end=span.end,
                    text=cleaned,
                    language=statement_language,
                    language_source=source,
                    boilerplate=bool(reason),
                    boilerplate_reason=reason,
                    is_title=is_title,
                )
            )
    article = Article(
        article_id=article_id,
        text=text,
        title=headline.title or document.title,
        source=document.source,
        url=document.url,
        published=document.published,
        language=language,
        origin=document.origin,
        encoding=document.encoding,
        meta=dict(document.meta),
    )
    return article, statements


def _line_statements(
    text: str,
    line: Line,
    headline: boilerplate.Headline,
    reasons: dict[int, str],
    language: str,
    config: Config,
) -> Iterable[tuple[Span, str, bool]]:
    if line.index == headline.line:
        yield Span(line.start, line.end, line.index), "", True
        return
    if line.index in headline.repeats:
        # The repeated headline is not a second statement; what follows it on
        # the line (often a photo credit) still is.
        rest_start = line.start + headline.repeats[line.index]
        rest = text[rest_start:line.end]
        if not rest.strip():
            return
        offset = len(rest) - len(rest.lstrip())
        sub = Line(line.index, rest_start + offset, line.end, rest.strip())
        reason = "credit" if boilerplate.is_credit(sub.text) else ("short_fragment" if sub.word_count < config.segment.min_words else "")
        for span in split_statements(text, sub, language):
            yield span, reason, False
        return
    spans = split_statements(text, line, language)
    line_reason = reasons.get(line.index, "")
    for span in spans:
        reason = line_reason
        if not reason and len(spans) == 1 and len(words(text[span.start:span.end])) < config.segment.min_words:
            reason = "short_fragment"
        yield span, reason, False


class Workbench:
    """A workspace and the pipeline that runs on it."""

    def __init__(self, config: Config | None = None, *, store: Store | None = None):
        self.config = config or Config.load()
        self.store = store or Store(self.config.database_path)

    @classmethod
    def open(cls, workspace: str | None = None, **load_options: Any) -> "Workbench":
        return cls(Config.load(workspace=workspace, **load_options))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workbench":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- ingest --------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, progress: ProgressCallback | None = None) -> IngestReport:
        """Read articles from files and folders into the workspace; one bad input never stops the rest."""
        report = IngestReport()
        files, path_errors = expand_paths(paths)
        for error in path_errors:
            log.warning("%s", error)
            report.items.append(IngestItem(error.origin, "error", message=str(error)))
        for number, input_file in enumerate(_progress(files, "Ingesting", progress), start=1):
            counts = Counter()
            for item in read_documents(
                input_file, max_file_mb=self.config.ingest.max_file_mb, max_row_mb=self.config.ingest.max_row_mb
            ):
                result = self._ingest_one(item)
                counts[result.status] += 1
                report.items.append(result)
                if result.status == "error":
                    log.warning("%s", result.message)
                elif result.status == "duplicate":
                    log.info("%s", result.message)
            record = {
                "path": str(input_file.path),
                "sha256": file_sha256(input_file.path),
                "size": input_file.size,
                "added": counts["added"],
                "duplicates": counts["duplicate"],
                "errors": counts["error"],
            }
            report.inputs.append(record)
            self.store.record_input(
                record["path"], record["sha256"], record["size"], counts["added"], counts["duplicate"], counts["error"]
            )
        return report

    def _ingest_one(self, item: Document | InputError) -> IngestItem:
        if isinstance(item, InputError):
            return IngestItem(item.origin if item.line is None else f"{item.origin}:{item.line}", "error", message=str(item))
        article_id = article_id_for(item.text)
        existing = self.store.article_origin(article_id)
        if existing is not None:
            return IngestItem(
                item.origin, "duplicate", article_id, f"{item.origin}: same article as {existing} ({article_id}); stored once"
            )
        try:
            article, statements = prepare_article(item, self.config)
        except Exception as exc:  # one article that breaks a stage must not stop the batch
            log.exception("%s: could not be analysed", item.origin)
            return IngestItem(item.origin, "error", message=f"{item.origin}: could not be analysed ({exc}); please report this")
        if not statements:
            return IngestItem(item.origin, "error", message=f"{item.origin}: no statements found in the text")
        added = self.store.add_article(article, statements)
        if not added:
            return IngestItem(item.origin, "duplicate", article_id, f"{item.origin}: already stored ({article_id})")
        return IngestItem(item.origin, "added", article_id, f"{item.origin}: {len(statements)} statements")

    # -- analysis ------------------------------------------------------------------------
    def analyze(self, *, progress: ProgressCallback | None = None) -> dict[str, Any]:
        """Run the corpus-level stages and return the run manifest."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        manifest = self._manifest_base()
        run_id = self.store.start_run(manifest)

        stage_start = time.perf_counter()
        statements = self.store.statements()
        repeated = boilerplate.repeated_across_articles((s.statement_id, s.article_id, s.text) for s in statements)
        self.store.set_corpus_reasons({sid: "repeated_across_articles" for sid in repeated})
        timings["boilerplate"] = time.perf_counter() - stage_start

        timings["total"] = time.perf_counter() - started
        manifest["timings_s"] = {key: round(value, 4) for key, value in timings.items()}
        manifest["counts"] = self.counts()
        manifest["finished"] = utc_now()
        self.store.finish_run(run_id, manifest)
        return manifest

    def _manifest_base(self) -> dict[str, Any]:
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
        rows = self.store.execute(
            "SELECT path, sha256, size, MAX(seen_at) AS seen_at, SUM(added) AS added FROM inputs GROUP BY path, sha256 ORDER BY path"
        ).fetchall()
        return [dict(row) for row in rows]

    def counts(self) -> dict[str, Any]:
        statements = self.store.statements()
        return {
            "articles": self.store.count("articles"),
            "statements": len(statements),
            "boilerplate": sum(s.boilerplate for s in statements),
            "by_language": dict(sorted(Counter(s.language for s in statements).items())),
        }

    # -- reading results -----------------------------------------------------------------
    def articles(self) -> list[Article]:
        return self.store.articles()

    def statements(self, **filters: Any) -> list[Statement]:
        return self.store.statements(**filters)

    def statements_frame(self, **filters: Any) -> pd.DataFrame:
        """The statements evidence table (one row per statement) as a DataFrame."""
        from .export import statement_rows

        return statement_rows(self, **filters)

    def last_manifest(self) -> dict[str, Any] | None:
        return self.store.last_run()

    # -- export --------------------------------------------------------------------------
    def export(self, out_dir: str | Path, *, formats: Iterable[str] = ("csv", "jsonl")) -> list[Path]:
        from .export import export_all

        return export_all(self, Path(out_dir), formats=tuple(formats))


def _progress(items: list, label: str, callback: ProgressCallback | None):
    """Iterate with a tqdm bar on a terminal, and report to ``callback`` (the UI's progress bar)."""
    from tqdm.auto import tqdm

    total = len(items)
    for done, item in enumerate(tqdm(items, desc=label, unit="file", disable=None, leave=False), start=1):
        yield item
        if callback is not None:
            callback(label, done, total)
