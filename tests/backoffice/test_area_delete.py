"""Deleting an area nothing hangs on: the action (permission at the parent, the generic emptiness check over
every relation pointing at Area, the audit entries) and the page (question → POST → parent's page).

erin: district administrator of 示范区; sam: the district-admin role at 东风街道 only (a street admin);
alice: staff of 阳光社区 (sees it, may not manage areas); carol: staff of 和平社区; mallory: no role.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ForeignObjectRel, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.backoffice.test_case_page import new_case
from tests.conftest import World, make_user
from yangguang.core.actions import areas, registry
from yangguang.core.models import (
    Area,
    AuditEntry,
    CaseKind,
    Compound,
    RoleAssignment,
    SlaPolicy,
)
from yangguang.core.permissions import Role


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def delete_url(area: Area) -> str:
    return reverse("backoffice:area_delete", args=[area.pk])


def detail_url(area: Area) -> str:
    return reverse("backoffice:area_detail", args=[area.pk])


@pytest.fixture
def sam(world: World) -> Any:
    return make_user("sam", "街道管理员", Role.DISTRICT_ADMIN, world.street)


@pytest.fixture
def typo(world: World) -> Area:
    """A grid created by mistake under 和平社区 (and renamed once), nothing attached to it."""
    grid = areas.check_create_area(world.erin, parent=world.peace, kind="grid", name="二网隔")
    return areas.check_update_area(world.erin, grid, name="二网格二", code="")


def refusal(actor: Any, area: Area) -> str:
    with pytest.raises(ValidationError) as caught:
        areas.check_delete_area(actor, area)
    [message] = caught.value.messages
    assert Area.objects.filter(pk=area.pk).exists()
    return message


# --- the action ----------------------------------------------------------------------------------------


def test_empty_grid_is_deleted_with_an_audit_entry(world: World, typo: Area) -> None:
    pk = typo.pk
    parent = areas.check_delete_area(world.erin, typo)
    assert parent == world.peace
    assert not Area.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="delete", target_type="area", target_id=str(pk))
    assert entry.actor == world.erin
    assert entry.target_repr == "二网格二"
    assert entry.area == world.peace
    assert entry.changes["name"] == ["二网格二", None]
    assert entry.changes["kind"] == ["grid", None]
    assert entry.changes["parent"] == [world.peace.pk, None]
    # The area's earlier history stays in the trail, filed under the parent.
    history = AuditEntry.objects.filter(target_type="area", target_id=str(pk)).order_by("id")
    assert [e.action for e in history] == ["create", "update", "delete"]
    assert {e.area_id for e in history} == {world.peace.pk}


def test_street_admin_deletes_inside_the_street(world: World, sam: Any, typo: Area) -> None:
    assert areas.check_delete_area(sam, typo) == world.peace
    assert not Area.objects.filter(pk=typo.pk).exists()


def test_an_empty_street_can_go_at_district_level(world: World) -> None:
    street = areas.check_create_area(world.erin, parent=world.district, kind="street", name="东风街道街道")
    assert areas.check_delete_area(world.erin, street) == world.district


def test_area_with_a_child_is_refused(world: World, typo: Area) -> None:
    message = refusal(world.erin, world.peace)  # 和平社区: the new grid, 和平里, 李四, carol's role...
    assert message.startswith("“和平社区”不能删除：其下还有")
    assert "下级区域（1）" in message
    assert "小区（1）" in message
    assert "居民（1）" in message
    assert "角色授权（1）" in message
    assert "修改名称和编码" in message


def test_area_with_a_compound_is_refused(world: World, typo: Area) -> None:
    registry.do_save_record(None, Compound(area=typo, name="新小区", kind="old"))
    registry.do_save_record(None, Compound(area=typo, name="旧小区", kind="old"))
    message = refusal(world.erin, typo)
    assert "其下还有小区（2）。" in message
    assert Compound.objects.filter(area=typo).count() == 2


def test_area_with_a_role_assignment_is_refused(world: World, typo: Area) -> None:
    make_user("gus", "网格员", Role.GRID_WORKER, typo)
    assert "角色授权（1）" in refusal(world.erin, typo)
    assert RoleAssignment.objects.filter(area=typo).exists()


def test_area_with_a_case_is_refused(world: World, typo: Area) -> None:
    case = new_case(world, area=typo)
    assert "诉求（1）" in refusal(world.erin, typo)
    case.refresh_from_db()
    assert case.area_id == typo.pk


def test_a_cascading_hidden_relation_blocks_and_survives(world: World, typo: Area) -> None:
    # SlaPolicy.area is on_delete=CASCADE with related_name="+": not in Area._meta.related_objects, and
    # deleting the area would have deleted the policy with it.
    policy = SlaPolicy.objects.create(
        kind=CaseKind.COMPLAINT, area=typo, workdays=3, effective_from=datetime.date(2024, 1, 1)
    )
    assert "办理时限规则（1）" in refusal(world.erin, typo)
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_rows_hidden_by_a_default_manager_still_count(
    world: World, typo: Area, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.do_save_record(None, Compound(area=typo, name="归档小区", kind="old"))
    manager_class = type(Compound._default_manager)
    monkeypatch.setattr(manager_class, "get_queryset", lambda self: QuerySet(Compound).none())
    assert not Compound.objects.filter(area=typo).exists()
    assert "小区（1）" in refusal(world.erin, typo)


def test_street_admin_cannot_delete_own_street(world: World, sam: Any) -> None:
    street = areas.check_create_area(world.erin, parent=world.district, kind="street", name="空街道")
    RoleAssignment.objects.filter(user=sam).update(area=street)
    sam = type(sam).objects.get(pk=sam.pk)  # forget the cached assignments
    with pytest.raises(PermissionDenied):
        areas.check_delete_area(sam, street)
    assert Area.objects.filter(pk=street.pk).exists()


def test_a_district_is_never_deleted(world: World) -> None:
    with pytest.raises(PermissionDenied, match="区不能在后台删除"):
        areas.check_delete_area(world.erin, world.district)
    with pytest.raises(PermissionDenied):
        areas.check_delete_area(None, world.district)


def test_every_relation_pointing_at_area_is_inspected(world: World, typo: Area) -> None:
    inspected = {link.relation for link in areas.area_links()}
    assert set(Area._meta.related_objects) <= inspected
    every_reverse = {
        rel for rel in Area._meta.get_fields(include_hidden=True) if isinstance(rel, ForeignObjectRel)
    }
    history = {rel for rel in every_reverse if rel.related_model is AuditEntry}
    assert len(history) == 1
    assert every_reverse - history <= inspected
    assert len(inspected) > len(Area._meta.related_objects)  # the hidden ones are in
    # One count per relation, nothing more.
    with CaptureQueriesContext(connection) as queries:
        assert areas.attachments(typo) == []
    assert len(queries) == len(areas.area_links())


# --- the page ------------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_login_page(world: World, typo: Area) -> None:
    response = Client().post(delete_url(typo))
    assert response.status_code == 302
    assert reverse("backoffice:login") in response["Location"]
    assert Area.objects.filter(pk=typo.pk).exists()


def test_question_then_delete_back_to_the_parent(world: World, typo: Area) -> None:
    client = client_for(world.erin)
    page = client.get(delete_url(typo))
    assert page.status_code == 200
    html = page.content.decode()
    assert "确定要删除网格“二网格二”吗？" in html
    form = html[html.index('<form method="post" class="toolbar">') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    assert Area.objects.filter(pk=typo.pk).exists()  # asking deletes nothing
    response = client.post(delete_url(typo))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.peace)
    assert not Area.objects.filter(pk=typo.pk).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已删除“二网格二”。"]


def test_question_page_lists_what_hangs_on_the_area(world: World) -> None:
    html = client_for(world.erin).get(delete_url(world.grid)).content.decode()
    assert "“一网格”不能删除：其下还有" in html
    assert "楼栋（1）" in html and "居民（1）" in html
    assert "确认删除" not in html


def test_refused_post_comes_back_with_the_reasons(world: World) -> None:
    response = client_for(world.erin).post(delete_url(world.sunshine))
    assert response.status_code == 409
    html = response.content.decode()
    assert "下级区域（1）" in html and "小区（1）" in html
    assert Area.objects.filter(pk=world.sunshine.pk).exists()


def test_only_post_deletes(world: World, typo: Area) -> None:
    client = client_for(world.erin)
    assert client.put(delete_url(typo)).status_code == 405
    assert client.delete(delete_url(typo)).status_code == 405
    assert Area.objects.filter(pk=typo.pk).exists()


def test_delete_form_is_csrf_protected(world: World, typo: Area) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.erin)
    assert client.post(delete_url(typo)).status_code == 403
    assert Area.objects.filter(pk=typo.pk).exists()


def test_other_streets_area_is_404(world: World, sam: Any) -> None:
    client = client_for(sam)
    assert client.get(delete_url(world.village)).status_code == 404
    assert client.post(delete_url(world.village)).status_code == 404
    assert client_for(world.carol).post(delete_url(world.grid)).status_code == 404
    assert client_for(world.mallory).get(delete_url(world.grid)).status_code == 404
    assert Area.objects.filter(pk=world.village.pk).exists()


def test_seen_but_not_managed_is_403(world: World, sam: Any, typo: Area) -> None:
    assert client_for(world.alice).post(delete_url(world.grid)).status_code == 403
    assert client_for(sam).post(delete_url(world.street)).status_code == 403  # own street
    assert client_for(world.erin).post(delete_url(world.district)).status_code == 403
    assert Area.objects.filter(pk__in=[world.grid.pk, world.street.pk, world.district.pk]).count() == 3


def test_area_page_links_delete_for_managers_of_the_parent(world: World, sam: Any) -> None:
    erin, sam_client = client_for(world.erin), client_for(sam)
    assert delete_url(world.grid) in erin.get(detail_url(world.grid)).content.decode()
    assert delete_url(world.street) in erin.get(detail_url(world.street)).content.decode()
    assert delete_url(world.district) not in erin.get(detail_url(world.district)).content.decode()
    assert delete_url(world.sunshine) in sam_client.get(detail_url(world.sunshine)).content.decode()
    assert delete_url(world.street) not in sam_client.get(detail_url(world.street)).content.decode()
    assert delete_url(world.grid) not in client_for(world.alice).get(detail_url(world.grid)).content.decode()
