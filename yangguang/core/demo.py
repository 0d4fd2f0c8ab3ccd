"""The demo district (芙蓉示范区): fictional places, people and logins for trying and benchmarking Yangguang.

`seed_demo` builds one district with 3 streets, 13 communities (4 of them villages), 2–4 grids each,
compounds of all four governance types, buildings, dwellings, households, residents, tags and merchants:
about 30,300 residents per unit of `scale`, so `--scale 33` gives a million.

Everything is fictional on purpose:
- ID numbers are valid (GB 11643 checksum, birth date and sex encoded) but use the region code 430199,
  which no real county has, so no demo number can be a real person's.
- Phone numbers start with 10, 11 or 12, prefixes that are not allocated to mobile networks.
- Names are drawn from Faker's zh_CN surname and given-name lists (surnames weighted by frequency).

Only the ~50 areas and the demo users go through the ORM one by one (areas by `registry.do_create_area`).
Per-row actions would take hours at a million residents (each runs `full_clean` and writes an audit entry),
so the bulk rows are generated valid by construction, sealed with `sealing.seal` like the registry does,
written in batches of 5,000 inside the one transaction, and summarised in a single audit entry. The batches
go through `_Table` (primary keys assigned here, `executemany`) rather than `bulk_create`, which tripled
the CPU time: see `_Table` and docs/demo.md for the measurements.

The data depends only on the seed and the reference date (`today`): a given seed gives the same names,
households and counts every time, and dates shift with the day the demo is built so that ages stay right.
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
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames

from yangguang.core.actions import audit, registry
from yangguang.core.models import (
    Area,
    AreaKind,
    AuditAction,
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    Household,
    HouseholdMembership,
    Merchant,
    Occupancy,
    Person,
    Relation,
    Residence,
    ResidenceStatus,
    RoleAssignment,
    Tag,
)
from yangguang.core.permissions import Role
from yangguang.core.sealing import seal
from yangguang.lib import idnumber

DISTRICT_NAME = "芙蓉示范区"
# GB/T 2260-shaped (Hunan, Changsha prefecture) but not assigned to any real county: see the module docstring.
DISTRICT_CODE = "430199"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - public on purpose: printed by demo_logins
DEFAULT_SEED = 2026
# 30,303 × 33 ≈ 1,000,000: scale 1 is "about 30,000 residents", scale 33 is the million-resident benchmark.
RESIDENTS_PER_SCALE = 30_303
# Rows per `executemany` call (and per bulk_create batch of compounds).
BATCH_SIZE = 5_000

Progress = Callable[[str], None]


# --- the district's layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityPlan:
    """A community or village of the demo district and its share of the residents."""

    name: str
    kind: str  # AreaKind.COMMUNITY or AreaKind.VILLAGE
    weight: float  # share of the district's residents (relative)
    grids: int


@dataclass(frozen=True)
class StreetPlan:
    """A street (or town) of the demo district."""

    name: str
    communities: tuple[CommunityPlan, ...]


_C, _V = AreaKind.COMMUNITY, AreaKind.VILLAGE
STREETS: tuple[StreetPlan, ...] = (
    StreetPlan(
        "阳光街道",
        (
            CommunityPlan("阳光社区", _C, 1.2, 4),
            CommunityPlan("和平社区", _C, 1.0, 3),
            CommunityPlan("朝阳社区", _C, 1.0, 3),
            CommunityPlan("建设社区", _C, 0.9, 2),
        ),
    ),
    StreetPlan(
        "东湖街道",
        (
            CommunityPlan("东湖社区", _C, 1.1, 3),
            CommunityPlan("湖滨社区", _C, 1.0, 3),
            CommunityPlan("新桥社区", _C, 0.9, 2),
            CommunityPlan("文苑社区", _C, 0.8, 2),
        ),
    ),
    StreetPlan(
        "桃花镇",
        (
            CommunityPlan("桃花社区", _C, 0.8, 2),
            CommunityPlan("梅溪村", _V, 0.5, 2),
            CommunityPlan("杏林村", _V, 0.45, 2),
            CommunityPlan("石桥村", _V, 0.4, 2),
            CommunityPlan("柳塘村", _V, 0.35, 2),
        ),
    ),
)
_CN_NUMERALS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三; from 100 on, Arabic digits (as on real signs)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_NUMERALS[tens - 1] + "十")
    return head + (_CN_NUMERALS[ones - 1] if ones else "")


# --- demo users ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    """A demo login: one user holding one role at one place of the district."""

    username: str
    role: str
    place: str  # "district", "street" (street 1), "community" (community 1), "community2", "grid"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("district_admin", Role.DISTRICT_ADMIN, "district"),
    DemoUser("civil_affairs", Role.CIVIL_AFFAIRS, "district"),
    DemoUser("street_discipline", Role.STREET_DISCIPLINE, "street"),
    DemoUser("staff_yangguang", Role.COMMUNITY_STAFF, "community"),
    DemoUser("staff_heping", Role.COMMUNITY_STAFF, "community2"),
    DemoUser("committee_yangguang", Role.COMMITTEE_MEMBER, "community"),
    DemoUser("grid_yangguang1", Role.GRID_WORKER, "grid"),
    DemoUser("liaison_yangguang", Role.LIAISON, "community"),
    DemoUser("volunteer_yangguang", Role.VOLUNTEER, "community"),
    DemoUser("resident_yangguang", Role.RESIDENT, "community"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


# --- the tag catalogue ---------------------------------------------------------------------------------

# (code, name, sensitive): sensitive tags reveal health or income and are shown only to full-access roles.
TAG_CATALOGUE: tuple[tuple[str, str, bool], ...] = (
    ("elderly_alone", "独居老人", False),
    ("empty_nest", "空巢老人", False),
    ("oldest_old", "高龄老人", False),
    ("disabled", "残疾人", True),
    ("veteran", "退役军人", False),
    ("party_member", "党员", False),
    ("npc_deputy", "人大代表", False),
    ("cppcc_member", "政协委员", False),
    ("dibao", "低保户", True),
    ("extreme_poverty", "特困人员", True),
    ("left_behind_child", "留守儿童", False),
)


def ensure_tags() -> dict[str, int]:
    """Create the tag catalogue where missing (by code or by name); return tag ids by code."""
    ids: dict[str, int] = {}
    for code, name, sensitive in TAG_CATALOGUE:
        tag = Tag.objects.filter(code=code).first() or Tag.objects.filter(name=name).first()
        if tag is None:
            tag = Tag.objects.create(code=code, name=name, sensitive=sensitive)
        ids[code] = tag.pk
    return ids


# --- word pools (all fictional) ------------------------------------------------------------------------

_SURNAMES = tuple(ZhNames.last_names)
_SURNAME_CUM = tuple(accumulate(ZhNames.last_names.values()))
# Faker's given names are mostly single characters; pairs of them make the common two-character names.
_MALE_ONE = tuple(n for n in ZhNames.first_names_male if len(n) == 1)
_FEMALE_ONE = tuple(n for n in ZhNames.first_names_female if len(n) == 1)
_MALE_ALL = tuple(ZhNames.first_names_male)
_FEMALE_ALL = tuple(ZhNames.first_names_female)

_WORDS = (
    "锦绣 翠竹 金桂 银杏 梧桐 芙蓉 紫荆 丽景 明珠 华庭 怡园 书香 康宁 福临 祥和 润泽 汇景 清水 "
    "碧波 映月 星河 晨曦 东方 南湖 北辰 西园 湘江 岳麓 橘洲 麓山 雨花 天心 望江 观澜 听涛 枫林 "
    "松涛 兰亭 荷塘 柳岸 桃源 梅林 杏坛 石门 泉水 青山 白沙 红星 新华 建设 和平 胜利 光明 团结 "
    "幸福 长青 丰收 先锋"
).split()
_ROAD_SUFFIXES = ("路", "街", "大道", "巷")
_FACTORIES = (
    "纺织厂 机械厂 化肥厂 棉纺厂 农机厂 印刷厂 粮食局 轴承厂 电机厂 水泥厂 制药厂 橡胶厂 "
    "汽修厂 木材公司 食品厂 航运公司 缝纫机厂 烟花厂 陶瓷厂 玻璃厂"
).split()
_COMPOUND_SUFFIXES: dict[str, tuple[str, ...]] = {
    CompoundKind.COMMERCIAL: ("花园", "苑", "华府", "名城", "家园", "雅居", "公馆", "佳园", "新城", "府"),
    CompoundKind.AFFORDABLE: ("安置小区", "公租房小区", "安居苑", "保障房小区"),
    CompoundKind.OLD: ("新村", "里", "小区", "巷平房区"),
    CompoundKind.UNMANAGED: ("小区", "宿舍"),
}
_PROPERTY_SUFFIXES = ("物业服务有限公司", "物业管理有限公司")
_MINORITIES = ("土家族", "苗族", "侗族", "瑶族", "回族", "壮族", "满族", "白族")
_MINORITY_CUM = tuple(accumulate((30, 25, 15, 12, 8, 5, 3, 2)))
_HUNAN_CITIES = (
    "湖南省株洲市 湖南省湘潭市 湖南省衡阳市 湖南省邵阳市 湖南省岳阳市 湖南省常德市 湖南省益阳市 "
    "湖南省郴州市 湖南省永州市 湖南省怀化市 湖南省娄底市 湖南省湘西土家族苗族自治州"
).split()
_FAR_PLACES = (
    "江西省赣州市 江西省萍乡市 湖北省荆州市 湖北省咸宁市 广东省韶关市 广西壮族自治区桂林市 "
    "贵州省铜仁市 四川省达州市 重庆市万州区 河南省信阳市 安徽省阜阳市 云南省昭通市"
).split()
# (category, name patterns): "{s}" is a surname, "{w}" a word from _WORDS.
_MERCHANT_CATEGORIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("餐饮", 30, ("{s}记米粉店", "{s}记面馆", "{w}小炒", "{w}烧烤", "{s}家饺子馆", "{w}湘菜馆")),
    ("便利店超市", 16, ("{w}便利店", "{w}生活超市", "{w}生鲜超市")),
    ("美容美发", 9, ("{w}美发", "{w}美容院")),
    ("药店诊所", 6, ("{w}大药房", "{s}氏诊所")),
    ("维修服务", 7, ("{s}师傅家电维修", "{w}开锁修鞋", "{w}电动车维修")),
    ("五金建材", 5, ("{w}五金店", "{w}建材")),
    ("教育培训", 5, ("{w}教育", "{w}艺术培训")),
    ("快递物流", 5, ("{w}快递驿站",)),
    ("洗衣家政", 5, ("{w}干洗店", "{w}家政服务部")),
    ("服装零售", 6, ("{w}服饰", "{w}鞋店")),
    ("休闲娱乐", 4, ("{w}茶楼", "{w}棋牌室")),
    ("农资农贸", 2, ("{w}农资店", "{s}记粮油店")),
)
_MERCHANT_CUM = tuple(accumulate(w for _c, w, _p in _MERCHANT_CATEGORIES))

# Uniform Social Credit Codes (GB 32100) and organisation codes (GB 11714): fictional, with valid checksums.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code (digits and capital letters)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check(body17: str) -> str:
    """GB 32100 check character of the first 17 characters of a Uniform Social Credit Code."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


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


