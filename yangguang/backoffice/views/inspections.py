"""Inspections in the back office: the list, the plan form, the inspection page (checklist, findings with
evidence, rectification notices, completion), rectification notices (list, page, printable notice,
verification, report back) and bulletins for the street and district.

Objects are loaded only through the `access_*` helpers of `actions/inspections.py` and
`actions/bulletins.py` (404 for outsiders, and for staff before an unannounced inspection is held); every
change goes through an action, which checks that the user sits on the community's committee (403
otherwise). The page offers the committee's forms
only to the committee; the POST views do not rely on that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yangguang.backoffice import forms_inspections as iforms
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb, show_refusal, submit_form
from yangguang.core.actions import bulletins
from yangguang.core.actions import inspections as insp
from yangguang.core.actions.ledger import evidence_for, target_key
from yangguang.core.models import (
    Bulletin,
    CaseStatus,
    Disclosure,
    Evidence,
    Finding,
    Inspection,
    InspectionCheck,
    Rectification,
)
from yangguang.core.models.cases import OPEN_STATUSES
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser


def require_anywhere(user: User, capability: str) -> None:
    """List pages: 404 for users who hold the capability nowhere."""
    if not has_capability(user, capability):
        raise Http404


def inspections_crumb() -> Crumb:
    return _("监督检查"), reverse("backoffice:insp_list")


def rectifications_crumb() -> Crumb:
    return _("整改通知"), reverse("backoffice:insp_rect_list")


def bulletins_crumb() -> Crumb:
    return _("通报"), reverse("backoffice:insp_bulletin_list")


# --- the inspection list ---------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Inspections in the user's jurisdiction, newest plan first. Queries: session, user, roles, the
    community choices of the filter, count, page rows (with their communities)."""
    user = request.user
    require_anywhere(user, Cap.VIEW_SUPERVISION)
    filter_form = iforms.InspectionFilterForm(request.GET or None, user=user)
    rows = (
        filter_form.apply(insp.visible_inspections(user))
        .select_related("area")
        .order_by("-planned_on", "-pk")
    )
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("监督检查"), None)],
        "filter_form": filter_form,
        "page_obj": page,
        "may_plan": has_capability(user, Cap.SUPERVISE),
    }
    return render(request, "backoffice/inspections/list.html", context)


