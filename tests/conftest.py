"""Shared personas and places, built through actions like real data.

Two communities side by side, so every protected page and endpoint can be checked for leaks:

- district 示范区 → street 东风街道 → 阳光社区 (with grid 一网格) and 和平社区; street 西湖街道 → 明月村
- alice: community staff of 阳光社区          - bob: supervision committee member of 阳光社区
- carol: community staff of 和平社区 (outsider to 阳光社区)
- dave: street discipline secretary of 东风街道  - erin: district admin
- grace: grid worker of 阳光社区 一网格         - mallory: logged in, no role at all
"""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from yangguang.core.actions import registry
from yangguang.core.models import Area, Building, Compound, Dwelling, Person, RoleAssignment
from yangguang.core.permissions import Role


@pytest.fixture(autouse=True)
def _fast_tests(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.REQUIRE_2FA_FOR_PRIVILEGED = False
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the default language. A request through LocaleMiddleware leaves its language
    active in the thread afterwards, so one English page would otherwise turn the next test's messages
    English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (the public boards keep their counts there for a minute)."""
    from django.core.cache import cache

    cache.clear()


# Valid fictional ID numbers (GB 11643 checksums) used across the tests.
ALICE_NEIGHBOUR_ID = "430102198503076512"


@dataclass
class World:
    district: Area
    street: Area
    street2: Area
    sunshine: Area
    grid: Area
    peace: Area
    village: Area
    compound: Compound
    building: Building
    dwelling: Dwelling
    person: Person
    other_compound: Compound
    other_building: Building
    other_dwelling: Dwelling
    other_person: Person
    alice: User
    bob: User
    carol: User
    dave: User
    erin: User
    grace: User
    mallory: User


def make_user(username: str, full_name: str, role: str | None = None, area: Area | None = None) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery", first_name=full_name)
    if role and area:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    return user


def make_person(area: Area, dwelling: Dwelling | None, name: str, id_number: str, **extra: Any) -> Person:
    person = Person(area=area, name=name, **extra)
    registry.set_person_identity(person, id_number)
    registry.do_save_record(None, person)
    if dwelling is not None:
        registry.do_move_person(None, person, dwelling, on=datetime.date(2020, 1, 1))
    return person


def ensure_case_defaults() -> None:
    """Re-create what the data migrations seed (case categories and time limits, committee rules, the
    default power and supervision lists, household counting rules): a transactional (browser) test
    flushes every table afterwards, so later tests in the same process would otherwise find none."""
    from django.apps import apps

    for name in ("0003_case_defaults", "0006_supervision_defaults", "0008_welfare_defaults"):
        importlib.import_module(f"yangguang.core.migrations.{name}").seed(apps, None)


@pytest.fixture
def world(db: None) -> World:
    ensure_case_defaults()
    district = registry.do_create_area(None, parent=None, kind="district", name="示范区", code="430102")
    street = registry.do_create_area(None, parent=district, kind="street", name="东风街道")
    street2 = registry.do_create_area(None, parent=district, kind="street", name="西湖街道")
    sunshine = registry.do_create_area(None, parent=street, kind="community", name="阳光社区")
    grid = registry.do_create_area(None, parent=sunshine, kind="grid", name="一网格")
    peace = registry.do_create_area(None, parent=street, kind="community", name="和平社区")
    village = registry.do_create_area(None, parent=street2, kind="village", name="明月村")

    compound = registry.do_save_record(None, Compound(area=sunshine, name="芙蓉苑", kind="commercial"))
    building = registry.do_save_record(None, Building(compound=compound, area=grid, name="3栋", floors=6))
    dwelling = registry.do_save_record(None, Dwelling(building=building, unit="1单元", room="302", floor=3))
    person = make_person(grid, dwelling, "张三丰", "43010219500101123X")

    other_compound = registry.do_save_record(None, Compound(area=peace, name="和平里", kind="old"))
    other_building = registry.do_save_record(None, Building(compound=other_compound, name="8栋"))
    other_dwelling = registry.do_save_record(
        None, Dwelling(building=other_building, unit="2单元", room="101")
    )
    other_person = make_person(peace, other_dwelling, "李四", "430102198002022233")

    return World(
        district=district,
        street=street,
        street2=street2,
        sunshine=sunshine,
        grid=grid,
        peace=peace,
        village=village,
        compound=compound,
        building=building,
        dwelling=dwelling,
        person=person,
        other_compound=other_compound,
        other_building=other_building,
        other_dwelling=other_dwelling,
        other_person=other_person,
        alice=make_user("alice", "王爱丽", Role.COMMUNITY_STAFF, sunshine),
        bob=make_user("bob", "刘博", Role.COMMITTEE_MEMBER, sunshine),
        carol=make_user("carol", "陈卡", Role.COMMUNITY_STAFF, peace),
        dave=make_user("dave", "戴伟", Role.STREET_DISCIPLINE, street),
        erin=make_user("erin", "易琳", Role.DISTRICT_ADMIN, district),
        grace=make_user("grace", "葛瑞", Role.GRID_WORKER, grid),
        mallory=make_user("mallory", "马洛"),
    )
