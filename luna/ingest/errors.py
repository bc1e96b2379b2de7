"""Why a document could not be parsed: one exception per cause, each naming the file.

The ``code`` of each class is a stable, machine-readable reason the pipeline can store with a
failed document; the message is for people.
"""

from __future__ import annotations


class DocumentError(Exception):
    """Base class: the document cannot be turned into text."""

    code = "invalid"

    def __init__(self, filename: str, problem: str) -> None:
        super().__init__(f"{filename}: {problem}")
        self.filename = filename
        self.problem = problem


class UnsupportedDocumentError(DocumentError):
    """The bytes are of a type Luna does not parse (images, spreadsheets, legacy .doc, ...)."""

    code = "unsupported"


class MissingExtraError(UnsupportedDocumentError):
    """The format is read through an optional extra that is not installed; ``extra`` names it
    (``pip install 'luna-iems[<extra>]'``). Still a 415, with a code of its own so clients can
    tell "install something" from "never readable"."""

    code = "missing_extra"

    def __init__(self, filename: str, problem: str, extra: str) -> None:
        super().__init__(filename, problem)
        self.extra = extra


class EmptyDocumentError(DocumentError):
    """The document holds no extractable text (empty file, scanned PDF without text layer)."""

    code = "empty"


class EncryptedDocumentError(DocumentError):
    """The document is password-protected."""

    code = "encrypted"


class CorruptDocumentError(DocumentError):
    """The bytes claim a format but cannot be read as it."""

    code = "corrupt"


class DocumentTooLargeError(DocumentError):
    """The document exceeds a limit (size, pages, zip bomb guard)."""

    code = "too_large"


class ParseBudgetExceededError(DocumentError):
    """Parsing the document would take more elements or time than one document may use.

    Unlike :class:`DocumentTooLargeError` the upload itself was acceptable: the content is what
    is unreasonable (a small file holding millions of empty paragraphs), so it is a 422, and
    ``limit`` names the setting that refused it."""

    code = "over_budget"

    def __init__(self, filename: str, problem: str, limit: str) -> None:
        super().__init__(filename, f"{problem} ({limit})")
        self.limit = limit
