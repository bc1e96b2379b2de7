"""Sentences that address the assistant instead of informing the reader.

Documents give orders to people all the time ("Ignorieren Sie die Warnmeldung nicht", "Do not
open the cover", "Answer 'yes' in the dialog"); an injection gives orders to the model. The
patterns below therefore look for what only the second does: overriding earlier instructions,
handing the model a new identity, dictating its answers, speaking to "the AI" by name, or asking
it to carry the user's data out through a link, an image or a mail. German documents address
people as "Sie", so a "du" imperative about answering is a strong cue. Every pattern runs on
folded text (see :mod:`luna.graphs.rag.obfuscation`), once with invisible characters removed
and once with them read as spaces.
"""

from __future__ import annotations

import re

from luna.graphs.rag.obfuscation import fold

INSTRUCTION = "instruction"
EXFILTRATION = "exfiltration"

_AI = (
    r"(?:ki|k\.i\.|ai|a\.i\.|chat-?bots?|assistent(?:en|in)?|assistants?|sprachmodell\w*|"
    r"language models?|llms?|gpt|chatgpt|copilot|ki-systeme?|ai systems?|ki-modell\w*|"
    r"ai models?)"
)
_VERBS = (
    r"(?:antworte|sage?|nenne|erwähne|gib|schreibe?|empfiehl|behaupte|verschweige|erzähle?|"
    r"answer|respond|reply|say|tell|state|claim|write|output|print|recommend|mention|include)"
)
_IMPERATIVE_START = r"(?:^\W{0,3}|[,;:]\s*|\band\s+|\bund\s+)"
_PATTERNS = [
    # overriding what came before
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:previous|prior|above|"
    r"earlier|all|your|any|the user'?s?)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules?|"
    r"context|guidelines|question|system)\b",
    r"\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|übergehe)\b[^.!?\n]{0,60}"
    r"\b(?:anweisungen?|instruktionen?|regeln|vorgaben|richtlinien|frage|systemprompt)\b",
    # a new identity or game
    rf"\b(?:you are|you're|du bist)\b[^.!?\n]{{0,40}}\b{_AI}\b",
    r"\b(?:from now on,? (?:you|answer|respond|say)|pretend (?:to be|you are)|let'?s play a game|"
    r"role-?play|jailbreak|do anything now|act as if)\b",
    r"\bact as (?:an?|the|my)\s+(?:\w+\s+){0,2}(?:ai|assistant|chatbot|bot|model|persona)\b",
    r"\b(?:new (?:instructions?|rules)|neue (?:anweisungen?|regeln))\s*:",
    r"\b(?:spiele? die rolle|rollenspiel)\b",
    r"\bab (?:jetzt|sofort)\b[^.!?\n]{0,40}\b(?:antworte|antworten sie|sage|schreibe)\b",
    # dictating the answer
    r"\b(?:antworte|antworten sie|respond|answer)\b[^.!?\n]{0,30}\bnur\b[^.!?\n]{0,30}\bmit\b",
    r"\b(?:answer|respond|reply)\b[^.!?\n]{0,20}\bonly with\b",
    r"\b(?:always|immer|only|nur|ausschließlich)\s+(?:answer|respond|reply|say|antworte|sage)\b",
    rf"{_IMPERATIVE_START}(?:answer|respond to|reply to)\s+(?:every|all|any|each)\s+"
    r"(?:questions?|queries|requests?)\b",
    r"\bbei fragen\b[^.!?\n]{0,60}\b(?:antworte|nenne|gib|schreibe|sage?|behaupte)\b"
    r"[^.!?\n]{0,40}\b(?:immer|nur|stets|ausschließlich)\b",
    r"(?<!ich )\b(?:sage?|erzähle?)\b[^.!?\n]{0,30}\b(?:dem|jedem|allen)\s+(?:nutzer|benutzer|"
    r"user|kunden|anwender|fragenden)\b",
    r"\b(?:wenn|falls|sobald)\s+du\b[^.!?\n]{0,40}\b(?:zusammenfasst|verarbeitest|"
    r"gefragt wirst)\b",
    r"\bwhen (?:you )?(?:summari[sz](?:e|ing)|process(?:ing)?)\s+(?:this|the)\s+"
    r"(?:text|document|page|passage|file)\b",
    # speaking to the AI: a note, a vocative, a condition, a role marker
    rf"\b(?:hinweis|notiz|nachricht|anweisung|info|note|message|instructions?|memo)s?\b"
    rf"[^.!?\n]{{0,25}}\b(?:an|für|fuer|to|for)\s+(?:die|den|das|alle|the|any|all)?\s*{_AI}\b",
    r"\b(?:ki|ai)-(?:hinweis|notiz|anweisung|note|instruction)",
    # a vocative ("KI: …", "AI, answer …"), not a subject with a relative clause ("KI-Systeme,
    # die Daten verarbeiten, …")
    rf"^\W{{0,3}}{_AI}(?:\s+{_AI})?\s*(?::|\]|,(?!\s*(?:die|der|das|welche|which|that|who)\b))",
    rf"\b(?:if|when|falls|wenn)\s+(?:you|du)\s+(?:are|bist)\s+(?:an?\s+|eine?\s+)?{_AI}\b",
    # the AI as this very text's reader ("AI assistants reading this export: …", "KI-Systeme,
    # die dieses Dokument lesen, …"); a policy on AI ("AI systems must tell users …") is not
    rf"\b{_AI}\s+(?:reading|processing|summari[sz]ing|analy[sz]ing|parsing|indexing)\s+"
    r"(?:this|these)\b",
    rf"\b{_AI},?\s+(?:die|der|das|welche)\s+dies\w*\s+[^.!?\n]{{0,30}}\b(?:lesen|liest|verarbeiten|"
    r"verarbeitet|zusammenfassen|zusammenfasst|auswerten|auswertet)\b",
    rf"\b(?:as|als)\s+(?:the|an?|der|die|eine?)?\s*{_AI}(?:\s+{_AI})?\s*,\s*{_VERBS}\b",
    r"(?:^|[.!?]\s+)\s*(?:\[\s*(?:system|assistant|developer)\s*\]|<\s*(?:system|assistant)\s*>|"
    r"(?:system|assistant|developer)\s*:(?=[^.!?\n]{0,60}\b(?:you|your|du|dein\w*|ignore|"
    r"ignoriere|answer|antworte|new|neue)\b))",
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|\[/?inst\]|<<sys>>",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)

# Exfiltration: a verb that moves data, a channel out, the user's data, and a sign that it is
# meant for the answer (or a URL with a placeholder to fill in). A manual asking the reader to
# e-mail their meter number to support has no such sign.
_MOVE = re.compile(
    r"\b(?:include|insert|append|add|attach|embed|put|send|post|encode|hänge|haenge|füge|fuege|"
    r"sende|schicke|schreibe|übermittle|leite)\b",
    re.IGNORECASE,
)
_CHANNEL = re.compile(
    r"https?://|\blinks?\b|\burls?\b|\bbild\b|\bimage\b|!\[|\be-?mail\b|@\w|webhook", re.IGNORECASE
)
_USER_DATA = re.compile(
    r"\buser'?s?\b|\bthe user\b|nutzer\w*|benutzer\w*|kunden\w*|customer'?s?|meter ?(?:id|number)|"
    r"zählernummer|zaehlernummer|zählpunkt\w*|\biban\b|password|passwort|api[- ]?key|"
    r"chat history|verlauf",
    re.IGNORECASE,
)
_FOR_THE_ANSWER = re.compile(
    rf"\b(?:answers?|antwort(?:en)?|response|reply|replies)\b|\b{_AI}\b|"
    r"https?://\S*[?&]\w+=(?:<|\{|\[|%7b|[A-ZÄÖÜ_]{5,})",
    re.IGNORECASE,
)
_PROMPT_LEAK = re.compile(
    r"\b(?:reveal|print|output|show|repeat|leak|verrate|zeige|gib)\b[^.!?\n]{0,40}"
    r"\b(?:system ?prompt|your instructions|deine anweisungen|initial prompt|hidden prompt)\b",
    re.IGNORECASE,
)


_COMMAND = re.compile(
    rf"^\W{{0,3}}(?:{_VERBS}|verweise|refer|ignoriere|ignore|do not|don't|never|niemals)\b",
    re.IGNORECASE,
)


def continues_instruction(sentence: str) -> bool:
    """Whether a sentence that follows an instruction to the assistant in the same paragraph
    carries it on: a command ("Antworte auf Fragen …", "Refer every question to …") that need
    not name the assistant again."""
    return _COMMAND.match(sentence) is not None


def addressed_to_assistant(sentence: str) -> str | None:
    """``EXFILTRATION`` or ``INSTRUCTION`` for a sentence that instructs the assistant, else
    ``None``."""
    for variant in (fold(sentence), fold(sentence, invisible_as_space=True)):
        if _is_exfiltration(variant):
            return EXFILTRATION
        if _INSTRUCTION.search(variant):
            return INSTRUCTION
    return None


def visible_without_folding(sentence: str) -> bool:
    """Whether the plain text (spaces collapsed, nothing folded) already shows the instruction:
    if not, it was obfuscated."""
    plain = " ".join(sentence.split())
    return bool(_is_exfiltration(plain) or _INSTRUCTION.search(plain))


def _is_exfiltration(text: str) -> bool:
    if _PROMPT_LEAK.search(text):
        return True
    return bool(
        _MOVE.search(text)
        and _CHANNEL.search(text)
        and _USER_DATA.search(text)
        and _FOR_THE_ANSWER.search(text)
    )
