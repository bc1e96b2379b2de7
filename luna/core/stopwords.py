"""German and English function words: they say nothing about which passage answers a question.

Used where Luna compares a question or an answer with passages word by word (citation
attribution, cutting passages to what bears on the question).
"""

from __future__ import annotations

_GERMAN = """
der die das den dem des ein eine einer eines einem einen und oder aber nicht noch auch nur
ist sind war wird werden wurde hat haben kann muss soll gilt dass wenn weil sich
wie was wann wer welche welcher welches mit von für auf bei aus nach über unter
viel hoch laut herr frau
"""
_ENGLISH = """
the and for are was were what which when where who how much many does did has have been
with from that this into than then will can must should about there their them they
also only your
"""
STOP_WORDS = frozenset(_GERMAN.split()) | frozenset(_ENGLISH.split())
