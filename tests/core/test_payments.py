"""The payments ledger: importing payment files (row-level error report, idempotent re-import), manual
entry, and reconciliation against enrolment — each kind of mismatch (a payment while suspended included,
read from the enrolment's dated history), missing payments, re-checks opened once per payment, and the
matching of payees to enrolments in one pass."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import enrolled, family
from tests.core.test_welfare_applications import dibao
from yangguang.core import tabular
from yangguang.core.actions import audit, imports, payments, registry, welfare
from yangguang.core.models import AuditEntry, Enrollment, Payment, Person, Program, Recheck


def at(day: datetime.date, hour: int = 10) -> str:
    """A history line's "at", as the welfare actions write it (an aware moment)."""
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())
    return moment.isoformat(timespec="seconds")


def month_after(day: datetime.date, months: int = 1) -> datetime.date:
    return welfare.add_months(day.replace(day=1), months)


def id_of(person: Person) -> str:
    return person.unseal("id_number")


def csv_file(rows: list[tuple[str, ...]]) -> bytes:
    header = "姓名,身份证号,项目,发放月份,金额\n"
    return (header + "".join(",".join(row) + "\n" for row in rows)).encode("utf-8")


def row(
    person: Person, month: datetime.date, amount: str, program: str = "城市最低生活保障"
) -> tuple[str, ...]:
    return (person.name, id_of(person), program, f"{month:%Y-%m}", amount)


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


# --- import --------------------------------------------------------------------------------------------------


def test_import_reads_good_rows_and_reports_bad_ones(world: World, program: Program) -> None:
    month = timezone.localdate().replace(day=1)
    good = row(world.person, month, "680")
    data = csv_file(
        [
            good,
            ("李四", "430102198002022234", "城市最低生活保障", "2024-05", "680"),  # checksum
            (world.person.name, id_of(world.person), "不存在的项目", "2024-05", "680"),
            (world.person.name, id_of(world.person), "dibao", "五月", "680"),
            (world.person.name, id_of(world.person), "dibao", "2024年5月", "0"),
            good,  # the same payment twice in one file
        ]
    )
    run = payments.check_import_payments(world.alice, world.sunshine, data, "2024年5月发放.csv")
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (6, 1, 5)
    workbook = tabular.read_table(imports.error_report_bytes(run), "errors.xlsx")
    reasons = [r[-1] for r in workbook.rows]
    assert any("校验" in str(r) or "身份证" in str(r) for r in reasons)
    assert any("不存在的项目" in str(r) for r in reasons)
    assert any("发放月份" in str(r) for r in reasons)
    assert any("大于0" in str(r) for r in reasons)
    assert any("重复" in str(r) for r in reasons)
    payment = Payment.objects.get()
    assert payment.payee_id_number_masked.startswith("430") and payment.payee_id_number_enc
    assert payment.area == world.grid  # where the payee lives
    assert AuditEntry.objects.filter(action="import", changes__kind="payments").exists()


def test_reimporting_the_same_file_changes_nothing(world: World, program: Program) -> None:
    data = csv_file([row(world.person, timezone.localdate(), "680")])
    payments.check_import_payments(world.alice, world.sunshine, data, "a.csv")
    again = payments.check_import_payments(world.alice, world.sunshine, data, "a.csv")
    assert (again.rows_created, again.rows_unchanged) == (0, 1)
    corrected = csv_file([row(world.person, timezone.localdate(), "700")])
    third = payments.check_import_payments(world.alice, world.sunshine, corrected, "a.csv")
    assert third.rows_updated == 1
    assert Payment.objects.get().amount == Decimal("700.00")


def test_a_file_without_the_columns_is_refused_whole(world: World, program: Program) -> None:
    with pytest.raises(ValidationError, match="缺少必填列"):
        payments.check_import_payments(world.alice, world.sunshine, "姓名,金额\n张三,1\n".encode(), "x.csv")
    with pytest.raises(ValidationError):
        payments.check_import_payments(world.alice, world.sunshine, b"\x00\x01garbage", "x.xlsx")


def test_only_staff_import_and_reconcile(world: World, program: Program) -> None:
    data = csv_file([row(world.person, timezone.localdate(), "680")])
    for outsider in (world.bob, world.carol, world.dave, world.mallory):
        with pytest.raises(PermissionDenied):
            payments.check_import_payments(outsider, world.sunshine, data, "a.csv")
        with pytest.raises(PermissionDenied):
            payments.check_reconcile(outsider, world.sunshine, timezone.localdate())


