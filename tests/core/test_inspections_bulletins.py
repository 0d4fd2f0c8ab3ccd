"""Bulletins (通报) for the street and district: per-community figures, frozen when generated, and who may
generate them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import World, make_user
from tests.core.test_inspections import in_days, item, replied_by_owner
from yangguang.core.actions import bulletins, cases
from yangguang.core.actions import inspections as insp
from yangguang.core.models import Case, Finding, Inspection, InspectionCheck, Rectification
from yangguang.core.permissions import Role


def held(
    world: World, actor: object, area: object, kind: str, *, on: datetime.date | None = None
) -> Inspection:
    inspection = insp.check_plan_inspection(
        actor,  # type: ignore[arg-type]
        area,  # type: ignore[arg-type]
        kind=kind,
        title=f"{kind}检查",
        planned_on=on or in_days(-1),
        points=["查看公开栏"],
    )
    return insp.do_start_inspection(actor, inspection, held_on=on)  # type: ignore[arg-type]


def complete(actor: object, inspection: Inspection) -> Inspection:
    for check in inspection.checks.all():
        insp.do_record_check(actor, check, InspectionCheck.Result.OK)  # type: ignore[arg-type]
    return insp.do_complete_inspection(actor, inspection, "已完成")  # type: ignore[arg-type]


def finding(actor: object, inspection: Inspection, severity: str) -> Finding:
    return insp.check_add_finding(
        actor,  # type: ignore[arg-type]
        inspection,
        description=f"{severity}问题：公开栏内容未更新",
        severity=severity,
    )


@pytest.fixture
def two_communities(world: World) -> World:
    """阳光社区: a routine and a targeted inspection held in the period (one serious and one minor finding,
    two notices: one verified, one overdue and escalated), one held long before the period and one still
    planned. 和平社区: an unannounced inspection with a grave finding and an open notice. 明月村 (another
    street): an inspection that must not count for 东风街道."""
    item(world)
    routine = held(world, world.bob, world.sunshine, Inspection.Kind.ROUTINE)
    serious = finding(world.bob, routine, Finding.Severity.SERIOUS)
    complete(world.bob, routine)
    targeted = held(world, world.bob, world.sunshine, Inspection.Kind.TARGETED)
    minor = finding(world.bob, targeted, Finding.Severity.MINOR)
    complete(world.bob, targeted)
    old = held(world, world.bob, world.sunshine, Inspection.Kind.ROUTINE, on=in_days(-100))
    finding(world.bob, old, Finding.Severity.GRAVE)
    complete(world.bob, old)
    insp.check_plan_inspection(
        world.bob, world.sunshine, kind="routine", title="计划中", planned_on=in_days(3), points=["一"]
    )

    done = insp.check_issue_rectification(
        world.bob, serious, requirement="更新公开栏内容", deadline=in_days(5), owner=world.alice
    )
    replied_by_owner(world, done)
    insp.do_verify_rectification(world.bob, done, passed=True, note="已更新")
    late = insp.check_issue_rectification(
        world.bob, minor, requirement="补齐公开内容", deadline=in_days(5), owner=world.alice
    )
    cases.do_transition(world.alice, late.case, "sign")
    # Time passes: the deadline is behind us and the SLA job escalated the case.
    Rectification.objects.filter(pk=late.pk).update(deadline=in_days(-1))
    Case.objects.filter(pk=late.case.pk).update(escalated_at=timezone.now())

    peace_member = make_user("pm", "和平监委", Role.COMMITTEE_MEMBER, world.peace)
    surprise = held(world, peace_member, world.peace, Inspection.Kind.UNANNOUNCED)
    grave = finding(peace_member, surprise, Finding.Severity.GRAVE)
    complete(peace_member, surprise)
    insp.check_issue_rectification(
        peace_member, grave, requirement="立即整改并说明情况", deadline=in_days(10), owner=world.carol
    )

    village_member = make_user("vm", "明月监委", Role.COMMITTEE_MEMBER, world.village)
    complete(village_member, held(world, village_member, world.village, Inspection.Kind.ROUTINE))
    return world


def test_bulletin_figures_are_correct_across_two_communities(two_communities: World) -> None:
    world = two_communities
    bulletin = bulletins.check_generate_bulletin(world.dave, world.street, in_days(-30), timezone.localdate())
    figures = bulletin.figures
    rows = {row["name"]: row for row in figures["communities"]}
    assert list(rows) == ["阳光社区", "和平社区"]
    sunshine, peace = rows["阳光社区"], rows["和平社区"]
    assert sunshine["inspections"] == {"routine": 1, "targeted": 1, "unannounced": 0, "total": 2}
    assert sunshine["findings"] == {"minor": 1, "serious": 1, "grave": 0, "total": 2}
    assert sunshine["rectifications"] == {"issued": 2, "passed": 1, "open": 1, "overdue": 1, "escalated": 1}
    assert peace["inspections"] == {"routine": 0, "targeted": 0, "unannounced": 1, "total": 1}
    assert peace["findings"] == {"minor": 0, "serious": 0, "grave": 1, "total": 1}
    assert peace["rectifications"] == {"issued": 1, "passed": 0, "open": 1, "overdue": 0, "escalated": 0}
    assert figures["totals"]["inspections"]["total"] == 3
    assert figures["totals"]["findings"] == {"minor": 1, "serious": 1, "grave": 1, "total": 3}
    assert figures["totals"]["rectifications"]["issued"] == 3
    assert bulletin.title.startswith("东风街道")


def test_figures_are_frozen_when_generated(two_communities: World) -> None:
    world = two_communities
    bulletin = bulletins.check_generate_bulletin(world.dave, world.street, in_days(-30), timezone.localdate())
    complete(world.bob, held(world, world.bob, world.sunshine, Inspection.Kind.ROUTINE))
    bulletin.refresh_from_db()
    assert bulletin.figures["totals"]["inspections"]["total"] == 3
    again = bulletins.check_generate_bulletin(world.dave, world.street, in_days(-30), timezone.localdate())
    assert again.figures["totals"]["inspections"]["total"] == 4


def test_district_bulletin_covers_every_street(two_communities: World) -> None:
    world = two_communities
    bulletin = bulletins.check_generate_bulletin(
        world.erin, world.district, in_days(-30), timezone.localdate()
    )
    names = [row["name"] for row in bulletin.figures["communities"]]
    assert names == ["阳光社区", "和平社区", "明月村"]
    assert bulletin.figures["totals"]["inspections"]["total"] == 4


def test_bulletin_figures_take_a_fixed_number_of_queries(
    two_communities: World, django_assert_num_queries: object
) -> None:
    world = two_communities
    with django_assert_num_queries(4):  # type: ignore[operator]
        bulletins.bulletin_figures(world.district, in_days(-30), timezone.localdate())


def test_only_the_street_or_district_generates(world: World) -> None:
    for actor in (world.alice, world.bob, world.carol, world.mallory):
        with pytest.raises(PermissionDenied):
            bulletins.check_generate_bulletin(actor, world.street, in_days(-30), in_days(0))
    with pytest.raises(PermissionDenied):
        bulletins.check_generate_bulletin(world.dave, world.district, in_days(-30), in_days(0))
    with pytest.raises(PermissionDenied):
        bulletins.check_generate_bulletin(world.dave, world.street2, in_days(-30), in_days(0))
    with pytest.raises(ValidationError, match="街道（乡镇）或区"):
        bulletins.check_generate_bulletin(world.erin, world.sunshine, in_days(-30), in_days(0))
    with pytest.raises(ValidationError, match="不能早于起始日期"):
        bulletins.check_generate_bulletin(world.dave, world.street, in_days(0), in_days(-1))
    with pytest.raises(ValidationError, match="不能超过一年"):
        bulletins.check_generate_bulletin(world.dave, world.street, in_days(-400), in_days(0))


def test_bulletin_becomes_a_disclosure_draft_once(two_communities: World) -> None:
    world = two_communities
    bulletin = bulletins.check_generate_bulletin(
        world.dave, world.street, in_days(-30), timezone.localdate(), remarks="请阳光社区于月底前完成整改"
    )
    disclosure = bulletins.do_disclose_bulletin(world.dave, bulletin)
    assert disclosure.kind == "bulletin" and disclosure.area == world.street
    assert disclosure.payload["totals"] == bulletin.figures["totals"]
    assert all("area_id" not in row for row in disclosure.payload["communities"])
    with pytest.raises(ValidationError, match="已生成公开草稿"):
        bulletins.do_disclose_bulletin(world.dave, bulletin)
    with pytest.raises(PermissionDenied):
        bulletins.do_disclose_bulletin(world.alice, bulletin)


def test_the_street_signs_and_publishes_its_bulletin_and_a_committee_cannot(two_communities: World) -> None:
    from yangguang.core.actions import ledger

    world = two_communities
    bulletin = bulletins.check_generate_bulletin(world.dave, world.street, in_days(-30), timezone.localdate())
    disclosure = bulletins.do_disclose_bulletin(world.dave, bulletin)
    with pytest.raises(PermissionDenied, match="街道纪工委"):
        ledger.do_sign_disclosure(world.bob, disclosure)  # a community's committee has no say over the street
    ledger.do_sign_disclosure(world.dave, disclosure)
    published = ledger.do_publish_disclosure(world.dave, disclosure)
    assert published.status == "published" and published.signed_by == world.dave
