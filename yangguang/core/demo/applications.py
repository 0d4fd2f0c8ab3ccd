"""阳光社区's welfare applications, one or more in every status, through the welfare and notices actions
(acting as `staff_yangguang`, and as the committee's chair for its re-check). See `welfare.py`.

Each application follows the path of DOMAIN.md at working-day steps: applied → accepted → authorisation
signed → members surveyed (circumstances, incomes, assets) and home visit → democratic review → public
notice (公示, 7 days) → confirmed; the story of each decides where it stops.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from yangguang.core.actions import notices, rechecks, welfare
from yangguang.core.actions.welfare import ApplicationInput, MemberInput
from yangguang.core.models import Application, Circumstance, Enrollment, Person, Relation

from .residents import Member

if TYPE_CHECKING:
    from .supervision import Office
    from .welfare import WelfareGenerator

# Where each application stops: (story, program, status reached, days ago it was made).
STORIES: tuple[tuple[str, str, str, int], ...] = (
    ("graduate", "dibao", "noticed", 40),
    ("current", "dibao", "noticed", 38),
    ("ended_objection_dismissed", "dibao", "confirmed", 78),
    ("ended_objection_upheld", "dibao", "refused", 76),
    ("ended", "dibao", "confirmed", 74),
    ("withdrawn", "dibao", "withdrawn", 60),
    ("reviewed", "dibao", "reviewed", 33),
    ("kin", "dibao", "surveyed", 30),
    ("authorised", "dibao", "authorised", 14),
    ("accepted", "linshi", "accepted", 6),
    ("received", "dibao", "received", 1),
)
OBJECTIONS = {
    "ended_objection_dismissed": (
        "听说这户家里儿子在外面开店，收入不低，不应该享受低保，请社区核实。",
        False,
        "经入户核查和收入核对，其子已于前年分户另住，不属于共同生活的家庭成员；异议不成立。",
    ),
    "ended_objection_upheld": (
        "该户家里有一辆小轿车，平时经常开，不符合低保条件，请核查。",
        True,
        "经核查，申请人配偶名下登记小型轿车一辆，申报时未如实申报，异议成立，不予批准。",
    ),
}


@dataclass(eq=False)
class Story:
    name: str
    program: str
    stop: str
    start: datetime.date
    household: list[Member]
    applicant: Member
    application: Application | None = None


class Applications:
    def __init__(self, generator: WelfareGenerator, office: Office) -> None:
        self.g = generator
        self.clock = generator.clock
        self.office = office
        self.staff = office.clerk
        self.rng = random.Random(f"{generator.seed}:{office.name}:applications")
        self.today = self.clock.as_of.date()

    def run(self) -> None:
        stories = self._cast()
        ended = [s for s in stories if s.name.startswith("ended")]
        current = [s for s in stories if s.stop == "noticed"]
        for story in sorted(stories, key=lambda s: s.start):
            self._path(story)
        if ended:
            self._ended_notice(ended)
        if current:
            self._current_notice(current)
        kin = next((s for s in stories if s.name == "kin" and s.application is not None), None)
        if kin is not None and self.office.committee is not None:
            day = self.clock.workday(self.today - datetime.timedelta(days=5), forward=False)
            self.clock.at(self.clock.moment(day, 16, 0))
            rechecks.do_open_recheck(
                self.office.committee,
                reason="申请家庭成员为社区干部近亲属，监委会入户核查家庭收入和财产情况。",
                application=kin.application,
            )
            self.g.counts["rechecks"] += 1

    # --- who applies

    def _cast(self) -> list[Story]:
        people = self.office.people
        enrolled = set(
            Enrollment.objects.filter(area=self.office.area).values_list("household_id", flat=True)
        )
        taken = {people.people[pk].household for pk in self.office.excluded if pk in people.people} | enrolled
        kin_households = [m.household for m in self.office.kin_elsewhere]
        free = [
            h
            for hid, h in sorted(people.households.items())
            if hid not in taken and hid not in kin_households and _head(h) is not None
        ]
        self.rng.shuffle(free)
        graduate = _graduate_household(free, self.today)
        stories: list[Story] = []
        for name, program, stop, days in STORIES:
            start = self.clock.workday(self.today - datetime.timedelta(days=days), forward=False)
            household: list[Member] | None = None
            if name == "graduate":
                household = graduate
            elif name == "kin":
                kin = self.office.kin_elsewhere[0] if self.office.kin_elsewhere else None
                household = people.household_of(kin) if kin is not None else None
            else:
                household = next((h for h in free if h is not graduate), None)
            if not household:
                continue
            if household in free:
                free.remove(household)
            applicant = _head(household) or household[0]
            if name == "kin" and self.office.kin_elsewhere:
                applicant = self.office.kin_elsewhere[0]
            stories.append(Story(name, program, stop, start, household, applicant))
        return stories

    # --- the path

    def _path(self, story: Story) -> None:
        clock, staff, rng = self.clock, self.staff, self.rng
        day = story.start
        clock.at(clock.moment(day, 9, 30 + rng.randrange(20)))
        applicant = Person.objects.select_related("area").get(pk=story.applicant.pk)
        application = welfare.check_create_application(
            staff,
            ApplicationInput(
                program=self.g.program(story.program),
                applicant=applicant,
                applied_on=day,
                reason=_reason(story),
            ),
        )
        story.application = application
        self.g.counts["applications"] += 1
        target = "reviewed" if story.stop in ("noticed", "confirmed", "refused") else story.stop
        if target == "received":
            return
        day = clock.add_workdays(day, 1)
        clock.at(clock.moment(day, 10, 0))
        welfare.do_application_transition(staff, application, "accept", note="材料齐全，予以受理。")
        if target == "withdrawn":
            day = clock.add_workdays(day, 6)
            clock.at(clock.moment(day, 15, 0))
            welfare.do_application_transition(
                staff, application, "withdraw", note="申请人家属已找到工作，收入增加，申请人主动撤回申请。"
            )
            return
        if target == "accepted":
            return
        day = clock.add_workdays(day, 2)
        clock.at(clock.moment(day, 10, 30))
        welfare.do_application_transition(staff, application, "authorise", authorisation_signed_on=day)
        if target == "authorised":
            return
        day = clock.add_workdays(day, 6)
        clock.at(clock.moment(day, 14, 0))
        self._survey_members(story, application)
        notes = "入户走访核实家庭成员、住房和收入情况，与申报一致。"
        if story.name == "kin":
            notes = "干部近亲属申请：入户走访两次，核实家庭成员、收入和财产，材料另行归档。"
        welfare.do_application_transition(staff, application, "survey", survey_on=day, survey_notes=notes)
        if target == "surveyed":
            return
        day = clock.add_workdays(day, 8)
        clock.at(clock.moment(day, 19, 0))
        present = rng.randint(8, 9)
        welfare.do_application_transition(
            staff,
            application,
            "review",
            review_on=day,
            review_expected=9,
            review_present=present,
            review_approve=present - rng.randint(0, 1),
        )

    def _survey_members(self, story: Story, application: Application) -> None:
        """What the home visit recorded about each member: circumstance, income, assets."""
        rng = self.rng
        graduate_named = False
        for member in application.members.select_related("person").order_by("pk"):
            person = member.person
            age = _age(person.birth_date, self.today) if person is not None else 40
            circumstance = member.circumstance
            income = Decimal(rng.randrange(0, 45) * 10)
            note = ""
            if member.circumstance == Circumstance.APPLICANT:
                income = Decimal(rng.randrange(20, 75) * 10)
            elif story.name == "graduate" and member.relation == Relation.SPOUSE:
                pass
            elif story.name == "graduate":
                # The son at graduate school is not counted (seed 000); anyone else does not live with them.
                if member.relation == Relation.CHILD and age >= 18 and not graduate_named:
                    graduate_named = True
                    circumstance, income, note = (
                        Circumstance.GRADUATE_STUDENT,
                        Decimal(0),
                        "全日制硕士研究生在读，户口未迁出",
                    )
                else:
                    circumstance, note = Circumstance.OTHER_NOT_COHABITING, "不在本户共同生活"
            elif member.relation == Relation.CHILD and age >= 18:
                if age <= 22:
                    circumstance, income, note = Circumstance.STUDENT_BACHELOR, Decimal(0), "全日制本科在读"
                else:
                    circumstance, note = Circumstance.OTHER_NOT_COHABITING, "已在外地工作，不共同生活"
            welfare.do_update_member(
                self.staff,
                member,
                MemberInput(
                    circumstance=circumstance,
                    monthly_income=income,
                    deposits=Decimal(rng.randrange(5, 120) * 100),
                    vehicle_value=Decimal(0),
                    properties=1 if member.circumstance == Circumstance.APPLICANT else 0,
                    note=note,
                ),
            )

    # --- the notices

    def _ended_notice(self, stories: list[Story]) -> None:
        """Last month's notice: two objections, one upheld (refused) and one dismissed; then confirmed."""
        clock, staff = self.clock, self.staff
        apps = [
            s.application for s in stories if s.application is not None and s.application.status == "reviewed"
        ]
        if not apps:
            return
        start = clock.workday(self.today - datetime.timedelta(days=44), forward=False)
        clock.at(clock.moment(start, 9, 0))
        program = apps[0].program
        notice = notices.check_create_notice(staff, self.office.area, program, apps)
        notices.do_publish_notice(staff, notice)
        self.g.counts["notices"] += 1
        entries = {e.application_id: e for e in notice.entries.all()}
        objections = []
        for story in stories:
            spec = OBJECTIONS.get(story.name)
            if spec is None or story.application is None:
                continue
            text, upheld, note = spec
            clock.at(clock.moment(start + datetime.timedelta(days=2), 20, 15))
            objection = notices.check_create_objection(
                notices.ObjectionInput(
                    notice=notice, text=text, entry=entries[story.application.pk], anonymous=True
                )
            )
            objections.append((objection, upheld, note))
            self.g.counts["objections"] += 1
        for n, (objection, upheld, note) in enumerate(objections):
            clock.at(clock.office(start + datetime.timedelta(days=5), 15, 10 * n))
            notices.do_resolve_objection(staff, objection, upheld, note)
        assert notice.ends_on is not None  # noqa: S101 - set when published
        clock.at(clock.moment(notice.ends_on + datetime.timedelta(days=1), 1, 0))
        notices.end_due_notices()
        day = clock.add_workdays(notice.ends_on, 2)
        clock.at(clock.moment(day, 10, 0))
        for story in stories:
            application = story.application
            if application is None or story.stop != "confirmed":
                continue
            application.refresh_from_db()
            welfare.do_application_transition(staff, application, "confirm")
            self.g.counts["applications_confirmed"] += 1

    def _current_notice(self, stories: list[Story]) -> None:
        """The notice the portal shows today: published three days ago, seven days long."""
        clock, staff = self.clock, self.staff
        apps = [
            s.application for s in stories if s.application is not None and s.application.status == "reviewed"
        ]
        if not apps:
            return
        start = clock.workday(self.today - datetime.timedelta(days=3), forward=False)
        clock.at(clock.moment(start, 9, 0))
        notice = notices.check_create_notice(staff, self.office.area, apps[0].program, apps)
        notices.do_publish_notice(staff, notice)
        self.g.counts["notices"] += 1


