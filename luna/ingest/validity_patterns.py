"""The wording of dated documents, as data: date formats, month names and the cues that say
what a date means (valid from, as of, letter date, version, supersedes), German and English.

Every date :mod:`luna.ingest.validity` accepts follows one of these cues; a bare date in the
text never counts, which is what keeps deadlines, birth dates and table values out.
Patterns are regular-expression source strings, matched case-insensitively unless noted.
"""

from __future__ import annotations

import re

MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "märz": 3, "maerz": 3, "march": 3, "mär": 3, "mrz": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}  # fmt: skip

# Longest names first, so "März" is not read as "Mär" + "z"; abbreviations may end in a dot.
MONTH = r"(?:{})\.?".format("|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)))

# Groups: day, month (a number) or month_name, year. Full dates come before month-only ones,
# four-digit years before two-digit ones; slashed dates are read day first (European usage).
DATE_FORMATS: tuple[str, ...] = (
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
    r"(?P<day>\d{1,2})\.\s?(?P<month>\d{1,2})\.\s?(?P<year>\d{4}|\d{2})",
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})",
    rf"(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?(?P<month_name>{MONTH}),?\s+(?P<year>\d{{4}})",
    rf"(?P<month_name>{MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})",
    rf"(?P<month_name>{MONTH}),?\s+(?P<year>\d{{4}})",
    r"(?P<month>\d{1,2})\s?[/.]\s?(?P<year>\d{4})",
    r"(?P<year>\d{4})-(?P<month>\d{1,2})",
)

EARLIEST_YEAR, LATEST_YEAR = 1950, 2099
"""Years outside this range are not document dates (part numbers, postcodes)."""

# Between a cue and its date: a colon, "dem", "den", "the", or the cell border of a
# document-control table ("Effective date | 2026-01-01", "Gültig ab | 01.01.2026").
CUE_GAP = r"\s*[:|]?\s*(?:(?:dem|den|the|on)\s+)?"

VALID_FROM_CUES: tuple[str, ...] = (
    r"\bgültig\s+(?:ab|vom|seit|zum)",
    r"\bgilt\s+(?:ab|seit|vom)",
    # "Gültig für Lieferungen vom …", "gilt für Stromlieferungen ab dem …"
    r"\b(?:gültig|gilt)\s+für\s+(?:[^\W\d_]+\s+){1,3}?(?:ab|vom|seit)",
    r"\b(?:valid|applies)\s+(?:to|for)\s+(?:[^\W\d_]+\s+){1,3}?(?:from|as\s+of|starting)",
    r"\bGültigkeit(?:sbeginn)?(?:\s+ab)?",
    r"\b(?:in\s+Kraft|wirksam)\s+(?:ab|seit|zum|mit)",
    r"\b(?:tritt|treten)\s+(?:am|zum|ab)",
    r"\bmit\s+Wirkung\s+(?:ab|vom|zum)",
    r"\bInkrafttreten(?:\s+am)?",
    r"\b(?:Preise|Prices)\s+(?:ab|from)",
    r"\bvalid\s+(?:from|as\s+of|since|starting)",
    r"\beffective(?:\s+(?:from|as\s+of|on|since|date))?",
    r"\b(?:applies|applicable|in\s+force)\s+(?:from|as\s+of|since)",
    r"\b(?:takes|took|comes|came)\s+into\s+(?:effect|force)\s+on",
)

AS_OF_CUES: tuple[str, ...] = (
    r"\bStand(?:\s+(?:vom|per|der\s+Informationen))?",
    r"\b(?:zuletzt\s+)?(?:aktualisiert|geändert|überarbeitet)(?:\s+am)?",
    r"\bFassung\s+vom",
    r"\bAusgabe(?:datum)?",
    r"\bherausgegeben\s+(?:am|im)",
    r"\bas\s+of",
    r"\b(?:last\s+)?(?:updated|revised|modified|reviewed)(?:\s+(?:on|in))?",
    r"\b(?:issue|publication|release)\s+date",
    r"\b(?:issued|published|released)(?:\s+(?:on|in))?",
    r"\bEdition",
)

# The date of a letter: a "Datum:" field, or a line of its own "Place, date". Matched
# case-sensitively, with a colon: "the due date 15.03.2026" is a deadline, not a letter date.
LETTER_DATE_CUES: tuple[str, ...] = (
    r"\b(?:Brief)?[Dd]atum\s*:",
    r"\bDate\s*:",
    r"\bDated\b",
)
LETTER_DATE_DENIED_BEFORE: frozenset[str] = frozenset(
    {
        "due", "payment", "delivery", "start", "end", "expiry", "expiration", "closing",
        "completion", "invoice", "termination", "cancellation", "target", "birth", "deadline",
    }
)  # fmt: skip
"""Words before "Date:" that make it some other date than the letter's."""
LETTER_PLACE_LINE = (
    r"(?m)^[ \t]*(?-i:[A-ZÄÖÜ])[^\W\d_]+(?:[ .\-]+[^\W\d_]+\.?){0,4},[ \t]*(?:(?:den|am|the)\s+)?"
    r"(?P<date>{date})[ \t]*$"
)

