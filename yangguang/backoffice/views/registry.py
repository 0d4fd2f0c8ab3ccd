"""Registry pages of the back office: the area tree, compounds, buildings, dwellings, households, people and
merchants. Each model is a handful of small subclasses of the generic views (views/generic.py); this module
adds what is particular to it: what its pages load, their breadcrumbs, and the building page's
unit/floor grid with the residents of every dwelling and the building's population counts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.backoffice import forms
from yangguang.backoffice.templatetags.registry_tags import display_name
from yangguang.backoffice.views import generic
from yangguang.backoffice.views.generic import Crumb, area_trail, object_crumb
from yangguang.core.actions import areas, registry
from yangguang.core.actions.access import access_area
from yangguang.core.models import (
    Area,
    Building,
    Compound,
    Dwelling,
    Household,
    HouseholdMembership,
    Merchant,
    Person,
    Residence,
    ResidenceStatus,
)
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser


# --- counts shared by several pages ----------------------------------------------------------------------


@dataclass
class Population:
    """Living residents by residence status (户籍/常住/流动), and households, of some place."""

    by_status: dict[str, int] = field(default_factory=dict)
    households: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_status.get(value, 0)) for value, label in ResidenceStatus.choices]


def population(user: User, where: Q) -> Population:
    """Two queries, whatever the size of the place: people grouped by status, and households.

    `where` is a condition on `dwelling`, which people and households share.
    """
    people = (
        Person.objects.visible_to(user)
        .filter(where, died_on__isnull=True)
        .order_by()
        .values_list("residence_status")
        .annotate(n=Count("id"))
    )
    households = Household.objects.visible_to(user).filter(where).count()
    return Population(by_status=dict(people), households=households)


def people_prefetch(user: User, lookup: str = "residents") -> Prefetch:
    """The visible people of a related set, with their areas (for masking) and tags, ordered by name."""
    queryset = (
        Person.objects.visible_to(user).select_related("area").prefetch_related("tags").order_by("name")
    )
    return Prefetch(lookup, queryset=queryset)


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts room 302 before room 1001."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def compound_trail(user: User, compound: Compound) -> list[Crumb]:
    return [*area_trail(user, compound.area), object_crumb(user, compound)]


def building_trail(user: User, building: Building) -> list[Crumb]:
    # The building's own area (often a grid) leads the trail: that is whose work it is.
    return [
        *area_trail(user, building.area),
        object_crumb(user, building.compound),
        object_crumb(user, building),
    ]


# --- areas -----------------------------------------------------------------------------------------------


@dataclass
class AreaNode:
    area: Area
    children: list[AreaNode] = field(default_factory=list)


@login_required
def area_tree(request: HttpRequest) -> HttpResponse:
    """The user's jurisdiction as a tree: their assignments' areas at the top (one query)."""
    user = request.user
    generic.require_view_anywhere(user)
    nodes: dict[int, AreaNode] = {}
    roots: list[AreaNode] = []
    for area in Area.objects.visible_to(user, Cap.VIEW_REGISTRY).order_by("path"):
        node = nodes[area.pk] = AreaNode(area)
        parent = nodes.get(area.parent_id) if area.parent_id else None
        (parent.children if parent else roots).append(node)
    crumbs = [generic.home_crumb(), (gettext("区域"), None)]
    return render(request, "backoffice/registry/area_tree.html", {"roots": roots, "breadcrumbs": crumbs})


@login_required
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An area: its children with their population, the compounds in it and its totals."""
    user = request.user
    area = access_area(user, pk, Cap.VIEW_REGISTRY)
    inside = Q(area__path__startswith=area.path)
    children = list(Area.objects.filter(parent=area).order_by("name"))
    # People per area path, summed here per child subtree and per status: one query for the whole page.
    child_totals: dict[int, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    rows = (
        Person.objects.filter(inside, died_on__isnull=True)
        .order_by()
        .values_list("area__path", "residence_status")
        .annotate(n=Count("id"))
    )
    for area_path, status, n in rows:
        by_status[status] += n
        for child in children:
            if area_path.startswith(child.path):
                child_totals[child.pk] += n
    people = Population(by_status=dict(by_status), households=Household.objects.filter(inside).count())
    compounds = list(
        Compound.objects.filter(inside)
        .select_related("area")
        .annotate(building_count=Count("buildings"))
        .order_by("name")[: settings.PAGE_SIZE + 1]
    )
    counts = {
        "compounds": Compound.objects.filter(inside).count(),
        "buildings": Building.objects.filter(inside).count(),
        "dwellings": Dwelling.objects.filter(inside).count(),
        "merchants": Merchant.objects.filter(inside).count(),
    }
    context = {
        "area": area,
        "children": [(child, child_totals[child.pk]) for child in children],
        "compounds": compounds[: settings.PAGE_SIZE],
        "more_compounds": len(compounds) > settings.PAGE_SIZE,
        "population": people,
        "counts": counts,
        "breadcrumbs": [*area_trail(user, area)[:-1], (area.name, None)],
        "may_delete_area": areas.may_delete(user, area),  # no query: read from the area's path
    }
    return render(request, "backoffice/registry/area_detail.html", context)


# --- compounds -------------------------------------------------------------------------------------------


class CompoundMixin(generic.RegistryView):
    model = Compound

    def get_queryset(self) -> models.QuerySet[Compound]:
        return Compound.objects.select_related("area")

    def trail(self, obj: Compound) -> list[Crumb]:
        return compound_trail(self.request.user, obj)


class CompoundList(CompoundMixin, generic.ObjectListView):
    filter_form_class = forms.CompoundFilterForm
    table_template = "backoffice/registry/tables/compound.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        annotated = queryset.select_related("area").annotate(building_count=Count("buildings"))
        # Meta.ordering does not apply to GROUP BY queries, so annotated lists order themselves.
        return annotated.order_by("name", "pk")


class CompoundDetail(CompoundMixin, generic.ObjectDetailView):
    template_name = "backoffice/registry/compound_detail.html"

    def get_extra_context(self, obj: Compound) -> dict[str, Any]:
        user = self.request.user
        buildings = (
            Building.objects.visible_to(user)
            .filter(compound=obj)
            .select_related("area")
            .annotate(
                dwelling_count=Count("dwellings", distinct=True),
                resident_count=Count(
                    "dwellings__residents",
                    filter=Q(dwellings__residents__died_on__isnull=True),
                    distinct=True,
                ),
            )
        )
        merchants = Merchant.objects.visible_to(user).filter(compound=obj).select_related("building")
        return {
            "buildings": sorted(buildings, key=lambda b: _natural(b.name)),
            "merchants": merchants,
            "population": population(user, Q(dwelling__building__compound=obj)),
        }


class CompoundEdit(CompoundMixin, generic.ObjectEditView):
    form_class = forms.CompoundForm
    initial_from_query = ("area",)


class CompoundDelete(CompoundMixin, generic.ObjectDeleteView):
    pass


# --- buildings -------------------------------------------------------------------------------------------


@dataclass
class FloorRow:
    floor: int | None
    dwellings: list[Dwelling]


@dataclass
class UnitGroup:
    unit: str
    floors: list[FloorRow]


def group_dwellings(dwellings: list[Dwelling]) -> list[UnitGroup]:
    """Dwellings by unit, then by floor from the top down (how a building is walked), rooms in order."""
    by_unit: dict[str, dict[int | None, list[Dwelling]]] = defaultdict(lambda: defaultdict(list))
    for dwelling in dwellings:
        by_unit[dwelling.unit][dwelling.floor].append(dwelling)
    groups = []
    for unit in sorted(by_unit, key=_natural):
        floors = by_unit[unit]
        order = sorted(floors, key=lambda f: (f is None, -(f or 0)))
        rows = [FloorRow(f, sorted(floors[f], key=lambda d: _natural(d.room))) for f in order]
        groups.append(UnitGroup(unit, rows))
    return groups


class BuildingMixin(generic.RegistryView):
    model = Building

    def get_queryset(self) -> models.QuerySet[Building]:
        return Building.objects.select_related("compound__area", "area")

    def trail(self, obj: Building) -> list[Crumb]:
        return building_trail(self.request.user, obj)


class BuildingList(BuildingMixin, generic.ObjectListView):
    filter_form_class = forms.BuildingFilterForm
    table_template = "backoffice/registry/tables/building.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        return (
            queryset.select_related("compound", "area")
            .annotate(
                dwelling_count=Count("dwellings", distinct=True),
                resident_count=Count(
                    "dwellings__residents",
                    filter=Q(dwellings__residents__died_on__isnull=True),
                    distinct=True,
                ),
            )
            .order_by("compound__name", "name", "pk")
        )


