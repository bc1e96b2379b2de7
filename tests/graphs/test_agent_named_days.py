"""Days and ranges a data question names, resolved by code: a range stays a range (both days
included) in every common German and English form, a misspelt weekday is still that weekday,
and words that only look like weekdays are none."""

from __future__ import annotations

from datetime import date

import pytest

from luna.graphs.agent.named_days import named_days, weekday_of

TODAY = date(2025, 6, 18)  # a Wednesday


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Wie viel Strom habe ich vom 2. bis 8. Juni verbraucht?", "2025-06-02", "2025-06-08"),
        ("Verbrauch 3.–9. Juni bitte", "2025-06-03", "2025-06-09"),
        ("Was kostete der Strom zwischen dem 12. und 16. Mai?", "2025-05-12", "2025-05-16"),
        ("PV-Ertrag vom 02.06. bis 05.06.", "2025-06-02", "2025-06-05"),
        ("Verbrauch 10.6.-14.6.2025", "2025-06-10", "2025-06-14"),
        ("Wie viel habe ich vom 29. Mai bis 2. Juni gebraucht?", "2025-05-29", "2025-06-02"),
        ("Und vom 27. bis 3. Juni?", "2025-05-27", "2025-06-03"),
        ("Stromkosten seit dem 10. Juni", "2025-06-10", "2025-06-18"),
        ("Verbrauch vom 1. Juni bis gestern", "2025-06-01", "2025-06-17"),
        ("How much did I use from 4 to 10 June?", "2025-06-04", "2025-06-10"),
        ("usage 11-13 June", "2025-06-11", "2025-06-13"),
        ("What did I pay between 20 May and 27 May?", "2025-05-20", "2025-05-27"),
        ("Solar output June 2 to June 6?", "2025-06-02", "2025-06-06"),
        ("consumption from June 9th through 12th", "2025-06-09", "2025-06-12"),
        ("prices from the 1st to the 5th of June", "2025-06-01", "2025-06-05"),
        ("How much since May 30?", "2025-05-30", "2025-06-18"),
        ("between the 2nd and the 4th of June", "2025-06-02", "2025-06-04"),
        ("Und in den letzten 3 Tagen?", "2025-06-15", "2025-06-17"),
        ("over the past two weeks", "2025-06-04", "2025-06-17"),
        ("Wie viel PV am Wochenende?", "2025-06-14", "2025-06-15"),
        # a range in a year's last days asked in the next year lies in the year before
        ("from 28 December to 2 January", "2024-12-28", "2025-01-02"),
    ],
)
def test_a_range_is_a_range_with_both_days(message: str, first: str, last: str):
    assert named_days(message, TODAY) == (date.fromisoformat(first), date.fromisoformat(last))


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("Verbrauch am Donerstag?", "2025-06-12"),
        ("Wie viel am Dienstg?", "2025-06-17"),
        ("und am Mitwoch?", "2025-06-11"),
        ("what about wendsday", "2025-06-11"),
        ("How much on thursdy?", "2025-06-12"),
        ("Verbrauch Montagabend", "2025-06-16"),
        ("Sundays consumption", "2025-06-15"),
        # two single days ("am 3. und 5."), a clock-time span, no range: the date named
        ("Verbrauch von 10 bis 12 Uhr am 3. Juni", "2025-06-03"),
    ],
)
def test_single_days_and_misspelt_weekdays_are_the_latest_before_today(message: str, day: str):
    assert named_days(message, TODAY) == (date.fromisoformat(day), date.fromisoformat(day))


@pytest.mark.parametrize(
    "word", ["Monat", "Monate", "Diensten", "money", "Sonne", "sonnig", "today"]
)
def test_words_that_only_look_like_weekdays_are_none(word: str):
    assert weekday_of(word) is None


