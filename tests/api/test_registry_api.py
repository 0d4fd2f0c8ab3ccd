"""/api/v1/ registry endpoints: authentication, jurisdiction, masking, search, paging, query counts.

On top of the shared `world`: a household and a merchant in each community, a second 阳光社区 resident
(王小明, outside alice's grid, with a phone number), and two tags on 张三丰 (one of them sensitive).
"""

from __future__ import annotations

import datetime
import random
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from ninja.errors import HttpError

from tests.conftest import ALICE_NEIGHBOUR_ID, World, make_person
from yangguang.api.auth import SessionAuth
from yangguang.api.schemas import MAX_LIMIT
from yangguang.api.v1 import api
from yangguang.core.actions import audit, registry
from yangguang.core.actions.tokens import do_create_api_token, do_revoke_api_token
from yangguang.core.models import (
    Building,
    Compound,
    Dwelling,
    Household,
    Merchant,
    Person,
    Relation,
    Tag,
)
from yangguang.lib import idnumber

BASE = "/api/v1"
SUN_ID = "43010219500101123X"  # 张三丰, in 阳光社区 一网格
PEACE_ID = "430102198002022233"  # 李四, in 和平社区
NEIGHBOUR_PHONE = "13812345678"  # 王小明
MERCHANT_PHONE = "13900001111"  # 阳光便利店
FULL_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
FULL_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


@dataclass
class Registry:
    world: World
    neighbour: Person
    household: Household
    other_household: Household
    merchant: Merchant
    other_merchant: Merchant
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        """Authorization header of a persona's token (issued once per test)."""
        if who not in self.tokens:
            user = getattr(self.world, who)
            self.tokens[who] = do_create_api_token(None, user, "测试")[1]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, client: Client, who: str, path: str, **params: Any) -> Any:
        return client.get(f"{BASE}{path}", params, headers=self.headers(who))


def _with_phone(person: Person, phone: str) -> Person:
    before = audit.snapshot(person)
    person.set_sealed("phone", phone)
    return registry.do_save_record(None, person, before=before)


@pytest.fixture
def reg(world: World) -> Registry:
    on = datetime.date(2021, 3, 1)
    neighbour = _with_phone(
        make_person(world.sunshine, None, "王小明", ALICE_NEIGHBOUR_ID, hukou_place="湖南长沙", notes="独居"),
        NEIGHBOUR_PHONE,
    )
    disabled = Tag.objects.create(code="disabled", name="残疾人", sensitive=True)
    member = Tag.objects.create(code="party", name="党员")
    world.person.tags.add(disabled, member)

    household = registry.do_save_record(
        None, Household(area=world.grid, dwelling=world.dwelling, number="YG-001")
    )
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=on)
    registry.do_set_membership(None, household, neighbour, Relation.CHILD, on=on)
    other_household = registry.do_save_record(
        None, Household(area=world.peace, dwelling=world.other_dwelling, number="HP-001")
    )
    registry.do_set_membership(None, other_household, world.other_person, Relation.HEAD, on=on)

    merchant = Merchant(
        area=world.grid,
        compound=world.compound,
        building=world.building,
        name="阳光便利店",
        credit_code="91430102MA4L0001XA",
        operator_name="赵六一",
        category="零售",
    )
    merchant.set_sealed("phone", MERCHANT_PHONE)
    merchant = registry.do_save_record(None, merchant)
    other_merchant = registry.do_save_record(
        None, Merchant(area=world.peace, name="和平面馆", operator_name="钱七", category="餐饮")
    )
    return Registry(world, neighbour, household, other_household, merchant, other_merchant, {})


# (resource, 阳光社区 object, 和平社区 object): every resource has one record on each side of the line.
RESOURCES: list[tuple[str, str, str]] = [
    ("areas", "world.sunshine", "world.peace"),
    ("compounds", "world.compound", "world.other_compound"),
    ("buildings", "world.building", "world.other_building"),
    ("dwellings", "world.dwelling", "world.other_dwelling"),
    ("households", "household", "other_household"),
    ("persons", "world.person", "world.other_person"),
    ("merchants", "merchant", "other_merchant"),
]
RESOURCE_NAMES = [r[0] for r in RESOURCES]


