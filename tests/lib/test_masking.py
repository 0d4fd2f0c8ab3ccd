"""Tests for yangguang.lib.masking, the single platform-wide masking policy."""

import random
import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yangguang.lib import idnumber, masking

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def shown(masked: str) -> list[str]:
    """Characters a mask leaves visible."""
    return [ch for ch in masked if ch != "*"]


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("", ""),
        ("  ", ""),
        ("张", "*"),
        ("张三", "张*"),
        ("张三丰", "张*丰"),
        ("欧阳娜娜", "欧**娜"),
        (" 司马相如 ", "司**如"),
        ("阿卜杜拉·买买提", "阿******提"),
        ("John Smith", "J*** S****"),
        ("Mary  Jane Watson", "M*** J*** W*****"),
        ("José O'Neil", "J*** O*****"),
        ("Madonna", "M******"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert masking.mask_name(name) == masked


@given(st.text(CJK, min_size=1, max_size=12))
def test_masked_chinese_name_keeps_its_length_and_shows_at_most_two_characters(name: str) -> None:
    masked = masking.mask_name(name)
    assert len(masked) == len(name)
    assert len(shown(masked)) <= 2
    assert masked[0] in (name[0], "*")


@given(st.text(min_size=1, max_size=20))
def test_any_name_mask_shows_at_most_one_character_per_word_or_two_in_total(name: str) -> None:
    masked = masking.mask_name(name)
    visible = shown(masked.replace(" ", ""))
    assert len(visible) <= max(2, len(name.split()))


# --- ID numbers -------------------------------------------------------------------------------


def test_mask_id_number_standard_example() -> None:
    assert masking.mask_id_number("11010519491231002X") == "110***********002X"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("", ""),
        ("110105491231002", "1*************2"),
        ("12345", "*****"),
        ("1234567", "1*****7"),
    ],
)
def test_mask_id_number_is_conservative_for_other_lengths(value: str, masked: str) -> None:
    assert masking.mask_id_number(value) == masked


@given(st.integers(0, 2**32), st.dates(min_value=date(1890, 1, 1), max_value=date(2025, 1, 1)))
def test_masked_id_number_hides_county_and_birth_date(seed: int, birth: date) -> None:
    rng = random.Random(seed)
    number = idnumber.make_fake(rng, "430102", birth, rng.choice("MF"))
    masked = masking.mask_id_number(number)
    assert len(masked) == len(number)
    # Digits 4-14 (county code and birth date) are all hidden; nothing else is.
    assert masked[3:14] == "*" * 11
    assert masked[:3] == number[:3]
    assert masked[14:] == number[14:]


@given(st.text(max_size=30))
def test_id_number_mask_keeps_length_and_shows_at_most_seven_characters(value: str) -> None:
    masked = masking.mask_id_number(value)
    assert len(masked) == len(value.strip())
    assert len(shown(masked)) <= 7


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("", ""),
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138-****-5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("008613812345678", "0086138****5678"),
        ("0731-84561234", "0731-******34"),
        ("073184561234", "0731******34"),
        ("(0731) 8456 1234", "(0731) **** **34"),
        ("010-12345678", "010-******78"),
        ("02087654321", "020******21"),
        ("84561234", "******34"),
        ("1234", "****"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert masking.mask_phone(phone) == masked


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_masked_mobile_number_shows_only_prefix_and_last_four(rest: str) -> None:
    phone = "13" + rest + "9"
    masked = masking.mask_phone(phone)
    assert len(masked) == 11
    assert masked == phone[:3] + "****" + phone[7:]


@given(st.text(alphabet=string.digits + "-+() ", max_size=20))
def test_phone_mask_only_replaces_digits_and_hides_all_but_a_few(phone: str) -> None:
    value = phone.strip()
    masked = masking.mask_phone(phone)
    assert len(masked) == len(value)
    for original, out in zip(value, masked, strict=True):
        assert out == original or (out == "*" and original.isdigit())
    digits = [ch for ch in value if ch.isdigit()]
    visible_digits = [ch for ch in masked if ch.isdigit()]
    # A mobile number with a country code shows the most: 0086 + 3 + 4.
    assert len(visible_digits) <= 11
    if len(digits) >= 5:
        assert len(digits) - len(visible_digits) >= 4 or len(digits) <= 6


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("", ""),
        ("芙蓉区人民路88号阳光小区3栋2单元501", "芙蓉区人民路88号阳光小区3栋****"),
        ("阳光小区12号楼3单元402室", "阳光小区12号楼****"),
        ("青竹湖镇5幢101", "青竹湖镇5幢****"),
        ("阳光小区3栋", "阳光小区3栋****"),
        ("2栋旁边的9栋1单元", "2栋旁边的9栋****"),
        ("湖南省长沙市芙蓉区人民路88号", "湖南省长沙市****"),
        ("长沙市", "长沙市****"),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert masking.mask_address(address) == masked


@given(st.text(alphabet="阳光小区栋幢号楼单元室0123456789", min_size=1, max_size=30))
def test_masked_address_is_a_prefix_without_anything_after_the_last_building(text: str) -> None:
    masked = masking.mask_address(text)
    assert masked.endswith("****")
    kept = masked[:-4]
    assert text.startswith(kept)
    rest = text[len(kept) :]
    assert not any(marker in rest for marker in ("栋", "幢", "号楼"))


# --- bank accounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "masked"),
    [
        ("", ""),
        ("6222021234567890123", "****0123"),
        ("6222 0212 3456 7890 123", "****0123"),
        ("1234", "****"),
    ],
)
def test_mask_bank_account(account: str, masked: str) -> None:
    assert masking.mask_bank_account(account) == masked


@given(st.text(alphabet="0123456789", min_size=5, max_size=30))
def test_bank_account_mask_shows_last_four_and_hides_the_length(account: str) -> None:
    assert masking.mask_bank_account(account) == "****" + account[-4:]


# --- registry ---------------------------------------------------------------------------------


def test_maskers_cover_every_kind_and_mask_dispatches() -> None:
    assert set(masking.MASKERS) == {"name", "id_number", "phone", "address", "bank_account"}
    assert masking.mask("name", "张三丰") == "张*丰"
    assert masking.mask("phone", "13812345678") == "138****5678"
    assert masking.mask("id_number", "11010519491231002X") == "110***********002X"


@pytest.mark.parametrize("kind", sorted(masking.MASKERS))
def test_every_kind_masks_empty_to_empty(kind: str) -> None:
    assert masking.mask(kind, "") == ""


def test_unknown_kind_is_refused_rather_than_shown_unmasked() -> None:
    with pytest.raises(ValueError, match="email"):
        masking.mask("email", "someone@example.com")
