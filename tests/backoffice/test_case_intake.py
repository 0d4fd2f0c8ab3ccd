"""Staff intake on a caller's behalf: who may use it, choices limited to the jurisdiction, the action's
errors beside their fields, photos, routing, duplicates on the new case's page, and double submission."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import PHONE, logged_in, new_case, photo
from tests.conftest import World, make_user
from yangguang.core.models import Case, CaseCategory, CaseStatus, HandlingUnit, RoutingRule
from yangguang.core.permissions import Role

INTAKE = reverse("backoffice:case_intake")


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "hotline",
        "area": world.grid.pk,
        "category": CaseCategory.objects.get(code="sanitation").pk,
        "kind": "",
        "urgency": "normal",
        "building": world.building.pk,
        "location_text": "3栋东侧",
        "title": "",
        "description": "3栋楼下垃圾桶满了三天没人清运，气味很大",
        "reporter_name": "王大妈",
        "reporter_phone": PHONE,
        "reporter_email": "",
        "idempotency_key": "",
    }
    data.update(overrides)
    return data


def errors_beside(response: Any, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(INTAKE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_users_who_do_not_take_cases_in_get_404(world: World) -> None:
    for user in (world.mallory, world.bob, world.dave):
        assert logged_in(user).get(INTAKE).status_code == 404
        assert logged_in(user).post(INTAKE, form_data(world)).status_code == 404
    assert Case.objects.count() == 0


def test_form_offers_staff_channels_and_the_users_areas_only(world: World) -> None:
    page = logged_in(world.alice).get(INTAKE).content.decode()
    for label in ("热线电话", "来访", "网格员巡查", "廉情联络员转达"):
        assert label in page
    assert "居民网上反映" not in page
    assert "阳光社区 › 一网格" in page
    assert "和平社区" not in page
    assert "和平里" not in page  # 和平社区's compound and buildings are not offered
    grace_form = logged_in(world.grace).get(INTAKE).context["form"]
    assert list(grace_form.fields["area"].queryset) == [world.grid]


def test_staff_take_a_phone_call_with_photos(world: World) -> None:
    data = form_data(world, photos=[photo("1.png"), photo("2.png")], confidential="on")
    response = logged_in(world.alice).post(INTAKE, data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:case_detail", args=[case.pk]) + "?duplicates=1"
    assert case.channel == "hotline" and case.intake_by == world.alice
    assert case.status == CaseStatus.RECEIVED
    assert case.building == world.building and case.compound == world.compound
    assert case.confidential
    assert case.reporter_phone_masked == "138****5678"
    assert case.attachments.count() == 2
    assert case.kind == "help"  # the category's default


def test_a_duplicate_shows_up_on_the_new_cases_page(world: World) -> None:
    first = new_case(world, description="每天早上五点多就有人在院子里摆摊卖菜，吵得老人睡不好")
    client = logged_in(world.alice)
    response = client.post(
        INTAKE,
        form_data(world, description="院坝里清早有菜贩摆摊，噪音很大影响休息", reporter_phone="13600000000"),
        follow=True,
    )
    page = response.content.decode()
    assert "疑似重复的诉求" in page and first.number in page


def test_building_outside_the_area_is_refused_beside_the_field(world: World) -> None:
    response = logged_in(world.erin).post(INTAKE, form_data(world, area=world.peace.pk))
    assert response.status_code == 200
    assert errors_beside(response, "building") == ["所选楼栋不在所选社区或网格之内。"]
    assert Case.objects.count() == 0


def test_area_outside_the_jurisdiction_is_refused(world: World) -> None:
    response = logged_in(world.carol).post(INTAKE, form_data(world, building=""))
    assert errors_beside(response, "area") == ["所选项不存在，或不在您的管辖范围内。"]
    assert Case.objects.count() == 0


def test_the_actions_errors_appear_beside_their_fields(world: World) -> None:
    client = logged_in(world.alice)
    short = client.post(INTAKE, form_data(world, description="脏"))
    assert any("至少" in e for e in errors_beside(short, "description"))
    bad_phone = client.post(INTAKE, form_data(world, reporter_phone="12345"))
    assert any("11位手机号码" in e for e in errors_beside(bad_phone, "reporter_phone"))
    fake = SimpleUploadedFile("病毒.png", b"MZ\x90\x00 not an image", content_type="image/png")
    not_image = client.post(INTAKE, form_data(world, photos=[fake]))
    assert any("不是图片" in e for e in errors_beside(not_image, "photos"))
    assert "不是图片" in not_image.content.decode()
    assert Case.objects.count() == 0


def test_inactive_category_is_not_offered(world: World) -> None:
    CaseCategory.objects.filter(code="parking").update(active=False)
    parking = CaseCategory.objects.get(code="parking")
    client = logged_in(world.alice)
    assert "停车管理" not in client.get(INTAKE).content.decode()
    response = client.post(INTAKE, form_data(world, category=parking.pk))
    assert errors_beside(response, "category")


def test_double_submission_creates_one_case(world: World) -> None:
    client = logged_in(world.alice)
    data = form_data(world, idempotency_key="form-token-1")
    first = client.post(INTAKE, data)
    second = client.post(INTAKE, data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_routing_rule_dispatches_on_intake(world: World) -> None:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="环卫站", kind="department")
    RoutingRule.objects.create(
        category=CaseCategory.objects.get(code="sanitation"), area=world.sunshine, unit=unit
    )
    logged_in(world.grace).post(INTAKE, form_data(world, channel="grid_patrol"))
    case = Case.objects.get()
    assert case.status == CaseStatus.DISPATCHED and case.unit == unit


def test_liaison_takes_a_case_in_and_can_follow_it(world: World) -> None:
    liaison = make_user("lily", "廉情联络员", Role.LIAISON, world.sunshine)
    logged_in(liaison).post(INTAKE, form_data(world, channel="liaison"), follow=True)
    case = Case.objects.get()
    assert logged_in(liaison).get(reverse("backoffice:case_detail", args=[case.pk])).status_code == 200
    other = make_user("lucy", "另一位联络员", Role.LIAISON, world.sunshine)
    assert logged_in(other).get(reverse("backoffice:case_detail", args=[case.pk])).status_code == 404
