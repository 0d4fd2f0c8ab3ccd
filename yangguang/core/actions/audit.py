"""Writing audit entries and describing changes without leaking personal data."""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import models

from yangguang.core.middleware import current_ip
from yangguang.core.models import Area, AuditEntry
from yangguang.core.models.base import SealedFieldsMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Columns never written to the audit trail: ciphertexts and blind indexes (the masked copy is logged instead).
_HIDDEN_SUFFIXES = ("_enc", "_index")
_SKIPPED_FIELDS = {"created_at", "updated_at", "path", "depth"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


RAW = "__raw__"


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audit-safe values of a model instance's concrete fields (runs no query for FKs: ids only).

    Masked fields also keep their raw value under `RAW`, in memory only, so that `diff` notices a change
    that the mask hides (张三丰 → 张四丰 are both 张*丰). `public` strips it before anything is stored.
    """
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in _SKIPPED_FIELDS or name == "id" or name.endswith(_HIDDEN_SUFFIXES):
            continue
        if isinstance(field, models.ForeignKey):
            values[name] = getattr(obj, field.attname)
        else:
            values[name] = _plain(getattr(obj, name))
    # Names of residents are masked too: the committee reads the audit trail but sees residents masked.
    from yangguang.core.models import Person
    from yangguang.lib.masking import mask_name

    if isinstance(obj, Person):
        raw["name"] = obj.name
        values["name"] = mask_name(obj.name)
    if isinstance(obj, SealedFieldsMixin):
        for sealed in obj.SEALED_FIELDS:
            values.pop(f"{sealed}_masked", None)
            values[sealed] = getattr(obj, f"{sealed}_masked")
            raw[sealed] = getattr(obj, f"{sealed}_index")
    if raw:
        values[RAW] = raw
    return values


def public(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without its in-memory raw values, fit to be stored."""
    return {key: value for key, value in snap.items() if key != RAW}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]} in masked form. A change hidden by the mask is still listed,
    its new value marked "（已修改）"."""
    changes = {
        key: [before.get(key), value] for key, value in public(after).items() if before.get(key) != value
    }
    raw_before: dict[str, Any] = before.get(RAW, {})
    for key, value in after.get(RAW, {}).items():
        if key not in changes and raw_before.get(key) != value:
            changes[key] = [before.get(key), f"{after.get(key)}（已修改）"]
    return changes


def actor_label(actor: AbstractBaseUser | AnonymousUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "系统"
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return full_name or actor.get_username()


def area_of(obj: models.Model) -> Area | None:
    if isinstance(obj, Area):
        return obj
    area_id = getattr(obj, "area_id", None)
    return Area(pk=area_id) if area_id else None


def record(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    *,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    area: Area | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit entry. Call inside the same transaction as the change it describes."""
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target_id or str(target.pk)
        target_repr = target_repr or _safe_repr(target)
        area = area or area_of(target)
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=actor_label(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr[:200],
        area=area,
        changes=changes or {},
        reason=reason,
        ip=current_ip(),
    )


def _safe_repr(obj: models.Model) -> str:
    """A representation fit for the audit trail: people by masked name only."""
    from yangguang.core.models import Person
    from yangguang.lib.masking import mask_name

    if isinstance(obj, Person):
        return mask_name(obj.name)
    return str(obj)
