"""Pseudonymous user keys: a keyed hash that links one user's events without naming them.

``user_key`` is HMAC-SHA256 over the user id, so the same user always gets the same key (usage
can be counted per user, votes capped per user), while nobody without the key can map it back
to an id by hashing candidate ids. The key is ``LUNA_PSEUDONYM_SECRET``, or derived from the
token secret so an installation works without configuring one more secret.
"""

from __future__ import annotations

import hashlib
import hmac

from luna.config import Settings

_DERIVATION_LABEL = b"luna-pseudonym-v1"


def user_key(user_id: int, secret: str) -> str:
    """The user's pseudonymous key: 64 lower-case hex characters."""
    return hmac.new(secret.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()


def pseudonym_secret(settings: Settings) -> str:
    """The configured pseudonym key, else one derived from (and distinct from) the token secret."""
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value()
    derived = hmac.new(settings.token_secret().encode(), _DERIVATION_LABEL, hashlib.sha256)
    return derived.hexdigest()


def settings_user_key(settings: Settings, user_id: int) -> str:
    """``user_key`` under the installation's pseudonym secret."""
    return user_key(user_id, pseudonym_secret(settings))
