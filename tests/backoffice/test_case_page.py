"""The case page: who may open it, the confidential reporter, the phone reveal, deadlines in working days,
the step forms each persona is offered, every step through POST (wrong users 403/404, wrong states a
message), duplicates and merging, comments, triage, and access-checked photos.

The helpers at the top are shared by the other case view tests.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from yangguang.core.actions import cases
from yangguang.core.models import (
    AuditEntry,
    Case,
    CaseCategory,
    CaseStatus,
    Channel,
    HandlingUnit,
    Notification,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHONE = "13812345678"
CASE_PAGE_QUERIES = 12


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def new_case(world: World, **extra: Any) -> Case:
    """A case reported through the portal in 阳光社区 一网格 (grace's grid) unless told otherwise."""
    data = cases.CaseInput(
        area=extra.pop("area", world.grid),
        category=extra.pop("category", CaseCategory.objects.get(code="sanitation")),
        description=extra.pop("description", "3栋楼下垃圾桶满了三天没人清运，气味很大"),
        channel=extra.pop("channel", Channel.PORTAL),
        reporter_name=extra.pop("reporter_name", "王大妈"),
        reporter_phone=extra.pop("reporter_phone", PHONE),
        **extra,
    )
    return cases.check_create_case(None, data)


def dispatched(world: World, **extra: Any) -> Case:
    case = new_case(world, **extra)
    return cases.do_transition(world.alice, case, "dispatch", handler=world.grace)


def replied(world: World) -> Case:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    return cases.do_transition(world.grace, case, "reply", note="已清运", evidence=[photo()])


def detail_url(case: Case) -> str:
    return reverse("backoffice:case_detail", args=[case.pk])


def step_url(case: Case, step: str) -> str:
    return reverse("backoffice:case_step", args=[case.pk, step])


def html(client: Client, case: Case, **params: str) -> str:
    response = client.get(detail_url(case), params)
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may open the page ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(world: World) -> None:
    case = new_case(world)
    response = Client().get(detail_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_outsiders_get_404(world: World) -> None:
    case = new_case(world)
    assert logged_in(world.carol).get(detail_url(case)).status_code == 404
    assert logged_in(world.mallory).get(detail_url(case)).status_code == 404
    assert logged_in(world.alice).get(reverse("backoffice:case_detail", args=[999999])).status_code == 404


def test_street_secretary_and_district_admin_see_it(world: World) -> None:
    case = new_case(world)
    other = new_case(world, area=world.peace, reporter_phone="13900000001")
    dave = logged_in(world.dave)
    assert case.number in html(dave, case)
    assert other.number in html(dave, other)
    assert case.number in html(logged_in(world.erin), case)
    assert logged_in(world.alice).get(detail_url(other)).status_code == 404


def test_grid_worker_sees_her_grid_and_the_cases_she_handles(world: World) -> None:
    in_grid = new_case(world)
    community_level = new_case(world, area=world.sunshine, reporter_phone="13900000002")
    grace = logged_in(world.grace)
    assert grace.get(detail_url(in_grid)).status_code == 200
    assert grace.get(detail_url(community_level)).status_code == 404
    cases.do_transition(world.alice, community_level, "dispatch", handler=world.grace)
    assert grace.get(detail_url(community_level)).status_code == 200


def test_unit_member_without_a_role_sees_the_units_cases_only(world: World) -> None:
    worker = User.objects.create_user("wuye", password="correct horse battery", first_name="物业小李")
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    unit.members.add(worker)
    mine = new_case(world)
    cases.do_transition(world.alice, mine, "dispatch", unit=unit)
    other = new_case(world, reporter_phone="13900000003")
    client = logged_in(worker)
    assert client.get(detail_url(mine)).status_code == 200
    assert client.get(detail_url(other)).status_code == 404


# --- the reporter ------------------------------------------------------------------------------------


def test_reporter_phone_is_always_masked(world: World) -> None:
    case = new_case(world)
    page = html(logged_in(world.alice), case)
    assert "王大妈" in page
    assert "138****5678" in page
    assert PHONE not in page


def test_confidential_reporter_hidden_from_grid_worker_shown_to_staff_and_committee(world: World) -> None:
    case = new_case(world, confidential=True, reporter_name="赵保密")
    grace_page = html(logged_in(world.grace), case)
    assert "（保密）" in grace_page
    assert "赵保密" not in grace_page
    assert "138****5678" not in grace_page
    for user in (world.alice, world.bob):
        page = html(logged_in(user), case)
        assert "赵保密" in page
        assert "138****5678" in page
    # The street secretary supervises but is not the intake office.
    assert "赵保密" not in html(logged_in(world.dave), case)


def test_confidential_reporter_hidden_from_the_handler_too(world: World) -> None:
    case = dispatched(world, area=world.sunshine, confidential=True, reporter_name="赵保密")
    assert "赵保密" not in html(logged_in(world.grace), case)


def test_anonymous_reporter_shows_no_phone_and_no_reveal(world: World) -> None:
    case = new_case(world, anonymous=True)
    page = html(logged_in(world.alice), case)
    assert "匿名反映" in page
    assert "138****5678" not in page
    assert "查看完整联系电话" not in page
    response = logged_in(world.alice).post(
        reverse("backoffice:case_reveal", args=[case.pk]), {"field": "reporter_phone", "reason": "回访核实"}
    )
    assert response.status_code == 403


def test_staff_reveal_the_phone_with_a_reason_and_an_audit_entry(world: World) -> None:
    case = new_case(world)
    client = logged_in(world.alice)
    assert "查看完整联系电话" in html(client, case)
    url = reverse("backoffice:case_reveal", args=[case.pk])
    refused = client.post(url, {"field": "reporter_phone", "reason": ""})
    assert PHONE not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()
    response = client.post(url, {"field": "reporter_phone", "reason": "电话回访核实情况"})
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == world.alice and entry.reason == "电话回访核实情况"
    assert PHONE not in html(client, case)


def test_committee_and_grid_worker_may_not_reveal(world: World) -> None:
    case = new_case(world)
    url = reverse("backoffice:case_reveal", args=[case.pk])
    for user in (world.bob, world.grace):
        assert "查看完整联系电话" not in html(logged_in(user), case)
        response = logged_in(user).post(url, {"field": "reporter_phone", "reason": "想看看号码"})
        assert response.status_code == 403
    assert (
        logged_in(world.carol).post(url, {"field": "reporter_phone", "reason": "想看看"}).status_code == 404
    )


# --- header, deadlines and offered steps -------------------------------------------------------------


def test_header_shows_category_kind_urgency_ownership_and_place(world: World) -> None:
    case = new_case(world, building=world.building, location_text="3栋东侧垃圾站")
    page = html(logged_in(world.alice), case)
    for text in (
        case.number,
        "环境卫生",
        "求助",
        "一般",
        "小事（社区组织）",
        "阳光社区 › 一网格",
        "芙蓉苑 3栋",
        "3栋东侧垃圾站",
    ):
        assert text in page


def test_deadline_shows_working_days_left_or_overdue(world: World) -> None:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    page = html(logged_in(world.grace), case)
    assert "剩余" in page and "个工作日" in page
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - datetime.timedelta(days=20))
    page = html(logged_in(world.grace), case)
    assert "已超期" in page
    assert "超期" in page and "个工作日" in page


def test_waiting_case_shows_the_clock_paused(world: World) -> None:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "wait", note="请补充照片")
    assert "计时暂停" in html(logged_in(world.grace), case)


