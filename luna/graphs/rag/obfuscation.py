"""Undo the tricks that hide an instruction from a keyword filter but not from the model.

Zero-width characters inside words ("Ig\u200bnore"), Unicode tag characters, look-alike
Cyrillic or Greek letters ("Ignоriere" with a Cyrillic "о"), full-width or mathematical letters
("Ｉｇｎｏｒｉｅｒｅ"), letter spacing ("I g n o r e") and emphasis inside words ("ig**no**re")
all leave the text readable to a language model. Patterns are matched against the folded text;
the text shown to the model is never folded, only stripped of invisible characters.
"""

from __future__ import annotations

import re
import unicodedata

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ё": "e", "ї": "i", "А": "A", "В": "B", "Е": "E", "К": "K",
        "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I",
        "Ј": "J", "Ѕ": "S", "У": "Y",
        # Greek
        "α": "a", "ο": "o", "ν": "v", "ρ": "p", "υ": "u", "ι": "i", "κ": "k", "τ": "t",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # Latin look-alikes NFKC keeps
        "ı": "i", "ȷ": "j", "ɡ": "g", "ɑ": "a", "ʏ": "y",
    }
)  # fmt: skip
_LETTER = r"[^\W\d_]"
_SPACED = re.compile(rf"(?<!\w)(?:{_LETTER}[ .·*_\-]){{2,}}{_LETTER}(?!\w)")
_SPACED_SEPARATOR = re.compile(r"[ .·*_\-]")
_EMPHASIS = re.compile(r"(?<=\w)[*_`~]+(?=\w)")
_WHITESPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def is_invisible(char: str) -> bool:
    """Format characters (zero-width, bidirectional controls, soft hyphen, Unicode tags)."""
    return unicodedata.category(char) == "Cf"


def strip_invisible(text: str) -> tuple[str, int]:
    """``text`` without invisible characters, and how many there were."""
    kept = "".join(c for c in text if not is_invisible(c))
    return kept, len(text) - len(kept)


def fold(text: str, *, invisible_as_space: bool = False) -> str:
    """The text as a reader takes it in, for pattern matching: invisible characters removed
    (or read as spaces, when they separate words), compatibility forms and look-alike letters
    mapped to plain Latin, emphasis inside words and letter spacing undone, spaces collapsed."""
    text = "".join((" " if invisible_as_space else "") if is_invisible(c) else c for c in text)
    text = unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS)
    text = _EMPHASIS.sub("", text)
    text = _SPACED.sub(lambda m: _SPACED_SEPARATOR.sub("", m.group(0)), text)
    return _WHITESPACE.sub(" ", text)


def shadow(text: str) -> str:
    """A same-length copy of ``text`` with each character folded on its own, so sentence
    boundaries found in it are positions in ``text`` (a full-width capital still starts a
    sentence)."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char).translate(_HOMOGLYPHS)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)
