"""A small news site on 127.0.0.1 for the web tests: nothing they fetch leaves the machine.

It serves the five sample articles as real-looking pages (navigation, a byline, a
most-read list and a footer around the text; ``<meta>`` dates, ``og:site_name``, a
canonical link and JSON-LD NewsArticle), an RSS and an Atom feed over them, a home page
that names its feed, and the pages that go wrong: a redirect chain, a 404, a slow answer, a
30 MB answer (streamed, and declared), a PDF, an image, an empty page, a page whose date
does not parse, feeds that are not XML or hold an item without a link, and a feed that
grows by one item after it was first read.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SLOW_S = 5.0  # the slow page answers after this long (the tests' timeout is shorter)
HUGE_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class SamplePage:
    stem: str
    language: str
    published: str  # ISO 8601 day
    outlet: str
    author: str


# Invented outlets; dates as the events were reported (the Kim-Putin summit in September 2023,
# the "more than a million shells" estimate in November 2023, Putin's visit in June 2024).
PAGES = [
    SamplePage("000_34b67d16e7c3daa1", "ro", "2023-09-05", "Gazeta de Exemplu", "Ana Popescu"),
    SamplePage("001_5a34058cff188202", "uk", "2023-09-13", "Приклад Новини", "Олена Коваль"),
    SamplePage("002_20acd37116a2ee7f", "fr", "2023-11-09", "Le Journal d'Exemple", "Claire Martin"),
    SamplePage("003_d7d34adf8c061df0", "bg", "2023-09-05", "Примерен Вестник", "Иван Петров"),
    SamplePage("004_b91c89b5cbf94032", "bg", "2024-06-18", "Софийски Пример", "Мария Иванова"),
]


def sample_parts(stem: str) -> tuple[str, list[str]]:
    """A sample's headline (its first line of three words or more) and its paragraphs."""
    blocks = [block.strip() for block in (SAMPLES / f"{stem}.txt").read_text(encoding="utf-8").split("\n\n") if block.strip()]
    title = next(line for block in blocks for line in block.splitlines() if len(line.split()) >= 3)
    return title, blocks


