"""The browser workbench's entry point: ``streamlit run app.py -- --workspace FOLDER``.

``workbench ui`` builds that command (see :func:`workbench.ui.streamlit_options`).
This file only sets up the page, the shared style and the sidebar, and routes to
one page file per screen under ``app_pages/``; the Groups page comes first.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench.ui import render, state

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="Claim workbench", page_icon="🔎", layout="wide")

navigation = st.navigation([
    st.Page(PAGES / "groups.py", title="Groups", icon=":material/join_inner:", default=True),
    st.Page(PAGES / "corpus.py", title="Corpus", icon=":material/article:", url_path="corpus"),
    st.Page(PAGES / "add_articles.py", title="Add articles", icon=":material/upload_file:", url_path="add"),
    st.Page(PAGES / "search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page(PAGES / "export.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page(PAGES / "settings.py", title="Settings", icon=":material/tune:", url_path="settings"),
])
state.start_app_run()
st.html(render.STYLE)
state.sidebar()
navigation.run()
