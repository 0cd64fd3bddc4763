"""Groups, the main screen: claim groups ranked conflicts first, statements side by side, review tools."""

from __future__ import annotations

import streamlit as st

from workbench import Decision, WorkbenchError
from workbench.ui import data, render, state
from workbench.words import plural

MEMBER_COLUMNS = 3
MEMBERS_PER_PAGE = 9
LINKS_PER_PAGE = 8
LEAVE_GROUP = "(out of any group)"
UNDO_HELP = "See what undoing this decision changes, then confirm"
VERDICT_NAMES = {"conflicts": "conflict", "corroborates": "corroborate", "underspecified": "underspecified",
                 "related": "related", "unrelated": "unrelated"}


def _first_page() -> None:
    state.first_page(state.GROUPS_PAGE)


FOCUS_MEMBERS = "groups_focus_members"  # group id -> its statements when last shown on its own


def _show_all_groups() -> None:
    st.query_params.pop("group", None)


def sidebar_filters() -> data.GroupFilter:
    with st.sidebar:
        st.subheader("Filter groups")
        st.multiselect("Languages (the group includes all)", state.languages(), key=state.FILTER_LANGUAGES,
                       on_change=_first_page, persist_state="session")
        st.multiselect("Verdict", data.VERDICT_CHOICES, format_func=VERDICT_NAMES.get, key=state.FILTER_VERDICTS,
                       on_change=_first_page, persist_state="session")
        st.multiselect("Tier", data.TIER_CHOICES, key=state.FILTER_TIERS, on_change=_first_page, persist_state="session")
        stories = state.story_table()
        labels = dict(zip(stories["story_id"], stories["story_label"]))
        st.multiselect("Story", list(labels), format_func=lambda sid: render.short(labels.get(sid, sid), 60),
                       key=state.FILTER_STORIES, on_change=_first_page, persist_state="session")
        st.text_input("Article (id, or words of its title or source)", key=state.FILTER_ARTICLE,
                      on_change=_first_page, persist_state="session")
        st.text_input("Statement text contains", key=state.FILTER_TEXT, on_change=_first_page, persist_state="session")
        st.selectbox("Groups per page", state.GROUP_PAGE_SIZES, key=state.GROUPS_PAGE_SIZE, on_change=_first_page,
                     persist_state="session")
    return state.current_filter()


# -- review callbacks: they read the submitted form values and hand them to the library -------

# Each passes the statements to follow, so the message says where their groups are now.

def _set_verdict(group_id: str, members: tuple[str, ...], key: str) -> None:
    state.decide(f"Verdict set to {st.session_state[key]}", "set_verdict", group_id, st.session_state[key],
                 follow=members)


def _add_note(group_id: str, statement_ids: tuple[str, ...], key: str) -> None:
    text = (st.session_state.get(key) or "").strip()
    if not text:
        state.flash("error", "Not done: the note is empty")
        return
    state.decide("Note added", "add_note", "group", statement_ids, text)


def _move(members: tuple[str, ...], statement_key: str, target_key: str, other_key: str) -> None:
    target = (st.session_state.get(other_key) or "").strip() or st.session_state[target_key]
    to_group = None if target == LEAVE_GROUP else target
    state.decide("Statement moved" if to_group else "Statement taken out of its group", "move_statement",
                 st.session_state[statement_key], to_group, follow=members)


def _split(group_id: str, members: tuple[str, ...], key: str) -> None:
    state.decide("Group split", "split_group", group_id, tuple(st.session_state.get(key) or ()), follow=members)


def _merge(group_id: str, members: tuple[str, ...], chosen_key: str, typed_key: str) -> None:
    typed = [part for part in (st.session_state.get(typed_key) or "").replace(",", " ").split() if part]
    others = list(dict.fromkeys([*(st.session_state.get(chosen_key) or ()), *typed]))
    state.decide("Groups merged", "merge_groups", [group_id, *others], follow=members)


# -- one group ---------------------------------------------------------------------------------

def group_card(view: data.GroupView, neighbours: tuple[data.GroupView, ...]) -> None:
    """A fragment keyed by its group: paging through a big group's statements or links, or a link
    decision that moves no statement, redraws this card only (with the sidebar's counts)."""
    st.fragment(_group_card, key=state.card_fragment(view.group.group_id))(view, neighbours)


