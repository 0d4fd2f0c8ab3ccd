"""Revealing a full ID number or phone number from a detail page: only for REVEAL_PERSONAL holders, with a
reason, an audit entry, and the value shown once on the response page (never stored in the session)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import World
from yangguang.core.actions import registry
from yangguang.core.models import AuditEntry, Merchant, Person

ZHANG_ID = "43010219500101123X"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reveal(client: Client, person: Person, field: str = "id_number", reason: str = "核对低保申请材料") -> Any:
    url = reverse("backoffice:person_reveal", args=[person.pk])
    return client.post(url, {"field": field, "reason": reason})


def test_staff_sees_the_reveal_form_on_the_person_page(world: World) -> None:
    html = (
        logged_in(world.alice)
        .get(reverse("backoffice:person_detail", args=[world.person.pk]))
        .content.decode()
    )
    assert "查看完整身份证号" in html
    assert "查看事由" in html
    assert ZHANG_ID not in html


def test_staff_reveals_the_id_number_once_with_an_audit_entry(world: World) -> None:
    client = logged_in(world.alice)
    response = reveal(client, world.person)
    assert response.status_code == 200
    assert ZHANG_ID in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == world.alice
    assert entry.reason == "核对低保申请材料"
    assert entry.changes == {"field": "id_number"}
    # Nothing kept: the next page load shows the mask again and the session holds no number.
    again = client.get(reverse("backoffice:person_detail", args=[world.person.pk])).content.decode()
    assert ZHANG_ID not in again
    assert ZHANG_ID not in str(dict(client.session))


def test_staff_reveals_the_phone_number(world: World) -> None:
    person = Person.objects.get(pk=world.person.pk)
    person.set_sealed("phone", "13987654321")
    person.save()
    response = reveal(logged_in(world.alice), person, field="phone")
    assert "13987654321" in response.content.decode()
    assert AuditEntry.objects.get(action="reveal").changes == {"field": "phone"}


def test_reveal_without_a_reason_is_refused_and_not_audited(world: World) -> None:
    response = reveal(logged_in(world.alice), world.person, reason="看看")
    html = response.content.decode()
    assert "请填写查看事由（至少4个字）。" in html
    assert ZHANG_ID not in html
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_committee_member_has_no_reveal_form_and_gets_403(world: World) -> None:
    client = logged_in(world.bob)
    html = client.get(reverse("backoffice:person_detail", args=[world.person.pk])).content.decode()
    assert "查看完整身份证号" not in html
    assert reveal(client, world.person).status_code == 403
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_grid_worker_gets_403(world: World) -> None:
    assert reveal(logged_in(world.grace), world.person).status_code == 403


def test_outsider_gets_404(world: World) -> None:
    assert reveal(logged_in(world.carol), world.person).status_code == 404
    assert reveal(logged_in(world.mallory), world.person).status_code == 404


def test_committee_member_sees_age_instead_of_birth_date(world: World) -> None:
    html = (
        logged_in(world.bob).get(reverse("backoffice:person_detail", args=[world.person.pk])).content.decode()
    )
    assert "1950-01-01" not in html
    assert "岁" in html
    staff = (
        logged_in(world.alice)
        .get(reverse("backoffice:person_detail", args=[world.person.pk]))
        .content.decode()
    )
    assert "1950-01-01" in staff


def test_staff_reveals_a_merchants_phone(world: World) -> None:
    shop = Merchant(area=world.sunshine, name="阳光药房")
    shop.set_sealed("phone", "13612345678")
    registry.do_save_record(None, shop)
    url = reverse("backoffice:merchant_reveal", args=[shop.pk])
    response = logged_in(world.alice).post(url, {"field": "phone", "reason": "联系整改事项"})
    assert "13612345678" in response.content.decode()
    assert logged_in(world.bob).post(url, {"field": "phone", "reason": "联系整改事项"}).status_code == 403
