"""Deterministic pre-routing: tool calls for messages whose intent is obvious.

Every model call costs seconds to tens of seconds on the embedded model, so "How much did M-001
consume last week?" is routed by these rules and only unclear messages reach the model. Rules
only fire when they are sure: a wanted series, a period and no competing intent. A follow-up
that names no meter or series ("and the week before?") inherits them from the thread's last
time-series call, which is how the router uses the conversation without a model call; one that
names only a meter ("Und bei M-003?", "and the other meter?") keeps the thread's measure and
period (or its forecast) for that meter. Periods are resolved in ``named_periods`` (and the
modules it draws on), figures in ``measures``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, BaseMessage

from luna.config import site_timezone
from luna.graphs.agent import follow_up_periods, measures, named_periods
from luna.graphs.agent.calendar_weeks import NAMES_WEEK, week_ending
from luna.graphs.agent.follow_up_periods import find_shift
from luna.graphs.agent.measures import find_focus, names_load_peak
from luna.graphs.agent.meters import (
    MeterRef,
    meter_reference,
    named_meters,
    names_several_meters,
)
from luna.graphs.agent.named_periods import (
    find_period,
    message_period,
    names_past,
    never_forecast,
    period_args,
    price_resolution,
)
from luna.graphs.agent.spelled_dates import DE_DAYS, EN_DAYS
from luna.graphs.agent.spelling import keywords, with_keywords_spelt
from luna.retrieval.queries import asking_part
from luna.tools.periods import Period, neighbour_days, period_days

_I = re.IGNORECASE
# A day named by pointing back to one named before: "an dem Sonntag", "an diesem Tag", "am
# selben Tag", "that Sunday", "on the same day".
BACK_REFERENCE = re.compile(
    r"\b(?:an\s+(?:dem|diesem|jenem)|(?:am|an\s+dem)\s+(?:selben|gleichen)|"
    rf"that|the\s+same)\s+(?:tag|day|{'|'.join(DE_DAYS + EN_DAYS)})\b",
    _I,
)
# German compounds count by their tail: "Stromverbrauch", "Börsenstrompreis".
CONSUMPTION = re.compile(
    r"\b(consum\w*|usage|use|used|\w*verbrauch\w*|\w*bezug|bezogen|gezogen|draw|drawn|drew|"
    r"gebraucht|benötigt|burn\w*)\b",
    _I,
)
PRODUCTION = re.compile(
    r"\b(produc\w*|produziert|generat\w*|erzeug\w*|pv|solar\w*|sonnenstrom|photovoltai\w*|"
    r"panels?|paneele?n?|harvest\w*|geerntet)\b",
    _I,
)
# What energy cost the customer (past tense, a cost noun or a colloquial "set me back", "fork
# out", "berappen", the Bavarian "kost"), not what a kWh costs now.
COST = re.compile(
    r"\b(gekostet|g?kost|\w*kosten|costs?|costing|kostet(e|en)?\s+(mich|uns)|bezahl\w*|gezahlt|"
    r"zahlen|zahlte\w*|paid|pay|paying|spent|spend|spending|ausgegeben|ausgaben|\w*rechnung|bills?|"
    r"set\s+(me|us)\s+back|sets\s+(me|us)\s+back|fork(ed)?\s+out|shell(ed)?\s+out|"
    r"cough(ed)?\s+up|expenses?|expenditure|outlay|berapp\w*|geblecht|blechen|gelöhnt|löhnen|"
    r"hingeblättert|draufgezahlt)\b",
    _I,
)
# A cost word that only names the paper a figure is for ("für die Nebenkostenabrechnung", "for
# the utility bill"): a measure the message names ("den Verbrauch") is what it asks for.
_COST_PAPER = re.compile(
    r"\b(für|fürs|zur|for)\s+((die|den|das|the|my|our|meine[nr]?|unsere[nr]?)\s+)?(\w+\s+)?"
    r"(\w*(rechnung|kosten)\w*|bills?|invoices?|statements?|expenses?)\b",
    _I,
)
# What electricity cost the customer ("was hod mi da Strom kost", "what did it cost us", "my
# electricity cost", "what we paid") is the cost, whatever price the scene names.
OWN_COST = re.compile(
    r"\b((g?kost\w*|cost\w*)\s+(mich|mi|uns|me|us)\b|(mich|mi|uns)\b[^.?!]{0,60}"
    r"\b(gekostet|g?kost|kostet\w*)|(my|our|mein\w*|unser\w*)\s+(\w+\s+)?(\w*kosten|"
    r"costs?|bills?|\w*rechnung)|(wir|ich|we|i)\b[^.?!]{0,40}\b(bezahl\w*|gezahlt|paid|pay|"
    r"spent|ausgegeben))\b",
    _I,
)
# What electricity cost on the market ("an der Börse", "on the spot market", "der Börsenstrom")
# is its price.
MARKET = re.compile(
    r"\b(an|auf|am|at|on|in)\s+(der|dem|the)?\s*(\w+\s+)?(\w*börse|exchange|spot\s*market|"
    r"\w*markt|market|großhandel|wholesale)\b|\b(spotmarkt|wholesale|börsenstrom\w*)\b",
    _I,
)
# "Wie viel Strom in den letzten drei Tagen?", "How much electricity on Whit Monday?": an amount
# of electricity with no other word for what is meant is what the customer used ("wie fiel
# Strom" is the same question misspelt).
AMOUNT = re.compile(
    r"\b(wie ?(viel|fiel)\w* (strom|energie|kwh|kilowattstunden)|how (much|many) "
    r"(electricity|power|energy|kwh|kilowatt[- ]hours))\b",
    _I,
)
# "Wie viel Strom kostet heute?" asks for a price, never an amount used.
COSTS_NOW = re.compile(r"\b(kostet|kosten|costs?)\b", _I)
# "total kWh?", "kWh since the 1st": an amount of energy is what was used, unless per kWh.
ENERGY_UNIT = re.compile(r"\b(kwh|kilowattstunden?|kilowatt[- ]hours?|mwh)\b", _I)
# PV used on site: "wie viel davon habe ich selbst verbraucht", "how much came from my PV".
SELF_CONSUMPTION = re.compile(
    r"\b(selbst verbraucht|eigenverbrauch\w*|self-?consum\w*|direkt verbraucht|"
    r"(came|come|comes|coming)( \w+){0,2} (from|off) (my|our|the)( own)? (pv|solar\w*|roofs?|"
    r"panels?|modules?|array)|aus (meiner|unserer|der) "
    r"(pv|solar\w*|photovoltaik\w*)|(my|our) own (pv|solar\w*)|"
    r"eigene[nmr]? (pv|solar\w*|sonnenstrom\w*)|eigennutzung|self[- ]used|"
    r"(selbst|selber)( \w+)? (genutzt|genützt|verbraucht|verwendet|gebraucht|genommen)|"
    r"(vom|von unserem|von meinem|aus unserem|aus meinem) (eigenen )?(dach|modulen|paneelen)\b"
    r"[^.?!]{0,60}\b(genutzt|genützt|verbraucht|verwendet|gebraucht)|"
    r"(use|used|consume|consumed|using)( \w+){0,3} (myself|ourselves|on[- ]site)|"
    # "how much of that solar ended up used in the house", "wie viel vom Solarstrom haben wir
    # genutzt": a share of the PV that was used is what was used on site
    r"(of|von|vom)( (that|the|this|our|my|dem|unserem|meinem|diesem))?( own| eigenen)? "
    r"(solar\w*|pv\w*|sonnenstrom\w*|photovoltaik\w*)\b[^.?!]{0,60}\b(use|used|using|consume|"
    r"consumed|consuming|verbraucht|genutzt|genützt|verwendet)|"
    # "how much of it stayed in the house", "wie viel davon blieb bei uns", "ging direkt in
    # unsere Geräte", "rather than the grid", "statt einzuspeisen": the PV kept on site
    r"(stayed|stays|stay|kept|remained|went|ended up)( \w+){0,2} (in|at|inside|into|within) "
    r"(the|my|our)( own)? (house|home|building|place|site|premises|appliances|devices)|"
    r"rather than (export\w*|feed\w*|(going )?(to |into )?the grid)|instead of (export\w*|"
    r"feed\w*|going (to|into) the grid)|(blieb|bleibt|geblieben|ging|gingen|floss|flossen|"
    r"landete)( \w+){0,3} (bei (uns|mir)|im (haus|gebäude|betrieb)|daheim|zu ?hause|in "
    r"(unsere|meine|die)( eigenen)? (geräte|verbraucher|haushalt|wohnung|haus))|"
    r"(an)?statt (ins netz|einzuspeisen|eingespeist))",
    _I,
)
PER_UNIT = re.compile(r"\b(pro|per|je)\s+(kwh|kilowattstunde)\b|/\s*kwh\b", _I)
# "Wie teuer war der Börsenstrom?": how expensive electricity was is its price.
PRICE = re.compile(
    r"\b(prices?|preis\w*|\w*(strom|spot|börsen|markt|handels)preis\w*|börsenstrom\w*|spot\w*|"
    r"day-ahead|teuer\w*|expensive|pric(?:ey|ier|iest)|billig\w*|günstig\w*|cheap\w*)\b",
    _I,
)
FORECAST = re.compile(
    r"\b(forecast\w*|predict\w*|prognos\w*|vorhersag\w*|expect\w*|erwart\w*|will .{0,20}be)\b", _I
)
SCHEDULE_THING = re.compile(
    r"\b(batter\w*|speicher\w*|akku\w*|dishwasher|spülmaschine|geschirrspüler|washing machine|"
    r"waschmaschine|wallbox|ev|e-auto|elektroauto|car|auto|heat pump|wärmepumpe)\b",
    _I,
)
SCHEDULE_ASK = re.compile(
    r"\b(when should|wann soll\w*|best time|beste[nr]? zeit|günstigste\w*|cheapest|schedule|"
    r"zeitplan|plan\w*|optimi[sz]\w*|shift\w*|verschieb\w*)\b",
    _I,
)
# "ohne Grundpreis", "without the base price": the tariff word says what to leave out.
_LEFT_OUT = re.compile(
    r"\b(ohne|without|not|excluding|excl|exkl|exklusive|abzüglich|außer|except)\W+"
    r"((the|den|die|das|dem|der|any)\W+)?$",
    _I,
)
TARIFF = re.compile(
    r"\b(tarif\w*|tariff\w*|grundpreis\w*|arbeitspreis\w*|base price|working price|"
    r"netzentgelt\w*|grid fee\w*|aufschl[aä]g\w*|surcharge\w*|preisblatt|modul ?[123])\b",
    _I,
)
DOCUMENTS = re.compile(
    r"(§|\b(manual|anleitung|handbuch|rule\w*|regel\w*|netzbetreiber|grid operator|"
    r"einspeisevergütung|feed-in|sg-ready|faq|datenblatt|datasheet|gerät\w*|device\w*|"
    r"steuerbare|14a)\b)",
    _I,
)
SMALL_TALK = re.compile(
    r"^\s*(hi|hallo|hello|hey|moin|servus|danke\w*|thanks?( you)?|thx|ok(ay)?|super|"
    r"great|gut|tschüss|bye)\b(?:[\s!.,]+\w{1,12}){0,3}[\s!.?]*$",
    _I,
)
DEVICES = re.compile(
    r"\b(heat pump|wärmepumpe\w*|compressor|verdichter\w*|inverter|wechselrichter\w*|"
    r"home battery|heimspeicher|luna store|luna therm|wallbox)\b",
    _I,
)
HOURS = re.compile(r"\b(?:next|nächsten|kommenden)\s+(\d{1,3})\s*(?:hours?|h|stunden?)\b", _I)
_INHERITED = ("series", "meter_id", "zone", "period", "start", "end", "resolution", "focus")


@dataclass(frozen=True)
class RuleCall:
    """A tool call a rule is sure about."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    restated: str | None = None  # the question spelled out, when it leaned on the thread


