"""Verdicts: inside each claim group, do the statements corroborate or conflict?

Every pair of statements from different articles gets a relation, and the
group gets a verdict that summarises them. The rules, in order:

1. **A denial.** If one side denies what the other asserts (a denial cue of
   its own: not a denial it only mentions, and not a plain negation such as
   "is not aware of") and the two give figures for the same thing ->
   ``conflicts``, whatever the figures: "denies sending five million shells"
   repeats the figure it denies. A denial that shares no such figure with the
   other side cannot be shown to deny what that side says (a denial of arms
   deliveries against a factory tour) -> ``related``, and the explanation names
   the denial so that a reader checks it.
2. **Figures for the same thing.** If both statements report a figure with the
   same unit key and kind (count, money, percent, measure or duration; dates
   and years are not compared), the *reported* figures are compared:
   they agree when they differ by at most the tolerance (10% of the larger,
   ``verdict.tolerance``) -> ``corroborates``; otherwise -> ``conflicts``, even
   when one is only a bound ("more than 1 million" against "nearly 5 million":
   the intervals overlap, so the explanation adds that the bound is
   technically met, but the reported figures are five times apart). Lengths and
   weights are compared in their dimension's base unit ("198 см" against "1,98 m"
   and "6 фута и 6 инча"). A number in a name ("Bellator 206" against "Bellator
   1030") conflicts when it differs; when equal it confirms no figure -> ``related``.
   A vague
   figure on either side ("thousands of containers", "millions of shells")
   -> ``underspecified``; so is a figure inside the other side's range ("between
   1 and 5 million" against "3 million": consistent, not confirmed), while a
   figure outside it conflicts.
3. **A figure against none.** One side reports a figure, the other none for that
   thing -> ``underspecified``.
4. **Figures for different things** only ("19 months" against "5 million
   shells") -> ``unrelated``.
5. **No figures on either side** -> ``related``: the same subject, but nothing
   the two could corroborate. Two statements corroborate only when they report
   the same figure; similar wording ("the 2024 Putin visit", "the 2023 Kim
   meeting") is not a confirmation.

Which pairs: every cross-article pair in a group of up to ``ALL_PAIRS_UP_TO``
statements. In a bigger group (a story told by dozens of outlets) the pairs
grow with the square of its size, so only those that can change the verdict
are compared: for each unit key, the lowest and the highest reported figure
against each other and each against every other figure for that unit's
median, plus every member against the group's label statement.

The group verdict: ``conflicts`` if any pair conflicts; else ``corroborates``
if any pair corroborates; else ``underspecified`` if any pair is; else
``related`` if any pair is; else ``unrelated``. An analyst's verdict replaces the computed one and says so.
Every relation carries its explanation: both figures with their spans, the
unit match and the interval test, and who said each (attribution) and how
(hedges).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import combinations
from typing import Mapping, Sequence

from .attribution import sources_in_words, summarize_hedging
from .dates import date_qualifier, day_of, with_qualifier
from .engine import LazyWorks, StoryMap, map_here
from .model import VERDICTS, Claims, Decision, Group, Quantity, Relation, Statement
from .quantities import CALENDAR_KINDS, calendar_in_words, in_base_unit
from .words import ordinal

COMPARABLE_KINDS = {"count", "money", "percent", "measure", "duration", "designation"}
# figures a bare number ("he was then 11") may stand for when the other version names the unit
ELIDED_UNIT_KINDS = COMPARABLE_KINDS - {"designation"}
ALL_PAIRS_UP_TO = 12
RELATION_ORDER = VERDICTS
# A relation as an adjective of the pairs that have it: "1 conflicting pair", "3 related pairs".
RELATION_ADJECTIVES = {"conflicts": "conflicting", "corroborates": "corroborating", "underspecified": "underspecified",
                       "related": "related", "unrelated": "unrelated"}


@dataclass(frozen=True)
class StatementView:
    """What the verdict stage needs to know about one statement."""

    statement: Statement
    quantities: tuple[Quantity, ...]  # comparable ones only
    attribution: str
    said: str  # who said it and how, in words (see attribution.sources_in_words)
    stance: str  # asserted | hedged | denied
    hedges: tuple[str, ...]
    denies: bool  # carries a denial cue of its own (plain negation is not a denial)
    # A version its article tells in several statements of the group: each one's own view, and
    # for each of ``quantities`` the index of the part that gives it (see :func:`version_of`).
    parts: tuple["StatementView", ...] = ()
    holders: tuple[int, ...] = ()
    # The figures it gives that are not compared, each with why (see :func:`not_compared`), so an
    # explanation never says "no figure" beside a highlighted date.
    aside: tuple[tuple[Quantity, str], ...] = ()


UNNAMED_COUNT = "unnamed count"
DIFFERING_COUNT = f"{UNNAMED_COUNT}, the one that differs"  # see the_one_figure_that_differs
SAME_COUNT = f"{UNNAMED_COUNT}, the same on both sides:"


def view_of(statement: Statement, claims: Claims | None) -> StatementView:
    """What the verdict stage compares. A count whose noun the unit lexicon does not know ("18
    matchs", "90 мача") is compared as the statement's one such count: in a claim group, two
    versions of one fact each giving a single unnamed count give it for the same thing. A
    statement with several ("Ayr 38 - 17 Melrose", "a record of 18-7 with 300 strikeouts")
    has each keyed by its rank in size and their number, so it is compared only with a
    version giving as many, smallest with smallest: the order of size survives translation
    and reordering, where the order of words need not."""
    claims = claims or Claims()
    comparable = tuple(q for _, q in _comparable(claims.quantities))
    attribution = claims.attributions[0].text if claims.attributions else ""
    return StatementView(
        statement=statement,
        quantities=comparable,
        aside=_aside(claims.quantities),
        attribution=attribution,
        said=sources_in_words(claims.attributions, claims.hedges, statement.language),
        stance=summarize_hedging(claims.hedges),
        hedges=tuple(f"{h.kind}: {h.text}" for h in claims.hedges),
        denies=any(h.kind == "denial" for h in claims.hedges),
    )


# A count written in words below this, of something the unit lexicon does not name, is not compared.
SMALL_WORDED_COUNT = 10


def _unnamed_count(quantity: Quantity) -> bool:
    """A figure counting something the unit lexicon does not name, compared as an unnamed count:
    a count written in digits or of ten or more ("18 matchs", "90 мача"). A small count written
    in words ("два лідери", "cei doi lideri", "three countries") is how news refer to the parties
    a statement is about, as news style spells out numbers below ten; compared, "the two
    leaders" on one side made a whole group underspecified."""
    if quantity.kind != "count" or quantity.unit_key or quantity.value is None:
        return False
    return quantity.value >= SMALL_WORDED_COUNT or any(character.isdigit() for character in quantity.text)


def not_compared(quantity: Quantity) -> str:
    """Why a verdict does not compare a figure, in words ("" when it does)."""
    if quantity.kind in COMPARABLE_KINDS and quantity.unit_key or _unnamed_count(quantity):
        return ""
    if quantity.kind in CALENDAR_KINDS:
        return "dates are not compared"
    if quantity.kind == "ordinal":
        return "ranks are not compared"
    if quantity.kind == "count" and quantity.value is not None:
        return "small counts in words of unnamed things (the two leaders) are not compared"
    if quantity.kind == "count":
        return "vague counts of unnamed things are not compared"
    return "figures of unnamed things are not compared"


def _aside(quantities: Sequence[Quantity]) -> tuple[tuple[Quantity, str], ...]:
    return tuple((q, why) for q in quantities if (why := not_compared(q)))


def _comparable(quantities: Sequence[Quantity]) -> list[tuple[int, Quantity]]:
    """The figures a verdict compares, each with its index in ``quantities`` (see :func:`view_of`)."""
    comparable = [(i, in_base_unit(q)) for i, q in enumerate(quantities) if q.kind in COMPARABLE_KINDS and q.unit_key]
    unnamed = [(i, q) for i, q in enumerate(quantities) if _unnamed_count(q)]
    return comparable + _ranked_unnamed(unnamed)


def _ranked_unnamed(unnamed: Sequence[tuple[int, Quantity]]) -> list[tuple[int, Quantity]]:
    """A statement's unnamed counts, keyed to be compared: its one such count, or each by its
    rank in size among them (see :func:`view_of`)."""
    if len(unnamed) == 1:
        return [(unnamed[0][0], replace(unnamed[0][1], unit_key=UNNAMED_COUNT))]
    ranked = sorted(unnamed, key=lambda item: (item[1].value, item[1].start))
    return [(i, replace(q, unit_key=f"{UNNAMED_COUNT}, no. {rank} of {len(ranked)} by size"))
            for rank, (i, q) in enumerate(ranked, 1)]


def version_of(members: Sequence[Statement], claims: dict[str, Claims]) -> StatementView:
    """One article's version of a claim it tells in several statements of a group (a line told
    in two sentences, group.split_lines, or a fact stated twice), compared as one: with
    "... 75 % ..." and "... (75 %)" in two French sentences against "75% ... 15%" in one
    Bulgarian line, the second French 75 meets the Bulgarian 15. Each figure keeps the
    statement that gives it, so a relation names that statement and its own sources."""
    ordered = sorted(members, key=lambda statement: statement.position)
    parts = tuple(view_of(member, claims.get(member.statement_id)) for member in ordered)
    if len(parts) == 1:
        return parts[0]
    given = [(k, q) for k, member in enumerate(ordered)
             for q in (claims.get(member.statement_id) or Claims()).quantities]
    comparable = _comparable([q for _, q in given])
    return replace(parts[0], quantities=tuple(q for _, q in comparable), parts=parts,
                   holders=tuple(given[i][0] for i, _ in comparable), denies=any(part.denies for part in parts),
                   aside=tuple(item for part in parts for item in part.aside))


def own_view(view: StatementView, quantity: Quantity | None = None) -> StatementView:
    """The statement of a version that gives ``quantity`` (without one: the version's first)."""
    if not view.parts:
        return view
    for position, candidate in enumerate(view.quantities):
        if candidate is quantity:
            return view.parts[view.holders[position]]
    return view.parts[0]


def format_figure(value: float | None) -> str:
    if value is None:
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_quantity(quantity: Quantity) -> str:
    """The reading of one figure in words: 'more than 1,000,000 shell (1,000,000 or more)',
    'nearly 5,000,000 shell (from 4,500,000 to 5,000,000)', '3,000 shell'."""
    if quantity.kind in CALENDAR_KINDS:
        return calendar_in_words(quantity.kind, quantity.unit_key)
    if quantity.kind == "ordinal" and quantity.value is not None:
        return f"the {ordinal(int(quantity.value))}"
    if quantity.kind == "designation":
        return f"the name {quantity.unit} {format_figure(quantity.value)}"
    words = {
        "": "", "more_than": "more than ", "at_least": "at least ", "less_than": "less than ", "at_most": "at most ",
        "nearly": "nearly ", "about": "about ", "up_to": "up to ", "range": "between ", "vague": "an unspecified ",
    }
    if quantity.approximator == "range":
        figure = f"{format_figure(quantity.low)} and {format_figure(quantity.high)}"
    elif quantity.value is None:
        figure = "number of"
    else:
        figure = format_figure(quantity.value)
    reading = f"{words.get(quantity.approximator, '')}{figure} {quantity.unit_key}".rstrip()
    low, high = quantity.low, quantity.high
    if low is not None and high is not None:
        if low == high == quantity.value or quantity.approximator == "range":
            return reading
        return f"{reading} (from {format_figure(low)} to {format_figure(high)})"
    if low is not None:
        return f"{reading} ({format_figure(low)} or more)"
    if high is not None:
        return f"{reading} (up to {format_figure(high)})"
    return reading


def compare_figures(a: Quantity, b: Quantity, tolerance: float) -> tuple[str, str, dict]:
    """Relation, explanation and details for two figures with the same unit key."""
    details = {"unit_key": a.unit_key, "a": a.to_dict(), "b": b.to_dict(), "tolerance": tolerance}
    if a.kind == "designation":
        # Bellator 206 and Bellator 207 are two events: a number in a name agrees only when equal,
        # and agreeing on a name confirms no figure.
        if a.value == b.value:
            return "related", (f"both name {a.unit} {format_figure(a.value)}: a number in a name is no figure "
                               "to corroborate"), details
        return "conflicts", (f"the number in the name differs: «{a.text}» against «{b.text}»; a name's number "
                             "is compared as it is, with no tolerance"), details
    if a.approximator == "vague" or b.approximator == "vague":
        vague = a if a.approximator == "vague" else b
        return "underspecified", f"«{vague.text}» gives no figure, only an order of magnitude", details
    overlap = _intervals_overlap(a, b)
    if "range" in (a.approximator, b.approximator) and not _same_range(a, b, tolerance):
        details["intervals_overlap"] = overlap
        ranged, other = (a, b) if a.approximator == "range" else (b, a)
        if overlap:
            return "underspecified", (
                f"«{ranged.text}» is a range, [{format_figure(ranged.low)}, {format_figure(ranged.high)}]; "
                f"«{other.text}» falls within it, so they are consistent, but the range does not confirm a figure"
            ), details
        return "conflicts", (
            f"«{other.text}» lies outside the range «{ranged.text}» "
            f"[{format_figure(ranged.low)}, {format_figure(ranged.high)}]; the intervals do not overlap"
        ), details
    value_a, value_b = _reported(a), _reported(b)
    details.update({"reported": [value_a, value_b], "intervals_overlap": overlap})
    larger, smaller = max(value_a, value_b), min(value_a, value_b)
    difference = _relative_difference(value_a, value_b)
    details["relative_difference"] = round(difference, 4)
    if difference <= tolerance:
        return "corroborates", (
            f"reported figures {format_figure(value_a)} and {format_figure(value_b)} {a.unit_key} agree "
            f"within {tolerance:.0%}"
        ), details
    ratio = larger / smaller if smaller else float("inf")
    details["ratio"] = round(ratio, 3) if ratio != float("inf") else None
    times = f"{ratio:.1f} times apart" if ratio != float("inf") else "one of them is zero"
    explanation = (
        f"reported figures {format_figure(value_a)} and {format_figure(value_b)} {a.unit_key} are {times}, "
        f"beyond the {tolerance:.0%} tolerance"
    )
    if overlap:
        explanation += "; the bound is technically met (the intervals overlap), but the reported figures disagree"
    else:
        explanation += "; the intervals do not overlap"
    return "conflicts", explanation, details


def matched_figures(a: Sequence[Quantity], b: Sequence[Quantity], *,
                    every: bool = False) -> list[tuple[Quantity, Quantity]]:
    """Which figures of one unit in two statements are compared with each other.

    Two versions giving as many figures for one thing ("33, 34 and 39 years" against "165, 34 and
    39 years") list the same figures: each is paired with its closest counterpart, closest pairs
    first, so one changed figure is compared with the one it replaced. A statement giving more
    figures than the other ("first 1 million, now 5 million" against "5 million") may add a
    figure the other leaves out: only the two closest readings are compared, unless ``every``
    (each figure of the shorter list is paired with its closest counterpart). Figures are
    paired like with like first: "for years ... partner of 75 years" against "partner of 15
    years" compares 75 with 15, not "years" (an order of magnitude) with 15."""
    def like_and_gap(ij: tuple[int, int]) -> tuple[bool, float]:
        first, second = a[ij[0]], b[ij[1]]
        return (first.approximator == "vague") != (second.approximator == "vague"), _gap(first, second)

    candidates = sorted(((i, j) for i in range(len(a)) for j in range(len(b))), key=like_and_gap)
    if len(a) != len(b) and not every:
        candidates = candidates[:1]
    pairs, used_a, used_b = [], set(), set()
    for i, j in candidates:
        if i not in used_a and j not in used_b:
            pairs.append((a[i], b[j]))
            used_a.add(i)
            used_b.add(j)
    return pairs


def _relative_difference(x: float, y: float) -> float:
    """How far apart two figures are, relative to the larger (0 when the same)."""
    larger = max(abs(x), abs(y))
    return abs(x - y) / larger if larger else 0.0


def _gap(a: Quantity, b: Quantity) -> float:
    """How far apart two readings are (see ``_relative_difference``)."""
    return _relative_difference(_reported(a), _reported(b))


def _same_range(a: Quantity, b: Quantity, tolerance: float) -> bool:
    """Two ranges whose ends agree within the tolerance ("3-5 million" and "from 3 to 5 million")."""
    if a.approximator != "range" or b.approximator != "range" or None in (a.low, a.high, b.low, b.high):
        return False
    return (_relative_difference(a.low, b.low) <= tolerance
            and _relative_difference(a.high, b.high) <= tolerance)


def _reported(quantity: Quantity) -> float:
    """The figure as reported; two matching ranges are compared by their midpoints."""
    if quantity.value is not None:
        return float(quantity.value)
    if quantity.low is not None and quantity.high is not None:
        return (quantity.low + quantity.high) / 2
    return float(quantity.low if quantity.low is not None else quantity.high or 0.0)


def _intervals_overlap(a: Quantity, b: Quantity) -> bool:
    low_a = a.low if a.low is not None else float("-inf")
    high_a = a.high if a.high is not None else float("inf")
    low_b = b.low if b.low is not None else float("-inf")
    high_b = b.high if b.high is not None else float("inf")
    return low_a <= high_b and low_b <= high_a


def _unnamed(quantity: Quantity) -> bool:
    return quantity.unit_key.startswith(UNNAMED_COUNT)


def named_by_the_other(a: StatementView, b: StatementView) -> tuple[StatementView, StatementView, list[str]]:
    """Unnamed counts read as the counted thing the other version names, where that fills a gap.

    "au lieu de 10 000 personnes ... il n'y en a à peine plus de 1000 debout" counts people
    twice but names them once; its Bulgarian version, "10 000 души ... около 200 души", names
    them twice. With one count of people against two, only the closest pair (10,000 and
    10,000) was compared, and 1,000 against 200 went unseen. When one version gives fewer
    counts of one thing than the other and exactly as many unnamed counts as it lacks (and
    the other has no unnamed count of its own), those are read as counts of that thing.

    A number with no word after it at all leaves its unit to the reader, and may fill a gap of
    any figure: "брат Тайлера, якому тоді було 11" (who was then 11) against "който тогава е бил
    на 55 години" is an age in years on both sides.
    Returns both views and a note for each count so read."""
    notes: list[str] = []
    for first, second in ((a, b), (b, a)):
        unnamed = [q for q in first.quantities if _unnamed(q)]
        if not unnamed or any(_unnamed(q) for q in second.quantities):
            continue
        bare = all(not q.unit for q in unnamed)

        def fills(quantity: Quantity) -> bool:
            return quantity.kind == "count" or bare and quantity.kind in ELIDED_UNIT_KINDS

        theirs = Counter(q.unit_key for q in second.quantities if fills(q))
        ours = Counter(q.unit_key for q in first.quantities if fills(q) and not _unnamed(q))
        gaps = [unit for unit, count in theirs.items() if count > ours[unit]]
        if len(gaps) != 1 or theirs[gaps[0]] - ours[gaps[0]] != len(unnamed):
            continue
        unit = gaps[0]
        kind = next(q.kind for q in second.quantities if q.unit_key == unit)
        named = tuple(replace(q, kind=kind, unit_key=unit) if _unnamed(q) else q for q in first.quantities)
        thing = f"a count of {unit}" if kind == "count" else f"a figure in {unit} ({kind})"
        times = "once" if theirs[unit] == 1 else f"{theirs[unit]} times"
        notes += [f"«{q.text}» names no {'unit' if bare else 'counted thing'}; it is read as {thing}, which the "
                  f"{second.statement.language} statement gives {times}" for q in unnamed]
        if first is a:
            a = replace(a, quantities=named)
        else:
            b = replace(b, quantities=named)
    return a, b, notes


def named_number_in_the_other(a: StatementView, b: StatementView) -> tuple[StatementView, StatementView, list[str]]:
    """A lone number read as the number of a name the other version gives it: "zborul 31605 al
    companiei Batik Air" against "Batik Air Flight 6321". A translator may put the name's number
    after a common noun ("le vol 6321", "рейс 6321"), where nothing marks it as part of a name.
    When one version names exactly one numbered thing the other does not, the other gives exactly
    one unnamed count and no number of a name, and the first gives no unnamed count, that count
    is read as the name's number. Returns both views and a note for the count so read."""
    notes: list[str] = []
    for first, second in ((a, b), (b, a)):
        named = [q for q in second.quantities if q.kind == "designation"
                 and not any(mine.unit_key == q.unit_key for mine in first.quantities)]
        unnamed = [q for q in first.quantities if _unnamed(q)]
        if (len(named) != 1 or len(unnamed) != 1 or any(q.kind == "designation" for q in first.quantities)
                or any(_unnamed(q) for q in second.quantities)):
            continue
        name = named[0]
        read = tuple(replace(q, kind="designation", unit=name.unit, unit_key=name.unit_key) if _unnamed(q) else q
                     for q in first.quantities)
        notes.append(f"«{unnamed[0].text}» follows no name; it is read as the number in «{name.text}», which the "
                     f"{second.statement.language} statement names")
        if first is a:
            a = replace(a, quantities=read)
        else:
            b = replace(b, quantities=read)
    return a, b, notes


def the_one_figure_that_differs(a: StatementView, b: StatementView) -> tuple[StatementView, StatementView, list[str]]:
    """An unnamed count read as what the other version counts or names in its place, when it is
    the one figure of the two versions that differs.

    "18 перемог, 20 поразок і 7 нічийних" (18 wins, 20 losses and 7 draws) against "90 meciuri
    câștigate, 20 pierdute și șapte jumătăți" (90 matches won, 20 lost, seven halves): the
    lexicon names the Romanian matches and not the Ukrainian wins, so 18 and 90 were never
    compared and the two read as agreeing on 20. Versions giving as many counts and numbers of
    names, all the same but one on each side, give that one for the same thing: when one side
    names it and the other leaves it unnamed, the unnamed one is read as a count of that thing,
    or as the number of that name ("13 lupte ... pe Channel 5" against "13 боїв ... на 25
    каналі", on channel 25). Counts not compared (a small count in words) still show which
    figures are the same. Returns both views and a note for the count so read."""
    def figures(view: StatementView) -> list[Quantity]:
        given = [*view.quantities, *(q for q, _ in view.aside)]
        return [q for q in given if q.kind in ("count", "designation") and q.value is not None]

    figures_a, figures_b = figures(a), figures(b)
    if len(figures_a) != len(figures_b) or len(figures_a) < 2:
        return a, b, []
    left_b = list(figures_b)
    left_a = []
    for quantity in figures_a:
        same = next((other for other in left_b if other.value == quantity.value), None)
        if same is None:
            left_a.append(quantity)
        else:
            left_b.remove(same)
    if len(left_a) != 1:
        return a, b, []
    (first, second), = zip(left_a, left_b)
    compared = {id(q) for q in (*a.quantities, *b.quantities)}
    if id(first) not in compared or id(second) not in compared or not _unnamed(first) and not _unnamed(second):
        return a, b, []
    if _unnamed(first) and _unnamed(second):
        # Both unnamed: ranked by size, "13 ... 25" against "13 ... 5" compared 13 with 5. The
        # figures the two share are compared with each other, and the one that differs with its own.
        def keyed(view: StatementView, differing: Quantity) -> StatementView:
            return replace(view, quantities=tuple(
                replace(q, unit_key=DIFFERING_COUNT if q is differing
                        else f"{SAME_COUNT} {format_figure(q.value)}") if _unnamed(q) else q
                for q in view.quantities))
        return keyed(a, first), keyed(b, second), []
    unnamed, named = (first, second) if _unnamed(first) else (second, first)
    reader, namer = (a, b) if unnamed is first else (b, a)
    if named.kind == "designation":
        read_as = replace(unnamed, kind="designation", unit=named.unit, unit_key=named.unit_key)
        thing = f"the number in «{named.text}», which the {namer.statement.language} statement names"
    else:
        read_as = replace(unnamed, unit_key=named.unit_key)
        thing = f"a count of {named.unit_key}, as «{named.text}» ({namer.statement.language}) is"
    read = [read_as if q is unnamed else q for q in reader.quantities]
    others = [(i, q) for i, q in enumerate(reader.quantities) if _unnamed(q) and q is not unnamed]
    for i, q in _ranked_unnamed(others):
        read[i] = q
    note = (f"«{unnamed.text}» names no counted thing; it is the one figure of the two statements that differs, "
            f"every other count the same on both sides, so it is read as {thing}")
    read_view = replace(reader, quantities=tuple(read))
    return (read_view, b, [note]) if reader is a else (a, read_view, [note])

UNNAMED_COUNTS = "unnamed counts"


def counted_alike(a: StatementView, b: StatementView) -> tuple[StatementView, StatementView]:
    """Unnamed counts in each version, but not as many ("4-1 ... 18 matches ... eight points"
    against "4–1 ... the 18th ... eight points", where one version's "18" reads as an ordinal;
    "390 commitments ... 10 billion dollars" against "1950 commitments ... 10 billion already",
    where the money went unnamed): ranks by size cannot be compared, so each count is compared
    with its closest counterpart instead (the extra ones with none). Versions that agree pair
    their equal figures first; a changed one ("20-1") meets what is left."""
    def unnamed(view: StatementView) -> list[Quantity]:
        return [q for q in view.quantities if q.unit_key.startswith(UNNAMED_COUNT)]

    counts_a, counts_b = unnamed(a), unnamed(b)
    if not counts_a or not counts_b or len(counts_a) == len(counts_b):
        return a, b

    def alike(view: StatementView) -> StatementView:
        return replace(view, quantities=tuple(replace(q, unit_key=UNNAMED_COUNTS)
                                              if q.unit_key.startswith(UNNAMED_COUNT) else q
                                              for q in view.quantities))

    return alike(a), alike(b)


def relate(group_id: str, a: StatementView, b: StatementView, tolerance: float) -> Relation:
    """The relation between two statements of one group (from different articles)."""
    a, b, readings = named_by_the_other(a, b)
    a, b, numbered = named_number_in_the_other(a, b)
    readings += numbered
    a, b, differing = the_one_figure_that_differs(a, b)
    readings += differing
    a, b = counted_alike(a, b)
    shared = sorted({q.unit_key for q in a.quantities} & {q.unit_key for q in b.quantities})
    # A number in a name ("Bellator 206") is compared with the same name's number only: one side
    # naming an event the other does not name gives no figure the other lacks.
    keys_a = {q.unit_key for q in a.quantities if q.kind != "designation"}
    keys_b = {q.unit_key for q in b.quantities if q.kind != "designation"}
    details: dict = {
        "a": _side(a), "b": _side(b), "shared_units": shared,
    }
    speaker_a, speaker_b = own_view(a), own_view(b)  # the statements the relation names, with their sources
    if a.denies != b.denies:
        denier, asserter = (a, b) if a.denies else (b, a)
        denying = next(part for part in (denier.parts or (denier,)) if part.denies)
        cue = next((h.split(": ", 1)[1] for h in denying.hedges if h.startswith("denial:")), "a denial")
        figure = next((q for q in asserter.quantities if q.unit_key in shared), None)
        speaker_a, speaker_b = (denying, own_view(asserter, figure)) if denier is a else (own_view(asserter, figure), denying)
        if shared:
            # Checked before the figures: "Pyongyang denies sending five million shells" against
            # "five million shells were sent" repeats the figure, yet contradicts the claim.
            relation = "conflicts"
            explanation = (
                f"the {denier.statement.language} statement denies («{cue}») what the "
                f"{asserter.statement.language} statement asserts: both give figures for {', '.join(shared)}."
            )
        else:
            relation = "related"
            explanation = (
                f"the {denier.statement.language} statement denies something («{cue}»), but the two share "
                f"no figure, so nothing shows that it denies what the {asserter.statement.language} statement "
                "says; read both to decide."
            )
    elif shared:
        outcomes = []
        for key in shared:
            for qa, qb in matched_figures([x for x in a.quantities if x.unit_key == key],
                                          [y for y in b.quantities if y.unit_key == key], every=key == UNNAMED_COUNTS):
                outcomes.append((key, qa, qb, *compare_figures(qa, qb, tolerance)))
        # The strongest finding speaks for the pair: any conflict (the figures furthest apart),
        # else agreement, else vagueness.
        key, qa, qb, relation, why, figure_details = min(
            outcomes, key=lambda o: (RELATION_ORDER.index(o[3]), -o[5].get("relative_difference", 0.0)))
        details["figures"] = figure_details
        speaker_a, speaker_b = own_view(a, qa), own_view(b, qb)
        if key == UNNAMED_COUNT:
            unit = "each statement's only count, of something the unit lexicon does not name"
        elif key == UNNAMED_COUNTS:
            unit = ("the statements give counts of things the unit lexicon does not name, not as many, "
                    "each compared with its closest counterpart")
        elif key == DIFFERING_COUNT or key.startswith(SAME_COUNT):
            unit = ("the statements give counts of things the unit lexicon does not name, all the same but one on each "
                    "side, which are compared with each other")
        elif qa.kind == "designation":
            unit = f"a number in the same name ({qa.unit})"
        elif key.startswith(UNNAMED_COUNT):
            unit = (f"each statement gives {key.rsplit(' of ', 1)[1].split()[0]} counts of things the unit lexicon "
                    "does not name, compared in order of size")
        else:
            unit = f"same unit ({key})"
        explanation = (
            f"«{qa.text}» ({a.statement.language}) reads {describe_quantity(qa)}; "
            f"«{qb.text}» ({b.statement.language}) reads {describe_quantity(qb)}; {unit}; {why}."
        )
        if readings:
            explanation += " (" + "; ".join(readings) + ".)"
            details["readings"] = readings
    elif keys_a and not keys_b or keys_b and not keys_a:
        relation = "underspecified"
        with_figure, without = (a, b) if keys_a else (b, a)
        quantity = next(q for q in with_figure.quantities if q.kind != "designation")
        if with_figure is a:
            speaker_a = own_view(a, quantity)
        else:
            speaker_b = own_view(b, quantity)
        explanation = (
            f"«{quantity.text}» ({with_figure.statement.language}) reads {describe_quantity(quantity)}; "
            f"the {without.statement.language} statement gives no figure for it."
        )
    elif keys_a and keys_b:
        relation = "unrelated"
        explanation = (
            f"the figures count different things ({', '.join(sorted(keys_a))} against "
            f"{', '.join(sorted(keys_b))}), so they cannot be compared."
        )
    else:
        relation = "related"
        explanation = (f"neither statement gives a figure to compare{_set_aside(a, b)}, so there is nothing to "
                       "corroborate or " + ("contradict (both deny something)." if a.denies
                                            else "contradict; read both to decide."))
    if relation == "corroborates" and reprinted(speaker_a.statement, speaker_b.statement):
        # One wire report copied by three outlets is one source: its figure agreeing with itself
        # confirms nothing, and a group of reprints alone must not read as corroboration.
        relation = "related"
        explanation = ("the two statements are one text, reprinted: they repeat one source's figure, which "
                       f"confirms nothing ({explanation})")
        details["reprint"] = True
    for side in (speaker_a, speaker_b):
        if side.said:
            explanation += f" {side.statement.language}: {side.said}."
    details["a"], details["b"] = _side(speaker_a), _side(speaker_b)
    source_id, target_id = sorted((speaker_a.statement.statement_id, speaker_b.statement.statement_id))
    return Relation(group_id=group_id, source_id=source_id, target_id=target_id, relation=relation,
                    explanation=explanation, details=details)


def _set_aside(a: StatementView, b: StatementView) -> str:
    """The figures two statements give that are not compared, with why: ' («септември», «2019 г.»:
    dates are not compared)', or "" when they give none."""
    reasons: dict[str, list[str]] = {}
    for quantity, why in (*a.aside, *b.aside):
        reasons.setdefault(why, []).append(f"«{quantity.text}»")
    if not reasons:
        return ""
    return " (" + "; ".join(f"{', '.join(dict.fromkeys(texts))}: {why}" for why, texts in reasons.items()) + ")"


REPRINT_SIMILARITY = 0.9  # share of words two statements of one language share, in order, to be one text


def reprinted(a: Statement, b: Statement) -> bool:
    """Whether two statements are one text, copied (from one wire report, say): the same language
    and at least ``REPRINT_SIMILARITY`` of their words the same, in the same order."""
    if a.language != b.language:
        return False
    words_a, words_b = a.text.casefold().split(), b.text.casefold().split()
    return SequenceMatcher(None, words_a, words_b, autojunk=False).ratio() >= REPRINT_SIMILARITY


def _side(view: StatementView) -> dict:
    return {
        "statement_id": view.statement.statement_id,
        "language": view.statement.language,
        "attribution": view.attribution,
        "stance": view.stance,
        "hedges": list(view.hedges),
        "figures": [{"text": q.text, "start": q.start, "end": q.end, "reading": describe_quantity(q)} for q in view.quantities],
    }


def summarise(relations: Sequence[Relation], key: Relation | None = None) -> tuple[str, str]:
    """The group verdict and a one-line explanation of it, from its ``key`` relation
    (:func:`key_relation` when not given)."""
    if not relations:
        return "", ""
    counts = {kind: sum(r.relation == kind for r in relations) for kind in RELATION_ORDER}
    key = key or key_relation(relations)
    pairs = "pair" if sum(counts.values()) == 1 else "pairs"
    return key.relation, f"{key.relation} ({verdict_tally(counts)} {pairs}): {key.explanation}"


def verdict_tally(counts: Mapping[str, int]) -> str:
    """How many pairs or groups have each verdict, in words: '1 conflicting, 14 related' (verdicts
    in their order; any other key, such as "no verdict", last)."""
    ordered = [*RELATION_ORDER, *sorted(set(counts) - set(RELATION_ORDER))]
    return ", ".join(f"{int(counts[kind]):,} {RELATION_ADJECTIVES.get(kind, kind)}" for kind in ordered
                     if counts.get(kind))


def key_relation(relations: Sequence[Relation], seniority: Mapping[str, int] | None = None) -> Relation | None:
    """The pair that speaks for a group's verdict, shown first: the one a judgement marked
    (``details["key"]``), else of the pairs with the strongest relation the one whose figures are
    furthest apart (for a conflict), then the one of the longest-known statements (``seniority``:
    a statement's article's ingest order), so an article that repeats a known figure does not
    take the card from the pair it repeats."""
    if not relations:
        return None
    marked = next((r for r in relations if r.details.get("key")), None)
    if marked is not None:
        return marked
    strongest = min(RELATION_ORDER.index(r.relation) for r in relations)
    candidates = [r for r in relations if RELATION_ORDER.index(r.relation) == strongest]
    newest = (lambda r: max(seniority.get(r.source_id, 0), seniority.get(r.target_id, 0))) if seniority else (lambda r: 0)
    return max(candidates, key=lambda r: (round(r.details.get("figures", {}).get("relative_difference", -1.0), 6)
                                          if r.relation == "conflicts" else 0.0, -newest(r)))


def judge_groups(
    groups: Sequence[Group],
    statements: dict[str, Statement],
    claims: dict[str, Claims],
    decisions: Sequence[Decision],
    tolerance: float,
    seniority: Mapping[str, int] | None = None,
    *,
    article_dates: Mapping[str, str] | None = None,
    apart_days: float = 30.0,
) -> tuple[list[Group], list[Relation]]:
    """Relations for every pair of versions (articles) of every group, and each group's verdict,
    with the pair that speaks for it marked (``details["key"]``, see :func:`key_relation`).

    ``article_dates`` (article id -> publication date): conflicting figures published more
    than ``apart_days`` apart give the group a qualifier (:func:`workbench.dates.date_qualifier`),
    said after its explanation; the verdict stays the figures'."""
    return judge_with(groups, statements, claims, _analyst_verdicts(groups, decisions), tolerance, seniority,
                      article_dates=article_dates, apart_days=apart_days)


@dataclass
class VerdictWork:
    """One story's groups and all that judging them needs, so a worker process can judge them
    alone (:func:`judge_story_work`)."""

    groups: list[Group]
    statements: dict[str, Statement]
    claims: dict[str, Claims]
    analyst: dict[str, Decision]  # group id -> the verdict an analyst set on it
    tolerance: float
    seniority: dict[str, int] | None
    article_dates: dict[str, str] | None
    apart_days: float


def judge_story_work(work: VerdictWork) -> tuple[list[Group], list[Relation]]:
    return judge_with(work.groups, work.statements, work.claims, work.analyst, work.tolerance, work.seniority,
                      article_dates=work.article_dates, apart_days=work.apart_days)


def judge_groups_by_story(
    groups: Sequence[Group],
    statements: dict[str, Statement],
    claims: dict[str, Claims],
    decisions: Sequence[Decision],
    tolerance: float,
    seniority: Mapping[str, int] | None = None,
    *,
    article_dates: Mapping[str, str] | None = None,
    apart_days: float = 30.0,
    map_stories: StoryMap = map_here,
) -> tuple[list[Group], list[Relation]]:
    """What :func:`judge_groups` gives, each story's groups (``Group.story_id``) judged on their
    own by ``map_stories``, largest story first: a group's verdict depends on its own statements
    only. Which group an analyst's verdict belongs to is decided here, over all groups."""
    analyst = _analyst_verdicts(groups, decisions)
    by_story: dict[str, list[Group]] = {}
    for group in groups:
        by_story.setdefault(group.story_id, []).append(group)
    order = sorted(by_story, key=lambda story: (-sum(len(g.statement_ids) for g in by_story[story]), story))

    def work(story: str) -> VerdictWork:
        members = [sid for group in by_story[story] for sid in group.statement_ids]
        articles = {statements[sid].article_id for sid in members if sid in statements}
        return VerdictWork(by_story[story], {sid: statements[sid] for sid in members if sid in statements},
                           {sid: claims[sid] for sid in members if sid in claims},
                           {g.group_id: analyst[g.group_id] for g in by_story[story] if g.group_id in analyst},
                           tolerance, None if seniority is None else {sid: seniority[sid] for sid in members
                                                                      if sid in seniority},
                           None if article_dates is None else {a: article_dates[a] for a in articles
                                                               if a in article_dates},
                           apart_days)

    judged: list[Group] = []
    relations_of: dict[str, list[Relation]] = {}
    for story_groups, story_relations in map_stories(judge_story_work, LazyWorks(order, work)):
        judged += story_groups
        for relation in story_relations:
            relations_of.setdefault(relation.group_id, []).append(relation)
    judged.sort(key=rank_key)
    return judged, [relation for group in groups for relation in relations_of.get(group.group_id, [])]


def judge_with(groups: Sequence[Group], statements: dict[str, Statement], claims: dict[str, Claims],
               analyst: Mapping[str, Decision], tolerance: float, seniority: Mapping[str, int] | None = None,
               *, article_dates: Mapping[str, str] | None = None,
               apart_days: float = 30.0) -> tuple[list[Group], list[Relation]]:
    """:func:`judge_groups`, the analysts' verdicts already matched to their groups (``analyst``)."""
    days = {sid: day_of((article_dates or {}).get(statement.article_id)) for sid, statement in statements.items()}
    judged, relations = [], []
    for group in groups:
        views = version_views(group, statements, claims)
        pairs = [relate(group.group_id, views[a], views[b], tolerance) for a, b in pairs_to_compare(group, views)]
        key = key_relation(pairs, seniority)
        pairs = [replace(r, details={**r.details, "key": True}) if r is key else r for r in pairs]
        relations.extend(pairs)
        verdict, explanation = summarise(pairs)
        qualifier = date_qualifier(pairs, days, apart_days) if article_dates else ""
        if group.group_id in analyst:
            decision = analyst[group.group_id]
            who = f" by {decision.author}" if decision.author else ""
            explanation = f"{decision.value} (set{who} on {decision.created[:10]}; computed: {verdict or 'none'})"
            judged.append(replace(group, verdict=decision.value, verdict_source="analyst", qualifier=qualifier,
                                  explanation=with_qualifier(explanation, qualifier)))
        else:
            judged.append(replace(group, verdict=verdict, verdict_source="computed" if verdict else "",
                                  qualifier=qualifier, explanation=with_qualifier(explanation, qualifier)))
    judged.sort(key=rank_key)
    return judged, relations


def version_views(group: Group, statements: dict[str, Statement], claims: dict[str, Claims]) -> dict[str, StatementView]:
    """Each article's version of the group's claim (:func:`version_of`), keyed by its first statement."""
    by_article: dict[str, list[Statement]] = {}
    for sid in group.statement_ids:
        if sid in statements:
            by_article.setdefault(statements[sid].article_id, []).append(statements[sid])
    views = (version_of(members, claims) for members in by_article.values())
    return {view.statement.statement_id: view for view in views}


def rank_key(group: Group) -> tuple:
    """Groups in rank order: conflicts first, then by how many languages and articles they span."""
    return (group.verdict != "conflicts", -len(group.languages), -len(group.article_ids), group.group_id)


def pairs_to_compare(group: Group, views: dict[str, StatementView]) -> list[tuple[str, str]]:
    """All pairs of a small group; in a big one, the pairs that can change its verdict (see above)."""
    members = [m for m in group.statement_ids if m in views]
    if len(members) <= ALL_PAIRS_UP_TO:
        return list(combinations(members, 2))
    chosen: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a != b:
            chosen.add((a, b) if a < b else (b, a))

    label = group.label_statement_id if group.label_statement_id in views else members[0]
    for member in members:
        add(member, label)
    by_unit: dict[str, list[tuple[float, str]]] = {}
    for member in members:
        for quantity in views[member].quantities:
            figure = quantity.value if quantity.value is not None else quantity.low if quantity.low is not None else quantity.high
            if figure is not None:
                by_unit.setdefault(quantity.unit_key, []).append((float(figure), member))
    for reported in by_unit.values():
        reported.sort()
        lowest, highest, median = reported[0][1], reported[-1][1], reported[len(reported) // 2][1]
        add(lowest, highest)
        for _, member in reported:
            add(member, median)
    return sorted(chosen)


def _analyst_verdicts(groups: Sequence[Group], decisions: Sequence[Decision]) -> dict[str, Decision]:
    """Each set_verdict decision goes to the group that holds most of the members it was set on."""
    chosen: dict[str, Decision] = {}
    for decision in sorted((d for d in decisions if d.kind == "set_verdict"), key=lambda d: (d.created, d.decision_id or 0)):
        members = set(decision.statement_ids)
        best, best_share = None, 0.0
        for group in groups:
            share = len(members & set(group.statement_ids)) / max(len(members), 1)
            if share > best_share:
                best, best_share = group, share
        if best is not None and best_share >= 0.5:
            chosen[best.group_id] = decision
    return chosen
