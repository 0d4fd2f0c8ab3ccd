"""The committees' inspections of the last year (监督检查), their findings and rectification notices (整改通知),
created through `actions.inspections` and the case actions, in the order they happened.

Each community has 2–3 inspections (villages 2; 阳光社区 one more) spread over the last twelve months: routine, targeted or
unannounced (明察暗访), each with a checklist from the community's supervision list (the platform's where it
adopted none), checks recorded one by one, problems as findings with a photo, and a rectification notice for
most findings, owned by the community's clerk. What became of a notice depends on its age:

- old notices were answered (with a photo) before the deadline and verified as done (整改到位), a few only
  after a first verification found them not done (整改不到位, 重办);
- recent ones are in progress or answered and waiting for the committee's verification (待验收);
- in 阳光社区 (and 和平社区) one notice of about two months ago was never answered: the SLA job reminded
  its owner and escalated it to the street (督办) when it ran on the mornings of those days (`replay_sla_job`).

阳光社区 also has an unannounced inspection planned for next week (hidden from staff until held), and the
report back (反馈通报) of its first verified notice, signed and published.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.utils import timezone

from yangguang.core.actions import cases, catalogue, ledger
from yangguang.core.actions import inspections as insp
from yangguang.core.actions.escalation import run_sla_checks
from yangguang.core.models import (
    Case,
    CaseStatus,
    Domain,
    Finding,
    Inspection,
    InspectionCheck,
    Rectification,
    SupervisionItem,
)

from . import supervision_text as text
from .clock import Clock, photo
from .layout import SHOWCASE_COMMUNITY

if TYPE_CHECKING:
    from .supervision import Office

# Communities where one notice of about two months ago is left overdue and escalated (督办).
OVERDUE_IN = (SHOWCASE_COMMUNITY, "和平社区")
KINDS = (Inspection.Kind.ROUTINE, Inspection.Kind.TARGETED, Inspection.Kind.UNANNOUNCED)
KIND_DRAW = KINDS * 2 + KINDS[:2]  # routine and targeted a little more often than unannounced


@dataclass(eq=False)
class Plan:
    office: Office
    rng: random.Random
    kind: str
    domain: str
    held: datetime.date
    items: list[SupervisionItem] = field(default_factory=list)
    problems: int = 1
    overdue: bool = False  # leave the first notice unanswered past its deadline
    recent: bool = False


class Inspecting:
    def __init__(self, clock: Clock, counts: Counter[str], seed: int) -> None:
        self.clock = clock
        self.counts = counts
        self.seed = seed
        self.today = clock.as_of.date()
        self._reported = False
        self._redone = False

    def run(
        self, offices: list[Office], follow_ups: Sequence[tuple[datetime.date, Callable[[], None]]] = ()
    ) -> None:
        """Every community's inspections in date order, with `follow_ups` (other work of the committees
        that issues rectification notices: their numbers run in date order across the district)."""
        agenda: list[tuple[datetime.date, str, int, Callable[[], None]]] = []
        for office in offices:
            if office.committee is not None:
                for plan in self._plans(office):
                    agenda.append((plan.held, office.area.path, len(agenda), partial(self._hold, plan)))
        for day, step in follow_ups:
            agenda.append((day, "", len(agenda), step))
        for _day, _path, _n, step in sorted(agenda, key=lambda entry: entry[:3]):
            step()
        for office in offices:
            if office.committee is not None and office.name == SHOWCASE_COMMUNITY:
                self._planned(office)

    # --- what each community inspects, and when

    def _plans(self, office: Office) -> list[Plan]:
        rng = random.Random(f"{self.seed}:{office.name}:inspections")
        items: dict[str, list[SupervisionItem]] = {}
        for item in catalogue.effective_items(office.area, "supervision"):
            items.setdefault(item.domain, []).append(item)
        count = 2 if office.village else rng.randint(2, 3)
        if office.name == SHOWCASE_COMMUNITY:
            count = 3  # one old notice to verify and report back, one overdue, one recent
        months = sorted(rng.sample(range(3, 12), count - 1), reverse=True)
        # The last one is recent: its notices are still being worked on.
        days = [m * 30 + rng.randrange(0, 25) for m in months] + [rng.randint(5, 12)]
        overdue = office.name in OVERDUE_IN
        if overdue:
            days[-2 if len(days) > 1 else -1] = rng.randint(50, 62)
        if office.name == SHOWCASE_COMMUNITY:
            days.insert(-1, rng.randint(20, 28))  # its notices wait for the committee's verification
        plans = []
        for n, back in enumerate(days):
            held = self.clock.workday(self.today - datetime.timedelta(days=back), forward=False)
            domain = rng.choice(list(Domain.values))
            chosen = items.get(domain, [])
            plan = Plan(
                office,
                random.Random(f"{self.seed}:{office.name}:inspection:{n}"),
                KINDS[n] if office.name == SHOWCASE_COMMUNITY and n < 3 else rng.choice(KIND_DRAW),
                domain,
                held,
                rng.sample(chosen, min(len(chosen), 1)),
                problems=rng.choice((0, 1, 1)) if back > 40 else 1,
                overdue=overdue and 45 <= back <= 70,
                recent=back < 40,
            )
            if plan.overdue or office.name == SHOWCASE_COMMUNITY:
                plan.problems = max(plan.problems, 1)
            plans.append(plan)
        return plans

    # --- one inspection, from planning to its notices

    def _hold(self, plan: Plan) -> None:
        office, rng, clock = plan.office, plan.rng, self.clock
        member = office.committee
        ahead = rng.randint(2, 5) if plan.kind == Inspection.Kind.UNANNOUNCED else rng.randint(6, 15)
        clock.at(clock.office(plan.held - datetime.timedelta(days=ahead), 10, 30))
        label = str(Domain(plan.domain).label)
        title = rng.choice(text.TITLES[plan.kind]).format(
            season=text.SEASONS[plan.held.month], month=plan.held.month, domain=label
        )
        points = [] if plan.items else list(text.POINTS[plan.domain])
        inspection = insp.check_plan_inspection(
            member,
            office.area,
            kind=plan.kind,
            title=title,
            planned_on=plan.held,
            items=plan.items,
            points=points,
            inspectors=[member] if member is not None else [],
        )
        clock.at(clock.moment(plan.held, 9, 30))
        insp.do_start_inspection(member, inspection, held_on=plan.held)
        checks = list(inspection.checks.order_by("position", "pk"))
        wrong = set(rng.sample(range(len(checks)), min(plan.problems, len(checks))))
        pool = list(text.FINDINGS[plan.domain])
        rng.shuffle(pool)
        findings: list[tuple[Finding, str]] = []
        for n, check in enumerate(checks):
            clock.at(clock.moment(plan.held, 9, 40 + min(n, 15)))
            if n in wrong:
                description, requirement = pool[len(findings) % len(pool)]
                insp.do_record_check(member, check, InspectionCheck.Result.PROBLEM, "见发现问题")
                finding = insp.check_add_finding(
                    member,
                    inspection,
                    description=description,
                    severity=rng.choice(
                        (Finding.Severity.MINOR, Finding.Severity.MINOR, Finding.Severity.SERIOUS)
                    ),
                    checkpoint=check,
                    uploads=[photo(f"finding-{inspection.pk}-{n}")],
                )
                findings.append((finding, requirement))
                self.counts["findings"] += 1
            elif rng.random() < 0.1:
                insp.do_record_check(
                    member, check, InspectionCheck.Result.NA, rng.choice(text.CHECK_NOTES_NA)
                )
            else:
                insp.do_record_check(
                    member, check, InspectionCheck.Result.OK, rng.choice(text.CHECK_NOTES_OK)
                )
        clock.at(clock.moment(plan.held, 11, 40))
        summary = rng.choice(text.SUMMARIES).format(n=len(checks), k=len(findings))
        insp.do_complete_inspection(member, inspection, summary)
        self.counts["inspections"] += 1
        for n, (finding, requirement) in enumerate(findings):
            self._notice(plan, finding, requirement, first=n == 0)

    def _notice(self, plan: Plan, finding: Finding, requirement: str, *, first: bool) -> None:
        office, rng, clock = plan.office, plan.rng, self.clock
        member, owner = office.committee, office.clerk
        issued = clock.add_workdays(plan.held, 1)
        clock.at(clock.moment(issued, 10, 0))
        deadline = issued + datetime.timedelta(days=rng.randint(20, 30))
        rectification = insp.check_issue_rectification(
            member, finding, requirement=requirement, deadline=deadline, owner=owner
        )
        self.counts["rectifications"] += 1
        case = rectification.case
        signed = clock.add_workdays(issued, 1)
        clock.at(clock.moment(signed, 9, 10))
        cases.do_transition(owner, case, "sign")
        clock.at(clock.moment(signed, 9, 15))
        cases.do_transition(owner, case, "start", note="已安排整改。")
        case.refresh_from_db()
        if plan.overdue and first:
            return  # never answered: `replay_sla_job` reminds and escalates it
        replied = clock.add_workdays(signed, rng.randint(3, 9))
        reply_at = clock.moment(replied, 16, 0)
        if not clock.before_end(reply_at):
            return  # still being worked on
        clock.at(reply_at)
        cases.do_transition(
            owner,
            case,
            "reply",
            note=f"已按整改要求完成：{requirement}",
            evidence=[photo(f"rectified-{rectification.pk}")],
        )
        verify_day = clock.add_workdays(replied, rng.randint(2, 5))
        verify_at = clock.moment(verify_day, 10, 0)
        if plan.recent or not clock.before_end(verify_at):
            return  # 待验收: the committee has not been to look yet
        clock.at(verify_at)
        redo_reply = clock.add_workdays(verify_day, rng.randint(3, 6))
        redo = rng.random() < 0.15 or (office.name == SHOWCASE_COMMUNITY and not self._redone)
        if redo and clock.before_end(clock.moment(clock.add_workdays(redo_reply, 3), 18, 0)):
            insp.do_verify_rectification(
                member,
                rectification,
                passed=False,
                note="现场查看，整改不彻底，请补充完善。",
                new_deadline=clock.add_workdays(verify_day, rng.randint(8, 12)),
            )
            clock.at(clock.moment(redo_reply, 15, 0))
            cases.do_transition(
                owner, case, "reply", note="已补充整改。", evidence=[photo(f"redone-{rectification.pk}")]
            )
            verify_day = clock.add_workdays(redo_reply, 2)
            clock.at(clock.moment(verify_day, 10, 30))
            self.counts["rectifications_redone"] += 1
            self._redone = self._redone or office.name == SHOWCASE_COMMUNITY
        insp.do_verify_rectification(
            member, rectification, passed=True, note=rng.choice(("整改到位。", "已现场核实，整改到位。"))
        )
        self.counts["rectifications_passed"] += 1
        if office.name == SHOWCASE_COMMUNITY and not self._reported and office.committee is not None:
            self._reported = True
            self._report_back(office, rectification, verify_day)

    def _report_back(self, office: Office, rectification: Rectification, day: datetime.date) -> None:
        clock = self.clock
        clock.at(clock.moment(day, 15, 0))
        disclosure = insp.do_report_rectification(
            office.committee, rectification, f"经居务监督委员会现场验收，{rectification.requirement}"
        )
        ledger.do_sign_disclosure(office.committee, disclosure)
        clock.at(clock.moment(clock.add_workdays(day, 1), 10, 0))
        ledger.do_publish_disclosure(office.clerk, disclosure)
        self.counts["disclosures_published"] += 1

    def _planned(self, office: Office) -> None:
        """Next week's unannounced visit: staff do not see it until it is held."""
        clock = self.clock
        day = clock.workday(self.today - datetime.timedelta(days=2), forward=False)
        clock.at(clock.moment(day, 16, 0))
        insp.check_plan_inspection(
            office.committee,
            office.area,
            kind=Inspection.Kind.UNANNOUNCED,
            title="明察暗访：惠民项目和低保公示",
            planned_on=self.today + datetime.timedelta(days=6),
            points=["低保公示栏是否在公示期内张贴", "惠民项目报箱是否安装"],
            inspectors=[office.committee] if office.committee is not None else [],
        )
        self.counts["inspections_planned"] += 1


