"""Open311 GeoReport v2 at /open311/v2/: the standard's field names and shapes in JSON and XML, public
reads without personal data, submissions with an api_key, and a third-party client (georeport).

On top of the shared `world`: a handled case in 阳光社区 (reported by 王大妈, closed with a photo, rated with
the resident's own words), a confidential case, an open case in 和平社区 and one from half a year ago.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from tests.conftest import World
from yangguang.core.actions import cases
from yangguang.core.actions.tokens import do_create_api_token, do_revoke_api_token
from yangguang.core.models import ApiToken, Case, CaseCategory, CaseStatus, Channel, HandlingUnit

BASE = "/open311/v2"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FULL_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")

# The GeoReport v2 field lists: a response may leave optional fields out, but never adds others.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
POST_RESPONSE_FIELDS = {"service_request_id", "token", "service_notice", "account_id"}
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("结果.png", PNG, content_type="image/png")


def report(world: World, **extra: Any) -> Case:
    data = cases.CaseInput(
        area=extra.pop("area", world.grid),
        category=extra.pop("category", CaseCategory.objects.get(code="sanitation")),
        description=extra.pop("description", "3栋门口垃圾堆了三天没人管，有事请打13812345678"),
        channel=extra.pop("channel", Channel.PORTAL),
        reporter_name=extra.pop("reporter_name", "王大妈"),
        reporter_phone=extra.pop("reporter_phone", "13812345678"),
        **extra,
    )
    return cases.check_create_case(None, data)


@dataclass
class Scene:
    world: World
    handled: Case
    secret: Case
    peace: Case
    old: Case
    unit: HandlingUnit
    key: str  # alice's API token: INTAKE_CASES in 阳光社区


@pytest.fixture
def scene(world: World) -> Scene:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    handled = report(world, building=world.building, location_text="3栋1单元302室门口")
    cases.do_transition(world.alice, handled, "dispatch", unit=unit, handler=world.grace)
    cases.do_transition(world.grace, handled, "sign")
    cases.do_transition(
        world.grace, handled, "reply", note="已清运，联系人刘师傅13700001111", evidence=[photo()]
    )
    cases.do_transition(world.alice, handled, "close", note="已清运完毕，垃圾桶已加装")
    cases.do_rate(None, handled, 5, "王大妈说谢谢刘师傅")
    secret = report(
        world,
        confidential=True,
        reporter_name="钱小红",
        description="举报楼栋长收取违规费用",
        category=CaseCategory.objects.get(code="integrity"),
    )
    peace = report(world, area=world.peace, description="和平里8栋路灯坏了一个星期", reporter_name="李大爷")
    old = report(world, description="半年前的问题：井盖松动", reporter_name="赵大叔")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=180))
    key = do_create_api_token(None, world.alice, "Open311 测试")[1]
    return Scene(world, handled, secret, peace, old, unit, key)


def parse_xml(content: bytes) -> ET.Element:
    """The test's own server wrote it: nothing untrusted is parsed here."""
    return ET.fromstring(content)  # noqa: S314


def get_json(client: Client, path: str, **params: Any) -> Any:
    response = client.get(f"{BASE}{path}", params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response


def get_xml(client: Client, path: str, **params: Any) -> tuple[Any, ET.Element]:
    response = client.get(f"{BASE}{path}", params)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return response, parse_xml(response.content)


def post(client: Client, fmt: str = "json", **data: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data, REMOTE_ADDR="203.0.113.7")


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["service_request_id"] for row in response.json()}


def submission(scene: Scene, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": scene.key,
        "service_code": "sanitation",
        "area_id": scene.world.grid.pk,
        "address_string": "芙蓉苑3栋楼下",
        "description": "楼下垃圾桶满溢，苍蝇很多",
        "first_name": "阿姨",
        "last_name": "赵",
        "phone": "13900002222",
        "email": "zhao@example.com",
        "device_id": "ignored-device",
        "media_url": "https://example.com/ignored.jpg",
        **extra,
    }


# --- mounting and discovery ------------------------------------------------------------------------------


def test_open311_is_mounted_at_open311_v2():
    assert resolve(f"{BASE}/services.json").url_name == "services"
    assert resolve(f"{BASE}/requests.xml").namespace == "open311"


