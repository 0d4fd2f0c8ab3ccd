"""The public portal on a phone: readable, accessible (axe-core, WCAG 2.2 AA), no personal data."""

from __future__ import annotations

from typing import Any


def test_portal_index_on_a_phone_is_accessible(
    world: Any, base_url: str, phone_page: Any, assert_accessible: Any
) -> None:
    phone_page.goto("/")
    assert phone_page.locator("h1").inner_text() == "居民服务"
    assert phone_page.get_by_role("heading", name="辖区社区").is_visible()
    assert "阳光社区" in phone_page.locator("main").inner_text()
    assert "张三丰" not in phone_page.content()
    # Phone-first: nothing wider than the screen.
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(phone_page)


def test_portal_works_without_javascript(world: Any, browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, base_url=base_url, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/")
        assert "和平社区" in page.locator("main").inner_text()
    finally:
        context.close()
