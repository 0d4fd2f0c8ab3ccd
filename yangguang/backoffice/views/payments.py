"""The payments ledger (发放比对) and the committee's re-checks (复核核查) in the back office.

Payments: the list (month and mismatch filters), import with its error workbook, manual entry, the
reconciliation button (staff) and report (anyone who reads welfare data), and one household's payments.
Re-checks: the committee's queue, opening one, and its page with the checklist, the conclusion and — for
staff — acting on the conclusion through `welfare.apply_committee_finding`.

Every view of one household's payments or re-check writes an audit entry (`rechecks.audit_view`). Payee
names are shown in full only to holders of REVEAL_PERSONAL at the payment's area; ID numbers only masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yangguang.backoffice import forms_notices
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb, submit_form
from yangguang.core import tabular
from yangguang.core.actions import imports, payments, rechecks
from yangguang.core.actions.access import access_object
from yangguang.core.models import Enrollment, ImportRun, Payment, Recheck
from yangguang.core.paging import uncounted_page
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.crypto import CryptoError
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def payments_crumb() -> Crumb:
    return _("发放比对"), reverse("backoffice:notices_payments")


def rechecks_crumb() -> Crumb:
    return _("复核核查"), reverse("backoffice:notices_rechecks")


def require_welfare_reader(user: User) -> None:
    if not has_capability(user, Cap.VIEW_WELFARE):
        raise Http404


def payee_label(user: User, payment: Payment) -> str:
    """The payee's name in full for REVEAL_PERSONAL holders at the payment's area, else masked."""
    if has_capability(user, Cap.REVEAL_PERSONAL, payment.area):
        return payment.payee_name
    return mask_name(payment.payee_name)


def person_label(user: User, name: str, area: Any) -> str:
    return name if has_capability(user, Cap.REVEAL_PERSONAL, area) else mask_name(name)


# --- the ledger ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    """Payments in the user's jurisdiction, newest month first. Queries: roles, the community filter's
    choices, the page's rows — the same number whatever the page holds."""
    user = request.user
    require_welfare_reader(user)
    form = forms_notices.PaymentFilterForm(request.GET or None, user=user)
    rows = (
        Payment.objects.visible_to(user, Cap.VIEW_WELFARE)
        .select_related("area", "program")
        .order_by("-month", "area__path", "pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["area"] is not None:
            rows = rows.filter(area__path__startswith=data["area"].path)
        if data["month"] is not None:
            rows = rows.filter(month=data["month"])
        if data["mismatch"] == "any":
            rows = rows.exclude(mismatch="")
        elif data["mismatch"]:
            rows = rows.filter(mismatch=data["mismatch"])
    page = uncounted_page(rows, settings.PAGE_SIZE, request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("发放比对"), None)],
        "filter_form": form,
        "page_obj": page,
        "rows": [
            (payment, payee_label(user, payment), payments.MISMATCH_LABELS.get(payment.mismatch, ""))
            for payment in page.object_list
        ],
        "may_manage": has_capability(user, Cap.MANAGE_WELFARE),
    }
    return render(request, "backoffice/notices/payments.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def payment_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, Cap.MANAGE_WELFARE):
        raise Http404
    form = forms_notices.PaymentImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = payments.check_import_payments(user, form.cleaned_data["area"], upload, upload.name or "")
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("backoffice:notices_payment_run", pk=run.pk)
    context = {
        "breadcrumbs": [home_crumb(), payments_crumb(), (_("导入发放文件"), None)],
        "form": form,
    }
    return render(request, "backoffice/notices/payment_import.html", context)


def _load_run(user: User, pk: int) -> ImportRun:
    return access_object(
        user, ImportRun, pk, Cap.MANAGE_WELFARE, queryset=ImportRun.objects.filter(kind=payments.IMPORT_KIND)
    )


@login_required
@require_GET
def payment_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = _load_run(request.user, pk)
    context = {
        "breadcrumbs": [home_crumb(), payments_crumb(), (_("导入结果"), None)],
        "run": run,
    }
    return render(request, "backoffice/notices/payment_run.html", context)


@login_required
@require_GET
def payment_run_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows (full ID numbers): audited like an export."""
    run = _load_run(request.user, pk)
    if not run.error_report:
        raise Http404
    try:
        data = imports.do_fetch_error_report(request.user, run)
    except (CryptoError, OSError) as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type=tabular.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"发放导入错误-{run.pk}.xlsx") or ""
    return response


@login_required
@require_GET
def payment_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if not has_capability(request.user, Cap.MANAGE_WELFARE):
        raise Http404
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content_type = tabular.XLSX_CONTENT_TYPE if fmt == "xlsx" else tabular.CSV_CONTENT_TYPE
    response = HttpResponse(payments.payments_template(fmt), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"救助金发放模板.{fmt}") or ""
    return response


@login_required
@require_http_methods(["GET", "POST"])
def payment_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, Cap.MANAGE_WELFARE):
        raise Http404
    form = forms_notices.PaymentAddForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payments.check_add_payment(
                user,
                data["area"],
                program=data["program"],
                month=data["month"],
                amount=data["amount"],
                payee_name=data["payee_name"],
                payee_id_number=data["payee_id_number"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("发放记录已登记。请对该月重新比对。"))
            return redirect(
                reverse("backoffice:notices_payments") + "?" + urlencode({"month": f"{data['month']:%Y-%m}"})
            )
    context = {
        "breadcrumbs": [home_crumb(), payments_crumb(), (_("登记发放记录"), None)],
        "form": form,
    }
    return render(request, "backoffice/notices/payment_add.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def payment_reconcile(request: HttpRequest) -> HttpResponse:
    """GET: the report of the last reconciliation of a community and month (anyone who reads welfare data).
    POST: reconcile again (staff), then show the report."""
    user = request.user
    require_welfare_reader(user)
    if request.method == "POST":
        form = forms_notices.ReconcileForm(request.POST, user=user, capability=Cap.MANAGE_WELFARE)
        if form.is_valid():
            area, month = form.cleaned_data["area"], form.cleaned_data["month"]
            ran = payments.check_reconcile(user, area, month)
            messages.success(
                request,
                _("比对完成：核对%(n)d笔，发现问题%(bad)d笔，新开复核核查%(opened)d件。")
                % {
                    "n": ran.checked,
                    "bad": ran.checked - ran.in_order,
                    "opened": ran.rechecks_opened,
                },
            )
            query = urlencode({"area": area.pk, "month": f"{month:%Y-%m}"})
            return redirect(reverse("backoffice:notices_reconcile") + "?" + query)
        if not has_capability(user, Cap.MANAGE_WELFARE):
            raise PermissionDenied(_("只有社区工作人员可以进行发放比对。"))
    else:
        form = forms_notices.ReconcileForm(request.GET or None, user=user, capability=Cap.VIEW_WELFARE)
    report: payments.ReconcileReport | None = None
    may_run = False
    if form.is_bound and form.is_valid():
        area = form.cleaned_data["area"]
        report = payments.stored_report(area, form.cleaned_data["month"])
        may_run = has_capability(user, Cap.MANAGE_WELFARE, area)
    elif not form.is_bound:
        form.initial = {"month": f"{timezone.localdate():%Y-%m}"}
    mismatches = []
    if report is not None:
        for code in payments.MISMATCHES:
            for payment in report.mismatches.get(code, []):
                mismatches.append((payment, payee_label(user, payment), payments.MISMATCH_LABELS[code]))
    missing = [
        (enrollment, person_label(user, enrollment.head.name, enrollment.area))
        for enrollment in (report.missing if report is not None else [])
    ]
    context = {
        "breadcrumbs": [home_crumb(), payments_crumb(), (_("比对报告"), None)],
        "form": form,
        "report": report,
        "counts": [(payments.MISMATCH_LABELS[code], n) for code, n in report.counts.items()]
        if report
        else [],
        "mismatches": mismatches,
        "missing": missing,
        "may_run": may_run,
    }
    return render(request, "backoffice/notices/reconcile.html", context)


@login_required
@require_GET
def enrollment_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """One household's payments and re-checks (audited)."""
    user = request.user
    enrollment = access_object(
        user,
        Enrollment,
        pk,
        Cap.VIEW_WELFARE,
        queryset=Enrollment.objects.select_related("area", "program", "head"),
    )
    rechecks.audit_view(user, enrollment, "payments")
    rows = list(enrollment.payments.select_related("area", "program").order_by("-month", "pk"))
    context = {
        "breadcrumbs": [home_crumb(), payments_crumb(), (_("救助对象发放记录"), None)],
        "enrollment": enrollment,
        "head_name": person_label(user, enrollment.head.name, enrollment.area),
        "rows": rows,
        "labels": payments.MISMATCH_LABELS,
        "rechecks": list(enrollment.rechecks.order_by("-created_at")),
    }
    return render(request, "backoffice/notices/enrollment_payments.html", context)


# --- re-checks -----------------------------------------------------------------------------------------------------


def recheck_subject(user: User, recheck: Recheck) -> str:
    if recheck.enrollment is not None:
        e = recheck.enrollment
        return f"{e.program.name} · {person_label(user, e.head.name, e.area)}"
    if recheck.application is not None:
        a = recheck.application
        return f"{a.program.name} · {person_label(user, a.applicant.name, a.area)}"
    return _("（未关联救助对象）")


RECHECK_RELATED = (
    "area",
    "enrollment__head",
    "enrollment__program",
    "enrollment__area",
    "application__applicant",
    "application__program",
    "application__area",
)


@login_required
@require_GET
def recheck_list(request: HttpRequest) -> HttpResponse:
    """The committee's queue: re-checks in the user's jurisdiction, pending first by default."""
    user = request.user
    require_welfare_reader(user)
    form = forms_notices.RecheckFilterForm(request.GET or None)
    rows = Recheck.objects.visible_to(user, Cap.VIEW_WELFARE).select_related(*RECHECK_RELATED)
    conclusion = form.cleaned_data["conclusion"] if form.is_valid() else ""
    if conclusion:
        rows = rows.filter(conclusion=conclusion)
    rows = (
        rows.order_by("concluded_at", "-created_at", "-pk")
        if not conclusion
        else rows.order_by("-created_at", "-pk")
    )
    page = uncounted_page(rows, settings.PAGE_SIZE, request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("复核核查"), None)],
        "filter_form": form,
        "page_obj": page,
        "rows": [(recheck, recheck_subject(user, recheck)) for recheck in page.object_list],
        "may_open": has_capability(user, Cap.SUPERVISE),
    }
    return render(request, "backoffice/notices/rechecks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recheck_open(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, Cap.SUPERVISE):
        raise Http404
    form = forms_notices.RecheckOpenForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            recheck = rechecks.do_open_recheck(
                user, enrollment=form.cleaned_data["enrollment"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已开始复核核查，请按清单逐项核查。"))
            return redirect("backoffice:notices_recheck", pk=recheck.pk)
    context = {
        "breadcrumbs": [home_crumb(), rechecks_crumb(), (_("发起复核核查"), None)],
        "form": form,
    }
    return render(request, "backoffice/notices/recheck_open.html", context)


def _load_recheck(user: User, pk: int) -> Recheck:
    return access_object(
        user, Recheck, pk, Cap.VIEW_WELFARE, queryset=Recheck.objects.select_related(*RECHECK_RELATED, "case")
    )


def recheck_context(
    request: HttpRequest,
    recheck: Recheck,
    *,
    checklist_form: forms_notices.ChecklistForm | None = None,
    conclusion_form: forms_notices.ConclusionForm | None = None,
    act_form: forms_notices.ActForm | None = None,
) -> dict[str, Any]:
    user = request.user
    pending = recheck.conclusion == Recheck.Conclusion.PENDING
    supervise = rechecks.may_supervise(user, recheck) and pending
    act = (
        recheck.enrollment is not None
        and recheck.conclusion in (Recheck.Conclusion.ADJUST, Recheck.Conclusion.INELIGIBLE)
        and not recheck.acted_on
        and has_capability(user, Cap.MANAGE_WELFARE, recheck.area)
    )
    form = checklist_form or (forms_notices.ChecklistForm(recheck=recheck) if supervise else None)
    rows = []
    for row in rechecks.checklist_rows(recheck):
        fields = []
        if form is not None and not row.origin:
            names = [f"{row.key}-result"]
            if row.key == "home_visit":
                names += ["home_visit-date", "home_visit-who", "home_visit-observations"]
            names.append(f"{row.key}-note")
            fields = [form[name] for name in names]
        rows.append((row, fields))
    return {
        "breadcrumbs": [home_crumb(), rechecks_crumb(), (_("复核核查 #%(pk)d") % {"pk": recheck.pk}, None)],
        "recheck": recheck,
        "subject": recheck_subject(user, recheck),
        "rows": rows,
        "sections": rechecks.SECTION_LABELS,
        "checklist_form": form,
        "conclusion_form": conclusion_form or (forms_notices.ConclusionForm() if supervise else None),
        "act_form": act_form or (forms_notices.ActForm(recheck=recheck) if act else None),
        "may_see_case": recheck.case is not None and has_capability(user, Cap.VIEW_CASES, recheck.case.area),
    }


RECHECK_TEMPLATE = "backoffice/notices/recheck.html"


@login_required
@require_GET
def recheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recheck = _load_recheck(request.user, pk)
    rechecks.audit_view(request.user, recheck, "recheck")
    return render(request, RECHECK_TEMPLATE, recheck_context(request, recheck))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    """A refusal as one error message per reason (`submit_form`'s default joins them into one)."""
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def recheck_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    recheck = _load_recheck(user, pk)
    if not rechecks.may_supervise(user, recheck):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以开展复核核查。"))
    form = forms_notices.ChecklistForm(request.POST, recheck=recheck)
    if form.is_valid():
        try:
            rechecks.do_save_checklist(user, recheck, form.answers())
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:notices_recheck", pk=recheck.pk)
            for key, errors in exc.error_dict.items():
                form.add_error(f"{key}-note" if f"{key}-note" in form.fields else None, errors)
        else:
            messages.success(request, _("核查清单已保存。"))
            return redirect("backoffice:notices_recheck", pk=recheck.pk)
    messages.error(request, _("未能保存核查清单，请按提示修改。"))
    return render(request, RECHECK_TEMPLATE, recheck_context(request, recheck, checklist_form=form))


@login_required
@require_POST
def recheck_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    recheck = _load_recheck(user, pk)
    if not rechecks.may_supervise(user, recheck):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以作出核查结论。"))
    form = forms_notices.ConclusionForm(request.POST)
    back = reverse("backoffice:notices_recheck", args=[recheck.pk])
    return submit_form(
        request,
        form,
        lambda data: rechecks.do_conclude_recheck(user, recheck, data["conclusion"], data["note"]),
        done=_("核查结论已记录，并已写入监委会台账。"),
        success_url=back,
        failed=_("未能记录结论，请按提示修改。"),
        rerender=lambda: render(
            request, RECHECK_TEMPLATE, recheck_context(request, recheck, conclusion_form=form)
        ),
        refused_url=back,
        refuse=_refused,
    )


@login_required
@require_POST
def recheck_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff act on the committee's conclusion (adjust or exit the enrolment) through the welfare actions."""
    from yangguang.core.actions import welfare

    user = request.user
    recheck = _load_recheck(user, pk)
    if not has_capability(user, Cap.MANAGE_WELFARE, recheck.area):
        raise PermissionDenied(_("只有社区工作人员可以据此处理救助对象。"))
    if recheck.enrollment is None:
        raise Http404
    enrollment = recheck.enrollment
    form = forms_notices.ActForm(request.POST, recheck=recheck)
    back = reverse("backoffice:notices_recheck", args=[recheck.pk])
    return submit_form(
        request,
        form,
        lambda data: welfare.apply_committee_finding(
            user,
            enrollment,
            recheck,
            household_size=data.get("household_size"),
            monthly_amount=data.get("monthly_amount"),
            note=data.get("note") or "",
        ),
        done=_("已根据监委会的核查结论处理该救助对象。"),
        success_url=back,
        failed=_("未能处理，请按提示修改。"),
        rerender=lambda: render(request, RECHECK_TEMPLATE, recheck_context(request, recheck, act_form=form)),
        refused_url=back,
        refuse=_refused,
    )
