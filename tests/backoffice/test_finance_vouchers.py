"""The voucher pages (报账审核): list with filters, search, pagination and a pinned query count; the submit
form with receipts; the voucher page offering each persona exactly their steps; every step through POST
(outsiders 404, wrong persona 403, wrong state a message); voiding (作废) offered apart from the steps;
receipts behind access checks; the monthly disclosure button."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_vouchers import PNG, heidi, last_month, posted, receipt, submit
from yangguang.core.actions import vouchers
from yangguang.core.models import Disclosure, Voucher, VoucherStatus

LIST = reverse("backoffice:finance_voucher_list")
NEW = reverse("backoffice:finance_voucher_submit")
DISCLOSE = reverse("backoffice:finance_disclose")


def detail_url(voucher: Voucher) -> str:
    return reverse("backoffice:finance_voucher_detail", args=[voucher.pk])


def step_url(voucher: Voucher, step: str) -> str:
    return reverse("backoffice:finance_voucher_step", args=[voucher.pk, step])


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- access ----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_users_without_supervision_rights_get_404(world: World) -> None:
    voucher = submit(world)
    for user in (world.mallory, world.grace):
        client = logged_in(user)
        assert client.get(LIST).status_code == 404
        assert client.get(NEW).status_code == 404
        assert client.get(detail_url(voucher)).status_code == 404


def test_outsider_gets_404_for_a_voucher_elsewhere(world: World) -> None:
    voucher = submit(world)
    carol = logged_in(world.carol)
    assert carol.get(detail_url(voucher)).status_code == 404
    assert carol.post(step_url(voucher, "cosign")).status_code == 404
    evidence = voucher_receipts(voucher)[0]
    url = reverse("backoffice:finance_voucher_receipt", args=[voucher.pk, evidence])
    assert carol.get(url).status_code == 404
    assert "PZ-001" not in page(carol, LIST)


def test_readers_who_cannot_submit_get_403_on_the_form(world: World) -> None:
    for user in (world.bob, world.dave):
        assert logged_in(user).get(NEW).status_code == 403
        assert logged_in(user).post(DISCLOSE).status_code == 403


def test_each_persona_sees_their_jurisdiction(world: World) -> None:
    submit(world, "PZ-SUN")
    vouchers.check_submit_voucher(
        world.carol,
        vouchers.VoucherInput(
            area=world.peace,
            number="PZ-PEACE",
            spent_on=last_month(),
            amount="10",
            payee="和平超市",
            purpose="办公用品",
            receipts=[receipt()],
        ),
    )
    seen = {"alice": {"PZ-SUN"}, "bob": {"PZ-SUN"}, "carol": {"PZ-PEACE"}, "dave": {"PZ-SUN", "PZ-PEACE"}}
    for name, expected in seen.items():
        body = page(logged_in(getattr(world, name)), LIST)
        for number in ("PZ-SUN", "PZ-PEACE"):
            assert (number in body) == (number in expected), (name, number)


# --- the list --------------------------------------------------------------------------------------------


def test_empty_list_says_so(world: World) -> None:
    assert "还没有报账凭证" in page(logged_in(world.alice), LIST)


def test_list_filters_by_status_month_and_search(world: World) -> None:
    posted(world, "PZ-001", payee="芙蓉五金有限公司")
    submit(world, "PZ-002", payee="张三丰")
    client = logged_in(world.alice)
    body = page(client, LIST, status="posted")
    assert "PZ-001" in body and "PZ-002" not in body
    body = page(client, LIST, q="张三")
    assert "PZ-002" in body and "PZ-001" not in body
    body = page(client, LIST, q="pz-001")
    assert "PZ-001" in body and "PZ-002" not in body
    month = f"{last_month():%Y-%m}"
    assert "PZ-001" in page(client, LIST, month=month)
    assert "没有符合条件的凭证" in page(client, LIST, month="2001-01")
    # A bad filter value is shown as an error and ignored, never a crash.
    body = page(client, LIST, month="去年", status="nonsense")
    assert "PZ-001" in body and "月份格式应为" in body


def test_amounts_are_right_aligned_with_the_yuan_sign(world: World) -> None:
    submit(world, amount="1,200.50")
    body = page(logged_in(world.alice), LIST)
    assert 'style="text-align: right; font-variant-numeric: tabular-nums;">¥1,200.50</td>' in body
    assert "合计 ¥1,200.50" in body


def test_list_is_paginated(world: World, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    for n in range(5):
        submit(world, f"PZ-{n:03d}")
    client = logged_in(world.alice)
    first = page(client, LIST)
    assert "第 1 / 3 页" in first and "PZ-004" in first and "PZ-000" not in first
    assert "PZ-000" in page(client, LIST, page="3")
    assert "第 1 / 3 页" in page(client, LIST, page="abc")


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_the_list_runs_a_fixed_number_of_queries(
    world: World, persona: str, django_assert_num_queries: Any
) -> None:
    for n in range(4):
        submit(world, f"PZ-{n:03d}")
    client = logged_in(getattr(world, persona))
    client.get(LIST)  # warm up the session
    # session, user, role assignments, total, count, page rows with areas; staff: + the disclosure
    # form's communities
    expected = 7 if persona == "alice" else 6
    with django_assert_num_queries(expected):
        response = client.get(LIST)
    assert response.status_code == 200
    for n in range(4, 12):
        submit(world, f"PZ-{n:03d}")
    with django_assert_num_queries(expected):
        client.get(LIST)


# --- submitting ------------------------------------------------------------------------------------------


def form_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": "PZ-100",
        "spent_on": last_month().isoformat(),
        "amount": "¥1,200.50",
        "payee": "芙蓉五金有限公司",
        "purpose": "晾衣架维修",
        "power_item": "",
    }
    data.update(extra)
    return data


def test_staff_submit_a_voucher_with_receipts(world: World) -> None:
    client = logged_in(world.alice)
    assert "票据/收据" in page(client, NEW)
    data = form_data(area=world.sunshine.pk, receipts=[receipt("发票1.png"), receipt("发票2.png")])
    response = client.post(NEW, data)
    voucher = Voucher.objects.get(number="PZ-100")
    assert response.status_code == 302 and response["Location"] == detail_url(voucher)
    assert str(voucher.amount) == "1200.50"
    assert len(voucher_receipts(voucher)) == 2


def test_the_form_shows_chinese_errors_and_saves_nothing(world: World) -> None:
    client = logged_in(world.alice)
    response = client.post(NEW, form_data(area=world.sunshine.pk, amount="1.234", spent_on="明天"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "请上传至少一张票据" in body and "最多保留两位小数" in body and "请填写正确的日期" in body
    assert not Voucher.objects.exists()


def test_a_duplicate_number_is_reported_beside_the_field(world: World) -> None:
    submit(world, "PZ-100")
    response = logged_in(world.alice).post(NEW, form_data(area=world.sunshine.pk, receipts=[receipt()]))
    assert "凭证号不能重复" in response.content.decode()
    assert Voucher.objects.count() == 1


def test_a_community_outside_the_jurisdiction_is_not_a_choice(world: World) -> None:
    response = logged_in(world.alice).post(NEW, form_data(area=world.peace.pk, receipts=[receipt()]))
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Voucher.objects.exists()


# --- the voucher page and its steps ----------------------------------------------------------------------


def step_forms(client: Client, voucher: Voucher) -> list[str]:
    response = client.get(detail_url(voucher))
    assert response.status_code == 200
    return [name for name, _label, _form in response.context["step_forms"]]


def test_each_persona_is_offered_exactly_their_steps(world: World) -> None:
    voucher = submit(world)
    assert step_forms(logged_in(world.bob), voucher) == ["review", "reject"]
    assert step_forms(logged_in(world.alice), voucher) == []
    assert step_forms(logged_in(world.dave), voucher) == []
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    assert step_forms(logged_in(heidi(world)), voucher) == ["cosign", "reject"]
    assert step_forms(logged_in(world.alice), voucher) == []  # the submitter may not co-sign
    assert step_forms(logged_in(world.bob), voucher) == []


def test_the_chain_through_the_pages(world: World) -> None:
    voucher = submit(world)
    response = logged_in(world.bob).post(step_url(voucher, "review"), {"review-note": "同意"})
    assert response.status_code == 302
    logged_in(heidi(world)).post(step_url(voucher, "cosign"), {"cosign-note": ""})
    logged_in(world.alice).post(step_url(voucher, "post"), {"post-note": ""})
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.POSTED
    body = page(logged_in(world.dave), detail_url(voucher))
    assert "监委会已签字" in body and "监委会审核签字" in body and "同意" in body and "入账" in body


def test_wrong_persona_gets_403_and_nothing_changes(world: World) -> None:
    voucher = submit(world)
    assert logged_in(world.alice).post(step_url(voucher, "review")).status_code == 403
    assert logged_in(world.dave).post(step_url(voucher, "review")).status_code == 403
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    assert logged_in(world.alice).post(step_url(voucher, "cosign")).status_code == 403
    assert logged_in(world.bob).post(step_url(voucher, "cosign")).status_code == 403
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REVIEWED


def test_an_unknown_step_is_404_and_a_stale_step_a_message(world: World) -> None:
    voucher = submit(world)
    assert logged_in(world.bob).post(step_url(voucher, "fly")).status_code == 404
    assert logged_in(world.bob).get(step_url(voucher, "review")).status_code == 405
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    response = logged_in(world.bob).post(step_url(voucher, "reject"), {"reject-note": "x"}, follow=True)
    # bob may not reject at the co-sign stage: 403 before any state message
    assert response.status_code == 403
    response = logged_in(heidi(world)).post(step_url(voucher, "post"), follow=True)
    assert response.status_code == 200
    assert "不能执行该操作" in response.content.decode()


def test_reject_needs_a_reason_and_the_submitter_resubmits_with_corrections(world: World) -> None:
    voucher = submit(world)
    bob = logged_in(world.bob)
    response = bob.post(step_url(voucher, "reject"), {"reject-note": "  "})
    assert response.status_code == 200 and "请填写退回理由" in response.content.decode()
    bob.post(step_url(voucher, "reject"), {"reject-note": "金额与发票不符"})
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REJECTED
    alice = logged_in(world.alice)
    body = page(alice, detail_url(voucher))
    assert "退回理由：" in body and "金额与发票不符" in body
    assert step_forms(alice, voucher) == ["resubmit"]
    data = {f"resubmit-{k}": v for k, v in form_data(number="PZ-001", amount="1150").items()}
    data["resubmit-note"] = "已更正金额"
    data["resubmit-receipts"] = [receipt("更正.png")]
    response = alice.post(step_url(voucher, "resubmit"), data)
    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED and str(voucher.amount) == "1150.00"
    assert len(voucher_receipts(voucher)) == 2


def test_a_bad_resubmission_shows_errors_beside_the_fields(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "重填")
    data = {f"resubmit-{k}": v for k, v in form_data(number="PZ-001", amount="-3").items()}
    response = logged_in(world.alice).post(step_url(voucher, "resubmit"), data)
    assert response.status_code == 200 and "金额须大于零" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REJECTED


def test_the_page_warns_when_the_amount_is_outside_the_power_item_band(world: World) -> None:
    from yangguang.core.models import PowerItem

    item = PowerItem.objects.create(
        area=world.sunshine, code="CW-01", domain="finance", name="小额支出", amount_max=100
    )
    voucher = submit(world, power_item=item)
    assert "不在权力事项“小额支出”的金额范围" in page(logged_in(world.bob), detail_url(voucher))


# --- voiding --------------------------------------------------------------------------------------------


def void_form(client: Client, voucher: Voucher) -> Any:
    response = client.get(detail_url(voucher))
    assert response.status_code == 200
    return response.context["void_form"]


def test_finance_staff_are_offered_voiding_apart_from_the_steps(world: World) -> None:
    voucher = submit(world)
    assert step_forms(logged_in(world.alice), voucher) == []
    assert void_form(logged_in(world.alice), voucher) is not None
    assert "作废凭证" in page(logged_in(world.alice), detail_url(voucher))
    for reader in (world.bob, world.dave):
        assert void_form(logged_in(reader), voucher) is None
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    vouchers.do_voucher_transition(heidi(world), voucher, "cosign")
    assert void_form(logged_in(world.alice), voucher) is None  # co-signed: too late to void


def test_voiding_through_the_page(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "缺少验收单")
    alice = logged_in(world.alice)
    response = alice.post(step_url(voucher, "void"), {"void-note": "  "})
    assert response.status_code == 200 and "请填写作废理由" in response.content.decode()
    assert response.context["void_form"].is_bound
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REJECTED
    response = alice.post(step_url(voucher, "void"), {"void-note": "采购取消，不再报账"}, follow=True)
    body = response.content.decode()
    assert "已完成“作废”" in body and "已作废" in body
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.VOID
    body = page(logged_in(world.bob), detail_url(voucher))
    assert "作废理由：" in body and "采购取消，不再报账" in body and "王爱丽" in body
    assert step_forms(alice, voucher) == [] and void_form(alice, voucher) is None


def test_voiding_is_refused_to_the_committee_and_hidden_from_outsiders(world: World) -> None:
    voucher = submit(world)
    assert logged_in(world.bob).post(step_url(voucher, "void"), {"void-note": "不再报账"}).status_code == 403
    assert (
        logged_in(world.carol).post(step_url(voucher, "void"), {"void-note": "不再报账"}).status_code == 404
    )
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


def test_voiding_a_posted_voucher_is_a_message(world: World) -> None:
    voucher = posted(world)
    response = logged_in(world.alice).post(step_url(voucher, "void"), {"void-note": "不再报账"}, follow=True)
    assert response.status_code == 200 and "不能执行该操作" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.POSTED


def test_the_list_shows_voided_vouchers_outside_the_total(world: World) -> None:
    submit(world, "PZ-001", amount="1,200.50")
    voided = submit(world, "PZ-002", amount="300")
    vouchers.do_voucher_transition(world.alice, voided, "void", "重复登记")
    client = logged_in(world.alice)
    body = page(client, LIST)
    assert "PZ-002" in body and "不计入合计" in body and "合计 ¥1,200.50" in body
    assert "PZ-001" not in page(client, LIST, status="void")


# --- receipts --------------------------------------------------------------------------------------------


def voucher_receipts(voucher: Voucher) -> list[int]:
    from yangguang.core.actions import ledger

    return list(ledger.evidence_for(voucher).values_list("pk", flat=True))


def test_receipts_are_served_to_those_who_see_the_voucher(world: World) -> None:
    voucher = submit(world)
    other = submit(world, "PZ-002")
    url = reverse("backoffice:finance_voucher_receipt", args=[voucher.pk, voucher_receipts(voucher)[0]])
    response = logged_in(world.bob).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    # A receipt of another voucher through this voucher's address: 404.
    wrong = reverse("backoffice:finance_voucher_receipt", args=[voucher.pk, voucher_receipts(other)[0]])
    assert logged_in(world.bob).get(wrong).status_code == 404


# --- the monthly disclosure ------------------------------------------------------------------------------


def test_the_disclosure_button_refuses_with_unsigned_vouchers(world: World) -> None:
    posted(world)
    submit(world, "PZ-009")
    month = f"{last_month():%Y-%m}"
    response = logged_in(world.alice).post(
        DISCLOSE, {"disclose-area": world.sunshine.pk, "disclose-month": month}, follow=True
    )
    body = response.content.decode()
    assert "PZ-009" in body and "未经监委会审核签字" in body
    assert not Disclosure.objects.exists()


def test_the_disclosure_button_drafts_the_month(world: World) -> None:
    posted(world, "PZ-001", payee="王小明")
    month = f"{last_month():%Y-%m}"
    response = logged_in(world.alice).post(
        DISCLOSE, {"disclose-area": world.sunshine.pk, "disclose-month": month}, follow=True
    )
    assert "须经居务监督委员会审核签字后才能公开" in response.content.decode()
    disclosure = Disclosure.objects.get()
    assert disclosure.payload["vouchers"][0]["payee"] == "王*明"


def test_the_disclosure_button_drafts_a_month_with_a_voided_voucher(world: World) -> None:
    posted(world, "PZ-001")
    voided = submit(world, "PZ-009")
    vouchers.do_voucher_transition(world.bob, voided, "reject", "缺少验收单")
    vouchers.do_voucher_transition(world.alice, voided, "void", "采购取消")
    month = f"{last_month():%Y-%m}"
    response = logged_in(world.alice).post(
        DISCLOSE, {"disclose-area": world.sunshine.pk, "disclose-month": month}, follow=True
    )
    assert "须经居务监督委员会审核签字后才能公开" in response.content.decode()
    disclosure = Disclosure.objects.get()
    assert disclosure.payload["voided"][0]["number"] == "PZ-009"
    detail = reverse("backoffice:disclosure_detail", args=[disclosure.pk])
    body = page(logged_in(world.bob), detail)
    assert "作废凭证" in body and "作废理由" in body and "采购取消" in body


def test_the_disclosure_button_handles_bad_input(world: World) -> None:
    client = logged_in(world.alice)
    response = client.post(
        DISCLOSE, {"disclose-area": world.peace.pk, "disclose-month": "下个月"}, follow=True
    )
    body = response.content.decode()
    assert "未能生成财务公开" in body
    assert not Disclosure.objects.exists()


def test_bad_uploads_do_not_crash(world: World) -> None:
    fake = SimpleUploadedFile("发票.png", b"not an image", content_type="image/png")
    response = logged_in(world.alice).post(NEW, form_data(area=world.sunshine.pk, receipts=[fake]))
    assert response.status_code == 200 and "不是支持的格式" in response.content.decode()
    assert not Voucher.objects.exists()
