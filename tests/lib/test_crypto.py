"""Tests for yangguang.lib.crypto (field encryption and blind indexes)."""

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yangguang.lib.crypto import CryptoError, Keyring, generate_key

CONTEXT = "person.id_number"

# Fixed keys so failures are reproducible; generate_key is tested separately.
KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
INDEX_KEY = base64.urlsafe_b64encode(bytes(range(64, 96))).decode()

KEYRING = Keyring.from_config({"a": KEY_A}, "a", INDEX_KEY)

contexts = st.sampled_from(["person.id_number", "person.bank_account", "household.note"])


def payload(token: str) -> bytes:
    """The raw nonce + ciphertext + tag inside a token."""
    return base64.urlsafe_b64decode(token.split(":")[2])


def with_payload(token: str, blob: bytes) -> str:
    """``token`` with its payload replaced by ``blob``."""
    version, key_id, _ = token.split(":")
    return f"{version}:{key_id}:{base64.urlsafe_b64encode(blob).decode()}"


# --- encryption -------------------------------------------------------------------------------


@given(st.text(max_size=200), contexts)
def test_encrypt_decrypt_round_trip(plaintext: str, context: str) -> None:
    token = KEYRING.encrypt(plaintext, context=context)
    assert token.isascii()
    assert token.startswith("v1:a:")
    assert KEYRING.decrypt(token, context=context) == plaintext


def test_same_plaintext_encrypts_differently_each_time() -> None:
    tokens = {KEYRING.encrypt("11010519491231002X", context=CONTEXT) for _ in range(20)}
    assert len(tokens) == 20


@given(st.text(min_size=1, max_size=40), st.data())
def test_any_flipped_bit_is_detected(plaintext: str, data: st.DataObject) -> None:
    token = KEYRING.encrypt(plaintext, context=CONTEXT)
    blob = bytearray(payload(token))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(CryptoError):
        KEYRING.decrypt(with_payload(token, bytes(blob)), context=CONTEXT)


@given(st.text(max_size=40), st.integers(1, 27))
def test_truncated_token_is_rejected(plaintext: str, cut: int) -> None:
    token = KEYRING.encrypt(plaintext, context=CONTEXT)
    with pytest.raises(CryptoError):
        KEYRING.decrypt(with_payload(token, payload(token)[:-cut]), context=CONTEXT)


def test_token_moved_to_another_field_does_not_decrypt() -> None:
    token = KEYRING.encrypt("11010519491231002X", context="person.id_number")
    with pytest.raises(CryptoError):
        KEYRING.decrypt(token, context="person.bank_account")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v2:a:AAAA",
        "v1:a",
        "v1:a:b:c",
        "v1:missing:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1:a:not base64!",
        "v1:a:密文",
        "v1:a:AAAA",
    ],
)
def test_malformed_tokens_raise_crypto_error(token: str) -> None:
    with pytest.raises(CryptoError):
        KEYRING.decrypt(token, context=CONTEXT)


def test_relabelled_key_id_does_not_decrypt() -> None:
    both = Keyring.from_config({"a": KEY_A, "b": KEY_B}, "a", INDEX_KEY)
    token = both.encrypt("secret", context=CONTEXT)
    with pytest.raises(CryptoError):
        both.decrypt(token.replace("v1:a:", "v1:b:"), context=CONTEXT)


def test_key_rotation_keeps_old_tokens_readable() -> None:
    old_token = KEYRING.encrypt("11010519491231002X", context=CONTEXT)
    rotated = Keyring.from_config({"a": KEY_A, "b": KEY_B}, "b", INDEX_KEY)
    assert rotated.current_key_id == "b"
    assert rotated.decrypt(old_token, context=CONTEXT) == "11010519491231002X"
    new_token = rotated.encrypt("11010519491231002X", context=CONTEXT)
    assert new_token.startswith("v1:b:")
    # Once the old key is dropped, its tokens can no longer be read.
    only_b = Keyring.from_config({"b": KEY_B}, "b", INDEX_KEY)
    assert only_b.decrypt(new_token, context=CONTEXT) == "11010519491231002X"
    with pytest.raises(CryptoError, match="unknown key"):
        only_b.decrypt(old_token, context=CONTEXT)


