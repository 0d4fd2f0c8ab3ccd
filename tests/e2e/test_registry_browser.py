"""The building page in a real browser: staff of 阳光社区 see 芙蓉苑 3栋 and its residents, get a 404 for
和平社区's building, and the page is accessible and fits a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.e2e.browser import log_in


@pytest.mark.django_db(transaction=True)
def test_staff_sees_the_building_page_and_not_the_other_communitys(
    world: World, base_url: str, page: Any, assert_accessible: Any
) -> None:
    log_in(page, "alice")
    building_url = reverse("backoffice:building_detail", args=[world.building.pk])
    response = page.goto(building_url)
    assert response.status == 200
    assert page.locator("h1").inner_text() == "芙蓉苑 3栋"
    main = page.locator("main")
    assert "1单元302" in main.inner_text()
    resident = main.get_by_role("link", name="张三丰")
    assert resident.is_visible()
    assert "43010219500101123X" not in page.content()
    assert page.get_by_role("navigation", name="当前位置").get_by_role("link", name="芙蓉苑").is_visible()
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # For a person to look at the phone layout; the path is fixed so reviewers know where to find it.
    page.screenshot(path="/tmp/building.png", full_page=True)  # noqa: S108

    other = page.goto(reverse("backoffice:building_detail", args=[world.other_building.pk]))
    assert other.status == 404
    assert "8栋" not in page.content()


@pytest.mark.django_db(transaction=True)
def test_committee_member_sees_the_resident_masked(world: World, base_url: str, page: Any) -> None:
    log_in(page, "bob")
    page.goto(reverse("backoffice:building_detail", args=[world.building.pk]))
    main = page.locator("main")
    assert "张*丰" in main.inner_text()
    assert "张三丰" not in page.content()
    assert main.get_by_role("link", name="编辑").count() == 0
