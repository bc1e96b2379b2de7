"""Pseudonymous user keys: stable per user and secret, unlinkable without the secret."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from luna.config import Settings
from luna.core.pseudonym import pseudonym_secret, user_key


def test_user_key_is_a_stable_keyed_hash():
    key = user_key(7, "secret-a")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert user_key(7, "secret-a") == key
    assert user_key(8, "secret-a") != key
    assert user_key(7, "secret-b") != key  # without the secret, ids cannot be hashed to keys


def test_the_secret_is_configured_or_derived_from_but_not_equal_to_the_token_secret(
    tmp_path: Path,
):
    derived = Settings(home=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert pseudonym_secret(derived) == pseudonym_secret(derived)
    assert pseudonym_secret(derived) != derived.token_secret()
    configured = derived.model_copy(update={"pseudonym_secret": SecretStr("s3cret")})
    assert pseudonym_secret(configured) == "s3cret"
