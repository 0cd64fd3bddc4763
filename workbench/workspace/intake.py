"""Intake: articles into the workspace, from files, folders, pasted text, web pages and feeds.

Each article is cleaned, segmented into statements, given its languages and its
structural boilerplate (:func:`prepare_article`), and stored once: the same text from
another file or a second paste is a duplicate, named as such, and so is a page fetched
again or under another address of its canonical page (the addresses and feed GUIDs an
article is known by are stored with it). One bad input never stops the batch.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd

from .. import boilerplate, langid
from ..clean import article_id_for, clean_statement, join_drop_cap, markup_share, statement_id_for, word_count, words
from ..config import Config
from ..errors import InputError, StoreError
from ..ingest import ROW_FORMATS, Document, InputFile, display_path, expand_paths, file_sha256, read_documents, \
    web_address
from ..model import Article, Statement
from ..segment import Line, Span, split_lines, split_statements
from ..web import (Feed, FeedItem, Fetcher, FetchPolicy, Page, WebError, article_from_page, display_url,
                   looks_like_url, page_keys, read_feed, url_key)
from .context import Concern, ProgressCallback

log = logging.getLogger(__name__)

MARKUP_SHARE = 0.5  # a statement at least half markup is kept as written and marked boilerplate
LONG_ARTICLE_CHARS = 1_000_000  # a long feature is 50,000 characters; this is a book, or a data dump


@dataclass(frozen=True, slots=True)
class IngestItem:
    """What happened to one article (or one unreadable input)."""

    origin: str
    status: str  # added | duplicate | error
    article_id: str = ""
    message: str = ""
    warnings: tuple[str, ...] = ()  # what was repaired while reading an added article



@dataclass
class IngestReport:
    items: list[IngestItem] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # path, sha256, size, added, duplicates, errors
    feeds: list[dict[str, Any]] = field(default_factory=list)  # url, items, new, known, rejected

    @property
    def known(self) -> int:
        """Feed items skipped because an article from them is stored already (never fetched again)."""
        return sum(feed["known"] for feed in self.feeds)

    def feed_lines(self) -> list[str]:
        """One line per feed read: its items, how many were new, already stored, rejected."""
        return [f"feed {feed['url']}: {feed['items']} item(s), {feed['new']} new, {feed['known']} already stored, "
                f"{feed['rejected']} rejected" for feed in self.feeds]

    @property
    def added(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "added"]

    @property
    def duplicates(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "duplicate"]

    @property
    def errors(self) -> list[IngestItem]:
        return [item for item in self.items if item.status == "error"]

    @property
    def warnings(self) -> list[str]:
        """One line per repair made while reading (``origin: what``)."""
        return [f"{item.origin}: {warning}" for item in self.items for warning in item.warnings]

    def frame(self) -> pd.DataFrame:
        """One row per article or rejected input: origin, status, article id, message, warnings."""
        return pd.DataFrame([{"origin": i.origin, "status": i.status, "article_id": i.article_id, "message": i.message,
                              "warnings": "; ".join(i.warnings)}
                             for i in self.items], columns=["origin", "status", "article_id", "message", "warnings"])


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
            raw = text[span.start:span.end]
            cleaned = clean_statement(raw)
            if markup_share(raw) >= MARKUP_SHARE:
                # Stripping the tags of "<script>alert(1)</script>" would store "alert(1)", a
                # statement the source never made: keep what is written, out of grouping.
                cleaned, reason = " ".join(raw.split()), reason or "markup"
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
                    word_count=word_count(cleaned),
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
        outlet=document.outlet,
        # Kept with the article so a reader of the exports sees that its text was repaired.
        meta=dict(document.meta) | ({"decoding": "; ".join(document.warnings)} if document.warnings else {}),
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
        for span in split_statements(text, sub, language, max_chars=config.segment.max_statement_chars):
            yield span, reason, False
        return
    spans = split_statements(text, line, language, max_chars=config.segment.max_statement_chars)
    line_reason = reasons.get(line.index, "")
    for span in spans:
        reason = line_reason
        if not reason and len(spans) > 1 and boilerplate.is_credit(text[span.start:span.end]):
            reason = "credit"  # a credit left inside a paragraph, after the sentence it credits
        if not reason and len(spans) == 1 and len(words(text[span.start:span.end])) < config.segment.min_words:
            reason = "short_fragment"
        yield span, reason, False


class Intake(Concern):
    """Reads inputs into the workspace's store."""

    def ingest(self, paths: Iterable[str | Path], *, feeds: Iterable[str] = (),
               progress: ProgressCallback | None = None) -> IngestReport:
        """Read articles from files, folders and web addresses (``https://...``, mixed freely with
        paths), and the new items of ``feeds``; one bad input never stops the rest."""
        inputs = [str(path) if isinstance(path, Path) else path for path in paths]
        urls = [value for value in inputs if looks_like_url(value)]
        report = self._ingest_paths([value for value in inputs if not looks_like_url(value)], progress)
        if urls:
            self.ingest_urls(urls, progress=progress, report=report)
        if feeds:
            self.ingest_feeds(feeds, progress=progress, report=report)
        return report

    def _ingest_paths(self, paths: list[str], progress: ProgressCallback | None) -> IngestReport:
        report = IngestReport()
        files, path_errors = expand_paths(paths)
        for error in path_errors:
            self._record(report, IngestItem(error.origin, "error", message=str(error)))
        for input_file in _progress(files, "Ingesting", progress):
            counts = Counter()
            try:
                digest = file_sha256(input_file.path)
            except OSError:
                digest = ""  # the reader names the problem
            path = display_path(input_file.path)
            input_id = self.store.begin_input(path, digest, input_file.size)
            for result in self._ingest_file(input_file):
                counts[result.status] += 1
                self._record(report, result)
            report.inputs.append({"path": path, "sha256": digest, "size": input_file.size, "added": counts["added"],
                                  "duplicates": counts["duplicate"], "errors": counts["error"]})
            self.store.finish_input(input_id, counts["added"], counts["duplicate"], counts["error"])
        return report

    # -- the web -------------------------------------------------------------------------------
    def fetcher(self) -> Fetcher:
        return Fetcher(FetchPolicy.from_config(self.config.ingest))

    def ingest_urls(self, urls: Iterable[str], *, progress: ProgressCallback | None = None,
                    report: IngestReport | None = None) -> IngestReport:
        """Fetch each web address and store its article; a failing address is named with its
        reason and the rest go on. An address already stored is not fetched again."""
        report = report if report is not None else IngestReport()
        fetcher = self.fetcher()
        for url in _progress([u.strip() for u in urls if u.strip()], "Fetching", progress, unit="page"):
            self._record(report, self._ingest_url(fetcher, url, report))
        return report

    def ingest_feeds(self, feeds: Iterable[str], *, progress: ProgressCallback | None = None,
                     report: IngestReport | None = None) -> IngestReport:
        """Fetch each feed (RSS, Atom, or a page naming its feed) and store the articles of the
        items not stored yet, known by their address or GUID."""
        report = report if report is not None else IngestReport()
        fetcher = self.fetcher()
        for url in [u.strip() for u in feeds if u.strip()]:
            try:
                feed = read_feed(fetcher, url)
            except WebError as error:
                self._record(report, IngestItem(error.origin, "error", message=str(error)))
                report.feeds.append({"url": display_url(url), "items": 0, "new": 0, "known": 0, "rejected": 1})
                continue
            for problem in feed.problems:
                self._record(report, IngestItem(problem.origin, "error", message=str(problem)))
            known = self.store.known_keys(key for item in feed.items for key in item.keys)
            fresh = [item for item in feed.items if not known.intersection(item.keys)]
            counts: Counter[str] = Counter()
            for item in _progress(fresh, "Fetching", progress, unit="page"):
                result = self._ingest_url(fetcher, item.link, report, item=item, feed=feed)
                counts[result.status] += 1
                self._record(report, result)
            report.feeds.append({"url": display_url(feed.url), "items": len(feed.items) + len(feed.problems),
                                 "new": counts["added"], "known": len(feed.items) - len(fresh) + counts["duplicate"],
                                 "rejected": counts["error"] + len(feed.problems)})
        return report

    @staticmethod
    def _record(report: IngestReport, item: IngestItem) -> None:
        report.items.append(item)
        if item.status == "error":
            log.warning("%s", item.message)
        elif item.status == "duplicate":
            log.info("%s", item.message)
        for warning in item.warnings:
            log.warning("%s: %s", item.origin, warning)

    def _ingest_url(self, fetcher: Fetcher, url: str, report: IngestReport, *, item: FeedItem | None = None,
                    feed: Feed | None = None) -> IngestItem:
        """One web page into the workspace: fetched (unless its address is known), its article
        extracted, with the feed item's date, title and outlet where the page lacks them. A page
        fetched is an input of the workspace, recorded with its SHA-256 as a file is."""
        shown = display_url(url)
        asked = [url_key(url)] + (item.keys if item else [])
        known = self.store.article_by_keys(asked)
        if known is not None:
            return IngestItem(shown, "duplicate", known[0],
                              f"{shown}: already stored from {known[1]} ({known[0]}); not fetched again")
        try:
            page = fetcher.fetch(url)
        except WebError as error:
            return IngestItem(shown, "error", message=str(error))
        input_id = self.store.begin_input(shown, page.sha256, len(page.body))
        result = self._ingest_page(page, shown, item, feed)
        counts = {status: int(result.status == status) for status in ("added", "duplicate", "error")}
        self.store.finish_input(input_id, counts["added"], counts["duplicate"], counts["error"])
        report.inputs.append({"path": shown, "sha256": page.sha256, "size": len(page.body), "added": counts["added"],
                              "duplicates": counts["duplicate"], "errors": counts["error"]})
        return result

    def _ingest_page(self, page: Page, shown: str, item: FeedItem | None, feed: Feed | None) -> IngestItem:
        """A fetched page's article, stored once: known by any of its addresses, it is a duplicate."""
        try:
            document = article_from_page(page, published=item.published if item else "")
        except Exception as exc:  # a page that breaks the extractor must not stop the batch
            log.exception("%s: could not be read", shown)
            return IngestItem(shown, "error", message=f"{shown}: could not be read ({type(exc).__name__}: {exc}); "
                                                      "the rest of the batch went on; please report this")
        if isinstance(document, WebError):
            return self._ingest_one(document)
        document = _with_feed(document, item, feed)
        keys = page_keys(page, document) + ([(item.guid_key, "guid")] if item and item.guid_key else [])
        known = self.store.article_by_keys(key for key, _ in keys)
        if known is None:
            return self._ingest_one(document, keys=keys)
        self.store.add_keys(known[0], keys)
        return IngestItem(shown, "duplicate", known[0],
                          f"{shown}: same page as {known[1]} ({known[0]}, known by {display_url(known[2])}); stored once")

    def _ingest_file(self, input_file: InputFile) -> Iterator[IngestItem]:
        """The items of one file; a failure no reader foresaw names the file and the batch goes on."""
        try:
            for item in read_documents(
                input_file, max_file_mb=self.config.ingest.max_file_mb, max_row_mb=self.config.ingest.max_row_mb
            ):
                # A file holding one article, read again with other text, is a new version of it;
                # a row file's rows are not: a row inserted above shifts every later row's line.
                yield self._ingest_one(item, replaces_earlier=input_file.format not in ROW_FORMATS)
        except (StoreError, sqlite3.Error):
            raise  # the workspace itself is at fault: stop, nothing is half-written
        except Exception as exc:
            origin = display_path(input_file.path)
            log.exception("%s: could not be read", origin)
            yield IngestItem(origin, "error", message=f"{origin}: could not be read ({type(exc).__name__}: {exc}); "
                                                      "the rest of the batch went on; please report this")

    def ingest_text(self, text: str, *, title: str = "", url: str = "", source: str = "",
                    language: str = "") -> IngestItem:
        """Ingest one pasted article (the UI's paste box); same checks as a file."""
        from ..clean import normalise_newlines

        origin = source or url or "pasted text"
        if not text or not text.strip():
            return IngestItem(origin, "error", message=f"{origin}: the text is empty")
        if url.strip() and not web_address(url):
            return IngestItem(origin, "error", message=f"the URL {url.strip()[:80]!r} is not a web address: only http:// "
                                                       "and https:// addresses are kept; correct it or leave it empty")
        document = Document(text=normalise_newlines(text), origin=origin, source=source or url or "pasted",
                            encoding="utf-8", title=title.strip(), url=url.strip(), language=language.strip().lower())
        return self._ingest_one(document)

    def _ingest_one(self, item: Document | InputError, *, keys: Sequence[tuple[str, str]] = (),
                    replaces_earlier: bool = False) -> IngestItem:
        """Store one read article once; ``keys`` are the addresses and GUIDs it is known by. With
        ``replaces_earlier``, an article stored before from the same file with other text is that
        file's earlier version: it is removed (its decisions stay in the audit trail), and the next
        analysis re-analyses the story it was in."""
        if isinstance(item, InputError):
            return IngestItem(item.origin if item.line is None else f"{item.origin}:{item.line}", "error", message=str(item))
        article_id = article_id_for(item.text)
        existing = self.store.article_origin(article_id)
        if existing is not None:
            self.store.add_keys(article_id, keys)
            earlier = "already stored from this same input" if existing == item.origin else f"same article as {existing}"
            return IngestItem(item.origin, "duplicate", article_id, f"{item.origin}: {earlier} ({article_id}); stored once")
        try:
            article, statements = prepare_article(item, self.config)
        except Exception as exc:  # one article that breaks a stage must not stop the batch
            log.exception("%s: could not be analysed", item.origin)
            return IngestItem(item.origin, "error", message=f"{item.origin}: could not be analysed ({exc}); please report this")
        if not statements:
            return IngestItem(item.origin, "error", message=f"{item.origin}: no statements found in the text")
        added = self.store.add_article(article, statements, keys=keys)
        if not added:
            return IngestItem(item.origin, "duplicate", article_id, f"{item.origin}: already stored ({article_id})")
        count = len(statements)
        warnings = item.warnings
        earlier = [a for a in self.store.articles_with_origin(item.origin) if a != article_id] if replaces_earlier else []
        if earlier:
            self.store.remove_articles(earlier)
            log.info("%s: changed since it was stored; the earlier version (%s) is replaced", item.origin,
                     ", ".join(earlier))
        if len(item.text) > LONG_ARTICLE_CHARS:
            warnings += (f"{len(item.text) / 1e6:.1f} million characters in {count:,} statements, far longer than a news "
                         "article: check that it is one article; analysis will embed all of it",)
        replaced = (f"; changed since it was stored: replaces its earlier version ({', '.join(earlier)}), whose "
                    "decisions stay in the audit trail" if earlier else "")
        return IngestItem(item.origin, "added", article_id,
                          f"{item.origin}: {count} statement{'' if count == 1 else 's'}{replaced}", warnings=warnings)


def _with_feed(document: Document, item: FeedItem | None, feed: Feed | None) -> Document:
    """A page's article completed by its feed item: its title, and the feed's name as the outlet,
    where the page gives none; the feed and the item's GUID in its metadata."""
    if item is None or feed is None:
        return document
    meta = {**document.meta, "feed": display_url(feed.url), **({"guid": item.guid} if item.guid else {})}
    return replace(document, title=document.title or item.title, outlet=document.outlet or feed.title,
                   source=document.outlet or feed.title or document.source, meta=meta)


def _progress(items: list, label: str, callback: ProgressCallback | None, unit: str = "file"):
    """Iterate with a tqdm bar on a terminal, and report to ``callback`` (the UI's progress bar)."""
    from tqdm import tqdm  # plain: tqdm.auto wants ipywidgets in notebooks

    total = len(items)
    for done, item in enumerate(tqdm(items, desc=label, unit=unit, disable=None, leave=False), start=1):
        yield item
        if callback is not None:
            callback(label, done, total)
