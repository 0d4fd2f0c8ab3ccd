"""Request and response shapes of /api/v1/, and the pagination that fills the list shapes.

Every response field is listed here by name: a model column reaches the API only when a schema names it,
so ciphertexts and blind indexes (`*_enc`, `*_index`) can never leak by accident. Personal values follow
the platform's masking policy: a person's name, birth date, full address, notes and sensitive tags are shown
only to users holding REVEAL_PERSONAL at that person's area; everyone else gets the one mask of each value
(or nothing). The decision is made per record by the `resolve_*` methods, which read the requesting user
from the validation context that django-ninja passes them (`context["request"].auth`); without a user they
fail closed and mask.

Lists return `Page[...]`: `items`, `total`, `limit`, `offset`. Limits outside 1–MAX_LIMIT are refused with
422 rather than clamped, so a client that asks for 10 000 rows learns at once that it gets at most 200.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar, cast

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.text import format_lazy
from ninja import Field, Schema

from yangguang.core.models import Area, Building, Dwelling, Household, HouseholdMembership, Merchant, Person
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_address, mask_name

# The API docs' texts (summaries, descriptions, tags) are lazy, so /api/v1/openapi.json and /api/v1/docs follow the
# request's language: ninja and pydantic keep them as given and ninja's JSON encoder renders them per request. Their
# signatures ask for str, hence the cast; the name is the one makemessages looks for.
gettext_lazy = cast("Callable[[str], str]", translation.gettext_lazy)

MAX_LIMIT: Final = 200
DEFAULT_LIMIT: Final = min(settings.PAGE_SIZE, MAX_LIMIT)
MAX_PK: Final = 2**63 - 1  # the largest BigAutoField value; larger ids would overflow the database driver

T = TypeVar("T")
_M = TypeVar("_M", bound=models.Model)


# --- errors --------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    """The body of every error response."""

    detail: str = Field(description=gettext_lazy("错误说明（中文）"))


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description=gettext_lazy('出错参数的位置，例如 ["query", "limit"]'))
    type: str = Field(description=gettext_lazy("错误类型代码（来自 pydantic，便于程序判断）"))
    message: str = Field(description=gettext_lazy("错误说明（中文）"))


class ValidationErrorOut(ErrorOut):
    """422: `detail` sums up every problem in one sentence; `errors` lists them one by one."""

    errors: list[FieldErrorOut] = Field(description=gettext_lazy("逐项错误"))


# --- pagination ----------------------------------------------------------------------------------------


class PageParams(Schema):
    """limit/offset paging, shared by every list endpoint."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=cast(str, format_lazy(gettext_lazy("每页条数，1–{max}"), max=MAX_LIMIT)),
    )
    offset: int = Field(0, ge=0, le=MAX_PK, description=gettext_lazy("跳过的条数（从 0 开始）"))


class ListParams(PageParams):
    """Paging plus the two filters every registry list accepts."""

    area: int | None = Field(
        None,
        ge=1,
        le=MAX_PK,
        description=gettext_lazy(
            "区域 ID：只返回该区域及其所有下级区域的记录；不在您管辖范围内的区域返回空列表"
        ),
    )
    q: str | None = Field(
        None,
        max_length=100,
        description=gettext_lazy(
            "搜索：按名称查找；居民还可按完整身份证号或手机号精确查找，商户可按手机号或统一社会信用代码查找"
        ),
    )


class Page(Schema, Generic[T]):
    items: list[T] = Field(description=gettext_lazy("本页记录"))
    total: int = Field(description=gettext_lazy("符合条件的记录总数"))
    limit: int = Field(description=gettext_lazy("每页条数"))
    offset: int = Field(description=gettext_lazy("跳过的条数"))


@dataclass(frozen=True)
class PageResult(Generic[_M]):
    """What `paginate` returns and `Page[...]` validates: the rows of one page and the total count."""

    items: list[_M]
    total: int
    limit: int
    offset: int


def paginate(queryset: models.QuerySet[_M], params: PageParams) -> PageResult[_M]:
    """One page of an ordered queryset: a COUNT and one SELECT (plus the queryset's prefetches)."""
    total = queryset.count()
    items = list(queryset[params.offset : params.offset + params.limit]) if params.offset < total else []
    return PageResult(items=items, total=total, limit=params.limit, offset=params.offset)


# --- masking helpers -------------------------------------------------------------------------------------


