"""The committee's re-check of households: who may open, fill in and conclude it, the registry comparison,
the ledger line, and staff acting on a conclusion — with the seed story of a committee re-checking its
hardship households (seed 000: 恒达社区 found 2 of its 五帮扶 households ineligible)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import World
from tests.core.test_notices import enrolled, family
from tests.core.test_welfare_applications import dibao
from yangguang.core.actions import audit, rechecks, registry, welfare
from yangguang.core.models import Activity, AuditEntry, Enrollment, Program, Recheck


@pytest.fixture
def program(world: World) -> Program:
    return dibao(world)


@pytest.fixture
def household(world: World, program: Program) -> Enrollment:
    return enrolled(world, program, family(world, "H-0301", "孙立平", "何美华", 31))


def visit(**extra: str) -> dict[str, str]:
    return {
        "result": extra.pop("result", "ok"),
        "note": extra.pop("note", ""),
        "date": extra.pop("date", timezone.localdate().isoformat()),
        "who": extra.pop("who", "刘博、社区民政专干"),
        "observations": extra.pop("observations", "家中陈设简朴"),
    }


def test_the_committee_opens_a_recheck_with_the_registry_comparison(
    world: World, household: Enrollment
) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="居民反映该户生活条件较好")
    assert recheck.area == household.area and recheck.application == household.application
    keys = [item["key"] for item in recheck.checklist]
    assert keys == [item.key for item in rechecks.ITEMS]
    members = next(item for item in recheck.checklist if item["key"] == "data_members")
    assert members["facts"] == "户籍登记现有成员2人（在世2人），计入保障人数2人。"
    assert not members["flagged"]
    assert AuditEntry.objects.filter(target_type="recheck", action="create").exists()


def test_staff_and_outsiders_cannot_open_fill_or_conclude(world: World, household: Enrollment) -> None:
    for user in (world.alice, world.carol, world.dave, world.erin, world.mallory):
        with pytest.raises(PermissionDenied):
            rechecks.do_open_recheck(user, enrollment=household, reason="核查")
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="例行抽查")
    for user in (world.alice, world.erin):
        with pytest.raises(PermissionDenied):
            rechecks.do_save_checklist(user, recheck, {"doc_hukou": {"result": "ok"}})
        with pytest.raises(PermissionDenied):
            rechecks.do_conclude_recheck(user, recheck, "eligible", "符合条件")


def test_the_committee_cannot_change_an_enrolment(world: World, household: Enrollment) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="例行抽查")
    rechecks.do_save_checklist(
        world.bob, recheck, {"doc_assets": {"result": "problem", "note": "有未申报存款"}}
    )
    rechecks.do_conclude_recheck(world.bob, recheck, "ineligible", "存款超过标准")
    with pytest.raises(PermissionDenied):
        welfare.apply_committee_finding(world.bob, household, recheck)
    household.refresh_from_db()
    assert household.status == Enrollment.Status.ACTIVE


def test_checklist_answers_are_checked(world: World, household: Enrollment) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="例行抽查")
    with pytest.raises(ValidationError, match="写明具体情况"):
        rechecks.do_save_checklist(world.bob, recheck, {"doc_income": {"result": "problem"}})
    with pytest.raises(ValidationError, match="只能是"):
        rechecks.do_save_checklist(world.bob, recheck, {"doc_income": {"result": "maybe"}})
    with pytest.raises(ValidationError, match="走访日期和走访人员"):
        rechecks.do_save_checklist(world.bob, recheck, {"home_visit": visit(who="")})
    with pytest.raises(ValidationError, match="格式不正确"):
        rechecks.do_save_checklist(world.bob, recheck, {"home_visit": visit(date="昨天")})
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError, match="晚于今天"):
        rechecks.do_save_checklist(world.bob, recheck, {"home_visit": visit(date=tomorrow)})
    with pytest.raises(ValidationError, match="未知"):
        rechecks.do_save_checklist(world.bob, recheck, {"payment_mismatch": {"result": "ok"}})
    rechecks.do_save_checklist(world.bob, recheck, {"home_visit": visit(), "doc_hukou": {"result": "ok"}})
    recheck.refresh_from_db()
    saved = {item["key"]: item for item in recheck.checklist}
    assert saved["home_visit"]["who"] == "刘博、社区民政专干" and saved["doc_hukou"]["result"] == "ok"
    entries = AuditEntry.objects.filter(target_type="recheck", action="update")
    assert entries.count() == 1
    rechecks.do_save_checklist(world.bob, recheck, {"doc_hukou": {"result": "ok"}})
    assert entries.count() == 1  # nothing changed, nothing written


def test_a_conclusion_needs_reasons_and_is_final(world: World, household: Enrollment) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="例行抽查")
    with pytest.raises(ValidationError, match="理由"):
        rechecks.do_conclude_recheck(world.bob, recheck, "eligible", "")
    with pytest.raises(ValidationError, match="至少应有一项"):
        rechecks.do_conclude_recheck(world.bob, recheck, "ineligible", "不符合")
    with pytest.raises(ValidationError, match="请选择"):
        rechecks.do_conclude_recheck(world.bob, recheck, "pending", "核查中")
    rechecks.do_conclude_recheck(world.bob, recheck, "eligible", "材料齐全，入户核实情况属实")
    assert recheck.conclusion == "eligible" and recheck.concluded_at is not None
    activity = Activity.objects.get(source_type="recheck", source_id=str(recheck.pk))
    assert activity.kind == Activity.Kind.INSPECTION
    assert "孙*平" in activity.title and "孙立平" not in activity.title
    with pytest.raises(ValidationError, match="已作出结论"):
        rechecks.do_conclude_recheck(world.bob, recheck, "ineligible", "改变主意")
    with pytest.raises(ValidationError, match="已作出结论"):
        rechecks.do_save_checklist(world.bob, recheck, {"doc_hukou": {"result": "ok"}})


def test_staff_act_on_an_ineligible_finding(world: World, household: Enrollment) -> None:
    recheck = rechecks.do_open_recheck(world.bob, enrollment=household, reason="例行抽查")
    rechecks.do_save_checklist(
        world.bob, recheck, {"doc_income": {"result": "problem", "note": "隐瞒工资收入"}}
    )
    rechecks.do_conclude_recheck(world.bob, recheck, "ineligible", "家庭人均收入超过低保标准")
    household.refresh_from_db()
    assert household.status == Enrollment.Status.ACTIVE  # a conclusion changes nothing by itself
    welfare.apply_committee_finding(world.alice, household, recheck)
    household.refresh_from_db()
    recheck.refresh_from_db()
    assert household.status == Enrollment.Status.EXITED and recheck.acted_on


def test_seed_story_committee_finds_two_of_four_hardship_households_ineligible(
    world: World, program: Program
) -> None:
    names = [("钱国强", "孙丽"), ("周志明", "吴芳"), ("郑海", "王静"), ("冯建军", "陈红")]
    homes = [
        enrolled(world, program, family(world, f"H-04{n}", head, spouse, 40 + n))
        for n, (head, spouse) in enumerate(names)
    ]
    # The registry records the death of one household's second member after it was enrolled.
    late = next(m.person for m in homes[1].household.memberships.all() if m.relation == "spouse")  # type: ignore[union-attr]
    before = audit.snapshot(late)
    late.died_on = timezone.localdate()
    registry.do_save_record(world.alice, late, before=before)

    opened = [
        rechecks.do_open_recheck(world.bob, enrollment=home, reason="春节前困难群众排查") for home in homes
    ]
    facts = [{item["key"]: item for item in r.checklist} for r in opened]
    assert [f["data_deaths"]["flagged"] for f in facts] == [False, True, False, False]
    assert facts[1]["data_members"]["flagged"]  # 2 counted, 1 alive

    answers: list[dict[str, Any]] = [
        {"home_visit": visit(), "doc_assets": {"result": "ok"}},
        {
            "home_visit": visit(),
            "data_deaths": {"result": "problem", "note": "配偶已死亡，保障人数应核减"},
        },
        {
            "home_visit": visit(
                result="problem", note="门前停放该户所有的小汽车", observations="有一辆小汽车"
            ),
            "doc_assets": {"result": "problem", "note": "财产申报未申报机动车"},
        },
        {"home_visit": visit(), "doc_income": {"result": "ok"}},
    ]
    conclusions = [
        ("eligible", "经核查符合条件"),
        ("ineligible", "户籍登记显示配偶已死亡，单人户收入已超过低保标准"),
        ("ineligible", "拥有机动车，不符合低保条件"),
        ("eligible", "经核查符合条件"),
    ]
    for recheck, answer, (conclusion, note) in zip(opened, answers, conclusions, strict=True):
        rechecks.do_save_checklist(world.bob, recheck, answer)
        rechecks.do_conclude_recheck(world.bob, recheck, conclusion, note)

    for recheck in opened:
        if recheck.conclusion == Recheck.Conclusion.INELIGIBLE:
            assert recheck.enrollment is not None
            welfare.apply_committee_finding(world.alice, recheck.enrollment, recheck)

    statuses = [Enrollment.objects.get(pk=home.pk).status for home in homes]
    assert statuses == ["active", "exited", "exited", "active"]
    exited = Enrollment.objects.get(pk=homes[2].pk)
    assert f"第{opened[2].pk}号" in exited.exit_reason
    assert Activity.objects.filter(source_type="recheck").count() == 4
    assert Recheck.objects.filter(acted_on=True).count() == 2
