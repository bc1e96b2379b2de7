"""Which figure of a period a data question is about, in German and English.

One ``query_timeseries`` result holds several figures: the total, the peak hour, the highest
quarter-hour power, the mean, highest and lowest price. "In welcher Stunde habe ich am meisten
gebraucht?", "What was its peak load that day?" and "Und der Höchstwert?" ask for one of them.
The rules route such a question and record the figure as the call's ``focus``, so a follow-up
that changes only the period ("and the previous week?") keeps it and the answer written by code
leads with it; a question the model routed is read here again when its answer is written.
"""

from __future__ import annotations

import re

from luna.graphs.agent.calendar_weeks import without_week_names
from luna.tools.timeseries import Focus

_I = re.IGNORECASE
# The highest quarter-hour mean power, the peak a grid operator bills: "Spitzenlast", "in kW",
# "höchster Viertelstundenverbrauch" (before the hour: "Viertelstunde" ends in "stunde").
PEAK_KW = re.compile(
    r"\b(kw|kilowatt|\w*viertelstunde\w*|viertelstündlich\w*|quarter[- ]hour\w*|"
    r"(fifteen|15)[- ]?min(ute)?s?|lastspitze\w*|leistungsspitze\w*|"
    r"spitzenlast\w*|spitzenleistung\w*|bezugsspitze\w*|spitzenbezug\w*|höchstlast\w*|"
    r"maximallast\w*|lastmaximum\w*|leistungsmaximum\w*|"
    r"(höchste|maximale|größte|grösste)\w* (last|leistung|bezugsleistung|leistungsaufnahme)|"
    # "wie hoch ging die Leistung da maximal?", "how high did the load peak?"
    r"(leistung|leistungsaufnahme|load|demand)\b[^.?!]{0,30}\b(maximal|am höchsten|"
    r"höchstens|peak\w*|max(imum)?|at (its )?highest)|"
    r"(peak|load|demand|power) (load|power|demand|draw|peak)s?|"
    r"(biggest|highest|largest|maximum|max|top) (load|power|demand|draw|power draw))\b",
    _I,
)
# The hour with the most energy. Words that name it ("verbrauchsstärkste Stunde", "busiest
# hour", "highest hourly consumption"), as against questions that ask for an hour ("in welcher
# Stunde", "when"), which may be of any series.
_PEAK_HOUR_WORDS = (
    r"\w*(stärkste|reichste|intensivste)\w* stunde|"
    r"(höchste|stärkste|meiste|schlimmste|heftigste)\w* (einzelne\w* )?\w*stunde\w*|"
    r"stunde mit (dem |der )?(höchsten|meisten|größten|stärksten)|spitzenstunde\w*|"
    r"stunde\b[^.?!]{0,40}\b\w*(stärkste|reichste|intensivste)|"
    r"peak hours?|hourly peak|(peak|heaviest|busiest|biggest|strongest|hungriest|top|worst)"
    r"( single)?( (usage|consumption|use|load|demand))? hours?|"
    r"hours? (of|with) (the )?(most|highest|heaviest|biggest|peak)|"
    r"(highest|largest|biggest|maximum|max) hourly"
)
PEAK_HOUR_WORDS = re.compile(rf"\b({_PEAK_HOUR_WORDS})", _I)
PEAK_HOUR = re.compile(
    rf"\b({_PEAK_HOUR_WORDS}|"
    r"((in|zu|um) )?welche[rn]? (einzelne[rn]? )?(stunde|uhrzeit)|(which|what)( single| one)? "
    r"hour|what time|"
    r"wann\b.{0,40}\b(am meisten|am höchsten|am stärksten|spitze|peak)|"
    r"when\b.{0,40}\b(the most|most|peak|highest))",
    _I,
)
# A peak with no series named is the consumption's: "Lastspitze", "peak", "busiest hour".
_PEAK_WORD = re.compile(r"\b(peak|peaks|verbrauchsspitze\w*)\b", _I)
PEAK = re.compile(r"\b(spitze\w*|\w*spitze|peak\w*)\b", _I)
HIGHEST = re.compile(
    r"\b(höchst\w*|maximum|maximal\w*|max|highest|am teuersten|teuerste\w*|most expensive|priciest|"
    r"spitzenpreis\w*)\b",
    _I,
)
LOWEST = re.compile(
    r"\b(niedrigst\w*|tiefst\w*|minimum|minimal\w*|min|lowest|am günstigsten|günstigste\w*|"
    r"am billigsten|billigste\w*|cheapest)\b",
    _I,
)
MEAN = re.compile(r"\b(durchschnitt\w*|\w*mittel|mittlere\w*|im schnitt|average\w*|mean|avg)\b", _I)


def find_focus(text: str) -> Focus | None:
    """The figure ``text`` asks for, most specific first, or None for a plain amount."""
    text = without_week_names(text)  # "letzte KW" is a week, no kilowatt
    if PEAK_KW.search(text):
        return "peak_kw"
    if PEAK_HOUR.search(text):
        return "peak_hour"
    if MEAN.search(text):
        return "mean"
    if HIGHEST.search(text) or PEAK.search(text):
        return "max"
    if LOWEST.search(text):
        return "min"
    return None


def names_load_peak(text: str) -> bool:
    """Whether ``text`` names a peak of the load (in kW, or the hour of the most use), which
    is the consumption's when no other series is named."""
    text = without_week_names(text)
    return bool(PEAK_KW.search(text) or PEAK_HOUR_WORDS.search(text) or _PEAK_WORD.search(text))
