"""Welfare projects (惠民项目) on the portal: the district's projects (`/projects/`, filtered by community
and status), a community's projects (`/projects/c/<community>/`) and one project's page (`/projects/<pk>/`)
with its budget, funding, contractor, spending the committee signed, public progress reports with their
photos, the acceptance result and the residents' feedback form. What residents may see is one rule,
`projects.public_projects()`.

Nothing personal is shown: the contractor passes `vouchers.public_payee` (an individual is masked), staff's
free text passes `inspections.public_text` (phone and ID numbers and residents' names masked), and the acceptance's participants and notes, the
voucher payees and the residents' comments are never loaded. Photos are served only for public progress
reports of projects that are not cancelled. Plain HTML, full page loads, no JavaScript.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Sum, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yangguang.core.actions import projects, vouchers
from yangguang.core.actions.inspections import public_text
from yangguang.core.middleware import client_ip
from yangguang.core.models import Area, Evidence, Project, ProjectAcceptance, VoucherStatus
from yangguang.portal.forms import FreeTextField, error_summary
from yangguang.portal.places import communities_by_street, community_of, community_or_404

PER_PAGE = 20
SIGNED = (VoucherStatus.REVIEWED, VoucherStatus.COSIGNED, VoucherStatus.POSTED)
SCORES = [
    (5, gettext_lazy("非常满意")),
    (4, gettext_lazy("满意")),
    (3, gettext_lazy("一般")),
    (2, gettext_lazy("不满意")),
    (1, gettext_lazy("非常不满意")),
]
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}
# The district list shows what is still under way before what is done; cancelled projects are never public.
FINISHED = (Project.Status.ACCEPTED, Project.Status.CLOSED)
PUBLIC_STATUSES = [
    (value, label) for value, label in Project.Status.choices if value != Project.Status.CANCELLED
]


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("评分"),
        choices=[(str(value), label) for value, label in SCORES],
        coerce=int,
        error_messages={
            "required": gettext_lazy("请选择评分。"),
            "invalid_choice": gettext_lazy("请选择评分。"),
        },
    )
    comment = FreeTextField(
        label=gettext_lazy("意见"),
        required=False,
        max_length=projects.MAX_FEEDBACK_COMMENT,
        error_messages={"max_length": gettext_lazy("意见不能超过%(limit_value)d个字。")},
    )


class ProjectFilter(forms.Form):
    """The district list's filters, sent by a plain GET form; an empty choice means "all"."""

    community = forms.TypedChoiceField(
        label=gettext_lazy("社区/村"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("没有这个社区，请重新选择。")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部状态")), *PUBLIC_STATUSES],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("没有这个项目状态，请重新选择。")},
    )

    def __init__(self, *args: Any, communities: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Kept so the chosen community's path is read from the list already loaded (no query).
        self.communities = {c.pk: c for c in communities}
        choices = [("", _("全部社区")), *((c.pk, c.name) for c in communities)]
        self.fields["community"].choices = choices  # type: ignore[attr-defined]


def _public_project(pk: int) -> Project:
    project = projects.public_projects().select_related("area__parent").filter(pk=pk).first()
    if project is None:
        raise Http404(_("没有这个项目。"))
    return project


@require_GET
def community_projects(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's projects (not cancelled), newest first, 20 a page."""
    area = community_or_404(community_id)
    rows = (
        projects.public_projects()
        .filter(area__path__startswith=area.path)
        .only("pk", "title", "status", "budget", "created_at")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = [(p, projects.yuan(p.budget)) for p in page.object_list]
    return render(request, "portal/project_list.html", {"community": area, "page": page, "items": items})


@require_GET
def project_index(request: HttpRequest) -> HttpResponse:
    """The district's projects (not cancelled), under way first, then newest first, 20 a page; filtered by
    community and status. Three queries however many projects: communities, count, page."""
    streets = communities_by_street()
    communities = [c for _street, group in streets for c in group]
    form = ProjectFilter(request.GET or None, communities=communities)
    rows = projects.public_projects()
    filtered = False
    if form.is_bound:
        # A choice that is not on the list is explained beside its field, and only that filter is left out.
        form.is_valid()
        community = form.communities.get(form.cleaned_data.get("community") or 0)
        status = form.cleaned_data.get("status") or ""
        if community is not None:
            rows = rows.filter(area__path__startswith=community.path)
        if status:
            rows = rows.filter(status=status)
        filtered = community is not None or bool(status)
    # A project is always registered in a community or village (`check_create_project`): its area is the
    # community shown on the row.
    rows = (
        rows.select_related("area")
        .only("pk", "title", "status", "budget", "created_at", "area__name")
        .alias(
            done=Case(When(status__in=FINISHED, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("done", "-created_at", "-pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items = [(p, projects.yuan(p.budget)) for p in page.object_list]
    context = {"form": form, "streets": streets, "page": page, "items": items, "filtered": filtered}
    return render(request, "portal/project_index.html", context)


@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, pk: int) -> HttpResponse:
    """One project's public page and the feedback form (POST → redirect back with a thank-you)."""
    found = _public_project(pk)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            projects.check_leave_feedback(
                found,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return redirect(reverse("portal:project", args=[found.pk]) + "?feedback=done#feedback")
    signed = found.spendings.filter(voucher__status__in=SIGNED).aggregate(total=Sum("voucher__amount"))[
        "total"
    ]
    reports = list(
        found.progress_reports.filter(public=True)
        .only("pk", "on", "text", "quantity_done")
        .order_by("-on", "-id")
    )
    photos = projects.progress_photos(reports)
    acceptance = (
        ProjectAcceptance.objects.filter(project=found).only("on", "passed", "quantity_counted").first()
    )
    summary = projects.feedback_summary(found)
    context = {
        "project": found,
        "community": community_of(found.area) or found.area,
        "description": public_text(found.description, found.area),
        "budget": projects.yuan(found.budget),
        "contractor": vouchers.public_payee(found.contractor) if found.contractor else "",
        "contract_amount": projects.yuan(found.contract_amount) if found.contract_amount is not None else "",
        "spent": projects.yuan(signed or Decimal(0)),
        "reports": [(r, public_text(r.text, found.area), photos.get(r.pk, [])) for r in reports],
        "acceptance": acceptance,
        "summary": summary,
        "form": form,
        "scores": SCORES,
        "summary_errors": error_summary(form, anchors={"score": "score-5"}),
        "thanks": request.method == "GET" and request.GET.get("feedback") == "done",
    }
    return render(request, "portal/project.html", context)


@require_GET
def photo(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """A photo of a public progress report of a project that is not cancelled; 404 for anything else."""
    found = _public_project(pk)
    public_ids = [str(i) for i in found.progress_reports.filter(public=True).values_list("pk", flat=True)]
    evidence = (
        Evidence.objects.filter(
            pk=evidence_pk,
            target_type="projectprogress",
            target_id__in=public_ids,
            content_type__in=list(_EXTENSIONS),
        )
        .only("file", "content_type")
        .first()
    )
    if evidence is None:
        raise Http404(_("没有这张照片。"))
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        # A neutral name: the uploader's file name may say more than the photo.
        filename=f"photo-{evidence.pk}{_EXTENSIONS[evidence.content_type]}",
    )
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response