def test_discovery(client, scene):
    body = get_json(client, "/discovery.json").json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert W3C.match(body["changeset"])
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    _, root = get_xml(client, "/discovery.xml")
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


# --- services --------------------------------------------------------------------------------------------


def test_services_json_lists_active_categories_with_the_spec_fields(client, scene):
    CaseCategory.objects.filter(code="other").update(active=False)
    services = get_json(client, "/services.json").json()
    codes = [s["service_code"] for s in services]
    assert "sanitation" in codes and "other" not in codes
    assert len(codes) == CaseCategory.objects.filter(active=True).count()
    sanitation = next(s for s in services if s["service_code"] == "sanitation")
    assert set(sanitation) == SERVICE_FIELDS
    assert sanitation["service_name"] == "环境卫生"
    assert sanitation["metadata"] is False and sanitation["type"] == "realtime"
    assert "环境卫生" in sanitation["keywords"]


def test_services_xml_has_one_service_element_per_category(client, scene):
    response, root = get_xml(client, "/services.xml")
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == CaseCategory.objects.filter(active=True).count()
    first = services[0]
    assert {child.tag for child in first} == SERVICE_FIELDS
    assert first.findtext("metadata") == "false"
    assert first.findtext("type") == "realtime"


def test_service_definition_has_an_empty_attribute_list(client, scene):
    assert get_json(client, "/services/sanitation.json").json() == {
        "service_code": "sanitation",
        "attributes": [],
    }
    _, root = get_xml(client, "/services/sanitation.xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "sanitation"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []


def test_unknown_service_is_a_404_error_list(client, scene):
    response = get_json(client, "/services/no-such.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "没有代码为“no-such”的服务。"}]
    response, root = get_xml(client, "/services/no-such.xml")
    assert response.status_code == 404
    assert root.tag == "errors" and root.findtext("error/code") == "404"


# --- reading requests ------------------------------------------------------------------------------------


def test_requests_default_to_the_last_90_days(client, scene):
    found = numbers(get_json(client, "/requests.json"))
    assert found == {scene.handled.number, scene.secret.number, scene.peace.number}


def test_request_fields_are_the_specs_and_status_maps_to_open_and_closed(client, scene):
    rows = {row["service_request_id"]: row for row in get_json(client, "/requests.json").json()}
    for row in rows.values():
        assert set(row) <= REQUEST_FIELDS, set(row) - REQUEST_FIELDS
        assert W3C.match(row["requested_datetime"]) and W3C.match(row["updated_datetime"])
    handled = rows[scene.handled.number]
    assert scene.handled.status == CaseStatus.SATISFIED
    assert handled["status"] == "closed"
    assert handled["service_code"] == "sanitation" and handled["service_name"] == "环境卫生"
    assert handled["agency_responsible"] == "芙蓉物业"
    assert handled["address"] == "阳光社区芙蓉苑3栋"
    assert handled["address_id"] == scene.world.building.pk
    assert W3C.match(handled["expected_datetime"])
    assert rows[scene.peace.number]["status"] == "open"
    assert rows[scene.peace.number]["agency_responsible"] == "和平社区"
    assert rows[scene.peace.number]["expected_datetime"] is None


def test_status_notes_are_the_latest_public_note_without_the_residents_words(client, scene):
    handled = get_json(client, f"/requests/{scene.handled.number}.json").json()[0]
    assert handled["status_notes"] == "已清运完毕，垃圾桶已加装"
    assert (
        get_json(client, f"/requests/{scene.peace.number}.json").json()[0]["status_notes"] == "诉求已受理。"
    )


def test_no_personal_data_in_public_requests(client, scene):
    for path in ("/requests.json", "/requests.xml"):
        text = client.get(f"{BASE}{path}").content.decode()
        for name in ("王大妈", "钱小红", "李大爷", "刘师傅", "葛瑞"):
            assert name not in text
        assert not FULL_MOBILE.search(text), FULL_MOBILE.search(text)
        assert "302" not in text  # the room is in the location text, which is never public
        assert scene.handled.tracking_code not in text
        assert "谢谢" not in text  # the rating note is the resident's own
    described = get_json(client, f"/requests/{scene.handled.number}.json").json()[0]["description"]
    assert "138****5678" in described


def test_confidential_request_shows_only_service_status_and_dates(client, scene):
    row = get_json(client, f"/requests/{scene.secret.number}.json").json()[0]
    assert row["service_code"] == "integrity" and row["status"] == "open"
    assert "description" not in row and "address" not in row and "media_url" not in row
    assert row["status_notes"] is None
    assert "举报" not in client.get(f"{BASE}/requests.xml").content.decode()


def test_media_url_serves_the_public_result_photo(client, scene):
    row = get_json(client, f"/requests/{scene.handled.number}.json").json()[0]
    url = row["media_url"]
    assert url.startswith(f"http://testserver{BASE}/media/{scene.handled.number}/")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "结果" not in response["Content-Disposition"]
    assert "media_url" not in get_json(client, f"/requests/{scene.peace.number}.json").json()[0]


def test_intake_photos_are_never_public(client, scene):
    sent = report(scene.world, photos=[photo()])
    attachment = sent.attachments.get()
    assert client.get(f"{BASE}/media/{sent.number}/{attachment.pk}").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"service_code": "integrity"}, {"secret"}),
        ({"service_code": "integrity,sanitation"}, {"secret", "handled", "peace"}),
        ({"status": "closed"}, {"handled"}),
        ({"status": "open"}, {"secret", "peace"}),
        ({"status": "open,closed"}, {"handled", "secret", "peace"}),
        ({"jurisdiction_id": "peace"}, {"peace"}),
        ({"service_request_id": "old,peace"}, {"old", "peace"}),
        ({"start_date": "days:-200", "end_date": "days:-120"}, {"old"}),
        ({"start_date": "days:-200"}, {"old"}),
        ({"end_date": "days:-100"}, {"old"}),
    ],
)
def test_request_filters(client, scene, params, expected):
    today = timezone.localdate()
    resolved: dict[str, str] = {}
    for key, value in params.items():
        if value.startswith("days:"):
            resolved[key] = (today + datetime.timedelta(days=int(value[5:]))).isoformat() + "T00:00:00+08:00"
        elif key == "service_request_id":
            resolved[key] = ",".join(getattr(scene, part).number.lower() for part in value.split(","))
        elif key == "jurisdiction_id":
            resolved[key] = str(scene.world.peace.pk)
        else:
            resolved[key] = value
    assert numbers(get_json(client, "/requests.json", **resolved)) == {
        getattr(scene, name).number for name in expected
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "昨天"}, "start_date 不是有效的 W3C 日期时间"),
        ({"start_date": "2025-01-01", "end_date": "2025-06-01"}, "不能超过 90 天"),
        ({"start_date": "2025-02-01", "end_date": "2025-01-01"}, "不能早于"),
        ({"status": "pending"}, "status 只能是 open 或 closed"),
    ],
)
def test_bad_request_parameters_are_400_errors(client, scene, params, message):
    response = get_json(client, "/requests.json", **params)
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and message in error["description"]


