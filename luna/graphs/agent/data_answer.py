"""Answers to data questions written by code from the tool's figures, not by the model.

A consumption, production, cost or price question resolved to ``query_timeseries`` has its
answer in the tool's figures already (total, peak hour, cost, mean price). The local model
turned "18.62 kWh" into "[18.62 kWh] kWh", switched to English on a German follow-up and took
tens of seconds;
here the sentence is a template per language, the numbers and dates are formatted for the
user's locale ("18,62 kWh", "02.12.2026"), the period is named in words and the data source
is cited. Anything the templates do not cover (a forecast, a schedule, a tariff, several
results of different kinds, an aggregation other than a sum) returns None and the model
composes as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from luna.core.arithmetic import LOCALES, format_number
from luna.core.language import Language
from luna.graphs.agent.measures import find_focus
from luna.tools.context import not_visible_meter

_PERIODS: dict[str, dict[Language, str]] = {
    "today": {"de": "heute", "en": "today"},
    "yesterday": {"de": "gestern", "en": "yesterday"},
    "tomorrow": {"de": "morgen", "en": "tomorrow"},
    "this_week": {"de": "diese Woche", "en": "this week"},
    "last_week": {"de": "letzte Woche", "en": "last week"},
    "last_7_days": {"de": "in den letzten 7 Tagen", "en": "in the last 7 days"},
    "this_month": {"de": "diesen Monat", "en": "this month"},
    "last_month": {"de": "letzten Monat", "en": "last month"},
    "last_30_days": {"de": "in den letzten 30 Tagen", "en": "in the last 30 days"},
    "this_year": {"de": "dieses Jahr", "en": "this year"},
    "last_year": {"de": "letztes Jahr", "en": "last year"},
}
_DATE_FORMAT: dict[Language, str] = {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}


def _day(moment: datetime, language: Language) -> str:
    return format_date(moment.date(), _DATE_FORMAT[language], locale=LOCALES[language])


def period_words(figures: dict[str, Any], language: Language, tz: str) -> str:
    """The period in words with its dates: "gestern (02.12.2026)", "last week (24 Nov 2026 –
    30 Nov 2026)", "vom 01.11.2026 bis 30.11.2026"."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(figures["start"]).astimezone(zone)
    end = datetime.fromisoformat(figures["end"]).astimezone(zone)
    last = end - timedelta(days=1) if end.time() == datetime.min.time() else end
    first_day, last_day = _day(start, language), _day(last, language)
    dates = first_day if first_day == last_day else f"{first_day} – {last_day}"
    named = _PERIODS.get(figures.get("period") or "", {}).get(language)
    if named:
        return f"{named} ({dates})"
    if first_day == last_day:
        return f"am {dates}" if language == "de" else f"on {dates}"
    if language == "de":
        return f"vom {first_day} bis {last_day}"
    return f"from {first_day} to {last_day}"


def _for(when: str) -> str:
    """The period after "Für"/"for" ("no readings for …"): "am 01.05.2026" becomes "den
    01.05.2026", "on 1 May 2026" "1 May 2026", a range "die Zeit vom …"/"the time from …"."""
    leads = (("am ", "den "), ("on ", ""), ("vom ", "die Zeit vom "), ("from ", "the time from "))
    for lead, instead in leads:
        if when.startswith(lead):
            return instead + when[len(lead) :]
    return when


def _days(figures: dict[str, Any], tz: str) -> int:
    """Whole local days the figures' range spans (today, begun, counts as one)."""
    zone = ZoneInfo(tz)
    start = datetime.fromisoformat(figures["start"]).astimezone(zone)
    end = datetime.fromisoformat(figures["end"]).astimezone(zone)
    return max(1, (end.date() - start.date()).days + (end.time() != datetime.min.time()))


def _hour(start: str, language: Language, tz: str) -> str:
    moment = datetime.fromisoformat(start).astimezone(ZoneInfo(tz))
    until = moment + timedelta(hours=1)
    return f"{_day(moment, language)}, {moment:%H:%M}–{until:%H:%M}"


def meter_label(figures: dict[str, Any], language: Language, name_meters: bool) -> str | None:
    """The meters a figure was computed for, in words: "Zähler M-003", or with ``name_meters``
    also a sum over several ("meters M-001 and M-003 together"); None for a figure of all the
    user's meters when they need no naming."""
    meter = figures.get("meter")
    if meter:
        return f"Zähler {meter}" if language == "de" else f"meter {meter}"
    meters = [str(m) for m in figures.get("meters") or []]
    if not name_meters or not meters:
        return None
    if len(meters) == 1:
        return f"Zähler {meters[0]}" if language == "de" else f"meter {meters[0]}"
    joined = ", ".join(meters[:-1])
    if language == "de":
        return f"Zähler {joined} und {meters[-1]} zusammen"
    return f"meters {joined} and {meters[-1]} together"


