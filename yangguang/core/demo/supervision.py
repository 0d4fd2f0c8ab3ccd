"""The demo's supervision committees (居务监督委员会) and their year of work, created through the actions.

For every community and village, in the order it happened (see `clock.py` for how the actions are made to
write in the past):

- the office: the demo users where they exist (`staff_yangguang`, `staff_heping`, `committee_yangguang`),
  otherwise working accounts without a password (a clerk named after the 主任, an accountant after the
  会计, a committee account after the committee's chair), so every step is taken by someone allowed to;
- cadre posts (书记, 主任, 委员, 会计) of the last 换届 and their close-relatives register (近亲属备案):
  the relatives in their households, a sibling living elsewhere in the community, a relative outside it;
- the current committee term with 5–7 members (3–5 in villages) drawn from residents who pass the
  eligibility checklist, by the thirds (党员, 人大代表/政协委员, 普通群众) and with an accountant; in
  阳光社区 through an election by the residents' representatives whose result is published;
- the platform's power and supervision lists adopted (except by `CATALOGUE_FALLBACK`);
- last year's performance evaluation, closed with grades (in `FLAGGED_COMMUNITY` also the year before, so
  one 委员 is flagged for two unfit years);
- 阳光社区's welfare projects (`projects.py`), inspections with findings and rectification notices
  (`inspecting.py`), vouchers and the monthly finance disclosure (`bookkeeping.py`), and the committee's
  manual ledger lines (meetings, visits).
"""

from __future__ import annotations

import copy
import datetime
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from yangguang.core.actions import audit, cadres, catalogue, committee, elections, evaluation, ledger
from yangguang.core.actions.welfare import relation_to_applicant
from yangguang.core.models import (
    Activity,
    Area,
    AuditAction,
    CommitteeMember,
    CommitteeTerm,
    Disclosure,
    Election,
    KinRelation,
    MemberGroup,
    Person,
    PowerItem,
    Relation,
    RoleAssignment,
    SupervisionItem,
)
from yangguang.core.permissions import Role
from yangguang.lib import idnumber

from . import supervision_text as text
from .bookkeeping import Bookkeeping
from .clock import Clock
from .inspecting import Inspecting
from .layout import (
    CADRE_POSTS,
    CATALOGUE_FALLBACK,
    DISTRICT_CODE,
    FLAGGED_COMMUNITY,
    SHOWCASE_COMMUNITY,
    given_name,
)
from .places import CommunityInfo, Login
from .projects import Projects
from .residents import Member, Neighbourhood

_KIN: dict[str, str] = {
    Relation.SPOUSE: KinRelation.SPOUSE,
    Relation.CHILD: KinRelation.CHILD,
    Relation.PARENT: KinRelation.PARENT,
    Relation.SIBLING: KinRelation.SIBLING,
    Relation.GRANDCHILD: KinRelation.GRANDCHILD,
    Relation.GRANDPARENT: KinRelation.GRANDPARENT,
    Relation.CHILD_IN_LAW: KinRelation.CHILD_SPOUSE,
}
_POSITION = CommitteeMember.Position


@dataclass(eq=False)
class Office:
    """One community's people and accounts, as the generators of its supervision and welfare work use them."""

    info: CommunityInfo
    rng: random.Random
    people: Neighbourhood
    term_start: datetime.date
    clerk: User | None = None  # community staff: prepares, manages the committee records, owns rectifications
    accountant: User | None = None  # community staff: co-signs and posts vouchers
    committee: User | None = None  # the committee's chair
    cadres: list[tuple[Member, str, str, bool]] = field(
        default_factory=list
    )  # (person, body, title, secretary)
    kin_elsewhere: list[Member] = field(default_factory=list)  # cadres' relatives in other households
    excluded: set[int] = field(default_factory=set)  # cadres and their relatives: never on the committee
    term: CommitteeTerm | None = None
    members: list[CommitteeMember] = field(default_factory=list)

    @property
    def area(self) -> Area:
        return self.info.area

    @property
    def village(self) -> bool:
        return self.info.village

    @property
    def name(self) -> str:
        return self.info.area.name


