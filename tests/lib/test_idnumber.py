"""Tests for yangguang.lib.idnumber (GB 11643-1999 resident identity numbers)."""

import pickle
import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yangguang.lib import idnumber
from yangguang.lib.idnumber import ErrorCode, IdNumberError

# The standard's own worked example (and its 15-digit predecessor).
STANDARD_EXAMPLE = "11010519491231002X"
STANDARD_EXAMPLE_15 = "110105491231002"

# Check characters worked out with a separate, naive implementation (int(digit) * 2^(17-i) % 11)
# when these tests were written, so they do not merely restate the module's own arithmetic.
KNOWN_GOOD = [
    STANDARD_EXAMPLE,
    "430102198005171234",
    "440304199508235412",
    "510107200103040029",
    "650102197611300872",
    "110108196307052710",
    "310115198812120462",
    "230103197001010139",
    "820000199912310014",
    "710000200002290026",
]

# Written out independently of the module so the tests are an oracle, not a copy.
PROVINCES = [
    *map(str, range(11, 16)),
    *map(str, range(21, 24)),
    *map(str, range(31, 38)),
    *map(str, range(41, 47)),
    *map(str, range(50, 55)),
    *map(str, range(61, 66)),
    "71",
    "81",
    "82",
    "83",
    "91",
]

TODAY = date(2025, 6, 1)

regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(PROVINCES),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
births = st.dates(min_value=date(1890, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["M", "F"])
valid_numbers = st.builds(
    lambda seed, region, birth, sex: idnumber.make_fake(random.Random(seed), region, birth, sex),
    st.integers(0, 2**32),
    regions,
    births,
    sexes,
)


def error_code(raw: str) -> str:
    """The IdNumberError code normalize raises for ``raw`` (fails the test if it accepts it)."""
    with pytest.raises(IdNumberError) as info:
        idnumber.normalize(raw, today=TODAY)
    return info.value.code


# --- checksum ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_GOOD)
def test_known_good_numbers_have_the_expected_check_char(number: str) -> None:
    assert idnumber.checksum_char(number[:17]) == number[17]
    assert idnumber.normalize(number, today=TODAY) == number


def test_standard_example_check_char_is_x() -> None:
    assert idnumber.checksum_char("11010519491231002") == "X"


def test_standard_example_born_1880_has_a_valid_checksum_but_is_rejected_as_too_old() -> None:
    # 440524188001010014 is the other example in GB 11643; nobody born in 1880 is alive.
    assert idnumber.checksum_char("44052418800101001") == "4"
    assert error_code("440524188001010014") == "birth_date"


@pytest.mark.parametrize(("bad", "code"), [("1234", "length"), ("1101051949123100A", "chars")])
def test_checksum_char_rejects_bad_input(bad: str, code: str) -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.checksum_char(bad)
    assert info.value.code == code


@given(valid_numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_a_single_wrong_character_always_fails_the_checksum(
    number: str, position: int, replacement: str
) -> None:
    if position < 17 and replacement == "X":
        replacement = "0"
    if replacement == number[position]:
        replacement = "1" if number[position] != "1" else "2"
    typo = number[:position] + replacement + number[position + 1 :]
    assert not idnumber.is_valid(typo, today=TODAY)
    assert error_code(typo) == "checksum"


@given(valid_numbers, st.integers(0, 15))
def test_swapping_adjacent_digits_always_fails_the_checksum(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert error_code(swapped) == "checksum"


# --- normalize --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        " 11010519491231002x ",
        "110105 19491231 002X",
        "\u3000１１０１０５１９４９１２３１００２Ｘ\u3000",
        "１１０１０５１９４９１２３１００２ｘ",
        "\ufeff11010519491231002X\u200b",
        "\t110105\n19491231002X",
    ],
)
def test_normalize_cleans_up_typing_and_copy_paste_variants(raw: str) -> None:
    assert idnumber.normalize(raw, today=TODAY) == STANDARD_EXAMPLE


def test_normalize_upgrades_15_digit_numbers() -> None:
    assert idnumber.normalize(STANDARD_EXAMPLE_15, today=TODAY) == STANDARD_EXAMPLE
    assert idnumber.normalize(" １１０１０５４９１２３１００２ ", today=TODAY) == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "length"),
        ("   ", "length"),
        ("1101051949123100", "length"),
        ("11010519491231002", "length"),
        ("1101051949123100211", "length"),
        ("11010519491231002X1", "chars"),
        ("1101054912310021", "length"),
        ("11010519491231002Y", "chars"),
        ("1101051949123100X2", "chars"),
        ("11010549123100X", "chars"),
        ("11010519491231-02X", "chars"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "chars"),  # Arabic-Indic digits are not accepted
        ("11010519491231002X".replace("X", "0"), "checksum"),
    ],
)
def test_normalize_reports_why_a_number_is_rejected(raw: str, code: str) -> None:
    assert error_code(raw) == code


def with_check(first17: str) -> str:
    """A number with the correct check character, so later checks are reached."""
    return first17 + idnumber.checksum_char(first17)


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("00000019800101001", "region"),
        ("16010219800101001", "region"),
        ("99010219800101001", "region"),
        ("72010219800101001", "region"),
        ("43010219800230001", "birth_date"),
        ("43010219801301001", "birth_date"),
        ("43010219800100001", "birth_date"),
        ("43010219000229001", "birth_date"),
        ("43010218891231001", "birth_date"),
        ("43010200000101001", "birth_date"),
        ("43010220250602001", "birth_date"),
    ],
)
def test_normalize_checks_region_and_birth_date(first17: str, code: str) -> None:
    assert error_code(with_check(first17)) == code


