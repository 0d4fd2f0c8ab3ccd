"""The power and supervision lists: the seeded default catalogue, district editing, community adoption and
which items apply where (effective_items)."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World
from yangguang.core.actions import catalogue
from yangguang.core.models import AuditEntry, Domain, PowerItem, SupervisionItem

SEED = importlib.import_module("yangguang.core.migrations.0006_supervision_defaults")


def platform(kind: str, code: str) -> PowerItem | SupervisionItem:
    return catalogue.model_for(kind).objects.get(area=None, code=code)


def power_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "QX-CW-01",
        "name": "区级小额开支",
        "domain": Domain.FINANCE,
        "basis": "示范区财务管理办法",
        "check_frequency": "monthly",
        "position": 1,
        "steps": "申请\n审核\n审批",
        "evidence": "发票\n审批单",
        "meeting_required": "joint",
        "amount_min": "0",
        "amount_max": "3000",
    }
    data.update(overrides)
    return data


# --- the default catalogue -------------------------------------------------------------------------------


def test_seed_is_idempotent(world: World) -> None:
    counts = (PowerItem.objects.count(), SupervisionItem.objects.count())
    SEED.seed(apps, None)
    SEED.seed(apps, None)
    assert (PowerItem.objects.count(), SupervisionItem.objects.count()) == counts
    assert 20 <= counts[0] <= 30
    assert 15 <= counts[1] <= 20


def test_seed_covers_every_domain_in_both_lists(world: World) -> None:
    for model in (PowerItem, SupervisionItem):
        domains = set(model.objects.filter(area=None).values_list("domain", flat=True))
        assert domains == set(Domain.values), model


def test_seeded_power_items_have_flow_evidence_and_basis(world: World) -> None:
    for item in PowerItem.objects.filter(area=None):
        assert item.steps and item.evidence and item.basis, item.code
    small = platform("power", "QL-CW-01")
    assert small.amount_max == Decimal("5000") and small.meeting_required == "joint"
    assert "平台默认值" in small.basis  # the band is a configurable default, said so
    large = platform("power", "QL-CW-03")
    assert large.amount_min == Decimal("50000.01") and large.amount_max is None
    assert large.meeting_required == "assembly"


def test_seeded_supervision_items_have_checkpoints_and_links(world: World) -> None:
    items = list(SupervisionItem.objects.filter(area=None))
    assert all(item.checkpoints for item in items)
    welfare = SupervisionItem.objects.get(area=None, code="JD-HM-01")
    assert welfare.power_item is not None and welfare.power_item.code == "QL-HM-01"


# --- which items apply where -----------------------------------------------------------------------------


def codes(kind: str, area: object) -> set[str]:
    return set(catalogue.effective_items(area, kind).values_list("code", flat=True))  # type: ignore[arg-type]


def test_a_community_without_anything_uses_the_platform_list(world: World) -> None:
    platform_codes = set(PowerItem.objects.filter(area=None).values_list("code", flat=True))
    assert codes("power", world.sunshine) == platform_codes
    assert codes("power", world.grid) == platform_codes  # a grid follows its community
    assert codes("power", None) == platform_codes


def test_district_items_replace_platform_items_then_adoption_replaces_both(world: World) -> None:
    small = platform("power", "QL-CW-01")
    copy, created = catalogue.check_copy_to_district(world.erin, small, world.district)
    assert created and copy.adopted_from_id == small.pk and copy.area_id == world.district.pk
    catalogue.check_create_item(world.erin, "power", world.district, power_data())
    effective = catalogue.effective_items(world.sunshine, "power")
    assert effective.filter(code="QL-CW-01").get().pk == copy.pk  # the district's version, not both
    assert effective.filter(code="QX-CW-01").exists()
    assert effective.filter(code="QL-CW-02", area=None).exists()  # untouched platform items stay

    catalogue.check_adopt_items(world.alice, world.sunshine, "power", [copy.pk])
    assert codes("power", world.sunshine) == {"QL-CW-01"}  # only what the community adopted
    assert "QX-CW-01" in codes("power", world.peace)  # the neighbour still follows the district


def test_a_deactivated_district_copy_hides_the_platform_item(world: World) -> None:
    copy, _created = catalogue.check_copy_to_district(
        world.erin, platform("power", "QL-MS-03"), world.district
    )
    catalogue.do_set_item_active(world.erin, copy, False)
    assert "QL-MS-03" not in codes("power", world.sunshine)


def test_a_community_that_deactivated_its_copies_does_not_fall_back(world: World) -> None:
    item = platform("supervision", "JD-CW-01")
    [adopted] = catalogue.check_adopt_items(world.alice, world.sunshine, "supervision", [item.pk])
    catalogue.do_set_item_active(world.alice, adopted, False)
    assert codes("supervision", world.sunshine) == set()


# --- district editing ------------------------------------------------------------------------------------


def test_district_admin_creates_and_edits_district_items_with_audit(world: World) -> None:
    item = catalogue.check_create_item(world.erin, "power", world.district, power_data())
    assert item.steps == ["申请", "审核", "审批"] and item.amount_max == Decimal("3000.00")
    assert AuditEntry.objects.filter(
        target_type="poweritem", target_id=str(item.pk), action="create"
    ).exists()
    catalogue.check_update_item(world.erin, item, power_data(name="区级小额日常开支", steps="申请\n审批"))
    item.refresh_from_db()
    assert item.name == "区级小额日常开支" and item.steps == ["申请", "审批"]
    entry = AuditEntry.objects.get(target_type="poweritem", target_id=str(item.pk), action="update")
    assert entry.changes["name"] == ["区级小额开支", "区级小额日常开支"]


def test_item_validation_reports_every_problem_in_chinese(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        catalogue.check_create_item(
            world.erin,
            "power",
            world.district,
            power_data(code="", name="", domain="x", amount_min="abc", amount_max="-5"),
        )
    errors = exc.value.message_dict
    assert errors["code"] == ["请填写编号。"]
    assert errors["name"] == ["请填写事项名称。"]
    assert errors["domain"] == ["请选择类别。"]
    assert "金额格式不正确" in errors["amount_min"][0]
    assert errors["amount_max"] == ["金额不能为负数。"]


def test_min_above_max_and_duplicate_code_are_refused(world: World) -> None:
    catalogue.check_create_item(world.erin, "power", world.district, power_data())
    with pytest.raises(ValidationError) as exc:
        catalogue.check_create_item(
            world.erin, "power", world.district, power_data(amount_min="9000", amount_max="100")
        )
    assert exc.value.message_dict["code"] == ["本清单中已有编号为QX-CW-01的事项。"]
    assert exc.value.message_dict["amount_max"] == ["金额上限不能小于下限。"]


def test_supervision_item_links_only_a_power_that_applies(world: World) -> None:
    copy, _ = catalogue.check_copy_to_district(world.erin, platform("power", "QL-CW-04"), world.district)
    data = {"code": "QX-JD-01", "name": "报账抽查", "domain": "finance", "checkpoints": "票据\n签字"}
    item = catalogue.check_create_item(
        world.erin, "supervision", world.district, {**data, "power_item": copy}
    )
    assert isinstance(item, SupervisionItem) and item.power_item_id == copy.pk
    replaced = platform("power", "QL-CW-04")  # replaced by the district's copy
    with pytest.raises(ValidationError) as exc:
        catalogue.check_create_item(
            world.erin, "supervision", world.district, {**data, "code": "QX-JD-02", "power_item": replaced}
        )
    assert exc.value.message_dict["power_item"] == ["只能关联本级清单中适用的权力事项。"]


def test_platform_items_are_read_only(world: World) -> None:
    item = platform("power", "QL-CW-01")
    with pytest.raises(PermissionDenied):
        catalogue.check_update_item(world.erin, item, power_data())
    with pytest.raises(PermissionDenied):
        catalogue.do_set_item_active(world.erin, item, False)


@pytest.mark.parametrize("persona", ["alice", "bob", "dave", "mallory"])
def test_only_the_district_admin_edits_the_district_catalogue(world: World, persona: str) -> None:
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        catalogue.check_create_item(user, "power", world.district, power_data())
    with pytest.raises(PermissionDenied):
        catalogue.check_copy_to_district(user, platform("power", "QL-CW-01"), world.district)
    item = catalogue.check_create_item(world.erin, "power", world.district, power_data())
    with pytest.raises(PermissionDenied):
        catalogue.check_update_item(user, item, power_data(name="改名"))


def test_copy_to_district_is_idempotent(world: World) -> None:
    item = platform("power", "QL-ZC-01")
    first, created = catalogue.check_copy_to_district(world.erin, item, world.district)
    again, created_again = catalogue.check_copy_to_district(world.erin, item, world.district)
    assert created and not created_again and first.pk == again.pk


# --- community adoption ----------------------------------------------------------------------------------


def test_adoption_copies_and_is_idempotent(world: World) -> None:
    items = [platform("power", "QL-CW-01"), platform("power", "QL-XM-01")]
    adopted = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [i.pk for i in items])
    assert {a.code for a in adopted} == {"QL-CW-01", "QL-XM-01"}
    assert all(a.area_id == world.sunshine.pk for a in adopted)
    assert {a.adopted_from_id for a in adopted} == {i.pk for i in items}
    assert adopted[0].steps == PowerItem.objects.get(pk=adopted[0].adopted_from_id).steps
    again = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [i.pk for i in items])
    assert again == []
    assert PowerItem.objects.filter(area=world.sunshine).count() == 2
    assert (
        AuditEntry.objects.filter(target_type="poweritem", action="create", area=world.sunshine).count() == 2
    )
    available = catalogue.available_for_adoption(world.sunshine, "power")
    assert not available.filter(code__in=["QL-CW-01", "QL-XM-01"]).exists()


def test_adopted_supervision_item_points_to_the_adopted_power(world: World) -> None:
    power = platform("power", "QL-HM-01")
    [own_power] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [power.pk])
    [own_item] = catalogue.check_adopt_items(
        world.alice, world.sunshine, "supervision", [platform("supervision", "JD-HM-01").pk]
    )
    assert isinstance(own_item, SupervisionItem) and own_item.power_item_id == own_power.pk


def test_community_adapts_and_deactivates_its_copy(world: World) -> None:
    [own] = catalogue.check_adopt_items(
        world.alice, world.sunshine, "power", [platform("power", "QL-CW-01").pk]
    )
    data = {
        **power_data(code=own.code, name=own.name, domain=own.domain),
        "steps": "申请\n审核\n审批\n公示\n报账\n归档",
        "amount_max": "3000",
    }
    catalogue.check_update_item(world.alice, own, data)
    own.refresh_from_db()
    assert own.steps[-1] == "归档" and own.amount_max == Decimal("3000.00")
    assert platform("power", "QL-CW-01").amount_max == Decimal("5000.00")  # the original is untouched
    catalogue.do_set_item_active(world.alice, own, False)
    own.refresh_from_db()
    assert not own.active


def test_other_communities_and_the_committee_cannot_adopt_or_adapt(world: World) -> None:
    item = platform("power", "QL-CW-01")
    for user in (world.carol, world.bob, world.dave, world.mallory):
        with pytest.raises(PermissionDenied):
            catalogue.check_adopt_items(user, world.sunshine, "power", [item.pk])
    [own] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [item.pk])
    for user in (world.carol, world.bob):
        with pytest.raises(PermissionDenied):
            catalogue.check_update_item(user, own, power_data())
        with pytest.raises(PermissionDenied):
            catalogue.do_set_item_active(user, own, False)


def test_adoption_refuses_items_from_elsewhere_and_empty_selections(world: World) -> None:
    [peace_item] = catalogue.check_adopt_items(
        world.carol, world.peace, "power", [platform("power", "QL-ZC-01").pk]
    )
    with pytest.raises(ValidationError):
        catalogue.check_adopt_items(world.alice, world.sunshine, "power", [peace_item.pk])
    with pytest.raises(ValidationError) as exc:
        catalogue.check_adopt_items(world.alice, world.sunshine, "power", [])
    assert exc.value.message_dict["items"] == ["请至少选择一个事项。"]
    with pytest.raises(ValidationError):
        catalogue.check_adopt_items(world.alice, world.sunshine, "power", ["999999"])
    assert not PowerItem.objects.filter(area=world.sunshine).exists()


def test_adoption_only_into_a_community(world: World) -> None:
    with pytest.raises(ValidationError):
        catalogue.check_adopt_items(world.erin, world.street, "power", [platform("power", "QL-CW-01").pk])


def test_visibility_of_items_by_level(world: World) -> None:
    district_item = catalogue.check_create_item(world.erin, "power", world.district, power_data())
    [own] = catalogue.check_adopt_items(
        world.alice, world.sunshine, "power", [platform("power", "QL-CW-02").pk]
    )
    own = PowerItem.objects.select_related("area").get(pk=own.pk)
    district_item = PowerItem.objects.select_related("area").get(pk=district_item.pk)
    for persona in ("alice", "bob", "carol", "dave", "erin"):
        assert catalogue.may_view_item(getattr(world, persona), district_item), persona
    assert not catalogue.may_view_item(world.mallory, district_item)
    assert not catalogue.may_view_item(world.grace, district_item)  # grid workers have no supervision view
    assert catalogue.may_view_item(world.bob, own)
    assert not catalogue.may_view_item(world.carol, own)
