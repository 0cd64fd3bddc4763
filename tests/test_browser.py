"""End to end in a real browser: `workbench ui` in a subprocess, Debian's headless chromium driven by Playwright.

The fact-checker's path from the issue: open the groups view, find the 1 million
against 5 million shells conflict, accept one of its links, reload and see the
decision kept, then download the evidence table and find the decision in it.
Playwright's own browser download cannot work here, so the test drives
``/usr/bin/chromium`` (``make browser-deps`` installs it) and is skipped without it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pandas as pd
import pytest

from workbench import Config, Workbench

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parent / "output"
XSS_TITLE = "Reprise <script>alert(1)</script><img src=x onerror=alert(1)>"
STARTUP_SECONDS = 300  # a guard against a server that never answers, not a speed check
FIRST_LOAD_CEILING_S = 20.0
DECISION_CEILING_S = 5.0
SHELLS_CONFLICT_TEXTS = ["CONFLICT", "more than 1,000,000 shell", "nearly 5,000,000 shell"]
# True once a group card holds every one of the texts passed in
A_CARD_SHOWS = """texts => [...document.querySelectorAll("div[class*='st-key-group-']")].some(
    card => texts.every(text => card.innerText.includes(text)))"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`workbench ui` exited with {process.returncode}: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"`workbench ui` did not answer at {url} within {seconds:.0f} s")


@contextlib.contextmanager
def serving(workspace: Path, workbench_home: Path) -> Iterator[str]:
    """`workbench ui` on ``workspace`` at a free port, stopped (with its streamlit child) afterwards."""
    port = free_port()
    url = f"http://localhost:{port}"
    # its own session, so the streamlit child of `workbench ui` is stopped with it
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "ui", "--workspace", str(workspace), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "WORKBENCH_HOME": str(workbench_home)},
    )
    try:
        wait_until_healthy(url, process, STARTUP_SECONDS)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (`make browser-deps` installs it)")


@pytest.fixture(scope="module")
def served_samples(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path,
                   workbench_home: Path) -> Iterator[tuple[str, Path]]:
    """The sample corpus analysed, plus an article whose title is markup, served by `workbench ui` on a free port;
    its address and workspace."""
    needs_chromium()
    workspace = tmp_path_factory.mktemp("browser") / "samples"
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        assert not workbench.ingest([samples_dir]).errors
        french = next(s.text for s in workbench.statements(language="fr") if "million de coquilles" in s.text)
        assert workbench.ingest_text(f"{french}\n\nLa source n'a pas été confirmée par Séoul.", title=XSS_TITLE,
                                     url="https://example.org/reprise").status == "added"
        workbench.analyze()
    with serving(workspace, workbench_home) as url:
        yield url, workspace


@pytest.fixture(scope="module")
def served_app(served_samples: tuple[str, Path]) -> str:
    return served_samples[0]


