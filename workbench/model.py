"""The data model that ties the pipeline stages together.

Every stage takes and returns these plain, frozen dataclasses. Offsets are Python
string indices (Unicode code points): ``Statement.start/end`` index into
``Article.text``; ``Quantity``/``Attribution``/``Hedge`` offsets index into
``Statement.text``. Vectors never live on these objects: they are float32 arrays
aligned with statement row ids (see :mod:`workbench.embed` and :mod:`workbench.index`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .clean import word_count

Tier = Literal["suggested", "confirmed"]
RelationKind = Literal["corroborates", "conflicts", "underspecified", "related", "unrelated"]
# Verdicts and pair relations, strongest first: a group takes the first that any of its pairs has.
VERDICTS: tuple[str, ...] = ("conflicts", "corroborates", "underspecified", "related", "unrelated")
DecisionKind = Literal[
    "accept_link", "reject_link", "move", "split", "merge", "new_group", "set_verdict", "note"
]


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, as decoded and cleaned from its source file or row."""

    article_id: str  # "a" + 16 hex of sha1(normalised text): same text -> same id
    text: str  # decoded text (newlines normalised); statement offsets refer to it
    title: str = ""
    source: str = ""  # file name or url, what exports show as "source"
    url: str = ""
    published: str = ""  # as given by the input (ISO 8601 when it parses)
    language: str = "und"  # ISO 639-1 of the body, "und" if unknown
    origin: str = ""  # where it came from: path, or path:line for JSONL/CSV rows
    encoding: str = "utf-8"  # how the bytes were decoded
    meta: dict[str, str] = field(default_factory=dict)
    outlet: str = ""  # the publication's own name where the page or feed gives it (og:site_name...)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence-like unit of an article, with its provenance."""

    statement_id: str  # stable: derived from article id and the statement's own text
    article_id: str
    position: int  # 0-based order within the article
    start: int  # offsets into Article.text
    end: int
    text: str  # cleaned text used for analysis (may differ from the raw span)
    language: str = "und"
    language_source: Literal["detected", "article", "given", "corpus"] = "detected"  # corpus: corrected at analysis
    boilerplate: bool = False
    boilerplate_reason: str = ""  # machine-readable reason code(s), "" when content
    is_title: bool = False
    # Its words as :func:`workbench.clean.word_count` counts them, stored at ingest: an analysis
    # asks every statement whether it is long enough to group, and counting them all again took
    # seconds of every incremental run at 100,000 statements. None: not counted yet.
    word_count: int | None = None

    def count_words(self) -> int:
        """Its word count: the stored one, else counted now."""
        return word_count(self.text) if self.word_count is None else self.word_count

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number found in a statement, read as an interval with what it counts.

    ``low``/``high`` are the interval the wording allows (``None`` = unbounded on
    that side); ``value`` is the figure as reported (``None`` when vague, e.g.
    "millions of shells").
    """

    text: str  # the surface span, e.g. "близо пет милиона артилерийски снаряда"
    start: int  # offsets into Statement.text
    end: int
    value: float | None
    low: float | None
    high: float | None
    approximator: str = ""  # "", more_than, at_least, less_than, at_most, about,
    #                          nearly, up_to, range, vague
    unit: str = ""  # surface of the counted noun or unit: "артилерийски снаряда"
    unit_key: str = ""  # cross-lingual key: "shell", "month", "percent", "mm", ...
    kind: str = "count"  # count, percent, measure, money, duration, date, year, ordinal
    language: str = "und"

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # flat: asdict's deep copy is slow


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a statement says said it: "potrivit publicației", "повідомляє Reuters"."""

    text: str  # the source as written, e.g. "Bloomberg, citing the South Korean defence ministry"
    start: int  # offsets into Statement.text
    end: int
    cue: str  # the reporting cue that introduced it: "selon", "според", "заявив"

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # flat: asdict's deep copy is slow