def last_data_call(history: Sequence[BaseMessage]) -> tuple[str, dict[str, Any]] | None:
    """The thread's most recent ``query_timeseries`` or ``forecast`` call: its tool and
    arguments, if any."""
    for message in reversed(history):
        if isinstance(message, AIMessage):
            for call in reversed(message.tool_calls):
                if call["name"] in ("query_timeseries", "forecast"):
                    return call["name"], dict(call["args"])
    return None


def last_timeseries_args(history: Sequence[BaseMessage]) -> dict[str, Any] | None:
    """What a follow-up inherits from the thread's most recent data call: the arguments of a
    ``query_timeseries`` call, or the series and meter of a forecast (without its future
    period: "und gestern?" after a forecast reads yesterday's readings)."""
    last = last_data_call(history)
    if last is None:
        return None
    tool, args = last
    if tool == "query_timeseries":
        return args
    series = _SERIES_OF_TARGET.get(str(args.get("target", "consumption")), "consumption")
    return {"series": series, **({"meter_id": args["meter_id"]} if args.get("meter_id") else {})}


_SERIES_OF_TARGET = {"consumption": "consumption", "pv": "production", "price": "price"}


def _series(message: str) -> str | None:
    """The one series the message asks about, read from its question where other sentences
    set the scene (a complaint about the bill does not make a question about the energy used
    a question about cost)."""
    asked = asking_part(message)
    return (asked != message and _series_in(asked)) or _series_in(message)


