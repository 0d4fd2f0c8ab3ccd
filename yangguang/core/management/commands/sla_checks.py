"""`manage.py sla_checks [--every SECONDS]`: reminders and 督办 escalations, public notices (公示) whose period
has ended, pending SMS/email, then expired import files. Every step is safe to run twice and from several workers."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from yangguang.core.actions.escalation import run_sla_checks
from yangguang.core.actions.notices import end_due_notices
from yangguang.core.actions.notify import deliver_due


class Command(BaseCommand):
    help = "到期提醒、超期督办、结束期满的公示，并重试发送未成功的短信和邮件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="每隔多少秒运行一次（0 = 只运行一次）")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        while True:
            result = run_sla_checks()
            ended = end_due_notices()
            sent, failed = deliver_due()
            call_command("purge_import_files", stdout=self.stdout)
            self.stdout.write(
                f"提醒 {result.reminded} 件，督办 {result.escalated} 件；公示期满 {ended} 项；"
                f"发送通知 {sent} 条，失败 {failed} 条"
            )
            if not every:
                return
            time.sleep(every)
