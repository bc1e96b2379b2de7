"""Which retrieved passages may state prices, tariffs, fees and legal duties as facts.

The kind of a passage's document is read from its title, its section path and the opening of
its text with German and English keyword lists: no model, so the same passage always gets the
same answer and a test can pin it. The order of the checks is the rule:

1. a remarks section ("Bemerkungen", "Anmerkungen", "Notizen", "Remarks", "Comments") is
   informal whatever document holds it: that is where a salesman's pen or an installer's note
   goes, even on a contract form;
2. a title naming an informal kind (protocol, e-mail, note, FAQ, forum, chat) is informal; it is
   checked before the authoritative kinds, so "AW: Preisblatt" is an e-mail, not a price sheet;
3. a title naming an authoritative kind (price or tariff sheet, law or regulation, grid
   operator notice, contract or terms, bill) is authoritative;
4. text that opens like correspondence (mail headers, "Hallo", "Hi", "Dear") is informal;
5. everything else (manuals, data sheets, guides) is reference material: trusted for what it
   describes, but neither hearsay nor an authority on prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from luna.graphs.rag.obfuscation import fold


class Authority(StrEnum):
    AUTHORITATIVE = "authoritative"
    INFORMAL = "informal"
    REFERENCE = "reference"


@dataclass(frozen=True, slots=True)
class SourceKind:
    """A passage's authority and the kind of document that decided it ("installer protocol")."""

    authority: Authority
    kind: str


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_REMARKS = _words(
    r"\b(?:bemerkung|anmerkung|notiz|kommentar)(?:en|e)?\b",
    r"\bhinweise? des (?:monteurs|installateurs)\b",
    r"\b(?:remarks?|comments?|notes?|annotations?|handschriftlich\w*|handwritten)\b",
)
_INFORMAL_TITLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("e-mail", _words(r"^\s*(?:aw|re|wg|fwd?|fw|antw)\s*:", r"\be-?mail\b", r"\bbetreff\b",
                      r"\bsubject\s*:", r"\b(?:rück|an)frage\b", r"\bnachricht\b")),
    ("FAQ", _words(r"\bfaq\b", r"häufige fragen", r"frequently asked")),
    ("forum post", _words(r"\bforum\b", r"\bcommunity\b", r"\bbeitrag\b", r"\bthread\b",
                          r"\bpost\b", r"\bblog\b", r"\berfahrungsbericht\b", r"\breddit\b")),
    ("chat", _words(r"\bchat\b", r"\bwhatsapp\b", r"\bmessenger\b", r"\bsms\b",
                    r"\btranscript\b")),
    ("installer protocol", _words(r"protokoll\b", r"\bprotocol\b", r"\b(?:service|wartungs|"
                                  r"prüf|inspektions|montage)bericht\b", r"\bservice report\b",
                                  r"\bcommissioning\b", r"\bsite survey\b", r"\binspection\b",
                                  r"\bhandover\b")),
    ("note", _words(r"notiz(?:en)?\b", r"\bnotes?\b", r"\bmemo\b", r"\bmitschrift\b",
                    r"\bgesprächs\w*\b", r"\btelefonat\b", r"\bmerkzettel\b")),
)  # fmt: skip
_AUTHORITATIVE_TITLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("price sheet", _words(r"preisblatt", r"preisliste", r"preisübersicht", r"tarifblatt",
                           r"tarifübersicht", r"preise und bedingungen", r"\bprice (?:sheet|list)",
                           r"\btariff sheet", r"\brate card", r"\bschedule of (?:charges|fees)")),
    ("law or regulation", _words(r"§\s*\d", r"\b(?:enwg|eeg|msbg|geg|kwkg|stromstg|stromnev|"
                                 r"stromgvv|nav|bgb)\b", r"gesetz\b", r"verordnung\b",
                                 r"\brichtlinie\b", r"\bfestlegung\b", r"bundesnetzagentur",
                                 r"technische anschlussbedingungen", r"\bregulation\b",
                                 r"\bdirective\b", r"\bordinance\b", r"\bstatute\b", r"\bact\b")),
    ("grid operator notice", _words(r"netzbetreiber", r"\bnetz gmbh\b", r"\bnetze?\s+ag\b",
                                    r"netzentgelt", r"\bgrid operator\b", r"\bdso\b")),
    ("contract", _words(r"vertrag\b", r"\bagb\b", r"geschäftsbedingungen",
                        r"vertragsbedingungen", r"\bcontract\b", r"\bagreement\b",
                        r"terms and conditions")),
    ("bill", _words(r"\b(?:jahres|strom|schluss|verbrauchs)?(?:ab)?rechnung\b", r"\binvoice\b",
                    r"\bbill\b")),
)  # fmt: skip
_CORRESPONDENCE = _words(
    r"^\s*(?:von|an|from|to|betreff|subject|gesendet|sent|date|datum|cc)\s*:",
    r"^\s*(?:hallo|hi|hey|moin|servus|liebe[rs]?|dear|hello)\b",
    r"\b(?:viele|beste|liebe|freundliche) grüße\b|\b(?:best|kind) regards\b|\bcheers\b",
)
_OPENING = 400  # characters of text read for the correspondence cues


def classify(title: str | None, text: str = "", section: str | None = None) -> SourceKind:
    """The authority of a passage from its document title, section path and text."""
    found = _by_title(fold(title or ""))
    if found is None:
        opening = fold(text[:_OPENING])
        if any(_CORRESPONDENCE.search(line) for line in opening.splitlines()[:6]):
            found = SourceKind(Authority.INFORMAL, "correspondence")
    if section and _REMARKS.search(fold(section)):
        of = f" of {found.kind}" if found is not None else ""
        return SourceKind(Authority.INFORMAL, f"remarks section{of}")
    return found or SourceKind(Authority.REFERENCE, "document")


def _by_title(title: str) -> SourceKind | None:
    for kind, pattern in _INFORMAL_TITLES:
        if pattern.search(title):
            return SourceKind(Authority.INFORMAL, kind)
    for kind, pattern in _AUTHORITATIVE_TITLES:
        if pattern.search(title):
            return SourceKind(Authority.AUTHORITATIVE, kind)
    return None