def _head(household: list[Member]) -> Member | None:
    return next((m for m in household if m.relation == Relation.HEAD), None)


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _graduate_household(households: list[list[Member]], today: datetime.date) -> list[Member] | None:
    """Father, mother and a son of graduate-school age (seed 000): three people if possible."""

    def fits(household: list[Member], lo: int, hi: int, size: int | None) -> bool:
        relations = [m.relation for m in household]
        if Relation.HEAD not in relations or Relation.SPOUSE not in relations:
            return False
        if size is not None and len(household) != size:
            return False
        return any(m.relation == Relation.CHILD and lo <= m.age(today) <= hi for m in household)

    for lo, hi, size in ((22, 28, 3), (21, 30, None), (18, 35, None)):
        found = [h for h in households if fits(h, lo, hi, size)]
        if found:
            sons = [h for h in found if any(m.relation == Relation.CHILD and m.sex == "M" for m in h)]
            return (sons or found)[0]
    return None


def _reason(story: Story) -> str:
    if story.program == "linshi":
        return "家中老人突发重病住院，医疗费用负担重，申请临时救助。"
    if story.name == "graduate":
        return "夫妻二人均无稳定工作，儿子在读研究生，家庭收入低，申请最低生活保障。"
    return "家庭成员患病、无稳定收入，生活困难，申请最低生活保障。"
