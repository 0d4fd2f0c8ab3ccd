"""/api/v1/cases: jurisdiction, the reporter block, intake with idempotency, steps with evidence, comments,
query counts.

On top of the shared `world`: a case in 阳光社区 一网格 reported by 王大妈 (13812345678, wdm@example.com) and
one in 和平社区. Personas as in conftest: alice (阳光 staff), bob (阳光 committee), carol (和平 staff),
dave (street secretary), erin (district admin), grace (阳光 一网格 grid worker), mallory (no role).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, get_args

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import World, make_user
from yangguang.api.cases import StaffChannel
from yangguang.api.schemas import MAX_LIMIT
from yangguang.core.actions import cases
from yangguang.core.actions.tokens import do_create_api_token
from yangguang.core.models import Case, CaseCategory, CaseStatus, Channel, HandlingUnit
from yangguang.core.permissions import Role

BASE = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REPORTER_PHONE = "13812345678"
FULL_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


@dataclass
class Api:
    world: World
    case: Case
    other_case: Case
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            user = getattr(self.world, who) if isinstance(who, str) and hasattr(self.world, who) else None
            if user is None:
                user = User.objects.get(username=who)
            self.tokens[who] = do_create_api_token(None, user, "测试")[1]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, client: Client, who: str, path: str, **params: Any) -> Any:
        return client.get(f"{BASE}{path}", params, headers=self.headers(who))

    def post_json(self, client: Client, who: str, path: str, body: dict[str, Any], **headers: str) -> Any:
        return client.post(
            f"{BASE}{path}",
            json.dumps(body),
            content_type="application/json",
            headers={**self.headers(who), **headers},
        )

    def step(self, client: Client, who: str, case: Case, name: str, **fields: Any) -> Any:
        """A lifecycle step as multipart form fields (files under `evidence`)."""
        data = {"name": name, **{k: v for k, v in fields.items() if v is not None}}
        return client.post(f"{BASE}/cases/{case.pk}/transitions", data, headers=self.headers(who))


def new_case(world: World, **extra: Any) -> Case:
    data = cases.CaseInput(
        area=extra.pop("area", world.grid),
        category=extra.pop("category", CaseCategory.objects.get(code="sanitation")),
        description=extra.pop("description", "3栋楼下垃圾桶满了三天没人清运，气味很大"),
        channel=extra.pop("channel", Channel.PORTAL),
        reporter_name=extra.pop("reporter_name", "王大妈"),
        reporter_phone=extra.pop("reporter_phone", REPORTER_PHONE),
        reporter_email=extra.pop("reporter_email", "wdm@example.com"),
        **extra,
    )
    return cases.check_create_case(None, data)


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def api(world: World) -> Api:
    case = new_case(world, building=world.building)
    other = new_case(world, area=world.peace, description="和平里8栋路灯坏了一个星期", reporter_name="李大爷")
    return Api(world, case, other)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def intake_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "area": world.grid.pk,
        "category": "sanitation",
        "description": "芙蓉苑3栋门口井盖松动，晚上有人差点绊倒",
        "reporter_name": "赵阿姨",
        "reporter_phone": "139 0000 1111",
        "channel": "hotline",
        **extra,
    }


# --- authentication and jurisdiction ---------------------------------------------------------------------


def test_no_credentials_get_401(client, api):
    for path in ("/cases", f"/cases/{api.case.pk}"):
        assert client.get(f"{BASE}{path}").status_code == 401
    assert client.post(f"{BASE}/cases", "{}", content_type="application/json").status_code == 401


def test_outsider_gets_404_everywhere_on_another_communitys_case(client, api):
    theirs = api.case.pk
    assert theirs not in _ids(api.get(client, "carol", "/cases"))
    assert api.get(client, "carol", f"/cases/{theirs}").json() == {
        "detail": "记录不存在，或不在您的管辖范围内。"
    }
    assert api.get(client, "carol", f"/cases/{theirs}").status_code == 404
    assert api.step(client, "carol", api.case, "dispatch", handler=api.world.carol.pk).status_code == 404
    comment = api.post_json(client, "carol", f"/cases/{theirs}/comments", {"note": "看看"})
    assert comment.status_code == 404
    missing = api.get(client, "carol", "/cases/987654321")
    assert missing.status_code == 404 and missing.json() == {"detail": "记录不存在，或不在您的管辖范围内。"}
    assert api.get(client, "carol", f"/cases/{api.other_case.pk}").status_code == 200


@pytest.mark.parametrize(
    ("who", "sees_sunshine", "sees_peace"),
    [
        ("alice", True, False),
        ("bob", True, False),
        ("carol", False, True),
        ("dave", True, True),
        ("erin", True, True),
        ("grace", True, False),
        ("mallory", False, False),
    ],
)
def test_list_follows_jurisdiction(client, api, who, sees_sunshine, sees_peace):
    listed = _ids(api.get(client, who, "/cases"))
    assert (api.case.pk in listed) is sees_sunshine
    assert (api.other_case.pk in listed) is sees_peace


def test_unit_member_without_an_area_role_sees_and_handles_the_units_cases(client, api):
    world = api.world
    pete = make_user("pete", "物业小彭")
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    unit.members.add(pete)
    assert _ids(api.get(client, "pete", "/cases")) == set()
    assert api.step(client, "alice", api.case, "dispatch", unit=unit.pk).status_code == 200
    assert _ids(api.get(client, "pete", "/cases")) == {api.case.pk}
    detail = api.get(client, "pete", f"/cases/{api.case.pk}").json()
    assert detail["actions"] == ["return", "sign"]
    assert api.step(client, "pete", api.case, "sign").json()["status"] == "signed"


# --- the reporter block ----------------------------------------------------------------------------------


def test_staff_sees_the_reporter_in_full_but_never_the_full_phone(client, api):
    response = api.get(client, "alice", f"/cases/{api.case.pk}")
    body = response.json()
    assert body["reporter"] == {
        "anonymous": False,
        "name": "王大妈",
        "name_masked": False,
        "phone_masked": "138****5678",
        "email": "wdm@example.com",
    }
    assert body["reporter_hidden"] is False
    assert not FULL_MOBILE.search(response.content.decode())


def test_grid_worker_sees_a_masked_reporter(client, api):
    reporter = api.get(client, "grace", f"/cases/{api.case.pk}").json()["reporter"]
    assert reporter["name"] == "王*妈" and reporter["name_masked"] is True
    assert reporter["email"] is None


def test_committee_member_sees_a_confidential_reporter_masked(client, api):
    secret = new_case(api.world, confidential=True, reporter_name="钱小红")
    body = api.get(client, "bob", f"/cases/{secret.pk}").json()
    assert body["confidential"] is True
    assert body["reporter_hidden"] is False
    assert body["reporter"]["name"] == "钱*红"
    assert body["reporter"]["phone_masked"] == "138****5678"


@pytest.mark.parametrize("who", ["grace", "dave"])
def test_confidential_reporter_is_hidden_outside_intake_and_committee(client, api, who):
    secret = new_case(api.world, confidential=True, reporter_name="钱小红")
    response = api.get(client, who, f"/cases/{secret.pk}")
    body = response.json()
    assert body["reporter"] is None
    assert body["reporter_hidden"] is True
    assert "钱" not in response.content.decode()
    assert "5678" not in response.content.decode()


def test_anonymous_report_shows_no_identity_even_to_staff(client, api):
    anon = new_case(api.world, anonymous=True, reporter_name="不该出现")
    response = api.get(client, "alice", f"/cases/{anon.pk}")
    assert response.json()["reporter"] == {
        "anonymous": True,
        "name": None,
        "name_masked": False,
        "phone_masked": None,
        "email": None,
    }
    assert "5678" not in response.content.decode()


# --- list filters ----------------------------------------------------------------------------------------


def test_list_filters(client, api):
    world = api.world
    parking = new_case(
        world,
        area=world.sunshine,
        category=CaseCategory.objects.get(code="parking"),
        description="小区门口乱停车堵住消防通道",
    )
    cases.do_transition(world.alice, parking, "reject", note="不属于本社区职责")
    assert _ids(api.get(client, "erin", "/cases", category="parking")) == {parking.pk}
    assert _ids(api.get(client, "erin", "/cases", status="rejected")) == {parking.pk}
    assert _ids(api.get(client, "erin", "/cases", open="false")) == {parking.pk}
    assert _ids(api.get(client, "erin", "/cases", open="true")) == {api.case.pk, api.other_case.pk}
    assert _ids(api.get(client, "erin", "/cases", area=world.grid.pk)) == {api.case.pk}
    assert _ids(api.get(client, "erin", "/cases", area=world.sunshine.pk)) == {api.case.pk, parking.pk}
    assert _ids(api.get(client, "erin", "/cases", q="消防")) == {parking.pk}
    assert _ids(api.get(client, "erin", "/cases", q=api.other_case.number)) == {api.other_case.pk}
    assert _ids(api.get(client, "carol", "/cases", area=world.sunshine.pk)) == set()
    assert _ids(api.get(client, "erin", "/cases", area=987654321)) == set()


def test_overdue_filter(client, api):
    world = api.world
    cases.do_transition(world.alice, api.case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, api.case, "sign")
    Case.objects.filter(pk=api.case.pk).update(due_at="2020-01-01T00:00:00Z")
    assert _ids(api.get(client, "erin", "/cases", overdue="true")) == {api.case.pk}
    assert _ids(api.get(client, "erin", "/cases", overdue="false")) == {api.other_case.pk}
    row = api.get(client, "erin", "/cases", overdue="true").json()["items"][0]
    assert row["overdue"] is True and row["status"] == "signed" and row["status_label"] == "已签收"


def test_bad_filter_values_get_422_in_chinese(client, api):
    response = api.get(client, "alice", "/cases", status="nonsense")
    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数有误：status 的值无效"
    assert api.get(client, "alice", "/cases", limit=MAX_LIMIT + 1).status_code == 422


# --- intake ----------------------------------------------------------------------------------------------


def test_staff_takes_a_case_in(client, api):
    world = api.world
    response = api.post_json(client, "alice", "/cases", intake_body(world, building=world.building.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("YG") and body["status"] == "received"
    assert body["channel"] == "hotline" and body["building"]["name"] == "3栋"
    assert body["compound"]["name"] == "芙蓉苑"
    assert body["reporter"]["phone_masked"] == "139****1111"
    assert [e["kind"] for e in body["events"]] == ["received"]
    created = Case.objects.get(pk=body["id"])
    assert created.intake_by == world.alice
    assert created.intake_ip is None  # staff intake is not counted against a public IP's limit


def test_channel_defaults_to_api(client, api):
    body = intake_body(api.world)
    del body["channel"]
    assert api.post_json(client, "grace", "/cases", body).json()["channel"] == "api"


def test_idempotency_key_returns_the_same_case(client, api):
    body = intake_body(api.world)
    first = api.post_json(client, "alice", "/cases", body, **{"Idempotency-Key": "hotline-0001"})
    again = api.post_json(
        client,
        "alice",
        "/cases",
        {**body, "description": "换了内容也不会再建一件"},
        **{"Idempotency-Key": "hotline-0001"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Case.objects.filter(channel="hotline").count() == 1
    # Keys are per user: another system choosing the same key gets its own case, not alice's.
    other = api.post_json(client, "grace", "/cases", body, **{"Idempotency-Key": "hotline-0001"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_intake_outside_jurisdiction_is_404_and_without_intake_right_403(client, api):
    body = intake_body(api.world, area=api.world.sunshine.pk)
    assert api.post_json(client, "carol", "/cases", body).status_code == 404
    assert api.post_json(client, "mallory", "/cases", body).status_code == 404
    assert api.post_json(client, "alice", "/cases", {**body, "area": 987654321}).status_code == 404
    refused = api.post_json(client, "bob", "/cases", body)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "您没有在该区域登记诉求的权限。"}
    assert api.post_json(client, "dave", "/cases", body).status_code == 403
    assert Case.objects.count() == 2


def test_liaison_follows_the_cases_they_took_in(client, api):
    make_user("lily", "廉情联络员小李", Role.LIAISON, api.world.sunshine)
    response = api.post_json(client, "lily", "/cases", intake_body(api.world, channel="liaison"))
    assert response.status_code == 201
    assert api.get(client, "lily", f"/cases/{response.json()['id']}").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": "太短"}, "请把问题描述清楚（至少5个字）。"),
        ({"reporter_phone": "12345"}, "11位手机号码"),
        ({"category": "no-such"}, "没有代码为“no-such”的分类。"),
        ({"building": 987654321}, "楼栋不存在，或不在所选区域之内。"),
        ({"reporter_email": "不是邮箱"}, "请填写有效的电子邮箱地址。"),
        ({"area": "street"}, "请选择问题发生的社区或村。"),
        ({"channel": "portal"}, "channel 的值无效"),
        ({"description": "长" * 5001}, "description 最多 5000 个字符"),
    ],
)
def test_refused_intake_gets_422_with_a_chinese_message(client, api, change, message):
    world = api.world
    if change.get("area") == "street":
        # erin may take cases in anywhere, so the only thing wrong is the level of the area.
        change = {"area": world.street.pk}
    response = api.post_json(client, "erin", "/cases", intake_body(world, **change))
    assert response.status_code == 422, response.content
    assert message in response.json()["detail"]
    assert Case.objects.count() == 2


def test_building_of_another_community_is_refused(client, api):
    body = intake_body(api.world, area=api.world.grid.pk, building=api.world.other_building.pk)
    response = api.post_json(client, "erin", "/cases", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "building"]


def test_inactive_category_is_refused(client, api):
    CaseCategory.objects.filter(code="sanitation").update(active=False)
    response = api.post_json(client, "alice", "/cases", intake_body(api.world))
    assert response.status_code == 422
    assert response.json()["detail"] == "该分类已停用，请选择其他分类。"


def test_staff_intake_is_not_throttled_like_public_channels(client, api, settings):
    settings.CASE_LIMIT_PER_PHONE_DAY = 1
    settings.CASE_LIMIT_PER_IP_HOUR = 1
    for _ in range(2):
        assert api.post_json(client, "alice", "/cases", intake_body(api.world)).status_code == 201


def test_staff_channels_are_case_channels():
    assert set(get_args(StaffChannel)) <= set(Channel.values)


# --- lifecycle steps -------------------------------------------------------------------------------------


def test_full_lifecycle_through_the_api(client, api):
    world, case = api.world, api.case
    dispatched = api.step(client, "alice", case, "dispatch", handler=world.grace.pk, note="请网格员处理")
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["handler"] == {"id": world.grace.pk, "name": "葛瑞"}
    assert api.step(client, "grace", case, "sign").json()["status"] == "signed"
    assert api.step(client, "grace", case, "start").json()["status"] == "in_progress"
    replied = api.step(client, "grace", case, "reply", note="已联系环卫清运", evidence=[photo()])
    assert replied.status_code == 200, replied.content
    reply_event = replied.json()["events"][-1]
    assert reply_event["kind"] == "reply" and reply_event["attachments"][0]["public"] is True
    assert api.step(client, "alice", case, "close", note="已清运完毕").json()["status"] == "closed"
    rated = api.step(client, "alice", case, "rate", satisfaction=5, note="电话回访：满意")
    assert rated.json()["status"] == "satisfied" and rated.json()["satisfaction"] == 5
    kinds = [e["kind"] for e in rated.json()["events"]]
    assert kinds == ["received", "dispatch", "sign", "start", "reply", "close", "rate_satisfied"]


def test_low_rating_reopens_to_the_same_handler(client, api):
    world, case = api.world, api.case
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note="已处理", evidence=[photo()])
    cases.do_transition(world.alice, case, "close")
    body = api.step(client, "alice", case, "rate", satisfaction=1, note="根本没清").json()
    assert body["status"] == "in_progress" and body["redo_count"] == 1
    assert body["handler"]["id"] == world.grace.pk


def test_step_from_the_wrong_state_is_409(client, api):
    response = api.step(client, "alice", api.case, "close", evidence=[photo()])
    assert response.status_code == 409
    assert response.json() == {"detail": "当前状态“已受理”下不能执行该操作。"}


def test_stale_step_is_409(client, api, monkeypatch):
    """Someone else moved the case between loading it and the step: do_transition's conditional UPDATE
    claims nothing, and the API answers 409 rather than 422."""
    world = api.world
    cases.do_transition(world.alice, api.case, "dispatch", handler=world.grace)
    original = cases.do_transition

    def racing(actor: Any, case: Case, name: str, **kwargs: Any) -> Case:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.SIGNED)
        return original(actor, case, name, **kwargs)

    monkeypatch.setattr(cases, "do_transition", racing)
    response = api.step(client, "grace", api.case, "sign")
    assert response.status_code == 409
    assert "刷新" in response.json()["detail"]


def test_step_the_user_may_not_take_is_403(client, api):
    world = api.world
    cases.do_transition(world.alice, api.case, "dispatch", handler=world.alice)
    response = api.step(client, "bob", api.case, "sign")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有承办人可以执行该操作。"}
    assert api.step(client, "bob", api.case, "reject", note="不受理").status_code == 403


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("dispatch", {}, "请选择承办人或承办单位。"),
        ("reject", {}, "请填写不予受理的理由。"),
        ("dispatch", {"handler": "carol"}, "所选人员不在可选范围内。"),
        ("dispatch", {"unit": "peace-unit"}, "所选单位不在可派范围内。"),
        ("merge", {"target": "YG0000000000"}, "没有找到编号为“YG0000000000”的诉求。"),
        ("rate", {}, "当前状态“已受理”下不能执行该操作。"),
        ("fly", {}, "name 的值无效"),
    ],
)
def test_refused_step_gets_a_chinese_message(client, api, name, fields, message):
    world = api.world
    if fields.get("handler") == "carol":
        fields = {"handler": world.carol.pk}
    if fields.get("unit") == "peace-unit":
        fields = {"unit": HandlingUnit.objects.create(area=world.peace, name="和平物业", kind="property").pk}
    response = api.step(client, "alice", api.case, name, **fields)
    assert response.status_code in (409, 422)
    assert message in response.json()["detail"]
    assert Case.objects.get(pk=api.case.pk).status == CaseStatus.RECEIVED


def test_reply_needs_a_note_and_close_needs_evidence(client, api):
    world, case = api.world, api.case
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    missing_note = api.step(client, "grace", case, "reply")
    assert (missing_note.status_code, missing_note.json()["detail"]) == (422, "请填写答复内容。")
    assert api.step(client, "grace", case, "reply", note="已处理").status_code == 200
    no_evidence = api.step(client, "alice", case, "close")
    assert no_evidence.status_code == 422
    assert "佐证" in no_evidence.json()["detail"]
    fake = SimpleUploadedFile("病毒.png", b"MZ\x90\x00 not an image", content_type="image/png")
    not_an_image = api.step(client, "alice", case, "close", evidence=[fake])
    assert not_an_image.status_code == 422 and "不是图片" in not_an_image.json()["detail"]
    assert api.step(client, "alice", case, "close", evidence=[photo()]).json()["status"] == "closed"


def test_merge_into_a_visible_case(client, api):
    duplicate = new_case(api.world, description="3栋垃圾桶又满了，没人管", reporter_phone="13900000002")
    response = api.step(client, "alice", duplicate, "merge", target=api.case.number.lower())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged"
    assert response.json()["merged_into"] == api.case.number
    # A case alice cannot see cannot be a target either.
    another = new_case(api.world, description="3栋垃圾桶第三次反映", reporter_phone="13900000003")
    refused = api.step(client, "alice", another, "merge", target=api.other_case.number)
    assert refused.status_code == 422


def test_detail_lists_the_steps_the_caller_may_take(client, api):
    assert api.get(client, "alice", f"/cases/{api.case.pk}").json()["actions"] == [
        "dispatch",
        "merge",
        "reject",
    ]
    assert api.get(client, "bob", f"/cases/{api.case.pk}").json()["actions"] == []


def test_evidence_photo_can_be_downloaded_by_those_who_see_the_case(client, api):
    world, case = api.world, api.case
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    body = api.step(client, "grace", case, "reply", note="已处理", evidence=[photo()]).json()
    url = body["events"][-1]["attachments"][0]["url"]
    assert url.startswith(f"{BASE}/cases/{case.pk}/attachments/")
    download = client.get(url, headers=api.headers("bob"))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert client.get(url, headers=api.headers("carol")).status_code == 404
    wrong_case = url.replace(f"/cases/{case.pk}/", f"/cases/{api.other_case.pk}/")
    assert client.get(wrong_case, headers=api.headers("erin")).status_code == 404


# --- comments --------------------------------------------------------------------------------------------


def test_comments(client, api):
    path = f"/cases/{api.case.pk}/comments"
    public = api.post_json(client, "alice", path, {"note": "已电话联系居民", "public": True})
    assert public.status_code == 201
    assert public.json()["kind"] == "comment" and public.json()["public"] is True
    assert public.json()["actor"] == "王爱丽"
    internal = api.post_json(client, "bob", path, {"note": "监委会关注此事"})
    assert internal.status_code == 201 and internal.json()["public"] is False
    refused = api.post_json(client, "bob", path, {"note": "公开一下", "public": True})
    assert refused.status_code == 403
    empty = api.post_json(client, "alice", path, {"note": "   "})
    assert (empty.status_code, empty.json()["detail"]) == (422, "请填写内容。")
    notes = [e["note"] for e in api.get(client, "alice", f"/cases/{api.case.pk}").json()["events"]]
    assert notes[-2:] == ["已电话联系居民", "监委会关注此事"]


# --- query counts and OpenAPI ----------------------------------------------------------------------------


def _crowd(world: World, n: int) -> None:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="环卫队", kind="community_org")
    for i in range(n):
        case = new_case(world, reporter_phone=f"1390000{i:04d}")
        cases.do_transition(world.alice, case, "dispatch", unit=unit, handler=world.grace)


# token, role assignments, the user's units and areas (visible_to), COUNT, page
LIST_QUERIES = 5


def test_list_query_count_does_not_grow_with_page_size(client, api, django_assert_num_queries):
    _crowd(api.world, 6)
    api.get(client, "erin", "/cases")  # first use of the token records last_used_at
    with django_assert_num_queries(LIST_QUERIES):
        small = api.get(client, "erin", "/cases", limit=1)
    with django_assert_num_queries(LIST_QUERIES):
        large = api.get(client, "erin", "/cases", limit=MAX_LIMIT)
    assert len(small.json()["items"]) == 1
    assert len(large.json()["items"]) == 8


def test_filters_cost_at_most_the_area_lookup(client, api, django_assert_num_queries):
    api.get(client, "alice", "/cases")
    with django_assert_num_queries(LIST_QUERIES + 1):
        api.get(client, "alice", "/cases", area=api.world.grid.pk, status="received", open="true", q="垃圾")


# token, role assignments, the user's units and areas (visible_to), access_case, the case with its places,
# events, attachments
DETAIL_QUERIES = 7


def test_detail_query_count_is_pinned(client, api, django_assert_num_queries):
    world, case = api.world, api.case
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note="已处理", evidence=[photo(), photo("b.png")])
    for n in range(3):
        cases.do_comment(world.alice, case, f"说明{n}")
    api.get(client, "alice", "/cases")
    with django_assert_num_queries(DETAIL_QUERIES):
        response = api.get(client, "alice", f"/cases/{case.pk}")
    assert len(response.json()["events"]) == 7


def test_openapi_lists_the_case_endpoints(client):
    schema = client.get(f"{BASE}/openapi.json").json()
    paths = schema["paths"]
    assert set(paths[f"{BASE}/cases"]) == {"get", "post"}
    assert "get" in paths[f"{BASE}/cases/{{case_id}}"]
    step = paths[f"{BASE}/cases/{{case_id}}/transitions"]["post"]
    assert "multipart/form-data" in step["requestBody"]["content"]
    assert {"409", "422", "403", "404"} <= set(step["responses"])
    assert "post" in paths[f"{BASE}/cases/{{case_id}}/comments"]
    assert "get" in paths[f"{BASE}/cases/{{case_id}}/attachments/{{attachment_id}}"]
    create = paths[f"{BASE}/cases"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
