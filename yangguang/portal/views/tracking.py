"""The private follow-up link `/t/<tracking code>/`: progress, the reply, photos of the result and the rating.

The tracking code is the resident's only key (10 characters from a 32-letter alphabet, ~10^15 codes), so
these pages are never indexed, never cached and never leak the code through a Referer header. They show the
public timeline only: never the handler's name or phone, never the other residents who reported the same
problem, never the photos the resident sent (those go to staff only).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from yangguang.core.actions import cases
from yangguang.core.models import Case, CaseAttachment, CaseEvent, CaseStatus
from yangguang.portal.forms import MAX_RATING_NOTE, RATING_CHOICES, RatingForm, error_summary
from yangguang.portal.labels import SCORE_LABELS, event_label, status_sentence, steps_for

R = TypeVar("R", bound=HttpResponseBase)
_CODE = re.compile(r"[A-Z2-9]{10}")
_SEPARATORS = re.compile(r"[\s\-]")
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


def normalize_code(raw: str) -> str:
    """What a resident copies from paper: lower case, spaces and hyphens are forgiven."""
    return _SEPARATORS.sub("", raw).upper()


def _case_by_code(raw: str) -> Case:
    code = normalize_code(raw)
    if not _CODE.fullmatch(code):
        raise Http404(_("没有找到该查询码。"))
    case = Case.objects.select_related("category", "area", "merged_into").filter(tracking_code=code).first()
    if case is None:
        raise Http404(_("没有找到该查询码。"))
    return case


def private(response: R) -> R:
    """Headers of every page that carries a tracking code."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """`/t/?code=…`: a resident types the code they wrote down."""
    raw = request.GET.get("code", "")
    error = ""
    if raw.strip():
        code = normalize_code(raw)
        if _CODE.fullmatch(code) and Case.objects.filter(tracking_code=code).exists():
            return private(redirect("portal:tracking", code=code))
        error = _("没有找到这个查询码，请核对后重新输入（查询码由10位字母和数字组成）。")
    return private(render(request, "portal/lookup.html", {"code": raw, "error": error, "noindex": True}))


@require_GET
def done(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation after a report: the number, the tracking code in large type, the private link."""
    case = _case_by_code(code)
    tracking_url = request.build_absolute_uri(reverse("portal:tracking", args=[case.tracking_code]))
    context = {
        "case": case,
        "tracking_url": tracking_url,
        # notify.case_step tells reporters of progress unless the case is anonymous.
        "sms_to": case.reporter_phone_masked if not case.anonymous else "",
        "email": bool(case.reporter_email) and not case.anonymous,
        "noindex": True,
    }
    return private(render(request, "portal/report_done.html", context))


@require_GET
def tracking(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_by_code(code)
    if code != case.tracking_code:
        return private(redirect("portal:tracking", code=case.tracking_code))
    return _render_tracking(request, case, RatingForm())


# Not CSRF-protected, on purpose: the only authority here is the secret code in the URL, not a cookie a
# forged cross-site request could ride on (whoever knows the code can post this form anyway). And the
# page's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on the form's POST, which
# Django's origin check would refuse.
@csrf_exempt
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """The resident's rating through the private link; 1–2 reopens the case (重办) in the core."""
    case = _case_by_code(code)
    form = RatingForm(request.POST)
    if form.is_valid():
        if case.status != CaseStatus.CLOSED:
            form.add_error(None, _("该诉求现在不能评价（可能已经评价过了）。"))
        else:
            try:
                cases.do_rate(None, case, form.cleaned_data["score"], form.cleaned_data["note"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                url = reverse("portal:tracking", args=[case.tracking_code]) + "#rating"
                return private(redirect(url))
    return _render_tracking(request, case, form)


def _render_tracking(request: HttpRequest, case: Case, form: RatingForm) -> HttpResponse:
    events = list(case.events.filter(public=True))
    reply = next((e for e in reversed(events) if e.kind == "reply" and e.note), None)
    context: dict[str, Any] = {
        "case": case,
        "steps": steps_for(case.status),
        "sentence": _("已办结，请在下方评价办理结果。")
        if case.status == CaseStatus.CLOSED
        else status_sentence(case.status),
        "events": [(e, event_label(e.kind), e.note) for e in events],
        "reply": reply,
        "photos": list(case.attachments.filter(public=True).order_by("uploaded_at", "id")),
        "form": form,
        "can_rate": case.status == CaseStatus.CLOSED,
        "score_label": SCORE_LABELS.get(case.satisfaction or 0, ""),
        "redone": _last_rating_kind(events) == "rate_unsatisfied" and case.status != CaseStatus.CLOSED,
        "score_choices": RATING_CHOICES,
        "note_limit": MAX_RATING_NOTE,
        # The radio buttons are written by hand: the summary links to the first one.
        "summary": error_summary(form, anchors={"score": f"score-{RATING_CHOICES[0][0]}"}),
        "noindex": True,
    }
    return private(render(request, "portal/tracking.html", context))


def _last_rating_kind(events: list[CaseEvent]) -> str:
    return next((e.kind for e in reversed(events) if e.kind.startswith("rate_")), "")


@require_GET
def attachment(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    """A photo of the result: only when it is public and belongs to the case the code opens."""
    case = _case_by_code(code)
    item = get_object_or_404(CaseAttachment, pk=attachment_id, case=case, public=True)
    is_image = item.content_type.startswith("image/") and item.content_type != "image/svg+xml"
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type if is_image else "application/octet-stream",
        as_attachment=not is_image,
        # A neutral name: the uploader's own file name may say more than the photo.
        filename=f"photo-{item.pk}{_EXTENSIONS.get(item.content_type, '')}",
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    private(response)
    return response
