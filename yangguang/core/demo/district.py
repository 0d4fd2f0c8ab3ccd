"""The demo district's places, people and merchants (`DemoDistrict`), and the run that builds everything.

Only the ~50 areas and the demo users go through the ORM one by one (areas by `registry.do_create_area`).
Per-row actions would take hours at a million residents (each runs `full_clean` and writes an audit entry),
so the bulk rows are generated valid by construction, sealed with `sealing.seal` like the registry does,
written in batches through `writer.Table` inside the one transaction, and summarised in one audit entry.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from yangguang.core.actions import audit, registry, sla
from yangguang.core.models import (
    Area,
    AreaKind,
    AuditAction,
    Compound,
    CompoundKind,
    Dwelling,
    Merchant,
    Occupancy,
    Person,
    Relation,
    ResidenceStatus,
    RoleAssignment,
)
from yangguang.core.sealing import seal
from yangguang.lib import idnumber

from .cases import CaseGenerator
from .clock import Clock
from .inspecting import replay_sla_job
from .layout import (
    COMPOUND_SUFFIXES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    DISTRICT_CODE,
    DISTRICT_NAME,
    FACTORIES,
    FAR_PLACES,
    HUNAN_CITIES,
    MERCHANT_CATEGORIES,
    MERCHANT_CUM,
    MINORITIES,
    MINORITY_CUM,
    PROPERTY_SUFFIXES,
    RESIDENTS_PER_SCALE,
    ROAD_SUFFIXES,
    STREETS,
    WORDS,
    CommunityPlan,
    cn_number,
    ensure_tags,
    given_name,
    org_code_check,
    surname,
    uscc_check,
)
from .places import BuildingInfo, CommunityInfo, CompoundInfo, Login, Resident
from .supervision import SupervisionGenerator
from .welfare import WelfareGenerator
from .writer import BATCH_SIZE, Writer

Progress = Callable[[str], None]
# Every n-th adult with a phone is noted as a possible reporter of the cases (see places.Resident).
REPORTER_EVERY = 8
# A household at home: (compound, building, unit, room), for noting reporters.
Home = tuple[CompoundInfo, BuildingInfo, str, str]

# --- household composition ----------------------------------------------------------------------------

_YEAR = 365.25
# `seal` binds each ciphertext to its model and field, exactly as `SealedFieldsMixin.set_sealed` does.
_PERSON_LABEL = Person._meta.label_lower
_MERCHANT_LABEL = Merchant._meta.label_lower
_FLOOR_AREA_CENTS: dict[str, tuple[int, int]] = {
    CompoundKind.COMMERCIAL: (7000, 16000),
    CompoundKind.AFFORDABLE: (4000, 7000),
    CompoundKind.OLD: (3500, 9000),
    CompoundKind.UNMANAGED: (3500, 8000),
}


@dataclass(slots=True)
class _Member:
    """One person of a household being generated (before it becomes a row)."""

    relation: str
    sex: str
    birth: int  # proleptic ordinal
    surname: str
    tags: list[str] = field(default_factory=list)


# Household types with weights, by setting. Floating (流动) households are renters: mostly young.
_URBAN_TYPES = (
    ("single_young", 8),
    ("single_elderly", 8),
    ("young_couple", 8),
    ("elderly_couple", 12),
    ("nuclear", 40),
    ("three_generations", 17),
    ("single_parent", 4),
    ("siblings", 3),
)
_VILLAGE_TYPES = (
    ("single_young", 4),
    ("single_elderly", 10),
    ("young_couple", 4),
    ("elderly_couple", 16),
    ("nuclear", 26),
    ("three_generations", 26),
    ("left_behind", 12),
    ("single_parent", 2),
)
_FLOATING_TYPES = (("single_young", 40), ("young_couple", 20), ("nuclear", 30), ("siblings", 10))


def _table(pairs: Sequence[tuple[str, int]]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return tuple(k for k, _w in pairs), tuple(accumulate(w for _k, w in pairs))


_TYPE_TABLES = {
    "urban": _table(_URBAN_TYPES),
    "village": _table(_VILLAGE_TYPES),
    "floating": _table(_FLOATING_TYPES),
}


# --- the generator -------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    """What `DemoDistrict.build` made: the district, row counts by kind, and the time it took."""

    district: Area
    counts: Counter[str]
    seconds: float


class DemoDistrict:
    """Builds the demo district into the database. One instance per run; not thread-safe."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        seed: int = DEFAULT_SEED,
        today: datetime.date | None = None,
        progress: Progress | None = None,
        work: bool = True,
    ) -> None:
        """`work=False` leaves out the committees' and welfare desks' work (`_supervision_and_welfare`):
        the registry and the cases only, in a fraction of the time (tests that only compare residents)."""
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.seed = seed
        self.today = today or timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.progress: Progress = progress or (lambda _line: None)
        self.work = work
        self.counts: Counter[str] = Counter()
        self._issued_ids: set[str] = set()
        self._issued_phones: set[str] = set()
        self._used_names: set[str] = set()
        self._tags: dict[str, int] = {}
        self._started = 0.0
        self._household_seq = 0  # per community
        self._deputies_here = False  # per community: has anyone been tagged 人大代表 yet
        self._deputy_candidates: list[int] = []  # per community: registered residents aged 30–70
        self._dates: dict[int, Any] = {}
        self._floor_area_field = Dwelling._meta.get_field("floor_area")
        self._w: Writer  # created inside the transaction, see build()
        self._communities: list[CommunityInfo] = []  # what the case generator needs to know
        self._logins: dict[str, Login] = {}
        self._adults_with_phone = 0

    # --- orchestration

    def build(self) -> DemoResult:
        """Create the whole district in one transaction: either all of it exists afterwards or none."""
        self._started = time.perf_counter()
        total = max(1, round(RESIDENTS_PER_SCALE * self.scale))
        self.progress(f"seeding {DISTRICT_NAME}: about {total:,} residents, seed {self.seed}")
        with transaction.atomic():
            self._tags = ensure_tags()
            district, streets, communities = self._create_areas()
            self._create_users(district, streets, communities)
            self._w = Writer(timezone.now())
            weights = [plan.weight for _area, plan, _grids in communities]
            targets = _apportion(total, weights)
            for (community, plan, grids), target in zip(communities, targets, strict=True):
                self._populate_community(community, plan, grids, target)
            CaseGenerator(
                seed=self.seed, today=self.today, writer=self._w, counts=self.counts, progress=self.progress
            ).generate(self._communities, self._logins)
            self._w.flush()
            self._w.reset_sequences()
            for name in ("buildings", "dwellings", "persons", "households", "memberships", "residences",
                         "merchants"):  # fmt: skip
                self.counts[name] = getattr(self._w, name).count
            self.counts["tag_links"] = self._w.tags.count
            if self.work:
                self._supervision_and_welfare(district)
            seconds = time.perf_counter() - self._started
            audit.record(
                None,
                AuditAction.IMPORT,
                target_type="demo",
                target_id=str(district.pk),
                target_repr=f"{DISTRICT_NAME}演示数据",
                area=district,
                changes={name: [None, value] for name, value in sorted(self.counts.items())},
                reason=f"seed_demo --scale {self.scale:g} --seed {self.seed}",
            )
        self.progress(
            f"done: {self.counts['persons']:,} residents, {self.counts['cases']:,} cases in {seconds:.1f} s"
        )
        return DemoResult(district=district, counts=self.counts, seconds=seconds)

    def _supervision_and_welfare(self, district: Area) -> None:
        """The committees' and welfare desks' work, through the actions on a simulated clock (after the
        bulk rows: the actions let the database number their rows)."""
        started = time.perf_counter()
        clock = Clock(datetime.datetime.combine(self.today, datetime.time(0), tzinfo=sla.calendar().tz))
        with clock.running():
            offices = SupervisionGenerator(
                seed=self.seed, today=self.today, clock=clock, counts=self.counts
            ).generate(self._communities, self._logins)
            WelfareGenerator(seed=self.seed, clock=clock, counts=self.counts, district=district).generate(
                offices, self._logins
            )
            # The SLA job's mornings of the last weeks: reminders and 督办 of the overdue notices.
            reminded, escalated = replay_sla_job(clock)
        self.counts["sla_reminders"] = reminded
        self.counts["sla_escalations"] = escalated
        self.progress(
            f"supervision and welfare: {self.counts['committee_members']} committee members, "
            f"{self.counts['inspections']} inspections, {self.counts['vouchers']} vouchers, "
            f"{self.counts['enrollments']:,} enrolled households, {self.counts['payments']:,} payments, "
            f"{self.counts['applications']} applications in {time.perf_counter() - started:.1f} s"
        )

    def _community_rng(self, name: str) -> random.Random:
        # A generator per community (seeded from the run's seed and the community's name) keeps each
        # community's data stable when the code for another one changes.
        return random.Random(f"{self.seed}:{name}")

    # --- areas and users

    def _create_areas(self) -> tuple[Area, list[Area], list[tuple[Area, CommunityPlan, list[Area]]]]:
        district = registry.do_create_area(
            None, parent=None, kind=AreaKind.DISTRICT, name=DISTRICT_NAME, code=DISTRICT_CODE
        )
        streets: list[Area] = []
        communities: list[tuple[Area, CommunityPlan, list[Area]]] = []
        for s, street_plan in enumerate(STREETS, start=1):
            street_code = f"{DISTRICT_CODE}{s:03d}"
            street = registry.do_create_area(
                None, parent=district, kind=AreaKind.STREET, name=street_plan.name, code=street_code
            )
            streets.append(street)
            # GB/T 10114 style: residents' committees number from 001, village committees from 201.
            next_code: dict[str, int] = {AreaKind.COMMUNITY: 1, AreaKind.VILLAGE: 201}
            for plan in street_plan.communities:
                code = f"{street_code}{next_code[plan.kind]:03d}"
                next_code[plan.kind] += 1
                community = registry.do_create_area(
                    None, parent=street, kind=plan.kind, name=plan.name, code=code
                )
                grids = [
                    registry.do_create_area(
                        None,
                        parent=community,
                        kind=AreaKind.GRID,
                        name=f"第{cn_number(g)}网格",
                        code=f"{code}{g:02d}",
                    )
                    for g in range(1, plan.grids + 1)
                ]
                communities.append((community, plan, grids))
        self.counts["areas"] = 1 + len(streets) + sum(1 + len(g) for _c, _p, g in communities)
        self.progress(f"areas: {len(streets)} streets, {len(communities)} communities")
        return district, streets, communities

    def _create_users(
        self, district: Area, streets: list[Area], communities: list[tuple[Area, CommunityPlan, list[Area]]]
    ) -> None:
        places = {
            "district": district,
            "street": streets[0],
            "community": communities[0][0],
            "community2": communities[1][0],
            "grid": communities[0][2][0],
        }
        rng = self._community_rng("users")
        # One Argon2 hash for all demo users: hashing is slow on purpose, and the password is public anyway.
        hashed = make_password(DEMO_PASSWORD)
        for spec in DEMO_USERS:
            sex = rng.choice("MF")
            user = User(username=spec.username, first_name=surname(rng) + given_name(rng, sex))
            user.password = hashed
            user.save()
            area = places[spec.place]
            RoleAssignment.objects.create(user=user, area=area, role=spec.role)
            self._logins[spec.username] = Login(user.pk, spec.username, spec.role, area, user.first_name)
        self.counts["users"] = len(DEMO_USERS)

    # --- names, numbers

    def _id_number(self, rng: random.Random, birth: int, sex: str) -> str:
        born = datetime.date.fromordinal(birth)
        while True:
            number = idnumber.make_fake(rng, DISTRICT_CODE, born, sex)
            if number not in self._issued_ids:
                self._issued_ids.add(number)
                return number

    def _phone(self, rng: random.Random) -> str:
        while True:
            # 10x/11x/12x are not mobile prefixes in China, so these numbers reach nobody.
            phone = f"1{rng.randrange(3)}{rng.randrange(1_000_000_000):09d}"
            if phone not in self._issued_phones:
                self._issued_phones.add(phone)
                return phone

    def _date(self, ordinal: int) -> Any:
        """A date as the database driver wants it, cached: a million people share ~40,000 birthdays."""
        value = self._dates.get(ordinal)
        if value is None:
            value = self._dates[ordinal] = connection.ops.adapt_datefield_value(
                datetime.date.fromordinal(ordinal)
            )
        return value

    def _decimal(self, value: Decimal) -> Any:
        return self._floor_area_field.get_db_prep_save(value, connection)

    def _unique_name(self, base: str) -> str:
        """A compound name not used yet in the district: 锦绣花园, then 锦绣花园二期, 三期 …"""
        name, n = base, 1
        while name in self._used_names:
            n += 1
            name = f"{base}{cn_number(n)}期"
        self._used_names.add(name)
        return name

    # --- one community

    def _populate_community(
        self, community: Area, plan: CommunityPlan, grids: list[Area], target: int
    ) -> None:
        started = time.perf_counter()
        before = self._w.persons.count
        rng = self._community_rng(plan.name)
        village = plan.kind == AreaKind.VILLAGE
        street = community.parent
        if street is None:
            raise ValueError(f"{community} has no street")
        compounds = self._plan_compounds(rng, community, street.name, village, target)
        # Balance the grids: each compound goes to the grid with the fewest residents planned so far.
        load = dict.fromkeys(range(len(grids)), 0)
        placed: list[tuple[Compound, Area, int]] = []
        for compound, size in sorted(compounds, key=lambda item: -item[1]):
            g = min(load, key=lambda i: (load[i], i))
            load[g] += size
            placed.append((compound, grids[g], size))
        Compound.objects.bulk_create([c for c, _g, _s in placed], batch_size=BATCH_SIZE)
        self.counts["compounds"] += len(placed)
        self._household_seq = 0
        self._deputy_candidates = []
        self._deputies_here = False
        info = CommunityInfo(community, street, village, grids)
        self._communities.append(info)
        for compound, grid, size in placed:
            noted = CompoundInfo(
                compound.pk,
                compound.name,
                compound.kind,
                compound.property_company,
                compound.address,
                grid,
                village,
            )
            info.compounds.append(noted)
            self._populate_compound(rng, community, street.name, compound, grid, size, village, noted)
        if not self._deputies_here and self._deputy_candidates:
            # Every community has at least one 人大代表, so the committee's make-up can be demonstrated.
            self._w.tags.add(rng.choice(self._deputy_candidates), self._tags["npc_deputy"])
        self._w.flush()
        total = self._w.persons.count
        elapsed = time.perf_counter() - started
        self.progress(
            f"{street.name} {community.name}: {total - before:,} residents, {len(placed)} compounds "
            f"in {elapsed:.1f} s (total {total:,}, "
            f"{time.perf_counter() - self._started:.0f} s)"
        )

    def _plan_compounds(
        self, rng: random.Random, community: Area, street_name: str, village: bool, target: int
    ) -> list[tuple[Compound, int]]:
        """The community's compounds (unsaved) with the number of residents each should get."""
        specs: list[tuple[str, str, str, str]] = []  # (kind, name, property company, address)
        if village:
            # A village's 村民小组 are registered as bungalow areas: self-built houses, no property company.
            for g in range(1, min(30, max(3, round(target / 400))) + 1):
                specs.append((CompoundKind.OLD, f"{cn_number(g)}组", "", f"{community.name}{cn_number(g)}组"))
            weights = [rng.uniform(0.7, 1.3) for _ in specs]
        else:
            count = max(4, round(target / 1600))
            # The first four compounds cover every governance type, so each community has all four.
            kinds = [
                CompoundKind.COMMERCIAL,
                CompoundKind.OLD,
                CompoundKind.AFFORDABLE,
                CompoundKind.UNMANAGED,
            ]
            kinds += rng.choices(kinds, weights=(45, 30, 15, 10), k=count - 4)
            for kind in kinds:
                name = self._compound_name(rng, kind)
                company = self._property_company(rng, kind, street_name)
                address = f"{rng.choice(WORDS)}{rng.choice(ROAD_SUFFIXES)}{rng.randrange(1, 400)}号"
                specs.append((kind, name, company, address))
            share: dict[str, float] = {CompoundKind.COMMERCIAL: 1.0, CompoundKind.AFFORDABLE: 0.9, CompoundKind.OLD: 0.8,
                     CompoundKind.UNMANAGED: 0.4}  # fmt: skip
            weights = [share[kind] * rng.uniform(0.7, 1.3) for kind, _n, _p, _a in specs]
        sizes = _apportion(target, weights)
        return [
            (Compound(area=community, kind=kind, name=name, property_company=company, address=address), size)
            for (kind, name, company, address), size in zip(specs, sizes, strict=True)
        ]

    def _compound_name(self, rng: random.Random, kind: str) -> str:
        if kind == CompoundKind.UNMANAGED and rng.random() < 0.6:
            return self._unique_name(f"原{rng.choice(FACTORIES)}宿舍")
        return self._unique_name(rng.choice(WORDS) + rng.choice(COMPOUND_SUFFIXES[kind]))

    def _property_company(self, rng: random.Random, kind: str, street_name: str) -> str:
        if kind == CompoundKind.UNMANAGED:
            return ""
        if kind == CompoundKind.OLD and rng.random() < 0.5:
            return f"{street_name}物业服务中心"  # the street's fallback property service (托底物业)
        if kind == CompoundKind.AFFORDABLE:
            return "芙蓉城投物业管理有限公司"
        return f"{rng.choice(WORDS)}{rng.choice(PROPERTY_SUFFIXES)}"

    # --- one compound: buildings, dwellings, households, people, merchants

    def _building_shape(self, rng: random.Random, compound: Compound, village: bool) -> tuple[int, int, int]:
        """(floors, units, dwellings per floor per unit) of a new building of this compound."""
        if village:
            return rng.choice((2, 3, 3, 4)), 1, 1
        kind = compound.kind
        if kind == CompoundKind.COMMERCIAL:
            return rng.choice((6, 11, 18, 18, 26, 32)), rng.choice((1, 2, 2, 3)), rng.choice((2, 2, 3, 4))
        if kind == CompoundKind.AFFORDABLE:
            return rng.choice((11, 18, 26)), 2, rng.choice((4, 6))
        if kind == CompoundKind.OLD and compound.name.endswith("平房区"):
            return 1, 1, rng.choice((6, 8, 10))
        return rng.choice((5, 6, 7)), rng.choice((2, 3)), 2  # old walk-ups and unmanaged dormitories

    def _populate_compound(
        self,
        rng: random.Random,
        community: Area,
        street_name: str,
        compound: Compound,
        grid: Area,
        target: int,
        village: bool,
        noted: CompoundInfo,
    ) -> None:
        """Walk the compound building by building, room by room, until `target` residents live in it.

        Dwellings are registered as the registrar walks, so a small demo does not get whole tower blocks
        of empty flats: the last building may be registered only partly.
        """
        w = self._w
        vacancy = 0.03 if village else (0.10 if compound.kind == CompoundKind.COMMERCIAL else 0.06)
        lo, hi = (12000, 30000) if village else _FLOOR_AREA_CENTS[compound.kind]
        buildings = noted.buildings
        residents = 0
        while residents < target:
            floors, units, per_floor = self._building_shape(rng, compound, village)
            name = f"{len(buildings) + 1}号" if village else f"{len(buildings) + 1}栋"
            building_id = w.buildings.add(compound.pk, grid.pk, name, floors)
            building = BuildingInfo(building_id, name, grid.pk, floors)
            buildings.append(building)
            for unit, room, floor in _rooms(floors, units, per_floor, village):
                floor_area = self._decimal(Decimal(rng.randrange(lo, hi)).scaleb(-2))
                if rng.random() < vacancy:
                    w.dwellings.add(building_id, grid.pk, unit, room, floor, floor_area, Occupancy.VACANT)
                    continue
                status = self._residence_status(rng, compound, village)
                occupancy = self._occupancy(rng, status)
                dwelling_id = w.dwellings.add(building_id, grid.pk, unit, room, floor, floor_area, occupancy)
                home = (noted, building, unit, room)
                residents += self._household(
                    rng, community, street_name, compound, grid, dwelling_id, status, village, home
                )
                if residents >= target:
                    break
        noted.residents = residents
        self._merchants(rng, compound, grid, noted, residents)
        if len(w.persons.rows) >= BATCH_SIZE:
            w.flush()

    def _residence_status(self, rng: random.Random, compound: Compound, village: bool) -> str:
        if village:
            floating, resident = 0.03, 0.05
        elif compound.kind == CompoundKind.AFFORDABLE:
            floating, resident = 0.05, 0.10  # public housing goes mostly to registered residents
        else:
            floating, resident = 0.27, 0.12  # tuned so that about 15 % of all residents are floating
        r = rng.random()
        if r < floating:
            return ResidenceStatus.FLOATING
        if r < floating + resident:
            return ResidenceStatus.RESIDENT
        return ResidenceStatus.REGISTERED

    def _occupancy(self, rng: random.Random, status: str) -> str:
        if status == ResidenceStatus.FLOATING:
            return Occupancy.RENTED
        if status == ResidenceStatus.RESIDENT:
            return rng.choice((Occupancy.RENTED, Occupancy.OWNER))
        return Occupancy.OWNER if rng.random() < 0.95 else Occupancy.OTHER

    def _household(
        self,
        rng: random.Random,
        community: Area,
        street_name: str,
        compound: Compound,
        grid: Area,
        dwelling_id: int,
        status: str,
        village: bool,
        home: Home,
    ) -> int:
        """Register one household living in the dwelling, its people and their tags; return its size."""
        w = self._w
        if status == ResidenceStatus.FLOATING:
            table = _TYPE_TABLES["floating"]
            moved_in = self.today_ord - rng.randrange(30, 4 * 365)
            hukou = rng.choice(FAR_PLACES if rng.random() < 0.6 else HUNAN_CITIES)
        elif status == ResidenceStatus.RESIDENT:
            table = _TYPE_TABLES["village" if village else "urban"]
            moved_in = self.today_ord - rng.randrange(180, 10 * 365)
            hukou = rng.choice(HUNAN_CITIES)
        else:
            table = _TYPE_TABLES["village" if village else "urban"]
            moved_in = self.today_ord - rng.randrange(30, 30 * 365)
            hukou = f"湖南省{DISTRICT_NAME}{street_name}{community.name}"
        members = self._members(rng, rng.choices(table[0], cum_weights=table[1])[0])
        # The head moved in as an adult; members born later joined at birth (see the membership rows).
        moved_in = min(max(moved_in, members[0].birth + int(18 * _YEAR)), self.today_ord)
        ethnicity = "汉族"
        if rng.random() < (0.12 if village else 0.06):
            ethnicity = rng.choices(MINORITIES, cum_weights=MINORITY_CUM)[0]
        poor_rate = 0.015 if compound.kind == CompoundKind.COMMERCIAL else 0.04
        dibao = status == ResidenceStatus.REGISTERED and rng.random() < poor_rate

        people: list[tuple[int, str, int]] = []  # (person id, relation, start ordinal)
        for member in members:
            age = (self.today_ord - member.birth) / _YEAR
            tags = member.tags
            if dibao:
                tags.append("dibao")
            self._personal_tags(rng, member, age, status, tags)
            id18 = self._id_number(rng, member.birth, member.sex)
            phone = self._phone(rng) if age >= 16 and rng.random() < (0.6 if age >= 80 else 0.93) else ""
            name = member.surname + given_name(rng, member.sex)
            if phone and age >= 18:
                self._note_reporter(name, phone, home)
            person_id = w.persons.add(
                grid.pk,
                dwelling_id,
                name,
                *seal(_PERSON_LABEL, "id_number", Person.SEALED_FIELDS["id_number"], id18),
                member.sex,
                self._date(member.birth),
                *seal(_PERSON_LABEL, "phone", Person.SEALED_FIELDS["phone"], phone),
                status,
                ethnicity if member.relation != Relation.SPOUSE or rng.random() < 0.8 else "汉族",
                hukou,
            )
            if status == ResidenceStatus.REGISTERED and 30 <= age <= 70:
                self._deputy_candidates.append(person_id)
            for code in tags:
                w.tags.add(person_id, self._tags[code])
            people.append((person_id, member.relation, max(moved_in, member.birth)))
        self._household_seq += 1
        household_id = w.households.add(
            grid.pk, dwelling_id, f"{community.code[6:]}-{self._household_seq:05d}", people[0][0]
        )
        for person_id, relation, start in people:
            w.memberships.add(household_id, person_id, relation, self._date(start))
            w.residences.add(person_id, dwelling_id, self._date(start))
        return len(people)

    def _note_reporter(self, name: str, phone: str, home: Home) -> None:
        """Keep every n-th adult with a phone (no random draw, so the registry's data does not change)."""
        self._adults_with_phone += 1
        if self._adults_with_phone % REPORTER_EVERY == 0:
            noted, building, unit, room = home
            noted.reporters.append(Resident(name, phone, building, unit, room))

    def _personal_tags(
        self, rng: random.Random, member: _Member, age: float, status: str, tags: list[str]
    ) -> None:
        if age >= 80:
            tags.append("oldest_old")
        if age >= 18 and rng.random() < (0.12 if age >= 60 else 0.06):
            tags.append("party_member")
        if member.sex == "M" and age >= 22 and rng.random() < 0.035:
            tags.append("veteran")
        if rng.random() < (0.07 if age >= 60 else 0.025):
            tags.append("disabled")
        if status == ResidenceStatus.REGISTERED and 30 <= age <= 70:
            if rng.random() < 1 / 2500:
                tags.append("npc_deputy")
                self._deputies_here = True
            if rng.random() < 1 / 2500:
                tags.append("cppcc_member")

    def _members(self, rng: random.Random, kind: str) -> list[_Member]:
        """The people of one household, head first, with realistic ages and relations."""
        today = self.today_ord

        def born(lo: float, hi: float) -> int:  # age between lo and hi years (inclusive of hi's year)
            return today - rng.randrange(int(lo * _YEAR), int((hi + 1) * _YEAR))

        def spouse_of(head: _Member) -> _Member:
            # Husbands are on average a couple of years older than wives.
            gap = rng.randrange(-int(2 * _YEAR), int(5 * _YEAR))
            birth = head.birth + gap if head.sex == "M" else head.birth - gap
            sex = "F" if head.sex == "M" else "M"
            return _Member(Relation.SPOUSE, sex, min(birth, today - int(20 * _YEAR)), surname(rng))

        def children(
            father: _Member, mother: _Member, count: int, relation: str = Relation.CHILD
        ) -> list[_Member]:
            lo = max(mother.birth + int(20 * _YEAR), today - int(30 * _YEAR))
            hi = min(mother.birth + int(42 * _YEAR), today)
            if lo > hi:
                return []
            return [
                _Member(relation, rng.choice("MF"), rng.randrange(lo, hi + 1), father.surname)
                for _ in range(count)
            ]

        def head(lo: float, hi: float, male: float) -> _Member:
            return _Member(Relation.HEAD, "M" if rng.random() < male else "F", born(lo, hi), surname(rng))

        def kids_count() -> int:
            return rng.choices((1, 2, 3), cum_weights=(55, 93, 100))[0]

        if kind == "single_young":
            return [head(20, 45, 0.55)]
        if kind == "single_elderly":
            h = head(62, 92, 0.35)
            h.tags.append("elderly_alone")
            if rng.random() < 0.05:
                h.tags.append("extreme_poverty")
            return [h]
        if kind == "young_couple":
            h = head(23, 40, 0.7)
            return [h, spouse_of(h)]
        if kind == "elderly_couple":
            h = head(62, 90, 0.8)
            s = spouse_of(h)
            for m in (h, s):
                if today - m.birth >= 60 * _YEAR:
                    m.tags.append("empty_nest")
            return [h, s]
        if kind in ("nuclear", "three_generations"):
            h = head(28, 55, 0.7) if kind == "nuclear" else head(30, 52, 0.75)
            s = spouse_of(h)
            father, mother = (h, s) if h.sex == "M" else (s, h)
            family = [h, s, *children(father, mother, kids_count())]
            if kind == "three_generations":
                # The head's parents: the father carries the head's surname.
                elder_birth = h.birth - rng.randrange(int(22 * _YEAR), int(34 * _YEAR))
                grandfather = _Member(
                    Relation.PARENT, "M", max(elder_birth, today - int(95 * _YEAR)), h.surname
                )
                grandmother = _Member(
                    Relation.PARENT, "F", min(grandfather.birth + rng.randrange(0, int(4 * _YEAR)), today),
                    surname(rng),
                )  # fmt: skip
                family += (
                    [grandfather, grandmother]
                    if rng.random() < 0.55
                    else [rng.choice((grandfather, grandmother))]
                )
            return family
        if kind == "left_behind":
            # Grandparents raising grandchildren while the parents work in the cities.
            h = head(55, 78, 0.7)
            s = spouse_of(h)
            family = [h, s] if rng.random() < 0.75 else [h]
            lo = max(h.birth + int(45 * _YEAR), today - int(15 * _YEAR))
            hi = today - int(2 * _YEAR)
            for _ in range(rng.choice((1, 1, 2))):
                birth = rng.randrange(lo, hi + 1) if lo <= hi else hi
                family.append(
                    _Member(Relation.GRANDCHILD, rng.choice("MF"), birth, h.surname, ["left_behind_child"])
                )
            return family
        if kind == "single_parent":
            h = head(28, 50, 0.3)
            other = _Member(Relation.OTHER, "F" if h.sex == "M" else "M", h.birth, h.surname)
            father, mother = (h, other) if h.sex == "M" else (other, h)
            kids = children(father, mother, rng.choice((1, 1, 2)))
            for kid in kids:
                kid.surname = h.surname
            return [h, *kids]
        # siblings sharing a flat
        h = head(20, 35, 0.5)
        return [
            h,
            _Member(Relation.SIBLING, rng.choice("MF"), h.birth + rng.randrange(-1500, 1500), h.surname),
        ]

    def _merchants(
        self,
        rng: random.Random,
        compound: Compound,
        grid: Area,
        noted: CompoundInfo,
        residents: int,
    ) -> None:
        """About one merchant per 100 residents, in the compound's buildings (ground-floor shops)."""
        for n in range(1, int(residents / 100 + rng.random()) + 1):
            category, _weight, patterns = rng.choices(MERCHANT_CATEGORIES, cum_weights=MERCHANT_CUM)[0]
            name = rng.choice(patterns).format(s=surname(rng), w=rng.choice(WORDS))
            building = rng.choice(noted.buildings)
            if category == "餐饮":
                noted.restaurants.append((name, building))
            # 个体工商户 ("92") mostly, some small companies ("91").
            org = "".join(str(rng.randrange(10)) for _ in range(8))
            body = ("92" if rng.random() < 0.8 else "91") + DISTRICT_CODE + org + org_code_check(org)
            operator = surname(rng) + given_name(rng, rng.choice("MF"))
            self._w.merchants.add(
                grid.pk,
                compound.pk,
                building.pk,
                name,
                body + uscc_check(body),
                category,
                operator,
                *seal(_MERCHANT_LABEL, "phone", Merchant.SEALED_FIELDS["phone"], self._phone(rng)),
                f"{compound.address}{compound.name}{building.name}{n}号门面",
            )


def _rooms(floors: int, units: int, per_floor: int, village: bool) -> list[tuple[str, str, int]]:
    """(unit, room, floor) of every dwelling of a building, in the order a registrar walks it."""
    if village:
        return [("", "整栋", 1)]
    if floors == 1:  # a row of bungalows
        return [("", f"{r}号", 1) for r in range(1, per_floor + 1)]
    return [
        (f"{u}单元", f"{f}{r:02d}", f)
        for u in range(1, units + 1)
        for f in range(1, floors + 1)
        for r in range(1, per_floor + 1)
    ]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), giving every share at least 1."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    shares = [max(1, int(x)) for x in raw]
    leftover = total - sum(shares)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)[: max(0, leftover)]:
        shares[i] += 1
    return shares
