"""Periods resolved by code that a fresh data set's one run showed wrong (v10), German, English
and Swiss German: two bare days placed in the one month the message names ("Ende Mai, ich mein
vom 26. bis zum 31.") or, naming none, in the latest month they have begun in, abbreviated
months in dates ("Apr 28", "27. Okt."), two weekdays joined as a span ("am Samstag und
Sonntag", "letzte Woche, also Montag bis Mittwoch"), a month's start up to today ("since June
began", "seit Anfang Mai"), Swiss weekdays ("am Sunntig"), a day named by pointing back to one
named before ("Am Muttertag … an dem Sonntag"), and keywords misspelt by one edit ("Whcih
hour", "Verbauch").

The phrasings are our own, written for the patterns; the data set itself is measured by
``benchmarks/bench_data_answers.py``. No database and no model: the rules decide."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from luna.graphs.agent import measures, named_periods
from luna.graphs.agent.named_periods import message_period
from luna.graphs.agent.spelling import keywords, with_keywords_spelt
from luna.retrieval.periods import month_number
from tests.graphs.rule_probe import RuleProbe, thread

NOW = datetime(2025, 6, 11, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
TODAY = NOW.date()
# Whit Sunday 2025 is 8 June, Mother's Day 11 May.

PROBE = RuleProbe(NOW)


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        # two bare days in the month named before them
        ("Verbrauch Ende Mai, ich meine vom 27. bis zum 30., bitte", "2025-05-27", "2025-05-30"),
        ("Wie viel Solarstrom Anfang Juni, also vom 2. bis 5.?", "2025-06-02", "2025-06-05"),
        (
            "Late April, I mean from the 24th to the 29th: what did we use?",
            "2025-04-24",
            "2025-04-29",
        ),
        (
            "Zwischen dem 3. und dem 6. im März, wie hoch war der Verbrauch?",
            "2025-03-03",
            "2025-03-06",
        ),
        # two bare days and no month named: the latest such days that have begun
        ("eigenverbrauch M-001 vom 3. bis 9., wieviel kwh?", "2025-06-03", "2025-06-09"),
        ("Wie viel haben wir vom 20. bis zum 25. verbraucht?", "2025-05-20", "2025-05-25"),
        # abbreviated months
        ("Consumption between Mar 30 and Apr 2?", "2025-03-30", "2025-04-02"),
        ("Verbrauch vom 28. Feb. bis zum 3. Mrz.?", "2025-02-28", "2025-03-03"),
        ("What did we pay from Sept. 29 to Oct 1, 2024?", "2024-09-29", "2024-10-01"),
        # two weekdays as a span
        ("Wie viel haben wir am Freitag und Samstag verbraucht?", "2025-06-06", "2025-06-07"),
        (
            "Last weekend, i.e. Saturday and Sunday: how much did the panels make?",
            "2025-06-07",
            "2025-06-08",
        ),
        (
            "Letzte Woche, genauer gesagt Dienstag bis Donnerstag: Verbrauch?",
            "2025-06-03",
            "2025-06-05",
        ),
        ("Usage from Friday to Monday?", "2025-06-06", "2025-06-09"),
        # a month's start up to today
        ("How much have we used since May began?", "2025-05-01", "2025-06-11"),
        ("Verbrauch seit Anfang Juni?", "2025-06-01", "2025-06-11"),
        ("What did we use since the beginning of April?", "2025-04-01", "2025-06-11"),
        # Swiss German weekdays
        ("Wie viel hät d'Anlag am Samschtig produziert?", "2025-06-07", "2025-06-07"),
        # a day named by pointing back
        (
            "Am Pfingstmontag war das Haus voll. Wie viel haben wir an diesem Tag verbraucht?",
            "2025-06-09",
            "2025-06-09",
        ),
        (
            "On Mother's Day we cooked for twelve. What was our peak on that Sunday?",
            "2025-05-11",
            "2025-05-11",
        ),
    ],
)
def test_the_period_is_read_by_code(message: str, first: str, last: str):
    assert PROBE.span(message) == (first, last)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # "und" joins two weekdays as a span only where the second follows the first
        ("Verbrauch am Montag und Donnerstag?", (date(2025, 6, 9), date(2025, 6, 9))),
        # "since May 30" is a date, no month's start
        ("How much since May 30?", (date(2025, 5, 30), date(2025, 6, 11))),
        # a modal "may" after "since" is no month
        ("Since may I ask, how much did we use yesterday?", ("yesterday", None)),
        # an abbreviation alone is no month: "Jan" is a name here
        ("Wie viel hat Jan gestern verbraucht?", ("yesterday", None)),
        # bare days with no one month named are no range
        ("Vom 26. bis zum 31. im Mai oder Juni?", None),
    ],
)
def test_what_the_patterns_leave_alone(
    message: str, expected: tuple[date, date] | tuple[str, None] | None
):
    period, days = message_period(message, TODAY, "DE")
    if expected is None:
        assert days is None or days[0] != date(2025, 5, 26) or days[1] != date(2025, 5, 31)
    elif isinstance(expected[0], str):
        assert (period, days) == (expected[0], None)
    else:
        assert days == expected


@pytest.mark.parametrize(
    ("name", "number"),
    [("Apr", 4), ("Sept.", 9), ("Okt", 10), ("Mrz", 3), ("Dez.", 12), ("Ju", None), ("Mai", 5)],
)
def test_month_abbreviations(name: str, number: int | None):
    assert month_number(name) == number


@pytest.mark.parametrize(
    ("typed", "spelt"),
    [
        (
            "Whcih hour since June began had the biggest consumption?",
            "Which hour since June began had the biggest consumption?",
        ),
        ("Wie hoch war der Verbauch letzte Woche?", "Wie hoch war der Verbrauch letzte Woche?"),
        (
            "What was our avrage electrcity use in May?",
            "What was our average electricity use in May?",
        ),
        ("wieviel kwh haben wir gestern verbaucht?", "wieviel kwh haben wir gestern verbraucht?"),
    ],
)
def test_misspelt_keywords_are_read_as_meant(typed: str, spelt: str):
    """A misspelt keyword (one edit away, and no word of its own) asks what it means to."""
    assert PROBE.calls(spelt)
    assert PROBE.calls(typed) == PROBE.calls(spelt)


def test_real_words_near_a_keyword_stay_as_written():
    """ "Leitung" is no misspelt "Leistung", "sending" no "spending": words stay words."""
    vocabulary = keywords([measures, named_periods])
    text = "Die Leitung zum Zähler, sending data, seit diesen Tagen"
    assert with_keywords_spelt(text, vocabulary) == text
    assert with_keywords_spelt("the avrage price", vocabulary) == "the average price"


@pytest.mark.parametrize(
    "follow_up", ["how about across May?", "And throughout May?", "und über den ganzen Mai?"]
)
def test_a_follow_up_across_a_month_reads_that_month(follow_up: str):
    history = thread(
        "What was the lowest day-ahead price yesterday?",
        series="price",
        focus="min",
        period="yesterday",
        resolution="hour",
    )
    args = PROBE.call(follow_up, history)
    assert (args["series"], args["focus"]) == ("price", "min")
    assert (args["start"], args["end"]) == ("2025-05-01", "2025-05-31")