class SupervisionGenerator:
    """Creates the committees and their work for every community through the actions. One per run."""

    def __init__(
        self,
        *,
        seed: int,
        today: datetime.date,
        clock: Clock,
        counts: Counter[str],
    ) -> None:
        self.seed = seed
        self.today = today
        self.clock = clock
        self.counts = counts
        self._hashed_unusable = make_password(None)

    def generate(self, communities: list[CommunityInfo], logins: dict[str, Login]) -> list[Office]:
        offices = []
        for info in communities:
            rng = random.Random(f"{self.seed}:{info.area.name}:supervision")
            # The last 换届: in the spring of the year before last, the same few weeks everywhere.
            start = self.clock.workday(
                datetime.date(self.today.year - 2, 5, 6) + datetime.timedelta(rng.randrange(30))
            )
            office = Office(info, rng, Neighbourhood(info.area, info.grids, rng, self.today), start)
            self._choose_cadres(office)
            self._accounts(office, logins)
            offices.append(office)
        for office in offices:
            self._posts_and_kin(office)
            self._committee(office, logins)
        for office in offices:
            if office.name != CATALOGUE_FALLBACK:
                self._adopt(office)
        for office in offices:
            self._evaluations(office)
        follow_ups = Projects(self.clock, self.counts, self.seed).run(offices)
        Inspecting(self.clock, self.counts, self.seed).run(offices, follow_ups)
        Bookkeeping(self.clock, self.counts, self.seed).run(offices)
        for office in offices:
            self._ledger_lines(office)
        return offices

    # --- people and accounts

    def _choose_cadres(self, office: Office) -> None:
        """Four post-holders from the sampled adults, none from the household of a 人大代表 or 政协委员 (the
        committee needs those, and a cadre's relatives may not sit on it)."""
        rng, start = office.rng, office.term_start
        deputies = {m.household for m in office.people.deputies}
        pool = [m for m in office.people.adults(start, 30, 60) if m.household not in deputies]
        rng.shuffle(pool)
        used_households: set[int] = set()
        for body, title, secretary in CADRE_POSTS:
            # The secretary is a party member; the other posts go to others where possible, so that party
            # members are left for the committee.
            ordered = sorted(pool, key=lambda m: m.party) if not secretary else pool
            for candidate in ordered:
                if candidate.household in used_households:
                    continue
                if secretary and not candidate.party and any(m.party for m in pool):
                    continue
                used_households.add(candidate.household)
                office.cadres.append((candidate, body, title, secretary))
                break
        for person, _body, _title, _secretary in office.cadres:
            office.excluded.update(m.pk for m in office.people.household_of(person))

    def _accounts(self, office: Office, logins: dict[str, Login]) -> None:
        staff = {login.area.pk: login for login in logins.values() if login.role == Role.COMMUNITY_STAFF}
        code = office.area.code
        by_title = {title: person for person, _b, title, _s in office.cadres}
        login = staff.get(office.area.pk)
        if login is not None:
            office.clerk = User.objects.get(pk=login.pk)
        else:
            office.clerk = self._account(
                f"{code}.clerk", _name(by_title.get("主任")), office, Role.COMMUNITY_STAFF
            )
        office.accountant = self._account(
            f"{code}.accountant", _name(by_title.get("会计")), office, Role.COMMUNITY_STAFF
        )

    def _account(self, username: str, name: str, office: Office, role: str | None) -> User:
        """A working account of the demo (no password: it cannot log in; the demo users can)."""
        if not name:
            rng = office.rng
            name = rng.choice("王李张刘陈杨黄赵周吴") + given_name(rng, rng.choice("MF"))
        base, n = username, 1
        while User.objects.filter(username=username).exists():  # a database with someone else's data
            n += 1
            username = f"{base}{n}"
        user = User(username=username, first_name=name, password=self._hashed_unusable)
        user.save()
        if role is not None:
            RoleAssignment.objects.create(user=user, area=office.area, role=role)
        self.counts["office_accounts"] += 1
        return user

    # --- cadres and the close-relatives register

    def _posts_and_kin(self, office: Office) -> None:
        rng, area, clerk = office.rng, office.area, office.clerk
        self.clock.at(self.clock.office(office.term_start + datetime.timedelta(days=3), 9, 30))
        persons = Person.objects.select_related("area").in_bulk(
            [m.pk for p, *_rest in office.cadres for m in office.people.household_of(p)]
        )
        for member, body, title, secretary in office.cadres:
            starts_on = office.term_start
            if title == "会计":  # the accountant often outlasts the elected posts
                starts_on -= datetime.timedelta(days=rng.randrange(400, 2500))
            cadres.check_create_cadre_post(
                clerk,
                area,
                persons[member.pk],
                body=body if not (office.village and body == "staff") else "collective",
                title=title,
                is_party_secretary=secretary,
                starts_on=starts_on,
            )
            self.counts["cadre_posts"] += 1
        declared = self.clock.workday(office.term_start + datetime.timedelta(days=10))
        self.clock.at(self.clock.moment(declared, 14, 0))
        others = [m for m in office.people.adults(office.term_start, 25, 75) if m.pk not in office.excluded]
        rng.shuffle(others)
        for n, (member, _body, _title, _secretary) in enumerate(office.cadres):
            cadre = persons[member.pk]
            declared_here = 0
            for relative in office.people.household_of(member):
                relation = _KIN.get(relation_to_applicant(member.relation, relative.relation))
                if relative.pk == member.pk or relation is None or relative.birth >= declared:
                    continue
                if declared_here == 3:
                    break  # the demo's register is not exhaustive: three household lines per cadre at most
                declared_here += 1
                id18 = persons[relative.pk].unseal("id_number")
                self._kin(clerk, area, cadre, relative.name, id18, relation)
            if n < 2 and others:
                # A brother or sister with a household of their own in the community (same surname if any).
                near = [m for m in others if abs((m.birth - member.birth).days) < 12 * 365] or others
                same = [m for m in near if m.name[:1] == member.name[:1]] or near
                sibling = same[0]
                others.remove(sibling)
                office.kin_elsewhere.append(sibling)
                office.excluded.add(sibling.pk)
                id18 = Person.objects.get(pk=sibling.pk).unseal("id_number")
                self._kin(clerk, area, cadre, sibling.name, id18, KinRelation.SIBLING)
            if n == 1:
                # A grown-up child who lives and works elsewhere: declared, but not in the registry.
                sex = rng.choice("MF")
                born = member.birth + datetime.timedelta(days=rng.randrange(23 * 365, 30 * 365))
                if born < declared - datetime.timedelta(days=18 * 365):
                    id18 = idnumber.make_fake(rng, DISTRICT_CODE, born, sex)
                    name = member.name[:1] + given_name(rng, sex)
                    self._kin(clerk, area, cadre, name, id18, KinRelation.CHILD, note="在外地工作")

    def _kin(
        self,
        clerk: User | None,
        area: Area,
        cadre: Person,
        name: str,
        id18: str,
        relation: str,
        note: str = "",
    ) -> None:
        cadres.check_add_kinship(
            clerk, area, cadre, relative_name=name, relative_id_number=id18, relation=relation, note=note
        )
        self.counts["kinship_lines"] += 1

    # --- the committee

    def _candidates(self, office: Office) -> tuple[list[Member], list[Member], list[Member]]:
        """Deputies, party members and ordinary residents who may sit on the committee."""
        rng = office.rng
        start = office.term_start
        pool = [m for m in office.people.adults(start, 25, 72) if m.pk not in office.excluded]
        deputies = [
            m for m in office.people.deputies if m.pk not in office.excluded and 25 <= m.age(start) <= 72
        ]
        party = [m for m in pool if m.party and not m.deputy]
        ordinary = [m for m in pool if not m.party and not m.deputy]
        for group in (deputies, party, ordinary):
            rng.shuffle(group)
        return deputies, party, ordinary

    def _committee(self, office: Office, logins: dict[str, Login]) -> None:
        rng, area, clerk = office.rng, office.area, office.clerk
        deputies, party, ordinary = self._candidates(office)
        low, high = (3, 5) if office.village else (5, 7)
        n = rng.randint(low, high)
        while n > low and len(deputies) < n // 3:
            n -= 1
        d = min(len(deputies), max(1, n // 3))
        p = min(len(party), (n - d + 1) // 2)
        o = min(len(ordinary), n - d - p)
        chosen = [(m, MemberGroup.DEPUTY) for m in deputies[:d]]
        chosen += [(m, MemberGroup.PARTY) for m in party[:p]]
        chosen += [(m, MemberGroup.ORDINARY) for m in ordinary[:o]]
        if len(chosen) < 3:
            return  # too few residents in the sample (a tiny demo): no committee here
        spare = deputies[d:] + party[p:] + ordinary[o:]
        start = office.term_start
        self.clock.at(self.clock.office(start - datetime.timedelta(days=20), 9, 0))
        office.term = committee.check_create_term(
            clerk,
            area,
            number=3,
            starts_on=start,
            ends_on=_years_later(start, 5) - datetime.timedelta(days=1),
        )
        persons = Person.objects.select_related("area").in_bulk([m.pk for m, _g in chosen])
        # The chair: a party member where there is one; the accountant: an ordinary resident or party member.
        chair = next((m for m, g in chosen if g == MemberGroup.PARTY), chosen[0][0])
        accountant = next((m for m, g in chosen if g != MemberGroup.DEPUTY and m is not chair), chosen[-1][0])
        vice = next((m for m, _g in chosen if m is not chair and m is not accountant), None)
        positions: dict[int, str] = {chair.pk: _POSITION.CHAIR}
        if vice is not None and len(chosen) >= 5:
            positions[vice.pk] = _POSITION.VICE_CHAIR
        disclosure = None
        if office.name == SHOWCASE_COMMUNITY:
            disclosure = self._election(office, chosen, spare[:2], accountant, positions)
        else:
            self.clock.at(self.clock.office(start, 15, 0))
            for m, group in chosen:
                member = committee.check_propose_member(
                    clerk,
                    office.term,
                    persons[m.pk],
                    position=positions.get(m.pk, _POSITION.MEMBER),
                    group=group,
                    has_accounting=m is accountant,
                )
                committee.do_seat_member(clerk, member, start)
        office.members = list(
            CommitteeMember.objects.filter(term=office.term).select_related("person").order_by("pk")
        )
        self.counts["committee_members"] += len(office.members)
        chair_member = next(m for m in office.members if m.position == _POSITION.CHAIR)
        self.clock.at(self.clock.office(start, 16, 0))
        login = next(
            (x for x in logins.values() if x.role == Role.COMMITTEE_MEMBER and x.area.pk == area.pk), None
        )
        if login is not None:
            # The demo user is the chair: its name follows the person (no demo case names the user).
            user = User.objects.get(pk=login.pk)
            user.first_name = chair_member.person.name
            user.save(update_fields=["first_name"])
        else:
            user = self._account(f"{area.code}.committee", chair_member.person.name, office, None)
        committee.do_set_member_user(clerk, chair_member, user)
        office.committee = User.objects.get(pk=user.pk)  # fresh: no cached role assignments
        if disclosure is not None:
            self.clock.at(self.clock.office(start + datetime.timedelta(days=1), 10, 0))
            ledger.do_sign_disclosure(office.committee, disclosure)
            self.clock.at(self.clock.office(start + datetime.timedelta(days=1), 15, 0))
            ledger.do_publish_disclosure(clerk, disclosure)
            self.counts["disclosures_published"] += 1

    def _election(
        self,
        office: Office,
        chosen: Sequence[tuple[Member, str]],
        extra: list[Member],
        accountant: Member,
        positions: Mapping[int, str],
    ) -> Disclosure:
        """The residents' representatives elect the committee (paper count); the result is published and,
        once the committee has signed it, disclosed on the portal."""
        rng, clerk, term = office.rng, office.clerk, office.term
        assert term is not None  # noqa: S101 - created by the caller
        held = self.clock.workday(office.term_start - datetime.timedelta(days=1), forward=False)
        seats = len(chosen)
        self.clock.at(self.clock.office(held - datetime.timedelta(days=14), 9, 30))
        election = elections.check_create_election(
            clerk, term, held_on=held, seats=seats, method=Election.Method.TALLY
        )
        representatives = office.people.adults(held, 25, 75)
        rng.shuffle(representatives)
        electors = Person.objects.select_related("area").in_bulk([m.pk for m in representatives[:36]])
        elections.do_add_electors(clerk, election, [electors[pk] for pk in sorted(electors)])
        candidates_of = Person.objects.select_related("area").in_bulk(
            [m.pk for m, _g in chosen] + [m.pk for m in extra]
        )
        for m, group in chosen:
            elections.check_add_candidate(
                clerk, election, candidates_of[m.pk], group=group, has_accounting=m is accountant
            )
        for m in extra:
            group = (
                MemberGroup.PARTY if m.party else (MemberGroup.DEPUTY if m.deputy else MemberGroup.ORDINARY)
            )
            elections.check_add_candidate(clerk, election, candidates_of[m.pk], group=group)
        self.clock.at(self.clock.moment(held, 9, 0))
        elections.do_open_voting(clerk, election)
        elector_ids = list(election.electors.order_by("pk").values_list("pk", flat=True))
        absent = min(rng.randint(1, 4), len(elector_ids) // 10)
        attended = set(elector_ids[: len(elector_ids) - absent])
        present = len(attended)
        tallies = {}
        elected_ids = {m.pk for m, _g in chosen}
        for candidate in election.candidates.order_by("pk"):
            if candidate.person_id in elected_ids:
                low = int(present * 0.62) + 1
                tallies[candidate.pk] = rng.randint(low, max(low, int(present * 0.8)))
            else:
                tallies[candidate.pk] = rng.randint(int(present * 0.12), int(present * 0.4))
        elections.check_record_tally(clerk, election, attended=attended, tallies=tallies)
        self.clock.at(self.clock.moment(held, 11, 30))
        elections.do_count_election(clerk, election)
        self.clock.at(self.clock.office(office.term_start, 9, 0))
        disclosure = elections.check_publish_result(clerk, election)
        for member in CommitteeMember.objects.filter(term=term).select_related("person"):
            position = positions.get(member.person_id)
            if position is not None:
                committee.do_set_member_position(clerk, member, position)
        self.counts["elections"] += 1
        return disclosure

    # --- the lists

    def _adopt(self, office: Office) -> None:
        """The clerk adopts the whole platform list. 阳光社区 does it through the action (an audit entry
        per item, as a user would leave); elsewhere the same copies are written in bulk with one audit
        entry per list, because 47 items × 12 communities through the action would be a tenth of the
        seeding time."""
        self.clock.at(self.clock.office(office.term_start + datetime.timedelta(days=40), 10, 0))
        for kind in ("power", "supervision"):
            source = list(
                catalogue.available_for_adoption(office.area, kind).order_by("domain", "position", "code")
            )
            if not source:
                continue
            if office.name == SHOWCASE_COMMUNITY:
                adopted = catalogue.check_adopt_items(office.clerk, office.area, kind, [i.pk for i in source])
            else:
                adopted = self._copies(office, kind, source)
            self.counts[f"adopted_{kind}_items"] += len(adopted)

    def _copies(self, office: Office, kind: str, source: list[Any]) -> list[Any]:
        """What `catalogue.check_adopt_items` writes, in one insert: copies with `adopted_from` set, a
        supervision item's power link moved to the community's own copy of that power."""
        model = catalogue.model_for(kind)
        own_powers = dict(PowerItem.objects.filter(area=office.area).values_list("adopted_from_id", "pk"))
        copies = []
        for item in source:
            new = model(area=office.area, active=True)
            new.adopted_from_id = item.pk
            for model_field in model._meta.concrete_fields:
                if model_field.name not in {"id", "area", "adopted_from", "active"}:
                    setattr(new, model_field.attname, copy.deepcopy(getattr(item, model_field.attname)))
            power = getattr(item, "power_item_id", None)
            if isinstance(new, SupervisionItem) and power in own_powers:
                new.power_item_id = own_powers[power]
            copies.append(new)
        model.objects.bulk_create(copies)  # type: ignore[arg-type]
        audit.record(
            office.clerk,
            AuditAction.CREATE,
            target_type=model._meta.model_name or "",
            target_id="adopted",
            target_repr=f"{office.name}采用{model._meta.verbose_name_plural}",
            area=office.area,
            changes={"adopted": [None, [item.code for item in source]]},
            reason=f"采用清单事项 {len(source)} 项",
        )
        return copies

    # --- the annual evaluation

    def _evaluations(self, office: Office) -> None:
        if not office.cadres or office.term is None:
            return
        last = self.today.year - 1
        flagged = (
            office.cadres[2][0].pk if office.name == FLAGGED_COMMUNITY and len(office.cadres) > 2 else None
        )
        years = [last - 1, last] if flagged is not None else [last]
        for year in years:
            self._evaluation(office, year, flagged)

    def _evaluation(self, office: Office, year: int, flagged: int | None) -> None:
        rng, clerk, area = office.rng, office.clerk, office.area
        self.clock.at(self.clock.office(datetime.date(year, 12, 8), 9, 30))
        label = "村两委干部和村务监督委员会" if office.village else "社区两委干部和居务监督委员会"
        item = evaluation.check_open_evaluation(clerk, area, year, f"{year}年度{label}履职评议")
        representatives = rng.randint(30, 42)
        self.clock.at(self.clock.office(datetime.date(year, 12, 16), 15, 0))
        for subject in item.subjects.order_by("pk"):
            if flagged is not None and subject.person_id == flagged:
                unfit = representatives // 2 + rng.randint(1, 4)
                basic = rng.randint(2, representatives - unfit)
            else:
                unfit = rng.choice((0, 0, 0, 1, 2))
                basic = rng.randint(1, 8)
            evaluation.check_record_tally(clerk, subject, representatives - unfit - basic, basic, unfit)
        self.clock.at(self.clock.office(datetime.date(year, 12, 20), 10, 0))
        evaluation.do_close_evaluation(clerk, item)
        self.counts["evaluations"] += 1
        if office.name == SHOWCASE_COMMUNITY and office.committee is not None:
            disclosure = evaluation.check_create_results_disclosure(clerk, item)
            self.clock.at(self.clock.office(datetime.date(year, 12, 22), 10, 0))
            ledger.do_sign_disclosure(office.committee, disclosure)
            self.clock.at(self.clock.office(datetime.date(year, 12, 22), 16, 0))
            ledger.do_publish_disclosure(clerk, disclosure)
            self.counts["disclosures_published"] += 1

    # --- the ledger's manual lines

    def _ledger_lines(self, office: Office) -> None:
        """Monthly meetings of the last half year and a few home visits, as a member records them."""
        if office.committee is None:
            return
        rng = office.rng
        participants = "、".join(
            m.person.name for m in office.members if m.status == CommitteeMember.Status.SERVING
        )
        month = self.today.replace(day=1)
        for back in range(6, 0, -1):
            first = _months_earlier(month, back)
            day = self.clock.add_workdays(first, rng.randint(1, 6))
            moment = self.clock.moment(day, 16, 30)
            if not self.clock.before_end(moment):
                continue
            self.clock.at(moment)
            ledger.record_activity(
                office.committee,
                office.area,
                Activity.Kind.MEETING,
                f"{first.month}月监督委员会例会",
                on=day,
                detail=rng.choice(text.MEETINGS),
                participants=participants,
            )
            self.counts["ledger_lines_manual"] += 1
        for title, detail in rng.sample(text.VISITS, 2):
            day = self.clock.workday(self.today - datetime.timedelta(days=rng.randint(10, 200)))
            moment = self.clock.moment(day, 17, 0)
            if not self.clock.before_end(moment):
                continue
            self.clock.at(moment)
            ledger.record_activity(
                office.committee,
                office.area,
                Activity.Kind.VISIT,
                title,
                on=day,
                detail=detail.format(n=rng.randint(3, 9), k=rng.randint(2, 6)),
                participants=participants,
            )
            self.counts["ledger_lines_manual"] += 1


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _months_earlier(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _name(member: Member | None) -> str:
    return member.name if member is not None else ""
