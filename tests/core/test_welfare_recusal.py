"""Recusal (回避) in welfare handling: a staff account linked to its registry person may not handle the
application or enrolment of its own household or of its declared close relatives; another officer acts.

Personas, on top of the shared world and the seed-000 household (周建国, 李秀英, their son 周明):

- alice (王爱丽, staff of 阳光社区) is linked to her registry person, who declared 李秀英 as her sister;
- helen (何伦, staff of 阳光社区) is linked to a registry person related to nobody;
- ivan (伊万, staff of 阳光社区) is linked to the son 周明 himself;
- an account nobody has linked behaves as before the link existed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import World, make_person, make_user
from tests.core.test_notices import objection
from tests.core.test_welfare_applications import (
    chinese_fixture,  # noqa: F401 - registers the fixture
    dibao,
    fake_id,
    graduate_application,
    household_fixture,  # noqa: F401 - registers the fixture
    noticed,
)
from yangguang.core.actions import accounts, cadres, notices, welfare
from yangguang.core.actions.welfare import ApplicationInput, MemberInput
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    Circumstance,
    Enrollment,
    Objection,
    Person,
    PublicNotice,
    Relation,
)
from yangguang.core.permissions import Role

ALICE_ID = fake_id("19880402", "262")
HELEN_ID = fake_id("19900715", "284")


def linked(world: World, user: User, person: Person) -> User:
    """erin, the district administrator, links the account to its registry person by ID number."""
    accounts.check_link_person(world.erin, user, person.unseal("id_number"))
    return user


@pytest.fixture
def alice_person(world: World, household: dict[str, Any]) -> Person:
    """王爱丽 in the registry, who declared 李秀英 (the mother) as her sister in 阳光社区's register."""
    person = make_person(world.grid, None, "王爱丽", ALICE_ID)
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        person,
        relative_name="李秀英",
        relative_id_number=household["mother"].unseal("id_number"),
        relation="sibling",
    )
    return person


@pytest.fixture
def helen(world: World) -> User:
    user = make_user("helen", "何伦", Role.COMMUNITY_STAFF, world.sunshine)
    return linked(world, user, make_person(world.grid, None, "何伦", HELEN_ID))


@pytest.fixture
def ivan(world: World, household: dict[str, Any]) -> User:
    user = make_user("ivan", "伊万", Role.COMMUNITY_STAFF, world.sunshine)
    return linked(world, user, household["son"])


def registered_by(actor: User, world: World, household: dict[str, Any]) -> Application:
    return welfare.check_create_application(
        actor, ApplicationInput(program=dibao(world), applicant=household["father"])
    )


def helen_surveys(application: Application, household: dict[str, Any], helen: User) -> None:
    day = timezone.localdate()
    for name in ("accept", "authorise", "survey"):
        data: dict[str, Any] = {
            "authorise": {"authorisation_signed_on": day},
            "survey": {"survey_on": day, "survey_notes": "入户走访，核实家庭收入"},
        }.get(name, {})
        welfare.do_application_transition(helen, application, name, **data)


# --- the link ------------------------------------------------------------------------------------------


def test_officer_person_is_the_linked_registry_person(
    world: World, alice_person: Person, helen: User
) -> None:
    assert welfare.officer_person(world.alice) is None
    linked(world, world.alice, alice_person)
    assert welfare.officer_person(world.alice) == alice_person
    assert welfare.officer_person(helen) is not None
    assert welfare.officer_person(None) is None
    assert welfare.officer_person(AnonymousUser()) is None


# --- officers related to the household are refused ----------------------------------------------------


