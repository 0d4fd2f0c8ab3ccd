"""Welfare pages: residents' names follow the registry's rule (in full only for holders of REVEAL_PERSONAL
at the area: alice, community staff, and erin, district administrator; masked for bob of the committee
and dave of the street), and an officer who must stay away from a household (回避) is told why the forms
are missing and is refused if they post anyway."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_welfare_pages import app_url, enrolled, logged_in
from tests.conftest import World, make_person
from tests.core.test_welfare_applications import (
    chinese_fixture,  # noqa: F401 - registers the fixture
    dibao,
    fake_id,
    graduate_application,
    household_fixture,  # noqa: F401 - registers the fixture
)
from yangguang.core.actions import accounts, cadres, welfare
from yangguang.core.models import ApplicationStatus, Enrollment, Person, RoleAssignment
from yangguang.core.permissions import Role

FULL = ("周建国", "李秀英", "周明")
MASKED = ("周*国", "李*英", "周*")


def names_in(client: Client, url: str) -> tuple[bool, bool]:
    """(any full name on the page, every masked name on the page) — for pages listing all members."""
    html = client.get(url).content.decode()
    return any(name in html for name in FULL), all(name in html for name in MASKED)


@pytest.fixture
def alice_person(world: World, household: dict[str, Any]) -> Person:
    """alice's registry person, who declared 李秀英 as her sister."""
    person = make_person(world.grid, None, "王爱丽", fake_id("19880402", "262"))
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        person,
        relative_name="李秀英",
        relative_id_number=household["mother"].unseal("id_number"),
        relation="sibling",
    )
    return person


def relate_alice(world: World, person: Person) -> User:
    """erin links alice's account to her registry person (after alice built the test data)."""
    accounts.check_link_person(world.erin, world.alice, person.unseal("id_number"))
    return world.alice


# --- names ---------------------------------------------------------------------------------------------


def test_the_committee_sees_masked_names_on_the_application_page(
    world: World, household: dict[str, Any]
) -> None:
    application = graduate_application(world, dibao(world), household)
    full, masked = names_in(logged_in(world.bob), app_url(application))
    assert not full and masked
    html = logged_in(world.bob).get(app_url(application)).content.decode()
    assert application.number in html  # the number identifies the household


def test_staff_and_the_district_administrator_see_full_names(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    for user in (world.alice, world.erin):
        html = logged_in(user).get(app_url(application)).content.decode()
        assert all(name in html for name in FULL)


def test_lists_mask_names_for_readers_without_the_right_to_reveal(
    world: World, household: dict[str, Any]
) -> None:
    enrollment = enrolled(world, household)
    for name in ("welfare_applications", "welfare_enrollments"):
        url = reverse(f"backoffice:{name}")
        for user in (world.bob, world.dave):
            html = logged_in(user).get(url).content.decode()
            assert "周*国" in html and "周建国" not in html
        assert "周建国" in logged_in(world.alice).get(url).content.decode()
    full, masked = names_in(
        logged_in(world.bob), reverse("backoffice:welfare_enrollment", args=[enrollment.pk])
    )
    assert not full and masked


def test_the_refusal_letter_follows_the_same_rule(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    welfare.do_application_transition(world.alice, application, "refuse", reason="家庭存款超过规定标准")
    url = reverse("backoffice:welfare_refusal_letter", args=[application.pk])
    assert "周*国：" in logged_in(world.bob).get(url).content.decode()
    assert "周建国：" in logged_in(world.alice).get(url).content.decode()


# --- searching the application list ----------------------------------------------------------------------


def search(user: User, text: str) -> str:
    url = reverse("backoffice:welfare_applications")
    return logged_in(user).get(url, {"q": text}).content.decode()


def test_a_reader_of_masked_names_cannot_confirm_a_guessed_name(
    world: World, household: dict[str, Any]
) -> None:
    application = graduate_application(world, dibao(world), household)
    for user in (world.bob, world.dave):
        for guess in ("周建国", "周建"):
            assert application.number not in search(user, guess)
        html = search(user, application.number)
        assert application.number in html and "周*国" in html
        assert "申请编号（您看到的姓名经过遮挡，不能按姓名搜索）" in html


def test_a_reader_of_full_names_searches_by_name_or_number(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    for user in (world.alice, world.erin):
        for text in ("周建国", application.number):
            html = search(user, text)
            assert application.number in html
        assert "申请编号或申请人姓名</div>" in html
    assert application.number not in search(world.alice, "李秀英")  # the applicant's name, not a member's


def test_names_match_only_where_the_reader_sees_them_in_full(world: World, household: dict[str, Any]) -> None:
    # carol is staff of 和平社区 (full names there) and, here, also sits on 阳光社区's committee (masked).
    RoleAssignment.objects.create(user=world.carol, role=Role.COMMITTEE_MEMBER, area=world.sunshine)
    application = graduate_application(world, dibao(world), household)
    html = search(world.carol, "周建国")
    assert application.number not in html
    assert "姓名只在您可查看全名的区域内搜索" in html
    assert application.number in search(world.carol, application.number)


# --- recusal on the pages --------------------------------------------------------------------------------


def test_a_related_officer_is_told_why_the_steps_are_missing(
    world: World, household: dict[str, Any], alice_person: Person
) -> None:
    application = graduate_application(world, dibao(world), household)
    alice = logged_in(relate_alice(world, alice_person))
    html = alice.get(app_url(application)).content.decode()
    assert "data-recusal" in html
    assert "李*英是经办人王爱丽的兄弟姐妹" in html
    assert "请由其他工作人员办理" in html
    assert "办理操作</h2>" not in html
    assert "登记家庭成员情况" not in html
    step = reverse("backoffice:welfare_application_step", args=[application.pk, "accept"])
    response = alice.post(step, {})
    assert response.status_code == 302
    page = alice.get(response["Location"]).content.decode()
    assert "需回避：李*英是经办人王爱丽的兄弟姐妹。请由其他工作人员办理。" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_an_unrelated_officer_sees_the_steps(world: World, household: dict[str, Any]) -> None:
    application = graduate_application(world, dibao(world), household)
    html = logged_in(world.alice).get(app_url(application)).content.decode()
    assert "data-recusal" not in html and "办理操作</h2>" in html


def test_a_related_officer_is_refused_on_the_enrolment_page(
    world: World, household: dict[str, Any], alice_person: Person
) -> None:
    enrollment = Enrollment.objects.get(pk=enrolled(world, household).pk)
    related_alice = relate_alice(world, alice_person)
    url = reverse("backoffice:welfare_enrollment", args=[enrollment.pk])
    html = logged_in(related_alice).get(url).content.decode()
    assert "data-recusal" in html and "办理操作</h2>" not in html
    act = reverse("backoffice:welfare_enrollment_act", args=[enrollment.pk, "suspend"])
    response = logged_in(related_alice).post(act, {"suspend-reason": "外出务工待核实"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
