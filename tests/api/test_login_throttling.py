"""Login abuse (issue 16): wrong passwords are throttled per account and per client address in
PostgreSQL, ten lock the account until an admin lifts it, every failure is an audit event, and
an unknown name costs one password-hash check like a known one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from starlette.requests import HTTPConnection

import luna.store.sql.users as user_store
from luna.api.app import create_app
from luna.api.request_origin import client_address
from luna.config import Settings
from luna.core.security import dummy_password_hash
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Event, EventType, LoginThrottle, User
from tests.api.conftest import PASSWORD, login

WRONG = "not-the-password"
MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(settings: Settings, clean_db: Stores) -> Iterator[MakeClient]:
    """A client of the real app under settings changed by ``overrides``."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            app = create_app(settings.model_copy(update=overrides), clean_db)
            return stack.enter_context(TestClient(app))

        yield make


def _token(client: TestClient, username: str, password: str) -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def _events(stores: Stores, type_: EventType) -> list[Event]:
    with stores.sessions() as s:
        return list(s.scalars(select(Event).where(Event.type == type_).order_by(Event.id)))


def _user_id(stores: Stores, username: str) -> int:
    with stores.sessions() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    return user_id


def test_ten_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    make_client: MakeClient, users, clean_db: Stores
):
    client = make_client(login_backoff_base_s=0.0)  # no backoff: only the lockout
    for attempt in range(1, 11):
        response = _token(client, "kunde1", WRONG)
        assert response.status_code == 401, (attempt, response.text)

    refused = _token(client, "kunde1", PASSWORD)  # the right password, while locked
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "too_many_requests"
    assert body["detail"]["reason"] == "locked"
    assert body["detail"]["scope"] == "account"
    retry_after = int(refused.headers["retry-after"])
    assert 3590 <= retry_after <= 3600  # LUNA_LOGIN_LOCKOUT_MINUTES=60
    assert body["detail"]["retry_after_s"] == retry_after

    kunde1 = _user_id(clean_db, "kunde1")
    failed = _events(clean_db, EventType.LOGIN_FAILED)
    assert [e.payload["failures"] for e in failed] == list(range(1, 11))
    assert {e.user_id for e in failed} == {kunde1}
    assert all(e.user_key and "kunde1" not in str(e.payload) for e in failed)
    [lockout] = _events(clean_db, EventType.LOCKOUT)
    assert lockout.user_id == kunde1
    assert lockout.payload["failures"] == 10

    admin = login(client, "monika")
    unlocked = client.post(f"/users/{kunde1}/unlock", headers=admin)
    assert unlocked.status_code == 200, unlocked.text
    assert _token(client, "kunde1", PASSWORD).status_code == 200  # restored


def test_lockout_is_listed_for_admins_and_only_an_admin_lifts_it(
    make_client: MakeClient, users, clean_db: Stores
):
    client = make_client(login_backoff_base_s=0.0, login_lockout_failures=3)
    for _ in range(3):
        assert _token(client, "kunde1", WRONG).status_code == 401
    assert _token(client, "kunde1", PASSWORD).status_code == 429
    kunde1 = _user_id(clean_db, "kunde1")
    admin = login(client, "monika")

    [listed] = client.get("/users/lockouts", headers=admin).json()
    assert listed["username"] == "kunde1"
    assert listed["user_id"] == kunde1
    assert listed["locked"] is True
    assert listed["failures"] == 3

    assert client.post(f"/users/{kunde1}/unlock").status_code == 401
    assert client.post("/users/999999/unlock", headers=admin).status_code == 404
    unlocked = client.post(f"/users/{kunde1}/unlock", headers=admin)
    assert unlocked.json() == {"user_id": kunde1, "username": "kunde1", "was_throttled": True}
    [audit] = _events(clean_db, EventType.UNLOCK)
    assert audit.user_id == kunde1
    assert audit.payload["was_throttled"] is True

    restored = _token(client, "kunde1", PASSWORD)
    assert restored.status_code == 200, restored.text
    assert client.get("/users/lockouts", headers=admin).json() == []
    customer = login(client, "kunde1")
    assert client.post(f"/users/{kunde1}/unlock", headers=customer).status_code == 403