@login_required
def inspection_plan(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_anywhere(user, Cap.SUPERVISE)
    form = iforms.PlanForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = insp.check_plan_inspection(
                user,
                data["area"],
                kind=data["kind"],
                title=data["title"],
                planned_on=data["planned_on"],
                items=list(data["items"]),
                points=form.point_list(),
                inspectors=[user],  # type: ignore[list-item]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已制定检查计划，检查清单已生成。"))
            return redirect("backoffice:insp_detail", pk=inspection.pk)
    context = {
        "form": form,
        "breadcrumbs": [home_crumb(), inspections_crumb(), (_("制定检查计划"), None)],
    }
    return render(request, "backoffice/inspections/plan.html", context)


# --- the inspection page ---------------------------------------------------------------------------------


@dataclass
class FindingRow:
    finding: Finding
    evidence: list[Evidence]
    rectification: Rectification | None
    rectify_form: forms.Form | None


def detail_context(
    request: HttpRequest, inspection: Inspection, *, bound: forms.Form | None = None, bound_name: str = ""
) -> dict[str, Any]:
    """Everything the inspection page shows; `bound` replaces the blank form named `bound_name` so that a
    refused submission shows its errors beside its fields."""
    user = request.user
    area = inspection.area
    committee = has_capability(user, Cap.SUPERVISE, area)
    status = inspection.status
    in_progress = status == Inspection.Status.IN_PROGRESS
    held = status in insp.HELD_STATUSES

    def form_for(name: str, factory: Any) -> forms.Form:
        return bound if bound is not None and bound_name == name else factory()

    checks = list(inspection.checks.select_related("item").order_by("position", "id"))
    # A finding's project is of the inspection's community, which the reader may read: the link is safe.
    findings = list(inspection.findings.select_related("checkpoint", "created_by", "project").order_by("id"))
    notices = {
        r.finding_id: r
        for r in Rectification.objects.filter(finding__in=findings).select_related(
            "case__handler", "case__unit"
        )
    }
    evidence = insp.evidence_of_findings(findings)
    rows = []
    for finding in findings:
        notice = notices.get(finding.pk)
        rectify_form = None
        if committee and held and notice is None:
            rectify_form = form_for(
                f"rect-{finding.pk}", lambda f=finding: iforms.RectifyForm(finding=f, area=area)
            )
        rows.append(FindingRow(finding, evidence.get(finding.pk, []), notice, rectify_form))
    return {
        "inspection": inspection,
        "breadcrumbs": [home_crumb(), inspections_crumb(), (inspection.title, None)],
        "committee": committee,
        "checks": checks,
        "results": [(v, label) for v, label in InspectionCheck.Result.choices if v != "pending"],
        "check_errors": bound.errors if bound is not None and bound_name == "check" else None,
        "pending": sum(1 for check in checks if check.result == InspectionCheck.Result.PENDING),
        "rows": rows,
        "may_start": committee and status == Inspection.Status.PLANNED,
        "may_record": committee and in_progress,
        "finding_form": form_for("finding", lambda: iforms.FindingForm(inspection=inspection))
        if committee and in_progress
        else None,
        "complete_form": form_for("complete", iforms.CompleteForm) if committee and in_progress else None,
        "cancel_form": form_for("cancel", iforms.CancelForm)
        if committee and status in insp.INSPECTION_TRANSITIONS["cancel"][0] and not notices
        else None,
    }


DETAIL_TEMPLATE = "backoffice/inspections/detail.html"


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = insp.access_inspection(request.user, pk)
    return render(request, DETAIL_TEMPLATE, detail_context(request, inspection))


def _back(inspection: Inspection) -> HttpResponse:
    return redirect("backoffice:insp_detail", pk=inspection.pk)


def _detail_with(request: HttpRequest, inspection: Inspection, form: forms.Form, name: str) -> HttpResponse:
    """The inspection page showing a refused `form` in place of its blank form `name`."""
    return render(request, DETAIL_TEMPLATE, detail_context(request, inspection, bound=form, bound_name=name))


@login_required
@require_POST
def inspection_start(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = insp.access_inspection(request.user, pk)
    try:
        insp.do_start_inspection(request.user, inspection)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("检查已开始，请逐项记录检查结果。"))
    return _back(inspection)


@login_required
@require_POST
def inspection_check(request: HttpRequest, pk: int, check_pk: int) -> HttpResponse:
    """One result button of the checklist (with its note)."""
    inspection = insp.access_inspection(request.user, pk)
    check = InspectionCheck.objects.filter(inspection=inspection, pk=check_pk).first()
    if check is None:
        raise Http404
    check.inspection = inspection
    form = iforms.CheckForm(request.POST)
    if form.is_valid():
        try:
            insp.do_record_check(request.user, check, form.cleaned_data["result"], form.cleaned_data["note"])
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已记录：%(point)s") % {"point": check.point})
    else:
        messages.error(request, _("请选择检查结果。"))
    return redirect(reverse("backoffice:insp_detail", args=[inspection.pk]) + f"#check-{check.pk}")


@login_required
@require_POST
def inspection_finding(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = insp.access_inspection(user, pk)
    form = iforms.FindingForm(request.POST, request.FILES, inspection=inspection)
    back = reverse("backoffice:insp_detail", args=[inspection.pk])
    return submit_form(
        request,
        form,
        lambda data: insp.check_add_finding(
            user,
            inspection,
            description=data["description"],
            severity=data["severity"],
            checkpoint=data["checkpoint"],
            uploads=data["evidence"],
        ),
        done=_("已记录发现的问题。"),
        success_url=back,
        failed=_("未能记录问题，请按提示修改。"),
        rerender=lambda: _detail_with(request, inspection, form, "finding"),
        refused_url=back,
    )


@login_required
@require_POST
def inspection_rectify(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    """Issue the rectification notice of one finding."""
    user = request.user
    inspection = insp.access_inspection(user, pk)
    finding = Finding.objects.filter(inspection=inspection, pk=finding_pk).first()
    if finding is None:
        raise Http404
    finding.inspection = inspection
    form = iforms.RectifyForm(request.POST, finding=finding, area=inspection.area)
    return submit_form(
        request,
        form,
        lambda data: insp.check_issue_rectification(
            user,
            finding,
            requirement=data["requirement"],
            deadline=data["deadline"],
            owner=data["owner"],
            unit=data["unit"],
        ),
        done=lambda notice: _("已下达整改通知 %(number)s。") % {"number": notice.number},
        success_url=lambda notice: reverse("backoffice:insp_rect_detail", args=[notice.pk]),
        failed=_("未能下达整改通知，请按提示修改。"),
        rerender=lambda: _detail_with(request, inspection, form, f"rect-{finding.pk}"),
        refused_url=reverse("backoffice:insp_detail", args=[inspection.pk]),
    )


@login_required
@require_POST
def inspection_complete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = insp.access_inspection(user, pk)
    form = iforms.CompleteForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: insp.do_complete_inspection(user, inspection, data["summary"]),
        done=_("检查已完成，已记入监委会台账。"),
        success_url=reverse("backoffice:insp_detail", args=[inspection.pk]),
        failed=_("未能完成检查，请按提示修改。"),
        rerender=lambda: _detail_with(request, inspection, form, "complete"),
    )


@login_required
@require_POST
def inspection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = insp.access_inspection(user, pk)
    form = iforms.CancelForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: insp.do_cancel_inspection(user, inspection, data["reason"]),
        done=_("检查已取消。"),
        success_url=reverse("backoffice:insp_detail", args=[inspection.pk]),
        failed=_("未能取消检查，请按提示修改。"),
        rerender=lambda: _detail_with(request, inspection, form, "cancel"),
    )


# Evidence types shown in the browser; Word and Excel files are downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})


@login_required
def inspection_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """An evidence file of one of the inspection's findings, for those who may see the inspection."""
    inspection = insp.access_inspection(request.user, pk)
    finding_ids = [str(pk) for pk in inspection.findings.values_list("pk", flat=True)]
    evidence = Evidence.objects.filter(
        pk=evidence_pk, target_type="finding", target_id__in=finding_ids
    ).first()
    if evidence is None:
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type not in INLINE_TYPES,
        filename=evidence.name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- rectification notices -------------------------------------------------------------------------------


def tab_condition(tab: str) -> Q:
    today = timezone.localdate()
    not_passed = ~Q(verdict=Rectification.Verdict.PASSED)
    running = Q(case__status__in=OPEN_STATUSES) & ~Q(case__status=CaseStatus.REPLIED)
    conditions = {
        "open": not_passed,
        "overdue": not_passed & running & Q(deadline__lt=today),
        "escalated": not_passed & Q(case__escalated_at__isnull=False),
        "verified": Q(verdict=Rectification.Verdict.PASSED),
        "all": Q(),
    }
    return conditions[tab]


TAB_ORDER: dict[str, tuple[str, ...]] = {
    "verified": ("-verified_at", "-pk"),
    "all": ("-issued_at", "-pk"),
}


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    """Notices in the user's jurisdiction by tab, soonest deadline first. Queries: session, user, roles,
    the community choices, count, page rows (with community, case, handler and unit)."""
    user = request.user
    require_anywhere(user, Cap.VIEW_SUPERVISION)
    filter_form = iforms.RectificationFilterForm(request.GET or None, user=user)
    tab = filter_form.tab()
    rows = insp.visible_rectifications(user).filter(tab_condition(tab))
    area = filter_form.chosen_area()
    if area is not None:
        rows = rows.filter(finding__inspection__area=area)
    rows = rows.select_related("finding__inspection__area", "case__handler", "case__unit").order_by(
        *TAB_ORDER.get(tab, ("deadline", "pk"))
    )
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "breadcrumbs": [home_crumb(), (_("整改通知"), None)],
        "filter_form": filter_form,
        "tabs": iforms.RECTIFICATION_TABS,
        "tab": tab,
        "hidden": [("show", tab)],
        "page_obj": page,
        "overdue": {r.pk for r in page.object_list if insp.rectification_is_overdue(r, today)},
    }
    return render(request, "backoffice/inspections/rect_list.html", context)


RECT_TEMPLATE = "backoffice/inspections/rect_detail.html"


def disclosure_of(rectification: Rectification) -> Disclosure | None:
    source_type, source_id = target_key(rectification)
    return Disclosure.objects.filter(source_type=source_type, source_id=source_id).first()


def rect_context(
    request: HttpRequest,
    rectification: Rectification,
    *,
    bound: forms.Form | None = None,
    bound_name: str = "",
) -> dict[str, Any]:
    user = request.user
    finding = rectification.finding
    area = finding.inspection.area
    case = rectification.case
    committee = has_capability(user, Cap.SUPERVISE, area)
    verifiable = (
        committee
        and rectification.verdict != Rectification.Verdict.PASSED
        and case.status in (CaseStatus.REPLIED, CaseStatus.CLOSED)
    )
    reportable = (
        committee
        and rectification.verdict != Rectification.Verdict.PENDING
        and rectification.reported_at is None
    )

    def form_for(name: str, factory: Any) -> forms.Form:
        return bound if bound is not None and bound_name == name else factory()

    return {
        "notice": rectification,
        "finding": finding,
        "inspection": finding.inspection,
        "area": area,
        "case": case,
        "breadcrumbs": [home_crumb(), rectifications_crumb(), (rectification.number, None)],
        "overdue": insp.rectification_is_overdue(rectification),
        "evidence": list(evidence_for(finding)),
        "verify_form": form_for("verify", iforms.VerifyForm) if verifiable else None,
        "report_form": form_for("report", iforms.ReportForm) if reportable else None,
        "awaiting_reply": committee
        and rectification.verdict != Rectification.Verdict.PASSED
        and case.status not in (CaseStatus.REPLIED, CaseStatus.CLOSED),
        "disclosure": disclosure_of(rectification),
        "may_open_case": has_capability(user, Cap.VIEW_CASES, case.area),
    }


def _rect_with(
    request: HttpRequest, rectification: Rectification, form: forms.Form, name: str
) -> HttpResponse:
    """The notice's page showing a refused `form` in place of its blank form `name`."""
    return render(request, RECT_TEMPLATE, rect_context(request, rectification, bound=form, bound_name=name))


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = insp.access_rectification(request.user, pk)
    return render(request, RECT_TEMPLATE, rect_context(request, rectification))


@login_required
def rectification_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as a simple A4 page to print, sign and hand over."""
    rectification = insp.access_rectification(request.user, pk)
    return render(
        request,
        "backoffice/inspections/rect_print.html",
        {
            "notice": rectification,
            "finding": rectification.finding,
            "area": rectification.finding.inspection.area,
        },
    )


@login_required
@require_POST
def rectification_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rectification = insp.access_rectification(user, pk)
    form = iforms.VerifyForm(request.POST, request.FILES)
    back = reverse("backoffice:insp_rect_detail", args=[rectification.pk])

    def rerender() -> HttpResponse:
        rectification.case.refresh_from_db()
        return _rect_with(request, rectification, form, "verify")

    return submit_form(
        request,
        form,
        lambda data: insp.do_verify_rectification(
            user,
            rectification,
            passed=data["passed"],
            note=data["note"],
            photos=form.photo_list(),
            new_deadline=data["new_deadline"],
        ),
        done=lambda _result: (
            _("已验收：整改到位。")
            if form.cleaned_data["passed"]
            else _("已验收：整改不到位，已退回责任人重新整改。")
        ),
        success_url=back,
        failed=_("未能提交验收，请按提示修改。"),
        rerender=rerender,
        refused_url=back,
    )


@login_required
@require_POST
def rectification_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rectification = insp.access_rectification(user, pk)
    form = iforms.ReportForm(request.POST)
    back = reverse("backoffice:insp_rect_detail", args=[rectification.pk])
    return submit_form(
        request,
        form,
        lambda data: insp.do_report_rectification(user, rectification, data["text"]),
        done=_("已生成反馈通报的公开草稿，待监委会签字后公开。"),
        success_url=back,
        failed=_("未能生成反馈通报，请按提示修改。"),
        rerender=lambda: _rect_with(request, rectification, form, "report"),
        refused_url=back,
    )


# --- bulletins -------------------------------------------------------------------------------------------

INSPECTION_COLUMNS: list[tuple[str, StrOrPromise]] = [
    *((value, label) for value, label in Inspection.Kind.choices),
    ("total", gettext_lazy("合计")),
]
FINDING_COLUMNS: list[tuple[str, StrOrPromise]] = [
    *((value, label) for value, label in Finding.Severity.choices),
    ("total", gettext_lazy("合计")),
]
RECTIFICATION_COLUMNS: list[tuple[str, StrOrPromise]] = [
    ("issued", gettext_lazy("下达")),
    ("passed", gettext_lazy("验收通过")),
    ("open", gettext_lazy("未完成")),
    ("overdue", gettext_lazy("超期")),
    ("escalated", gettext_lazy("督办")),
]
COLUMN_GROUPS: list[tuple[str, StrOrPromise, list[tuple[str, StrOrPromise]]]] = [
    ("inspections", gettext_lazy("开展检查"), INSPECTION_COLUMNS),
    ("findings", gettext_lazy("发现问题"), FINDING_COLUMNS),
    ("rectifications", gettext_lazy("整改通知"), RECTIFICATION_COLUMNS),
]


def figure_row(label: str, figures: dict[str, Any]) -> tuple[str, list[int]]:
    """One table row: the label and the figures in column order (missing figures count as 0)."""
    values = [
        int(figures.get(group, {}).get(key, 0))
        for group, _label, columns in COLUMN_GROUPS
        for key, _l in columns
    ]
    return label, values


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Bulletins of the areas the user oversees. Queries: session, user, roles, count, page rows."""
    user = request.user
    require_anywhere(user, Cap.OVERSEE)
    rows: QuerySet[Bulletin] = (
        Bulletin.objects.visible_to(user, Cap.OVERSEE).select_related("area").order_by("-period_end", "-pk")
    )
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"breadcrumbs": [home_crumb(), (_("通报"), None)], "page_obj": page}
    return render(request, "backoffice/inspections/bulletin_list.html", context)


