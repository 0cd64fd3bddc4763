"""What every page shares: the workspace, the cached Workbench and tables, session keys, decisions.

* The workspace comes from ``--workspace`` after ``--`` on the ``streamlit run``
  command line (``workbench ui`` passes it); without one, the default workspace.
* The encoder is an ``st.cache_resource`` per model, shared by every workspace and
  loaded when a page first needs it (the Groups page does not);
  one :class:`Workbench` per workspace is another, and it keeps the search index
  once loaded: both are loaded once per process, not per session or rerun. A
  lock serialises writes (decisions, ingest, analysis), since Streamlit runs
  each session in its own thread.
* Tables are ``st.cache_data`` keyed by the workspace and its *revision* (see
  :func:`workbench.ui.data.revision`): any decision, analysis or ingest, from this
  app or the CLI, gives new keys, so no page ever shows stale groups.
* Widget and page state live in ``st.session_state`` under the keys below.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import streamlit as st

from workbench import Config, Workbench, WorkbenchError
from workbench.embed import Encoder, load_encoder
from workbench.words import ordinal, plural

from . import data, render

# -- session_state keys (one place, so pages agree) --------------------------------------
FILTER_LANGUAGES = "groups_languages"
FILTER_ARTICLE = "groups_article"
FILTER_VERDICTS = "groups_verdicts"
FILTER_TIERS = "groups_tiers"
FILTER_TEXT = "groups_text"
FILTER_STORIES = "groups_stories"
GROUPS_PAGE = "groups_page"
GROUPS_PAGE_SIZE = "groups_page_size"
CORPUS_PAGE = "corpus_page"
CORPUS_ARTICLE = "corpus_article"
CORPUS_FILTER = "corpus_filter"
SEARCH_RESULTS = "search_results"
SEARCH_PAGE = "search_page"
ADD_REPORT = "add_report"
UPLOAD_ROUND = "upload_round"
PASTE_ROUND = "paste_round"  # a new round after a paste is stored: fresh, empty paste fields
SETTINGS_PREVIEW = "settings_preview"
EXPORT_SCOPE = "export_scope"
EXPORT_FORMAT = "export_format"
ANALYST = "analyst"
READING_LANGUAGE = "read"  # also in the address, beside the analyst's name
AS_WRITTEN = "(as written)"
FLASH = "flash_messages"
APP_RERUN = "app_rerun_needed"

GROUP_PAGE_SIZES = (5, 10, 20)
ROWS_PER_PAGE = 25


@dataclass
class _Workspace:
    workbench: Workbench
    lock: threading.RLock


def _command_line() -> argparse.Namespace:
    """``--workspace``, ``--config`` and ``--set`` as `workbench ui` passes them after ``--``."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--workspace", default=None)
    parser.add_argument("--config", default=None)
    parser.add_argument("--set", dest="assignments", action="append", default=[])
    known, _ = parser.parse_known_args([arg for arg in sys.argv[1:] if arg != "--"])
    return known


def load_config(workspace: str | None = None) -> Config:
    """The app's configuration, built exactly as the CLI builds it."""
    options = _command_line()
    return Config.load(workspace=workspace or options.workspace, config_file=options.config,
                       overrides=options.assignments or None)


def workspace_path() -> str:
    """The workspace folder this app serves, from ``--workspace`` on the command line."""
    return str(Config.load(workspace=_command_line().workspace).workspace_dir)


@st.cache_resource(show_spinner="Loading the encoder…")
def shared_encoder(model: str, prefix: str) -> Encoder:
    """One encoder per model for the whole process, whatever the number of workspaces or sessions."""
    return load_encoder(model, prefix)


@st.cache_resource(show_spinner="Opening the workspace…")
def _open(workspace: str) -> _Workspace:
    """The workspace's Workbench; it keeps the search index once loaded, so the index is cached with it."""
    # The encoder loads when a page first needs it (search, adding articles), not to show the groups;
    # a model missing on this machine is reported by the page that needs it.
    return _Workspace(Workbench(load_config(workspace), encoder_loader=shared_encoder), threading.RLock())


def workbench() -> Workbench:
    return _open(workspace_path()).workbench


def workspace_lock() -> threading.RLock:
    """The lock that serialises this workspace's use across sessions and download threads."""
    return _open(workspace_path()).lock


@contextmanager
def locked() -> Iterator[Workbench]:
    """The workspace's Workbench, with every other session's writes held off."""
    opened = _open(workspace_path())
    with opened.lock:
        yield opened.workbench


