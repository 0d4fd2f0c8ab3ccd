"""Area management in the back office: a new child area, an area's name and code, deleting an empty area,
and the import of the area tree from a spreadsheet (upload → preview → confirm).

Adapters only: areas are loaded with `access_area`, the work is `actions.areas`. Access follows the registry
pages: an area the user cannot see answers 404; one they see without MANAGE_AREAS answers 403 (for a
delete: without MANAGE_AREAS at its parent, and always for a district).

The preview and the confirmation are two requests. Between them the rows travel in the confirm form as a
signed, compressed value (django.core.signing, salted with the user): area names are not personal data, an
area tree is at most 5,000 short rows, and nothing has to be stored or cleaned up. On confirmation the rows
are planned again against the tree as it is then, so a change made in between is taken into account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.forms_areas import AreaForm, ChildAreaForm
from yangguang.backoffice.views.generic import area_trail, home_crumb
from yangguang.backoffice.views.imports import ImportForm, _attachment
from yangguang.core import tabular
from yangguang.core.actions import areas
from yangguang.core.actions.access import access_area
from yangguang.core.models import Area
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.tabular import Table

# How long a preview may wait for its confirmation.
PREVIEW_MAX_AGE = 3600
# How many of the areas to create the preview lists by name (all are counted).
PREVIEW_LIST = 300


def _manageable(request: HttpRequest, pk: object) -> Area:
    """The area if the user may manage it: 404 if they cannot see it, 403 if they see it but may not."""
    area = access_area(request.user, pk, Cap.VIEW_REGISTRY)
    if not has_capability(request.user, Cap.MANAGE_AREAS, area):
        raise PermissionDenied(_("您可以查看该区域，但没有管理区域的权限。"))
    return area


def _form_page(
    request: HttpRequest, form: Any, area: Area, title: str, step: str, status: int
) -> HttpResponse:
    context = {
        "form": form,
        "area": area,
        "title": title,
        "breadcrumbs": [*area_trail(request.user, area), (step, None)],
        "cancel_url": reverse("backoffice:area_detail", args=[area.pk]),
    }
    return render(request, "backoffice/areas/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def area_add(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _manageable(request, pk)
    kinds = areas.child_kinds(parent)
    if not kinds:
        raise Http404  # nothing may sit under a grid
    form = ChildAreaForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            child = areas.check_create_area(
                request.user, parent=parent, kind=data["kind"], name=data["name"], code=data["code"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新增“%(name)s”。") % {"name": child.name})
            return redirect("backoffice:area_detail", pk=child.pk)
    title = _("在“%(parent)s”下新增区域") % {"parent": parent.name}
    status = 400 if form.is_bound else 200
    return _form_page(request, form, parent, title, _("新增下级区域"), status)


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    area = _manageable(request, pk)
    form = AreaForm(request.POST or None, initial={"name": area.name, "code": area.code})
    if request.method == "POST" and form.is_valid():
        try:
            areas.check_update_area(
                request.user, area, name=form.cleaned_data["name"], code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            area.refresh_from_db()
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("backoffice:area_detail", pk=area.pk)
    title = _("修改“%(name)s”的名称和编码") % {"name": area.name}
    status = 400 if form.is_bound else 200
    return _form_page(request, form, area, title, _("修改名称和编码"), status)


@login_required
@require_http_methods(["GET", "POST"])
def area_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete an area nothing hangs on. The question page already lists what hangs on it, if
    anything (then there is no button); a refused POST comes back to it with the reasons."""
    area = _manageable(request, pk)
    areas.require_delete(request.user, area)
    if request.method == "POST":
        name = area.name
        try:
            parent = areas.check_delete_area(request.user, area)
        except ValidationError as exc:
            return _delete_page(request, area, exc.messages, status=409)
        messages.success(request, _("已删除“%(name)s”。") % {"name": name})
        return redirect("backoffice:area_detail", pk=parent.pk)
    found = areas.attachments(area)
    errors = [areas.attachment_message(area, found)] if found else []
    return _delete_page(request, area, errors)


def _delete_page(request: HttpRequest, area: Area, errors: list[str], status: int = 200) -> HttpResponse:
    """The registry's delete question page (backoffice/registry/delete.html), for an area."""
    context = {
        "object": area,
        "label": area.name,
        "verbose_name": area.get_kind_display(),
        "title": _("删除区域“%(name)s”") % {"name": area.name},
        "breadcrumbs": [*area_trail(request.user, area), (_("删除区域"), None)],
        "cancel_url": reverse("backoffice:area_detail", args=[area.pk]),
        "errors": errors,
    }
    return render(request, "backoffice/registry/delete.html", context, status=status)


# --- import --------------------------------------------------------------------------------------------