# --- the bulk writer -----------------------------------------------------------------------------------


class _Table:
    """Rows of one table with primary keys assigned here, written with `executemany`.

    Measured on the 2-core machine, `bulk_create` spent about two thirds of the seeding time preparing
    each value through the field API (and asking SQLite to return the new ids); the generator already
    produces database-ready values and needs the ids before writing (a household names its head, a
    membership its household), so it assigns them itself and hands plain tuples to the driver.

    Columns not given by the generator get their field default once (or "now" for auto_now fields), so a
    field added later with a default keeps working; a field with a per-row default (say a UUID) would get
    the same value in every row, and a unique constraint on it would fail loudly.

    Taking `max(pk) + 1` is safe because nothing else writes these tables during the seeding: SQLite's
    write lock (the transaction is IMMEDIATE) guarantees it; on PostgreSQL, seed a database nobody is using.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], now: datetime.datetime) -> None:
        meta = model._meta
        pk = meta.pk
        if pk is None:  # only abstract models lack one
            raise TypeError(f"{model} has no primary key")
        given_fields: list[models.Field[Any, Any]] = []
        for name in given:
            f = meta.get_field(name)
            if not isinstance(f, models.Field) or not f.concrete:
                raise TypeError(f"{model.__name__}.{name} is not a column")
            given_fields.append(f)
        constants: list[tuple[str, Any]] = []
        for f in meta.concrete_fields:
            if f is pk or f in given_fields:
                continue
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            constants.append((f.column, f.get_db_prep_save(now if auto else f.get_default(), connection)))
        columns = [pk.column] + [f.column for f in given_fields]
        columns += [column for column, _value in constants]
        qn = connection.ops.quote_name
        # Only quoted identifiers from the model's metadata are interpolated; values go as parameters.
        table, names, params = (
            qn(meta.db_table),
            ", ".join(qn(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({params})"  # noqa: S608
        self.model = model
        self.constants = tuple(value for _column, value in constants)
        self.first_pk: int = (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_pk = self.first_pk
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> int:
        """Queue one row (values in the order of `given`); return its primary key."""
        pk = self.next_pk
        self.next_pk = pk + 1
        self.rows.append((pk, *values, *self.constants))
        return pk

    @property
    def count(self) -> int:
        """Rows added so far (written or queued)."""
        return self.next_pk - self.first_pk

    def flush(self) -> None:
        for start in range(0, len(self.rows), BATCH_SIZE):
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows[start : start + BATCH_SIZE])
        self.rows.clear()


class _Writer:
    """The bulk-loaded tables, flushed together in dependency order."""

    def __init__(self, now: datetime.datetime) -> None:
        self.buildings = _Table(Building, ("compound", "area", "name", "floors"), now)
        self.dwellings = _Table(
            Dwelling, ("building", "area", "unit", "room", "floor", "floor_area", "occupancy"), now
        )
        self.persons = _Table(
            Person,
            ("area", "dwelling", "name", "id_number_enc", "id_number_index", "id_number_masked", "sex",
             "birth_date", "phone_enc", "phone_index", "phone_masked", "residence_status", "ethnicity",
             "hukou_place"),
            now,
        )  # fmt: skip
        self.households = _Table(Household, ("area", "dwelling", "number", "head"), now)
        self.memberships = _Table(HouseholdMembership, ("household", "person", "relation", "start_date"), now)
        self.residences = _Table(Residence, ("person", "dwelling", "start_date"), now)
        self.tags = _Table(Person.tags.through, ("person", "tag"), now)
        self.merchants = _Table(
            Merchant,
            ("area", "compound", "building", "name", "credit_code", "category", "operator_name", "phone_enc",
             "phone_index", "phone_masked", "address"),
            now,
        )  # fmt: skip
        self.tables = (
            self.buildings, self.dwellings, self.persons, self.households, self.memberships, self.residences,
            self.tags, self.merchants,
        )  # fmt: skip

    def flush(self) -> None:
        for table in self.tables:
            table.flush()

    def reset_sequences(self) -> None:
        """After explicit primary keys, PostgreSQL's sequences must be moved past them (SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in self.tables])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


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
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self.seed = seed
        self.today = today or timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.progress: Progress = progress or (lambda _line: None)
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
        self._w: _Writer  # created inside the transaction, see build()

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
            self._w = _Writer(timezone.now())
            weights = [plan.weight for _area, plan, _grids in communities]
            targets = _apportion(total, weights)
            for (community, plan, grids), target in zip(communities, targets, strict=True):
                self._populate_community(community, plan, grids, target)
            self._w.reset_sequences()
            for name in ("buildings", "dwellings", "persons", "households", "memberships", "residences",
                         "merchants"):  # fmt: skip
                self.counts[name] = getattr(self._w, name).count
            self.counts["tag_links"] = self._w.tags.count
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
        self.progress(f"done: {self.counts['persons']:,} residents in {seconds:.1f} s")
        return DemoResult(district=district, counts=self.counts, seconds=seconds)

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
            user = User(username=spec.username, first_name=self._surname(rng) + self._given_name(rng, sex))
            user.password = hashed
            user.save()
            RoleAssignment.objects.create(user=user, area=places[spec.place], role=spec.role)
        self.counts["users"] = len(DEMO_USERS)

    # --- names, numbers

    def _surname(self, rng: random.Random) -> str:
        return rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]

    def _given_name(self, rng: random.Random, sex: str) -> str:
        ones, full = (_MALE_ONE, _MALE_ALL) if sex == "M" else (_FEMALE_ONE, _FEMALE_ALL)
        if rng.random() < 0.55:
            first, second = rng.choice(ones), rng.choice(ones)
            if first != second:
                return first + second
        return rng.choice(full)

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
        for compound, grid, size in placed:
            self._populate_compound(rng, community, street.name, compound, grid, size, village)
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
                address = f"{rng.choice(_WORDS)}{rng.choice(_ROAD_SUFFIXES)}{rng.randrange(1, 400)}号"
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
            return self._unique_name(f"原{rng.choice(_FACTORIES)}宿舍")
        return self._unique_name(rng.choice(_WORDS) + rng.choice(_COMPOUND_SUFFIXES[kind]))

    def _property_company(self, rng: random.Random, kind: str, street_name: str) -> str:
        if kind == CompoundKind.UNMANAGED:
            return ""
        if kind == CompoundKind.OLD and rng.random() < 0.5:
            return f"{street_name}物业服务中心"  # the street's fallback property service (托底物业)
        if kind == CompoundKind.AFFORDABLE:
            return "芙蓉城投物业管理有限公司"
        return f"{rng.choice(_WORDS)}{rng.choice(_PROPERTY_SUFFIXES)}"

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
    ) -> None:
        """Walk the compound building by building, room by room, until `target` residents live in it.

        Dwellings are registered as the registrar walks, so a small demo does not get whole tower blocks
        of empty flats: the last building may be registered only partly.
        """
        w = self._w
        vacancy = 0.03 if village else (0.10 if compound.kind == CompoundKind.COMMERCIAL else 0.06)
        lo, hi = (12000, 30000) if village else _FLOOR_AREA_CENTS[compound.kind]
        buildings: list[tuple[int, str]] = []
        residents = 0
        while residents < target:
            floors, units, per_floor = self._building_shape(rng, compound, village)
            name = f"{len(buildings) + 1}号" if village else f"{len(buildings) + 1}栋"
            building_id = w.buildings.add(compound.pk, grid.pk, name, floors)
            buildings.append((building_id, name))
            for unit, room, floor in _rooms(floors, units, per_floor, village):
                floor_area = self._decimal(Decimal(rng.randrange(lo, hi)).scaleb(-2))
                if rng.random() < vacancy:
                    w.dwellings.add(building_id, grid.pk, unit, room, floor, floor_area, Occupancy.VACANT)
                    continue
                status = self._residence_status(rng, compound, village)
                occupancy = self._occupancy(rng, status)
                dwelling_id = w.dwellings.add(building_id, grid.pk, unit, room, floor, floor_area, occupancy)
                residents += self._household(
                    rng, community, street_name, compound, grid, dwelling_id, status, village
                )
                if residents >= target:
                    break
        self._merchants(rng, compound, grid, buildings, residents)
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
    ) -> int:
        """Register one household living in the dwelling, its people and their tags; return its size."""
        w = self._w
        if status == ResidenceStatus.FLOATING:
            table = _TYPE_TABLES["floating"]
            moved_in = self.today_ord - rng.randrange(30, 4 * 365)
            hukou = rng.choice(_FAR_PLACES if rng.random() < 0.6 else _HUNAN_CITIES)
        elif status == ResidenceStatus.RESIDENT:
            table = _TYPE_TABLES["village" if village else "urban"]
            moved_in = self.today_ord - rng.randrange(180, 10 * 365)
            hukou = rng.choice(_HUNAN_CITIES)
        else:
            table = _TYPE_TABLES["village" if village else "urban"]
            moved_in = self.today_ord - rng.randrange(30, 30 * 365)
            hukou = f"湖南省{DISTRICT_NAME}{street_name}{community.name}"
        members = self._members(rng, rng.choices(table[0], cum_weights=table[1])[0])
        # The head moved in as an adult; members born later joined at birth (see the membership rows).
        moved_in = min(max(moved_in, members[0].birth + int(18 * _YEAR)), self.today_ord)
        ethnicity = "汉族"
        if rng.random() < (0.12 if village else 0.06):
            ethnicity = rng.choices(_MINORITIES, cum_weights=_MINORITY_CUM)[0]
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
            person_id = w.persons.add(
                grid.pk,
                dwelling_id,
                member.surname + self._given_name(rng, member.sex),
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
            return _Member(Relation.SPOUSE, sex, min(birth, today - int(20 * _YEAR)), self._surname(rng))

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
            return _Member(
                Relation.HEAD, "M" if rng.random() < male else "F", born(lo, hi), self._surname(rng)
            )

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
                    self._surname(rng),
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
        buildings: list[tuple[int, str]],
        residents: int,
    ) -> None:
        """About one merchant per 100 residents, in the compound's buildings (ground-floor shops)."""
        for n in range(1, int(residents / 100 + rng.random()) + 1):
            category, _weight, patterns = rng.choices(_MERCHANT_CATEGORIES, cum_weights=_MERCHANT_CUM)[0]
            name = rng.choice(patterns).format(s=self._surname(rng), w=rng.choice(_WORDS))
            building_id, building_name = rng.choice(buildings)
            # 个体工商户 ("92") mostly, some small companies ("91").
            org = "".join(str(rng.randrange(10)) for _ in range(8))
            body = ("92" if rng.random() < 0.8 else "91") + DISTRICT_CODE + org + org_code_check(org)
            operator = self._surname(rng) + self._given_name(rng, rng.choice("MF"))
            self._w.merchants.add(
                grid.pk,
                compound.pk,
                building_id,
                name,
                body + uscc_check(body),
                category,
                operator,
                *seal(_MERCHANT_LABEL, "phone", Merchant.SEALED_FIELDS["phone"], self._phone(rng)),
                f"{compound.address}{compound.name}{building_name}{n}号门面",
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
