"""``POST /chat`` end to end with the real local model on simulated data.

One conversation of two turns (each costs tens of seconds on two cores): the consumption
question must call ``query_timeseries`` and answer with the number SQL gives; the follow-up
"And the week before?" names neither meter nor series and must get them from the thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from tests.api.conftest import login
from tests.energy_site import populate

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Europe/Berlin")
QUESTION = "How much did meter M-001 consume last week, and when was the peak?"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@pytest.fixture
def model_client(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[TestClient]:
    populate(clean_db, days=22)  # last week and the one before, whatever today's weekday
    local = settings.model_copy(
        update={"home": tmp_path, "llm_context_tokens": 2048, "llm_threads": 1}
    )
    with TestClient(create_app(local, clean_db)) as client:
        yield client


def week_total(stores: Stores, weeks_back: int) -> float:
    """M-001's consumption in the Monday-to-Monday week ``weeks_back`` weeks ago, by SQL."""
    today = datetime.now(TZ).date()
    monday = today - timedelta(days=today.weekday() + 7 * weeks_back)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=TZ)
    end = start.replace(tzinfo=None) + timedelta(days=7)
    with stores.engine.connect() as conn:
        return float(
            conn.execute(
                text(
                    "SELECT sum(consumption_kwh) FROM smart_meter_readings "
                    "WHERE meter_id = 'M-001' AND ts >= :s AND ts < :e"
                ),
                {"s": start, "e": end.replace(tzinfo=TZ)},
            ).scalar_one()
        )


def mentions(answer: str, value: float) -> bool:
    """Whether the answer states ``value``, allowing the model to round to 0 or 1 decimals."""
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(answer)]
    return any(abs(n - value) <= 0.051 or n == round(value) for n in numbers)


def test_consumption_question_uses_the_tool_and_the_follow_up_uses_the_thread(
    model_client: TestClient, clean_db: Stores
):
    headers = login(model_client, "anna")
    first = model_client.post("/chat", json={"message": QUESTION, "stream": False}, headers=headers)
    assert first.status_code == 200, first.text
    turn = first.json()
    assert turn["tools"] == ["query_timeseries"]
    assert not turn["degraded"], turn
    total = week_total(clean_db, 1)
    assert mentions(turn["answer"], total), (total, turn["answer"])
    assert turn["citations"][0]["kind"] == "data"

    second = model_client.post(
        "/chat",
        json={"message": "And the week before?", "thread_id": turn["thread_id"], "stream": False},
        headers=headers,
    )
    assert second.status_code == 200, second.text
    follow = second.json()
    assert follow["tools"] == ["query_timeseries"]
    before = week_total(clean_db, 2)
    assert mentions(follow["answer"], before), (before, follow["answer"])

    detail = model_client.get(f"/chat/threads/{turn['thread_id']}", headers=headers).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"] * 2
