"""Public disclosures on a phone: the community list and a disclosure's page are readable, fit the screen,
carry no personal data and pass axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.core.test_oversight import published


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth - window.innerWidth <= 0"))


def test_disclosure_pages_on_a_phone_are_accessible(
    world: World, base_url: str, phone_page: Any, assert_accessible: Any
) -> None:
    d = published(
        world,
        title="第3届居务监督委员会选举结果公告",
        payload={
            "community": "阳光社区",
            "held_on": "2025-05-20",
            "candidates": [
                {"name": "张*丰", "votes": 41, "elected": True},
                {"name": "李*", "votes": 12, "elected": False},
            ],
            "totals": {"count": 2},
        },
        body="内部说明：张三丰 43010219500101123X",
        source=world.person,
    )

    phone_page.goto("/disclosures/")
    assert phone_page.locator("h1").inner_text() == "居务公开"
    assert_accessible(phone_page)
    phone_page.locator("main").get_by_role("link", name="阳光社区", exact=True).click()
    assert phone_page.locator("h1").inner_text() == "阳光社区居务公开"
    assert fits_the_screen(phone_page)
    assert_accessible(phone_page)

    phone_page.get_by_role("link", name="第3届居务监督委员会选举结果公告").click()
    assert phone_page.url.endswith(f"/disclosures/{d.pk}/")
    main = phone_page.locator("main").inner_text()
    assert "张*丰" in main and "候选人" in main
    content = phone_page.content()
    assert "张三丰" not in content and "43010219500101123X" not in content
    assert fits_the_screen(phone_page)
    assert_accessible(phone_page)
