"""Articles from the web: pages and feeds fetched safely, articles extracted by trafilatura.

**Fetching** (:class:`Fetcher`) gives hard guarantees, which is why it is our own code on
urllib3 rather than trafilatura's download helper:

* ``http://`` and ``https://`` only, at every hop;
* the host is resolved by the workbench and every address it resolves to is checked before
  connecting: private, loopback and link-local addresses are refused unless
  ``ingest.allow_private_urls`` is set, and unspecified, multicast and reserved ones always
  (``0.0.0.0`` reaches this machine). The connection goes to the address that was checked,
  never to a second lookup's answer;
* redirects are followed by hand, at most ``ingest.max_redirects``, each hop checked as the
  first;
* one deadline, ``ingest.url_timeout`` seconds, for the whole fetch, redirects included;
* a size cap, ``ingest.max_page_mb``: a declared length over it is refused unread, and the
  body is read in chunks and dropped as soon as it passes the cap, so a 30 MB answer is
  never held whole;
* text content types only (HTML for pages; RSS, Atom, XML or an HTML page naming its feed
  for feeds);
* an honest User-Agent that names the workbench and its version.

Each failure is a :class:`WebError` naming the address and the reason (the server's status,
a timeout, not HTML, too big, a refused address, a host that does not resolve, nothing
extractable), so a batch names it and goes on.

**Pages** (:func:`article_from_page`): trafilatura extracts the main text and the metadata
(title, date, outlet, author, canonical address); the page's ``lang`` is kept as a hint.
**Feeds** (:func:`read_feed`): feedparser reads RSS and Atom; a page that names its feed
(``<link rel="alternate" type="application/rss+xml">``) is followed to it with
trafilatura's feed discovery.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urljoin, urlsplit

from . import __version__
from .clean import normalise_newlines, words
from .config import IngestConfig
from .dates import day_of
from .errors import InputError
from .extract import extract_html
from .ingest import MIN_HTML_WORDS, Document, decode_text, display_path

USER_AGENT = (f"claim-workbench/{__version__} (cross-lingual claim-verification workbench; fetches only the "
              "addresses its user gives it)")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                        "text/xml"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
SHOWN_URL_CHARS = 200
# What a refused content type is, in words (the start of the type is enough).
_KINDS = {"application/pdf": "a PDF document", "image/": "an image", "video/": "a video", "audio/": "a sound file",
          "application/zip": "a ZIP archive", "application/json": "JSON data", "application/octet-stream": "binary data",
          "text/plain": "plain text, not a web page", "text/css": "a style sheet", "application/javascript": "a script"}

Resolver = Callable[[str, int], list[str]]


class WebError(InputError):
    """A web address that could not be read into an article or a feed; ``reason`` says which
    kind of failure: not_http, does_not_resolve, refused_address, timeout, http_status,
    connection, too_many_redirects, too_big, not_html, not_a_feed, nothing_extractable."""

    def __init__(self, url: str, problem: str, hint: str = "", *, reason: str):
        super().__init__(display_url(url), problem, hint)
        self.reason = reason


def display_url(url: str) -> str:
    """An address as one printable line, cut to a readable length (it may come from a feed)."""
    shown = display_path(url.strip())
    return shown if len(shown) <= SHOWN_URL_CHARS else shown[:SHOWN_URL_CHARS - 1] + "…"


def looks_like_url(value: str) -> bool:
    """Whether a command-line input is meant as a web address (``scheme://...``), not a path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value.strip()) is not None


def url_key(url: str) -> str:
    """The address an article is known by: scheme and host in lower case, no default port, no
    fragment, no tracking parameters (``utm_*``...), so two spellings of one page meet."""
    from courlan import normalize_url

    try:
        return normalize_url(url.strip(), strict=True)
    except ValueError:
        return url.strip()


# -- fetching ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 20.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_private: bool = False

    @classmethod
    def from_config(cls, config: IngestConfig) -> "FetchPolicy":
        return cls(timeout=config.url_timeout, max_bytes=int(config.max_page_mb * 1024 * 1024),
                   max_redirects=config.max_redirects, allow_private=config.allow_private_urls)


@dataclass(frozen=True)
class Page:
    """One fetched answer: where it was asked for and where it came from after redirects."""

    requested_url: str
    url: str  # the final address, after redirects
    status: int
    content_type: str  # the media type alone, lower case ("text/html")
    charset: str  # from the Content-Type header, "" when not given
    body: bytes
    fetched_at: str  # ISO 8601, UTC
    redirects: tuple[str, ...] = ()  # the addresses passed through, in order

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an address literal stands for itself)."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def refused_address(address: str, *, allow_private: bool) -> str:
    """Why the workbench will not connect to ``address``, in words, or "" when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "an unspecified address (it reaches this machine)"
    if ip.is_multicast:
        return "a multicast address"
    # Loopback before "reserved": ::1 lies in a reserved IPv6 block and is still this machine.
    if ip.is_loopback:
        return "" if allow_private else "a loopback address (this machine)"
    if ip.is_reserved:
        return "a reserved address"
    own_network = ("a link-local address" if ip.is_link_local else "a private network address" if ip.is_private
                   else "not a public address" if not ip.is_global else "")
    return "" if allow_private else own_network


class Fetcher:
    """Fetches web pages and feeds under a :class:`FetchPolicy` (see the module's notes)."""

    def __init__(self, policy: FetchPolicy, *, resolve: Resolver = resolve_host):
        """``resolve(host, port)`` lists a host's addresses (the standard resolver by default)."""
        self.policy = policy
        self.resolve = resolve

    def fetch(self, url: str, *, accept: frozenset[str] = HTML_TYPES) -> Page:
        """The answer at ``url``, after redirects, whose type is one of ``accept``; a
        :class:`WebError` otherwise."""
        deadline = time.monotonic() + self.policy.timeout
        current, passed = url.strip(), []
        for _ in range(self.policy.max_redirects + 1):
            pool, response = self._request(url, current, deadline)
            try:
                if response.status in REDIRECTS:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise WebError(url, f"the server answered {response.status} (a redirect) without saying where to",
                                       reason="http_status")
                    passed.append(current)
                    current = urljoin(current, location.strip())
                    continue
                if not 200 <= response.status < 300:
                    reason = f" {response.reason}" if response.reason else ""
                    raise WebError(url, f"the server answered {response.status}{reason}",
                                   "check the address" if response.status in (404, 410) else "try again later",
                                   reason="http_status")
                content_type, charset = _media_type(response.headers.get("Content-Type", ""))
                if content_type and content_type not in accept:
                    raise _wrong_type(url, content_type, accept)
                body = self._read(url, response, deadline)
                return Page(requested_url=url.strip(), url=current, status=response.status, content_type=content_type,
                            charset=charset, body=body, redirects=tuple(passed),
                            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            finally:
                response.close()
                pool.close()
        raise WebError(url, f"more than {self.policy.max_redirects} redirects (last to {display_url(current)})",
                       "raise ingest.max_redirects if the site really needs more", reason="too_many_redirects")

    def _request(self, url: str, current: str, deadline: float):
        """Send one GET to ``current`` (a hop of ``url``) after checking its scheme and addresses;
        the connection pool and the response, whose body is not read yet."""
        import urllib3

        parts = _http_parts(url, current)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        addresses = self._addresses(url, parts.hostname, port)
        options = ({"server_hostname": parts.hostname, "assert_hostname": parts.hostname, "cert_reqs": "CERT_REQUIRED"}
                   if https else {})
        pool_class = urllib3.HTTPSConnectionPool if https else urllib3.HTTPConnectionPool
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rsplit("@", 1)[-1]
        headers = {"Host": host, "User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                   "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;"
                             "q=0.9,*/*;q=0.1"}
        # Connect to an address that was checked (the next one if it cannot be reached: IPv6 may
        # be listed first on a machine without it); the Host header and the certificate's name
        # stay the ones the user gave.
        for number, address in enumerate(addresses, start=1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timed_out(url, self.policy.timeout)
            timeout = urllib3.Timeout(connect=remaining, read=remaining)
            pool = pool_class(address, port, maxsize=1, retries=False, **options)
            try:
                return pool, pool.urlopen("GET", path, headers=headers, redirect=False, retries=False,
                                          preload_content=False, decode_content=True, timeout=timeout,
                                          assert_same_host=False)
            except urllib3.exceptions.HTTPError as exc:
                pool.close()
                if not isinstance(exc, urllib3.exceptions.NewConnectionError) or number == len(addresses):
                    raise self._failed(url, parts.netloc, exc) from None
        raise AssertionError("unreachable: _addresses never returns an empty list")

    def _failed(self, url: str, netloc: str, exc: Exception) -> WebError:
        """A connection that failed, as the reason a user can act on."""
        import urllib3

        # Before the timeouts: urllib3 makes "connection refused" a kind of connect timeout.
        if isinstance(exc, urllib3.exceptions.NewConnectionError):
            return WebError(url, f"could not connect to {display_url(netloc)} ({_cause(exc)})", "check the address",
                            reason="connection")
        if isinstance(exc, urllib3.exceptions.TimeoutError):
            return _timed_out(url, self.policy.timeout)
        if isinstance(exc, urllib3.exceptions.SSLError):
            return WebError(url, f"the secure connection failed ({_cause(exc)})", reason="connection")
        return WebError(url, f"the connection failed ({_cause(exc)})", "try again later", reason="connection")

    def _addresses(self, url: str, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to, each checked; a :class:`WebError` names the first refused."""
        try:
            addresses = self.resolve(host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise WebError(url, f"the host {display_url(host)!r} does not resolve ({_cause(exc)})",
                           "check the address for typing mistakes", reason="does_not_resolve") from None
        if not addresses:
            raise WebError(url, f"the host {display_url(host)!r} does not resolve", reason="does_not_resolve")
        for address in addresses:
            why = refused_address(address, allow_private=self.policy.allow_private)
            if why:
                hint = ("set ingest.allow_private_urls to fetch from your own network"
                        if not refused_address(address, allow_private=True) else "")
                named = address if address == host else f"{display_url(host)} is {address}"
                raise WebError(url, f"refused address: {named}, {why}", hint, reason="refused_address")
        return addresses

    def _read(self, url: str, response, deadline: float) -> bytes:
        """The body, read in chunks: refused as soon as it passes the size cap or the deadline."""
        import urllib3

        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_big(url, int(declared), limit, declared=True)
        chunks, size = [], 0
        try:
            for chunk in response.stream(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise _too_big(url, size, limit, declared=False)
                if time.monotonic() > deadline:
                    raise _timed_out(url, self.policy.timeout)
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            raise self._failed(url, urlsplit(url).netloc, exc) from None
        return b"".join(chunks)


def _http_parts(url: str, current: str):
    parts = urlsplit(current)
    if parts.scheme.lower() not in ("http", "https"):
        where = "" if current == url.strip() else f" (a redirect led to {display_url(current)})"
        raise WebError(url, f"not an http(s) address{where}", "give an address that starts with http:// or https://",
                       reason="not_http")
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise WebError(url, "the address has a port that is not a number", reason="not_http") from None
    if not parts.hostname:
        raise WebError(url, "the address names no host", reason="not_http")
    return parts._replace(scheme=parts.scheme.lower())


def _media_type(header: str) -> tuple[str, str]:
    """``("text/html", "windows-1251")`` from a Content-Type header."""
    media, _, rest = header.partition(";")
    found = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", rest, re.IGNORECASE)
    return media.strip().lower(), found.group(1) if found else ""


def _kind(content_type: str) -> str:
    return next((words for start, words in _KINDS.items() if content_type.startswith(start)), "")


def _wrong_type(url: str, content_type: str, accept: frozenset[str]) -> WebError:
    kind = _kind(content_type)
    said = f"{kind}, {content_type}" if kind else content_type
    if accept == HTML_TYPES:
        if content_type in FEED_TYPES:
            return WebError(url, f"a feed ({content_type}), not an article page", "give it with --feed URL",
                            reason="not_html")
        return WebError(url, f"not HTML: the server says it is {said}", "give the address of an article page",
                        reason="not_html")
    return WebError(url, f"not a feed: the server says it is {said}", "give the address of an RSS or Atom feed",
                    reason="not_a_feed")


def _too_big(url: str, size: int, limit: int, *, declared: bool) -> WebError:
    said = f"the server says it is {size / 1024 / 1024:.1f} MB" if declared else \
        f"stopped reading at {size / 1024 / 1024:.1f} MB"
    return WebError(url, f"too big: {said}, more than the {limit / 1024 / 1024:g} MB allowed",
                    "raise ingest.max_page_mb if it is a real article", reason="too_big")


def _timed_out(url: str, seconds: float) -> WebError:
    return WebError(url, f"timed out: no complete answer within {seconds:g} s",
                    "try again later, or raise ingest.url_timeout", reason="timeout")


def _cause(exc: BaseException) -> str:
    """The innermost reason of a connection error, in one line ("connection refused")."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    return text[0].lower() + text[1:] if text else text


def decode_page(page: Page) -> str:
    """A page's text: in the charset its server names, else as a file is decoded (BOM, UTF-8,
    then detection among the newsroom code pages)."""
    origin = display_url(page.url)
    if page.charset:
        try:
            return page.body.decode(page.charset, errors="replace")
        except LookupError:
            pass  # a charset Python does not know: detect it as a file's
    return decode_text(page.body, origin).text


# -- articles ---------------------------------------------------------------------------

# Where pages state their publication date, for saying what did not parse.
_STATED_DATE = ('//meta[@property="article:published_time"]/@content | //meta[@name="date"]/@content | '
                '//meta[@name="pubdate"]/@content | //meta[@itemprop="datePublished"]/@content | '
                '//time[@datetime]/@datetime')
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{1,80})"')


def article_from_page(page: Page, *, published: str = "") -> Document | WebError:
    """The article on a fetched page, with its metadata; an error when there is none.
    ``published``: the date known from elsewhere (a feed item), used when the page gives none."""
    from trafilatura.utils import load_html

    if not page.body.strip():
        return WebError(page.requested_url, "nothing extractable: the page is empty", reason="nothing_extractable")
    try:
        html = decode_page(page)
    except InputError as error:
        return WebError(page.requested_url, f"nothing extractable: {error.problem}", reason="nothing_extractable")
    tree = load_html(html)
    if tree is None:
        return WebError(page.requested_url, "nothing extractable: the page is not readable HTML",
                        reason="nothing_extractable")
    language_hint = (tree.get("lang") or "").split("-")[0].strip().lower()
    stated_dates = [value.strip() for value in tree.xpath(_STATED_DATE)] + _LD_DATE.findall(html)
    extraction = extract_html(tree, url=page.url)
    data = extraction.data
    text = normalise_newlines(extraction.text)
    if len(words(text)) < MIN_HTML_WORDS:
        found = f" (only {text.strip()!r})" if text.strip() else ""
        said = f"; trafilatura: {extraction.said[-1]}" if extraction.said else ""
        return WebError(page.requested_url, f"nothing extractable: no article text found on this page{found}{said}",
                        "check that it is an article page, not a menu or index", reason="nothing_extractable")
    canonical = _canonical(data.get("url") or "", page.url)
    warnings: tuple[str, ...] = ()
    published = data.get("date") if day_of(data.get("date")) else published
    if day_of(published) is None:
        published = ""
        unreadable = next((value for value in stated_dates if value and day_of(value) is None), "")
        warnings = ((f"the page gives its date as {unreadable[:60]!r}, which does not parse as a date; stored without one"
                     if unreadable else "no publication date on the page; stored without one")
                    + " (stories and verdicts treat its date as unknown)",)
    outlet = (data.get("sitename") or "").strip()
    meta = {"fetched_at": page.fetched_at, "http_status": str(page.status), "content_type": page.content_type}
    if page.requested_url != page.url:
        meta["requested_url"] = page.requested_url
        meta["redirects"] = " -> ".join((*page.redirects, page.url))
    if canonical and canonical != page.url:
        meta["canonical_url"] = canonical
    meta.update({key: value for key, value in (("author", (data.get("author") or "").strip()),
                                               ("language_hint", language_hint)) if value})
    return Document(text=text, origin=display_url(page.requested_url), source=outlet or urlsplit(page.url).hostname or "",
                    encoding=page.charset or "detected", title=(data.get("title") or "").strip(), url=page.url,
                    published=published, meta=meta, warnings=warnings, outlet=outlet)


def _canonical(found: str, url: str) -> str:
    """The page's canonical address, unless it is the site's home page while the page is not
    (a template that names the home page on every article would make them all one page)."""
    if not found or urlsplit(found).scheme not in ("http", "https"):
        return ""
    if urlsplit(found).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        return ""
    return found


def page_keys(page: Page, document: Document) -> list[tuple[str, str]]:
    """The addresses an article fetched from ``page`` is known by, for storing it once."""
    keys = [(url_key(page.requested_url), "url"), (url_key(page.url), "url")]
    if document.meta.get("canonical_url"):
        keys.append((url_key(document.meta["canonical_url"]), "canonical"))
    return list(dict.fromkeys(keys))


# -- feeds ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedItem:
    position: int  # 1-based, in the feed's order
    link: str
    guid: str
    title: str
    published: str  # ISO 8601 day, "" when the feed gives none
    site: str = ""  # the feed's host: a GUID is only sure to be unique within its site ("1", "2"...)

    @property
    def guid_key(self) -> str:
        return f"guid:{self.site} {self.guid.strip()}" if self.guid.strip() else ""

    @property
    def keys(self) -> list[str]:
        """What a stored article from this item is known by: its address and its GUID."""
        return [key for key in (url_key(self.link) if self.link else "", self.guid_key) if key]


@dataclass
class Feed:
    url: str  # the feed's own address (after discovery from a page)
    title: str
    items: list[FeedItem] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)  # items that cannot be read (no link)


FEED_OR_PAGE = FEED_TYPES | HTML_TYPES


def read_feed(fetcher: Fetcher, url: str) -> Feed:
    """The items of the feed at ``url``, or of the feed a page at ``url`` names; a
    :class:`WebError` when neither can be read."""
    page = fetcher.fetch(url, accept=FEED_OR_PAGE)
    if _is_html(page):
        discovered = _named_feeds(page)
        if not discovered:
            raise WebError(url, "not a feed: an HTML page that names no feed (no <link rel=\"alternate\" "
                                "type=\"application/rss+xml\">)", "give the feed's own address", reason="not_a_feed")
        page = fetcher.fetch(discovered[0], accept=FEED_OR_PAGE)
        if _is_html(page):
            raise WebError(discovered[0], "not a feed: the feed the page names is an HTML page", reason="not_a_feed")
    return parse_feed(page)


def _is_html(page: Page) -> bool:
    if page.content_type in HTML_TYPES:
        return True
    head = page.body[:1024].lstrip().lower()
    return not page.content_type and (head.startswith(b"<!doctype html") or head.startswith(b"<html"))


def _named_feeds(page: Page) -> list[str]:
    from trafilatura.feeds import FeedParameters, determine_feed

    parts = urlsplit(page.url)
    base = f"{parts.scheme}://{parts.netloc}"
    return determine_feed(decode_page(page), FeedParameters(base, parts.hostname or "", page.url))


def parse_feed(page: Page) -> Feed:
    """RSS or Atom items from a fetched feed (feedparser); an item without a link is a problem
    of its own, and the others are read."""
    import feedparser

    if not page.body.strip():
        raise WebError(page.requested_url, "not a feed: the answer is empty", reason="not_a_feed")
    # A stream, never bytes or a string: feedparser opens a string that looks like a path or
    # an address itself.
    parsed = feedparser.parse(io.BytesIO(page.body),
                              response_headers={"content-location": page.url, "content-type": page.content_type})
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({' '.join(str(problem).split())})" if problem else ""
        raise WebError(page.requested_url, f"not a feed: not RSS or Atom XML{detail}",
                       "give the address of an RSS or Atom feed, or of a page that names one", reason="not_a_feed")
    feed = Feed(url=page.url, title=" ".join(str(parsed.feed.get("title", "")).split()))
    for position, entry in enumerate(parsed.entries, start=1):
        title = " ".join(str(entry.get("title", "")).split())
        link = str(entry.get("link") or "").strip()
        if not link:
            named = f" ({title[:80]!r})" if title else ""
            feed.problems.append(InputError(display_url(page.requested_url), f"item {position}{named} has no link; skipped",
                                            "the feed must give each item's address"))
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = time.strftime("%Y-%m-%d", stamp) if stamp else ""
        feed.items.append(FeedItem(position=position, link=link, guid=str(entry.get("id") or ""), title=title,
                                   published=published, site=urlsplit(page.url).hostname or ""))
    return feed


__all__ = ["FEED_OR_PAGE", "Feed", "FeedItem", "FetchPolicy", "Fetcher", "HTML_TYPES", "Page", "USER_AGENT", "WebError",
           "article_from_page", "display_url", "looks_like_url", "page_keys", "read_feed", "refused_address",
           "url_key"]

