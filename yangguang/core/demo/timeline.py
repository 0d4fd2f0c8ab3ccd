"""The lifecycle of a demo case, simulated step by step as the case actions would have taken it.

A `Draft` is a case being generated; `Lifecycle.run` walks it from intake towards its end — dispatch (by
the routing rule at intake, or by hand), sign, start, perhaps a pause, reply, close, the call-back and,
for an unsatisfied resident, the redo — drawing how long each step took, and stops at the reference moment
`as_of` (midnight at the start of the day of seeding): what had not happened by then has not happened, so
recent cases are still open. Each step checks `TRANSITIONS` and changes the fields exactly as
`actions.cases._apply` does; the SLA job's reminders and 督办 escalations happen when the job would have run
(every ten minutes), while the clock is running. Deadlines use the working calendar of `actions.sla`
with the limits `sla.limits_for` gives, computed once per kind, urgency, category and area.

Nothing here touches the database: `cases.py` turns the drafts into rows.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from yangguang.core.actions.cases import _PUBLIC_STEPS, RETURN_WITHIN_WORKDAYS
from yangguang.core.actions.sla import Limits
from yangguang.core.models import TRANSITIONS, Area, CaseStatus, Urgency
from yangguang.lib.workdays import WorkCalendar

from .case_text import (
    AUTO_DISPATCH_NOTE,
    CALLBACK_PREFIX,
    CLOSE_NOTES,
    DISPATCH_NOTES,
    ESCALATE_NOTE,
    RECEIVED_NOTE,
    REDO_REPLY_PREFIX,
    REJECT_NOTES,
    REMINDER_NOTE,
    REOPEN_NOTE,
    RETURN_NOTES,
    SATISFIED_NOTES,
    UNSATISFIED_NOTES,
    WAIT_NOTES,
    CaseTemplate,
)
from .places import CommunityInfo, CompoundInfo, Login
from .units import GRID_TEAM, SERVICE_STATION, Routing, Unit

Who = tuple[int | None, str]  # (user pk or None, actor label)
SYSTEM: Who = (None, "系统")  # what `audit.actor_label(None)` gives
# (user pk, subject, body) of an inbox message; "{title}", "{number}" and "{note}" are filled when written.
Message = tuple[int, str, str]

# How things usually go (shares of cases).
REJECT_RATE = 0.03  # of cases no rule routes: refused at intake (不予受理)
RETURN_RATE = 0.03  # dispatched to the wrong unit and returned within two working days
LATE_SIGN_RATE = 0.07  # signed after the signing deadline
START_RATE = 0.65  # the handler records "start" before replying
WAIT_RATE = 0.05  # the clock is paused to ask the resident for more (cases of 10+ working days)
UNRATED_RATE = 0.04  # closed but the resident could not be reached for the call-back
CALLBACK_RATE = 0.75  # rated in a staff call-back rather than through the private link
# How long the reply takes, as a share of the working time the deadline allows: prompt, late, stuck.
PACES = ((0.86, 0.08, 0.85), (0.10, 1.05, 2.0), (0.04, 2.5, 6.0))
# Scores of the first call-back (5 … 1), of the call-back after a redo; after two redos nobody is unhappy.
SCORES = (5, 4, 3, 2, 1)
FIRST_SCORE_WEIGHTS = (52, 30, 8, 6, 4)
REDO_SCORE_WEIGHTS = (35, 40, 15, 7, 3)
LAST_SCORE_WEIGHTS = (40, 45, 15, 0, 0)
JOB_EVERY = datetime.timedelta(minutes=10)  # `manage.py sla_checks --every 600`
WORKDAY_HOURS = 8.5  # 09:00–17:30, the calendar's working clock
ONE_SECOND = datetime.timedelta(seconds=1)


@dataclass(slots=True, eq=False)
class Event:
    """One timeline step of a draft (a CaseEvent to be)."""

    at: datetime.datetime
    kind: str
    from_status: str
    to_status: str
    note: str
    public: bool
    who: Who
    messages: tuple[Message, ...] = ()
    target: Draft | None = None  # a merge's target


@dataclass(slots=True, eq=False)
class Cast:
    """The people who act on a community's cases: demo users where there are some, invented names elsewhere."""

    staff_login: Login | None
    staff_names: tuple[str, ...]
    grid_names: dict[int, str]  # grid pk → the grid worker's name
    grid_logins: dict[int, Login]
    liaison: Who
    logins: dict[int, Login]  # every demo user by pk (labels of handlers)
    intake_users: dict[int, tuple[int, ...]]  # area pk → demo users holding INTAKE_CASES there
    supervisors: dict[int, tuple[int, ...]]  # area pk → demo users holding SUPERVISE_CASES there

    def staff(self, rng: random.Random, barred: tuple[int | None, ...] = ()) -> Who:
        """A member of the community's staff: the demo user half of the time, where there is one (and is
        not `barred`: a handler never records the call-back rating of their own or their unit's work)."""
        if self.staff_login is not None and rng.random() < 0.5 and self.staff_login.pk not in barred:
            return self.staff_login.pk, self.staff_login.label
        return None, rng.choice(self.staff_names)

    def handler_for(self, unit: Unit, area: Area) -> int | None:
        """A demo member of the unit working where the case is, named as its handler on a dispatch by hand."""
        for user_pk in unit.members:
            if area.path.startswith(self.logins[user_pk].area.path):
                return user_pk
        return None


