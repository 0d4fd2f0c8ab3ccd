"""Template helpers for registry pages: role-dependent masking, object links and ages.

Masking is decided here, once, for every registry template: a person's name is shown in full only to users
holding REVEAL_PERSONAL over that person's area (community staff, district admins); the supervision
committee, grid workers and street/district oversight roles see the platform's one mask of it. The same
rule hides sensitive tags (health, disability) and the full birth date, which together with the masked ID
number's visible prefix and suffix would let a reader rebuild the hidden digits.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import template
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from yangguang.core.models import Area, Dwelling, Person, Tag
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

register = template.Library()


def may_reveal(user: AbstractBaseUser | AnonymousUser, area: Area | None) -> bool:
    """Whether `user` sees personal data in full at `area` (no query once the user's roles are cached)."""
    if area is None:
        return False
    return has_capability(user, Cap.REVEAL_PERSONAL, area)


@register.filter
def display_name(person: Person | None, user: AbstractBaseUser | AnonymousUser) -> str:
    """`{{ person|display_name:user }}`: the full name for REVEAL_PERSONAL holders, else the masked name.

    The person's `area` must be loaded with it (select_related) to keep list pages free of N+1 queries.
    """
    if person is None:
        return ""
    if may_reveal(user, person.area):
        return person.name
    return mask_name(person.name)


@register.filter
def visible_tags(person: Person, user: AbstractBaseUser | AnonymousUser) -> list[Tag]:
    """`{{ person|visible_tags:user }}`: the person's tags, without sensitive ones unless the user may reveal.

    Reads the prefetched `tags` (prefetch_related("tags")) so it runs no query per row.
    """
    tags = list(person.tags.all())
    if may_reveal(user, person.area):
        return tags
    return [tag for tag in tags if not tag.sensitive]


@register.filter
def display_birth(person: Person, user: AbstractBaseUser | AnonymousUser) -> str:
    """The full birth date for REVEAL_PERSONAL holders; otherwise the age only."""
    if may_reveal(user, person.area):
        return person.birth_date.isoformat()
    return age_label(person.birth_date)


@register.filter
def age(birth: datetime.date | None) -> int | None:
    """Age in whole years today (local date), or None without a birth date."""
    if birth is None:
        return None
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_label(birth: datetime.date | None) -> str:
    years = age(birth)
    if years is None:
        return ""
    return gettext("%(n)d岁") % {"n": years}


@register.filter
def detail_url(obj: models.Model | None) -> str:
    """URL of a registry object's back-office page (`backoffice:<model>_detail`)."""
    if obj is None:
        return ""
    return reverse(f"backoffice:{obj._meta.model_name}_detail", args=[obj.pk])


@register.simple_tag
def can_view(user: AbstractBaseUser | AnonymousUser, area: Area | None) -> bool:
    """`{% can_view user obj.area as linkable %}`: whether a link to a record of `area` leads anywhere."""
    return area is not None and has_capability(user, Cap.VIEW_REGISTRY, area)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """`{{ counts|get_item:status }}` for dictionaries keyed by variables."""
    return mapping.get(key)


@register.filter
def dwelling_label(dwelling: Dwelling | None) -> str:
    """The dwelling as "芙蓉苑 3栋 1单元302"; needs building__compound loaded with it."""
    if dwelling is None:
        return ""
    return f"{dwelling.building.compound.name} {dwelling.building.name} {dwelling.unit}{dwelling.room}"
