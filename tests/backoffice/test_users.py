"""User and role management by district administrators: the actions and the back-office pages.

Besides the shared personas, frank administers another district (北湖区): he stands for an administrator
who must not reach 示范区's accounts.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from yangguang.core.actions import accounts, registry
from yangguang.core.models import AuditEntry, RoleAssignment
from yangguang.core.permissions import Cap, Role, has_capability

PASSWORD = "correct horse battery"
NEW_PASSWORD = "阳光社区新同事2025"


@pytest.fixture
def frank(world) -> User:
    other_district = registry.do_create_area(None, parent=None, kind="district", name="北湖区")
    return accounts.do_create_user(
        None,
        username="frank",
        full_name="方克",
        password=PASSWORD,
        area=other_district,
        role=Role.DISTRICT_ADMIN,
    )


def create_henry(world, actor=None) -> User:
    return accounts.check_create_user(
        actor or world.erin,
        username="henry",
        full_name="何瑞",
        password=NEW_PASSWORD,
        area=world.sunshine,
        role=Role.COMMUNITY_STAFF,
    )


# --- actions: creating accounts ----------------------------------------------------------------------


def test_erin_creates_an_account_with_its_first_role_and_both_are_audited(world):
    henry = create_henry(world)
    assert henry.check_password(NEW_PASSWORD)
    assert henry.get_full_name() == "何瑞"
    assert list(RoleAssignment.objects.filter(user=henry).values_list("role", "area")) == [
        (Role.COMMUNITY_STAFF, world.sunshine.pk)
    ]
    created = AuditEntry.objects.get(action="create", target_type="user")
    assert created.actor == world.erin
    assert created.area == world.sunshine
    assert created.changes == {"username": [None, "henry"], "full_name": [None, "何瑞"]}
    granted = AuditEntry.objects.get(action="grant")
    assert granted.area == world.sunshine
    assert granted.target_id == str(henry.pk)
    assert granted.changes == {"role": [None, "社区工作人员"], "area": [None, "阳光社区"]}


def test_username_already_taken_in_another_case_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        accounts.check_create_user(
            world.erin,
            username="ALICE",
            full_name="另一个爱丽",
            password=NEW_PASSWORD,
            area=world.sunshine,
            role=Role.COMMUNITY_STAFF,
        )
    assert exc.value.message_dict["username"] == ["该用户名已被使用。"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "密码长度太短，至少需要 10 个字符。"),
        ("1234567890123", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
    ],
)
def test_weak_initial_password_is_refused_in_chinese(world, password, message):
    with pytest.raises(ValidationError) as exc:
        accounts.check_create_user(
            world.erin,
            username="henry",
            full_name="何瑞",
            password=password,
            area=world.sunshine,
            role=Role.COMMUNITY_STAFF,
        )
    assert message in exc.value.message_dict["password"]
    assert not User.objects.filter(username="henry").exists()


# --- actions: granting and revoking ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "area_name", "allowed"),
    [
        (Role.GRID_WORKER, "grid", True),
        (Role.GRID_WORKER, "sunshine", False),
        (Role.COMMUNITY_STAFF, "sunshine", True),
        (Role.COMMUNITY_STAFF, "village", True),
        (Role.COMMUNITY_STAFF, "grid", False),
        (Role.COMMITTEE_MEMBER, "peace", True),
        (Role.COMMITTEE_MEMBER, "street", False),
        (Role.STREET_DISCIPLINE, "street2", True),
        (Role.STREET_DISCIPLINE, "sunshine", False),
        (Role.DISTRICT_ADMIN, "district", True),
        (Role.DISTRICT_ADMIN, "street", False),
        (Role.CIVIL_AFFAIRS, "district", True),
        (Role.CIVIL_AFFAIRS, "peace", False),
        (Role.LIAISON, "grid", True),
        (Role.VOLUNTEER, "district", False),
    ],
)
def test_roles_fit_only_their_kind_of_area(world, role, area_name, allowed):
    area = getattr(world, area_name)
    if allowed:
        accounts.check_grant_role(world.erin, world.mallory, area, role)
        assert RoleAssignment.objects.filter(user=world.mallory, area=area, role=role).exists()
    else:
        with pytest.raises(ValidationError) as exc:
            accounts.check_grant_role(world.erin, world.mallory, area, role)
        assert "只能在" in exc.value.message_dict["area"][0]


def test_grid_worker_at_a_community_gets_a_message_naming_the_levels(world):
    with pytest.raises(ValidationError) as exc:
        accounts.check_grant_role(world.erin, world.mallory, world.sunshine, Role.GRID_WORKER)
    assert exc.value.message_dict["area"] == ["“网格员”只能在网格一级授予，“阳光社区”是社区。"]


def test_frank_cannot_grant_in_erins_district(world, frank):
    with pytest.raises(ValidationError) as exc:
        accounts.check_grant_role(frank, world.mallory, world.grid, Role.GRID_WORKER)
    assert exc.value.message_dict["area"] == ["“一网格”不在您的管辖范围内。"]


def test_alice_without_manage_users_cannot_grant(world):
    with pytest.raises(ValidationError):
        accounts.check_grant_role(world.alice, world.mallory, world.grid, Role.GRID_WORKER)


def test_the_same_role_twice_is_refused(world):
    with pytest.raises(ValidationError, match="已拥有这个角色"):
        accounts.check_grant_role(world.erin, world.alice, world.sunshine, Role.COMMUNITY_STAFF)


def test_a_deactivated_account_gets_no_new_role(world):
    accounts.check_set_active(world.erin, world.grace, False)
    with pytest.raises(ValidationError, match="已停用"):
        accounts.check_grant_role(world.erin, world.grace, world.grid, Role.LIAISON)


def test_grant_takes_effect_on_the_same_user_object_at_once(world):
    mallory = world.mallory
    assert not has_capability(mallory, Cap.VIEW_REGISTRY, world.grid)  # fills the per-request cache
    accounts.check_grant_role(world.erin, mallory, world.grid, Role.GRID_WORKER)
    assert has_capability(mallory, Cap.VIEW_REGISTRY, world.grid)


def test_revoke_is_audited_under_the_roles_area_and_takes_effect(world):
    assignment = RoleAssignment.objects.select_related("user").get(user=world.grace)
    grace = assignment.user
    assert has_capability(grace, Cap.EDIT_REGISTRY, world.grid)
    accounts.check_revoke_role(world.erin, assignment)
    assert not has_capability(grace, Cap.EDIT_REGISTRY, world.grid)
    entry = AuditEntry.objects.get(action="revoke")
    assert entry.area == world.grid
    assert entry.actor == world.erin
    assert entry.changes == {"role": ["网格员", None], "area": ["一网格", None]}


def test_erin_cannot_revoke_her_own_admin_role(world):
    with pytest.raises(ValidationError, match="不能撤销自己的管理员角色"):
        accounts.check_revoke_role(world.erin, RoleAssignment.objects.get(user=world.erin))


def test_frank_cannot_revoke_in_erins_district(world, frank):
    with pytest.raises(ValidationError):
        accounts.check_revoke_role(frank, RoleAssignment.objects.get(user=world.alice))


# --- actions: deactivating, jurisdiction ---------------------------------------------------------------


def test_deactivation_is_audited_under_the_users_area_and_blocks_login(client, world):
    accounts.check_set_active(world.erin, world.alice, False)
    entry = AuditEntry.objects.get(action="update", target_type="user")
    assert entry.area == world.sunshine
    assert entry.changes == {"is_active": [True, False]}
    response = client.post(reverse("backoffice:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200


def test_deactivation_ends_an_open_session(client, world):
    client.force_login(world.alice)
    accounts.check_set_active(world.erin, world.alice, False)
    assert client.get("/office/")["Location"].startswith(reverse("backoffice:login"))


def test_setting_the_same_state_writes_nothing(world):
    accounts.check_set_active(world.erin, world.alice, True)
    assert not AuditEntry.objects.filter(target_type="user").exists()


def test_erin_cannot_deactivate_herself(world):
    with pytest.raises(ValidationError, match="不能停用自己的账户"):
        accounts.check_set_active(world.erin, world.erin, False)


def test_erin_manages_every_account_in_her_district_and_those_without_a_role(world, frank):
    managed = set(accounts.users_managed_by(world.erin).values_list("username", flat=True))
    assert managed == {"alice", "bob", "carol", "dave", "erin", "grace", "mallory"}


def test_frank_manages_only_his_district_and_role_less_accounts(world, frank):
    managed = set(accounts.users_managed_by(frank).values_list("username", flat=True))
    assert managed == {"frank", "mallory"}


def test_dave_and_alice_manage_no_one(world):
    assert not accounts.users_managed_by(world.dave).exists()
    assert not accounts.users_managed_by(world.alice).exists()


# --- pages: access -------------------------------------------------------------------------------------


def _pages(world) -> list[str]:
    pk = world.alice.pk
    return [
        reverse("backoffice:user_list"),
        reverse("backoffice:user_create"),
        reverse("backoffice:user_detail", args=[pk]),
    ]


def _post_pages(world) -> list[str]:
    pk = world.alice.pk
    assignment = RoleAssignment.objects.get(user=world.alice)
    return [
        reverse("backoffice:user_grant", args=[pk]),
        reverse("backoffice:user_revoke", args=[pk, assignment.pk]),
        reverse("backoffice:user_set_active", args=[pk]),
        reverse("backoffice:user_reset_2fa", args=[pk]),
        reverse("backoffice:user_unlock", args=[pk]),
        reverse("backoffice:user_link_person", args=[pk]),
        reverse("backoffice:user_unlink_person", args=[pk]),
    ]


def test_anonymous_visitor_is_sent_to_login(client, world):
    for url in _pages(world) + _post_pages(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("backoffice:login")), url


@pytest.mark.parametrize("persona", ["alice", "bob", "dave", "grace", "mallory"])
def test_users_without_manage_users_get_404(client, world, persona):
    client.force_login(getattr(world, persona))
    for url in _pages(world):
        assert client.get(url).status_code == 404, url
    for url in _post_pages(world):
        assert client.post(url, {"active": "0"}).status_code == 404, url
    world.alice.refresh_from_db()
    assert world.alice.is_active
    assert RoleAssignment.objects.filter(user=world.alice).exists()


def test_frank_from_another_district_gets_404_for_alice(client, world, frank):
    client.force_login(frank)
    assert client.get(reverse("backoffice:user_detail", args=[world.alice.pk])).status_code == 404
    for url in _post_pages(world):
        assert client.post(url, {"active": "0"}).status_code == 404, url


def test_post_only_actions_refuse_get(client, world):
    client.force_login(world.erin)
    assert client.get(reverse("backoffice:user_set_active", args=[world.alice.pk])).status_code == 405


# --- pages: list, create, detail -----------------------------------------------------------------------


def test_erin_lists_accounts_with_their_roles_in_pinned_queries(client, world, django_assert_num_queries):
    client.force_login(world.erin)
    # session, user, erin's roles, count, page of users, their roles (with areas)
    with django_assert_num_queries(6):
        response = client.get(reverse("backoffice:user_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "阳光社区 · 居务监督委员会成员" in body
    assert "mallory" in body
    assert "共 7 个账户" in body


def test_the_user_list_searches_username_and_name(client, world):
    client.force_login(world.erin)
    body = client.get(reverse("backoffice:user_list"), {"q": "刘"}).content.decode()
    assert "bob" in body
    assert "alice" not in body


def test_the_user_list_is_paginated(client, world, settings):
    settings.PAGE_SIZE = 3
    client.force_login(world.erin)
    response = client.get(reverse("backoffice:user_list"), {"page": 3})
    body = response.content.decode()
    assert "第 3 页，共 3 页" in body
    assert [u.username for u in response.context["page_obj"]] == ["mallory"]


def test_erin_creates_an_account_through_the_form(client, world):
    client.force_login(world.erin)
    response = client.post(
        reverse("backoffice:user_create"),
        {
            "username": "henry",
            "full_name": "何瑞",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "area": world.grid.pk,
            "role": Role.GRID_WORKER,
        },
    )
    henry = User.objects.get(username="henry")
    assert response["Location"] == reverse("backoffice:user_detail", args=[henry.pk])
    assert AuditEntry.objects.get(action="create", target_id=str(henry.pk)).ip == "127.0.0.1"


def test_create_form_shows_chinese_errors_for_each_field(client, world):
    client.force_login(world.erin)
    response = client.post(
        reverse("backoffice:user_create"),
        {
            "username": "alice",
            "full_name": "何瑞",
            "password": "1234567",
            "password_again": "1234567",
            "area": world.sunshine.pk,
            "role": Role.GRID_WORKER,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "该用户名已被使用" in body
    assert "密码长度太短" in body
    assert "只能在网格一级授予" in body


def test_create_form_checks_the_two_passwords_match(client, world):
    client.force_login(world.erin)
    response = client.post(
        reverse("backoffice:user_create"),
        {
            "username": "henry",
            "full_name": "何瑞",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD + "x",
            "area": world.sunshine.pk,
            "role": Role.COMMUNITY_STAFF,
        },
    )
    assert "两次输入的密码不一致" in response.content.decode()


def test_create_form_offers_only_erins_areas(client, world, frank):
    client.force_login(frank)
    response = client.get(reverse("backoffice:user_create"))
    body = response.content.decode()
    assert "北湖区" in body
    assert "和平社区" not in body
    assert "一网格" not in body


def test_user_detail_shows_roles_in_jurisdiction_and_audit_link(client, world):
    client.force_login(world.erin)
    body = client.get(reverse("backoffice:user_detail", args=[world.bob.pk])).content.decode()
    assert "居务监督委员会成员" in body
    assert f"target_type=user&amp;target_id={world.bob.pk}" in body


def test_erin_grants_and_revokes_through_the_pages(client, world):
    client.force_login(world.erin)
    url = reverse("backoffice:user_grant", args=[world.mallory.pk])
    response = client.post(url, {"area": world.grid.pk, "role": Role.LIAISON}, follow=True)
    assert "已授权" in response.content.decode()
    assignment = RoleAssignment.objects.get(user=world.mallory)
    response = client.post(
        reverse("backoffice:user_revoke", args=[world.mallory.pk, assignment.pk]), follow=True
    )
    assert "已撤销授权" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=world.mallory).exists()


def test_a_refused_grant_says_why(client, world):
    client.force_login(world.erin)
    url = reverse("backoffice:user_grant", args=[world.mallory.pk])
    response = client.post(url, {"area": world.sunshine.pk, "role": Role.GRID_WORKER}, follow=True)
    assert "只能在网格一级授予" in response.content.decode()


def test_revoking_an_assignment_of_another_user_via_the_url_is_404(client, world):
    client.force_login(world.erin)
    bobs = RoleAssignment.objects.get(user=world.bob)
    response = client.post(reverse("backoffice:user_revoke", args=[world.alice.pk, bobs.pk]))
    assert response.status_code == 404


def test_erin_deactivates_and_reactivates_alice(client, world):
    client.force_login(world.erin)
    url = reverse("backoffice:user_set_active", args=[world.alice.pk])
    client.post(url, {"active": "0"})
    world.alice.refresh_from_db()
    assert not world.alice.is_active
    client.post(url, {"active": "1"})
    world.alice.refresh_from_db()
    assert world.alice.is_active


def test_erin_resets_daves_two_factor_device(client, world):
    device = accounts.do_start_totp_enrolment(world.dave)
    accounts.do_confirm_totp_device(world.dave, device)
    client.force_login(world.erin)
    client.post(reverse("backoffice:user_reset_2fa", args=[world.dave.pk]))
    assert not TOTPDevice.objects.filter(user=world.dave).exists()
    entry = AuditEntry.objects.filter(target_id=str(world.dave.pk)).latest("id")
    assert entry.actor == world.erin
    assert entry.area == world.street
    assert entry.reason == "管理员重置双因素认证设备"


def test_erin_unlocks_a_locked_out_alice(client, world):
    login = reverse("backoffice:login")
    for _ in range(5):
        client.post(login, {"username": "alice", "password": "wrong password"})
    assert client.post(login, {"username": "alice", "password": PASSWORD}).status_code == 429

    admin = client.__class__()
    admin.force_login(world.erin)
    detail = admin.get(reverse("backoffice:user_detail", args=[world.alice.pk])).content.decode()
    assert "解除登录锁定" in detail
    admin.post(reverse("backoffice:user_unlock", args=[world.alice.pk]))

    assert client.post(login, {"username": "alice", "password": PASSWORD}).status_code == 302
    assert AuditEntry.objects.filter(reason="解除登录锁定", area=world.sunshine).exists()


def test_access_helpers_raise_404_for_outsiders(world, frank):
    with pytest.raises(Http404):
        accounts.access_managed_user(frank, world.alice.pk)
    with pytest.raises(Http404):
        accounts.access_role_assignment(frank, world.alice, RoleAssignment.objects.get(user=world.alice).pk)
    with pytest.raises(Http404):
        accounts.access_managed_user(world.erin, "not a number")
