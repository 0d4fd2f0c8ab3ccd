"""Read-only registry endpoints: areas, compounds, buildings, dwellings, households, persons, merchants.

Each list is `visible_to(user, VIEW_REGISTRY)` → optional `area` subtree → optional search → one page;
each detail is `access_object`, which answers 404 to anyone outside the record's jurisdiction. The
querysets load every related row a response shows (select_related / prefetch_related), so a page costs the
same number of queries whatever its size; tests pin the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.params.functions import Path

from yangguang.api.auth import request_user
from yangguang.api.schemas import (
    MAX_PK,
    AreaOut,
    BuildingOut,
    CompoundOut,
    DwellingOut,
    ErrorOut,
    HouseholdDetailOut,
    HouseholdOut,
    ListParams,
    MerchantOut,
    Page,
    PageResult,
    PersonDetailOut,
    PersonOut,
    ValidationErrorOut,
    gettext_lazy,
    paginate,
)
from yangguang.core.actions.access import access_object
from yangguang.core.models import (
    Area,
    Building,
    Compound,
    Dwelling,
    Household,
    HouseholdMembership,
    Merchant,
    Person,
)
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.permissions import Cap, jurisdiction_paths
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber
from yangguang.lib.phone import PhoneError, normalize_phone

router = Router()

_M = TypeVar("_M", bound=models.Model)

# Documented error responses (the bodies come from the handlers in yangguang.api.v1).
LIST_ERRORS: dict[int, type] = {401: ErrorOut, 422: ValidationErrorOut}
DETAIL_ERRORS: dict[int, type] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

ObjectId = Annotated[int, Path(..., ge=1, le=MAX_PK, description=gettext_lazy("记录 ID"))]


# --- shared list machinery -------------------------------------------------------------------------------


def _in_area(queryset: ScopedQuerySet[_M], area_id: int | None) -> ScopedQuerySet[_M]:
    """Narrow to one area's subtree. The jurisdiction filter is already applied, so an area outside it (or
    one that does not exist) simply yields nothing: the answer is the same, and reveals nothing."""
    if area_id is None:
        return queryset
    path = Area.objects.filter(pk=area_id).values_list("path", flat=True).first()
    if path is None:
        return queryset.none()
    return queryset.in_areas([path])


def _list(
    queryset: ScopedQuerySet[_M], params: ListParams, search: Callable[[str], Q] | None = None
) -> PageResult[_M]:
    queryset = _in_area(queryset, params.area)
    q = (params.q or "").strip()
    if q and search is not None:
        queryset = queryset.filter(search(q))
    return paginate(queryset, params)


def _visible(model: type[_M], user: User) -> ScopedQuerySet[_M]:
    manager: Any = model._default_manager
    scoped: ScopedQuerySet[_M] = manager.visible_to(user, Cap.VIEW_REGISTRY)
    return scoped


# --- search helpers --------------------------------------------------------------------------------------


def _id_number_index(q: str) -> str | None:
    """The blind index of `q` when it is a valid ID number (in any accepted spelling), else None."""
    try:
        id18 = idnumber.normalize(q, today=timezone.localdate())
    except idnumber.IdNumberError:
        return None
    return blind_index("core.person", "id_number", id18)


def _phone(q: str) -> str | None:
    """The canonical form of `q` when it is a whole phone number ("138 1234 5678", "+86-13812345678",
    "0731-8456 1234"), else None. Only whole numbers are searchable: a blind index matches whole values."""
    try:
        return normalize_phone(q)
    except PhoneError:
        return None


def _person_search(user: User) -> Callable[[str], Q]:
    """Search persons by full ID number, full phone, or name.

    Substring search on names would let a user who only sees masked names recover the hidden characters
    one query at a time ("张三" matches "张*丰"?), so names match by substring only where the user may see
    them in full and must match exactly everywhere else.
    """
    reveal_paths = jurisdiction_paths(user, Cap.REVEAL_PERSONAL)

    def search(q: str) -> Q:
        condition = Q(name=q)
        if reveal_paths:
            revealable = Q()
            for path in reveal_paths:
                revealable |= Q(area__path__startswith=path)
            condition |= Q(name__icontains=q) & revealable
        index = _id_number_index(q)
        if index:
            condition |= Q(id_number_index=index)
        phone = _phone(q)
        if phone:
            condition |= Q(phone_index=blind_index("core.person", "phone", phone))
        return condition

    return search


def _merchant_search(q: str) -> Q:
    condition = Q(name__icontains=q) | Q(credit_code__iexact=q)
    phone = _phone(q)
    if phone:
        condition |= Q(phone_index=blind_index("core.merchant", "phone", phone))
    return condition


# --- areas -----------------------------------------------------------------------------------------------


@router.get(
    "/areas",
    response={200: Page[AreaOut], **LIST_ERRORS},
    tags=[gettext_lazy("区域")],
    summary=gettext_lazy("区域列表"),
    description=gettext_lazy("您有权查看登记信息的区域及其下级区域。"),
)
def list_areas(request: HttpRequest, params: Query[ListParams]) -> PageResult[Area]:
    queryset = _visible(Area, request_user(request)).order_by("path")
    return _list(queryset, params, lambda q: Q(name__icontains=q) | Q(code=q))


@router.get(
    "/areas/{area_id}",
    response={200: AreaOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("区域")],
    summary=gettext_lazy("区域详情"),
)
def get_area(request: HttpRequest, area_id: ObjectId) -> Area:
    return access_object(request_user(request), Area, area_id, Cap.VIEW_REGISTRY)


# --- compounds -------------------------------------------------------------------------------------------


@router.get(
    "/compounds",
    response={200: Page[CompoundOut], **LIST_ERRORS},
    tags=[gettext_lazy("小区")],
    summary=gettext_lazy("小区列表"),
)
def list_compounds(request: HttpRequest, params: Query[ListParams]) -> PageResult[Compound]:
    queryset = _visible(Compound, request_user(request)).select_related("area")
    queryset = queryset.order_by("area__path", "name", "pk")
    return _list(queryset, params, lambda q: Q(name__icontains=q) | Q(address__icontains=q))


@router.get(
    "/compounds/{compound_id}",
    response={200: CompoundOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("小区")],
    summary=gettext_lazy("小区详情"),
)
def get_compound(request: HttpRequest, compound_id: ObjectId) -> Compound:
    queryset = Compound.objects.select_related("area")
    return access_object(request_user(request), Compound, compound_id, queryset=queryset)


# --- buildings -------------------------------------------------------------------------------------------


_BUILDING_RELATED = ("area", "compound")


@router.get(
    "/buildings",
    response={200: Page[BuildingOut], **LIST_ERRORS},
    tags=[gettext_lazy("楼栋")],
    summary=gettext_lazy("楼栋列表"),
)
def list_buildings(request: HttpRequest, params: Query[ListParams]) -> PageResult[Building]:
    queryset = _visible(Building, request_user(request)).select_related(*_BUILDING_RELATED)
    queryset = queryset.order_by("compound__name", "name", "pk")
    return _list(queryset, params, lambda q: Q(name__icontains=q) | Q(compound__name__icontains=q))


@router.get(
    "/buildings/{building_id}",
    response={200: BuildingOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("楼栋")],
    summary=gettext_lazy("楼栋详情"),
)
def get_building(request: HttpRequest, building_id: ObjectId) -> Building:
    queryset = Building.objects.select_related(*_BUILDING_RELATED)
    return access_object(request_user(request), Building, building_id, queryset=queryset)


# --- dwellings -------------------------------------------------------------------------------------------

_DWELLING_RELATED = ("area", "building__compound")


@router.get(
    "/dwellings",
    response={200: Page[DwellingOut], **LIST_ERRORS},
    tags=[gettext_lazy("房屋")],
    summary=gettext_lazy("房屋列表"),
)
def list_dwellings(request: HttpRequest, params: Query[ListParams]) -> PageResult[Dwelling]:
    queryset = _visible(Dwelling, request_user(request)).select_related(*_DWELLING_RELATED)
    queryset = queryset.order_by("building__compound__name", "building__name", "unit", "room", "pk")
    return _list(
        queryset,
        params,
        lambda q: (
            Q(room__icontains=q) | Q(building__name__icontains=q) | Q(building__compound__name__icontains=q)
        ),
    )


@router.get(
    "/dwellings/{dwelling_id}",
    response={200: DwellingOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("房屋")],
    summary=gettext_lazy("房屋详情"),
)
def get_dwelling(request: HttpRequest, dwelling_id: ObjectId) -> Dwelling:
    queryset = Dwelling.objects.select_related(*_DWELLING_RELATED)
    return access_object(request_user(request), Dwelling, dwelling_id, queryset=queryset)


# --- households ------------------------------------------------------------------------------------------

_HOUSEHOLD_RELATED = ("area", "dwelling__building__compound", "head__area")


def _with_member_count(queryset: models.QuerySet[Household]) -> models.QuerySet[Household]:
    return queryset.annotate(
        member_count=Count("memberships", filter=Q(memberships__end_date__isnull=True), distinct=True)
    )


@router.get(
    "/households",
    response={200: Page[HouseholdOut], **LIST_ERRORS},
    tags=[gettext_lazy("户")],
    summary=gettext_lazy("户列表"),
)
def list_households(request: HttpRequest, params: Query[ListParams]) -> PageResult[Household]:
    queryset = _visible(Household, request_user(request)).select_related(*_HOUSEHOLD_RELATED)
    # annotate() keeps the queryset's class at run time; the stubs only say QuerySet.
    queryset = cast(ScopedQuerySet[Household], _with_member_count(queryset))
    return _list(queryset.order_by("area__path", "number", "pk"), params, lambda q: Q(number__icontains=q))


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("户")],
    summary=gettext_lazy("户详情（含当前成员）"),
    description=gettext_lazy(
        "成员姓名按脱敏规则显示：只有对该居民所在区域有完整查看权限的用户才能看到全名。"
    ),
)
def get_household(request: HttpRequest, household_id: ObjectId) -> Household:
    members = HouseholdMembership.objects.filter(end_date__isnull=True).select_related("person__area")
    queryset = _with_member_count(Household.objects.select_related(*_HOUSEHOLD_RELATED)).prefetch_related(
        Prefetch("memberships", queryset=members.order_by("start_date", "pk"), to_attr="current_members")
    )
    return access_object(request_user(request), Household, household_id, queryset=queryset)


# --- persons ---------------------------------------------------------------------------------------------

_PERSON_RELATED = ("area", "dwelling__building__compound")


@router.get(
    "/persons",
    response={200: Page[PersonOut], **LIST_ERRORS},
    tags=[gettext_lazy("居民")],
    summary=gettext_lazy("居民列表"),
    description=gettext_lazy(
        "`q` 可为完整身份证号、完整手机号或姓名。对有完整查看权限的区域，姓名按包含关系查找；"
        "其他区域只按完整姓名精确查找（防止逐字试出脱敏姓名）。响应中不会出现完整身份证号或手机号。"
    ),
)
def list_persons(request: HttpRequest, params: Query[ListParams]) -> PageResult[Person]:
    user = request_user(request)
    queryset = _visible(Person, user).select_related(*_PERSON_RELATED).prefetch_related("tags")
    queryset = queryset.order_by("area__path", "name", "pk")
    return _list(queryset, params, _person_search(user))


@router.get(
    "/persons/{person_id}",
    response={200: PersonDetailOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("居民")],
    summary=gettext_lazy("居民详情"),
)
def get_person(request: HttpRequest, person_id: ObjectId) -> Person:
    current = HouseholdMembership.objects.filter(end_date__isnull=True).select_related("household")
    queryset = Person.objects.select_related(*_PERSON_RELATED).prefetch_related(
        "tags", Prefetch("memberships", queryset=current, to_attr="current_memberships")
    )
    return access_object(request_user(request), Person, person_id, queryset=queryset)


# --- merchants -------------------------------------------------------------------------------------------

_MERCHANT_RELATED = ("area", "compound", "building")


@router.get(
    "/merchants",
    response={200: Page[MerchantOut], **LIST_ERRORS},
    tags=[gettext_lazy("商户")],
    summary=gettext_lazy("商户列表"),
)
def list_merchants(request: HttpRequest, params: Query[ListParams]) -> PageResult[Merchant]:
    queryset = _visible(Merchant, request_user(request)).select_related(*_MERCHANT_RELATED)
    queryset = queryset.order_by("area__path", "name", "pk")
    return _list(queryset, params, _merchant_search)


@router.get(
    "/merchants/{merchant_id}",
    response={200: MerchantOut, **DETAIL_ERRORS},
    tags=[gettext_lazy("商户")],
    summary=gettext_lazy("商户详情"),
)
def get_merchant(request: HttpRequest, merchant_id: ObjectId) -> Merchant:
    queryset = Merchant.objects.select_related(*_MERCHANT_RELATED)
    return access_object(request_user(request), Merchant, merchant_id, queryset=queryset)