def _group_card(view: data.GroupView, neighbours: tuple[data.GroupView, ...]) -> None:
    state.rerun_app_if_decided()
    alone = state.card_changed_alone()
    if alone:
        view = state.group_views((view.group.group_id,))[0]
    group = view.group
    cards = reading_cards(view)
    with st.container(border=True, key=f"group-{group.group_id}"):
        if alone:
            state.show_flash()
        st.html(render.group_header(view, state.analyst(), state.reading_language()))
        pair = view.key_members()
        if pair:
            # The two statements that disagree come first, side by side, with why they conflict.
            st.html(render.conflict_heading(view.key_pair))
            for column, member in zip(st.columns(2), pair):
                with column:
                    st.html(cards[member.statement.statement_id])
            if len(view.members) > len(pair):
                others = len(view.members) - len(pair)
                st.markdown(f"**The other {plural(others, 'statement')} of this group**" if others > 1
                            else "**The other statement of this group**")
        else:
            st.html(render.explanation(group.explanation))
        members_panel(view, cards, skip={m.statement.statement_id for m in pair})
        if pair:  # the whole group's verdict, below its statements
            st.html(render.explanation(group.explanation, view.key_pair))
        figures_over_time(view)
        links_panel(view)
        # The review forms are most of a page's widgets: they are built only while their
        # expander is open (its state is st.session_state["review-<group id>"]), so the page a
        # fact-checker first sees draws fast.
        with st.expander("Review this group: verdict, note, move, split, merge, undo", key=f"review-{group.group_id}",
                         on_change="rerun") as review:
            if review.open:
                review_tools(view, neighbours)


def reading_cards(view: data.GroupView) -> dict[str, str]:
    """Each member's card; one in a language other than the reader's carries a reading aid."""
    aids = state.reading_aids([(m.statement.statement_id, m.statement.language, m.statement.text)
                               for m in view.members])
    return {m.statement.statement_id: render.statement_card(m, aid=aids.get(m.statement.statement_id, ""))
            for m in view.members}


def figures_over_time(view: data.GroupView) -> None:
    """A small chart of the claim's figures by date and language, where three or more are dated:
    a figure that grew over time reads as a line going up, not as a contradiction."""
    timeline = data.figure_timeline(view)
    if timeline.empty:
        return
    unit = str(timeline["unit"].iloc[0])
    st.markdown(f"**Figures over time** ({render.markdown_literal(unit)}, as reported; a bar spans what the "
                "wording allows)")
    st.vega_lite_chart(timeline, render.timeline_spec(unit), width="stretch", height=220,
                       alt=f"The {unit} figures of this claim by publication date")


def members_panel(view: data.GroupView, cards: dict[str, str], skip: set[str]) -> None:
    members = [m for m in view.members if m.statement.statement_id not in skip]
    start, end = state.paginate(len(members), MEMBERS_PER_PAGE, f"members-{view.group.group_id}")
    shown = members[start:end]
    for row in range(0, len(shown), MEMBER_COLUMNS):
        for column, member in zip(st.columns(MEMBER_COLUMNS), shown[row:row + MEMBER_COLUMNS]):
            with column:
                st.html(cards[member.statement.statement_id])


def links_panel(view: data.GroupView) -> None:
    group_id = view.group.group_id
    if not view.links:
        st.caption("No scored links: this group was made by hand.")
        return
    st.markdown("**Links and the scores behind them**")
    texts = {m.statement.statement_id: (m.statement.language, m.statement.text) for m in view.members}
    start, end = state.paginate(len(view.links), LINKS_PER_PAGE, f"links-{group_id}")
    for link_view in view.links[start:end]:
        a, b = link_view.link.key
        summary, first, second = st.columns([10, 1.4, 1.4], vertical_alignment="center")
        summary.html(render.link_summary(link_view, texts, view.key_pair if view.key_members() else None))
        decision = link_view.decision
        if decision is None:
            first.button("Accept", key=f"accept-{group_id}-{a}-{b}", on_click=state.propose_link,
                         args=("accept_link", a, b), help="These two statements state the same fact: see what it "
                                                          "changes, then confirm")
            second.button("Reject", key=f"reject-{group_id}-{a}-{b}", on_click=state.propose_link,
                          args=("reject_link", a, b), help="Never group these two together: see what it changes, "
                                                           "then confirm")
            pending = st.session_state.get(state.PENDING_LINK)
            if pending is not None and pending[1:] == (a, b):
                link_preview(group_id, *pending)
        else:
            first.button("Undo", key=f"undo-link-{group_id}-{a}-{b}", on_click=state.propose_undo,
                         args=(decision.decision_id, "link"), help=UNDO_HELP)
            undo_panel(view, decision, "link")