def test_manual_entry(world: World, program: Program) -> None:
    month = timezone.localdate().replace(day=1)
    payment = payments.check_add_payment(
        world.alice,
        world.sunshine,
        program=program,
        month=month,
        amount=Decimal("680"),
        payee_name="张三丰",
        payee_id_number=id_of(world.person),
    )
    assert payment.month == month and payment.payee_name == "张三丰"
    with pytest.raises(ValidationError, match="已有"):
        payments.check_add_payment(
            world.alice,
            world.sunshine,
            program=program,
            month=month,
            amount=Decimal("680"),
            payee_name="张三丰",
            payee_id_number=id_of(world.person),
        )
    with pytest.raises(ValidationError):
        payments.check_add_payment(
            world.alice,
            world.sunshine,
            program=program,
            month=month,
            amount=Decimal("680"),
            payee_name="某某",
            payee_id_number="123",
        )


def test_parse_month_accepts_what_people_type() -> None:
    may = datetime.date(2024, 5, 1)
    for value in ("2024-05", "2024/5", "2024年5月", "202405", "2024-05-20", datetime.date(2024, 5, 31)):
        assert payments.parse_month(value) == may
    with pytest.raises(ValueError):
        payments.parse_month("五月")


# --- reconciliation ------------------------------------------------------------------------------------------


@pytest.fixture
def ledger(world: World, program: Program) -> dict[str, Any]:
    """Five enrolled households and one resident who is not enrolled, paid for the first month of enrolment
    (M1) and, for one household, the month before (M0)."""
    homes = {
        name: enrolled(world, program, family(world, f"H-02{seq}", head, spouse, 20 + seq))
        for seq, (name, head, spouse) in enumerate(
            [
                ("ok", "赵一", "钱一"),
                ("differs", "赵二", "钱二"),
                ("exited", "赵三", "钱三"),
                ("dead", "赵四", "钱四"),
                ("missing", "赵五", "钱五"),
            ]
        )
    }
    m1 = homes["ok"].starts_on
    m0 = month_after(m1, -1)
    today = timezone.localdate()
    welfare.do_exit_enrollment(world.alice, homes["exited"], reason="家庭收入已超过标准", exited_on=today)
    dead = homes["dead"].head
    before = audit.snapshot(dead)
    dead.died_on = today
    registry.do_save_record(None, dead, before=before)
    rows = [
        row(homes["ok"].head, m1, "1300"),
        row(homes["ok"].head, m0, "1300"),
        row(homes["differs"].head, m1, "1500"),
        row(homes["exited"].head, m1, "1300"),
        row(homes["dead"].head, m1, "1300"),
        row(world.person, m1, "680"),
    ]
    run = payments.check_import_payments(world.alice, world.sunshine, csv_file(rows), "发放.csv")
    assert run.rows_created == 6, run.message
    return {"homes": homes, "m1": m1, "m0": m0}


def test_each_kind_of_mismatch_is_found_once(world: World, ledger: dict[str, Any]) -> None:
    homes, m1 = ledger["homes"], ledger["m1"]
    report = payments.check_reconcile(world.alice, world.sunshine, m1)
    assert report.checked == 5
    assert report.counts == {
        "deceased": 1,
        "not_enrolled": 1,
        "before_start": 0,
        "after_exit": 1,
        "suspended": 0,
        "amount_differs": 1,
        "missing_payment": 1,
    }
    assert report.in_order == 1
    assert report.missing == [homes["missing"]]
    by_code = {code: found[0] for code, found in report.mismatches.items()}
    assert by_code["deceased"].enrollment == homes["dead"]
    assert "死亡" in by_code["deceased"].mismatch_detail and "赵*" in by_code["deceased"].mismatch_detail
    assert "赵四" not in by_code["deceased"].mismatch_detail
    assert by_code["amount_differs"].mismatch_detail.endswith("相差+200.00元。")
    assert by_code["after_exit"].enrollment == homes["exited"]
    assert by_code["not_enrolled"].enrollment is None
    ok = Payment.objects.get(enrollment=homes["ok"], month=m1)
    assert ok.mismatch == "" and ok.mismatch_detail == ""

    before = payments.reconcile(world.sunshine, ledger["m0"])
    assert before.counts["before_start"] == 1