def _obj(reg: Registry, dotted: str) -> Any:
    target: Any = reg
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


# --- authentication ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("resource", "sun", "_peace"), RESOURCES)
def test_no_credentials_get_401_on_list_and_detail(client, reg, resource, sun, _peace):
    for path in (f"/{resource}", f"/{resource}/{_obj(reg, sun).pk}"):
        response = client.get(f"{BASE}{path}")
        assert response.status_code == 401
        assert response.json() == {"detail": "请先登录或提供 API 令牌。"}
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
@pytest.mark.parametrize(
    "header",
    [
        "Bearer yg_000000000000_not-a-real-secret",
        "Bearer not-even-the-format",
        "Bearer ",
        "bearer yg_abc",
    ],
)
def test_bad_token_gets_401(client, reg, resource, header):
    response = client.get(f"{BASE}/{resource}", headers={"Authorization": header})
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_revoked_token_gets_401(client, reg, resource):
    token, plaintext = do_create_api_token(None, reg.world.alice, "即将撤销")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get(f"{BASE}/{resource}", headers=headers).status_code == 200
    do_revoke_api_token(None, token)
    response = client.get(f"{BASE}/{resource}", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "API 令牌无效、已撤销或所属账户已停用。"


def test_token_of_a_deactivated_user_gets_401(client, reg):
    headers = reg.headers("alice")
    User.objects.filter(pk=reg.world.alice.pk).update(is_active=False)
    assert client.get(f"{BASE}/persons", headers=headers).status_code == 401


def test_logged_in_browser_session_can_use_the_api(client, reg):
    client.force_login(reg.world.alice)
    assert _names(client.get(f"{BASE}/persons")) == {"张三丰", "王小明"}


def test_bad_token_is_refused_even_with_a_valid_session(client, reg):
    client.force_login(reg.world.alice)
    response = client.get(f"{BASE}/persons", headers={"Authorization": "Bearer yg_000000000000_x"})
    assert response.status_code == 401


def test_privileged_session_without_second_factor_gets_401(client, reg, settings):
    settings.REQUIRE_2FA_FOR_PRIVILEGED = True
    client.force_login(reg.world.dave)
    response = client.get(f"{BASE}/persons")
    assert response.status_code == 401
    assert "两步验证" in response.json()["detail"]


def test_privileged_user_with_a_token_needs_no_second_factor_session(client, reg, settings):
    settings.REQUIRE_2FA_FOR_PRIVILEGED = True
    assert reg.get(client, "dave", "/persons").status_code == 200


def test_session_auth_refuses_an_unsafe_request_without_csrf_token(reg):
    request = RequestFactory().post(f"{BASE}/persons")
    request.user = reg.world.alice
    with pytest.raises(HttpError) as excinfo:
        SessionAuth(csrf=True)(request)
    assert excinfo.value.status_code == 403


def test_session_auth_accepts_an_unsafe_request_with_csrf_token(reg, settings):
    csrf = secrets.token_hex(16)
    request = RequestFactory().post(f"{BASE}/persons", headers={"X-CSRFToken": csrf})
    request.COOKIES[settings.CSRF_COOKIE_NAME] = csrf
    request.user = reg.world.alice
    assert SessionAuth(csrf=True)(request) == reg.world.alice


def test_safe_request_needs_no_csrf_token(reg):
    request = RequestFactory().get(f"{BASE}/persons")
    request.user = reg.world.alice
    assert SessionAuth(csrf=True)(request) == reg.world.alice


# --- jurisdiction --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("resource", "sun", "peace"), RESOURCES)
def test_outsider_gets_404_and_the_list_excludes_the_record(client, reg, resource, sun, peace):
    theirs, own = _obj(reg, sun), _obj(reg, peace)
    response = reg.get(client, "carol", f"/{resource}/{theirs.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "记录不存在，或不在您的管辖范围内。"}
    assert reg.get(client, "carol", f"/{resource}/{own.pk}").status_code == 200
    listed = _ids(reg.get(client, "carol", f"/{resource}", limit=MAX_LIMIT))
    assert theirs.pk not in listed
    assert own.pk in listed


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_missing_record_and_forbidden_record_look_the_same(client, reg, resource):
    theirs = _obj(reg, dict((r[0], r[1]) for r in RESOURCES)[resource])
    forbidden = reg.get(client, "carol", f"/{resource}/{theirs.pk}")
    missing = reg.get(client, "carol", f"/{resource}/987654321")
    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize(("resource", "sun", "peace"), RESOURCES)
def test_user_without_a_role_sees_nothing(client, reg, resource, sun, peace):
    response = reg.get(client, "mallory", f"/{resource}")
    assert response.json()["items"] == []
    assert response.json()["total"] == 0
    assert reg.get(client, "mallory", f"/{resource}/{_obj(reg, sun).pk}").status_code == 404


def test_committee_member_sees_the_community_with_masked_names(client, reg):
    response = reg.get(client, "bob", "/persons")
    assert _names(response) == {"张*丰", "王*明"}
    assert all(item["name_masked"] for item in response.json()["items"])


def test_staff_sees_full_names(client, reg):
    response = reg.get(client, "alice", "/persons")
    assert _names(response) == {"张三丰", "王小明"}
    assert not any(item["name_masked"] for item in response.json()["items"])


def test_street_secretary_sees_both_communities_of_the_street_masked(client, reg):
    assert _names(reg.get(client, "dave", "/persons")) == {"张*丰", "王*明", "李*"}
    assert _ids(reg.get(client, "dave", "/compounds")) == {reg.world.compound.pk, reg.world.other_compound.pk}
    areas = _names(reg.get(client, "dave", "/areas"))
    assert areas == {"东风街道", "阳光社区", "一网格", "和平社区"}


def test_district_admin_sees_everything(client, reg):
    assert _names(reg.get(client, "erin", "/persons")) == {"张三丰", "王小明", "李四"}
    assert reg.get(client, "erin", "/merchants").json()["total"] == Merchant.objects.count()
    assert reg.get(client, "erin", "/areas").json()["total"] == 7


def test_grid_worker_sees_only_her_grid(client, reg):
    world = reg.world
    assert _names(reg.get(client, "grace", "/persons")) == {"张*丰"}
    assert _names(reg.get(client, "grace", "/areas")) == {"一网格"}
    # The compound belongs to the community as a whole, not to the grid.
    assert _ids(reg.get(client, "grace", "/compounds")) == set()
    assert _ids(reg.get(client, "grace", "/buildings")) == {world.building.pk}
    assert _ids(reg.get(client, "grace", "/dwellings")) == {world.dwelling.pk}
    assert _ids(reg.get(client, "grace", "/households")) == {reg.household.pk}
    assert _ids(reg.get(client, "grace", "/merchants")) == {reg.merchant.pk}
    assert reg.get(client, "grace", f"/persons/{reg.neighbour.pk}").status_code == 404


# --- what a person record shows --------------------------------------------------------------------------


def test_masked_person_hides_birth_date_dwelling_notes_and_sensitive_tags(client, reg):
    body = reg.get(client, "bob", f"/persons/{reg.world.person.pk}").json()
    assert body["name"] == "张*丰"
    assert body["birth_date"] is None
    assert body["age"] >= 70
    assert body["id_number_masked"] == "430***********123X"
    assert [tag["name"] for tag in body["tags"]] == ["党员"]
    assert body["dwelling"] is None
    assert body["building"] == {"id": reg.world.building.pk, "name": "3栋"}
    assert body["address"] == "芙蓉苑3栋****"
    assert body["household"]["number"] == "YG-001"
    neighbour = reg.get(client, "bob", f"/persons/{reg.neighbour.pk}").json()
    assert neighbour["notes"] is None
    assert neighbour["hukou_place"] is None
    assert neighbour["phone_masked"] == "138****5678"


def test_staff_sees_the_full_person_record(client, reg):
    body = reg.get(client, "alice", f"/persons/{reg.world.person.pk}").json()
    assert body["name"] == "张三丰"
    assert body["birth_date"] == "1950-01-01"
    assert sorted(tag["name"] for tag in body["tags"]) == ["党员", "残疾人"]
    assert body["dwelling"] == {"id": reg.world.dwelling.pk, "label": "芙蓉苑3栋1单元302"}
    assert body["address"] == "芙蓉苑3栋1单元302"
    assert body["household"] == {
        "id": reg.household.pk,
        "number": "YG-001",
        "relation": "head",
        "relation_label": "户主",
    }
    neighbour = reg.get(client, "alice", f"/persons/{reg.neighbour.pk}").json()
    assert (neighbour["notes"], neighbour["hukou_place"]) == ("独居", "湖南长沙")
    # Even staff get only the mask: the full number takes a reason and an audited reveal.
    assert neighbour["id_number_masked"] == "430***********6512"


def test_household_detail_lists_current_members_masked_for_the_committee(client, reg):
    body = reg.get(client, "bob", f"/households/{reg.household.pk}").json()
    assert body["head"] == {"id": reg.world.person.pk, "name": "张*丰"}
    assert body["member_count"] == 2
    assert [(m["person"]["name"], m["relation_label"]) for m in body["members"]] == [
        ("张*丰", "户主"),
        ("王*明", "子女"),
    ]
    assert body["dwelling"] is None
    assert body["address"] == "芙蓉苑3栋****"


def test_household_detail_shows_full_names_to_staff(client, reg):
    body = reg.get(client, "alice", f"/households/{reg.household.pk}").json()
    assert [m["person"]["name"] for m in body["members"]] == ["张三丰", "王小明"]
    assert body["dwelling"]["id"] == reg.world.dwelling.pk


def test_merchant_operator_is_masked_for_the_committee(client, reg):
    assert reg.get(client, "bob", f"/merchants/{reg.merchant.pk}").json()["operator_name"] == "赵*一"
    body = reg.get(client, "alice", f"/merchants/{reg.merchant.pk}").json()
    assert body["operator_name"] == "赵六一"
    assert body["phone_masked"] == "139****1111"
    assert body["compound"] == {"id": reg.world.compound.pk, "name": "芙蓉苑"}


# --- search and the area filter ----------------------------------------------------------------------------


def test_search_by_full_id_number_finds_exactly_one_for_staff(client, reg):
    response = reg.get(client, "alice", "/persons", q=SUN_ID)
    assert _ids(response) == {reg.world.person.pk}
    assert response.json()["total"] == 1


def test_search_by_id_number_accepts_lowercase_x_and_spaces(client, reg):
    assert _ids(reg.get(client, "alice", "/persons", q="430102 19500101 123x")) == {reg.world.person.pk}


def test_search_by_id_number_finds_nothing_for_an_outsider(client, reg):
    assert _ids(reg.get(client, "carol", "/persons", q=SUN_ID)) == set()
    assert _ids(reg.get(client, "carol", "/persons", q=PEACE_ID)) == {reg.world.other_person.pk}


def test_search_by_part_of_an_id_number_finds_nothing(client, reg):
    assert _ids(reg.get(client, "alice", "/persons", q=SUN_ID[:10])) == set()


def test_search_by_full_phone_number(client, reg):
    assert _ids(reg.get(client, "alice", "/persons", q="138-1234-5678")) == {reg.neighbour.pk}
    assert _ids(reg.get(client, "alice", "/persons", q="+86 138 1234 5678")) == {reg.neighbour.pk}
    assert _ids(reg.get(client, "carol", "/persons", q=NEIGHBOUR_PHONE)) == set()
    assert _ids(reg.get(client, "bob", "/merchants", q=MERCHANT_PHONE)) == {reg.merchant.pk}


def test_name_search_is_by_substring_where_names_are_shown_in_full(client, reg):
    assert _names(reg.get(client, "alice", "/persons", q="三")) == {"张三丰"}


def test_name_search_is_exact_where_names_are_masked(client, reg):
    # Otherwise "张三" → match would reveal the hidden middle character of "张*丰".
    assert _names(reg.get(client, "bob", "/persons", q="三")) == set()
    assert _names(reg.get(client, "bob", "/persons", q="张三")) == set()
    assert _names(reg.get(client, "bob", "/persons", q="张三丰")) == {"张*丰"}


def test_search_other_resources_by_name(client, reg):
    assert _names(reg.get(client, "erin", "/compounds", q="芙蓉")) == {"芙蓉苑"}
    assert _names(reg.get(client, "erin", "/merchants", q="面馆")) == {"和平面馆"}
    assert _names(reg.get(client, "erin", "/areas", q="和平")) == {"和平社区"}
    assert _ids(reg.get(client, "erin", "/households", q="HP")) == {reg.other_household.pk}
    assert _ids(reg.get(client, "erin", "/dwellings", q="302")) == {reg.world.dwelling.pk}
    assert _ids(reg.get(client, "erin", "/buildings", q="8栋")) == {reg.world.other_building.pk}


def test_area_filter_narrows_to_the_subtree(client, reg):
    assert _names(reg.get(client, "alice", "/persons", area=reg.world.grid.pk)) == {"张三丰"}
    assert _names(reg.get(client, "erin", "/persons", area=reg.world.street.pk)) == {
        "张三丰",
        "王小明",
        "李四",
    }
    assert _names(reg.get(client, "erin", "/persons", area=reg.world.street2.pk)) == set()


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_area_outside_the_jurisdiction_gives_an_empty_list(client, reg, resource):
    for area in (reg.world.peace.pk, 987654321):
        response = reg.get(client, "alice", f"/{resource}", area=area)
        assert response.status_code == 200
        assert response.json()["items"] == []
        assert response.json()["total"] == 0


# --- nothing sensitive anywhere ------------------------------------------------------------------------------


def _all_responses(client: Client, reg: Registry) -> list[tuple[str, str, str]]:
    responses = []
    for who in ("alice", "bob", "carol", "dave", "erin", "grace"):
        for resource, sun, peace in RESOURCES:
            for path in (
                f"/{resource}",
                f"/{resource}/{_obj(reg, sun).pk}",
                f"/{resource}/{_obj(reg, peace).pk}",
            ):
                response = reg.get(client, who, path)
                responses.append((who, path, response.content.decode()))
        for q in (SUN_ID, PEACE_ID, ALICE_NEIGHBOUR_ID, NEIGHBOUR_PHONE):
            responses.append((who, f"/persons?q={q}", reg.get(client, who, "/persons", q=q).content.decode()))
    return responses


def test_no_response_contains_ciphertexts_blind_indexes_or_full_numbers(client, reg):
    secrets_in_db = set()
    for model in (Person, Merchant):
        for row in model.objects.values():
            secrets_in_db |= {str(v) for k, v in row.items() if k.endswith(("_enc", "_index")) and v}
    assert secrets_in_db  # the fixture did seal values
    for who, path, text in _all_responses(client, reg):
        where = f"{who} GET {path}"
        assert "_enc" not in text, where
        assert "_index" not in text, where
        assert not FULL_ID_NUMBER.search(text), where
        assert not FULL_MOBILE.search(text), where
        for value in secrets_in_db:
            assert value not in text, where


def test_openapi_schema_declares_no_ciphertext_or_index_fields(client):
    text = client.get(f"{BASE}/openapi.json").content.decode()
    assert "_enc" not in text
    assert "_index" not in text


# --- paging and validation -------------------------------------------------------------------------------------


def test_pages_walk_through_the_list(client, reg):
    first = reg.get(client, "erin", "/persons", limit=2).json()
    second = reg.get(client, "erin", "/persons", limit=2, offset=2).json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


def test_offset_past_the_end_gives_an_empty_page_with_the_total(client, reg):
    body = reg.get(client, "erin", "/persons", offset=1000).json()
    assert (body["items"], body["total"]) == ([], 3)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit 不能小于 1"),
        ({"limit": 10000}, "limit 不能大于 200"),
        ({"limit": MAX_LIMIT + 1}, "limit 不能大于 200"),
        ({"offset": -1}, "offset 不能小于 0"),
        ({"limit": "abc"}, "limit 必须是整数"),
        ({"area": 0}, "area 不能小于 1"),
        ({"q": "字" * 101}, "q 最多 100 个字符"),
    ],
)
def test_out_of_range_parameters_are_refused_with_a_chinese_message(client, reg, params, message):
    response = reg.get(client, "alice", "/persons", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == f"请求参数有误：{message}"
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["loc"][0] == "query"


def test_largest_limit_is_accepted(client, reg):
    assert reg.get(client, "alice", "/persons", limit=MAX_LIMIT).status_code == 200


@pytest.mark.parametrize("bad_id", ["abc", "0", str(2**70)])
def test_malformed_ids_are_refused_with_422(client, reg, bad_id):
    response = reg.get(client, "alice", f"/persons/{bad_id}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("请求参数有误：person_id")


# --- query counts ------------------------------------------------------------------------------------------------


def _crowd(world: World, n: int) -> None:
    """n more of every kind of record in 阳光社区 一网格, each with all the relations a response shows."""
    rng = random.Random(7)
    tag = Tag.objects.create(code="elderly", name="独居老人")
    for i in range(n):
        compound = registry.do_save_record(None, Compound(area=world.grid, name=f"小区{i}", kind="old"))
        building = registry.do_save_record(None, Building(compound=compound, area=world.grid, name=f"{i}栋"))
        dwelling = registry.do_save_record(None, Dwelling(building=building, unit="1单元", room=f"{i}01"))
        id18 = idnumber.make_fake(rng, "430102", datetime.date(1960 + i, 1, 1), "F")
        person = make_person(world.grid, dwelling, f"居民{i}", id18)
        person.tags.add(tag)
        household = registry.do_save_record(
            None, Household(area=world.grid, dwelling=dwelling, number=f"C-{i}")
        )
        registry.do_set_membership(None, household, person, Relation.HEAD, on=datetime.date(2022, 1, 1))
        registry.do_save_record(
            None,
            Merchant(
                area=world.grid, compound=compound, building=building, name=f"商户{i}", operator_name="孙八"
            ),
        )


# Queries per list request: token, role assignments, COUNT, page (+ prefetched tags for persons).
LIST_QUERIES = {
    "areas": 4,
    "compounds": 4,
    "buildings": 4,
    "dwellings": 4,
    "households": 4,
    "persons": 5,
    "merchants": 4,
}


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_list_query_count_does_not_grow_with_page_size(client, reg, resource, django_assert_num_queries):
    _crowd(reg.world, 6)
    reg.get(client, "erin", f"/{resource}")  # first use of the token records last_used_at
    expected = LIST_QUERIES[resource]
    with django_assert_num_queries(expected):
        small = reg.get(client, "erin", f"/{resource}", limit=1)
    with django_assert_num_queries(expected):
        large = reg.get(client, "erin", f"/{resource}", limit=MAX_LIMIT)
    assert len(small.json()["items"]) == 1
    assert len(large.json()["items"]) >= 7


def test_area_filter_costs_one_query(client, reg, django_assert_num_queries):
    reg.get(client, "alice", "/persons")
    with django_assert_num_queries(LIST_QUERIES["persons"] + 1):
        reg.get(client, "alice", "/persons", area=reg.world.grid.pk)


# Queries per detail request: token, role assignments, the record (+ prefetches).
DETAIL_QUERIES = {
    "areas": 3,
    "compounds": 3,
    "buildings": 3,
    "dwellings": 3,
    "households": 4,
    "persons": 5,
    "merchants": 3,
}


@pytest.mark.parametrize(("resource", "sun", "_peace"), RESOURCES)
def test_detail_query_count_is_pinned(client, reg, resource, sun, _peace, django_assert_num_queries):
    _crowd(reg.world, 3)
    reg.get(client, "erin", "/areas")
    with django_assert_num_queries(DETAIL_QUERIES[resource]):
        response = reg.get(client, "erin", f"/{resource}/{_obj(reg, sun).pk}")
    assert response.status_code == 200


# --- OpenAPI and docs ----------------------------------------------------------------------------------------------


def test_openapi_schema_builds_and_lists_every_endpoint(client):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for resource in RESOURCE_NAMES:
        assert f"{BASE}/{resource}" in paths
        assert any(p.startswith(f"{BASE}/{resource}/{{") for p in paths)
    schemes = response.json()["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert api.get_openapi_schema()["info"]["title"] == "阳光社区 API"


def test_interactive_docs_load(client):
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_json_carries_chinese_unescaped(client, reg):
    response = reg.get(client, "alice", f"/persons/{reg.world.person.pk}")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert '"name": "张三丰"' in response.content.decode()
