"""Extra search queries for questions one query cannot cover (multi-hop retrieval).

Two patterns, both deterministic:

* a multi-part question ("What does Modul 1 pay per year, and when does the high tariff
  apply?") is split into its parts, and a comparison ("By how much was the February peak
  above the policy's limit?") into its sides, each searched on its own, so the second part's
  document is not crowded out by the first part's;
* a bridge question names a thing only by its role, in a relative clause or by where it is
  recorded ("the heat pump registered with the grid operator": its model is in the grid
  letter, its rating in the datasheet). The first search
  finds the letter; designations in its best passages that the question does not name
  ("WP-9 S") become the second hop's queries, which find the datasheet's row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from luna.core.language import guess_language
from luna.core.stopwords import STOP_WORDS
from luna.ingest.sentences import split_sentences
from luna.ingest.table_rows import header_rows
from luna.retrieval.comparisons import comparison_sides
from luna.retrieval.designations import designations, is_code, mentioned
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.lexicon import (
    attribute_groups,
    contains_term,
    document_groups,
    equivalents,
    thing_groups,
    translations,
    without_false_friends,
)
from luna.retrieval.periods import period_terms

# A question's parts end at a question mark, a semicolon, a conjunction between words (not
# between figures: "zwischen 16 und 20 Uhr", "Modul 1 und 3") or, in English, a comma before a
# question word ("who installed it, when is the next service due"); a German one after a comma
# mostly opens an indirect question ("mitteilen, welches Modul wir wollen").
_QUESTION_WORD_EN = r"(?:what|which|who|whom|whose|when|where|why|how)\b"
_QUESTION_WORD = (
    rf"(?:{_QUESTION_WORD_EN}|was|welche\w*|wer|wem|wen|wann|wo|wie|warum|wieso|weshalb)\b"
)
_PART_SPLIT = re.compile(
    r"\?\s+|;\s+|(?<!\d),?\s+(?:und|and|sowie|as well as|plus)\s+(?!\d)|"
    rf",\s+(?={_QUESTION_WORD_EN})",
    re.IGNORECASE,
)
# A part that asks on its own: it opens with a question word (after a preposition: "bis wann",
# "on what date") or with the verb of a yes/no question ("passt die Registerkarte dazu", "was
# anyone from the installer there"). A scene ("If we …", "Wir haben …") or an instruction
# ("Börsenpreis bitte aus der Notiz nehmen") does not.
_ASKING_VERB = (
    r"(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|may|must|ist|sind|"
    r"war|waren|gilt|gelten|passt|passen|kann|können|darf|dürfen|muss|müssen|hat|haben|hatte|"
    r"wird|werden|entspricht|entsprechen|erfüllt|erfüllen|liegt|reicht|gibt|stimmt|braucht|"
    r"unterschreibt)\b"
)
_ASKS = re.compile(
    r"^(?:(?:at|in|on|for|from|to|by|until|with|of|bis|ab|seit|für|an|um|zu|mit|von|nach|aus|"
    rf"unter)\s+)?(?:{_QUESTION_WORD}|{_ASKING_VERB})",
    re.IGNORECASE,
)
_MIN_PART_WORDS = 4
_JOINED = re.compile(r"\b(und|and|sowie|as well as|or|oder)\b|,")
_QUANTITY = re.compile(r"\d\s*(kwh|kw|mwh|€|eur\b|euro|ct\b|cent|%)", re.IGNORECASE)
# A clause of a sentence ends at a semicolon ("Ich verbrauche 340 kWh; wie hoch ist …?").
# The attribute every price question names: asking for it alone says nothing specific.
_GENERAL_ATTRIBUTE = frozenset({"preis", "price", "kosten", "cost"})
_CLAUSE_END = re.compile(r"(?<=;)\s+")
MAX_BRIDGES = 2
_KIND_WORDS = 2  # words before a description that name the kind of thing it describes
_WORD = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"[a-zäöüß][A-ZÄÖÜ]")
_INNER_CAPITAL = r"\w*[a-zäöüß][A-ZÄÖÜ]\w*"  # a word with an inner capital
_CAMEL_WORD = re.compile(rf"\b{_INNER_CAPITAL}")  # "PowerBlock", "QuellStrom", "kWh"
# A brand name: a word with an inner capital that is no unit ("kW", "MWh", "kVA").
_BRAND_WORD = re.compile(rf"\b(?![kMGm](?:W|Wh|Wp|VA|VAr|var)\b){_INNER_CAPITAL}")
# A document's version is no product: "Version 2.0" of a policy names no other thing.
_VERSION = re.compile(r"^(?:version|fassung|revision|rev|v)\b", re.IGNORECASE)
# Lines, and sentences within them: a bridge's designation and its kind share one.
_SENTENCES = re.compile(r"\n|(?<=[.!?])\s+(?=[A-ZÄÖÜ])")
# A thing described by its role instead of its name: a relative clause ("die Wärmepumpe, die
# … angemeldet ist", "the heat pump that Seetal Netz confirmed") or a source it is known from.
_DESCRIBED = re.compile(
    r",\s*(die|der|das|den|dem|deren|dessen|welche[mnrs]?)\b|\b\w+\s+(that|which|whose)\s+\w+|"
    r"\b(laut|gemäß|according to|registered|confirmed|installed|angemeldet\w*|bestätigt\w*|"
    r"installiert\w*|verbaut\w*|eingebaut\w*)\b",
    re.IGNORECASE,
)
T = TypeVar("T")
K = TypeVar("K")


def question_parts(question: str) -> list[str]:
    """The parts of a multi-part question, or the two sides of a comparison ("the peak in
    February" / "the limit of the current policy": often two documents); empty when it has
    one part."""
    sides = comparison_sides(question)
    split = [sides.compared, sides.reference] if sides else _PART_SPLIT.split(question)
    parts = [p.strip(" ?.,") for p in split]
    parts = [p for p in parts if len(p.split()) >= _MIN_PART_WORDS]
    return parts if len(parts) > 1 else []


def asked_parts(question: str) -> list[str]:
    """The parts of a question that asks several things, each to be answered: its
    :func:`question_parts` where every one asks on its own (no scene, condition or instruction
    among them, and no comparison's two sides); empty otherwise."""
    parts = [] if comparison_sides(question) else question_parts(question)
    return parts if all(_ASKS.match(p) for p in parts) else []


def attribute_queries(question: str) -> list[str]:
    """One query per attribute a question asks for when it joins several ("How heavy and how
    tall is the PB 15.6?", "welche Nennkapazität und welche Spitzenentladeleistung"): what it
    is about (its designations, else the things it names) with the attribute's terms in both
    languages. Table rows state one attribute each, and the whole question's vector lands on
    whichever row is nearest to both; each attribute searched on its own brings its row. A
    word counts once, as its longest term's attribute ("Preisgarantie" is a guarantee), and an
    attribute the question gives a value for ("300 kWh Verbrauch") is not asked."""
    asked = _asking_words(question)
    words = asked.split()
    found = _asked_groups(asked)
    groups = list(dict.fromkeys(group for _, group in found))
    if len(groups) < 2:
        return []
    first, second = (next(at for at, g in found if g is group) for group in groups[:2])
    between = " ".join(words[first : second + 1]).rstrip(".,;:!?")
    if not _JOINED.search(between) or _QUANTITY.search(question):
        return []  # not a list of attributes, or the inputs of a calculation
    return [_attribute_query(question, group) for group in groups]


def attribute_query(question: str) -> str | None:
    """The query for the one specific attribute a question asks for, in both languages, with
    what it is about ("monthly standing charge of LindenStrom Dynamik" → "LindenStrom Dynamik
    grundpreis grundgebühr base-fee …"); None where it asks for none, for several
    (:func:`attribute_queries`) or only for a price or cost in general. The whole question's
    vector lands near passages that share its other words (the product's name, the year);
    across languages the one word that matters ("standing charge" for "Grundpreis") weighs
    too little in it, and in the keyword search it is one term among the dictionary's many."""
    groups = list(dict.fromkeys(g for _, g in _asked_groups(_asking_words(question))))
    specific = [g for g in groups if not g & _GENERAL_ATTRIBUTE]
    if (len(groups) > 1 and attribute_queries(question)) or len(specific) != 1:
        return None
    return _attribute_query(question, specific[0], phrases=True)


def _asking_words(question: str) -> str:
    """The asking sentences without brand names (whose parts would read as attributes) or
    false friends."""
    return without_false_friends(" ".join(_CAMEL_WORD.sub(" ", asking_part(question)).split()))


def _asked_groups(asked: str) -> list[tuple[int, frozenset[str]]]:
    """(word position, attribute) of each attribute ``asked`` names without giving its value."""
    return [
        (at, group) for at, term, group in asked_attributes(asked) if not given_value(asked, term)
    ]


def _attribute_query(question: str, group: frozenset[str], *, phrases: bool = False) -> str:
    """What the question is about (its designations, else its brands, else the things it
    names) with the attribute's terms in both languages: its one-word terms, and with
    ``phrases`` its multi-word ones too ("standing charge")."""
    folded = question.casefold()
    things = [t for g in _things(question) for t in sorted(g) if contains_term(folded, t)]
    subject = " ".join(designations(question) or brands(question) or things)
    terms = sorted(t for t in group if phrases or " " not in t)
    return f"{subject} {' '.join(terms)}".strip()


def specific_attributes(text: str) -> list[str]:
    """The terms of the attributes the casefolded ``text`` names, less a price or cost in
    general ("Grundpreis", "fester Aufschlag"; not the "Preis" of "Preisblatt")."""
    return [term for _, term, group in asked_attributes(text) if not group & _GENERAL_ATTRIBUTE]


def asked_attributes(text: str) -> list[tuple[int, str, frozenset[str]]]:
    """(word position, term, attribute) of each attribute the casefolded ``text`` names, in
    word order. Multi-word terms count ("monthly base price" asks for the base price, not for
    a price), also written with hyphens ("feed-in tariff"), and a word counts once, as its
    longest term's attribute ("Preisgarantie" is a guarantee, "Notstromreserve" a reserve and
    not the emergency power)."""
    bare = [w.strip(".,;:!?()\"'") for w in text.replace("-", " ").split()]
    candidates: list[tuple[int, int, str, frozenset[str]]] = []  # (at, span, term, group)
    for group in attribute_groups():
        for term in group:
            span = term.count(" ") + 1
            for at in range(len(bare) - span + 1):
                if contains_term(" ".join(bare[at : at + span]), term):
                    candidates.append((at, span, term, group))
    taken: set[int] = set()
    found: list[tuple[int, str, frozenset[str]]] = []
    for at, span, term, group in sorted(candidates, key=lambda c: (-len(c[2]), c[0], c[2])):
        covered = set(range(at, at + span))
        if not covered & taken:
            taken |= covered
            found.append((at, term, group))
    return sorted(found, key=lambda f: f[0])


def brands(question: str) -> list[str]:
    """Brand and product names ("QuellStrom Flex", "PowerBlock"): a word with an inner capital
    and a capitalised word right after it (the product of that brand)."""
    return [
        " ".join(word for word in match.groups() if word)
        for match in re.finditer(
            rf"({_BRAND_WORD.pattern})(?:\s+([A-ZÄÖÜ][a-zäöüß]+)\b)?", question
        )
    ]


def is_version(designation: str) -> bool:
    """Whether a designation is a document's version ("Version 2.0", "Fassung 3", "v1.1"):
    it names no product or thing the document states values of."""
    return _VERSION.match(designation) is not None


def same_product(a: str, b: str) -> bool:
    """Whether two sentences may state the same product's figure: unless each names products
    (brands, designations other than a version) and they share none, in either language
    ("Module 2" is "Modul 2"). "Der Grundpreis für QuellStrom Takt" in an old FAQ is not
    superseded by the price sheet's base price for QuellStrom Flex."""
    products_a = [d for d in designations(a) if not is_version(d)]
    products_b = [d for d in designations(b) if not is_version(d)]
    named_a = {n.casefold() for n in brands(a) + products_a}
    named_b = {n.casefold() for n in brands(b) + products_b}
    if not named_a or not named_b or named_a & named_b:
        return True
    return any(mentioned(d, [b]) for d in products_a)


def given_value(question: str, word: str) -> bool:
    """Whether the question states the attribute's value itself ("net of the 19 % VAT",
    "bei einem Börsenpreis von 8 ct/kWh"): a quantity right before or after the word
    gives the attribute to compute with; it is not asked."""
    for match in re.finditer(re.escape(word), question):
        before = question[max(0, match.start() - 12) : match.start()]
        after = question[match.end() : match.end() + 24]
        if re.search(r"\d\s*%?\s*$", before) or re.match(
            r"\s*(?:von|of|=|:|is|ist|beträgt|at|bei)?\s*\d", after
        ):
            return True
    return False


def asking_part(question: str) -> str:
    """The sentences of ``question`` that ask (end with "?"); the sentences before them give
    the situation ("Ich verbrauche 340 kWh; der verbrauchsgewichtete Börsenpreis liegt bei
    8,62 ct/kWh. Wie hoch ist meine Monatsrechnung?") and ask for nothing."""
    sentences = [
        clause
        for sentence in split_sentences(question.strip(), typed=True)  # not after "Dr.", "1."
        for clause in _CLAUSE_END.split(sentence)
    ]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    return " ".join(asking) if asking else question


def _things(question: str) -> list[frozenset[str]]:
    """The lexicon's thing concepts the question names ("heat pump" → Wärmepumpe, …)."""
    folded = question.casefold().replace("-", " ")
    return [group for group in thing_groups() if any(contains_term(folded, t) for t in group)]


def description_query(question: str) -> str | None:
    """The part of a question that describes its thing by role, with the kind of thing ("heat
    pump that Seetal Netz confirmed for Tobias Reuter"), searched on its own: the document
    that names the thing (a grid letter) shares few words with the whole question, whose
    attribute words pull the datasheet up instead. None when the question names its thing
    or describes none."""
    if designations(question):
        return None
    match = _DESCRIBED.search(question)
    if match is None:
        return None
    before = question[: match.start()].split()[-_KIND_WORDS:]  # "… of the heat", "der Wärmepumpe"
    text = " ".join([*before, question[match.start() :]]).strip(" ,?.").replace(" , ", " ")
    return text if len(text.split()) >= _MIN_PART_WORDS else None


def _table_headings(text: str) -> str:
    """The headings of the tables in ``text``: each pipe table's first row and the labels of
    spelled-out rows ("ALW 9 T" in "ALW 9 T: 126")."""
    lines = text.split("\n")
    headings = [lines[i] for i in header_rows(lines)]
    for line in lines:
        if " · " in line:
            headings += [pair.partition(": ")[0] for pair in line.split(" · ") if ": " in pair]
    return " ; ".join(headings)


def bridges(question: str, passages: Sequence[tuple[str, T]]) -> dict[str, tuple[str, T]]:
    """The designations a question describes by role instead of naming them ("the heat pump
    that Seetal Netz confirmed" → "ALW 9 T"), each with the passage and key it was read from;
    empty when the question names its thing or describes none.

    Where the question names a kind of thing, only designations in a line or sentence of a
    passage that names the same kind count (the letter's "Wärmepumpe … Calora ALW 9 T" row,
    not its wallbox row), whatever they look like; where none does, every code-like
    designation of the passages, best first.
    """
    if designations(question) or not _DESCRIBED.search(question):
        return {}  # it names its thing, or describes nothing by a role: nothing to bridge to
    kinds = [t for group in _things(question) for t in group]
    of_kind: dict[str, tuple[str, T]] = {}
    coded: dict[str, tuple[str, T]] = {}
    for text, key in passages:
        headings = _table_headings(text)
        for unit in _SENTENCES.split(text):
            folded = unit.casefold().replace("-", " ")
            named = any(contains_term(folded, t) for t in kinds)
            for name in designations(unit):
                if mentioned(name, [headings]):
                    continue  # a table's column of alternatives ("ALW 6 | ALW 9 | …")
                if named:
                    of_kind.setdefault(name, (text, key))
                if is_code(name):
                    coded.setdefault(name, (text, key))
    return of_kind or coded


def states_asked(question: str, text: str) -> bool:
    """Whether ``text`` names every attribute the question asks for (in either language:
    "schwer" → "Weight outdoor unit"); true where the question asks for none the lexicon
    knows."""
    asked, folded = without_false_friends(question), text.casefold()
    groups = [g for g in attribute_groups() if any(contains_term(asked, t) for t in g)]
    return all(any(contains_term(folded, t) for t in g) for g in groups)


def bridge_queries(question: str, passages: Sequence[tuple[str, T]]) -> list[tuple[str, T]]:
    """Second-hop queries: the :func:`bridges` of the best passages, each with the question's
    words that passage does not contain (the asked attribute, not the description that led to
    the passage), paired with the key of the passage it came from (the hop's answer lies in
    another document)."""
    hops = []
    for name, (text, key) in list(bridges(question, passages).items())[:MAX_BRIDGES]:
        seen = text.casefold()
        rest = [w for w in _WORD.findall(question) if len(w) > 3 and w.casefold() not in seen]
        hops.append((" ".join([name, *rest]), key))
    return hops


# A number of four digits or more that is no year (1900–2099) and no part of a decimal figure.
_IDENTIFIER = re.compile(r"(?<![\d.,])(?!(?:19|20)\d\d(?![\d.,]))\d{4,}(?![\d.,]\d)")


def identifiers(question: str) -> list[str]:
    """The numbers of four digits or more that are no year and no part of a decimal figure:
    a register, a market location, an article or protocol number ("Register 40200")."""
    return _IDENTIFIER.findall(question)


def translated_query(question: str, dictionary: Dictionary | None = None) -> str | None:
    """The question in the other language's words, for a second keyword search: each content
    word's dictionary translations ("Frist" → period, deadline …), the domain lexicon's
    terms for its things and attributes, designations ("Module 1" → "Modul 1") and periods as
    month names ("first quarter" → "Januar January Februar …"); None when there is nothing
    to add.

    Names (words the dictionary does not know in the question's language: "Seetal Netz",
    "Tobias Reuter") go in as they are: the other language writes them alike.

    A separate search, not words added to the question's: BM25 weighs every query term alike,
    so added words let bilingual documents outscore the one that answers. For the same reason
    only words of the other language go in (with a dictionary to tell them apart): the
    question's own language's synonyms would lift every passage of a same-language document.
    """
    language = guess_language(question)
    terms = translations(question)
    if dictionary is not None:
        terms = [t for t in terms if not dictionary.knows(t, language)]
        for word in _WORD.findall(question):
            if len(word) > 2 and not word.isdigit() and word.casefold() not in STOP_WORDS:
                if _CAMEL.search(word):
                    terms.append(word)  # a brand ("LindenStrom", "BrightCell") is no compound
                    continue
                translated = dictionary.translate(word, language)
                terms += translated
                if not translated and not dictionary.knows(word, language):
                    terms.append(word)  # a name ("Seetal", "Tobias") is the same in both
    terms += period_terms(question)
    for name in designations(question):
        word, _, rest = name.replace("-", " ").partition(" ")
        terms += [
            f"{other} {rest}" for other in sorted(equivalents(word)) if other != word.casefold()
        ]
    return " ".join(dict.fromkeys(terms)) or None


MAX_NAMED_DOCUMENTS = 2  # a kind more documents share names no one document ("the manual")


def named_document_kinds(question: str) -> list[frozenset[str]]:
    """The kinds of document the question names ("policy", "FAQ"), as lexicon groups."""
    folded = question.casefold().replace("-", " ")
    return [g for g in document_groups() if any(contains_term(folded, t) for t in g)]


def named_documents(question: str, titles: Mapping[K, str]) -> list[K]:
    """The documents a question names by their kind ("laut neuer Energierichtlinie", "our new
    energy policy", "what the FAQ said"): those whose title names the same kind, in either
    language, where at most :data:`MAX_NAMED_DOCUMENTS` do. Such a question often needs that
    document beside the one its other words point to (a register in a manual, the limit it
    must keep in the policy), and shares few words with it."""
    named: list[K] = []
    for group in named_document_kinds(question):
        matching = [
            key
            for key, title in titles.items()
            if any(contains_term(title.casefold().replace("-", " "), t) for t in group)
        ]
        if len(matching) <= MAX_NAMED_DOCUMENTS:
            named += [key for key in matching if key not in named]
    return named
