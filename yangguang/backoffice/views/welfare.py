"""Welfare in the back office: applications (list, new, page with members, eligibility explanation and
step forms, refusal letter), the roster of enrolled households and their page, and the roster import.
Program settings (programs, standards, counting rules) are in `welfare_settings`.

Access: readers hold VIEW_WELFARE over the record's area (staff, committee, street, civil affairs,
district); everyone else gets 404. Acting needs MANAGE_WELFARE there (community staff): the page offers
the forms only to them, and the POST views answer 403 to readers who try anyway (the actions check again).
Opening an application's, an enrolment's or a refusal letter's page writes an audit entry (a household's
file is personal data: issue #5 item 8).

Residents' names follow the registry's rule: in full for holders of REVEAL_PERSONAL at the record's area
(community staff, the district administrator), masked for everyone else (the committee, street discipline,
civil affairs); the application number identifies the household for them. The application list's search
follows the same rule (`forms_welfare.MaskedNameSearch`): a name matches only where the reader sees names in full,
so a reader of masked names cannot confirm a guessed name by searching for it. A staff member who must
stay away from the household (回避, `welfare.application_recusal`) is told why and offered no forms.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yangguang.backoffice import forms_welfare as wf
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core import tabular
from yangguang.core.actions import audit, welfare
from yangguang.core.actions.access import access_area, access_object
from yangguang.core.actions.eligibility import Explanation, explain
from yangguang.core.actions.imports import do_fetch_error_report
from yangguang.core.actions.welfare_import import KIND as ROSTER_KIND
from yangguang.core.actions.welfare_import import check_import_roster, roster_template
from yangguang.core.models import (
    Application,
    ApplicationMember,
    Area,
    AreaKind,
    AuditAction,
    Enrollment,
    ImportRun,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.crypto import CryptoError
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

FORM_TEMPLATE = "backoffice/welfare/form.html"
APPLICATION_TEMPLATE = "backoffice/welfare/application_detail.html"
ENROLLMENT_TEMPLATE = "backoffice/welfare/enrollment_detail.html"


# --- access ----------------------------------------------------------------------------------------------


def require_reader(user: User) -> None:
    if not has_capability(user, Cap.VIEW_WELFARE):
        raise Http404


def access_application(user: User, pk: int) -> Application:
    queryset = Application.objects.select_related("area", "program", "applicant", "household", "created_by")
    return access_object(user, Application, pk, Cap.VIEW_WELFARE, queryset=queryset)


def access_enrollment(user: User, pk: int) -> Enrollment:
    queryset = Enrollment.objects.select_related("area", "program", "head", "household", "application")
    return access_object(user, Enrollment, pk, Cap.VIEW_WELFARE, queryset=queryset)


def require_staff(user: User, obj: Application | Enrollment) -> None:
    if not has_capability(user, Cap.MANAGE_WELFARE, obj.area):
        raise PermissionDenied(_("您可以查看该记录，但没有办理权限。"))


def shown_name(user: User, area: Area, name: str) -> str:
    """A resident's name as the registry shows it: in full only to holders of REVEAL_PERSONAL at `area`."""
    return name if has_capability(user, Cap.REVEAL_PERSONAL, area) else mask_name(name)


def shown_explanation(user: User, area: Area, explanation: Explanation) -> Explanation:
    """The eligibility explanation with the members' names shown by the same rule."""
    if has_capability(user, Cap.REVEAL_PERSONAL, area):
        return explanation
    members = [dataclasses.replace(m, name=mask_name(m.name)) for m in explanation.members]
    return dataclasses.replace(explanation, members=members)


def audit_view(user: User, obj: Application | Enrollment, what: str) -> None:
    """A household's file was opened: who, when, which (no values)."""
    audit.record(user, AuditAction.REVEAL, target=obj, changes={"view": what}, reason=_("查看救助档案"))


def welfare_crumbs(label: str, name: str) -> list[Crumb]:
    return [home_crumb(), (label, reverse(f"backoffice:{name}"))]


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    title: str,
    crumbs: list[Crumb],
    cancel_url: str,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "breadcrumbs": [*crumbs, (title, None)],
        "cancel_url": cancel_url,
    }
    return render(request, FORM_TEMPLATE, context, status=status)