def test_review_the_shells_conflict_in_a_real_browser(served_app: str):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # the first load parses Streamlit's bundle: slow on a small machine
    OUTPUT.mkdir(exist_ok=True)
    alerts: list[str] = []
    requested: list[str] = []
    timings: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: requested.append(request.url))
            page.set_default_timeout(60_000)
            started = time.perf_counter()
            page.goto(served_app)

            def shells_conflict():
                """The group card whose figures read 1,000,000 against 5,000,000 shells."""
                return (page.locator("div[class*='st-key-group-']")
                        .filter(has_text="more than 1,000,000 shell").filter(has_text="nearly 5,000,000 shell").first)

            card = shells_conflict()
            # Timed at the first animation frame that shows it: expect()'s polling, which backs off
            # to a second between tries, would add up to that much to the reading.
            page.wait_for_function(A_CARD_SHOWS, arg=SHELLS_CONFLICT_TEXTS, polling="raf")
            timings["first_load_s"] = time.perf_counter() - started
            expect(card).to_contain_text("CONFLICT")
            expect(card).to_contain_text(XSS_TITLE)  # the markup in a title shows as text
            sidebar = page.locator("[data-testid='stSidebar']")
            expect(sidebar).to_contain_text("0 decisions")
            card.get_by_role("button", name="Accept").first.click()
            expect(card).to_contain_text("Accepting this link")  # what it would change, before it is made
            started = time.perf_counter()
            card.get_by_role("button", name="Confirm: accept").click()
            page.wait_for_function(A_CARD_SHOWS, arg=[*SHELLS_CONFLICT_TEXTS, "link accepted"], polling="raf")
            timings["decision_s"] = time.perf_counter() - started
            expect(card).to_contain_text("link accepted")
            # only the card and the sidebar's counts were redrawn, and the counts know the decision
            expect(sidebar).to_contain_text("1 decision")
            expect(sidebar).not_to_contain_text("0 decisions")

            # The review forms are built when their expander opens, through the real frontend.
            card.get_by_text("Review this group").click()
            expect(card.get_by_role("button", name="Set verdict")).to_be_visible()

            page.reload()
            card = shells_conflict()
            expect(card).to_contain_text("link accepted")
            expect(card.get_by_role("button", name="Undo").first).to_be_visible()
            card.get_by_text("link accepted").first.scroll_into_view_if_needed()
            page.screenshot(path=str(OUTPUT / "browser-shells-conflict-decision-kept.png"))

            page.get_by_role("link", name="Export").click()
            with page.expect_download() as download:
                page.get_by_role("button", name=re.compile(r"^Groups evidence")).click()
            evidence = pd.read_csv(io.BytesIO(Path(download.value.path()).read_bytes()), keep_default_na=False)
            conflict = evidence[evidence["group_verdict"] == "conflicts"]
            assert conflict["decision"].str.contains("link accepted").sum() == 2
            assert set(conflict["quantity_value"].replace("", None).dropna().astype(float)) >= {1_000_000, 5_000_000}
        finally:
            browser.close()
    assert not alerts, f"the page ran script from article text: {alerts}"
    # Everything the page loads (fonts, icons, scripts) comes from the workbench itself: it works offline.
    elsewhere = sorted({url for url in requested if not url.startswith(("data:", "blob:"))
                        and urlsplit(url).hostname not in {"localhost", "127.0.0.1"}})
    assert not elsewhere, f"the page asked the internet for: {elsewhere}"
    (OUTPUT / "browser-timings.json").write_text(json.dumps({k: round(v, 2) for k, v in timings.items()}), encoding="utf-8")
    # Issue 17 aims at 2 s and 0.5 s on the samples (measured here at the frame that shows them:
    # 1.49-1.78 s and 0.21-0.44 s on two cores; browser-timings.json keeps each run's). These are
    # ceilings only, ten times the aims: a fresh clone measured 4.94 s beside another test suite.
    assert timings["first_load_s"] <= FIRST_LOAD_CEILING_S, timings
    assert timings["decision_s"] <= DECISION_CEILING_S, timings


