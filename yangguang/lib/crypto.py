"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

Sensitive columns (ID numbers, bank accounts, illnesses) are stored as tokens from
:meth:`Keyring.encrypt`; a column that must be searched for exact matches (ID number lookups,
cross-checks) gets a companion :meth:`Keyring.blind_index` column.  All primitives come from the
``cryptography`` package; this module only decides formats and key handling.

Token format: ``v1:<key id>:<urlsafe base64 of nonce + ciphertext + tag>``.  The key id lets old
tokens be read after the current key changes, so keys rotate without a flag day: add the new key,
make it current, re-encrypt at leisure, then drop the old key.

The blind index key is separate from the encryption keys and cannot be rotated the same way:
changing it invalidates every stored index, which must then be recomputed from the plaintext.
"""

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CryptoError", "Keyring", "decode_key", "generate_key", "token_key_id"]

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
INDEX_HEX_CHARS: Final = 32
FORMAT_VERSION: Final = "v1"


class CryptoError(Exception):
    """A token could not be decrypted: tampered, truncated, wrong context or unknown key."""


def generate_key() -> str:
    """Return a new random 32-byte key as urlsafe base64, for settings and ``.env`` files."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def decode_key(name: str, encoded: str) -> bytes:
    """Decode a urlsafe-base64 key from configuration, failing loudly on anything but 32 bytes."""
    text = encoded.strip()
    # Accept keys whose "=" padding was lost in an env file; validate=True rejects stray
    # characters instead of silently skipping them (which would yield a different key).
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"key {name!r} is not valid urlsafe base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"key {name!r} must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def token_key_id(token: str) -> str | None:
    """The id of the key a token from :meth:`Keyring.encrypt` names, or ``None`` if it is not a v1 token.

    Reads the token's header only: it says which key the token claims, not that the token is authentic.
    """
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION or not parts[1]:
        return None
    return parts[1]


def _check_context(context: str) -> bytes:
    """Encode a context label; reject labels that would make the index input ambiguous."""
    if not context or "\x00" in context:
        raise ValueError("context must be a non-empty string without NUL characters")
    return context.encode("utf-8")


class Keyring:
    """Encryption keys by id (one of them current) plus the blind index key.

    Build it once at startup (:meth:`from_config`) and share it: the AES-GCM objects are created
    here and reused, which keeps bulk encryption fast.
    """

    __slots__ = ("_aead", "_current", "_index_key")

    def __init__(self, enc_keys: Mapping[str, bytes], current: str, index_key: bytes) -> None:
        """Check and store raw 32-byte keys; raise ``ValueError`` on any misconfiguration."""
        if current not in enc_keys:
            raise ValueError(f"current key id {current!r} is not among the encryption keys")
        for key_id, key in enc_keys.items():
            # The id is embedded in tokens between colons, so it must not contain one.
            if not key_id or not key_id.isascii() or ":" in key_id or not key_id.isprintable():
                raise ValueError(f"key id {key_id!r} must be printable ASCII without ':'")
            if len(key) != KEY_BYTES:
                raise ValueError(f"encryption key {key_id!r} must be {KEY_BYTES} bytes")
            if key == index_key:
                # One key for two purposes would weaken both; refuse the easy copy-paste mistake.
                raise ValueError(f"encryption key {key_id!r} must differ from the index key")
        if len(index_key) != KEY_BYTES:
            raise ValueError(f"index key must be {KEY_BYTES} bytes")
        self._aead: dict[str, AESGCM] = {k: AESGCM(v) for k, v in enc_keys.items()}
        self._current = current
        self._index_key = bytes(index_key)

    @classmethod
    def from_config(cls, enc_keys: Mapping[str, str], current: str, index_key: str) -> "Keyring":
        """Build a keyring from urlsafe-base64 strings as found in settings."""
        raw = {key_id: decode_key(key_id, value) for key_id, value in enc_keys.items()}
        return cls(raw, current, decode_key("index", index_key))

    @property
    def current_key_id(self) -> str:
        """Id of the key new tokens are encrypted with."""
        return self._current

    def __repr__(self) -> str:
        # Never print key material, not even in tracebacks or debug pages.
        return f"<Keyring keys={sorted(self._aead)} current={self._current!r}>"

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` under the current key and return an ASCII token.

        ``context`` (e.g. "person.id_number") is authenticated as associated data, so a token
        copied into another field fails to decrypt there.  The nonce is random: safe for far
        more than 10^8 values per key (the limit is about 2^32), so rotate keys long before.
        """
        aad = _check_context(context)
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._current].encrypt(nonce, plaintext.encode("utf-8"), aad)
        payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{FORMAT_VERSION}:{self._current}:{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a token from :meth:`encrypt` using the key named in it.

        Raises :class:`CryptoError` if the token is malformed, names an unknown key, was
        modified, or was encrypted for a different ``context``.
        """
        aad = _check_context(context)
        parts = token.split(":")
        if len(parts) != 3 or parts[0] != FORMAT_VERSION:
            raise CryptoError("not a v1 encrypted token")
        _, key_id, payload = parts
        aead = self._aead.get(key_id)
        if aead is None:
            raise CryptoError(f"unknown key id {key_id!r}")
        try:
            blob = base64.b64decode(payload.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise CryptoError("token payload is not valid base64") from None
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise CryptoError("token is truncated")
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise CryptoError("token was modified or belongs to another context") from None
        # Authentic tokens always hold UTF-8 (encrypt wrote it), so this cannot fail in practice.
        return plain.decode("utf-8")

    def blind_index(self, value: str, *, context: str) -> str:
        """Deterministic keyed index of ``value`` for exact-match search without decrypting.

        HMAC-SHA256 over ``context + "\\x00" + value``, truncated to 128 bits (32 hex chars):
        far beyond any chance collision among 10^8 rows, and half the storage.  The context
        makes the same value index differently in different fields, so columns cannot be
        joined on their indexes.  Pass values in canonical form (e.g. ``idnumber.normalize``),
        since "x" and "X" index differently.
        """
        mac = hmac.HMAC(self._index_key, hashes.SHA256())
        mac.update(_check_context(context) + b"\x00" + value.encode("utf-8"))
        return mac.finalize().hex()[:INDEX_HEX_CHARS]
