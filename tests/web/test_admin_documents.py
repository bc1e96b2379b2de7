"""Admin documents page in a real browser: upload a PDF, watch it reach ``ready``, find it with
the knowledge search; several files dropped at once each get their own status; customers are
refused every admin page and API."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import or_, select

from luna.store.sql.models import Item
from tests.web.conftest import LiveServer

ADMIN_PAGES = ["documents", "data", "learning", "prompts", "logs", "system"]


def tariff_pdf(code: str) -> bytes:
    """A two-page PDF whose second page names a made-up tariff ``code`` nobody else uses."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"Tarifblatt {code}")
    pdf.drawString(72, 760, f"Tarifblatt {code}: Sondervertrag Wärmepumpe")
    pdf.drawString(72, 740, "Allgemeine Bedingungen für die Belieferung mit Strom.")
    pdf.showPage()
    pdf.drawString(72, 760, f"Der Tarif {code} kostet 27,4 Cent je Kilowattstunde Arbeitspreis.")
    pdf.drawString(72, 740, f"Der Grundpreis des Tarifs {code} beträgt 9,90 Euro im Monat.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def cleanup_items(live_server: LiveServer) -> Iterator[list[str]]:
    """Tokens in the titles or file names of the documents this test adds: those documents
    are deleted afterwards (rows, vectors, files), so other browser tests never see them."""
    tokens: list[str] = []
    yield tokens
    runtime = live_server.app.state.runtime
    matches = [c for t in tokens for c in (Item.title.contains(t), Item.source.contains(t))]
    with runtime.stores.sessions() as s:
        ids = s.scalars(select(Item.id).where(or_(*matches))).all() if matches else []
    for item_id in ids:
        runtime.ingest.delete(item_id)


def test_admin_uploads_a_pdf_that_becomes_ready_and_searchable(
    admin_page: Page, live_server: LiveServer, cleanup_items: list[str], shoot
):
    page = admin_page
    code = f"LX-{uuid.uuid4().hex[:6].upper()}"
    name = f"tarifblatt-{code.lower()}.pdf"
    cleanup_items.append(code.lower())
    cleanup_items.append(code)
    page.goto(f"{live_server.url}/ui/admin/documents")
    page.set_input_files(
        "#file-input",
        files=[{"name": name, "mimeType": "application/pdf", "buffer": tariff_pdf(code)}],
    )
    upload = page.locator(f'.upload-item[data-file="{name}"]')
    expect(upload).to_have_attribute("data-status", "ready", timeout=90_000)

    # The list shows it as ready with its passages.
    row = page.locator("#doc-rows tr[data-status=ready]", has_text=code)
    expect(row).to_have_count(1)
    assert int(row.locator("td").nth(4).inner_text()) >= 1

    # The knowledge search finds the passage that names the tariff's price.
    page.fill("#search-q", f"Arbeitspreis Tarif {code}")
    page.click("#search-form button[type=submit]")
    first_hit = page.locator("#search-hits li").first
    expect(first_hit).to_contain_text(code, timeout=30_000)
    item_id = row.get_attribute("data-item")
    assert first_hit.get_attribute("data-item") == item_id
    page.evaluate("window.scrollTo(0, 0)")  # the sticky sidebar follows the scroll position
    shoot(page, "admin-documents-after-upload")

    # SQL, vectors and files agree after the upload.
    page.click("#drift-check")
    expect(page.locator("#drift-report [data-drift]")).to_have_attribute("data-drift", "clean")


def test_files_dropped_together_each_get_their_own_status(
    admin_page: Page, live_server: LiveServer, cleanup_items: list[str]
):
    page = admin_page
    token = uuid.uuid4().hex[:8]
    good, bad = f"notiz-{token}.md", f"kaputt-{token}.pdf"
    cleanup_items.append(token)
    page.goto(f"{live_server.url}/ui/admin/documents")
    drop = page.evaluate_handle(
        """([good, bad, token]) => {
            const dt = new DataTransfer();
            const note = `# Notiz ${token}\\n\\nDie Wartung der Wärmepumpe ${token} ist im Mai.`;
            dt.items.add(new File([note], good, {type: "text/markdown"}));
            const broken = "%PDF-1.7 nothing but a header";
            dt.items.add(new File([broken], bad, {type: "application/pdf"}));
            return dt;
        }""",
        [good, bad, token],
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": drop})
    expect(page.locator(f'.upload-item[data-file="{good}"]')).to_have_attribute(
        "data-status", "ready", timeout=60_000
    )
    failed = page.locator(f'.upload-item[data-file="{bad}"]')
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".detail.error")).not_to_be_empty()
    # The list keeps the failed document with its reason, so the admin sees what went wrong.
    expect(page.locator("#doc-rows tr[data-status=ready]", has_text=token)).to_have_count(1)
    broken = page.locator("#doc-rows tr[data-status=failed]", has_text=token)
    expect(broken).to_have_count(1)
    expect(broken.locator("+ tr.error-row")).not_to_be_empty()

    # Deleting asks first, then the document is gone from the list.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#doc-rows tr[data-status=ready]", has_text=token).locator(".btn-danger").click()
    expect(page.locator("#doc-rows tr[data-status=ready]", has_text=token)).to_have_count(0)


