"""Create the district (区) and its first administrator (区级管理员) on an empty production database.

A new installation has no area and no account, and only a district administrator can create the others in
the back office, so the first one is made here (docs/deploy.md, step 10). Run it through Django's shell,
which loads the production settings, on a terminal (it asks questions and a password):

    sudo /opt/yangguang/deploy/manage.sh shell -c "import runpy; runpy.run_path('deploy/first_admin.py')"

It goes through the same actions as the back office (area placement, password rules, audit entries with
the actor 系统) and refuses to run once any area exists.
"""

from __future__ import annotations

from getpass import getpass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from yangguang.core.actions.accounts import do_create_user, validate_new_password
from yangguang.core.actions.registry import do_create_area
from yangguang.core.models import Area, AreaKind
from yangguang.core.permissions import Role


def ask(prompt: str) -> str:
    answer = input(prompt).strip()
    if not answer:
        raise SystemExit("没有输入，什么也没有创建。")
    return answer


def main() -> None:
    if Area.objects.exists():
        raise SystemExit(
            "数据库里已经有区域：首个管理员只能在空数据库上创建。请用已有的区级管理员账户登录后台添加用户。"
        )

    district_name = ask("区的名称（如 芙蓉区）：")
    district_code = input("区的行政区划代码（6 位，可留空）：").strip()
    username = ask("管理员用户名：")
    full_name = ask("管理员姓名：")
    if User.objects.filter(username__iexact=username).exists():
        raise SystemExit("该用户名已被使用。")

    password = getpass("密码（至少 10 个字符）：")
    if password != getpass("再输入一次密码："):
        raise SystemExit("两次输入的密码不一致，什么也没有创建。")
    try:
        validate_new_password(password, User(username=username, first_name=full_name))
    except ValidationError as exc:
        raise SystemExit("\n".join(exc.messages)) from exc

    try:
        with transaction.atomic():
            district = do_create_area(
                None, parent=None, kind=AreaKind.DISTRICT, name=district_name, code=district_code
            )
            do_create_user(
                None,
                username=username,
                full_name=full_name,
                password=password,
                area=district,
                role=Role.DISTRICT_ADMIN,
            )
    except ValidationError as exc:
        raise SystemExit("\n".join(exc.messages)) from exc

    print(f"已创建“{district_name}”和区级管理员“{username}”。请在 /office/ 登录，并按提示绑定双因素认证。")


main()
