"""The portal header and index on a 390 px phone: the disclosure pages are one tap away from every page, the
links wrap inside the screen and are big enough to tap; a rating typed with line breaks fits, and one that
is too long says so beside the field and on top of the form (axe-core, WCAG 2.2 AA)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import closed_case
from yangguang.core.models import CaseStatus

HEADER_LINKS = ["查进展", "居务公开", "救助对象公示", "惠民项目"]


def assert_fits_the_screen(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.django_db(transaction=True)
def test_header_links_wrap_on_a_phone_and_are_big_enough_to_tap(
    world: World, base_url: str, phone_page: Any, assert_accessible: Any
) -> None:
    phone_page.goto(reverse("portal:index"))
    nav = phone_page.get_by_role("navigation", name="主要链接")
    width = phone_page.viewport_size["width"]
    for name in HEADER_LINKS:
        box = nav.get_by_role("link", name=name, exact=True).bounding_box()
        assert box is not None, name
        # WCAG 2.2 2.5.8 asks for 24×24 CSS px; the portal keeps 44 px rows for elderly fingers.
        assert box["width"] >= 24 and box["height"] >= 44, (name, box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, (name, box)
    assert_fits_the_screen(phone_page)
    assert_accessible(phone_page)

    # The index points to the same pages, and each community to its projects.
    main = phone_page.locator("main")
    assert main.get_by_role("heading", name="居务公开与监督").is_visible()
    # Named with its community for screen readers (the name is visually hidden).
    main.get_by_role("link", name=re.compile(r"^阳光社区\s*惠民项目$")).click()
    phone_page.wait_for_url(f"**{reverse('portal:projects', args=[world.sunshine.pk])}")
    assert phone_page.locator("h1").inner_text() == "阳光社区惠民项目"

    phone_page.get_by_role("navigation", name="主要链接").get_by_role("link", name="救助对象公示").click()
    phone_page.wait_for_url(f"**{reverse('portal:notices')}")
    assert phone_page.locator("h1").inner_text() == "救助对象公示"
    current = phone_page.locator('.top nav a[aria-current="page"]')
    assert current.inner_text() == "救助对象公示"
    assert_accessible(phone_page)

    phone_page.get_by_role("link", name="居务公开", exact=True).first.click()
    phone_page.wait_for_url(f"**{reverse('portal:disclosures')}")
    assert phone_page.locator("h1").inner_text() == "居务公开"


@pytest.mark.django_db(transaction=True)
def test_a_rating_with_line_breaks_up_to_the_limit_goes_through(
    world: World, base_url: str, phone_page: Any
) -> None:
    case = closed_case(world)
    phone_page.goto(reverse("portal:tracking", args=[case.tracking_code]))
    # 50 lines of 9 characters and a line break: 500 characters as the browser counts them.
    note = "\n".join(["路灯修好了谢谢你们"] * 50) + "好"
    assert len(note) == 500
    phone_page.locator("#score-5").check()
    phone_page.get_by_label("还想说的话（选填）").fill(note)
    phone_page.get_by_role("button", name="提交评价").click()
    phone_page.wait_for_url("**#rating")
    assert "感谢您的评价" in phone_page.locator("main").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED


@pytest.mark.django_db(transaction=True)
def test_a_too_long_rating_note_is_explained_and_kept(
    world: World, base_url: str, phone_page: Any, assert_accessible: Any
) -> None:
    case = closed_case(world)
    phone_page.goto(reverse("portal:tracking", args=[case.tracking_code]))
    phone_page.locator("#score-4").check()
    # An old browser without `maxlength` (or a paste it let through): the server must say why.
    phone_page.locator("#id_note").evaluate("el => el.removeAttribute('maxlength')")
    phone_page.get_by_label("还想说的话（选填）").fill("好" * 501)
    phone_page.get_by_role("button", name="提交评价").click()
    phone_page.wait_for_load_state()
    message = "最多可以写500个字，现在是501个字，请删减一些。"
    summary = phone_page.get_by_role("alert")
    assert summary.get_by_role("link", name=message).is_visible()
    assert phone_page.locator("#id_note-error").inner_text().endswith(message)
    assert phone_page.locator("#score-4").is_checked()
    assert phone_page.get_by_label("还想说的话（选填）").input_value() == "好" * 501
    summary.get_by_role("link", name=message).click()
    assert phone_page.evaluate("document.activeElement.id") == "id_note"
    assert_fits_the_screen(phone_page)
    assert_accessible(phone_page)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
