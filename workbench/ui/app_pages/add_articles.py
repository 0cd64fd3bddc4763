"""Add articles: upload files, give web addresses or paste text; they are ingested and the
analysis re-runs at once.

Uploads are limited to UPLOAD_LIMIT_MB per file, the one figure the box and the caption
show: the box refuses a bigger file, and ``data.save_uploads`` checks again.
Analyst decisions are kept: analysis never touches them.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from workbench import WorkbenchError
from workbench.ui import UPLOAD_LIMIT_MB, data, state


def _progress_bar() -> Callable[[str, int, int], None]:
    bar = st.progress(0.0, text="Starting…")

    def report(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{stage}: {done:,} of {total:,}")

    return report


def _run(label: str, work: Callable[..., list[dict[str, str]]]) -> None:
    """Run an ingest with a progress display; keep its report for the page to show after the rerun."""
    with st.status(label, expanded=True) as status:
        try:
            with state.locked() as wb:
                rows = work(wb, _progress_bar())
        except WorkbenchError as error:
            status.update(label="Analysis failed", state="error")
            state.flash("error", f"The articles were stored but the analysis failed: {error}")
            rows = []
        else:
            status.update(label="Done", state="complete")
    st.session_state[state.ADD_REPORT] = rows


st.title("Add articles")
state.show_flash()
accepted = ", ".join(data.ACCEPTED_SUFFIXES)
st.caption(f"Files: {accepted}; up to {UPLOAD_LIMIT_MB} MB each, as the box says (it marks a bigger one in red and "
           "does not send it). Rows of .jsonl/.csv files need a `text` field (`title`, "
           "`url`, `source`, `published`, `lang` optional). After adding, the whole workspace is analysed again; "
           "your review decisions are kept.")

upload_round = st.session_state.setdefault(state.UPLOAD_ROUND, 0)
files = st.file_uploader("Article files", accept_multiple_files=True, key=f"uploads-{upload_round}",
                         max_upload_size=UPLOAD_LIMIT_MB)
if st.button("Add and analyse the files", key="add-files", type="primary", disabled=not files):
    uploads = [(uploaded.name, uploaded.getvalue()) for uploaded in files]
    _run(f"Adding {len(uploads)} file(s)…",
         lambda wb, progress: data.add_uploads(wb, uploads, limit_mb=UPLOAD_LIMIT_MB, progress=progress))
    st.session_state[state.UPLOAD_ROUND] = upload_round + 1  # a fresh, empty uploader: these files are stored now
    st.rerun()

with st.form("by-url", clear_on_submit=True):
    st.markdown("**…or add by URL**")
    addresses = st.text_area("Web addresses, one per line", height=110, key="url-list",
                             placeholder="https://www.example.org/news/article-1")
    st.caption("Each page is fetched (http:// and https:// only, within the time, size and redirect limits of the "
               "ingest.url_timeout, ingest.max_page_mb and ingest.max_redirects settings), its article text, title, "
               "date and outlet are read, and a page already stored is not stored again. A page that cannot be read "
               "is listed with the reason.")
    fetch = st.form_submit_button("Fetch and analyse", key="add-urls")
if fetch:
    if not addresses.strip():
        st.session_state[state.ADD_REPORT] = [{"file": "web addresses", "status": "rejected",
                                               "detail": "no address given", "article_id": ""}]
    else:
        _run("Fetching the pages…", lambda wb, progress: data.add_urls(wb, addresses, progress=progress))
    st.rerun()

# Not cleared on submit: a paste refused (its URL, say) keeps what was typed for the analyst to correct.
# Once it is stored, the next round's fresh keys give an empty form.
paste_round = st.session_state.setdefault(state.PASTE_ROUND, 0)
with st.form("paste"):
    st.markdown("**…or paste an article**")
    text = st.text_area("Text", height=200, key=state.round_key("paste-text", paste_round))
    title_column, url_column = st.columns(2)
    title = title_column.text_input("Title (optional)", key=state.round_key("paste-title", paste_round))
    url = url_column.text_input("URL (optional)", key=state.round_key("paste-url", paste_round))
    pasted = st.form_submit_button("Add and analyse the text", key="add-pasted")
if pasted:
    if not text.strip():
        st.session_state[state.ADD_REPORT] = [{"file": "pasted text", "status": "rejected", "detail": "the text is empty",
                                               "article_id": ""}]
    else:
        _run("Adding the pasted article…",
             lambda wb, progress: data.add_pasted(wb, text, title=title, url=url, progress=progress))
        if not any(row["status"] == "rejected" for row in st.session_state[state.ADD_REPORT]):
            st.session_state[state.PASTE_ROUND] = paste_round + 1
    st.rerun()

report = st.session_state.get(state.ADD_REPORT)
if report:
    rejected = [row for row in report if row["status"] == "rejected"]
    added = [row for row in report if row["status"] == "added"]
    st.subheader("Last batch")
    st.caption(f"{len(added)} added · {len(report) - len(added) - len(rejected)} already in the workspace · "
               f"{len(rejected)} rejected")
    if rejected:
        st.error(f"{len(rejected)} rejected, with the reason for each:")
        st.dataframe([{"file": row["file"], "reason": row["detail"]} for row in rejected], hide_index=True)
    st.dataframe(report, hide_index=True, column_order=("file", "status", "detail", "article_id"))
    if added:
        st.page_link("app_pages/groups.py", label="See the groups", icon=":material/join_inner:")
