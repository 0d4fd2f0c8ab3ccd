"""Revealing a full ID number takes a permission and a reason, and leaves an audit entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yangguang.core.actions.privacy import do_reveal
from yangguang.core.middleware import _client_ip
from yangguang.core.models import AuditEntry


def test_staff_reveal_with_reason_is_audited(world):
    token = _client_ip.set("10.1.2.3")
    try:
        value = do_reveal(world.alice, world.person, "id_number", "核对低保申请材料")
    finally:
        _client_ip.reset(token)
    assert value == "43010219500101123X"
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == world.alice
    assert entry.reason == "核对低保申请材料"
    assert entry.ip == "10.1.2.3"
    assert entry.area_id == world.grid.pk


def test_reveal_needs_a_reason(world):
    with pytest.raises(ValidationError):
        do_reveal(world.alice, world.person, "id_number", "  ")
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_committee_member_cannot_reveal(world):
    with pytest.raises(PermissionDenied):
        do_reveal(world.bob, world.person, "id_number", "监督检查需要")


def test_outsider_staff_cannot_reveal(world):
    with pytest.raises(PermissionDenied):
        do_reveal(world.carol, world.person, "id_number", "随便看看看")


def test_unknown_field_is_refused(world):
    with pytest.raises(ValidationError):
        do_reveal(world.alice, world.person, "name", "核对身份信息")
