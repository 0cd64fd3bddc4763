"""Articles by URL and by feed, against the local news site (tests/newssite.py): nothing leaves
the machine. Fetching's guarantees (addresses checked at every hop, timeout, size cap, text
types only), extraction with the page's metadata, storing a page once, feeds, and `watch`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssite import HUGE_BYTES, PAGES, sample_parts
from workbench import Config, Workbench, __version__
from workbench.cli import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, main
from workbench.web import Fetcher, FetchPolicy, WebError, refused_address

TIMEOUT_S = 1.0  # the slow page answers after 5 s
CAP_MB = 1.0
LOCAL = {"ingest.allow_private_urls": "true", "ingest.url_timeout": str(TIMEOUT_S), "ingest.max_page_mb": str(CAP_MB)}
FR = PAGES[2]  # the French sample: "plus d'un million" shells, 2023-11-09


@pytest.fixture
def local_workbench(make_workbench):
    """A workbench on an empty workspace that may fetch from the local news site."""
    return make_workbench(**LOCAL)


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def local_env() -> dict[str, str]:
    return {f"WORKBENCH_{key.split('.')[0].upper()}__{key.split('.')[1].upper()}": value for key, value in LOCAL.items()}


# -- a page in ----------------------------------------------------------------------------

def test_a_page_is_stored_with_its_outlet_date_address_and_fetch_record(local_workbench, news_site):
    url = news_site.url(f"/articles/{FR.stem}")
    report = local_workbench.ingest([url])
    assert not report.errors and len(report.added) == 1
    [article] = local_workbench.articles()
    title, paragraphs = sample_parts(FR.stem)
    assert article.title == title and article.url == url and article.origin == url
    assert article.outlet == FR.outlet and article.source == FR.outlet  # the outlet's name, not the host
    assert article.published == FR.published
    assert article.meta["http_status"] == "200" and article.meta["fetched_at"].endswith("+00:00")
    assert article.meta["author"] == FR.author and article.meta["language_hint"] == "fr"
    assert paragraphs[-1][:60] in article.text
    for furniture in ("Most read", "All rights reserved", "Share:", "Log in"):  # trafilatura kept the article only
        assert furniture not in article.text
    # The page is an input of the workspace, with the SHA-256 of what was fetched.
    [entry] = [e for e in local_workbench.inputs() if e["path"] == url]
    assert len(entry["sha256"]) == 64 and entry["added"] == 1 and entry["complete"]
    # An honest User-Agent, naming the workbench and its version.
    agents = {headers.get("User-Agent") for path, headers in news_site.requests if path == f"/articles/{FR.stem}"}
    assert agents and all(agent.startswith(f"claim-workbench/{__version__} ") for agent in agents)


def test_redirects_are_followed_and_the_final_address_kept(local_workbench, make_workbench, news_site):
    report = local_workbench.ingest_urls([news_site.url("/redirect/3")])
    assert not report.errors
    [article] = local_workbench.articles()
    assert article.url == news_site.url(f"/articles/{FR.stem}")
    assert article.meta["requested_url"] == news_site.url("/redirect/3")
    assert article.meta["redirects"].count(" -> ") == 3
    strict = Fetcher(FetchPolicy(allow_private=True, max_redirects=2, timeout=TIMEOUT_S))
    with pytest.raises(WebError, match="more than 2 redirects") as failed:
        strict.fetch(news_site.url("/redirect/3"))
    assert failed.value.reason == "too_many_redirects"


@pytest.mark.parametrize("path, reason, said", [
    ("/missing", "http_status", "the server answered 404 Not Found"),
    ("/slow", "timeout", f"timed out: no complete answer within {TIMEOUT_S:g} s"),
    ("/huge", "too_big", f"too big: stopped reading at 1.1 MB, more than the {CAP_MB:g} MB allowed"),
    ("/huge-declared", "too_big", "too big: the server says it is 30.0 MB"),
    ("/document.pdf", "not_html", "not HTML: the server says it is a PDF document, application/pdf"),
    ("/image.png", "not_html", "not HTML: the server says it is an image, image/png"),
    ("/feeds/rss.xml", "not_html", "a feed (application/rss+xml), not an article page (give it with --feed URL)"),
    ("/redirect-to-file", "not_http", "not an http(s) address (a redirect led to file:///etc/passwd)"),
    # 0.0.0.0 reaches this machine: refused at the hop even where private addresses are allowed
    ("/redirect-to-unspecified", "refused_address", "refused address: 0.0.0.0, an unspecified address"),
])
def test_each_failing_address_says_why(news_site, path, reason, said):
    fetcher = Fetcher(FetchPolicy(allow_private=True, timeout=TIMEOUT_S, max_bytes=int(CAP_MB * 1024 * 1024)))
    with pytest.raises(WebError) as failed:
        fetcher.fetch(news_site.url(path))
    assert failed.value.reason == reason
    assert str(failed.value).startswith(news_site.url(path) + ": ") and said in str(failed.value)
    assert "\n" not in str(failed.value)


def test_a_server_that_is_not_there_is_a_refused_connection_not_a_timeout():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(WebError) as failed:
        Fetcher(FetchPolicy(allow_private=True, timeout=TIMEOUT_S)).fetch(f"http://127.0.0.1:{port}/news")
    assert failed.value.reason == "connection"
    assert f"could not connect to 127.0.0.1:{port} (connection refused)" in str(failed.value)


def test_a_30_mb_answer_is_never_read_whole(news_site):
    fetcher = Fetcher(FetchPolicy(allow_private=True, timeout=10 * TIMEOUT_S, max_bytes=int(CAP_MB * 1024 * 1024)))
    before = len(news_site.huge_sent)
    with pytest.raises(WebError, match="too big"):
        fetcher.fetch(news_site.url("/huge"))
    deadline = time.monotonic() + 10 * TIMEOUT_S
    while len(news_site.huge_sent) == before and time.monotonic() < deadline:
        time.sleep(0.05)  # the server notices the closed connection on its next write
    # What the server managed to send before the client hung up: the cap and the socket buffers.
    assert news_site.huge_sent[before] <= HUGE_BYTES / 3


def test_a_batch_names_every_failure_and_stores_the_rest(local_workbench, news_site):
    urls = [news_site.url("/missing"), news_site.url(f"/articles/{PAGES[0].stem}"), news_site.url("/empty"),
            news_site.url("/document.pdf"), "ftp://example.org/report", news_site.url("/slow"),
            news_site.url(f"/articles/{PAGES[3].stem}")]
    report = local_workbench.ingest_urls(urls)
    assert len(report.added) == 2 and len(report.errors) == 5
    reasons = {item.origin: item.message for item in report.errors}
    assert "the server answered 404" in reasons[news_site.url("/missing")]
    assert "nothing extractable: the page is empty" in reasons[news_site.url("/empty")]
    assert "not HTML" in reasons[news_site.url("/document.pdf")]
    assert "not an http(s) address" in reasons["ftp://example.org/report"]
    assert "timed out" in reasons[news_site.url("/slow")]
    assert {a.outlet for a in local_workbench.articles()} == {PAGES[0].outlet, PAGES[3].outlet}


def test_ingest_mixes_paths_and_addresses_and_exits_3_when_some_are_rejected(tmp_path, news_site, samples_dir):
    workspace = str(tmp_path / "ws")
    result = cli("ingest", str(samples_dir / f"{PAGES[0].stem}.txt"), news_site.url(f"/articles/{FR.stem}"),
                 news_site.url("/image.png"), "--workspace", workspace, env=local_env())
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert f"error: {news_site.url('/image.png')}: not HTML" in result.stderr
    assert "Ingested 2 new article(s)" in result.stderr
    assert cli("ingest", "--workspace", workspace).exit_code == 2  # nothing to ingest: a usage error


# -- addresses that are refused before any connection -----------------------------------------

@pytest.mark.parametrize("address, allowed_with_setting, said", [
    ("127.0.0.1", True, "a loopback address"),
    ("::1", True, "a loopback address"),
    ("::ffff:127.0.0.1", True, "a loopback address"),
    ("10.1.2.3", True, "a private network address"),
    ("172.16.0.1", True, "a private network address"),
    ("192.168.1.1", True, "a private network address"),
    ("169.254.169.254", True, "a link-local address"),
    ("fe80::1", True, "a link-local address"),
    ("100.64.0.1", True, "not a public address"),
    ("0.0.0.0", False, "an unspecified address"),
    ("224.0.0.1", False, "a multicast address"),
    ("240.0.0.1", False, "a reserved address"),
])
def test_private_loopback_and_link_local_addresses_are_refused(address, allowed_with_setting, said):
    assert said in refused_address(address, allow_private=False)
    assert (refused_address(address, allow_private=True) == "") is allowed_with_setting
    assert refused_address("93.184.216.34", allow_private=False) == ""  # a public address (no connection is made)


def test_a_private_address_without_the_setting_is_refused_unfetched(make_workbench, news_site):
    url = news_site.url(f"/articles/{FR.stem}?probe={uuid.uuid4().hex}")
    report = make_workbench().ingest_urls([url])
    [error] = report.errors
    assert error.message == (f"{url}: refused address: 127.0.0.1, a loopback address (this machine) "
                             "(set ingest.allow_private_urls to fetch from your own network)")
    assert not any(path.endswith(url.rsplit("=", 1)[1]) for path, _ in news_site.requests)  # never connected


def test_every_address_a_name_resolves_to_is_checked_before_connecting():
    def resolver(host: str, port: int) -> list[str]:
        return {"news.example": ["93.184.216.34", "10.0.0.7"], "intranet.example": ["192.168.0.10"]}[host]

    fetcher = Fetcher(FetchPolicy(timeout=TIMEOUT_S), resolve=resolver)
    for host, address in (("news.example", "10.0.0.7"), ("intranet.example", "192.168.0.10")):
        with pytest.raises(WebError, match=f"refused address: {host} is {address}, a private network address") as failed:
            fetcher.fetch(f"https://{host}/article")
        assert failed.value.reason == "refused_address"


def test_a_host_that_does_not_resolve_is_named(make_workbench):
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(WebError) as failed:
        Fetcher(FetchPolicy(), resolve=resolver).fetch("https://no-such-outlet.example/news/1")
    assert failed.value.reason == "does_not_resolve"
    assert str(failed.value) == ("https://no-such-outlet.example/news/1: the host 'no-such-outlet.example' does not "
                                 "resolve (name or service not known) (check the address for typing mistakes)")


def test_an_address_that_is_not_http_is_refused(tmp_path):
    result = cli("ingest", "ftp://example.org/a.txt", "mailto://desk@example.org", "--workspace", str(tmp_path / "ws"))
    assert result.exit_code == EXIT_FAILURE
    for url in ("ftp://example.org/a.txt", "mailto://desk@example.org"):
        assert (f"error: {url}: not an http(s) address (give an address that starts with http:// or https://)"
                in result.stderr)
    with Workbench(Config.load(workspace=str(tmp_path / "ws"))) as workbench:
        [error] = workbench.ingest_urls(["www.example.org/news"]).errors  # no scheme: not guessed
        assert "not an http(s) address" in error.message


# -- stored once ------------------------------------------------------------------------------

def test_a_page_fetched_twice_or_under_another_address_of_its_canonical_page_is_stored_once(local_workbench, news_site):
    url = news_site.url(f"/articles/{FR.stem}")
    assert len(local_workbench.ingest_urls([url]).added) == 1
    fetched = sum(path == f"/articles/{FR.stem}" for path, _ in news_site.requests)
    again = local_workbench.ingest_urls([url, url + "?utm_source=newsletter#comments"])
    assert [item.status for item in again.items] == ["duplicate", "duplicate"]
    assert "not fetched again" in again.items[0].message
    assert sum(path == f"/articles/{FR.stem}" for path, _ in news_site.requests) == fetched
    # The AMP copy has other text around the article; its canonical link names the same page.
    amp = local_workbench.ingest_urls([news_site.url(f"/amp/{FR.stem}")])
    [item] = amp.items
    assert item.status == "duplicate" and f"same page as {url}" in item.message
    assert len(local_workbench.articles()) == 1


def test_a_page_whose_date_does_not_parse_is_stored_without_one_and_says_so(local_workbench, news_site):
    report = local_workbench.ingest_urls([news_site.url("/undated")])
    [item] = report.added
    assert item.warnings == ("the page gives its date as 'sometime last week', which does not parse as a date; "
                             "stored without one (stories and verdicts treat its date as unknown)",)
    assert local_workbench.articles()[0].published == ""


# -- feeds ------------------------------------------------------------------------------------

def test_a_feed_brings_its_items_once_with_their_outlets_and_dates(local_workbench, news_site):
    report = local_workbench.ingest_feeds([news_site.url("/feeds/rss.xml")])
    assert not report.errors and len(report.added) == len(PAGES)
    assert report.feed_lines() == [f"feed {news_site.url('/feeds/rss.xml')}: 5 item(s), 5 new, 0 already stored, "
                                   "0 rejected"]
    articles = {a.url.rsplit("/", 1)[-1]: a for a in local_workbench.articles()}
    for page in PAGES:
        assert (articles[page.stem].outlet, articles[page.stem].published) == (page.outlet, page.published)
        assert articles[page.stem].meta["guid"] == f"sample-{page.stem}"
    fetched = len(news_site.requests)
    # Read again, as RSS and as Atom over the same pages: every item is known by its address.
    again = local_workbench.ingest_feeds([news_site.url("/feeds/rss.xml"), news_site.url("/feeds/atom.xml")])
    assert not again.added and again.known == 2 * len(PAGES)
    assert len(news_site.requests) == fetched + 2  # the two feeds, no page


def test_a_guid_is_known_within_its_site_only():
    """Feeds number their items "1", "2"...: the same GUID on two sites is two items."""
    from workbench.web import FeedItem

    item = FeedItem(position=1, link="https://a.example/1", guid="1", title="", published="", site="a.example")
    other = FeedItem(position=1, link="https://b.example/1", guid="1", title="", published="", site="b.example")
    assert item.guid_key and item.guid_key != other.guid_key and not set(item.keys) & set(other.keys)


def test_a_page_that_names_its_feed_is_followed_to_it(local_workbench, news_site):
    report = local_workbench.ingest_feeds([news_site.url("/home")])
    assert len(report.added) == len(PAGES)
    assert report.feeds[0]["url"] == news_site.url("/feeds/rss.xml")


def test_a_feed_that_is_not_xml_and_an_item_without_a_link_are_named(local_workbench, news_site):
    report = local_workbench.ingest_feeds([news_site.url("/feeds/not-xml"), news_site.url("/feeds/no-link.xml")])
    messages = [item.message for item in report.errors]
    assert messages[0].startswith(f"{news_site.url('/feeds/not-xml')}: not a feed: not RSS or Atom XML (")
    assert messages[1] == (f"{news_site.url('/feeds/no-link.xml')}: item 2 ('An item without its address') has no "
                           "link; skipped (the feed must give each item's address)")
    assert len(report.added) == 1  # the feed's other item
    page = news_site.url("/articles/" + PAGES[0].stem)
    result = cli("ingest", "--feed", news_site.url("/feeds/not-xml"), "--feed", news_site.url("/feeds/no-link.xml"),
                 "--workspace", str(local_workbench.config.workspace_dir), env=local_env())
    assert result.exit_code == EXIT_PARTIAL and "1 already stored" in result.stderr and page not in result.stderr


def test_a_feed_item_gives_the_date_a_page_lacks(local_workbench, news_site):
    report = local_workbench.ingest_feeds([news_site.url("/feeds/undated-page.xml")])
    [item] = report.added
    assert not item.warnings
    assert local_workbench.articles()[0].published == "2024-05-02"


def test_watch_picks_up_an_item_added_between_two_polls(tmp_path, news_site):
    feed = news_site.url(f"/feeds/growing/{uuid.uuid4().hex[:8]}.xml")
    result = cli("watch", feed, "--every", "1s", "--times", "2", "--workspace", str(tmp_path / "ws"), env=local_env())
    assert result.exit_code == EXIT_OK, result.output
    first, second = result.stdout.strip().splitlines()
    assert " batch 1: 2 new article(s), 0 already stored, 0 rejected; analysed: " in first
    assert " batch 2: 1 new article(s), 2 already stored, 0 rejected; analysed: " in second
    with Workbench(Config.load(workspace=str(tmp_path / "ws"))) as workbench:
        assert len(workbench.articles()) == 3 and workbench.awaiting_analysis() == []


def test_watch_refuses_a_duration_it_cannot_read(tmp_path):
    result = cli("watch", "https://example.org/feed", "--every", "soon", "--workspace", str(tmp_path / "ws"))
    assert result.exit_code == 2 and "'soon' is not a duration; write it as 30s, 15m, 2h or 1d" in result.output


def test_watch_stops_cleanly_on_ctrl_c(tmp_path, news_site):
    env = {**os.environ, **local_env()}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "watch", news_site.url("/feeds/not-xml"), "--every", "60s",
         "--workspace", str(tmp_path / "ws")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = process.stdout.readline()  # the first batch is done: it is sleeping now
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert " batch 1: 0 new article(s), 0 already stored, 1 rejected; nothing new to analyse" in first
    assert process.returncode == EXIT_PARTIAL  # the feed was rejected
    assert "Stopped after 1 batch(es); everything stored so far is kept." in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# -- no network ------------------------------------------------------------------------------

@pytest.mark.skipif(subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode != 0
                    if Path("/usr/bin/unshare").exists() else True, reason="needs unshare -rn (a network namespace)")
def test_the_demo_works_with_no_network_and_a_web_address_fails_at_once(tmp_path, samples_dir):
    """`make demo`'s analysis in a network namespace of its own, with no network at all (it prints
    the summary `make demo` shows, and writes the evidence tables); then a web address there."""
    workbench = [sys.executable, "-m", "workbench"]
    where = ["--workspace", str(tmp_path / "demo")]
    analysed = subprocess.run(["unshare", "-rn", *workbench, "analyze", str(samples_dir), *where, "--out",
                               str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    assert analysed.returncode == EXIT_OK, analysed.stderr
    assert "CONFLICT" in analysed.stdout and (tmp_path / "out" / "groups.csv").exists()
    fetched = subprocess.run(["unshare", "-rn", *workbench, "ingest", "https://news.example.org/a", *where],
                             capture_output=True, text=True, timeout=60)
    assert fetched.returncode == EXIT_FAILURE
    assert "error: https://news.example.org/a: the host 'news.example.org' does not resolve (" in fetched.stderr