def may_reveal(context: Any, area: Area | None) -> bool:
    """Whether the requesting user sees personal data in full at `area`. Runs no query once the user's role
    assignments are cached on the user (the first call of the request loads them)."""
    request = context.get("request") if isinstance(context, dict) else None
    user = getattr(request, "auth", None)
    if user is None or area is None:
        return False
    return has_capability(user, Cap.REVEAL_PERSONAL, area)


def display_name(context: Any, person: Person) -> str:
    """The full name for REVEAL_PERSONAL holders at the person's area, the masked name for everyone else."""
    if may_reveal(context, person.area):
        return person.name
    return mask_name(person.name)


def dwelling_label(dwelling: Dwelling) -> str:
    """ "芙蓉苑3栋1单元302": compound, building, unit and room (needs building__compound loaded)."""
    building = dwelling.building
    return f"{building.compound.name}{building.name}{dwelling.unit}{dwelling.room}"


def age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# --- references (one object inside another) ------------------------------------------------------------


class AreaRef(Schema):
    id: int = Field(description=gettext_lazy("区域 ID"))
    name: str = Field(description=gettext_lazy("区域名称"))


class CompoundRef(Schema):
    id: int = Field(description=gettext_lazy("小区 ID"))
    name: str = Field(description=gettext_lazy("小区名称"))


class BuildingRef(Schema):
    id: int = Field(description=gettext_lazy("楼栋 ID"))
    name: str = Field(description=gettext_lazy("楼栋名称"))


class DwellingRef(Schema):
    id: int = Field(description=gettext_lazy("房屋 ID"))
    label: str = Field(description=gettext_lazy("房屋地址：小区、楼栋、单元、房号"))

    @staticmethod
    def resolve_label(obj: Dwelling) -> str:
        return dwelling_label(obj)


class PersonRef(Schema):
    id: int = Field(description=gettext_lazy("居民 ID"))
    name: str = Field(description=gettext_lazy("姓名；无完整查看权限时为脱敏姓名（如“张*丰”）"))

    @staticmethod
    def resolve_name(obj: Person, context: Any) -> str:
        return display_name(context, obj)


class TagOut(Schema):
    code: str = Field(description=gettext_lazy("标签代码"))
    name: str = Field(description=gettext_lazy("标签名称"))


# --- areas and the physical registry --------------------------------------------------------------------


class AreaOut(Schema):
    """An area of the tree: 区 → 街道/乡镇 → 社区/村 → 网格."""

    id: int = Field(description=gettext_lazy("区域 ID"))
    name: str = Field(description=gettext_lazy("名称"))
    kind: str = Field(
        description=gettext_lazy("类型：district 区，street 街道/乡镇，community 社区，village 村，grid 网格")
    )
    kind_label: str = Field(description=gettext_lazy("类型名称"))
    code: str = Field(description=gettext_lazy("行政区划代码或本地编码"))
    parent_id: int | None = Field(description=gettext_lazy("上级区域 ID（最上级为空）"))
    depth: int = Field(description=gettext_lazy("层级：0 为区"))

    @staticmethod
    def resolve_kind_label(obj: Area) -> str:
        return str(obj.get_kind_display())


class CompoundOut(Schema):
    """A residential compound (小区)."""

    id: int = Field(description=gettext_lazy("小区 ID"))
    name: str = Field(description=gettext_lazy("小区名称"))
    kind: str = Field(
        description=gettext_lazy(
            "小区类型：commercial 商品房，affordable 保障房，old 老旧小区和平房区，unmanaged 失管小区"
        )
    )
    kind_label: str = Field(description=gettext_lazy("小区类型名称"))
    property_company: str = Field(description=gettext_lazy("物业公司"))
    address: str = Field(description=gettext_lazy("地址"))
    area: AreaRef = Field(description=gettext_lazy("所属区域"))

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class BuildingOut(Schema):
    """A building (楼栋)."""

    id: int = Field(description=gettext_lazy("楼栋 ID"))
    name: str = Field(description=gettext_lazy("楼栋名称"))
    floors: int | None = Field(description=gettext_lazy("层数"))
    compound: CompoundRef = Field(description=gettext_lazy("所属小区"))
    area: AreaRef = Field(description=gettext_lazy("所属区域（网格或社区）"))