def test_nothing_named_is_nothing():
    assert named_days("Wie viel habe ich verbraucht?", TODAY) is None
    assert named_days("Zähler M-001, bitte", TODAY) is None


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Wie viel Strom habe ich am dritten Juni verbraucht?", "2025-06-03", "2025-06-03"),
        ("Und am einundzwanzigsten Mai?", "2025-05-21", "2025-05-21"),
        ("And on the twenty-first of May?", "2025-05-21", "2025-05-21"),
        ("consumption on June the fifth", "2025-06-05", "2025-06-05"),
        ("usage June 4th", "2025-06-04", "2025-06-04"),
        ("PV am 4.6.", "2025-06-04", "2025-06-04"),
        ("Verbrauch vom ersten bis zum siebten Juni", "2025-06-01", "2025-06-07"),
        ("between the second and the fourth of June", "2025-06-02", "2025-06-04"),
        ("Kosten für die ersten zehn Tage im Juni", "2025-06-01", "2025-06-10"),
        ("What did I use in the first ten days of June?", "2025-06-01", "2025-06-10"),
        ("the last five days of May", "2025-05-27", "2025-05-31"),
        ("Verbrauch in der letzten Maiwoche", "2025-05-25", "2025-05-31"),
        ("PV output in the second half of May", "2025-05-16", "2025-05-31"),
        ("Und die letzten drei Tage?", "2025-06-15", "2025-06-17"),
        ("over the past three days", "2025-06-15", "2025-06-17"),
        # a month part that has not ended yet stops today
        ("die zweite Junihälfte", "2025-06-16", "2025-06-18"),
    ],
)
def test_days_written_in_words_or_ordinals_are_the_dates_they_name(
    message: str, first: str, last: str
):
    assert named_days(message, TODAY, "DE") == (
        date.fromisoformat(first),
        date.fromisoformat(last),
    )


@pytest.mark.parametrize(
    "message", ["die ersten zehn Tage", "the first meter", "Wie war der zweite Versuch?"]
)
def test_ordinals_that_count_no_day_name_none(message: str):
    assert named_days(message, TODAY, "DE") is None


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Wie viel Strom habe ich am Pfingstmontag verbraucht?", "2025-06-09", "2025-06-09"),
        ("How much did we use on Whit Monday?", "2025-06-09", "2025-06-09"),
        ("PV-Ertrag am Tag der Arbeit", "2025-05-01", "2025-05-01"),
        ("Was hat der Strom an Ostern gekostet?", "2025-04-20", "2025-04-20"),
        ("consumption on Good Friday", "2025-04-18", "2025-04-18"),
        ("am ersten Weihnachtsfeiertag", "2024-12-25", "2024-12-25"),
        ("What did I use on Christmas Day?", "2024-12-25", "2024-12-25"),
        ("Boxing Day", "2024-12-26", "2024-12-26"),
        ("am Ostermontag 2024", "2024-04-01", "2024-04-01"),
        ("Karfreitag letztes Jahr", "2024-03-29", "2024-03-29"),
        ("Verbrauch über Ostern", "2025-04-18", "2025-04-21"),
        ("over the Easter weekend", "2025-04-18", "2025-04-21"),
        ("Kosten seit Pfingsten", "2025-06-08", "2025-06-18"),
        ("An Auffahrt war schönes Wetter, was kam vom Dach?", "2025-05-29", "2025-05-29"),
        ("Verbrauch am Männertag", "2025-05-29", "2025-05-29"),
        ("Was lief an Fronleichnam?", "2024-05-30", "2024-05-30"),
        ("usage on Corpus Christi", "2024-05-30", "2024-05-30"),
    ],
)
def test_public_holidays_are_days_of_the_sites_country(message: str, first: str, last: str):
    assert named_days(message, TODAY, "DE") == (
        date.fromisoformat(first),
        date.fromisoformat(last),
    )


def test_a_holiday_is_the_one_of_the_configured_country():
    """The same words, another country's calendar: the library's, not a table of ours."""
    national_day = (date(2024, 10, 26), date(2024, 10, 26))
    assert named_days("Verbrauch am Nationalfeiertag", TODAY, "AT") == national_day
    assert named_days("Verbrauch am Nationalfeiertag", TODAY, "DE") is None
    assert named_days("usage on Labor Day", TODAY, "US") == (date(2024, 9, 2), date(2024, 9, 2))
    assert named_days("usage on Labor Day", TODAY, "DE") == (date(2025, 5, 1), date(2025, 5, 1))