def revision() -> tuple[int, ...]:
    with locked() as wb:
        return data.revision(wb.store)


# -- cached tables ---------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=4)
def _group_table(workspace: str, version: tuple[int, ...]) -> pd.DataFrame:
    return data.group_table(_open(workspace).workbench.store)


@st.cache_data(show_spinner=False, max_entries=16)
def _groups_with_text(workspace: str, version: tuple[int, ...], needle: str) -> set[str]:
    return data.groups_containing_text(_open(workspace).workbench.store, needle)


@st.cache_data(show_spinner=False, max_entries=16)
def _articles_matching(workspace: str, version: tuple[int, ...], needle: str) -> set[str]:
    return data.articles_matching(_open(workspace).workbench.store, needle)


@st.cache_data(show_spinner=False, max_entries=32)
def _group_views(workspace: str, version: tuple[int, ...], group_ids: tuple[str, ...]) -> list[data.GroupView]:
    return data.group_views(_open(workspace).workbench, group_ids)


@st.cache_data(show_spinner=False, max_entries=4)
def _article_table(workspace: str, version: tuple[int, ...]) -> pd.DataFrame:
    """The articles, each titled as every page titles it (an untitled one by its first line)."""
    wb = _open(workspace).workbench
    table = wb.articles_frame()
    openings = dict(wb.store.execute(f"SELECT article_id, substr(text, 1, {4 * data.UNTITLED_CHARS}) FROM articles"
                                     " WHERE trim(title) = ''").fetchall())
    table["title"] = [data.shown_title(title, openings.get(article_id, ""))
                      for article_id, title in zip(table["article_id"], table["title"])]
    return table


@st.cache_data(show_spinner=False, max_entries=4)
def _story_table(workspace: str, version: tuple[int, ...]) -> pd.DataFrame:
    return _open(workspace).workbench.stories_frame()


@st.cache_data(show_spinner=False, max_entries=4)
def _languages(workspace: str, version: tuple[int, ...]) -> list[str]:
    return data.languages(_open(workspace).workbench.store)


@st.cache_data(show_spinner=False, max_entries=4)
def _counts(workspace: str, version: tuple[int, ...]) -> dict[str, Any]:
    return data.workspace_counts(_open(workspace).workbench.store)


@st.cache_data(show_spinner=False, max_entries=8)
def _export_preview(workspace: str, version: tuple[int, ...], group_ids: tuple[str, ...]) -> pd.DataFrame:
    opened = _open(workspace)
    with opened.lock:
        return data.export_frame(opened.workbench, "groups", group_ids)


@st.cache_data(show_spinner=False, ttl=300)
def local_models(home: str) -> list[str]:
    return data.local_models(Path(home))


@st.cache_data(show_spinner=False, ttl=300)
def model_languages(model: str) -> str:
    return data.model_languages(model)


def group_table() -> pd.DataFrame:
    return _group_table(workspace_path(), revision())


def group_views(group_ids: tuple[str, ...]) -> list[data.GroupView]:
    return _group_views(workspace_path(), revision(), group_ids)


def article_table() -> pd.DataFrame:
    return _article_table(workspace_path(), revision())


def languages() -> list[str]:
    return _languages(workspace_path(), revision())


def story_table() -> pd.DataFrame:
    """One row per story with its claim groups' verdicts (``Workbench.stories_frame``)."""
    return _story_table(workspace_path(), revision())


def counts() -> dict[str, Any]:
    return _counts(workspace_path(), revision())


def status_notes() -> list[str]:
    """Articles awaiting analysis, a run still going or interrupted (cheap queries: not cached,
    so a run started elsewhere shows at once)."""
    with locked() as wb:
        return wb.status_notes()


def articles_matching(needle: str) -> set[str]:
    return _articles_matching(workspace_path(), revision(), needle)


def export_preview(group_ids: tuple[str, ...]) -> pd.DataFrame:
    return _export_preview(workspace_path(), revision(), group_ids)


def current_filter() -> data.GroupFilter:
    """The Groups page's filters as the session holds them (the Export page reads them too)."""
    get = st.session_state.get
    return data.GroupFilter(
        languages=tuple(get(FILTER_LANGUAGES) or ()), article=get(FILTER_ARTICLE) or "",
        verdicts=tuple(get(FILTER_VERDICTS) or ()), tiers=tuple(get(FILTER_TIERS) or ()), text=get(FILTER_TEXT) or "",
        stories=tuple(get(FILTER_STORIES) or ()),
    )


