"""The demo's welfare funds (惠民资金): the district's programs, the households receiving assistance, the
monthly payments and their reconciliation, and in 阳光社区 applications in every status with their public
notices — through the actions, except the roster and the payments, which are written in bulk.

- Programs (by `civil_affairs`, two years ago): 城乡居民最低生活保障 at ¥800 per person and month, 特困人员
  救助供养 at ¥1,040 and 临时救助 (one-off), each with its standard and source (a fictional 芙蓉示范区
  document), and the district's own rule that a full-time graduate student is not counted (seed 000).
- The roster (bulk, like a roster import): every household the registry tags 低保户 and every 特困人员,
  topped up to 3–4.5 % of each community's households (their members then get the 低保户 tag too), each
  with its size, amount (the standard minus the household's income per head, times its size), start month
  and next review.
- Payments (bulk, like a payment-file import, each already matched to its enrolment as a reconciliation
  leaves it) for the last three complete months, paid on the 10th. Only 阳光社区's file has mistakes: its clerk reconciles the last
  month on the 25th (`payments.check_reconcile`), which opens a re-check for the committee for each: a
  payee whose death was registered after the payment, an amount that differs from the approved one, and a
  household paid after it exited. (Reconciling the other files would change nothing, so it is not run.)
- 阳光社区's applications (by `staff_yangguang`): received, accepted, authorised, surveyed (a household of a
  cadre's relative: kin-flagged, home visit), reviewed, on the notice now shown on the portal (among them
  the graduate-student household of seed 000: father, mother and son, 2 counted), and on last month's
  notice, ended, where one objection was upheld (refused) and one dismissed (confirmed, enrolled); one
  withdrawn. The committee concludes the re-check of the deceased payee and staff act on it.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Count

from yangguang.core.actions import audit, payments, rechecks, registry, welfare
from yangguang.core.actions.welfare import ApplicationInput, MemberInput, add_months
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    Area,
    AuditAction,
    Circumstance,
    CountingRule,
    Enrollment,
    Household,
    HouseholdMembership,
    Payment,
    Person,
    Program,
    ProgramStandard,
    Recheck,
    Relation,
    ResidenceStatus,
    Tag,
)
from yangguang.core.sealing import seal

from .clock import Clock
from .layout import (
    GRADUATE_RULE_SOURCE,
    PROGRAMS,
    SHOWCASE_COMMUNITY,
    WELFARE_SOURCE,
)
from .places import Login
from .residents import Member
from .writer import Table

if TYPE_CHECKING:
    from .supervision import Office

ZERO = Decimal("0")
S = ApplicationStatus
ENROLLMENT_COLUMNS = (
    "area", "program", "household", "head", "household_size", "monthly_amount", "starts_on", "review_due_on",
    "history",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "area", "program", "enrollment", "month", "amount", "payee_name", "payee_id_number_enc",
    "payee_id_number_index", "payee_id_number_masked",
)  # fmt: skip
# `seal` binds each ciphertext to its model and field, exactly as `SealedFieldsMixin.set_sealed` does.
_PAYMENT_LABEL = Payment._meta.label_lower


class WelfareGenerator:
    def __init__(self, *, seed: int, clock: Clock, counts: Counter[str], district: Area) -> None:
        self.seed = seed
        self.clock = clock
        self.counts = counts
        self.district = district
        self.today = clock.as_of.date()
        self.month = self.today.replace(day=1)
        self.programs: dict[str, Program] = {}

    def generate(self, offices: list[Office], logins: dict[str, Login]) -> None:
        login = logins.get("civil_affairs")
        if login is None:
            return
        self._programs(User.objects.get(pk=login.pk))
        showcase = next((o for o in offices if o.name == SHOWCASE_COMMUNITY and o.clerk is not None), None)
        for office in offices:
            self._roster(office)
        if showcase is not None:
            self._exit_one(showcase)
            self._applications(showcase)
        self._payments(offices, showcase)
        if showcase is not None:
            self._recheck(showcase)

    # --- programs

    def _programs(self, civil: User) -> None:
        year = self.today.year - 2
        effective = datetime.date(year, 1, 1)
        self.clock.at(self.clock.office(datetime.date(year, 1, 3), 10, 0))
        for code, name, kind, unit, yuan in PROGRAMS:
            program = welfare.do_save_program(
                civil,
                Program(
                    area=self.district,
                    code=code,
                    name=name,
                    kind=kind,
                    unit=unit,
                    review_months=12,
                    notice_days=7,
                    source=WELFARE_SOURCE.format(year=year),
                ),
            )
            welfare.do_add_standard(
                civil,
                program,
                ProgramStandard(
                    effective_from=effective,
                    monthly_standard=Decimal(yuan),
                    source=WELFARE_SOURCE.format(year=year),
                ),
            )
            self.programs[code] = program
        welfare.do_add_counting_rule(
            civil,
            CountingRule(
                area=self.district,
                circumstance=Circumstance.GRADUATE_STUDENT,
                counted=False,
                reason="户口未迁出的全日制研究生不计入共同生活的家庭成员。",
                source=GRADUATE_RULE_SOURCE.format(year=year),
                effective_from=effective,
            ),
        )
        self.counts["welfare_programs"] = len(self.programs)

    # --- the roster (bulk)

    def _roster(self, office: Office) -> None:
        """The households receiving 低保 and the 特困人员 of one community, written like a roster import."""
        rng = random.Random(f"{self.seed}:{office.name}:welfare")
        areas = [office.area.pk, *(grid.pk for grid in office.info.grids)]
        households = Household.objects.filter(area_id__in=areas, head__died_on__isnull=True)
        total = households.count()
        dibao = list(households.filter(head__tags__code="dibao").order_by("pk").values_list("pk", "head_id"))
        tekun = list(
            households.filter(head__tags__code="extreme_poverty").order_by("pk").values_list("pk", "head_id")
        )
        chosen = {pk for pk, _head in dibao + tekun}
        target = round(total * rng.uniform(0.03, 0.045))
        if office.name == SHOWCASE_COMMUNITY:
            target = max(target, 5)  # the payment file's mistakes below need a few households
        extra: list[tuple[int, int]] = []
        if len(chosen) < target:
            # Households of the disabled and of elderly people living alone or as a couple, from a window
            # starting at a random household (bounded, whatever the scale).
            candidates = households.filter(
                head__residence_status=ResidenceStatus.REGISTERED,
                head__tags__code__in=["disabled", "elderly_alone", "empty_nest"],
            ).exclude(pk__in=chosen)
            window = 4 * (target - len(chosen))
            bounds = households.order_by("pk").values_list("pk", flat=True)
            lowest, highest = bounds.first() or 0, bounds.last() or 0
            start = rng.randint(lowest, highest) if highest else 0
            found = list(
                candidates.filter(pk__gte=start).order_by("pk").values_list("pk", "head_id")[:window]
            )
            if len(found) < window:
                found += (
                    candidates.filter(pk__lt=start)
                    .order_by("pk")
                    .values_list("pk", "head_id")[: window - len(found)]
                )
            found = list(dict.fromkeys(found))  # a head with two of the tags is found twice
            extra = rng.sample(found, min(len(found), target - len(chosen)))
            self._tag_dibao([pk for pk, _head in extra])
        sizes = dict(
            HouseholdMembership.objects.filter(
                household_id__in=[pk for pk, _h in dibao + tekun + extra], end_date__isnull=True
            )
            .values("household_id")
            .annotate(n=Count("pk"))
            .values_list("household_id", "n")
        )
        # Written like the registry, with the demo's writer (14,000 households at scale 33).
        imported_at = self.clock.at(self.clock.office(add_months(self.month, -2), 9, 0))
        table = Table(Enrollment, ENROLLMENT_COLUMNS, imported_at)
        money_field = Enrollment._meta.get_field("monthly_amount")
        history_field = Enrollment._meta.get_field("history")
        adapt = connection.ops.adapt_datefield_value
        line = 1
        for code, group in (("dibao", dibao + extra), ("tekun", tekun)):
            program = self.programs[code]
            standard = Decimal(next(yuan for c, _n, _k, _u, yuan in PROGRAMS if c == code))
            for household, head in group:
                line += 1
                size = 1 if code == "tekun" else max(1, sizes.get(household, 1))
                if code == "tekun":
                    amount = standard
                else:
                    income = Decimal(rng.randrange(0, 52)) * 10  # per head and month
                    amount = (standard - income) * size
                starts_on = add_months(self.month, -rng.randint(4, 40))  # newer ones came by application
                due = add_months(starts_on, 12)
                while due < self.today - datetime.timedelta(days=45):
                    due = add_months(due, 12)
                imported = starts_on - datetime.timedelta(days=rng.randint(5, 20))
                # The history line a roster import writes (`welfare_import._save`).
                history = [
                    {
                        "at": self.clock.moment(imported, 10).isoformat(timespec="seconds"),
                        "actor": "系统",
                        "action": "enrol",
                        "source": "import",
                        "file": f"{office.name}救助对象名册.xlsx",
                        "line": line,
                    }
                ]
                table.add(
                    office.area.pk,
                    program.pk,
                    household,
                    head,
                    size,
                    money_field.get_db_prep_save(amount, connection),
                    adapt(starts_on),
                    adapt(due),
                    history_field.get_db_prep_save(history, connection),
                )
        table.flush()
        with connection.cursor() as cursor:  # PostgreSQL: move the id sequence past the rows written
            for sql in connection.ops.sequence_reset_sql(no_style(), [Enrollment]):
                cursor.execute(sql)
        audit.record(
            office.clerk,
            AuditAction.IMPORT,
            target_type="enrollment",
            target_id="demo",
            target_repr=f"{office.name}救助对象名册",
            area=office.area,
            changes={"enrollments": [None, table.count]},
        )
        self.counts["enrollments"] += table.count

    def _tag_dibao(self, households: list[int]) -> None:
        tag = Tag.objects.filter(code="dibao").first()
        if tag is None or not households:
            return
        through = Person.tags.through
        people = HouseholdMembership.objects.filter(household_id__in=households, end_date__isnull=True)
        through.objects.bulk_create(
            [through(person_id=pk, tag_id=tag.pk) for pk in people.values_list("person_id", flat=True)],
            ignore_conflicts=True,
        )

    # --- a household that left the roster (and was paid once more)

    def _exit_one(self, office: Office) -> None:
        roster = Enrollment.objects.filter(area=office.area).select_related("program")
        live = sorted(roster, key=lambda e: (e.program.code != "dibao", e.household_size < 2, e.pk))
        if len(live) < 3:
            return
        enrollment = live[0]
        exited_on = add_months(self.month, -2).replace(day=15)
        self.clock.at(self.clock.office(exited_on, 15, 0))
        welfare.do_exit_enrollment(
            office.clerk,
            enrollment,
            reason="复核发现家庭成员已就业，家庭人均收入超过保障标准",
            exited_on=exited_on,
        )
        self.counts["enrollments_exited"] += 1

    # --- payments and reconciliation

    def _payments(self, offices: list[Office], showcase: Office | None) -> None:
        months = [add_months(self.month, -back) for back in (3, 2, 1)]
        live = {
            office.area.pk: list(
                Enrollment.objects.filter(area=office.area).select_related("head", "program").order_by("pk")
            )
            for office in offices
        }
        ids: dict[int, str] = {}
        for enrollments in live.values():
            for enrollment in enrollments:
                ids[enrollment.head_id] = enrollment.head.unseal("id_number")
        quirks = self._quirks(showcase, live.get(showcase.area.pk, []) if showcase is not None else [])
        amount_field = Payment._meta.get_field("amount")
        for month in months:
            paid_at = self.clock.at(self.clock.office(month.replace(day=10), 9, 0))
            # Like the registry, with the demo's writer: `bulk_create` would spend most of its time
            # preparing values (about 14,000 households are paid each month at scale 33).
            table = Table(Payment, PAYMENT_COLUMNS, paid_at)
            month_value = connection.ops.adapt_datefield_value(month)
            for enrollments in live.values():
                for enrollment in enrollments:
                    if not self._paid(enrollment, month, quirks):
                        continue
                    amount = enrollment.monthly_amount
                    if quirks.get("amount") == enrollment.pk and month == months[-1]:
                        amount += Decimal("100.00")
                    # Matched to its enrolment as a reconciliation leaves it: reconciling then only
                    # rewrites the payments it finds wrong.
                    table.add(
                        enrollment.area_id,
                        enrollment.program_id,
                        enrollment.pk,
                        month_value,
                        amount_field.get_db_prep_save(amount, connection),
                        enrollment.head.name,
                        *seal(_PAYMENT_LABEL, "payee_id_number", "id_number", ids[enrollment.head_id]),
                    )
            table.flush()
            self.counts["payments"] += table.count
            with connection.cursor() as cursor:  # PostgreSQL: move the id sequence past the rows written
                for sql in connection.ops.sequence_reset_sql(no_style(), [Payment]):
                    cursor.execute(sql)
            if month == months[-1] and quirks.get("deceased") and showcase is not None:
                self._register_death(showcase, quirks["deceased"], month)
            # 阳光社区's clerk reconciles the last month and finds the payment file's mistakes. Everywhere
            # else, and in the earlier months, the files are in order and already matched: reconciling them
            # would change nothing and leave no trace, so it is not run.
            for office in [showcase] if month == months[-1] and showcase is not None else []:
                self.clock.at(self.clock.office(month.replace(day=25), 16, 0))
                report = payments.check_reconcile(office.clerk, office.area, month)
                self.counts["payment_mismatches"] += sum(len(found) for found in report.mismatches.values())
                self.counts["rechecks"] += report.rechecks_opened

    def _quirks(self, office: Office | None, enrollments: list[Enrollment]) -> dict[str, Any]:
        """Which of 阳光社区's households the payment file gets wrong: a 特困 person (or a one-person
        household) whose death is registered later, and one amount."""
        if office is None:
            return {}
        earliest = add_months(self.month, -3)
        alive = [
            e
            for e in enrollments
            if e.status == Enrollment.Status.ACTIVE and e.application_id is None and e.starts_on <= earliest
        ]
        quirks: dict[str, Any] = {}
        if alive:
            # Preferably someone living alone: the household ends with them.
            quirks["deceased"] = sorted(alive, key=lambda e: (e.household_size != 1, -e.pk))[0].pk
        others = [e for e in alive if e.pk != quirks.get("deceased")]
        if others:
            quirks["amount"] = others[0].pk
        return quirks

    def _paid(self, enrollment: Enrollment, month: datetime.date, quirks: dict[str, Any]) -> bool:
        if enrollment.starts_on > month:
            return False
        if enrollment.status == Enrollment.Status.EXITED and enrollment.exited_on is not None:
            # The bank file was prepared before the exit reached it: one more month was paid.
            return month <= add_months(enrollment.exited_on.replace(day=1), 1)
        return True

    def _register_death(self, office: Office, enrollment_pk: int, month: datetime.date) -> None:
        """The grid worker registers a death of early last month on the 20th: after that month's payment."""
        enrollment = Enrollment.objects.select_related("head").get(pk=enrollment_pk)
        person = enrollment.head
        before = audit.snapshot(person)
        person.died_on = add_months(month, -1).replace(day=24)
        self.clock.at(self.clock.office(month.replace(day=20), 11, 0))
        registry.do_save_record(office.clerk, person, before=before)
        self.counts["deaths_registered"] += 1

    def _recheck(self, office: Office) -> None:
        """The committee checks the deceased payee's household and finds the payments must stop; the clerk
        ends the enrolment on that finding."""
        recheck = (
            Recheck.objects.filter(area=office.area, enrollment__head__died_on__isnull=False)
            .select_related("enrollment__head", "enrollment__program")
            .order_by("pk")
            .first()
        )
        if recheck is None or recheck.enrollment is None or office.committee is None:
            return
        day = self.clock.add_workdays(self.month.replace(day=1) - datetime.timedelta(days=5), 2)
        visit = self.clock.moment(day, 15, 0)
        if not self.clock.before_end(self.clock.moment(self.clock.add_workdays(day, 1), 17, 0)):
            return
        self.clock.at(visit)
        rechecks.do_save_checklist(
            office.committee,
            recheck,
            {
                "doc_hukou": {"result": "problem", "note": "户口簿已注销死亡人员。"},
                "home_visit": {
                    "result": "problem",
                    "note": "入户核实，本人已去世，家中无其他共同生活人员。",
                    "date": day.isoformat(),
                    "who": office.committee.first_name,
                    "observations": "邻居证实老人上月下旬去世。",
                },
                "data_deaths": {"result": "problem", "note": "户籍登记已死亡，死亡后仍发放一个月。"},
            },
        )
        rechecks.do_conclude_recheck(
            office.committee,
            recheck,
            Recheck.Conclusion.INELIGIBLE,
            "救助对象已去世，建议停发并追回死亡次月多发的救助金。",
        )
        self.clock.at(self.clock.moment(self.clock.add_workdays(day, 1), 10, 0))
        welfare.apply_committee_finding(
            office.clerk, recheck.enrollment, recheck, note="已停发，多发金额正在追回"
        )
        self.counts["rechecks_concluded"] += 1

    # --- 阳光社区's applications

    def _applications(self, office: Office) -> None:
        from .applications import Applications

        Applications(self, office).run()

    def program(self, code: str) -> Program:
        return self.programs[code]


def adults_of(household: list[Member]) -> list[Member]:
    return [m for m in household if m.relation in (Relation.HEAD, Relation.SPOUSE)]


def counted(application: Application) -> int:
    return int((application.eligibility or {}).get("counted_size") or 0)


def application_statuses() -> Counter[str]:
    return Counter(Application.objects.values_list("status", flat=True))


__all__ = ["ApplicationInput", "MemberInput", "S", "WelfareGenerator"]
