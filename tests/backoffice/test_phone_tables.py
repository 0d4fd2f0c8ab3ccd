"""List tables that become cards on a phone (site.css `.card-table`): the case queue, the inbox and the
registry lists mark the table, give every cell its column heading in `data-label` (in the user's
language, escaped) and keep the table's ARIA roles, which a phone's `display: block` would otherwise drop.
The layout itself is checked in a real browser by tests/e2e/test_backoffice_phone.py."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import dispatched, logged_in
from tests.conftest import World
from tests.core.test_vouchers import submit
from yangguang.backoffice.views import cases as case_views
from yangguang.core.actions import registry
from yangguang.core.models import Household, Merchant, Relation


class CardTable(HTMLParser):
    """The first `<table class="card-table">` of a page: its role, headings and rows of (role, data-label)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.done = False
        self.table_role: str | None = None
        self.headings: list[str] = []
        self.heading_roles: list[str | None] = []
        self.rows: list[list[tuple[str | None, str | None]]] = []
        self.row_roles: list[str | None] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self.done:
            return
        if tag == "table" and "card-table" in (attr.get("class") or "").split():
            self.found = True
            self.table_role = attr.get("role")
        elif not self.found:
            return
        elif tag == "th":
            self._in_th = True
            self.headings.append("")
            self.heading_roles.append(attr.get("role"))
        elif tag == "tr":
            self.row_roles.append(attr.get("role"))
            self.rows.append([])
        elif tag == "td":
            self.rows[-1].append((attr.get("role"), attr.get("data-label")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False
        elif tag == "table" and self.found:
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_th and not self.done:
            self.headings[-1] += data.strip()


def card_table(client: Client, url: str) -> CardTable:
    response = client.get(url)
    assert response.status_code == 200
    table = CardTable()
    table.feed(response.content.decode())
    assert table.found, f"no card table on {url}"
    return table


def assert_cells_are_labelled(table: CardTable) -> None:
    assert table.table_role == "table"
    assert table.heading_roles == ["columnheader"] * len(table.headings)
    assert table.row_roles == ["row"] * len(table.row_roles)
    body = [row for row in table.rows if row]  # the heading row has no <td>
    assert body
    for row in body:
        assert row == [("cell", heading) for heading in table.headings]


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def listed(world: World) -> World:
    """A household and a merchant in 阳光社区, so that every registry list has a row."""
    household = registry.do_save_record(None, Household(dwelling=world.dwelling, number="FR-3-302"))
    registry.do_set_membership(None, household, world.person, Relation.HEAD, on=datetime.date(2020, 1, 1))
    registry.do_save_record(None, Merchant(building=world.building, name="芙蓉便利店", category="零售"))
    return world


def test_queue_cells_carry_their_column_heading(world: World) -> None:
    dispatched(world)
    table = card_table(logged_in(world.grace), reverse("backoffice:case_queue"))
    assert table.headings[:3] == ["编号", "标题", "分类"]
    assert_cells_are_labelled(table)


def test_queue_labels_are_in_the_users_language(world: World) -> None:
    dispatched(world)
    table = card_table(english(logged_in(world.grace)), reverse("backoffice:case_queue"))
    assert "Title" in table.headings
    assert_cells_are_labelled(table)


def test_queue_labels_are_escaped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    dispatched(world)
    monkeypatch.setattr(case_views, "_", lambda text: f'{text}"><script>')
    html = logged_in(world.grace).get(reverse("backoffice:case_queue")).content.decode()
    assert 'data-label="编号&quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html.split("<tbody", 1)[1]


def test_inbox_cells_carry_their_column_heading(world: World) -> None:
    dispatched(world)  # notifies grace
    table = card_table(logged_in(world.grace), reverse("backoffice:inbox"))
    assert table.headings == ["时间", "消息", "诉求", "状态"]
    assert_cells_are_labelled(table)


@pytest.mark.parametrize(
    "name",
    ["person_list", "household_list", "dwelling_list", "building_list", "compound_list", "merchant_list"],
)
def test_registry_list_cells_carry_their_column_heading(listed: World, name: str) -> None:
    table = card_table(logged_in(listed.alice), reverse(f"backoffice:{name}"))
    assert_cells_are_labelled(table)
    english_table = card_table(english(logged_in(listed.alice)), reverse(f"backoffice:{name}"))
    assert english_table.headings != table.headings
    assert_cells_are_labelled(english_table)


def test_voucher_list_cells_carry_their_column_heading(world: World) -> None:
    submit(world)
    table = card_table(logged_in(world.alice), reverse("backoffice:finance_voucher_list"))
    assert table.headings == ["凭证号", "支出日期", "金额", "收款方", "用途", "社区/村", "状态"]
    assert_cells_are_labelled(table)
