"""The power list (小微权力清单), the supervision list (监督清单) and uses of a power (权力运行) in the back
office.

Who sees what:

- every page needs VIEW_SUPERVISION somewhere (404 otherwise);
- an item is loaded only through `catalogue.access_item` (404 for outsiders: a community's own list is read
  by those with VIEW_SUPERVISION there, a district's by those who work in the district, the platform's by
  everyone with VIEW_SUPERVISION); changing it needs `catalogue.may_edit_item` (403 for readers);
- a use of a power is loaded through `access_object(…, VIEW_SUPERVISION)`; recording and correcting need
  MANAGE_FINANCE at its community, re-checking MANAGE_FINANCE or SUPERVISE (403 for other readers).

Every change goes through `yangguang.core.actions.catalogue`, which checks the permission again and writes
the audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from yangguang.backoffice import forms_catalogue
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import catalogue, ledger
from yangguang.core.actions.access import access_object
from yangguang.core.models import Area, AreaKind, Domain, Evidence, PowerItem, PowerUse, SupervisionItem
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser

VIEW = Cap.VIEW_SUPERVISION
TITLES: dict[str, StrOrPromise] = {
    "power": gettext_lazy("小微权力清单"),
    "supervision": gettext_lazy("监督清单"),
}
# Domains in the order of the standard, not alphabetically by their stored value.
DOMAIN_ORDER = Case(
    *[When(domain=value, then=Value(index)) for index, value in enumerate(Domain.values)],
    output_field=IntegerField(),
)


# --- access ----------------------------------------------------------------------------------------------


def require_viewer(user: User) -> None:
    if not has_capability(user, VIEW):
        raise Http404


def require_kind(kind: str) -> str:
    if kind not in catalogue.KINDS:
        raise Http404
    return kind


def list_crumb(kind: str) -> Crumb:
    return str(TITLES[kind]), reverse("backoffice:catalogue_list", args=[kind])


def uses_crumb() -> Crumb:
    return _("权力运行"), reverse("backoffice:catalogue_use_list")


def scope_areas(user: User) -> list[Area]:
    """The districts and communities whose lists the user may choose on the list pages (one query): those
    in their jurisdiction, and the district above it."""
    paths = jurisdiction_paths(user, VIEW)
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    condition = Q(pk__in=above)
    for path in paths:
        condition |= Q(path__startswith=path)
    kinds = [AreaKind.DISTRICT, AreaKind.COMMUNITY, AreaKind.VILLAGE]
    return list(Area.objects.filter(condition, kind__in=kinds).order_by("path"))


def default_scope(areas: list[Area]) -> Area | None:
    """A user of one community sees that community's list; others their (first) district's."""
    communities = [area for area in areas if area.kind != AreaKind.DISTRICT]
    if len(communities) == 1:
        return communities[0]
    districts = [area for area in areas if area.kind == AreaKind.DISTRICT]
    return districts[0] if districts else None


def source_label(item: catalogue.Item) -> str:
    """平台 / 区级 / 本社区 (and where a community's copy came from). Needs area and adopted_from loaded."""
    level = catalogue.level_of(item)
    if level == catalogue.Level.PLATFORM:
        return _("平台")
    if level == catalogue.Level.DISTRICT:
        return _("区级")
    origin = item.adopted_from
    if origin is None:
        return _("本社区")
    if origin.area_id is None:
        return _("本社区（采自平台）")
    return _("本社区（采自区级）")


def scope_name(area: Area | None) -> str:
    return area.name if area is not None else _("平台默认清单")


# --- the lists -------------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: Any
    source: str
    area: Area | None = None  # the list's area, so meetings read 居民… in a community, 村民… in a village

    @property
    def meeting(self) -> str:
        if not isinstance(self.item, PowerItem):
            return ""
        return catalogue.meeting_label(self.item.meeting_required, self.area)

    @property
    def band(self) -> str:
        if not isinstance(self.item, PowerItem):
            return ""
        return catalogue.band_label(self.item.amount_min, self.item.amount_max)


@login_required
def item_list(request: HttpRequest, kind: str) -> HttpResponse:
    """One level's list, filtered by domain and searched by code or name. Queries: the scope choices,
    the level lookup (and, for a community, whether it has its own list), the count and the page."""
    user = request.user
    require_viewer(user)
    require_kind(kind)
    areas = scope_areas(user)
    form = forms_catalogue.CatalogueFilterForm(request.GET or None, areas=areas, default=default_scope(areas))
    area = form.scope_area()
    listed = catalogue.listing(area, kind, include_inactive=True)
    related = ["area", "adopted_from"] + (["power_item"] if kind == "supervision" else [])
    items = (
        form.apply(listed.items)
        .select_related(*related)
        .annotate(domain_order=DOMAIN_ORDER)
        .order_by("domain_order", "position", "code", "pk")
    )
    page = Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    is_community = area is not None and area.kind != AreaKind.DISTRICT
    is_district = area is not None and area.kind == AreaKind.DISTRICT
    context = {
        "kind": kind,
        "title": TITLES[kind],
        "breadcrumbs": [home_crumb(), (str(TITLES[kind]), None)],
        "filter_form": form,
        "scope_area": area,
        "scope_name": scope_name(area),
        "level": listed.level,
        "is_community": is_community,
        "falls_back": is_community and listed.level != catalogue.Level.COMMUNITY,
        "page_obj": page,
        "rows": [ItemRow(item, source_label(item), area) for item in page.object_list],
        "may_adopt": is_community and has_capability(user, Cap.ADOPT_CATALOGUE, area),
        "may_create": is_district and has_capability(user, Cap.MANAGE_CATALOGUE, area),
    }
    return render(request, "backoffice/catalogue/list.html", context)


@login_required
def item_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = request.user
    item = catalogue.access_item(user, kind, pk)
    origin = item.adopted_from
    context: dict[str, Any] = {
        "kind": kind,
        "item": item,
        "title": TITLES[kind],
        "breadcrumbs": [home_crumb(), list_crumb(kind), (f"{item.code} {item.name}", None)],
        "source": source_label(item),
        "origin": origin if origin is not None and catalogue.may_view_item(user, origin) else None,
        "may_edit": catalogue.may_edit_item(user, item),
        "copy_districts": [],
    }
    if item.area_id is None:
        context["copy_districts"] = list(
            Area.objects.visible_to(user, Cap.MANAGE_CATALOGUE).filter(kind=AreaKind.DISTRICT)
        )
    if isinstance(item, PowerItem):
        context["band"] = catalogue.band_label(item.amount_min, item.amount_max)
        context["meeting"] = catalogue.meeting_label(item.meeting_required, item.area)
        context["watched_by"] = list(
            SupervisionItem.objects.filter(power_item=item).select_related("area").order_by("code")
        )
        context["uses"] = list(
            PowerUse.objects.visible_to(user, VIEW).filter(item=item).select_related("area")[:10]
        )
    else:
        power = item.power_item
        context["power"] = power if power is not None and catalogue.may_view_item(user, power) else None
    return render(request, "backoffice/catalogue/detail.html", context)


def _item_data(form: forms_catalogue.ItemForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@login_required
def item_add(request: HttpRequest, kind: str) -> HttpResponse:
    """A new item in a district's own list (district administrators)."""
    user = request.user
    require_viewer(user)
    require_kind(kind)
    districts = list(Area.objects.visible_to(user, Cap.MANAGE_CATALOGUE).filter(kind=AreaKind.DISTRICT))
    if not districts:
        raise PermissionDenied(_("只有区级管理员可以新增清单事项。"))
    wanted = request.GET.get("area") or request.POST.get("area")
    district = next((d for d in districts if str(d.pk) == wanted), None) if wanted else districts[0]
    if district is None:
        raise Http404
    form_class = forms_catalogue.item_form_class(kind)
    form = form_class(request.POST or None, area=district)
    if request.method == "POST" and form.is_valid():
        try:
            item = catalogue.check_create_item(user, kind, district, _item_data(form))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("已新增 %(code)s %(name)s。") % {"code": item.code, "name": item.name}
            )
            return redirect("backoffice:catalogue_detail", kind=kind, pk=item.pk)
    context = {
        "kind": kind,
        "form": form,
        "district": district,
        "heading": _("新增%(list)s事项 · %(area)s") % {"list": TITLES[kind], "area": district.name},
        "breadcrumbs": [home_crumb(), list_crumb(kind), (_("新增事项"), None)],
        "cancel_url": reverse("backoffice:catalogue_list", args=[kind]),
    }
    return render(request, "backoffice/catalogue/item_form.html", context)


@login_required
def item_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = request.user
    item = catalogue.access_item(user, kind, pk)
    if not catalogue.may_edit_item(user, item):
        if item.area_id is None:
            raise PermissionDenied(_("平台默认清单不能直接修改，请先复制到本区清单后再调整。"))
        raise PermissionDenied(_("您可以查看该事项，但没有修改权限。"))
    form_class = forms_catalogue.item_form_class(kind)
    if request.method == "POST":
        form = form_class(request.POST, area=item.area)
    else:
        form = form_class(initial=form_class.initial_for(item), area=item.area)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.check_update_item(user, item, _item_data(form))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("backoffice:catalogue_detail", kind=kind, pk=item.pk)
    detail_url = reverse("backoffice:catalogue_detail", args=[kind, item.pk])
    context = {
        "kind": kind,
        "form": form,
        "item": item,
        "heading": _("修改事项 · %(code)s %(name)s") % {"code": item.code, "name": item.name},
        "breadcrumbs": [
            home_crumb(),
            list_crumb(kind),
            (f"{item.code} {item.name}", detail_url),
            (_("修改"), None),
        ],
        "cancel_url": detail_url,
    }
    return render(request, "backoffice/catalogue/item_form.html", context)


@require_POST
@login_required
def item_copy(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Copy a platform item into the district's list, then adapt the copy."""
    user = request.user
    item = catalogue.access_item(user, kind, pk)
    district = Area.objects.filter(pk=_int(request.POST.get("area")), kind=AreaKind.DISTRICT).first()
    if district is None:
        raise Http404
    try:
        copy, created = catalogue.check_copy_to_district(user, item, district)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("backoffice:catalogue_detail", kind=kind, pk=item.pk)
    if created:
        messages.success(request, _("已复制到%(area)s清单，可在此调整。") % {"area": district.name})
    else:
        messages.info(request, _("%(area)s清单中已有该事项。") % {"area": district.name})
    return redirect("backoffice:catalogue_edit", kind=kind, pk=copy.pk)


@require_POST
@login_required
def item_active(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """停用 / 启用."""
    user = request.user
    item = catalogue.access_item(user, kind, pk)
    active = request.POST.get("active") == "1"
    catalogue.do_set_item_active(user, item, active)
    messages.success(request, _("已启用。") if active else _("已停用。"))
    return redirect("backoffice:catalogue_detail", kind=kind, pk=item.pk)


def _int(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() else 0


# --- adoption --------------------------------------------------------------------------------------------


def _target_community(request: HttpRequest, capability: str, denial: str) -> Area | list[Area]:
    """The community a page works on (?area=): 404 outside the user's view, 403 without `capability`.
    Without ?area=, the user's only community, or the list of them to choose from."""
    user = request.user
    wanted = request.GET.get("area") or request.POST.get("area")
    if wanted:
        area = access_object(user, Area, wanted, VIEW)
        if not area.is_community:
            raise Http404
        if not has_capability(user, capability, area):
            raise PermissionDenied(denial)
        return area
    communities = list(
        Area.objects.visible_to(user, capability).filter(kind__in=catalogue.COMMUNITY_KINDS).order_by("path")
    )
    if not communities:
        raise PermissionDenied(denial)
    return communities[0] if len(communities) == 1 else communities


@login_required
def adopt(request: HttpRequest, kind: str) -> HttpResponse:
    """A community adopts items of the district's (else the platform's) list: a checkbox per item not yet
    adopted, and 采用所选事项."""
    user = request.user
    require_viewer(user)
    require_kind(kind)
    target = _target_community(request, Cap.ADOPT_CATALOGUE, _("只有本社区工作人员可以采用清单事项。"))
    crumbs = [home_crumb(), list_crumb(kind), (_("采用清单事项"), None)]
    if isinstance(target, list):
        context = {"communities": target, "breadcrumbs": crumbs, "heading": _("选择要采用清单的社区")}
        return render(request, "backoffice/catalogue/choose_area.html", context)
    community = target
    available = (
        catalogue.available_for_adoption(community, kind)
        .select_related("area")
        .annotate(domain_order=DOMAIN_ORDER)
        .order_by("domain_order", "position", "code", "pk")
    )
    if request.method == "POST":
        chosen = request.POST.getlist("items")
        if request.POST.get("all") == "1":
            chosen = [str(pk) for pk in available.values_list("pk", flat=True)]
        try:
            adopted = catalogue.check_adopt_items(user, community, kind, chosen)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if adopted:
                messages.success(
                    request,
                    ngettext("已采用%(n)s项。", "已采用%(n)s项。", len(adopted)) % {"n": len(adopted)},
                )
            else:
                messages.info(request, _("所选事项本社区均已采用，无需重复采用。"))
            return redirect(f"{reverse('backoffice:catalogue_list', args=[kind])}?scope={community.pk}")
    rows = [ItemRow(item, source_label(item), community) for item in available.select_related("adopted_from")]
    context = {
        "kind": kind,
        "title": TITLES[kind],
        "community": community,
        "rows": rows,
        "own_count": catalogue.model_for(kind).objects.filter(area=community).count(),
        "breadcrumbs": crumbs,
    }
    return render(request, "backoffice/catalogue/adopt.html", context)


# --- uses of a power -------------------------------------------------------------------------------------


def use_area_choices(user: User) -> list[Area]:
    return list(
        Area.objects.visible_to(user, VIEW).filter(kind__in=catalogue.COMMUNITY_KINDS).order_by("path")
    )


@login_required
def use_list(request: HttpRequest) -> HttpResponse:
    """Uses of a power in the user's jurisdiction, newest decision first; filter by community and by the
    result of the last check. Queries: the community choices, the count and the page."""
    user = request.user
    require_viewer(user)
    form = forms_catalogue.UseFilterForm(request.GET or None, areas=use_area_choices(user))
    uses = form.apply(PowerUse.objects.visible_to(user, VIEW)).select_related("area", "item")
    page = Paginator(uses.order_by("-decided_on", "-pk"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "breadcrumbs": [home_crumb(), (_("权力运行"), None)],
        "filter_form": form,
        "page_obj": page,
        "uses": page.object_list,
        "may_record": has_capability(user, Cap.MANAGE_FINANCE),
    }
    return render(request, "backoffice/catalogue/use_list.html", context)


def _load_use(user: User, pk: int) -> PowerUse:
    return access_object(
        user, PowerUse, pk, VIEW, queryset=PowerUse.objects.select_related("area", "item", "recorded_by")
    )


@login_required
def use_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    use = _load_use(user, pk)
    may_manage = has_capability(user, Cap.MANAGE_FINANCE, use.area)
    context = {
        "use": use,
        "breadcrumbs": [home_crumb(), uses_crumb(), (use.title, None)],
        "explanation": catalogue.explain_gaps(use.gaps, use.area),
        "lines": catalogue.compliance_lines(use),
        "meeting_held": catalogue.meeting_label(use.meeting_held, use.area),
        "amount": catalogue.format_yuan(use.amount) if use.amount is not None else "",
        "evidence": list(ledger.evidence_for(use).order_by("uploaded_at", "pk")),
        "may_recheck": catalogue.may_recheck(user, use),
        "may_manage": may_manage,
        "upload_form": forms_catalogue.EvidenceUploadForm() if may_manage else None,
    }
    return render(request, "backoffice/catalogue/use_detail.html", context)


@require_POST
@login_required
def use_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    use = _load_use(user, pk)
    gaps = catalogue.check_recheck_power_use(user, use)
    if gaps:
        messages.warning(
            request,
            ngettext("已重新检查：发现%(n)s处问题。", "已重新检查：发现%(n)s处问题。", len(gaps))
            % {"n": len(gaps)},
        )
    else:
        messages.success(request, _("已重新检查：未发现问题。"))
    return redirect("backoffice:catalogue_use_detail", pk=use.pk)


@require_POST
@login_required
def use_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    use = _load_use(user, pk)
    form = forms_catalogue.EvidenceUploadForm(request.POST, request.FILES)
    uploads = form.cleaned_data["attachments"] if form.is_valid() else []
    try:
        saved = catalogue.check_add_use_evidence(user, use, uploads)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, ngettext("已上传%(n)s个文件。", "已上传%(n)s个文件。", len(saved)) % {"n": len(saved)}
        )
    return redirect("backoffice:catalogue_use_detail", pk=use.pk)


@login_required
def use_file(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """Download one evidence file of a use (same access as the use's page)."""
    use = _load_use(request.user, pk)
    evidence = ledger.evidence_for(use).filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404
    return _file_response(evidence)


def _file_response(evidence: Evidence) -> FileResponse:
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)
    response["Content-Type"] = evidence.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _use_input(form: forms_catalogue.PowerUseForm, area: Area, item: PowerItem) -> catalogue.PowerUseInput:
    data = form.cleaned_data
    return catalogue.PowerUseInput(
        area=area,
        item=item,
        title=data["title"],
        decided_on=data["decided_on"],
        amount=data["amount"],
        meeting_held=data["meeting_held"],
        meeting_date=data["meeting_date"],
        steps_done=data["steps_done"],
        evidence_provided=data["evidence_provided"],
        files=data["attachments"],
    )


@login_required
def use_add(request: HttpRequest) -> HttpResponse:
    """Record a use of a power in three steps without JavaScript: the community (when the user has
    several), the item (with a suggestion from the amount), then what happened."""
    user = request.user
    require_viewer(user)
    target = _target_community(request, Cap.MANAGE_FINANCE, _("只有社区工作人员可以登记权力运行记录。"))
    crumbs = [home_crumb(), uses_crumb(), (_("登记权力运行"), None)]
    if isinstance(target, list):
        context = {"communities": target, "breadcrumbs": crumbs, "heading": _("选择登记权力运行的社区")}
        return render(request, "backoffice/catalogue/choose_area.html", context)
    area = target
    items = list(
        catalogue.effective_items(area, "power")
        .annotate(domain_order=DOMAIN_ORDER)
        .order_by("domain_order", "position", "code", "pk")
    )
    wanted = request.GET.get("item") or request.POST.get("item")
    item = next((i for i in items if str(i.pk) == wanted), None)
    if item is None:
        return _choose_item(request, area, items, crumbs)
    form = forms_catalogue.PowerUseForm(
        request.POST or None,
        request.FILES or None,
        item=item,
        initial={"amount": request.GET.get("amount", ""), "meeting_held": item.meeting_required},
    )
    if request.method == "POST" and form.is_valid():
        try:
            use = catalogue.check_record_power_use(user, _use_input(form, area, item))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            _report_check(request, use)
            return redirect("backoffice:catalogue_use_detail", pk=use.pk)
    context = {
        "form": form,
        "area": area,
        "item": item,
        "heading": _("登记权力运行 · %(area)s") % {"area": area.name},
        "breadcrumbs": crumbs,
        "band": catalogue.band_label(item.amount_min, item.amount_max),
        "meeting": catalogue.meeting_label(item.meeting_required, area),
        "cancel_url": reverse("backoffice:catalogue_use_list"),
    }
    return render(request, "backoffice/catalogue/use_form.html", context)


def _choose_item(
    request: HttpRequest, area: Area, items: list[PowerItem], crumbs: list[Crumb]
) -> HttpResponse:
    form = forms_catalogue.ChooseItemForm(request.GET or None, items=items)
    suggestions: list[PowerItem] = []
    amount_text = request.GET.get("amount", "")
    if form.is_bound and form.is_valid() and amount_text.strip():
        try:
            amount = catalogue.parse_amount(amount_text)
        except ValidationError as exc:
            form.add_error("amount", exc.message_dict["amount"])
        else:
            if amount is not None:
                suggestions = [i for i in items if catalogue.has_band(i) and i.applies_to(amount)]
    if form.is_bound and request.GET.get("item"):
        form.add_error("item", _("该事项不在本社区适用的权力清单中，请从清单中选择。"))
    context = {
        "form": form,
        "area": area,
        "items": items,
        "suggestions": suggestions,
        "amount": amount_text,
        "breadcrumbs": crumbs,
    }
    return render(request, "backoffice/catalogue/use_choose_item.html", context)


def _report_check(request: HttpRequest, use: PowerUse) -> None:
    if use.gaps:
        messages.warning(
            request,
            ngettext(
                "已登记。对照清单检查发现%(n)s处问题，请见下方说明。",
                "已登记。对照清单检查发现%(n)s处问题，请见下方说明。",
                len(use.gaps),
            )
            % {"n": len(use.gaps)},
        )
    else:
        messages.success(request, _("已登记。对照清单检查未发现问题。"))


@login_required
def use_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded use (steps done later, the minutes found…); it is checked again on saving."""
    user = request.user
    use = _load_use(user, pk)
    if not has_capability(user, Cap.MANAGE_FINANCE, use.area):
        raise PermissionDenied(_("您可以查看该记录，但没有修改权限。"))
    item = use.item
    if request.method == "POST":
        form = forms_catalogue.PowerUseForm(request.POST, request.FILES, item=item)
    else:
        form = forms_catalogue.PowerUseForm(initial=forms_catalogue.PowerUseForm.initial_for(use), item=item)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.check_record_power_use(user, _use_input(form, use.area, item), use)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            use.refresh_from_db()
            _report_check(request, use)
            return redirect("backoffice:catalogue_use_detail", pk=use.pk)
    detail_url = reverse("backoffice:catalogue_use_detail", args=[use.pk])
    context = {
        "form": form,
        "area": use.area,
        "item": item,
        "use": use,
        "heading": _("修改权力运行记录 · %(title)s") % {"title": use.title},
        "breadcrumbs": [home_crumb(), uses_crumb(), (use.title, detail_url), (_("修改"), None)],
        "band": catalogue.band_label(item.amount_min, item.amount_max),
        "meeting": catalogue.meeting_label(item.meeting_required, use.area),
        "cancel_url": detail_url,
    }
    return render(request, "backoffice/catalogue/use_form.html", context)
