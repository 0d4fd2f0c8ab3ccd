"""The rules page of the committee area: erin (district administrator) lists the district's composition
rules, sets the district's own and edits them through the forms; everyone else gets 404; the committee
index links the page for erin only; the list has a pinned query count."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_committee import TODAY, new_term
from tests.core.test_committee_rules import BASIS, numbers, platform_rule
from yangguang.core.actions import committee_rules, registry
from yangguang.core.models import CommitteeRule, RoleAssignment
from yangguang.core.permissions import Role

RULES = reverse("backoffice:committee_rules")


def url(name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=args)


def form(**extra: Any) -> dict[str, str]:
    values = {
        "min_size": "3",
        "max_size": "5",
        "require_thirds": "on",
        "min_accounting": "1",
        "source": BASIS,
        "effective_from": TODAY.isoformat(),
    }
    values.update(extra)
    return {key: value for key, value in values.items() if value is not None}


def test_the_committee_index_links_the_rules_for_district_administrators_only(world: World) -> None:
    response = logged_in(world.erin).get(url("committee_index"))
    assert RULES in response.content.decode()
    for user in (world.alice, world.bob, world.dave):
        assert RULES not in logged_in(user).get(url("committee_index")).content.decode()


def test_the_list_shows_each_rule_with_its_source(world: World) -> None:
    response = logged_in(world.erin).get(RULES)
    html = response.content.decode()
    assert response.status_code == 200
    assert platform_rule().source in html and "5–7人" in html and "3–5人" in html
    assert url("committee_rule_create", world.district.pk, "community") in html
    assert "平台默认，不能修改" in html


def test_outsiders_get_404(world: World) -> None:
    own = committee_rules.check_create_rule(world.erin, world.district, "village", numbers())
    for user in (world.alice, world.bob, world.dave, world.mallory):
        client = logged_in(user)
        for path in (
            RULES,
            url("committee_rule_create", world.district.pk, "community"),
            url("committee_rule_edit", own.pk),
        ):
            assert client.get(path).status_code == 404, (user.username, path)
        assert client.post(url("committee_rule_edit", own.pk), form(max_size="7")).status_code == 404
    erin = logged_in(world.erin)
    assert erin.get(url("committee_rule_edit", platform_rule().pk)).status_code == 404
    assert erin.get(url("committee_rule_create", world.street.pk, "community")).status_code == 404
    assert erin.get(url("committee_rule_create", world.district.pk, "grid")).status_code == 404
    assert erin.get(RULES, {"area": world.street.pk}).status_code == 404
    own.refresh_from_db()
    assert own.max_size == 5


def test_erin_sets_the_districts_rule_and_the_term_page_follows(world: World) -> None:
    term = new_term(world)
    erin = logged_in(world.erin)
    create = url("committee_rule_create", world.district.pk, "community")
    page = erin.get(create).content.decode()
    assert 'value="5"' in page and 'value="7"' in page  # starts from the numbers in force
    response = erin.post(create, form())
    assert response.status_code == 302 and response["Location"] == f"{RULES}?area={world.district.pk}"
    rule = CommitteeRule.objects.get(area=world.district)
    assert (rule.min_size, rule.max_size, rule.source) == (3, 5, BASIS)
    assert "3–5" in logged_in(world.alice).get(url("committee_term", term.pk)).content.decode()
    response = erin.post(url("committee_rule_edit", rule.pk), form(max_size="9", source="本省2024年新规定"))
    assert response.status_code == 302
    html = logged_in(world.alice).get(url("committee_term", term.pk)).content.decode()
    assert "应为3–9人" in html and "本省2024年新规定" in html


def test_bad_input_is_shown_beside_the_fields(world: World) -> None:
    erin = logged_in(world.erin)
    create = url("committee_rule_create", world.district.pk, "community")
    response = erin.post(create, form(min_size="6", max_size="4", source="省"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "最多人数不能少于最少人数（6人）" in html and "请填写依据" in html
    response = erin.post(create, form(min_size="abc", source=None))
    html = response.content.decode()
    assert response.status_code == 200 and "请填写整数" in html and "请填写依据" in html
    assert not CommitteeRule.objects.filter(area=world.district).exists()


def test_list_query_count_is_pinned(world: World, django_assert_num_queries: Any) -> None:
    client = logged_in(world.erin)
    # session, user, role assignments, the districts, the rules (areas joined), the district's own kinds
    with django_assert_num_queries(6):
        assert client.get(RULES).status_code == 200
    committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    for street in (world.street, world.street2):
        CommitteeRule.objects.create(
            area_kind="village", area=street, min_size=3, max_size=5, effective_from=TODAY, source="街道"
        )
    with django_assert_num_queries(6):
        assert client.get(RULES).status_code == 200


def test_an_administrator_of_two_districts_chooses_one(world: World) -> None:
    elsewhere = registry.do_create_area(None, parent=None, kind="district", name="另一区", code="430103")
    RoleAssignment.objects.create(user=world.erin, role=Role.DISTRICT_ADMIN, area=elsewhere)
    client = logged_in(world.erin)
    html = client.get(RULES, {"area": elsewhere.pk}).content.decode()
    assert "另一区监委会组成规则" in html and 'name="area"' in html
