"""Which fused hits make the top_k: no near-duplicates, and no document or section crowding
out the others while they have hits left."""

from __future__ import annotations

import uuid

from luna.retrieval.retriever import RetrievedChunk, _select

SHEET, LETTER = uuid.uuid4(), uuid.uuid4()


def chunk(n: int, item: uuid.UUID, section: str | None, text: str) -> RetrievedChunk:
    return RetrievedChunk(
        chunk_id=n,
        point_id=uuid.uuid4(),
        item_id=item,
        title="t",
        source="s",
        page=None,
        section=section,
        text=text,
        score=1.0 / n,
    )


def test_one_section_takes_at_most_two_places_while_other_sections_have_hits():
    ranked = [
        chunk(1, SHEET, "3.1 Arbeitspreis", "Der Arbeitspreis folgt der Börse."),
        chunk(2, SHEET, "3.1 Arbeitspreis", "Aufschlag | 16,926 ct/kWh | 20,142 ct/kWh"),
        chunk(3, SHEET, "3.1 Arbeitspreis", "Stromsteuer | 2,05 ct/kWh | 2,440 ct/kWh"),
        chunk(4, SHEET, "4.2 Modul 3", "Niedertarif (NT) | 00:00–06:00 Uhr | 2,44 ct/kWh"),
        chunk(5, LETTER, None, "Sie haben Modul 1 in Kombination mit Modul 3 gewählt."),
    ]
    chosen = [c.chunk_id for c in _select(ranked, [], top_k=4)]
    assert chosen == [1, 2, 4, 5]  # the third 3.1 chunk waits behind 4.2 and the letter
    assert [c.chunk_id for c in _select(ranked[:3], [], top_k=3)] == [1, 2, 3]  # nothing else
