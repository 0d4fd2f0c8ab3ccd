"""Welfare pages: who may open them (outsiders 404, the committee reads but cannot act), the application
page with its eligibility explanation and step forms, member edits with Chinese errors, the roster and
enrolment page, program settings, the roster import, audited views and pinned query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World
from tests.core.test_welfare_applications import (
    GRAD_REASON,
    chinese_fixture,  # noqa: F401
    dibao,
    graduate_application,
    household_fixture,  # noqa: F401 - registers the fixture
    noticed,
    reviewed,
)
from yangguang.core import tabular
from yangguang.core.actions import welfare
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Enrollment,
    Program,
    ProgramStandard,
    Recheck,
)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def app_url(application: Application) -> str:
    return reverse("backoffice:welfare_application", args=[application.pk])


def enrolled(world: World, household: dict[str, Any]) -> Enrollment:
    application = reviewed(world, graduate_application(world, dibao(world), household))
    noticed(world, application)
    welfare.do_application_transition(world.alice, application, "confirm")
    return Enrollment.objects.get(application=application)


# --- access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["welfare_applications", "welfare_enrollments", "welfare_programs", "welfare_import"]
)
def test_users_without_welfare_roles_get_404(world: World, name: str) -> None:
    for user in (world.mallory, world.grace):
        assert logged_in(user).get(reverse(f"backoffice:{name}")).status_code == 404


def test_anonymous_users_go_to_login(world: World) -> None:
    response = Client().get(reverse("backoffice:welfare_applications"))
    assert response.status_code == 302


def test_outsider_gets_404_on_the_application_and_enrolment(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    carol = logged_in(world.carol)
    assert enrollment.application is not None
    assert carol.get(app_url(enrollment.application)).status_code == 404
    assert carol.get(reverse("backoffice:welfare_enrollment", args=[enrollment.pk])).status_code == 404
    url = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "exit"])
    assert carol.post(url, {"exit-reason": "越权退出测试", "exit-exited_on": "2024-01-01"}).status_code == 404
    step = reverse("backoffice:welfare_application_step", args=[enrollment.application.pk, "refuse"])
    assert carol.post(step, {"reason": "越权"}).status_code == 404


def test_committee_reads_but_cannot_act(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    bob = logged_in(world.bob)
    page = bob.get(app_url(application))
    assert page.status_code == 200
    html = page.content.decode()
    assert GRAD_REASON in html
    assert "办理操作" not in html
    step = reverse("backoffice:welfare_application_step", args=[application.pk, "accept"])
    assert bob.post(step, {}).status_code == 403
    member = application.members.first()
    assert member is not None
    edit = reverse("backoffice:welfare_member_edit", args=[application.pk, member.pk])
    assert bob.post(edit, {}).status_code == 403
    assert bob.get(reverse("backoffice:welfare_application_new")).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_street_and_district_read_the_roster(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    # The street's discipline secretary may not reveal personal data: the registry's mask; the district
    # administrator may: the full name.
    dave = logged_in(world.dave).get(reverse("backoffice:welfare_enrollments"))
    assert dave.status_code == 200
    assert "周*国" in dave.content.decode() and "周建国" not in dave.content.decode()
    erin = logged_in(world.erin).get(reverse("backoffice:welfare_enrollments"))
    assert erin.status_code == 200
    assert "周建国" in erin.content.decode()
    assert (
        logged_in(world.carol).get(reverse("backoffice:welfare_enrollments")).content.decode().count("周建国")
        == 0
    )
    assert enrollment.pk


# --- the application page ------------------------------------------------------------------------------


def test_application_page_explains_line_by_line_and_is_audited(
    world: World, household: dict[str, Any]
) -> None:
    application = graduate_application(world, dibao(world), household)
    before = AuditEntry.objects.filter(action="reveal", target_type="application").count()
    response = logged_in(world.alice).get(app_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert GRAD_REASON in html
    assert "民发〔2021〕57号" in html
    assert "data-counted-size>2<" in html
    assert 'data-verdict="eligible"' in html
    assert "700.00" in html
    assert "受理" in html  # the first step form is offered to staff
    assert AuditEntry.objects.filter(action="reveal", target_type="application").count() == before + 1


def test_staff_create_an_application_by_id_number(world: World, household: dict[str, Any]) -> None:
    program = dibao(world)
    alice = logged_in(world.alice)
    url = reverse("backoffice:welfare_application_new")
    assert alice.get(url).status_code == 200
    data = {
        "program": program.pk,
        "id_number": household["father"].unseal("id_number"),
        "applied_on": timezone.localdate().isoformat(),
        "reason": "因病致贫",
    }
    response = alice.post(url, data)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == app_url(application)
    again = alice.post(url, data)
    assert again.status_code == 400
    assert "不能重复申请" in again.content.decode()
    outsider = alice.post(url, {**data, "id_number": world.other_person.unseal("id_number")})
    assert "没有登记该身份证号码" in outsider.content.decode()


def test_member_edit_reports_bad_amounts_in_chinese(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    member = application.members.get(person=household["mother"])
    url = reverse("backoffice:welfare_member_edit", args=[application.pk, member.pk])
    key = f"member-{member.pk}"
    data = {
        f"{key}-relation": "spouse",
        f"{key}-circumstance": "spouse",
        f"{key}-monthly_income": "三百",
        f"{key}-deposits": "0",
        f"{key}-vehicle_value": "",
        f"{key}-properties": "0",
    }
    response = logged_in(world.alice).post(url, data)
    assert response.status_code == 400
    assert "月收入（元）“三百”不是有效的金额" in response.content.decode()
    data[f"{key}-monthly_income"] = "1,300"
    response = logged_in(world.alice).post(url, data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.eligibility["total_income"] == "1900.00"


def test_steps_through_the_page(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    alice = logged_in(world.alice)

    def post(step: str, data: dict[str, Any]) -> Any:
        return alice.post(reverse("backoffice:welfare_application_step", args=[application.pk, step]), data)

    today = timezone.localdate().isoformat()
    assert post("accept", {}).status_code == 302
    bad = post("authorise", {"authorisation_signed_on": "not a date"})
    assert bad.status_code == 400
    assert post("authorise", {"authorisation_signed_on": today}).status_code == 302
    assert post("survey", {"survey_on": today, "survey_notes": "入户走访核实"}).status_code == 302
    failing = post(
        "review", {"review_on": today, "review_expected": 9, "review_present": 5, "review_approve": 5}
    )
    assert failing.status_code == 302  # a rule about the meeting as a whole: a message, no field to fix
    page = alice.get(app_url(application)).content.decode()
    assert "到会人数不足" in page
    assert (
        post(
            "review", {"review_on": today, "review_expected": 9, "review_present": 6, "review_approve": 6}
        ).status_code
        == 302
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    assert post("confirm", {}).status_code == 302  # not in the allowed steps yet: message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    assert post("nonsense", {}).status_code == 404


def test_refusal_letter(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    url = reverse("backoffice:welfare_refusal_letter", args=[application.pk])
    assert logged_in(world.alice).get(url).status_code == 404
    welfare.do_application_transition(world.alice, application, "refuse", reason="家庭存款超过规定标准")
    response = logged_in(world.bob).get(url)
    assert response.status_code == 200
    letter = response.content.decode()
    assert "家庭存款超过规定标准" in letter
    assert (
        "data-print>打印</button>" in letter and "backoffice/print.js" in letter and "onclick" not in letter
    )
    assert logged_in(world.carol).get(url).status_code == 404


def test_kin_flagged_applications_are_on_their_own_tab(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    Application.objects.filter(pk=application.pk).update(
        kin_flag=True, kin_note="李*英是干部赵书记的兄弟姐妹"
    )
    alice = logged_in(world.alice)
    plain = alice.get(reverse("backoffice:welfare_applications")).content.decode()
    assert application.number not in plain
    kin = alice.get(reverse("backoffice:welfare_applications") + "?kin=1").content.decode()
    assert application.number in kin
    assert "近亲属备案申请（1）" in kin


def test_application_list_filters_and_bad_input(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    alice = logged_in(world.alice)
    url = reverse("backoffice:welfare_applications")
    assert application.number in alice.get(url + "?q=周建").content.decode()
    assert application.number not in alice.get(url + "?status=refused").content.decode()
    assert alice.get(url + "?status=bogus&program=abc&page=zz").status_code == 200


def test_application_list_query_count_is_pinned(
    world: World,
    household: dict[str, Any],
    django_assert_num_queries: Any,
) -> None:
    graduate_application(world, dibao(world), household)
    alice = logged_in(world.alice)
    url = reverse("backoffice:welfare_applications")
    alice.get(url)
    # session, user, roles; tab counts; page count; rows; the program filter's choices
    with django_assert_num_queries(7):
        response = alice.get(url)
    assert response.status_code == 200


# --- roster and enrolment ------------------------------------------------------------------------------


def test_the_roster_search_does_not_confirm_a_guessed_name(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    url = reverse("backoffice:welfare_enrollments")
    number = enrollment.application.number
    dave = logged_in(world.dave)  # sees masked names: searches by application number only
    assert "周*国" not in dave.get(url, {"q": "周建国"}).content.decode()
    found = dave.get(url, {"q": number}).content.decode()
    assert "周*国" in found and "申请编号（您看到的姓名经过遮挡，不能按姓名搜索）" in found
    erin = logged_in(world.erin)  # sees full names: searches by name too
    by_name = erin.get(url, {"q": "周建国"}).content.decode()
    assert "周建国" in by_name and "申请编号或户主姓名" in by_name


def test_roster_filters_and_query_count(
    world: World,
    household: dict[str, Any],
    django_assert_num_queries: Any,
) -> None:
    enrollment = enrolled(world, household)
    alice = logged_in(world.alice)
    url = reverse("backoffice:welfare_enrollments")
    alice.get(url)
    with django_assert_num_queries(6):
        response = alice.get(url)
    assert "周建国" in response.content.decode()
    assert "周建国" not in alice.get(url + "?due=on").content.decode()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        review_due_on=timezone.localdate() + datetime.timedelta(days=10)
    )
    assert "周建国" in alice.get(url + "?due=on").content.decode()
    assert alice.get(url + "?program=x&status=y").status_code == 200


def test_enrolment_page_is_audited_and_staff_act(world: World, household: dict[str, Any]) -> None:
    enrollment = enrolled(world, household)
    url = reverse("backoffice:welfare_enrollment", args=[enrollment.pk])
    before = AuditEntry.objects.filter(action="reveal", target_type="enrollment").count()
    bob_page = logged_in(world.bob).get(url)
    assert bob_page.status_code == 200
    assert "办理操作" not in bob_page.content.decode()
    assert AuditEntry.objects.filter(action="reveal", target_type="enrollment").count() == before + 1
    act = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "suspend"])
    assert logged_in(world.bob).post(act, {"suspend-reason": "监委会无权暂停"}).status_code == 403
    alice = logged_in(world.alice)
    assert "办理操作" in alice.get(url).content.decode()
    assert alice.post(act, {"suspend-reason": ""}).status_code == 400
    assert alice.post(act, {"suspend-reason": "外出务工待核实"}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.SUSPENDED
    review = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "review"])
    assert alice.post(review, {"review-note": "年度复核"}).status_code == 302
    adjust = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "adjust"])
    bad = alice.post(
        adjust, {"adjust-household_size": "2", "adjust-monthly_amount": "六百", "adjust-reason": "核减"}
    )
    assert bad.status_code == 400 and "不是有效的金额" in bad.content.decode()
    assert (
        alice.post(
            reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "bogus"]), {}
        ).status_code
        == 404
    )


def test_committee_finding_form_appears_for_an_open_conclusion(
    world: World, household: dict[str, Any]
) -> None:
    enrollment = enrolled(world, household)
    url = reverse("backoffice:welfare_enrollment", args=[enrollment.pk])
    alice = logged_in(world.alice)
    assert "依监委会核查结论处理" not in alice.get(url).content.decode()
    recheck = Recheck.objects.create(
        area=world.sunshine,
        enrollment=enrollment,
        reason="群众反映",
        conclusion=Recheck.Conclusion.INELIGIBLE,
        conclusion_note="名下有出租商铺",
    )
    assert "依监委会核查结论处理" in alice.get(url).content.decode()
    act = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "finding"])
    assert alice.post(act, {"finding-recheck": recheck.pk}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.EXITED


# --- programs ------------------------------------------------------------------------------------------


def test_program_settings_for_the_district(world: World) -> None:
    erin = logged_in(world.erin)
    response = erin.post(
        reverse("backoffice:welfare_program_add"),
        {
            "area": world.district.pk,
            "code": "tekun",
            "name": "特困人员救助供养",
            "kind": "tekun",
            "unit": "person_month",
            "review_months": 12,
            "notice_days": 7,
            "review_attendance_percent": 67,
            "review_approval_percent": 67,
            "active": "on",
        },
    )
    program = Program.objects.get(code="tekun")
    assert response.status_code == 302
    add = reverse("backoffice:welfare_standard_add", args=[program.pk])
    bad = erin.post(
        add,
        {
            "effective_from": "2024-01-01",
            "monthly_standard": "1000",
            "asset_limit_months": 24,
            "max_properties": 1,
            "source": "",
        },
    )
    assert bad.status_code == 400
    ok = erin.post(
        add,
        {
            "effective_from": "2024-01-01",
            "monthly_standard": "1000",
            "asset_limit_months": 24,
            "max_properties": 1,
            "source": "区民政局文件",
        },
    )
    assert ok.status_code == 302
    assert ProgramStandard.objects.filter(program=program).count() == 1
    rule = erin.post(
        reverse("backoffice:welfare_rule_add"),
        {
            "area": world.district.pk,
            "circumstance": "graduate_student",
            "counted": "on",
            "reason": "本地计入",
            "source": "本省细则",
            "effective_from": "2024-01-01",
        },
    )
    assert rule.status_code == 302
    assert "本省细则" in erin.get(reverse("backoffice:welfare_rules")).content.decode()
    # Staff read the programs that serve them but cannot change them.
    alice = logged_in(world.alice)
    assert alice.get(reverse("backoffice:welfare_program", args=[program.pk])).status_code == 200
    assert alice.get(reverse("backoffice:welfare_program_edit", args=[program.pk])).status_code == 403
    assert alice.post(add, {}).status_code == 403
    assert alice.get(reverse("backoffice:welfare_rule_add")).status_code == 403
    assert (
        logged_in(world.mallory).get(reverse("backoffice:welfare_program", args=[program.pk])).status_code
        == 404
    )


# --- import --------------------------------------------------------------------------------------------


def test_roster_import_page(world: World, household: dict[str, Any]) -> None:
    dibao(world)
    data = tabular.write_xlsx(
        ["姓名", "身份证号", "项目", "保障人数", "月救助金", "起始月份"],
        [
            ["周建国", household["father"].unseal("id_number"), "城市最低生活保障", 2, 700, "2024-03"],
            ["李四", "430102198002022233", "城市最低生活保障", 1, 500, "2024-03"],
        ],
    )
    alice = logged_in(world.alice)
    url = reverse("backoffice:welfare_import")
    assert alice.get(url).status_code == 200
    response = alice.post(url, {"area": world.sunshine.pk, "file": SimpleUploadedFile("名册.xlsx", data)})
    assert response.status_code == 302
    result = alice.get(response["Location"])
    html = result.content.decode()
    assert "下载错误报告" in html
    run_pk = int(response["Location"].rstrip("/").split("/")[-1])
    errors = alice.get(reverse("backoffice:welfare_import_errors", args=[run_pk]))
    assert errors.status_code == 200
    assert AuditEntry.objects.filter(action="export", target_type="importrun").exists()
    assert logged_in(world.carol).get(response["Location"]).status_code == 404
    assert logged_in(world.bob).get(url).status_code == 404
    bad = alice.post(url, {"area": world.sunshine.pk, "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
    assert bad.status_code == 400 and "缺少必填列" in bad.content.decode()
    assert alice.get(reverse("backoffice:welfare_import_template", args=["xlsx"])).status_code == 200
