"""Every password check of the API and the web UI: throttled, constant-time, audited.

``POST /auth/token``, the login form and ``POST /auth/password`` call :func:`check_password`.
While the account or the client address is in backoff or the account is locked it raises
:class:`LoginThrottled` (429, ``Retry-After``) without checking the password; otherwise it
checks exactly one password hash (a dummy one for unknown names) and records the outcome. A
wrong password is an audit event (``login_failed``; ``lockout`` when it locks the account, with
a warning in the log). The check runs in its own transaction, committed before the caller
answers: the failure must be stored although the request itself fails.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import HTTPException, status
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from luna.api.request_origin import client_address
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.events import new_event
from luna.store.sql.login_throttle import (
    ADDRESS,
    Refusal,
    ThrottleRules,
    account_key,
    clear_account,
    hold_account,
    record_failure,
    refusal,
)
from luna.store.sql.models import EventType, LoginThrottle, User
from luna.store.sql.users import get_user, password_matches

log = logging.getLogger(__name__)

Channel = Literal["api", "ui", "password_change"]


class LoginThrottled(HTTPException):
    """429: too many wrong passwords for this account or from this address; try later."""

    def __init__(self, refused: Refusal, now: datetime) -> None:
        self.retry_after_s = refused.retry_after_s(now)
        what = "this account" if refused.scope != ADDRESS else "this client address"
        if refused.reason == "locked":
            message = f"{what} is locked after repeated wrong passwords"
        else:
            message = f"too many wrong passwords for {what}"
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail={
                "message": f"{message}; try again in {self.retry_after_s} s",
                "reason": refused.reason,
                "scope": refused.scope,
                "retry_after_s": self.retry_after_s,
                "until": refused.until.isoformat(),
            },
            headers={"Retry-After": str(self.retry_after_s)},
        )


def check_password(
    stores: Stores,
    settings: Settings,
    connection: HTTPConnection,
    username: str,
    password: str,
    channel: Channel,
) -> User | None:
    """The user if ``password`` is theirs, None if not; ``LoginThrottled`` while refused."""
    rules = ThrottleRules.of(settings)
    address = client_address(connection, settings)
    now = datetime.now(UTC)
    refused: Refusal | None
    with session_scope(stores.sessions) as session:
        account = hold_account(session, account_key(username))
        refused = refusal(account, session.get(LoginThrottle, (ADDRESS, address)), now)
        if refused is None:
            user = get_user(session, username)
            if password_matches(user, password):
                clear_account(session, account)
                return user
            _record_failure(session, settings, rules, account, user, address, channel, now)
    if refused is not None:
        raise LoginThrottled(refused, now)
    return None


def _record_failure(
    session: Session,
    settings: Settings,
    rules: ThrottleRules,
    account: LoginThrottle,
    user: User | None,
    address: str,
    channel: Channel,
    now: datetime,
) -> None:
    failure = record_failure(session, account, address, rules, now)
    user_id = user.id if user is not None else None
    payload: dict[str, Any] = {
        "channel": channel,
        "address": address,
        "failures": failure.failures,
        "address_failures": failure.address_failures,
    }
    session.add(new_event(settings, EventType.LOGIN_FAILED, user_id, payload))
    if failure.locked_until is not None:
        locked = {**payload, "locked_until": failure.locked_until.isoformat()}
        session.add(new_event(settings, EventType.LOCKOUT, user_id, locked))
        log.warning(
            "login lockout: an account (%s) is locked until %s after %d wrong passwords, "
            "the last from %s",
            "existing user" if user is not None else "no such user",
            failure.locked_until.isoformat(),
            failure.failures,
            address,
        )
