"""Public notices (公示) in the back office: the list, building a notice from reviewed applications, its page
(entries, objections and their resolution, publish, withdraw, outcome), the printable A4 poster with the QR
code of its portal page, and the list of objections.

Who sees a notice: `PublicNotice.objects.visible_to(user, VIEW_WELFARE)`; a notice page is loaded only
through `access_object` (404 for outsiders). Changes need MANAGE_WELFARE at the notice's community, checked
again by the actions. Objectors are shown only to holders of SEE_CONFIDENTIAL (intake office, committee).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yangguang.backoffice import forms_notices
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import notices
from yangguang.core.actions.access import access_object
from yangguang.core.models import Area, Objection, Program, PublicNotice
from yangguang.core.paging import uncounted_page
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/notices/detail.html"


def notices_crumb() -> Crumb:
    return _("公示"), reverse("backoffice:notices_list")


def require_welfare_reader(user: User) -> None:
    if not has_capability(user, Cap.VIEW_WELFARE):
        raise Http404


def may_manage(user: User, notice: PublicNotice) -> bool:
    return has_capability(user, Cap.MANAGE_WELFARE, notice.area)


def portal_url(request: HttpRequest, notice: PublicNotice) -> str:
    return request.build_absolute_uri(reverse("portal:notice", args=[notice.public_code]))


# --- the list ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """Notices in the user's jurisdiction, newest first. Queries: roles, the page's rows with their
    counts — the same number whatever the page holds."""
    user = request.user
    require_welfare_reader(user)
    form = forms_notices.NoticeFilterForm(request.GET or None)
    rows = (
        PublicNotice.objects.visible_to(user, Cap.VIEW_WELFARE)
        .select_related("area", "program")
        .annotate(
            entry_count=Count("entries", distinct=True),
            objection_count=Count("objections", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )
    if form.is_valid() and form.cleaned_data["status"]:
        rows = rows.filter(status=form.cleaned_data["status"])
    page = uncounted_page(rows, settings.PAGE_SIZE, request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("公示"), None)],
        "filter_form": form,
        "page_obj": page,
        "rows": page.object_list,
        "today": timezone.localdate(),
        "may_create": has_capability(user, Cap.MANAGE_WELFARE),
    }
    return render(request, "backoffice/notices/list.html", context)


# --- creating ----------------------------------------------------------------------------------------------------


def _application_choices(area: Area, program: Program) -> list[tuple[str, str]]:
    choices = []
    for app in notices.noticeable_applications(area, program):
        amount = f"{app.monthly_amount:.2f}" if app.monthly_amount is not None else "—"
        label = _("%(number)s · %(name)s · %(size)d人 · 月救助金%(amount)s元") % {
            "number": app.number,
            "name": mask_name(app.applicant.name),
            "size": notices.counted_size(app),
            "amount": amount,
        }
        choices.append((str(app.pk), label))
    return choices


@login_required
def notice_create(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET): community and program; step 2: tick the reviewed applications, give a title (POST)."""
    user = request.user
    if not has_capability(user, Cap.MANAGE_WELFARE):
        raise Http404
    start = forms_notices.NoticeStartForm(request.GET or None, user=user)
    form: forms_notices.NoticeCreateForm | None = None
    if start.is_bound and start.is_valid():
        area, program = start.cleaned_data["area"], start.cleaned_data["program"]
        choices = _application_choices(area, program)
        form = forms_notices.NoticeCreateForm(
            request.POST if request.method == "POST" else None, choices=choices
        )
        if request.method == "POST" and form.is_valid():
            picked = notices.noticeable_applications(area, program).filter(
                pk__in=[int(pk) for pk in form.cleaned_data["applications"]]
            )
            try:
                notice = notices.check_create_notice(
                    user, area, program, list(picked), title=form.cleaned_data["title"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("公示草稿已生成，请核对后发布。"))
                return redirect("backoffice:notices_detail", pk=notice.pk)
    elif request.method == "POST":
        raise Http404
    context = {
        "breadcrumbs": [home_crumb(), notices_crumb(), (_("新建公示"), None)],
        "start": start,
        "form": form,
    }
    return render(request, "backoffice/notices/create.html", context)


# --- a notice ----------------------------------------------------------------------------------------------------


def _load(user: User, pk: int) -> PublicNotice:
    return access_object(
        user,
        PublicNotice,
        pk,
        Cap.VIEW_WELFARE,
        queryset=PublicNotice.objects.select_related("area__parent", "program", "created_by"),
    )


def notice_context(
    request: HttpRequest,
    notice: PublicNotice,
    *,
    withdraw_form: forms_notices.WithdrawForm | None = None,
    resolve_form: tuple[int, forms_notices.ResolveForm] | None = None,
) -> dict[str, Any]:
    user = request.user
    manage = may_manage(user, notice)
    see_objectors = has_capability(user, Cap.SEE_CONFIDENTIAL, notice.area)
    objections = []
    pending_whole = 0
    for objection in notices.objections_for(notice):
        if objection.entry_id is None and objection.resolution == Objection.Resolution.PENDING:
            pending_whole += 1
        form = None
        if manage and objection.resolution == Objection.Resolution.PENDING:
            if resolve_form is not None and resolve_form[0] == objection.pk:
                form = resolve_form[1]
            else:
                form = forms_notices.ResolveForm(prefix=f"o{objection.pk}")
        objections.append({"objection": objection, "form": form})
    return {
        "breadcrumbs": [home_crumb(), notices_crumb(), (notice.title, None)],
        "notice": notice,
        "entries": list(notice.entries.all()),
        "objections": objections,
        # Each objection to the whole notice holds up every application on it until it is answered.
        "pending_whole": pending_whole,
        "see_objectors": see_objectors,
        "manage": manage,
        "visible_now": notices.publicly_visible(notice, timezone.localdate()),
        "portal_url": portal_url(request, notice),
        "withdraw_form": withdraw_form or forms_notices.WithdrawForm(),
        "may_publish": manage and notice.status == PublicNotice.Status.DRAFT,
        "may_withdraw": manage
        and notice.status in (PublicNotice.Status.DRAFT, PublicNotice.Status.PUBLISHED),
    }


@login_required
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _load(request.user, pk)
    return render(request, DETAIL_TEMPLATE, notice_context(request, notice))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _load(request.user, pk)
    try:
        notices.do_publish_notice(request.user, notice)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("已发布，公示期 %(start)s 至 %(end)s。") % {"start": notice.starts_on, "end": notice.ends_on},
        )
    return redirect("backoffice:notices_detail", pk=notice.pk)


