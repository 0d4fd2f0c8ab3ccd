"""The supervision committee's workspace (监委会工作台), its ledger (台账) and opinions (监督意见), and the
street's and district's oversight view (监督总览).

Who may open what:

- workspace, ledger, opinions: VIEW_SUPERVISION over the community named by `?area=` (committee members,
  staff, street and district); anyone else gets 404. A user with one community needs no `?area=`.
- adding a ledger line or an opinion: SUPERVISE (committee members of that community only); staff and
  oversight roles who can read the page get 403. The actions check it again.
- oversight: OVERSEE somewhere (street and district), else 404.

Ledger lines and opinions are append-only: there is no view to change or delete either.
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
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.forms_cases import OPEN_CHOICE
from yangguang.backoffice.forms_workspace import (
    LedgerExportForm,
    LedgerFilterForm,
    LedgerLineForm,
    OpinionForm,
    PeriodForm,
)
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import ledger, ledger_export, oversight
from yangguang.core.models import Area, Opinion
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


# --- the community a page is about -----------------------------------------------------------------------


def chosen_community(request: HttpRequest) -> Area | None:
    """The community named by `?area=` (404 outside the user's reach), or the user's only community;
    None when the user reaches several and has not chosen (the page then offers the choice). 404 for
    users who read no supervision records at all."""
    user = request.user
    if not has_capability(user, Cap.VIEW_SUPERVISION):
        raise Http404
    if request.GET.get("area"):
        return oversight.access_community(user, request.GET["area"])
    reach = list(oversight.communities_in_reach(user)[:2])
    if len(reach) == 1:
        return reach[0]
    if not reach:
        raise Http404
    return None


def choose(request: HttpRequest, title: str) -> HttpResponse:
    """The list of the user's communities, each linking to the same page for that community."""
    page = Paginator(oversight.communities_in_reach(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "title": title,
        "page_obj": page,
        "breadcrumbs": [home_crumb(), (title, None)],
        "may_oversee": has_capability(request.user, Cap.OVERSEE),
    }
    return render(request, "backoffice/workspace/choose.html", context)


def workspace_url(name: str, community: Area, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"area": str(community.pk), **params}.items())
    return f"{reverse(f'backoffice:{name}')}?{query}"


def workspace_crumbs(community: Area, *rest: Crumb) -> list[Crumb]:
    return [
        home_crumb(),
        (_("%(name)s监委会工作台") % {"name": community.name}, workspace_url("workspace", community)),
        *rest,
    ]


# --- the workspace ---------------------------------------------------------------------------------------


def workspace_links(user: User, community: Area) -> list[tuple[str, str]]:
    """The other pages a member reads from the workspace, each only when the user may open it."""
    links: list[tuple[str, str]] = []
    if has_capability(user, Cap.VIEW_CASES, community):
        links.append((_("诉求办理"), case_queue_url(community, "all")))
    if has_capability(user, Cap.VIEW_REGISTRY, community):
        links.append((_("居民（脱敏）"), f"{reverse('backoffice:person_list')}?area={community.pk}"))
        links.append((_("户"), f"{reverse('backoffice:household_list')}?area={community.pk}"))
    urls = drill_down(community)
    links.append((_("监委会与选举"), urls["committee"]))
    links.append((_("监督检查"), urls["inspections"]))
    links.append((_("整改通知"), f"{reverse('backoffice:insp_rect_list')}?area={community.pk}"))
    links.append((_("报账凭证"), reverse("backoffice:finance_voucher_list")))
    links.append((_("履职评价"), urls["evaluations"]))
    links.append((_("工作台账"), workspace_url("workspace_ledger", community)))
    links.append((_("监督意见"), workspace_url("workspace_opinions", community)))
    links.append((_("公开事项"), workspace_url("disclosure_list", community)))
    return links


def case_queue_url(community: Area, tab: str, **filters: str) -> str:
    query = "".join(f"&{name}={value}" for name, value in filters.items())
    return f"{reverse('backoffice:case_queue')}?tab={tab}&area={community.pk}{query}"


def drill_down(community: Area) -> dict[str, str]:
    """The filtered lists behind the figures of one community (the other supervision parts' pages).

    Each case link lists exactly the cases its figure counts (`oversight.workspace_figures`): the case
    queue's area filter is the same "inside the community" as the count's, 已超期 is the same rule, and
    status "open" (未办结) the same open statuses. The confidential filter exists only for users who see
    confidential reporters there; the workspace links that figure for them only."""
    pk = community.pk
    return {
        "overdue_cases": case_queue_url(community, "overdue"),
        "open_cases": case_queue_url(community, "all", status=OPEN_CHOICE),
        "confidential_cases": case_queue_url(community, "all", status=OPEN_CHOICE, confidential="1"),
        "inspections": f"{reverse('backoffice:insp_list')}?area={pk}",
        "inspections_planned": f"{reverse('backoffice:insp_list')}?area={pk}&status=planned",
        "inspections_in_progress": f"{reverse('backoffice:insp_list')}?area={pk}&status=in_progress",
        "inspections_held": f"{reverse('backoffice:insp_list')}?area={pk}&status=completed",
        "rectifications_open": f"{reverse('backoffice:insp_rect_list')}?area={pk}&show=open",
        "rectifications_overdue": f"{reverse('backoffice:insp_rect_list')}?area={pk}&show=overdue",
        "vouchers_to_review": f"{reverse('backoffice:finance_voucher_list')}?status=submitted",
        "committee": reverse("backoffice:committee_area", args=[pk]),
        "evaluations": reverse("backoffice:finance_evaluation_list"),
    }


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """监委会工作台: what is waiting in the community, recent opinions and ledger lines, and links."""
    community = chosen_community(request)
    if community is None:
        return choose(request, _("监委会工作台"))
    user = request.user
    figures = oversight.workspace_figures(
        community, see_unannounced=oversight.may_see_unannounced(user, community)
    )
    context: dict[str, Any] = {
        "community": community,
        "figures": figures,
        "see_cases": has_capability(user, Cap.VIEW_CASES, community),
        # The queue filters confidential cases only for those who may see them (`can_see_reporter`).
        "see_confidential": has_capability(user, Cap.SEE_CONFIDENTIAL, community),
        "urls": drill_down(community),
        "drafts_url": workspace_url("disclosure_list", community, status="draft"),
        "ledger_url": workspace_url("workspace_ledger", community),
        "opinions_url": workspace_url("workspace_opinions", community),
        "links": workspace_links(user, community),
        "may_supervise": has_capability(user, Cap.SUPERVISE, community),
        "may_oversee": has_capability(user, Cap.OVERSEE),
        "breadcrumbs": [home_crumb(), (_("%(name)s监委会工作台") % {"name": community.name}, None)],
    }
    return render(request, "backoffice/workspace/home.html", context)


# --- the ledger ------------------------------------------------------------------------------------------


def ledger_context(
    request: HttpRequest,
    community: Area,
    *,
    line_form: LedgerLineForm | None = None,
    export_form: LedgerExportForm | None = None,
) -> dict[str, Any]:
    user = request.user
    filter_form = LedgerFilterForm(request.GET if request.method == "GET" else None)
    data = filter_form.valid_data()
    lines = ledger_export.ledger_lines(
        community, kind=data.get("kind", ""), since=data.get("since"), until=data.get("until")
    )
    page = Paginator(lines, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    may_supervise = has_capability(user, Cap.SUPERVISE, community)
    return {
        "community": community,
        "filter_form": filter_form,
        "page_obj": page,
        "line_form": (line_form or LedgerLineForm()) if may_supervise else None,
        "export_form": export_form
        or LedgerExportForm(initial={"since": today.replace(month=1, day=1), "until": today, "fmt": "xlsx"}),
        "breadcrumbs": workspace_crumbs(community, (_("工作台账"), None)),
    }


@login_required
def ledger_view(request: HttpRequest) -> HttpResponse:
    """The ledger: its lines (filter by kind and dates, paginated) and, for members, the form to add one.
    Queries: roles, the community, the page's lines with their recorders, the count."""
    community = chosen_community(request)
    if community is None:
        return choose(request, _("工作台账"))
    if request.method != "POST":
        return render(request, "backoffice/workspace/ledger.html", ledger_context(request, community))
    if not has_capability(request.user, Cap.SUPERVISE, community):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以记录台账。"))
    form = LedgerLineForm(request.POST)
    if form.is_valid():
        try:
            ledger_export.check_add_line(request.user, community, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已记入台账。"))
            return redirect(workspace_url("workspace_ledger", community))
    messages.error(request, _("未能记入台账，请按提示修改。"))
    return render(
        request, "backoffice/workspace/ledger.html", ledger_context(request, community, line_form=form)
    )


@login_required
@require_GET
def ledger_download(request: HttpRequest) -> HttpResponse:
    """`?area=…&since=…&until=…&fmt=xlsx|docx`: the period's ledger as a file (audited)."""
    community = chosen_community(request)
    if community is None:
        raise Http404
    form = LedgerExportForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = ledger_export.export_ledger(
                request.user, community, data["fmt"], data["since"], data["until"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            response = HttpResponse(result.data, content_type=result.content_type)
            response["Content-Disposition"] = (
                content_disposition_header(True, result.filename) or "attachment"
            )
            response["Cache-Control"] = "no-store"
            return response
    messages.error(request, _("未能导出台账，请按提示修改。"))
    return render(
        request, "backoffice/workspace/ledger.html", ledger_context(request, community, export_form=form)
    )


# --- opinions --------------------------------------------------------------------------------------------


@login_required
@require_GET
def opinions(request: HttpRequest) -> HttpResponse:
    """Every opinion the committee wrote in the community, newest first, linked to its record where
    the record has a page."""
    community = chosen_community(request)
    if community is None:
        return choose(request, _("监督意见"))
    rows = Opinion.objects.filter(area__path__startswith=community.path).select_related("author")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "community": community,
        "page_obj": page,
        "rows": [(opinion, record_url(opinion.target_type, opinion.target_id)) for opinion in page],
        "breadcrumbs": workspace_crumbs(community, (_("监督意见"), None)),
    }
    return render(request, "backoffice/workspace/opinions.html", context)


# The record pages an opinion links back to (target_type → URL name taking the record's pk).
RECORD_PAGES = {
    "case": "backoffice:case_detail",
    "person": "backoffice:person_detail",
    "household": "backoffice:household_detail",
    "disclosure": "backoffice:disclosure_detail",
}


def record_url(target_type: str, target_id: str) -> str | None:
    name = RECORD_PAGES.get(target_type)
    if name is None or not target_id.isdigit():
        return None
    return reverse(name, args=[int(target_id)])


@login_required
@require_POST
def opinion_add(request: HttpRequest, target_type: str, pk: int) -> HttpResponse:
    """Add the committee's opinion to a record: 404 unless the user may read the record, 403 unless
    they are on its community's committee. Back to the page the form was on."""
    user = request.user
    record = oversight.access_target(user, target_type, pk)
    area = oversight.target_area(record)
    if area is None:  # pragma: no cover - access_target refuses such records
        raise Http404
    community = oversight.community_of(area)
    if not has_capability(user, Cap.SUPERVISE, community):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以提出监督意见。"))
    form = OpinionForm(request.POST)
    back = form.data.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        try:
            ledger.do_add_opinion(user, community, record, form.cleaned_data["body"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已提出监督意见，并记入台账。"))
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(back or workspace_url("workspace_opinions", community))


# --- oversight -------------------------------------------------------------------------------------------


@login_required
@require_GET
def oversight_view(request: HttpRequest) -> HttpResponse:
    """监督总览: the communities of the user's jurisdiction side by side for a period (this year unless
    chosen). A fixed number of queries whatever the number of communities."""
    user = request.user
    if not has_capability(user, Cap.OVERSEE):
        raise Http404
    form = PeriodForm(request.GET or None)
    period = form.period(timezone.localdate())
    rows = oversight.community_figures(user, period)
    context = {
        "form": form,
        "period": period,
        "rows": [(row, drill_down(row.community)) for row in rows],
        "term_due_days": oversight.TERM_DUE_DAYS,
        "breadcrumbs": [home_crumb(), (_("监督总览"), None)],
    }
    return render(request, "backoffice/workspace/oversight.html", context)
