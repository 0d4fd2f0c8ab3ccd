"""Finance vouchers: submission checks, the sign-off chain submitted → reviewed (committee) → co-signed (a
second staff member) → posted, rejection and resubmission, voiding (作废) a voucher nobody co-signed, the
race on a step, and the monthly disclosure that shows only what the committee signed and lists what was
voided.

Personas: alice (staff) submits, bob (committee) reviews, heidi (staff of 阳光社区, the community head)
co-signs; carol is staff elsewhere.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import World, make_user
from yangguang.core.actions import ledger, vouchers
from yangguang.core.models import (
    Activity,
    AuditEntry,
    Disclosure,
    Evidence,
    PowerItem,
    Voucher,
    VoucherStatus,
)
from yangguang.core.permissions import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def receipt(name: str = "发票.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def heidi(world: World) -> User:
    """A second staff member of 阳光社区 (the community head who co-signs)."""
    existing = User.objects.filter(username="heidi").first()
    return existing or make_user("heidi", "何迪", Role.COMMUNITY_STAFF, world.sunshine)


def last_month() -> datetime.date:
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=10)


def submit(world: World, number: str = "PZ-001", **extra: Any) -> Voucher:
    actor = extra.pop("actor", world.alice)
    data = vouchers.VoucherInput(
        area=extra.pop("area", world.sunshine),
        number=number,
        spent_on=extra.pop("spent_on", last_month()),
        amount=extra.pop("amount", "1,200.50"),
        payee=extra.pop("payee", "芙蓉五金有限公司"),
        purpose=extra.pop("purpose", "楼道晾衣架维修材料"),
        receipts=extra.pop("receipts", [receipt()]),
        **extra,
    )
    return vouchers.check_submit_voucher(actor, data)


def posted(world: World, number: str = "PZ-001", **extra: Any) -> Voucher:
    voucher = submit(world, number, **extra)
    vouchers.do_voucher_transition(world.bob, voucher, "review", "票据齐全，同意")
    vouchers.do_voucher_transition(heidi(world), voucher, "cosign")
    return vouchers.do_voucher_transition(world.alice, voucher, "post")


# --- amounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200.50", "1200.50"),
        ("1,200.50", "1200.50"),
        ("¥300", "300.00"),
        ("￥ 300 元", "300.00"),
        ("１２３．４", "123.40"),
        ("12,345,678", "12345678.00"),
        ("0.01", "0.01"),
        ("5.000", "5.00"),
        (Decimal("9.9"), "9.90"),
        (42, "42.00"),
    ],
)
def test_amounts_are_parsed_as_people_type_them(raw: Any, expected: str) -> None:
    assert vouchers.parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写金额"),
        ("abc", "请填写正确的金额"),
        ("-5", "金额须大于零"),
        ("0", "金额须大于零"),
        ("0.00", "金额须大于零"),
        ("1.234", "最多保留两位小数"),
        ("1,2,00", "千分位"),
        ("12,00.5", "千分位"),
        ("1e5", "请填写正确的金额"),
        ("NaN", "请填写正确的金额"),
        ("1000000000000", "金额过大"),
        ("1" * 60, "金额过大"),
        ("3.5元5", "请填写正确的金额"),
    ],
)
def test_bad_amounts_are_refused_in_chinese(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        vouchers.parse_amount(raw)
    assert message in exc.value.message_dict["amount"][0]


# --- submitting ------------------------------------------------------------------------------------------


def test_staff_submits_a_voucher_with_its_receipt(world: World) -> None:
    voucher = submit(world)
    assert voucher.status == VoucherStatus.SUBMITTED
    assert voucher.amount == Decimal("1200.50")
    assert voucher.submitted_by == world.alice
    assert [e["step"] for e in voucher.history] == ["submit"]
    assert ledger.evidence_for(voucher).count() == 1
    assert AuditEntry.objects.filter(
        target_type="voucher", target_id=str(voucher.pk), action="create"
    ).exists()


def test_a_voucher_without_a_receipt_cannot_be_submitted(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(world, receipts=[])
    assert "票据" in exc.value.message_dict["receipts"][0]
    assert not Voucher.objects.exists()


def test_a_receipt_that_is_not_a_document_is_refused_and_nothing_is_saved(world: World) -> None:
    fake = SimpleUploadedFile("发票.png", b"MZ\x90\x00not a picture", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        submit(world, receipts=[fake])
    assert "不是支持的格式" in exc.value.message_dict["receipts"][0]
    assert not Voucher.objects.exists() and not Evidence.objects.exists()


def test_the_number_is_unique_per_community(world: World) -> None:
    submit(world)
    with pytest.raises(ValidationError) as exc:
        submit(world)
    assert "凭证号不能重复" in exc.value.message_dict["number"][0]
    # Another community may use the same number.
    other = vouchers.check_submit_voucher(
        world.carol,
        vouchers.VoucherInput(
            area=world.peace,
            number="PZ-001",
            spent_on=last_month(),
            amount="10",
            payee="和平超市",
            purpose="办公用品",
            receipts=[receipt()],
        ),
    )
    assert other.number == "PZ-001"


def test_the_date_may_not_be_in_the_future(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(world, spent_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "不能晚于今天" in exc.value.message_dict["spent_on"][0]


def test_every_missing_field_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(world, number=" ", spent_on=None, amount="x", payee="", purpose="  ", receipts=[])
    assert set(exc.value.message_dict) == {"number", "spent_on", "amount", "payee", "purpose", "receipts"}


def test_only_staff_of_the_community_submit(world: World) -> None:
    for outsider in (world.bob, world.carol, world.dave, world.mallory):
        with pytest.raises(PermissionDenied):
            submit(world, actor=outsider)


def test_a_power_item_must_apply_to_the_community_and_its_band_is_checked(world: World) -> None:
    small = PowerItem.objects.create(
        area=world.sunshine, code="CW-01", domain="finance", name="小额支出", amount_max=Decimal("1000")
    )
    elsewhere = PowerItem.objects.create(area=world.peace, code="CW-01", domain="finance", name="和平的事项")
    with pytest.raises(ValidationError) as exc:
        submit(world, power_item=elsewhere)
    assert "不适用于本社区" in exc.value.message_dict["power_item"][0]
    voucher = submit(world, power_item=small)  # ¥1200.50 is over the band: a warning, not a refusal
    warnings = vouchers.voucher_warnings(voucher)
    assert len(warnings) == 1 and "不在权力事项“小额支出”的金额范围" in warnings[0]
    fits = submit(world, "PZ-002", amount="800", power_item=small)
    assert vouchers.voucher_warnings(fits) == []


# --- the chain -------------------------------------------------------------------------------------------


def test_the_full_chain_submit_review_cosign_post(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "review", "票据齐全，同意")
    assert voucher.status == VoucherStatus.REVIEWED and voucher.committee_signed
    assert voucher.reviewed_by == world.bob and voucher.review_opinion == "票据齐全，同意"
    vouchers.do_voucher_transition(heidi(world), voucher, "cosign")
    vouchers.do_voucher_transition(world.alice, voucher, "post")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.POSTED and voucher.committee_signed
    assert voucher.cosigned_by == heidi(world) and voucher.posted_by == world.alice
    assert [e["step"] for e in voucher.history] == ["submit", "review", "cosign", "post"]
    assert voucher.history[1]["by"] == "刘博" and voucher.history[1]["note"] == "票据齐全，同意"
    assert AuditEntry.objects.filter(target_type="voucher", target_id=str(voucher.pk)).count() == 4
    review = Activity.objects.get(source_type="voucher", source_id=str(voucher.pk))
    assert review.kind == Activity.Kind.REVIEW and "PZ-001" in review.title


def test_a_committee_member_cannot_cosign(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    with pytest.raises(PermissionDenied):
        vouchers.do_voucher_transition(world.bob, voucher, "cosign")


def test_staff_cannot_review(world: World) -> None:
    voucher = submit(world)
    for staff in (world.alice, heidi(world), world.erin):  # not even the district admin
        with pytest.raises(PermissionDenied):
            vouchers.do_voucher_transition(staff, voucher, "review")


def test_the_submitter_cannot_cosign_their_own_voucher(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    with pytest.raises(PermissionDenied) as exc:
        vouchers.do_voucher_transition(world.alice, voucher, "cosign")
    assert "另一名工作人员" in str(exc.value)
    assert vouchers.permitted_steps(world.alice, voucher) == []
    assert vouchers.permitted_steps(heidi(world), voucher) == ["cosign", "reject"]


def test_a_committee_member_who_submitted_cannot_review_it(world: World) -> None:
    both = make_user("ivy", "伊薇", Role.COMMUNITY_STAFF, world.sunshine)
    from yangguang.core.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.COMMITTEE_MEMBER, area=world.sunshine)
    voucher = submit(world, actor=both)
    with pytest.raises(PermissionDenied):
        vouchers.do_voucher_transition(both, voucher, "review")


def test_steps_out_of_order_are_refused(world: World) -> None:
    voucher = submit(world)
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(heidi(world), voucher, "cosign")
    assert "不能执行“会签”" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        vouchers.do_voucher_transition(world.alice, voucher, "post")
    with pytest.raises(ValidationError):
        vouchers.do_voucher_transition(world.alice, voucher, "fly")


def test_a_rejection_needs_a_reason_and_resubmission_works(world: World) -> None:
    voucher = submit(world)
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(world.bob, voucher, "reject", "  ")
    assert "退回理由" in exc.value.message_dict["note"][0]
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "金额与发票不符")
    assert voucher.status == VoucherStatus.REJECTED and voucher.reject_reason == "金额与发票不符"
    assert not voucher.committee_signed
    assert Activity.objects.filter(source_id=str(voucher.pk), title__contains="退回").exists()
    correction = vouchers.VoucherInput(
        area=world.sunshine,
        number="PZ-001",
        spent_on=voucher.spent_on,
        amount="1,150.00",
        payee=voucher.payee,
        purpose=voucher.purpose,
        receipts=[receipt("更正发票.png")],
    )
    vouchers.do_voucher_transition(
        world.alice, voucher, "resubmit", "已按发票更正金额", corrections=correction
    )
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED
    assert voucher.amount == Decimal("1150.00") and voucher.reject_reason == ""
    assert ledger.evidence_for(voucher).count() == 2
    assert [e["step"] for e in voucher.history] == ["submit", "reject", "resubmit"]
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    assert voucher.committee_signed


def test_the_cosigner_may_reject_and_the_committee_signature_lapses_on_resubmission(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    with pytest.raises(PermissionDenied):
        vouchers.do_voucher_transition(world.alice, voucher, "reject", "我自己退回")
    vouchers.do_voucher_transition(heidi(world), voucher, "reject", "收款方名称与合同不一致")
    # A co-signer's rejection is not the committee's act: no ledger line for it.
    assert Activity.objects.filter(source_id=str(voucher.pk)).count() == 1
    vouchers.do_voucher_transition(world.alice, voucher, "resubmit")
    voucher.refresh_from_db()
    assert voucher.reviewed_at is None and not voucher.committee_signed


def test_a_resubmission_with_bad_corrections_changes_nothing(world: World) -> None:
    voucher = submit(world)
    submit(world, "PZ-002")
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "重填")
    bad = vouchers.VoucherInput(
        area=world.sunshine, number="PZ-002", spent_on=None, amount="-1", payee="x", purpose="y"
    )
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(world.alice, voucher, "resubmit", corrections=bad)
    assert {"number", "spent_on", "amount"} <= set(exc.value.message_dict)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REJECTED and voucher.number == "PZ-001"


def test_a_person_who_corrected_a_voucher_cannot_cosign_it(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "重填")
    vouchers.do_voucher_transition(heidi(world), voucher, "resubmit")
    vouchers.do_voucher_transition(world.bob, voucher, "review")
    with pytest.raises(PermissionDenied):
        vouchers.do_voucher_transition(heidi(world), voucher, "cosign")


def test_two_committee_members_reviewing_at_once_only_one_wins(world: World) -> None:
    second = make_user("bea", "贝娅", Role.COMMITTEE_MEMBER, world.sunshine)
    voucher = submit(world)
    mine = Voucher.objects.get(pk=voucher.pk)
    theirs = Voucher.objects.get(pk=voucher.pk)
    vouchers.do_voucher_transition(world.bob, mine, "review", "同意")
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(second, theirs, "review", "同意")
    assert "刚刚被其他人处理过" in exc.value.messages[0]
    voucher.refresh_from_db()
    assert voucher.reviewed_by == world.bob
    assert [e["step"] for e in voucher.history] == ["submit", "review"]
    assert Activity.objects.filter(source_id=str(voucher.pk)).count() == 1


# --- voiding --------------------------------------------------------------------------------------------


def test_staff_void_an_abandoned_voucher_with_a_reason(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "reject", "缺少验收单")
    vouchers.do_voucher_transition(world.alice, voucher, "void", "供应商撤回报价，采购取消")
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.VOID and not voucher.committee_signed
    assert voucher.voided_by == world.alice and voucher.voided_at is not None
    assert voucher.void_reason == "供应商撤回报价，采购取消"
    assert [e["step"] for e in voucher.history] == ["submit", "reject", "void"]
    entry = AuditEntry.objects.filter(target_type="voucher", target_id=str(voucher.pk)).latest("pk")
    assert entry.changes["step"] == [None, "void"] and entry.reason == "供应商撤回报价，采购取消"
    line = Activity.objects.get(source_id=str(voucher.pk), kind=Activity.Kind.OTHER)
    assert "PZ-001" in line.title and "作废" in line.title
    assert "已退回" in line.detail and "供应商撤回报价" in line.detail


def test_a_voucher_the_committee_signed_may_be_voided_until_it_is_cosigned(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.bob, voucher, "review", "同意")
    assert vouchers.may_void(world.alice, voucher)
    vouchers.do_voucher_transition(heidi(world), voucher, "void", "重复报账，另一张凭证已办理")
    assert voucher.status == VoucherStatus.VOID and not voucher.committee_signed
    line = Activity.objects.get(source_id=str(voucher.pk), kind=Activity.Kind.OTHER)
    assert "监委会已审核" in line.detail  # the committee sees that what it signed was voided


def test_voiding_needs_a_reason(world: World) -> None:
    voucher = submit(world)
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(world.alice, voucher, "void", "  ")
    assert "作废理由" in exc.value.message_dict["note"][0]
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


def test_only_finance_staff_of_the_community_void(world: World) -> None:
    voucher = submit(world)
    for outsider in (world.bob, world.carol, world.dave, world.grace, world.mallory):
        assert not vouchers.may_void(outsider, voucher)
        with pytest.raises(PermissionDenied):
            vouchers.do_voucher_transition(outsider, voucher, "void", "不再报账")
    assert vouchers.may_void(world.erin, voucher)  # the district admin holds the finance right
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


def test_a_cosigned_or_posted_voucher_cannot_be_voided(world: World) -> None:
    cosigned = submit(world)
    vouchers.do_voucher_transition(world.bob, cosigned, "review")
    vouchers.do_voucher_transition(heidi(world), cosigned, "cosign")
    done = posted(world, "PZ-002")
    for voucher in (cosigned, done):
        assert not vouchers.may_void(world.alice, voucher)
        assert "只有尚未会签的凭证可以作废" in vouchers.void_refusal(voucher)
        with pytest.raises(ValidationError) as exc:
            vouchers.do_voucher_transition(world.alice, voucher, "void", "不再报账")
        assert "不能执行“作废”" in exc.value.messages[0]


def test_a_voided_voucher_is_never_edited_or_moved_on(world: World) -> None:
    voucher = submit(world)
    vouchers.do_voucher_transition(world.alice, voucher, "void", "凭证号登记错误，重新提交新凭证")
    assert vouchers.allowed_steps(voucher) == []
    assert vouchers.permitted_steps(world.alice, voucher) == []
    assert not vouchers.may_void(world.alice, voucher)
    correction = vouchers.VoucherInput(
        area=world.sunshine,
        number="PZ-001",
        spent_on=voucher.spent_on,
        amount="1",
        payee="x",
        purpose="y",
    )
    for actor, step in ((world.bob, "review"), (world.alice, "resubmit"), (world.alice, "void")):
        with pytest.raises(ValidationError):
            vouchers.do_voucher_transition(actor, voucher, step, "再试", corrections=correction)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.VOID and voucher.amount == Decimal("1200.50")
    # Its number stays taken: a voided voucher keeps its place in the books.
    with pytest.raises(ValidationError):
        submit(world, "PZ-001")


def test_voiding_is_offered_apart_from_the_chain_steps(world: World) -> None:
    voucher = submit(world)
    assert "void" in vouchers.allowed_steps(voucher)
    assert vouchers.permitted_steps(world.alice, voucher) == []
    assert vouchers.may_void(world.alice, voucher)  # the preparer may void their own voucher


def test_two_people_voiding_at_once_only_one_wins(world: World) -> None:
    voucher = submit(world)
    mine = Voucher.objects.get(pk=voucher.pk)
    theirs = Voucher.objects.get(pk=voucher.pk)
    vouchers.do_voucher_transition(world.alice, mine, "void", "不再报账")
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(heidi(world), theirs, "void", "不再报账")
    assert "刚刚被其他人处理过" in exc.value.messages[0]
    assert Activity.objects.filter(source_id=str(voucher.pk)).count() == 1


def test_a_project_spending_voucher_is_not_voided_from_the_books(world: World) -> None:
    voucher = submit(world, source_type="project", source_id="7")
    assert not vouchers.may_void(world.alice, voucher)
    assert "惠民项目" in vouchers.void_refusal(voucher)
    with pytest.raises(ValidationError) as exc:
        vouchers.do_voucher_transition(world.alice, voucher, "void", "不再报账")
    assert "惠民项目" in exc.value.messages[0]
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


# --- disclosure ------------------------------------------------------------------------------------------


def test_only_posted_signed_vouchers_are_disclosable(world: World) -> None:
    done = posted(world)
    reviewed = submit(world, "PZ-002")
    vouchers.do_voucher_transition(world.bob, reviewed, "review")
    when = last_month()
    period = vouchers.Period.month(when.year, when.month)
    assert list(vouchers.disclosable_vouchers(world.sunshine, period)) == [done]


def test_monthly_disclosure_refuses_while_a_voucher_is_unsigned(world: World) -> None:
    posted(world)
    waiting = submit(world, "PZ-007")
    when = last_month()
    with pytest.raises(ValidationError) as exc:
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    assert "PZ-007" in exc.value.messages[0] and "未经监委会审核签字" in exc.value.messages[0]
    vouchers.do_voucher_transition(world.bob, waiting, "reject", "缺少验收单")
    with pytest.raises(ValidationError):  # rejected and not corrected: still not final
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    assert not Disclosure.objects.exists()


def test_monthly_disclosure_lists_posted_vouchers_with_individuals_masked(world: World) -> None:
    posted(world, "PZ-001", amount="1,200.50", payee="芙蓉五金有限公司")
    posted(world, "PZ-002", amount="300", payee="张三丰", purpose="保洁劳务费")
    cosigned = submit(world, "PZ-003", amount="50")
    vouchers.do_voucher_transition(world.bob, cosigned, "review")
    vouchers.do_voucher_transition(heidi(world), cosigned, "cosign")
    posted(world, "PZ-004", spent_on=timezone.localdate().replace(day=1))  # another month
    when = last_month()
    disclosure = vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    payload = disclosure.payload
    assert disclosure.kind == "finance_monthly" and disclosure.status == Disclosure.Status.DRAFT
    assert [v["number"] for v in payload["vouchers"]] == ["PZ-001", "PZ-002"]
    payees = [v["payee"] for v in payload["vouchers"]]
    assert payees == ["芙蓉五金有限公司", "张*丰"]
    assert payload["totals"] == {"count": 2, "amount": "1500.50"}
    assert "张三丰" not in str(payload) and "alice" not in str(payload)
    with pytest.raises(ValidationError) as exc:
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    assert "已经生成" in exc.value.messages[0]
    # The committee signs it through the ledger, like every disclosure.
    ledger.do_sign_disclosure(world.bob, disclosure)


def test_a_voided_voucher_releases_the_month_and_is_listed_as_voided(world: World) -> None:
    posted(world, "PZ-001", amount="1,200.50")
    abandoned = submit(world, "PZ-007", amount="300")
    vouchers.do_voucher_transition(world.bob, abandoned, "reject", "缺少验收单")
    when = last_month()
    with pytest.raises(ValidationError):
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    reason = "张三丰已自行垫付并放弃报销，联系电话13812345678"
    vouchers.do_voucher_transition(world.alice, abandoned, "void", reason)
    period = vouchers.Period.month(when.year, when.month)
    assert list(vouchers.unsigned_vouchers(world.sunshine, period)) == []
    disclosure = vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    payload = disclosure.payload
    assert [v["number"] for v in payload["vouchers"]] == ["PZ-001"]
    assert payload["totals"] == {"count": 1, "amount": "1200.50"}  # what was voided was not spent
    assert payload["voided"] == [
        {
            "number": "PZ-007",
            "amount": "300.00",
            "void_reason": "张*丰已自行垫付并放弃报销，联系电话138****5678",
        }
    ]
    assert "张三丰" not in str(payload) and "13812345678" not in str(payload)
    assert "作废凭证 1 张" in disclosure.body


def test_a_month_with_only_voided_vouchers_can_still_be_disclosed(world: World) -> None:
    voucher = submit(world, "PZ-003")
    vouchers.do_voucher_transition(world.alice, voucher, "void", "重复登记")
    when = last_month()
    disclosure = vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    assert disclosure.payload["vouchers"] == [] and disclosure.payload["totals"]["count"] == 0
    assert [v["number"] for v in disclosure.payload["voided"]] == ["PZ-003"]


def test_a_month_without_voided_vouchers_has_no_voided_list(world: World) -> None:
    posted(world)
    when = last_month()
    disclosure = vouchers.check_create_finance_disclosure(world.alice, world.sunshine, when.year, when.month)
    assert "voided" not in disclosure.payload


def test_monthly_disclosure_needs_staff_and_a_sensible_month(world: World) -> None:
    with pytest.raises(PermissionDenied):
        vouchers.check_create_finance_disclosure(world.bob, world.sunshine, 2025, 1)
    with pytest.raises(ValidationError):
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, 2025, 13)
    future = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    with pytest.raises(ValidationError):
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, future.year, future.month)
    with pytest.raises(ValidationError) as exc:
        vouchers.check_create_finance_disclosure(world.alice, world.sunshine, 2020, 1)
    assert "没有已入账的凭证" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("payee", "shown"),
    [
        ("李四", "李*"),
        ("欧阳娜娜", "欧**娜"),
        ("长沙市芙蓉区供电局", "长沙市芙蓉区供电局"),
        ("阳光便利店", "阳光便利店"),
        ("绿源农业专业合作社", "绿源农业专业合作社"),
    ],
)
def test_public_payee_masks_individuals_only(payee: str, shown: str) -> None:
    assert vouchers.public_payee(payee) == shown