def _energy(
    figures: dict[str, Any], n: int, question: str, language: Language, tz: str, name: bool
) -> str:
    when = period_words(figures, language, tz)
    label = meter_label(figures, language, name)
    production = figures["series"] == "production"
    several = label is not None and not figures.get("meter")
    if language == "de":
        what = "Die PV-Erzeugung" if production else "Der Stromverbrauch"
        whose = f" ({label})" if several else f" von {label}" if label else ""
    else:
        what = "PV production" if production else "Electricity consumption"
        whose = f" ({label})" if several else f" of {label}" if label else ""
    if figures.get("empty"):
        if language == "de":
            return f"Für {_for(when)} sind{whose} keine Messwerte gespeichert [{n}]."
        return f"No readings{whose} are stored for {_for(when)} [{n}]."
    total = format_number(figures["total_kwh"], language, 2) + " kWh"
    if language == "de":
        sentence = f"{what}{whose} {when} betrug {total} [{n}]."
    else:
        sentence = f"{what}{whose} {when} was {total} [{n}]."
    focus = figures.get("focus") or find_focus(question)
    quarter = figures.get("peak_kw")
    if quarter and focus == "peak_kw":
        kw = format_number(quarter["kw"], language, 2) + " kW"
        moment = datetime.fromisoformat(quarter["start"]).astimezone(ZoneInfo(tz))
        at = f"{_day(moment, language)} {moment:%H:%M}"
        if language == "de":
            return sentence + f" Die höchste Viertelstundenleistung war {kw} ({at} Uhr) [{n}]."
        return sentence + f" The highest quarter-hour power was {kw} ({at}) [{n}]."
    peak = figures.get("peak_hour")
    if focus in ("peak_hour", "max") and peak:
        kwh = format_number(peak["kwh"], language, 2) + " kWh"
        hour = _hour(peak["start"], language, tz)
        if language == "de":
            sentence += f" Die stärkste Stunde war {hour} mit {kwh} [{n}]."
        else:
            sentence += f" The highest hour was {hour} with {kwh} [{n}]."
    days = _days(figures, tz)
    if focus == "mean" and days > 1:
        mean = format_number(figures["total_kwh"] / days, language, 2) + " kWh"
        if language == "de":
            sentence += f" Das sind im Mittel {mean} pro Tag über {days} Tage [{n}]."
        else:
            sentence += f" That is {mean} a day on average over {days} days [{n}]."
    return sentence


def _cost(figures: dict[str, Any], n: int, language: Language, tz: str, name: bool) -> str:
    when = period_words(figures, language, tz)
    label = meter_label(figures, language, name)
    if figures.get("empty"):
        if language == "de":
            return f"Für {_for(when)} sind keine Messwerte gespeichert [{n}]."
        return f"No readings are stored for {_for(when)} [{n}]."
    cost = format_number(figures["cost_eur"], language, 2) + " €"
    grid = format_number(figures["import_kwh"], language, 2) + " kWh"
    feed_in = figures.get("feed_in_eur") or 0.0
    whose = f" ({label})" if label else ""
    if language == "de":
        sentence = (
            f"Ihre Stromkosten{whose} {when} betrugen {cost} für {grid} Netzbezug "
            f"(Arbeitspreis inkl. MwSt., ohne Grundpreis) [{n}]."
        )
        if feed_in > 0:
            sentence += (
                f" Dem stehen {format_number(feed_in, language, 2)} € Einspeisevergütung gegenüber."
            )
        return sentence
    sentence = (
        f"Your electricity cost{whose} {when} was {cost} for {grid} of grid import (working "
        f"price incl. VAT, without the base price) [{n}]."
    )
    if feed_in > 0:
        sentence += f" Feed-in earned {format_number(feed_in, language, 2)} € against it."
    return sentence


def _self_consumption(
    figures: dict[str, Any], n: int, language: Language, tz: str, name: bool
) -> str:
    when = period_words(figures, language, tz)
    label = meter_label(figures, language, name)
    whose = f" ({label})" if label else ""
    if figures.get("empty"):
        if language == "de":
            return f"Für {_for(when)} sind keine Messwerte gespeichert [{n}]."
        return f"No readings are stored for {_for(when)} [{n}]."
    own = format_number(figures["self_consumed_kwh"], language, 2) + " kWh"
    used = format_number(figures["consumption_kwh"], language, 2) + " kWh"
    made = format_number(figures["production_kwh"], language, 2) + " kWh"
    if language == "de":
        return (
            f"Von Ihrem Verbrauch{whose} {when} ({used}) kamen {own} direkt aus Ihrer PV-Anlage "
            f"(Eigenverbrauch; erzeugt wurden {made}) [{n}]."
        )
    return (
        f"Of your consumption{whose} {when} ({used}), {own} came straight from your PV system "
        f"(self-consumption; it produced {made}) [{n}]."
    )