@login_required
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _load(request.user, pk)
    form = forms_notices.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            notices.do_withdraw_notice(request.user, notice, form.cleaned_data["reason"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                attach_errors(form, exc)
            else:
                _refused(request, exc)
                return redirect("backoffice:notices_detail", pk=notice.pk)
        else:
            messages.success(request, _("公示已撤回。"))
            return redirect("backoffice:notices_detail", pk=notice.pk)
    messages.error(request, _("未能撤回，请按提示修改。"))
    return render(request, DETAIL_TEMPLATE, notice_context(request, notice, withdraw_form=form))


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the re-check's result of one objection (staff of the notice's community)."""
    user = request.user
    objection = _load_objection(user, pk)
    notice = objection.notice
    form = forms_notices.ResolveForm(request.POST, request.FILES, prefix=f"o{objection.pk}")
    if form.is_valid():
        evidence = [form.cleaned_data["evidence"]] if form.cleaned_data.get("evidence") else []
        try:
            notices.do_resolve_objection(
                user, objection, form.cleaned_data["upheld"], form.cleaned_data["note"], evidence=evidence
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                attach_errors(form, exc)
            else:
                _refused(request, exc)
                return redirect("backoffice:notices_detail", pk=notice.pk)
        else:
            messages.success(request, _("异议处理结果已记录，并已答复居民。"))
            return redirect("backoffice:notices_detail", pk=notice.pk)
    messages.error(request, _("未能记录处理结果，请按提示修改。"))
    return render(
        request, DETAIL_TEMPLATE, notice_context(request, notice, resolve_form=(objection.pk, form))
    )


def _load_objection(user: User, pk: int) -> Objection:
    """An objection, if the user sees its notice (objections have no area of their own)."""
    objection = (
        Objection.objects.select_related("notice__area__parent", "notice__program", "entry", "case")
        .filter(pk=pk)
        .first()
    )
    if objection is None or not has_capability(user, Cap.VIEW_WELFARE, objection.notice.area):
        raise Http404
    return objection


# --- the poster ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def notice_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as one printable A4 page: the entries, the period, how to object, and a QR code of
    its portal page (for the notice board of the community)."""
    notice = _load(request.user, pk)
    if notice.status != PublicNotice.Status.PUBLISHED:
        messages.error(request, _("只有公示中的公示可以打印海报。"))
        return redirect("backoffice:notices_detail", pk=notice.pk)
    from yangguang.portal.views.posters import qr_for

    url = portal_url(request, notice)
    context = {
        "notice": notice,
        "entries": list(notice.entries.all()),
        "url": url,
        "qr_svg": qr_for(url).svg_inline(scale=4, border=2, title=_("公示页面二维码")),
        "back_url": reverse("backoffice:notices_detail", args=[notice.pk]),
    }
    return render(request, "backoffice/notices/poster.html", context)


# --- objections ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def objection_list(request: HttpRequest) -> HttpResponse:
    """Objections to the notices of the user's jurisdiction, newest first, with their status."""
    user = request.user
    require_welfare_reader(user)
    form = forms_notices.ObjectionFilterForm(request.GET or None)
    paths = jurisdiction_paths(user, Cap.VIEW_WELFARE)
    rows = (
        Objection.objects.filter(notice__in=PublicNotice.objects.in_areas(paths).values("pk"))
        .select_related("notice__area", "entry", "case")
        .order_by("-created_at", "-pk")
    )
    if form.is_valid() and form.cleaned_data["resolution"]:
        rows = rows.filter(resolution=form.cleaned_data["resolution"])
    page = uncounted_page(rows, settings.PAGE_SIZE, request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), notices_crumb(), (_("公示异议"), None)],
        "filter_form": form,
        "page_obj": page,
        "rows": page.object_list,
    }
    return render(request, "backoffice/notices/objections.html", context)
