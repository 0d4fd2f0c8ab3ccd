"""Dates on the public pages follow the reader's language: 2025年3月5日 for the default Chinese, 5 Mar 2025 for a
reader who chose English (the language switch sets the cookie used here)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import family, published, reviewed_application
from tests.core.test_welfare_applications import dibao
from tests.portal.helpers import new_case
from yangguang.core.models import PublicNotice

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def english_date(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def shows(html: str, text: str) -> bool:
    """`text` stands on its own: "5 Mar" is not found inside "15 Mar", nor "3月5日" inside "03月5日"."""
    return re.search(rf"(?<!\d){re.escape(text)}(?!\d)", html) is not None


@pytest.fixture
def notice(world: World) -> PublicNotice:
    program = dibao(world)
    return published(
        world,
        program,
        [reviewed_application(world, program, family(world, "H-0901", "周建国", "李秀英", 81))],
    )


def test_tracking_page_shows_the_submission_time_in_the_readers_language(
    world: World, client: Client
) -> None:
    case = new_case(world)
    at = timezone.localtime(case.created_at)
    chinese = f"{chinese_date(at.date())} {at:%H:%M}"
    in_english = f"{english_date(at.date())}, {at:%H:%M}"
    url = reverse("portal:tracking", args=[case.tracking_code])

    page = client.get(url).content.decode()
    assert chinese in page
    assert not shows(page, in_english)

    page = english(client).get(url).content.decode()
    assert shows(page, in_english)
    assert chinese not in page


def test_notice_pages_show_the_period_in_the_readers_language(
    world: World, client: Client, notice: PublicNotice
) -> None:
    start, end = notice.starts_on, notice.ends_on
    assert start is not None and end is not None
    detail = reverse("portal:notice", args=[notice.public_code])

    listing = client.get("/notices/").content.decode()
    # Month and day without leading zeros, as the list always showed them (Django's own zh format pads the month).
    assert shows(listing, f"{start.month}月{start.day}日") and shows(listing, f"{end.month}月{end.day}日")
    page = client.get(detail).content.decode()
    assert chinese_date(start) in page and chinese_date(end) in page

    listing = english(client).get("/notices/").content.decode()
    assert shows(listing, f"{start.day} {MONTHS[start.month - 1]}")
    assert f"{start.month}月{start.day}日" not in listing
    page = client.get(detail).content.decode()
    assert shows(page, english_date(start)) and shows(page, english_date(end))
    assert chinese_date(start) not in page and chinese_date(end) not in page