@dataclass(slots=True, eq=False)
class Draft:
    """A case being generated: what was reported, then its lifecycle as `Lifecycle.run` plays it."""

    template: CaseTemplate
    community: CommunityInfo
    cast: Cast
    area: Area
    compound: CompoundInfo | None  # where the problem is (the case's compound only if `compound_pk`)
    compound_pk: int | None
    building_pk: int | None
    location: str
    category_pk: int
    ownership: str
    kind: str
    urgency: str
    limits: Limits
    channel: str
    title: str
    description: str
    reply: str
    reporter_name: str
    reporter_phone: str
    anonymous: bool
    confidential: bool
    intake: Who
    tracking_code: str
    created_at: datetime.datetime
    status: str = CaseStatus.RECEIVED
    unit: Unit | None = None
    handler: int | None = None
    dispatched_at: datetime.datetime | None = None
    sign_due_at: datetime.datetime | None = None
    signed_at: datetime.datetime | None = None
    due_at: datetime.datetime | None = None
    paused_at: datetime.datetime | None = None
    replied_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    reminded_at: datetime.datetime | None = None
    escalated_at: datetime.datetime | None = None
    satisfaction: int | None = None
    redo_count: int = 0
    return_count: int = 0
    merged_into: Draft | None = None
    # When the case first left the open statuses (closed, rejected or merged): a duplicate can be merged
    # into it only before then.
    ended_at: datetime.datetime | None = None
    events: list[Event] = field(default_factory=list)
    updated_at: datetime.datetime | None = None
    pk: int = 0
    number: str = ""

    @property
    def intake_by(self) -> int | None:
        return self.intake[0]