class DwellingOut(Schema):
    """A dwelling (房屋): one unit/room of a building."""

    id: int = Field(description=gettext_lazy("房屋 ID"))
    unit: str = Field(description=gettext_lazy("单元"))
    room: str = Field(description=gettext_lazy("房号"))
    floor: int | None = Field(description=gettext_lazy("楼层"))
    floor_area: decimal.Decimal | None = Field(description=gettext_lazy("建筑面积（平方米）"))
    use: str = Field(description=gettext_lazy("用途：residential 住宅，commercial 商用，mixed 商住两用"))
    use_label: str = Field(description=gettext_lazy("用途名称"))
    occupancy: str = Field(
        description=gettext_lazy("使用状况：owner 自住，rented 出租，vacant 空置，other 其他")
    )
    occupancy_label: str = Field(description=gettext_lazy("使用状况名称"))
    building: BuildingRef = Field(description=gettext_lazy("所属楼栋"))
    compound: CompoundRef = Field(description=gettext_lazy("所属小区"))
    area: AreaRef = Field(description=gettext_lazy("所属区域"))

    @staticmethod
    def resolve_use_label(obj: Dwelling) -> str:
        return str(obj.get_use_display())

    @staticmethod
    def resolve_occupancy_label(obj: Dwelling) -> str:
        return str(obj.get_occupancy_display())

    @staticmethod
    def resolve_compound(obj: Dwelling) -> Any:
        return obj.building.compound


# --- people ---------------------------------------------------------------------------------------------


class _Located(Schema):
    """Resolvers for where a person or household lives (the fields are declared by each schema, so they sit
    in a sensible place in the JSON): the building for everyone, the exact dwelling only for users who may
    see personal data in full, since the masking policy cuts addresses after the building."""

    @staticmethod
    def resolve_building(obj: Person | Household) -> Building | None:
        return obj.dwelling.building if obj.dwelling is not None else None

    @staticmethod
    def resolve_dwelling(obj: Person | Household, context: Any) -> Dwelling | None:
        if obj.dwelling is None or not may_reveal(context, obj.area):
            return None
        return obj.dwelling

    @staticmethod
    def resolve_address(obj: Person | Household, context: Any) -> str:
        if obj.dwelling is None:
            return ""
        label = dwelling_label(obj.dwelling)
        return label if may_reveal(context, obj.area) else mask_address(label)


class PersonOut(_Located):
    """A resident (居民) as a list row. Never carries a full ID number or phone number."""

    id: int = Field(description=gettext_lazy("居民 ID"))
    name: str = Field(description=gettext_lazy("姓名；无完整查看权限时为脱敏姓名（如“张*丰”）"))
    name_masked: bool = Field(description=gettext_lazy("姓名是否已脱敏"))
    sex: str = Field(description=gettext_lazy("性别：M 男，F 女"))
    sex_label: str = Field(description=gettext_lazy("性别名称"))
    age: int = Field(description=gettext_lazy("年龄（周岁）"))
    birth_date: datetime.date | None = Field(
        description=gettext_lazy("出生日期；无完整查看权限时为空（只显示年龄）")
    )
    id_number_masked: str = Field(description=gettext_lazy("脱敏身份证号（如“430***********123X”）"))
    phone_masked: str = Field(description=gettext_lazy("脱敏联系电话"))
    residence_status: str = Field(
        description=gettext_lazy("人口类型：registered 户籍，resident 常住，floating 流动")
    )
    residence_status_label: str = Field(description=gettext_lazy("人口类型名称"))
    ethnicity: str = Field(description=gettext_lazy("民族"))
    died_on: datetime.date | None = Field(description=gettext_lazy("死亡日期"))
    tags: list[TagOut] = Field(description=gettext_lazy("标签；无完整查看权限时不含敏感标签（如健康、残疾）"))
    area: AreaRef = Field(description=gettext_lazy("所属区域"))
    building: BuildingRef | None = Field(description=gettext_lazy("所在楼栋"))
    dwelling: DwellingRef | None = Field(description=gettext_lazy("所在房屋；无完整查看权限时为空"))
    address: str = Field(description=gettext_lazy("住址；无完整查看权限时只显示到楼栋（如“芙蓉苑3栋****”）"))

    @staticmethod
    def resolve_name(obj: Person, context: Any) -> str:
        return display_name(context, obj)

    @staticmethod
    def resolve_name_masked(obj: Person, context: Any) -> bool:
        return not may_reveal(context, obj.area)

    @staticmethod
    def resolve_sex_label(obj: Person) -> str:
        return str(obj.get_sex_display())

    @staticmethod
    def resolve_age(obj: Person) -> int:
        return age_on(obj.birth_date, timezone.localdate())

    @staticmethod
    def resolve_birth_date(obj: Person, context: Any) -> datetime.date | None:
        # With the masked ID number's visible prefix and suffix, the full birth date would narrow the hidden
        # digits down to the county code: only the age is shown to those who may not see the number.
        return obj.birth_date if may_reveal(context, obj.area) else None

    @staticmethod
    def resolve_residence_status_label(obj: Person) -> str:
        return str(obj.get_residence_status_display())

    @staticmethod
    def resolve_tags(obj: Person, context: Any) -> list[Any]:
        tags = list(obj.tags.all())  # prefetched by the list query
        if may_reveal(context, obj.area):
            return tags
        return [tag for tag in tags if not tag.sensitive]


