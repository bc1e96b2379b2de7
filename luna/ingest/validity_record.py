"""How an item's validity columns are written: by ingest from the text, or by the admin.

An admin correction belongs to the content it corrected. Re-ingesting the same bytes (after a
parser or model change) keeps it; a new version with different content is read again and the
correction dropped, because the admin's date and version described the old text — keeping them
would label a new price sheet with the previous one's date, the very mistake validity exists to
prevent. The admin sees ``validity_source = 'extracted'`` again and can correct anew.
"""

from __future__ import annotations

from datetime import date

from luna.ingest.validity import Validity
from luna.store.sql.models import Item, ValiditySource

SUPERSEDES_MAX_CHARS = 200


def record_extracted(item: Item, validity: Validity, content_hash: str) -> None:
    """Store what ingest extracted, unless the admin corrected this very content.

    Call before ``item.content_hash`` is updated to the new content's hash.
    """
    if item.validity_source == ValiditySource.ADMIN and item.content_hash == content_hash:
        return
    item.valid_from = validity.valid_from
    item.version = validity.version
    item.validity_kind = validity.kind
    item.validity_evidence = validity.evidence
    item.supersedes = (validity.supersedes or "")[:SUPERSEDES_MAX_CHARS] or None
    item.validity_source = ValiditySource.EXTRACTED


def record_admin(item: Item, *, valid_from: date | None, version: str | None) -> None:
    """Store the admin's correction; it outlives re-ingests of the same content.

    The date the admin gives is read as the valid-from date (the admin is asked "valid from");
    an unchanged date keeps its kind. The extracted evidence no longer backs the values, so it
    is cleared; what the document supersedes is left as extracted.
    """
    if valid_from is None:
        kind = "version" if version else None
    elif valid_from != item.valid_from or item.validity_kind in (None, "version"):
        kind = "valid_from"
    else:
        kind = item.validity_kind
    item.valid_from, item.version = valid_from, version
    item.validity_kind = kind
    item.validity_evidence = None
    item.validity_source = ValiditySource.ADMIN
