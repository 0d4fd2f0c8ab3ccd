"""Welfare projects (惠民项目) in the back office: the list, the create/edit form, and the project page with
its budget bar, quotes, spending lines (each a voucher in the committee's sign-off chain), progress
timeline with photos, acceptance, the explainable checks, residents' feedback and the committee's opinions.

Access: readers hold VIEW_WELFARE or VIEW_SUPERVISION over the project's community (staff, committee,
street, civil affairs, district); everyone else gets 404 (`projects.access_project`). Changing a project
needs MANAGE_PROJECTS there: the page offers the forms only to those who hold it, and the POST views answer
403 to readers who try anyway (the actions check again). The committee (SUPERVISE) reads everything and
opens findings from the checks' problem lines. Every change goes through `yangguang.core.actions.projects`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yangguang.backoffice import forms_projects as pf
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb, submit_form
from yangguang.core.actions import project_checks, projects
from yangguang.core.models import (
    Evidence,
    Project,
    ProjectAcceptance,
    ProjectProgress,
    ProjectQuote,
    VoucherStatus,
)
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/projects/detail.html"
FORM_TEMPLATE = "backoffice/projects/form.html"
FEEDBACK_SHOWN = 20
NOT_SAVED = gettext_lazy("未能保存，请按提示修改。")


def list_crumb() -> Crumb:
    return _("惠民项目"), reverse("backoffice:projects_list")


def require_reader(user: User) -> None:
    """404 for users who read no projects anywhere."""
    if not projects.reader_paths(user):
        raise Http404


def require_manager(user: User, project: Project) -> None:
    if not projects.may_manage(user, project.area):
        raise PermissionDenied(_("您可以查看该项目，但没有办理权限。"))


def detail_url(project: Project, anchor: str = "") -> str:
    url = reverse("backoffice:projects_detail", args=[project.pk])
    return f"{url}#{anchor}" if anchor else url


def back_to(project: Project, anchor: str = "") -> HttpResponse:
    return redirect(detail_url(project, anchor))


def yuan(amount: Decimal | None) -> str:
    return projects.yuan(amount)


# --- the list --------------------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """Projects the user may read, newest first, filtered by community, status and title/contractor.
    Queries: roles, the page count, the page's rows with their community and spent total; the community
    filter's choices; nothing per row."""
    user = request.user
    require_reader(user)
    filter_form = pf.ProjectFilterForm(request.GET or None, user=user)
    rows = filter_form.apply(projects.visible_projects(user))
    rows = projects.with_spent(rows.select_related("area")).order_by("-created_at", "-pk")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("惠民项目"), None)],
        "filter_form": filter_form,
        "filtered": any(request.GET.get(name) for name in ("q", "status", "area")),
        "page_obj": page,
        "rows": [(p, yuan(p.budget), yuan(p.spent)) for p in page.object_list],
        "may_create": has_capability(user, Cap.MANAGE_PROJECTS),
    }
    return render(request, "backoffice/projects/list.html", context)


