"""Translation for reading, never for analysis: a pluggable backend that renders a statement in
the reader's language beside the original.

Grouping and verdicts never read a translation; it is a reading aid for a fact-checker who does
not read the statement's language. Backends, chosen by ``translate.backend``:

* ``none`` (default): no translation; the reader gets the nearest statements in their language
  (:meth:`workbench.Workbench.nearest_in`), which needs nothing installed.
* ``argos``: argos-translate, offline, with its language packages installed on this machine
  (``pip install argostranslate``, then its packages for each language pair).
* ``libretranslate``: a LibreTranslate server at ``translate.url`` (its ``/translate`` API), for
  example one run on the newsroom's own network.

A failure names the backend and what to do; it never stops the page that asked.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol, Sequence

from .errors import WorkbenchError

log = logging.getLogger(__name__)

BACKENDS = ("none", "argos", "libretranslate")
TIMEOUT_S = 20


class TranslationError(WorkbenchError):
    """A backend could not translate: the message says which and what to do."""


class Translator(Protocol):
    name: str

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` from language ``source`` into ``target`` (ISO 639-1 codes), in order."""


class ArgosTranslator:
    name = "argos-translate"

    def __init__(self) -> None:
        try:
            from argostranslate import translate  # noqa: F401 - checked here, used below
        except ImportError as exc:
            raise TranslationError("translate.backend is 'argos' but argos-translate is not installed here: "
                                   "`pip install argostranslate` and its language packages, or set "
                                   "translate.backend = none") from exc

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        from argostranslate import translate

        try:
            return [translate.translate(text, source, target) for text in texts]
        except Exception as exc:  # argos raises plain exceptions for a missing language pair
            raise TranslationError(f"argos-translate cannot translate {source}→{target} ({exc}); install the "
                                   f"{source}→{target} package (argospm install translate-{source}_{target})") from exc


class LibreTranslateTranslator:
    name = "LibreTranslate"

    def __init__(self, url: str, api_key: str = "") -> None:
        if not url.startswith(("http://", "https://")):
            raise TranslationError(f"translate.url {url!r} is not an http(s) address of a LibreTranslate server; "
                                   "set it, e.g. translate.url = http://localhost:5000")
        self.url = url.rstrip("/")
        self.api_key = api_key

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        body = {"q": list(texts), "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        request = urllib.request.Request(f"{self.url}/translate", data=json.dumps(body).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                reply = json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:200]
            raise TranslationError(f"LibreTranslate at {self.url} refused {source}→{target}: HTTP {exc.code} "
                                   f"{detail}") from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise TranslationError(f"LibreTranslate at {self.url} did not answer ({exc}); check translate.url "
                                   "and that the server runs") from exc
        translated = reply.get("translatedText") if isinstance(reply, dict) else None
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise TranslationError(f"LibreTranslate at {self.url} answered without the {len(texts)} translations "
                                   f"asked for: {str(reply)[:200]}")
        return [str(text) for text in translated]


def make_translator(backend: str, url: str = "", api_key: str = "") -> Translator | None:
    """The configured backend, or None for ``none``."""
    if backend == "none":
        return None
    if backend == "argos":
        return ArgosTranslator()
    if backend == "libretranslate":
        return LibreTranslateTranslator(url, api_key)
    raise TranslationError(f"translate.backend {backend!r} is not one of {', '.join(BACKENDS)}")
