"""Named date formats per language (yangguang/formats): Chinese dates as the pages always showed them, English
dates in English. Templates and code name a format (`|date:"DATE_FORMAT"`) instead of spelling one out."""

from __future__ import annotations

import datetime

import pytest
from django.utils import formats, translation

MOMENT = datetime.datetime(2025, 3, 5, 9, 7)

EXPECTED = {
    "zh-hans": {
        "DATE_FORMAT": "2025年3月5日",
        "DATETIME_FORMAT": "2025年3月5日 09:07",
        "SHORT_DATE_FORMAT": "2025年3月5日",
        "SHORT_DATETIME_FORMAT": "2025年3月5日 09:07",
        "MONTH_DAY_FORMAT": "3月5日",
        "YEAR_MONTH_FORMAT": "2025年3月",
        "TIME_FORMAT": "09:07",
    },
    "en": {
        "DATE_FORMAT": "5 Mar 2025",
        "DATETIME_FORMAT": "5 Mar 2025, 09:07",
        "SHORT_DATE_FORMAT": "2025-03-05",
        "SHORT_DATETIME_FORMAT": "2025-03-05 09:07",
        "MONTH_DAY_FORMAT": "5 Mar",
        "YEAR_MONTH_FORMAT": "March 2025",
        "TIME_FORMAT": "09:07",
    },
}


@pytest.mark.parametrize(
    ("language", "name", "shown"),
    [(language, name, shown) for language, table in EXPECTED.items() for name, shown in table.items()],
)
def test_named_formats_follow_the_language(language: str, name: str, shown: str) -> None:
    with translation.override(language):
        assert formats.date_format(MOMENT, name) == shown


def test_formats_not_named_here_fall_back_to_djangos_own() -> None:
    # Input formats and the first day of the week are Django's, so forms still accept 2025年3月5日 in Chinese.
    with translation.override("zh-hans"):
        assert "%Y年%n月%j日" in formats.get_format("DATE_INPUT_FORMATS")
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
    with translation.override("en"):
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 0