def test_mismatches_become_rechecks_once(world: World, ledger: dict[str, Any]) -> None:
    homes, m1 = ledger["homes"], ledger["m1"]
    report = payments.reconcile(world.sunshine, m1, actor=world.alice)
    assert report.rechecks_opened == 4
    rechecks = {r.checklist[0]["mismatch"]: r for r in Recheck.objects.all()}
    assert set(rechecks) == {"deceased", "not_enrolled", "after_exit", "amount_differs"}
    assert rechecks["deceased"].enrollment == homes["dead"]
    assert rechecks["deceased"].reason.startswith("死亡后仍发放：")
    assert rechecks["not_enrolled"].enrollment is None
    assert rechecks["deceased"].checklist[0]["key"] == "payment_mismatch"
    deaths = next(item for item in rechecks["deceased"].checklist if item["key"] == "data_deaths")
    assert deaths["flagged"] and "登记死亡" in deaths["facts"]

    again = payments.reconcile(world.sunshine, m1, actor=world.alice)
    assert (again.changed, again.rechecks_opened) == (0, 0)
    assert again.counts == report.counts
    assert Recheck.objects.count() == 4


def test_a_fixed_mismatch_is_cleared_on_the_next_run(world: World, ledger: dict[str, Any]) -> None:
    homes, m1 = ledger["homes"], ledger["m1"]
    payments.reconcile(world.sunshine, m1)
    welfare.do_adjust_enrollment(
        world.alice,
        Enrollment.objects.get(pk=homes["differs"].pk),
        household_size=2,
        monthly_amount=Decimal("1500"),
        reason="补发差额后核定为1500元",
    )
    report = payments.reconcile(world.sunshine, m1)
    assert report.counts["amount_differs"] == 0 and report.changed == 1
    assert Recheck.objects.count() == 4  # the committee's finding stays until it concludes


# --- suspension ----------------------------------------------------------------------------------------------


def test_a_payment_while_suspended_is_flagged_and_opens_a_recheck(world: World, program: Program) -> None:
    home = enrolled(world, program, family(world, "H-0231", "孙一", "李一", 31))
    welfare.do_suspend_enrollment(world.alice, home, reason="外出务工，收入待核实")
    m1 = home.starts_on  # the first month of enrolment, which begins after the suspension
    rows = [row(home.head, m1, "1300")]
    payments.check_import_payments(world.alice, world.sunshine, csv_file(rows), "发放.csv")
    report = payments.reconcile(world.sunshine, m1, actor=world.alice)
    assert report.counts["suspended"] == 1 and report.counts["amount_differs"] == 0
    assert report.counts["missing_payment"] == 0  # a suspended household is never "missing"
    payment = Payment.objects.get()
    assert payment.enrollment == home and payment.mismatch == "suspended"
    since = timezone.localdate().isoformat()
    assert (
        payment.mismatch_detail == f"孙*户自{since}起暂停发放城市最低生活保障，{m1:%Y年%m月}仍发放1300.00元。"
    )
    recheck = Recheck.objects.get()
    assert recheck.reason.startswith("暂停期间仍发放：") and recheck.enrollment == home
    assert recheck.checklist[0]["mismatch"] == "suspended"
    again = payments.reconcile(world.sunshine, m1, actor=world.alice)
    assert (again.changed, again.rechecks_opened) == (0, 0)


def test_a_resumed_household_is_paid_in_order(world: World, program: Program) -> None:
    home = enrolled(world, program, family(world, "H-0232", "孙二", "李二", 32))
    welfare.do_suspend_enrollment(world.alice, home, reason="外出务工，收入待核实")
    welfare.do_resume_enrollment(world.alice, home, reason="核实收入未超标准")
    m1 = home.starts_on
    payments.check_import_payments(
        world.alice, world.sunshine, csv_file([row(home.head, m1, "1300")]), "a.csv"
    )
    report = payments.reconcile(world.sunshine, m1)
    assert report.counts["suspended"] == 0 and report.in_order == 1


