"""Loading the public places a URL names: a community (or village) and a compound with its community."""

from __future__ import annotations

from itertools import groupby

from django.http import Http404
from django.utils.translation import gettext as _

from yangguang.core.models import Area, Compound


def community_or_404(community_id: int) -> Area:
    area = Area.objects.select_related("parent").filter(pk=community_id).first()
    if area is None or not area.is_community:
        raise Http404(_("没有这个社区。"))
    return area


def community_of(area: Area) -> Area | None:
    """The community an area belongs to: itself, or the parent of a grid (needs `parent` loaded)."""
    if area.is_community:
        return area
    if area.parent is not None and area.parent.is_community:
        return area.parent
    return None


def compound_or_404(compound_id: int) -> tuple[Compound, Area]:
    """A compound and the community it lies in (its area may be a grid of that community)."""
    compound = Compound.objects.select_related("area__parent__parent").filter(pk=compound_id).first()
    community = community_of(compound.area) if compound is not None else None
    if compound is None or community is None:
        raise Http404(_("没有这个小区。"))
    return compound, community


def communities_by_street() -> list[tuple[Area, list[Area]]]:
    """Communities grouped under their street, in tree order (one query)."""
    communities = Area.objects.communities().select_related("parent").order_by("path")
    return [
        (street, list(group))
        for street, group in groupby(communities, key=lambda c: c.parent)
        if street is not None
    ]
