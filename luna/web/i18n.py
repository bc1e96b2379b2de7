"""UI languages and message catalogues (German and English).

Catalogues are YAML mappings of flat dotted keys, one file per area and language
(``messages/core.de.yaml``, ``admin/messages/admin.en.yaml``, …), merged per language. Pages
get ``t(key, **vars)``; the browser gets the whole catalogue of its language as JSON.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")
DEFAULT_LANG: Lang = "de"
LANG_COOKIE = "luna_lang"
LOCALES: dict[Lang, str] = {"de": "de_DE", "en": "en_GB"}

WEB_DIR = Path(__file__).parent


def catalogue_files(lang: Lang) -> list[Path]:
    """Every ``*.<lang>.yaml`` in a ``messages`` folder of the web package."""
    return sorted(WEB_DIR.glob(f"**/messages/*.{lang}.yaml"))


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogue_files(lang):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a catalogue must be a mapping of keys to texts")
        for key, text in data.items():
            if key in merged:
                raise ValueError(f"{path}: message key '{key}' is defined twice")
            merged[str(key)] = str(text)
    return merged


def translate(lang: Lang, key: str, **values: Any) -> str:
    """The message in ``lang``, formatted with ``values``; the key itself if it is missing."""
    text = catalogue(lang).get(key)
    if text is None:
        return key
    return text.format(**values) if values else text


def parse_lang(value: str | None) -> Lang | None:
    for lang in LANGS:
        if value == lang:
            return lang
    return None