def replay_sla_job(clock: Clock) -> tuple[int, int]:
    """Run the SLA job (`sla_checks`) on the working mornings it would have found something to do for the
    notices still being worked on: the morning of a notice's last day (reminder) and the opening of the
    working day after it (督办), exactly as the job would have done. On the other mornings it finds
    nothing to do for them, and every other case of the demo is already where the job leaves it, so those
    runs are skipped (each run is a few queries; a year of mornings would add up). Returns (reminded,
    escalated)."""
    days: set[datetime.date] = set()
    running = Case.objects.filter(
        rectification__isnull=False,
        status__in=[CaseStatus.SIGNED, CaseStatus.IN_PROGRESS],
        due_at__lt=clock.as_of,
    )
    for due_at in running.values_list("due_at", flat=True):
        if due_at is None:
            continue
        last = clock.cal.clock_start(due_at + datetime.timedelta(seconds=1)).date()
        day = timezone.localtime(due_at, clock.tz).date() - datetime.timedelta(days=3)
        while day <= last:
            days.add(day)
            day += datetime.timedelta(days=1)
    reminded = escalated = 0
    for day in sorted(days):
        if not clock.cal.is_workday(day) or day >= clock.as_of.date():
            continue
        for hour in (8, 13):
            moment = clock.moment(day, hour, 30)
            if not clock.before_end(moment):
                continue
            run = run_sla_checks(clock.at(moment))
            reminded += run.reminded
            escalated += run.escalated
    return reminded, escalated


def open_rectification_cases() -> int:
    return Case.objects.filter(
        rectification__isnull=False, status__in=[CaseStatus.SIGNED, CaseStatus.IN_PROGRESS]
    ).count()
