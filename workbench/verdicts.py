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
   technically met, but the reported figures are five times apart). A vague
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

from dataclasses import dataclass, replace
from itertools import combinations
from typing import Sequence

from .attribution import sources_in_words, summarize_hedging
from .model import VERDICTS, Claims, Decision, Group, Quantity, Relation, Statement

COMPARABLE_KINDS = {"count", "money", "percent", "measure", "duration"}
ALL_PAIRS_UP_TO = 12
RELATION_ORDER = VERDICTS


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


UNNAMED_COUNT = "unnamed count"


def view_of(statement: Statement, claims: Claims | None) -> StatementView:
    """What the verdict stage compares. A count whose noun the unit lexicon does not know ("18
    matchs", "90 мача") is compared as the statement's one such count: in a claim group, two
    versions of one fact each giving a single unnamed count give it for the same thing. A
    statement with several ("Ayr 38 - 17 Melrose", "a record of 18-7 with 300 strikeouts")
    has each keyed by its rank in size and their number, so it is compared only with a
    version giving as many, smallest with smallest: the order of size survives translation
    and reordering, where the order of words need not."""
    claims = claims or Claims()
    comparable = tuple(q for q in claims.quantities if q.kind in COMPARABLE_KINDS and q.unit_key)
    unnamed = [q for q in claims.quantities if q.kind == "count" and not q.unit_key and q.value is not None]
    if len(unnamed) == 1:
        comparable += (replace(unnamed[0], unit_key=UNNAMED_COUNT),)
    elif unnamed:
        ranked = sorted(unnamed, key=lambda q: (q.value, q.start))
        comparable += tuple(replace(q, unit_key=f"{UNNAMED_COUNT}, no. {rank} of {len(ranked)} by size")
                            for rank, q in enumerate(ranked, 1))
    attribution = claims.attributions[0].text if claims.attributions else ""
    return StatementView(
        statement=statement,
        quantities=comparable,
        attribution=attribution,
        said=sources_in_words(claims.attributions, claims.hedges, statement.language),
        stance=summarize_hedging(claims.hedges),
        hedges=tuple(f"{h.kind}: {h.text}" for h in claims.hedges),
        denies=any(h.kind == "denial" for h in claims.hedges),
    )


def format_figure(value: float | None) -> str:
    if value is None:
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_quantity(quantity: Quantity) -> str:
    """The reading of one figure in words: 'more than 1,000,000 shell (1,000,000 or more)',
    'nearly 5,000,000 shell (from 4,500,000 to 5,000,000)', '3,000 shell'."""
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


def matched_figures(a: Sequence[Quantity], b: Sequence[Quantity]) -> list[tuple[Quantity, Quantity]]:
    """Which figures of one unit in two statements are compared with each other.

    Two versions giving as many figures for one thing ("33, 34 and 39 years" against "165, 34 and
    39 years") list the same figures: each is paired with its closest counterpart, closest pairs
    first, so one changed figure is compared with the one it replaced. A statement giving more
    figures than the other ("first 1 million, now 5 million" against "5 million") may add a
    figure the other leaves out: only the two closest readings are compared."""
    candidates = sorted(((i, j) for i in range(len(a)) for j in range(len(b))), key=lambda ij: _gap(a[ij[0]], b[ij[1]]))
    if len(a) != len(b):
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


def relate(group_id: str, a: StatementView, b: StatementView, tolerance: float) -> Relation:
    """The relation between two statements of one group (from different articles)."""
    keys_a = {q.unit_key for q in a.quantities}
    keys_b = {q.unit_key for q in b.quantities}
    shared = sorted(keys_a & keys_b)
    details: dict = {
        "a": _side(a), "b": _side(b), "shared_units": shared,
    }
    if a.denies != b.denies:
        denier, asserter = (a, b) if a.denies else (b, a)
        cue = next((h.split(": ", 1)[1] for h in denier.hedges if h.startswith("denial:")), "a denial")
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
                                          [y for y in b.quantities if y.unit_key == key]):
                outcomes.append((key, qa, qb, *compare_figures(qa, qb, tolerance)))
        # The strongest finding speaks for the pair: any conflict, else agreement, else vagueness.
        key, qa, qb, relation, why, figure_details = min(outcomes, key=lambda o: RELATION_ORDER.index(o[3]))
        details["figures"] = figure_details
        if key == UNNAMED_COUNT:
            unit = "each statement's only count, of something the unit lexicon does not name"
        elif key.startswith(UNNAMED_COUNT):
            unit = (f"each statement gives {key.rsplit(' of ', 1)[1].split()[0]} counts of things the unit lexicon "
                    "does not name, compared in order of size")
        else:
            unit = f"same unit ({key})"
        explanation = (
            f"«{qa.text}» ({a.statement.language}) reads {describe_quantity(qa)}; "
            f"«{qb.text}» ({b.statement.language}) reads {describe_quantity(qb)}; {unit}; {why}."
        )
    elif keys_a and not keys_b or keys_b and not keys_a:
        relation = "underspecified"
        with_figure, without = (a, b) if keys_a else (b, a)
        quantity = with_figure.quantities[0]
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
        explanation = ("neither statement gives a figure, so there is nothing to corroborate or "
                       + ("contradict (both deny something)." if a.denies else "contradict; read both to decide."))
    for side in (a, b):
        if side.said:
            explanation += f" {side.statement.language}: {side.said}."
    source_id, target_id = sorted((a.statement.statement_id, b.statement.statement_id))
    return Relation(group_id=group_id, source_id=source_id, target_id=target_id, relation=relation,
                    explanation=explanation, details=details)


