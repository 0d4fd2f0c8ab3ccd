"""Jurisdiction: who holds which capability where, and what `visible_to` returns."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from yangguang.core.models import Area, Building, Person, RoleAssignment
from yangguang.core.permissions import Cap, Role, forget_assignments, has_capability, jurisdiction_paths


def test_staff_sees_only_own_community(world):
    names = set(Person.objects.visible_to(world.alice).values_list("name", flat=True))
    assert names == {"张三丰"}


def test_outsider_staff_sees_none_of_the_other_community(world):
    assert not Building.objects.visible_to(world.carol).filter(pk=world.building.pk).exists()
    assert Building.objects.visible_to(world.carol).filter(pk=world.other_building.pk).exists()


def test_street_role_sees_its_communities_but_not_another_street(world):
    visible = set(Area.objects.visible_to(world.dave).values_list("name", flat=True))
    assert {"阳光社区", "和平社区", "一网格"} <= visible
    assert "明月村" not in visible
    assert "西湖街道" not in visible


def test_district_admin_sees_everything(world):
    assert Person.objects.visible_to(world.erin).count() == Person.objects.count()


def test_grid_worker_sees_only_the_grid(world):
    assert list(Person.objects.visible_to(world.grace)) == [world.person]
    assert not Area.objects.visible_to(world.grace).filter(pk=world.sunshine.pk).exists()


def test_committee_member_reads_but_cannot_edit(world):
    assert has_capability(world.bob, Cap.VIEW_REGISTRY, world.grid)
    assert not has_capability(world.bob, Cap.EDIT_REGISTRY, world.grid)
    assert not has_capability(world.bob, Cap.REVEAL_PERSONAL, world.grid)
    assert has_capability(world.bob, Cap.VIEW_AUDIT, world.sunshine)


def test_user_without_roles_sees_nothing(world):
    assert Person.objects.visible_to(world.mallory).count() == 0
    assert jurisdiction_paths(world.mallory, Cap.VIEW_REGISTRY) == []


def test_anonymous_sees_nothing(world):
    assert Person.objects.visible_to(AnonymousUser()).count() == 0


def test_inactive_user_sees_nothing(world):
    world.alice.is_active = False
    assert Person.objects.visible_to(world.alice).count() == 0


def test_nested_assignments_collapse_to_the_outer_path(world):
    RoleAssignment.objects.create(user=world.dave, area=world.sunshine, role=Role.COMMITTEE_MEMBER)
    forget_assignments(world.dave)
    assert jurisdiction_paths(world.dave, Cap.VIEW_REGISTRY) == [world.street.path]


def test_sibling_path_prefix_does_not_leak(world):
    # Paths end with "/", so area 1 never matches area 12's subtree.
    assert all(path.endswith("/") for path in Area.objects.values_list("path", flat=True))
