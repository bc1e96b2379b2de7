"""German ↔ English terms of the energy domain that name the same thing.

Customers ask in one language about documents in the other ("Module 1" of a German price
sheet, the "Garantie" of an English datasheet). Designation matching and the attribute check
look words up here; each group lists the forms of one concept in both languages. Matching is
on casefolded words, so a group needs the inflected forms that differ by more than case.
"""

from __future__ import annotations

import re
from functools import cache

_SHORT_TERM = 5  # shorter terms match whole words only ("vat"); longer ones inside compounds

# Things a question is about (designation words and devices).
_THINGS = """
modul module modules moduls
stufe stufen level levels stage stages
speicher batteriespeicher battery batteries storage akku
wärmepumpe wärmepumpen heat-pump heatpump
wallbox wallboxen ladestation charger charging-station ladepunkt
zähler zählers stromzähler meter meters
tarif tarife tariff tariffs
version versionen
typ type types
klasse class
phase phasen phases
gruppe group
zone zonen zones
variante varianten variant variants modell modelle model models
netzbetreiber netzbetreibers grid-operator network-operator dso
installateur installateurs installer installers fachbetrieb
energieversorger stadtwerke lieferant supplier utility
außeneinheit outdoor-unit
inneneinheit indoor-unit
ladepunkt ladepunkte charge-point charge-points
verdichter kompressor compressor
"""
# Attributes a question asks for: the answer needs a passage that states one of these words.
_ATTRIBUTES = """
garantie gewährleistung herstellergarantie warranty guarantee
gewicht weight masse schwer heavy wiegt wiegen weigh weighs
leistung nennleistung power rating output
absicherung sicherung fuse vorsicherung
laufzeit runtime betriebsdauer
grundpreis grundgebühr base-fee basic-fee standing-charge base-price monthly-fee
arbeitspreis energy-price unit-price working-price
leistungspreis leistungspreise demand-charge demand-charges capacity-charge
netzentgelt netzentgelte grid-fee grid-fees grid-charge grid-charges network-charge
mehrwertsteuer umsatzsteuer mwst ust vat
abmessungen maße dimensions
bauhöhe height tall
wirkungsgrad efficiency
scop jahresarbeitszahl jaz seasonal-coefficient-of-performance seasonal-cop
cop leistungszahl coefficient-of-performance
preis preise kosten kostet price prices cost costs
kapazität capacity
spannung voltage
lautstärke schallleistung schallleistungspegel schalldruckpegel noise sound
einspeisevergütung feed-in-tariff feed-in-tariffs feed-in-remuneration
kündigungsfrist notice-period
spitzenlast lastspitze spitzenlastlimit peak-load peak
aufschlag aufschläge markup markups surcharge surcharges
börsenpreis börsenstrompreis day-ahead-preis day-ahead-price exchange-price spot-price
anmeldung anmeldenummer registriernummer registrierung registration registration-number
vorlauftemperatur flow-temperature
verbrauch stromverbrauch consumption
frist fristen deadline
zeitfenster time-window time-windows
hochtarif high-tariff peak-tariff ht
niedertarif low-tariff off-peak nt
notstromreserve backup-reserve eps-reserve
notstrom notstromleistung emergency-power backup-power eps
ladezustand soc state-of-charge
ladeleistung charge-power charging-power
entladeleistung discharge-power
spitzenentladeleistung peak-discharge-power
entladetiefe depth-of-discharge dod
zyklenzahl zyklen cycle-life cycles
einspeisebegrenzung einspeiselimit export-limit feed-in-limit
netzladung netzladen aus-dem-netz-laden grid-charging
"""

# Words for one concept in both languages that name neither a thing nor an attribute a
# passage must state ("der Grenzwert" of a policy that writes "shall not exceed 190 kW"; the
# "feed-in" a grid operator limits, which is no feed-in tariff):
# they only translate, for keyword search and for matching a question's words to a passage's.
_WORDS = """
grenzwert grenzwerte grenze obergrenze limit limits
schwelle schwellwert schwellenwert threshold thresholds
einspeisung einspeisen einspeist eingespeist feed-in
summe gesamtsumme total sum
"""

