"""Small DOCX files whose XML is padded with empty content, for the parse-budget tests.

Built from a real python-docx document with its ``word/document.xml`` body prefixed by ``n``
empty elements. Each carries a random revision id (as Word writes them) so the member
compresses like a real document (about 6:1) and passes the zip bomb guard: only the parse
budget can refuse it.
"""

from __future__ import annotations

import io
import random
import zipfile

import docx


def padded_docx(n: int, empty: str = '<w:p w:rsidR="{rsid}"/>', text: str = "Preisblatt") -> bytes:
    """A DOCX with ``n`` copies of ``empty`` before one paragraph of ``text``."""
    plain = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(plain)
    rng = random.Random(16)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                body = xml.index("<w:body>") + len("<w:body>")
                padding = "".join(empty.format(rsid=f"{rng.getrandbits(32):08X}") for _ in range(n))
                data = (xml[:body] + padding + xml[body:]).encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()
