"""Sentences that state prices, tariffs, fees or legal duties, and the figures they state.

A claim is a sentence with an amount of money and price vocabulary, price vocabulary with a
change ("ab sofort", "entfällt", "is now", "free of charge"), or the language of a legal duty
("gesetzlich verpflichtet", "Meldepflicht", "required by law"). A percentage alone is no claim
("Maximum SoC 90 %, raised to 100 % for the calibration charge").
A figure is a value with its unit, normalised (ct/kWh, EUR, EUR/month, EUR/year, %), and the
quantity it belongs to where a keyword names it (working price, base fee, feed-in tariff, grid
fee, metering, VAT); two figures disagree when they share unit and quantity but not value.
Everything works on folded, lower-cased text (see :mod:`luna.graphs.rag.obfuscation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from luna.graphs.rag.obfuscation import fold

_NUMBER = r"\d+(?:[.,]\d{3})*(?:[.,]\d+)?"
_MONEY = re.compile(
    rf"(?:(?P<currency>€|\beur\b|\beuro\b)\s*(?P<before>{_NUMBER})"
    rf"|(?P<after>{_NUMBER})\s*(?P<unit>€|%|(?:eur|euro|ct|cent|cents|prozent|percent)\b))"
    r"(?:\s*(?:/|je|pro|per|im|a|an|in)\s*(?P<per>kwh|kilowattstunde|monat|month|mon|jahr|year|"
    r"a)\b|\s+(?P<adverb>monatlich|jährlich|monthly|yearly|annually|p\.\s?a\.))?"
)
_PRICE = re.compile(
    r"preis|tarif|gebühr|gebuehr|entgelt|vergütung|verguetung|kosten|kostet|pauschale|umlage|"
    r"abgabe|steuer|aufschlag|abschlag|rabatt|gutschrift|bußgeld|bussgeld|kostenlos|gratis|"
    r"\b(?:prices?|priced|tariffs?|rates?|fees?|costs?|surcharges?|levy|levies|tax|taxes|"
    r"feed-in|refunds?|fines?|penalty|penalties|(?:standing|service|network|grid|metering) "
    r"charges?)\b|free of charge|\bfor free\b"
)
# A change of price stated without a figure ("Der Grundpreis entfällt", "charging is free now").
_CHANGE = re.compile(
    r"ab sofort|ab jetzt|entfällt|entfallen|abgeschafft|kostenlos|gratis|free of charge|"
    r"\bfor free\b|\b(?:is|are|ist|sind|beträgt|betragen|costs?|kostet) (?:now|jetzt|nun)\b|"
    r"(?:erhöht|gesenkt|geändert) (?:auf|um)|(?:raised|increased|reduced|lowered|changed) to|"
    r"\babolished\b"
)
_DUTY = re.compile(
    r"gesetzlich|verpflichtet|pflicht|vorgeschrieben|bußgeld|bussgeld|verboten|unzulässig|"
    r"strafbar|\b(?:muss|müssen)\b[^.!?]{0,60}\b(?:laut|nach|gemäß)\s+(?:gesetz|§|enwg|eeg)|"
    r"required by law|\bby law\b|\bthe law\b|legally|mandatory|obliged|obligated|obligation|"
    r"prohibited|illegal"
)
_ANY = "any"  # a figure named by a word of no one quantity
_QUANTITIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("base fee", re.compile(r"grundpreis|grundgebühr|grundgebuehr|grundentgelt|base (?:fee|price|"
                            r"charge)|standing charge|monthly fee")),
    ("feed-in tariff", re.compile(r"einspeisevergütung|einspeiseverguetung|einspeisetarif|"
                                  r"vergütung|verguetung|feed-in(?: tariff)?|export tariff")),
    ("grid fee", re.compile(r"netzentgelt|netznutzungsentgelt|grid fee|network (?:charge|fee)")),
    ("metering fee", re.compile(r"messstellenbetrieb|messentgelt|zählermiete|metering")),
    ("VAT", re.compile(r"mehrwertsteuer|mwst|umsatzsteuer|\bvat\b")),
    # A markup is part of a working price or a fee: its figure is compared with all of them,
    # but the word still binds it ("no base fee, and the markup capped at 10.95 ct/kWh").
    (_ANY, re.compile(r"aufschlag|aufschläge|aufschlaege|mark-?up|surcharge")),
    ("working price", re.compile(r"arbeitspreis|verbrauchspreis|strompreis|bezugspreis|"
                                 r"kwh-preis|energy price|working price|unit rate|"
                                 r"electricity price|price per kwh|tarif")),
)  # fmt: skip
_PERCENT = ("%", "prozent", "percent")
_RIGHT_AFTER = 3  # characters between a figure and a quantity named after it
_PER = {"kwh": "kWh", "kilowattstunde": "kWh", "monat": "month", "month": "month", "mon": "month"}
_PER |= {"jahr": "year", "year": "year", "a": "year", "monatlich": "month", "monthly": "month"}
_PER |= {"jährlich": "year", "yearly": "year", "annually": "year", "p.a.": "year", "p. a.": "year"}


@dataclass(frozen=True, slots=True)
class Figure:
    """A stated value: ``quantity`` is None when no keyword names what it is the value of."""

    quantity: str | None
    unit: str  # "ct/kWh", "EUR", "EUR/month", "EUR/year", "%"
    value: float

    def disagrees(self, others: Iterable[Figure]) -> bool:
        """True when ``others`` state this quantity in this unit, none with this value."""
        same = [
            o
            for o in others
            if o.unit == self.unit
            and (o.quantity == self.quantity or o.quantity is None or self.quantity is None)
        ]
        return bool(same) and all(abs(o.value - self.value) > 1e-6 for o in same)


def is_claim(sentence: str) -> bool:
    """Whether ``sentence`` states a price, tariff, fee or legal duty."""
    text = fold(sentence).lower()
    if _DUTY.search(text):
        return True
    if not _PRICE.search(text):
        return False
    money = any(
        m.group("currency") or m.group("unit") not in _PERCENT for m in _MONEY.finditer(text)
    )
    return money or bool(_CHANGE.search(text))


def figures(sentence: str, context: str = "") -> list[Figure]:
    """The money and percentage figures in ``sentence``, each with the quantity named nearest
    before it (else after it, else in ``context``: the section path or title)."""
    text = fold(sentence).lower()
    fallback = _quantity_at(fold(context).lower(), len(context))
    fallback = None if fallback == _ANY else fallback
    found = []
    for match in _MONEY.finditer(text):
        number = match.group("before") or match.group("after")
        value = _value(number)
        unit = _unit(match)
        if unit.startswith("EUR/kWh"):
            unit, value = "ct/kWh", value * 100
        named = _quantity_at(text, match.start(), match.end())
        found.append(Figure(None if named == _ANY else named or fallback, unit, value))
    return found


def _unit(match: re.Match[str]) -> str:
    written = match.group("unit") or "€"
    per = _PER.get(match.group("per") or match.group("adverb") or "")
    if written in _PERCENT:
        return "%"
    if written in ("ct", "cent", "cents"):
        return "ct/kWh" if per in (None, "kWh") else f"ct/{per}"
    return f"EUR/{per}" if per else "EUR"


def _value(number: str) -> float:
    """German or English notation: with both separators the last is the decimal one; a lone
    comma is decimal ("16,131 ct/kWh"); a lone point before exactly three digits groups
    thousands ("4.812 kWh"), otherwise it is decimal ("29.80")."""
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        return float(number.replace(grouping, "").replace(decimal, "."))
    if "," in number:
        head, _, tail = number.rpartition(",")
        return float(f"{head.replace(',', '')}.{tail}")
    if "." in number:
        parts = number.split(".")
        if all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))
    return float(number)


def _quantity_at(text: str, start: int, end: int | None = None) -> str | None:
    """The quantity named right after the figure ("19 % MwSt", "14,90 € Grundpreis"), else
    the one named nearest before it, else the nearest after it."""
    end = start if end is None else end
    best: tuple[int, str] | None = None
    for quantity, pattern in _QUANTITIES:
        for match in pattern.finditer(text):
            if end <= match.start() <= end + _RIGHT_AFTER:
                distance = -1
            elif match.end() <= start:
                distance = start - match.end()
            else:
                distance = 10_000 + match.start()
            if best is None or distance < best[0]:
                best = (distance, quantity)
    return best[1] if best else None
