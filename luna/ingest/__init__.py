"""Document ingestion: bytes -> cleaned, sectioned elements -> token-bounded chunks.

Pure functions without database or API access; ``luna.ingest.pipeline`` wires them to the
stores.
"""

from luna.ingest.chunking import Chunk, chunk_elements
from luna.ingest.detect import DocumentFormat, detect_format
from luna.ingest.errors import (
    CorruptDocumentError,
    DocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    MissingExtraError,
    ParseBudgetExceededError,
    UnsupportedDocumentError,
)
from luna.ingest.model import Element, ElementKind, ParsedDocument, ParseLimits
from luna.ingest.parsing import SUPPORTED_MIME_TYPES, parse_document
from luna.ingest.tokens import TokenCounter, approx_token_count, e5_token_counter

__all__ = [
    "SUPPORTED_MIME_TYPES",
    "Chunk",
    "CorruptDocumentError",
    "DocumentError",
    "DocumentFormat",
    "DocumentTooLargeError",
    "Element",
    "ElementKind",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "MissingExtraError",
    "ParseBudgetExceededError",
    "ParseLimits",
    "ParsedDocument",
    "TokenCounter",
    "UnsupportedDocumentError",
    "approx_token_count",
    "chunk_elements",
    "detect_format",
    "e5_token_counter",
    "parse_document",
]
