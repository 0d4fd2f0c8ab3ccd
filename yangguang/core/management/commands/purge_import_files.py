"""`manage.py purge_import_files`: delete import error workbooks older than YANGGUANG_IMPORT_FILES_DAYS, and
uploaded import files that no run still needs; prints each file it deleted.

The workbooks and uploads hold residents' full ID numbers and phones, so they are not kept for ever; the
runs keep their counts. Safe to run twice and from several workers; `manage.py sla_checks` runs it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from yangguang.core.actions.imports import do_purge_import_files


class Command(BaseCommand):
    help = "Delete import error workbooks and uploaded import files past their retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        result = do_purge_import_files()
        for pk in result.failed:
            self.stdout.write(_("导入记录 %(pk)d 超时未完成，已标记为失败") % {"pk": pk})
        for pk, name in result.uploads:
            self.stdout.write(_("已删除导入记录 %(pk)d 上传的文件：%(name)s") % {"pk": pk, "name": name})
        for pk, name in result.reports:
            self.stdout.write(_("已删除导入记录 %(pk)d 的错误报告：%(name)s") % {"pk": pk, "name": name})
        self.stdout.write(
            _("导入文件清理：删除错误报告 %(reports)d 份、上传的文件 %(uploads)d 份（保留 %(days)d 天）")
            % {
                "reports": len(result.reports),
                "uploads": len(result.uploads),
                "days": settings.IMPORT_FILES_DAYS,
            }
        )