class HouseholdRef(Schema):
    id: int = Field(description=gettext_lazy("户 ID"))
    number: str = Field(description=gettext_lazy("户编号"))
    relation: str = Field(description=gettext_lazy("与户主关系代码"))
    relation_label: str = Field(description=gettext_lazy("与户主关系"))

    @staticmethod
    def resolve_id(obj: HouseholdMembership) -> int:
        return obj.household_id

    @staticmethod
    def resolve_number(obj: HouseholdMembership) -> str:
        return obj.household.number

    @staticmethod
    def resolve_relation_label(obj: HouseholdMembership) -> str:
        return str(obj.get_relation_display())


class PersonDetailOut(PersonOut):
    """A resident with the details of the detail page."""

    hukou_place: str | None = Field(description=gettext_lazy("户籍地；无完整查看权限时为空"))
    notes: str | None = Field(description=gettext_lazy("备注；无完整查看权限时为空"))
    household: HouseholdRef | None = Field(description=gettext_lazy("当前所在的户"))

    @staticmethod
    def resolve_hukou_place(obj: Person, context: Any) -> str | None:
        return obj.hukou_place if may_reveal(context, obj.area) else None

    @staticmethod
    def resolve_notes(obj: Person, context: Any) -> str | None:
        return obj.notes if may_reveal(context, obj.area) else None

    @staticmethod
    def resolve_household(obj: Person) -> HouseholdMembership | None:
        # Prefetched by the detail endpoint into `current_memberships` (at most one: a constraint says so).
        current: list[HouseholdMembership] = getattr(obj, "current_memberships", [])
        return current[0] if current else None


class MemberOut(Schema):
    """A current member of a household."""

    person: PersonRef = Field(description=gettext_lazy("居民"))
    relation: str = Field(description=gettext_lazy("与户主关系代码"))
    relation_label: str = Field(description=gettext_lazy("与户主关系"))
    start_date: datetime.date = Field(description=gettext_lazy("入户日期"))

    @staticmethod
    def resolve_relation_label(obj: HouseholdMembership) -> str:
        return str(obj.get_relation_display())


class HouseholdOut(_Located):
    """A household (户)."""

    id: int = Field(description=gettext_lazy("户 ID"))
    number: str = Field(description=gettext_lazy("户编号"))
    head: PersonRef | None = Field(description=gettext_lazy("户主"))
    member_count: int = Field(description=gettext_lazy("当前成员数"))
    area: AreaRef = Field(description=gettext_lazy("所属区域"))
    building: BuildingRef | None = Field(description=gettext_lazy("所在楼栋"))
    dwelling: DwellingRef | None = Field(description=gettext_lazy("所在房屋；无完整查看权限时为空"))
    address: str = Field(description=gettext_lazy("住址；无完整查看权限时只显示到楼栋（如“芙蓉苑3栋****”）"))


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut] = Field(description=gettext_lazy("当前成员"))

    @staticmethod
    def resolve_members(obj: Household) -> list[HouseholdMembership]:
        # Set by the detail endpoint with Prefetch(to_attr=...): current members only, persons and areas loaded.
        members: list[HouseholdMembership] = getattr(obj, "current_members", [])
        return members


class MerchantOut(Schema):
    """A merchant (商户). The operator is a person, so the operator's name follows the masking policy."""

    id: int = Field(description=gettext_lazy("商户 ID"))
    name: str = Field(description=gettext_lazy("商户名称"))
    credit_code: str = Field(description=gettext_lazy("统一社会信用代码"))
    category: str = Field(description=gettext_lazy("经营类别"))
    operator_name: str = Field(description=gettext_lazy("经营者姓名；无完整查看权限时为脱敏姓名"))
    phone_masked: str = Field(description=gettext_lazy("脱敏联系电话"))
    address: str = Field(description=gettext_lazy("经营地址"))
    compound: CompoundRef | None = Field(description=gettext_lazy("所在小区"))
    building: BuildingRef | None = Field(description=gettext_lazy("所在楼栋"))
    area: AreaRef = Field(description=gettext_lazy("所属区域"))

    @staticmethod
    def resolve_operator_name(obj: Merchant, context: Any) -> str:
        return obj.operator_name if may_reveal(context, obj.area) else mask_name(obj.operator_name)
