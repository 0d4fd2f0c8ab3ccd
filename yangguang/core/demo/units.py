"""Who handles the demo's cases: handling units, routing rules and the demo users' memberships.

Every community gets a sanitation team (环卫组), a grid service team (网格服务队), a service station
(综合服务站, welfare and questions) and a mediation committee (人民调解委员会), plus one unit per property
company managing one of its compounds. Every street gets its departments: the urban management squad
(城管中队), the municipal maintenance station (市政维护站), the emergency management office, the environment
office and the discipline committee (纪工委).

Ten of the twelve seeded categories have a routing rule, so their cases are dispatched at intake, as
`check_create_case` does; 物业管理 and 其他 have none: the intake office dispatches them by hand to the
compound's property company, or to the grid team where a compound has none (失管小区).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yangguang.core.models import HandlingUnit

from .places import CommunityInfo, CompoundInfo, Login
from .writer import Writer

_DEPT, _ORG, _PROPERTY = (
    HandlingUnit.Kind.DEPARTMENT,
    HandlingUnit.Kind.COMMUNITY_ORG,
    HandlingUnit.Kind.PROPERTY,
)
STREET_UNITS = ("城管中队", "市政维护站", "应急管理办公室", "生态环境办", "纪工委")
COMMUNITY_UNITS = ("环卫组", "网格服务队", "综合服务站", "人民调解委员会")
GRID_TEAM, SERVICE_STATION = "网格服务队", "综合服务站"
# category code → (level of the rule, the unit's name without its area's name)
ROUTES: dict[str, tuple[str, str]] = {
    "sanitation": ("community", "环卫组"),
    "greening": ("community", "环卫组"),
    "welfare": ("community", SERVICE_STATION),
    "disputes": ("community", "人民调解委员会"),
    "facilities": ("street", "市政维护站"),
    "parking": ("street", "城管中队"),
    "public_order": ("street", "城管中队"),
    "environment": ("street", "生态环境办"),
    "safety": ("street", "应急管理办公室"),
    "integrity": ("street", "纪工委"),
}
# Demo users who belong to units, so their "本单位" queue has cases: (username, unit name without the area).
MEMBERSHIPS = (
    ("grid_yangguang1", GRID_TEAM),
    ("staff_yangguang", SERVICE_STATION),
    ("staff_yangguang", "人民调解委员会"),
    ("staff_heping", SERVICE_STATION),
    ("street_discipline", "纪工委"),
)
# Demo staff named as handler by their community's welfare rule, so their "我的" queue has cases too.
RULE_HANDLERS = ("staff_yangguang", "staff_heping")


@dataclass(frozen=True, slots=True)
class Unit:
    """A handling unit as the case generator uses it."""

    pk: int
    name: str
    members: tuple[int, ...] = ()  # demo users


@dataclass
class Routing:
    """The units and rules written for the district, with the look-ups the case generator needs."""

    units: dict[tuple[int, str], Unit] = field(default_factory=dict)  # (area pk, short or company name)
    rules: dict[tuple[str, int], tuple[Unit, int | None]] = field(default_factory=dict)  # (code, area pk)

    def rule_for(self, category: str, community: CommunityInfo) -> tuple[Unit, int | None] | None:
        """The rule that routes a category in a community: (unit, handler), the deepest area first."""
        return self.rules.get((category, community.area.pk)) or self.rules.get(
            (category, community.street.pk)
        )

    def community_unit(self, community: CommunityInfo, short: str) -> Unit:
        return self.units[(community.area.pk, short)]

    def by_hand(self, community: CommunityInfo, compound: CompoundInfo | None) -> Unit:
        """Where the intake office sends a case no rule routes: the property company, else the grid team."""
        if compound is not None and compound.property_company:
            return self.units[(community.area.pk, compound.property_company)]
        return self.community_unit(community, GRID_TEAM)


def create_routing(
    writer: Writer, communities: list[CommunityInfo], categories: dict[str, int], logins: dict[str, Login]
) -> Routing:
    """Write the units, the demo users' memberships and the routing rules; return the look-ups."""
    routing = Routing()
    planned: dict[tuple[int, str], tuple[str, str]] = {}  # (area pk, key) → (name, kind), in creation order
    streets = {c.street.pk: c.street for c in communities}
    for street in streets.values():
        for short in STREET_UNITS:
            planned[(street.pk, short)] = (f"{street.name}{short}", _DEPT)
    for community in communities:
        area = community.area
        for short in COMMUNITY_UNITS:
            planned[(area.pk, short)] = (f"{area.name}{short}", _ORG)
        for compound in community.compounds:
            if compound.property_company:
                planned.setdefault(
                    (area.pk, compound.property_company), (compound.property_company, _PROPERTY)
                )
    # A member belongs to the unit of that name at the nearest area above their assignment (a grid
    # worker to their community's grid team).
    members: dict[tuple[int, str], list[int]] = {}
    for username, short in MEMBERSHIPS:
        login = logins.get(username)
        if login is None:
            continue
        for area_pk in reversed(login.area.ancestor_ids()):
            if (area_pk, short) in planned:
                members.setdefault((area_pk, short), []).append(login.pk)
                break
    for (area_pk, key), (name, kind) in planned.items():
        pk = writer.units.add(area_pk, name, kind)
        unit_members = tuple(members.get((area_pk, key), ()))
        for user_pk in unit_members:
            writer.unit_members.add(pk, user_pk)
        routing.units[(area_pk, key)] = Unit(pk, name, unit_members)

    handlers = {logins[u].area.pk: logins[u].pk for u in RULE_HANDLERS if u in logins}
    for code, (level, short) in ROUTES.items():
        category = categories.get(code)
        if category is None:  # an administrator deleted or renamed the category: nothing to route
            continue
        areas = list(streets.values()) if level == "street" else [c.area for c in communities]
        for area in areas:
            unit = routing.units[(area.pk, short)]
            handler = handlers.get(area.pk) if short == SERVICE_STATION else None
            writer.rules.add(category, area.pk, unit.pk, handler, "")
            routing.rules[(code, area.pk)] = (unit, handler)
    return routing