def test_an_officer_whose_sister_is_a_member_is_refused_the_steps(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = graduate_application(world, dibao(world), household)
    linked(world, world.alice, alice_person)
    for name, data in (
        ("accept", {}),
        ("refuse", {"reason": "家庭存款超过规定标准"}),
        ("withdraw", {"note": "申请人撤回"}),
    ):
        with pytest.raises(ValidationError) as exc:
            welfare.do_application_transition(world.alice, application, name, **data)
        message = exc.value.messages[0]
        assert message.startswith("需回避：")
        assert "李*英是经办人王爱丽的兄弟姐妹" in message
        assert "请由其他工作人员办理" in message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    # Another officer takes every step, through to confirmation.
    helen_surveys(application, household, helen)
    day = timezone.localdate()
    welfare.do_application_transition(
        helen, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9
    )
    noticed(world, application)
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_application_transition(world.alice, application, "confirm")
    welfare.do_application_transition(helen, application, "confirm")
    assert application.status == ApplicationStatus.CONFIRMED


def test_a_related_officer_may_not_edit_add_or_remove_members(
    world: World, household: dict[str, Any], alice_person: Person
) -> None:
    application = graduate_application(world, dibao(world), household)
    linked(world, world.alice, alice_person)
    data = MemberInput(
        circumstance=Circumstance.SPOUSE,
        monthly_income=Decimal("0"),
        deposits=Decimal("0"),
        vehicle_value=Decimal("0"),
        properties=0,
    )
    mother = application.members.get(person=household["mother"])
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_update_member(world.alice, mother, data)
    son = application.members.get(person=household["son"])
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_remove_member(world.alice, son, "已在外地工作")
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_add_member(
            world.alice,
            application,
            MemberInput(**{**data.__dict__, "relation": Relation.OTHER, "name": "王桂兰"}),
        )
    mother.refresh_from_db()
    assert mother.monthly_income == Decimal("300.00")
    assert application.members.count() == 3


def test_an_officer_who_is_a_member_of_the_household_is_refused(
    world: World, household: dict[str, Any], ivan: User
) -> None:
    application = graduate_application(world, dibao(world), household)
    with pytest.raises(ValidationError) as exc:
        welfare.do_application_transition(ivan, application, "accept")
    assert "经办人伊万本人是申请家庭成员" in exc.value.messages[0]


def test_an_officer_may_not_add_themselves_to_a_household(
    world: World, household: dict[str, Any], helen: User
) -> None:
    application = graduate_application(world, dibao(world), household)
    helen_person = welfare.officer_person(helen)
    assert helen_person is not None
    data = MemberInput(
        circumstance=Circumstance.SUPPORT_COHABITING,
        monthly_income=Decimal("0"),
        deposits=Decimal("0"),
        vehicle_value=Decimal("0"),
        properties=0,
        relation=Relation.OTHER,
    )
    with pytest.raises(ValidationError, match="经办人何伦本人是申请家庭成员"):
        welfare.do_add_member(helen, application, data, person=helen_person)
    assert application.members.count() == 3


def test_an_officer_declared_as_a_relative_by_a_member_who_is_a_cadre_is_refused(
    world: World, household: dict[str, Any], helen: User
) -> None:
    """The register line is the father's: a cadre who declared helen's person as his wife's sister."""
    helen_person = welfare.officer_person(helen)
    assert helen_person is not None
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        household["father"],
        relative_name="何伦",
        relative_id_number=HELEN_ID,
        relation="spouse_sibling",
    )
    application = graduate_application(world, dibao(world), household)
    lines = welfare.application_recusal(helen, application)
    assert lines == ["经办人何伦是周*国的配偶的兄弟姐妹"]
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_application_transition(helen, application, "accept")


