"""The oversight figures (监督总览) and the workspace figures: right per community, counted in a fixed number
of queries; which records an opinion may be attached to; how a disclosure's payload is laid out.

The builders at the top are shared by the workspace, ledger and disclosure tests. Inspections, findings,
rectifications, vouchers, terms and evaluations are written with the ORM: their own actions (and their
own tests) belong to the inspections, finance and committee parts; here only their counts matter.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World, make_user
from yangguang.core.actions import cases, ledger, oversight, registry
from yangguang.core.models import (
    Area,
    Case,
    CaseCategory,
    Channel,
    CommitteeTerm,
    Disclosure,
    Election,
    Evaluation,
    EvaluationSubject,
    Finding,
    Inspection,
    Rectification,
    Voucher,
)
from yangguang.core.permissions import Role

TODAY = datetime.date(2025, 6, 15)
NOW = timezone.make_aware(datetime.datetime(2025, 6, 15, 10, 0))
PAST = NOW - datetime.timedelta(days=3)
FUTURE = NOW + datetime.timedelta(days=3)


# --- builders -------------------------------------------------------------------------------------------


def new_case(area: Area, *, due_at: datetime.datetime | None = None, **extra: Any) -> Case:
    data = cases.CaseInput(
        area=area,
        category=CaseCategory.objects.get(code="sanitation"),
        description=extra.pop("description", "小区门口的路灯坏了一个星期，晚上很黑"),
        channel=extra.pop("channel", Channel.PORTAL),
        **extra,
    )
    case = cases.check_create_case(None, data)
    if due_at is not None:
        # Deadlines come from signing on the working calendar; the figures only read the column.
        Case.objects.filter(pk=case.pk).update(due_at=due_at, status="in_progress")
        case.refresh_from_db()
    return case


def inspection(
    area: Area, *, status: str = "completed", held_on: datetime.date | None = TODAY, **extra: Any
) -> Inspection:
    return Inspection.objects.create(
        area=area,
        kind=extra.pop("kind", Inspection.Kind.ROUTINE),
        title=extra.pop("title", "晾衣架项目质量检查"),
        planned_on=extra.pop("planned_on", held_on or TODAY),
        held_on=held_on,
        status=status,
        **extra,
    )


_numbers = iter(range(1, 10_000))


def rectification(area: Area, *, due_at: datetime.datetime) -> Rectification:
    """A rectification notice whose case (channel 监督检查) is open with the given deadline."""
    held = inspection(area)
    finding = Finding.objects.create(inspection=held, description="晾衣架锈蚀，存在安全隐患")
    case = new_case(
        area, due_at=due_at, channel=Channel.INSPECTION, description="整改：晾衣架锈蚀存在安全隐患"
    )
    return Rectification.objects.create(
        finding=finding,
        case=case,
        number=f"ZG-{next(_numbers):04d}",
        requirement="更换锈蚀晾衣架",
        deadline=timezone.localdate(due_at),
    )


def voucher(area: Area, status: str = "submitted") -> Voucher:
    return Voucher.objects.create(
        area=area,
        number=f"PZ-{next(_numbers):04d}",
        spent_on=TODAY,
        amount="1200.00",
        payee="芙蓉五金店",
        purpose="更换晾衣架",
        status=status,
    )


def term(area: Area, *, ends_on: datetime.date, election_on: datetime.date | None = None) -> CommitteeTerm:
    made = CommitteeTerm.objects.create(
        area=area,
        number=CommitteeTerm.objects.filter(area=area).count() + 1,
        starts_on=ends_on.replace(year=ends_on.year - 5),
        ends_on=ends_on,
    )
    if election_on is not None:
        Election.objects.create(term=made, held_on=election_on, seats=5, status=Election.Status.PUBLISHED)
    return made


def flagged_subject(area: Area, year: int = TODAY.year) -> EvaluationSubject:
    evaluation = Evaluation.objects.create(area=area, year=year, title="年度履职评价")
    return EvaluationSubject.objects.create(evaluation=evaluation, label="监委会", flagged=True)


def disclosure(world: World, area: Area | None = None, **extra: Any) -> Disclosure:
    payload = extra.pop(
        "payload",
        {"community": "阳光社区", "candidates": [{"name": "张*丰", "votes": 41, "elected": True}]},
    )
    return ledger.do_create_disclosure(
        world.alice,
        area or world.sunshine,
        extra.pop("kind", "election_result"),
        extra.pop("title", "第3届监委会选举结果"),
        payload,
        **extra,
    )


def published(world: World, *, signer: Any = None, publisher: Any = None, **extra: Any) -> Disclosure:
    """A disclosure drafted, signed by the committee (bob) and published by staff (alice) by default."""
    made = disclosure(world, **extra)
    ledger.do_sign_disclosure(signer or world.bob, made)
    return ledger.do_publish_disclosure(publisher or world.alice, made)


# --- community_figures ------------------------------------------------------------------------------------


def test_figures_count_each_community_apart(world: World) -> None:
    inspection(world.sunshine)
    inspection(world.sunshine)
    inspection(world.peace)
    inspection(world.sunshine, held_on=datetime.date(2024, 12, 1))  # before the period
    inspection(world.sunshine, status="planned", held_on=None)  # not held
    rectification(world.sunshine, due_at=PAST)
    rectification(world.sunshine, due_at=FUTURE)
    rectification(world.peace, due_at=FUTURE)
    new_case(world.grid, due_at=PAST, reporter_phone="13900000001")  # a grid's case counts for 阳光社区
    new_case(world.peace, due_at=FUTURE, reporter_phone="13900000002")
    voucher(world.sunshine)
    voucher(world.peace)
    voucher(world.peace, status="reviewed")
    term(world.sunshine, ends_on=TODAY + datetime.timedelta(days=30), election_on=datetime.date(2021, 5, 1))
    term(world.peace, ends_on=TODAY + datetime.timedelta(days=400))
    flagged_subject(world.peace)
    flagged_subject(world.peace, year=2023)  # another year

    rows = {
        row.community.name: row
        for row in oversight.community_figures(world.dave, oversight.Period.year_of(TODAY), now=NOW)
    }

    assert set(rows) == {"阳光社区", "和平社区"}  # dave's street only
    sunshine, peace = rows["阳光社区"], rows["和平社区"]
    # The two rectification inspections count as held too.
    assert (sunshine.inspections_held, peace.inspections_held) == (4, 2)
    assert (sunshine.rectifications_open, sunshine.rectifications_overdue) == (2, 1)
    assert (peace.rectifications_open, peace.rectifications_overdue) == (1, 0)
    # The overdue rectification's case is an overdue case as well.
    assert (sunshine.overdue_cases, peace.overdue_cases) == (2, 0)
    assert (sunshine.vouchers_to_review, peace.vouchers_to_review) == (1, 1)
    assert sunshine.last_election == datetime.date(2021, 5, 1) and peace.last_election is None
    assert sunshine.term_due and not peace.term_due
    assert (sunshine.evaluations_flagged, peace.evaluations_flagged) == (0, 1)


def test_a_term_that_has_ended_is_due_and_no_term_is_not_flagged(world: World) -> None:
    term(world.sunshine, ends_on=TODAY - datetime.timedelta(days=1))
    rows = {
        row.community.name: row
        for row in oversight.community_figures(world.erin, oversight.Period.year_of(TODAY), now=NOW)
    }
    assert rows["阳光社区"].term_due
    assert rows["明月村"].term_ends_on is None and not rows["明月村"].term_due


def test_nobody_without_oversee_gets_rows(world: World) -> None:
    period = oversight.Period.year_of(TODAY)
    for user in (world.alice, world.bob, world.mallory):
        assert oversight.community_figures(user, period) == []


def _queries(user: Any) -> int:
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        rows = oversight.community_figures(fresh, oversight.Period.year_of(TODAY), now=NOW)
    assert rows
    return len(captured)


def test_query_count_does_not_grow_with_communities(world: World) -> None:
    for area in (world.sunshine, world.peace):
        inspection(area)
        rectification(area, due_at=PAST)
        voucher(area)
        term(area, ends_on=TODAY, election_on=TODAY)
        flagged_subject(area)
    two = _queries(world.dave)
    for name in ("春风社区", "秋月社区"):
        extra = registry.do_create_area(None, parent=world.street, kind="community", name=name)
        inspection(extra)
        rectification(extra, due_at=PAST)
        voucher(extra)
        term(extra, ends_on=TODAY, election_on=TODAY)
        flagged_subject(extra)
    four = _queries(world.dave)
    assert len(oversight.community_figures(world.dave, oversight.Period.year_of(TODAY))) == 4
    assert two == four == 8


# --- workspace_figures ------------------------------------------------------------------------------------


def test_workspace_figures_of_one_community(world: World) -> None:
    new_case(world.grid, due_at=PAST, reporter_phone="13900000001")
    new_case(world.sunshine, confidential=True, reporter_name="王大妈", reporter_phone="13900000002")
    new_case(world.peace, reporter_phone="13900000003")
    inspection(world.sunshine, status="planned", held_on=None)
    inspection(world.sunshine, status="planned", held_on=None, kind=Inspection.Kind.UNANNOUNCED)
    inspection(world.sunshine, status="in_progress")
    rectification(world.sunshine, due_at=PAST)
    voucher(world.sunshine)
    voucher(world.peace)
    disclosure(world)
    ledger.do_add_opinion(world.bob, world.sunshine, world.person, "请核实该户家庭收入")

    figures = oversight.workspace_figures(world.sunshine, see_unannounced=True, now=NOW)
    assert (figures.open_cases, figures.confidential_cases, figures.overdue_cases) == (3, 1, 2)
    assert (figures.inspections_planned, figures.inspections_in_progress) == (2, 1)
    assert (figures.rectifications_open, figures.rectifications_overdue) == (1, 1)
    assert (figures.vouchers_to_review, figures.disclosures_to_sign) == (1, 1)
    assert [o.body for o in figures.opinions] == ["请核实该户家庭收入"]
    assert [a.kind for a in figures.activities] == ["opinion"]
    # Staff never learn of a surprise visit before it happens.
    staff = oversight.workspace_figures(world.sunshine, see_unannounced=False, now=NOW)
    assert staff.inspections_planned == 1


# --- communities and targets ------------------------------------------------------------------------------


def test_access_community_refuses_outsiders_and_non_communities(world: World) -> None:
    assert oversight.access_community(world.bob, world.sunshine.pk) == world.sunshine
    for pk in (world.peace.pk, world.grid.pk, world.street.pk, "abc", 999999):
        with pytest.raises(Http404):
            oversight.access_community(world.bob, pk)
    assert oversight.access_community(world.dave, world.peace.pk) == world.peace


def test_access_target_follows_the_record_to_its_area(world: World) -> None:
    notice = rectification(world.sunshine, due_at=FUTURE)
    assert oversight.access_target(world.bob, "rectification", notice.pk) == notice
    assert oversight.access_target(world.bob, "finding", notice.finding_id).pk == notice.finding_id
    assert oversight.access_target(world.bob, "person", world.person.pk) == world.person
    for target_type, pk in (
        ("person", world.other_person.pk),  # another community
        ("auditentry", 1),  # not an allowed type
        ("case", 999999),
        ("case", "x"),
    ):
        with pytest.raises(Http404):
            oversight.access_target(world.bob, target_type, pk)
    with pytest.raises(Http404):
        oversight.access_target(world.carol, "rectification", notice.pk)


def test_staff_cannot_reach_an_unannounced_inspection_before_it_is_held(world: World) -> None:
    surprise = inspection(world.sunshine, status="planned", held_on=None, kind=Inspection.Kind.UNANNOUNCED)
    assert oversight.access_target(world.bob, "inspection", surprise.pk) == surprise
    assert oversight.access_target(world.dave, "inspection", surprise.pk) == surprise
    with pytest.raises(Http404):
        oversight.access_target(world.alice, "inspection", surprise.pk)


def test_opinion_on_a_person_names_them_masked(world: World) -> None:
    opinion = ledger.do_add_opinion(world.bob, world.sunshine, world.person, "低保资格存疑")
    assert opinion.target_repr == "张*丰"
    line = opinion.area.committee_activities.get()
    assert "张三丰" not in line.title and "张*丰" in line.title


# --- payload ----------------------------------------------------------------------------------------------


def test_payload_blocks_lay_out_tables_lists_and_pairs() -> None:
    blocks = oversight.payload_blocks(
        {
            "community": "阳光社区",
            "candidates": [{"name": "张*丰", "votes": 41, "elected": True}, {"name": "李*", "votes": 9}],
            "period": ["2025-01-01", "2025-03-31"],
            "totals": {"count": 2, "amount": "300.00"},
            "subjects": [{"label": "监委会", "grade": "fit", "grade_label": "称职"}],
            "自定义": None,
        }
    )
    by_label = {block.label: block for block in blocks}
    assert by_label["社区/村"].text == "阳光社区"
    table = by_label["候选人"]
    assert table.columns == ["姓名", "得票", "当选"]
    assert table.rows == [["张*丰", "41", "是"], ["李*", "9", "—"]]
    assert by_label["期间"].items == ["2025-01-01", "2025-03-31"]
    assert by_label["合计"].pairs == [("笔数", "2"), ("金额（元）", "300.00")]
    # A code with a readable twin is shown once, by its text.
    assert by_label["评议对象"].columns == ["评议对象", "评价结果"]
    assert by_label["评议对象"].rows == [["监委会", "称职"]]
    assert by_label["自定义"].text == "—"
    assert oversight.payload_blocks({}) == []
    assert oversight.payload_blocks("说明")[0].text == "说明"


def test_outsider_user_without_role_reaches_no_community(world: World) -> None:
    stranger = make_user("stranger", "陌生人", Role.RESIDENT, world.sunshine)
    assert list(oversight.communities_in_reach(stranger)) == []
