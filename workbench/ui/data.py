"""Read-side helpers for the pages: page-sized views of a workspace, without Streamlit.

The library's readers return whole tables (``Store.groups()`` loads every group,
``Store.claims()`` scans every claim). A page shows a handful of rows, so these
helpers ask SQLite for just those rows through ``Store.execute`` and build the
library's own model objects from them. Nothing here analyses text: grouping,
verdicts and explanations all come from the library; this module only selects,
joins and shapes what it stored. Every function takes a :class:`Workbench` (or its
store) and is plain Python, so the tests call them directly.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from workbench import Article, Decision, Group, Link, Relation, Statement, Workbench
from workbench import claimreview
from workbench.dates import day_of
from workbench.export import (decision_rows, group_figures, strongest_relation, table_bytes,
                              workbook_bytes)
from workbench.embed import available_models
from workbench.ingest import FORMATS
from workbench.model import VERDICTS, Claims
from workbench.verdicts import key_relation
from workbench.store import Store

VERDICT_CHOICES = VERDICTS
TIER_CHOICES = ("suggested", "confirmed")
EXPORT_TABLES = {
    "groups": "Groups evidence (one row per group and statement, with decisions and notes)",
    "statements": "Statements (one row per statement)",
    "decisions": "Analyst decisions (audit trail, undone ones included)",
    "stories": "Stories (articles telling the same news, with their claim groups' verdicts)",
}
EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "jsonl": "JSON Lines"}
MIME_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/jsonl",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "jsonld": "application/ld+json",
    "zip": "application/zip",
}


# -- workspace state ---------------------------------------------------------------------

def revision(store: Store) -> tuple[int, ...]:
    """A token that changes whenever what the pages show may have changed (see ``Store.revision``)."""
    return store.revision()


def workspace_counts(store: Store) -> dict[str, Any]:
    """Headline numbers for the sidebar, each one SQL count (never a full load)."""
    last = store.execute("SELECT MAX(finished) FROM runs WHERE finished IS NOT NULL").fetchone()[0]
    conflicts = store.execute("SELECT COUNT(*) FROM groups WHERE verdict = 'conflicts'").fetchone()[0]
    return {
        "articles": store.count("articles"),
        "statements": store.count("statements"),
        "groups": store.count("groups"),
        "conflicts": int(conflicts),
        "decisions": int(store.execute("SELECT COUNT(*) FROM decisions WHERE active = 1").fetchone()[0]),
        "last_analysis": last or "",
    }


def languages(store: Store) -> list[str]:
    return [row[0] for row in store.execute("SELECT DISTINCT language FROM statements ORDER BY language")]


# -- groups --------------------------------------------------------------------------------

GROUP_TABLE_COLUMNS = ["group_id", "rank", "tier", "verdict", "verdict_source", "languages", "article_ids",
                       "n_languages", "n_articles", "n_statements", "label", "story_id", "story_label", "story_rank"]


def group_table(store: Store) -> pd.DataFrame:
    """One row per group, organised by story: stories with a conflict first (then the library's story
    ranking: most articles first), and inside a story the library's group ranking (conflicts first,
    then languages, then articles)."""
    rows = store.execute(
        """SELECT g.group_id, g.rank, g.tier, g.verdict, g.verdict_source, g.languages, g.article_ids,
                  COALESCE(s.text, '') AS label, COUNT(m.statement_id) AS n_statements,
                  g.story_id, COALESCE(t.label, '') AS story_label, COALESCE(t.rank, 1e9) AS story_rank,
                  COALESCE(c.conflicts, 0) AS story_conflicts
           FROM groups g
           LEFT JOIN statements s ON s.statement_id = g.label_statement_id
           LEFT JOIN group_members m ON m.group_id = g.group_id
           LEFT JOIN stories t ON t.story_id = g.story_id
           -- counted once per story: a subquery per group made 20,000 groups take minutes
           LEFT JOIN (SELECT story_id, COUNT(*) AS conflicts FROM groups WHERE verdict = 'conflicts'
                      GROUP BY story_id) c ON c.story_id = g.story_id
           GROUP BY g.group_id ORDER BY story_conflicts = 0, story_rank, g.rank"""
    ).fetchall()
    records = []
    for row in rows:
        group_languages = json.loads(row["languages"])
        article_ids = json.loads(row["article_ids"])
        records.append({
            "group_id": row["group_id"], "rank": row["rank"], "tier": row["tier"], "verdict": row["verdict"],
            "verdict_source": row["verdict_source"], "languages": ",".join(group_languages),
            "article_ids": ",".join(article_ids), "n_languages": len(group_languages), "n_articles": len(article_ids),
            "n_statements": row["n_statements"], "label": row["label"], "story_id": row["story_id"],
            "story_label": row["story_label"], "story_rank": row["story_rank"],
        })
    return pd.DataFrame.from_records(records, columns=GROUP_TABLE_COLUMNS)


def groups_containing_text(store: Store, needle: str) -> set[str]:
    """Groups with a statement containing ``needle``, case-insensitive in every script.

    SQLite's LIKE folds case for ASCII only, so Cyrillic needs Python's casefold.
    """
    folded = needle.casefold().strip()
    if not folded:
        return set()
    found: set[str] = set()
    for group_id, text in store.execute(
        "SELECT m.group_id, s.text FROM group_members m JOIN statements s ON s.statement_id = m.statement_id"
    ):
        if group_id not in found and folded in text.casefold():
            found.add(group_id)
    return found


def articles_matching(store: Store, needle: str) -> set[str]:
    """Articles whose id is ``needle`` or whose title or source contains it (case-insensitive)."""
    folded = needle.casefold().strip()
    if not folded:
        return set()
    return {
        article_id
        for article_id, title, source in store.execute("SELECT article_id, title, source FROM articles")
        if folded == article_id.casefold() or folded in title.casefold() or folded in source.casefold()
    }


@dataclass(frozen=True)
class GroupFilter:
    """What the Groups page's filters ask for; empty means 'any'."""

    languages: tuple[str, ...] = ()  # the group includes every one of these
    article: str = ""  # an article id, or words of its title or source
    verdicts: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    text: str = ""
    stories: tuple[str, ...] = ()  # story ids

    @property
    def active(self) -> bool:
        return bool(self.languages or self.article.strip() or self.verdicts or self.tiers or self.text.strip()
                    or self.stories)


