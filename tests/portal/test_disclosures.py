"""Public disclosures on the portal: no login; only published ones, newest first, paginated; a disclosure's
page shows its payload and nothing of the record it was made from; withdrawn ones disappear."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, make_user
from tests.core.test_oversight import disclosure, published
from yangguang.core.actions import ledger
from yangguang.core.models import Disclosure
from yangguang.core.permissions import Role

INDEX = reverse("portal:disclosures")


def community_url(world: World) -> str:
    return reverse("portal:disclosure_list", args=[world.sunshine.pk])


def detail_url(d: Disclosure) -> str:
    return reverse("portal:disclosure_detail", args=[d.pk])


def get(url: str, **params: Any) -> str:
    response = Client().get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_index_lists_communities_by_street(world: World) -> None:
    page = get(INDEX)
    assert "东风街道" in page and "西湖街道" in page
    assert community_url(world) in page
    assert reverse("portal:disclosure_list", args=[world.village.pk]) in page


def test_only_published_disclosures_are_listed_newest_first(world: World) -> None:
    disclosure(world, title="草稿不公开")
    signed = disclosure(world, title="已签字未公开")
    ledger.do_sign_disclosure(world.bob, signed)
    older = published(world, title="较早的公开")
    Disclosure.objects.filter(pk=older.pk).update(published_at=timezone.now() - timezone.timedelta(days=3))
    published(world, title="最新的公开")
    pearl = make_user("pearl", "裴然", Role.COMMITTEE_MEMBER, world.peace)
    published(world, area=world.peace, title="和平社区的公开", signer=pearl, publisher=world.carol)
    page = get(community_url(world))
    assert "草稿不公开" not in page and "已签字未公开" not in page and "和平社区的公开" not in page
    assert page.index("最新的公开") < page.index("较早的公开")


def test_list_is_paginated(world: World) -> None:
    for n in range(22):
        published(world, title=f"公开事项{n:02d}")
    first, second = get(community_url(world)), get(community_url(world), page="2")
    assert "公开事项21" in first and "公开事项01" not in first
    assert "公开事项01" in second and "第 2 / 2 页" in second
    assert "公开事项21" in get(community_url(world), page="abc")


def test_detail_shows_only_the_payload(world: World) -> None:
    # The source record is a resident with an ID number and phone; the payload names them masked only.
    d = published(
        world,
        payload={"community": "阳光社区", "candidates": [{"name": "张*丰", "votes": 41, "elected": True}]},
        body="内部说明：张三丰 43010219500101123X 13812345678",
        source=world.person,
    )
    page = get(detail_url(d))
    assert "张*丰" in page and "41" in page and "候选人" in page
    for secret in ("张三丰", "43010219500101123X", "13812345678", "内部说明"):
        assert secret not in page


def test_unpublished_and_withdrawn_disclosures_are_404(world: World) -> None:
    draft = disclosure(world)
    signed = disclosure(world)
    ledger.do_sign_disclosure(world.bob, signed)
    done = published(world, title="将被撤回")
    assert get(detail_url(done))
    ledger.do_withdraw_disclosure(world.alice, done, "数据有误")
    for d in (draft, signed, done):
        assert Client().get(detail_url(d)).status_code == 404
    assert "将被撤回" not in get(community_url(world))


def test_unknown_places_are_404(world: World) -> None:
    assert Client().get(reverse("portal:disclosure_list", args=[world.street.pk])).status_code == 404
    assert Client().get(reverse("portal:disclosure_list", args=[999999])).status_code == 404
    assert Client().get(reverse("portal:disclosure_detail", args=[999999])).status_code == 404


def test_pages_need_no_login_and_no_javascript(world: World) -> None:
    d = published(world)
    for url in (INDEX, community_url(world), detail_url(d)):
        page = get(url)
        assert "<script" not in page


def test_query_counts_are_fixed(world: World, django_assert_num_queries: Any) -> None:
    for n in range(5):
        published(world, title=f"事项{n}")
    client = Client()
    newest = Disclosure.objects.order_by("-published_at").first()
    assert newest is not None
    with django_assert_num_queries(3):  # community, count, page
        client.get(community_url(world))
    with django_assert_num_queries(1):
        client.get(detail_url(newest))
