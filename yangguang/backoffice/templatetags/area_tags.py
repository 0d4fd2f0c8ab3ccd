"""Template helpers for the area pages: which management buttons a user gets (no query once the user's
role assignments are cached for the request, as the page's own access check has done)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from yangguang.core.actions.areas import IMPORT_TARGET_KINDS, child_kinds
from yangguang.core.models import Area
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

register = template.Library()


@register.simple_tag
def area_management(user: AbstractBaseUser | AnonymousUser, area: Area | None = None) -> dict[str, bool]:
    """`{% area_management user area as may %}`: may.edit, may.add (a child), may.import (rows into it).

    Without an area: may.import says whether the user may import areas anywhere (the tree page).
    """
    if area is None:
        anywhere = has_capability(user, Cap.MANAGE_AREAS)
        return {"edit": False, "add": False, "import": anywhere}
    manages = has_capability(user, Cap.MANAGE_AREAS, area)
    return {
        "edit": manages,
        "add": manages and bool(child_kinds(area)),
        "import": manages and area.kind in IMPORT_TARGET_KINDS,
    }