# A version number after its label; the identifier is stored without the label.
VERSION_ID = r"(?P<version>\d+(?:\.\d+){0,3}[a-z]?)"
VERSION_PATTERNS: tuple[str, ...] = (
    rf"\b(?:Dokument|Document)?[- ]?Version\s*[:|]?\s*{VERSION_ID}\b",
    rf"\bVers\.\s*{VERSION_ID}\b",
    r"\b(?:Revision|Rev\.?)\s*:?\s*(?P<version>\d+(?:\.\d+){0,2}|[A-Z])\b",
    rf"\b(?:Revisions|Versions)stand\s*:?\s*{VERSION_ID}\b",
    r"(?<![\w.\-])v(?P<version>\d+(?:\.\d+){0,3})(?!\w|\.\d)",
)
VERSION_DATED_GAP = r"\s*(?:,|vom|from|of|dated|–|-)\s*(?:(?:dem|den|the)\s+)?"
"""Between a version and its date: "Version 2.1 vom 15.01.2026", "Revision 3, 12 March 2026"."""

VERSION_EXCLUDED_PREFIXES: frozenset[str] = frozenset(
    {
        "firmware", "software", "app", "api", "bios", "hardware", "protokoll", "protocol",
        "modbus", "eebus", "python", "windows", "android", "ios", "schnittstellen", "interface",
    }
)  # fmt: skip
"""Words before "Version" that make it the version of something else than the document."""

SUPERSEDES_CUES: tuple[str, ...] = (
    r"\bersetzt",
    r"\bersetzen",
    r"\btritt\s+an\s+die\s+Stelle\s+(?:der|des|von)",
    r"\bsupersedes",
    r"\breplaces",
)
SUPERSEDES_ARTICLES = r"^(?:(?:die|das|den|der|the|our)\s+)?"
"""Stripped from the start of what a document supersedes."""

# A year standing for the whole document, in its title or a heading near the start.
YEAR = r"(?P<year>(?:19|20)\d{2})"
YEAR_PATTERNS: tuple[str, ...] = (
    rf"\b(?:Jahr|Jahrgang|Tarifjahr|Abrechnungsjahr|Ausgabe|Edition|Stand|Fassung|year)\s*:?\s*{YEAR}\b(?![./-]\d)",
    rf"\b{YEAR}\s*(?:edition|Ausgabe|version)\b",
    rf"\b(?:FAQ|Preisblatt|Preise|Tarifblatt|price\s+sheet|prices)\s*[-–:]?\s*{YEAR}\b(?![./-]\d)",
    rf"\b{YEAR}\s+FAQ\b",
    rf"\(\s*{YEAR}\s*\)",  # "Version 1.4 (2025)"
)
TITLE_END_YEAR = rf"(?:^|[\s_\-–:,]){YEAR}\s*$"
"""A year closing a title or heading ("Luna-IEMS FAQ 2025", "faq-2024"), not other lines."""
LAW_PREFIXES: frozenset[str] = frozenset(
    {"eeg", "enwg", "geg", "msbg", "iso", "din", "en", "vde", "iec", "kwkg", "stromstg"}
)
"""Abbreviations whose following year names a law or standard ("EEG 2023"), not the document."""

HISTORY_HEADING = (
    r"(?:Änderungs|Revisions|Versions|Dokument)(?:historie|verlauf|übersicht|verzeichnis|"
    r"nachweis|stand)|(?:revision|version|change|document|amendment)\s+(?:history|log|record)|"
    r"changelog"
)
"""Section titles under which rows of version and date form a revision history."""

HISTORY_VERSION_HEADER = r"^(?:Version|Vers\.|Rev\.?|Revision|Ausgabe|Issue|Index|Release|Fassung)$"
HISTORY_VALID_FROM_HEADER = (
    r"^(?:gültig\s+ab|Gültigkeit|valid\s+from|effective(?:\s+date)?|in\s+Kraft)"
)
HISTORY_DATE_HEADER = (
    r"^(?:Datum|Date|Stand|Freigabe(?:datum)?|Released?|Erstellt|Issued|Ausgabedatum|"
    r"Veröffentlicht)"
)
HISTORY_VERSION_CELL = r"^(?:v|Rev\.?\s*|Version\s*)?(?P<version>\d+(?:\.\d+){0,3}[a-z]?|[A-Z])$"