def _series_in(text: str) -> str | None:
    """The one series ``text`` names; the cost of consumption is the cost ("Was hat mich der
    Stromverbrauch gestern gekostet?"), a cost per kWh is a price."""
    message = text
    # In a cost question a tariff's part ("working price only") says what is costed, no price
    # series is asked for.
    unpriced = TARIFF.sub(" ", message) if COST.search(message) else message
    found = [
        name
        for name, pattern, read in (
            ("consumption", CONSUMPTION, message),
            ("production", PRODUCTION, message),
            ("price", PRICE, unpriced),
        )
        if pattern.search(read)
    ]
    if SELF_CONSUMPTION.search(message):
        return "self_consumption"
    costed = COST.search(_COST_PAPER.sub(" ", message)) or (COST.search(message) and not found)
    if costed and not PER_UNIT.search(message):
        if MARKET.search(message) and not OWN_COST.search(message):
            return "price"  # what electricity cost at the exchange is its price
        if OWN_COST.search(message):
            found = [name for name in found if name != "price"]
        found = [name for name in found if name != "consumption"] + ["cost"]
    unit = ENERGY_UNIT.search(message) and not PER_UNIT.search(message)
    amount = (AMOUNT.search(message) or unit) and not COSTS_NOW.search(message)
    if not found and (names_load_peak(message) or amount):
        found = ["consumption"]
    return found[0] if len(found) == 1 else None