def test_birth_on_the_given_today_and_on_the_earliest_date_are_accepted() -> None:
    assert idnumber.is_valid(with_check("43010220250601001"), today=TODAY)
    assert idnumber.is_valid(with_check("43010218900101001"), today=TODAY)
    assert idnumber.is_valid(with_check("43010220000229001"), today=TODAY)


def test_today_defaults_to_the_current_date() -> None:
    assert not idnumber.is_valid(with_check(f"430102{date.today().year + 1}0101001"))
    assert idnumber.is_valid(STANDARD_EXAMPLE)


def test_15_digit_number_with_a_bad_region_or_date_is_rejected() -> None:
    assert error_code("000000491231002") == "region"
    assert error_code("110105490230002") == "birth_date"


# --- upgrade15 --------------------------------------------------------------------------------


@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), st.integers(0, 999))
def test_15_digit_upgrade_round_trips(region: str, birth: date, seq: int) -> None:
    id15 = f"{region}{birth:%y%m%d}{seq:03d}"
    id18 = idnumber.upgrade15(id15)
    assert idnumber.normalize(id15, today=TODAY) == id18
    assert idnumber.normalize(id18, today=TODAY) == id18
    # Dropping the century and the check character gives the old number back.
    assert id18[:6] + id18[8:17] == id15
    assert idnumber.birth_date(id18) == birth
    assert idnumber.sex(id18) == ("M" if seq % 2 else "F")


@pytest.mark.parametrize(("bad", "code"), [("11010549123100", "length"), ("11010549123100X", "chars")])
def test_upgrade15_rejects_bad_shapes(bad: str, code: str) -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.upgrade15(bad)
    assert info.value.code == code


# --- accessors --------------------------------------------------------------------------------


def test_accessors_read_the_standard_example() -> None:
    assert idnumber.birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert idnumber.sex(STANDARD_EXAMPLE) == "F"  # sequence code 002 is even
    assert idnumber.region_code(STANDARD_EXAMPLE) == "110105"
    assert idnumber.sex("110108196307052710") == "M"  # sequence code 271 is odd


@pytest.mark.parametrize("bad", ["110105491231002", "11010519491231002x", "11010519491231X02X"])
def test_accessors_refuse_non_canonical_input(bad: str) -> None:
    for accessor in (idnumber.birth_date, idnumber.sex, idnumber.region_code):
        with pytest.raises(IdNumberError):
            accessor(bad)


def test_birth_date_accessor_rejects_an_impossible_date() -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.birth_date("430102198002300012")
    assert info.value.code == "birth_date"


# --- errors -----------------------------------------------------------------------------------


def test_error_message_is_chinese_and_code_is_kept() -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.normalize("11010519491231002")
    assert str(info.value) == "身份证号码长度应为18位（或15位旧号码）"
    assert isinstance(info.value, ValueError)
    codes: list[ErrorCode] = ["checksum", "birth_date", "region", "chars"]
    messages = {code: str(IdNumberError(code)) for code in codes}
    assert messages == {
        "checksum": "身份证号码校验位错误",
        "birth_date": "身份证号码中的出生日期无效",
        "region": "身份证号码的地区代码无效",
        "chars": "身份证号码含有非法字符",
    }


def test_error_survives_pickling_for_task_workers() -> None:
    # Round-trips bytes this test just produced, so unpickling is safe here.
    copy = pickle.loads(pickle.dumps(IdNumberError("checksum")))  # noqa: S301
    assert copy.code == "checksum"
    assert str(copy) == "身份证号码校验位错误"


# --- make_fake --------------------------------------------------------------------------------


@given(st.integers(0, 2**32), regions, births, sexes)
def test_every_fake_number_is_valid_and_encodes_its_inputs(
    seed: int, region: str, birth: date, sex: str
) -> None:
    number = idnumber.make_fake(random.Random(seed), region, birth, sex)
    assert idnumber.normalize(number, today=TODAY) == number
    assert idnumber.birth_date(number) == birth
    assert idnumber.sex(number) == sex
    assert idnumber.region_code(number) == region
    assert number[14:17] != "000"


def test_make_fake_is_repeatable_with_a_seeded_generator() -> None:
    def batch() -> list[str]:
        rng = random.Random(42)
        return [idnumber.make_fake(rng, "430102", date(1980, 5, 17), "F") for _ in range(20)]

    assert batch() == batch()
    assert len(set(batch())) > 1


@pytest.mark.parametrize(
    ("region", "birth", "sex"),
    [
        ("43010", date(1980, 1, 1), "M"),
        ("990102", date(1980, 1, 1), "M"),
        ("43010A", date(1980, 1, 1), "M"),
        ("430102", date(1889, 12, 31), "M"),
        ("430102", date(1980, 1, 1), "male"),
    ],
)
def test_make_fake_rejects_bad_arguments(region: str, birth: date, sex: str) -> None:
    with pytest.raises(ValueError):
        idnumber.make_fake(random.Random(0), region, birth, sex)


@settings(max_examples=20)
@given(st.text(max_size=25))
def test_is_valid_never_raises_on_arbitrary_text(raw: str) -> None:
    assert idnumber.is_valid(raw, today=TODAY) in (True, False)
