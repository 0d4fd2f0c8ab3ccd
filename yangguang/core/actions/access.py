"""`access_*`: the only way views and the API load a protected object.

Each returns the object when the user may act on it with the given capability and raises `Http404`
otherwise — an outsider cannot even learn that the record exists. Each condition stands on its own line
so that coverage shows every branch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models
from django.http import Http404

from yangguang.core.models import Area
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_M = TypeVar("_M", bound=models.Model)


def _area_path_lookup(model: type[models.Model]) -> str:
    if model is Area:
        return "path"
    prefix: str = getattr(model._default_manager.all(), "scope_prefix", "area__")
    return f"{prefix}path"


def access_object(
    user: AbstractBaseUser | AnonymousUser,
    model: type[_M],
    pk: object,
    capability: str = Cap.VIEW_REGISTRY,
    queryset: models.QuerySet[_M] | None = None,
) -> _M:
    """Load `model` #pk if the user holds `capability` over its area; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    base = queryset if queryset is not None else model._default_manager.all()
    try:
        obj = base.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404 from exc
    area = obj if isinstance(obj, Area) else _area_for(obj)
    if area is None:
        raise Http404
    if not has_capability(user, capability, area):
        raise Http404
    return obj


def _area_for(obj: models.Model) -> Area | None:
    area = getattr(obj, "area", None)
    return area if isinstance(area, Area) else None


def access_area(
    user: AbstractBaseUser | AnonymousUser, pk: object, capability: str = Cap.VIEW_REGISTRY
) -> Area:
    return access_object(user, Area, pk, capability)