@pytest.mark.parametrize("context", ["", "a\x00b"])
def test_context_must_be_non_empty_without_nul(context: str) -> None:
    with pytest.raises(ValueError):
        KEYRING.encrypt("x", context=context)
    with pytest.raises(ValueError):
        KEYRING.blind_index("x", context=context)


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_matches_an_independent_hmac_computation() -> None:
    expected = hmac.new(
        base64.urlsafe_b64decode(INDEX_KEY), b"person.id_number\x0011010519491231002X", hashlib.sha256
    ).hexdigest()[:32]
    assert KEYRING.blind_index("11010519491231002X", context=CONTEXT) == expected


@given(st.text(max_size=50), contexts)
def test_blind_index_is_deterministic_and_128_bits(value: str, context: str) -> None:
    index = KEYRING.blind_index(value, context=context)
    assert len(index) == 32
    assert int(index, 16) >= 0
    assert index == KEYRING.blind_index(value, context=context)


def test_blind_index_depends_on_value_context_and_key() -> None:
    base = KEYRING.blind_index("11010519491231002X", context=CONTEXT)
    assert base != KEYRING.blind_index("110105194912310029", context=CONTEXT)
    assert base != KEYRING.blind_index("11010519491231002X", context="relative.id_number")
    other_key = Keyring.from_config({"a": KEY_A}, "a", KEY_B)
    assert base != other_key.blind_index("11010519491231002X", context=CONTEXT)
    # The encryption key does not take part, so rotating it keeps indexes stable.
    rotated = Keyring.from_config({"a": KEY_A, "b": KEY_B}, "b", INDEX_KEY)
    assert base == rotated.blind_index("11010519491231002X", context=CONTEXT)


def test_context_separator_prevents_ambiguous_index_inputs() -> None:
    assert KEYRING.blind_index("b.c", context="a") != KEYRING.blind_index("c", context="a.b")


# --- configuration ----------------------------------------------------------------------------


def test_generate_key_gives_distinct_32_byte_urlsafe_keys() -> None:
    keys = {generate_key() for _ in range(10)}
    assert len(keys) == 10
    for key in keys:
        assert len(base64.urlsafe_b64decode(key)) == 32
        assert "+" not in key and "/" not in key


def test_keys_without_padding_are_accepted() -> None:
    keyring = Keyring.from_config({"a": KEY_A.rstrip("=")}, "a", INDEX_KEY.rstrip("="))
    assert keyring.blind_index("x", context=CONTEXT) == KEYRING.blind_index("x", context=CONTEXT)


@pytest.mark.parametrize(
    ("enc_keys", "current", "index_key"),
    [
        ({"a": KEY_A}, "b", INDEX_KEY),
        ({"a": KEY_A[:-8]}, "a", INDEX_KEY),
        ({"a": KEY_A + "AAAA"}, "a", INDEX_KEY),
        ({"a": "not*base64*at*all"}, "a", INDEX_KEY),
        ({"a": KEY_A}, "a", INDEX_KEY[:-8]),
        ({"a:1": KEY_A}, "a:1", INDEX_KEY),
        ({"": KEY_A}, "", INDEX_KEY),
        ({"a": KEY_A}, "a", KEY_A),
    ],
)
def test_misconfiguration_fails_loudly(enc_keys: dict[str, str], current: str, index_key: str) -> None:
    with pytest.raises(ValueError):
        Keyring.from_config(enc_keys, current, index_key)


def test_repr_does_not_leak_keys() -> None:
    text = repr(KEYRING)
    assert KEY_A not in text and INDEX_KEY not in text
    assert "'a'" in text
