"""Text cleaning shared by all parsers.

Normalises Unicode (NFC, so umlauts from decomposed PDF glyphs become one character; typographic
ligatures resolved), removes invisible characters, joins lines broken by layout (undoing
end-of-line hyphenation) and finds running headers/footers. Domain notation ("ct/kWh", "€",
"§ 14a", "°C", "ß") is left exactly as it is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
# Soft hyphen, zero-width characters, bidirectional overrides and Unicode tag characters (which
# spell invisible ASCII) vanish; exotic spaces become a plain space.
_INVISIBLE: dict[int, None] = dict.fromkeys(
    [
        *map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0xE0000, 0xE0080),
    ],
    None,
)
_SPACES = dict.fromkeys(
    map(ord, "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u202f"), " "
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RUNS_OF_SPACE = re.compile(r"[ \t]+")
_LOWER = "a-zäöüßàáâçèéêëìíîïñòóôùúû"
# "Arbeits- und Grundpreis": a hyphen before a conjunction marks an elided word and stays.
_ELISION = r"(?:und|oder|bzw|sowie|bis|and|or|to)\b"
_HYPHEN_BREAK = re.compile(rf"([{_LOWER}])-[ \t]*\n[ \t]*(?!{_ELISION})([{_LOWER}])")
_HYPHEN_KEEP = re.compile(rf"(\w)-[ \t]*\n[ \t]*(?!{_ELISION})(?=\w)")
_PAGE_NUMBER = re.compile(
    r"^(?:(?:seite|page|s\.|p\.)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?"
    r"(?:\s*(?:/|von|of|de|sur)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")


def normalise_unicode(text: str) -> str:
    """NFC, ligatures resolved, invisible characters removed, odd spaces made plain."""
    text = unicodedata.normalize("NFC", text)
    return text.translate(_LIGATURES).translate(_INVISIBLE).translate(_SPACES)


def clean_text(text: str) -> str:
    """Normalise a block of text, keeping its line structure: each line trimmed, runs of
    blanks collapsed, control characters and empty lines dropped."""
    text = normalise_unicode(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_RUNS_OF_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def join_lines(lines: Iterable[str]) -> str:
    """Join lines that layout broke apart into one paragraph.

    A hyphen at a line end between two lowercase letters is a syllable break and disappears
    ("Netz-" + "entgelte" -> "Netzentgelte"); before a capital or digit it is part of a
    compound and stays ("Smart-Meter-" + "Gateway" -> "Smart-Meter-Gateway").
    """
    return " ".join(dehyphenate("\n".join(lines)).split())


def dehyphenate(text: str) -> str:
    """Undo end-of-line hyphenation in ``text`` (see :func:`join_lines`); other line breaks
    are kept."""
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return _HYPHEN_KEEP.sub(r"\1-", text)


def is_page_number(line: str) -> bool:
    """ "7", "- 7 -", "Seite 7", "Seite 7 von 12", "Page 7 of 12", "7/12"."""
    return bool(_PAGE_NUMBER.match(line.strip()))


def running_line_key(line: str) -> str:
    """Key under which a header/footer line repeats across pages (page numbers vary)."""
    return _DIGITS.sub("#", " ".join(line.lower().split()))


def repeated_lines(
    candidates_per_page: Sequence[Iterable[str]], min_share: float = 0.5
) -> set[str]:
    """Keys (see :func:`running_line_key`) of candidate lines that repeat on enough pages to be
    running headers or footers: at least two pages and ``min_share`` of all pages."""
    pages = len(candidates_per_page)
    if pages < 2:
        return set()
    counts: Counter[str] = Counter()
    for candidates in candidates_per_page:
        counts.update({running_line_key(line) for line in candidates if line.strip()})
    needed = max(2, math.ceil(min_share * pages))
    return {key for key, count in counts.items() if count >= needed}
