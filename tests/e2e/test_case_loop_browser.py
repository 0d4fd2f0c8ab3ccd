"""The whole closed loop of the cases issue, in real browsers: a resident reports on a phone; a routing
rule dispatches it; the handler signs in the back office; the deadline passes and the SLA job escalates it
to the street; the handler replies with a photo; staff close it; the resident rates it through the private
link; the result shows in the back-office metrics and on the public board."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.e2e.browser import log_in
from tests.portal.helpers import category, png_bytes
from yangguang.core.actions.escalation import run_sla_checks
from yangguang.core.models import Case, CaseStatus, Notification, RoutingRule


@pytest.mark.django_db(transaction=True)
def test_report_routed_handled_escalated_closed_rated_and_counted(
    world: World,
    base_url: str,
    browser: Any,
    phone_page: Any,
    page: Any,
    assert_accessible: Any,
    tmp_path: Path,
) -> None:
    sanitation = category("sanitation")
    RoutingRule.objects.create(category=sanitation, area=world.sunshine, handler=world.grace)

    # 1. The resident reports on a phone.
    phone = phone_page
    phone.goto(reverse("portal:report"))
    phone.get_by_label("问题发生在哪个社区").select_option(label="阳光社区")
    phone.get_by_label("问题分类").select_option(label="环境卫生")
    phone.get_by_label("问题描述").fill("芙蓉苑3栋楼下每天早上五点多就有人摆摊卖菜，垃圾也没人收拾。")
    phone.get_by_label("手机号").fill("13812345678")
    picture = tmp_path / "摆摊.png"
    picture.write_bytes(png_bytes(32, 24))
    phone.get_by_label("照片（选填）").set_input_files(str(picture))
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url("**/done/")
    code = phone.locator(".code").inner_text().strip()
    case = Case.objects.get(tracking_code=code)

    # 2. Routed: the rule dispatched it to the grid worker straight away.
    assert case.status == CaseStatus.DISPATCHED and case.handler == world.grace

    # 3. The handler signs in the back office (desktop browser).
    log_in(page, "grace")
    page.goto(reverse("backoffice:case_detail", args=[case.pk]))
    page.get_by_role("form", name="签收").get_by_role("button", name="签收", exact=True).click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED and case.due_at is not None

    # 4. Late: the deadline passes and the SLA job escalates to the street (run twice: still once).
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(days=10))
    assert run_sla_checks().escalated == 1
    assert run_sla_checks().escalated == 0
    assert Notification.objects.filter(user=world.dave, case=case).exists()
    phone.goto(reverse("portal:tracking", args=[code]))
    assert "督办" in phone.locator("main").inner_text()

    # 5. Handled and closed with evidence.
    page.goto(reverse("backoffice:case_detail", args=[case.pk]))
    page.locator("#step-reply").evaluate("details => { details.open = true; }")
    reply = page.get_by_role("form", name="答复")
    reply.get_by_label("答复内容（居民可见）").fill("已劝离摊贩并清扫，后续每天早上巡查。")
    reply.get_by_label("办理佐证照片").set_input_files(str(picture))
    reply.get_by_role("button", name="答复", exact=True).click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    staff = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(staff, "alice")
    page = staff
    page.goto(reverse("backoffice:case_detail", args=[case.pk]))
    page.locator("#step-close").evaluate("details => { details.open = true; }")
    page.get_by_role("form", name="办结").get_by_role("button", name="办结", exact=True).click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    # 6. Rated by that resident through the private link.
    phone.goto(reverse("portal:tracking", args=[code]))
    phone.get_by_role("radio", name="满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED and case.satisfaction == 4
    assert_accessible(phone)

    # 7. Counted: back-office metrics and the public board.
    page.goto(reverse("backoffice:case_metrics"))
    assert "100.0%" in page.locator("main").inner_text()
    assert_accessible(page)
    phone.goto(reverse("portal:board", args=[world.sunshine.pk]))
    assert case.title in phone.locator("main").inner_text()
    assert_accessible(phone)
