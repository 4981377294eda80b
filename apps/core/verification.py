"""Verification codes of the documents the portal issues (SUP-5: decision letters, inspection reports) and the
limit on how many unknown codes one client may try, shared by every public verification page."""

from __future__ import annotations

import secrets

from django.core.cache import cache

from . import errors

# No 0/O, 1/I/L, so a code read aloud or typed from paper is unambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


class VerificationThrottled(errors.ValidationFailed):
    """Too many unknown codes (or files) from one address: a form error on pages, 429 in the API."""

    status_code = 429
    code = "throttled"


def new_code() -> str:
    """16 characters of the unambiguous alphabet from the OS's secure random source (about 79 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _index in range(CODE_LENGTH))


def normalise_code(code: str | None) -> str:
    """What a person typed, as stored: upper case, without spaces or the hyphens of the printed grouping."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t\r\n")[:40]


def format_code(code: str) -> str:
    """The code as printed: four groups of four."""
    return "-".join(code[index:index + 4] for index in range(0, len(code), 4))


def is_well_formed(normalised: str) -> bool:
    return len(normalised) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in normalised)


class MissCounter:
    """Unknown codes tried per client address in the last hour, in the cache, one namespace per page."""

    def __init__(self, namespace: str, per_hour: int):
        self.namespace = namespace
        self.per_hour = per_hour

    def _key(self, client_key: str) -> str:
        return f"{self.namespace}:verify:misses:{client_key}"

    def throttled(self, client_key: str | None) -> bool:
        return bool(client_key) and cache.get(self._key(client_key), 0) >= self.per_hour

    def count(self, client_key: str | None) -> None:
        if not client_key:
            return
        key = self._key(client_key)
        if cache.add(key, 1, 3600):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, 3600)
