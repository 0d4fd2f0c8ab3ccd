"""Welfare notices on the portal: only notices in their period are listed and show entries, entries show only
the whitelisted fields, and residents lodge objections (named or anonymous) that open a case followed through
its private tracking link — refused politely when incomplete, flooding or too late, never twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import family, published, reviewed_application
from tests.core.test_welfare_applications import dibao
from yangguang.core.actions import notices
from yangguang.core.models import Case, Channel, Objection, Program, PublicNotice

KEY = "6f1c2b8e-2f43-4c36-9b67-0c3f6f2a7a11"
TEXT = "该户家里有一辆新买的小汽车，经常开去上班，不符合低保条件。"


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


@pytest.fixture
def couple(world: World) -> dict[str, Any]:
    fam = family(world, "H-0801", "周建国", "李秀英", 81)
    return fam


@pytest.fixture
def notice(world: World, program: Program, couple: dict[str, Any]) -> PublicNotice:
    return published(world, program, [reviewed_application(world, program, couple)])


def url(notice: PublicNotice) -> str:
    return reverse("portal:notice", args=[notice.public_code])


def test_the_list_shows_notices_in_their_period_by_community(
    world: World, program: Program, notice: PublicNotice, django_assert_num_queries: Any
) -> None:
    old = published(
        world,
        program,
        [reviewed_application(world, program, family(world, "H-0802", "吴大伟", "郑丽", 82))],
        timezone.localdate() - datetime.timedelta(days=30),
    )
    draft = notices.check_create_notice(
        world.alice,
        world.sunshine,
        program,
        [reviewed_application(world, program, family(world, "H-0803", "冯强", "何芳", 83))],
        title="草稿公示",
    )
    client = Client()
    with django_assert_num_queries(1):
        page = client.get("/notices/").content.decode()
    assert notice.title in page and "阳光社区" in page and "东风街道" in page
    assert old.public_code not in page and draft.title not in page


def test_an_empty_list_says_so(db: None) -> None:
    assert "目前没有正在公示的救助对象" in Client().get("/notices/").content.decode()


def test_entries_show_only_the_whitelisted_fields(
    world: World, notice: PublicNotice, couple: dict[str, Any]
) -> None:
    page = Client().get(url(notice)).content.decode()
    assert "周*国" in page and "1300.00" in page and "阳光社区" in page
    head, spouse = couple["head"], couple["spouse"]
    for secret in (
        head.name,
        spouse.name,
        head.unseal("id_number"),
        spouse.unseal("id_number"),
        head.id_number_masked,
    ):
        assert secret not in page
    application = notice.entries.get().application
    assert application.number not in page


def test_after_the_period_the_notice_has_ended_and_shows_no_entries(world: World, program: Program) -> None:
    old = published(
        world,
        program,
        [reviewed_application(world, program, family(world, "H-0804", "韩冰", "杨雪", 84))],
        timezone.localdate() - datetime.timedelta(days=30),
    )
    for _ in range(2):  # before and after the periodic job took it down
        page = Client().get(url(old)).content.decode()
        assert "公示已结束" in page and "韩*冰" not in page and "提交异议" not in page
        notices.end_due_notices()


def test_drafts_and_unknown_codes_are_not_found(world: World, program: Program) -> None:
    draft = notices.check_create_notice(
        world.alice,
        world.sunshine,
        program,
        [reviewed_application(world, program, family(world, "H-0805", "蒋涛", "沈梅", 85))],
    )
    assert Client().get(url(draft)).status_code == 404
    assert Client().get("/notices/NOPE/").status_code == 404
    assert Client().get("/notices/ABCDEFGHJK/").status_code == 404


def test_a_withdrawn_notice_says_so(world: World, notice: PublicNotice) -> None:
    notices.do_withdraw_notice(world.alice, notice, "金额有误需要更正")
    page = Client().get(url(notice)).content.decode()
    assert "该公示已撤回" in page and "周*国" not in page


def test_a_resident_lodges_an_objection_and_gets_the_tracking_link(
    world: World, notice: PublicNotice
) -> None:
    entry = notice.entries.get()
    response = Client().post(
        url(notice), {"entry": entry.pk, "text": TEXT, "name": "王大妈", "phone": "13812345678", "key": KEY}
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    case = objection.case
    assert case is not None and case.channel == Channel.OBJECTION and objection.entry == entry
    assert response["Location"] == f"/notices/{notice.public_code}/objected/{case.tracking_code}/"
    done = Client().get(response["Location"])
    page = done.content.decode()
    assert case.tracking_code in page and f"/t/{case.tracking_code}/" in page
    assert done["Referrer-Policy"] == "no-referrer" and done["Cache-Control"] == "no-store"
    tracking = Client().get(f"/t/{case.tracking_code}/")
    assert tracking.status_code == 200
    assert Client().get(f"/notices/{notice.public_code}/objected/ABCDEFGHJK/").status_code == 404


def test_an_anonymous_objection_about_the_whole_notice(world: World, notice: PublicNotice) -> None:
    Client().post(
        url(notice), {"entry": "", "text": TEXT, "name": "王大妈", "phone": "13812345678", "anonymous": "on"}
    )
    objection = Objection.objects.get()
    assert (
        objection.entry is None and objection.anonymous and objection.name == "" and not objection.phone_enc
    )


def test_an_incomplete_objection_keeps_what_was_typed(world: World, notice: PublicNotice) -> None:
    response = Client().post(url(notice), {"text": "不符合", "phone": "12345", "name": "王大妈"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page and "至少10个字" in page and "手机号" in page
    assert "不符合</textarea>" in page and 'value="王大妈"' in page
    assert not Objection.objects.exists()


def test_a_double_submit_makes_one_objection(world: World, notice: PublicNotice) -> None:
    data = {"text": TEXT, "key": KEY}
    first = Client().post(url(notice), data)
    second = Client().post(url(notice), data)
    assert first["Location"] == second["Location"]
    assert Objection.objects.count() == 1 and Case.objects.count() == 1


def test_a_flood_is_refused_with_a_message(world: World, notice: PublicNotice, settings: Any) -> None:
    settings.CASE_LIMIT_PER_IP_HOUR = 1
    assert Client().post(url(notice), {"text": TEXT}).status_code == 302
    refused = Client().post(url(notice), {"text": TEXT})
    assert refused.status_code == 200 and "提交过于频繁" in refused.content.decode()
    assert Objection.objects.count() == 1


def test_an_objection_after_the_period_is_not_taken(world: World, program: Program) -> None:
    old = published(
        world,
        program,
        [reviewed_application(world, program, family(world, "H-0806", "曹阳", "袁静", 86))],
        timezone.localdate() - datetime.timedelta(days=30),
    )
    response = Client().post(url(old), {"text": TEXT})
    assert "没有提交成功" in response.content.decode()
    assert not Objection.objects.exists()
