"""The connector's message rate for the admin dashboard: what flows now, not a lifetime average."""

from __future__ import annotations

from luna.connectors.mqtt_readings import ConnectorStats


def test_recent_rate_counts_only_the_last_seconds():
    stats = ConnectorStats()
    for second in range(100, 110):  # 10 s at 50 messages per second
        for _ in range(50):
            stats.count_message(now=second + 0.5)
    assert stats.recent_messages_per_second(window_s=10, now=109.9) == 50.0
    # at 115 the window is seconds 106..115, of which 106..109 carried messages
    assert stats.recent_messages_per_second(window_s=10, now=115.0) == 20.0
    assert stats.recent_messages_per_second(window_s=10, now=130.0) == 0.0  # stream stopped
    assert stats.received == 500
    assert stats.last_message_at is not None


def test_recent_rate_keeps_a_bounded_history():
    stats = ConnectorStats()
    for second in range(10_000):
        stats.count_message(now=float(second))
    assert stats.recent_messages_per_second(window_s=10, now=9_999.5) == 1.0
    assert len(stats._per_second) <= 64