def _side(view: StatementView) -> dict:
    return {
        "statement_id": view.statement.statement_id,
        "language": view.statement.language,
        "attribution": view.attribution,
        "stance": view.stance,
        "hedges": list(view.hedges),
        "figures": [{"text": q.text, "start": q.start, "end": q.end, "reading": describe_quantity(q)} for q in view.quantities],
    }


def summarise(relations: Sequence[Relation]) -> tuple[str, str]:
    """The group verdict and a one-line explanation of it."""
    if not relations:
        return "", ""
    counts = {kind: sum(r.relation == kind for r in relations) for kind in RELATION_ORDER}
    verdict = next(kind for kind in RELATION_ORDER if counts[kind])
    key = next(r for r in relations if r.relation == verdict)
    tally = ", ".join(f"{counts[k]} {k}" for k in RELATION_ORDER if counts[k])
    return verdict, f"{verdict} ({tally} pair{'s' if len(relations) != 1 else ''}): {key.explanation}"


def judge_groups(
    groups: Sequence[Group],
    statements: dict[str, Statement],
    claims: dict[str, Claims],
    decisions: Sequence[Decision],
    tolerance: float,
) -> tuple[list[Group], list[Relation]]:
    """Relations for every cross-article pair of every group, and each group's verdict."""
    views = {sid: view_of(statements[sid], claims.get(sid)) for g in groups for sid in g.statement_ids if sid in statements}
    analyst = _analyst_verdicts(groups, decisions)
    judged, relations = [], []
    for group in groups:
        views.update(version_views(group, statements, claims))
        pairs = [
            relate(group.group_id, views[a], views[b], tolerance)
            for a, b in pairs_to_compare(group, views)
            if views[a].statement.article_id != views[b].statement.article_id
        ]
        relations.extend(pairs)
        verdict, explanation = summarise(pairs)
        if group.group_id in analyst:
            decision = analyst[group.group_id]
            who = f" by {decision.author}" if decision.author else ""
            explanation = f"{decision.value} (set{who} on {decision.created[:10]}; computed: {verdict or 'none'})"
            judged.append(replace(group, verdict=decision.value, verdict_source="analyst", explanation=explanation))
        else:
            judged.append(replace(group, verdict=verdict, verdict_source="computed" if verdict else "",
                                  explanation=explanation))
    judged.sort(key=rank_key)
    return judged, relations


def version_views(group: Group, statements: dict[str, Statement], claims: dict[str, Claims]) -> dict[str, StatementView]:
    """Views for the statements of a group that holds several of one article: a line that
    article tells in two sentences (group.split_lines), or a fact it states twice. Each is
    compared with the figures of all of them, as one version: with "... 75 % ..." and "... (75 %)"
    in two French sentences against "75% ... 15%" in one Bulgarian line, the second French 75
    meets the Bulgarian 15. A statement's own sources and hedges stay its own."""
    by_article: dict[str, list[Statement]] = {}
    for sid in group.statement_ids:
        if sid in statements:
            by_article.setdefault(statements[sid].article_id, []).append(statements[sid])
    merged: dict[str, StatementView] = {}
    for members in by_article.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda statement: statement.position)
        quantities = [q for member in members for q in (claims.get(member.statement_id) or Claims()).quantities]
        for member in members:
            own = claims.get(member.statement_id) or Claims()
            merged[member.statement_id] = view_of(member, replace(own, quantities=quantities))
    return merged


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