HISTORY_LABELS: dict[str, Any] = {
    "create": gettext_lazy("登记申请"),
    "member": gettext_lazy("修改家庭成员信息"),
    "member_added": gettext_lazy("添加家庭成员"),
    "member_removed": gettext_lazy("移除家庭成员"),
    "accept": gettext_lazy("受理"),
    "authorise": gettext_lazy("登记核对授权"),
    "survey": gettext_lazy("入户调查"),
    "review": gettext_lazy("民主评议 / 定期复核"),
    "notice": gettext_lazy("公示"),
    "confirm": gettext_lazy("审批确认"),
    "refuse": gettext_lazy("不予批准"),
    "withdraw": gettext_lazy("撤回申请"),
    "enrol": gettext_lazy("纳入救助"),
    "adjust": gettext_lazy("调整保障人数或金额"),
    "suspend": gettext_lazy("暂停发放"),
    "resume": gettext_lazy("恢复发放"),
    "exit": gettext_lazy("退出"),
}
HISTORY_FIELDS: dict[str, Any] = {
    "member": gettext_lazy("成员"),
    "outcome": gettext_lazy("复核结果"),
    "household_size": gettext_lazy("保障人数"),
    "monthly_amount": gettext_lazy("月救助金"),
    "starts_on": gettext_lazy("起始月份"),
    "review_months": gettext_lazy("复核周期（月）"),
    "review_reason": gettext_lazy("复核周期说明"),
    "source": gettext_lazy("来源"),
    "number": gettext_lazy("申请编号"),
    "run": gettext_lazy("导入记录"),
    "line": gettext_lazy("行号"),
    "recheck": gettext_lazy("监委会核查结论编号"),
    "exited_on": gettext_lazy("退出日期"),
}


