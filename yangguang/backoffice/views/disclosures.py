"""Disclosures (公开事项) in the back office: the list, a disclosure's page with its public content, and
the three steps of its life: the committee signs a draft, staff publish what was signed, and withdraw a
published one with a reason.

Reading needs VIEW_SUPERVISION over the disclosure's community (404 otherwise). Signing is the
committee's (SUPERVISE); publishing and withdrawing are staff's (MANAGE_COMMITTEE or MANAGE_FINANCE):
others who can read the page get 403. The actions in `actions.ledger` check the same again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.forms_workspace import DisclosureFilterForm, WithdrawForm
from yangguang.backoffice.views.generic import home_crumb
from yangguang.backoffice.views.workspace import workspace_crumbs, workspace_url
from yangguang.core.actions import ledger, oversight
from yangguang.core.actions.access import access_object
from yangguang.core.models import Area, Disclosure
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/workspace/disclosure_detail.html"


def access_disclosure(user: User, pk: int) -> Disclosure:
    queryset = Disclosure.objects.select_related("area__parent", "created_by", "signed_by")
    return access_object(user, Disclosure, pk, Cap.VIEW_SUPERVISION, queryset=queryset)


@login_required
@require_GET
def disclosure_list(request: HttpRequest) -> HttpResponse:
    """Disclosures the user may read (one community with `?area=`), newest first, by status.
    Queries: roles, the community (when chosen), the page with its areas, the count."""
    user = request.user
    if not has_capability(user, Cap.VIEW_SUPERVISION):
        raise Http404
    community: Area | None = None
    rows = Disclosure.objects.visible_to(user, Cap.VIEW_SUPERVISION)
    if request.GET.get("area"):
        community = oversight.access_community(user, request.GET["area"])
        rows = rows.filter(area__path__startswith=community.path)
    form = DisclosureFilterForm(request.GET or None)
    status = form.valid_data().get("status")
    if status:
        rows = rows.filter(status=status)
    rows = rows.select_related("area").order_by("-created_at", "-id")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    title = _("公开事项")
    context = {
        "community": community,
        "form": form,
        "page_obj": page,
        "rows": [(d, oversight.disclosure_kind_label(d.kind)) for d in page.object_list],
        "breadcrumbs": workspace_crumbs(community, (title, None))
        if community
        else [home_crumb(), (title, None)],
    }
    return render(request, "backoffice/workspace/disclosures.html", context)


def detail_context(request: HttpRequest, disclosure: Disclosure, **extra: Any) -> dict[str, Any]:
    user = request.user
    area = disclosure.area
    status = disclosure.status
    may_manage = ledger.may_publish_disclosure(user, area)
    community = oversight.community_of(area)
    return {
        "disclosure": disclosure,
        "kind_label": oversight.disclosure_kind_label(disclosure.kind),
        "blocks": oversight.payload_blocks(disclosure.payload),
        "may_sign": status == Disclosure.Status.DRAFT and has_capability(user, Cap.SUPERVISE, area),
        "may_publish": status == Disclosure.Status.SIGNED and may_manage,
        "withdraw_form": (extra.get("withdraw_form") or WithdrawForm())
        if status == Disclosure.Status.PUBLISHED and may_manage
        else None,
        "portal_url": reverse("portal:disclosure_detail", args=[disclosure.pk])
        if status == Disclosure.Status.PUBLISHED
        else None,
        "breadcrumbs": workspace_crumbs(
            community,
            (_("公开事项"), workspace_url("disclosure_list", community)),
            (disclosure.title, None),
        ),
    }


@login_required
@require_GET
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = access_disclosure(request.user, pk)
    return render(request, DETAIL_TEMPLATE, detail_context(request, disclosure))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@login_required
@require_POST
def disclosure_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee signs a draft (its content is frozen from then on)."""
    user = request.user
    disclosure = access_disclosure(user, pk)
    if not has_capability(user, Cap.SUPERVISE, disclosure.area):
        raise PermissionDenied(_("公开事项须由本社区居务监督委员会审核签字。"))
    try:
        ledger.do_sign_disclosure(user, disclosure)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已审核签字，工作人员可以公开了。"))
    return redirect("backoffice:disclosure_detail", pk=disclosure.pk)


@login_required
@require_POST
def disclosure_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff publish a signed disclosure on the portal; an unsigned one is refused with a message."""
    user = request.user
    disclosure = access_disclosure(user, pk)
    if not ledger.may_publish_disclosure(user, disclosure.area):
        raise PermissionDenied(_("只有本社区工作人员可以公开或撤回公开事项。"))
    try:
        ledger.do_publish_disclosure(user, disclosure)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已在居民服务网站公开。"))
    return redirect("backoffice:disclosure_detail", pk=disclosure.pk)


@login_required
@require_POST
def disclosure_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff withdraw a published disclosure, with a reason (kept in the audit trail)."""
    user = request.user
    disclosure = access_disclosure(user, pk)
    if not ledger.may_publish_disclosure(user, disclosure.area):
        raise PermissionDenied(_("只有本社区工作人员可以公开或撤回公开事项。"))
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            ledger.do_withdraw_disclosure(user, disclosure, form.cleaned_data["reason"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("backoffice:disclosure_detail", pk=disclosure.pk)
            attach_errors(form, exc)
        else:
            messages.success(request, _("已撤回，居民服务网站不再显示。"))
            return redirect("backoffice:disclosure_detail", pk=disclosure.pk)
    messages.error(request, _("未能撤回，请按提示修改。"))
    disclosure.refresh_from_db()
    return render(request, DETAIL_TEMPLATE, detail_context(request, disclosure, withdraw_form=form))
