"""The district's composition rules of the committees: erin (district administrator, MANAGE_CATALOGUE at
示范区) sets them with their basis; the composition checklist and the election form use them at once;
platform defaults are never changed; alice (community staff), dave (street) and another district's
administrator cannot set them; every change is audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.conftest import World, make_user
from tests.core.test_committee import TODAY, lines_of, new_term, propose, resident
from yangguang.core.actions import committee, committee_rules, elections, registry
from yangguang.core.models import AuditEntry, CommitteeRule, CommitteeTerm
from yangguang.core.permissions import Role

BASIS = "本省实施《村民委员会组织法》办法第三十条"


def numbers(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "min_size": 3,
        "max_size": 5,
        "require_thirds": True,
        "min_accounting": 1,
        "source": BASIS,
        "effective_from": TODAY,
    }
    values.update(extra)
    return values


def platform_rule(kind: str = "community") -> CommitteeRule:
    return CommitteeRule.objects.get(area=None, area_kind=kind)


def four_members(world: World) -> CommitteeTerm:
    term = new_term(world)
    for i, group in enumerate(["party", "deputy", "ordinary", "ordinary"]):
        propose(
            world,
            term,
            resident(world, f"成员{i}", 20 + i),
            group=group,
            position="chair" if i == 0 else "member",
            has_accounting=i == 1,
        )
    return term


def test_a_district_rule_applies_to_the_checklist_at_once(world: World) -> None:
    term = four_members(world)
    lines = lines_of(term)
    assert not lines["size"]["ok"] and "4人，应为5–7人" in str(lines["size"]["reason"])
    rule = committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    assert rule.area == world.district and committee.rule_for(world.sunshine) == rule
    lines = lines_of(term)
    assert lines["size"]["ok"] and "符合3–5人" in str(lines["size"]["reason"])
    assert BASIS in str(lines["rule"]["reason"])
    # The village next door still follows the platform default.
    assert committee.rule_for(world.village) == platform_rule("village")


def test_an_edited_rule_applies_to_the_election_form_at_once(world: World) -> None:
    term = new_term(world)
    rule = committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    with pytest.raises(ValidationError) as exc:
        elections.check_create_election(world.alice, term, held_on=TODAY, seats=7)
    assert "应选人数不能超过5人" in str(exc.value)
    committee_rules.check_update_rule(world.erin, rule, numbers(max_size=9, source="本省2024年新规定第五条"))
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=7)
    assert election.seats == 7


def test_every_change_is_audited_with_its_basis(world: World) -> None:
    rule = committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    created = AuditEntry.objects.get(target_type="committeerule", action="create")
    assert created.actor == world.erin and created.area == world.district
    assert created.changes["max_size"] == 5 and created.reason == BASIS
    assert created.target_repr == "示范区 社区监委会组成规则"
    committee_rules.check_update_rule(world.erin, rule, numbers(min_size=4, source="本省2024年新规定第五条"))
    updated = AuditEntry.objects.get(target_type="committeerule", action="update")
    assert updated.changes == {"min_size": [3, 4], "source": [BASIS, "本省2024年新规定第五条"]}
    assert updated.reason == "本省2024年新规定第五条"
    with pytest.raises(ValidationError, match="没有修改任何内容"):
        committee_rules.check_update_rule(
            world.erin, rule, numbers(min_size=4, source="本省2024年新规定第五条")
        )


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"min_size": 2}, "min_size", "最少人数应为3至15之间的整数"),
        ({"max_size": 16}, "max_size", "最多人数应为3至15之间的整数"),
        ({"min_size": 7, "max_size": 5}, "max_size", "最多人数不能少于最少人数（7人）"),
        ({"min_accounting": 4}, "min_accounting", "不能超过最少人数（3人）"),
        ({"min_accounting": -1}, "min_accounting", "应为0或正整数"),
        ({"source": "  省 "}, "source", "请填写依据"),
        ({"effective_from": TODAY + datetime.timedelta(days=1)}, "effective_from", "不能晚于今天"),
        ({"effective_from": None}, "effective_from", "请填写生效日期"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(
    world: World, extra: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        committee_rules.check_create_rule(world.erin, world.district, "community", numbers(**extra))
    assert message in exc.value.message_dict[field][0]
    assert not CommitteeRule.objects.filter(area=world.district).exists()


def test_only_a_district_administrator_sets_the_rules(world: World) -> None:
    elsewhere = registry.do_create_area(None, parent=None, kind="district", name="另一区", code="430103")
    frank = make_user("frank", "方方", Role.DISTRICT_ADMIN, elsewhere)
    for outsider in (world.alice, world.bob, world.dave, frank):
        with pytest.raises(PermissionDenied):
            committee_rules.check_create_rule(outsider, world.district, "community", numbers())
    with pytest.raises(PermissionDenied):  # a street is no district
        committee_rules.check_create_rule(world.erin, world.street, "community", numbers())
    assert not CommitteeRule.objects.filter(area__isnull=False).exists()
    assert committee_rules.may_set_rules(world.erin)
    assert not any(committee_rules.may_set_rules(u) for u in (world.alice, world.bob, world.dave))
    assert list(committee_rules.rule_districts(frank)) == [elsewhere]


def test_platform_defaults_are_never_changed(world: World) -> None:
    default = platform_rule()
    with pytest.raises(PermissionDenied):
        committee_rules.check_update_rule(world.erin, default, numbers())
    with pytest.raises(Http404):
        committee_rules.access_rule(world.erin, default.pk)
    default.refresh_from_db()
    assert (default.min_size, default.max_size) == (5, 7)


def test_one_own_rule_per_kind_of_area(world: World) -> None:
    committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    with pytest.raises(ValidationError, match="示范区已有适用于社区的规则"):
        committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    with pytest.raises(ValidationError, match="请选择适用区域类型"):
        committee_rules.check_create_rule(world.erin, world.district, "street", numbers())
    assert committee_rules.kinds_without_own_rule(world.district) == [("village", "村")]


def test_the_list_says_which_rule_is_in_force_where(world: World) -> None:
    own = committee_rules.check_create_rule(world.erin, world.district, "community", numbers())
    street_rule = CommitteeRule.objects.create(
        area_kind="community",
        area=world.street,
        min_size=7,
        max_size=9,
        source="街道试点",
        effective_from=TODAY,
    )
    rows = {row.rule.pk: row for row in committee_rules.district_rules(world.district)}
    assert rows[platform_rule().pk].state == "已被本区规则替换" and not rows[platform_rule().pk].editable
    assert rows[platform_rule("village").pk].state == "本区现行"
    assert rows[own.pk].state == "本区现行" and rows[own.pk].editable
    assert rows[street_rule.pk].state == "在东风街道现行" and rows[street_rule.pk].scope == "东风街道"
    # The district administrator edits the street's rule too; another district's rules are not listed.
    assert committee_rules.access_rule(world.erin, street_rule.pk) == (street_rule, world.district)
    committee_rules.check_update_rule(world.erin, street_rule, numbers(min_size=5, max_size=7))
    assert committee.rule_for(world.sunshine) == street_rule
    elsewhere = registry.do_create_area(None, parent=None, kind="district", name="另一区", code="430103")
    foreign = CommitteeRule.objects.create(
        area_kind="community", area=elsewhere, min_size=3, max_size=3, effective_from=TODAY
    )
    assert foreign.pk not in {row.rule.pk for row in committee_rules.district_rules(world.district)}
    with pytest.raises(Http404):
        committee_rules.access_rule(world.erin, foreign.pk)


def test_a_new_rule_starts_from_the_numbers_in_force(world: World) -> None:
    values = committee_rules.starting_values(world.district, "village")
    assert (values["min_size"], values["max_size"], values["require_thirds"]) == (3, 5, False)
    assert values["source"] == "" and values["effective_from"] == TODAY
