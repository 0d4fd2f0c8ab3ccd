"""Public portal views: readable without JavaScript and without logging in."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yangguang.core.models import Area, AreaKind


def index(request: HttpRequest) -> HttpResponse:
    """The district's streets and communities: public administrative facts only, no personal data."""
    streets = (
        Area.objects.filter(kind=AreaKind.STREET)
        .annotate(
            n_communities=Count(
                "children", filter=Q(children__kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])
            )
        )
        .order_by("path")
    )
    communities = Area.objects.communities().order_by("path")
    by_street: dict[int, list[Area]] = {}
    for community in communities:
        by_street.setdefault(community.parent_id or 0, []).append(community)
    rows = [(street, by_street.get(street.pk, [])) for street in streets]
    return render(request, "portal/index.html", {"rows": rows})
