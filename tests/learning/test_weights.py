"""Relevance weights from votes: one vote per user and chunk, capped users, decay, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from luna.learning.weights import Vote, WeightParams, compute_weights, decay

NOW = datetime(2026, 11, 27, tzinfo=UTC)
PARAMS = WeightParams(half_life_days=30, prior_votes=4, min_voters=3, user_cap=10)


def vote(user: str, value: int, chunks: tuple[int, ...], items: tuple[str, ...] = (), days=0.0):
    return Vote(user, value, NOW - timedelta(days=days), chunks, items)


def test_decay_halves_after_one_half_life():
    assert decay(0, 30) == 1.0
    assert abs(decay(30 * 86_400, 30) - 0.5) < 1e-9
    assert decay(-5, 30) == 1.0  # a clock-skewed future vote counts as now


def test_agreeing_voters_move_a_chunk_within_the_bounds():
    up = [vote(f"u{i}", 1, (1,), ("doc-a",)) for i in range(20)]
    down = [vote(f"u{i}", -1, (2,), ("doc-b",)) for i in range(20)]
    weights = compute_weights(up + down, NOW, PARAMS)
    assert 1.0 < weights.chunks[1] <= PARAMS.high
    assert PARAMS.low <= weights.chunks[2] < 1.0
    assert weights.items["doc-a"] > 1.0 > weights.items["doc-b"]


def test_fewer_distinct_voters_than_the_minimum_leave_a_chunk_neutral():
    votes = [vote("u1", 1, (1,)), vote("u2", 1, (1,))]
    assert 1 not in compute_weights(votes, NOW, PARAMS).chunks


def test_one_user_voting_many_times_counts_once_per_chunk():
    baseline = [vote(f"v{i}", 1, (2,)) for i in range(4)]
    others = [vote(f"u{i}", -1, (1,)) for i in range(3)]
    many = [vote("spammer", 1, (1,)) for _ in range(500)]
    once = [vote("spammer", 1, (1,))]
    assert compute_weights(many + others + baseline, NOW, PARAMS).chunks == (
        compute_weights(once + others + baseline, NOW, PARAMS).chunks
    )
    assert compute_weights(many + others + baseline, NOW, PARAMS).chunks[1] < 1.0  # 3 against 1


def test_a_users_total_influence_is_capped_across_chunks():
    # A busy user up-votes 40 chunks; with a cap of 10 each of their votes counts a quarter,
    # so their up-vote on chunk 0 weighs less against the four down-votes there.
    busy = [vote("busy", 1, (c,)) for c in range(40)]
    against = [vote(f"u{i}", -1, (0,)) for i in range(4)]
    control = [vote(f"c{i}", 1 if i % 2 else -1, (100,)) for i in range(10)]
    votes = busy + against + control
    capped = compute_weights(votes, NOW, PARAMS)
    uncapped = compute_weights(
        votes, NOW, WeightParams(half_life_days=30, prior_votes=4, min_voters=3, user_cap=1e9)
    )
    assert capped.stats["users_capped"] == 1
    assert uncapped.stats["users_capped"] == 0
    assert capped.chunks[0] < uncapped.chunks[0] < 1.0


def test_old_votes_count_less_than_recent_ones():
    def weights(days: float) -> dict[int, float]:
        ups = [vote(f"a{i}", 1, (1,), days=days) for i in range(6)]
        fresh_ups = [vote(f"b{i}", 1, (3,)) for i in range(6)]
        downs = [vote(f"c{i}", -1, (2,)) for i in range(6)]
        return compute_weights(ups + fresh_ups + downs, NOW, PARAMS).chunks

    recent, old = weights(0), weights(120)
    assert recent[1] == recent[3]
    assert 1.0 <= old.get(1, 1.0) < old[3]


def test_a_hostile_minority_cannot_lift_a_chunk_the_majority_rejects():
    hostile = [vote(f"bad{i}", 1, (7,), ("wrong",)) for i in range(5)]
    honest = [vote(f"u{i}", -1, (7,), ("wrong",)) for i in range(20)]
    liked = [vote(f"u{i}", 1, (8,), ("right",)) for i in range(20)]
    result = compute_weights(hostile + honest + liked, NOW, PARAMS)
    assert result.chunks[7] < 1.0 < result.chunks[8]
    assert result.items["wrong"] < 1.0 < result.items["right"]


def test_when_every_answer_is_liked_there_is_no_signal():
    votes = [vote(f"u{i}", 1, (c,), ("d",)) for i in range(10) for c in (1, 2)]
    result = compute_weights(votes, NOW, PARAMS)
    assert result.chunks == {}
    assert result.items == {}