class BuildingDetail(BuildingMixin, generic.ObjectDetailView):
    """The building page: every dwelling by unit and floor, who lives there, and the building's counts."""

    template_name = "backoffice/registry/building_detail.html"

    def get_extra_context(self, obj: Building) -> dict[str, Any]:
        user = self.request.user
        households = Household.objects.visible_to(user).select_related("head__area").order_by("number")
        dwellings = list(
            Dwelling.objects.filter(building=obj).prefetch_related(
                people_prefetch(user), Prefetch("households", queryset=households)
            )
        )
        merchants = Merchant.objects.visible_to(user).filter(building=obj)
        return {
            "units": group_dwellings(dwellings),
            "dwelling_count": len(dwellings),
            "merchants": merchants,
            "population": population(user, Q(dwelling__building=obj)),
        }


class BuildingEdit(BuildingMixin, generic.ObjectEditView):
    form_class = forms.BuildingForm
    initial_from_query = ("compound",)


class BuildingDelete(BuildingMixin, generic.ObjectDeleteView):
    pass


# --- dwellings -------------------------------------------------------------------------------------------


class DwellingMixin(generic.RegistryView):
    model = Dwelling

    def get_queryset(self) -> models.QuerySet[Dwelling]:
        return Dwelling.objects.select_related("building__compound__area", "building__area", "area")

    def trail(self, obj: Dwelling) -> list[Crumb]:
        user = self.request.user
        label = f"{obj.unit}{obj.room}"
        return [*building_trail(user, obj.building), object_crumb(user, obj, label)]


