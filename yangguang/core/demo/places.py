"""What the district generator hands to the case generator: the places, a sample of residents and the logins.

The registry rows are written in batches and not read back; the case generator needs only a little of
them (which buildings a compound has, who lives where and can be called back, which restaurants there
are), so the district generator notes that in these small records as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yangguang.core.models import Area


@dataclass(slots=True, eq=False)
class BuildingInfo:
    """A building written by the district generator."""

    pk: int
    name: str  # "3栋", or "3号" for a village house
    grid_id: int
    floors: int


@dataclass(slots=True, eq=False)
class Resident:
    """An adult resident with a phone: a possible reporter of a case about their home or compound."""

    name: str
    phone: str
    building: BuildingInfo
    unit: str
    room: str


@dataclass(slots=True, eq=False)
class CompoundInfo:
    """A compound with its buildings, some of its residents and its restaurants (the case generator's view)."""

    pk: int
    name: str
    kind: str
    property_company: str
    address: str
    grid: Area
    village: bool
    buildings: list[BuildingInfo] = field(default_factory=list)
    residents: int = 0
    reporters: list[Resident] = field(default_factory=list)
    restaurants: list[tuple[str, BuildingInfo]] = field(default_factory=list)

    @property
    def place(self) -> str:
        """How residents name the place: 锦绣花园, or 梅溪村三组 for a village group."""
        if self.village:
            return self.address  # the village's name and the group: 梅溪村三组
        return self.name

    @property
    def road(self) -> str:
        """The road the compound stands on (its address without the number): 梧桐路."""
        if self.village:
            return "村道"
        return self.address.rstrip("0123456789号")


@dataclass(slots=True, eq=False)
class CommunityInfo:
    """A community or village with its grids and compounds."""

    area: Area
    street: Area
    village: bool
    grids: list[Area]
    compounds: list[CompoundInfo] = field(default_factory=list)

    @property
    def residents(self) -> int:
        return sum(c.residents for c in self.compounds)


@dataclass(frozen=True, slots=True)
class Login:
    """A demo user as the case generator sees it: who acts, handles and is notified."""

    pk: int
    username: str
    role: str
    area: Area
    label: str  # the user's full name, as `audit.actor_label` gives it
