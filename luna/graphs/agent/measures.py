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

from luna.tools.timeseries import Focus

_I = re.IGNORECASE
# The highest quarter-hour mean power, the peak a grid operator bills: "Spitzenlast", "in kW",
# "höchster Viertelstundenverbrauch" (before the hour: "Viertelstunde" ends in "stunde").
PEAK_KW = re.compile(
    r"\b(kw|kilowatt|\w*viertelstunde\w*|quarter[- ]hour\w*|lastspitze\w*|leistungsspitze\w*|"
    r"spitzenlast\w*|spitzenleistung\w*|"
    r"höchste\w* (last|leistung|bezugsleistung)|maximale\w* (last|leistung)|"
    r"peak (load|power|demand)|(biggest|highest|largest|maximum|max) (load|power|demand))\b",
    _I,
)
# The hour with the most energy: "verbrauchsstärkste Stunde", "highest hourly consumption".
PEAK_HOUR = re.compile(
    r"\b(\w*stärkste\w* stunde|(höchste|stärkste|meiste)\w* \w*stunde\w*|spitzenstunde\w*|"
    r"peak hours?|hourly peak|busiest hour|"
    r"(highest|largest|biggest|maximum|max) hourly|"
    r"(in|zu|um) welche[rn]? (stunde|uhrzeit)|which hour|what hour|what time|"
    r"wann\b.{0,40}\b(am meisten|am höchsten|am stärksten|spitze|peak)|"
    r"when\b.{0,40}\b(the most|most|peak|highest))",
    _I,
)
PEAK = re.compile(r"\b(spitze\w*|\w*spitze|peak\w*)\b", _I)
HIGHEST = re.compile(
    r"\b(höchst\w*|maximum|maximal\w*|max|highest|am teuersten|teuerste\w*|most expensive|"
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
