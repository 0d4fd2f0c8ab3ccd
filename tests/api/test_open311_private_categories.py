"""Open311 and categories that keep a case's content private (`CaseCategory.public_details`): a relief
request the resident did not mark confidential is published like a confidential one — service, status,
agency and dates, no description, address, coordinates, notes or photo — and its result photo is not served.
A sanitation request beside it is published as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.api.test_open311 import BASE, get_json, get_xml, photo, report
from tests.conftest import World
from yangguang.core.actions import cases
from yangguang.core.models import Case, CaseCategory

RELIEF = "老伴上个月中风卧床，家里每月收入只有一千二，药费负担不起，申请临时救助"
RELIEF_REPLY = "已上门核实家庭收入，临时救助金三千元已发放"


@dataclass
class Pair:
    relief: Case
    sanitation: Case


def handle(world: World, case: Case, note: str) -> Case:
    """Dispatched, signed and answered with a public photo of the result, then closed."""
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note=note, evidence=[photo()])
    cases.do_transition(world.alice, case, "close", note=note)
    return case


@pytest.fixture
def pair(world: World) -> Pair:
    relief = report(
        world,
        category=CaseCategory.objects.get(code="welfare"),
        description=RELIEF,
        reporter_name="林阿姨",
        building=world.building,
    )
    sanitation = report(world, building=world.building, reporter_phone="13900000001")
    return Pair(handle(world, relief, RELIEF_REPLY), handle(world, sanitation, "已清运完毕"))


def media_path(case: Case) -> str:
    attachment = case.attachments.get(public=True)
    return f"{BASE}/media/{case.number}/{attachment.pk}"


def test_relief_request_shows_only_service_status_agency_and_dates(client: Client, pair: Pair) -> None:
    row = get_json(client, f"/requests/{pair.relief.number}.json").json()[0]
    assert row["service_code"] == "welfare" and row["status"] == "closed"
    for field in ("description", "address", "address_id", "lat", "long", "media_url"):
        assert field not in row
    assert row["status_notes"] is None


def test_relief_request_text_is_in_no_list_or_format(client: Client, pair: Pair) -> None:
    listed = {row["service_request_id"]: row for row in get_json(client, "/requests.json").json()}
    assert "description" not in listed[pair.relief.number]
    for path in ("/requests.json", "/requests.xml", f"/requests/{pair.relief.number}.xml"):
        text = client.get(f"{BASE}{path}").content.decode()
        assert "中风" not in text and "一千二" not in text and "救助金" not in text, path
    _response, root = get_xml(client, f"/requests/{pair.relief.number}.xml")
    request = root.find("request")
    assert request is not None
    assert request.find("description") is None and request.find("media_url") is None


def test_relief_result_photo_is_not_served(client: Client, pair: Pair) -> None:
    assert client.get(media_path(pair.relief)).status_code == 404


def test_sanitation_request_is_unchanged(client: Client, pair: Pair) -> None:
    row = get_json(client, f"/requests/{pair.sanitation.number}.json").json()[0]
    assert "垃圾" in row["description"] and row["address"] == "阳光社区芙蓉苑3栋"
    assert row["status_notes"] == "已清运完毕"
    assert row["media_url"].endswith(media_path(pair.sanitation))
    assert client.get(media_path(pair.sanitation)).status_code == 200


def test_unticking_a_category_hides_its_requests_and_photos_at_once(client: Client, pair: Pair) -> None:
    CaseCategory.objects.filter(code="sanitation").update(public_details=False)
    row = get_json(client, f"/requests/{pair.sanitation.number}.json").json()[0]
    assert "description" not in row and "media_url" not in row
    assert client.get(media_path(pair.sanitation)).status_code == 404


def test_private_requests_cost_no_extra_query(
    client: Client, pair: Pair, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # cases, public notes, public photos
        rows = get_json(client, "/requests.json").json()
    assert {row["service_request_id"] for row in rows} == {pair.relief.number, pair.sanitation.number}
