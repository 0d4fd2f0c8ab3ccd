"""Linking a staff account to its registry person (the welfare recusal rule reads the link): erin, the
district administrator, finds the person by exact ID number inside her district; the link is audited and
shown masked. frank administers another district (北湖区) and cannot reach 示范区's residents."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from yangguang.core.actions import accounts, registry
from yangguang.core.models import AuditEntry
from yangguang.core.models.accounts import StaffIdentity
from yangguang.core.permissions import Role

ZHANG_ID = "43010219500101123X"  # world.person, 张三丰, registered in 阳光社区's grid
LI_ID = "430102198002022233"  # world.other_person, 李四, registered in 和平社区


@pytest.fixture
def frank(world: World) -> User:
    other_district = registry.do_create_area(None, parent=None, kind="district", name="北湖区")
    return accounts.do_create_user(
        None,
        username="frank",
        full_name="方克",
        password="correct horse battery",
        area=other_district,
        role=Role.DISTRICT_ADMIN,
    )


def detail(user: User) -> str:
    return reverse("backoffice:user_detail", args=[user.pk])


def link_url(user: User) -> str:
    return reverse("backoffice:user_link_person", args=[user.pk])


# --- the action ----------------------------------------------------------------------------------------


def test_erin_links_alice_by_id_number_and_the_entry_is_masked(world: World) -> None:
    identity = accounts.check_link_person(world.erin, world.alice, " 430102 19500101 123x ")
    assert identity.person == world.person
    assert identity.linked_by == world.erin
    assert StaffIdentity.objects.get(user=world.alice).person == world.person
    entry = AuditEntry.objects.filter(target_type="user", target_id=str(world.alice.pk)).latest("id")
    assert entry.actor == world.erin
    assert entry.reason == "关联登记人口"
    assert entry.area == world.sunshine
    assert entry.changes == {"person": [None, "张*丰（430***********123X）"]}
    assert "张三丰" not in str(entry.changes) and ZHANG_ID not in str(entry.changes)


def test_linking_again_replaces_the_link_and_unlinking_removes_it(world: World) -> None:
    accounts.check_link_person(world.erin, world.alice, ZHANG_ID)
    with pytest.raises(ValidationError, match="已关联这位居民"):
        accounts.check_link_person(world.erin, world.alice, ZHANG_ID)
    accounts.check_link_person(world.erin, world.alice, LI_ID)
    assert StaffIdentity.objects.get(user=world.alice).person == world.other_person
    changed = AuditEntry.objects.filter(reason="关联登记人口").latest("id")
    assert changed.changes == {"person": ["张*丰（430***********123X）", "李*（430***********2233）"]}
    accounts.check_unlink_person(world.erin, world.alice)
    assert not StaffIdentity.objects.filter(user=world.alice).exists()
    assert AuditEntry.objects.filter(reason="解除关联登记人口").exists()
    with pytest.raises(ValidationError, match="没有关联登记人口"):
        accounts.check_unlink_person(world.erin, world.alice)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("43010219500101123", "身份证"),  # 17 characters
        ("430102195001011230", "校验"),  # wrong check character
        ("430102199001011238", "没有找到"),  # valid but not registered
    ],
)
def test_a_bad_or_unknown_id_number_is_refused_in_chinese(world: World, raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        accounts.check_link_person(world.erin, world.alice, raw)
    assert message in exc.value.message_dict["id_number"][0]
    assert not StaffIdentity.objects.exists()


def test_a_resident_outside_the_administrators_district_is_not_found(world: World, frank: User) -> None:
    henry = accounts.do_create_user(
        frank,
        username="henry",
        full_name="何瑞",
        password="correct horse battery",
        area=frank.role_assignments.get().area,
        role=Role.DISTRICT_ADMIN,
    )
    with pytest.raises(ValidationError, match="没有找到"):
        accounts.check_link_person(frank, henry, ZHANG_ID)


def test_nobody_links_their_own_account_or_an_account_they_do_not_manage(world: World, frank: User) -> None:
    with pytest.raises(ValidationError, match="不能为自己的账户"):
        accounts.check_link_person(world.erin, world.erin, ZHANG_ID)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        accounts.check_link_person(frank, world.alice, ZHANG_ID)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        accounts.check_link_person(world.alice, world.grace, ZHANG_ID)


def test_a_deceased_resident_cannot_be_linked(world: World) -> None:
    person = world.person
    person.died_on = datetime.date(2024, 1, 1)
    registry.do_save_record(None, person)
    with pytest.raises(ValidationError, match="已登记死亡"):
        accounts.check_link_person(world.erin, world.alice, ZHANG_ID)


# --- the pages -----------------------------------------------------------------------------------------


def test_erin_links_through_the_account_page_and_sees_it_masked(world: World) -> None:
    erin = Client()
    erin.force_login(world.erin)
    assert "未关联" in erin.get(detail(world.alice)).content.decode()
    response = erin.post(link_url(world.alice), {"id_number": ZHANG_ID}, follow=True)
    body = response.content.decode()
    assert "已将该账户关联到登记人口 张*丰（430***********123X）" in body
    assert "张三丰" not in body and ZHANG_ID not in body
    assert "解除关联" in body
    refused = erin.post(link_url(world.alice), {"id_number": "12345"}, follow=True).content.decode()
    assert "身份证" in refused
    empty = erin.post(link_url(world.alice), {"id_number": ""}, follow=True).content.decode()
    assert "请输入本人的身份证号码" in empty
    removed = erin.post(reverse("backoffice:user_unlink_person", args=[world.alice.pk]), follow=True)
    assert "已解除该账户与登记人口的关联" in removed.content.decode()


def test_the_own_account_page_offers_no_link_form(world: World) -> None:
    erin = Client()
    erin.force_login(world.erin)
    body = erin.get(detail(world.erin)).content.decode()
    assert "本人账户的关联须由其他管理员设置" in body
    assert link_url(world.erin) not in body
    refused = erin.post(link_url(world.erin), {"id_number": ZHANG_ID}, follow=True).content.decode()
    assert "不能为自己的账户关联" in refused


def test_my_account_shows_the_link_masked(world: World) -> None:
    accounts.check_link_person(world.erin, world.alice, ZHANG_ID)
    alice = Client()
    alice.force_login(world.alice)
    body = alice.get(reverse("backoffice:account")).content.decode()
    assert "张*丰（430***********123X）" in body and "张三丰" not in body


def test_link_pages_refuse_get(world: World) -> None:
    erin = Client()
    erin.force_login(world.erin)
    assert erin.get(link_url(world.alice)).status_code == 405