# --- create and edit -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_reader(user)
    if not has_capability(user, Cap.MANAGE_PROJECTS):
        raise PermissionDenied(_("您可以查看惠民项目，但没有新建项目的权限。"))
    form = pf.ProjectForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            project = projects.check_create_project(user, form.project_input(form.cleaned_data["area"]))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新建惠民项目“%(title)s”。") % {"title": project.title})
            for warning in projects.project_warnings(project):
                messages.warning(request, warning)
            return back_to(project)
    context = {
        "form": form,
        "title": _("新建惠民项目"),
        "breadcrumbs": [home_crumb(), list_crumb(), (_("新建惠民项目"), None)],
        "cancel_url": reverse("backoffice:projects_list"),
    }
    return render(request, FORM_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    form = pf.ProjectForm(request.POST or None, user=user, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            projects.check_update_project(user, project, form.project_input(project.area))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存项目信息。"))
            for warning in projects.project_warnings(project):
                messages.warning(request, warning)
            return back_to(project)
    context = {
        "form": form,
        "project": project,
        "title": _("修改项目信息"),
        "breadcrumbs": [
            home_crumb(),
            list_crumb(),
            (project.title, reverse("backoffice:projects_detail", args=[project.pk])),
            (_("修改"), None),
        ],
        "cancel_url": reverse("backoffice:projects_detail", args=[project.pk]),
    }
    return render(request, FORM_TEMPLATE, context)


# --- the project page ------------------------------------------------------------------------------------


def percent(part: Decimal, whole: Decimal) -> int:
    if whole <= 0:
        return 0
    return int((part / whole * 100).to_integral_value())


def detail_context(
    request: HttpRequest, project: Project, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """Everything the project page shows; `bound` replaces a blank form by the one that just failed."""
    user = request.user
    bound = bound or {}
    manage = projects.may_manage(user, project.area)
    supervise = has_capability(user, Cap.SUPERVISE, project.area)
    status = project.status
    quotes = list(project.quotes.all())
    spendings = list(project.spendings.select_related("voucher").order_by("created_at", "pk"))
    reports = list(project.progress_reports.select_related("reported_by").order_by("-on", "-id"))
    photos = projects.progress_photos(reports)
    acceptance = ProjectAcceptance.objects.filter(project=project).first()
    spent = sum(
        (s.voucher.amount for s in spendings if s.voucher.status != VoucherStatus.REJECTED), Decimal(0)
    )
    checks = project_checks.project_checks(project)
    feedback = projects.feedback_summary(project)

    def form(name: str, factory: Any) -> forms.Form | None:
        return bound.get(name) or factory()

    step_forms = []
    if manage:
        for step in projects.allowed_steps(project):
            step_forms.append(
                (step, projects.step_label(step), form(f"step-{step}", lambda s=step: pf.StepForm(step=s)))
            )
    finding_forms = []
    if supervise:
        for line in checks:
            if not line.ok:
                finding_forms.append(
                    (
                        line,
                        form(
                            f"finding-{line.key}", lambda k=line.key: pf.FindingForm(project=project, key=k)
                        ),
                    )
                )
    return {
        "project": project,
        "breadcrumbs": [home_crumb(), list_crumb(), (project.title, None)],
        "manage": manage,
        "supervise": supervise,
        "editable": manage and status in projects.EDITABLE,
        "budget": yuan(project.budget),
        "spent": yuan(spent),
        "spent_percent": percent(spent, project.budget),
        "bar_percent": min(percent(spent, project.budget), 100),
        "over_budget": spent > project.budget,
        "contract_amount": yuan(project.contract_amount) if project.contract_amount is not None else "",
        "quotes": [(q, yuan(q.amount)) for q in quotes],
        "may_choose": manage and status == Project.Status.PROCUREMENT,
        "quotes_short": project_checks.quotes_missing(project, len(quotes)),
        "threshold": yuan(project_checks.quote_threshold()),
        "min_quotes": project_checks.MIN_QUOTES,
        "spendings": [(s, yuan(s.voucher.amount)) for s in spendings],
        "reports": [(r, photos.get(r.pk, [])) for r in reports],
        "acceptance": acceptance,
        "checks": checks,
        "problems": sum(1 for line in checks if not line.ok),
        "finding_forms": finding_forms,
        "findings": list(projects.project_findings(project)),
        "feedback": feedback,
        "comments": list(
            project.feedback.exclude(comment="").order_by("-created_at", "-pk")[:FEEDBACK_SHOWN]
        ),
        "step_forms": step_forms,
        "quote_form": form("quote", pf.QuoteForm) if manage and status in projects.QUOTING else None,
        "spending_form": form("spending", lambda: pf.SpendingForm(project=project))
        if manage and status in projects.SPENDING
        else None,
        "progress_form": form("progress", lambda: pf.ProgressForm(project=project))
        if manage and status in projects.REPORTING
        else None,
        "acceptance_form": form("acceptance", lambda: pf.AcceptanceForm(project=project))
        if manage and status == Project.Status.IN_PROGRESS
        else None,
        "warnings": projects.project_warnings(project),
    }


def detail_with(request: HttpRequest, project: Project, name: str, form: forms.Form) -> HttpResponse:
    """The project page showing a refused `form` in place of its blank form `name`."""
    return render(request, DETAIL_TEMPLATE, detail_context(request, project, {name: form}))


def render_detail(request: HttpRequest, project: Project, name: str, form: forms.Form) -> HttpResponse:
    messages.error(request, str(NOT_SAVED))
    return detail_with(request, project, name, form)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = projects.access_project(request.user, pk)
    return render(request, DETAIL_TEMPLATE, detail_context(request, project))


@login_required
@require_POST
def project_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in projects.MANUAL_STEPS:
        raise Http404
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    if step not in projects.allowed_steps(project):
        messages.error(
            request,
            _("项目当前状态为“%(status)s”，不能执行“%(step)s”。")
            % {"status": project.get_status_display(), "step": projects.step_label(step)},
        )
        return back_to(project)
    form = pf.StepForm(request.POST, step=step)
    return submit_form(
        request,
        form,
        lambda data: projects.do_project_transition(user, project, step, data.get("reason") or ""),
        done=lambda _result: (
            _("已完成“%(step)s”：项目现为“%(status)s”。")
            % {"step": projects.step_label(step), "status": project.get_status_display()}
        ),
        success_url=detail_url(project),
        failed=NOT_SAVED,
        rerender=lambda: detail_with(request, project, f"step-{step}", form),
        refused_url=detail_url(project),
    )


@login_required
@require_POST
def quote_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    form = pf.QuoteForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: projects.check_add_quote(
            user,
            project,
            supplier=data["supplier"],
            amount=data["amount"],
            received_on=data["received_on"],
            note=data.get("note") or "",
        ),
        done=_("已登记报价。"),
        success_url=detail_url(project, "quotes"),
        failed=NOT_SAVED,
        rerender=lambda: detail_with(request, project, "quote", form),
    )


@login_required
@require_POST
def quote_choose(request: HttpRequest, pk: int, quote_pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    quote = ProjectQuote.objects.filter(project=project, pk=quote_pk).select_related("project__area").first()
    if quote is None:
        raise Http404
    try:
        projects.do_choose_quote(user, quote)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已选定“%(s)s”为承建/供货单位。") % {"s": quote.supplier})
        project.refresh_from_db()
        if project_checks.quotes_missing(project, project.quotes.count()):
            messages.warning(
                request,
                _("合同金额超过%(limit)s，但报价不足%(n)d家：监督检查中会列为问题，请在说明中写明原因。")
                % {"limit": yuan(project_checks.quote_threshold()), "n": project_checks.MIN_QUOTES},
            )
    return back_to(project, "quotes")


@login_required
@require_POST
def spending_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    form = pf.SpendingForm(request.POST, request.FILES, project=project)
    return submit_form(
        request,
        form,
        lambda data: projects.check_add_spending(
            user,
            project,
            form.voucher_input(),
            data["description"],
            data.get("quantity") or None,
            data.get("receipts") or [],
        ),
        done=lambda spending: (
            _("已登记支出，凭证 %(number)s 已提交，等待居务监督委员会审核签字。")
            % {"number": spending.voucher.number}
        ),
        success_url=detail_url(project, "spending"),
        failed=NOT_SAVED,
        rerender=lambda: detail_with(request, project, "spending", form),
    )


@login_required
@require_POST
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    form = pf.ProgressForm(request.POST, request.FILES, project=project)
    return submit_form(
        request,
        form,
        lambda data: projects.check_add_progress(
            user,
            project,
            on=data["on"],
            text=data["text"],
            quantity_done=data.get("quantity_done") or None,
            public=bool(data.get("public")),
            photos=data.get("photos") or [],
            over_note=data.get("over_note") or "",
        ),
        done=_("已发布施工动态。"),
        success_url=detail_url(project, "progress"),
        failed=NOT_SAVED,
        rerender=lambda: detail_with(request, project, "progress", form),
    )


@login_required
@require_POST
def acceptance_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = projects.access_project(user, pk)
    require_manager(user, project)
    form = pf.AcceptanceForm(request.POST, project=project)
    return submit_form(
        request,
        form,
        lambda data: projects.check_record_acceptance(
            user,
            project,
            on=data["on"],
            quantity_counted=data.get("quantity_counted") or None,
            passed=bool(data["passed"]),
            notes=data.get("notes") or "",
            participants=data["participants"],
        ),
        done=_("已记录验收结果。"),
        success_url=detail_url(project, "acceptance"),
        failed=NOT_SAVED,
        rerender=lambda: detail_with(request, project, "acceptance", form),
    )


@login_required
@require_POST
def finding_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee opens an inspection finding from a problem line of the checks."""
    user = request.user
    project = projects.access_project(user, pk)
    if not has_capability(user, Cap.SUPERVISE, project.area):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以就检查结果提出问题。"))
    key = str(request.POST.get("key", ""))[:40]
    form = pf.FindingForm(request.POST, project=project, key=key)
    if form.is_valid():
        data = form.cleaned_data
        try:
            finding = projects.check_open_finding(
                user, project, data["key"], severity=data["severity"], inspection=data.get("inspection")
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request,
                _("已记入检查“%(title)s”，可在检查页面下达整改通知。") % {"title": finding.inspection.title},
            )
            return redirect("backoffice:insp_detail", pk=finding.inspection_id)
        return back_to(project, "checks")
    return render_detail(request, project, f"finding-{key}", form)


@login_required
@require_GET
def progress_photo(request: HttpRequest, pk: int, progress_pk: int, evidence_pk: int) -> HttpResponseBase:
    """A progress report's photo, for those who may read the project."""
    project = projects.access_project(request.user, pk)
    report = ProjectProgress.objects.filter(project=project, pk=progress_pk).first()
    if report is None:
        raise Http404
    evidence = (
        Evidence.objects.filter(target_type="projectprogress", target_id=str(report.pk), pk=evidence_pk)
        .only("file", "content_type", "name")
        .first()
    )
    if evidence is None:
        raise Http404
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
