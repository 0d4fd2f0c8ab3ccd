"""Back-office pages of the payments ledger and the committee's re-checks: the ledger list (filters, masking,
pinned query count), import with its error workbook, manual entry, reconciliation (staff run it, everyone who
reads welfare data sees the report), one household's payments (audited), and the re-check queue and page
(committee fills in and concludes, staff act) — with outsiders kept out."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import enrolled, family
from tests.core.test_payments import csv_file, row
from tests.core.test_welfare_applications import dibao
from yangguang.core import tabular
from yangguang.core.actions import payments, rechecks
from yangguang.core.models import AuditEntry, Enrollment, ImportRun, Payment, Program, Recheck

LEDGER = "/office/payments/"
RECHECKS = "/office/rechecks/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


@pytest.fixture
def household(world: World, program: Program) -> Enrollment:
    return enrolled(world, program, family(world, "H-0701", "钱国强", "孙丽", 71))


@pytest.fixture
def paid(world: World, household: Enrollment) -> Enrollment:
    """The household paid 200 yuan too much in its first month, and reconciled."""
    data = csv_file(
        [row(household.head, household.starts_on, "1500"), row(world.person, household.starts_on, "680")]
    )
    payments.check_import_payments(world.alice, world.sunshine, data, "发放.csv")
    payments.reconcile(world.sunshine, household.starts_on, actor=world.alice)
    return household


# --- the ledger ------------------------------------------------------------------------------------------------


def test_anonymous_and_roleless_users_are_kept_out(world: World) -> None:
    assert Client().get(LEDGER).status_code == 302
    for url in (
        LEDGER,
        RECHECKS,
        "/office/payments/reconcile/",
        "/office/payments/import/",
        "/office/rechecks/new/",
    ):
        assert logged_in(world.mallory).get(url).status_code == 404, url
    assert logged_in(world.bob).get("/office/payments/import/").status_code == 404
    assert logged_in(world.alice).get("/office/rechecks/new/").status_code == 404


def test_the_ledger_masks_ids_and_names_by_role(world: World, paid: Enrollment) -> None:
    staff = logged_in(world.alice).get(LEDGER).content.decode()
    assert "钱国强" in staff and "430102196501" not in staff  # full name for staff, never the full ID
    committee = logged_in(world.bob).get(LEDGER).content.decode()
    assert "钱*强" in committee and "钱国强" not in committee
    assert "钱*强" not in logged_in(world.carol).get(LEDGER).content.decode()


def test_the_ledger_filters(world: World, paid: Enrollment) -> None:
    client = logged_in(world.alice)
    month = f"{paid.starts_on:%Y-%m}"
    only = client.get(LEDGER, {"month": month, "mismatch": "amount_differs"}).content.decode()
    assert "钱国强" in only and "张三丰" not in only and "发放金额与核定金额不符" in only
    other = client.get(LEDGER, {"month": "2001-01"}).content.decode()
    assert "没有符合条件的发放记录" in other
    bad = client.get(LEDGER, {"month": "五月"})
    assert bad.status_code == 200 and "2024-05" in bad.content.decode()


def test_the_ledger_query_count_does_not_grow(
    world: World, paid: Enrollment, django_assert_num_queries: Any
) -> None:
    client = logged_in(world.bob)
    client.get(LEDGER)
    with django_assert_num_queries(5):  # session, user, roles, the community filter's choices, the rows
        client.get(LEDGER)
    for n in range(3):
        payments.check_add_payment(
            world.alice,
            world.sunshine,
            program=paid.program,
            month=paid.starts_on.replace(year=paid.starts_on.year - 1 - n),
            amount=paid.monthly_amount,
            payee_name=paid.head.name,
            payee_id_number=paid.head.unseal("id_number"),
        )
    with django_assert_num_queries(5):
        assert client.get(LEDGER).status_code == 200


def test_import_from_the_page(world: World, program: Program) -> None:
    client = logged_in(world.alice)
    month = timezone.localdate().replace(day=1)
    data = csv_file([row(world.person, month, "680"), ("某人", "123", "城市最低生活保障", "2024-05", "1")])
    upload = SimpleUploadedFile("发放.csv", data, content_type="text/csv")
    response = client.post("/office/payments/import/", {"area": world.sunshine.pk, "file": upload})
    run = ImportRun.objects.get(kind="payments")
    assert response.status_code == 302 and response["Location"] == f"/office/payments/import/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "下载错误报告" in page
    errors = client.get(f"/office/payments/import/{run.pk}/errors.xlsx")
    assert errors["Content-Type"] == tabular.XLSX_CONTENT_TYPE
    assert AuditEntry.objects.filter(action="export", target_type="importrun").exists()
    assert logged_in(world.carol).get(f"/office/payments/import/{run.pk}/").status_code == 404
    assert logged_in(world.bob).get(f"/office/payments/import/{run.pk}/errors.xlsx").status_code == 404
    template = client.get("/office/payments/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"] == tabular.XLSX_CONTENT_TYPE


def test_a_bad_file_is_refused_beside_the_field(world: World, program: Program) -> None:
    upload = SimpleUploadedFile("x.csv", "姓名,金额\n张三,1\n".encode(), content_type="text/csv")
    response = logged_in(world.alice).post(
        "/office/payments/import/", {"area": world.sunshine.pk, "file": upload}
    )
    assert "缺少必填列" in response.content.decode()


def test_manual_entry_from_the_page(world: World, program: Program) -> None:
    client = logged_in(world.alice)
    data = {
        "area": world.sunshine.pk,
        "program": program.pk,
        "month": f"{timezone.localdate():%Y-%m}",
        "amount": "680",
        "payee_name": "张三丰",
        "payee_id_number": "123",
    }
    refused = client.post("/office/payments/new/", data)
    assert refused.status_code == 200 and not Payment.objects.exists()
    data["payee_id_number"] = world.person.unseal("id_number")
    assert client.post("/office/payments/new/", data).status_code == 302
    assert Payment.objects.count() == 1


def test_staff_run_the_reconciliation_and_the_committee_reads_the_report(
    world: World, household: Enrollment
) -> None:
    data = csv_file([row(household.head, household.starts_on, "1500")])
    payments.check_import_payments(world.alice, world.sunshine, data, "发放.csv")
    form = {"area": world.sunshine.pk, "month": f"{household.starts_on:%Y-%m}"}
    assert logged_in(world.bob).post("/office/payments/reconcile/", form).status_code == 403
    outsider = logged_in(world.carol).post("/office/payments/reconcile/", form)
    assert "请选择社区" in outsider.content.decode() and not Recheck.objects.exists()
    response = logged_in(world.alice).post("/office/payments/reconcile/", form, follow=True)
    page = response.content.decode()
    assert "比对完成：核对1笔，发现问题1笔，新开复核核查1件" in page
    report = logged_in(world.bob).get("/office/payments/reconcile/", form).content.decode()
    assert "相差+200.00元" in report and "钱*强" in report and "重新比对" not in report
    assert Recheck.objects.count() == 1


def test_a_payment_while_suspended_shows_in_the_report_and_the_ledger_filter(
    world: World, household: Enrollment
) -> None:
    from yangguang.core.actions import welfare

    welfare.do_suspend_enrollment(world.alice, household, reason="外出务工，收入待核实")
    data = csv_file([row(household.head, household.starts_on, "1300")])
    payments.check_import_payments(world.alice, world.sunshine, data, "发放.csv")
    form = {"area": world.sunshine.pk, "month": f"{household.starts_on:%Y-%m}"}
    logged_in(world.alice).post("/office/payments/reconcile/", form)
    report = logged_in(world.bob).get("/office/payments/reconcile/", form).content.decode()
    assert "暂停期间仍发放" in report and 'data-mismatch="suspended"' in report and "钱*强" in report
    ledger = logged_in(world.alice).get(LEDGER, {"mismatch": "suspended"}).content.decode()
    assert "钱国强" in ledger and "暂停发放" in ledger


def test_one_households_payments_are_audited(world: World, paid: Enrollment) -> None:
    url = f"/office/payments/household/{paid.pk}/"
    assert logged_in(world.carol).get(url).status_code == 404
    page = logged_in(world.bob).get(url).content.decode()
    assert "1500.00" in page and "钱*强户" in page
    entry = AuditEntry.objects.filter(action="reveal", target_type="enrollment", target_id=str(paid.pk)).get()
    assert entry.actor == world.bob and entry.changes == {"view": "payments"}


# --- re-checks -------------------------------------------------------------------------------------------------


def test_the_recheck_queue(world: World, paid: Enrollment, django_assert_num_queries: Any) -> None:
    client = logged_in(world.bob)
    page = client.get(RECHECKS).content.decode()
    assert "发放金额与核定金额不符" in page and "钱*强" in page
    assert "钱*强" not in logged_in(world.carol).get(RECHECKS).content.decode()
    rechecks.do_open_recheck(world.bob, enrollment=paid, reason="居民反映")
    with django_assert_num_queries(4):  # session, user, roles, the page's rows
        assert client.get(RECHECKS).status_code == 200
    assert "居民反映" not in client.get(RECHECKS, {"conclusion": "eligible"}).content.decode()


def test_the_committee_opens_a_recheck_from_the_page(world: World, household: Enrollment) -> None:
    client = logged_in(world.bob)
    page = client.get("/office/rechecks/new/").content.decode()
    assert "钱*强" in page and "钱国强" not in page
    refused = client.post("/office/rechecks/new/", {"enrollment": household.pk, "reason": ""})
    assert "请填写核查缘由" in refused.content.decode()
    response = client.post("/office/rechecks/new/", {"enrollment": household.pk, "reason": "例行抽查"})
    recheck = Recheck.objects.get()
    assert response["Location"] == f"/office/rechecks/{recheck.pk}/"
    assert (
        logged_in(world.alice)
        .post("/office/rechecks/new/", {"enrollment": household.pk, "reason": "x"})
        .status_code
        == 404
    )


def checklist_post(**answers: str) -> dict[str, str]:
    data = {f"{item.key}-result": "" for item in rechecks.ITEMS}
    data.update(answers)
    return data


def test_the_recheck_page_flow(world: World, household: Enrollment) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="春节前排查")
    url = f"/office/rechecks/{recheck.pk}/"
    assert logged_in(world.carol).get(url).status_code == 404
    assert logged_in(world.mallory).get(url).status_code == 404
    staff = logged_in(world.alice).get(url).content.decode()
    assert "保存核查清单" not in staff and "记录结论" not in staff
    committee = logged_in(world.bob)
    page = committee.get(url).content.decode()
    assert "保存核查清单" in page and "户籍登记现有成员2人" in page
    assert (
        AuditEntry.objects.filter(action="reveal", target_type="recheck", changes__view="recheck").count()
        == 2
    )

    assert logged_in(world.alice).post(f"{url}checklist/", checklist_post()).status_code == 403
    refused = committee.post(f"{url}checklist/", checklist_post(**{"doc_assets-result": "problem"}))
    assert "发现问题时请写明具体情况" in refused.content.decode()
    saved = committee.post(
        f"{url}checklist/",
        checklist_post(
            **{
                "doc_assets-result": "problem",
                "doc_assets-note": "未申报机动车",
                "home_visit-result": "problem",
                "home_visit-date": timezone.localdate().isoformat(),
                "home_visit-who": "刘博",
                "home_visit-observations": "门前停放小汽车",
                "home_visit-note": "有小汽车",
            }
        ),
    )
    assert saved.status_code == 302

    assert (
        logged_in(world.alice)
        .post(f"{url}conclude/", {"conclusion": "ineligible", "note": "有车"})
        .status_code
        == 403
    )
    missing = committee.post(f"{url}conclude/", {"conclusion": "ineligible", "note": ""})
    assert "请写明结论的理由" in missing.content.decode()
    assert (
        committee.post(f"{url}conclude/", {"conclusion": "ineligible", "note": "拥有机动车"}).status_code
        == 302
    )

    assert committee.post(f"{url}act/", {}).status_code == 403  # the committee never changes an enrolment
    act_page = logged_in(world.alice).get(url).content.decode()
    assert "确认处理" in act_page
    done = logged_in(world.alice).post(f"{url}act/", {"note": "已告知本人"}, follow=True)
    assert "已根据监委会的核查结论处理该救助对象" in done.content.decode()
    household.refresh_from_db()
    assert household.status == Enrollment.Status.EXITED
    again = logged_in(world.alice).post(f"{url}act/", {}, follow=True)
    assert again.status_code == 200
