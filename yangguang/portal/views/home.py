"""Public pages anyone may read: the index, a community's board and a case's public status page.

Nothing here names a resident: boards count and list titles; a case page shows what was asked and done,
and for a confidential case only its category and status.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yangguang.core.models import Area, AreaKind, Case, CaseStatus, Compound
from yangguang.portal.labels import RESIDENT_NOTE_EVENTS, event_label, status_sentence, steps_for
from yangguang.portal.places import community_of, community_or_404

BOARD_MONTHS = 12
CLOSURES_PER_PAGE = 20


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The big "report a problem" button, the tracking-code box, and every community's board."""
    communities = Area.objects.communities().select_related("parent").order_by("path")
    streets = Area.objects.filter(kind=AreaKind.STREET).order_by("path")
    by_street: dict[int, list[Area]] = {}
    for community in communities:
        by_street.setdefault(community.parent_id or 0, []).append(community)
    rows = [(street, by_street.get(street.pk, [])) for street in streets]
    return render(request, "portal/index.html", {"rows": rows})


@require_GET
def board(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's public board: the last 12 months by status and category, the 12345 indicators and
    the latest closures. A fixed number of queries however many cases there are."""
    community = community_or_404(community_id)
    in_community = Case.objects.filter(area__path__startswith=community.path)
    since = timezone.now() - datetime.timedelta(days=365 * BOARD_MONTHS // 12)
    recent = in_community.filter(created_at__gte=since)
    status_counts = dict(recent.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [
        (label, status_counts[value]) for value, label in CaseStatus.choices if value in status_counts
    ]
    by_category = list(
        recent.order_by("category__position", "category__code")
        .values_list("category__name")
        .annotate(n=Count("id"))
    )
    closures = (
        in_community.filter(closed_at__isnull=False)
        .select_related("category")
        .only("number", "title", "confidential", "closed_at", "category__name")
        .order_by("-closed_at", "-id")
    )
    page = Paginator(closures, CLOSURES_PER_PAGE).get_page(request.GET.get("page"))
    compounds = Compound.objects.filter(area__path__startswith=community.path).order_by("name")
    context: dict[str, Any] = {
        "community": community,
        "by_status": by_status,
        "by_category": by_category,
        "total": sum(status_counts.values()),
        "metrics": recent.metrics(),
        "page": page,
        "compounds": list(compounds.only("pk", "name")),
        "months": BOARD_MONTHS,
    }
    return render(request, "portal/board.html", context)


@require_GET
def case_status(request: HttpRequest, number: str) -> HttpResponse:
    """`/cases/<number>/`: what anyone may know about a case. Numbers are sequential, so this page is
    masked: no reporter, and for a confidential case no title, description, place or timeline."""
    case = (
        Case.objects.select_related("category", "area__parent", "merged_into")
        .filter(number=number.strip().upper())
        .first()
    )
    if case is None:
        raise Http404(_("没有这个编号的诉求。"))
    events = []
    if not case.confidential:
        for event in case.events.filter(public=True):
            # The resident's own words when rating stay on their private page.
            note = "" if event.kind in RESIDENT_NOTE_EVENTS else event.note
            events.append((event, event_label(event.kind), note))
    context = {
        "case": case,
        "community": community_of(case.area),
        "steps": steps_for(case.status),
        "sentence": status_sentence(case.status),
        "events": events,
    }
    return render(request, "portal/case.html", context)