def test_unknown_jurisdiction_is_404(client, scene):
    assert get_json(client, "/requests.json", jurisdiction_id="987654").status_code == 404
    assert get_json(client, "/services.json", jurisdiction_id="abc").status_code == 404


def test_single_request_json_and_xml(client, scene):
    rows = get_json(client, f"/requests/{scene.peace.number.lower()}.json").json()
    assert [r["service_request_id"] for r in rows] == [scene.peace.number]
    _, root = get_xml(client, f"/requests/{scene.handled.number}.xml")
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == scene.handled.number
    assert request.findtext("status") == "closed"
    assert {child.tag for child in request} <= REQUEST_FIELDS
    missing = get_json(client, "/requests/YG0000000000.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_requests_cost_a_fixed_number_of_queries(client, scene, django_assert_num_queries):
    for n in range(5):
        extra = report(scene.world, reporter_phone=f"1390000{n:04d}")
        cases.do_comment(scene.world.alice, extra, f"公开说明{n}", public=True)
    with django_assert_num_queries(3):  # cases, public notes, public photos
        rows = get_json(client, "/requests.json").json()
    assert len(rows) == 8


# --- tokens ----------------------------------------------------------------------------------------------


def test_token_gives_the_service_request_id(client, scene):
    code = scene.handled.tracking_code
    spaced = f"{code[:5].lower()} {code[5:]}"
    assert get_json(client, f"/tokens/{spaced}.json").json() == [
        {"service_request_id": scene.handled.number, "token": code}
    ]
    _, root = get_xml(client, f"/tokens/{code}.xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == scene.handled.number
    assert root.findtext("request/token") == code
    assert get_json(client, "/tokens/ABCDEFGHJK.json").status_code == 404


# --- submitting ------------------------------------------------------------------------------------------


def test_post_creates_an_open311_case(client, scene):
    response = post(client, **submission(scene))
    assert response.status_code == 200, response.content
    [row] = response.json()
    assert set(row) == POST_RESPONSE_FIELDS
    assert row["account_id"] is None
    case = Case.objects.get(number=row["service_request_id"])
    assert row["token"] == case.tracking_code
    assert case.number in row["service_notice"]
    assert case.channel == Channel.OPEN311 and case.intake_by == scene.world.alice
    assert case.area == scene.world.grid and case.category.code == "sanitation"
    assert case.reporter_name == "赵阿姨" and case.reporter_phone_masked == "139****2222"
    assert case.reporter_email == "zhao@example.com"
    assert case.location_text == "芙蓉苑3栋楼下"
    assert case.intake_ip == "203.0.113.7"
    # A new request is readable at once, without the reporter.
    public = get_json(client, f"/requests/{case.number}.json").json()[0]
    assert public["status"] == "open" and "赵" not in str(public)


def test_post_xml_response(client, scene):
    response = post(client, "xml", **submission(scene))
    assert response.status_code == 200
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert {child.tag for child in request} == POST_RESPONSE_FIELDS
    account = request.find("account_id")
    assert account is not None and account.text is None


def test_post_with_a_building_only_takes_its_area(client, scene):
    data = submission(scene, address_id=scene.world.building.pk, area_id="", address_string="")
    [row] = post(client, **data).json()
    case = Case.objects.get(number=row["service_request_id"])
    assert case.building == scene.world.building and case.area == scene.world.grid


def test_post_with_coordinates_keeps_them_for_the_handlers(client, scene):
    [row] = post(client, **submission(scene, lat="28.1941", long="112.9823", address_string="")).json()
    assert "28.1941" in Case.objects.get(number=row["service_request_id"]).location_text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_service_code_is_a_400_error_list(client, scene, fmt):
    response = post(client, fmt, **submission(scene, service_code=""))
    assert response.status_code == 400
    if fmt == "json":
        assert response.json() == [{"code": 400, "description": "缺少参数 service_code。"}]
    else:
        root = parse_xml(response.content)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "400"
        assert root.findtext("error/description") == "缺少参数 service_code。"


def test_bad_api_keys_are_403(client, scene):
    for key in ("", "yg_000000000000_nope", "not-a-token"):
        response = post(client, **submission(scene, api_key=key))
        assert response.status_code == 403
        assert response.json()[0]["description"] == "api_key 无效、已撤销或所属账户已停用。"
    do_revoke_api_token(None, ApiToken.objects.get(user=scene.world.alice))
    assert post(client, **submission(scene)).status_code == 403
    assert Case.objects.filter(channel=Channel.OPEN311).count() == 0


def test_api_key_may_submit_only_where_its_account_takes_cases_in(client, scene):
    response = post(client, **submission(scene, area_id=scene.world.peace.pk))
    assert response.status_code == 403
    assert response.json()[0]["description"] == "该 api_key 无权在此区域提交诉求。"
    committee_key = do_create_api_token(None, scene.world.bob, "监委会")[1]
    assert post(client, **submission(scene, api_key=committee_key)).status_code == 403


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"service_code": "no-such"}, "service_code “no-such” 不存在或已停用。"),
        ({"area_id": ""}, "请用 area_id（或 jurisdiction_id）指明"),
        ({"area_id": "x"}, "area_id “x” 不是有效的区域 ID。"),
        ({"address_id": "987654"}, "address_id “987654” 不是有效的楼栋 ID。"),
        ({"address_string": ""}, "须提供 lat 和 long、address_string 或 address_id 之一。"),
        ({"lat": "91", "long": "112"}, "有效的 WGS84 经纬度"),
        ({"lat": "28.1"}, "lat 和 long 须同时提供"),
        ({"description": "太短"}, "请把问题描述清楚（至少5个字）。"),
        ({"phone": "12345"}, "11位手机号码"),
        ({"email": "not-an-email"}, "email 不是有效的电子邮箱地址。"),
        ({"area_id": "street"}, "请选择问题发生的社区或村。"),
        ({"address_id": "other_building"}, "不在该社区范围内"),
    ],
)
def test_refused_submissions_are_400_with_chinese_descriptions(client, scene, change, message):
    if change.get("area_id") == "street":
        change = {
            "area_id": scene.world.street.pk,
            "api_key": do_create_api_token(None, scene.world.erin, "区")[1],
        }
    if change.get("address_id") == "other_building":
        change = {"address_id": scene.world.other_building.pk}
    response = post(client, **submission(scene, **change))
    assert response.status_code == 400, response.content
    [error] = response.json()
    assert error["code"] == 400 and message in error["description"]
    assert Case.objects.filter(channel=Channel.OPEN311).count() == 0


