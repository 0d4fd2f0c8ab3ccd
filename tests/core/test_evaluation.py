"""The annual performance evaluation (履职评价): opening with the current cadres and the committee as
subjects, ratings (one per rater and subject) and paper tallies, grading at the thresholds, flagging two
consecutive unfit years, and the results disclosure without rater identities."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import World, make_person
from yangguang.core.actions import evaluation as ev
from yangguang.core.models import (
    Activity,
    AuditEntry,
    CadrePost,
    Evaluation,
    EvaluationSubject,
    Grade,
    Person,
    Rating,
)
from yangguang.lib.idnumber import checksum_char

THIS_YEAR = timezone.localdate().year


def id_number(seq: int) -> str:
    first17 = f"43010219700101{seq:03d}"
    return first17 + checksum_char(first17)


def resident(world: World, seq: int, name: str = "") -> Person:
    return make_person(world.grid, None, name or f"居民{seq}", id_number(seq))


def cadre(world: World, seq: int, name: str, title: str, body: str = "residents") -> Person:
    person = make_person(world.sunshine, None, name, id_number(seq))
    CadrePost.objects.create(
        area=world.sunshine, person=person, body=body, title=title, starts_on=datetime.date(2021, 1, 1)
    )
    return person


def opened(world: World, year: int = THIS_YEAR, title: str = "年度民主评议") -> Evaluation:
    return ev.check_open_evaluation(world.alice, world.sunshine, year, title)


def subject_of(evaluation: Evaluation, person: Person | None) -> EvaluationSubject:
    return evaluation.subjects.get(person=person)


def closed_with(world: World, year: int, person: Person, fit: int, basic: int, unfit: int) -> Evaluation:
    evaluation = opened(world, year)
    ev.check_record_tally(world.alice, subject_of(evaluation, person), fit, basic, unfit)
    return ev.do_close_evaluation(world.alice, evaluation)


# --- grading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fit", "basic", "unfit", "grade"),
    [
        (0, 0, 0, ""),
        (6, 0, 0, Grade.FIT),
        (3, 0, 3, Grade.BASIC),  # exactly half unfit is not unfit; exactly half fit is not fit
        (2, 1, 3, Grade.BASIC),
        (2, 0, 3, Grade.UNFIT),
        (0, 0, 1, Grade.UNFIT),
        (4, 3, 0, Grade.FIT),
        (3, 3, 0, Grade.BASIC),
        (1, 5, 1, Grade.BASIC),
        (0, 5, 0, Grade.BASIC),
    ],
)
def test_grading_thresholds(fit: int, basic: int, unfit: int, grade: str) -> None:
    assert ev.grade_for(ev.Votes(fit, basic, unfit)) == grade


# --- opening ---------------------------------------------------------------------------------------------


def test_opening_lists_current_cadres_and_the_committee(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    CadrePost.objects.create(
        area=world.sunshine, person=chief, body="party", title="副书记", starts_on=datetime.date(2021, 1, 1)
    )
    cadre(world, 2, "钱委员", "委员")
    gone = cadre(world, 3, "孙前任", "委员")
    CadrePost.objects.filter(person=gone).update(ends_on=datetime.date(2022, 12, 31))
    evaluation = opened(world)
    labels = list(evaluation.subjects.values_list("label", flat=True))
    assert len(labels) == 3
    assert labels[-1] == "居务监督委员会"
    assert any(label.startswith("赵主任（") and "副书记" in label and "主任" in label for label in labels)
    assert not any("孙前任" in label for label in labels)
    assert AuditEntry.objects.filter(target_type="evaluation", action="create").exists()


def test_one_evaluation_per_area_year_and_title(world: World) -> None:
    opened(world)
    with pytest.raises(ValidationError) as exc:
        opened(world)
    assert "已有名为" in exc.value.message_dict["title"][0]
    opened(world, title="居民代表评议")  # another title is fine


def test_opening_checks_its_fields_and_who_opens(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        ev.check_open_evaluation(world.alice, world.sunshine, 1900, "  ")
    assert set(exc.value.message_dict) == {"year", "title"}
    with pytest.raises(ValidationError):
        ev.check_open_evaluation(world.alice, world.sunshine, None, "评议")
    for outsider in (world.bob, world.carol, world.mallory):
        with pytest.raises(PermissionDenied):
            ev.check_open_evaluation(outsider, world.sunshine, THIS_YEAR, "评议")


# --- votes -----------------------------------------------------------------------------------------------


def test_a_rater_rates_a_subject_once(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    evaluation = opened(world)
    subject = subject_of(evaluation, chief)
    rater = resident(world, 10)
    ev.check_record_rating(world.alice, subject, rater, "resident", Grade.FIT)
    with pytest.raises(ValidationError) as exc:
        ev.check_record_rating(world.alice, subject, rater, "resident", Grade.UNFIT)
    assert "只能评议一次" in exc.value.message_dict["rater"][0]
    # The same rater may rate another subject.
    ev.check_record_rating(world.alice, subject_of(evaluation, None), rater, "resident", Grade.BASIC)
    assert Rating.objects.count() == 2


def test_a_duplicate_that_slips_past_the_check_is_still_a_clear_error(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    subject = subject_of(opened(world), chief)
    rater = resident(world, 10)
    ev.do_record_rating(world.alice, subject, rater, "resident", Grade.FIT, "")
    with pytest.raises(ValidationError) as exc:
        ev.do_record_rating(world.alice, subject, rater, "resident", Grade.FIT, "")
    assert "只能评议一次" in exc.value.message_dict["rater"][0]


def test_a_rating_checks_the_rater_and_the_choices(world: World) -> None:
    subject = subject_of(opened(world), None)
    with pytest.raises(ValidationError) as exc:
        ev.check_record_rating(world.alice, subject, world.other_person, "boss", "great")
    assert set(exc.value.message_dict) == {"rater", "rater_kind", "grade"}
    assert "本社区" in exc.value.message_dict["rater"][0]
    with pytest.raises(ValidationError):
        ev.check_record_rating(world.alice, subject, None, "resident", Grade.FIT)
    with pytest.raises(PermissionDenied):
        ev.check_record_rating(world.bob, subject, world.person, "resident", Grade.FIT)


def test_tallies_add_to_ratings_and_bad_counts_are_refused(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    evaluation = opened(world)
    subject = subject_of(evaluation, chief)
    with pytest.raises(ValidationError) as exc:
        ev.check_record_tally(world.alice, subject, -1, None, 2)
    assert set(exc.value.message_dict) == {"tally_fit", "tally_basic"}
    ev.check_record_tally(world.alice, subject, 2, 0, 2)
    ev.check_record_rating(world.alice, subject, resident(world, 10), "representative", Grade.UNFIT)
    ev.do_close_evaluation(world.alice, evaluation)
    subject.refresh_from_db()
    assert subject.grade == Grade.UNFIT  # 3 of 5 unfit


def test_a_closed_evaluation_takes_no_more_votes(world: World) -> None:
    evaluation = opened(world)
    ev.do_close_evaluation(world.alice, evaluation)
    subject = subject_of(evaluation, None)
    with pytest.raises(ValidationError):
        ev.check_record_rating(world.alice, subject, world.person, "resident", Grade.FIT)
    with pytest.raises(ValidationError):
        ev.check_record_tally(world.alice, subject, 1, 1, 1)
    with pytest.raises(ValidationError):
        ev.do_close_evaluation(world.alice, evaluation)


# --- closing ---------------------------------------------------------------------------------------------


def test_two_consecutive_unfit_years_are_flagged(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    closed_with(world, THIS_YEAR - 1, chief, 1, 0, 3)
    evaluation = closed_with(world, THIS_YEAR, chief, 0, 1, 4)
    subject = subject_of(evaluation, chief)
    assert subject.grade == Grade.UNFIT and subject.flagged
    line = Activity.objects.get(source_type="evaluation", source_id=str(evaluation.pk))
    assert line.kind == Activity.Kind.EVALUATION and "连续两年评为不称职：赵主任" in line.detail


def test_one_unfit_year_is_not_flagged(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    closed_with(world, THIS_YEAR - 1, chief, 4, 0, 1)
    subject = subject_of(closed_with(world, THIS_YEAR, chief, 0, 1, 4), chief)
    assert subject.grade == Grade.UNFIT and not subject.flagged


def test_unfit_two_years_apart_is_not_flagged(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    closed_with(world, THIS_YEAR - 2, chief, 0, 0, 5)
    subject = subject_of(closed_with(world, THIS_YEAR, chief, 0, 0, 5), chief)
    assert not subject.flagged


def test_exactly_half_unfit_last_year_breaks_the_chain(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    closed_with(world, THIS_YEAR - 1, chief, 2, 0, 2)
    subject = subject_of(closed_with(world, THIS_YEAR, chief, 0, 0, 5), chief)
    assert not subject.flagged


def test_the_committee_itself_can_be_flagged(world: World) -> None:
    for year in (THIS_YEAR - 1, THIS_YEAR):
        evaluation = opened(world, year)
        ev.check_record_tally(world.alice, subject_of(evaluation, None), 0, 0, 3)
        ev.do_close_evaluation(world.alice, evaluation)
    assert subject_of(evaluation, None).flagged


def test_only_staff_close(world: World) -> None:
    evaluation = opened(world)
    with pytest.raises(PermissionDenied):
        ev.do_close_evaluation(world.bob, evaluation)


# --- results ---------------------------------------------------------------------------------------------


def test_results_disclosure_names_cadres_but_never_raters(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    evaluation = opened(world)
    rater = resident(world, 10, "周密")
    ev.check_record_rating(world.alice, subject_of(evaluation, chief), rater, "resident", Grade.FIT, "很好")
    ev.check_record_tally(world.alice, subject_of(evaluation, chief), 3, 1, 0)
    with pytest.raises(ValidationError):
        ev.check_create_results_disclosure(world.alice, evaluation)  # still open
    ev.do_close_evaluation(world.alice, evaluation)
    disclosure = ev.check_create_results_disclosure(world.alice, evaluation)
    assert disclosure.kind == "evaluation_result"
    first = disclosure.payload["subjects"][0]
    assert first["label"].startswith("赵主任") and first["grade"] == Grade.FIT
    assert first["votes"] == {"fit": 4, "basic": 1, "unfit": 0, "total": 5}
    assert "周密" not in str(disclosure.payload) and "很好" not in str(disclosure.payload)
    with pytest.raises(ValidationError):
        ev.check_create_results_disclosure(world.alice, evaluation)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("年度民主评议", f"阳光社区 {THIS_YEAR}年年度民主评议结果公示"),
        (f"{THIS_YEAR}年度民主评议", f"阳光社区 {THIS_YEAR}年度民主评议结果公示"),
    ],
)
def test_results_disclosure_says_the_year_once(world: World, title: str, expected: str) -> None:
    evaluation = opened(world, title=title)
    ev.do_close_evaluation(world.alice, evaluation)
    assert ev.check_create_results_disclosure(world.alice, evaluation).title == expected
