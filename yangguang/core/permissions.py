"""Who may do what, where: the one table of role capabilities and the jurisdiction helpers.

A user's powers come only from role assignments (user, area, role). A capability held at an area applies to
that area's whole subtree. Views and the API never decide access themselves: they call the `access_*`
helpers in `yangguang.core.actions.access`, which use this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from yangguang.core.models import Area


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    CIVIL_AFFAIRS = "civil_affairs", _("区民政局")
    STREET_DISCIPLINE = "street_discipline", _("街道纪工委")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    COMMITTEE_MEMBER = "committee_member", _("居务监督委员会成员")
    GRID_WORKER = "grid_worker", _("网格员")
    LIAISON = "liaison", _("廉情联络员")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")


class Cap:
    """Capability names (plain strings so they can be stored and passed around)."""

    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"
    REVEAL_PERSONAL = "reveal_personal"
    IMPORT_REGISTRY = "import_registry"
    EXPORT_REGISTRY = "export_registry"
    VIEW_AUDIT = "view_audit"
    MANAGE_AREAS = "manage_areas"
    MANAGE_USERS = "manage_users"
    # Cases
    VIEW_CASES = "view_cases"
    INTAKE_CASES = "intake_cases"
    HANDLE_CASES = "handle_cases"
    SEE_CONFIDENTIAL = (
        "see_confidential"  # a confidential reporter's identity: intake office and committee only
    )
    SUPERVISE_CASES = "supervise_cases"  # receives 督办 escalations, approves extensions
    MANAGE_CASE_SETTINGS = "manage_case_settings"  # categories, time limits, routing, calendar
    # Supervision (居务监督)
    VIEW_SUPERVISION = "view_supervision"  # committee, lists, inspections, vouchers, ledger: read
    SUPERVISE = "supervise"  # the committee's own acts: inspect, find, order rectification, sign, opine
    MANAGE_COMMITTEE = "manage_committee"  # terms, members, cadre posts, kinship register, elections
    ADOPT_CATALOGUE = "adopt_catalogue"  # a community adopts and adapts power/supervision list items
    MANAGE_CATALOGUE = "manage_catalogue"  # a district edits the catalogue itself
    MANAGE_FINANCE = "manage_finance"  # staff: submit, co-sign and post vouchers; record uses of power
    OVERSEE = "oversee"  # street and district: compare communities, issue bulletins
    # Welfare funds and projects (惠民资金、惠民项目)
    VIEW_WELFARE = "view_welfare"  # rosters, applications, notices, payments, projects: read (audited)
    MANAGE_WELFARE = "manage_welfare"  # staff: applications, enrolment, notices, payments, reviews
    MANAGE_PROGRAMS = "manage_programs"  # district civil affairs: programs, standards, counting rules
    MANAGE_PROJECTS = "manage_projects"  # staff: welfare projects, procurement, progress, acceptance


ALL_CAPS = frozenset(v for k, v in vars(Cap).items() if k.isupper())

# The supervision committee reads everything in its community but edits nothing of the staff's; street
# and district oversight roles read their subtree; only staff and grid workers change the registry.
ROLE_CAPS: dict[str, frozenset[str]] = {
    # The committee's own acts stay with the committee: an administrator cannot sign in its name.
    Role.DISTRICT_ADMIN: ALL_CAPS - {Cap.SUPERVISE},
    Role.CIVIL_AFFAIRS: frozenset(
        {
            Cap.VIEW_REGISTRY,
            Cap.EXPORT_REGISTRY,
            Cap.VIEW_CASES,
            Cap.VIEW_SUPERVISION,
            Cap.OVERSEE,
            Cap.VIEW_WELFARE,
            Cap.MANAGE_PROGRAMS,
        }
    ),
    Role.STREET_DISCIPLINE: frozenset(
        {
            Cap.VIEW_REGISTRY,
            Cap.EXPORT_REGISTRY,
            Cap.VIEW_AUDIT,
            Cap.VIEW_CASES,
            Cap.SUPERVISE_CASES,
            Cap.VIEW_SUPERVISION,
            Cap.OVERSEE,
            Cap.VIEW_WELFARE,
        }
    ),
    Role.COMMUNITY_STAFF: frozenset(
        {
            Cap.VIEW_REGISTRY,
            Cap.EDIT_REGISTRY,
            Cap.REVEAL_PERSONAL,
            Cap.IMPORT_REGISTRY,
            Cap.EXPORT_REGISTRY,
            Cap.VIEW_CASES,
            Cap.INTAKE_CASES,
            Cap.HANDLE_CASES,
            Cap.SEE_CONFIDENTIAL,
            Cap.VIEW_SUPERVISION,
            Cap.MANAGE_COMMITTEE,
            Cap.ADOPT_CATALOGUE,
            Cap.MANAGE_FINANCE,
            Cap.VIEW_WELFARE,
            Cap.MANAGE_WELFARE,
            Cap.MANAGE_PROJECTS,
        }
    ),
    Role.COMMITTEE_MEMBER: frozenset(
        {
            Cap.VIEW_REGISTRY,
            Cap.EXPORT_REGISTRY,
            Cap.VIEW_AUDIT,
            Cap.VIEW_CASES,
            Cap.SEE_CONFIDENTIAL,
            Cap.VIEW_SUPERVISION,
            Cap.SUPERVISE,
            Cap.VIEW_WELFARE,
        }
    ),
    Role.GRID_WORKER: frozenset(
        {Cap.VIEW_REGISTRY, Cap.EDIT_REGISTRY, Cap.VIEW_CASES, Cap.INTAKE_CASES, Cap.HANDLE_CASES}
    ),
    Role.LIAISON: frozenset({Cap.INTAKE_CASES}),
    Role.VOLUNTEER: frozenset(),
    Role.RESIDENT: frozenset(),
}

# Roles whose holders must use TOTP two-factor authentication (unless the demo setting turns it off).
PRIVILEGED_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.CIVIL_AFFAIRS, Role.STREET_DISCIPLINE})

_CACHE_ATTR = "_yangguang_assignments"


def assignments(user: AbstractBaseUser | AnonymousUser) -> list[tuple[str, str]]:
    """(role, area path) pairs of a user's active assignments, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached: list[tuple[str, str]] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from yangguang.core.models import RoleAssignment

        cached = list(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "area__path"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_assignments(user: AbstractBaseUser | AnonymousUser) -> None:
    """Drop the per-request cache after a user's role assignments change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def jurisdiction_paths(user: AbstractBaseUser | AnonymousUser, capability: str) -> list[str]:
    """Area paths under which the user holds `capability`; redundant nested paths are dropped."""
    if not user.is_authenticated or not user.is_active:
        return []
    paths = sorted(
        {path for role, path in assignments(user) if capability in ROLE_CAPS.get(role, frozenset())}
    )
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def has_capability(user: AbstractBaseUser | AnonymousUser, capability: str, area: Area | None = None) -> bool:
    """Whether the user holds `capability` at `area` (or anywhere, when no area is given)."""
    paths = jurisdiction_paths(user, capability)
    if area is None:
        return bool(paths)
    return any(area.path.startswith(path) for path in paths)


def requires_two_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return any(role in PRIVILEGED_ROLES for role, _path in assignments(user))
