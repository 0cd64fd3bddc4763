"""Evidence tables: the files other tools read (CSV, JSON Lines, XLSX) and the run manifest.

Column names are a contract: scripts depend on them, so columns are only ever
added, never renamed or removed. ``STATEMENT_COLUMNS`` lists them in order.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .attribution import sources_in_words, summarize_hedging
from .config import PublishConfig
from .errors import WorkbenchError
from .model import Claims
from .quantities import in_base_unit
from .store import Store
from .verdicts import COMPARABLE_KINDS, RELATION_ORDER, describe_quantity

log = logging.getLogger(__name__)

STATEMENT_COLUMNS = [
    "statement_id", "article_id", "source", "title", "language", "position", "start", "end", "text",
    "boilerplate", "boilerplate_reason", "group_id",
]
CLAIM_COLUMNS = ["quantity_text", "quantity_value", "quantity_low", "quantity_high", "unit_key", "approximator",
                 "attribution", "hedge", "all_quantities"]
# published, outlet, url: the article's (issue 30); a date as the page, feed or row gave it
ARTICLE_COLUMNS = ["published", "outlet", "url"]
STATEMENT_COLUMNS += CLAIM_COLUMNS + ["note", "story_id", "story_label"] + ARTICLE_COLUMNS
DECISION_COLUMNS = ["decision_id", "kind", "subject", "statement_ids", "target_ids", "value", "author", "created",
                    "active", "texts", "undone_by", "undone_at"]
GROUP_COLUMNS = [
    "group_id", "group_label", "tier", "statement_id", "article_id", "source", "language", "text",
    "score_cosine", "score_margin", "decision", "note",
    "quantity_value", "quantity_low", "quantity_high", "unit_key", "approximator", "attribution", "hedge", "relation",
    "group_verdict", "group_verdict_source", "group_figures", "verdict_explanation", "quantity_text",
    "group_tier", "group_languages", "group_articles", "title", "group_note", "all_quantities",
    "story_id", "story_label", *ARTICLE_COLUMNS, "verdict_qualifier",
]
STORY_COLUMNS = ["story_id", "story_label", "articles", "languages", "statements", "claim_groups",
                 "conflicts", "corroborates", "underspecified", "unrelated", "cohesion", "article_ids", "related"]
FORMATS = ("csv", "jsonl", "xlsx")  # of one table
EXPORT_FORMATS = (*FORMATS, "claimreview")  # of an export (workbench.claimreview)
# Article text is untrusted: in a workbook it stays text, never a formula ("=HYPERLINK(...)") or a link.
# constant_memory writes each row to disk as it goes, so a 100k-statement workbook does not sit in memory.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "constant_memory": True}
XLSX_CELL_LIMIT = 32_767  # characters in one spreadsheet cell
# A CSV cell a spreadsheet would read as a formula ("=HYPERLINK(...)", "+1+cmd|..."), as OWASP lists them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JSONL_ROWS_PER_WRITE = 5_000


def statement_rows(store: Store, **filters: Any) -> pd.DataFrame:
    """One row per statement, with its article's source and title."""
    articles = {article.article_id: article for article in store.articles()}
    group_of = {sid: row["group_id"] for sid, row in store.group_members().items()}
    claims = store.claims()
    notes = statement_notes(store.decisions())
    story_of, story_label = _story_lookup(store)
    records = []
    for statement in store.statements(**filters):
        article = articles[statement.article_id]
        story = story_of.get(statement.article_id, "")
        records.append(
            {
                "statement_id": statement.statement_id,
                "article_id": statement.article_id,
                "source": article.source or article.url,
                "title": article.title,
                "language": statement.language,
                "position": statement.position,
                "start": statement.start,
                "end": statement.end,
                "text": statement.text,
                "boilerplate": statement.boilerplate,
                "boilerplate_reason": statement.boilerplate_reason,
                "group_id": group_of.get(statement.statement_id, ""),
                **claim_fields(claims.get(statement.statement_id)),
                "note": notes.get(statement.statement_id, ""),
                "story_id": story,
                "story_label": story_label.get(story, ""),
                **article_fields(article),
            }
        )
    return pd.DataFrame.from_records(records, columns=STATEMENT_COLUMNS)


