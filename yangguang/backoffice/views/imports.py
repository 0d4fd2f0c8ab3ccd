"""Spreadsheet import (upload, result, error workbook, template) and registry export.

Adapters only: the area and the run are loaded with `access_*`, the work is `check_queue_import_people`
and `do_export`. An upload is checked as a whole in the request and then imported in the background (100,000
rows take about 20 s); the run page shows its status and refreshes itself until the run is done.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yangguang.backoffice.forms import (
    DwellingFilterForm,
    HouseholdFilterForm,
    PersonFilterForm,
    RegistryFilterForm,
)
from yangguang.core import tabular
from yangguang.core.actions.access import access_area, access_object
from yangguang.core.actions.exports import do_export
from yangguang.core.actions.imports import check_queue_import_people, do_fetch_error_report, people_template
from yangguang.core.models import Area, ImportRun
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.crypto import CryptoError


class ImportForm(forms.Form):
    area = forms.TypedChoiceField(label=gettext_lazy("导入到"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件，请使用上方的导入模板。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"required": gettext_lazy("请选择要导入的文件。")},
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        top = min((area.depth for area in areas), default=0)
        # Indent by depth so a street admin sees the tree (街道 › 社区 › 网格) in one list.
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            (area.pk, "\u3000" * (area.depth - top) + area.name) for area in areas
        ]
        if len(areas) == 1:
            self.fields["area"].initial = areas[0].pk

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size is not None and upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("文件过大（%(size).1f MB），上限为 %(limit)d MB。")
                % {"size": upload.size / 1024 / 1024, "limit": limit}
            )
        return upload


def _import_areas(request: HttpRequest) -> list[Area]:
    """Areas the user may import into, top-down; none means the page does not exist for them."""
    areas = list(Area.objects.visible_to(request.user, Cap.IMPORT_REGISTRY).order_by("path"))
    if not areas:
        raise Http404
    return areas


@login_required
@require_http_methods(["GET", "POST"])
def import_index(request: HttpRequest) -> HttpResponse:
    areas = _import_areas(request)
    form = ImportForm(request.POST or None, request.FILES or None, areas=areas)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            area = access_area(request.user, form.cleaned_data["area"], Cap.IMPORT_REGISTRY)
            upload: UploadedFile = form.cleaned_data["file"]
            try:
                run = check_queue_import_people(request.user, area, upload, upload.name or "")
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("backoffice:import_run", pk=run.pk)
        status = 400
    runs = ImportRun.objects.visible_to(request.user, Cap.IMPORT_REGISTRY).select_related(
        "area", "started_by"
    )
    page = Paginator(runs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
        "files_days": settings.IMPORT_FILES_DAYS,
    }
    return render(request, "backoffice/imports/index.html", context, status=status)


@login_required
@require_GET
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = access_object(
        request.user,
        ImportRun,
        pk,
        Cap.IMPORT_REGISTRY,
        queryset=ImportRun.objects.select_related("area", "started_by"),
    )
    # While the run is queued or running the page reloads itself: htmx swaps the run in place every few
    # seconds, and without JavaScript a <noscript> meta refresh reloads the page.
    return render(request, "backoffice/imports/run.html", {"run": run})


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    run = access_object(request.user, ImportRun, pk, Cap.IMPORT_REGISTRY)
    if run.report_deleted_at is not None:
        return _report_gone(request, run, _("错误报告含有居民个人信息，已按保留期限删除。"))
    if not run.error_report:
        raise Http404
    try:
        data = do_fetch_error_report(request.user, run)
    except (OSError, CryptoError):  # the stored file was removed, or the keys changed
        return _report_gone(request, run, _("错误报告文件已不存在或无法解密，无法下载。"))
    stem = run.filename.rsplit(".", 1)[0]
    return _attachment(data, tabular.XLSX_CONTENT_TYPE, _("%(name)s-未导入的行.xlsx") % {"name": stem})


def _report_gone(request: HttpRequest, run: ImportRun, reason: str) -> HttpResponse:
    context = {"run": run, "reason": reason}
    return render(request, "backoffice/imports/report_gone.html", context, status=410)


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if not has_capability(request.user, Cap.IMPORT_REGISTRY):
        raise Http404
    content_type = tabular.XLSX_CONTENT_TYPE if fmt == "xlsx" else tabular.CSV_CONTENT_TYPE
    return _attachment(people_template(fmt), content_type, _("居民信息导入模板") + f".{fmt}")


# The export takes exactly the filters of the list page it is offered on (q, area, status, tag …).
EXPORT_FILTERS: dict[str, type[RegistryFilterForm]] = {
    "persons": PersonFilterForm,
    "households": HouseholdFilterForm,
    "dwellings": DwellingFilterForm,
}


@login_required
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """/office/export/<kind>.<fmt>?q=…&area=…: the list page's filters, applied to a file."""
    if kind not in EXPORT_FILTERS:
        raise Http404
    if not has_capability(request.user, Cap.EXPORT_REGISTRY):
        raise Http404
    area = None
    if request.GET.get("area"):
        area = access_area(request.user, request.GET["area"], Cap.EXPORT_REGISTRY)
    filter_form = EXPORT_FILTERS[kind](request.GET or None, user=request.user)
    filters = {name: str(value) for name, value in request.GET.items() if name != "page" and value}
    try:
        result = do_export(request.user, kind, fmt, area=area, narrow=filter_form.apply, filters=filters)
    except PermissionDenied as exc:
        raise Http404 from exc
    return _attachment(result.data, result.content_type, result.filename)


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    return response
