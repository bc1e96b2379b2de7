"""Login throttling state in PostgreSQL: backoff per account and per client address, lockout.

Every API replica reads and writes the same ``login_throttles`` rows, so spreading guesses over
replicas gains nothing. The account's row is held (``SELECT … FOR UPDATE``) from the check to
the recorded outcome, so parallel guesses at one account are checked one after another and
cannot slip past the backoff together; the address row is only counted up (one upsert).

After ``free_failures`` consecutive wrong passwords each further one blocks the account for
``base · 2^k`` seconds (capped); ``lockout_failures`` of them lock it for ``lockout`` or until an
admin unlocks it. An address gets the same backoff after ``address_free_failures`` (any
accounts), never a lock: many users may share one address. A streak is forgotten a day after
its last failure; a right password clears the account's streak, not the address's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256

from sqlalchemy import and_, case, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from luna.config import Settings
from luna.store.sql.models import LoginThrottle, User, column_length
from luna.store.sql.users import normalise_username

ACCOUNT = "account"
ADDRESS = "address"
FORGET_AFTER = timedelta(hours=24)
_KEY_LENGTH = column_length(LoginThrottle.key)
_MAX_DOUBLINGS = 40  # 2**40 s is far beyond any cap; keeps the float finite


@dataclass(frozen=True, slots=True)
class ThrottleRules:
    """The policy, from the ``LUNA_LOGIN_*`` settings."""

    free_failures: int
    address_free_failures: int
    backoff_base_s: float
    backoff_max_s: float
    lockout_failures: int
    lockout: timedelta

    @classmethod
    def of(cls, settings: Settings) -> ThrottleRules:
        return cls(
            free_failures=settings.login_free_failures,
            address_free_failures=settings.login_address_free_failures,
            backoff_base_s=settings.login_backoff_base_s,
            backoff_max_s=settings.login_backoff_max_s,
            lockout_failures=settings.login_lockout_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )

    def backoff(self, failures: int, free: int) -> timedelta:
        """How long to wait after the ``failures``-th consecutive failure."""
        over = failures - free
        if over <= 0:
            return timedelta(0)
        seconds = self.backoff_base_s * 2.0 ** min(over - 1, _MAX_DOUBLINGS)
        return timedelta(seconds=min(seconds, self.backoff_max_s))


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why no password is checked now, and until when."""

    scope: str  # ACCOUNT or ADDRESS
    reason: str  # "locked" or "backoff"
    until: datetime

    def retry_after_s(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class Failure:
    """A recorded wrong password: the account's streak and whether it locked the account."""

    failures: int
    address_failures: int
    locked_until: datetime | None


def account_key(username: str) -> str:
    """The account's key: its normalised name; one too long to be a user name (any may be
    tried) as a digest that no real name can equal."""
    name = normalise_username(username)
    if len(name) <= _KEY_LENGTH:
        return name
    return "#" + sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[: _KEY_LENGTH - 1]


def hold_account(session: Session, key: str) -> LoginThrottle:
    """The account's row, created if new and locked until the transaction ends."""
    session.execute(insert(LoginThrottle).values(scope=ACCOUNT, key=key).on_conflict_do_nothing())
    query = (
        select(LoginThrottle)
        .where(LoginThrottle.scope == ACCOUNT, LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


def refusal(account: LoginThrottle, address: LoginThrottle | None, now: datetime) -> Refusal | None:
    """The lock or backoff in force for this attempt (the longest), or None."""
    if account.locked_until is not None and account.locked_until > now:
        return Refusal(ACCOUNT, "locked", account.locked_until)
    waits = [
        Refusal(scope, "backoff", row.blocked_until)
        for scope, row in ((ACCOUNT, account), (ADDRESS, address))
        if row is not None and row.blocked_until is not None and row.blocked_until > now
    ]
    return max(waits, key=lambda wait: wait.until, default=None)


def record_failure(
    session: Session, account: LoginThrottle, address_key: str, rules: ThrottleRules, now: datetime
) -> Failure:
    """Count a wrong password against the held account row and the address."""
    if account.last_failure_at is not None and now - account.last_failure_at > FORGET_AFTER:
        account.failures = 0
    account.failures += 1
    account.last_failure_at = now
    account.blocked_until = now + rules.backoff(account.failures, rules.free_failures)
    locked_until = None
    if account.failures >= rules.lockout_failures:
        locked_until = account.locked_until = now + rules.lockout
    address_failures = _count_address_failure(session, address_key, rules, now)
    session.flush()
    _forget_stale(session, now)
    return Failure(account.failures, address_failures, locked_until)


def _count_address_failure(session: Session, key: str, rules: ThrottleRules, now: datetime) -> int:
    table = LoginThrottle.__table__
    fresh = table.c.last_failure_at >= now - FORGET_AFTER
    upsert = (
        insert(LoginThrottle)
        .values(scope=ADDRESS, key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.scope, table.c.key],
            set_={
                "failures": case((fresh, table.c.failures + 1), else_=1),
                "last_failure_at": now,
            },
        )
        .returning(table.c.failures)
    )
    failures = int(session.execute(upsert).scalar_one())
    wait = rules.backoff(failures, rules.address_free_failures)
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.scope == ADDRESS, LoginThrottle.key == key)
        .values(blocked_until=now + wait)
    )
    return failures


def _forget_stale(session: Session, now: datetime) -> None:
    """Delete streaks a day old whose waits are over, and rows without failures; rows another
    login holds are skipped (SKIP LOCKED), so two logins never wait for each other here."""
    stale = (
        select(LoginThrottle.scope, LoginThrottle.key)
        .where(
            # A row without failures is left by an attempt refused for its address.
            or_(
                LoginThrottle.last_failure_at < now - FORGET_AFTER,
                LoginThrottle.last_failure_at.is_(None),
            ),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
        .limit(1000)
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(LoginThrottle).where(tuple_(LoginThrottle.scope, LoginThrottle.key).in_(stale))
    )


def clear_account(session: Session, account: LoginThrottle) -> None:
    """A right password: the account's streak is over."""
    session.delete(account)


def unlock_account(session: Session, username: str) -> bool:
    """Lift the account's lock and backoff (admin); False if it had none."""
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.scope == ACCOUNT,
            LoginThrottle.key == account_key(username),
            LoginThrottle.failures > 0,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def throttled_accounts(session: Session, now: datetime) -> list[tuple[User, LoginThrottle]]:
    """Existing users with a failure streak or a lock, most recent failure first. Names tried
    that belong to no user are not listed: they may be passwords typed into the wrong field."""
    query = (
        select(User, LoginThrottle)
        .join(
            LoginThrottle,
            and_(LoginThrottle.scope == ACCOUNT, LoginThrottle.key == User.username),
        )
        .where(
            LoginThrottle.failures > 0,
            or_(
                LoginThrottle.last_failure_at >= now - FORGET_AFTER,
                LoginThrottle.locked_until > now,
            ),
        )
        .order_by(LoginThrottle.last_failure_at.desc())
    )
    return [(user, row) for user, row in session.execute(query)]