def test_flood_from_one_ip_is_refused(client, scene, settings):
    settings.CASE_LIMIT_PER_IP_HOUR = 2
    for n in range(2):
        assert post(client, **submission(scene, phone=f"1390000333{n}")).status_code == 200
    response = post(client, **submission(scene, phone="13900003339"))
    assert response.status_code == 429
    assert "频繁" in response.json()[0]["description"]


def test_flood_from_one_phone_is_refused(client, scene, settings):
    settings.CASE_LIMIT_PER_PHONE_DAY = 1
    assert post(client, **submission(scene)).status_code == 200
    response = client.post(f"{BASE}/requests.json", submission(scene), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert "上限" in response.json()[0]["description"]


def test_other_methods_are_refused(client, scene):
    assert client.put(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- every XML document is well-formed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root"),
    [
        ("/discovery.xml", "discovery"),
        ("/services.xml", "services"),
        ("/services/sanitation.xml", "service_definition"),
        ("/requests.xml", "service_requests"),
        ("/requests/{handled}.xml", "service_requests"),
        ("/requests/{secret}.xml", "service_requests"),
        ("/tokens/{token}.xml", "service_requests"),
        ("/requests/NOPE.xml", "errors"),
    ],
)
def test_xml_is_well_formed(client, scene, path, root):
    path = path.format(
        handled=scene.handled.number, secret=scene.secret.number, token=scene.peace.tracking_code
    )
    _, element = get_xml(client, path)
    assert element.tag == root


def test_control_characters_do_not_break_the_xml(client, scene):
    odd = report(scene.world, description="垃圾桶\x07坏了\x0b好几天")
    _, element = get_xml(client, f"/requests/{odd.number}.xml")
    assert element.findtext("request/description") == "垃圾桶坏了好几天"


# --- a client we did not write ---------------------------------------------------------------------------


@pytest.fixture
def georeport_client(live_server: Any, transactional_db: None, scene: Scene) -> Any:
    import georeport  # in requirements.txt: a missing client is a failure, not a skip

    return georeport


# A live server needs committed data; serialized_rollback restores the categories the migrations seeded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_services_and_requests(georeport_client, live_server, scene, fmt):
    client = georeport_client.GeoReport(f"{live_server.url}{BASE}", output_format=fmt)
    services = client.get_service_list()
    assert "sanitation" in {s["service_code"] for s in services}
    definition = client.get_service_definition("sanitation")
    assert definition["service_code"] == "sanitation"
    requests = client.get_service_requests(status="open")
    rows = requests if isinstance(requests, list) else [requests]
    assert {r["service_request_id"] for r in rows} == {scene.secret.number, scene.peace.number}
    one = client.get_service_request(scene.handled.number)
    assert one["service_request_id"] == scene.handled.number
    assert one["status"] == "closed"
    jurisdiction = georeport_client.GeoReport(
        f"{live_server.url}{BASE}", jurisdiction=str(scene.world.peace.pk), output_format=fmt
    )
    only_peace = jurisdiction.get_service_requests()
    only_peace = only_peace if isinstance(only_peace, list) else [only_peace]
    assert [r["service_request_id"] for r in only_peace] == [scene.peace.number]


def test_posted_coordinates_are_kept_and_returned(client, scene):
    response = post(client, **submission(scene, lat="28.194100", long="112.982300"))
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert (float(case.latitude), float(case.longitude)) == (28.1941, 112.9823)
    [row] = get_json(client, f"/requests/{number}.json").json()
    assert (row["lat"], row["long"]) == (28.1941, 112.9823)
