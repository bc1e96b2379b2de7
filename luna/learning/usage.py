"""Usage analysis: the knowledge-gaps report for the admin, anonymised.

Topics asked often but rated badly or refused, the most asked and the worst rated questions,
questions per week, and per-document usage. Every row is an aggregate over at least
``min_group`` distinct users (``LUNA_LEARNING_MIN_GROUP``); smaller groups are left out, and
the report says how many were suppressed, never who or what they were.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from luna.graphs.rag.nodes import REFUSALS

# One row per answer with its votes, and whether the model refused.
_RATED = """
WITH rated AS (
    SELECT a.id, a.user_id, a.topic, a.question, a.item_ids, a.created_at,
           lower(regexp_replace(btrim(a.question), '\\s+', ' ', 'g')) AS norm,
           a.answer ILIKE ANY(:refusals) AS refused,
           count(f.id) FILTER (WHERE f.vote > 0) AS up,
           count(f.id) FILTER (WHERE f.vote < 0) AS down
    FROM answers a
    LEFT JOIN feedback f ON f.target_type = 'answer' AND f.target_id = a.id::text
    GROUP BY a.id
)
"""

_TOPICS = (
    _RATED
    + """
SELECT coalesce(topic, 'unlabelled') AS topic, count(*) AS asks,
       count(DISTINCT user_id) AS users, sum(up) AS up, sum(down) AS down,
       count(*) FILTER (WHERE refused) AS refused
FROM rated GROUP BY 1
"""
)

_QUESTIONS = (
    _RATED
    + """
SELECT min(question) AS question, count(*) AS asks, count(DISTINCT user_id) AS users,
       sum(up) AS up, sum(down) AS down, count(*) FILTER (WHERE refused) AS refused
FROM rated GROUP BY norm
"""
)

_WEEKS = """
SELECT date_trunc('week', created_at) AS week, count(*) AS asks,
       count(DISTINCT user_id) AS users
FROM answers GROUP BY 1 ORDER BY 1
"""

_DOCUMENTS = (
    _RATED  # noqa: S608 (constant SQL; values are bound parameters)
    + """
, cited AS (
    SELECT r.user_id, r.up, r.down, jsonb_array_elements_text(r.item_ids) AS item_id
    FROM rated r
)
SELECT i.id::text AS item_id, i.title, count(c.item_id) AS citations,
       count(DISTINCT c.user_id) AS users, coalesce(sum(c.up), 0) AS up,
       coalesce(sum(c.down), 0) AS down
FROM items i LEFT JOIN cited c ON c.item_id = i.id::text
WHERE i.status = 'ready'
GROUP BY i.id, i.title
"""
)


def _rows(session: Session, sql: str) -> list[dict[str, Any]]:
    patterns = [f"%{r}%" for r in REFUSALS]
    result = session.execute(text(sql), {"refusals": patterns})
    return [dict(r._mapping) for r in result]


def _approval(up: int, down: int) -> float | None:
    return round(up / (up + down), 3) if up + down else None


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    up, down, refused, asks = (int(row[k] or 0) for k in ("up", "down", "refused", "asks"))
    return {
        **row,
        "up": up,
        "down": down,
        "refused": refused,
        "approval": _approval(up, down),
        "refusal_rate": round(refused / asks, 3) if asks else 0.0,
    }


def knowledge_gaps(session: Session, *, min_group: int, limit: int = 20) -> dict[str, Any]:
    """The report; groups of fewer than ``min_group`` distinct users are suppressed."""
    suppressed: dict[str, int] = {}

    def enough(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [r for r in rows if int(r["users"]) >= min_group]
        suppressed[name] = len(rows) - len(kept)
        return kept

    topics = [_rate(r) for r in enough("topics", _rows(session, _TOPICS))]
    for t in topics:
        bad = t["down"] + t["refused"]
        t["gap_score"] = round(bad / t["asks"], 3) if t["asks"] else 0.0
    questions = [_rate(r) for r in enough("questions", _rows(session, _QUESTIONS))]
    weeks = enough("weeks", _rows(session, _WEEKS))
    documents = _rows(session, _DOCUMENTS)
    used = enough("documents", [d for d in documents if int(d["citations"]) > 0])
    return {
        "min_group": min_group,
        "gaps": sorted(
            (t for t in topics if t["gap_score"] > 0), key=lambda t: (-t["gap_score"], -t["asks"])
        )[:limit],
        "topics": sorted(topics, key=lambda t: -t["asks"])[:limit],
        "most_asked": sorted(questions, key=lambda q: -q["asks"])[:limit],
        "poorly_rated": sorted(
            (q for q in questions if q["down"] + q["refused"] > q["up"]),
            key=lambda q: (-(q["down"] + q["refused"]), -q["asks"]),
        )[:limit],
        "per_week": [{"week": w["week"].isoformat(), "asks": w["asks"]} for w in weeks],
        "documents": sorted(
            ({**d, "approval": _approval(int(d["up"]), int(d["down"]))} for d in used),
            key=lambda d: -d["citations"],
        ),
        "documents_never_cited": sorted(d["title"] for d in documents if int(d["citations"]) == 0),
        "suppressed_groups": suppressed,
    }
