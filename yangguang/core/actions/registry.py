"""Changes to the area tree and the registry. Each writes its audit entry in the same transaction."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.models import (
    ALLOWED_CHILD_KINDS,
    Area,
    AuditAction,
    Building,
    Dwelling,
    Household,
    HouseholdMembership,
    Merchant,
    Person,
    Relation,
    Residence,
)
from yangguang.lib import idnumber

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

_M = TypeVar("_M", bound=models.Model)


# --- areas -------------------------------------------------------------------------------------------


def check_area_placement(parent: Area | None, kind: str) -> None:
    """Raise ValidationError unless an area of `kind` may sit under `parent`."""
    if parent is None:
        if kind != "district":
            raise ValidationError(_("只有区可以作为最上级区域。"))
        return
    if kind not in ALLOWED_CHILD_KINDS[parent.kind]:
        raise ValidationError(
            _("“%(parent)s”下不能设立该类型的区域。") % {"parent": parent.name}, code="bad_area_kind"
        )


@transaction.atomic
def do_create_area(actor: Actor, *, parent: Area | None, kind: str, name: str, code: str = "") -> Area:
    check_area_placement(parent, kind)
    area = Area(parent=parent, kind=kind, name=name, code=code)
    area.full_clean(exclude=["path"])
    area.save()
    # The path needs the primary key, so it is set right after the insert.
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    area.depth = parent.depth + 1 if parent else 0
    area.save(update_fields=["path", "depth"])
    audit.record(actor, AuditAction.CREATE, target=area, changes=audit.public(audit.snapshot(area)))
    return area


# --- generic registry records ------------------------------------------------------------------------


def _derive_area(obj: models.Model) -> None:
    """Keep the denormalised `area` of a record consistent with where it physically is."""
    if isinstance(obj, Building) and not obj.area_id:
        obj.area_id = obj.compound.area_id
    elif isinstance(obj, Dwelling):
        obj.area_id = obj.building.area_id
    elif isinstance(obj, Person | Household) and obj.dwelling_id:
        obj.area_id = obj.dwelling.area_id  # type: ignore[union-attr]
    elif isinstance(obj, Merchant) and obj.building_id and not obj.area_id:
        obj.area_id = obj.building.area_id  # type: ignore[union-attr]


@transaction.atomic
def do_save_record(actor: Actor, obj: _M, *, before: dict[str, Any] | None = None) -> _M:
    """Create (`before` is None) or update a registry record and audit what changed.

    `before` is `audit.snapshot(obj)` taken when the record was loaded, so the entry says old → new.
    An update that changes nothing writes nothing.
    """
    _derive_area(obj)
    obj.full_clean()
    after = audit.snapshot(obj)
    if before is None:
        obj.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            target=obj,
            changes={k: [None, v] for k, v in audit.public(after).items()},
        )
        return obj
    changes = audit.diff(before, after)
    if changes:
        obj.save()
        audit.record(actor, AuditAction.UPDATE, target=obj, changes=changes)
    return obj


@transaction.atomic
def do_delete_record(actor: Actor, obj: models.Model) -> None:
    """Delete a record; PROTECT relations surface as a ValidationError with a Chinese message."""
    snap = audit.public(audit.snapshot(obj))
    target_repr = audit._safe_repr(obj)
    area = audit.area_of(obj)
    pk = str(obj.pk)
    try:
        obj.delete()
    except models.ProtectedError as exc:
        raise ValidationError(_("该记录仍被其他记录引用（例如楼栋下还有房屋），不能删除。")) from exc
    audit.record(
        actor,
        AuditAction.DELETE,
        target_type=obj._meta.model_name or "",
        target_id=pk,
        target_repr=target_repr,
        area=area,
        changes={k: [v, None] for k, v in snap.items()},
    )


# --- people ------------------------------------------------------------------------------------------


def check_identity(
    raw_id: str, sex: str | None = None, birth_date: datetime.date | None = None
) -> tuple[str, str, datetime.date]:
    """Normalise an ID number and check the given sex and birth date against it.

    Returns (id18, sex, birth_date); a missing sex or birth date is derived from the number.
    Raises ValidationError with a Chinese message naming the field at fault.
    """
    try:
        id18 = idnumber.normalize(raw_id, today=timezone.localdate())
    except idnumber.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    derived_sex = idnumber.sex(id18)
    derived_birth = idnumber.birth_date(id18)
    errors: dict[str, str] = {}
    if sex and sex != derived_sex:
        errors["sex"] = _("性别与身份证号码不符（号码显示为%(sex)s）。") % {
            "sex": _("男") if derived_sex == "M" else _("女")
        }
    if birth_date and birth_date != derived_birth:
        errors["birth_date"] = _("出生日期与身份证号码不符（号码显示为%(date)s）。") % {
            "date": derived_birth.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    return id18, derived_sex, derived_birth


def find_person_by_id_number(id18: str) -> Person | None:
    from yangguang.core.sealing import blind_index

    return Person.objects.filter(id_number_index=blind_index("core.person", "id_number", id18)).first()


def set_person_identity(
    person: Person, raw_id: str, sex: str | None = None, birth: datetime.date | None = None
) -> None:
    """Validate and seal the ID number on an unsaved person; reject a number another person already has."""
    id18, person.sex, person.birth_date = check_identity(raw_id, sex, birth)
    existing = find_person_by_id_number(id18)
    if existing is not None and existing.pk != person.pk:
        raise ValidationError({"id_number": _("该身份证号码已登记在其他居民名下。")})
    person.set_sealed("id_number", id18)


@transaction.atomic
def do_move_person(actor: Actor, person: Person, dwelling: Dwelling | None, *, on: datetime.date) -> None:
    """Move a person to a dwelling (or out of any), closing the current residence: one dwelling at a time."""
    current = Residence.objects.filter(person=person, end_date__isnull=True).first()
    if current is not None and dwelling is not None and current.dwelling_id == dwelling.pk:
        return
    if current is not None:
        if on < current.start_date:
            raise ValidationError(_("迁出日期不能早于入住日期。"))
        current.end_date = on
        current.save(update_fields=["end_date"])
    before = audit.snapshot(person)
    person.dwelling = dwelling
    if dwelling is not None:
        Residence.objects.create(person=person, dwelling=dwelling, start_date=on)
        person.area_id = dwelling.area_id
    person.save(update_fields=["dwelling", "area"])
    audit.record(actor, AuditAction.UPDATE, target=person, changes=audit.diff(before, audit.snapshot(person)))


@transaction.atomic
def do_set_membership(
    actor: Actor, household: Household, person: Person, relation: str, *, on: datetime.date
) -> HouseholdMembership:
    """Put a person in a household (leaving any other); the head relation also sets the household head."""
    current = HouseholdMembership.objects.filter(person=person, end_date__isnull=True).first()
    if current is not None and current.household_id == household.pk:
        if current.relation != relation:
            current.relation = relation
            current.save(update_fields=["relation"])
        membership = current
    else:
        if current is not None:
            current.end_date = on
            current.save(update_fields=["end_date"])
        membership = HouseholdMembership.objects.create(
            household=household, person=person, relation=relation, start_date=on
        )
    if relation == Relation.HEAD and household.head_id != person.pk:
        household.head = person
        household.save(update_fields=["head"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=household,
        changes={"member": [None, audit._safe_repr(person)], "relation": [None, relation]},
    )
    return membership