def article_html(base: str, page: SamplePage, *, extra: str = "") -> str:
    title, paragraphs = sample_parts(page.stem)
    canonical = f"{base}/articles/{page.stem}"
    stamp = f"{page.published}T08:30:00+02:00"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": stamp,
          "author": {"@type": "Person", "name": page.author},
          "publisher": {"@type": "Organization", "name": page.outlet}, "mainEntityOfPage": canonical}
    body = "\n".join(f"<p>{html.escape(text)}</p>" for text in ([extra] if extra else []) + paragraphs)
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="{page.language}">
<head>
<meta charset="utf-8">
<title>{e(title)} | {e(page.outlet)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:site_name" content="{e(page.outlet)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(title)}">
<meta property="og:url" content="{e(canonical)}">
<meta property="article:published_time" content="{e(stamp)}">
<meta name="author" content="{e(page.author)}">
<link rel="canonical" href="{e(canonical)}">
<link rel="alternate" type="application/rss+xml" title="{e(page.outlet)}" href="{base}/feeds/rss.xml">
<link rel="stylesheet" href="/static/site.css">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
<header class="masthead"><a class="logo" href="/">{e(page.outlet)}</a>
<nav><ul><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/login">Log in</a></li></ul></nav></header>
<main>
<article>
<h1>{e(title)}</h1>
<p class="byline">By {e(page.author)} · <time datetime="{e(stamp)}">{page.published}</time></p>
{body}
<div class="share">Share: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Telegram</a></div>
</article>
<aside class="most-read"><h2>Most read</h2><ol>
<li><a href="/w">Weather: a warm week ahead across the region</a></li>
<li><a href="/f">Football: the derby ends two all after a late penalty</a></li>
<li><a href="/c">Culture: the summer festival announces its programme</a></li></ol></aside>
</main>
<footer><p>© 2024 {e(page.outlet)}. All rights reserved.</p><a href="/privacy">Privacy</a> · <a href="/contact">Contact</a></footer>
</body>
</html>"""


def rss(base: str, pages: list[SamplePage], *, extra_items: str = "") -> str:
    items = "\n".join(
        f"<item><title>{html.escape(sample_parts(page.stem)[0])}</title><link>{base}/articles/{page.stem}</link>"
        f"<guid isPermaLink=\"false\">sample-{page.stem}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(page.published).replace(hour=6, tzinfo=timezone.utc))}</pubDate>"
        "</item>" for page in pages)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Example News Network</title>'
            f"<link>{base}/</link><description>Every sample article</description>{items}{extra_items}</channel></rss>")


def atom(base: str, pages: list[SamplePage]) -> str:
    entries = "\n".join(
        f"<entry><title>{html.escape(sample_parts(page.stem)[0])}</title>"
        f'<link rel="alternate" href="{base}/articles/{page.stem}"/><id>urn:example:{page.stem}</id>'
        f"<updated>{page.published}T06:00:00Z</updated></entry>" for page in pages)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Example News Network (Atom)</title><id>urn:example:feed</id><updated>2024-06-18T06:00:00Z</updated>"
            f"{entries}</feed>")


SHORT_ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette"><meta property="article:published_time" content="{date}">
<link rel="canonical" href="{url}"></head><body><nav><a href="/">Home</a> <a href="/port">Port</a></nav><article>
<h1>{title}</h1><p>{body}</p></article><footer>© Harbour Gazette</footer></body></html>"""
UNDATED_BODY = ("The old lighthouse on the northern pier received a new lamp this week. The keeper said that the "
                "light can now be seen from 30 kilometres away. Fishermen had asked for a brighter light for years.")
GROWING = [
    ("The harbour reopens after the storm", "2024-03-01",
     "The city harbour reopened on Friday after a week of storms closed it to all shipping. Port officials said "
     "that 40 ships had waited outside the breakwater. The first ferry left at dawn with 300 passengers aboard."),
    ("Ferry traffic is back to normal", "2024-03-02",
     "Ferry traffic between the islands returned to its normal timetable on Saturday. The operator said that "
     "12 crossings ran during the day. Passengers had waited for three days at the main terminal."),
    ("A new breakwater is planned for the harbour", "2024-03-04",
     "The council approved plans for a new breakwater to protect the harbour from winter storms. Engineers "
     "estimated that the work would take two years. The harbour master welcomed the decision on Monday."),
]


@dataclass
class NewsSite:
    """The running site: its base address, and what it saw (for the tests to check)."""

    base: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    huge_sent: list[int] = field(default_factory=list)  # bytes written before the client stopped reading
    feed_reads: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def handler_for(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    by_stem = {page.stem: page for page in PAGES}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def send(self, status: int, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (the slow page after its timeout)

        def redirect(self, location: str) -> None:
            self.send(302, b"", headers={"Location": location})

        def do_GET(self) -> None:  # noqa: C901 - one route per branch, read top to bottom
            site.requests.append((self.path, dict(self.headers)))
            path, base = self.path.split("?", 1)[0], site.base
            if path.startswith("/articles/") and path.removeprefix("/articles/") in by_stem:
                self.send(200, article_html(base, by_stem[path.removeprefix("/articles/")]))
            elif path.startswith("/amp/") and path.removeprefix("/amp/") in by_stem:
                # Another address of the same article (an AMP copy): other page furniture in the text,
                # the canonical link naming the article's own address.
                page = by_stem[path.removeprefix("/amp/")]
                self.send(200, article_html(base, page, extra="Lite edition: some photos are not shown on this page."))
            elif path == "/undated":
                self.send(200, SHORT_ARTICLE.format(title="The lighthouse gets a new lamp", date="sometime last week",
                                                    url=base + path, body=UNDATED_BODY))
            elif path == "/home":
                self.send(200, f'<!DOCTYPE html><html><head><title>Example News Network</title><link rel="alternate" '
                               f'type="application/rss+xml" href="{base}/feeds/rss.xml"></head><body><h1>Example News '
                               "Network</h1><p>Latest news.</p></body></html>")
            elif path == "/feeds/rss.xml":
                self.send(200, rss(base, PAGES), "application/rss+xml; charset=utf-8")
            elif path == "/feeds/atom.xml":
                self.send(200, atom(base, PAGES), "application/atom+xml; charset=utf-8")
            elif path == "/feeds/no-link.xml":
                item = '<item><title>An item without its address</title><guid isPermaLink="false">no-link-1</guid></item>'
                self.send(200, rss(base, PAGES[:1], extra_items=item), "application/rss+xml")
            elif path == "/feeds/undated-page.xml":
                item = (f"<item><title>The lighthouse gets a new lamp</title><link>{base}/undated</link>"
                        "<pubDate>Thu, 02 May 2024 07:00:00 GMT</pubDate></item>")
                self.send(200, rss(base, [], extra_items=item), "application/rss+xml")
            elif path == "/feeds/not-xml":
                self.send(200, "This is not a feed at all, just words {and braces}.", "application/rss+xml")
            elif path.startswith("/feeds/growing/"):
                reads = site.feed_reads[path] = site.feed_reads.get(path, 0) + 1
                token = path.rsplit("/", 1)[-1]
                shown = GROWING[:2] if reads == 1 else GROWING
                items = "".join(f"<item><title>{title}</title><link>{base}/harbour/{token}/{number}</link>"
                                f"<guid>harbour-{token}-{number}</guid></item>"
                                for number, (title, _, _) in enumerate(shown))
                self.send(200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title>'
                               f"{items}</channel></rss>", "application/rss+xml")
            elif path.startswith("/harbour/"):
                title, date, body = GROWING[int(path.rsplit("/", 1)[-1])]
                self.send(200, SHORT_ARTICLE.format(title=title, date=date, body=body, url=base + path))
            elif path.startswith("/redirect/"):
                hops = int(path.rsplit("/", 1)[-1])
                self.redirect(f"/redirect/{hops - 1}" if hops > 1 else f"/articles/{PAGES[2].stem}")
            elif path == "/redirect-to-unspecified":
                port = base.rsplit(":", 1)[-1]
                self.redirect(f"http://0.0.0.0:{port}/articles/{PAGES[2].stem}")
            elif path == "/redirect-to-file":
                self.redirect("file:///etc/passwd")
            elif path == "/slow":
                site.stop.wait(SLOW_S)
                self.send(200, article_html(base, PAGES[0]))
            elif path == "/huge":
                # No Content-Length: the client must stop reading by itself.
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                sent, chunk = 0, b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
                try:
                    while sent < HUGE_BYTES and not site.stop.is_set():
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass
                site.huge_sent.append(sent)
            elif path == "/huge-declared":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(HUGE_BYTES))
                self.end_headers()
            elif path == "/document.pdf":
                self.send(200, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "application/pdf")
            elif path == "/image.png":
                self.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
            elif path == "/empty":
                self.send(200, b"")
            else:
                self.send(404, "<html><body><h1>Not found</h1></body></html>")

    return Handler


def start(site: NewsSite) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(site: NewsSite, server: ThreadingHTTPServer) -> None:
    site.stop.set()
    server.shutdown()
    server.server_close()
