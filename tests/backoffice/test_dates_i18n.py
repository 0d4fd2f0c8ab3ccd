"""Dates on back-office pages follow the user's language: the printed refusal letter is dated 2025年3月5日 in
Chinese and 5 Mar 2025 in English (the language switch sets the cookie used here)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.core.test_welfare_applications import (
    chinese_fixture,  # noqa: F401
    dibao,
    graduate_application,
    household_fixture,  # noqa: F401 - registers the fixture
)
from yangguang.core.actions import welfare

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def client_for(user: Any, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def shows(html: str, text: str) -> bool:
    """`text` stands on its own, so "5 Mar 2025" is not found inside "15 Mar 2025"."""
    return re.search(rf"(?<!\d){re.escape(text)}(?!\d)", html) is not None


def test_refusal_letter_is_dated_in_the_users_language(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    welfare.do_application_transition(world.alice, application, "refuse", reason="家庭存款超过规定标准")
    application.refresh_from_db()
    day: datetime.date = application.decided_on
    url = reverse("backoffice:welfare_refusal_letter", args=[application.pk])
    chinese = f"{day.year}年{day.month}月{day.day}日"
    english = f"{day.day} {MONTHS[day.month - 1]} {day.year}"

    page = client_for(world.bob).get(url).content.decode()
    assert chinese in page
    assert not shows(page, english)

    page = client_for(world.bob, "en").get(url).content.decode()
    assert shows(page, english)
    assert chinese not in page