def test_read_decide_and_undo_as_a_reader_of_french_in_a_real_browser(served_samples: tuple[str, Path]):
    """Issue 27's walkthrough through the real frontend: the reading aid of a Bulgarian statement
    for a reader of French, a rejected link whose message links to where its groups are now, and
    an undo that first says what it would change and then leaves its trace on the card."""
    from playwright.sync_api import expect, sync_playwright

    url, workspace = served_samples
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        # the largest group (the Kim-Putin meeting, four reports) loses its weakest link
        group = max(workbench.groups(), key=lambda g: (len(g.statement_ids), g.group_id))
        inside = [link for link in workbench.store.links(list(group.statement_ids))
                  if {link.source_id, link.target_id} <= set(group.statement_ids)]
        a, b = min(inside, key=lambda link: link.score).key
        decisions_before = len(workbench.store.decisions())
    expect.set_options(timeout=60_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(f"{url}/?analyst=Ana")
            page.wait_for_function(A_CARD_SHOWS, arg=SHELLS_CONFLICT_TEXTS, polling="raf")

            # I read: fr, chosen in the sidebar
            page.get_by_role("combobox", name="I read").click()
            page.get_by_role("option", name="fr", exact=True).click()
            bulgarian = page.locator(".wb-card").filter(has_text="близо пет милиона").first
            aid = bulgarian.locator(".wb-aid")
            expect(aid).to_contain_text("Nearest statements in fr")
            expect(aid).to_contain_text("not translations: they may say something else")
            expect(aid).to_contain_text("No machine translation: no translation service is set up")
            lines = aid.locator(".wb-facts").all_inner_texts()
            cosines = [float(re.search(r", cosine (\d\.\d\d):", line).group(1)) for line in lines]
            assert cosines and cosines == sorted(cosines, reverse=True), lines  # closest first
            assert all(line.startswith(("close (", "loosely related (", "⚠ weak (")) for line in lines), lines
            expect(page.locator(".wb-card").filter(has_text="million de coquilles").first.locator(".wb-aid")) \
                .to_have_count(0)  # a statement in the reader's language needs no aid

            # reject a link: the message says where its groups are now, with a link to each
            card = page.locator(f"div[class*='st-key-group-{group.group_id}']")
            # (a button with help text is drawn twice while its tooltip is being set up: take the first)
            card.locator(f".st-key-reject-{group.group_id}-{a}-{b} button").first.click()
            expect(card).to_contain_text("Rejecting this link")
            card.get_by_role("button", name="Confirm: reject").click()
            said = page.locator("[data-testid='stAlertContentSuccess']")
            expect(said).to_contain_text("Link rejected. Now group ")
            expect(said).to_contain_text(" is on page 1 of ")
            with Workbench(Config.load(workspace=str(workspace))) as workbench:
                holder = workbench.store.group_of(a)
                rejected = workbench.store.decisions()[-1]
                assert len(workbench.store.decisions()) == decisions_before + 1 and rejected.kind == "reject_link"
            assert holder and holder != workbench_group_of(workspace, b)
            expect(page.locator("[data-testid='stSidebar']")).to_contain_text(
                f"{decisions_before + 1} decision")
            page.get_by_role("link", name=f"Open group {holder}").click()
            page.wait_for_url(re.compile(rf"group={holder}"))
            assert "read=fr" in page.url and "analyst=Ana" in page.url  # the reader and analyst follow the link
            expect(page.locator("div[class*='st-key-group-']")).to_have_count(1)  # that group alone
            card = page.locator(f"div[class*='st-key-group-{holder}']")
            expect(card).to_be_visible()

            # undo it: first what it would change, then the trace it leaves on the card
            card.get_by_text("Review this group").click()
            card.locator(f".st-key-undo-{holder}-{rejected.decision_id} button").first.click()
            preview = card.locator(f"div[class*='st-key-undo-preview-{holder}-{rejected.decision_id}']")
            expect(preview).to_contain_text(f"Undoing decision #{rejected.decision_id} (link rejected)")
            expect(preview).to_contain_text("would change")
            with Workbench(Config.load(workspace=str(workspace))) as workbench:
                assert workbench.store.decisions()[-1].active  # shown, not undone
            preview.get_by_role("button", name="Confirm: undo").click()
            expect(page.locator("[data-testid='stAlertContentSuccess']")).to_contain_text(
                f"Decision #{rejected.decision_id} undone")
            together = workbench_group_of(workspace, a)
            assert together == workbench_group_of(workspace, b)
            trace = page.locator(f"div[class*='st-key-group-{together}']").locator(".wb-meta", has_text="↺ Undone")
            expect(trace).to_contain_text("↺ Undone by Ana at ")
            expect(trace).to_contain_text(f"#{rejected.decision_id} link rejected by Ana")
        finally:
            browser.close()


def workbench_group_of(workspace: Path, statement_id: str) -> str:
    """The group a statement is in now, as another process reads the workspace."""
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        return workbench.store.group_of(statement_id)


# What an analyst types reaches every later viewer's page: a name (the sidebar box, or the page
# address), a note, a pasted article's title and text, and what is made of them (a verdict set by
# hand reads "related (set by NAME on ...)"). Each payload would load an image or make a link.
INJECTED_HOST = "injected.invalid"
AUTHOR = f'<img src="http://{INJECTED_HOST}/author.png"><a href="http://{INJECTED_HOST}/author">Ion</a>'
URL_AUTHOR = f'<img src="http://{INJECTED_HOST}/address.png"><a href="http://{INJECTED_HOST}/address">Ana</a>'
NOTE = f'<img src="http://{INJECTED_HOST}/note.png"> check the budget'
URL_NOTE = f'<a href="http://{INJECTED_HOST}/typed">typed</a> <img src="http://{INJECTED_HOST}/typed.png">'
TITLE = f'<img src="http://{INJECTED_HOST}/title.png"> Tramvaiul'
TRAM_FR = ("Le conseil municipal de Timișoara a voté mardi un budget de 40 millions d'euros pour le nouveau tramway.\n\n"
           "Le maire Dominic Fritz a salué un vote historique pour la ville.\n\n"
           f"L'opposition a dénoncé un coût trop élevé <img src=\"http://{INJECTED_HOST}/text.png\"> pour les habitants.")
TRAM_RO = ("Consiliul local din Timișoara a votat marți un buget de 40 de milioane de euro pentru noul tramvai.\n\n"
           "Primarul Dominic Fritz a salutat un vot istoric pentru oraș.\n\n"
           "Opoziția a criticat un cost prea mare pentru locuitori.")


# The markup of the elements whose image or link address leads to a host
POINTING_AT = """host => [...document.querySelectorAll('[src], [href]')].filter(
    element => new URL(element.getAttribute('src') || element.getAttribute('href'), location.href).hostname === host
).map(element => element.outerHTML)"""


@pytest.fixture(scope="module")
def injected_app(tmp_path_factory: pytest.TempPathFactory, workbench_home: Path) -> Iterator[tuple[str, str]]:
    """Two pasted articles (one story, titled with markup) whose budget claim group carries an
    accepted link, a verdict and a note by an analyst whose name is markup; served, with that
    group's id."""
    needs_chromium()
    workspace = tmp_path_factory.mktemp("browser-injected") / "tram"
    with Workbench(Config.load(workspace=str(workspace))) as workbench:
        for number, text in enumerate((TRAM_FR, TRAM_RO), start=1):
            assert workbench.ingest_text(text, title=f"{TITLE} {number}").status == "added"
        workbench.analyze()
        budget = next(g for g in workbench.groups() if any("40" in s.text for s in workbench.store.statements(
            statement_ids=list(g.statement_ids))))
        workbench.accept_link(*budget.statement_ids[:2], author=AUTHOR)
        workbench.set_verdict(budget.group_id, "related", author=AUTHOR)
        workbench.add_note("group", budget.statement_ids, NOTE, author=AUTHOR)
    with serving(workspace, workbench_home) as url:
        yield url, budget.group_id


def test_what_analysts_type_is_shown_as_text_to_every_later_viewer(injected_app: tuple[str, str]):
    from playwright.sync_api import expect, sync_playwright

    url, group_id = injected_app
    expect.set_options(timeout=60_000)
    alerts: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            page.on("request", lambda request: requested.append(request.url))
            page.set_default_timeout(60_000)

            # An analyst named in the address adds a note through the review form.
            page.goto(f"{url}/?group={quote(group_id)}&analyst={quote(URL_AUTHOR, safe='')}")
            card = page.locator(f"div[class*='st-key-group-{group_id}']")
            card.get_by_text("Review this group").click()
            card.get_by_label("Note on this group").fill(URL_NOTE)
            card.get_by_role("button", name="Add note").click()
            expect(card).to_contain_text(f"Note ({URL_AUTHOR}): {URL_NOTE}")

            # A later viewer, in a session of their own, sees every piece as the analyst typed it.
            viewer = browser.new_page(viewport={"width": 1400, "height": 1100})
            viewer.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            viewer.on("request", lambda request: requested.append(request.url))
            viewer.goto(f"{url}/?group={quote(group_id)}")
            card = viewer.locator(f"div[class*='st-key-group-{group_id}']")
            expect(card).to_contain_text(f"Note ({URL_AUTHOR}): {URL_NOTE}")  # the header
            expect(card).to_contain_text(f"link accepted by {AUTHOR}")  # the accepted link
            expect(card).to_contain_text(f"related (set by {AUTHOR} on")  # the verdict set by hand
            expect(card).to_contain_text(f"{TITLE} 1")  # the pasted article's title on its statement
            expect(viewer.locator("h3.wb-story")).to_contain_text(TITLE)  # the story's label
            card.get_by_text("Review this group").click()
            decisions = card.locator(".wb-link")
            expect(decisions.filter(has_text=f"note: {NOTE}")).to_contain_text(f"by {AUTHOR}")
            expect(decisions.filter(has_text=f"note: {URL_NOTE}")).to_contain_text(f"by {URL_AUTHOR}")
            viewer.get_by_role("link", name="Corpus").click()
            expect(viewer.locator("span.wb-stmt-title").filter(has_text=TITLE)).to_have_count(1)  # the reader's heading
            for shown in (page, viewer):  # no image or link of the page points at the injected host
                assert not shown.evaluate(POINTING_AT, INJECTED_HOST)
        finally:
            browser.close()
    assert not alerts, alerts
    assert not [address for address in requested if urlsplit(address).hostname == INJECTED_HOST]
