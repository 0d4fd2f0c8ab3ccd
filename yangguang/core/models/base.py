"""Shared model machinery: jurisdiction-scoped querysets and sealed (encrypted personal) fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows how to restrict itself to a user's jurisdiction.

    Every protected model has an `area` foreign key (the most specific area it belongs to); `scope_prefix`
    is the lookup path from the model to that area's `path`. `visible_to` is the one place where a list
    of protected records is narrowed to what a user may see; views never filter by area themselves.
    """

    scope_prefix: ClassVar[str] = "area__"

    def in_areas(self, paths: list[str]) -> ScopedQuerySet[_M]:
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{self.scope_prefix}path__startswith": path})
        return self.filter(condition)

    def visible_to(
        self, user: AbstractBaseUser | AnonymousUser, capability: str = "view_registry"
    ) -> ScopedQuerySet[_M]:
        from yangguang.core.permissions import jurisdiction_paths

        return self.in_areas(jurisdiction_paths(user, capability))


class SealedFieldsMixin(models.Model):
    """Personal values kept encrypted, with a blind index for exact lookups and one masked copy for display.

    A sealed value `x` is stored as three columns: `x_enc` (AES-GCM token), `x_index` (HMAC blind index,
    for de-duplication and search by the full value) and `x_masked` (the platform's one mask of it).
    The plaintext is only ever recovered through `yangguang.core.actions.privacy.do_reveal`, which
    checks the permission and writes the audit entry.
    """

    SEALED_FIELDS: ClassVar[dict[str, str]] = {}  # field name → masking kind

    class Meta:
        abstract = True

    def set_sealed(self, field: str, raw: str) -> None:
        """Set a sealed field from its (already normalised) plaintext; empty clears it. Runs no query."""
        from yangguang.core.sealing import seal

        kind = self.SEALED_FIELDS[field]
        enc, index, masked = seal(self._meta.label_lower, field, kind, raw)
        setattr(self, f"{field}_enc", enc)
        setattr(self, f"{field}_index", index)
        setattr(self, f"{field}_masked", masked)

    def unseal(self, field: str) -> str:
        """Plaintext of a sealed field. Call only from the reveal action or from code that must use the
        value internally (e.g. checking the birth date against the ID number), never for display."""
        from yangguang.core.sealing import unseal

        token: str = getattr(self, f"{field}_enc")
        return unseal(self._meta.label_lower, field, token)
