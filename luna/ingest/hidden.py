"""Content a reader of the rendered document never sees, and the tally of what was dropped.

Hidden text is the classic carrier of prompt injection: an HTML comment, a ``display:none``
block, white or 1-pt text, a Word run marked hidden (``w:vanish``), PDF text drawn in the
invisible render mode, or Unicode tag characters reach a text extractor although no person
reading the file sees them. The parsers drop such content, so it never becomes a chunk, and
count the dropped characters by reason here; the count travels on ``ParsedDocument.hidden`` so
ingest can log it and an admin can see which documents tried to hide text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

HTML_COMMENT = "html_comment"
CSS_HIDDEN = "css_hidden"  # display:none, visibility:hidden, opacity:0, the hidden attribute
WHITE_TEXT = "white_text"  # white (or fully transparent) text without a coloured background
TINY_TEXT = "tiny_text"  # set below TINY_POINTS
DOCX_VANISH = "docx_vanish"  # Word's "hidden" character format (w:vanish)
PDF_INVISIBLE = "pdf_invisible"  # PDF text render mode 3 or 7, not over an image (OCR layer)
OFF_PAGE = "off_page"  # placed outside the visible page or pushed off-screen by CSS
UNICODE_TAGS = "unicode_tags"  # U+E0000-U+E007F: invisible "ASCII smuggling"
MARKDOWN_COMMENT = "markdown_comment"  # "[//]: # (...)" reference definitions never rendered

TINY_POINTS = 2.0
"""Text set smaller than this (in points) cannot be read; real fine print is 5 pt or more."""

TAG_CHARACTERS = re.compile("[\U000e0000-\U000e007f]")


@dataclass(slots=True)
class HiddenTally:
    """Characters (whitespace not counted) of hidden content dropped, by reason."""

    chars: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, text: str) -> None:
        count = sum(1 for c in text if not c.isspace())
        if count:
            self.chars[reason] += count

    def add_tag_characters(self, text: str) -> None:
        """Count the Unicode tag characters in ``text`` (cleaning removes them)."""
        found = len(TAG_CHARACTERS.findall(text))
        if found:
            self.chars[UNICODE_TAGS] += found

    def merge(self, other: HiddenTally) -> None:
        self.chars.update(other.chars)

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.chars.items()))


# --- colours -------------------------------------------------------------------------------
_NAMED_LIGHT = {"white", "snow", "ivory", "ghostwhite", "whitesmoke", "floralwhite", "azure"}
_HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{6})$")
_NUMBER = r"\s*([\d.]+%?)\s*"
_RGB = re.compile(rf"^rgba?\({_NUMBER},{_NUMBER},{_NUMBER}(?:,{_NUMBER})?\)$")
_LIGHT_MIN = 0xF0  # every channel at least this: near white on white paper


def is_light_rgb(red: int, green: int, blue: int) -> bool:
    return min(red, green, blue) >= _LIGHT_MIN


def css_colour(value: str) -> tuple[int, int, int, float] | None:
    """An (r, g, b, alpha) for a CSS or Word colour value, ``None`` when it is not one we read."""
    value = value.strip().lower()
    if value in _NAMED_LIGHT:
        return (255, 255, 255, 1.0)
    if value == "transparent":
        return (0, 0, 0, 0.0)
    match = _HEX.match(value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), 1.0)
    match = _RGB.match(value)
    if match:
        channels = [_channel(part) for part in match.groups()[:3]]
        alpha = match.group(4)
        opacity = 1.0 if alpha is None else _fraction(alpha)
        return (channels[0], channels[1], channels[2], opacity)
    return None


def _channel(part: str) -> int:
    return round(float(part[:-1]) * 2.55) if part.endswith("%") else round(float(part))


def _fraction(part: str) -> float:
    return float(part[:-1]) / 100 if part.endswith("%") else float(part)


def is_light_colour(value: str) -> bool:
    """Near-white or fully transparent: text in this colour disappears on white paper."""
    colour = css_colour(value)
    return colour is not None and (colour[3] == 0 or is_light_rgb(*colour[:3]))


# --- CSS -----------------------------------------------------------------------------------
_LENGTH = re.compile(r"^(-?[\d.]+)\s*(px|pt|em|rem|%)?$")
_OFF_SCREEN = -500.0  # points: "left: -9999px" and friends
_POINTS_PER = {"px": 0.75, "pt": 1.0, "em": 12.0, "rem": 12.0, "%": 0.12, None: 0.75}


def css_declarations(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        if value.strip():
            out[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return out


def css_points(value: str) -> float | None:
    """A CSS length in points (em and % against a 12-pt base); ``None`` when not a length."""
    match = _LENGTH.match(value.strip())
    if not match:
        return None
    return float(match.group(1)) * _POINTS_PER[match.group(2)]


def css_hiding(style: dict[str, str]) -> str | None:
    """Why an element with these declarations hides everything inside it, or ``None``.

    Colour is not judged here: an inner element can set a dark colour again, so white text is
    decided from the colour and background in effect (see :func:`css_text_colour`)."""
    if style.get("display") == "none" or style.get("visibility") in ("hidden", "collapse"):
        return CSS_HIDDEN
    opacity = style.get("opacity")
    if opacity is not None and _is_zero(opacity):
        return CSS_HIDDEN
    for box in ("height", "max-height", "width", "max-width"):
        if box in style and _is_zero(style[box]) and style.get("overflow") == "hidden":
            return CSS_HIDDEN
    size = style.get("font-size")
    points = css_points(size) if size else None
    if points is not None and points < TINY_POINTS:
        return TINY_TEXT
    if style.get("position") in ("absolute", "fixed") and any(
        (css_points(style.get(side, "0")) or 0.0) <= _OFF_SCREEN for side in ("left", "top")
    ):
        return OFF_PAGE
    if (css_points(style.get("text-indent", "0")) or 0.0) <= _OFF_SCREEN:
        return OFF_PAGE
    return None


def css_text_colour(style: dict[str, str]) -> bool | None:
    """True when the declarations set a light (or transparent) text colour, False for any other
    colour, ``None`` when they set none (the parent's colour stays in effect)."""
    colour = style.get("color")
    if colour is None or css_colour(colour) is None:
        return None
    return is_light_colour(colour)


def css_background_dark(style: dict[str, str]) -> bool:
    """Whether the declarations paint a background against which white text shows."""
    for name in ("background-color", "background"):
        value = style.get(name)
        if value is None:
            continue
        if "url(" in value or "gradient(" in value:
            return True
        for word in value.split():
            colour = css_colour(word)
            if colour is not None:
                return colour[3] > 0 and not is_light_rgb(*colour[:3])
    return False


def _is_zero(value: str) -> bool:
    match = _LENGTH.match(value.strip())
    return bool(match) and float(match.group(1)) == 0.0  # type: ignore[union-attr]
