"""`manage.py import_people FILE --area <id or name> [--user USERNAME] [--dry-run]`.

The same import as the back-office page (`check_import_people`), but run here and now rather than by the
background task: prints the totals and where the error workbook of rejected rows went. Without --user the import runs as the system (audited as "系统"); with it,
the user must hold the import capability at the area, as on the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from yangguang.core.actions.imports import check_import_people, error_report_bytes
from yangguang.core.models import Area, ImportRun


class Command(BaseCommand):
    help = "Import residents, households and dwellings from an .xlsx or .csv file (the import template)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx or .csv file")
        parser.add_argument("--area", required=True, help="area id, or its exact name when that is unique")
        parser.add_argument("--user", help="username to import as (default: the system)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, then save nothing")
        parser.add_argument(
            "--errors-out",
            type=Path,
            help="also write the error workbook here (default for --dry-run: next to FILE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        area = _find_area(options["area"])
        actor = None
        if options["user"]:
            try:
                actor = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(_("用户不存在：%(name)s") % {"name": options["user"]}) from exc
        dry_run: bool = options["dry_run"]
        try:
            run = check_import_people(actor, area, path, path.name, source="cli", dry_run=dry_run)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self._report(run, area, path, options["errors_out"], dry_run)

    def _report(self, run: ImportRun, area: Area, path: Path, errors_out: Path | None, dry_run: bool) -> None:
        self.stdout.write(
            _(
                "%(area)s：读取 %(read)d 行 = 新增 %(created)d + 更新 %(updated)d"
                " + 无变化 %(unchanged)d + 拒绝 %(rejected)d"
            )
            % {
                "area": area.name,
                "read": run.rows_read,
                "created": run.rows_created,
                "updated": run.rows_updated,
                "unchanged": run.rows_unchanged,
                "rejected": run.rows_rejected,
            }
        )
        self.stdout.write(run.message)
        if run.pk:
            self.stdout.write(_("导入记录编号：%(pk)d") % {"pk": run.pk})
        if not run.error_report:
            return
        if run.pk:
            self.stdout.write(
                _("错误报告（加密存储）：%(name)s，可在导入记录页面下载") % {"name": run.error_report.name}
            )
        if errors_out is None and dry_run:
            errors_out = path.with_name(f"{path.stem}.errors.xlsx")
        if errors_out is not None:
            errors_out.write_bytes(error_report_bytes(run))
            self.stdout.write(_("错误报告已写入：%(path)s") % {"path": errors_out})


def _find_area(value: str) -> Area:
    if value.isdigit():
        area = Area.objects.filter(pk=int(value)).first()
        if area is not None:
            return area
    matches = list(Area.objects.filter(name=value).order_by("path"))
    if not matches:
        raise CommandError(_("区域不存在：%(area)s") % {"area": value})
    if len(matches) > 1:
        listing = "，".join(f"{area.pk}（{area.path}）" for area in matches)
        raise CommandError(
            _("有多个名为“%(area)s”的区域，请改用编号：%(list)s") % {"area": value, "list": listing}
        )
    return matches[0]
