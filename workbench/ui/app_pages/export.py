"""Export: the evidence tables (with analyst decisions and notes), the run manifest and the
analysts' verdicts as ClaimReview, as downloads.

Files are built only when a button is clicked (a callable ``data``), and the
buttons use ``on_click="ignore"``, so a download never reruns or resets the page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from workbench.ui import data, state
from workbench.words import plural

PREVIEW_GROUPS = 10
WHOLE, FILTERED = "whole", "filtered"


def _file(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """Deferred file contents: built on click in Streamlit's download thread, under the workspace lock."""

    def deferred() -> bytes:
        with lock:
            return build()

    return deferred


st.title("Export")
state.show_flash()
workbench = state.workbench()
lock = state.workspace_lock()
name = workbench.config.workspace_name
wanted = state.current_filter()
filtered_ids = tuple(state.filtered_groups(wanted)["group_id"]) if wanted.active else None

scope = st.radio("Rows", (WHOLE, FILTERED), horizontal=True, key=state.EXPORT_SCOPE, persist_state="session",
                 format_func={WHOLE: "The whole workspace", FILTERED: "The groups matching the current filter"}.get)
group_ids = filtered_ids if scope == FILTERED else None
if scope == FILTERED:
    if filtered_ids is None:
        st.info("No filter is set on the Groups page, so this is the whole workspace.")
    else:
        st.caption(f"{plural(len(filtered_ids), 'group')} {'matches' if len(filtered_ids) == 1 else 'match'} the "
                   "filter set on the Groups page.")
fmt = st.radio("Format", tuple(data.EXPORT_FORMATS), format_func=data.EXPORT_FORMATS.get, horizontal=True,
               key=state.EXPORT_FORMAT, persist_state="session")
suffix = "" if group_ids is None else "-filtered"

for table, label in data.EXPORT_TABLES.items():
    st.download_button(
        f"{label}", key=f"download-{table}", icon=":material/download:", on_click="ignore",
        data=_file(lambda table=table: data.export_bytes(workbench, table, fmt, group_ids)),
        file_name=f"{name}-{table}{suffix}.{fmt}", mime=data.MIME_TYPES[fmt],
    )
st.download_button("Run manifest (run.json: version, settings, inputs with SHA-256, counts, timings)",
                   key="download-manifest", icon=":material/download:", on_click="ignore",
                   data=_file(lambda: data.manifest_bytes(workbench)), file_name=f"{name}-run.json",
                   mime=data.MIME_TYPES["json"])
st.download_button("Everything in one ZIP (all tables and run.json)", key="download-zip", icon=":material/folder_zip:",
                   on_click="ignore", data=_file(lambda: data.export_zip(workbench, fmt, group_ids)),
                   file_name=f"{name}-evidence{suffix}-{fmt}.zip", mime=data.MIME_TYPES["zip"], type="primary")

with state.locked() as wb:
    reviews = data.claim_review_count(wb.store)
publisher = workbench.config.publish
ready = reviews and publisher.organization.strip() and publisher.url
st.download_button(f"ClaimReview (JSON-LD, schema.org) for the {reviews} group(s) whose verdict an analyst set",
                   key="download-claimreview", icon=":material/fact_check:", on_click="ignore", disabled=not ready,
                   data=_file(lambda: data.claimreview_bytes(workbench)) if ready else b"",
                   file_name=f"{name}-claimreview.jsonld", mime=data.MIME_TYPES["jsonld"])
if not reviews:
    st.caption("No ClaimReview yet: it publishes only verdicts an analyst set (Groups page, Review this group, Set "
               "verdict); computed verdicts are never published.")
elif not ready:
    st.caption("ClaimReview names its publisher: set publish.organization and publish.url (Settings file or "
               "`--set` when starting `workbench ui`).")

st.subheader("Preview")
preview_ids = tuple(state.filtered_groups(wanted if scope == FILTERED else data.GroupFilter())["group_id"][:PREVIEW_GROUPS])
st.caption(f"The groups evidence table for the first {plural(len(preview_ids), 'group')} in rank order; the download "
           "holds all.")
st.dataframe(state.export_preview(preview_ids), hide_index=True)
with state.locked() as wb:
    decisions = data.decision_rows(wb.store)
active = int(decisions['active'].sum()) if len(decisions) else 0
st.caption(f"{plural(active, 'active analyst decision')} ({len(decisions):,} recorded, undone ones included); "
           "the latest:")
st.dataframe(decisions.tail(20), hide_index=True)
