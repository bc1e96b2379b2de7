"""Which PDF glyphs a reader sees, from PDFium's raw per-object and per-character data.

A glyph is unseen when its text object uses an invisible render mode (3 or 7) and it does not
lie over an image (over an image it is a scan's OCR layer, which must stay), when every colour
its render mode paints with is transparent, or near white without a coloured shape, image or
form behind it, when its font size times the text and page matrix scale is under 2 pt, or when
it lies outside the page's crop box. Measured with pypdfium2 5.x: the render mode comes from
``FPDFTextObj_GetTextRenderMode`` on ``FPDFText_GetTextObject``; ``FPDFText_GetFontSize``
excludes the matrix scale, which ``FPDFText_GetMatrix`` supplies.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from luna.ingest.hidden import (
    OFF_PAGE,
    PDF_INVISIBLE,
    TINY_POINTS,
    TINY_TEXT,
    WHITE_TEXT,
    is_light_rgb,
)

_INVISIBLE_MODES = (3, 7)  # FPDF_TEXTRENDERMODE_INVISIBLE, _CLIP: nothing painted
_FILL_MODES = (0, 2, 4, 6)
_STROKE_MODES = (1, 2, 5, 6)

_Rect = tuple[float, float, float, float]  # left, bottom, right, top


class PageScene:
    """What is painted on a page besides text, and whether a glyph there can be seen.

    Images and form XObjects may hold a scan or a coloured backdrop; filled shapes in a colour
    other than white are backdrops. White text over a backdrop is visible; invisible text over
    an image (or a form, which may contain one) is a scan's OCR layer and is kept. Glyphs are
    judged one by one only on pages where some text object could be unseen (a screening pass
    over the page's objects): the per-glyph PDFium calls doubled the parse time of ordinary
    pages."""

    def __init__(self, page: object) -> None:
        raw = page.raw  # type: ignore[attr-defined]
        left, bottom, right, top = page.get_cropbox()  # type: ignore[attr-defined]
        self.crop: _Rect = (float(left), float(bottom), float(right), float(top))
        self.images: list[_Rect] = []
        self.backdrops: list[_Rect] = []
        self._styles: dict[int, _TextStyle] = {}
        self.suspect = False  # some text object may be unseen: check glyph by glyph
        for index in range(pdfium_c.FPDFPage_CountObjects(raw)):
            obj = pdfium_c.FPDFPage_GetObject(raw, index)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
                bounds = _bounds(obj)
                self.images.append(bounds)
                self.backdrops.append(bounds)
            elif kind == pdfium_c.FPDF_PAGEOBJ_PATH and _is_coloured_fill(obj):
                self.backdrops.append(_bounds(obj))
            elif kind == pdfium_c.FPDF_PAGEOBJ_TEXT and not self.suspect:
                self.suspect = _may_hide(obj)
        # Text inside form XObjects is not among the page's objects: judge it glyph by glyph.
        self.suspect = self.suspect or len(self.images) > 0

    def hiding(self, handle: object, index: int, size: float, box: _Rect) -> str | None:
        """Why the glyph at ``index`` (font size ``size``, box ``box``) is unseen, or None."""
        crop = self.crop
        if box[2] < crop[0] or box[0] > crop[2] or box[3] < crop[1] or box[1] > crop[3]:
            return OFF_PAGE
        if not self.suspect:
            return None
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        style = self._style(handle, index)
        if style.mode in _INVISIBLE_MODES:
            return None if _inside(x, y, self.images) else PDF_INVISIBLE
        if size * style.scale < TINY_POINTS:
            return TINY_TEXT
        if style.transparent:
            return PDF_INVISIBLE
        if style.light and not _inside(x, y, self.backdrops):
            return WHITE_TEXT
        return None

    def _style(self, handle: object, index: int) -> _TextStyle:
        """Render mode, colours and scale of the glyph's text object, read once per object (they
        belong to the object's graphics state, not to single glyphs)."""
        obj = pdfium_c.FPDFText_GetTextObject(handle, index)
        key = ctypes.cast(obj, ctypes.c_void_p).value if obj else None
        style = self._styles.get(key) if key is not None else None
        if style is None:
            style = _TextStyle.read(handle, index, obj)
            if key is not None:
                self._styles[key] = style
        return style


@dataclass(frozen=True, slots=True)
class _TextStyle:
    mode: int  # PDF text render mode; -1 when PDFium has no text object for the glyph
    scale: float  # how much the text and page matrices scale the font size
    transparent: bool  # every colour the mode paints with has alpha 0
    light: bool  # every colour the mode paints with is near white

    @staticmethod
    def read(handle: object, index: int, obj: object) -> _TextStyle:
        mode = int(pdfium_c.FPDFTextObj_GetTextRenderMode(obj)) if obj else -1
        colours = []
        if mode in _FILL_MODES or mode < 0:
            colours.append(_colour(pdfium_c.FPDFText_GetFillColor, handle, index))
        if mode in _STROKE_MODES:
            colours.append(_colour(pdfium_c.FPDFText_GetStrokeColor, handle, index))
        painted = [c for c in colours if c is None or c[3] > 0]
        light = bool(painted) and all(c is not None and is_light_rgb(*c[:3]) for c in painted)
        return _TextStyle(mode, _matrix_scale(handle, index), not painted, light)


def _may_hide(text: object) -> bool:
    """Whether a page-level text object could be unseen: an invisible render mode, a light or
    transparent colour, or a height under 3 pt (generous, so tiny text is never missed)."""
    mode = int(pdfium_c.FPDFTextObj_GetTextRenderMode(text))
    if mode not in _FILL_MODES and mode not in _STROKE_MODES:
        return True
    getters = []
    if mode in _FILL_MODES:
        getters.append(pdfium_c.FPDFPageObj_GetFillColor)
    if mode in _STROKE_MODES:
        getters.append(pdfium_c.FPDFPageObj_GetStrokeColor)
    for getter in getters:
        red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
        if not getter(
            text, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue), ctypes.byref(alpha)
        ):
            return True
        if alpha.value == 0 or is_light_rgb(red.value, green.value, blue.value):
            return True
    left, bottom, right, top = _bounds(text)
    return min(top - bottom, right - left) < 3 * TINY_POINTS / 2


def _bounds(obj: object) -> _Rect:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(
        obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    )
    return (left.value, bottom.value, right.value, top.value)


def _is_coloured_fill(obj: object) -> bool:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
        return False
    if fill_mode.value == 0:
        return False
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(
        obj, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue), ctypes.byref(alpha)
    ):
        return True  # a pattern or shading fill: assume it is coloured
    return alpha.value > 0 and not is_light_rgb(red.value, green.value, blue.value)


def _colour(getter: object, handle: object, index: int) -> tuple[int, int, int, int] | None:
    """(r, g, b, alpha) of a glyph's fill or stroke; None when PDFium cannot say (a pattern)."""
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    found = getter(  # type: ignore[operator]
        handle, index, ctypes.byref(red), ctypes.byref(green), ctypes.byref(blue),
        ctypes.byref(alpha),
    )  # fmt: skip
    return (red.value, green.value, blue.value, alpha.value) if found else None


def _matrix_scale(handle: object, index: int) -> float:
    """How much the text and page matrices scale a glyph (PDFium's font size excludes them)."""
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFText_GetMatrix(handle, index, ctypes.byref(matrix)):
        return 1.0
    return float(abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5)


def _inside(x: float, y: float, rects: list[_Rect]) -> bool:
    return any(r[0] - 1 <= x <= r[2] + 1 and r[1] - 1 <= y <= r[3] + 1 for r in rects)
