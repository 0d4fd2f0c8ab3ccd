"""Revealing personal data: permission, reason and an audit entry, every time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.models import AuditAction
from yangguang.core.models.base import SealedFieldsMixin
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MIN_REASON_LENGTH = 4


@transaction.atomic
def do_reveal(user: AbstractBaseUser | AnonymousUser, obj: SealedFieldsMixin, field: str, reason: str) -> str:
    """Return the plaintext of a sealed field after checking the permission and recording the reveal."""
    if field not in obj.SEALED_FIELDS:
        raise ValidationError(_("该字段不能查看。"))
    area = getattr(obj, "area", None)
    if area is None or not has_capability(user, Cap.REVEAL_PERSONAL, area):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("请填写查看事由（至少%(n)d个字）。") % {"n": MIN_REASON_LENGTH})
    value = obj.unseal(field)
    audit.record(user, AuditAction.REVEAL, target=obj, changes={"field": field}, reason=reason)
    return value
