"""Encryption at rest: Fernet keys derived from SECRET_KEY with HKDF, per purpose."""

from __future__ import annotations

import pytest
from django.test import override_settings

from calsync.outlook.connection import crypto


@override_settings(SECRET_KEY="k1" * 30)
def test_round_trip_and_ciphertext_hides_the_plaintext():
    token = crypto.encrypt("my-client-secret", crypto.CLIENT_SECRET)
    assert "my-client-secret" not in token
    assert token.isascii()
    assert crypto.decrypt(token, crypto.CLIENT_SECRET) == "my-client-secret"


@override_settings(SECRET_KEY="k1" * 30)
def test_same_plaintext_encrypts_differently_each_time():
    assert crypto.encrypt("x", crypto.CLIENT_SECRET) != crypto.encrypt("x", crypto.CLIENT_SECRET)


@override_settings(SECRET_KEY="k1" * 30)
def test_a_purpose_cannot_open_another_purposes_value():
    token = crypto.encrypt("secret", crypto.CLIENT_SECRET)
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token, crypto.TOKEN_CACHE)


def test_another_secret_key_cannot_decrypt_but_a_fallback_can():
    with override_settings(SECRET_KEY="old" * 20):
        token = crypto.encrypt("secret", crypto.TOKEN_CACHE)
    with override_settings(SECRET_KEY="new" * 20), pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token, crypto.TOKEN_CACHE)
    with override_settings(SECRET_KEY="new" * 20, SECRET_KEY_FALLBACKS=["old" * 20]):
        assert crypto.decrypt(token, crypto.TOKEN_CACHE) == "secret"


@override_settings(SECRET_KEY="k1" * 30)
def test_tampered_value_is_unreadable():
    token = crypto.encrypt("secret", crypto.CLIENT_SECRET)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(tampered, crypto.CLIENT_SECRET)
