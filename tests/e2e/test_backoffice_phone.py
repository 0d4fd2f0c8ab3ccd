"""The back office on a 390 px phone: no page scrolls sideways (in Chinese or English), the case queue,
the inbox and the registry lists show their rows as cards with every column on screen, screen readers
still get a table, and checkboxes are 24 px targets beside their labels."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tests.backoffice.test_case_page import dispatched
from tests.conftest import World
from tests.e2e.browser import log_in

PHONE_WIDTH = 390
LONG_TITLE = "芙蓉苑3栋1单元楼道声控灯坏了两个星期，晚上老人上下楼只能摸黑，物业说要等统一采购才能换"


def in_english(page: Any, base_url: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url}])


def assert_fits(page: Any) -> None:
    """Nothing on the page is wider than the phone: the page itself does not scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"


def assert_cards(page: Any) -> None:
    """The first card table's rows are cards: every cell of the first row is on screen, one under another."""
    table = page.locator("table.card-table").first
    assert table.get_by_role("columnheader").count() > 0  # the hidden headings are still in the table
    row = table.locator("tbody tr").first
    cells = row.get_by_role("cell")
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    assert len(boxes) > 2
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box
    tops = [box["y"] for box in boxes]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), "cells should stack"


@pytest.mark.django_db(transaction=True)
def test_queue_and_inbox_are_cards_on_a_phone(
    world: World, base_url: str, phone_page: Any, assert_accessible: Any
) -> None:
    dispatched(world, title=LONG_TITLE)  # to grace, who is told in her inbox
    page = phone_page
    log_in(page, "grace")

    page.goto(reverse("backoffice:case_queue"))
    assert_fits(page)
    assert_cards(page)
    title = page.get_by_role("cell", name=LONG_TITLE)
    # Titles wrap as text, not every few characters in a squeezed column.
    assert title.bounding_box()["width"] >= 200
    assert page.get_by_role("columnheader", name="办理期限").count() == 1
    assert_accessible(page)

    page.goto(reverse("backoffice:inbox"))
    assert_fits(page)
    assert_cards(page)
    mark = page.get_by_role("button", name=f"将“新派单：{LONG_TITLE}”标为已读")
    box = mark.bounding_box()
    assert box["x"] + box["width"] <= PHONE_WIDTH and box["height"] >= 24
    mark.click()
    page.wait_for_load_state()
    assert "未读 0 条" in page.locator("main").inner_text()
    assert_accessible(page)

    # A desktop keeps the ordinary table.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(reverse("backoffice:case_queue"))
    assert (
        page.locator("table.card-table tbody tr").first.evaluate("tr => getComputedStyle(tr).display")
        == "table-row"
    )
    assert page.locator("table.card-table thead").is_visible()


@pytest.mark.django_db(transaction=True)
def test_registry_lists_fit_a_phone_in_english(world: World, base_url: str, phone_page: Any) -> None:
    page = phone_page
    log_in(page, "alice")
    in_english(page, base_url)
    # In English the filter bar's "Compound type" select is wider than the phone unless it shrinks.
    for name in ("person_list", "compound_list", "building_list", "dwelling_list"):
        page.goto(reverse(f"backoffice:{name}"))
        assert page.locator("html").get_attribute("lang") == "en"
        assert_fits(page)
        assert_cards(page)
    page.goto(reverse("backoffice:person_list"))
    assert page.get_by_label("Compound type").bounding_box()["width"] <= PHONE_WIDTH - 32
    page.screenshot(path="/tmp/backoffice-phone-people.png", full_page=True)  # noqa: S108 - for a person to look at


@pytest.mark.django_db(transaction=True)
def test_checkboxes_are_big_and_beside_their_labels(world: World, base_url: str, phone_page: Any) -> None:
    page = phone_page
    log_in(page, "alice")
    page.goto(reverse("backoffice:case_intake"))
    assert_fits(page)
    boxes = page.locator("main input[type=checkbox]")
    assert boxes.count() > 0
    for i in range(boxes.count()):
        box = boxes.nth(i)
        size = box.bounding_box()
        assert size["width"] >= 24 and size["height"] >= 24, size
        label = page.locator(f"label[for='{box.get_attribute('id')}']")
        beside = label.bounding_box()
        assert beside["x"] > size["x"] + size["width"] - 1, "the label should be right of its box"
        assert abs((beside["y"] + beside["height"] / 2) - (size["y"] + size["height"] / 2)) < 12
        label.click()
        assert box.is_checked()