def undo_panel(view: data.GroupView, decision: Decision, place: str) -> None:
    """Once the Undo of ``decision`` at ``place`` is pressed: what undoing it would change, with
    Confirm and Cancel (an undo moves statements as a decision does)."""
    if st.session_state.get(state.PENDING_UNDO) != (decision.decision_id, place):
        return
    group_id = view.group.group_id
    try:
        effects = state.undo_effects(decision.decision_id)
    except WorkbenchError as error:
        st.error(render.markdown_literal(f"Cannot undo: {error}"))
        return
    with st.container(border=True, key=f"undo-preview-{group_id}-{decision.decision_id}"):
        st.html(render.decision_effects(f"Undoing decision #{decision.decision_id} "
                                        f"({render.DECISION_WORDS.get(decision.kind, decision.kind)})", effects))
        confirm, cancel = st.columns(2)
        confirm.button("Confirm: undo", type="primary", key=f"confirm-undo-{group_id}-{decision.decision_id}",
                       on_click=state.confirm_undo,
                       args=(decision.decision_id, (*decision.statement_ids, *decision.target_ids)))
        cancel.button("Cancel", key=f"cancel-undo-{group_id}-{decision.decision_id}", on_click=state.cancel_undo)


def link_preview(group_id: str, kind: str, a: str, b: str) -> None:
    """A link decision's effects, shown before it is made, with Confirm and Cancel."""
    verb = "Accepting" if kind == "accept_link" else "Rejecting"
    effects = state.link_effects(kind, a, b)
    with st.container(border=True, key=f"preview-{group_id}-{a}-{b}"):
        st.html(render.decision_effects(f"{verb} this link", effects))
        confirm, cancel = st.columns(2)
        confirm.button(f"Confirm: {'accept' if kind == 'accept_link' else 'reject'}", type="primary",
                       key=f"confirm-{group_id}-{a}-{b}", on_click=state.confirm_link, args=(kind, a, b, group_id))
        cancel.button("Cancel", key=f"cancel-{group_id}-{a}-{b}", on_click=state.cancel_link)


def review_tools(view: data.GroupView, neighbours: tuple[data.GroupView, ...]) -> None:
    group = view.group
    group_id = group.group_id
    member_text = {m.statement.statement_id: f"[{m.statement.language}] {render.short(m.statement.text)}"
                   for m in view.members}
    others = {n.group.group_id: f"{n.group.group_id} · {n.group.verdict or 'no verdict'} · "
                                f"{','.join(n.group.languages)} · {render.short(n.members[0].statement.text, 60)}"
              for n in neighbours if n.group.group_id != group_id and n.members}
    verdict_column, note_column = st.columns(2)
    with verdict_column.form(f"verdict-form-{group_id}", border=False):
        key = f"verdict-{group_id}"
        current = data.VERDICT_CHOICES.index(group.verdict) if group.verdict in data.VERDICT_CHOICES else 0
        st.selectbox("Verdict", data.VERDICT_CHOICES, index=current, key=key, format_func=VERDICT_NAMES.get)
        st.form_submit_button("Set verdict", key=f"verdict-submit-{group_id}", on_click=_set_verdict,
                             args=(group_id, group.statement_ids, key))
    with note_column.form(f"note-form-{group_id}", border=False, clear_on_submit=True):
        key = f"note-{group_id}"
        st.text_area("Note on this group", key=key, height=80)
        st.form_submit_button("Add note", key=f"note-submit-{group_id}", on_click=_add_note,
                             args=(group_id, group.statement_ids, key))

    move_column, split_column, merge_column = st.columns(3)
    with move_column.form(f"move-form-{group_id}", border=False):
        statement_key, target_key, other_key = f"move-s-{group_id}", f"move-t-{group_id}", f"move-o-{group_id}"
        st.selectbox("Move statement", list(member_text), format_func=member_text.get, key=statement_key)
        st.selectbox("into", [LEAVE_GROUP, *others], format_func=lambda g: others.get(g, g), key=target_key)
        st.text_input("…or into the group with this id", key=other_key)
        st.form_submit_button("Move", key=f"move-submit-{group_id}", on_click=_move,
                             args=(group.statement_ids, statement_key, target_key, other_key))
    with split_column.form(f"split-form-{group_id}", border=False):
        key = f"split-{group_id}"
        st.multiselect("Split these statements off", list(member_text), format_func=member_text.get, key=key)
        st.form_submit_button("Split", key=f"split-submit-{group_id}", on_click=_split,
                             args=(group_id, group.statement_ids, key))
    with merge_column.form(f"merge-form-{group_id}", border=False):
        chosen_key, typed_key = f"merge-c-{group_id}", f"merge-t-{group_id}"
        st.multiselect("Merge with groups on this page", list(others), format_func=others.get, key=chosen_key)
        st.text_input("…or with these group ids", key=typed_key)
        st.form_submit_button("Merge", key=f"merge-submit-{group_id}", on_click=_merge,
                             args=(group_id, group.statement_ids, chosen_key, typed_key))

    if view.decisions:
        st.markdown("**Decisions on these statements**")
        for decision in view.decisions:
            line, undo = st.columns([10, 1.4], vertical_alignment="center")
            line.html(render.decision_line(decision))
            undo.button("Undo", key=f"undo-{group_id}-{decision.decision_id}", on_click=state.propose_undo,
                        args=(decision.decision_id, "review"), help=UNDO_HELP)
            undo_panel(view, decision, "review")
    if view.undone:
        st.markdown("**Undone decisions on these statements** (kept in the audit trail)")
        for decision in reversed(view.undone):
            st.html(render.decision_line(decision))


