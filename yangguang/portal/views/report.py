"""Reporting a problem: `/report/`, a community's `/c/<id>/report/` and the QR entry `/q/<compound id>/`.

Plain HTML, full page loads, no JavaScript. The form is parsed here and handed to `cases.check_create_case`,
the one way a case is born; its errors come back beside the fields with everything typed kept (except the
photos: browsers never re-fill a file input, and the page says so).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yangguang.core.actions import cases
from yangguang.core.middleware import client_ip
from yangguang.core.models import Area, Building, Case, Channel, Compound
from yangguang.portal.forms import IDEMPOTENCY_PREFIX, ReportForm, error_summary, new_form_key
from yangguang.portal.places import communities_by_street, community_or_404, compound_or_404


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    return _report(request, community=None, compound=None, channel=Channel.PORTAL)


@require_http_methods(["GET", "POST"])
def community_report(request: HttpRequest, community_id: int) -> HttpResponse:
    community = community_or_404(community_id)
    # A community's poster points here with ?via=qr; the form posts back to the same address.
    channel = Channel.QR if request.GET.get("via") == "qr" else Channel.PORTAL
    return _report(request, community=community, compound=None, channel=channel)


@require_http_methods(["GET", "POST"])
def qr_report(request: HttpRequest, compound_id: int) -> HttpResponse:
    compound, community = compound_or_404(compound_id)
    return _report(request, community=community, compound=compound, channel=Channel.QR)


def _report(
    request: HttpRequest, *, community: Area | None, compound: Compound | None, channel: str
) -> HttpResponse:
    photos_dropped = False
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, fixed_area=community)
        if form.is_valid():
            case = _create(request, form, compound, channel)
            if case is not None:
                return redirect("portal:report_done", code=case.tracking_code)
        photos_dropped = bool(request.FILES.getlist("photos"))
        # Keep the key of the first attempt: nothing was created, and a resubmission must stay one case.
        key = form.cleaned_data.get("key") or ""
        key = key.removeprefix(IDEMPOTENCY_PREFIX) or new_form_key()
    else:
        form = ReportForm(fixed_area=community)
        key = new_form_key()
    context: dict[str, Any] = {
        "form": form,
        "key": key,
        "community": community,
        "compound": compound,
        "streets": communities_by_street() if community is None else [],
        "categories": list(form.fields["category"].queryset),  # type: ignore[attr-defined]
        "compounds": _buildings_by_compound(community, compound) if community is not None else [],
        "summary": error_summary(form),
        "photos_dropped": photos_dropped,
    }
    return render(request, "portal/report.html", context)


def _create(request: HttpRequest, form: ReportForm, compound: Compound | None, channel: str) -> Case | None:
    data = form.cleaned_data
    case_input = cases.CaseInput(
        area=form.chosen_area(),
        category=data["category"],
        description=data["description"],
        channel=channel,
        compound=compound,
        building=data["building"],
        location_text=data["location_text"],
        reporter_name=data["reporter_name"],
        # Anonymous means no way back to the person: the phone is not passed on either (and the core
        # sends no SMS for anonymous cases anyway).
        reporter_phone="" if data["anonymous"] else data["reporter_phone"],
        reporter_email=data["reporter_email"],
        anonymous=data["anonymous"],
        confidential=data["confidential"],
        idempotency_key=data["key"],
        ip=client_ip(request),
        photos=data["photos"],
    )
    try:
        return cases.check_create_case(None, case_input)
    except ValidationError as exc:
        _add_core_errors(form, exc)
        return None


def _add_core_errors(form: ReportForm, exc: ValidationError) -> None:
    """Put the core's messages beside the matching fields; the rest (flood limit, compound) on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _buildings_by_compound(
    community: Area, compound: Compound | None
) -> list[tuple[Compound, list[Building]]]:
    """The buildings a resident may pick: those of the poster's compound, or all of the community's."""
    buildings = Building.objects.filter(area__path__startswith=community.path).select_related("compound")
    if compound is not None:
        buildings = buildings.filter(compound=compound)
    buildings = buildings.order_by("compound__name", "compound_id", "name")
    return [(c, list(group)) for c, group in groupby(buildings, key=lambda b: b.compound)]
