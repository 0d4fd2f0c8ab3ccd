"""Reporting a problem through the portal: /report/, a community's form and the QR entry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import category, form_data, photo, tracking_code_in
from yangguang.core.models import Case, CaseAttachment, Channel


def post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data, **extra)


def test_form_groups_communities_by_street_and_carries_a_fresh_key(world: World, client: Client) -> None:
    response = client.get(reverse("portal:report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert '<optgroup label="东风街道">' in html and '<optgroup label="西湖街道">' in html
    assert "明月村" in html and "一网格" not in html
    keys = re.findall(r'name="key" value="([0-9a-f-]{36})"', html)
    assert len(keys) == 1
    again = re.findall(
        r'name="key" value="([0-9a-f-]{36})"', client.get(reverse("portal:report")).content.decode()
    )
    assert again != keys  # generated per rendering
    # Categories in their configured order.
    assert html.index("治安秩序") < html.index("环境卫生") < html.index("其他")


def test_report_with_a_photo_shows_the_tracking_code(world: World, client: Client) -> None:
    data = form_data(world, photos=[photo()])
    response = post(client, reverse("portal:report"), data, REMOTE_ADDR="10.1.2.3")
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:report_done", args=[case.tracking_code])
    assert case.channel == Channel.PORTAL
    assert case.area == world.sunshine
    assert case.intake_ip == "10.1.2.3"
    assert case.location_text == "东门"
    assert case.idempotency_key == "portal:" + data["key"]
    [attachment] = CaseAttachment.objects.filter(case=case)
    assert attachment.content_type == "image/png" and not attachment.public

    done = client.get(response["Location"])
    html = done.content.decode()
    assert tracking_code_in(html) == case.tracking_code
    assert case.number in html
    assert f"http://testserver/t/{case.tracking_code}/" in html
    assert "拍下" in html
    assert "发短信到 138****5678" in html
    assert "13812345678" not in html
    assert done["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex' in html


def test_csrf_token_works_for_anonymous_residents(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("portal:report")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    refused = client.post(reverse("portal:report"), form_data(world))
    assert refused.status_code == 403
    accepted = client.post(
        reverse("portal:report"), {**form_data(world), "csrfmiddlewaretoken": token.group(1)}
    )
    assert accepted.status_code == 302
    assert Case.objects.count() == 1


def test_validation_errors_keep_every_value_but_the_photos(world: World, client: Client) -> None:
    data = form_data(
        world,
        description="太黑",
        reporter_phone="1381234",
        reporter_email="wang@example.com",
        confidential="on",
        photos=[photo()],
    )
    response = post(client, reverse("portal:report"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert 'role="alert"' in html
    # The summary links to the fields; the messages also stand beside them.
    assert '<a href="#id_description">请把问题描述清楚（至少5个字）。</a>' in html
    assert 'id="id_description-error"' in html and 'id="id_reporter_phone-error"' in html
    assert 'aria-invalid="true"' in html
    # Everything typed is still there.
    assert ">太黑</textarea>" in html
    assert 'value="1381234"' in html and 'value="wang@example.com"' in html and 'value="东门"' in html
    assert re.search(rf'<option value="{world.sunshine.pk}" selected>', html)
    assert re.search(rf'<option value="{category().pk}" selected>', html)
    assert re.search(r'id="id_confidential"[^>]* checked', html)
    assert not re.search(r'id="id_anonymous"[^>]* checked', html)
    # … except the photo, and the page says so.
    assert "照片没有保留" in html
    # The same key, so fixing the form and submitting twice still makes one case.
    assert f'name="key" value="{data["key"]}"' in html


def test_missing_choices_are_named(world: World, client: Client) -> None:
    response = post(client, reverse("portal:report"), form_data(world, area="", category=""))
    html = response.content.decode()
    assert "请选择社区。" in html and "请选择问题分类。" in html
    assert "照片没有保留" not in html


def test_non_image_upload_is_refused_with_a_message(world: World, client: Client) -> None:
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00 this is a program", content_type="image/png")
    response = post(client, reverse("portal:report"), form_data(world, photos=[fake]))
    html = response.content.decode()
    assert "“照片.png”不是图片文件" in html
    assert 'id="id_photos-error"' in html
    assert Case.objects.count() == 0


def test_replayed_submission_creates_one_case(world: World, client: Client) -> None:
    data = form_data(world)
    first = post(client, reverse("portal:report"), data)
    second = post(client, reverse("portal:report"), {**data, "description": "第二次提交的内容不会另建一件"})
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_a_foreign_key_is_not_replayed(world: World, client: Client) -> None:
    """A key that is not the portal's uuid is dropped: a guessed key never opens someone else's case."""
    post(client, reverse("portal:report"), form_data(world, key="abc"))
    post(client, reverse("portal:report"), form_data(world, key="abc", reporter_phone="13900000000"))
    assert Case.objects.count() == 2
    assert set(Case.objects.values_list("idempotency_key", flat=True)) == {None}


def test_flood_from_one_address_gets_a_clear_message(world: World, client: Client, settings: Any) -> None:
    settings.CASE_LIMIT_PER_IP_HOUR = 1
    url = reverse("portal:report")
    assert post(client, url, form_data(world), REMOTE_ADDR="10.9.9.9").status_code == 302
    again = post(
        client,
        url,
        form_data(world, key="0e4a4a0c-7b9b-4f0b-9a52-2c3c8f7f3d11", reporter_phone="13900000000"),
        REMOTE_ADDR="10.9.9.9",
    )
    html = again.content.decode()
    assert again.status_code == 200
    assert "提交过于频繁，请一小时后再试" in html
    assert "小区东门的路灯坏了一个星期" in html
    assert Case.objects.count() == 1


def test_community_form_is_prefilled_and_offers_only_its_buildings(world: World, client: Client) -> None:
    html = client.get(reverse("portal:community_report", args=[world.sunshine.pk])).content.decode()
    assert 'name="area"' not in html
    assert "<strong>阳光社区</strong>" in html
    buildings = re.search(r'<select id="id_building".*?</select>', html, re.S)
    assert buildings is not None
    assert f'<option value="{world.building.pk}"' in buildings.group()
    assert f'<option value="{world.other_building.pk}"' not in buildings.group()


def test_building_from_another_community_is_refused(world: World, client: Client) -> None:
    url = reverse("portal:community_report", args=[world.sunshine.pk])
    response = post(client, url, form_data(world, area=None, building=world.other_building.pk))
    assert "所选楼栋不在该社区范围内。" in response.content.decode()
    assert Case.objects.count() == 0


def test_building_of_the_community_is_recorded(world: World, client: Client) -> None:
    url = reverse("portal:community_report", args=[world.sunshine.pk])
    post(client, url, form_data(world, area=None, building=world.building.pk))
    case = Case.objects.get()
    assert case.building == world.building and case.compound == world.compound
    assert case.channel == Channel.PORTAL


def test_qr_entry_prefills_the_compound_and_counts_as_qr(world: World, client: Client) -> None:
    url = reverse("portal:qr_report", args=[world.compound.pk])
    html = client.get(url).content.decode()
    assert "芙蓉苑 · 阳光社区" in html
    response = post(client, url, form_data(world, area=world.peace.pk))  # a posted area is ignored
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.QR
    assert case.area == world.sunshine and case.compound == world.compound


def test_community_poster_link_counts_as_qr(world: World, client: Client) -> None:
    url = reverse("portal:community_report", args=[world.sunshine.pk]) + "?via=qr"
    post(client, url, form_data(world, area=None))
    assert Case.objects.get().channel == Channel.QR


def test_anonymous_report_keeps_no_name_or_phone(world: World, client: Client) -> None:
    response = post(client, reverse("portal:report"), form_data(world, anonymous="on"))
    case = Case.objects.get()
    assert case.anonymous and case.reporter_name == "" and case.reporter_phone_enc == ""
    html = client.get(response["Location"]).content.decode()
    assert "发短信" not in html


def test_bad_phone_is_shown_beside_the_field(world: World, client: Client) -> None:
    html = post(client, reverse("portal:report"), form_data(world, reporter_phone="12345")).content.decode()
    assert re.search(r'id="id_reporter_phone-error">[^<]*11位手机号码', html)


@pytest.mark.parametrize("name", ["street", "grid"])
def test_report_form_of_a_place_that_is_not_a_community_is_404(
    world: World, client: Client, name: str
) -> None:
    area = getattr(world, name)
    assert client.get(reverse("portal:community_report", args=[area.pk])).status_code == 404


def test_unknown_compound_is_404(world: World, client: Client) -> None:
    assert client.get(reverse("portal:qr_report", args=[999999])).status_code == 404