def filtered_groups(wanted: data.GroupFilter) -> pd.DataFrame:
    workspace, version = workspace_path(), revision()
    table = _group_table(workspace, version)
    if not wanted.active:
        return table
    article_ids = _articles_matching(workspace, version, wanted.article) if wanted.article.strip() else None
    text_groups = _groups_with_text(workspace, version, wanted.text) if wanted.text.strip() else None
    return data.filter_groups(table, wanted, article_ids=article_ids, text_groups=text_groups)


# -- decisions and messages --------------------------------------------------------------------

def flash(kind: str, message: str, groups: Sequence[str] = ()) -> None:
    """A message for the next run of the page (callbacks run before the page draws), with a link
    to open each of ``groups``."""
    st.session_state.setdefault(FLASH, []).append((kind, message, tuple(groups)))


def show_flash() -> None:
    for kind, message, groups in st.session_state.pop(FLASH, []):
        {"success": st.success, "error": st.error, "info": st.info}[kind](render.markdown_literal(message))
        for group_id in groups:
            st.page_link("app_pages/groups.py", label=f"Open group {group_id}", icon=":material/join_inner:",
                         query_params=group_address(group_id))


def group_address(group_id: str) -> dict[str, str]:
    """The address parameters of the Groups page showing one group, for this analyst and reader."""
    return {"group": group_id, **({ANALYST: analyst()} if analyst() else {}),
            **({READING_LANGUAGE: reading_language()} if reading_language() else {})}


def where_now(statement_ids: Sequence[str]) -> tuple[str, list[str]]:
    """Where these statements' groups are in the Groups list now, in words, and those groups: a
    decision can move a group to another page (a rejected link, a verdict set by hand)."""
    with locked() as wb:
        groups = data.group_of(wb.store, statement_ids)
    table = filtered_groups(current_filter())
    size = st.session_state.get(GROUPS_PAGE_SIZE) or GROUP_PAGE_SIZES[0]
    places = data.group_places(table, groups.values(), size)
    said = [f"group {place.group_id} is on page {place.page} of {place.pages} ({ordinal(place.place)} of "
            f"{len(table):,})" if place.page else f"group {place.group_id} is hidden by the filters"
            for place in places]
    alone = len([sid for sid in dict.fromkeys(statement_ids) if sid not in groups])
    if alone:
        said.append(f"{plural(alone, 'statement')} in no group")
    return "; ".join(said), [place.group_id for place in places]


def decide(done: str, method: str, *args: Any, follow: Sequence[str] = (), author: bool = True,
           **kwargs: Any) -> bool:
    """Run one analyst decision (a Workbench method) as a widget callback; say how it went and,
    for the statements in ``follow``, where their groups are now.

    The library stores it and regroups at once. Groups may be renamed or split, so
    the whole page must redraw: a fragment that sees ``APP_RERUN`` reruns the app.
    Whether the decision was made.
    """
    if author:
        kwargs["author"] = analyst()
    st.session_state[APP_RERUN] = True
    try:
        with locked() as wb:
            getattr(wb, method)(*args, **kwargs)
    except WorkbenchError as error:
        flash("error", f"Not done: {error}")
        return False
    where, groups = where_now(follow) if follow else ("", [])
    flash("success", f"{done}. Now {where}." if where else done, groups)
    return True


def reading_language_picker(analyst_name: str) -> None:
    """The language the analyst reads: statements in others get the nearest ones in it (and a
    translation where a backend is set). Kept with the analyst's name in the workspace."""
    options = [AS_WRITTEN, *languages()]
    if READING_LANGUAGE not in st.session_state:
        with locked() as wb:
            kept = st.query_params.get(READING_LANGUAGE) or wb.reading_language(analyst_name)
        st.session_state[READING_LANGUAGE] = kept if kept in options else AS_WRITTEN
    st.selectbox("I read", options, key=READING_LANGUAGE, on_change=_keep_reading_language,
                 help="Statements in other languages show the nearest statements in this one, with scores")
    chosen = reading_language()
    if chosen:
        st.query_params[READING_LANGUAGE] = chosen
    else:
        st.query_params.pop(READING_LANGUAGE, None)


def _keep_reading_language() -> None:
    name = analyst()
    if not name:
        return
    try:
        with locked() as wb:
            wb.set_reading_language(name, reading_language())
    except WorkbenchError as error:  # a read-only workspace: the choice lasts for this session
        flash("error", f"Your reading language is not kept for next time: {error}")


def reading_language() -> str:
    chosen = st.session_state.get(READING_LANGUAGE) or AS_WRITTEN
    return "" if chosen == AS_WRITTEN else chosen


