"""The parse budget: how many elements and how much wall time one document may cost.

The size limits bound the bytes, but not the work: a 1 MB DOCX can hold millions of empty
paragraphs that take minutes and hundreds of MB to walk. Each parser counts the blocks it
visits against :attr:`ParseLimits.max_elements` and watches a deadline of
:attr:`ParseLimits.max_parse_seconds`, so such a document is refused early with an error that
names the setting to raise.
"""

from __future__ import annotations

import time

from luna.ingest.errors import ParseBudgetExceededError
from luna.ingest.model import ParseLimits

# The settings behind the limits, named in every refusal so the admin knows what to raise.
ELEMENTS_LIMIT = "LUNA_INGEST_MAX_ELEMENTS"
XML_ELEMENTS_LIMIT = "LUNA_INGEST_MAX_XML_ELEMENTS"
SECONDS_LIMIT = "LUNA_INGEST_MAX_PARSE_SECONDS"


class ParseBudget:
    """Counts one document's elements and watches its deadline; raises when either runs out."""

    def __init__(self, filename: str, limits: ParseLimits, what: str = "elements") -> None:
        self.filename = filename
        self.max_elements = limits.max_elements
        self.max_seconds = limits.max_parse_seconds
        self.what = what
        self.elements = 0
        self._deadline = time.monotonic() + limits.max_parse_seconds

    def count(self, n: int = 1) -> None:
        """``n`` more elements visited (empty ones too), then the clock."""
        self.elements += n
        if self.elements > self.max_elements:
            raise ParseBudgetExceededError(
                self.filename,
                f"more than {self.max_elements:,} {self.what} in one document",
                ELEMENTS_LIMIT,
            )
        self.check_time()

    def check_time(self) -> None:
        """Refuse once parsing has taken longer than the budget allows (cheap: call often)."""
        if time.monotonic() > self._deadline:
            raise ParseBudgetExceededError(
                self.filename,
                f"parsing took longer than {self.max_seconds:g} s",
                SECONDS_LIMIT,
            )