@dataclass(frozen=True, slots=True)
class Hedge:
    """A hedging, denial or negation cue: "peuvent être", "ar fi", "nient"."""

    kind: Literal["hedge", "denial", "denial_mentioned", "negation"]
    text: str
    start: int  # offsets into Statement.text
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # flat: asdict's deep copy is slow


@dataclass(slots=True)
class Claims:
    """What the claim-reading stages found in one statement."""

    quantities: list[Quantity] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    hedges: list[Hedge] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Link:
    """A candidate edge between two statements of different articles, with its evidence."""

    source_id: str  # statement ids; source_id < target_id
    target_id: str
    cosine: float  # raw cosine of the normalised vectors
    cosine_centered: float  # cosine after per-language mean-centering
    margin: float  # ratio margin (Artetxe & Schwenk 2019) on the scoring space
    rank: int  # best rank of each side among the other's neighbours in its language (0 = nearest)
    mutual: bool  # each is among the other's k nearest in its language
    score: float  # the score the tiers are cut on (margin plus shared evidence)
    tier: Tier = "suggested"
    shared: tuple[str, ...] = ()  # shared evidence: "unit:shell", "name:peskov", ...

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_id, self.target_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Group:
    """Statements from at least two articles that speak of the same fact."""

    group_id: str
    statement_ids: tuple[str, ...]
    label_statement_id: str  # the representative statement
    tier: Tier
    article_ids: tuple[str, ...]
    languages: tuple[str, ...]
    verdict: str = ""  # conflicts / corroborates / underspecified / related / unrelated, "" before verdicts
    verdict_source: Literal["", "computed", "analyst"] = ""
    explanation: str = ""
    story_id: str = ""  # the story most of its articles belong to
    # what the verdict leaves to the reader: "reported 7 months apart: the count may have grown"
    qualifier: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Story:
    """Articles that report the same news event, in any language and on any day."""

    story_id: str  # "s" + 12 hex of sha1(smallest article id): stable while that article stays
    label: str  # the headline of the article closest to the story's centre
    article_ids: tuple[str, ...]
    languages: tuple[str, ...]
    cohesion: float = 1.0  # mean similarity of its articles to the story's centre (1.0 for one article)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Relation:
    """The verdict between two statements of one group that come from different articles."""

    group_id: str
    source_id: str
    target_id: str
    relation: RelationKind
    explanation: str  # human-readable: the two figures, the unit match, the interval test
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Decision:
    """An analyst's decision. Decisions are never overwritten by analysis.

    What the ids mean, by kind:

    * ``accept_link`` / ``reject_link``: ``statement_ids`` is the pair;
    * ``move``: ``statement_ids[0]`` is the moved statement and the rest its former
      group-mates; ``target_ids`` are the members of the group it joins (empty: it
      leaves its group);
    * ``split``: ``statement_ids`` and ``target_ids`` are the two parts;
    * ``merge``: ``statement_ids`` holds one member of each group to merge;
    * ``new_group``: ``statement_ids`` leave their groups and form one of their own;
      ``target_ids`` are the group-mates they left;
    * ``set_verdict``: ``statement_ids`` are the group's members when it was set,
      ``value`` the verdict;
    * ``note``: ``subject`` says what it is about, ``statement_ids`` which one, ``value``
      the text.
    """

    kind: DecisionKind
    statement_ids: tuple[str, ...]  # the statements the decision is about
    target_ids: tuple[str, ...] = ()  # e.g. members of the group a statement was moved to
    value: str = ""  # the verdict set by hand, or the note text
    author: str = ""
    created: str = ""  # ISO 8601 UTC
    decision_id: int | None = None
    active: bool = True  # False once the analyst undoes it (kept for the audit trail)
    subject: str = ""  # for notes: "statement", "link" or "group"
    undone_by: str = ""  # who undid it, once undone
    undone_at: str = ""  # when (ISO 8601 UTC)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