def filter_groups(table: pd.DataFrame, wanted: GroupFilter, *, article_ids: set[str] | None = None,
                  text_groups: set[str] | None = None) -> pd.DataFrame:
    """The rows of ``group_table`` that pass the filter, still in rank order.

    ``article_ids`` and ``text_groups`` are what :func:`articles_matching` and
    :func:`groups_containing_text` found for the filter's article and text.
    """
    keep = pd.Series(True, index=table.index)
    if wanted.languages:
        group_languages = table["languages"].str.split(",")
        keep &= group_languages.map(lambda found: set(wanted.languages) <= set(found))
    if wanted.article.strip():
        matching = article_ids or set()
        keep &= table["article_ids"].str.split(",").map(lambda ids: bool(matching.intersection(ids)))
    if wanted.verdicts:
        keep &= table["verdict"].isin(wanted.verdicts)
    if wanted.tiers:
        keep &= table["tier"].isin(wanted.tiers)
    if wanted.stories:
        keep &= table["story_id"].isin(wanted.stories)
    if wanted.text.strip():
        keep &= table["group_id"].isin(text_groups or set())
    return table[keep]


@dataclass(frozen=True)
class MemberView:
    """One statement of a group, with what the page shows beside it."""

    statement: Statement
    title: str
    source: str  # the article's URL, else its source name
    url: str
    claims: Claims
    member_tier: str
    score_cosine: float | None
    score_margin: float | None
    relation: str  # its strongest relation to the rest of the group
    published: str = ""  # the article's publication date, as stored ("" when unknown)
    by_analyst: bool = False  # in the group through analyst-accepted links only: its margin is no score


@dataclass(frozen=True)
class LinkView:
    """A candidate link touching the group, with the verdict and the analyst's decision on that pair."""

    link: Link
    inside: bool  # both ends are members of this group
    relation: Relation | None
    decision: Decision | None  # the latest active accept_link / reject_link on this pair
    other_text: str = ""  # for a link leaving the group: the outside statement
    other_language: str = ""


