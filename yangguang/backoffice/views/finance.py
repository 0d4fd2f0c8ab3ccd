"""Finance vouchers in the back office (报账审核): the list, the submit form, the voucher page with its
receipts, history and the step forms the user may use, and the monthly finance disclosure.

Who sees a voucher: `Voucher.objects.visible_to(user, VIEW_SUPERVISION)` for lists, `access_object(...,
VIEW_SUPERVISION)` for a page (404 for everyone else). Which steps a user may take is the transition table
intersected with `vouchers.check_step_permission`; the page offers exactly those and the POST view checks
both again (403 for a step the user may not take). Voiding (作废) goes through the same POST view but is
offered apart from the chain's steps, in its own section (`vouchers.may_void`). Every change goes through
`yangguang.core.actions.vouchers`.
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
from django.db.models import Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yangguang.backoffice import forms_finance
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import ledger, vouchers
from yangguang.core.actions.access import access_object
from yangguang.core.models import Voucher
from yangguang.core.models.supervision import VOUCHER_TRANSITIONS, VoucherStatus
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/finance/voucher_detail.html"
# Receipts shown in the browser; other types (Word, Excel) are downloaded.
INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def yuan(amount: Decimal | None) -> str:
    """An amount as the pages show it: "¥1,200.50" (grouped the same way whatever the language)."""
    return f"¥{(amount or Decimal(0)):,.2f}"


def vouchers_crumb() -> Crumb:
    return _("报账审核"), reverse("backoffice:finance_voucher_list")


def require_viewer(user: User) -> None:
    """404 for users who see no supervision data at all."""
    if not has_capability(user, Cap.VIEW_SUPERVISION):
        raise Http404


def require_finance_anywhere(user: User) -> None:
    require_viewer(user)
    if not has_capability(user, Cap.MANAGE_FINANCE):
        raise PermissionDenied(_("您可以查看报账凭证，但没有办理报账的权限。"))


def access_voucher(user: User, pk: object) -> Voucher:
    queryset = Voucher.objects.select_related(
        "area", "power_item", "submitted_by", "reviewed_by", "cosigned_by", "posted_by"
    )
    return access_object(user, Voucher, pk, Cap.VIEW_SUPERVISION, queryset=queryset)


# --- the list --------------------------------------------------------------------------------------------


@login_required
def voucher_list(request: HttpRequest) -> HttpResponse:
    """Vouchers the user may see, newest first, filtered by status, month and number/payee. Queries: roles,
    the filtered total, the page count and the page's rows with their communities; with the disclosure form
    (finance staff), its communities."""
    user = request.user
    require_viewer(user)
    filter_form = forms_finance.VoucherFilterForm(request.GET or None)
    rows = filter_form.apply(Voucher.objects.visible_to(user, Cap.VIEW_SUPERVISION))
    # A voided voucher was never paid: listed, but not in the total.
    total = rows.aggregate(total=Sum("amount", filter=~Q(status=VoucherStatus.VOID)))["total"]
    page = Paginator(rows.select_related("area").order_by("-spent_on", "-pk"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    may_submit = has_capability(user, Cap.MANAGE_FINANCE)
    context = {
        "breadcrumbs": [home_crumb(), (_("报账审核"), None)],
        "filter_form": filter_form,
        "filtered": bool(request.GET.get("q") or request.GET.get("status") or request.GET.get("month")),
        "page_obj": page,
        "rows": [(voucher, yuan(voucher.amount)) for voucher in page.object_list],
        "total": yuan(total),
        "may_submit": may_submit,
        "disclose_form": forms_finance.DisclosureForm(user=user) if may_submit else None,
    }
    return render(request, "backoffice/finance/voucher_list.html", context)


# --- submitting ------------------------------------------------------------------------------------------


@login_required
def voucher_submit(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_finance_anywhere(user)
    form = forms_finance.VoucherForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            voucher = vouchers.check_submit_voucher(user, form.voucher_input(form.cleaned_data["area"]))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("凭证 %(number)s 已提交，等待居务监督委员会审核。") % {"number": voucher.number}
            )
            for warning in vouchers.voucher_warnings(voucher):
                messages.warning(request, warning)
            return redirect("backoffice:finance_voucher_detail", pk=voucher.pk)
    context = {
        "form": form,
        "breadcrumbs": [home_crumb(), vouchers_crumb(), (_("提交报账凭证"), None)],
    }
    return render(request, "backoffice/finance/voucher_form.html", context)


# --- the voucher page ------------------------------------------------------------------------------------


def step_form(user: User, voucher: Voucher, step: str, data: Any = None, files: Any = None) -> forms.Form:
    if step == "resubmit":
        return forms_finance.ResubmitForm(data, files, user=user, voucher=voucher)
    return forms_finance.StepForm(data, step=step)


def voucher_context(
    request: HttpRequest, voucher: Voucher, *, bound: forms.Form | None = None, bound_step: str = ""
) -> dict[str, Any]:
    user = request.user
    steps = vouchers.permitted_steps(user, voucher)
    step_forms = [
        (
            step,
            vouchers.step_label(step),
            bound if bound is not None and step == bound_step else step_form(user, voucher, step),
        )
        for step in steps
    ]
    history = [
        {
            **entry,
            "label": vouchers.step_label(str(entry.get("step", ""))),
            "at": parse_datetime(str(entry.get("at", ""))),
        }
        for entry in voucher.history
    ]
    void_form = None
    if vouchers.may_void(user, voucher):
        void_form = (
            bound if bound is not None and bound_step == vouchers.VOID else step_form(user, voucher, "void")
        )
    return {
        "voucher": voucher,
        "amount": yuan(voucher.amount),
        "breadcrumbs": [home_crumb(), vouchers_crumb(), (voucher.number, None)],
        "receipts": list(ledger.evidence_for(voucher).order_by("uploaded_at", "pk")),
        "history": history,
        "warnings": vouchers.voucher_warnings(voucher),
        "step_forms": step_forms,
        "void_form": void_form,
        "waiting_for": waiting_for(voucher),
    }


def waiting_for(voucher: Voucher) -> str:
    """Whose turn it is, in words, so nobody wonders why there is no button for them."""
    return {
        "submitted": _("等待居务监督委员会审核签字。"),
        "reviewed": _("等待另一名工作人员（经办人以外）会签。"),
        "cosigned": _("等待入账。"),
        "rejected": _("已退回，等待经办人更正后重新提交。"),
        "posted": _("已入账，流程结束。"),
        "void": _("已作废，流程结束：不能再修改或继续办理。"),
    }.get(voucher.status, "")


@login_required
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = access_voucher(request.user, pk)
    return render(request, DETAIL_TEMPLATE, voucher_context(request, voucher))


@login_required
@require_POST
def voucher_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the chain: 404 for outsiders and unknown steps, 403 for those who may not take it, a
    message when the voucher has moved on, errors beside the fields otherwise."""
    if step not in VOUCHER_TRANSITIONS:
        raise Http404
    user = request.user
    voucher = access_voucher(user, pk)
    vouchers.check_step_permission(user, voucher, step)
    if step not in vouchers.allowed_steps(voucher):
        messages.error(
            request,
            _("凭证当前状态为“%(status)s”，不能执行该操作。") % {"status": voucher.get_status_display()},
        )
        return redirect("backoffice:finance_voucher_detail", pk=voucher.pk)
    form = step_form(user, voucher, step, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        corrections = (
            form.voucher_input(voucher.area) if isinstance(form, forms_finance.ResubmitForm) else None
        )
        try:
            vouchers.do_voucher_transition(user, voucher, step, data.get("note", ""), corrections=corrections)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, "；".join(exc.messages))
                return redirect("backoffice:finance_voucher_detail", pk=voucher.pk)
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("已完成“%(step)s”：凭证 %(number)s 现为“%(status)s”。")
                % {
                    "step": vouchers.step_label(step),
                    "number": voucher.number,
                    "status": voucher.get_status_display(),
                },
            )
            return redirect("backoffice:finance_voucher_detail", pk=voucher.pk)
    messages.error(request, _("未能提交“%(step)s”，请按提示修改。") % {"step": vouchers.step_label(step)})
    voucher = access_voucher(user, pk)
    return render(request, DETAIL_TEMPLATE, voucher_context(request, voucher, bound=form, bound_step=step))


