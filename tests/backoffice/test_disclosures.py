"""Disclosures in the back office: the list (status filter, pinned queries), a disclosure's page (payload as
a table), signing (committee only), publishing (staff only, never unsigned) and withdrawing with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_oversight import disclosure, published
from yangguang.core.actions import ledger
from yangguang.core.models import Activity, AuditEntry, Disclosure

LIST = reverse("backoffice:disclosure_list")


def detail_url(d: Disclosure) -> str:
    return reverse("backoffice:disclosure_detail", args=[d.pk])


def step_url(d: Disclosure, step: str) -> str:
    return reverse(f"backoffice:disclosure_{step}", args=[d.pk])


def html(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def status(d: Disclosure) -> str:
    d.refresh_from_db()
    return d.status


# --- reading ----------------------------------------------------------------------------------------------


def test_outsiders_get_404(world: World) -> None:
    draft = disclosure(world)
    for who in ("carol", "mallory", "grace"):
        client = logged_in(getattr(world, who))
        assert client.get(detail_url(draft)).status_code == 404
        for step in ("sign", "publish", "withdraw"):
            assert client.post(step_url(draft, step), {"reason": "x"}).status_code == 404
    assert logged_in(world.mallory).get(LIST).status_code == 404
    assert logged_in(world.carol).get(LIST, {"area": world.sunshine.pk}).status_code == 404
    assert status(draft) == "draft"


def test_detail_renders_the_payload_as_a_table(world: World) -> None:
    page = html(logged_in(world.bob), detail_url(disclosure(world)))
    assert '<th scope="col">姓名</th>' in page and "张*丰" in page and "41" in page
    assert "审核签字" in page  # the committee's button


def test_list_filters_by_status_and_community(world: World) -> None:
    disclosure(world, title="草稿事项")
    published(world, title="已公开事项")
    disclosure(world, area=world.peace, title="和平社区事项")
    client = logged_in(world.dave)
    page = html(client, LIST, status="published")
    assert "已公开事项" in page and "草稿事项" not in page
    page = html(client, LIST, area=world.peace.pk)
    assert "和平社区事项" in page and "草稿事项" not in page
    assert "和平社区事项" not in html(logged_in(world.bob), LIST)
    # A bad status is shown as an error and ignored.
    assert "草稿事项" in html(client, LIST, status="nonsense")


def test_list_query_count(world: World, django_assert_num_queries: Any) -> None:
    for n in range(25):
        disclosure(world, title=f"事项{n}")
    client = logged_in(world.bob)
    client.get(LIST)
    with django_assert_num_queries(5):  # session, user, roles, count, page with areas
        client.get(LIST, {"page": "2", "status": "draft"})


# --- signing, publishing, withdrawing ---------------------------------------------------------------------


def test_the_whole_life_of_a_disclosure(world: World) -> None:
    draft = disclosure(world)
    bob, alice = logged_in(world.bob), logged_in(world.alice)
    assert "公开</button>" not in html(alice, detail_url(draft))

    assert bob.post(step_url(draft, "sign")).status_code == 302
    assert status(draft) == "signed" and draft.signed_by == world.bob
    assert Activity.objects.filter(kind="review").exists()

    assert "公开</button>" in html(alice, detail_url(draft))
    assert alice.post(step_url(draft, "publish")).status_code == 302
    assert status(draft) == "published" and draft.published_at is not None
    assert reverse("portal:disclosure_detail", args=[draft.pk]) in html(alice, detail_url(draft))

    assert alice.post(step_url(draft, "withdraw"), {"reason": "数据有误，核对后重新公开"}).status_code == 302
    assert status(draft) == "withdrawn"
    entry = AuditEntry.objects.filter(target_type="disclosure", target_id=str(draft.pk)).latest("at")
    assert entry.reason == "数据有误，核对后重新公开"


def test_unsigned_cannot_be_published(world: World) -> None:
    draft = disclosure(world)
    response = logged_in(world.alice).post(step_url(draft, "publish"), follow=True)
    assert "须经居务监督委员会签字后才能公开" in response.content.decode()
    assert status(draft) == "draft"
    with pytest.raises(ValidationError):
        ledger.do_publish_disclosure(world.alice, draft)


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_only_the_committee_signs(world: World, who: str) -> None:
    draft = disclosure(world)
    assert logged_in(getattr(world, who)).post(step_url(draft, "sign")).status_code == 403
    assert status(draft) == "draft"


@pytest.mark.parametrize("who", ["bob", "dave"])
def test_only_staff_publish_and_withdraw(world: World, who: str) -> None:
    signed = disclosure(world)
    ledger.do_sign_disclosure(world.bob, signed)
    client = logged_in(getattr(world, who))
    assert client.post(step_url(signed, "publish")).status_code == 403
    assert status(signed) == "signed"
    with pytest.raises(PermissionDenied):
        ledger.do_publish_disclosure(getattr(world, who), signed)
    done = published(world, title="另一件")
    assert client.post(step_url(done, "withdraw"), {"reason": "理由"}).status_code == 403
    assert status(done) == "published"


def test_district_admin_may_publish(world: World) -> None:
    signed = disclosure(world)
    ledger.do_sign_disclosure(world.bob, signed)
    assert logged_in(world.erin).post(step_url(signed, "publish")).status_code == 302
    assert status(signed) == "published"


def test_signing_twice_is_refused_with_a_message(world: World) -> None:
    draft = disclosure(world)
    ledger.do_sign_disclosure(world.bob, draft)
    response = logged_in(world.bob).post(step_url(draft, "sign"), follow=True)
    assert "只有草稿状态的公开事项可以签字" in response.content.decode()


def test_withdraw_needs_a_reason(world: World) -> None:
    done = published(world)
    response = logged_in(world.alice).post(step_url(done, "withdraw"), {"reason": "  "})
    assert response.status_code == 200
    assert "请填写撤回理由" in response.content.decode()
    assert status(done) == "published"


def test_withdrawing_a_draft_is_refused(world: World) -> None:
    draft = disclosure(world)
    response = logged_in(world.alice).post(step_url(draft, "withdraw"), {"reason": "理由"}, follow=True)
    assert "只有已公开的事项可以撤回" in response.content.decode()
    assert status(draft) == "draft"


def test_get_on_a_step_is_not_allowed(world: World) -> None:
    draft = disclosure(world)
    assert logged_in(world.bob).get(step_url(draft, "sign")).status_code == 405


def test_committee_adds_an_opinion_on_a_disclosure(world: World) -> None:
    draft = disclosure(world)
    client = logged_in(world.bob)
    url = reverse("backoffice:workspace_opinion_add", args=["disclosure", draft.pk])
    assert url in html(client, detail_url(draft))
    client.post(url, {"body": "候选人得票数请再核对", "next": detail_url(draft)})
    assert "候选人得票数请再核对" in html(client, detail_url(draft))
