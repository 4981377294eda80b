"""Encryption at rest for secrets that must be recoverable (TOTP keys, identity numbers).

Keys come from FIELD_ENCRYPTION_KEYS (Fernet keys; the first encrypts, all decrypt, so keys can be
rotated). Outside production, when none is configured, one key is derived from SECRET_KEY so that a
fresh clone works; production settings require the variable."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was removed before its data was re-encrypted
        raise ValueError("encrypted value cannot be read with the configured keys") from exc


def digest(value: str, *, purpose: str) -> str:
    """Keyed hash for equality look-ups (duplicate detection) without storing the value."""
    secret = getattr(settings, "DIGEST_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"digest:{purpose}:".encode() + secret.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
