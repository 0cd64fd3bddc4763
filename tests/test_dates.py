"""Dates in the analysis: they bound stories in time, and qualify conflicting figures
published apart ("reported 7 months apart: the count may have grown"), leaving the verdict to
the figures and the analyst."""

from __future__ import annotations

from datetime import date

import pytest

from newssite import PAGES
from workbench.dates import date_qualifier, day_of, gap_in_words
from workbench.model import Claims, Group, Quantity, Statement
from workbench.verdicts import judge_groups

SHELLS = "shell"


def statement(sid: str, article: str) -> Statement:
    return Statement(statement_id=sid, article_id=article, position=0, start=0, end=10, text=f"text {sid}",
                     language="en")


def figure(value: float, kind: str = "count") -> Claims:
    return Claims(quantities=[Quantity(text=f"{value:g} shells", start=0, end=5, value=value, low=value, high=value,
                                       unit="shells", unit_key=SHELLS, kind=kind, language="en")])


def judge(values: dict[str, float], dates: dict[str, str], *, kind: str = "count", apart_days: float = 30.0) -> Group:
    """A group of one statement per article, each giving ``values[article]`` shells."""
    statements = {f"s{a}": statement(f"s{a}", a) for a in values}
    claims = {f"s{a}": figure(value, kind) for a, value in values.items()}
    group = Group(group_id="g1", statement_ids=tuple(statements), label_statement_id=next(iter(statements)),
                  tier="confirmed", article_ids=tuple(values), languages=("en",))
    [judged], _ = judge_groups([group], statements, claims, [], 0.1, article_dates=dates, apart_days=apart_days)
    return judged


def test_conflicting_figures_published_months_apart_are_qualified_not_acquitted():
    group = judge({"a": 1_000_000, "b": 5_000_000}, {"a": "2023-11-09", "b": "2024-06-18T08:30:00+02:00"})
    assert group.verdict == "conflicts"  # the verdict stays the figures'
    assert group.qualifier == "reported 7 months apart (2023-11-09 and 2024-06-18): the count may have grown in between"
    assert group.explanation.endswith(" Reported 7 months apart (2023-11-09 and 2024-06-18): the count may have grown "
                                      "in between.")


@pytest.mark.parametrize("values, dates, expected", [
    # the later figure is the lower one
    ({"a": 5_000_000, "b": 1_000_000}, {"a": "2023-01-10", "b": "2023-04-10"},
     "reported 3 months apart (2023-01-10 and 2023-04-10): the count may have changed in between (the later one is lower)"),
    # published the same week: the conflict stands as it is
    ({"a": 1_000_000, "b": 5_000_000}, {"a": "2024-06-18", "b": "2024-06-20"}, ""),
    # one side undated: nothing is said either way
    ({"a": 1_000_000, "b": 5_000_000}, {"a": "2023-11-09", "b": ""}, ""),
    # agreeing figures need no qualifier
    ({"a": 1_000_000, "b": 1_050_000}, {"a": "2023-11-09", "b": "2024-06-18"}, ""),
    # two conflicts, one between figures published together: that one stands, so nothing is said
    ({"a": 1_000_000, "b": 5_000_000, "c": 5_000_000}, {"a": "2023-11-09", "b": "2024-06-18", "c": "2023-11-10"}, ""),
    # every conflict apart, the figures growing: how far apart, from the first date to the last
    ({"a": 1_000_000, "b": 5_000_000, "c": 9_000_000}, {"a": "2021-01-01", "b": "2022-06-01", "c": "2024-06-01"},
     "reported 17 months to 3 years apart (2021-01-01 to 2024-06-01): the count may have grown in between"),
    ({"a": 1_000_000, "b": 3_000_000, "c": 5_000_000}, {"a": "2024-01-10", "b": "2024-03-05", "c": "2024-06-18"},
     "reported 2 to 5 months apart (2024-01-10 to 2024-06-18): the count may have grown in between"),
    # up then down: which way it went is not said
    ({"a": 1_000_000, "b": 5_000_000, "c": 2_000_000}, {"a": "2021-01-01", "b": "2022-06-01", "c": "2024-06-01"},
     "reported 17 months to 3 years apart (2021-01-01 to 2024-06-01): the count may have changed in between"),
])
def test_the_qualifier_speaks_only_when_every_dated_conflict_is_far_apart(values, dates, expected):
    assert judge(values, dates).qualifier == expected


def test_a_measure_is_a_figure_and_the_threshold_is_a_setting():
    assert judge({"a": 10, "b": 50}, {"a": "2024-01-01", "b": "2024-03-01"}, kind="money").qualifier == \
        "reported 2 months apart (2024-01-01 and 2024-03-01): the figure may have grown in between"
    assert judge({"a": 10, "b": 50}, {"a": "2024-01-01", "b": "2024-03-01"}, apart_days=90).qualifier == ""


def test_dates_in_words_and_as_read():
    assert [gap_in_words(days) for days in (1, 12, 44, 45, 222, 729, 800)] == \
        ["1 day", "12 days", "44 days", "1 month", "7 months", "24 months", "2 years"]
    assert day_of("2024-06-18T08:30:00+02:00") == date(2024, 6, 18)
    assert day_of("18 June 2024") is None and day_of("") is None
    assert date_qualifier([], {}, 30) == ""


@pytest.fixture(scope="module")
def dated_workbenches(dated_samples, tmp_path_factory):
    """The dated samples analysed twice: with the default story.max_days (14), and with a year's
    span so that the whole arms-deliveries story, 2023 and 2024, is one."""
    from workbench import Config, Workbench

    opened = {}
    for name, overrides in (("default", None), ("year", {"story.max_days": "400"})):
        workbench = Workbench(Config.load(workspace=str(tmp_path_factory.mktemp(name) / "ws"), overrides=overrides))
        assert not workbench.ingest([dated_samples]).errors
        workbench.analyze()
        opened[name] = workbench
    yield opened
    for workbench in opened.values():
        workbench.close()


def test_dates_bound_stories_in_time(dated_workbenches, analysed_samples):
    """Undated, the five samples tell one story; dated, the 2023 summit, the November 2023
    estimate and the June 2024 visit are told apart, and the shells figures are no longer compared."""
    assert len(analysed_samples.stories()) == 1
    dated = dated_workbenches["default"]
    stories = {dated.store.article(a).published: story.story_id for story in dated.stories() for a in story.article_ids}
    assert stories[PAGES[2].published] != stories[PAGES[4].published]
    assert not [g for g in dated.groups() if g.verdict == "conflicts" and {"fr", "bg"} <= set(g.languages)]


def test_the_shells_conflict_reported_months_apart_carries_the_qualifier(dated_workbenches, tmp_path):
    workbench = dated_workbenches["year"]
    [shells] = [g for g in workbench.groups() if g.verdict == "conflicts"]
    assert shells.qualifier == ("reported 7 months apart (2023-11-09 and 2024-06-18): the count may have grown in "
                                "between")
    frame = workbench.groups_frame([shells.group_id])
    assert set(frame["verdict_qualifier"]) == {shells.qualifier}
    assert set(frame["published"]) == {PAGES[2].published, PAGES[4].published}
    assert set(frame["outlet"]) == {PAGES[2].outlet, PAGES[4].outlet}
    statements = workbench.statements_frame()
    assert statements["published"].isin([page.published for page in PAGES]).all()
    assert statements["url"].str.startswith("https://news.example/").all()
