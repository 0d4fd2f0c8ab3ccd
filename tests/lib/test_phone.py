"""The one phone normaliser."""

from __future__ import annotations

import pytest

from yangguang.lib.phone import PhoneError, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0731-84561234", "0731-84561234"),
        ("(010) 12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "23812345678", "1381234567", "0731-12", "电话"])
def test_rejects_with_chinese_message(raw: str) -> None:
    with pytest.raises(PhoneError, match="11位手机号码"):
        normalize_phone(raw)