def test_admin_sees_the_extracted_validity_and_corrects_it(
    admin_page: Page, live_server: LiveServer, cleanup_items: list[str], shoot
):
    page = admin_page
    token = uuid.uuid4().hex[:8]
    name = f"faq-{token}.txt"
    cleanup_items.append(token)
    page.goto(f"{live_server.url}/ui/admin/documents")
    text = f"FAQ Wallbox {token}\n\nStand: März 2026\n\nWie lade ich mein Auto?\n"
    page.set_input_files(
        "#file-input", files=[{"name": name, "mimeType": "text/plain", "buffer": text.encode()}]
    )
    expect(page.locator(f'.upload-item[data-file="{name}"]')).to_have_attribute(
        "data-status", "ready", timeout=60_000
    )
    row = page.locator("#doc-rows tr[data-status=ready]", has_text=token)
    date_cell = row.locator(".validity-cell [data-valid-from]")
    expect(date_cell).to_have_attribute("data-valid-from", "2026-03-01")

    row.locator(".validity-edit").click()
    dialog = page.locator("#validity-dialog")
    expect(dialog).to_contain_text("Stand: März 2026")  # where it was found
    expect(dialog.locator("input[name=valid_from]")).to_have_value("2026-03-01")
    dialog.locator("input[name=valid_from]").fill("2026-01-01")
    dialog.locator("input[name=version]").fill("2.1")
    shoot(page, "admin-documents-validity-dialog")
    dialog.locator("button[type=submit]").click()
    expect(dialog).not_to_be_visible()
    expect(date_cell).to_have_attribute("data-valid-from", "2026-01-01")
    expect(row.locator(".validity-cell")).to_contain_text("v2.1")
    expect(row.locator(".validity-cell .badge")).to_be_visible()  # marked as corrected
    shoot(page, "admin-documents-validity-corrected")

    runtime = live_server.app.state.runtime
    with runtime.stores.sessions() as s:
        item = s.scalars(select(Item).where(Item.source.contains(token))).one()
        assert (str(item.valid_from), item.version, item.validity_source) == (
            "2026-01-01",
            "2.1",
            "admin",
        )


def test_customer_is_refused_every_admin_page_and_api(customer_page: Page, live_server: LiveServer):
    page = customer_page
    for name in ADMIN_PAGES:
        response = page.goto(f"{live_server.url}/ui/admin/{name}")
        assert response is not None
        assert response.status == 403, name
        expect(page.locator("main")).to_contain_text("403")
        expect(page.locator(".nav-section")).to_have_count(0)  # no admin navigation either
    statuses = page.evaluate(
        """async () => Promise.all(["/admin/events", "/admin/data", "/admin/search?q=x",
            "/ingest/drift", "/admin/system"].map(async (u) => (await fetch(u)).status))"""
    )
    assert statuses == [403] * 5
