"""API tokens: issued once in plaintext, stored as a hash, revocable, audited; the command that issues them."""

from __future__ import annotations

import datetime
import hashlib
import re
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yangguang.core.actions import tokens
from yangguang.core.actions.tokens import authenticate_token, do_create_api_token, do_revoke_api_token
from yangguang.core.models import ApiToken, AuditEntry

TOKEN_FORMAT = re.compile(r"^yg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


def test_token_is_shown_once_and_only_its_hash_is_stored(world):
    token, plaintext = do_create_api_token(world.alice, world.alice, "统计脚本")
    assert TOKEN_FORMAT.match(plaintext)
    _scheme, prefix, secret = plaintext.split("_", 2)
    row = ApiToken.objects.get(pk=token.pk)
    assert row.prefix == prefix
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_issuing_a_token_is_audited_without_the_secret(world):
    token, plaintext = do_create_api_token(world.erin, world.alice, "统计脚本")
    entry = AuditEntry.objects.get(action="grant", target_type="apitoken")
    assert entry.actor == world.erin
    assert entry.target_id == str(token.pk)
    assert entry.changes["user"] == [None, "alice"]
    assert entry.changes["prefix"] == [None, token.prefix]
    assert plaintext.split("_", 2)[2] not in str(entry.changes) + entry.target_repr


def test_valid_token_authenticates_its_user(world):
    _token, plaintext = do_create_api_token(None, world.bob, "监督")
    assert authenticate_token(plaintext) == world.bob


def test_right_prefix_with_wrong_secret_is_refused(world):
    _token, plaintext = do_create_api_token(None, world.bob, "监督")
    assert authenticate_token(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None


def test_secret_is_compared_in_constant_time(world):
    _token, plaintext = do_create_api_token(None, world.bob, "监督")
    with mock.patch.object(tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest) as compare:
        assert authenticate_token(plaintext) == world.bob
    compare.assert_called_once()


@pytest.mark.parametrize(
    "text",
    ["", "yg", "yg_", "yg__", "yg_abc_def", "xx_0123456789ab_secret", "yg_0123456789ab_", "Bearer yg_0_1"],
)
def test_malformed_tokens_are_refused(world, text):
    assert authenticate_token(text) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80))
def test_arbitrary_text_never_authenticates_nor_raises(world, text):
    assert authenticate_token(text) is None


def test_revoked_token_is_refused_and_revocation_is_audited_once(world):
    token, plaintext = do_create_api_token(None, world.alice, "临时")
    do_revoke_api_token(world.erin, token)
    do_revoke_api_token(world.erin, token)
    assert authenticate_token(plaintext) is None
    entries = AuditEntry.objects.filter(action="revoke", target_id=str(token.pk))
    assert entries.count() == 1
    assert entries.get().actor == world.erin


def test_token_of_a_deactivated_user_is_refused(world):
    _token, plaintext = do_create_api_token(None, world.alice, "临时")
    world.alice.is_active = False
    world.alice.save()
    assert authenticate_token(plaintext) is None


def test_deactivated_user_cannot_be_issued_a_token(world):
    world.mallory.is_active = False
    with pytest.raises(ValidationError):
        do_create_api_token(None, world.mallory, "不应签发")


@pytest.mark.parametrize("name", ["", "   ", "名" * 101])
def test_token_needs_a_sensible_name(world, name):
    with pytest.raises(ValidationError) as excinfo:
        do_create_api_token(None, world.alice, name)
    assert "name" in excinfo.value.message_dict
    assert not ApiToken.objects.exists()


def test_last_used_is_recorded_at_most_once_a_minute(world, django_assert_num_queries):
    token, plaintext = do_create_api_token(None, world.alice, "同步")
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # find the token, record the use
        authenticate_token(plaintext)
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # used again within the minute: nothing written
        authenticate_token(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_minutes_ago)
    authenticate_token(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > two_minutes_ago


# --- manage.py create_api_token ------------------------------------------------------------------------------


def test_command_prints_a_working_token_once(world):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "alice", "--name", "网格同步脚本", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    assert TOKEN_FORMAT.match(plaintext)
    assert authenticate_token(plaintext) == world.alice
    assert "只显示这一次" in err.getvalue()
    assert plaintext not in err.getvalue()
    token = ApiToken.objects.get(user=world.alice)
    assert token.name == "网格同步脚本"
    assert AuditEntry.objects.get(action="grant").actor_name == "系统"


def test_command_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="不存在"):
        call_command("create_api_token", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO())


def test_command_requires_a_name(world):
    with pytest.raises(CommandError):
        call_command("create_api_token", "alice", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="令牌名称"):
        call_command("create_api_token", "alice", "--name", " ", stdout=StringIO(), stderr=StringIO())