def call_days(args: dict[str, Any], now: datetime, tz: str) -> tuple[date, date] | None:
    """The first and last local day of an earlier ``query_timeseries`` call's period."""
    period: Period | None = args.get("period")
    if period is not None:
        return period_days(period, now, tz)
    if not args.get("start"):
        return None
    today = now.astimezone(ZoneInfo(tz)).date()
    try:
        first = date.fromisoformat(str(args["start"])[:10])
        last = date.fromisoformat(str(args["end"])[:10]) if args.get("end") else today
    except ValueError:
        return None
    return first, last


def _period(
    message: str, today: date, country: str | None, around: tuple[date, date] | None
) -> tuple[Period | None, tuple[date, date] | None]:
    """The period the message asks about: its question's where other sentences set the scene
    ("Comparing with last year's bills. How much did it use in April?" is this April; "Seit
    Ostern überlege ich. Wie viel seit dem Monatsersten?" is this month), else the whole
    message's ("Am Muttertag lief der Backofen. Wie hoch war die Spitze?"). A week the
    question names is the one a later sentence pins by its last day, if any ("…in the second
    week of May? The one that ended with Mother's Day"). A day of the month alone ("am 12.")
    is the one in the thread's period ``around``. A question that names its day only by
    pointing back ("Am Muttertag lief der Backofen. Was war an dem Sonntag die Spitze?", "that
    day") takes the day the other sentences name."""
    asked = asking_part(message)
    ending = week_ending(message, today, country)
    if ending is not None and NAMES_WEEK.search(asked):
        return None, ending  # "…the second week of May? The one that ended with Mother's Day"
    if asked != message and not BACK_REFERENCE.search(asked):
        period, days = message_period(asked, today, country, around)
        if period is not None or days is not None:
            return period, days
    return message_period(message, today, country, around)


def _timeseries(
    message: str,
    history: Sequence[BaseMessage],
    now: datetime,
    tz: str,
    meter: MeterRef | None,
    country: str | None,
) -> RuleCall | None:
    today = now.astimezone(ZoneInfo(tz)).date()
    series = _series(message)
    focus = find_focus(message)
    previous = last_timeseries_args(history)
    around = call_days(previous, now, tz) if previous is not None else None
    period, days = _period(message, today, country, around)
    args: dict[str, Any] = {}
    named = period is not None or days is not None
    inherited = previous is not None and (series is None or meter is None or not named)
    if previous is not None and inherited:
        args = {k: v for k, v in previous.items() if k in _INHERITED}
        if series is not None and focus is None:
            args.pop("focus", None)  # another measure: its own figure, not the last one's
        shift = find_shift(message)
        if shift is not None:
            span = call_days(previous, now, tz)
            if span is None:
                return None
            period, days = None, neighbour_days(*span, *shift, today)
        elif not named and series is None and focus is None and meter is None:
            return None  # a follow-up that asks for something else: leave it to the model
        if meter is not None and series is None and previous.get("series") == "price":
            return None  # prices are the zone's, not a meter's: the model explains
    if series is not None:
        args["series"] = series
    if meter is not None:
        args.pop("meter_id", None)  # "beide Zähler": every meter, summed
        if meter.meter_id is not None:
            args["meter_id"] = meter.meter_id
    if focus is not None:
        args["focus"] = focus
    if period is not None or days is not None:
        args.update(period_args(period, days))
    if "series" not in args or not (args.get("period") or args.get("start")):
        return None
    if args["series"] == "price":
        args.pop("meter_id", None)
        args["resolution"] = price_resolution(args.get("period"), args.get("focus"))
    final = {k: v for k, v in args.items() if v is not None}
    return RuleCall("query_timeseries", final, restate(final) if inherited else None)


