"""`manage.py bootstrap_district`: the district and its first administrator on an empty database, by
prompts or by flags, through the back office's actions; refused once areas exist unless --add-admin."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import World
from yangguang.core.models import Area, AuditEntry, RoleAssignment

PASSWORD = "Sunny-Street-2026"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap_district", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def answer(monkeypatch: pytest.MonkeyPatch, answers: list[str], passwords: list[str]) -> None:
    """Type `answers` at the prompts and `passwords` at the password prompts, in order."""
    replies: Iterator[str] = iter(answers)
    secrets: Iterator[str] = iter(passwords)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(secrets))


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def automated(password_file: Path, *extra: str, username: str = "zhangli") -> str:
    return run(
        "--noinput",
        "--district-name",
        "芙蓉区",
        "--district-code",
        "430102",
        "--username",
        username,
        "--full-name",
        "张丽",
        "--password-file",
        str(password_file),
        *extra,
    )


@pytest.mark.django_db
def test_prompts_create_the_district_and_its_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    answer(monkeypatch, ["芙蓉区", "430102", "zhangli", "张丽"], [PASSWORD, PASSWORD])
    out = run()
    district = Area.objects.get()
    assert (district.kind, district.name, district.code, district.parent) == (
        "district",
        "芙蓉区",
        "430102",
        None,
    )
    assignment = RoleAssignment.objects.select_related("user").get()
    assert (assignment.user.username, assignment.user.first_name, assignment.role, assignment.area) == (
        "zhangli",
        "张丽",
        "district_admin",
        district,
    )
    assert assignment.user.check_password(PASSWORD)
    # The area, the account and the role, each audited as done by the system.
    assert AuditEntry.objects.filter(actor=None).count() == 3
    assert "下一步" in out and "从表格导入下级区域" in out


@pytest.mark.django_db
def test_mismatched_or_weak_passwords_are_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    answer(
        monkeypatch,
        ["芙蓉区", "", "zhangli", "张丽"],
        [PASSWORD, "typo", "12345", "12345", PASSWORD, PASSWORD],
    )
    run()
    assert RoleAssignment.objects.get().user.check_password(PASSWORD)


@pytest.mark.django_db
def test_three_bad_passwords_create_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    answer(monkeypatch, ["芙蓉区", "", "zhangli", "张丽"], ["12345"] * 6)
    with pytest.raises(CommandError, match="什么也没有创建"):
        run()
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_noinput_takes_everything_from_flags_and_the_password_file(password_file: Path) -> None:
    automated(password_file)
    assert Area.objects.get().name == "芙蓉区"
    assert RoleAssignment.objects.get().user.check_password(PASSWORD)


@pytest.mark.django_db
def test_noinput_reads_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
    run("--noinput", "--district-name", "芙蓉区", "--username", "zhangli", "--full-name", "张丽")
    assert RoleAssignment.objects.get().user.check_password(PASSWORD)


@pytest.mark.django_db
def test_noinput_reads_the_password_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    run(
        "--noinput",
        "--district-name",
        "芙蓉区",
        "--username",
        "zhangli",
        "--full-name",
        "张丽",
        "--password-file",
        "-",
    )
    assert RoleAssignment.objects.get().user.check_password(PASSWORD)


@pytest.mark.django_db
def test_noinput_without_what_it_needs_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="管理员用户名"):
        run("--noinput", "--district-name", "芙蓉区")
    with pytest.raises(CommandError, match="没有密码"):
        run("--noinput", "--district-name", "芙蓉区", "--username", "zhangli", "--full-name", "张丽")
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_password_validators_apply(tmp_path: Path) -> None:
    weak = tmp_path / "weak"
    weak.write_text("12345\n", encoding="utf-8")
    with pytest.raises(CommandError, match="密码"):
        automated(weak)
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_district_code_that_is_not_six_digits_is_refused(password_file: Path) -> None:
    with pytest.raises(CommandError, match="6位数字"):
        run(
            "--noinput",
            "--district-name",
            "芙蓉区",
            "--district-code",
            "4301",
            "--username",
            "zhangli",
            "--full-name",
            "张丽",
            "--password-file",
            str(password_file),
        )
    assert not Area.objects.exists()


def test_refuses_once_an_area_exists(world: World, password_file: Path) -> None:
    with pytest.raises(CommandError, match="已经有区域"):
        automated(password_file)
    assert not Area.objects.filter(name="芙蓉区").exists()


def test_add_admin_adds_a_district_administrator_to_the_existing_district(
    world: World, password_file: Path
) -> None:
    before = Area.objects.count()
    out = run(
        "--noinput",
        "--add-admin",
        "--username",
        "wangqiang",
        "--full-name",
        "王强",
        "--password-file",
        str(password_file),
    )
    assignment = RoleAssignment.objects.get(user__username="wangqiang")
    assert (assignment.role, assignment.area) == ("district_admin", world.district)
    assert Area.objects.count() == before
    assert "示范区" in out


def test_add_admin_refuses_a_username_in_use(world: World, password_file: Path) -> None:
    with pytest.raises(CommandError, match="已被使用"):
        run(
            "--noinput",
            "--add-admin",
            "--username",
            "ERIN",
            "--full-name",
            "易琳",
            "--password-file",
            str(password_file),
        )


@pytest.mark.django_db
def test_add_admin_needs_a_district(password_file: Path) -> None:
    with pytest.raises(CommandError, match="还没有区"):
        run(
            "--noinput",
            "--add-admin",
            "--username",
            "zhangli",
            "--full-name",
            "张丽",
            "--password-file",
            str(password_file),
        )


@pytest.mark.django_db
def test_the_new_administrator_can_manage_areas_at_once(password_file: Path) -> None:
    from yangguang.core.actions import areas

    automated(password_file)
    admin = RoleAssignment.objects.get().user
    street = areas.check_create_area(admin, parent=Area.objects.get(), kind="street", name="新华街道")
    assert street.depth == 1