@st.cache_data(show_spinner=False, max_entries=64)
def _reading_aid(workspace: str, version: tuple[int, ...], statement_ids: tuple[str, ...], language: str) -> dict:
    nearest = _open(workspace).workbench.nearest_in(statement_ids, language, top=READING_NEIGHBOURS)
    return {sid: [hit.to_dict() for hit in hits] for sid, hits in nearest.items()}


READING_NEIGHBOURS = 2  # statements in the reader's language shown under each statement in another
NO_TRANSLATOR = ("no translation service is set up for this workspace; an administrator can choose one under "
                 "Settings › Reading aid")


def reading_aids(statements: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """The reading aid's HTML (:func:`render.reading_aid`) for each of these ``(statement id,
    language, text)`` in a language other than the reader's: its nearest statements in the
    reader's language (Workbench.nearest_in) and its translation where a backend is set."""
    reader = reading_language()
    foreign = [(sid, language, text) for sid, language, text in statements if reader and language != reader]
    if not foreign:
        return {}
    with workspace_lock():
        nearest = _reading_aid(workspace_path(), revision(), tuple(sid for sid, _, _ in foreign), reader)
    translated: dict[str, str] = {}
    why_not: dict[str, str] = {}  # language -> why its statements have no translation
    for language in sorted({language for _, language, _ in foreign}):
        mine = [(sid, text) for sid, lang, text in foreign if lang == language]
        texts, why_not[language] = translations([text for _, text in mine], language, reader)
        translated.update(zip((sid for sid, _ in mine), texts))
    return {sid: render.reading_aid(reader, nearest.get(sid, ()), translated.get(sid, ""), why_not[language])
            for sid, language, _ in foreign}


@st.cache_data(show_spinner=False, max_entries=256)
def _translations(workspace: str, texts: tuple[str, ...], source: str, target: str) -> tuple[tuple[str, ...], str]:
    try:
        return tuple(_open(workspace).workbench.translate(texts, source, target)), ""
    except WorkbenchError as error:
        return (), str(error)


def translations(texts: Sequence[str], source: str, target: str) -> tuple[tuple[str, ...], str]:
    """``texts`` translated by the configured backend, or why not."""
    if workbench().config.translate.backend == "none":
        return (), NO_TRANSLATOR
    return _translations(workspace_path(), tuple(texts), source, target)


PENDING_LINK = "pending_link_decision"  # (kind, a, b): a link decision shown with its effects, not made yet
PENDING_UNDO = "pending_undo"  # (decision id, where its Undo was pressed): its effects shown, not undone yet
CARD_ONLY = "card_changed_alone"  # a decision moved no statement: only its card redraws
COUNTS_FRAGMENT = "workspace-counts"  # the sidebar's counts, redrawn with a card that alone changed


def card_fragment(group_id: str) -> str:
    """The fragment key of a group's card (see groups.group_card)."""
    return f"card-{group_id}"


def propose_link(kind: str, a: str, b: str) -> None:
    """First step of accepting or rejecting a link: show what it would change."""
    st.session_state[PENDING_LINK] = (kind, a, b)


def cancel_link() -> None:
    st.session_state.pop(PENDING_LINK, None)


def confirm_link(kind: str, a: str, b: str, group_id: str) -> None:
    st.session_state.pop(PENDING_LINK, None)
    moves = link_effects(kind, a, b)
    done = "Link accepted" if kind == "accept_link" else "Link rejected"
    if decide(done, kind, a, b, follow=(a, b) if moves else ()) and not moves:
        # No statement changed group, so no other card changed: redraw this card and the
        # sidebar's counts only (a full redraw of the page made a confirmed decision take
        # 1.5-2.3 s in the browser).
        st.session_state.pop(APP_RERUN, None)
        st.session_state[CARD_ONLY] = True
        st.rerun([card_fragment(group_id), COUNTS_FRAGMENT])


def propose_undo(decision_id: int, place: str) -> None:
    """First step of an undo: show what it would change, where its Undo was pressed (``place``:
    a link decision has an Undo beside its link and one in the group's Review)."""
    st.session_state[PENDING_UNDO] = (decision_id, place)


def cancel_undo() -> None:
    st.session_state.pop(PENDING_UNDO, None)


def confirm_undo(decision_id: int, follow: Sequence[str]) -> None:
    st.session_state.pop(PENDING_UNDO, None)
    decide(f"Decision #{decision_id} undone", "undo", decision_id, follow=follow)


def undo_effects(decision_id: int) -> list[str]:
    """What undoing a decision would change, in words (nothing is stored)."""
    with locked() as wb:
        return wb.preview_undo(decision_id)


def card_changed_alone() -> bool:
    """Called at the top of a group card: whether a decision inside it changed only this card."""
    return bool(st.session_state.pop(CARD_ONLY, False))


def link_effects(kind: str, a: str, b: str) -> list[str]:
    """What accepting or rejecting the link a-b would change, in words (nothing is stored)."""
    from workbench.model import Decision

    with locked() as wb:
        return wb.preview(Decision(kind, tuple(sorted((a, b))), author=analyst()))


def start_app_run() -> None:
    """Called at the top of every full run: a full run already redraws everything."""
    st.session_state.pop(APP_RERUN, None)
    st.session_state.pop(CARD_ONLY, None)


def rerun_app_if_decided() -> None:
    """Called at the top of fragments: after a decision taken inside one, redraw the whole app."""
    if st.session_state.pop(APP_RERUN, False):
        st.rerun(scope="app")


def round_key(key: str, round_: int) -> str:
    """A widget's key in a round of a form that starts empty again (round 0: the key itself)."""
    return key if round_ == 0 else f"{key}-{round_}"


def _pager_key(key: str) -> str:
    return round_key(key, st.session_state.get(f"{key}__round", 0))


def first_page(key: str, page: int = 1) -> None:
    """Go to ``page`` (1 after a filter change): a fresh pager widget starting there, since a
    widget's value cannot be set through session state without Streamlit warning about its default."""
    st.session_state[f"{key}__round"] = st.session_state.get(f"{key}__round", 0) + 1
    st.session_state[f"{key}__start"] = page


def paginate(total: int, size: int, key: str) -> tuple[int, int]:
    """A page picker for ``total`` rows, ``size`` per page; the slice of rows to show."""
    pages = max(1, -(-total // size))
    if st.session_state.get(_pager_key(key), 1) > pages:
        first_page(key)  # rows went away (a filter, a merge): start again from a page that exists
    page = st.pagination(pages, key=_pager_key(key), default=min(st.session_state.get(f"{key}__start", 1), pages)) \
        if pages > 1 else 1
    start = (page - 1) * size
    return start, min(start + size, total)


def pager_below(total: int, size: int, key: str, page: int) -> None:
    """A second page picker under a long list, showing ``page`` as the one above does: choosing
    a page here moves both (each is then a fresh widget starting on it)."""
    pages = max(1, -(-total // size))
    if pages <= 1:
        return
    below = f"{_pager_key(key)}-below-{page}"  # a new widget per page shown above: it starts there
    st.pagination(pages, key=below, default=page, on_change=lambda: first_page(key, st.session_state[below]))


def analyst() -> str:
    """The analyst's name as typed in the sidebar ("" when none)."""
    return (st.session_state.get(ANALYST) or "").strip()


@st.fragment(key=COUNTS_FRAGMENT)
def workspace_counts() -> None:
    """The workspace's size and decisions: a fragment, so a decision that redraws only its card
    redraws these too (the sidebar said "0 decisions" after one)."""
    numbers = counts()
    st.caption(f"{plural(numbers['articles'], 'article')} · {plural(numbers['statements'], 'statement')} · "
               f"{plural(numbers['groups'], 'group')} ({plural(numbers['conflicts'], 'conflict')}) · "
               f"{plural(numbers['decisions'], 'decision')}")
    if numbers["last_analysis"]:
        st.caption(f"Last analysis: {render.markdown_literal(numbers['last_analysis'])}")


def sidebar() -> None:
    """The workspace this app serves, its size and who is deciding."""
    path = Path(workspace_path())
    with st.sidebar:
        st.markdown(f"**Workspace:** {render.markdown_literal(path.name)}")
        st.caption(render.markdown_literal(str(path)))
        workspace_counts()
        # The name also rides in the address (?analyst=…), so a reload or a link opened from the
        # article reader keeps it: decisions are not stored without their author.
        if not st.session_state.get(ANALYST) and st.query_params.get(ANALYST):
            st.session_state[ANALYST] = st.query_params[ANALYST]
        st.text_input("Your name (kept with your decisions)", key=ANALYST, persist_state="session")
        name = (st.session_state.get(ANALYST) or "").strip()
        if name:
            st.query_params[ANALYST] = name
        else:
            st.query_params.pop(ANALYST, None)
            st.warning("Who is reviewing? Type your name above: decisions made without one are stored "
                       "unattributed.", icon=":material/person:")
        reading_language_picker(name)