def _price_when(point: dict[str, Any], figures: dict[str, Any], language: Language, tz: str) -> str:
    """When a price point was: its day, and its clock time where the prices are hours."""
    moment = datetime.fromisoformat(point["start"]).astimezone(ZoneInfo(tz))
    if figures.get("resolution") in ("hour", "15min"):
        return f"{_day(moment, language)} {moment:%H:%M}"
    return _day(moment, language)


def _ct(point: dict[str, Any], language: Language) -> str:
    return format_number(point["eur_mwh"] / 10, language, 2) + " ct/kWh"


def _price_point(
    point: dict[str, Any], figures: dict[str, Any], language: Language, tz: str
) -> str:
    return f"{_price_when(point, figures, language, tz)} ({_ct(point, language)})"


def _price(figures: dict[str, Any], n: int, question: str, language: Language, tz: str) -> str:
    when = period_words(figures, language, tz)
    zone = figures["zone"]
    if figures.get("empty"):
        if language == "de":
            return f"Für {_for(when)} sind keine Day-Ahead-Preise ({zone}) gespeichert [{n}]."
        return f"No day-ahead prices ({zone}) are stored for {_for(when)} [{n}]."
    mean_ct = format_number(figures["mean_eur_mwh"] / 10, language, 2) + " ct/kWh"
    mean_mwh = format_number(figures["mean_eur_mwh"], language, 1)
    high = _price_point(figures["max"], figures, language, tz)
    low = _price_point(figures["min"], figures, language, tz)
    focus = figures.get("focus") or find_focus(question)
    if focus in ("max", "min", "peak_hour"):
        chosen = figures["min"] if focus == "min" else figures["max"]
        point = f"{_ct(chosen, language)} ({_price_when(chosen, figures, language, tz)})"
        if language == "de":
            which = "niedrigste" if focus == "min" else "höchste"
            return (
                f"Der {which} Day-Ahead-Börsenpreis ({zone}) {when} war {point} [{n}]; im Mittel "
                f"lag er bei {mean_ct}. Das ist der reine Börsenpreis, ohne Steuern, Umlagen "
                "und Netzentgelte."
            )
        which = "lowest" if focus == "min" else "highest"
        return (
            f"The {which} day-ahead exchange price ({zone}) {when} was {point} [{n}]; it averaged "
            f"{mean_ct}. This is the exchange price only, without taxes, levies and grid fees."
        )
    if language == "de":
        return (
            f"Der Day-Ahead-Börsenpreis ({zone}) lag {when} im Mittel bei {mean_ct} "
            f"({mean_mwh} €/MWh); am höchsten {high}, am niedrigsten {low} [{n}]. "
            "Das ist der reine Börsenpreis, ohne Steuern, Umlagen und Netzentgelte."
        )
    return (
        f"The day-ahead exchange price ({zone}) {when} averaged {mean_ct} ({mean_mwh} €/MWh); "
        f"highest {high}, lowest {low} [{n}]. This is the exchange price only, without taxes, "
        "levies and grid fees."
    )


def written_answer(
    question: str,
    sources: Sequence[dict[str, Any]],
    language: Language,
    tz: str,
    *,
    name_meters: bool = False,
) -> str | None:
    """The answer to a data question from its tool figures, or None when the model must
    compose (a source without figures, a document, an aggregation other than a sum). A
    figure of one meter always names it; ``name_meters`` names the meters of a sum too."""
    if not sources or any(s.get("kind") != "data" or not s.get("figures") for s in sources):
        return None
    sentences = []
    for source in sources:
        figures, n = source["figures"], int(source["n"])
        if figures.get("kind") == "energy" and (
            figures.get("empty") or figures.get("aggregation") == "sum"
        ):
            sentences.append(_energy(figures, n, question, language, tz, name_meters))
        elif figures.get("kind") == "cost":
            sentences.append(_cost(figures, n, language, tz, name_meters))
        elif figures.get("kind") == "self_consumption":
            sentences.append(_self_consumption(figures, n, language, tz, name_meters))
        elif figures.get("kind") == "price" and (
            figures.get("empty") or figures.get("aggregation") == "avg"
        ):
            sentences.append(_price(figures, n, question, language, tz))
        else:
            return None
    return " ".join(sentences)


def meter_refusal(errors: Sequence[str], language: Language) -> str | None:
    """The refusal for a question about a meter the user may not read (another customer's,
    or none), naming the meters they may ask about; None when no tool said so."""
    for error in errors:
        found = not_visible_meter(error)
        if found is None:
            continue
        meter, visible = found
        if language == "de":
            return (
                f"Zum Zähler {meter} kann ich Ihnen nichts sagen: Er gehört nicht zu Ihren "
                f"Zählern. Fragen Sie gern nach einem davon: {visible}."
            )
        return (
            f"I can't tell you anything about meter {meter}: it is not one of your meters. "
            f"Ask about one of yours: {visible}."
        )
    return None
