"""Categories that keep a case's content off the public pages (`CaseCategory.public_details`): relief and
welfare requests, integrity reports and neighbour disputes show only number, category and status on the
public case page and the board, as a confidential case does, even when the resident did not tick 要求保密.

The resident here is 林阿姨, asking for relief after her husband's stroke; staff close her case with a note
and a photo. A sanitation case beside it keeps showing everything it showed before.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import close, closed_case, new_case
from tests.portal.test_board import BOARD_QUERIES, board_url
from yangguang.core.actions import cases
from yangguang.core.models import AuditEntry, Case, CaseCategory

RELIEF = "老伴上个月中风卧床，家里每月收入只有一千二，药费负担不起，申请临时救助"
RELIEF_REPLY = "已上门核实家庭收入，临时救助金三千元已发放"
PRIVATE_CODES = ("welfare", "integrity", "disputes")


def welfare() -> CaseCategory:
    return CaseCategory.objects.get(code="welfare")


def relief_case(world: World) -> Case:
    return close(
        world, new_case(world, category=welfare(), description=RELIEF, reporter_name="林阿姨"), RELIEF_REPLY
    )


def case_page(client: Client, case: Case) -> str:
    response = client.get(reverse("portal:case", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def shows_content(html: str, case: Case) -> bool:
    return case.title in html or case.description[:10] in html


def category_form(category: CaseCategory, *, public_details: bool) -> dict[str, Any]:
    """The settings form as a browser posts it: an unticked checkbox is simply absent."""
    data: dict[str, Any] = {
        "name": category.name,
        "code": category.code,
        "parent": category.parent_id or "",
        "default_ownership": category.default_ownership,
        "default_kind": category.default_kind,
        "position": category.position,
        "active": "on",
    }
    if public_details:
        data["public_details"] = "on"
    return data


def staff(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the seeded categories -------------------------------------------------------------------------------


def test_seeded_relief_integrity_and_dispute_categories_keep_details_private(world: World) -> None:
    private = set(CaseCategory.objects.filter(public_details=False).values_list("code", flat=True))
    assert private == set(PRIVATE_CODES)
    assert CaseCategory.objects.get(code="sanitation").public_details


def test_migration_makes_the_seeded_private_categories_private(world: World) -> None:
    CaseCategory.objects.update(public_details=True)  # as an install stood before migration 0014
    migration = importlib.import_module("yangguang.core.migrations.0014_case_category_public_details")
    migration.make_private(apps, None)
    private = set(CaseCategory.objects.filter(public_details=False).values_list("code", flat=True))
    assert private == set(PRIVATE_CODES)


def test_seeding_a_new_install_creates_them_private(world: World) -> None:
    CaseCategory.objects.filter(code__in=PRIVATE_CODES).delete()
    importlib.import_module("yangguang.core.migrations.0003_case_defaults").seed(apps, None)
    assert not CaseCategory.objects.filter(code__in=PRIVATE_CODES, public_details=True).exists()
    assert CaseCategory.objects.filter(code__in=PRIVATE_CODES).count() == 3


def test_content_public_is_one_rule_for_both_reasons(world: World) -> None:
    assert new_case(world).content_public
    assert not new_case(world, confidential=True, reporter_phone="13900000001").content_public
    assert not new_case(world, category=welfare(), reporter_phone="13900000002").content_public


# --- the public pages ------------------------------------------------------------------------------------


def test_relief_case_page_shows_only_number_category_and_status(world: World, client: Client) -> None:
    case = relief_case(world)
    html = case_page(client, case)
    assert case.number in html and "救助帮扶" in html and "已办结" in html
    assert 'class="steps"' in html  # the status steps say nothing about the resident
    assert "涉及居民个人情况" in html and "反映人要求保密" not in html
    assert case.title not in html and "中风" not in html and "一千二" not in html
    assert RELIEF_REPLY not in html  # no timeline notes
    assert "<dt>社区</dt>" not in html and "<dt>受理时间</dt>" not in html  # no place, no dates
    assert "林阿姨" not in html


def test_relief_closure_is_listed_by_its_category_on_the_board(world: World, client: Client) -> None:
    case = relief_case(world)
    html = client.get(board_url(world)).content.decode()
    assert reverse("portal:case", args=[case.number]) in html
    assert ">救助帮扶</a>" in html
    assert "（保密诉求）" not in html
    assert case.title not in html and "中风" not in html


def test_confidential_relief_case_is_still_called_confidential(world: World, client: Client) -> None:
    case = closed_case(world, category=welfare(), description=RELIEF, confidential=True)
    assert "（保密诉求）救助帮扶" in client.get(board_url(world)).content.decode()
    assert "反映人要求保密" in case_page(client, case)


def test_sanitation_case_is_unchanged(world: World, client: Client) -> None:
    case = closed_case(world)
    html = case_page(client, case)
    assert case.title in html and "垃圾桶满了三天" in html and "已联系环卫公司清运完毕" in html
    assert "涉及居民个人情况" not in html
    assert case.title in client.get(board_url(world)).content.decode()


def test_private_closures_cost_the_board_no_extra_query(
    world: World, client: Client, django_assert_num_queries: Any
) -> None:
    closed_case(world)
    relief_case(world)
    closed_case(
        world, category=welfare(), description=RELIEF, confidential=True, reporter_phone="13900000009"
    )
    with django_assert_num_queries(BOARD_QUERIES):
        html = client.get(board_url(world)).content.decode()
    assert html.count("办结</span>") == 3
    with django_assert_num_queries(1):
        client.get(board_url(world), {"page": 2})


# --- changes take effect at once -------------------------------------------------------------------------


def test_unticking_the_flag_in_the_settings_page_hides_a_category_at_once(
    world: World, client: Client
) -> None:
    case = closed_case(world)
    sanitation = case.category
    assert shows_content(case_page(client, case), case)

    form = staff(world.erin).get(reverse("backoffice:case_setting_edit", args=["categories", sanitation.pk]))
    assert "公开诉求内容" in form.content.decode()
    response = staff(world.erin).post(
        reverse("backoffice:case_setting_edit", args=["categories", sanitation.pk]),
        category_form(sanitation, public_details=False),
    )
    assert response.status_code == 302
    sanitation.refresh_from_db()
    assert not sanitation.public_details
    entry = AuditEntry.objects.filter(action="update", target_type="casecategory").latest("at")
    assert "public_details" in entry.changes

    html = case_page(client, case)
    assert not shows_content(html, case) and "已联系环卫公司清运完毕" not in html

    staff(world.erin).post(
        reverse("backoffice:case_setting_edit", args=["categories", sanitation.pk]),
        category_form(sanitation, public_details=True),
    )
    assert shows_content(case_page(client, case), case)


def test_triage_into_a_private_category_hides_the_case(world: World, client: Client) -> None:
    case = new_case(world, description=RELIEF)
    assert shows_content(case_page(client, case), case)
    cases.do_triage(world.alice, case, category=welfare())
    assert not shows_content(case_page(client, case), case)