def restate(args: dict[str, Any]) -> str:
    """A time-series call as a standalone question, for answers to elliptic follow-ups."""
    what = {
        "consumption": "consumption",
        "production": "PV production",
        "cost": "energy cost",
        "self_consumption": "PV used on site",
        "price": "price",
    }
    figure = {
        "mean": "average ",
        "max": "highest ",
        "min": "lowest ",
        "peak_hour": "peak hour of the ",
        "peak_kw": "peak power (kW) of the ",
    }
    subject = figure.get(args.get("focus", ""), "") + what.get(args.get("series", ""), "data")
    whose = f" of meter {args['meter_id']}" if args.get("meter_id") else ""
    if args.get("period"):
        when = str(args["period"]).replace("_", " ")
    else:
        when = f"from {args.get('start')} to {args.get('end') or 'now'}"
    return f"What was the {subject}{whose} {when}?"


# A tariff word that only says which part of a cost is asked ("nur Arbeitspreis", "working
# price only", "Arbeitspreis-Anteil") or under which tariff ("mit dem dynamischen Tarif"): the
# cost that code computes is the working price under the site's tariff.
_COST_PART_BEFORE = re.compile(
    r"\b(nur|only|just|mit|with|on|under|unter|zum|im|auf|at|nach)\W+"
    r"((the|den|die|das|dem|der|our|my|unse?re[mnrs]?|meine[mnrs]?)\W+)?(\w+\W+)?$",
    _I,
)
_COST_PART_AFTER = re.compile(r"^\W*(only|anteil\w*|allein|alone)\b", _I)


def asks_tariff(message: str, cost: bool = False) -> bool:
    """Whether the message asks about the tariff: a tariff word that is not only named to be
    left out ("Stromkosten ohne Grundpreis" asks for the cost) or, in a question for a
    ``cost``, to name the part or the tariff it is computed with ("what did April cost,
    working price only?")."""
    for m in TARIFF.finditer(message):
        before = message[max(0, m.start() - 32) : m.start()]
        if _LEFT_OUT.search(before):
            continue
        if cost and (
            _COST_PART_BEFORE.search(before) or _COST_PART_AFTER.match(message[m.end() :])
        ):
            continue
        return True
    return False


# Words that ask for something without a question mark ("Erklär mir den Tarif.", "Please
# tell me"): a sentence with them is no remark.
_REQUEST = re.compile(
    r"\b(erklär\w*|erklaer\w*|explain\w*|sag\w*\s+mir|tell\s+me|zeig\w*|show\s+me|"
    r"beschreib\w*|describe|bitte|please|wissen|know)\b",
    _I,
)


def _tariff_text(message: str, answered: bool) -> str:
    """Where a tariff word asks about the tariff: in the message's questions alone when code
    ``answered`` them with a data call and the other sentences are remarks ("Ich überlege, ob
    sich ein dynamischer Tarif lohnt. Wie hoch war der Börsenpreis im Mai?" asks for the
    price); in the whole message otherwise (a request without "?", "Erklär mir den Tarif.")."""
    asked = asking_part(message)
    if not answered or asked == message or _REQUEST.search(message):
        return message
    return asked


def _forecast(message: str, meter: MeterRef | None) -> RuleCall | None:
    series = _series(message)
    if series is None:
        return None
    if series in ("cost", "self_consumption"):
        return None  # the forecast has neither: the model explains
    target = {"consumption": "consumption", "production": "pv", "price": "price"}[series]
    args: dict[str, Any] = {"target": target}
    if meter is not None and meter.meter_id is not None and target != "price":
        args["meter_id"] = meter.meter_id
    hours = HOURS.search(message)
    if hours is not None:
        args["horizon_hours"] = max(1, min(int(hours.group(1)), 168))
    elif find_period(message) == "tomorrow":
        args["horizon_hours"] = 48
    return RuleCall("forecast", args)


