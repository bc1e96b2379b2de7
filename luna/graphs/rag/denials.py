"""Yes/no questions that a source answers with an outright "no", answered by code.

"Gibt es bei QuellStrom Flex eine Preisgarantie?" over a price sheet that says "Eine
Preisgarantie wird nicht gewährt."; "Does the grid operator pay the reduction into my
account?" over its letter saying "eine Auszahlung durch uns erfolgt nicht": the 1.5B model
answered "Ja", or refused, although the passage denies it in so many words (and an
installer's remark claiming the opposite, marked unverified by the screen, is what it
repeated). Here code finds the denying clause and answers "No", quoting it with its source.

A clause denies the question when it is negated ("nicht", "kein", "not", "no", "never"), is no
bound in disguise ("nicht mehr als 4 kW", "no later than", "not only"), no condition ("wenn
… nicht") and names what the question asks about: its focal thing (the longest word that is
no name, "Preisgarantie"), or its action (the question's verb or a word of the same meaning,
"überweist" ~ "Auszahlung") together with another of the question's words in the sentence.
Only sources that are not informal count (an FAQ or an installer's remark may be what the
question tests), and an affirming clause about the same focal thing in such a source makes
the answer unclear (one naming the focal thing, and the action where the question has one):
then nothing is answered here and the model goes on.

Questions asking more than yes or no ("… und wie hoch ist sie?", "A oder B?") are left alone,
and so are compliance questions (:mod:`luna.graphs.rag.compliance` compares their values).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from luna.core.language import Language
from luna.graphs.rag.authority import Authority, classify
from luna.graphs.rag.compliance import asks_compliance
from luna.graphs.rag.compress import question_terms, stems
from luna.graphs.rag.guard import without_unverified
from luna.ingest.sentences import split_sentences
from luna.retrieval.designations import designations

_EN_START = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|can|could|will|would|has|have|had|should|must|may|"
    r"shall|isn't|aren't|doesn't|don't)\b",
    re.IGNORECASE,
)
# German yes/no questions open with their finite verb; these are common ones, and any verb
# in -t followed by an article, pronoun or title ("Überweist die …", "Zahlt der …").
_DE_VERBS = frozenset(
    [
        "ist",
        "sind",
        "war",
        "waren",
        "gibt",
        "gab",
        "gilt",
        "galt",
        "hat",
        "haben",
        "hatte",
        "hatten",
        "kann",
        "können",
        "konnte",
        "muss",
        "müssen",
        "musste",
        "darf",
        "dürfen",
        "soll",
        "sollen",
        "wird",
        "werden",
        "wurde",
        "wurden",
        "bekommt",
        "bekomme",
        "bekommen",
        "erhält",
        "erhalte",
        "erhalten",
        "zahlt",
        "zahlen",
        "überweist",
        "überweisen",
        "übernimmt",
        "übernehmen",
        "bietet",
        "enthält",
        "enthalten",
        "gewährt",
        "erstattet",
        "fällt",
        "fallen",
        "läuft",
        "reicht",
        "braucht",
        "lohnt",
        "deckt",
        "umfasst",
        "beinhaltet",
        "besteht",
        "bestehen",
        "steht",
        "stehen",
        "liegt",
        "liegen",
        "funktioniert",
        "unterstützt",
        "benötigt",
        "benötige",
        "brauche",
        "muß",
    ]
)
_DE_FOLLOWERS = frozenset(
    [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "es",
        "man",
        "ich",
        "er",
        "sie",
        "wir",
        "ihr",
        "herr",
        "herrn",
        "frau",
        "mein",
        "meine",
        "meinen",
        "ein",
        "eine",
        "einen",
        "einem",
        "unser",
        "unsere",
        "unseren",
        "dieser",
        "diese",
        "dieses",
    ]
)
_OPEN = re.compile(
    r"\b(?:wie|was|wann|wo|woher|wohin|welch\w*|wer|wen|wem|wessen|warum|weshalb|wieso|"
    r"wieviel\w*|wozu|womit|wofür|what|when|where|which|who|whom|whose|why|how)\b",
    re.IGNORECASE,
)
_ALTERNATIVE = re.compile(r"\b(?:oder|or)\b(?!\s+(?:nicht|not)\b)", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:nicht|kein|keine|keinen|keinem|keiner|keines|nie|niemals|weder|not|no|never|none|"
    r"neither|nor|cannot)\b|n't\b",
    re.IGNORECASE,
)
# A negation that bounds or qualifies rather than denies ("nicht höher als", "not only").
_NOT_A_DENIAL = re.compile(
    r"\b(?:nicht|not|no|kein\w*)\s+(?:mehr\s+als|weniger\s+als|länger\s+als|später\s+als|"
    r"früher\s+als|über|unter|nur|more\s+than|less\s+than|later\s+than|earlier\s+than|"
    r"longer\s+than|only|exceed\w*|überschreit\w*|unterschreit\w*|\w+er\s+(?:als|than))\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(r"\b(?:wenn|falls|sofern|soweit|if|unless|provided|außer)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r";|:\s|,\s+(?=(?:aber|sondern|jedoch|but|whereas)\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
# Words of one action in both languages, by the leading letters they are known by: the
# question's verb and the source's noun or verb for the same act.
_ACTIONS: tuple[frozenset[str], ...] = (
    frozenset(
        [
            "überweis",
            "auszahl",
            "ausgezahl",
            "zahlt",
            "zahlen",
            "zahlung",
            "bezahl",
            "erstatt",
            "gutschr",
            "gutgeschr",
            "vergüt",
            "pay",
            "paid",
            "payout",
            "transfer",
            "refund",
            "reimburs",
            "credit",
        ]
    ),
    frozenset(["gewähr", "garantie", "garantier", "zusich", "guarant", "grant"]),
    frozenset(["enthält", "enthalten", "inklusiv", "inbegriff", "beinhalt", "includ", "contain"]),
    frozenset(["berechn", "erheb", "kostet", "kosten", "gebühr", "charg", "fee", "billed", "bill"]),
    frozenset(["erlaub", "zulässig", "gestatt", "darf", "dürfen", "permit", "allow"]),
    frozenset(
        [
            "erford",
            "notwendig",
            "nötig",
            "benötig",
            "braucht",
            "pflicht",
            "requir",
            "need",
            "necessar",
            "mandator",
        ]
    ),
    frozenset(["förder", "zuschuss", "subvent", "fund", "subsid", "grant"]),
)
_FOCUS_MIN = 6  # a focal word is at least this long

_WORDS: dict[Language, tuple[str, str]] = {
    "de": ("Nein", "Laut {title}"),
    "en": ("No", "According to {title}"),
}


@dataclass(frozen=True)
class Denial:
    """A source's clause that denies what a yes/no question asks."""

    sentence: str
    title: str
    source: int

    @property
    def sources(self) -> list[int]:
        return [self.source]

    def render(self, language: Language) -> str:
        no, according = _WORDS[language]
        quoted = self.sentence.rstrip(" .")
        return f'{no}. {according.format(title=self.title)}: "{quoted}." [{self.source}]'