def history_rows(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History lines for display: the step's label, who and when, the note and the other details."""
    rows = []
    for line in lines:
        details = []
        for key, label in HISTORY_FIELDS.items():
            if key not in line:
                continue
            value = line[key]
            if isinstance(value, list):
                value = " → ".join(str(v) for v in value)
            details.append(f"{label}：{value}")
        rows.append(
            {
                "label": HISTORY_LABELS.get(line.get("action", ""), line.get("action", "")),
                "at": str(line.get("at", ""))[:16].replace("T", " "),
                "actor": line.get("actor", ""),
                "note": line.get("note", ""),
                "details": details,
            }
        )
    return rows


# --- applications ----------------------------------------------------------------------------------------


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications in the user's jurisdiction; close relatives of cadres on their own tab (近亲属备案).
    Queries: roles, programs for the filter, the tab counts, the page count and the page's rows."""
    user = request.user
    require_reader(user)
    kin = request.GET.get("kin") == "1"
    filter_form = wf.ApplicationFilterForm(request.GET or None, user=user)
    base = filter_form.apply(Application.objects.visible_to(user, Cap.VIEW_WELFARE))
    counts = base.aggregate(
        kin=Count("pk", filter=Q(kin_flag=True)), plain=Count("pk", filter=Q(kin_flag=False))
    )
    rows = (
        base.filter(kin_flag=kin)
        .select_related("program", "applicant", "area")
        .order_by("-applied_on", "-pk")
    )
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("救助申请"), None)],
        "filter_form": filter_form,
        "page_obj": page,
        "rows": [(a, shown_name(user, a.area, a.applicant.name)) for a in page.object_list],
        "kin": kin,
        "counts": counts,
        "may_apply": has_capability(user, Cap.MANAGE_WELFARE),
    }
    return render(request, "backoffice/welfare/application_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_reader(user)
    if not has_capability(user, Cap.MANAGE_WELFARE):
        raise PermissionDenied(_("您没有办理救助申请的权限。"))
    form = wf.ApplicationCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid() and form.person is not None:
        data = welfare.ApplicationInput(
            program=form.cleaned_data["program"],
            applicant=form.person,
            applied_on=form.cleaned_data["applied_on"],
            reason=form.cleaned_data["reason"],
        )
        try:
            application = welfare.check_create_application(user, data)
        except PermissionDenied:
            form.add_error("id_number", _("您没有为该居民办理救助申请的权限。"))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已登记申请，编号 %(number)s。") % {"number": application.number})
            return redirect("backoffice:welfare_application", pk=application.pk)
    crumbs = welfare_crumbs(_("救助申请"), "welfare_applications")
    cancel = reverse("backoffice:welfare_applications")
    return form_page(
        request, form, _("登记救助申请"), crumbs, cancel, 400 if request.method == "POST" else 200
    )


def application_context(
    request: HttpRequest,
    application: Application,
    *,
    bound: forms.BaseForm | None = None,
    bound_name: str = "",
) -> dict[str, Any]:
    user = request.user
    may_act = has_capability(user, Cap.MANAGE_WELFARE, application.area)
    recusal = welfare.application_recusal(user, application) if may_act else []
    members = list(application.members.select_related("person").order_by("pk"))
    area = application.area

    def form_for(name: str, factory: Any) -> forms.BaseForm:
        return bound if bound is not None and bound_name == name else factory()

    step_forms = []
    member_forms = []
    add_member_form = None
    editable = False
    if may_act and not recusal:
        for name in welfare.allowed_steps(application):
            step_forms.append((name, wf.STEP_LABELS[name], form_for(name, wf.STEP_FORMS[name])))
        editable = welfare.members_editable(application)
        if editable:
            for member in members:
                initial = {
                    "relation": member.relation,
                    "circumstance": member.circumstance,
                    "monthly_income": member.monthly_income,
                    "deposits": member.deposits,
                    "vehicle_value": member.vehicle_value,
                    "properties": member.properties,
                    "note": member.note,
                }
                key = f"member-{member.pk}"
                member_forms.append(
                    (
                        member,
                        shown_name(user, area, member.name),
                        form_for(
                            key, lambda initial=initial, key=key: wf.MemberForm(initial=initial, prefix=key)
                        ),
                    )
                )
            add_member_form = form_for("add_member", lambda: wf.AddMemberForm(user=user, prefix="add"))
    entry = welfare.notice_entry(application) if application.status in ("noticed", "confirmed") else None
    return {
        "application": application,
        "applicant_name": shown_name(user, area, application.applicant.name),
        "members": [(member, shown_name(user, area, member.name)) for member in members],
        "explanation": shown_explanation(user, area, explain(application.eligibility)),
        "breadcrumbs": [*welfare_crumbs(_("救助申请"), "welfare_applications"), (application.number, None)],
        "may_act": may_act,
        "recusal": recusal,
        "step_forms": step_forms,
        "member_forms": member_forms,
        "add_member_form": add_member_form,
        "editable": editable,
        "notice_entry": entry,
        "notice_ended": welfare.notice_ended(application) if entry is not None else False,
        "pending_objections": welfare.pending_objections(application) if entry is not None else 0,
        "history": history_rows(application.history),
        "enrollment": Enrollment.objects.filter(application=application).first(),
    }


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    audit_view(request.user, application, "application")
    return render(request, APPLICATION_TEMPLATE, application_context(request, application))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@login_required
@require_POST
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    form_class = wf.STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    user = request.user
    application = access_application(user, pk)
    require_staff(user, application)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            welfare.do_application_transition(user, application, step, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:welfare_application", pk=application.pk)
            attach_errors(form, exc)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": wf.STEP_LABELS[step]})
            return redirect("backoffice:welfare_application", pk=application.pk)
    messages.error(request, _("未能提交“%(step)s”，请按提示修改。") % {"step": wf.STEP_LABELS[step]})
    application.refresh_from_db()
    context = application_context(request, application, bound=form, bound_name=step)
    return render(request, APPLICATION_TEMPLATE, context, status=400)


def _member_input(data: dict[str, Any]) -> welfare.MemberInput:
    return welfare.MemberInput(
        circumstance=data["circumstance"],
        monthly_income=data["monthly_income"],
        deposits=data["deposits"],
        vehicle_value=data["vehicle_value"],
        properties=data["properties"] or 0,
        note=data.get("note", ""),
        relation=data["relation"],
        name=data.get("name"),
    )


@login_required
@require_POST
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = request.user
    application = access_application(user, pk)
    require_staff(user, application)
    member = ApplicationMember.objects.filter(application=application, pk=member_pk).first()
    if member is None:
        raise Http404
    key = f"member-{member.pk}"
    form = wf.MemberForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            welfare.do_update_member(user, member, _member_input(form.cleaned_data))
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:welfare_application", pk=application.pk)
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存家庭成员信息，资格测算已更新。"))
            return redirect(reverse("backoffice:welfare_application", args=[application.pk]) + "#members")
    messages.error(request, _("未能保存家庭成员信息，请按提示修改。"))
    application.refresh_from_db()
    context = application_context(request, application, bound=form, bound_name=key)
    return render(request, APPLICATION_TEMPLATE, context, status=400)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    application = access_application(user, pk)
    require_staff(user, application)
    form = wf.AddMemberForm(request.POST, user=user, prefix="add")
    if form.is_valid():
        try:
            welfare.do_add_member(user, application, _member_input(form.cleaned_data), person=form.person)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:welfare_application", pk=application.pk)
            attach_errors(form, exc)
        else:
            messages.success(request, _("已添加家庭成员，资格测算已更新。"))
            return redirect(reverse("backoffice:welfare_application", args=[application.pk]) + "#members")
    messages.error(request, _("未能添加家庭成员，请按提示修改。"))
    application.refresh_from_db()
    context = application_context(request, application, bound=form, bound_name="add_member")
    return render(request, APPLICATION_TEMPLATE, context, status=400)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    user = request.user
    application = access_application(user, pk)
    require_staff(user, application)
    member = ApplicationMember.objects.filter(application=application, pk=member_pk).first()
    if member is None:
        raise Http404
    form = wf.RemoveMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写移除原因。"))
    else:
        try:
            welfare.do_remove_member(user, member, form.cleaned_data["reason"])
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已移除家庭成员，资格测算已更新。"))
    return redirect(reverse("backoffice:welfare_application", args=[application.pk]) + "#members")


@login_required
@require_GET
def refusal_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The written refusal (不予批准告知书), printable; only for refused applications."""
    application = access_application(request.user, pk)
    if application.status != "refused":
        raise Http404
    audit_view(request.user, application, "refusal_letter")
    context = {
        "application": application,
        "applicant_name": shown_name(request.user, application.area, application.applicant.name),
    }
    return render(request, "backoffice/welfare/refusal_letter.html", context)


# --- enrolment -------------------------------------------------------------------------------------------


@login_required
@require_GET
def enrollment_list(request: HttpRequest) -> HttpResponse:
    """The roster (救助对象名册). Queries: roles, programs for the filter, the page count, the rows."""
    user = request.user
    require_reader(user)
    filter_form = wf.EnrollmentFilterForm(request.GET or None, user=user)
    rows = filter_form.apply(Enrollment.objects.visible_to(user, Cap.VIEW_WELFARE))
    rows = rows.select_related("program", "head", "area").order_by("area__path", "review_due_on", "pk")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("救助对象"), None)],
        "filter_form": filter_form,
        "page_obj": page,
        "rows": [(e, shown_name(user, e.area, e.head.name)) for e in page.object_list],
        "may_import": has_capability(user, Cap.MANAGE_WELFARE),
        "today": welfare.today(),
    }
    return render(request, "backoffice/welfare/enrollment_list.html", context)


ENROLLMENT_ACTS: dict[str, Any] = {
    "review": wf.PeriodicReviewForm,
    "adjust": wf.AdjustForm,
    "suspend": wf.ReasonForm,
    "resume": wf.ReasonForm,
    "exit": wf.ExitForm,
    "finding": wf.FindingForm,
}
ACT_LABELS: dict[str, Any] = {
    "review": gettext_lazy("定期复核"),
    "adjust": gettext_lazy("调整保障人数或金额"),
    "suspend": gettext_lazy("暂停发放"),
    "resume": gettext_lazy("恢复发放"),
    "exit": gettext_lazy("退出"),
    "finding": gettext_lazy("依监委会核查结论处理"),
}


def _act_allowed(enrollment: Enrollment, name: str) -> bool:
    status = enrollment.status
    if name == "resume":
        return status == Enrollment.Status.SUSPENDED
    if name == "suspend":
        return status == Enrollment.Status.ACTIVE
    return status in welfare.LIVE_ENROLLMENT


def _act_form(name: str, enrollment: Enrollment, data: Any = None) -> forms.BaseForm:
    form_class = ENROLLMENT_ACTS[name]
    prefix = name
    if name == "finding":
        form: forms.BaseForm = form_class(data, enrollment=enrollment, prefix=prefix)
    else:
        form = form_class(data, prefix=prefix)
    if name == "exit" and data is None:
        form.fields["exited_on"].initial = welfare.today()
    if name == "adjust" and data is None:
        form.fields["household_size"].initial = enrollment.household_size
        form.fields["monthly_amount"].initial = enrollment.monthly_amount
    return form


def enrollment_context(
    request: HttpRequest, enrollment: Enrollment, *, bound: forms.BaseForm | None = None, bound_name: str = ""
) -> dict[str, Any]:
    user = request.user
    may_act = has_capability(user, Cap.MANAGE_WELFARE, enrollment.area)
    recusal = welfare.enrollment_recusal(user, enrollment) if may_act else []
    act_forms = []
    if may_act and not recusal:
        for name in ENROLLMENT_ACTS:
            if not _act_allowed(enrollment, name):
                continue
            form = bound if bound is not None and bound_name == name else _act_form(name, enrollment)
            if name == "finding" and not form.fields["recheck"].queryset.exists():  # type: ignore[attr-defined]
                continue
            act_forms.append((name, ACT_LABELS[name], form))
    application = enrollment.application
    head_name = shown_name(user, enrollment.area, enrollment.head.name)
    explanation = explain(application.eligibility) if application is not None else None
    return {
        "enrollment": enrollment,
        "head_name": head_name,
        "breadcrumbs": [*welfare_crumbs(_("救助对象"), "welfare_enrollments"), (head_name, None)],
        "may_act": may_act,
        "recusal": recusal,
        "act_forms": act_forms,
        "explanation": shown_explanation(user, enrollment.area, explanation)
        if explanation is not None
        else None,
        "rechecks": list(enrollment.rechecks.order_by("-created_at")),
        "history": history_rows(enrollment.history),
    }


@login_required
@require_GET
def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = access_enrollment(request.user, pk)
    audit_view(request.user, enrollment, "enrollment")
    return render(request, ENROLLMENT_TEMPLATE, enrollment_context(request, enrollment))


@login_required
@require_POST
def enrollment_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    if act not in ENROLLMENT_ACTS:
        raise Http404
    user = request.user
    enrollment = access_enrollment(user, pk)
    require_staff(user, enrollment)
    form = _act_form(act, enrollment, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _perform_act(request, enrollment, act, data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:welfare_enrollment", pk=enrollment.pk)
            attach_errors(form, exc)
        else:
            return redirect("backoffice:welfare_enrollment", pk=enrollment.pk)
    messages.error(request, _("未能提交“%(act)s”，请按提示修改。") % {"act": ACT_LABELS[act]})
    enrollment.refresh_from_db()
    context = enrollment_context(request, enrollment, bound=form, bound_name=act)
    return render(request, ENROLLMENT_TEMPLATE, context, status=400)


ACT_DONE: dict[str, Any] = {
    "adjust": gettext_lazy("已调整保障人数或金额。"),
    "suspend": gettext_lazy("已暂停发放。"),
    "resume": gettext_lazy("已恢复发放。"),
    "exit": gettext_lazy("已办理退出。"),
    "finding": gettext_lazy("已依监委会核查结论处理，核查结论已标记为已处理。"),
}
REVIEW_DONE: dict[str, Any] = {
    "continue": gettext_lazy("复核完成：继续保障。"),
    "adjust": gettext_lazy("复核完成：已按测算调整保障人数或金额。"),
    "exit": gettext_lazy("复核完成：不再符合条件，已退出。"),
}


def _perform_act(request: HttpRequest, enrollment: Enrollment, act: str, data: dict[str, Any]) -> None:
    user = request.user
    if act == "review":
        result = welfare.do_review_enrollment(
            user, enrollment, note=data["note"], irregular_income=data["irregular_income"]
        )
        messages.success(request, str(REVIEW_DONE[result.outcome]))
        return
    if act == "adjust":
        welfare.do_adjust_enrollment(
            user,
            enrollment,
            household_size=data["household_size"],
            monthly_amount=data["monthly_amount"],
            reason=data["reason"],
        )
    elif act == "suspend":
        welfare.do_suspend_enrollment(user, enrollment, reason=data["reason"])
    elif act == "resume":
        welfare.do_resume_enrollment(user, enrollment, reason=data["reason"])
    elif act == "exit":
        welfare.do_exit_enrollment(user, enrollment, reason=data["reason"], exited_on=data["exited_on"])
    elif act == "finding":
        welfare.apply_committee_finding(
            user,
            enrollment,
            data["recheck"],
            household_size=data["household_size"],
            monthly_amount=data["monthly_amount"],
            note=data["note"],
        )
    messages.success(request, str(ACT_DONE[act]))


# --- roster import ---------------------------------------------------------------------------------------


def _import_areas(user: User) -> list[Area]:
    visible = Area.objects.visible_to(user, Cap.MANAGE_WELFARE)
    areas = list(visible.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE]).order_by("path"))
    if not areas:
        raise Http404
    return areas


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    areas = _import_areas(user)
    form = wf.RosterImportForm(request.POST or None, request.FILES or None, areas=areas)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            area = access_area(user, form.cleaned_data["area"], Cap.MANAGE_WELFARE)
            upload: UploadedFile = form.cleaned_data["file"]
            try:
                run = check_import_roster(user, area, upload, upload.name or "")
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("backoffice:welfare_import_run", pk=run.pk)
        status = 400
    runs = ImportRun.objects.visible_to(user, Cap.MANAGE_WELFARE).filter(kind=ROSTER_KIND)
    page = Paginator(runs.select_related("area", "started_by"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page_obj": page,
        "breadcrumbs": [*welfare_crumbs(_("救助对象"), "welfare_enrollments"), (_("导入救助名册"), None)],
    }
    return render(request, "backoffice/welfare/import.html", context, status=status)


def _access_run(user: User, pk: int) -> ImportRun:
    queryset = ImportRun.objects.filter(kind=ROSTER_KIND).select_related("area", "started_by")
    return access_object(user, ImportRun, pk, Cap.MANAGE_WELFARE, queryset=queryset)


@login_required
@require_GET
def roster_import_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = _access_run(request.user, pk)
    context = {
        "run": run,
        "breadcrumbs": [
            *welfare_crumbs(_("救助对象"), "welfare_enrollments"),
            (_("导入救助名册"), reverse("backoffice:welfare_import")),
            (_("导入结果"), None),
        ],
    }
    return render(request, "backoffice/welfare/import_run.html", context)


@login_required
@require_GET
def roster_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    run = _access_run(request.user, pk)
    if not run.error_report:
        raise Http404
    try:
        data = do_fetch_error_report(request.user, run)
    except (OSError, CryptoError) as exc:
        raise Http404 from exc
    stem = run.filename.rsplit(".", 1)[0]
    return _attachment(data, tabular.XLSX_CONTENT_TYPE, _("%(name)s-未导入的行.xlsx") % {"name": stem})


@login_required
@require_GET
def roster_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if not has_capability(request.user, Cap.MANAGE_WELFARE):
        raise Http404
    content_type = tabular.XLSX_CONTENT_TYPE if fmt == "xlsx" else tabular.CSV_CONTENT_TYPE
    return _attachment(roster_template(fmt), content_type, _("救助名册导入模板") + f".{fmt}")