def _import_targets(request: HttpRequest) -> list[Area]:
    """Districts and streets the user may import areas into, top-down; none means no such page for them."""
    targets = list(
        Area.objects.visible_to(request.user, Cap.MANAGE_AREAS)
        .filter(kind__in=areas.IMPORT_TARGET_KINDS)
        .order_by("path")
    )
    if not targets:
        raise Http404
    return targets


def _import_crumbs() -> list[tuple[str, str | None]]:
    return [home_crumb(), (_("区域"), reverse("backoffice:area_list")), (_("导入区域"), None)]


def _salt(request: HttpRequest) -> str:
    return f"yangguang.areas.import:{request.user.pk}"


def _sign(request: HttpRequest, target: Area, table: Table, filename: str) -> str:
    payload = {
        "area": target.pk,
        "filename": filename,
        "headers": table.headers,
        "columns": table.columns,
        "rows": [[tabular.cell_text(value) for value in row] for row in table.rows],
        "lines": table.line_numbers,
    }
    return signing.dumps(payload, salt=_salt(request), compress=True)


def _unsign(request: HttpRequest) -> tuple[Area, Table, str] | None:
    """The target, rows and file name of a preview, or None when the value is missing, forged or stale."""
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=_salt(request), max_age=PREVIEW_MAX_AGE)
        table = Table(
            headers=list(payload["headers"]),
            columns=list(payload["columns"]),
            rows=[list(row) for row in payload["rows"]],
            line_numbers=[int(n) for n in payload["lines"]],
        )
        area_pk = payload["area"]
        filename = str(payload["filename"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    target = access_area(request.user, area_pk, Cap.MANAGE_AREAS)
    return target, table, filename


def _stale(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("导入预览已过期或无效，请重新上传文件。"))
    return redirect("backoffice:area_import")


def _result_page(
    request: HttpRequest, result: areas.AreaImportResult, payload: str, status: int = 200
) -> HttpResponse:
    context = {
        "result": result,
        "payload": payload,
        "shown_new": result.new[:PREVIEW_LIST],
        "more_new": max(0, len(result.new) - PREVIEW_LIST),
        "breadcrumbs": _import_crumbs(),
    }
    return render(request, "backoffice/areas/import_result.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request: HttpRequest) -> HttpResponse:
    """Upload a sheet; a valid one is answered with its preview (nothing is saved yet)."""
    targets = _import_targets(request)
    initial = {"area": request.GET["area"]} if request.GET.get("area") else None
    form = ImportForm(request.POST or None, request.FILES or None, areas=targets, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            target = access_area(request.user, form.cleaned_data["area"], Cap.MANAGE_AREAS)
            upload: UploadedFile = form.cleaned_data["file"]
            filename = (upload.name or "")[:200]
            try:
                table = areas.load_area_table(target, upload, filename)
                result = areas.check_import_areas(request.user, target, table, filename, dry_run=True)
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return _result_page(request, result, _sign(request, target, table, filename))
        status = 400
    context = {
        "form": form,
        "max_rows": areas.MAX_IMPORT_ROWS,
        "columns": areas.area_columns(),
        "breadcrumbs": _import_crumbs(),
    }
    return render(request, "backoffice/areas/import.html", context, status=status)


@login_required
@require_POST
def area_import_apply(request: HttpRequest) -> HttpResponse:
    """The confirm button of a preview: plan the same rows again and create the new areas."""
    unsigned = _unsign(request)
    if unsigned is None:
        return _stale(request)
    target, table, filename = unsigned
    try:
        result = areas.check_import_areas(request.user, target, table, filename)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _result_page(
            request,
            areas.check_import_areas(request.user, target, table, filename, dry_run=True),
            request.POST["payload"],
            status=409,
        )
    messages.success(request, _("导入完成。"))
    return _result_page(request, result, request.POST["payload"])


@login_required
@require_POST
def area_import_errors(request: HttpRequest) -> HttpResponse:
    """The rejected rows of a preview as an .xlsx with a 错误原因 column, to fix and upload again."""
    unsigned = _unsign(request)
    if unsigned is None:
        return _stale(request)
    target, table, filename = unsigned
    result = areas.check_import_areas(request.user, target, table, filename, dry_run=True)
    if not result.rejected:
        raise Http404
    stem = filename.rsplit(".", 1)[0] or "areas"
    return _attachment(
        areas.error_workbook(table, result),
        tabular.XLSX_CONTENT_TYPE,
        _("%(name)s-未导入的行.xlsx") % {"name": stem},
    )


@login_required
@require_GET
def area_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if not has_capability(request.user, Cap.MANAGE_AREAS):
        raise Http404
    content_type = tabular.XLSX_CONTENT_TYPE if fmt == "xlsx" else tabular.CSV_CONTENT_TYPE
    return _attachment(areas.area_template(fmt), content_type, _("区域导入模板") + f".{fmt}")
