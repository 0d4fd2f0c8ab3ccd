"""Encryption at rest and blind indexes for personal values, using the keys from settings."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from yangguang.lib.crypto import Keyring
from yangguang.lib.masking import mask


@cache
def keyring() -> Keyring:
    return Keyring.from_config(
        settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_ENCRYPTION_CURRENT, settings.BLIND_INDEX_KEY
    )


def _context(model_label: str, field: str) -> str:
    return f"{model_label}.{field}"


def blind_index(model_label: str, field: str, raw: str) -> str:
    """The blind index of a (normalised) value; equal values give equal indexes within one field."""
    if not raw:
        return ""
    return keyring().blind_index(raw, context=_context(model_label, field))


def seal(model_label: str, field: str, kind: str, raw: str) -> tuple[str, str, str]:
    """(ciphertext, blind index, mask) of a normalised plaintext; all empty for an empty value."""
    if not raw:
        return "", "", ""
    context = _context(model_label, field)
    ring = keyring()
    return ring.encrypt(raw, context=context), ring.blind_index(raw, context=context), mask(kind, raw)


def unseal(model_label: str, field: str, token: str) -> str:
    if not token:
        return ""
    return keyring().decrypt(token, context=_context(model_label, field))
