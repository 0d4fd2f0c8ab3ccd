"""A resident reads a welfare notice on a phone and lodges an objection, then follows it with the tracking
code; staff resolve it and print the notice's A4 poster — in a real browser, accessible at every step
(axe-core, WCAG 2.2 AA). Screenshots go to /tmp/notices-*.png for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.core.test_notices import family, published, reviewed_application
from tests.core.test_welfare_applications import dibao
from yangguang.core.actions import notices
from yangguang.core.models import Case, Channel, Objection

SHOTS = Path("/tmp")  # noqa: S108 - fixed so reviewers know where to look
PASSWORD = "correct horse battery"


def fits_the_phone(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"notices-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_resident_objects_to_a_notice_on_a_phone(
    world: World, base_url: str, phone_page: Any, page: Any, assert_accessible: Any, settings: Any
) -> None:
    program = dibao(world)
    notice = published(
        world,
        program,
        [reviewed_application(world, program, family(world, "H-0901", "周建国", "李秀英", 91))],
    )
    phone = phone_page
    phone.goto("/notices/")
    fits_the_phone(phone)
    assert_accessible(phone)
    shoot(phone, "list")

    phone.get_by_role("link", name=notice.title).click()
    phone.wait_for_url(f"**/notices/{notice.public_code}/")
    table = phone.locator("table").inner_text()
    assert "周*国" in table and "1300.00" in table
    assert "周建国" not in phone.content()
    fits_the_phone(phone)
    assert_accessible(phone)
    shoot(phone, "notice")

    # Too short first: the form says so and keeps what was typed.
    phone.get_by_label("对哪一户有异议").select_option(label="周*国")
    phone.get_by_label("异议内容").fill("不符合")
    phone.get_by_label("手机号").fill("13812345678")
    phone.get_by_role("button", name="提交异议").click()
    phone.wait_for_load_state()
    assert "至少10个字" in phone.get_by_role("alert").inner_text()
    assert phone.get_by_label("手机号").input_value() == "13812345678"
    fits_the_phone(phone)
    assert_accessible(phone)
    shoot(phone, "objection-errors")

    phone.get_by_label("异议内容").fill("该户家里有一辆新买的小汽车，经常开去上班，不符合低保条件。")
    phone.get_by_role("button", name="提交异议").click()
    phone.wait_for_url("**/objected/**")
    code = phone.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    objection = Objection.objects.get()
    assert objection.case is not None and objection.case.channel == Channel.OBJECTION
    fits_the_phone(phone)
    assert_accessible(phone)
    shoot(phone, "objected")

    phone.get_by_role("link", name="查看核查进展").click()
    phone.wait_for_url(f"**/t/{code}/")
    assert "已受理" in phone.locator("main").inner_text()

    # Staff re-check and answer; the resident sees the answer through the same link.
    notices.do_resolve_objection(
        world.alice, objection, False, "经入户核查，该车辆登记在亲属名下，异议不成立"
    )
    phone.reload()
    assert "异议不成立" in phone.locator("main").inner_text()
    assert Case.objects.get(tracking_code=code).status == "replied"
    assert_accessible(phone)
    shoot(phone, "answered")

    # Staff print the poster for the notice board (desktop).
    page.goto(reverse("backoffice:login"))
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/office/")
    page.goto(reverse("backoffice:notices_detail", args=[notice.pk]))
    assert "异议不成立" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="打印公示海报（A4）").click()
    page.wait_for_url("**/poster/")
    assert page.locator("svg").count() == 1
    assert_accessible(page)
    page.emulate_media(media="print")
    shoot(page, "poster")