@login_required
def bulletin_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_anywhere(user, Cap.OVERSEE)
    form = iforms.BulletinForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = bulletins.check_generate_bulletin(
                user,
                data["area"],
                data["period_start"],
                data["period_end"],
                title=data["title"],
                remarks=data["remarks"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已生成通报，统计数据已固定。"))
            return redirect("backoffice:insp_bulletin_detail", pk=bulletin.pk)
    context = {"form": form, "breadcrumbs": [home_crumb(), bulletins_crumb(), (_("生成通报"), None)]}
    return render(request, "backoffice/inspections/bulletin_form.html", context)


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = bulletins.access_bulletin(request.user, pk)
    figures = bulletin.figures or {}
    context = {
        "bulletin": bulletin,
        "breadcrumbs": [home_crumb(), bulletins_crumb(), (bulletin.title, None)],
        "groups": [(label, len(columns)) for _key, label, columns in COLUMN_GROUPS],
        "columns": [label for _key, _label, columns in COLUMN_GROUPS for _k, label in columns],
        "rows": [figure_row(str(row.get("name", "")), row) for row in figures.get("communities", [])],
        "totals": figure_row(_("合计"), figures.get("totals", {})),
        "disclosure": bulletins.bulletin_disclosure(bulletin),
    }
    return render(request, "backoffice/inspections/bulletin_detail.html", context)


@login_required
@require_POST
def bulletin_disclose(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = bulletins.access_bulletin(request.user, pk)
    try:
        bulletins.do_disclose_bulletin(request.user, bulletin)
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("已生成通报的公开草稿。"))
    return redirect("backoffice:insp_bulletin_detail", pk=bulletin.pk)