def asks_yes_no(question: str) -> bool:
    """Whether the question asks only yes or no (and is no compliance check)."""
    text = question.strip()
    if not text.endswith("?") or _ALTERNATIVE.search(text) or _OPEN.search(text):
        return False
    if asks_compliance(text):
        return False
    if _EN_START.match(text):
        return True
    words = [w.casefold() for w in _WORD.findall(text)[:2]]
    if not words:
        return False
    if words[0] in _DE_VERBS:
        return True
    return len(words) == 2 and words[0].endswith("t") and words[1] in _DE_FOLLOWERS


def _action(word: str) -> frozenset[str] | None:
    folded = word.casefold()
    for group in _ACTIONS:
        if any(folded.startswith(prefix) for prefix in group):
            return group
    return None


def _names(question: str) -> set[str]:
    return {p.casefold() for d in designations(question) for p in re.split(r"[\s-]", d) if p}


def _focus(question: str) -> str | None:
    """The question's focal word: its longest word, past the verb, that is no name."""
    names = _names(question)
    words = [w for w in _WORD.findall(question)[1:] if w.casefold() not in names]
    words = [w for w in words if len(w) >= _FOCUS_MIN]
    return max(words, key=len).casefold() if words else None


def _clauses(sentence: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_END.split(sentence) if c.strip()]


def _denies(clause: str) -> bool:
    return bool(
        _NEGATION.search(clause)
        and not _NOT_A_DENIAL.search(clause)
        and not _CONDITION.search(clause)
    )


def _sentences(text: str) -> list[str]:
    return [s for line in text.split("\n") for s in split_sentences(line)]


def denial(question: str, passages: Sequence[dict[str, Any]]) -> Denial | None:
    """The clause of a source that is not informal denying what the yes/no ``question`` asks
    (see the module's docstring), or None."""
    if not asks_yes_no(question):
        return None
    focus = _focus(question)
    verb = _WORD.findall(question)[:1]
    action = _action(verb[0]) if verb else None
    others = question_terms(question) - stems(" ".join(verb)) - {n[:5] for n in _names(question)}
    found: list[Denial] = []
    for passage in passages:
        kind = classify(passage.get("title"), str(passage["text"]), passage.get("section"))
        if kind.authority is Authority.INFORMAL or passage.get("superseded_by"):
            continue
        for sentence in _sentences(without_unverified(str(passage["text"]))):
            if " | " in sentence or sentence.endswith("?"):
                continue  # table rows and questions state no denial
            for clause in _clauses(sentence):
                folded = clause.casefold()
                names_focus = focus is not None and focus in folded
                names_action = action is not None and any(
                    any(w.startswith(p) for p in action) for w in _WORD.findall(folded)
                )
                related = bool(others & stems(sentence))
                if not (names_focus or (names_action and related)):
                    continue
                if not _denies(clause):
                    if names_focus and (action is None or names_action):
                        return None  # a source affirms it too: unclear, the model reads both
                    continue
                found.append(Denial(sentence, str(passage.get("title") or ""), int(passage["n"])))
    return found[0] if found else None


__all__ = ["Denial", "asks_yes_no", "denial"]