class DwellingList(DwellingMixin, generic.ObjectListView):
    export_kind = "dwellings"
    filter_form_class = forms.DwellingFilterForm
    table_template = "backoffice/registry/tables/dwelling.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        return (
            queryset.select_related("building__compound", "area")
            .annotate(resident_count=Count("residents", filter=Q(residents__died_on__isnull=True)))
            .order_by("building__compound__name", "building__name", "unit", "room", "pk")
        )


class DwellingDetail(DwellingMixin, generic.ObjectDetailView):
    template_name = "backoffice/registry/dwelling_detail.html"

    def get_extra_context(self, obj: Dwelling) -> dict[str, Any]:
        user = self.request.user
        visible = Person.objects.visible_to(user).values("pk")
        history = (
            Residence.objects.filter(dwelling=obj, person__in=visible)
            .select_related("person__area")
            .order_by("-start_date", "-id")
        )
        residents = Person.objects.visible_to(user).filter(dwelling=obj).select_related("area")
        households = Household.objects.visible_to(user).filter(dwelling=obj).select_related("head__area")
        return {
            "residents": residents.prefetch_related("tags").order_by("name"),
            "history": history,
            "households": households,
        }


class DwellingEdit(DwellingMixin, generic.ObjectEditView):
    form_class = forms.DwellingForm
    initial_from_query = ("building",)


class DwellingDelete(DwellingMixin, generic.ObjectDeleteView):
    pass


# --- households ------------------------------------------------------------------------------------------


class HouseholdMixin(generic.RegistryView):
    model = Household

    def get_queryset(self) -> models.QuerySet[Household]:
        return Household.objects.select_related("area", "head__area", "dwelling__building__compound")

    def trail(self, obj: Household) -> list[Crumb]:
        user = self.request.user
        label = gettext("户 %(number)s") % {"number": obj.number}
        return [*area_trail(user, obj.area), object_crumb(user, obj, label)]


class HouseholdList(HouseholdMixin, generic.ObjectListView):
    export_kind = "households"
    filter_form_class = forms.HouseholdFilterForm
    table_template = "backoffice/registry/tables/household.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        return (
            queryset.select_related("area", "head__area", "dwelling__building__compound")
            .annotate(member_count=Count("memberships", filter=Q(memberships__end_date__isnull=True)))
            .order_by("number", "pk")
        )


class HouseholdDetail(HouseholdMixin, generic.ObjectDetailView):
    """Members with their relation to the head, and former members (the household's history)."""

    template_name = "backoffice/registry/household_detail.html"

    def get_extra_context(self, obj: Household) -> dict[str, Any]:
        memberships = list(
            HouseholdMembership.objects.filter(household=obj)
            .select_related("person__area")
            .order_by("start_date", "id")
        )
        can_edit = has_capability(self.request.user, Cap.EDIT_REGISTRY, obj.area)
        return {
            "members": [m for m in memberships if m.end_date is None],
            "former_members": [m for m in memberships if m.end_date is not None],
            "membership_form": (
                forms.MembershipForm(household=obj, user=self.request.user, prefix="member")
                if can_edit
                else None
            ),
        }