def test_intake_staff_are_offered_dispatch_reject_and_merge_on_a_new_case(world: World) -> None:
    case = new_case(world)
    page = html(logged_in(world.alice), case)
    for step in ("dispatch", "reject", "merge"):
        assert step_url(case, step) in page
    assert step_url(case, "sign") not in page
    assert reverse("backoffice:case_triage", args=[case.pk]) in page


def test_committee_is_offered_no_steps_and_no_triage(world: World) -> None:
    case = dispatched(world)
    page = html(logged_in(world.bob), case)
    assert "/step/" not in page
    assert reverse("backoffice:case_triage", args=[case.pk]) not in page
    assert reverse("backoffice:case_comment", args=[case.pk]) in page


def test_handler_is_offered_sign_and_return(world: World) -> None:
    case = dispatched(world)
    page = html(logged_in(world.grace), case)
    assert step_url(case, "sign") in page
    assert step_url(case, "return") in page
    assert step_url(case, "reply") not in page


# --- steps through POST ------------------------------------------------------------------------------


def test_dispatch_moves_the_case_and_tells_the_handler(world: World) -> None:
    case = new_case(world)
    response = logged_in(world.alice).post(
        step_url(case, "dispatch"), {"dispatch-handler": world.grace.pk, "dispatch-note": "请尽快处理"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.handler == world.grace
    assert Notification.objects.filter(user=world.grace, case=case, channel="inbox").exists()


def test_dispatch_to_a_unit(world: World) -> None:
    unit = HandlingUnit.objects.create(area=world.sunshine, name="芙蓉物业", kind="property")
    case = new_case(world)
    logged_in(world.alice).post(step_url(case, "dispatch"), {"dispatch-unit": unit.pk})
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.unit == unit


def test_dispatch_needs_a_handler_or_unit_from_the_community(world: World) -> None:
    case = new_case(world)
    client = logged_in(world.alice)
    response = client.post(step_url(case, "dispatch"), {"dispatch-note": "派给谁？"})
    assert response.status_code == 200
    assert "请选择承办人或承办单位" in response.content.decode()
    # carol works in 和平社区: not a candidate for a 阳光社区 case.
    response = client.post(step_url(case, "dispatch"), {"dispatch-handler": world.carol.pk})
    assert "所选人员不在可选范围内" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_wrong_users_are_refused(world: World) -> None:
    case = dispatched(world)
    assert logged_in(world.bob).post(step_url(case, "sign")).status_code == 403
    assert logged_in(world.dave).post(step_url(case, "sign")).status_code == 403
    assert logged_in(world.carol).post(step_url(case, "sign")).status_code == 404
    assert logged_in(world.mallory).post(step_url(case, "sign")).status_code == 404
    assert (
        logged_in(world.bob).post(step_url(case, "reject"), {"reject-note": "不归我们管"}).status_code == 403
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED


def test_unknown_step_is_404_and_get_is_not_allowed(world: World) -> None:
    case = new_case(world)
    client = logged_in(world.alice)
    assert client.post(step_url(case, "explode")).status_code == 404
    assert client.get(step_url(case, "dispatch")).status_code == 405


def test_step_in_the_wrong_state_shows_a_message(world: World) -> None:
    case = new_case(world)
    response = logged_in(world.alice).post(step_url(case, "close"), follow=True)
    assert response.status_code == 200
    assert any("不能执行该操作" in m for m in messages_of(response))
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_return_needs_a_reason_shown_beside_the_field(world: World) -> None:
    case = dispatched(world)
    response = logged_in(world.grace).post(step_url(case, "return"), {"return-note": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写退回原因。" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    logged_in(world.grace).post(step_url(case, "return"), {"return-note": "不属于网格职责，应由物业处理"})
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and case.handler is None


def test_handler_signs_starts_waits_resumes_and_replies_with_a_photo(world: World) -> None:
    case = dispatched(world)
    grace = logged_in(world.grace)
    grace.post(step_url(case, "sign"))
    grace.post(step_url(case, "start"))
    grace.post(step_url(case, "wait"), {"wait-note": "请居民补充具体位置"})
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING
    grace.post(step_url(case, "resume"))
    response = grace.post(
        step_url(case, "reply"), {"reply-note": "已联系环卫清运", "reply-evidence": [photo()]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    reply = case.events.get(kind="reply")
    assert reply.attachments.count() == 1 and reply.public


def test_reply_rejects_a_file_that_is_not_an_image(world: World) -> None:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    fake = SimpleUploadedFile("报告.png", b"MZ not an image", content_type="image/png")
    response = logged_in(world.grace).post(
        step_url(case, "reply"), {"reply-note": "已处理", "reply-evidence": [fake]}
    )
    assert response.status_code == 200
    assert "不是图片文件" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED


def test_close_needs_evidence_then_call_back_rating(world: World) -> None:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note="已处理")
    alice = logged_in(world.alice)
    response = alice.post(step_url(case, "close"), {"close-note": "已办结"})
    assert "佐证" in response.content.decode()
    alice.post(step_url(case, "close"), {"close-note": "已办结", "close-evidence": [photo()]})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert step_url(case, "rate") in html(alice, case)
    assert logged_in(world.bob).post(step_url(case, "rate"), {"rate-score": "5"}).status_code == 403
    alice.post(step_url(case, "rate"), {"rate-score": "4", "rate-note": "居民表示满意"})
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED and case.satisfaction == 4
    assert "电话回访" in case.events.get(kind="rate_satisfied").note


def test_unsatisfied_call_back_reopens_to_the_same_handler(world: World) -> None:
    case = replied(world)
    cases.do_transition(world.alice, case, "close")
    logged_in(world.alice).post(step_url(case, "rate"), {"rate-score": "1", "rate-note": "根本没清"})
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.handler == world.grace and case.redo_count == 1


def test_rating_needs_a_score(world: World) -> None:
    case = replied(world)
    cases.do_transition(world.alice, case, "close")
    response = logged_in(world.alice).post(step_url(case, "rate"), {"rate-score": "9"})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_reject_needs_a_reason(world: World) -> None:
    case = new_case(world)
    logged_in(world.alice).post(
        step_url(case, "reject"), {"reject-note": "属于民事纠纷，建议通过法律途径解决"}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED


# --- duplicates and merging --------------------------------------------------------------------------


def test_duplicate_candidates_are_listed_and_merge_moves_the_reporters(world: World) -> None:
    first = new_case(world, description="每天早上五点多就有人在院子里摆摊卖菜，吵得老人睡不好")
    second = new_case(
        world, description="院坝里清早有菜贩摆摊，噪音很大影响休息", reporter_phone="13600000000"
    )
    client = logged_in(world.alice)
    page = html(client, second, duplicates="1")
    assert "疑似重复的诉求" in page and first.number in page
    assert f"合并到 {first.number}" in page
    response = client.post(
        step_url(second, "merge"), {"merge-target": first.number, "merge-note": "同一问题"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == CaseStatus.MERGED and second.merged_into == first
    assert first.reporters.count() == 2
    assert "另有 1 位居民反映了同一问题" in html(client, first)


def test_merge_target_must_be_a_visible_case(world: World) -> None:
    case = new_case(world)
    elsewhere = new_case(world, area=world.peace, reporter_phone="13900000004")
    client = logged_in(world.alice)
    for number in ("YG0000", elsewhere.number):
        response = client.post(step_url(case, "merge"), {"merge-target": number})
        assert "没有找到编号" in response.content.decode()
    response = client.post(step_url(case, "merge"), {"merge-target": case.number})
    assert "请选择要合并到的诉求" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_duplicates_invisible_to_the_user_are_not_listed(world: World) -> None:
    text = "楼道里的声控灯坏了很久，晚上上下楼很危险"
    hidden = new_case(world, area=world.sunshine, description=text)
    mine = new_case(world, description=text, reporter_phone="13900000005")
    assert hidden.number not in html(logged_in(world.grace), mine, duplicates="1")
    assert hidden.number in html(logged_in(world.alice), mine, duplicates="1")


def test_duplicates_are_looked_for_only_when_asked(world: World) -> None:
    text = "楼道里的声控灯坏了很久，晚上上下楼很危险"
    other = new_case(world, description=text)
    case = new_case(world, description=text, reporter_phone="13900000005")
    client = logged_in(world.alice)
    page = html(client, case)
    assert "疑似重复的诉求" in page and other.number not in page
    assert f'href="{detail_url(case)}?duplicates=1#duplicates"' in page  # works without JavaScript
    assert f'hx-get="{detail_url(case)}?duplicates=1"' in page
    # htmx asks for the suggestions alone and swaps them into the page.
    response = client.get(detail_url(case), {"duplicates": "1"}, headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert other.number in fragment and "<html" not in fragment
    assert "合并到" in fragment and "csrfmiddlewaretoken" in fragment


def test_no_duplicates_found_says_so_and_closed_cases_offer_none(world: World) -> None:
    case = new_case(world)
    assert "没有内容相近、尚未办结的诉求" in html(logged_in(world.alice), case, duplicates="1")
    done = replied(world)
    cases.do_transition(world.alice, done, "close")
    assert "疑似重复的诉求" not in html(logged_in(world.alice), done)


def test_case_page_query_count_is_pinned(world: World, django_assert_num_queries: Any) -> None:
    """Whatever the timeline holds: the session and user, roles, the user's units and areas, the case, the
    grid's community (for the place), the events, their photos, the holiday calendar, the co-reporters,
    the triage form's categories and the supervision committee's opinions on the case. No duplicate
    search."""
    case = dispatched(world)
    client = logged_in(world.alice)
    html(client, case)  # warm the session
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        html(client, case)
    cases.do_comment(world.alice, case, "已电话联系", public=False)
    cases.do_transition(world.grace, case, "sign")
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        html(client, case)


# --- comments, triage, timeline, photos --------------------------------------------------------------


def test_internal_and_public_comments(world: World) -> None:
    case = dispatched(world)
    url = reverse("backoffice:case_comment", args=[case.pk])
    logged_in(world.bob).post(url, {"comment-note": "请注意回访老人", "comment-public": "on"})
    logged_in(world.grace).post(url, {"comment-note": "已到现场查看", "comment-public": "on"})
    bob_note = case.events.get(kind="comment", actor=world.bob)
    grace_note = case.events.get(kind="comment", actor=world.grace)
    assert not bob_note.public  # the committee's opinions stay internal
    assert grace_note.public
    page = html(logged_in(world.alice), case)
    assert "请注意回访老人" in page and "已到现场查看" in page
    empty = logged_in(world.grace).post(url, {"comment-note": "  "})
    assert empty.status_code == 200
    assert logged_in(world.carol).post(url, {"comment-note": "路过"}).status_code == 404


def test_triage_changes_kind_and_records_it(world: World) -> None:
    case = dispatched(world)
    cases.do_transition(world.grace, case, "sign")
    before = case.due_at
    url = reverse("backoffice:case_triage", args=[case.pk])
    data = {
        "triage-category": case.category_id,
        "triage-kind": "inquiry",
        "triage-urgency": "normal",
        "triage-ownership": "private",
    }
    assert logged_in(world.bob).post(url, data).status_code == 403
    assert logged_in(world.carol).post(url, data).status_code == 404
    response = logged_in(world.alice).post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.kind == "inquiry" and case.ownership == "private"
    assert case.due_at is not None and before is not None and case.due_at < before
    assert case.events.filter(kind="triage").exists()
    assert "分类调整" in html(logged_in(world.alice), case)


def test_timeline_shows_every_step_with_its_photos(world: World) -> None:
    case = new_case(world, photos=[photo("现场1.png")])
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    cases.do_comment(world.grace, case, "内部备注：需要物业配合")
    cases.do_transition(world.grace, case, "reply", note="已清运", evidence=[photo("结果.png")])
    page = html(logged_in(world.alice), case)
    for label in ("受理", "派单", "签收", "备注", "答复", "内部备注：需要物业配合", "已清运"):
        assert label in page
    for attachment in case.attachments.all():
        assert reverse("backoffice:case_attachment", args=[case.pk, attachment.pk]) in page
    assert "现场照片" in page


def test_photos_are_served_to_viewers_only(world: World) -> None:
    case = new_case(world, photos=[photo()])
    attachment = case.attachments.get()
    url = reverse("backoffice:case_attachment", args=[case.pk, attachment.pk])
    response = logged_in(world.grace).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert logged_in(world.carol).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    other = new_case(world, area=world.peace, reporter_phone="13900000006")
    assert (
        logged_in(world.grace)
        .get(reverse("backoffice:case_attachment", args=[other.pk, attachment.pk]))
        .status_code
        == 404
    )


def test_triage_keeps_a_deactivated_category_selectable_for_its_case(world: World) -> None:
    case = new_case(world)
    CaseCategory.objects.filter(pk=case.category_id).update(active=False)
    response = logged_in(world.alice).post(
        reverse("backoffice:case_triage", args=[case.pk]),
        {
            "triage-category": case.category_id,
            "triage-kind": case.kind,
            "triage-urgency": "urgent",
            "triage-ownership": case.ownership,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.urgency == "urgent"