@login_required
def voucher_receipt(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """A receipt of a voucher, for those who may see the voucher. Its type was recognised from its first
    bytes at upload; images and PDFs are shown inline, office files downloaded."""
    voucher = access_voucher(request.user, pk)
    evidence = ledger.evidence_for(voucher).filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    inline = evidence.content_type in INLINE_TYPES
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=not inline,
        filename=evidence.name,
    )
    if inline:
        response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the monthly disclosure ------------------------------------------------------------------------------


@login_required
@require_POST
def finance_disclose(request: HttpRequest) -> HttpResponse:
    """Draft the monthly finance disclosure of a community; the committee then signs it."""
    user = request.user
    require_finance_anywhere(user)
    form = forms_finance.DisclosureForm(request.POST, user=user)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("未能生成财务公开：%(errors)s") % {"errors": "；".join(errors)})
        return redirect("backoffice:finance_voucher_list")
    area = form.cleaned_data["area"]
    year, month = form.cleaned_data["month"]
    try:
        disclosure = vouchers.check_create_finance_disclosure(user, area, year, month)
    except ValidationError as exc:
        messages.error(request, _("未能生成财务公开：%(errors)s") % {"errors": "；".join(exc.messages)})
    else:
        messages.success(
            request,
            _("已生成“%(title)s”草稿（%(n)d 张凭证），须经居务监督委员会审核签字后才能公开。")
            % {"title": disclosure.title, "n": disclosure.payload["totals"]["count"]},
        )
    return redirect("backoffice:finance_voucher_list")
