"""Main text and metadata of an HTML page, by trafilatura, for files and web pages alike.

trafilatura, htmldate, courlan and justext log on loggers of their own, some records several lines
long. Their records are routed through ``workbench.extract`` as one line each (debug level:
the workbench's own message already says what went wrong), and the lines logged while a
page is extracted are kept with its :class:`Extraction`, so an error can quote them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

LIBRARY_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")
_collecting = threading.local()


class _OneLine(logging.Handler):
    """Re-logs a library's record as one line of ours, and keeps it for the extraction under way."""

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {' '.join(str(record.exc_info[1]).split())})"
        log.debug("%s: %s", record.name, text)
        lines = getattr(_collecting, "lines", None)
        if lines is not None:
            lines.append(text)


def _route_library_logs() -> None:
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        if not any(isinstance(handler, _OneLine) for handler in library.handlers):
            library.addHandler(_OneLine())
        library.propagate = False


_route_library_logs()


@dataclass(frozen=True)
class Extraction:
    """What trafilatura read from a page: its fields as a dict (text, title, date, sitename,
    author, url...), and what it logged meanwhile, one line each."""

    data: dict[str, Any]
    said: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.data.get("text") or ""


def extract_html(html: Any, url: str = "") -> Extraction:
    """Main text and metadata of ``html`` (text or a parsed tree). Only dates the page states
    as its own (meta tags, time elements) are read: the extensive search takes a year named
    in the body ("the budget for 2025") for the publication date."""
    import trafilatura

    _collecting.lines = []
    try:
        result = trafilatura.bare_extraction(
            html, url=url or None, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, date_extraction_params={"extensive_search": False, "original_date": True},
        )
        said = tuple(_collecting.lines)
    finally:
        _collecting.lines = None
    if result is None:
        return Extraction({}, said)
    return Extraction(result.as_dict() if hasattr(result, "as_dict") else dict(result), said)
