"""Search: a claim in any language against every statement, nearest first, in all languages."""

from __future__ import annotations

import streamlit as st

from workbench import WorkbenchError
from workbench.pipeline import SearchHit
from workbench.ui import data, render, state
from workbench.words import plural

HITS_PER_PAGE = 10
ALL_LANGUAGES = "(all languages)"


def _selected(hits: list[dict]) -> list[str]:
    return [hit["statement_id"] for hit in hits if st.session_state.get(f"pick-{hit['statement_id']}")]


NEW_GROUP = "search_new_group"


def _new_group(statement_ids: list[str]) -> None:
    state.decide(f"New group started from {plural(len(statement_ids), 'statement')}", "new_group", statement_ids,
                 follow=statement_ids)
    for statement_id in statement_ids:
        st.session_state[f"pick-{statement_id}"] = False
    hits = (st.session_state.get(state.SEARCH_RESULTS) or {}).get("hits", [])
    with state.locked() as wb:
        group_of = data.group_of(wb.store, [hit["statement_id"] for hit in hits] + list(statement_ids))
    st.session_state[NEW_GROUP] = group_of.get(statement_ids[0], "")
    for hit in hits:  # the hits show the groups they are in now
        hit["group_id"] = group_of.get(hit["statement_id"], "")


@st.fragment
def results() -> None:
    """A fragment: ticking results or paging through them does not rerun the search."""
    state.rerun_app_if_decided()
    found = st.session_state.get(state.SEARCH_RESULTS)
    if not found:
        return
    hits = found["hits"]
    if found.get("unsearched"):
        st.info(f"{plural(found['unsearched'], 'statement')} ingested since the last analysis "
                f"{'is' if found['unsearched'] == 1 else 'are'} not searched: the workspace "
                "is read-only.", icon=":material/lock:")
    st.caption(f"The {plural(len(hits), 'nearest statement')} to «{render.markdown_literal(found['query'])}», best "
               "first: each by how much closer it is than the query's usual in its language (so the query's own "
               "language does not crowd out the others), a little lower when it is close to many statements, a little "
               "higher when it counts what the query counts")
    if not hits:
        st.info("Nothing found.")
        return
    created = st.session_state.get(NEW_GROUP)
    if created:
        st.page_link("app_pages/groups.py", label=f"Open the new group {created}", query_params={"group": created},
                     icon=":material/join_inner:")
    start, end = state.paginate(len(hits), HITS_PER_PAGE, state.SEARCH_PAGE)
    shown = hits[start:end]
    with state.locked() as wb:
        claims = data.claims_for(wb.store, [hit["statement_id"] for hit in shown])
    table = state.group_table()
    verdicts = dict(zip(table["group_id"], table["verdict"])) if not table.empty else {}
    aids = state.reading_aids([(hit["statement_id"], hit["language"], hit["text"]) for hit in shown])
    for hit in shown:
        pick, card = st.columns([0.6, 12], vertical_alignment="center")
        pick.checkbox("pick", key=f"pick-{hit['statement_id']}", label_visibility="collapsed")
        card.html(render.search_hit(SearchHit(**hit), analyst=state.analyst(), reader=state.reading_language(),
                                    claims=claims.get(hit["statement_id"]), verdict=verdicts.get(hit["group_id"]),
                                    aid=aids.get(hit["statement_id"], "")))
    chosen = _selected(hits)
    st.button(f"Start a new group from the {plural(len(chosen), 'ticked statement')}", disabled=len(chosen) < 2,
              key="search-new-group", on_click=_new_group, args=(chosen,), type="primary",
              help="Tick two or more results: they leave their current groups and form a new one")


st.title("Search")
state.show_flash()
languages = state.languages()
with st.form("search"):
    query = st.text_input("A claim, in any language", key="search_query",
                          placeholder="e.g. North Korea sent Russia a million shells")
    language_column, top_column = st.columns(2)
    language = language_column.selectbox("Only statements in", [ALL_LANGUAGES, *languages])
    top = top_column.number_input("How many results", min_value=5, max_value=200, value=30, step=5)
    submitted = st.form_submit_button("Search", key="search-submit", type="primary")
if submitted and query.strip():
    try:
        with st.spinner("Searching…"), state.locked() as wb:
            hits = wb.search(query, language=None if language == ALL_LANGUAGES else language, top=int(top))
    except WorkbenchError as error:
        st.error(render.markdown_literal(str(error)))
    else:
        st.session_state[state.SEARCH_RESULTS] = {"query": query, "hits": [hit.to_dict() for hit in hits],
                                                  "unsearched": wb.unsearched}
        st.session_state.pop(NEW_GROUP, None)
        state.first_page(state.SEARCH_PAGE)
results()
