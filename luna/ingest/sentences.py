"""Sentence splitting for German and English technical text, without a language model.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by a space and an upper-case letter,
digit, quote or bracket (in typed text also a lower-case letter), except after common
abbreviations ("z. B.", "ca.", "Abs.", "Nr.", "e.g."), single letters and short ordinals
("3. Januar").
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[.!?…][\"'”“)\]]*(\s+)(?=[\"'„“(\[]?[A-ZÄÖÜ0-9§])")
# Typed questions often start a sentence in lower case ("my bill is high. how much did I use?").
_TYPED_BOUNDARY = re.compile(r"[.!?…][\"'”“)\]]*(\s+)(?=[\"'„“(\[]?[^\W_]|§)")
_ABBREVIATION_WORDS = """
abs abschn anh anl art ausschl bd bspw bzgl bzw ca d.h dez dgl dipl dr einschl evtl exkl f febr
ff gem ggf gg ggü h hr hrsg i.d.r i.v.m inkl insb ing jh kap lt max min mio mrd mwst nr o.a o.g
okt pkt prof s sog st std stk str tab tel u.a u.u usw vgl vs z.b z.t zzgl zt approx cf dept e.g
etc fig i.e incl jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms no nos p pp resp sec
vol
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_LAST_WORD = re.compile(r"([\w.]+)[.!?…][\"'”“)\]]*$")


def split_sentences(text: str, *, typed: bool = False) -> list[str]:
    """Split ``text`` into sentences; joining them with single spaces gives the text back
    (up to whitespace). ``typed``: text a person typed, where a sentence may also start in
    lower case (abbreviations and ordinals still do not end one)."""
    sentences: list[str] = []
    start = 0
    for match in (_TYPED_BOUNDARY if typed else _BOUNDARY).finditer(text):
        candidate = text[start : match.start(1)]
        if _is_abbreviation(candidate):
            continue
        sentences.append(candidate.strip())
        start = match.end(1)
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _is_abbreviation(candidate: str) -> bool:
    if not candidate.rstrip().endswith("."):
        return False
    match = _LAST_WORD.search(candidate.rstrip())
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if len(word) == 1 and word.isalpha():
        return True  # initials and "z. B."
    if word.isdigit() and len(word) <= 2:
        return True  # ordinals: "am 3. Januar", "10. Werktag"
    return word in _ABBREVIATIONS or word.split(".")[-1] in _ABBREVIATIONS
