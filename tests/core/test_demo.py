"""The demo district (`manage.py seed_demo`) and its logins (`manage.py demo_logins`).

The district is seeded once for the module at a small scale, inside a transaction rolled back at the end;
each test runs in a savepoint of it. The same fixture seeds twice more (rolled back) to check determinism.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F
from django.test import override_settings

from yangguang.core import demo
from yangguang.core.actions import registry
from yangguang.core.models import (
    Area,
    AreaKind,
    AuditEntry,
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    Household,
    HouseholdMembership,
    Merchant,
    Person,
    Relation,
    Residence,
    ResidenceStatus,
    RoleAssignment,
    Tag,
)
from yangguang.core.permissions import Role
from yangguang.lib import idnumber

SCALE = 0.02  # about 600 residents
SEED = 7


class _Rollback(Exception):
    pass


def _seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", scale=SCALE, stdout=out, **options)
    return out.getvalue()


def _fingerprint() -> dict[str, Any]:
    """What a seed determines: names in creation order, masked numbers, counts, user names."""
    return {
        "persons": list(Person.objects.order_by("pk").values_list("name", "sex", "id_number_masked")),
        "compounds": list(Compound.objects.order_by("pk").values_list("name", "kind", "property_company")),
        "merchants": list(Merchant.objects.order_by("pk").values_list("name", "credit_code")),
        "users": list(User.objects.order_by("username").values_list("username", "first_name")),
        "counts": [
            m.objects.count()
            for m in (Building, Dwelling, Household, HouseholdMembership, Residence, Merchant)
        ],
    }


def _fingerprint_of_seed(seed: int) -> dict[str, Any]:
    try:
        with transaction.atomic():
            _seed(seed=seed)
            fingerprint = _fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    return fingerprint


@dataclass
class Demo:
    output: str
    logins_before: str
    same_seed: dict[str, Any]
    other_seed: dict[str, Any]


@pytest.fixture(scope="module")
def demo_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers):
        try:
            with transaction.atomic():
                logins_before = StringIO()
                call_command("demo_logins", stdout=logins_before)
                same_seed = _fingerprint_of_seed(SEED)
                other_seed = _fingerprint_of_seed(SEED + 1)
                output = _seed(seed=SEED)
                yield Demo(output, logins_before.getvalue(), same_seed, other_seed)
                raise _Rollback
        except _Rollback:
            pass


@pytest.fixture
def seeded(demo_db: Demo, db: None) -> Demo:
    return demo_db


# --- structure


def test_district_has_three_streets_and_at_least_twelve_communities(seeded):
    district = Area.objects.get(parent=None, name=demo.DISTRICT_NAME)
    assert district.code == demo.DISTRICT_CODE
    assert Area.objects.filter(parent=district, kind=AreaKind.STREET).count() == 3
    communities = Area.objects.filter(path__startswith=district.path).communities()
    assert communities.count() >= 12
    assert communities.filter(kind=AreaKind.VILLAGE).exists()
    grids_per_community = Counter(Area.objects.filter(kind=AreaKind.GRID).values_list("parent_id", flat=True))
    assert set(grids_per_community) == set(communities.values_list("pk", flat=True))
    assert all(2 <= n <= 4 for n in grids_per_community.values())


def test_compounds_of_all_four_kinds_with_property_companies_except_unmanaged(seeded):
    assert set(Compound.objects.values_list("kind", flat=True)) == set(CompoundKind.values)
    assert not Compound.objects.filter(kind=CompoundKind.UNMANAGED).exclude(property_company="").exists()
    assert not Compound.objects.filter(kind=CompoundKind.COMMERCIAL, property_company="").exists()
    assert Compound.objects.filter(area__kind=AreaKind.COMMUNITY).values("area").distinct().count() >= 9


def test_records_sit_in_the_grid_of_their_building(seeded):
    assert not Building.objects.exclude(area__kind=AreaKind.GRID).exists()
    assert not Dwelling.objects.exclude(area=F("building__area")).exists()
    assert not Person.objects.exclude(area=F("dwelling__area")).exists()
    assert not Household.objects.exclude(area=F("dwelling__area")).exists()


def test_population_is_about_the_scale(seeded):
    persons = Person.objects.count()
    assert abs(persons - demo.RESIDENTS_PER_SCALE * SCALE) < 0.15 * demo.RESIDENTS_PER_SCALE * SCALE
    statuses = Counter(Person.objects.values_list("residence_status", flat=True))
    assert statuses[ResidenceStatus.REGISTERED] > persons / 2
    assert 0.05 < statuses[ResidenceStatus.FLOATING] / persons < 0.30
    assert statuses[ResidenceStatus.RESIDENT] > 0


# --- people


def test_every_id_number_is_valid_unique_and_agrees_with_sex_and_birth(seeded):
    persons = list(Person.objects.all())
    indexes = [p.id_number_index for p in persons]
    assert "" not in indexes
    assert len(set(indexes)) == len(indexes)
    for person in persons[::5]:
        id18 = person.unseal("id_number")
        assert idnumber.is_valid(id18)
        assert idnumber.region_code(id18) == demo.DISTRICT_CODE
        assert idnumber.sex(id18) == person.sex
        assert idnumber.birth_date(id18) == person.birth_date
        assert person.id_number_masked == id18[:3] + "*" * 11 + id18[14:]


def test_phones_are_sealed_and_never_mobile_numbers(seeded):
    with_phone = Person.objects.exclude(phone_enc="")
    assert with_phone.count() > Person.objects.count() / 2
    for person in with_phone[:50]:
        phone = person.unseal("phone")
        assert len(phone) == 11
        assert phone[:2] in {"10", "11", "12"}


def test_residence_and_membership_agree_with_dwelling(seeded):
    persons = dict(Person.objects.values_list("pk", "dwelling_id"))
    residences = list(Residence.objects.filter(end_date__isnull=True).values_list("person_id", "dwelling_id"))
    assert dict(residences) == persons
    assert len(residences) == len(persons)
    memberships = list(
        HouseholdMembership.objects.filter(end_date__isnull=True).values_list(
            "person_id", "household__dwelling_id", "relation"
        )
    )
    assert {p: d for p, d, _r in memberships} == persons
    assert len(memberships) == len(persons)
    heads = dict(Household.objects.values_list("pk", "head_id"))
    assert None not in heads.values()
    head_memberships = HouseholdMembership.objects.filter(relation=Relation.HEAD)
    assert dict(head_memberships.values_list("household_id", "person_id")) == heads


def test_households_have_realistic_members(seeded):
    sizes = Counter(Household.objects.annotate(n=Count("memberships")).values_list("n", flat=True))
    assert sizes[1] and sizes[2] and sizes[3] and sizes[4]
    relations = set(HouseholdMembership.objects.values_list("relation", flat=True))
    assert {Relation.HEAD, Relation.SPOUSE, Relation.CHILD, Relation.PARENT} <= relations
    for membership in HouseholdMembership.objects.filter(relation=Relation.CHILD).select_related(
        "person", "household__head"
    )[:100]:
        assert membership.person.birth_date > membership.household.head.birth_date
        assert membership.start_date >= membership.person.birth_date


def test_tag_catalogue_with_sensitive_tags(seeded):
    tags = {t.name: t for t in Tag.objects.all()}
    for name in (
        "独居老人",
        "残疾人",
        "退役军人",
        "党员",
        "人大代表",
        "政协委员",
        "低保户",
        "留守儿童",
        "空巢老人",
    ):
        assert name in tags
    assert tags["残疾人"].sensitive
    assert tags["低保户"].sensitive
    assert not tags["党员"].sensitive
    used = set(Person.tags.through.objects.values_list("tag__name", flat=True))
    assert {"党员", "空巢老人", "人大代表"} <= used
    # Every community has at least one 人大代表.
    deputies = Person.objects.filter(tags__code="npc_deputy").values_list("area__parent_id", flat=True)
    assert set(deputies) == set(Area.objects.communities().values_list("pk", flat=True))


def test_merchants_about_one_per_hundred_residents(seeded):
    merchants = list(Merchant.objects.all())
    assert 0.5 < len(merchants) / (Person.objects.count() / 100) < 2
    for merchant in merchants:
        assert merchant.category
        assert merchant.building is not None
        assert merchant.phone_masked
        code = merchant.credit_code
        assert len(code) == 18
        assert code[2:8] == demo.DISTRICT_CODE
        assert demo.uscc_check(code[:17]) == code[17]


def test_rows_created_after_seeding_get_fresh_ids(seeded):
    # The seeder assigns primary keys itself; the database's own counters must have moved past them.
    dwelling = Dwelling.objects.order_by("-pk").first()
    assert dwelling is not None
    person = Person(area=dwelling.area, name="后来者")
    registry.set_person_identity(person, "430102198503076512")
    registry.do_save_record(None, person)
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-pk").values_list("pk", flat=True)[0]
    registry.do_move_person(None, person, dwelling, on=datetime.date(2024, 1, 1))
    person.tags.add(Tag.objects.get(code="veteran"))


def test_one_audit_entry_summarises_the_seeding(seeded):
    entry = AuditEntry.objects.get(target_type="demo")
    assert entry.action == "import"
    assert entry.changes["persons"] == [None, Person.objects.count()]
    assert not AuditEntry.objects.filter(target_type__in=["person", "household", "dwelling"]).exists()


# --- demo users


def test_every_role_has_a_demo_user_with_an_assignment(seeded):
    roles = set(
        RoleAssignment.objects.filter(user__username__in=demo.DEMO_USERNAMES).values_list("role", flat=True)
    )
    assert roles == set(Role.values)
    for username in demo.DEMO_USERNAMES:
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.first_name
        assert user.role_assignments.exists()


def test_the_two_staff_users_work_in_two_communities_of_street_one(seeded):
    yangguang = RoleAssignment.objects.get(user__username="staff_yangguang").area
    heping = RoleAssignment.objects.get(user__username="staff_heping").area
    street = RoleAssignment.objects.get(user__username="street_discipline").area
    assert yangguang != heping
    assert yangguang.parent == street
    assert heping.parent == street
    grid = RoleAssignment.objects.get(user__username="grid_yangguang1").area
    assert grid.kind == AreaKind.GRID
    assert grid.parent == yangguang


def test_demo_logins_prints_every_user_and_the_password(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for username in demo.DEMO_USERNAMES:
        assert username in text
    assert demo.DEMO_PASSWORD in text
    assert "off" in text


def test_demo_logins_mentions_totp_when_two_factor_is_required(seeded, settings):
    settings.REQUIRE_2FA_FOR_PRIVILEGED = True
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "TOTP" in out.getvalue()
    assert "ON" in out.getvalue()


def test_demo_logins_does_not_claim_a_changed_password(seeded):
    user = User.objects.get(username="staff_heping")
    user.set_password("something else entirely")
    user.save()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "staff_heping" in line)
    assert demo.DEMO_PASSWORD not in line


def test_demo_logins_without_demo_data_says_so(seeded):
    assert "no demo users" in seeded.logins_before
    assert demo.DEMO_PASSWORD not in seeded.logins_before


# --- the command


def test_same_seed_gives_the_same_district(seeded):
    assert seeded.same_seed == _fingerprint()


def test_another_seed_gives_other_people(seeded):
    assert seeded.other_seed["persons"] != seeded.same_seed["persons"]


def test_if_empty_does_nothing_when_areas_exist(seeded):
    before = Person.objects.count(), Area.objects.count(), User.objects.count()
    output = _seed(seed=SEED + 2, if_empty=True)
    assert "not loaded" in output
    assert (Person.objects.count(), Area.objects.count(), User.objects.count()) == before


def test_seeding_twice_is_refused(seeded):
    with pytest.raises(CommandError):
        _seed(seed=SEED)


def test_progress_is_printed(seeded):
    assert "阳光社区" in seeded.output
    assert "ready" in seeded.output


# --- helpers


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三")]
)
def test_cn_number(n, text):
    assert demo.cn_number(n) == text


@pytest.mark.parametrize("code", ["91350100M000100Y43", "914403001922038216"])
def test_credit_code_checksums_match_published_examples(code):
    assert demo.uscc_check(code[:17]) == code[17]
    assert demo.org_code_check(code[8:16]) == code[16]