class HouseholdMemberAdd(HouseholdDetail):
    """POST: put a person in the household (`registry.do_set_membership`, dated today)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        household = generic.access_for_edit(user, Household, pk, queryset=self.get_queryset())
        form = forms.MembershipForm(request.POST, household=household, user=user, prefix="member")
        if form.is_valid():
            person: Person = form.cleaned_data["person"]
            registry.do_set_membership(
                user, household, person, form.cleaned_data["relation"], on=timezone.localdate()
            )
            messages.success(request, gettext("已保存。"))
            return redirect("backoffice:household_detail", pk=household.pk)
        context = self.get_context_data(household, membership_form=form)
        return render(request, self.template_name, context)


class HouseholdEdit(HouseholdMixin, generic.ObjectEditView):
    form_class = forms.HouseholdForm
    initial_from_query = ("dwelling", "area")


class HouseholdDelete(HouseholdMixin, generic.ObjectDeleteView):
    pass


# --- people ----------------------------------------------------------------------------------------------


class PersonMixin(generic.RegistryView):
    model = Person

    def get_queryset(self) -> models.QuerySet[Person]:
        return Person.objects.select_related("area", "dwelling__building__compound")

    def trail(self, obj: Person) -> list[Crumb]:
        user = self.request.user
        return [*area_trail(user, obj.area), object_crumb(user, obj, display_name(obj, user))]


class PersonList(PersonMixin, generic.ObjectListView):
    export_kind = "persons"
    filter_form_class = forms.PersonFilterForm
    table_template = "backoffice/registry/tables/person.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        return queryset.select_related("area", "dwelling__building__compound").prefetch_related("tags")


PERSON_REVEAL_FIELDS: dict[str, StrOrPromise] = {
    "id_number": _("查看完整身份证号"),
    "phone": _("查看完整联系电话"),
}


class PersonDetail(PersonMixin, generic.ObjectDetailView):
    template_name = "backoffice/registry/person_detail.html"
    reveal_fields = PERSON_REVEAL_FIELDS

    def get_queryset(self) -> models.QuerySet[Person]:
        return super().get_queryset().prefetch_related("tags")

    def get_extra_context(self, obj: Person) -> dict[str, Any]:
        memberships = obj.memberships.select_related("household__area").order_by("-start_date", "-id")
        residences = obj.residences.select_related("dwelling__building__compound").order_by(
            "-start_date", "-id"
        )
        return {"memberships": memberships, "residences": residences}


class PersonReveal(generic.ObjectRevealView, PersonDetail):
    pass


class PersonEdit(PersonMixin, generic.ObjectEditView):
    form_class = forms.PersonForm
    initial_from_query = ("dwelling", "area")


class PersonDelete(PersonMixin, generic.ObjectDeleteView):
    pass


# --- merchants -------------------------------------------------------------------------------------------


class MerchantMixin(generic.RegistryView):
    model = Merchant

    def get_queryset(self) -> models.QuerySet[Merchant]:
        return Merchant.objects.select_related("area", "compound", "building__compound")


class MerchantList(MerchantMixin, generic.ObjectListView):
    filter_form_class = forms.MerchantFilterForm
    table_template = "backoffice/registry/tables/merchant.html"

    def for_display(self, queryset: ScopedQuerySet[Any]) -> models.QuerySet[Any]:
        return queryset.select_related("area", "compound", "building")


class MerchantDetail(MerchantMixin, generic.ObjectDetailView):
    template_name = "backoffice/registry/merchant_detail.html"
    reveal_fields = {"phone": _("查看完整联系电话")}


class MerchantReveal(generic.ObjectRevealView, MerchantDetail):
    pass


class MerchantEdit(MerchantMixin, generic.ObjectEditView):
    form_class = forms.MerchantForm
    initial_from_query = ("building", "compound", "area")


class MerchantDelete(MerchantMixin, generic.ObjectDeleteView):
    pass


# --- URL table -------------------------------------------------------------------------------------------

VIEWS = (
    generic.RegistryViews("compounds", CompoundList, CompoundDetail, CompoundEdit, CompoundDelete),
    generic.RegistryViews("buildings", BuildingList, BuildingDetail, BuildingEdit, BuildingDelete),
    generic.RegistryViews("dwellings", DwellingList, DwellingDetail, DwellingEdit, DwellingDelete),
    generic.RegistryViews(
        "households",
        HouseholdList,
        HouseholdDetail,
        HouseholdEdit,
        HouseholdDelete,
        extra=(
            path(
                "households/<int:pk>/members/add/", HouseholdMemberAdd.as_view(), name="household_member_add"
            ),
        ),
    ),
    generic.RegistryViews(
        "persons", PersonList, PersonDetail, PersonEdit, PersonDelete, reveal_view=PersonReveal
    ),
    generic.RegistryViews(
        "merchants", MerchantList, MerchantDetail, MerchantEdit, MerchantDelete, reveal_view=MerchantReveal
    ),
)
