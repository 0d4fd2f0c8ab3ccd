"""`manage.py bootstrap_district`: the district (区) and its first administrator (区级管理员) on a new installation.

A new installation has no area and no account, and only a district administrator can create the others in
the back office; this command makes the first one (docs/deploy.md, step 10). It goes through the same
actions as the back office — `areas.check_create_area` for the district, `accounts.do_create_user` for the
account and its role, the password validators — so the audit trail records them, by 系统.

Interactive by default: what the flags do not give is asked, the password twice without echo. For
automation, `--noinput` takes everything from the flags and the password from `--password-file` (a file,
or `-` for standard input) or the BOOTSTRAP_ADMIN_PASSWORD environment variable; a password is never a
flag, since flags show up in the process list and the shell history.

It refuses to run once any area exists, unless `--add-admin`: then it creates nothing but one more
district administrator of the existing district (for a district whose only administrator left).
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from yangguang.core.actions import accounts, areas
from yangguang.core.models import Area, AreaKind
from yangguang.core.permissions import Role

PASSWORD_ENV = "BOOTSTRAP_ADMIN_PASSWORD"  # noqa: S105 (the name of an environment variable)
PASSWORD_TRIES = 3


class Command(BaseCommand):
    help = "新安装时创建区和首个区级管理员；加 --add-admin 则为已有的区再添加一名区级管理员。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district-name", default="", help="区的名称，如 芙蓉区")
        parser.add_argument("--district-code", default="", help="区的 6 位行政区划代码（GB/T 2260），可留空")
        parser.add_argument("--username", default="", help="管理员的用户名")
        parser.add_argument("--full-name", default="", help="管理员的姓名")
        parser.add_argument(
            "--password-file",
            default="",
            help=f"从该文件的第一行读取密码（- 表示标准输入）；不填时交互输入，或在 --noinput 时读取环境变量 {PASSWORD_ENV}",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="不提问：所需内容全部来自参数、密码文件或环境变量，缺少时报错",
        )
        parser.add_argument(
            "--add-admin",
            action="store_true",
            help="只为已有的区添加一名区级管理员（有多个区时用 --district-name 指定）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive: bool = options["interactive"]
        if options["add_admin"]:
            district = self._existing_district(options["district_name"])
            self.stdout.write(_("将为“%(name)s”添加一名区级管理员。") % {"name": district.name})
        else:
            district = None
            if Area.objects.exists():
                raise CommandError(
                    _(
                        "数据库里已经有区域，本命令只用于新安装。要为已有的区再添加一名区级管理员，请加 --add-admin；"
                        "其他账户请由区级管理员在后台“用户与角色”中创建。"
                    )
                )
        values = {
            "district_name": areas.clean_name(options["district_name"]),
            "district_code": areas.clean_code(options["district_code"]),
            "username": options["username"].strip(),
            "full_name": options["full_name"].strip(),
        }
        if district is None:
            values["district_name"] = self._value(
                values["district_name"], _("区的名称（如 芙蓉区）："), interactive
            )
            self._check_district(values, interactive)
        values["username"] = self._username(values["username"], interactive)
        values["full_name"] = self._value(values["full_name"], _("管理员姓名："), interactive)
        password = self._password(
            options["password_file"], values["username"], values["full_name"], interactive
        )
        user = self._create(district, values, password)
        self._next_steps(user, district is None)

    # --- asking ------------------------------------------------------------------------------------

    def _value(self, given: str, prompt: str, interactive: bool) -> str:
        if given:
            return given
        if not interactive:
            raise CommandError(
                _("缺少“%(what)s”：使用 --noinput 时须用参数给出。") % {"what": prompt.rstrip("：")}
            )
        answer = input(prompt).strip()
        if not answer:
            raise CommandError(_("没有输入，什么也没有创建。"))
        return answer

    def _check_district(self, values: dict[str, str], interactive: bool) -> None:
        errors = areas.name_errors(None, values["district_name"])
        if errors:
            raise CommandError("；".join(errors))
        code = values["district_code"]
        if not code and interactive:
            code = areas.clean_code(input(_("区的行政区划代码（6 位，可留空）：")))
        errors = areas.code_errors(AreaKind.DISTRICT, code)
        if errors:
            raise CommandError("；".join(errors))
        values["district_code"] = code

    def _username(self, given: str, interactive: bool) -> str:
        username = self._value(given, _("管理员用户名："), interactive)
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("用户名“%(name)s”已被使用。") % {"name": username})
        return username

    def _password(self, source: str, username: str, full_name: str, interactive: bool) -> str:
        candidate = User(username=username, first_name=full_name)
        if source or not interactive:
            password = self._read_password(source)
            try:
                accounts.validate_new_password(password, candidate)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            return password
        for _try in range(PASSWORD_TRIES):
            password = getpass.getpass(_("密码："))
            if password != getpass.getpass(_("再输入一次密码：")):
                self.stderr.write(_("两次输入的密码不一致，请重新输入。"))
                continue
            try:
                accounts.validate_new_password(password, candidate)
            except ValidationError as exc:
                self.stderr.write("；".join(exc.messages))
                continue
            return password
        raise CommandError(_("密码没有设置成功，什么也没有创建。"))

    def _read_password(self, source: str) -> str:
        if source == "-":
            text = sys.stdin.readline()
        elif source:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("无法读取密码文件 %(path)s：%(error)s") % {"path": source, "error": exc.strerror}
                ) from exc
        else:
            text = os.environ.get(PASSWORD_ENV, "")
        password = text.splitlines()[0] if text else ""
        if not password:
            raise CommandError(
                _("没有密码：请用 --password-file 给出密码文件，或设置环境变量 %(env)s。")
                % {"env": PASSWORD_ENV}
            )
        return password

    # --- doing ---------------------------------------------------------------------------------------

    def _existing_district(self, name: str) -> Area:
        districts = list(Area.objects.filter(parent=None, kind=AreaKind.DISTRICT).order_by("pk"))
        if not districts:
            raise CommandError(_("还没有区：请先不加 --add-admin 运行本命令，创建区和首个管理员。"))
        if name:
            wanted = [d for d in districts if areas.clean_name(name) == d.name]
            if not wanted:
                raise CommandError(_("没有名为“%(name)s”的区。") % {"name": name})
            return wanted[0]
        if len(districts) > 1:
            names = "、".join(d.name for d in districts)
            raise CommandError(_("有多个区（%(names)s），请用 --district-name 指定。") % {"names": names})
        return districts[0]

    def _create(self, district: Area | None, values: dict[str, str], password: str) -> User:
        try:
            with transaction.atomic():
                if district is None:
                    district = areas.check_create_area(
                        None,
                        parent=None,
                        kind=AreaKind.DISTRICT,
                        name=values["district_name"],
                        code=values["district_code"],
                    )
                user = accounts.do_create_user(
                    None,
                    username=values["username"],
                    full_name=values["full_name"],
                    password=password,
                    area=district,
                    role=Role.DISTRICT_ADMIN,
                )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            _("已创建区级管理员“%(user)s”（%(name)s），管辖“%(district)s”。")
            % {"user": user.username, "name": values["full_name"], "district": district.name}
        )
        return user

    def _next_steps(self, user: User, new_district: bool) -> None:
        steps = [
            _("1. 用“%(user)s”登录后台 https://<域名>/office/，按提示用手机验证器绑定双因素认证。")
            % {"user": user.username},
        ]
        if new_district:
            steps.append(
                _(
                    "2. 在“辖区”中打开该区，点“从表格导入下级区域”，下载模板，填好街道、社区/村和网格后上传，"
                    "预览无误后确认导入（也可以逐个“新增下级区域”）。"
                )
            )
            steps.append(_("3. 在“用户与角色”中为各街道、社区和网格创建账户并授予角色。"))
        else:
            steps.append(_("2. 请新管理员登录后尽快修改密码。"))
        self.stdout.write(_("下一步："))
        for step in steps:
            self.stdout.write(step)
