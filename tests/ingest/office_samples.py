"""Real sample files for the formats read through the ``unstructured`` extra, made by the
libraries that write them: openpyxl (XLSX), python-pptx (PPTX), the standard library's email
package (EML), pandoc through pypandoc (ODT, RTF, EPUB). No library writes Outlook MSG files, so
the MSG sample is ``fixtures/unstructured-fake-email.msg`` (``example-docs/fake-email.msg`` of
Unstructured-IO/unstructured, Apache-2.0) with its subject and HTML body overwritten in place
by olefile (streams keep their size, so the body is padded).

Every sample carries the same German price list: the heading "Arbeitspreise" over a table
whose cells the tests look for.
"""

from __future__ import annotations

import email.message
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

TITLE = "Preisblatt Wärmestrom 2026"
HEADING = "Arbeitspreise"
ROWS = [
    ["Tarifzone", "Arbeitspreis"],
    ["Hochtarif", "31,45 ct/kWh"],
    ["Niedertarif", "24,10 ct/kWh"],
]
CELLS = [cell for row in ROWS for cell in row]
INTRO = "Die Preise gelten für Lieferungen in Musterstadt ab dem 1. Januar 2026."
NOTE = "Alle Preise verstehen sich brutto inklusive Umsatzsteuer."
MSG_FIXTURE = Path(__file__).parent / "fixtures" / "unstructured-fake-email.msg"

MARKDOWN = "\n".join(
    [
        f"# {TITLE}",
        "",
        f"## {HEADING}",
        "",
        INTRO,
        "",
        f"| {' | '.join(ROWS[0])} |",
        "|---|---|",
        *(f"| {' | '.join(row)} |" for row in ROWS[1:]),
        "",
        "## Hinweise",
        "",
        NOTE,
        "",
    ]
)


def _html_table() -> str:
    head = "".join(f"<th>{cell}</th>" for cell in ROWS[0])
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROWS[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    prices = workbook.active
    assert prices is not None
    prices.title = HEADING
    for row in ROWS:
        prices.append(row)
    notes = workbook.create_sheet("Hinweise")
    notes.append([NOTE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def empty_xlsx() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def csv() -> bytes:
    # as German Excel writes it: semicolons, Windows line ends
    return "".join(";".join(row) + "\r\n" for row in ROWS).encode("utf-8")


def pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    opening = deck.slides.add_slide(deck.slide_layouts[1])
    opening.shapes.title.text = TITLE
    opening.placeholders[1].text = INTRO
    prices = deck.slides.add_slide(deck.slide_layouts[5])
    prices.shapes.title.text = HEADING
    frame = prices.shapes.add_table(len(ROWS), 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for i, row in enumerate(ROWS):
        for j, cell in enumerate(row):
            frame.table.cell(i, j).text = cell
    notes = deck.slides.add_slide(deck.slide_layouts[1])
    notes.shapes.title.text = "Hinweise"
    notes.placeholders[1].text = NOTE
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def eml() -> bytes:
    message = email.message.EmailMessage()
    message["Subject"] = TITLE
    message["From"] = "vertrieb@luna-energie.example"
    message["To"] = "kunde@example.org"
    message["Date"] = "Mon, 12 Jan 2026 09:00:00 +0100"
    message.set_content(f"{HEADING}\n\n{INTRO}\n\n" + "\n".join("\t".join(r) for r in ROWS))
    message.add_alternative(
        f"<html><body><h2>{HEADING}</h2><p>{INTRO}</p>{_html_table()}<p>{NOTE}</p></body></html>",
        subtype="html",
    )
    return bytes(message)


def msg() -> bytes:
    import olefile

    html = f"<h1>{HEADING}</h1>{_html_table()}".encode("ascii")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "preise.msg"
        shutil.copyfile(MSG_FIXTURE, path)
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            size = ole.get_size("__substg1.0_10130102")  # PR_HTML
            assert len(html) <= size, (len(html), size)
            ole.write_stream("__substg1.0_10130102", html.ljust(size))
            subject = "Preisliste".encode("utf-16-le")  # PR_SUBJECT holds 10 characters
            assert len(subject) == ole.get_size("__substg1.0_0037001F")
            ole.write_stream("__substg1.0_0037001F", subject)
        return path.read_bytes()


def _pandoc(to: str, *extra: str) -> bytes:
    import pypandoc

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"preise.{to}"
        pypandoc.convert_text(
            MARKDOWN, to, format="md", outputfile=str(path), extra_args=list(extra)
        )
        return path.read_bytes()


def odt() -> bytes:
    return _pandoc("odt")


def rtf() -> bytes:
    return _pandoc("rtf", "--standalone")


def epub() -> bytes:
    return _pandoc("epub", f"--metadata=title:{TITLE}")


SAMPLES: dict[str, Callable[[], bytes]] = {
    "xlsx": xlsx,
    "csv": csv,
    "pptx": pptx,
    "eml": eml,
    "msg": msg,
    "odt": odt,
    "rtf": rtf,
    "epub": epub,
}
