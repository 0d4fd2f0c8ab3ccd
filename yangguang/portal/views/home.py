"""Public pages anyone may read: the index, a community's board and a case's public status page.

Nothing here names a resident: boards count and list titles; a case page shows what was asked and done,
and for a case whose content is not public (`Case.content_public`: the reporter asked for confidentiality,
or its category keeps details private) only its category and status.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yangguang.core.models import Area, AreaKind, Case, CaseCategory, CaseStatus, Compound
from yangguang.core.models.cases import area_ids_under
from yangguang.core.paging import page_from_rows, page_number, uncounted_page
from yangguang.portal.labels import RESIDENT_NOTE_EVENTS, event_label, status_sentence, steps_for
from yangguang.portal.places import community_of, community_or_404

BOARD_MONTHS = 12
CLOSURES_PER_PAGE = 20
# The closures are paged without a count (yangguang.core.paging) and only this deep: OFFSET costs grow with
# the page, and a public page should not let anyone make the database walk a community's whole history.
CLOSURE_PAGES = 50
# What a board shows except later pages of closures is cached this long per community: the page is public
# and anonymous, and a community's 12 months of cases take tens of milliseconds to count (bench.cases).
# While it is cached, the first page of a board runs no query at all.
BOARD_CACHE_SECONDS = 60


@dataclass
class BoardSummary:
    """What a board shows that is costly to compute and may be a minute old (pickled into the cache)."""

    community: Area
    area_ids: list[int]
    status_counts: dict[str, int]
    category_counts: list[tuple[str, int]]
    metrics: dict[str, float | int | None]
    compounds: list[Compound]
    first_closures: list[Case]  # the first page, and one more if there is a next page
    expires: float = 0.0  # when the cached summary runs out (time.time())

    def seconds_left(self) -> int:
        return max(1, round(self.expires - time.time()))


def closures_in(area_ids: list[int]) -> QuerySet[Case]:
    """Closed cases in these areas, the latest first: a backward scan of the index on `closed_at`."""
    return (
        Case.objects.filter(area_id__in=area_ids, closed_at__isnull=False)
        .select_related("category")
        .only("number", "title", "confidential", "closed_at", "category__name", "category__public_details")
        .order_by("-closed_at", "-id")
    )


def board_summary(community_id: int) -> BoardSummary:
    """A community's board without its later pages of closures: from the cache, or in six queries (the
    community, its areas, the counts with the 12345 indicators in one grouped query over the last 12
    months, the category names, the compounds and the first page of closures). 404 for a place that is
    not a community."""
    key = f"portal:board:{community_id}"
    summary: BoardSummary | None = cache.get(key)
    if summary is not None:
        return summary
    community = community_or_404(community_id)
    area_ids = area_ids_under([community.path])
    since = timezone.now() - datetime.timedelta(days=365 * BOARD_MONTHS // 12)
    recent = Case.objects.filter(area_id__in=area_ids, created_at__gte=since)
    counts, metrics = recent.tally("status", "category_id")
    status_counts: Counter[str] = Counter()
    by_category: Counter[int] = Counter()
    for (status, category_id), n in counts.items():
        status_counts[status] += n
        by_category[category_id] += n
    categories = CaseCategory.objects.filter(pk__in=list(by_category)).order_by("position", "code")
    summary = BoardSummary(
        community=community,
        area_ids=area_ids,
        status_counts=dict(status_counts),
        category_counts=[(category.name, by_category[category.pk]) for category in categories],
        metrics=metrics,
        compounds=list(Compound.objects.filter(area_id__in=area_ids).order_by("name").only("pk", "name")),
        first_closures=list(closures_in(area_ids)[: CLOSURES_PER_PAGE + 1]),
        expires=time.time() + BOARD_CACHE_SECONDS,
    )
    cache.set(key, summary, BOARD_CACHE_SECONDS)
    return summary


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
    the latest closures. The first page is the same for every visitor, so its HTML is kept with the
    summary it was made from, per language, until that summary runs out: no query and no template while
    it lasts, and never older than BOARD_CACHE_SECONDS. Later pages of closures run one query."""
    number = page_number(request.GET.get("page"), last=CLOSURE_PAGES)
    if number == 1:
        key = f"portal:board-page:{community_id}:{get_language()}"
        html: str | None = cache.get(key)
        if html is None:
            summary = board_summary(community_id)
            html = render_to_string("portal/board.html", board_context(summary, 1), request)
            cache.set(key, html, summary.seconds_left())
        return HttpResponse(html)
    return render(request, "portal/board.html", board_context(board_summary(community_id), number))


def board_context(summary: BoardSummary, number: int) -> dict[str, Any]:
    if number == 1:
        page = page_from_rows(summary.first_closures, 1, CLOSURES_PER_PAGE, last=CLOSURE_PAGES)
    else:
        page = uncounted_page(closures_in(summary.area_ids), CLOSURES_PER_PAGE, number, last=CLOSURE_PAGES)
    by_status = [
        (label, summary.status_counts[value])
        for value, label in CaseStatus.choices
        if value in summary.status_counts
    ]
    return {
        "community": summary.community,
        "by_status": by_status,
        "by_category": summary.category_counts,
        "total": sum(summary.status_counts.values()),
        "metrics": summary.metrics,
        "page": page,
        "compounds": summary.compounds,
        "months": BOARD_MONTHS,
    }


@require_GET
def case_status(request: HttpRequest, number: str) -> HttpResponse:
    """`/cases/<number>/`: what anyone may know about a case. Numbers are sequential, so this page is
    masked: no reporter, and unless `case.content_public` no title, description, place or timeline."""
    case = (
        Case.objects.select_related("category", "area__parent", "merged_into")
        .filter(number=number.strip().upper())
        .first()
    )
    if case is None:
        raise Http404(_("没有这个编号的诉求。"))
    events = []
    if case.content_public:
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
