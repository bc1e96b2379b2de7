"""Count a DOCX's paragraphs and XML elements from the zip stream, before any tree is built.

python-docx parses every XML part of the package into an lxml tree when it opens the file, so
a small upload holding millions of empty paragraphs costs hundreds of MB and minutes before
the parser's own loop can count anything. Streaming each XML member through a counter in
1 MiB pieces costs a fraction of a second and bounded memory, and stops at the first limit.

Start tags are counted as ``<`` not followed by ``/``, ``?`` or ``!`` (XML text cannot hold a
bare ``<``); paragraphs as start tags named ``p`` in any namespace prefix (``w:p``, DrawingML's
``a:p`` in text boxes, or a default namespace). Every XML member counts, not only
``word/document.xml``: python-docx parses headers, footers and the rest as well.
"""

from __future__ import annotations

import io
import re
import zipfile

from luna.ingest.budget import ELEMENTS_LIMIT, XML_ELEMENTS_LIMIT, ParseBudget
from luna.ingest.errors import ParseBudgetExceededError
from luna.ingest.model import ParseLimits

_PARAGRAPH = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?p[\s/>]")
_PIECE = 1024 * 1024
_TAG_HEAD = 512  # bytes after a '<' that are enough to tell what it opens
_XML_SUFFIXES = (".xml", ".rels")


def _start_tags(piece: bytes) -> int:
    return piece.count(b"<") - piece.count(b"</") - piece.count(b"<?") - piece.count(b"<!")


class _Tally:
    def __init__(self, filename: str, limits: ParseLimits, budget: ParseBudget) -> None:
        self.filename = filename
        self.limits = limits
        self.budget = budget
        self.paragraphs = 0
        self.elements = 0

    def add(self, piece: bytes) -> None:
        self.paragraphs += len(_PARAGRAPH.findall(piece))
        self.elements += _start_tags(piece)
        if self.paragraphs > self.limits.max_elements:
            raise ParseBudgetExceededError(
                self.filename,
                f"more than {self.limits.max_elements:,} paragraphs in one document",
                ELEMENTS_LIMIT,
            )
        if self.elements > self.limits.max_xml_elements:
            raise ParseBudgetExceededError(
                self.filename,
                f"more than {self.limits.max_xml_elements:,} XML elements in one document",
                XML_ELEMENTS_LIMIT,
            )
        self.budget.check_time()


def check_xml_budget(data: bytes, filename: str, limits: ParseLimits, budget: ParseBudget) -> None:
    """Raise ``ParseBudgetExceededError`` if the package's XML holds more paragraphs or
    elements than the limits allow, or counting them outlasts the time budget. The container
    itself was checked (zip bomb guard) before, so members inflate to their declared sizes."""
    tally = _Tally(filename, limits, budget)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.lower().endswith(_XML_SUFFIXES):
                continue
            with archive.open(member) as stream:
                carry = b""
                while piece := stream.read(_PIECE):
                    piece = carry + piece
                    # Cut before the last '<' so that no tag name is split between two pieces;
                    # what follows it holds no other '<', and its start names the tag.
                    cut = piece.rfind(b"<")
                    if cut == -1:
                        carry = b""
                    else:
                        piece, carry = piece[:cut], piece[cut : cut + _TAG_HEAD]
                    tally.add(piece)
                tally.add(carry)
