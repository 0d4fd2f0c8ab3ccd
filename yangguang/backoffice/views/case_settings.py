"""Case settings for MANAGE_CASE_SETTINGS holders (district administrators): categories, time limits (SLA
policies), routing rules, handling units and the working-calendar overrides.

Who may change what:

- everyone else gets 404 on every settings page;
- platform-wide settings (categories, calendar overrides, time limits without an area) belong to holders of
  the capability at a top-level area, as they apply everywhere; others may read them but get 403 on change;
- settings tied to an area (area time limits, routing rules, units) are listed and loaded within the user's
  jurisdiction for the capability (404 outside it).

Every save goes through `registry.do_save_record` (full_clean + audit entry), every delete through
`registry.do_delete_record`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import holidays
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yangguang.backoffice import forms_cases
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.cases import cases_crumb
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import audit, registry, sla
from yangguang.core.actions.access import access_object
from yangguang.core.models import CalendarOverride, CaseCategory, HandlingUnit, RoutingRule, SlaPolicy
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser

CAP = Cap.MANAGE_CASE_SETTINGS


# --- access ----------------------------------------------------------------------------------------------


def require_manager(user: User) -> None:
    if not has_capability(user, CAP):
        raise Http404


def manages_everywhere(user: User) -> bool:
    """Whether the user holds the capability at a top-level area (a path with one component)."""
    return any(path.count("/") == 2 for path in jurisdiction_paths(user, CAP))


def require_everywhere(user: User) -> None:
    if not manages_everywhere(user):
        raise PermissionDenied(_("该设置适用于全部区域，只有区级管理员可以修改。"))


def _load_global(model: type[models.Model], pk: int) -> models.Model:
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _load_policy(user: User, pk: int) -> SlaPolicy:
    """A time limit: a general one is platform-wide; one for an area is loaded within the jurisdiction."""
    policy = SlaPolicy.objects.select_related("area").filter(pk=pk).first()
    if policy is None:
        raise Http404
    if policy.area is None:
        return policy
    if not has_capability(user, CAP, policy.area):
        raise Http404
    return policy


@dataclass(frozen=True)
class Section:
    """One kind of setting: its pages, form and whether it is platform-wide."""

    slug: str
    title: StrOrPromise
    noun: StrOrPromise
    model: type[models.Model]
    form_class: type[forms_cases.SettingForm]
    list_template: str
    platform_wide: bool
    deletable: bool = False

    def load(self, user: User, pk: int) -> models.Model:
        """The record to edit or delete: 404 outside the jurisdiction, 403 for a platform-wide record
        the user may read but not change."""
        if self.model is SlaPolicy:
            obj: models.Model = _load_policy(user, pk)
            if getattr(obj, "area_id", None) is None:
                require_everywhere(user)
            return obj
        if self.platform_wide:
            obj = _load_global(self.model, pk)
            require_everywhere(user)
            return obj
        return access_object(user, self.model, pk, CAP)


SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in [
        Section(
            "categories",
            gettext_lazy("问题分类"),
            gettext_lazy("分类"),
            CaseCategory,
            forms_cases.CategoryForm,
            "backoffice/cases/settings/categories.html",
            platform_wide=True,
        ),
        Section(
            "sla",
            gettext_lazy("办理时限"),
            gettext_lazy("时限规则"),
            SlaPolicy,
            forms_cases.SlaPolicyForm,
            "backoffice/cases/settings/sla.html",
            platform_wide=False,
        ),
        Section(
            "routing",
            gettext_lazy("分派规则"),
            gettext_lazy("分派规则"),
            RoutingRule,
            forms_cases.RoutingRuleForm,
            "backoffice/cases/settings/routing.html",
            platform_wide=False,
            deletable=True,
        ),
        Section(
            "units",
            gettext_lazy("承办单位"),
            gettext_lazy("承办单位"),
            HandlingUnit,
            forms_cases.HandlingUnitForm,
            "backoffice/cases/settings/units.html",
            platform_wide=False,
        ),
        Section(
            "calendar",
            gettext_lazy("工作日历"),
            gettext_lazy("日历调整"),
            CalendarOverride,
            forms_cases.CalendarOverrideForm,
            "backoffice/cases/settings/calendar.html",
            platform_wide=True,
            deletable=True,
        ),
    ]
}


def section_or_404(slug: str) -> Section:
    section = SECTIONS.get(slug)
    if section is None:
        raise Http404
    return section


def settings_crumb() -> Crumb:
    return _("诉求设置"), reverse("backoffice:case_settings")


def section_crumb(section: Section) -> Crumb:
    return str(section.title), reverse("backoffice:case_setting_list", args=[section.slug])


# --- pages -----------------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    context = {
        "breadcrumbs": [home_crumb(), cases_crumb(), (_("诉求设置"), None)],
        "sections": list(SECTIONS.values()),
    }
    return render(request, "backoffice/cases/settings/index.html", context)


def _list_context(user: User, section: Section) -> dict[str, Any]:
    """What each section's list shows, loaded without per-row queries."""
    paths = jurisdiction_paths(user, CAP)
    in_reach = Q(pk__in=[])
    for path in paths:
        in_reach |= Q(area__path__startswith=path)
    if section.slug == "categories":
        rows: Any = CaseCategory.objects.select_related("parent").annotate(case_count=Count("cases"))
        return {"rows": rows}
    if section.slug == "sla":
        policies = SlaPolicy.objects.filter(Q(area__isnull=True) | in_reach)
        return {
            "rows": policies.select_related("category", "area").order_by("kind", "urgency", "-effective_from")
        }
    if section.slug == "routing":
        rules = RoutingRule.objects.visible_to(user, CAP)
        return {
            "rows": rules.select_related("category", "area", "unit", "handler").order_by(
                "category__position", "area__path"
            )
        }
    if section.slug == "units":
        units = HandlingUnit.objects.visible_to(user, CAP)
        return {
            "rows": units.select_related("area").prefetch_related("members").order_by("area__path", "name")
        }
    today = timezone.localdate()
    return {
        "rows": CalendarOverride.objects.filter(date__gte=datetime.date(today.year - 1, 1, 1)),
        "year": today.year,
        "reference": statutory_reference(today.year),
    }