def test_a_suspension_ends_with_the_exit_and_after_exit_comes_first() -> None:
    """The checks run in order: a payment after the exit is "after exit", whatever came before; the
    suspension ends with the exit."""
    month = datetime.date(2024, 6, 1)
    home = Enrollment(
        starts_on=datetime.date(2024, 1, 1),
        monthly_amount=Decimal("1300"),
        status=Enrollment.Status.EXITED,
        exited_on=datetime.date(2024, 5, 20),
        history=[
            {"at": at(datetime.date(2024, 3, 2)), "action": "suspend"},
            {"at": at(datetime.date(2024, 5, 20)), "action": "exit"},
        ],
    )
    payment = Payment(amount=Decimal("1300"), payee_name="孙三", program=Program(name="低保"))
    assert payments._judge(payment, home, None, month)[0] == "after_exit"
    assert payments._judge(payment, home, None, datetime.date(2024, 5, 1))[0] == ""  # the exit month
    assert payments._judge(payment, home, None, datetime.date(2024, 4, 1))[0] == "suspended"
    assert payments._judge(payment, home, None, datetime.date(2024, 3, 1))[0] == ""


@pytest.mark.parametrize(
    ("month", "suspended"),
    [
        (datetime.date(2024, 2, 1), False),  # before the suspension
        (datetime.date(2024, 3, 1), False),  # suspended on 10 March: March may have been paid already
        (datetime.date(2024, 4, 1), True),  # suspended throughout
        (datetime.date(2024, 5, 1), False),  # resumed on 31 May: May's payment is due
        (datetime.date(2024, 6, 1), False),
        (datetime.date(2024, 7, 1), False),  # suspended again on 1 July: not before the month began
        (datetime.date(2024, 8, 1), True),  # still suspended
    ],
)
def test_only_a_month_suspended_throughout_is_flagged(month: datetime.date, suspended: bool) -> None:
    home = Enrollment(
        starts_on=datetime.date(2024, 1, 1),
        status=Enrollment.Status.SUSPENDED,
        history=[
            {"at": at(datetime.date(2024, 1, 1)), "action": "enrol"},
            {"at": at(datetime.date(2024, 3, 10)), "action": "suspend", "note": "外出务工"},
            {"at": at(datetime.date(2024, 5, 31)), "action": "resume"},
            {"at": at(datetime.date(2024, 7, 1)), "action": "suspend"},
        ],
    )
    assert payments.suspensions(home) == [
        (datetime.date(2024, 3, 10), datetime.date(2024, 5, 31)),
        (datetime.date(2024, 7, 1), None),
    ]
    assert (payments._suspended_since(home, month) is not None) == suspended


def test_a_suspension_without_a_dated_line_counts_from_the_last_recorded_change() -> None:
    home = Enrollment(
        starts_on=datetime.date(2024, 1, 1),
        status=Enrollment.Status.SUSPENDED,
        history=[{"at": at(datetime.date(2024, 2, 5)), "action": "adjust"}, {"action": "suspend"}],
    )
    assert payments.suspensions(home) == [(datetime.date(2024, 2, 5), None)]
    active = Enrollment(starts_on=datetime.date(2024, 1, 1), status=Enrollment.Status.ACTIVE, history=[])
    assert payments.suspensions(active) == []


# --- matching payees to enrolments -----------------------------------------------------------------------------


def test_matching_payees_to_enrolments_in_one_pass_gives_the_pairwise_answer() -> None:
    """The one-pass matching finds, for every payee and program, the same enrolments in the same order as
    comparing every enrolment with every payee."""
    import random

    rng = random.Random(7)
    candidates = [
        Enrollment(
            pk=n,
            head_id=rng.randint(1, 30),
            household_id=rng.choice([None, *range(100, 110)]),
            program_id=rng.choice([1, 2]),
        )
        for n in range(1, 120)
    ]
    person_ids = set(range(1, 25))
    households = {pk: rng.randint(100, 112) for pk in person_ids if rng.random() < 0.8}
    pairwise: dict[tuple[int, int], list[int]] = {}
    for person in sorted(person_ids):
        household = households.get(person)
        for candidate in candidates:
            if candidate.head_id == person or (household is not None and candidate.household_id == household):
                pairwise.setdefault((person, candidate.program_id), []).append(candidate.pk)
    found = payments._options_by_person(candidates, person_ids, households)
    assert {key: [e.pk for e in options] for key, options in found.items()} == pairwise