# Kinds of document a question may name ("laut neuer Energierichtlinie", "the FAQ", "the grid
# operator's letter"): a document whose title names the same kind is the one meant.
_DOCUMENTS = """
richtlinie richtlinien energierichtlinie leitlinie policy policies guideline guidelines
faq häufige-fragen frequently-asked-questions
preisblatt preisliste tarifblatt price-sheet price-list tariff-sheet rate-card
handbuch anleitung bedienungsanleitung betriebsanleitung manual datenblatt datasheet data-sheet
protokoll inbetriebnahmeprotokoll prüfprotokoll protocol commissioning-report
notiz aktennotiz memo note
bestätigung bescheid confirmation letter
vertrag vertrags contract agreement
rechnung jahresrechnung invoice bill
"""

# Words that contain an attribute's term without asking for the attribute: "guaranteed power"
# asks for no warranty, "gewichtet" for no weight.
_FALSE_FRIEND_WORDS = """
garantiert garantierte garantierten garantiertes guaranteed guarantees
gewichtet gewichtete gewichteten weighted
"""
_FALSE_FRIENDS = frozenset(_FALSE_FRIEND_WORDS.split())


def without_false_friends(text: str) -> str:
    """``text`` casefolded, without the words that only look like an attribute's term."""
    return " ".join(
        w for w in text.casefold().split() if w.strip(".,;:!?()\"'") not in _FALSE_FRIENDS
    )


def _fold(word: str) -> str:
    return word.casefold().replace("-", " ")


def _groups(table: str) -> list[frozenset[str]]:
    return [frozenset(_fold(w) for w in line.split()) for line in table.strip().splitlines()]


@cache
def _index() -> dict[str, frozenset[str]]:
    index: dict[str, frozenset[str]] = {}
    for group in thing_groups() + attribute_groups() + _word_groups():
        for word in group:
            index[word] = index.get(word, frozenset()) | group
    return index


@cache
def attribute_groups() -> tuple[frozenset[str], ...]:
    """Each attribute concept as its set of terms (casefolded; multi-word terms with spaces)."""
    return tuple(_groups(_ATTRIBUTES))


@cache
def thing_groups() -> tuple[frozenset[str], ...]:
    """Each thing concept (device, module, party …) as its set of terms, like
    :func:`attribute_groups`."""
    return tuple(_groups(_THINGS))


@cache
def _word_groups() -> tuple[frozenset[str], ...]:
    """Each concept of :data:`_WORDS`, like :func:`attribute_groups`."""
    return tuple(_groups(_WORDS))


@cache
def document_groups() -> tuple[frozenset[str], ...]:
    """Each kind of document as its set of terms, like :func:`attribute_groups`."""
    return tuple(_groups(_DOCUMENTS))


@cache
def thing_terms() -> frozenset[str]:
    """Every one-word term of a thing concept (casefolded): "modul", "module", "stufe", …"""
    return frozenset(t for group in thing_groups() for t in group if " " not in t)


def equivalents(word: str) -> frozenset[str]:
    """``word`` and the words naming the same concept, casefolded ("Modul" → modul, module…)."""
    folded = _fold(word)
    return _index().get(folded, frozenset()) | {folded}


def concept_terms() -> frozenset[str]:
    """Every term the lexicon knows (casefolded; multi-word terms with spaces)."""
    return frozenset(_index())


def translations(text: str) -> list[str]:
    """Other-language terms of the things and attributes ``text`` names ("base price" →
    "grundpreis",
    …), for a keyword search across languages. Only one-word terms: the words of "base fee"
    or "peak load" alone match everything; terms already in ``text`` are left out."""
    folded = _fold(text)
    words = set(re.findall(r"\w+", folded))
    groups = thing_groups() + attribute_groups() + _word_groups()
    named = [group for group in groups if any(contains_term(folded, t) for t in group)]
    return sorted({t for group in named for t in group if " " not in t and t not in words})


def contains_term(text: str, term: str) -> bool:
    """Whether casefolded ``text`` contains ``term``: short terms as whole words, longer ones
    also inside German compounds ("leistung" in "Heizleistung")."""
    if len(term) < _SHORT_TERM:
        return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) is not None
    return term in text