def test_backoff_doubles_after_the_free_failures_and_refuses_even_the_right_password(
    make_client: MakeClient, users, clean_db: Stores
):
    client = make_client(login_free_failures=2, login_backoff_base_s=10.0)
    assert _token(client, "kunde1", WRONG).status_code == 401
    assert _token(client, "kunde1", WRONG).status_code == 401  # 2: free
    assert _token(client, "kunde1", WRONG).status_code == 401  # 3: waits 10 s from now
    first = _token(client, "kunde1", PASSWORD)
    assert first.status_code == 429
    assert first.json()["detail"]["reason"] == "backoff"
    assert 9 <= int(first.headers["retry-after"]) <= 10

    with session_scope(clean_db.sessions) as s:  # ten seconds pass
        s.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == "kunde1")
            .values(blocked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _token(client, "kunde1", WRONG).status_code == 401  # 4: waits 20 s
    second = _token(client, "kunde1", PASSWORD)
    assert second.status_code == 429
    assert 19 <= int(second.headers["retry-after"]) <= 20
    # Refused attempts check no password and count nothing.
    assert len(_events(clean_db, EventType.LOGIN_FAILED)) == 4


def test_default_backoff_expires_by_itself(make_client: MakeClient, users):
    client = make_client()  # defaults: 5 free failures, then 1 s, 2 s, ...
    statuses = [_token(client, "kunde1", WRONG).status_code for _ in range(7)]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429
    refused = _token(client, "kunde1", PASSWORD)
    if refused.status_code == 429:  # still inside the 1 s backoff
        time.sleep(int(refused.headers["retry-after"]))
    assert _token(client, "kunde1", PASSWORD).status_code == 200


def test_one_client_address_guessing_at_many_names_is_slowed_down(
    make_client: MakeClient, users, clean_db: Stores
):
    client = make_client(login_address_free_failures=3, login_backoff_base_s=30.0)
    for name in ("anna", "ben", "carla", "dora"):  # four names, one failure each
        assert _token(client, name, WRONG).status_code == 401
    refused = _token(client, "kunde1", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["detail"]["scope"] == "address"
    assert 29 <= int(refused.headers["retry-after"]) <= 30
    unknown = _events(clean_db, EventType.LOGIN_FAILED)
    assert [e.user_id for e in unknown] == [None] * 4  # names of no user: no user key
    assert [e.payload["address_failures"] for e in unknown] == [1, 2, 3, 4]


def test_unknown_and_known_names_are_throttled_alike(make_client: MakeClient, users):
    client = make_client(login_free_failures=2, login_backoff_base_s=30.0)
    known = [_token(client, "kunde1", WRONG).status_code for _ in range(4)]
    unknown = [_token(client, "niemand", WRONG).status_code for _ in range(4)]
    assert known == unknown == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("username", "password", "hash_checked"),
    [
        ("niemand", PASSWORD, "dummy"),  # unknown user
        ("kunde1", WRONG, "user"),
        ("kunde1", PASSWORD, "user"),
        ("inaktiv", PASSWORD, "dummy"),  # disabled account
    ],
)
def test_every_login_verifies_exactly_one_password_hash(
    client: TestClient,
    users,
    clean_db: Stores,
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    password: str,
    hash_checked: str,
):
    with session_scope(clean_db.sessions) as s:
        user_store.create_user(s, "inaktiv", PASSWORD).is_active = False
    real = user_store.verify_password
    checked: list[str] = []

    def spy(candidate: str, password_hash: str) -> bool:
        checked.append("dummy" if password_hash == dummy_password_hash() else "user")
        return real(candidate, password_hash)

    monkeypatch.setattr(user_store, "verify_password", spy)
    response = _token(client, username, password)
    assert response.status_code == (200 if (username, password) == ("kunde1", PASSWORD) else 401)
    assert checked == [hash_checked]


def test_web_login_form_is_throttled_the_same_way(make_client: MakeClient, users):
    client = make_client(login_free_failures=1, login_backoff_base_s=30.0)
    form = {"username": "kunde1", "password": WRONG}
    assert client.post("/ui/login", data=form, follow_redirects=False).status_code == 401
    assert client.post("/ui/login", data=form, follow_redirects=False).status_code == 401
    page = client.post("/ui/login", data=form | {"password": PASSWORD}, follow_redirects=False)
    assert page.status_code == 429
    assert "text/html" in page.headers["content-type"]
    assert int(page.headers["retry-after"]) > 0
    assert 'id="login-error"' in page.text
    assert _token(client, "kunde1", PASSWORD).status_code == 429  # the API shares the state


def _connection(peer: str, headers: dict[str, str]) -> HTTPConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return HTTPConnection({"type": "http", "headers": raw, "client": (peer, 4711)})


def test_client_address_comes_from_a_trusted_proxy_only(settings: Settings):
    behind = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    spoofed = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7, 10.0.0.3"}
    # Through the proxies: the last address before them (the first is the client's own claim).
    assert client_address(_connection("10.0.0.2", spoofed), behind) == "203.0.113.7"
    # Straight from the internet, a forwarded header proves nothing.
    assert client_address(_connection("192.0.2.5", spoofed), behind) == "192.0.2.5"
    assert client_address(_connection("10.0.0.2", spoofed), settings) == "10.0.0.2"
    # An IPv6 client counts per /64.
    assert client_address(_connection("2001:db8:1:2:3:4:5:6", {}), settings) == "2001:db8:1:2::/64"


def test_a_streak_is_forgotten_a_day_after_its_last_failure(
    make_client: MakeClient, users, clean_db: Stores
):
    client = make_client(login_backoff_base_s=0.0)
    day_ago = datetime.now(UTC) - timedelta(hours=25)
    with session_scope(clean_db.sessions) as s:
        s.add_all(
            [
                LoginThrottle(scope="account", key="kunde1", failures=9, last_failure_at=day_ago),
                LoginThrottle(scope="account", key="alt", failures=3, last_failure_at=day_ago),
                LoginThrottle(scope="account", key="abandoned", failures=0),
            ]
        )
    assert _token(client, "kunde1", WRONG).status_code == 401  # would be the 10th: no lock
    [failed] = _events(clean_db, EventType.LOGIN_FAILED)
    assert failed.payload["failures"] == 1
    assert _events(clean_db, EventType.LOCKOUT) == []
    with clean_db.sessions() as s:
        keys = set(s.scalars(select(LoginThrottle.key)))
    assert keys == {"kunde1", "testclient"}  # the stale and empty rows were pruned
