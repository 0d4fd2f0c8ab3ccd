"""The metrics page: jurisdiction, the three breakdowns agreeing with `.metrics()` per group, percentages and
"暂无数据", and a query count that does not grow with cases or communities."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.backoffice.test_case_page import dispatched, logged_in, new_case, replied
from tests.conftest import World
from yangguang.backoffice.views.cases import community_key, grouped_metrics, month_starts
from yangguang.core.actions import cases, registry
from yangguang.core.models import Case, CaseCategory

METRICS = reverse("backoffice:case_metrics")


def table(page: str, name: str) -> str:
    start = page.index(f'data-table="{name}"')
    return page[start : page.index("</table>", start)]


@pytest.fixture
def history(world: World) -> None:
    """阳光社区: one satisfied, one redone, one open; 和平社区: one open parking case."""
    done = replied(world)
    cases.do_transition(world.alice, done, "close")
    cases.do_rate(None, done, 5)
    redo = replied(world)
    cases.do_transition(world.alice, redo, "close")
    cases.do_rate(None, redo, 1)
    dispatched(world, area=world.sunshine, reporter_phone="13900000001")
    new_case(
        world,
        area=world.peace,
        category=CaseCategory.objects.get(code="parking"),
        reporter_phone="13900000002",
    )


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(METRICS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_users_without_case_rights_get_404(world: World) -> None:
    assert logged_in(world.mallory).get(METRICS).status_code == 404


def test_community_staff_see_their_community_only(world: World, history: None) -> None:
    page = logged_in(world.alice).get(METRICS).content.decode()
    communities = table(page, "community")
    assert "阳光社区" in communities and "和平社区" not in communities
    overall = table(page, "overall")
    assert "<td>3</td>" in overall  # three cases in 阳光社区
    assert "50.0%" in overall  # satisfaction: one of two rated
    assert "停车管理" not in table(page, "category")


def test_district_admin_sees_both_communities(world: World, history: None) -> None:
    page = logged_in(world.erin).get(METRICS).content.decode()
    communities = table(page, "community")
    assert "阳光社区" in communities and "和平社区" in communities
    assert "停车管理" in table(page, "category")
    # 和平社区's only case was never dispatched, rated or closed: those rates are unknown, not 0 %.
    peace_row = communities[communities.index("和平社区") :]
    assert "暂无数据" in peace_row


def test_months_table_lists_the_last_six_months(world: World, history: None) -> None:
    page = logged_in(world.erin).get(METRICS).content.decode()
    months = table(page, "month")
    for start in month_starts(timezone.localdate()):
        assert f"{start:%Y-%m}" in months
    assert months.count("暂无数据") >= 5 * 5  # five empty months, five rates each


def test_month_starts_cross_the_new_year() -> None:
    assert month_starts(datetime.date(2025, 2, 14)) == [
        datetime.date(2024, 9, 1),
        datetime.date(2024, 10, 1),
        datetime.date(2024, 11, 1),
        datetime.date(2024, 12, 1),
        datetime.date(2025, 1, 1),
        datetime.date(2025, 2, 1),
    ]


def test_grouped_metrics_agree_with_metrics_per_group(world: World, history: None) -> None:
    everything = Case.objects.all()
    by_community = grouped_metrics(everything, community_key())
    assert set(by_community) == {world.sunshine.pk, world.peace.pk}
    sunshine = everything.filter(area__path__startswith=world.sunshine.path)
    assert by_community[world.sunshine.pk] == sunshine.metrics()
    assert by_community[world.peace.pk] == everything.filter(area=world.peace).metrics()
    by_category = grouped_metrics(everything, F("category_id"))
    for category_id, values in by_category.items():
        assert values == everything.filter(category_id=category_id).metrics()


def test_merged_duplicates_are_not_counted(world: World) -> None:
    main = new_case(world)
    dup = new_case(world, reporter_phone="13900000003")
    cases.do_transition(world.alice, dup, "merge", target=main)
    assert grouped_metrics(Case.objects.all(), community_key())[world.sunshine.pk]["total"] == 1


def test_query_count_does_not_grow_with_cases_or_communities(world: World, history: None) -> None:
    def count_queries() -> int:
        client = logged_in(world.erin)
        client.get(METRICS)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(METRICS)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count_queries()
    for n in range(4):
        area = registry.do_create_area(None, parent=world.street, kind="community", name=f"新社区{n}")
        new_case(world, area=area, reporter_phone=f"1360000001{n}")
    assert count_queries() == few
    # session, user, roles, the user's units and areas (visible_to), overall, three breakdowns, community
    # and category names
    assert few == 10