# -- the page ------------------------------------------------------------------------------------

st.title("Claim groups")
state.show_flash()
for note in state.status_notes():
    st.info(render.markdown_literal(note), icon=":material/schedule:")
table = state.group_table()
wanted = sidebar_filters()
if table.empty:
    st.info("No claim groups yet. Add articles: they are analysed as soon as they are added.")
    st.page_link("app_pages/add_articles.py", label="Add articles", icon=":material/upload_file:")
    st.stop()

focus = st.query_params.get("group", "")
if focus:
    rows = table[table["group_id"] == focus]
    remembered = st.session_state.get(FOCUS_MEMBERS, {})
    if rows.empty and focus in remembered:
        # A group's id follows its members: after a move or split, follow the group most of them are in.
        with state.locked() as wb:
            followed = data.successor(wb.store, remembered[focus])
        if followed:
            st.info(f"Group {render.markdown_literal(focus)} changed with your decision; this is {followed}, "
                    "which holds most of its statements now.")
            st.query_params["group"] = focus = followed
            rows = table[table["group_id"] == focus]
    if not rows.empty:
        with state.locked() as wb:
            remembered[focus] = list(next(iter(data.groups_by_id(wb.store, [focus]).values())).statement_ids)
        st.session_state[FOCUS_MEMBERS] = remembered
    st.button("Show all groups", on_click=_show_all_groups, icon=":material/arrow_back:")
    if rows.empty:
        st.warning(f"Group {render.markdown_literal(focus)} is not in this workspace any more: a decision or a new "
                   "analysis regrouped its statements.")
else:
    rows = state.filtered_groups(wanted)

conflicts = int((rows["verdict"] == "conflicts").sum())
scope = "shown" if focus else ("match the filters" if wanted.active else "in this workspace")
st.caption(f"{len(rows):,} of {plural(len(table), 'group')} {scope} · {plural(conflicts, 'conflict')} · ranked "
           "conflicts first, then by how many languages and articles they span")
size = st.session_state.get(state.GROUPS_PAGE_SIZE) or state.GROUP_PAGE_SIZES[0]
start, end = state.paginate(len(rows), size, state.GROUPS_PAGE)
page_rows = rows.iloc[start:end]
page_views = tuple(state.group_views(tuple(page_rows["group_id"])))
story_summary = state.story_table().set_index("story_id")
shown_story = None
for story_id, group_view in zip(page_rows["story_id"], page_views):
    if story_id != shown_story:
        # A story's claim groups follow its header: the facts inside one news event, side by side.
        shown_story = story_id
        summary = story_summary.loc[story_id] if story_id in story_summary.index else None
        st.html(render.story_header(story_id, summary))
    group_card(group_view, page_views)
state.pager_below(len(rows), size, state.GROUPS_PAGE, start // size + 1)
