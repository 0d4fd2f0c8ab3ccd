"""The case spine: intake, routing, lifecycle, evidence, rating, merging, SLA clocks and escalation."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from yangguang.core.actions import cases, notify
from yangguang.core.actions.escalation import run_sla_checks
from yangguang.core.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseReporter,
    CaseStatus,
    Channel,
    HandlingUnit,
    Notification,
    RoutingRule,
)

SH = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def new_case(world: Any, **extra: Any) -> Case:
    data = cases.CaseInput(
        area=extra.pop("area", world.grid),
        category=extra.pop("category", CaseCategory.objects.get(code="sanitation")),
        description=extra.pop("description", "3栋楼下垃圾桶满了三天没人清运，气味很大"),
        channel=extra.pop("channel", Channel.PORTAL),
        reporter_name=extra.pop("reporter_name", "王大妈"),
        reporter_phone=extra.pop("reporter_phone", "13812345678"),
        **extra,
    )
    return cases.check_create_case(None, data)


def test_intake_gives_number_tracking_code_and_event(world):
    case = new_case(world, building=world.building)
    assert case.number.startswith("YG") and len(case.tracking_code) == 10
    assert case.status == CaseStatus.RECEIVED
    assert case.compound_id == world.compound.pk
    assert case.reporter_phone_masked == "138****5678"
    assert "13812345678" not in case.reporter_phone_enc
    assert list(case.events.values_list("kind", flat=True)) == ["received"]
    assert CaseReporter.objects.filter(case=case).count() == 1


def test_empty_description_is_refused_and_nothing_saved(world):
    with pytest.raises(ValidationError) as info:
        new_case(world, description="   ")
    assert "描述" in str(info.value)
    assert Case.objects.count() == 0


def test_building_outside_the_area_is_refused(world):
    with pytest.raises(ValidationError, match="不在该社区范围内"):
        new_case(world, area=world.peace, building=world.building)


def test_bad_phone_is_refused(world):
    with pytest.raises(ValidationError, match="11位手机号码"):
        new_case(world, reporter_phone="12345")


def test_non_image_upload_is_refused(world):
    fake = SimpleUploadedFile("病毒.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(ValidationError, match="不是图片"):
        new_case(world, photos=[fake])
    assert Case.objects.count() == 0


def test_oversized_upload_is_refused(world):
    big = SimpleUploadedFile("大图.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError, match="10MB"):
        new_case(world, photos=[big])


def test_replayed_submission_returns_the_first_case(world):
    first = new_case(world, idempotency_key="abc-123")
    again = new_case(world, idempotency_key="abc-123", description="完全不同的内容也不会再建一件")
    assert again.pk == first.pk
    assert Case.objects.count() == 1


def test_flood_from_one_ip_is_refused(world, settings):
    settings.CASE_LIMIT_PER_IP_HOUR = 2
    for n in range(2):
        new_case(world, ip="10.0.0.9", reporter_phone=f"1381234567{n}")
    with pytest.raises(ValidationError, match="频繁"):
        new_case(world, ip="10.0.0.9", reporter_phone="13812345679")
    # Staff entry on a caller's behalf is not throttled.
    new_case(world, ip="10.0.0.9", channel=Channel.HOTLINE, reporter_phone="13812345679")


def test_flood_from_one_phone_is_refused(world, settings):
    settings.CASE_LIMIT_PER_PHONE_DAY = 1
    new_case(world)
    with pytest.raises(ValidationError, match="上限"):
        new_case(world)


def test_routing_rule_dispatches_automatically_and_notifies(world):
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    unit.members.add(world.alice)
    RoutingRule.objects.create(
        category=CaseCategory.objects.get(code="sanitation"), area=world.sunshine, unit=unit
    )
    case = new_case(world)
    assert case.status == CaseStatus.DISPATCHED
    assert case.unit == unit
    assert case.sign_due_at is not None
    assert Notification.objects.filter(user=world.alice, channel="inbox").exists()


def dispatched(world: Any) -> Case:
    case = new_case(world)
    return cases.do_transition(world.alice, case, "dispatch", handler=world.grace)


def test_full_lifecycle_to_satisfied(world, django_capture_on_commit_callbacks):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    assert case.due_at is not None
    cases.do_transition(world.grace, case, "start")
    cases.do_transition(world.grace, case, "reply", note="已联系环卫清运", evidence=[photo()])
    with pytest.raises(ValidationError, match="不能执行"):
        cases.do_transition(world.grace, case, "sign")  # already past signing
    with django_capture_on_commit_callbacks(execute=True):
        cases.do_transition(world.alice, case, "close", note="已清运完毕")
    cases.do_rate(None, case, 5, "很快就处理了")
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED
    assert case.satisfaction == 5
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["received", "dispatch", "sign", "start", "reply", "close", "rate_satisfied"]
    sms = Notification.objects.filter(case=case, channel="sms")
    assert sms.exists() and all(n.sent_at for n in sms)  # delivered by the immediate task backend


def test_close_needs_evidence(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note="已处理")
    with pytest.raises(ValidationError, match="佐证"):
        cases.do_transition(world.alice, case, "close")
    cases.do_transition(world.alice, case, "close", evidence=[photo()])
    assert case.status == CaseStatus.CLOSED


def test_unsatisfied_reopens_to_same_handler_and_counts_a_redo(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note="已处理", evidence=[photo()])
    cases.do_transition(world.alice, case, "close")
    cases.do_rate(None, case, 1, "根本没清")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.handler == world.grace
    assert case.redo_count == 1
    assert case.closed_at is None


def test_step_from_wrong_state_is_refused(world):
    case = new_case(world)
    with pytest.raises(ValidationError, match="不能执行"):
        cases.do_transition(world.alice, case, "close")


def test_stale_object_cannot_apply_a_step_twice(world):
    case = dispatched(world)
    stale = Case.objects.get(pk=case.pk)
    cases.do_transition(world.grace, case, "sign")
    with pytest.raises(ValidationError, match="刷新"):
        cases.do_transition(world.grace, stale, "sign")
    assert CaseEvent.objects.filter(case=case, kind="sign").count() == 1


def test_return_needs_reason_and_clears_handler(world):
    case = dispatched(world)
    with pytest.raises(ValidationError, match="退回原因"):
        cases.do_transition(world.grace, case, "return")
    cases.do_transition(world.grace, case, "return", note="不属于网格职责，应由物业处理")
    assert case.status == CaseStatus.RETURNED and case.handler is None and case.return_count == 1
    cases.do_transition(world.alice, case, "dispatch", handler=world.alice)
    assert case.status == CaseStatus.DISPATCHED


def test_merge_moves_reporters_so_all_hear_the_outcome(world, django_capture_on_commit_callbacks):
    main = new_case(world, reporter_phone="13900000001")
    dup = new_case(world, reporter_phone="13900000002", description="楼下垃圾三天没收了很臭")
    cases.do_transition(world.alice, dup, "merge", target=main, note="同一问题")
    assert dup.status == CaseStatus.MERGED and dup.merged_into == main
    assert set(main.reporters.values_list("phone_masked", flat=True)) == {"139****0001", "139****0002"}
    cases.do_transition(world.alice, main, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, main, "sign")
    with django_capture_on_commit_callbacks(execute=True):
        cases.do_transition(world.grace, main, "reply", note="已清运", evidence=[photo()])
    assert set(
        Notification.objects.filter(case=main, channel="sms").values_list("address_masked", flat=True)
    ) == {
        "139****0001",
        "139****0002",
    }


def test_cannot_merge_into_itself_or_a_closed_case(world):
    case = new_case(world)
    with pytest.raises(ValidationError):
        cases.do_transition(world.alice, case, "merge", target=case)


def test_only_handler_signs(world):
    case = dispatched(world)
    with pytest.raises(PermissionDenied):
        cases.check_transition_permission(world.bob, case, "sign")
    cases.check_transition_permission(world.grace, case, "sign")
    with pytest.raises(PermissionDenied):
        cases.check_transition_permission(world.carol, case, "dispatch")


def test_deadline_counts_working_days_over_national_day(world, monkeypatch):
    case = dispatched(world)
    # Signed on Monday 2024-09-30 10:00: 1–7 October are holidays, Saturday 12 October is a make-up workday.
    signed = datetime.datetime(2024, 9, 30, 10, 0, tzinfo=SH)
    monkeypatch.setattr(cases.timezone, "now", lambda: signed)
    cases.do_transition(world.grace, case, "sign")
    # A help request has 10 working days, counted after the (partial) signing day: 8–12 October
    # (Saturday the 12th is a make-up workday), then 14–18 October. The deadline is 17:30 on the 18th.
    assert case.due_at is not None
    assert case.due_at.astimezone(SH) == datetime.datetime(2024, 10, 18, 17, 30, tzinfo=SH)


def test_pause_extends_the_deadline(world, monkeypatch):
    case = dispatched(world)
    t0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=SH)  # a Monday
    monkeypatch.setattr(cases.timezone, "now", lambda: t0)
    cases.do_transition(world.grace, case, "sign")
    due = case.due_at
    monkeypatch.setattr(cases.timezone, "now", lambda: t0 + datetime.timedelta(hours=1))
    cases.do_transition(world.grace, case, "wait", note="请提供照片")
    monkeypatch.setattr(cases.timezone, "now", lambda: t0 + datetime.timedelta(days=1, hours=1))
    cases.do_transition(world.grace, case, "resume")
    assert case.due_at is not None and due is not None
    assert case.due_at > due


def test_escalation_is_safe_to_run_twice(world):
    case = dispatched(world)
    signed = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=SH)
    cases.do_transition(world.grace, case, "sign")
    Case.objects.filter(pk=case.pk).update(due_at=signed)
    later = datetime.datetime(2025, 3, 5, 10, 0, tzinfo=SH)  # two working days after the deadline
    assert run_sla_checks(later).escalated == 1
    assert run_sla_checks(later).escalated == 0
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    # The street discipline secretary (dave) and the district admin (erin) are told.
    assert Notification.objects.filter(user=world.dave, subject__startswith="督办").count() == 1


def test_not_escalated_on_the_deadline_day(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    deadline = datetime.datetime(2025, 3, 3, 17, 30, tzinfo=SH)
    Case.objects.filter(pk=case.pk).update(due_at=deadline)
    assert run_sla_checks(deadline + datetime.timedelta(hours=1)).escalated == 0


def test_escalated_at_the_opening_of_the_next_working_day(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    friday_deadline = datetime.datetime(2025, 3, 7, 17, 30, tzinfo=SH)
    Case.objects.filter(pk=case.pk).update(due_at=friday_deadline)
    assert run_sla_checks(datetime.datetime(2025, 3, 8, 12, 0, tzinfo=SH)).escalated == 0  # Saturday
    assert run_sla_checks(datetime.datetime(2025, 3, 10, 9, 5, tzinfo=SH)).escalated == 1  # Monday


def test_reminder_before_deadline_once(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    now = datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SH)
    Case.objects.filter(pk=case.pk).update(due_at=now + datetime.timedelta(hours=3))
    assert run_sla_checks(now).reminded == 1
    assert run_sla_checks(now).reminded == 0


def test_failed_delivery_is_retried(world, monkeypatch):
    case = new_case(world)
    reporter = case.reporters.get()
    [n] = notify.to_reporter(reporter, "测试", "内容", case)

    def boom(self: Any, phone: str, text: str) -> None:
        raise ConnectionError("网关不可用")

    monkeypatch.setattr(notify.ConsoleSmsBackend, "send", boom)
    assert notify.deliver_due() == (0, 1)
    n.refresh_from_db()
    assert n.attempts == 1 and "网关" in n.last_error and n.sent_at is None
    monkeypatch.undo()
    assert notify.deliver_due(n.next_attempt_at) == (1, 0)


SEED_COMPLAINTS = [
    "每天早上五点多就有人在院子里摆摊卖菜，吵得老人睡不好",
    "燃气管道改到室外后没人管，存在安全隐患",
    "因为欠费整栋楼被停水，家里老人孩子没水用",
    "小区停车位被外来车辆长期占用",
    "楼道里的声控灯坏了很久",
]


def test_duplicates_found_for_the_seed_examples(world):
    existing = [
        new_case(world, description=text, reporter_phone=f"1370000000{i}")
        for i, text in enumerate(SEED_COMPLAINTS)
    ]
    fresh = new_case(
        world, description="院坝里清早有菜贩摆摊，噪音很大影响休息", reporter_phone="13600000000"
    )
    found = cases.find_duplicates(fresh)
    assert found and found[0][0] == existing[0]
    gas = new_case(world, description="天然气管子移到外墙了，担心漏气没人管", reporter_phone="13600000001")
    assert cases.find_duplicates(gas)[0][0] == existing[1]
    water = new_case(world, description="拖欠水费导致整栋楼停水三天", reporter_phone="13600000002")
    assert cases.find_duplicates(water)[0][0] == existing[2]


def test_duplicates_stay_inside_the_community(world):
    new_case(world, description=SEED_COMPLAINTS[0])
    other = new_case(world, area=world.peace, description=SEED_COMPLAINTS[0], reporter_phone="13600000003")
    assert cases.find_duplicates(other) == []


def test_metrics_count_each_indicator(world):
    done = dispatched(world)
    cases.do_transition(world.grace, done, "sign")
    cases.do_transition(world.grace, done, "reply", note="已处理", evidence=[photo()])
    cases.do_transition(world.alice, done, "close")
    cases.do_rate(None, done, 4)
    redo = dispatched(world)
    cases.do_transition(world.grace, redo, "sign")
    cases.do_transition(world.grace, redo, "reply", note="已处理", evidence=[photo()])
    cases.do_transition(world.alice, redo, "close")
    cases.do_rate(None, redo, 2)
    new_case(world, reporter_phone="13700000009")
    m = Case.objects.metrics()
    assert m["total"] == 3 and m["open"] == 2 and m["closed"] == 1
    assert m["response_rate"] == 1.0
    assert m["satisfaction_rate"] == 0.5
    assert m["resolution_rate"] == pytest.approx(1 / 3)
    assert m["redo_rate"] == 0.5


def test_metrics_of_nothing_are_unknown_not_zero(db):
    m = Case.objects.none().metrics()
    assert m["total"] == 0 and m["satisfaction_rate"] is None


def test_handler_without_area_role_sees_own_cases_only(world):
    from django.contrib.auth.models import User

    worker = User.objects.create_user("wuye", password="x" * 12)
    unit = HandlingUnit.objects.create(area=world.sunshine, name="物业服务中心", kind="property")
    unit.members.add(worker)
    mine = new_case(world)
    cases.do_transition(world.alice, mine, "dispatch", unit=unit)
    new_case(world, reporter_phone="13700000001")
    assert list(Case.objects.visible_to(worker)) == [mine]
    assert cases.access_case(worker, mine.pk) == mine


def test_outsider_cannot_access_case(world):
    from django.http import Http404

    case = new_case(world)
    with pytest.raises(Http404):
        cases.access_case(world.carol, case.pk)
    assert cases.access_case(world.dave, case.pk) == case


def test_confidential_reporter_only_for_intake_and_committee(world):
    case = new_case(world, confidential=True)
    assert cases.can_see_reporter(world.alice, case)
    assert cases.can_see_reporter(world.bob, case)
    assert not cases.can_see_reporter(world.grace, case)


def test_triage_recomputes_deadline_and_records_event(world):
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    before = case.due_at
    cases.do_triage(world.alice, case, kind="inquiry", ownership="private")
    assert case.due_at is not None and before is not None and case.due_at < before
    assert case.events.filter(kind="triage").exists()
    with pytest.raises(ValidationError):
        cases.do_triage(world.alice, case, title="改标题")


def test_handler_cannot_rate_their_own_case(world):
    case = dispatched(world)
    with pytest.raises(PermissionDenied):
        cases.check_transition_permission(world.grace, case, "rate_satisfied")
    cases.check_transition_permission(world.alice, case, "rate_satisfied")


def test_general_time_limit_rows_apply(world):
    from yangguang.core.actions import sla
    from yangguang.core.models import SlaPolicy

    SlaPolicy.objects.filter(kind="help", urgency="normal", category__isnull=True).update(workdays=3)
    limits = sla.limits_for("help", "normal", CaseCategory.objects.get(code="sanitation").pk, world.grid)
    assert limits.workdays == 3
