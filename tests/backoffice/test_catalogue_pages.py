"""The power and supervision list pages: who sees which list, filters and search, item pages, district
editing, community adoption, outsiders, and pinned query counts."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import World
from yangguang.core.actions import catalogue
from yangguang.core.models import AuditEntry, PowerItem, SupervisionItem

POWER_LIST = reverse("backoffice:catalogue_list", args=["power"])
SUPERVISION_LIST = reverse("backoffice:catalogue_list", args=["supervision"])


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def platform(code: str) -> PowerItem:
    return PowerItem.objects.get(area=None, code=code)


def detail_url(kind: str, pk: int) -> str:
    return reverse("backoffice:catalogue_detail", args=[kind, pk])


def adopt_url(kind: str, world: World) -> str:
    return f"{reverse('backoffice:catalogue_adopt', args=[kind])}?area={world.sunshine.pk}"


def page(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


ITEM_POST = {
    "code": "QX-CW-09",
    "name": "区级零星采购",
    "domain": "finance",
    "basis": "示范区财务管理办法",
    "check_frequency": "monthly",
    "position": "3",
    "steps": "申请\r\n审批\r\n报账",
    "evidence": "发票",
    "meeting_required": "joint",
    "amount_min": "",
    "amount_max": "2000",
}


# --- lists -----------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(POWER_LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_users_without_supervision_view_get_404(world: World) -> None:
    for user in (world.mallory, world.grace):
        assert logged_in(user).get(POWER_LIST).status_code == 404
        assert logged_in(user).get(SUPERVISION_LIST).status_code == 404
    assert logged_in(world.alice).get(reverse("backoffice:catalogue_list", args=["other"])).status_code == 404


def test_nav_links_show_for_supervision_viewers_only(world: World) -> None:
    home = reverse("backoffice:home")
    text = page(logged_in(world.bob), home)
    assert (
        POWER_LIST in text and SUPERVISION_LIST in text and reverse("backoffice:catalogue_use_list") in text
    )
    assert POWER_LIST not in page(logged_in(world.grace), home)


def test_community_staff_see_their_community_list_with_source(world: World) -> None:
    text = page(logged_in(world.alice), POWER_LIST)
    assert "小微权力清单 · 阳光社区" in text
    assert "本社区尚未采用清单事项，暂按区级清单" in text
    assert "QL-CW-01" in text and "平台" in text
    assert "采用清单事项" in text  # staff may adopt
    assert "新增区级事项" not in text


def test_adopted_items_show_as_the_communitys_own(world: World) -> None:
    catalogue.check_adopt_items(world.alice, world.sunshine, "power", [platform("QL-CW-02").pk])
    text = page(logged_in(world.bob), POWER_LIST)
    assert "本社区已采用自己的清单" in text
    assert "本社区（采自平台）" in text
    assert "QL-CW-02" in text and "QL-CW-01" not in text
    assert "采用清单事项" not in text  # the committee reads only


def test_filters_by_domain_and_search(world: World) -> None:
    client = logged_in(world.alice)
    text = page(client, POWER_LIST, domain="welfare")
    assert "QL-HM-01" in text and "QL-CW-01" not in text
    text = page(client, POWER_LIST, q="生活保障")
    assert "最低生活保障" in text and "QL-CW-01" not in text
    text = page(client, POWER_LIST, q="ql-xm-02")
    assert "工程项目招标" in text and "QL-XM-01" not in text
    assert "没有符合条件的事项" in page(client, POWER_LIST, q="不存在的事项")


def test_bad_filter_values_do_not_crash(world: World) -> None:
    client = logged_in(world.alice)
    for params in ({"domain": "nonsense"}, {"scope": "abc"}, {"scope": "999999"}, {"page": "x"}):
        assert client.get(POWER_LIST, params).status_code == 200


def test_scope_is_limited_to_the_users_areas(world: World) -> None:
    # carol asks for 阳光社区's list: not among her choices, so she gets her default (和平社区) instead.
    text = page(logged_in(world.carol), POWER_LIST, scope=str(world.sunshine.pk))
    assert "小微权力清单 · 和平社区" in text
    assert "社区 · 阳光社区" not in text  # not offered as a choice either


def test_district_admin_sees_the_district_list_and_may_add(world: World) -> None:
    text = page(logged_in(world.erin), POWER_LIST)
    assert "小微权力清单 · 示范区" in text and "新增区级事项" in text
    text = page(logged_in(world.erin), POWER_LIST, scope="platform")
    assert "小微权力清单 · 平台默认清单" in text and "新增区级事项" not in text


def test_supervision_list_shows_links_and_checkpoint_counts(world: World) -> None:
    text = page(logged_in(world.dave), SUPERVISION_LIST)
    assert "JD-HM-01" in text and "QL-HM-01 最低生活保障申请受理和审核" in text


def test_list_paginates(world: World, settings: object) -> None:
    settings.PAGE_SIZE = 10  # type: ignore[attr-defined]
    client = logged_in(world.alice)
    first = page(client, POWER_LIST)
    assert "第 1 / 3 页" in first
    assert "第 3 / 3 页" in page(client, POWER_LIST, page="3")


def _count_list_queries(client: Client, url: str) -> int:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(world: World) -> None:
    client = logged_in(world.alice)
    before = _count_list_queries(client, POWER_LIST)
    catalogue.check_adopt_items(
        world.alice, world.sunshine, "power", [i.pk for i in PowerItem.objects.filter(area=None)]
    )
    catalogue.check_adopt_items(
        world.alice, world.sunshine, "supervision", [i.pk for i in SupervisionItem.objects.filter(area=None)]
    )
    assert _count_list_queries(client, POWER_LIST) == before == 8
    assert _count_list_queries(client, SUPERVISION_LIST) == 8


# --- item pages ------------------------------------------------------------------------------------------


def test_item_page_shows_numbered_flow_evidence_band_and_meeting(world: World) -> None:
    item = platform("QL-CW-02")
    text = page(logged_in(world.bob), detail_url("power", item.pk))
    assert '<ol class="flow"><li>申请</li><li>商议</li>' in text
    assert "<dd>居（村）民代表会议</dd>" in text  # a platform item names both kinds of place
    assert "¥5,000.01至¥50,000" in text
    assert "监委会审核签字" in text
    assert "平台默认值" in text


def test_supervision_item_page_shows_checkpoints(world: World) -> None:
    item = SupervisionItem.objects.get(area=None, code="JD-HM-01")
    text = page(logged_in(world.bob), detail_url("supervision", item.pk))
    assert "共同生活家庭成员认定是否准确" in text
    assert detail_url("power", platform("QL-HM-01").pk) in text


def test_community_item_pages_are_404_for_outsiders(world: World) -> None:
    [own] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [platform("QL-CW-01").pk])
    url = detail_url("power", own.pk)
    for user in (world.carol, world.mallory, world.grace):
        assert logged_in(user).get(url).status_code == 404
    for user in (world.alice, world.bob, world.dave, world.erin):
        assert logged_in(user).get(url).status_code == 200
    assert logged_in(world.alice).get(detail_url("power", 999999)).status_code == 404


# --- district editing ------------------------------------------------------------------------------------


def test_district_admin_creates_an_item_through_the_form(world: World) -> None:
    client = logged_in(world.erin)
    url = f"{reverse('backoffice:catalogue_add', args=['power'])}?area={world.district.pk}"
    assert "新增小微权力清单事项 · 示范区" in page(client, url)
    response = client.post(url, {**ITEM_POST, "area": world.district.pk})
    item = PowerItem.objects.get(area=world.district, code="QX-CW-09")
    assert response.status_code == 302 and response["Location"] == detail_url("power", item.pk)
    assert item.steps == ["申请", "审批", "报账"]


def test_item_form_shows_chinese_errors(world: World) -> None:
    client = logged_in(world.erin)
    url = reverse("backoffice:catalogue_add", args=["power"])
    response = client.post(url, {**ITEM_POST, "amount_max": "两千", "code": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "金额格式不正确" in text and "请填写编号。" in text
    assert not PowerItem.objects.filter(area=world.district).exists()


def test_district_admin_copies_a_platform_item_then_edits_it(world: World) -> None:
    client = logged_in(world.erin)
    item = platform("QL-ZC-01")
    assert "复制到示范区清单并调整" in page(client, detail_url("power", item.pk))
    response = client.post(
        reverse("backoffice:catalogue_copy", args=["power", item.pk]), {"area": world.district.pk}
    )
    copy = PowerItem.objects.get(area=world.district, code="QL-ZC-01")
    assert response["Location"] == reverse("backoffice:catalogue_edit", args=["power", copy.pk])
    form = page(client, response["Location"])
    assert "集体资产资源出租、发包" in form
    post = {**ITEM_POST, "code": "QL-ZC-01", "name": "集体资产出租（示范区）", "domain": "assets"}
    client.post(response["Location"], post)
    copy.refresh_from_db()
    assert copy.name == "集体资产出租（示范区）"
    assert AuditEntry.objects.filter(
        target_type="poweritem", target_id=str(copy.pk), action="update"
    ).exists()


def test_district_admin_deactivates_a_district_item(world: World) -> None:
    item = catalogue.check_create_item(world.erin, "power", world.district, {**ITEM_POST, "steps": "申请"})
    client = logged_in(world.erin)
    client.post(reverse("backoffice:catalogue_active", args=["power", item.pk]), {"active": "0"})
    item.refresh_from_db()
    assert not item.active
    assert "已停用" in page(client, POWER_LIST)


def test_platform_items_cannot_be_edited(world: World) -> None:
    item = platform("QL-CW-01")
    client = logged_in(world.erin)
    assert client.get(reverse("backoffice:catalogue_edit", args=["power", item.pk])).status_code == 403
    response = client.post(reverse("backoffice:catalogue_active", args=["power", item.pk]), {"active": "0"})
    assert response.status_code == 403


def test_others_cannot_edit_district_items(world: World) -> None:
    item = catalogue.check_create_item(world.erin, "power", world.district, {**ITEM_POST, "steps": "申请"})
    edit = reverse("backoffice:catalogue_edit", args=["power", item.pk])
    for user in (world.alice, world.bob, world.carol, world.dave):
        assert logged_in(user).get(edit).status_code == 403
        assert logged_in(user).post(edit, ITEM_POST).status_code == 403
    for user in (world.mallory, world.grace):
        assert logged_in(user).get(edit).status_code == 404
    add = reverse("backoffice:catalogue_add", args=["power"])
    assert logged_in(world.alice).get(add).status_code == 403
    assert logged_in(world.mallory).get(add).status_code == 404
    copy = reverse("backoffice:catalogue_copy", args=["power", platform("QL-CW-01").pk])
    assert logged_in(world.alice).post(copy, {"area": world.district.pk}).status_code == 403
    assert not PowerItem.objects.filter(area=world.district, code="QL-CW-01").exists()


# --- adoption --------------------------------------------------------------------------------------------


def test_staff_adopt_selected_items(world: World) -> None:
    client = logged_in(world.alice)
    text = page(client, adopt_url("power", world))
    assert "采用所选事项" in text and "QL-CW-01" in text
    picked = [platform("QL-CW-01").pk, platform("QL-CW-02").pk]
    response = client.post(adopt_url("power", world), {"items": picked, "area": world.sunshine.pk})
    assert response.status_code == 302
    assert set(PowerItem.objects.filter(area=world.sunshine).values_list("code", flat=True)) == {
        "QL-CW-01",
        "QL-CW-02",
    }
    # posting the same selection again (back button) adopts nothing more
    client.post(adopt_url("power", world), {"items": picked})
    assert PowerItem.objects.filter(area=world.sunshine).count() == 2
    text = page(client, adopt_url("power", world))
    assert f'value="{picked[0]}"' not in text  # no longer offered


def test_adopt_everything_at_once(world: World) -> None:
    client = logged_in(world.alice)
    client.post(adopt_url("supervision", world), {"all": "1"})
    assert (
        SupervisionItem.objects.filter(area=world.sunshine).count()
        == SupervisionItem.objects.filter(area=None).count()
    )
    assert "均已采用" in page(client, adopt_url("supervision", world))


def test_adopting_nothing_says_so(world: World) -> None:
    response = logged_in(world.alice).post(adopt_url("power", world), {}, follow=True)
    assert "请至少选择一个事项。" in response.content.decode()


def test_staff_of_another_community_cannot_adopt_for_yours(world: World) -> None:
    client = logged_in(world.carol)
    assert client.get(adopt_url("power", world)).status_code == 404
    assert client.post(adopt_url("power", world), {"items": [platform("QL-CW-01").pk]}).status_code == 404
    assert not PowerItem.objects.filter(area=world.sunshine).exists()


def test_committee_cannot_adopt_or_edit(world: World) -> None:
    client = logged_in(world.bob)
    assert client.get(adopt_url("power", world)).status_code == 403
    assert client.post(adopt_url("power", world), {"items": [platform("QL-CW-01").pk]}).status_code == 403
    [own] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [platform("QL-CW-01").pk])
    assert client.get(reverse("backoffice:catalogue_edit", args=["power", own.pk])).status_code == 403
    response = client.post(reverse("backoffice:catalogue_active", args=["power", own.pk]), {"active": "0"})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.active


def test_staff_adapt_their_copy(world: World) -> None:
    [own] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [platform("QL-CW-01").pk])
    client = logged_in(world.alice)
    edit = reverse("backoffice:catalogue_edit", args=["power", own.pk])
    text = page(client, edit)
    assert "这是采用的副本" in text
    post = {**ITEM_POST, "code": own.code, "name": own.name, "steps": "申请\n审核\n审批\n公示\n报账\n归档"}
    assert client.post(edit, post).status_code == 302
    own.refresh_from_db()
    assert own.steps[-1] == "归档"
    # the neighbour may not
    assert logged_in(world.carol).get(edit).status_code == 404


def test_adoption_page_with_several_communities_asks_which(world: World) -> None:
    text = page(logged_in(world.erin), reverse("backoffice:catalogue_adopt", args=["power"]))
    assert "选择要采用清单的社区" in text and "阳光社区" in text and "和平社区" in text
    assert (
        logged_in(world.erin)
        .get(reverse("backoffice:catalogue_adopt", args=["power"]), {"area": world.street.pk})
        .status_code
        == 404
    )