@dataclass(frozen=True)
class GroupView:
    group: Group
    members: tuple[MemberView, ...]
    links: tuple[LinkView, ...]
    figures: str  # the competing figures side by side, as the evidence table writes them
    decisions: tuple[Decision, ...]  # active decisions that touch the group's statements (notes included)
    key_pair: Relation | None = None  # the pair behind a conflict verdict, shown first and side by side
    compared: frozenset[str] = frozenset()  # the unit keys its pairs compared figures for
    undone: tuple[Decision, ...] = ()  # undone decisions that touch the group's statements, latest last

    def key_members(self) -> tuple[MemberView, ...]:
        """The two statements of :attr:`key_pair`, in the group's order (none without one)."""
        if self.key_pair is None:
            return ()
        pair = {self.key_pair.source_id, self.key_pair.target_id}
        return tuple(member for member in self.members if member.statement.statement_id in pair)


def groups_by_id(store: Store, group_ids: Sequence[str]) -> dict[str, Group]:
    """The stored groups with these ids (ids that no longer exist are absent)."""
    return {group.group_id: group for group in store.groups(group_ids)}


def group_of(store: Store, statement_ids: Iterable[str]) -> dict[str, str]:
    """The group of each statement that has one."""
    return {sid: row["group_id"] for sid, row in store.group_members(statement_ids).items()}


UNTITLED_CHARS = 80


def shown_title(title: str, text: str) -> str:
    """The title, or for an article without one (sample 004 starts with its first sentence) the
    start of its first line, marked as such, as the command line's summary shows it."""
    if title.strip():
        return title.strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (first[:UNTITLED_CHARS].rstrip() + "…" if len(first) > UNTITLED_CHARS else first) or "(untitled)"


