"""The demo district's fixed tables: its layout, the demo logins, the tag catalogue and the word pools.

Everything here is data (or a pure function of it): change the layout or a word list here, and the
generators in `district.py` and `cases.py` follow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from faker.providers.person.zh_CN import Provider as ZhNames

from yangguang.core.models import AreaKind, CompoundKind, Tag
from yangguang.core.permissions import Role

DISTRICT_NAME = "芙蓉示范区"
# GB/T 2260-shaped (Hunan, Changsha prefecture) but not assigned to any real county: see the package docstring.
DISTRICT_CODE = "430199"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - public on purpose: printed by demo_logins
DEFAULT_SEED = 2026
# 30,303 × 33 ≈ 1,000,000: scale 1 is "about 30,000 residents", scale 33 is the million-resident benchmark.
RESIDENTS_PER_SCALE = 30_303

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

# --- supervision and welfare ---------------------------------------------------------------------------

# The community that has not adopted the platform's power and supervision lists: its pages show the
# fallback (the district's catalogue, here the platform's). Its other supervision data is like the rest.
CATALOGUE_FALLBACK = "文苑社区"
# The community whose 委员 was rated unfit two years running (flagged by the evaluation).
FLAGGED_COMMUNITY = "和平社区"
# The community whose committee was elected (with a published result) and whose welfare desk shows an
# application in every status: the demo users' community.
SHOWCASE_COMMUNITY = "阳光社区"
# Cadre posts of each community's two committees (两委) and staff: (body, title, party secretary).
CADRE_POSTS: tuple[tuple[str, str, bool], ...] = (
    ("party", "书记", True),
    ("residents", "主任", False),
    ("residents", "委员", False),
    ("staff", "会计", False),
)
# The welfare programs of the demo district: (code, name, kind, unit, yuan per month or once, source).
DIBAO_STANDARD = 800
WELFARE_SOURCE = (
    "芙蓉示范区民政局 芙蓉示范区财政局《关于调整城乡最低生活保障等社会救助标准的通知》（芙民发〔{year}〕3号）"
)
PROGRAMS: tuple[tuple[str, str, str, str, int], ...] = (
    ("dibao", "城乡居民最低生活保障", "dibao", "person_month", DIBAO_STANDARD),
    ("tekun", "特困人员救助供养", "tekun", "person_month", 1040),
    ("linshi", "临时救助", "temporary", "one_off", 1600),
)
GRADUATE_RULE_SOURCE = "《芙蓉示范区最低生活保障实施细则》（芙政办发〔{year}〕11号）第六条第二款"


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

SURNAMES = tuple(ZhNames.last_names)
SURNAME_CUM = tuple(accumulate(ZhNames.last_names.values()))
# Faker's given names are mostly single characters; pairs of them make the common two-character names.
MALE_ONE = tuple(n for n in ZhNames.first_names_male if len(n) == 1)
FEMALE_ONE = tuple(n for n in ZhNames.first_names_female if len(n) == 1)
MALE_ALL = tuple(ZhNames.first_names_male)
FEMALE_ALL = tuple(ZhNames.first_names_female)

WORDS = (
    "锦绣 翠竹 金桂 银杏 梧桐 芙蓉 紫荆 丽景 明珠 华庭 怡园 书香 康宁 福临 祥和 润泽 汇景 清水 "
    "碧波 映月 星河 晨曦 东方 南湖 北辰 西园 湘江 岳麓 橘洲 麓山 雨花 天心 望江 观澜 听涛 枫林 "
    "松涛 兰亭 荷塘 柳岸 桃源 梅林 杏坛 石门 泉水 青山 白沙 红星 新华 建设 和平 胜利 光明 团结 "
    "幸福 长青 丰收 先锋"
).split()
ROAD_SUFFIXES = ("路", "街", "大道", "巷")
FACTORIES = (
    "纺织厂 机械厂 化肥厂 棉纺厂 农机厂 印刷厂 粮食局 轴承厂 电机厂 水泥厂 制药厂 橡胶厂 "
    "汽修厂 木材公司 食品厂 航运公司 缝纫机厂 烟花厂 陶瓷厂 玻璃厂"
).split()
COMPOUND_SUFFIXES: dict[str, tuple[str, ...]] = {
    CompoundKind.COMMERCIAL: ("花园", "苑", "华府", "名城", "家园", "雅居", "公馆", "佳园", "新城", "府"),
    CompoundKind.AFFORDABLE: ("安置小区", "公租房小区", "安居苑", "保障房小区"),
    CompoundKind.OLD: ("新村", "里", "小区", "巷平房区"),
    CompoundKind.UNMANAGED: ("小区", "宿舍"),
}
PROPERTY_SUFFIXES = ("物业服务有限公司", "物业管理有限公司")
MINORITIES = ("土家族", "苗族", "侗族", "瑶族", "回族", "壮族", "满族", "白族")
MINORITY_CUM = tuple(accumulate((30, 25, 15, 12, 8, 5, 3, 2)))
HUNAN_CITIES = (
    "湖南省株洲市 湖南省湘潭市 湖南省衡阳市 湖南省邵阳市 湖南省岳阳市 湖南省常德市 湖南省益阳市 "
    "湖南省郴州市 湖南省永州市 湖南省怀化市 湖南省娄底市 湖南省湘西土家族苗族自治州"
).split()
FAR_PLACES = (
    "江西省赣州市 江西省萍乡市 湖北省荆州市 湖北省咸宁市 广东省韶关市 广西壮族自治区桂林市 "
    "贵州省铜仁市 四川省达州市 重庆市万州区 河南省信阳市 安徽省阜阳市 云南省昭通市"
).split()
# (category, name patterns): "{s}" is a surname, "{w}" a word from WORDS.
MERCHANT_CATEGORIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
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
MERCHANT_CUM = tuple(accumulate(w for _c, w, _p in MERCHANT_CATEGORIES))

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


def surname(rng: random.Random) -> str:
    """A surname, weighted by how common it is."""
    return rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]


def given_name(rng: random.Random, sex: str) -> str:
    """A given name of one or two characters (pairs of single characters make the common two-character names)."""
    ones, full = (MALE_ONE, MALE_ALL) if sex == "M" else (FEMALE_ONE, FEMALE_ALL)
    if rng.random() < 0.55:
        first, second = rng.choice(ones), rng.choice(ones)
        if first != second:
            return first + second
    return rng.choice(full)
