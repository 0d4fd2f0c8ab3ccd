"""The demo's cases: about one per 25 residents over the 12 months before the day of seeding.

Each community draws its cases from the templates in `case_text.py` that fit its compounds (lifts only
in tall buildings, gas pipes in old compounds, homestead disputes in villages …), with the compound,
building and a resident who lives there as reporter, a channel, and an intake time (the portal at any
hour, the office in office hours, fewer cases around the Spring Festival, more in summer). `timeline.py`
plays each case's lifecycle. A few per cent are reported twice: the second report is merged into the
first while it is still open. On top of that, a handful of recent cases are set up for the demo users
(`SHOWCASE`), so every queue has something in it whatever the scale.

The drafts are numbered in the order they came in (YG + year + the primary key, as `check_create_case`
numbers them) and written with the bulk writer: cases, timeline events, reporters (`CaseReporter`, phone
sealed like `set_sealed` does) and the demo users' inbox messages. Not written: attachments (no demo
case has intake photos or closure evidence, although `do_transition` requires evidence to close a case),
and SMS/e-mail to reporters (their numbers reach nobody anyway).
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from itertools import accumulate
from typing import Any

from django.db import connection

from yangguang.core.actions import sla
from yangguang.core.actions.cases import _TRACKING_ALPHABET
from yangguang.core.actions.sla import Limits
from yangguang.core.models import (
    Area,
    Case,
    CaseCategory,
    CaseEvent,
    CaseReporter,
    CaseStatus,
    Channel,
    Notification,
)
from yangguang.core.permissions import ROLE_CAPS, Cap, Role
from yangguang.core.sealing import seal

from .case_text import CHANNELS, DUPLICATE_OPENINGS, MERGE_NOTE, TEMPLATES, CaseTemplate
from .layout import cn_number, given_name, surname
from .places import CommunityInfo, CompoundInfo, Login
from .timeline import SYSTEM, Cast, Draft, Lifecycle, Who, urgency_of
from .units import create_routing
from .writer import Writer

RESIDENTS_PER_CASE = 25
DUPLICATE_RATE = 0.04
ANONYMOUS_RATE = 0.10  # of online reports
ONLINE = frozenset({Channel.PORTAL, Channel.QR, Channel.OPEN311})
OFFICE_HOURS = frozenset({Channel.WALK_IN, Channel.GRID_PATROL, Channel.LIAISON})
# Relative number of cases by month: fewer around the Spring Festival, more in the hot, wet summer.
MONTH_WEIGHTS = {1: 0.85, 2: 0.65, 3: 0.9, 4: 1.0, 5: 1.05, 6: 1.15, 7: 1.25, 8: 1.25, 9: 1.05, 10: 0.9, 11: 0.95,
                 12: 0.9}  # fmt: skip
# Hour of an online report (0–23): the morning and, most, the evening.
ONLINE_HOURS = tuple(
    accumulate((1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 4, 6, 6, 5, 4, 4, 4, 4, 4, 4, 5, 6, 8, 8, 7, 5, 2))
)
_CASE_LABEL = Case._meta.label_lower
_REPORTER_LABEL = CaseReporter._meta.label_lower

S = CaseStatus
# Recent cases set up for the demo users: (username, templates to choose from, status to stop at, age in
# working days). The templates are routed to the user's unit (or named user) by the demo's rules.
SHOWCASE: tuple[tuple[str, tuple[str, ...], str, int], ...] = (
    ("grid_yangguang1", ("residence_permit",), S.DISPATCHED, 0),
    ("grid_yangguang1", ("residence_permit",), S.IN_PROGRESS, 3),
    ("staff_yangguang", ("dibao_question", "old_age_allowance"), S.DISPATCHED, 0),
    ("staff_yangguang", ("elderly_alone",), S.IN_PROGRESS, 4),
    ("staff_yangguang", ("old_age_allowance",), S.IN_PROGRESS, 6),  # a 2-day question: overdue, 督办
    ("staff_yangguang", ("fee_rise", "gate_broken", "roof_leak", "stair_lights"), S.RECEIVED, -1),  # 待派单
    ("staff_yangguang", ("door_lock", "corridor_clutter", "water_cut"), S.RECEIVED, -1),
    ("staff_yangguang", ("refuse_late", "sewer_blocked"), S.CLOSED, 8),  # 待回访
    ("staff_heping", ("dibao_question",), S.DISPATCHED, 0),
    ("staff_heping", ("disability_allowance", "elderly_alone"), S.IN_PROGRESS, 3),
)
del S


class CaseGenerator:
    """Writes the district's units, routing rules and cases through the bulk writer. One per run."""

    def __init__(
        self,
        *,
        seed: int,
        today: datetime.date,
        writer: Writer,
        counts: Counter[str],
        progress: Any,
    ) -> None:
        self.seed = seed
        self.w = writer
        self.counts = counts
        self.progress = progress
        self.cal = sla.calendar()
        # The cases end at midnight before the day of seeding, so the same seed gives the same cases all day.
        self.as_of = datetime.datetime.combine(today, datetime.time(0), tzinfo=self.cal.tz)
        self.categories: dict[str, tuple[int, str]] = {}  # code → (pk, default ownership)
        self._limits: dict[tuple[str, str, int, int], Limits] = {}
        self._codes: set[str] = set()
        self._eligible: dict[tuple[str, bool, bool, bool], tuple[list[CaseTemplate], list[int]]] = {}
        self._order = 0

    def generate(self, communities: list[CommunityInfo], logins: dict[str, Login]) -> None:
        started = time.perf_counter()
        self.categories = {
            code: (pk, ownership)
            for code, pk, ownership in CaseCategory.objects.filter(active=True).values_list(
                "code", "pk", "default_ownership"
            )
        }
        routing = create_routing(
            self.w, communities, {c: pk for c, (pk, _o) in self.categories.items()}, logins
        )
        life = Lifecycle(self.cal, self.as_of, routing)
        drafts: list[Draft] = []
        casts: dict[int, Cast] = {}
        for community in communities:
            rng = random.Random(f"{self.seed}:{community.area.name}:cases")
            cast = casts[community.area.pk] = self._cast(rng, community, logins)
            drafts += self._community_cases(rng, community, cast, life)
        drafts += self._showcase(communities, casts, logins, life)
        self._write(drafts, logins)
        self.counts["handling_units"] = self.w.units.count
        self.counts["routing_rules"] = self.w.rules.count
        self.counts["cases"] = self.w.cases.count
        self.counts["case_events"] = self.w.events.count
        self.counts["case_reporters"] = self.w.reporters.count
        self.counts["notifications"] = self.w.notifications.count
        self.progress(
            f"cases: {self.w.cases.count:,} cases with {self.w.events.count:,} timeline events, "
            f"{self.w.units.count} handling units, in {time.perf_counter() - started:.1f} s"
        )

    # --- who acts

    def _cast(self, rng: random.Random, community: CommunityInfo, logins: dict[str, Login]) -> Cast:
        def name() -> str:
            return surname(rng) + given_name(rng, rng.choice("MF"))

        def login(role: str, area: Area) -> Login | None:
            return next((x for x in logins.values() if x.role == role and x.area.pk == area.pk), None)

        def holders(capability: str, area: Area) -> tuple[int, ...]:
            return tuple(
                x.pk
                for x in logins.values()
                if capability in ROLE_CAPS.get(x.role, frozenset()) and area.path.startswith(x.area.path)
            )

        liaison = login(Role.LIAISON, community.area)
        places = [community.area, *community.grids]
        grid_logins = {g.pk: x for g in community.grids if (x := login(Role.GRID_WORKER, g)) is not None}
        return Cast(
            staff_login=login(Role.COMMUNITY_STAFF, community.area),
            staff_names=(name(), name(), name()),
            grid_names={g.pk: name() for g in community.grids},
            grid_logins=grid_logins,
            liaison=(liaison.pk, liaison.label) if liaison is not None else (None, name()),
            logins={x.pk: x for x in logins.values()},
            intake_users={a.pk: holders(Cap.INTAKE_CASES, a) for a in places},
            supervisors={a.pk: holders(Cap.SUPERVISE_CASES, a) for a in places},
        )

    def _intake(self, rng: random.Random, cast: Cast, channel: str, grid: Area) -> Who:
        """Who took the case in: nobody for online reports (`check_create_case(None, …)`), else staff."""
        if channel in ONLINE:
            return SYSTEM
        if channel == Channel.GRID_PATROL:
            login = cast.grid_logins.get(grid.pk)
            return (login.pk, login.label) if login is not None else (None, cast.grid_names[grid.pk])
        if channel == Channel.LIAISON:
            return cast.liaison
        return cast.staff(rng)

    # --- what is reported, where and when

    def _community_cases(
        self, rng: random.Random, community: CommunityInfo, cast: Cast, life: Lifecycle
    ) -> list[Draft]:
        compounds = [c for c in community.compounds if c.buildings]
        if not compounds:
            return []
        cum = list(accumulate(c.residents for c in compounds))
        drafts: list[Draft] = []
        for _ in range(round(community.residents / RESIDENTS_PER_CASE)):
            compound = rng.choices(compounds, cum_weights=cum)[0]
            template = self._template(rng, compound)
            if template is None:
                continue
            channel = self._channel(rng, template)
            draft = self._draft(
                rng, community, cast, compound, template, self._intake_time(rng, channel), channel
            )
            life.run(draft, rng)
            drafts.append(draft)
            if template.where != "person" and rng.random() < DUPLICATE_RATE:
                duplicate = self._duplicate(rng, draft, life)
                if duplicate is not None:
                    drafts.append(duplicate)
        return drafts

    def _template(self, rng: random.Random, compound: CompoundInfo) -> CaseTemplate | None:
        tall = any(b.floors >= 7 for b in compound.buildings)
        key = (compound.kind, compound.village, tall, bool(compound.restaurants))
        if key not in self._eligible:
            fits = [t for t in TEMPLATES if self._fits(t, compound, tall)]
            self._eligible[key] = (fits, list(accumulate(t.weight for t in fits)))
        fits, cum = self._eligible[key]
        return rng.choices(fits, cum_weights=cum)[0] if fits else None

    def _fits(self, t: CaseTemplate, compound: CompoundInfo, tall: bool) -> bool:
        if t.category not in self.categories:
            return False
        if t.village is not None and t.village != compound.village:
            return False
        if t.compound_kinds is not None and compound.kind not in t.compound_kinds:
            return False
        if t.min_floors and not tall:
            return False
        return not (t.code == "kitchen_fumes" and not compound.restaurants)

    def _channel(self, rng: random.Random, template: CaseTemplate) -> str:
        pairs = template.channels or CHANNELS
        return rng.choices([c for c, _w in pairs], weights=[w for _c, w in pairs])[0]

    def _intake_time(self, rng: random.Random, channel: str) -> datetime.datetime:
        """A moment in the 365 days before `as_of`: online at any hour, the office only in office hours."""
        today = self.as_of.date()
        while True:
            day = today - datetime.timedelta(days=rng.randrange(1, 366))
            if rng.random() * 1.25 > MONTH_WEIGHTS[day.month]:
                continue
            if channel in OFFICE_HOURS and not self.cal.is_workday(day):
                continue
            break
        if channel in ONLINE:
            hour = rng.choices(range(24), cum_weights=ONLINE_HOURS)[0]
        elif channel == Channel.HOTLINE:
            hour = rng.randrange(8, 21)
        else:
            hour = rng.randrange(9, 17)
        moment = datetime.time(hour, rng.randrange(60), rng.randrange(60))
        return datetime.datetime.combine(day, moment, tzinfo=self.cal.tz)

    def _draft(
        self,
        rng: random.Random,
        community: CommunityInfo,
        cast: Cast,
        compound: CompoundInfo,
        template: CaseTemplate,
        created_at: datetime.datetime,
        channel: str,
        *,
        opening: str = "",
    ) -> Draft:
        """A case as reported: place, reporter, text, type and urgency (its lifecycle comes later)."""
        grids = {g.pk: g for g in community.grids}
        pool = compound.reporters or [r for c in community.compounds for r in c.reporters]
        resident = rng.choice(pool) if pool else None
        building = None
        shop = "楼下的小饭馆"
        if template.code == "kitchen_fumes" and compound.restaurants:
            shop, building = rng.choice(compound.restaurants)
        elif resident is not None and resident.building in compound.buildings:
            building = resident.building
        if building is None or building.floors < template.min_floors:
            tall = [b for b in compound.buildings if b.floors >= template.min_floors]
            building = rng.choice(tall or compound.buildings)
        at_home = resident is not None and resident.building is building
        unit = resident.unit if at_home and resident is not None else ""
        room = (
            resident.room
            if at_home and resident is not None
            else f"{rng.randrange(1, building.floors + 1)}0{rng.randrange(1, 3)}"
        )
        fill = {
            "place": compound.place,
            "b": building.name,
            "u": unit,
            "r": room,
            "road": compound.road,
            "floor": rng.randrange(2, max(3, building.floors + 1)),
            "shop": shop,
            "n": cn_number(rng.randrange(2, 10)),
        }
        compound_pk = building_pk = None
        area, location = compound.grid, ""
        if template.where == "building":
            area, building_pk = grids[building.grid_id], building.pk
            location = f"{compound.place}{building.name}{unit}"
        elif template.where == "compound":
            area, compound_pk, location = community.area, compound.pk, compound.place
        elif template.where == "road":
            location = f"{community.area.name}村道" if compound.village else compound.road
        elif resident is not None:
            area = grids[resident.building.grid_id]
        if building_pk is not None:
            compound_pk = compound.pk  # check_create_case takes the compound from the building
        channel_grid = grids[building.grid_id]
        # An anonymous report keeps no contact details at all (check_create_case stores none).
        anonymous = channel in ONLINE and rng.random() < ANONYMOUS_RATE
        name = phone = ""
        if resident is not None and channel != Channel.GRID_PATROL and not anonymous:
            name, phone = resident.name, resident.phone
        category_pk, ownership = self.categories[template.category]
        kind, urgency = template.kind, urgency_of(rng, template)
        return Draft(
            template=template,
            community=community,
            cast=cast,
            area=area,
            compound=compound,
            compound_pk=compound_pk,
            building_pk=building_pk,
            location=location,
            category_pk=category_pk,
            ownership=ownership,
            kind=kind,
            urgency=urgency,
            limits=self._limits_for(kind, urgency, category_pk, area),
            channel=channel,
            title=template.title.format(**fill)[:100],
            description=opening + rng.choice(template.descriptions).format(**fill),
            reply=rng.choice(template.replies).format(**fill),
            reporter_name=name,
            reporter_phone=phone,
            anonymous=anonymous,
            confidential=rng.random() < template.confidential,
            intake=self._intake(rng, cast, channel, channel_grid),
            tracking_code=self._tracking_code(rng),
            created_at=created_at,
        )

    def _duplicate(
        self, rng: random.Random, original: Draft, life: Lifecycle, within_hours: float = 96.0
    ) -> Draft | None:
        """Someone else reports the same problem; the office merges it while the original is still open."""
        created_at = original.created_at + datetime.timedelta(hours=rng.uniform(1.0, within_hours))
        if created_at >= self.as_of or original.compound is None:
            return None
        merge_at = life.work(created_at, rng.uniform(0.1, 1.5))
        if original.ended_at is not None and merge_at >= original.ended_at:
            return None  # already closed (or refused) by then: a new case, not a duplicate; skip it
        channel = self._channel(rng, original.template)
        dup = self._draft(
            rng,
            original.community,
            original.cast,
            original.compound,
            original.template,
            created_at,
            channel,
            opening=rng.choice(DUPLICATE_OPENINGS),
        )
        # The same place as the original (the duplicate search looks for the same building or compound).
        dup.area, dup.compound_pk, dup.building_pk = original.area, original.compound_pk, original.building_pk
        dup.location, dup.urgency, dup.limits = original.location, original.urgency, original.limits
        life.merge(dup, original, rng, merge_at)
        return dup

    def _limits_for(self, kind: str, urgency: str, category_pk: int, area: Area) -> Limits:
        key = (kind, urgency, category_pk, area.pk)
        if key not in self._limits:
            self._limits[key] = sla.limits_for(kind, urgency, category_pk, area)
        return self._limits[key]

    def _tracking_code(self, rng: random.Random) -> str:
        while True:
            code = "".join(rng.choice(_TRACKING_ALPHABET) for _ in range(10))
            if code not in self._codes:
                self._codes.add(code)
                return code

    # --- the demo users' queues

    def _showcase(
        self,
        communities: list[CommunityInfo],
        casts: dict[int, Cast],
        logins: dict[str, Login],
        life: Lifecycle,
    ) -> list[Draft]:
        """Recent cases in the demo users' queues (mine, my unit's, to dispatch, to call back, overdue) and
        one merged duplicate, whatever the scale."""
        rng = random.Random(f"{self.seed}:showcase")
        drafts: list[Draft] = []
        by_area = {c.area.pk: c for c in communities}
        for username, codes, hold, age in SHOWCASE:
            login = logins.get(username)
            if login is None:
                continue
            community = by_area.get(login.area.pk) or by_area.get(login.area.parent_id or 0)
            if community is None:
                continue
            compounds = [c for c in community.compounds if c.buildings and login.area.contains(c.grid)]
            choices = [
                (c, t) for c in compounds for t in TEMPLATES if t.code in codes and self._fits(t, c, True)
            ]
            if not choices:
                continue
            compound, template = rng.choice(choices)
            channel = self._channel(rng, template)
            created_at = self._recent(rng, age)
            draft = self._draft(
                rng, community, casts[community.area.pk], compound, template, created_at, channel
            )
            life.run(draft, rng, hold=hold, pace=0.1 if hold == CaseStatus.CLOSED else None)
            drafts.append(draft)
            if (
                hold == CaseStatus.IN_PROGRESS
                and username == "staff_yangguang"
                and template.where != "person"
            ):
                duplicate = self._duplicate(rng, draft, life, within_hours=8.0)
                if duplicate is not None:
                    drafts.append(duplicate)
        return drafts

    def _recent(self, rng: random.Random, age: int) -> datetime.datetime:
        """A moment on the `age`-th working day before `as_of` (0: the last one); -1: last evening."""
        if age < 0:
            return self.as_of - datetime.timedelta(hours=rng.uniform(2.0, 6.0))
        day = self.as_of.date()
        seen = -1
        while seen < age:
            day -= datetime.timedelta(days=1)
            if self.cal.is_workday(day):
                seen += 1
        morning = datetime.datetime.combine(day, datetime.time(9), tzinfo=self.cal.tz)
        return morning + datetime.timedelta(hours=rng.uniform(0.5, 4.0))

    # --- rows

    def _write(self, drafts: list[Draft], logins: dict[str, Login]) -> None:
        """Number the drafts in the order they came in and write them with their timelines and reporters."""
        w = self.w
        drafts.sort(key=lambda d: d.created_at)
        first = w.cases.next_pk
        for offset, d in enumerate(drafts):
            d.pk = first + offset
            d.number = f"YG{d.created_at.year}{d.pk:07d}"
        adapt = connection.ops.adapt_datetimefield_value
        event_data = CaseEvent._meta.get_field("data")
        no_data = event_data.get_db_prep_save({}, connection)
        inbox = random.Random(f"{self.seed}:inbox")
        recent = self.as_of - datetime.timedelta(days=3)
        for d in drafts:
            pk = w.cases.add(
                d.number, d.tracking_code, d.area.pk, d.compound_pk, d.building_pk, d.location, d.category_pk,
                d.kind, d.urgency, d.ownership, d.channel, d.title, d.description, d.reporter_name,
                *seal(_CASE_LABEL, "reporter_phone", "phone", d.reporter_phone),
                d.anonymous, d.confidential, d.status, _pk(d.unit), d.handler, d.intake_by, adapt(d.created_at),
                adapt(d.dispatched_at), adapt(d.sign_due_at), adapt(d.signed_at), adapt(d.due_at),
                adapt(d.paused_at), adapt(d.replied_at), adapt(d.closed_at), adapt(d.reminded_at),
                adapt(d.escalated_at), d.satisfaction, d.redo_count, d.return_count, _pk(d.merged_into),
                adapt(d.updated_at),
            )  # fmt: skip
            if pk != d.pk:
                raise RuntimeError("demo cases: primary keys out of step")
            phone = d.reporter_phone
            # Everyone who reported a merged duplicate hears the outcome of the case it was merged into.
            holder = d.merged_into.pk if d.merged_into is not None else d.pk
            w.reporters.add(holder, d.pk, d.reporter_name, *seal(_REPORTER_LABEL, "phone", "phone", phone))
            for e in d.events:
                note, data = e.note, no_data
                if e.target is not None:
                    note = MERGE_NOTE.format(target=e.target.number)
                    data = event_data.get_db_prep_save({"target": e.target.number}, connection)
                at = adapt(e.at)
                w.events.add(
                    d.pk, at, e.who[0], e.who[1], e.kind, e.from_status, e.to_status, note, e.public, data
                )
                for user_pk, subject, body in e.messages:
                    read_at = None
                    if e.at < recent or inbox.random() < 0.3:
                        read_at = min(e.at + datetime.timedelta(hours=inbox.uniform(0.1, 30.0)), self.as_of)
                    w.notifications.add(
                        user_pk, Notification.Channel.INBOX, subject.format(title=d.title),
                        body.format(number=d.number, note=note), d.pk, at, at, adapt(read_at),
                    )  # fmt: skip
            if len(w.events.rows) >= 20_000:
                w.flush()


def _pk(obj: Any) -> int | None:
    return obj.pk if obj is not None else None
