"""Publication dates: reading them, and what they say about figures that disagree.

A figure is true of its time. "More than a million shells" reported in November 2023 and
"nearly five million" in June 2024 may both be right: the count grew. The verdict stays the
figures' (and the analyst's); :func:`date_qualifier` only says, in the group's explanation,
that the conflicting figures were published months apart.

Dates are read as stories read them (ISO 8601, ``YYYY-MM-DD`` and anything after it): pages
and feeds give them so, and a row's ``published`` in another form is stored as written but
not used.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Mapping, Sequence

from .model import Relation

# Words for how far apart two dates are: days under this many, then months, then years.
DAYS_IN_WORDS_UP_TO = 45
MONTHS_IN_WORDS_UP_TO = 730
DAYS_PER_MONTH = 30.44


def day_of(value: str | None) -> date | None:
    """The calendar day of an ISO 8601 date or date-time ("2024-06-18", "2024-06-18T08:30:00+02:00"),
    or None when there is none or it does not parse."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()[:10]).date()
    except ValueError:
        return None


def gap_in_words(days: int) -> str:
    """"12 days", "7 months", "2 years": how far apart two publication dates are."""
    if days < DAYS_IN_WORDS_UP_TO:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < MONTHS_IN_WORDS_UP_TO:
        months = round(days / DAYS_PER_MONTH)
        return f"{months} month{'s' if months != 1 else ''}"
    years = round(days / 365.25)
    return f"{years} years"


def date_qualifier(relations: Sequence[Relation], statement_days: Mapping[str, date | None],
                   apart_days: float) -> str:
    """What the dates add to a group's conflict, in words, or "".

    ``relations``: the group's pairs; ``statement_days``: each statement's publication day.
    Only conflicts between figures count. When every such conflict whose two articles are
    both dated was published more than ``apart_days`` apart, that is said, with which way the
    figures went: "reported 7 months apart (2023-11-09 and 2024-06-18): the count may have
    grown in between" (several conflicts: "reported 2 to 5 months apart (2024-01-10 to
    2024-06-18)"). A conflict between figures published together stands as it is, so then
    nothing is said; undated pairs say nothing either way.
    """
    apart = []
    for relation in relations:
        figures = relation.details.get("figures")
        if relation.relation != "conflicts" or not figures:
            continue
        first, second = (relation.details[side]["statement_id"] for side in ("a", "b"))
        days = statement_days.get(first), statement_days.get(second)
        if days[0] is None or days[1] is None:
            continue
        gap = abs((days[1] - days[0]).days)
        if gap <= apart_days:
            return ""
        apart.append((gap, days, figures))
    if not apart:
        return ""
    gaps = sorted(gap for gap, _, _ in apart)
    dated = sorted({day for _, days, _ in apart for day in days})
    when = (f"{gap_in_words(gaps[0])} apart ({dated[0].isoformat()} and {dated[-1].isoformat()})" if len(apart) == 1
            else f"{_span_in_words(gaps[0], gaps[-1])} apart ({dated[0].isoformat()} to {dated[-1].isoformat()})")
    directions = {_direction(figures, later_is_a=days[0] > days[1]) for _, days, figures in apart}
    noun = "count" if all(figures.get("a", {}).get("kind") == "count" for _, _, figures in apart) else "figure"
    if directions == {"up"}:
        change = f"the {noun} may have grown in between"
    elif directions == {"down"}:
        change = f"the {noun} may have changed in between (the later one is lower)"
    else:
        change = f"the {noun} may have changed in between"
    return f"reported {when}: {change}"


def _span_in_words(shortest: int, longest: int) -> str:
    """"2 to 5 months", "17 months to 3 years"."""
    low, high = gap_in_words(shortest), gap_in_words(longest)
    if low == high:
        return low
    low_number, low_unit = low.split(" ", 1)
    high_unit = high.split(" ", 1)[1]
    return f"{low_number} to {high}" if low_unit.rstrip("s") == high_unit.rstrip("s") else f"{low} to {high}"


def _direction(figures: dict, *, later_is_a: bool) -> str:
    """"up" when the later of two reported figures is the larger, "down" when smaller, else ""."""
    reported = figures.get("reported")
    if not reported or reported[0] == reported[1]:
        return ""
    later, earlier = (reported[0], reported[1]) if later_is_a else (reported[1], reported[0])
    return "up" if later > earlier else "down"


def with_qualifier(explanation: str, qualifier: str) -> str:
    """A verdict's explanation with the qualifier said after it."""
    if not qualifier:
        return explanation
    return f"{explanation.rstrip()} {qualifier[0].upper()}{qualifier[1:]}."
