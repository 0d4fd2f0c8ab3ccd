"""Public disclosures (居务公开): choose a community, read its published disclosures newest first, open
one.

Only published disclosures exist here; a withdrawn one disappears (404). A disclosure's page shows its
title, dates and its `payload`, the masked public projection the committee signed, and nothing else: the
record it was made from is never loaded, so nothing of it (names, ID numbers, phones) can leak.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yangguang.core.actions.oversight import disclosure_kind_label, payload_blocks
from yangguang.core.models import Area, AreaKind, Disclosure
from yangguang.portal.places import community_of, community_or_404

PER_PAGE = 20
# Columns a public page never reads: the staff's draft text, the source record's address, who drafted.
PRIVATE_FIELDS = ("body", "source_type", "source_id", "created_by", "signed_by")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every community and village by street, each linking to its disclosures."""
    communities = Area.objects.communities().order_by("path").only("pk", "name", "parent_id")
    streets = Area.objects.filter(kind=AreaKind.STREET).order_by("path").only("pk", "name")
    by_street: dict[int, list[Area]] = {}
    for community in communities:
        by_street.setdefault(community.parent_id or 0, []).append(community)
    rows = [(street, by_street.get(street.pk, [])) for street in streets]
    return render(request, "portal/disclosures.html", {"rows": rows})


@require_GET
def community(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's published disclosures, newest first, 20 a page."""
    area = community_or_404(community_id)
    rows = (
        Disclosure.objects.filter(
            status=Disclosure.Status.PUBLISHED,
            published_at__isnull=False,
            area__path__startswith=area.path,
        )
        .only("pk", "kind", "title", "published_at")
        .order_by("-published_at", "-id")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = [(d, disclosure_kind_label(d.kind)) for d in page.object_list]
    return render(
        request, "portal/disclosures_community.html", {"community": area, "page": page, "items": items}
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published disclosure: title, dates and the signed public content (payload) only."""
    disclosure = (
        Disclosure.objects.filter(pk=pk, status=Disclosure.Status.PUBLISHED, published_at__isnull=False)
        .select_related("area__parent")
        .defer(*PRIVATE_FIELDS)
        .first()
    )
    if disclosure is None:
        raise Http404(_("没有这个公开事项，或已撤回。"))
    context = {
        "disclosure": disclosure,
        "community": community_of(disclosure.area) or disclosure.area,
        "kind_label": disclosure_kind_label(disclosure.kind),
        "blocks": payload_blocks(disclosure.payload),
    }
    return render(request, "portal/disclosures_detail.html", context)