def successor(store: Store, statement_ids: Sequence[str]) -> str:
    """The group that now holds most of these statements (the former members of a group a
    decision renamed or split), or "" when none of them is grouped any more."""
    counts: dict[str, int] = {}
    for group_id in group_of(store, statement_ids).values():
        counts[group_id] = counts.get(group_id, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else ""


def claims_for(store: Store, statement_ids: Iterable[str]) -> dict[str, Claims]:
    """Quantities, attributions and hedges of a few statements (SQLite picks the rows)."""
    return store.claims(statement_ids)


def pair_decisions(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    """The latest active accept/reject decision on each statement pair."""
    latest: dict[tuple[str, str], Decision] = {}
    for decision in decisions:
        if decision.kind in {"accept_link", "reject_link"} and decision.active and len(decision.statement_ids) == 2:
            latest[tuple(sorted(decision.statement_ids))] = decision
    return latest


def group_views(workbench: Workbench, group_ids: Sequence[str], *, outside_links: int = 5) -> list[GroupView]:
    """Everything the Groups page shows for these groups, in the order asked for.

    ``outside_links``: how many of the strongest candidate links from the group to
    statements outside it to include (the analyst may accept one to pull it in).
    """
    store = workbench.store
    groups = groups_by_id(store, group_ids)
    member_ids = [sid for group in groups.values() for sid in group.statement_ids]
    links = store.links(member_ids) if member_ids else []
    wanted_ids = set(member_ids) | {sid for link in links for sid in (link.source_id, link.target_id)}
    statements = {s.statement_id: s for s in store.statements(statement_ids=wanted_ids)} if wanted_ids else {}
    articles = {article_id: store.article(article_id) for article_id in {s.article_id for s in statements.values()}}
    claims = claims_for(store, member_ids)
    member_rows = store.group_members(member_ids)
    everything = store.decisions(active_only=False)
    decisions = [d for d in everything if d.active]
    withdrawn = sorted((d for d in everything if not d.active), key=lambda d: (d.undone_at, d.decision_id or 0))
    by_pair = pair_decisions(decisions)
    views = []
    for group_id in group_ids:
        group = groups.get(group_id)
        if group is None:
            continue
        relations = store.relations(group_id)
        relation_of = {(r.source_id, r.target_id): r for r in relations}
        members_set = set(group.statement_ids)
        # A member joined only by pairs an analyst accepted that the analysis never proposed (rank < 0).
        scored = {sid for link in links if link.rank >= 0 and set(link.key) <= members_set for sid in link.key}
        by_analyst = {sid for link in links if link.rank < 0 and set(link.key) <= members_set
                      for sid in link.key} - scored
        members = []
        for statement_id in group.statement_ids:
            statement = statements[statement_id]
            article = articles[statement.article_id]
            row = member_rows.get(statement_id, {})
            members.append(MemberView(
                statement=statement, title=shown_title(article.title, article.text), source=article.source or article.url,
                url=article.url,
                claims=claims.get(statement_id, Claims()), member_tier=row.get("member_tier", group.tier),
                score_cosine=row.get("score_cosine"), score_margin=row.get("score_margin"),
                relation=strongest_relation(statement_id, relations), published=article.published,
                by_analyst=statement_id in by_analyst,
            ))
        inside, leaving = [], []
        for link in links:
            ends = {link.source_id, link.target_id}
            if ends <= members_set:
                inside.append(LinkView(link, True, _relation(relation_of, link), by_pair.get(link.key)))
            elif ends & members_set and link.rank >= 0:
                other = statements.get(next(iter(ends - members_set)))
                leaving.append(LinkView(link, False, None, by_pair.get(link.key),
                                        other_text=other.text if other else "", other_language=other.language if other else ""))
        inside.sort(key=lambda view: -view.link.score)
        leaving.sort(key=lambda view: -view.link.score)
        compared = {unit for r in relations for unit in r.details.get("shared_units", [])}
        def touches(decision: Decision) -> bool:
            return bool(members_set.intersection(decision.statement_ids)
                        or members_set.intersection(decision.target_ids))

        touching = tuple(d for d in decisions if touches(d))
        views.append(GroupView(
            group=group, members=tuple(members), links=tuple(inside + leaving[:outside_links]),
            figures=group_figures(group, statements, claims, compared), decisions=touching,
            key_pair=conflicting_pair(relations) if group.verdict == "conflicts" else None,
            compared=frozenset(compared), undone=tuple(d for d in withdrawn if touches(d)),
        ))
    return views


@dataclass(frozen=True)
class GroupPlace:
    """Where a group is in the Groups page's list: its page and place, or hidden by the filters."""

    group_id: str
    page: int = 0  # 0: not in the list (the filters hide it)
    place: int = 0  # 1-based, in the whole list
    pages: int = 0


def group_places(table: pd.DataFrame, group_ids: Iterable[str], page_size: int) -> list[GroupPlace]:
    """Where these groups are in ``table`` (the list as filtered and ranked), ``page_size`` per page."""
    position = {group_id: index for index, group_id in enumerate(table["group_id"])}
    pages = max(1, -(-len(table) // page_size))
    return [GroupPlace(group_id, position[group_id] // page_size + 1, position[group_id] + 1, pages)
            if group_id in position else GroupPlace(group_id) for group_id in dict.fromkeys(group_ids)]


def conflicting_pair(relations: Sequence[Relation]) -> Relation | None:
    """The conflicting pair a conflict card shows first: the one the verdict stage marked, or (a
    verdict set by hand over a computed one) the strongest conflicting pair."""
    key = key_relation(relations)
    if key is not None and key.relation == "conflicts":
        return key
    return key_relation([relation for relation in relations if relation.relation == "conflicts"])


TIMELINE_MIN_FIGURES = 3  # fewer dated figures make a comparison, not a line over time


def figure_timeline(view: GroupView) -> pd.DataFrame:
    """A claim's figures by date and language, for its figure-over-time chart: one row per
    dated statement giving a figure for the unit its group compares most, as reported (its
    interval beside it). Empty when fewer than :data:`TIMELINE_MIN_FIGURES` are dated."""
    rows = []
    for member in view.members:
        day = day_of(member.published)
        for quantity in member.claims.quantities:
            if day is not None and quantity.unit_key in view.compared and quantity.value is not None:
                rows.append({"published": pd.Timestamp(day), "figure": quantity.value, "low": quantity.low,
                             "high": quantity.high, "unit": quantity.unit_key, "language": member.statement.language,
                             "source": member.source, "reading": quantity.text})
                break
    frame = pd.DataFrame(rows, columns=["published", "figure", "low", "high", "unit", "language", "source", "reading"])
    if frame.empty:
        return frame
    unit = frame["unit"].value_counts().index[0]
    frame = frame[frame["unit"] == unit].sort_values("published", kind="stable").reset_index(drop=True)
    # The interval the wording allows, drawn as a bar; an open end ("more than ...") stops at the figure.
    frame["shown_low"] = frame["low"].where(frame["low"].notna(), frame["figure"])
    frame["shown_high"] = frame["high"].where(frame["high"].notna(), frame["figure"])
    return frame if len(frame) >= TIMELINE_MIN_FIGURES else frame.iloc[0:0]


def _relation(relation_of: dict[tuple[str, str], Relation], link: Link) -> Relation | None:
    return relation_of.get((link.source_id, link.target_id)) or relation_of.get((link.target_id, link.source_id))


# -- articles ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleWindow:
    """A stretch of one article for the reader: its statements in order and the text around them."""

    article: Article
    statements: tuple[Statement, ...]
    groups: dict[str, str]  # statement id -> group id, for those grouped
    total_statements: int
    first: int  # position of the first statement shown
    text_start: int  # the slice of the article text the window covers
    text_end: int


def article_window(store: Store, article_id: str, *, first: int = 0, size: int = 150) -> ArticleWindow | None:
    """Statements ``first`` to ``first + size`` of an article, with the text they cover."""
    article = store.article(article_id)
    if article is None:
        return None
    total = store.count_statements(article_id=article_id)
    statements = tuple(store.statements(article_id=article_id, limit=size, offset=first))
    text_start = 0 if first == 0 or not statements else statements[0].start
    text_end = len(article.text) if first + size >= total or not statements else statements[-1].end
    return ArticleWindow(article=article, statements=statements, groups=group_of(store, [s.statement_id for s in statements]),
                         total_statements=total, first=first, text_start=text_start, text_end=text_end)


# -- uploads -------------------------------------------------------------------------------

ACCEPTED_SUFFIXES = tuple(sorted(FORMATS))


@dataclass(frozen=True)
class SavedUpload:
    name: str  # the file name as the user's browser sent it (untrusted: shown escaped)
    path: Path


@dataclass(frozen=True)
class RejectedUpload:
    name: str
    reason: str


@dataclass
class UploadBatch:
    saved: list[SavedUpload] = field(default_factory=list)
    rejected: list[RejectedUpload] = field(default_factory=list)


def safe_file_name(name: str) -> str:
    """A file name that is safe to create: no folders, no control characters, not hidden, bounded length."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[:100] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def save_uploads(folder: Path, uploads: Sequence[tuple[str, bytes]], *, limit_mb: float) -> UploadBatch:
    """Write accepted uploads into a new batch folder under ``folder``; say why the others were refused.

    The files are kept: the run manifest records every input by path and SHA-256,
    so the workspace can show what each article was read from.
    """
    batch = UploadBatch()
    limit = int(limit_mb * 1024 * 1024)
    target = folder / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    used: set[str] = set()
    for name, content in uploads:
        suffix = Path(safe_file_name(name)).suffix.lower()
        if suffix not in FORMATS:
            batch.rejected.append(RejectedUpload(name, f"unsupported file type {suffix or '(none)'}; "
                                                       f"accepted: {', '.join(ACCEPTED_SUFFIXES)}"))
            continue
        if len(content) > limit:
            batch.rejected.append(RejectedUpload(name, f"{len(content) / 1024 / 1024:.1f} MB is over the upload limit of "
                                                       f"{limit_mb:g} MB per file; split it or ingest it with `workbench ingest`"))
            continue
        file_name = safe_file_name(name)
        stem, number = Path(file_name).stem, 2
        while file_name.casefold() in used:
            file_name, number = f"{stem}-{number}{suffix}", number + 1
        used.add(file_name.casefold())
        target.mkdir(parents=True, exist_ok=True)
        path = target / file_name
        path.write_bytes(content)
        batch.saved.append(SavedUpload(name, path))
    return batch


def ingest_rows(items: Iterable[Any], names: dict[str, str]) -> list[dict[str, str]]:
    """One display row per ingest result, with the upload's own name in place of the stored path."""
    rows = []
    for item in items:
        origin, message = item.origin, item.message
        for path, name in names.items():
            if origin.startswith(path):
                origin = name + origin[len(path):]
                message = message.replace(path, name)
        status = {"added": "added", "duplicate": "already in the workspace", "error": "rejected"}[item.status]
        rows.append({"file": origin, "status": status, "detail": message, "article_id": item.article_id})
    return rows


ProgressCallback = Callable[[str, int, int], None]


def add_uploads(workbench: Workbench, uploads: Sequence[tuple[str, bytes]], *, limit_mb: float,
                progress: ProgressCallback | None = None) -> list[dict[str, str]]:
    """Store uploaded files in the workspace, ingest them and, if any article was added, re-run the analysis.

    Returns one row per file or article: what happened and why (rejections included).
    """
    batch = save_uploads(workbench.config.workspace_dir / "uploads", uploads, limit_mb=limit_mb)
    rows = [{"file": r.name, "status": "rejected", "detail": r.reason, "article_id": ""} for r in batch.rejected]
    if batch.saved:
        report = workbench.ingest([saved.path for saved in batch.saved], progress=progress)
        rows += ingest_rows(report.items, {str(saved.path): saved.name for saved in batch.saved})
        if report.added:
            workbench.analyze(progress=progress)
    return rows


def add_urls(workbench: Workbench, text: str, *, progress: ProgressCallback | None = None) -> list[dict[str, str]]:
    """Fetch the web addresses in ``text`` (one per line), store their articles and, if any was
    added, re-run the analysis. One row per address: what happened and why."""
    report = workbench.ingest_urls([line.strip() for line in text.splitlines() if line.strip()], progress=progress)
    if report.added:
        workbench.analyze(progress=progress)
    return ingest_rows(report.items, {})


def add_pasted(workbench: Workbench, text: str, *, title: str = "", url: str = "",
               progress: ProgressCallback | None = None) -> list[dict[str, str]]:
    """Ingest one pasted article and, if it is new, re-run the analysis."""
    item = workbench.ingest_text(text, title=title, url=url)
    if item.status == "added":
        workbench.analyze(progress=progress)
    return ingest_rows([item], {})


# -- export --------------------------------------------------------------------------------

def export_frame(workbench: Workbench, table: str, group_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One evidence table, for the whole workspace (``group_ids=None``) or for these groups."""
    if table == "groups":
        return workbench.groups_frame(group_ids)
    if table == "statements":
        if group_ids is None:
            return workbench.statements_frame()
        members = [sid for group in groups_by_id(workbench.store, group_ids).values() for sid in group.statement_ids]
        return workbench.statements_frame(statement_ids=members)
    if table == "decisions":
        frame = decision_rows(workbench.store)
        if group_ids is None:
            return frame
        members = {sid for group in groups_by_id(workbench.store, group_ids).values() for sid in group.statement_ids}
        touches = frame["statement_ids"].str.split().map(lambda ids: bool(members.intersection(ids)))
        return frame[touches]
    if table == "stories":
        frame = workbench.stories_frame()
        if group_ids is None:
            return frame
        stories = {group.story_id for group in groups_by_id(workbench.store, group_ids).values()}
        return frame[frame["story_id"].isin(stories)]
    raise ValueError(f"unknown table {table!r}; use one of {', '.join(EXPORT_TABLES)}")


def export_bytes(workbench: Workbench, table: str, fmt: str, group_ids: Sequence[str] | None = None) -> bytes:
    return table_bytes(export_frame(workbench, table, group_ids), fmt, sheet=table)


def claim_review_count(store: Store) -> int:
    """How many groups have a verdict an analyst set (each one ClaimReview)."""
    return int(store.execute("SELECT COUNT(*) FROM groups WHERE verdict_source = 'analyst'").fetchone()[0])


def claimreview_bytes(workbench: Workbench) -> bytes:
    """``claimreview.jsonld``, as ``workbench export --format claimreview`` writes it."""
    return claimreview.claimreview_bytes(workbench.store, workbench.config.publish)


def manifest_bytes(workbench: Workbench, files: Sequence[str] = ()) -> bytes:
    return json.dumps(workbench.export_manifest(list(files)), ensure_ascii=False, indent=2).encode("utf-8")


def export_zip(workbench: Workbench, fmt: str, group_ids: Sequence[str] | None = None) -> bytes:
    """Every evidence table plus ``run.json``, zipped, as ``workbench export`` writes them: a
    file per table in CSV or JSON Lines, or one ``evidence.xlsx`` with a sheet per table."""
    tables = {table: export_frame(workbench, table, group_ids) for table in EXPORT_TABLES}
    files = {"evidence.xlsx": workbook_bytes(tables)} if fmt == "xlsx" else {
        f"{table}.{fmt}": table_bytes(frame, fmt, sheet=table) for table, frame in tables.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("run.json", manifest_bytes(workbench, [*files, "run.json"]))
    return buffer.getvalue()


# -- settings ------------------------------------------------------------------------------

def model_languages(model: str) -> str:
    """"multilingual", "English only" or "" (see ``workbench.embed.model_languages``)."""
    from workbench.embed import model_languages as read_card

    return read_card(model)


def local_models(home: Path) -> list[str]:
    """Encoders usable without a network (see ``workbench.embed.available_models``)."""
    return available_models(home)
