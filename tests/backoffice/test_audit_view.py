"""The audit trail page: who may read which entries, filters, paging, and the entry detail."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.urls import reverse
from django.utils import timezone

from yangguang.core.actions import accounts, audit, registry
from yangguang.core.actions.privacy import do_reveal
from yangguang.core.middleware import _client_ip
from yangguang.core.models import AuditEntry
from yangguang.core.permissions import Role

LIST = "backoffice:audit_list"


@contextmanager
def from_ip(ip: str) -> Iterator[None]:
    token = _client_ip.set(ip)
    try:
        yield
    finally:
        _client_ip.reset(token)


@pytest.fixture
def trail(world):
    """A few entries on top of the ones the world fixture wrote while building itself."""
    with from_ip("10.0.0.1"):
        before = audit.snapshot(world.person)
        world.person.name = "张三"
        registry.do_save_record(world.alice, world.person, before=before)
        before = audit.snapshot(world.other_person)
        world.other_person.ethnicity = "汉族"
        registry.do_save_record(world.carol, world.other_person, before=before)
        accounts.do_record_login(world.alice)
        accounts.do_record_login(world.mallory)
        accounts.do_record_lockout("no-such-user")
    return world


def entries_seen(response) -> list[AuditEntry]:
    return [entry for entry, _label in response.context["rows"]]


# --- access --------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client, trail):
    entry = AuditEntry.objects.first()
    for url in (reverse(LIST), reverse("backoffice:audit_detail", args=[entry.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("backoffice:login"))


@pytest.mark.parametrize("persona", ["alice", "carol", "grace", "mallory"])
def test_users_without_view_audit_get_404(client, trail, persona):
    client.force_login(getattr(trail, persona))
    entry = AuditEntry.objects.filter(area=trail.sunshine).first()
    assert client.get(reverse(LIST)).status_code == 404
    assert client.get(reverse("backoffice:audit_detail", args=[entry.pk])).status_code == 404


def test_bob_of_the_committee_sees_only_sunshine_entries(client, trail):
    client.force_login(trail.bob)
    seen = entries_seen(client.get(reverse(LIST)))
    assert seen
    assert all(entry.area is not None and entry.area.path.startswith(trail.sunshine.path) for entry in seen)
    assert any(entry.actor == trail.alice and entry.action == "update" for entry in seen)
    assert not any(entry.actor == trail.carol for entry in seen)
    assert not any(entry.action == "login" for entry in seen)


def test_dave_sees_his_street_but_not_the_other_one(client, trail):
    client.force_login(trail.dave)
    seen = entries_seen(client.get(reverse(LIST)))
    assert any(entry.actor == trail.carol for entry in seen)  # 和平社区 is in 东风街道
    assert not any(entry.area == trail.village for entry in seen)
    assert not any(entry.action == "login" for entry in seen)


def test_erin_sees_the_whole_district_and_the_logins_of_accounts_she_manages(client, trail):
    client.force_login(trail.erin)
    seen = entries_seen(client.get(reverse(LIST), {"action": "login"}))
    assert {entry.target_id for entry in seen} == {str(trail.alice.pk), str(trail.mallory.pk), ""}
    assert any(entry.area == trail.village for entry in entries_seen(client.get(reverse(LIST))))


def test_another_districts_admin_does_not_see_erins_staff_logging_in(client, trail):
    other = registry.do_create_area(None, parent=None, kind="district", name="北湖区")
    frank = accounts.do_create_user(
        None,
        username="frank",
        full_name="方克",
        password="correct horse battery",
        area=other,
        role=Role.DISTRICT_ADMIN,
    )
    client.force_login(frank)
    seen = entries_seen(client.get(reverse(LIST), {"action": "login"}))
    assert str(trail.alice.pk) not in {entry.target_id for entry in seen}
    login = AuditEntry.objects.get(action="login", target_id=str(trail.alice.pk))
    assert client.get(reverse("backoffice:audit_detail", args=[login.pk])).status_code == 404


# --- list: filters, order, paging, queries -------------------------------------------------------------


def test_filter_by_record_for_a_records_audit_link(client, trail):
    client.force_login(trail.bob)
    response = client.get(reverse(LIST), {"target_type": "person", "target_id": trail.person.pk})
    seen = entries_seen(response)
    assert {entry.target_id for entry in seen} == {str(trail.person.pk)}
    assert {entry.action for entry in seen} == {"create", "update"}


def test_filter_by_action_and_actor_name(client, trail):
    client.force_login(trail.dave)
    seen = entries_seen(client.get(reverse(LIST), {"action": "update", "actor": "陈"}))
    assert [entry.actor for entry in seen] == [trail.carol]


def test_filter_by_date_range_includes_the_last_day(client, trail):
    old = AuditEntry.objects.get(actor=trail.alice, action="update")
    AuditEntry.objects.filter(pk=old.pk).update(
        at=timezone.make_aware(datetime.datetime(2024, 1, 31, 23, 30))
    )
    client.force_login(trail.bob)
    seen = entries_seen(client.get(reverse(LIST), {"date_from": "2024-01-01", "date_to": "2024-01-31"}))
    assert [entry.pk for entry in seen] == [old.pk]


def test_a_bad_date_is_reported_and_the_other_filters_still_apply(client, trail):
    client.force_login(trail.bob)
    response = client.get(reverse(LIST), {"date_from": "昨天", "action": "update"})
    assert "输入一个有效的日期" in response.content.decode()
    assert {entry.action for entry in entries_seen(response)} == {"update"}


def test_newest_entries_come_first(client, trail):
    client.force_login(trail.erin)
    seen = entries_seen(client.get(reverse(LIST)))
    keys = [(entry.at, entry.pk) for entry in seen]
    assert keys == sorted(keys, reverse=True)


def test_the_list_is_paginated_keeping_the_filters(client, trail, settings):
    settings.PAGE_SIZE = 2
    client.force_login(trail.erin)
    response = client.get(reverse(LIST), {"action": "create"})
    assert len(entries_seen(response)) == 2
    assert "action=create&amp;page=2" in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "erin"])
def test_the_list_runs_a_fixed_number_of_queries(client, trail, persona, django_assert_num_queries):
    client.force_login(getattr(trail, persona))
    # session, user, role assignments, count, one page of entries with their areas
    with django_assert_num_queries(5):
        response = client.get(reverse(LIST))
    assert response.status_code == 200


def test_the_list_names_target_types_in_chinese(client, trail):
    client.force_login(trail.bob)
    body = client.get(reverse(LIST), {"target_type": "person"}).content.decode()
    assert "居民 · 张*" in body


# --- detail ----------------------------------------------------------------------------------------------


def test_detail_shows_the_change_as_old_and_new(client, trail):
    entry = AuditEntry.objects.get(actor=trail.alice, action="update")
    client.force_login(trail.bob)
    response = client.get(reverse("backoffice:audit_detail", args=[entry.pk]))
    assert response.status_code == 200
    rows = response.context["rows"]
    # Residents' names are masked in the trail, like ID numbers and phones.
    assert [(row.label, row.old, row.new) for row in rows] == [("姓名", "张*丰", "张*")]
    body = response.content.decode()
    assert "10.0.0.1" in body
    assert "王爱丽" in body
    assert f"target_type=person&amp;target_id={trail.person.pk}" in body


def test_detail_shows_only_masked_id_numbers(client, trail):
    person = trail.person
    before = audit.snapshot(person)
    registry.set_person_identity(person, "430102195001011221")
    registry.do_save_record(trail.alice, person, before=before)
    entry = AuditEntry.objects.filter(actor=trail.alice, action="update").latest("id")
    client.force_login(trail.erin)
    response = client.get(reverse("backoffice:audit_detail", args=[entry.pk]))
    body = response.content.decode()
    assert "430102195001011221" not in body
    assert "43010219500101123X" not in body
    id_row = next(row for row in response.context["rows"] if row.label == "身份证号")
    assert id_row.old != id_row.new
    assert "*" in id_row.new


def test_detail_of_a_reveal_shows_the_field_reason_and_ip(client, trail):
    with from_ip("192.168.7.8"):
        do_reveal(trail.alice, trail.person, "id_number", "核对低保申请材料")
    entry = AuditEntry.objects.get(action="reveal")
    client.force_login(trail.bob)
    response = client.get(reverse("backoffice:audit_detail", args=[entry.pk]))
    body = response.content.decode()
    assert "核对低保申请材料" in body
    assert "192.168.7.8" in body
    assert [(row.label, row.new) for row in response.context["rows"]] == [("查看的字段", "身份证号")]
    assert "43010219500101123X" not in body


def test_detail_of_a_role_grant_reads_in_chinese(client, trail):
    accounts.check_grant_role(trail.erin, trail.mallory, trail.grid, Role.GRID_WORKER)
    entry = AuditEntry.objects.get(action="grant")
    client.force_login(trail.bob)  # the grant is filed under 一网格, inside bob's community
    response = client.get(reverse("backoffice:audit_detail", args=[entry.pk]))
    # PostgreSQL's jsonb does not keep key order, so the rows are compared as a set.
    assert {(row.label, row.old, row.new) for row in response.context["rows"]} == {
        ("角色", "—", "网格员"),
        ("区域", "—", "一网格"),
    }


def test_bob_gets_404_for_an_entry_of_another_community(client, trail):
    entry = AuditEntry.objects.get(actor=trail.carol)
    client.force_login(trail.bob)
    assert client.get(reverse("backoffice:audit_detail", args=[entry.pk])).status_code == 404


def test_unknown_entry_is_404(client, trail):
    client.force_login(trail.erin)
    assert client.get(reverse("backoffice:audit_detail", args=[999999])).status_code == 404


def test_detail_names_a_reverse_relation_by_its_model(client, trail):
    # Entries about inspections, terms or notices log lists under the name of a reverse relation
    # ("checks", "members"): such a key has no label of its own and once made the page fail.
    entry = audit.record(
        trail.erin, "update", target=trail.grid, changes={"children": [[], ["二网格"]], "no_such": [1, 2]}
    )
    client.force_login(trail.erin)
    response = client.get(reverse("backoffice:audit_detail", args=[entry.pk]))
    assert response.status_code == 200
    assert {row.label for row in response.context["rows"]} == {"区域", "no_such"}
