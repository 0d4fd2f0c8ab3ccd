"""Pages of uses of a power (权力运行): the list with its gaps filter, the three-step record form, the
detail page with its line-by-line check, 重新检查, evidence upload and download, outsiders."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import World
from yangguang.core.actions import catalogue
from yangguang.core.models import Activity, PowerItem, PowerUse

USES = reverse("backoffice:catalogue_use_list")
ADD = reverse("backoffice:catalogue_use_add")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DAY = datetime.date(2024, 5, 6)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def item(code: str) -> PowerItem:
    return PowerItem.objects.get(area=None, code=code)


def record(world: World, area: Any = None, code: str = "QL-CW-01", **overrides: Any) -> PowerUse:
    power = item(code)
    data: dict[str, Any] = {
        "area": area or world.sunshine,
        "item": power,
        "title": "购买办公用品",
        "decided_on": DAY,
        "amount": "3200",
        "meeting_held": power.meeting_required,
        "steps_done": list(power.steps),
        "evidence_provided": list(power.evidence),
    }
    data.update(overrides)
    actor = world.alice if data["area"] == world.sunshine else world.carol
    return catalogue.check_record_power_use(actor, catalogue.PowerUseInput(**data))


def detail(use: PowerUse) -> str:
    return reverse("backoffice:catalogue_use_detail", args=[use.pk])


def text_of(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the list --------------------------------------------------------------------------------------------


def test_list_shows_the_jurisdiction_only(world: World) -> None:
    mine = record(world, title="阳光社区买打印纸")
    theirs = record(world, area=world.peace, title="和平社区买扫帚")
    assert mine.title in text_of(logged_in(world.bob), USES)
    assert theirs.title not in text_of(logged_in(world.bob), USES)
    both = text_of(logged_in(world.dave), USES)
    assert mine.title in both and theirs.title in both
    for user in (world.mallory, world.grace):
        assert logged_in(user).get(USES).status_code == 404


def test_list_filters_by_gaps_and_community(world: World) -> None:
    clean = record(world, title="合规的开支")
    gappy = record(world, title="缺公示的开支", steps_done=["申请", "审核", "审批", "报账"])
    client = logged_in(world.dave)
    with_gaps = text_of(client, USES, gaps="yes")
    assert gappy.title in with_gaps and clean.title not in with_gaps
    without = text_of(client, USES, gaps="no")
    assert clean.title in without and gappy.title not in without
    assert "没有符合条件的记录" in text_of(client, USES, gaps="unchecked")
    assert "没有符合条件的记录" in text_of(client, USES, area=str(world.peace.pk))
    assert clean.title in text_of(client, USES, q="合规")
    assert client.get(USES, {"area": "abc", "gaps": "maybe", "page": "-1"}).status_code == 200


def test_list_query_count_is_pinned(world: World) -> None:
    client = logged_in(world.alice)
    record(world)
    client.get(USES)
    with CaptureQueriesContext(connection) as before:
        client.get(USES)
    for n in range(5):
        record(world, title=f"第{n}笔开支")
    with CaptureQueriesContext(connection) as after:
        assert client.get(USES).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries) == 6


def test_empty_list_says_so(world: World) -> None:
    text = text_of(logged_in(world.alice), USES)
    assert "还没有登记权力运行记录" in text and "登记权力运行" in text
    assert ADD not in text_of(logged_in(world.bob), USES)  # the committee does not record


# --- the detail page -------------------------------------------------------------------------------------


def test_detail_explains_gaps_line_by_line(world: World) -> None:
    use = record(
        world, code="QL-CW-02", amount="80000", meeting_held="joint", evidence_provided=["支出申请单"]
    )
    text = text_of(logged_in(world.bob), detail(use))
    assert "应召开居民代表会议，实际为两委联席会议" in text
    assert "缺少材料：居民代表会议记录、合同、发票、公示照片、监委会审核签字" in text
    assert "金额¥80,000超出该事项上限¥50,000" in text
    assert "✗ 缺失或不符" in text and "✓ 符合" in text
    assert "重新检查" in text
    assert "补充或更正" not in text  # the committee does not edit staff records


def test_detail_is_404_for_outsiders(world: World) -> None:
    use = record(world)
    for user in (world.carol, world.mallory, world.grace):
        assert logged_in(user).get(detail(use)).status_code == 404
        recheck = reverse("backoffice:catalogue_use_recheck", args=[use.pk])
        assert logged_in(user).post(recheck).status_code == 404
    assert (
        logged_in(world.alice).get(reverse("backoffice:catalogue_use_detail", args=[999999])).status_code
        == 404
    )


def test_committee_rechecks_and_it_goes_into_the_ledger(world: World) -> None:
    use = record(world, steps_done=["申请"])
    response = logged_in(world.bob).post(
        reverse("backoffice:catalogue_use_recheck", args=[use.pk]), follow=True
    )
    assert "已重新检查：发现1处问题。" in response.content.decode()
    assert Activity.objects.filter(source_type="poweruse", source_id=str(use.pk)).exists()


def test_street_reads_but_cannot_recheck(world: World) -> None:
    use = record(world)
    client = logged_in(world.dave)
    assert "重新检查" not in text_of(client, detail(use))
    assert client.post(reverse("backoffice:catalogue_use_recheck", args=[use.pk])).status_code == 403


def test_evidence_upload_and_download(world: World) -> None:
    use = record(world)
    client = logged_in(world.alice)
    upload = reverse("backoffice:catalogue_use_evidence", args=[use.pk])
    response = client.post(upload, {"attachments": [SimpleUploadedFile("公示.png", PNG)]}, follow=True)
    assert "已上传1个文件。" in response.content.decode()
    evidence = use_evidence(use)
    download = reverse("backoffice:catalogue_use_file", args=[use.pk, evidence])
    assert client.get(download).status_code == 200
    assert logged_in(world.carol).get(download).status_code == 404
    bad = client.post(upload, {"attachments": [SimpleUploadedFile("x.png", b"plain text")]}, follow=True)
    assert "不是支持的格式" in bad.content.decode()
    empty = client.post(upload, {}, follow=True)
    assert "请选择要上传的文件。" in empty.content.decode()
    assert (
        logged_in(world.bob).post(upload, {"attachments": [SimpleUploadedFile("y.png", PNG)]}).status_code
        == 403
    )


def use_evidence(use: PowerUse) -> int:
    from yangguang.core.actions import ledger

    return int(ledger.evidence_for(use).get().pk)


# --- recording -------------------------------------------------------------------------------------------


def test_record_in_three_steps(world: World) -> None:
    client = logged_in(world.alice)
    # step 1 is skipped: alice works in one community. Step 2 suggests items by amount.
    text = text_of(client, ADD, amount="80000")
    assert "第一步" in text and "按金额推荐" in text
    assert "QL-CW-03 大额开支" in text and "QL-XM-02" in text
    power = item("QL-CW-01")
    url = f"{ADD}?area={world.sunshine.pk}&item={power.pk}&amount=3200"
    form = text_of(client, url)
    assert 'value="公示"' in form and 'value="验收单"' not in form and 'value="发票"' in form
    post = {
        "area": world.sunshine.pk,
        "item": power.pk,
        "title": "购买打印纸",
        "amount": "3,200",
        "decided_on": "2024-05-06",
        "meeting_held": "joint",
        "meeting_date": "2024-05-05",
        "steps_done": ["申请", "审核", "审批", "报账"],
        "evidence_provided": list(power.evidence),
        "attachments": [SimpleUploadedFile("会议记录.png", PNG)],
    }
    response = client.post(url, post, follow=True)
    use = PowerUse.objects.get()
    assert response.redirect_chain[-1][0] == detail(use)
    page = response.content.decode()
    assert "已登记。对照清单检查发现1处问题" in page and "缺少步骤：公示" in page
    assert "会议记录.png" in page


def test_bad_amount_in_the_form_gives_a_chinese_error(world: World) -> None:
    client = logged_in(world.alice)
    power = item("QL-CW-01")
    url = f"{ADD}?area={world.sunshine.pk}&item={power.pk}"
    response = client.post(
        url,
        {"title": "买东西", "amount": "三千二", "decided_on": "2024-05-06", "meeting_held": "joint"},
    )
    assert response.status_code == 200
    assert "金额格式不正确，请填写数字" in response.content.decode()
    assert not PowerUse.objects.exists()
    chooser = text_of(client, ADD, amount="abc")
    assert "金额格式不正确" in chooser


def test_bad_form_input_never_crashes(world: World) -> None:
    client = logged_in(world.alice)
    power = item("QL-CW-01")
    url = f"{ADD}?area={world.sunshine.pk}&item={power.pk}"
    response = client.post(
        url,
        {"title": "", "decided_on": "昨天", "meeting_held": "party", "steps_done": ["拍板"]},
    )
    assert response.status_code == 200
    assert not PowerUse.objects.exists()
    assert client.get(ADD, {"area": world.sunshine.pk, "item": "abc"}).status_code == 200
    assert client.get(ADD, {"area": "abc"}).status_code == 404


def test_an_item_from_elsewhere_is_not_offered(world: World) -> None:
    [peace_item] = catalogue.check_adopt_items(world.carol, world.peace, "power", [item("QL-CW-01").pk])
    text = text_of(logged_in(world.alice), ADD, area=str(world.sunshine.pk), item=str(peace_item.pk))
    assert "该事项不在本社区适用的权力清单中" in text


def test_outsiders_cannot_record(world: World) -> None:
    url = f"{ADD}?area={world.sunshine.pk}"
    assert logged_in(world.carol).get(url).status_code == 404
    assert logged_in(world.bob).get(url).status_code == 403
    assert logged_in(world.bob).get(ADD).status_code == 403
    assert logged_in(world.mallory).get(url).status_code == 404


def test_district_admin_chooses_the_community_first(world: World) -> None:
    text = text_of(logged_in(world.erin), ADD)
    assert "选择登记权力运行的社区" in text and "明月村" in text


def test_staff_correct_a_use_and_it_is_checked_again(world: World) -> None:
    use = record(world, steps_done=["申请"])
    client = logged_in(world.alice)
    edit = reverse("backoffice:catalogue_use_edit", args=[use.pk])
    form = text_of(client, edit)
    assert "购买办公用品" in form
    power = use.item
    post = {
        "title": use.title,
        "amount": "3200",
        "decided_on": "2024-05-06",
        "meeting_held": "joint",
        "steps_done": power.steps,
        "evidence_provided": power.evidence,
    }
    response = client.post(edit, post, follow=True)
    assert "已登记。对照清单检查未发现问题。" in response.content.decode()
    use.refresh_from_db()
    assert use.gaps == []
    assert logged_in(world.bob).get(edit).status_code == 403
    assert logged_in(world.carol).get(edit).status_code == 404
