"""Corpus: the articles with language, statement counts and boilerplate share; a reader for one article."""

from __future__ import annotations

import streamlit as st

from workbench.ui import data, render, state
from workbench.words import plural

STATEMENTS_PER_WINDOW = 150


def _first_page() -> None:
    state.first_page(state.CORPUS_PAGE)


@st.fragment
def reader(article_id: str) -> None:
    """A fragment: paging through a long article redraws the reader only."""
    state.rerun_app_if_decided()
    with state.locked() as wb:
        total = wb.store.count_statements(article_id=article_id)
    start, _ = state.paginate(total, STATEMENTS_PER_WINDOW, f"reader-{article_id}")
    with state.locked() as wb:
        window = data.article_window(wb.store, article_id, first=start, size=STATEMENTS_PER_WINDOW)
    if window is None:
        st.warning("This article is not in the workspace.")
        return
    article = window.article
    st.html(render.article_heading(data.shown_title(article.title, article.text), article.source, article.url,
                                   article.language, article.published))
    st.html(render.LEGEND)
    st.html(render.article_text(window, analyst=state.analyst(), reader=state.reading_language()))
    grouped = list(dict.fromkeys(window.groups.values()))
    if grouped:
        st.markdown("**Groups these statements belong to**")
        for group_id in grouped:
            st.page_link("app_pages/groups.py", label=f"Open group {group_id}", query_params={"group": group_id},
                         icon=":material/join_inner:")


st.title("Corpus")
state.show_flash()
table = state.article_table()
if table.empty:
    st.info("The workspace holds no articles yet.")
    st.page_link("app_pages/add_articles.py", label="Add articles", icon=":material/upload_file:")
    st.stop()

needle = st.text_input("Find articles (words of the title or source, or an article id)", key=state.CORPUS_FILTER,
                       on_change=_first_page)
rows = table
if needle.strip():
    rows = table[table["article_id"].isin(state.articles_matching(needle))]
st.caption(f"{len(rows):,} of {plural(len(table), 'article')} · {plural(int(rows['statements'].sum()), 'statement')}")
start, end = state.paginate(len(rows), state.ROWS_PER_PAGE, state.CORPUS_PAGE)
page = rows.iloc[start:end]
st.dataframe(
    page[["title", "language", "statements", "boilerplate", "boilerplate_share", "groups", "source", "outlet",
          "published", "article_id"]],
    hide_index=True,
    column_config={
        "boilerplate_share": st.column_config.ProgressColumn("boilerplate share", min_value=0.0, max_value=1.0,
                                                             format="percent"),
        "boilerplate": st.column_config.NumberColumn("boilerplate statements"),
    },
)

linked = st.query_params.get("article", "")
choices = list(page["article_id"])
if linked in set(table["article_id"]) and linked not in choices:
    choices.insert(0, linked)
titles = dict(zip(table["article_id"], table["title"]))
if choices:
    chosen = st.selectbox("Open an article", choices, key=state.CORPUS_ARTICLE,
                          index=choices.index(linked) if linked in choices else 0,
                          format_func=lambda aid: f"{render.short(titles.get(aid) or '(untitled)', 90)} · {aid}")
    reader(chosen)