def _forecast_for_meter(
    message: str, history: Sequence[BaseMessage], meter: MeterRef | None
) -> RuleCall | None:
    """A follow-up that only names another meter after a forecast ("und für M-003?"): the
    same forecast for that meter."""
    last = last_data_call(history)
    if meter is None or meter.meter_id is None or last is None or last[0] != "forecast":
        return None
    if _series(message) or find_focus(message) or find_period(message) or find_shift(message):
        return None
    if last[1].get("target") == "price":
        return None
    return RuleCall("forecast", {**last[1], "meter_id": meter.meter_id})


def _per_meter(calls: list[RuleCall], meter_ids: Sequence[str]) -> list[RuleCall]:
    """``calls`` with their one meter's series query made once per named meter ("M-001 im
    Vergleich zu M-003": a figure each, written side by side); [] when the calls hold no such
    query (the model decides)."""
    queries = [c for c in calls if c.tool == "query_timeseries" and c.args.get("meter_id")]
    if len(queries) != 1:
        return []
    query = queries[0]
    each = [RuleCall(query.tool, {**query.args, "meter_id": m}) for m in meter_ids]
    at = calls.index(query)
    return [*calls[:at], *each, *calls[at + 1 :]]


@cache
def _rule_keywords() -> frozenset[str]:
    """The keywords the rules' patterns write out, to read misspelt ones as they are meant."""
    return keywords((sys.modules[__name__], measures, named_periods, follow_up_periods))


def rule_calls(
    message: str,
    history: Sequence[BaseMessage] = (),
    *,
    available: Sequence[str] | None = None,
    now: datetime | None = None,
    tz: str | None = None,
    meters: Sequence[str] | None = None,
    country: str | None = None,
) -> list[RuleCall] | None:
    """The tool calls the message obviously needs, in order; ``[]`` for small talk (no tool);
    ``None`` when the rules are not sure and the model must decide. Days are the site's
    (``tz``, default ``LUNA_TIMEZONE``; holidays of ``country``, default
    ``LUNA_SITE_COUNTRY``); ``meters``, the user's, resolve "the other meter"."""
    tz = tz or site_timezone()
    text = with_keywords_spelt(message.strip(), _rule_keywords())
    if SMALL_TALK.match(text) and not (find_period(text) or _series(text)):
        return []
    now = now or datetime.now(ZoneInfo(tz))
    today = now.astimezone(ZoneInfo(tz)).date()
    calls: list[RuleCall] = []
    previous = last_timeseries_args(history) or {}
    meter = meter_reference(text, previous.get("meter_id"), meters)
    switched = _forecast_for_meter(text, history, meter)
    if switched is not None:
        calls.append(switched)
    elif (
        SCHEDULE_THING.search(text)
        and SCHEDULE_ASK.search(text)
        and not DOCUMENTS.search(text)
        and not names_past(text, today, country)  # a plan is for today or tomorrow
    ):
        args: dict[str, Any] = {"day": "today" if find_period(text) == "today" else "tomorrow"}
        if meter is not None and meter.meter_id is not None:
            args["meter_id"] = meter.meter_id
        calls.append(RuleCall("optimise_schedule", args))
    elif (
        FORECAST.search(text)
        or (find_period(text) == "tomorrow" and _series(text) in ("consumption", "production"))
    ) and not never_forecast(text, today, country):  # a past period is read, never forecast
        forecast = _forecast(text, meter)
        if forecast is None:
            return None
        calls.append(forecast)
    else:
        series = _timeseries(text, history, now, tz, meter, country)
        if series is not None:
            calls.append(series)
    cost = any(c.tool == "query_timeseries" and c.args.get("series") == "cost" for c in calls)
    if asks_tariff(_tariff_text(text, bool(calls)), cost=cost):
        calls.append(RuleCall("get_tariff", {"question": text}))
    elif (DOCUMENTS.search(text) or DEVICES.search(text)) and not calls:
        calls.append(RuleCall("search_documents", {"query": text}))
    if not calls:
        return None
    if names_several_meters(text, meters):
        calls = _per_meter(calls, named_meters(text))
        if not calls:
            return None
    if available is not None:
        calls = [c for c in calls if c.tool in available]
    return calls or None
