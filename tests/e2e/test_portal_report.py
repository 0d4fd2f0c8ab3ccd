"""A resident reports a problem on a phone, follows it with the tracking code and rates the result —
in a real browser, accessible at every step (axe-core, WCAG 2.2 AA), and also without JavaScript.

Screenshots of each phone page go to /tmp/portal-*.png for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import category, close, png_bytes
from yangguang.core.models import Case, CaseStatus

SHOTS = Path("/tmp")  # noqa: S108 - fixed so reviewers know where to look


def fits_the_phone(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_resident_reports_follows_and_rates_on_a_phone(
    world: World, base_url: str, phone_page: Any, assert_accessible: Any, tmp_path: Path
) -> None:
    category("sanitation")  # a transactional test may have flushed the seeded categories
    page = phone_page
    page.goto("/")
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "index")

    page.get_by_role("link", name="我要反映问题").click()
    page.wait_for_url("**/report/")
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "report")

    page.get_by_label("问题发生在哪个社区").select_option(label="阳光社区")
    page.get_by_label("问题分类").select_option(label="环境卫生")
    page.get_by_label("问题描述").fill("太脏")
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "请把问题描述清楚" in summary.inner_text()
    assert page.get_by_label("手机号").input_value() == "13812345678"
    assert page.get_by_label("问题分类").input_value() == str(category("sanitation").pk)
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "report-errors")

    picture = tmp_path / "垃圾桶.png"
    picture.write_bytes(png_bytes(64, 48))
    page.get_by_label("问题描述").fill("3栋楼下的垃圾桶满了三天没人清运，气味很大，老人小孩经过都要捂鼻子。")
    page.get_by_label("照片（选填）").set_input_files(str(picture))
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/done/")
    code = page.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    case = Case.objects.get(tracking_code=code)
    assert case.attachments.count() == 1
    assert "138****5678" in page.locator("main").inner_text()
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "done")

    page.get_by_role("link", name="查看办理进展").click()
    page.wait_for_url(f"**/t/{code}/")
    assert "当前状态：已受理" in page.locator("main").inner_text()
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "tracking")

    # Staff handle it through the core actions: dispatch, sign, reply with a photo of the result, close.
    close(world, case)
    page.reload()
    assert page.get_by_role("img", name=re.compile("办理结果照片")).is_visible()
    page.get_by_role("radio", name="非常满意", exact=True).check()
    page.get_by_label("还想说的话（选填）").fill("清得很干净，谢谢！")
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "rating")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/t/{code}/#rating")
    assert "您的评价：5分（非常满意）" in page.locator("main").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED
    assert_accessible(page)
    shoot(page, "rated")

    page.goto(reverse("portal:board", args=[world.sunshine.pk]))
    closures = page.locator("ol.closures")
    assert case.title in closures.inner_text()
    assert "100%" in page.locator(".metrics").inner_text()
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "board")

    page.goto(reverse("portal:case", args=[case.number]))
    assert "13812345678" not in page.content() and code not in page.content()
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "case")

    page.goto(reverse("portal:community_poster", args=[world.sunshine.pk]))
    fits_the_phone(page)
    assert_accessible(page)
    shoot(page, "poster")
    # On paper: the poster alone, without the site's header, footer and instructions for staff.
    page.emulate_media(media="print")
    assert page.get_by_role("img", name=re.compile("问题反映二维码海报")).is_visible()
    assert not page.locator("header.top").is_visible()
    assert not page.get_by_role("heading", name=re.compile("二维码海报")).is_visible()


@pytest.mark.django_db(transaction=True)
def test_reporting_works_without_javascript(
    world: World, browser: Any, base_url: str, tmp_path: Path
) -> None:
    category("sanitation")
    context = browser.new_context(
        java_script_enabled=False, base_url=base_url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    try:
        page = context.new_page()
        page.goto(reverse("portal:qr_report", args=[world.compound.pk]))
        shoot(page, "qr-report")
        page.get_by_label("问题分类").select_option(label="环境卫生")
        page.get_by_label("楼栋").select_option(label="芙蓉苑 3栋")
        page.get_by_label("问题描述").fill("楼道里的声控灯坏了很久，晚上上下楼看不见。")
        picture = tmp_path / "灯.png"
        picture.write_bytes(png_bytes())
        page.get_by_label("照片（选填）").set_input_files(str(picture))
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**/done/")
        code = page.locator(".code").inner_text().strip()
        case = Case.objects.get(tracking_code=code)
        assert case.channel == "qr" and case.building == world.building
        page.get_by_role("link", name="查看办理进展").click()
        assert "办理进展" in page.locator("h1").inner_text()

        close(world, case)
        page.reload()
        page.get_by_role("radio", name="不满意", exact=True).check()
        page.get_by_role("button", name="提交评价").click()
        assert "已退回重新办理" in page.locator("main").inner_text()
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS and case.redo_count == 1
    finally:
        context.close()
