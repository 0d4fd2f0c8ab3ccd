"""`manage.py create_api_token USERNAME --name NAME`: issue an API token and print it once.

The token alone goes to stdout, so scripts can capture it (`TOKEN=$(manage.py create_api_token ...)`);
the explanation goes to stderr. Only a hash is stored: a lost token cannot be shown again, only replaced.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from yangguang.core.actions.tokens import do_create_api_token


class Command(BaseCommand):
    help = "为用户签发 API 令牌（Bearer 令牌），令牌只显示这一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="令牌所属用户的用户名；令牌的权限与该用户的角色相同")
        parser.add_argument(
            "--name", required=True, help="令牌名称，例如用途或调用方（如“网格巡查同步脚本”）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(_("用户“%(name)s”不存在。") % {"name": username}) from exc
        try:
            token, plaintext = do_create_api_token(None, user, options["name"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stderr.write(
            _("已为用户“%(user)s”签发令牌“%(name)s”（前缀 %(prefix)s）。令牌只显示这一次，请立即妥善保存：")
            % {"user": user.get_username(), "name": token.name, "prefix": token.prefix}
        )
        self.stdout.write(plaintext)
