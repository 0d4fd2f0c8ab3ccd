"""Welfare program settings in the back office: programs (救助项目) and their standards (救助标准), and the
rules for counting household members (家庭成员认定规则).

Access: reading needs VIEW_WELFARE or MANAGE_PROGRAMS; everyone else gets 404. A program is loaded only if
it is configured in or above the user's jurisdiction (`access_program`). Changing programs, standards and
counting rules needs MANAGE_PROGRAMS (403 for readers who try). Applications, the roster and its import are
in `welfare`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yangguang.backoffice import forms_welfare as wf
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import home_crumb
from yangguang.backoffice.views.welfare import form_page, welfare_crumbs
from yangguang.core.actions import audit, welfare
from yangguang.core.models import CountingRule, Program, ProgramStandard
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


# --- access ----------------------------------------------------------------------------------------------


def require_program_reader(user: User) -> None:
    if not (has_capability(user, Cap.VIEW_WELFARE) or has_capability(user, Cap.MANAGE_PROGRAMS)):
        raise Http404


def access_program(user: User, pk: int) -> Program:
    """A program the user may read (configured in or above their jurisdiction); 404 otherwise."""
    require_program_reader(user)
    visible = welfare.programs_visible(user, Cap.VIEW_WELFARE) | welfare.programs_visible(
        user, Cap.MANAGE_PROGRAMS
    )
    program = Program.objects.filter(visible, pk=pk).select_related("area").first()
    if program is None:
        raise Http404
    return program


def require_program_manager(user: User, program: Program) -> None:
    if not has_capability(user, Cap.MANAGE_PROGRAMS, program.area):
        raise PermissionDenied(_("您可以查看该救助项目，但没有修改权限。"))


# --- programs --------------------------------------------------------------------------------------------


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_program_reader(user)
    visible = welfare.programs_visible(user, Cap.VIEW_WELFARE) | welfare.programs_visible(
        user, Cap.MANAGE_PROGRAMS
    )
    programs = Program.objects.filter(visible).select_related("area").order_by("area__path", "kind", "code")
    page = Paginator(programs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("救助项目设置"), None)],
        "page_obj": page,
        "may_manage": has_capability(user, Cap.MANAGE_PROGRAMS),
    }
    return render(request, "backoffice/welfare/program_list.html", context)


@login_required
@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    program = access_program(user, pk)
    standards = (
        ProgramStandard.objects.filter(program=program)
        .select_related("area")
        .order_by("area__path", "-effective_from")
    )
    context = {
        "program": program,
        "standards": standards,
        "breadcrumbs": [*welfare_crumbs(_("救助项目设置"), "welfare_programs"), (program.name, None)],
        "may_manage": has_capability(user, Cap.MANAGE_PROGRAMS, program.area),
    }
    return render(request, "backoffice/welfare/program_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if pk is None:
        require_program_reader(user)
        if not has_capability(user, Cap.MANAGE_PROGRAMS):
            raise PermissionDenied(_("您没有设置救助项目的权限。"))
        program = Program()
        before = None
        title = _("新增救助项目")
        cancel = reverse("backoffice:welfare_programs")
    else:
        program = access_program(user, pk)
        require_program_manager(user, program)
        before = audit.snapshot(program)
        title = _("编辑救助项目")
        cancel = reverse("backoffice:welfare_program", args=[program.pk])
    form = wf.ProgramForm(request.POST or None, instance=program, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = welfare.do_save_program(user, form.instance, before)
        except ValidationError as exc:
            if before is None:
                program.pk = None
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("backoffice:welfare_program", pk=saved.pk)
    crumbs = welfare_crumbs(_("救助项目设置"), "welfare_programs")
    return form_page(request, form, title, crumbs, cancel, 400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def standard_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    program = access_program(user, pk)
    require_program_manager(user, program)
    form = wf.StandardForm(request.POST or None, instance=ProgramStandard(program=program), program=program)
    if request.method == "POST" and form.is_valid():
        try:
            welfare.do_add_standard(user, program, form.instance)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已添加救助标准。"))
            return redirect("backoffice:welfare_program", pk=program.pk)
    crumbs = [
        *welfare_crumbs(_("救助项目设置"), "welfare_programs"),
        (program.name, reverse("backoffice:welfare_program", args=[program.pk])),
    ]
    cancel = reverse("backoffice:welfare_program", args=[program.pk])
    return form_page(
        request, form, _("添加救助标准"), crumbs, cancel, 400 if request.method == "POST" else 200
    )


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    """The national counting rules and the overrides of the areas the user reads."""
    user = request.user
    require_program_reader(user)
    from yangguang.core.permissions import jurisdiction_paths

    paths = jurisdiction_paths(user, Cap.VIEW_WELFARE) + jurisdiction_paths(user, Cap.MANAGE_PROGRAMS)
    condition = Q(area__isnull=True)
    for path in paths:
        ids = [int(part) for part in path.strip("/").split("/") if part]
        condition |= Q(area__path__startswith=path) | Q(area_id__in=ids)
    rules = (
        CountingRule.objects.filter(condition)
        .select_related("area")
        .order_by("circumstance", "area__path", "-effective_from")
    )
    context = {
        "breadcrumbs": [
            *welfare_crumbs(_("救助项目设置"), "welfare_programs"),
            (_("家庭成员认定规则"), None),
        ],
        "rules": rules,
        "may_manage": has_capability(user, Cap.MANAGE_PROGRAMS),
    }
    return render(request, "backoffice/welfare/rule_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_program_reader(user)
    if not has_capability(user, Cap.MANAGE_PROGRAMS):
        raise PermissionDenied(_("您没有设置家庭成员认定规则的权限。"))
    form = wf.CountingRuleForm(request.POST or None, instance=CountingRule(), user=user)
    if request.method == "POST" and form.is_valid():
        try:
            welfare.do_add_counting_rule(user, form.instance)
        except ValidationError as exc:
            form.instance.pk = None
            attach_errors(form, exc)
        else:
            messages.success(request, _("已添加地方认定规则。"))
            return redirect("backoffice:welfare_rules")
    crumbs = [
        *welfare_crumbs(_("救助项目设置"), "welfare_programs"),
        (_("家庭成员认定规则"), reverse("backoffice:welfare_rules")),
    ]
    cancel = reverse("backoffice:welfare_rules")
    return form_page(
        request, form, _("添加地方认定规则"), crumbs, cancel, 400 if request.method == "POST" else 200
    )