@login_required
def setting_list(request: HttpRequest, section: str) -> HttpResponse:
    sec = section_or_404(section)
    user = request.user
    require_manager(user)
    context = {
        "section": sec,
        "breadcrumbs": [home_crumb(), cases_crumb(), settings_crumb(), (str(sec.title), None)],
        "sections": list(SECTIONS.values()),
        "may_change": manages_everywhere(user) or not sec.platform_wide,
        **_list_context(user, sec),
    }
    return render(request, sec.list_template, context)


@login_required
def setting_edit(request: HttpRequest, section: str, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit one setting."""
    sec = section_or_404(section)
    user = request.user
    require_manager(user)
    if pk is None:
        if sec.platform_wide:
            require_everywhere(user)
        obj: models.Model = sec.model()
        before = None
    else:
        obj = sec.load(user, pk)
        before = audit.snapshot(obj)
    form = sec.form_class(request.POST or None, instance=obj, user=user)
    if request.method == "POST" and form.is_valid():
        if isinstance(obj, SlaPolicy) and obj.area_id is None and not manages_everywhere(user):
            form.add_error("area", _("适用于全部区域的时限只有区级管理员可以设置，请选择区域。"))
        else:
            try:
                form.save_record(user, before)
            except ValidationError as exc:
                if before is None:
                    obj.pk = None
                    obj._state.adding = True
                attach_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("backoffice:case_setting_list", section=sec.slug)
    verb = _("新增") if pk is None else _("编辑")
    context = {
        "section": sec,
        "form": form,
        "title": f"{verb}{sec.noun}",
        "breadcrumbs": [home_crumb(), cases_crumb(), settings_crumb(), section_crumb(sec), (verb, None)],
        "delete_url": reverse("backoffice:case_setting_delete", args=[sec.slug, pk])
        if pk is not None and sec.deletable
        else None,
    }
    return render(request, "backoffice/cases/settings/edit.html", context)


@login_required
def setting_delete(request: HttpRequest, section: str, pk: int) -> HttpResponse:
    """Ask, then delete (routing rules and calendar overrides only; categories are deactivated instead)."""
    sec = section_or_404(section)
    user = request.user
    require_manager(user)
    if not sec.deletable:
        raise Http404
    obj = sec.load(user, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            registry.do_delete_record(user, obj)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("已删除。"))
            return redirect("backoffice:case_setting_list", section=sec.slug)
    context = {
        "section": sec,
        "object": describe(obj),
        "errors": errors,
        "breadcrumbs": [home_crumb(), cases_crumb(), settings_crumb(), section_crumb(sec), (_("删除"), None)],
        "cancel_url": reverse("backoffice:case_setting_list", args=[sec.slug]),
    }
    return render(request, "backoffice/cases/settings/delete.html", context)


def describe(obj: models.Model) -> str:
    """How a setting is named on its delete page."""
    if isinstance(obj, RoutingRule):
        return f"{obj.category.name} @ {obj.area.name}"
    if isinstance(obj, CalendarOverride):
        kind = _("工作日") if obj.is_workday else _("休息日")
        return f"{obj.date:%Y-%m-%d} {kind}"
    return str(obj)


@login_required
def category_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """停用/启用 a category (POST). A category in use cannot be deleted; a deactivated one is no longer
    offered at intake, and its existing cases keep it."""
    user = request.user
    require_manager(user)
    if request.method != "POST":
        raise Http404
    category = _load_global(CaseCategory, pk)
    require_everywhere(user)
    before = audit.snapshot(category)
    assert isinstance(category, CaseCategory)  # noqa: S101 - narrows the type
    category.active = not category.active
    registry.do_save_record(user, category, before=before)
    if category.active:
        messages.success(request, _("已启用“%(name)s”。") % {"name": category.name})
    else:
        messages.success(request, _("已停用“%(name)s”，受理时不再可选。") % {"name": category.name})
    return redirect("backoffice:case_setting_list", section="categories")


# --- the statutory calendar for reference ----------------------------------------------------------------


@dataclass
class DayRun:
    first: datetime.date
    last: datetime.date
    names: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class CalendarReference:
    holidays: list[DayRun]
    makeup_workdays: list[tuple[datetime.date, str]]
    error: str = ""


def statutory_reference(year: int) -> CalendarReference:
    """The year's holidays and make-up working days as the case clocks count them (`sla.calendar()`, so
    including the overrides), named after the `holidays` package's China calendar.

    A holiday is a run of non-working days that includes at least one weekday (ordinary weekends are left
    out); a make-up working day is a Saturday or Sunday that is a working day.
    """
    cal = sla.calendar()
    language = "en_US" if (translation.get_language() or "").startswith("en") else "zh_CN"
    names: Any
    try:
        names = holidays.country_holidays("CN", years=year, language=language)
    except (NotImplementedError, KeyError):  # pragma: no cover - the package always knows China
        names = {}
    runs: list[DayRun] = []
    makeup: list[tuple[datetime.date, str]] = []
    current: list[datetime.date] = []
    day = datetime.date(year, 1, 1)
    try:
        while day.year == year:
            working = cal.is_workday(day)
            if working and day.weekday() >= 5:
                makeup.append((day, _("调休上班")))
            if not working:
                current.append(day)
            elif current:
                runs.append(_run(current, names))
                current = []
            day += datetime.timedelta(days=1)
    except ValueError as exc:  # a year outside the calendar's range
        return CalendarReference([], [], str(exc))
    if current:
        runs.append(_run(current, names))
    return CalendarReference([run for run in runs if run.names], makeup)


_REST_DAY_NAMES = frozenset({"休息日", "Day off"})


def _run(days: list[datetime.date], names: Any) -> DayRun:
    has_weekday = any(d.weekday() < 5 for d in days)
    labels: list[str] = []
    for d in days:
        # "清明节（补假）" is 清明节; "休息日（由 2026-01-04 调休）" is the rest day of a make-up working day.
        base = re.split(r"[（(]", str(names.get(d) or ""))[0].strip()
        if base and base not in _REST_DAY_NAMES and base not in labels:
            labels.append(base)
    label = "、".join(labels) if labels else (_("调整休息日") if has_weekday else "")
    return DayRun(days[0], days[-1], label if has_weekday else "")
