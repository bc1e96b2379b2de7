"""Whether a question's answer needs arithmetic, from German and English cues written as data.

Deterministic and cheap, so the RAG graph can decide before any model call whether to plan a
calculation (:mod:`luna.graphs.rag.calculation`). It leans towards yes: a needless plan costs
one model call, a missing one lets the model do the arithmetic and get it wrong. Plain look-ups
("Wie hoch ist der Grundpreis?") say no.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from luna.core.language import Language
from luna.retrieval.comparisons import asks_difference

# The question asks for an amount of money: what something costs, saves or is billed.
ASKS_MONEY = re.compile(
    r"\b(\w*kost\w*|(ge|er|ein|einge)?spar\w*|zahl\w*|\w*rechnung|\w*betrag|"
    r"cost\w*|sav(e|es|ed|ing|ings)|pay\w*|bill\w*|charge\w*)\b|€|\beur(o|os)?\b",
    re.IGNORECASE,
)
# Power, not money: a "charge power", a "charging rate" or a "state of charge" is no charge.
_CHARGING = re.compile(
    r"\bcharg\w*\s+(power|rate|current|time|window|level)\b|\bstate\s+of\s+charge\b",
    re.IGNORECASE,
)


# A payback time: an investment over the yearly saving it buys, in years, not an amount paid.
PAYBACK = re.compile(
    r"\b(pay\s?back\w*|pays?\s+(itself\s+|for\s+itself\s+)?(back|off)|pays?\s+for\s+itself|"
    r"break[- ]?even|"
    r"return\s+on\s+investment|amortis\w*|amortiz\w*|rechnet\s+sich|refinanzier\w*)\b",
    re.IGNORECASE,
)


_VAT_NAMES = r"mwst|mehrwertsteuer|ust|umsatzsteuer|vat|value added tax"
VAT_WORD = re.compile(rf"\b({_VAT_NAMES})\b", re.IGNORECASE)
# A rate written before its VAT word: "mit 19 % MwSt.", a column heading "brutto inkl. 19 % USt.".
RATE_BEFORE_VAT = re.compile(
    rf"(?P<rate>\d{{1,2}}(?:[.,]\d+)?)\s?%\s*{VAT_WORD.pattern}\.?", re.IGNORECASE
)
# "ohne USt.", "zzgl. 19 % MwSt.", "incl. VAT": a price's side written as its VAT.
_VAT_AFTER = rf"\s+(?:\d{{1,2}}(?:[.,]\d+)?\s?%\s+)?(?:{_VAT_NAMES})\b"
# Net or gross, also in compounds ("Nettopreis", "Bruttoarbeitspreis") and as the VAT a price
# leaves out or includes.
NET_WORD = re.compile(
    rf"\b(netto\w*|net)\b|\b(ohne|exkl\.?|exklusive|zzgl\.?|zuzüglich|excl\.?|excluding|"
    rf"plus){_VAT_AFTER}",
    re.IGNORECASE,
)
GROSS_WORD = re.compile(
    rf"\b(brutto\w*|gross)\b|\b(inkl\.?|inklusive|einschl\.?|incl\.?|including){_VAT_AFTER}",
    re.IGNORECASE,
)

# A saving or a difference: two sides, the smaller taken from the larger.
SAVING = re.compile(
    r"\b(spar\w*|erspar\w*|einspar\w*|differenz|unterschied|sav(e|es|ed|ing|ings)|difference)\b",
    re.IGNORECASE,
)
# Both sides asked: "netto und brutto bitte", "net and gross", "net and incl. VAT".
_BOTH_JOIN = r"\s*(?:und|and|&|/|,|sowie|as well as)\s*(?:auch\s+|also\s+)?"
ASKS_NET_AND_GROSS = re.compile(
    rf"(?:{NET_WORD.pattern}){_BOTH_JOIN}(?:{GROSS_WORD.pattern})|"
    rf"(?:{GROSS_WORD.pattern}){_BOTH_JOIN}(?:{NET_WORD.pattern})",
    re.IGNORECASE,
)


def net_side_only(question: str) -> str:
    """The question asking only the net side where it asks both ("netto und brutto bitte" →
    "netto bitte"): code computes the net figure and adds the VAT to it."""
    both = ASKS_NET_AND_GROSS.search(question)
    if both is None:
        return question
    net = NET_WORD.search(both.group())
    assert net is not None  # the match holds a net word by construction
    return f"{question[: both.start()]}{net.group()}{question[both.end() :]}"


def asks_money(question: str) -> bool:
    """Whether the question asks for an amount of money (or a price), not a charging power."""
    return bool(ASKS_MONEY.search(PAYBACK.sub(" ", _CHARGING.sub(" ", question))))


# Cues written as data, per kind and language. A cue of a kind in ALONE is enough; a cue of a
# kind in WITH_AMOUNT counts only when the question also asks for money or an amount. "Per
# year" is the only period cue: "Grundpreis pro Monat" is how tariffs are stated, a yearly
# figure is usually a monthly one times 12.
CUES: dict[str, dict[Language, tuple[str, ...]]] = {
    "calculate": {
        "de": (r"\b(be|aus|zusammen|hoch|um)?rechne", r"\bkalkulier", PAYBACK.pattern),
        "en": (r"\bcalculat", r"\bcompute\b", r"\bwork out\b", r"\badd up\b", PAYBACK.pattern),
    },
    "total": {
        "de": (
            r"\binsgesamt\b",
            # "zusammen" as a sum, not "Wie setzt sich … zusammen?" (what it consists of)
            r"\bzusammen\s*(gerechnet|genommen|addiert)|\b(kosten|verbrauchen|ergeben|machen)"
            r"\b[^?]*\bzusammen\b",
            r"\bgesamt(kosten|preis|betrag|summe)",
            r"\bsumme\b",
        ),
        "en": (r"\btotal\b", r"\bin sum\b", r"\bsum of\b", r"\baltogether\b", r"\bcombined\b"),
    },
    "average": {
        "de": (r"\bdurchschnitt", r"\bim mittel\b", r"\bmittelwert"),
        "en": (r"\baverage\b", r"\bmean\b"),
    },
    "difference": {
        "de": (
            r"\bdifferenz\b",
            r"\bunterschied\b",
            r"\bersparnis\b",
            r"\beinsparung",
            r"\b(spare|spart|sparen|gespart)\b",
            r"\bwie ?viel (mehr|weniger|billiger|günstiger|teurer)\b",
            r"\bum wie ?viel\b(?!\s+uhr)",
            r"\bprozentual",
        ),
        "en": (
            r"\bdifference\b",
            r"\bby what percent",
            r"\bwhat percentage\b",
            r"\bsav(e|es|ed|ing|ings)\b",
            r"\bhow much (more|less|cheaper|extra)\b",
            r"\bby how much\b",
        ),
    },
    "vat": {
        "de": (
            r"\b(inkl|inklusive|einschließlich|einschl|mit|plus|zzgl|zuzüglich)\.?\s+(der\s+)?"
            r"(mwst|mehrwertsteuer|ust|umsatzsteuer)\b",
            r"\bbrutto\b",
            r"\b(ohne|exkl|exklusive|abzüglich|vor)\.?\s+(der\s+)?"
            r"(mwst|mehrwertsteuer|ust|umsatzsteuer)\b",
        ),
        "en": (
            r"\b(incl|including|inclusive of|with|plus|after)\.?\s+(the\s+)?vat\b",
            r"\bgross\b",
            r"\b(without|excluding|excl|exclusive of|net of|before)\.?\s+(the\s+)?vat\b",
        ),
    },
    "hypothetical_cost": {
        "de": (r"\bwie ?viel\b[^?]*\bkosten\b", r"\bwas (würden?|wären?)\b[^?]*\bkosten\b"),
        "en": (r"\bhow much (would|will|could|might)\b", r"\bwhat would\b[^?]*\bcost\b"),
    },
    "amount": {
        "de": (
            r"\b(kost\w*|\w*preis\w*|\w*zahl\w*|\w*rechnung\w*|betrag|euro|cent|gebühr\w*)\b",
            r"\b(\w*entgelt\w*|vergütung|gutschrift|wie ?viel)\b",
            r"€|\bct\b",
        ),
        "en": (
            r"\b(cost\w*|pric\w*|pay\w*|bill\w*|charge\w*|fees?|euros?|cents?|tariff)\b",
            r"\b(how much|how many)\b",
            r"€|\bct\b",
        ),
    },
    "quantity": {
        "de": (
            r"\d\s*(kwh|mwh|wh|kw|monat|jahr|tag|woche|stunde|std|km|liter|prozent|%|€|euro|ct)",
        ),
        "en": (r"\d\s*(kwh|mwh|wh|kw|month|year|day|week|hour|km|litre|liter|percent|%|€|ct)",),
    },
    "comparison": {
        "de": (r"\b(teurer|billiger|günstiger|mehr|weniger)\b[^?]*\bals\b",),
        "en": (r"\b(more|less|cheaper|dearer|expensive)\b[^?]*\bthan\b",),
    },
    "per_year": {
        "de": (
            r"\b(pro|im|je|per|ein|einem|ganze[sn]?|ganzen|volle[sn]?|erste[nm]?) jahr\b",
            r"\b(übers|aufs|fürs|(über|auf|für) (das|ein)( ganze)?) jahr\b",
            r"\b(vertrags|kalender|abrechnungs|betriebs|wirtschafts|geschäfts)jahr\b",
            r"\bjährlich",
            r"\bjahres(kosten|betrag)",
        ),
        "en": (
            r"\b(per|a|each|every|one|whole|full|entire|first) year\b",
            r"\b(over|for|across) (the|a) year\b",
            r"\b(contract|calendar|billing|operating|financial|fiscal) year\b",
            r"\b(annual|yearly)",
        ),
    },
    # The energy of a battery between two states of charge, or how long it lasts at full
    # power until the lower one (:mod:`luna.graphs.rag.soc_windows`).
    "soc_window": {
        "de": (
            r"\b(energie|kwh|kapazität|nutzbar\w*|wie\s+lange)\b[^?]*\b(zwischen|bis)\b[^?]*"
            r"\b(soc|ladezustand\w*|soc-grenze\w*|grenzen)\b",
        ),
        "en": (
            r"\b(energy|kwh|capacity|usable|how\s+long)\b[^?]*\b(between|until|till)\b[^?]*"
            r"\b(soc|state\s+of\s+charge|limits?)\b",
        ),
    },
    "time_window": {
        "de": (
            r"\b(zwischen|von)\s+\d{1,2}(:\d\d)?\s*(uhr\s*)?(und|bis|-|–)\s*\d{1,2}",
            r"\bum\s+\d{1,2}(:\d\d)?\s*uhr\b",
        ),
        "en": (
            r"\b(between|from)\s+\d{1,2}(:\d\d)?\s*(am|pm)?\s*(and|to|-|–)\s*\d{1,2}",
            r"\bat\s+\d{1,2}(:\d\d|\s*(am|pm|o'clock))",
        ),
    },
}
ALONE = ("calculate", "total", "average", "difference", "vat", "hypothetical_cost", "soc_window")
WITH_AMOUNT = ("quantity", "comparison", "per_year", "time_window")
_CUE_PATTERNS = {
    kind: re.compile("|".join(p for patterns in cues.values() for p in patterns), re.IGNORECASE)
    for kind, cues in CUES.items()
}


_GROSS_WORD = re.compile(r"\b(brutto|gross)\b", re.IGNORECASE)
_YEARLY_STATED = re.compile(
    r"\d\s*(€|eur\b|euro)[^.\n]{0,25}?\b(pro|im|je|per|a) (jahr|year)\b|"
    r"\d\s*(€|eur\b|euro)\s*/\s*(jahr|year|a)\b|\b(jährlich|annual|yearly)\w*[^.\n]{0,30}\d\s*(€|eur\b)",
    re.IGNORECASE,
)


def wants_calculation(question: str, passages: Sequence[str] = ()) -> bool:
    """Whether the answer needs arithmetic (a total, a difference, a gross price, a cost for a
    quantity); leans towards yes, since a needless plan costs one model call, a missing one a
    wrong figure. A bare "brutto"/"gross" is a look-up, not a calculation, where a passage
    states gross figures itself (a tariff table with a brutto column), and so is a yearly
    amount where a passage states one ("168,00 € brutto pro Jahr")."""
    if asks_difference(question):
        return True  # by how much two values differ, or by what percentage one changed
    alone = [kind for kind in ALONE if _CUE_PATTERNS[kind].search(question)]
    amount = bool(_CUE_PATTERNS["amount"].search(question))
    with_amount = [kind for kind in WITH_AMOUNT if amount and _CUE_PATTERNS[kind].search(question)]
    if alone == ["vat"] and not with_amount and passages:
        only_the_word = _CUE_PATTERNS["vat"].search(_GROSS_WORD.sub("", question)) is None
        if only_the_word and any(GROSS_WORD.search(p) for p in passages):
            return False
    if (
        not alone
        and with_amount == ["per_year"]
        and any(_YEARLY_STATED.search(p) for p in passages)
    ):
        return False  # "168,00 € brutto pro Jahr" is there to be read, not computed
    return bool(alone) or bool(with_amount)


def asks_per_year(question: str) -> bool:
    """Whether the question wants a yearly figure ("im Jahr", "per year", "jährlich")."""
    return bool(_CUE_PATTERNS["per_year"].search(question))
