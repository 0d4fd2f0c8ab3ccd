"""Back-office pages of public notices: list (jurisdiction, pinned query count), building a notice in two
steps, the notice page with publish, withdraw and the objections' resolution, the A4 poster, and the
objections list — with outsiders kept out."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import family, objection, published, reviewed_application
from tests.core.test_welfare_applications import dibao
from yangguang.core.actions import notices
from yangguang.core.models import ApplicationStatus, CaseStatus, Objection, Program, PublicNotice

LIST = "/office/notices/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


@pytest.fixture
def notice(world: World, program: Program) -> PublicNotice:
    application = reviewed_application(world, program, family(world, "H-0501", "周建国", "李秀英", 51))
    return published(world, program, [application])


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302 and "/office/login/" in response["Location"]


def test_users_without_welfare_access_get_404(world: World) -> None:
    for url in (LIST, "/office/notices/objections/", "/office/notices/new/"):
        assert logged_in(world.mallory).get(url).status_code == 404
    assert logged_in(world.grace).get(LIST).status_code == 404
    assert logged_in(world.bob).get("/office/notices/new/").status_code == 404  # the committee reads only


def test_list_shows_the_jurisdiction_only(world: World, notice: PublicNotice) -> None:
    for user, sees in ((world.alice, True), (world.bob, True), (world.dave, True), (world.carol, False)):
        page = logged_in(user).get(LIST).content.decode()
        assert (notice.title in page) == sees, user.username


def test_list_query_count_does_not_grow(
    world: World, program: Program, django_assert_num_queries: Any
) -> None:
    client = logged_in(world.alice)
    apps = [
        reviewed_application(world, program, family(world, f"H-06{n}", f"甲{n}乙", f"丙{n}丁", 60 + n))
        for n in range(3)
    ]
    published(world, program, apps[:1])
    client.get(LIST)  # warm the session
    with django_assert_num_queries(4):  # session, user, roles, the page's rows with their counts
        client.get(LIST)
    for app in apps[1:]:
        published(world, program, [app])
    with django_assert_num_queries(4):
        assert client.get(LIST).status_code == 200


def test_building_a_notice_in_two_steps(world: World, program: Program) -> None:
    application = reviewed_application(world, program, family(world, "H-0502", "吴大伟", "郑丽", 52))
    client = logged_in(world.alice)
    url = f"/office/notices/new/?area={world.sunshine.pk}&program={program.pk}"
    page = client.get(url).content.decode()
    assert application.number in page and "吴*伟" in page and "吴大伟" not in page
    empty = client.post(url, {"applications": []})
    assert "请至少选择一份申请" in empty.content.decode()
    response = client.post(url, {"applications": [str(application.pk)], "title": ""})
    assert response.status_code == 302
    notice = PublicNotice.objects.get()
    assert response["Location"] == reverse("backoffice:notices_detail", args=[notice.pk])
    assert notice.status == PublicNotice.Status.DRAFT
    assert "没有可公示的申请" in client.get(url).content.decode()


def test_the_community_list_offers_only_where_one_manages(world: World, program: Program) -> None:
    page = logged_in(world.carol).get("/office/notices/new/").content.decode()
    assert f'<option value="{world.peace.pk}">' in page
    assert f'<option value="{world.sunshine.pk}">' not in page
    bad = logged_in(world.carol).get(f"/office/notices/new/?area={world.sunshine.pk}&program={program.pk}")
    assert "请选择社区" in bad.content.decode()


def test_outsiders_cannot_open_a_notice(world: World, notice: PublicNotice) -> None:
    url = reverse("backoffice:notices_detail", args=[notice.pk])
    assert logged_in(world.carol).get(url).status_code == 404
    assert logged_in(world.mallory).get(url).status_code == 404
    assert (
        logged_in(world.carol).post(reverse("backoffice:notices_withdraw", args=[notice.pk])).status_code
        == 404
    )
    assert (
        logged_in(world.carol).get(reverse("backoffice:notices_poster", args=[notice.pk])).status_code == 404
    )


def test_publish_from_the_page(world: World, program: Program) -> None:
    application = reviewed_application(world, program, family(world, "H-0503", "冯强", "何芳", 53))
    notice = notices.check_create_notice(world.alice, world.sunshine, program, [application])
    url = reverse("backoffice:notices_detail", args=[notice.pk])
    assert "发布公示" not in logged_in(world.bob).get(url).content.decode()
    assert (
        logged_in(world.bob).post(reverse("backoffice:notices_publish", args=[notice.pk])).status_code == 403
    )
    client = logged_in(world.alice)
    assert "发布公示" in client.get(url).content.decode()
    response = client.post(reverse("backoffice:notices_publish", args=[notice.pk]), follow=True)
    assert "已发布" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.PUBLISHED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICED
    again = client.post(reverse("backoffice:notices_publish", args=[notice.pk]), follow=True)
    assert "只有草稿状态的公示可以发布" in again.content.decode()


def test_the_poster_is_one_printable_page_with_the_qr_code(world: World, notice: PublicNotice) -> None:
    response = logged_in(world.alice).get(reverse("backoffice:notices_poster", args=[notice.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "@page { size: A4 portrait" in page
    assert f"/notices/{notice.public_code}/" in page
    assert "周*国" in page and "周建国" not in page


def test_a_draft_has_no_poster(world: World, program: Program) -> None:
    application = reviewed_application(world, program, family(world, "H-0504", "蒋涛", "沈梅", 54))
    draft = notices.check_create_notice(world.alice, world.sunshine, program, [application])
    response = logged_in(world.alice).get(reverse("backoffice:notices_poster", args=[draft.pk]), follow=True)
    assert "只有公示中的公示可以打印海报" in response.content.decode()


def test_withdraw_needs_a_reason(world: World, notice: PublicNotice) -> None:
    client = logged_in(world.alice)
    url = reverse("backoffice:notices_withdraw", args=[notice.pk])
    refused = client.post(url, {"reason": "错"})
    assert "至少4个字" in refused.content.decode()
    assert logged_in(world.bob).post(url, {"reason": "金额有误需要更正"}).status_code == 403
    client.post(url, {"reason": "金额有误需要更正"})
    notice.refresh_from_db()
    assert notice.status == PublicNotice.Status.WITHDRAWN


def test_resolving_an_objection_from_the_page(world: World, notice: PublicNotice) -> None:
    found = objection(notice, entry=notice.entries.get(), name="王大妈", phone="13812345678")
    detail = reverse("backoffice:notices_detail", args=[notice.pk])
    assert "王大妈" in logged_in(world.alice).get(detail).content.decode()
    assert "王大妈" in logged_in(world.bob).get(detail).content.decode()  # the committee sees objectors
    assert "王大妈" not in logged_in(world.dave).get(detail).content.decode()
    url = reverse("backoffice:notices_objection_resolve", args=[found.pk])
    prefix = f"o{found.pk}"
    assert (
        logged_in(world.carol).post(url, {f"{prefix}-upheld": "1", f"{prefix}-note": "核查"}).status_code
        == 404
    )
    assert (
        logged_in(world.bob).post(url, {f"{prefix}-upheld": "1", f"{prefix}-note": "核查属实"}).status_code
        == 403
    )
    refused = logged_in(world.alice).post(url, {f"{prefix}-upheld": "0"})
    assert "请写明核查情况和处理结果" in refused.content.decode()
    response = logged_in(world.alice).post(
        url, {f"{prefix}-upheld": "0", f"{prefix}-note": "经入户核查，车辆为亲属所有"}, follow=True
    )
    assert "异议处理结果已记录" in response.content.decode()
    found.refresh_from_db()
    assert found.resolution == Objection.Resolution.DISMISSED
    assert found.case is not None and found.case.status == CaseStatus.REPLIED


def test_the_page_warns_while_an_objection_to_the_whole_notice_is_unanswered(
    world: World, notice: PublicNotice
) -> None:
    found = objection(notice, text="这次公示的名单没有经过居民代表会议评议，程序不合规。")
    detail = reverse("backoffice:notices_detail", args=[notice.pk])
    page = logged_in(world.alice).get(detail).content.decode()
    assert "有 1 件针对公示整体的异议尚未答复" in page and "异议成立时不会自动改变任何申请" in page
    assert "有 1 件针对公示整体的异议尚未答复" in logged_in(world.bob).get(detail).content.decode()
    prefix = f"o{found.pk}"
    url = reverse("backoffice:notices_objection_resolve", args=[found.pk])
    logged_in(world.alice).post(
        url, {f"{prefix}-upheld": "0", f"{prefix}-note": "已于当月召开居民代表会议评议"}
    )
    page = logged_in(world.alice).get(detail).content.decode()
    assert "尚未答复" not in page and "已于当月召开居民代表会议评议" in page


def test_objection_list(world: World, notice: PublicNotice, django_assert_num_queries: Any) -> None:
    objection(notice, entry=notice.entries.get())
    client = logged_in(world.alice)
    page = client.get("/office/notices/objections/").content.decode()
    assert notice.title in page and "核查中" in page
    assert notice.title not in logged_in(world.carol).get("/office/notices/objections/").content.decode()
    filtered = client.get("/office/notices/objections/?resolution=upheld").content.decode()
    assert "没有收到公示异议" in filtered
    objection(notice, text="另一条异议：该户儿子在外地工作收入很高。")
    with django_assert_num_queries(4):  # session, user, roles, the page's rows
        assert client.get("/office/notices/objections/").status_code == 200


def test_an_ended_notice_shows_its_outcome(world: World, program: Program) -> None:
    application = reviewed_application(world, program, family(world, "H-0505", "韩冰", "杨雪", 55))
    old = published(world, program, [application], timezone.localdate() - datetime.timedelta(days=20))
    notices.end_due_notices()
    page = logged_in(world.bob).get(reverse("backoffice:notices_detail", args=[old.pk])).content.decode()
    assert "公示期满，未收到异议。" in page and "撤回" not in page
