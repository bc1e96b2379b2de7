"""Sample knowledge base and failure fixtures, parsed once per test session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from luna.ingest import ParsedDocument, parse_document

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "samples" / "knowledge"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((KNOWLEDGE / "manifest.json").read_text("utf-8"))
    return manifest


SAMPLE_FILES = [entry["path"] for entry in load_manifest()["files"]]


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    return load_manifest()


@pytest.fixture(scope="session")
def parsed_samples() -> dict[str, ParsedDocument]:
    return {name: parse_document((KNOWLEDGE / name).read_bytes(), name) for name in SAMPLE_FILES}
