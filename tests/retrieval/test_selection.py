"""Which fused hits make the top_k: no near-duplicates, and no document or section crowding
out the others while they have hits left."""

from __future__ import annotations

import uuid

from luna.retrieval.retriever import RetrievedChunk, _select, merge_table_rows

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


def test_the_rows_of_one_table_are_one_hit_at_the_rank_of_its_best_row():
    note = uuid.uuid4()
    header = "Monat | Bezug (kWh) | Spitzenlast (kW)"
    ranked = [
        chunk(
            1,
            note,
            "Monatswerte",
            f"Messwerte\n{header}\nMai 2026 | 94.880 | 327\n"
            "Monat: Mai 2026 · Bezug (kWh): 94.880 · Spitzenlast (kW): 327",
        ),
        chunk(2, note, "Monatswerte", f"Messwerte\n{header}\nMärz 2026 | 112.305 | 318"),
        chunk(3, LETTER, None, "Die Lastspitzengrenze beträgt 310 kW."),
        chunk(
            4,
            note,
            "Monatswerte",
            f"Messwerte\n{header}\nMai 2026 | 94.880 | 327\nLeistungspreis: 112,60 €/kW und Jahr",
        ),
        chunk(5, note, "Anhang", "Messwerte\nMonat | Temperatur\nMai 2026 | 14,2"),  # another table
    ]
    merged = merge_table_rows(ranked)
    assert [c.chunk_id for c in merged] == [1, 3, 5]
    assert merged[0].text.splitlines()[1:] == [
        header,
        "Mai 2026 | 94.880 | 327",
        "März 2026 | 112.305 | 318",  # the second row, in rank order, in the table's run
        "Monat: Mai 2026 · Bezug (kWh): 94.880 · Spitzenlast (kW): 327",
        "Leistungspreis: 112,60 €/kW und Jahr",  # the note below the table comes along
    ]
    assert merged[0].text.count("Mai 2026 | 94.880 | 327") == 1  # each line once
