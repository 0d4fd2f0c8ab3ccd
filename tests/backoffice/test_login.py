"""Logging in: Argon2 hashes, lockout after repeated failures (django-axes), logins in the audit trail."""

from __future__ import annotations

import importlib

from django.contrib.auth.hashers import make_password
from django.urls import reverse

from yangguang.core.models import AuditEntry

LOGIN = "backoffice:login"
PASSWORD = "correct horse battery"  # the conftest personas' password


def _login(client, username: str, password: str, **extra):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, **extra)


def _fail(client, username: str, times: int, **extra):
    response = None
    for _ in range(times):
        response = _login(client, username, "wrong password", **extra)
    return response


def test_production_hasher_is_argon2(settings):
    # The conftest swaps in MD5 for speed, so read the project's own settings module.
    project = importlib.import_module("config.settings")
    assert project.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    assert make_password("correct horse battery").startswith("argon2$argon2id$")


def test_login_page_renders_in_chinese(client, db):
    response = client.get(reverse(LOGIN))
    assert response.status_code == 200
    assert "工作人员登录" in response.content.decode()


def test_alice_logs_in_and_the_login_is_audited(client, world):
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:home")
    entry = AuditEntry.objects.get(action="login")
    assert entry.actor == world.alice
    assert entry.target_type == "user"
    assert entry.target_id == str(world.alice.pk)
    assert entry.ip == "127.0.0.1"
    assert entry.area is None


def test_login_follows_a_local_next_only(client, world):
    response = client.post(
        reverse(LOGIN) + "?next=/office/audit/",
        {"username": "bob", "password": PASSWORD, "next": "/office/audit/"},
    )
    assert response["Location"] == "/office/audit/"
    client.logout()
    response = client.post(
        reverse(LOGIN), {"username": "bob", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("backoffice:home")


def test_wrong_password_shows_a_chinese_error_and_is_not_audited_as_login(client, world):
    response = _login(client, "alice", "wrong password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert not AuditEntry.objects.filter(action="login").exists()


def test_deactivated_user_cannot_log_in(client, world):
    world.grace.is_active = False
    world.grace.save()
    response = _login(client, "grace", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_fifth_wrong_password_locks_alice_out_with_429(client, world):
    assert _fail(client, "alice", 4).status_code == 200
    response = _fail(client, "alice", 1)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_locked_out_alice_is_refused_even_with_the_right_password(client, world):
    _fail(client, "alice", 5)
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录失败次数过多" in body
    assert "联系区级管理员解锁" in body
    assert "_auth_user_id" not in client.session


def test_lockout_is_audited_once_naming_the_account(client, world):
    _fail(client, "alice", 5)
    _login(client, "alice", PASSWORD)
    _fail(client, "alice", 2)
    entries = AuditEntry.objects.filter(action="login")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor is None
    assert entry.target_id == str(world.alice.pk)
    assert "锁定" in entry.reason
    assert entry.ip == "127.0.0.1"


def test_lockout_of_an_unknown_username_does_not_record_what_was_typed(client, db):
    _fail(client, "S3cret-typed-in-the-wrong-box", 5)
    entry = AuditEntry.objects.get(action="login")
    assert entry.target_id == ""
    assert "S3cret" not in entry.target_repr
    assert "用户名不存在" in entry.reason


def test_bob_from_the_same_ip_is_not_locked_by_alices_failures(client, world):
    _fail(client, "alice", 5)
    response = _login(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.bob.pk)


def test_alice_from_another_ip_is_not_locked(client, world):
    _fail(client, "alice", 5)
    response = _login(client, "alice", PASSWORD, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302


def test_successful_login_resets_the_failure_count(client, world):
    _fail(client, "alice", 4)
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    # Four more failures after the reset stay below the limit of five.
    assert _fail(client, "alice", 4).status_code == 200
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_logout_returns_to_the_login_page(client, world):
    client.force_login(world.alice)
    response = client.post(reverse("backoffice:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse(LOGIN)
    assert "_auth_user_id" not in client.session