def test_an_unrelated_officer_and_an_unlinked_account_act_as_before(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = graduate_application(world, dibao(world), household)
    # alice's registry person is related, but her account is not linked: nothing stops her (as before).
    assert welfare.application_recusal(world.alice, application) == []
    welfare.do_application_transition(world.alice, application, "accept")
    assert welfare.application_recusal(helen, application) == []
    welfare.do_application_transition(
        helen, application, "authorise", authorisation_signed_on=timezone.localdate()
    )
    assert application.status == ApplicationStatus.AUTHORISED


# --- the close-relatives flag names the officer -------------------------------------------------------


def test_an_application_registered_by_a_related_officer_is_flagged_and_stays_flagged(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    linked(world, world.alice, alice_person)
    application = registered_by(world.alice, world, household)
    assert application.kin_flag is True
    assert "李*英是经办人王爱丽的兄弟姐妹" in application.kin_note
    # Registering is allowed (it decides nothing); the next steps are another officer's, and the flag,
    # recomputed when they edit the members, still names the officer who registered it.
    son = application.members.get(person=household["son"])
    welfare.do_update_member(
        helen,
        son,
        MemberInput(
            circumstance=Circumstance.GRADUATE_STUDENT,
            monthly_income=Decimal("0"),
            deposits=Decimal("0"),
            vehicle_value=Decimal("0"),
            properties=0,
        ),
    )
    application.refresh_from_db()
    assert application.kin_flag is True
    assert "经办人王爱丽" in application.kin_note
    # The flag asks for a home visit, as for cadres' relatives.
    welfare.do_application_transition(helen, application, "accept")
    day = timezone.localdate()
    welfare.do_application_transition(helen, application, "authorise", authorisation_signed_on=day)
    with pytest.raises(ValidationError, match="近亲属"):
        welfare.do_application_transition(
            helen, application, "survey", survey_on=day, survey_notes="核实收入"
        )


def test_an_application_registered_by_an_unlinked_officer_is_not_flagged(
    world: World, household: dict[str, Any], alice_person: Person
) -> None:
    application = registered_by(world.alice, world, household)
    assert application.kin_flag is True  # the community's register: 李秀英 is a cadre's sister
    assert "干部王爱丽" in application.kin_note
    assert "经办人" not in application.kin_note


# --- enrolment ---------------------------------------------------------------------------------------------


def test_a_related_officer_may_not_act_on_the_enrolment(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = graduate_application(world, dibao(world), household)
    helen_surveys(application, household, helen)
    day = timezone.localdate()
    welfare.do_application_transition(
        helen, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9
    )
    noticed(world, application)
    welfare.do_application_transition(helen, application, "confirm")
    enrollment = Enrollment.objects.get(application=application)
    linked(world, world.alice, alice_person)
    assert welfare.enrollment_recusal(world.alice, enrollment) == ["李*英是经办人王爱丽的兄弟姐妹"]
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_suspend_enrollment(world.alice, enrollment, reason="外出务工待核实")
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_review_enrollment(world.alice, enrollment, note="年度复核")
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_exit_enrollment(world.alice, enrollment, reason="家庭收入提高")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    welfare.do_suspend_enrollment(helen, enrollment, reason="外出务工待核实")
    assert enrollment.status == Enrollment.Status.SUSPENDED


def test_an_imported_enrolment_checks_the_registry_household(
    world: World, household: dict[str, Any], ivan: User
) -> None:
    enrollment = Enrollment.objects.create(
        area=world.sunshine,
        program=dibao(world),
        household=household["household"],
        head=household["father"],
        household_size=3,
        monthly_amount=Decimal("500.00"),
        starts_on=datetime.date(2024, 3, 1),
        review_due_on=datetime.date(2025, 3, 1),
    )
    assert welfare.enrollment_recusal(ivan, enrollment) == ["经办人伊万本人是申请家庭成员"]
    with pytest.raises(ValidationError, match="需回避"):
        welfare.do_suspend_enrollment(ivan, enrollment, reason="外出务工待核实")


# --- the notices part: publishing and an upheld objection ------------------------------------------------


def reviewed_by_helen(world: World, household: dict[str, Any], helen: User) -> Application:
    application = graduate_application(world, dibao(world), household)
    helen_surveys(application, household, helen)
    day = timezone.localdate()
    return welfare.do_application_transition(
        helen, application, "review", review_on=day, review_expected=9, review_present=9, review_approve=9
    )


def test_a_related_officer_may_not_publish_a_notice_holding_the_household(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = reviewed_by_helen(world, household, helen)
    notice = notices.check_create_notice(world.alice, world.sunshine, application.program, [application])
    linked(world, world.alice, alice_person)
    with pytest.raises(ValidationError, match="需回避：李\\*英是经办人王爱丽的兄弟姐妹"):
        notices.do_publish_notice(world.alice, notice)
    notice.refresh_from_db()
    application.refresh_from_db()
    assert notice.status == PublicNotice.Status.DRAFT
    assert application.status == ApplicationStatus.REVIEWED
    notices.do_publish_notice(helen, notice)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICED


def test_a_related_officer_may_not_refuse_the_application_by_upholding_an_objection(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = reviewed_by_helen(world, household, helen)
    notice = notices.check_create_notice(helen, world.sunshine, application.program, [application])
    notices.do_publish_notice(helen, notice, today=timezone.localdate() - datetime.timedelta(days=2))
    found = objection(notice, entry=notice.entries.get())
    linked(world, world.alice, alice_person)
    with pytest.raises(ValidationError, match="需回避"):
        notices.do_resolve_objection(world.alice, found, True, "经入户核查，该户有小汽车一辆")
    found.refresh_from_db()
    application.refresh_from_db()
    assert found.resolution == Objection.Resolution.PENDING
    assert application.status == ApplicationStatus.NOTICED
    notices.do_resolve_objection(helen, found, True, "经入户核查，该户有小汽车一辆")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED


def test_a_related_officer_may_not_dismiss_an_objection_about_the_household(
    world: World, household: dict[str, Any], alice_person: Person, helen: User
) -> None:
    application = reviewed_by_helen(world, household, helen)
    notice = notices.check_create_notice(helen, world.sunshine, application.program, [application])
    notices.do_publish_notice(helen, notice, today=timezone.localdate() - datetime.timedelta(days=2))
    found = objection(notice, entry=notice.entries.get())
    linked(world, world.alice, alice_person)
    with pytest.raises(ValidationError, match="需回避"):
        notices.do_resolve_objection(world.alice, found, False, "经入户核查，反映情况不属实")
    found.refresh_from_db()
    assert found.resolution == Objection.Resolution.PENDING
    notices.do_resolve_objection(helen, found, False, "经入户核查，反映情况不属实")
    found.refresh_from_db()
    assert found.resolution == Objection.Resolution.DISMISSED