def article_fields(article) -> dict[str, str]:
    """The article's publication date, outlet and address, as every row about it carries them."""
    return {"published": article.published, "outlet": article.outlet, "url": article.url}


def _story_lookup(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """Article id -> story id, and story id -> label."""
    return store.story_of_articles(), {story.story_id: story.label for story in store.stories()}


def story_rows(store: Store) -> pd.DataFrame:
    """One row per story of the last analysis, largest first, with its claim groups' verdicts."""
    verdicts: dict[str, Counter] = {}
    claim_groups: Counter = Counter()
    # Counted in SQL: loading 20,000 groups and 100,000 statements for this took 1.4 s after every decision.
    for story_id, verdict, count in store.execute("SELECT story_id, verdict, COUNT(*) FROM groups GROUP BY 1, 2"):
        claim_groups[story_id] += count
        verdicts.setdefault(story_id, Counter())[verdict] += count
    statements = Counter(dict(store.execute("SELECT article_id, COUNT(*) FROM statements GROUP BY article_id")))
    records = []
    for story in store.stories():
        counts = verdicts.get(story.story_id, Counter())
        records.append({
            "story_id": story.story_id,
            "story_label": story.label,
            "articles": len(story.article_ids),
            "languages": ",".join(story.languages),
            "statements": sum(statements[a] for a in story.article_ids),
            "claim_groups": claim_groups[story.story_id],
            **{verdict: counts[verdict] for verdict in RELATION_ORDER},
            "cohesion": story.cohesion,
            "article_ids": ",".join(story.article_ids),
        })
    return pd.DataFrame.from_records(records, columns=STORY_COLUMNS)


def statement_notes(decisions) -> dict[str, str]:
    """Analyst notes on each statement or on a link it is part of, grouped or not."""
    found: dict[str, list[str]] = {}
    for decision in decisions:
        if decision.kind == "note" and decision.subject in {"statement", "link"}:
            for statement_id in decision.statement_ids:
                found.setdefault(statement_id, []).append(decision.value)
    return {statement_id: "; ".join(values) for statement_id, values in found.items()}


def decision_rows(store: Store) -> pd.DataFrame:
    """Every analyst decision, undone ones included (``active`` says which still count): the audit trail.

    Rejected links, moves out of a group and notes on ungrouped statements leave no
    trace in the groups table; here each decision keeps its statements' texts.
    """
    decisions = store.decisions(active_only=False)
    involved = sorted({sid for d in decisions for sid in (*d.statement_ids, *d.target_ids)})
    texts = {s.statement_id: s.text for s in store.statements(statement_ids=involved)} if involved else {}
    rows = [{
        "decision_id": d.decision_id, "kind": d.kind, "subject": d.subject, "statement_ids": " ".join(d.statement_ids),
        "target_ids": " ".join(d.target_ids), "value": d.value, "author": d.author, "created": d.created,
        "active": d.active,
        "texts": " | ".join(texts.get(sid, f"({sid} no longer stored)") for sid in d.statement_ids),
        "undone_by": d.undone_by, "undone_at": d.undone_at,
    } for d in decisions]
    return pd.DataFrame.from_records(rows, columns=DECISION_COLUMNS)


def claim_fields(claims: Claims | None, unit_keys: set[str] | None = None) -> dict[str, Any]:
    """The statement's main figure (preferring one for ``unit_keys``), first source and hedges."""
    claims = claims or Claims()
    comparable = [q for q in claims.quantities if q.kind in COMPARABLE_KINDS and q.unit_key]
    preferred = [q for q in comparable if unit_keys and in_base_unit(q).unit_key in unit_keys]
    quantity = (preferred or comparable or [None])[0]
    return {
        "quantity_text": quantity.text if quantity else "",
        "quantity_value": quantity.value if quantity else None,
        "quantity_low": quantity.low if quantity else None,
        "quantity_high": quantity.high if quantity else None,
        "unit_key": quantity.unit_key if quantity else "",
        "approximator": quantity.approximator if quantity else "",
        "attribution": " | ".join(a.text for a in claims.attributions),
        "hedge": _hedge_text(claims),
        # every figure, not only the main one: "first 1 million, now 5 million" keeps both
        "all_quantities": "; ".join(f"«{q.text}» {describe_quantity(q)}" for q in claims.quantities
                                    if q.kind in COMPARABLE_KINDS),
    }


def _hedge_text(claims: Claims) -> str:
    if not claims.hedges:
        return ""
    return f"{summarize_hedging(claims.hedges)}: " + "; ".join(f"{h.kind} «{h.text}»" for h in claims.hedges)


def group_rows(store: Store, group_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per (group, statement), groups in rank order, with scores and analyst decisions."""
    wanted = None if group_ids is None else set(group_ids)
    groups = [g for g in store.groups() if wanted is None or g.group_id in wanted]
    members = store.group_members()
    statements = {s.statement_id: s for s in store.statements(statement_ids=[m for g in groups for m in g.statement_ids])}
    articles = {a.article_id: a for a in store.articles()}
    decisions = store.decisions()
    claims = store.claims([m for g in groups for m in g.statement_ids])
    relations_by_group: dict[str, list] = {}
    for relation in store.relations():
        relations_by_group.setdefault(relation.group_id, []).append(relation)
    relations_by_statement: dict[str, list] = {}
    for relations in relations_by_group.values():
        for relation in relations:
            relations_by_statement.setdefault(relation.source_id, []).append(relation)
            relations_by_statement.setdefault(relation.target_id, []).append(relation)
    _, story_label = _story_lookup(store)
    records = []
    for group in groups:
        label = statements.get(group.label_statement_id)
        relations = relations_by_group.get(group.group_id, [])
        compared = {unit for r in relations for unit in r.details.get("shared_units", [])}
        figures = group_figures(group, statements, claims, compared)
        for statement_id in group.statement_ids:
            statement = statements[statement_id]
            article = articles[statement.article_id]
            member = members.get(statement_id, {})
            records.append({
                "group_id": group.group_id,
                "group_label": label.text if label else "",
                "tier": member.get("member_tier", group.tier),
                "statement_id": statement_id,
                "article_id": statement.article_id,
                "source": article.source or article.url,
                "language": statement.language,
                "text": statement.text,
                "score_cosine": member.get("score_cosine"),
                "score_margin": member.get("score_margin"),
                "decision": describe_decisions(statement_id, group, decisions),
                **claim_fields(claims.get(statement_id), compared),
                "relation": strongest_relation(statement_id, relations_by_statement.get(statement_id, [])),
                "group_verdict": group.verdict,
                "group_verdict_source": group.verdict_source,
                "group_figures": figures,
                "verdict_explanation": group.explanation,
                "note": "; ".join(d.value for d in decisions
                                  if d.kind == "note" and d.subject in {"statement", "link"} and statement_id in d.statement_ids),
                "group_tier": group.tier,
                "group_languages": ",".join(group.languages),
                "group_articles": len(group.article_ids),
                "title": article.title,
                "group_note": "; ".join(d.value for d in decisions
                                        if d.kind == "note" and d.subject == "group" and set(d.statement_ids) & set(group.statement_ids)),
                "story_id": group.story_id,
                "story_label": story_label.get(group.story_id, ""),
                **article_fields(article),
                "verdict_qualifier": group.qualifier,
            })
    return pd.DataFrame.from_records(records, columns=GROUP_COLUMNS)


def strongest_relation(statement_id: str, relations) -> str:
    """The statement's strongest relation to the others in its group (a conflict outranks agreement)."""
    mine = [r.relation for r in relations if statement_id in (r.source_id, r.target_id)]
    return next((kind for kind in RELATION_ORDER if kind in mine), "")


# A group's figures side by side are read by a person (and a spreadsheet cell holds at most
# 32,767 characters): past this many distinct readings, the rest are counted, not listed.
FIGURES_SHOWN = 12


def group_figures(group, statements, claims, compared: set[str]) -> str:
    """The competing figures of a group side by side: reading, language and who said it.

    The same reading from the same source is shown once; a big group shows its first
    :data:`FIGURES_SHOWN` distinct readings and how many more there are (every
    statement's own figure is in its row)."""
    parts: list[str] = []
    for statement_id in group.statement_ids:
        found = claims.get(statement_id)
        if not found:
            continue
        for quantity in found.quantities:
            # compared in the base unit of their dimension: "198 см" is compared as metres
            if in_base_unit(quantity).unit_key in compared and quantity.kind in COMPARABLE_KINDS:
                language = statements[statement_id].language
                # Who said it, with the statement's own doubts: a hedged figure is never shown as asserted.
                who = (sources_in_words(found.attributions[:1], found.hedges, language) if found.attributions
                       else sources_in_words([], found.hedges, language) or "source not named")
                parts.append(f"{describe_quantity(quantity)} ({language}; {who})")
                break
    distinct = list(dict.fromkeys(parts))
    shown = " vs ".join(distinct[:FIGURES_SHOWN])
    hidden = len(distinct) - FIGURES_SHOWN
    return f"{shown} (and {hidden} more distinct figure{'s' if hidden != 1 else ''})" if hidden > 0 else shown


def describe_decisions(statement_id: str, group, decisions) -> str:
    """The analyst decisions that touch this statement's place in its group, in words."""
    said = []
    members = set(group.statement_ids)
    for decision in decisions:
        ids = decision.statement_ids
        who = f" by {decision.author}" if decision.author else ""
        if decision.kind == "accept_link" and statement_id in ids and set(ids) <= members:
            said.append(f"link accepted{who}")
        elif decision.kind == "move" and ids and ids[0] == statement_id:
            said.append(f"moved here{who}" if decision.target_ids else f"moved out of its group{who}")
        elif decision.kind in ("merge", "new_group") and statement_id in ids:
            said.append(f"grouped by hand{who}")
        elif decision.kind == "split" and statement_id in ids:
            said.append(f"split off{who}")
    return "; ".join(dict.fromkeys(said))


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that starts like a formula prefixed with an apostrophe
    (OWASP's CSV injection advice), so Excel or LibreOffice shows it as text and runs nothing.
    Numbers stay numbers; JSON Lines and the workbook (whose cells are typed) keep the text as is."""
    def neutral(value: Any) -> Any:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    text_columns = [column for column in frame.columns
                    if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])]
    if not text_columns:
        return frame
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(neutral)
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text, safe to open in a spreadsheet."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\n")


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write one table as CSV, JSON Lines or XLSX (by suffix), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        neutralise_formulas(frame).to_csv(temporary, index=False, encoding="utf-8", lineterminator="\n")
    elif suffix == ".jsonl":
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            # In slices: pandas builds the whole JSON text in memory before writing it.
            for start in range(0, len(frame), JSONL_ROWS_PER_WRITE):
                text = frame.iloc[start:start + JSONL_ROWS_PER_WRITE].to_json(orient="records", lines=True,
                                                                              force_ascii=False)
                handle.write(text if text.endswith("\n") else text + "\n")
    elif suffix == ".xlsx":
        write_xlsx({"Sheet1": frame}, temporary)
    else:
        raise ValueError(f"unknown table format {suffix!r}; use one of {', '.join(FORMATS)}")
    temporary.replace(path)
    return path


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """One XLSX workbook with a sheet per table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    write_xlsx(tables, temporary)
    temporary.replace(path)
    return path


def write_xlsx(tables: dict[str, pd.DataFrame], target: Any) -> None:
    """Sheets written row by row (xlsxwriter's constant-memory mode) to a path or a binary buffer."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, XLSX_OPTIONS)
    header = workbook.add_format({"bold": True})
    for name, frame in tables.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(column) for column in frame.columns], header)
        for number, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            for column, value in enumerate(row):
                cell = _xlsx_value(value)
                if cell is not None:
                    sheet.write(number, column, cell)
    workbook.close()


def _xlsx_value(value: Any) -> Any:
    """A cell's value as xlsxwriter takes it: None for blanks, Python scalars, text within the cell limit."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
        return value[: XLSX_CELL_LIMIT - 1] + "…"
    return value


def table_bytes(frame: pd.DataFrame, fmt: str, *, sheet: str = "evidence") -> bytes:
    """A table as the bytes of a CSV, JSON Lines or XLSX file (for downloads)."""
    import io

    if fmt == "csv":
        return csv_text(frame).encode("utf-8")
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx({sheet: frame}, buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_manifest(manifest: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")
    temporary.replace(path)
    return path


def evidence_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Every evidence table by name: statements, groups, and the analyst decisions (audit trail)."""
    return {"statements": statement_rows(store), "groups": group_rows(store), "stories": story_rows(store),
            "decisions": decision_rows(store)}


def workbook_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """``evidence.xlsx``: one workbook, a sheet per table, as bytes (for downloads)."""
    import io

    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The export formats asked for, if each is known and there is at least one."""
    formats = tuple(formats)
    unknown = [name for name in formats if name not in EXPORT_FORMATS]
    if unknown:
        raise WorkbenchError(f"unknown export format(s) {', '.join(map(repr, unknown))}; use one or more of "
                             f"{', '.join(EXPORT_FORMATS)}, separated by commas")
    if not formats:
        raise WorkbenchError(f"no export format given; use one or more of {', '.join(EXPORT_FORMATS)}, separated "
                             "by commas")
    return formats


def check_out_dir(out_dir: Path) -> Path:
    """``out_dir``, created if need be, once a file can be written in it: a command checks where its
    results go before it works, not after."""
    import tempfile

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir, prefix=".workbench-check-"):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise WorkbenchError(f"cannot write the results to {out_dir} ({reason}); give --out a folder you may write "
                             "to (it is created if missing)") from None
    return out_dir


def export_all(store: Store, out_dir: Path, manifest: dict[str, Any], *,
               formats: Iterable[str] = ("csv", "jsonl"), publish: PublishConfig | None = None) -> list[Path]:
    """Write every evidence table in the given formats, the analysts' verdicts as ClaimReview
    (format ``claimreview``, with ``publish``), plus ``run.json`` (``manifest`` with the files
    written). ClaimReview alone with no analyst verdict writes nothing and raises the
    :class:`WorkbenchError` that says so; beside tables, it is a warning in the manifest."""
    from .claimreview import write_claimreview

    formats = check_formats(formats)
    check_out_dir(out_dir)
    written, notes = [], []
    if "claimreview" in formats:
        try:
            written.append(write_claimreview(store, publish or PublishConfig(), out_dir))
        except WorkbenchError as error:
            if set(formats) == {"claimreview"}:
                raise
            log.warning("ClaimReview not written: %s", error)
            notes.append(f"claimreview.jsonld not written: {error}")
    tables = evidence_tables(store) if set(formats) - {"claimreview"} else {}
    for name, frame in tables.items():
        for fmt in formats:
            if fmt in ("csv", "jsonl"):
                written.append(write_table(frame, out_dir / f"{name}.{fmt}"))
    if "xlsx" in formats:
        written.append(write_workbook(tables, out_dir / "evidence.xlsx"))
    exported = {"directory": str(out_dir), "files": [p.name for p in written], **({"notes": notes} if notes else {})}
    written.append(write_manifest({**manifest, "exported": exported}, out_dir / "run.json"))
    log.info("Export - %d files in %s", len(written), out_dir)
    return written
