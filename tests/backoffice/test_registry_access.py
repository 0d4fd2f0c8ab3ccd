"""Who may open which registry page. Every view is checked for anonymous users, users without a role,
staff of the other community, the read-only roles (committee, street, district oversight) and editors.

404 means "cannot see" (the page does not even admit the record exists); 403 means "can see, cannot edit".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World, make_person
from yangguang.core.actions import registry
from yangguang.core.models import Compound, Household, Merchant, Relation

KINDS = ("compound", "building", "dwelling", "household", "person", "merchant")
OBJECT_ACTIONS = ("detail", "edit", "delete")
LIST_PAGES = [("area", "list"), *[(kind, action) for kind in KINDS for action in ("list", "add")]]
OBJECT_PAGES = [("area", "detail"), *[(kind, action) for kind in KINDS for action in OBJECT_ACTIONS]]
READ_PAGES = [("area", "detail"), *[(kind, "detail") for kind in KINDS]]
WRITE_PAGES = [(kind, action) for kind in KINDS for action in ("edit", "delete")]
POST_PAGES = [("person", "reveal"), ("merchant", "reveal"), ("household", "member_add")]


@dataclass
class Sunshine:
    """One record of every kind in 阳光社区 (most of them in its grid 一网格)."""

    world: World
    household: Household
    merchant: Merchant

    def obj(self, kind: str) -> object:
        return {
            "area": self.world.sunshine,
            "compound": self.world.compound,
            "building": self.world.building,
            "dwelling": self.world.dwelling,
            "household": self.household,
            "person": self.world.person,
            "merchant": self.merchant,
        }[kind]

    def url(self, kind: str, action: str) -> str:
        if action in ("list", "add"):
            return reverse(f"backoffice:{kind}_{action}")
        return reverse(f"backoffice:{kind}_{action}", args=[self.obj(kind).pk])  # type: ignore[attr-defined]


@pytest.fixture
def sunshine(world: World) -> Sunshine:
    household = registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=datetime.date(2020, 1, 1))
    merchant = Merchant(building=world.building, name="芙蓉便利店", category="零售")
    merchant.set_sealed("phone", "13812345678")
    registry.do_save_record(None, merchant)
    return Sunshine(world, household, merchant)


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def post_data(kind: str, action: str) -> dict[str, str]:
    if action == "reveal":
        return {"field": "id_number" if kind == "person" else "phone", "reason": "核对低保申请材料"}
    return {"member-id_number": "43010219500101123X", "member-relation": "spouse"}


@pytest.mark.parametrize(("kind", "action"), LIST_PAGES + OBJECT_PAGES)
def test_anonymous_user_is_sent_to_login(sunshine: Sunshine, client: Client, kind: str, action: str) -> None:
    url = sunshine.url(kind, action)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('backoffice:login')}?next={url}"


@pytest.mark.parametrize(("kind", "action"), POST_PAGES)
def test_anonymous_post_is_sent_to_login(sunshine: Sunshine, client: Client, kind: str, action: str) -> None:
    response = client.post(sunshine.url(kind, action), post_data(kind, action))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


@pytest.mark.parametrize(("kind", "action"), LIST_PAGES + OBJECT_PAGES)
def test_user_without_role_gets_404(sunshine: Sunshine, kind: str, action: str) -> None:
    assert logged_in(sunshine.world.mallory).get(sunshine.url(kind, action)).status_code == 404


@pytest.mark.parametrize(("kind", "action"), POST_PAGES)
def test_user_without_role_gets_404_on_post(sunshine: Sunshine, kind: str, action: str) -> None:
    response = logged_in(sunshine.world.mallory).post(sunshine.url(kind, action), post_data(kind, action))
    assert response.status_code == 404


@pytest.mark.parametrize(("kind", "action"), OBJECT_PAGES)
def test_outsider_staff_gets_404_on_another_communitys_records(
    sunshine: Sunshine, kind: str, action: str
) -> None:
    assert logged_in(sunshine.world.carol).get(sunshine.url(kind, action)).status_code == 404


@pytest.mark.parametrize(("kind", "action"), [*WRITE_PAGES, *POST_PAGES])
def test_outsider_staff_gets_404_when_posting_to_another_communitys_records(
    sunshine: Sunshine, kind: str, action: str
) -> None:
    data = post_data(kind, action) if (kind, action) in POST_PAGES else {"name": "改名"}
    assert logged_in(sunshine.world.carol).post(sunshine.url(kind, action), data).status_code == 404


@pytest.mark.parametrize(("kind", "action"), LIST_PAGES + OBJECT_PAGES)
def test_staff_can_open_every_page(sunshine: Sunshine, kind: str, action: str) -> None:
    assert logged_in(sunshine.world.alice).get(sunshine.url(kind, action)).status_code == 200


@pytest.mark.parametrize(("kind", "action"), READ_PAGES + [(k, "list") for k in KINDS] + [("area", "list")])
def test_committee_member_can_read_without_edit_buttons(sunshine: Sunshine, kind: str, action: str) -> None:
    response = logged_in(sunshine.world.bob).get(sunshine.url(kind, action))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/edit/" not in html
    assert "/delete/" not in html
    assert "/add/" not in html


@pytest.mark.parametrize(("kind", "action"), WRITE_PAGES + [(kind, "add") for kind in KINDS])
def test_committee_member_gets_403_on_edit_pages(sunshine: Sunshine, kind: str, action: str) -> None:
    client = logged_in(sunshine.world.bob)
    assert client.get(sunshine.url(kind, action)).status_code == 403
    assert client.post(sunshine.url(kind, action), {"name": "改名"}).status_code == 403


@pytest.mark.parametrize(("kind", "action"), POST_PAGES)
def test_committee_member_gets_403_on_reveal_and_membership(
    sunshine: Sunshine, kind: str, action: str
) -> None:
    response = logged_in(sunshine.world.bob).post(sunshine.url(kind, action), post_data(kind, action))
    assert response.status_code == 403


def test_committee_member_cannot_delete_by_posting(sunshine: Sunshine) -> None:
    response = logged_in(sunshine.world.bob).post(sunshine.url("merchant", "delete"))
    assert response.status_code == 403
    assert Merchant.objects.filter(pk=sunshine.merchant.pk).exists()


@pytest.mark.parametrize(
    ("kind", "action"), [("building", "detail"), ("dwelling", "detail"), ("person", "detail")]
)
def test_grid_worker_reads_her_grid(sunshine: Sunshine, kind: str, action: str) -> None:
    assert logged_in(sunshine.world.grace).get(sunshine.url(kind, action)).status_code == 200


def test_grid_worker_can_edit_in_her_grid(sunshine: Sunshine) -> None:
    client = logged_in(sunshine.world.grace)
    assert client.get(sunshine.url("building", "edit")).status_code == 200
    assert client.get(sunshine.url("person", "edit")).status_code == 200


def test_grid_worker_gets_404_outside_her_grid(sunshine: Sunshine) -> None:
    world = sunshine.world
    outside_grid = make_person(world.sunshine, None, "赵六", "43010219850307332X")
    client = logged_in(world.grace)
    # The compound is registered at the community, above her grid.
    assert client.get(sunshine.url("compound", "detail")).status_code == 404
    assert client.get(reverse("backoffice:area_detail", args=[world.sunshine.pk])).status_code == 404
    assert client.get(reverse("backoffice:person_detail", args=[outside_grid.pk])).status_code == 404


def test_grid_worker_cannot_reveal(sunshine: Sunshine) -> None:
    response = logged_in(sunshine.world.grace).post(
        sunshine.url("person", "reveal"), post_data("person", "reveal")
    )
    assert response.status_code == 403


def test_street_secretary_reads_both_communities_but_not_the_village(sunshine: Sunshine) -> None:
    world = sunshine.world
    village_compound = registry.do_save_record(None, Compound(area=world.village, name="明月苑", kind="old"))
    client = logged_in(world.dave)
    assert client.get(sunshine.url("building", "detail")).status_code == 200
    assert (
        client.get(reverse("backoffice:building_detail", args=[world.other_building.pk])).status_code == 200
    )
    assert client.get(reverse("backoffice:compound_detail", args=[village_compound.pk])).status_code == 404
    assert client.get(sunshine.url("building", "edit")).status_code == 403


def test_district_admin_reads_and_edits_everywhere(sunshine: Sunshine) -> None:
    world = sunshine.world
    village_compound = registry.do_save_record(None, Compound(area=world.village, name="明月苑", kind="old"))
    client = logged_in(world.erin)
    assert client.get(reverse("backoffice:compound_detail", args=[village_compound.pk])).status_code == 200
    assert client.get(reverse("backoffice:compound_edit", args=[village_compound.pk])).status_code == 200
    assert client.get(sunshine.url("person", "edit")).status_code == 200


def test_reveal_and_membership_pages_refuse_get(sunshine: Sunshine) -> None:
    client = logged_in(sunshine.world.alice)
    for kind, action in POST_PAGES:
        assert client.get(sunshine.url(kind, action)).status_code == 405