class Lifecycle:
    """Plays drafts' lifecycles on the working calendar up to `as_of`."""

    def __init__(self, cal: WorkCalendar, as_of: datetime.datetime, routing: Routing) -> None:
        self.cal = cal
        self.as_of = as_of
        self.routing = routing

    # --- time

    def work(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        """`hours` of working time after `start` (evenings, weekends and holidays do not count)."""
        return self.cal.add_work_hours(start, hours)

    def deadline(self, start: datetime.datetime, limits: Limits) -> datetime.datetime:
        """`sla.deadline` without its calendar query (the calendar is the one `sla.calendar()` gave)."""
        if limits.work_hours:
            return self.cal.add_work_hours(start, limits.work_hours)
        return self.cal.add_workdays(start, limits.workdays)

    # --- steps

    def _step(
        self,
        d: Draft,
        name: str,
        at: datetime.datetime,
        who: Who,
        note: str = "",
        messages: tuple[Message, ...] = (),
        target: Draft | None = None,
    ) -> None:
        sources, to_status = TRANSITIONS[name]
        if d.status not in sources:
            raise ValueError(f"demo lifecycle: {name} is not allowed from {d.status}")
        d.events.append(
            Event(at, name, d.status, to_status, note, name in _PUBLIC_STEPS, who, messages, target)
        )
        d.status = to_status
        d.updated_at = at

    def _mark(
        self, d: Draft, kind: str, at: datetime.datetime, note: str, messages: tuple[Message, ...]
    ) -> None:
        """A reminder or an escalation by the SLA job: no change of status."""
        public = kind == "escalate"
        d.events.append(Event(at, kind, d.status, d.status, note, public, SYSTEM, messages))
        d.updated_at = at

    def _unit_side(self, d: Draft) -> Who:
        """Who acts for the handling side: the handler, else the unit."""
        if d.handler is not None:
            return d.handler, d.cast.logins[d.handler].label
        return None, d.unit.name if d.unit is not None else "系统"

    def _dispatch(
        self, d: Draft, at: datetime.datetime, who: Who, unit: Unit, handler: int | None, note: str
    ) -> None:
        d.unit, d.handler = unit, handler
        d.dispatched_at = at
        d.sign_due_at = self.work(at, d.limits.sign_within_hours)
        recipients = (handler,) if handler is not None else unit.members
        self._step(
            d, "dispatch", at, who, note, tuple((u, "新派单：{title}", "编号 {number}") for u in recipients)
        )

    # --- the whole lifecycle

    def received(self, d: Draft) -> None:
        d.events.append(
            Event(d.created_at, "received", "", CaseStatus.RECEIVED, RECEIVED_NOTE, True, d.intake)
        )
        d.updated_at = d.created_at

    def run(
        self, d: Draft, rng: random.Random, *, hold: str | None = None, pace: float | None = None
    ) -> None:
        """Play the draft's lifecycle up to `as_of`, or until it reaches the status `hold` (showcase cases)."""
        self.received(d)
        if hold == CaseStatus.RECEIVED or not self._first_dispatch(d, rng, allow_reject=hold is None):
            return
        if hold == CaseStatus.DISPATCHED:
            return
        if hold is None and rng.random() < RETURN_RATE and not self._return(d, rng):
            return
        late = rng.random() < LATE_SIGN_RATE
        share = rng.uniform(1.1, 4.0) if late else rng.uniform(0.05, 0.9)
        at = self.work(_known(d.dispatched_at), d.limits.sign_within_hours * share)
        if at >= self.as_of:
            return
        # The clock starts at signing (DOMAIN.md): the deadline is counted from then.
        self._step(d, "sign", at, self._unit_side(d))
        d.signed_at, d.due_at = at, self.deadline(at, d.limits)
        if hold == CaseStatus.SIGNED:
            self._sla_job(d, at, self.as_of)
            return
        self._work(d, rng, at, first=True, pace=pace if pace is not None else self._pace(rng), hold=hold)

    def _first_dispatch(self, d: Draft, rng: random.Random, *, allow_reject: bool) -> bool:
        """Routed at intake by a rule, or by hand by the intake office (which may refuse the case)."""
        rule = self.routing.rule_for(d.template.category, d.community)
        if rule is not None:
            unit, handler = rule
            # check_create_case dispatches in the same request, with the intake's actor.
            self._dispatch(d, d.created_at + ONE_SECOND, d.intake, unit, handler, AUTO_DISPATCH_NOTE)
            return True
        at = self.work(d.created_at, rng.uniform(0.3, 3.0))
        if at >= self.as_of:
            return False
        who = d.cast.staff(rng)
        if allow_reject and rng.random() < REJECT_RATE:
            self._step(d, "reject", at, who, rng.choice(REJECT_NOTES))
            d.ended_at = at
            return False
        unit = self.routing.by_hand(d.community, d.compound if d.compound_pk or d.building_pk else None)
        self._dispatch(d, at, who, unit, d.cast.handler_for(unit, d.area), rng.choice(DISPATCH_NOTES))
        return True

    def _return(self, d: Draft, rng: random.Random) -> bool:
        """The unit returns a wrongly routed case within two working days; the office dispatches it again."""
        dispatched_at = _known(d.dispatched_at)
        at = self.work(dispatched_at, rng.uniform(0.5, 6.0))
        if at >= self.as_of:
            return False
        if self.cal.workdays_between(dispatched_at.date(), at.date()) > RETURN_WITHIN_WORKDAYS:
            raise ValueError("demo lifecycle: a return later than the rule allows")
        first = d.unit.name if d.unit is not None else ""
        notify = tuple((u, "诉求被退回：{title}", "{note}") for u in d.cast.intake_users[d.area.pk])
        self._step(d, "return", at, self._unit_side(d), rng.choice(RETURN_NOTES), notify)
        d.return_count += 1
        d.unit, d.handler, d.dispatched_at = None, None, None
        at = self.work(at, rng.uniform(0.5, 4.0))
        if at >= self.as_of:
            return False
        short = SERVICE_STATION if first.endswith(GRID_TEAM) else GRID_TEAM
        unit = self.routing.community_unit(d.community, short)
        self._dispatch(d, at, d.cast.staff(rng), unit, d.cast.handler_for(unit, d.area), "")
        return True

    def _work(
        self,
        d: Draft,
        rng: random.Random,
        start: datetime.datetime,
        *,
        first: bool,
        pace: float,
        hold: str | None,
    ) -> None:
        """From signing (or a redo) to the reply, the closure and the call-back."""
        total = self.cal.working_seconds_between(start, _known(d.due_at))
        needed = max(total * pace, 900) / 3600  # working hours from `start` to the reply
        running_from = start
        if first and (hold == CaseStatus.IN_PROGRESS or rng.random() < START_RATE):
            at = self.work(start, min(rng.uniform(0.1, 2.0), needed / 2))
            # The job runs over each stretch of the clock in turn, so its events carry the status of then.
            self._sla_job(d, start, min(at, self.as_of))
            if at >= self.as_of:
                return
            self._step(d, "start", at, self._unit_side(d))
            running_from = at
            long_clock = d.limits.workdays >= 10 and not d.limits.work_hours
            if hold is None and long_clock and rng.random() < WAIT_RATE:
                paused = self._pause(d, rng, at)
                if paused is None:
                    return
                needed += paused / 3600
                running_from = d.events[-1].at
        reply_at = self.work(start, needed)
        if running_from > start:  # started, or resumed after a pause: the reply comes after that
            reply_at = max(reply_at, self.work(running_from, 0.25))
        # Held in progress (a showcase case): the clock runs on until `as_of`, with no reply.
        held = hold == CaseStatus.IN_PROGRESS
        end = self.as_of if held else min(reply_at, self.as_of)
        self._sla_job(d, running_from, end)
        if held or reply_at >= self.as_of:
            return
        note = d.reply if first else REDO_REPLY_PREFIX + d.reply
        self._step(d, "reply", reply_at, self._unit_side(d), note)
        d.replied_at = reply_at
        close_at = self.work(reply_at, rng.uniform(0.5, 12.0))
        if close_at >= self.as_of:
            return
        self._step(d, "close", close_at, d.cast.staff(rng), rng.choice(CLOSE_NOTES))
        d.closed_at = close_at
        d.ended_at = d.ended_at or close_at
        if hold == CaseStatus.CLOSED or rng.random() < UNRATED_RATE:
            return
        self._rate(d, rng, close_at)

    def _pause(self, d: Draft, rng: random.Random, started: datetime.datetime) -> int | None:
        """Wait for the resident, then resume with the deadline moved by the paused working time.
        Returns the paused working seconds, or None when the case is still waiting at `as_of`."""
        wait_at = self.work(started, rng.uniform(0.5, 6.0))
        self._sla_job(d, started, min(wait_at, self.as_of))
        if wait_at >= self.as_of:
            return None
        self._step(d, "wait", wait_at, self._unit_side(d), rng.choice(WAIT_NOTES))
        d.paused_at = wait_at
        resume_at = self.work(wait_at, rng.uniform(1.0, 3.0) * WORKDAY_HOURS)
        if resume_at >= self.as_of:
            return None
        paused = self.cal.working_seconds_between(wait_at, resume_at)
        d.due_at = self.cal.add_work_hours(_known(d.due_at), paused / 3600)
        d.paused_at = None
        self._step(d, "resume", resume_at, self._unit_side(d))
        return paused

    def _rate(self, d: Draft, rng: random.Random, closed_at: datetime.datetime) -> None:
        """The call-back (or the resident's own rating); 1–2 reopens the case to the same handler."""
        by_callback = rng.random() < CALLBACK_RATE
        if by_callback:
            barred = (d.handler, *(d.unit.members if d.unit is not None else ()))
            at, who, prefix = (
                self.work(closed_at, rng.uniform(1.0, 16.0)),
                d.cast.staff(rng, barred),
                CALLBACK_PREFIX,
            )
        else:
            at, who, prefix = closed_at + datetime.timedelta(hours=rng.uniform(0.5, 48.0)), SYSTEM, ""
        if at >= self.as_of:
            return
        weights = (FIRST_SCORE_WEIGHTS, REDO_SCORE_WEIGHTS, LAST_SCORE_WEIGHTS)[min(d.redo_count, 2)]
        score = rng.choices(SCORES, weights=weights)[0]
        d.satisfaction = score
        if score >= 3:
            self._step(d, "rate_satisfied", at, who, prefix + rng.choice(SATISFIED_NOTES))
            return
        self._step(d, "rate_unsatisfied", at, who, prefix + rng.choice(UNSATISFIED_NOTES))
        # do_rate reopens in the same transaction: 重办 by the same handler, with a fresh deadline.
        reopen_at = at + ONE_SECOND
        d.redo_count += 1
        d.closed_at = d.replied_at = d.reminded_at = d.escalated_at = None
        d.due_at = self.deadline(reopen_at, d.limits)
        notify = () if d.handler is None else ((d.handler, "诉求需重办：{title}", "编号 {number}"),)
        self._step(d, "reopen", reopen_at, who, REOPEN_NOTE, notify)
        self._work(d, rng, reopen_at, first=False, pace=rng.uniform(0.1, 0.6), hold=None)

    def _sla_job(self, d: Draft, start: datetime.datetime, end: datetime.datetime) -> None:
        """What `run_sla_checks` did while the clock ran from `start` to `end`: a reminder when the working
        time left fell within the policy's window, and 督办 at the opening of the day after the deadline."""
        due = _known(d.due_at)
        if d.reminded_at is None:
            window = d.limits.remind_before_hours * 3600
            left = self.cal.working_seconds_between(start, due)
            moment = start if left <= window else self.work(start, (left - window) / 3600)
            # The job looks only at cases due within the next 7 days (a long holiday can put more between).
            at = _job_run(max(moment, due - datetime.timedelta(days=7)))
            if at < end and at < due:
                told: tuple[Message, ...] = ()
                if d.handler is not None:
                    told = ((d.handler, "诉求即将到期：{title}", "{number}"),)
                self._mark(d, "reminder", at, REMINDER_NOTE, told)
                d.reminded_at = at
        if d.escalated_at is None:
            at = _job_run(self.cal.clock_start(due + ONE_SECOND))
            if start <= at < end:
                notify: tuple[Message, ...] = tuple(
                    (u, "督办：{title}", "{note}") for u in d.cast.supervisors[d.area.pk]
                )
                if d.handler is not None:
                    notify += ((d.handler, "诉求已超期并被督办：{title}", "{note}"),)
                self._mark(d, "escalate", at, ESCALATE_NOTE, notify)
                d.escalated_at = at

    def merge(self, dup: Draft, original: Draft, rng: random.Random, at: datetime.datetime) -> None:
        """A duplicate, dispatched at intake if a rule routes it, merged into the open original by the office."""
        self.received(dup)
        rule = self.routing.rule_for(dup.template.category, dup.community)
        if rule is not None:
            self._dispatch(dup, dup.created_at + ONE_SECOND, dup.intake, rule[0], rule[1], AUTO_DISPATCH_NOTE)
        if at >= self.as_of:
            return
        self._step(dup, "merge", at, dup.cast.staff(rng), "", target=original)
        dup.merged_into = original
        dup.ended_at = at

    def _pace(self, rng: random.Random) -> float:
        r = rng.random()
        for share, lo, hi in PACES:
            if r < share:
                return rng.uniform(lo, hi)
            r -= share
        return rng.uniform(PACES[0][1], PACES[0][2])


def _job_run(moment: datetime.datetime) -> datetime.datetime:
    """The SLA job's first run at or after `moment`: it runs every ten minutes, on the clock."""
    run = moment.replace(minute=moment.minute - moment.minute % 10, second=0, microsecond=0)
    return run if run == moment else run + JOB_EVERY


def _known(moment: datetime.datetime | None) -> datetime.datetime:
    """A moment the lifecycle has set by this step (a bug in the simulation otherwise)."""
    if moment is None:
        raise ValueError("demo lifecycle: a step before the one it depends on")
    return moment


def urgency_of(rng: random.Random, template: CaseTemplate) -> str:
    return Urgency.URGENT if template.urgent and rng.random() < template.urgent else Urgency.NORMAL
