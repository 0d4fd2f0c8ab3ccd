"""What the supervision and welfare generators read back of a community's registry: a sample of its adults
with their households and tags, enough to choose cadres, committee members, representatives and applicants.

The registry is written in bulk and not kept in memory, so this reads it back — a window of a few hundred
registered adults starting at a random primary key (bounded, whatever the scale), plus every 人大代表 and
政协委员 of the community (the committee needs one).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from yangguang.core.models import Area, HouseholdMembership, Person, ResidenceStatus

WINDOW = 320
_YEAR = 365.25
DEPUTY_TAGS = ("npc_deputy", "cppcc_member")


@dataclass(slots=True, eq=False)
class Member:
    """A person of a sampled household."""

    pk: int
    name: str
    sex: str
    birth: datetime.date
    household: int
    relation: str  # to the head
    since: datetime.date
    status: str
    tags: set[str] = field(default_factory=set)

    def age(self, on: datetime.date) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))

    @property
    def party(self) -> bool:
        return "party_member" in self.tags

    @property
    def deputy(self) -> bool:
        return any(tag in self.tags for tag in DEPUTY_TAGS)


class Neighbourhood:
    """A bounded sample of one community's households (three or four queries)."""

    def __init__(
        self, area: Area, grids: list[Area], rng: random.Random, today: datetime.date, window: int = WINDOW
    ) -> None:
        self.area = area
        # By the grids' ids (the indexed foreign key) rather than a join on the area path.
        in_area = Person.objects.filter(area_id__in=[area.pk, *(g.pk for g in grids)], died_on__isnull=True)
        adults = in_area.filter(
            residence_status=ResidenceStatus.REGISTERED,
            birth_date__lte=today - datetime.timedelta(days=int(22 * _YEAR)),
            birth_date__gte=today - datetime.timedelta(days=int(75 * _YEAR)),
        )
        bounds = list(adults.order_by("pk").values_list("pk", flat=True)[:1]) + list(
            adults.order_by("-pk").values_list("pk", flat=True)[:1]
        )
        ids: list[int] = []
        if bounds:
            start = rng.randint(bounds[0], bounds[-1])
            ids = list(adults.filter(pk__gte=start).order_by("pk").values_list("pk", flat=True)[:window])
            if len(ids) < window:
                ids += list(
                    adults.filter(pk__lt=start)
                    .order_by("pk")
                    .values_list("pk", flat=True)[: window - len(ids)]
                )
        deputies = list(in_area.filter(tags__code__in=DEPUTY_TAGS).values_list("pk", flat=True))
        households = set(
            HouseholdMembership.objects.filter(
                person_id__in=ids + deputies, end_date__isnull=True
            ).values_list("household_id", flat=True)
        )
        rows = (
            HouseholdMembership.objects.filter(household_id__in=households, end_date__isnull=True)
            .order_by("household_id", "start_date", "pk")
            .values_list(
                "person_id",
                "person__name",
                "person__sex",
                "person__birth_date",
                "household_id",
                "relation",
                "start_date",
                "person__residence_status",
                "person__died_on",
            )
        )
        self.people: dict[int, Member] = {}
        self.households: dict[int, list[Member]] = {}
        for pk, name, sex, birth, household, relation, since, status, died_on in rows:
            if died_on is not None:
                continue
            member = Member(pk, name, sex, birth, household, relation, since, status)
            self.people[pk] = member
            self.households.setdefault(household, []).append(member)
        through = Person.tags.through
        for person_id, code in through.objects.filter(person_id__in=list(self.people)).values_list(
            "person_id", "tag__code"
        ):
            self.people[person_id].tags.add(code)
        self.deputies = [self.people[pk] for pk in deputies if pk in self.people]

    def adults(self, on: datetime.date, lo: int = 25, hi: int = 70) -> list[Member]:
        """Registered residents aged lo–hi on `on` who lived in the community by then, in a stable order."""
        return [
            m
            for m in self.people.values()
            if m.status == ResidenceStatus.REGISTERED and lo <= m.age(on) <= hi and m.since <= on
        ]

    def household_of(self, member: Member) -> list[Member]:
        return self.households.get(member.household, [])
