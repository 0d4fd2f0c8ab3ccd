"""Welfare notices (公示) on the portal: `/notices/` (what is being noticed now, by community),
`/notices/<code>/` (one notice's entries and the objection form) and the confirmation with the objection's
private tracking link.

A notice's entries are shown only during its period (`notices.publicly_visible`); afterwards the page
says the notice has ended and shows none. Entries carry only the whitelisted, masked fields. Plain HTML,
full page loads, no JavaScript; the objection form keeps what was typed when it is refused.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from yangguang.core.actions import notices
from yangguang.core.middleware import client_ip
from yangguang.core.models import Case, NoticeEntry, PublicNotice
from yangguang.lib.phone import PhoneError, normalize_phone
from yangguang.portal.forms import FreeTextField, error_summary, idempotency_key, new_form_key
from yangguang.portal.views.tracking import normalize_code, private

_CODE = re.compile(r"[A-Z2-9]{10}")


class ObjectionForm(forms.Form):
    """What a resident types; the rules are `notices.check_create_objection`'s (its errors come back
    beside the fields), checked here first so every problem shows at once."""

    entry = forms.ChoiceField(label=gettext_lazy("对哪一户有异议"), required=False)
    text = FreeTextField(
        label=gettext_lazy("异议内容"),
        max_length=notices.MAX_OBJECTION,
        error_messages={"required": gettext_lazy("请写下您的异议和理由。")},
    )
    name = forms.CharField(label=gettext_lazy("姓名或称呼"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=30, required=False)
    anonymous = forms.BooleanField(label=gettext_lazy("匿名提出"), required=False)
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, entries: list[NoticeEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = {str(entry.pk): entry for entry in entries}
        choices = [("", _("针对整份公示")), *[(pk, e.masked_name) for pk, e in self.entries.items()]]
        self.fields["entry"].choices = choices  # type: ignore[attr-defined]
        self.fields["entry"].error_messages["invalid_choice"] = _("请重新选择对哪一户有异议。")

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if len(text) < notices.MIN_OBJECTION:
            raise ValidationError(_("请把异议的理由写清楚（至少%(n)d个字）。") % {"n": notices.MIN_OBJECTION})
        return text

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"]).strip()
        if phone:
            try:
                normalize_phone(phone)
            except PhoneError as exc:
                raise ValidationError(str(exc)) from exc
        return phone

    def clean_key(self) -> str:
        key = idempotency_key(self.cleaned_data.get("key") or "")
        return key.replace("portal:", notices.IDEMPOTENCY_PREFIX, 1) if key else ""

    def chosen_entry(self) -> NoticeEntry | None:
        return self.entries.get(self.cleaned_data.get("entry") or "")


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    """Notices shown today, grouped by community (two queries)."""
    today = timezone.localdate()
    visible = (
        notices.visible_notices(today)
        .select_related("area__parent", "program")
        .order_by("area__path", "-starts_on", "pk")
    )
    groups = [(area, list(items)) for area, items in groupby(visible, key=lambda n: n.area)]
    return render(request, "portal/notice_list.html", {"groups": groups, "today": today})


def _notice_or_404(code: str) -> PublicNotice:
    code = normalize_code(code)
    if not _CODE.fullmatch(code):
        raise Http404(_("没有这份公示。"))
    notice = (
        PublicNotice.objects.select_related("area__parent", "program")
        .exclude(status=PublicNotice.Status.DRAFT)
        .filter(public_code=code)
        .first()
    )
    if notice is None:
        raise Http404(_("没有这份公示。"))
    return notice


@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest, code: str) -> HttpResponse:
    """A notice's entries during its period, and the objection form; "公示已结束" afterwards."""
    found = _notice_or_404(code)
    today = timezone.localdate()
    visible = notices.publicly_visible(found, today)
    entries = list(found.entries.order_by("pk")) if visible else []
    form: ObjectionForm | None = None
    key = new_form_key()
    if visible:
        if request.method == "POST":
            form = ObjectionForm(request.POST, entries=entries)
            if form.is_valid():
                objection = _create(request, found, form)
                if objection is not None and objection.case is not None:
                    return private(
                        redirect(
                            "portal:notice_objected",
                            code=found.public_code,
                            tracking=objection.case.tracking_code,
                        )
                    )
            raw = str(request.POST.get("key") or "")
            key = raw if idempotency_key(raw) else key
        else:
            form = ObjectionForm(entries=entries)
    elif request.method == "POST":
        # The period ended while the resident was typing: say so rather than lose the text silently.
        form = None
    context = {
        "notice": found,
        "visible": visible,
        "ended": found.status == PublicNotice.Status.ENDED
        or (
            found.status == PublicNotice.Status.PUBLISHED
            and found.ends_on is not None
            and found.ends_on < today
        ),
        "entries": entries,
        "form": form,
        "key": key,
        "summary": error_summary(form) if form is not None else [],
        "late_post": request.method == "POST" and not visible,
    }
    return render(request, "portal/notice.html", context)


def _create(request: HttpRequest, found: PublicNotice, form: ObjectionForm) -> Any:
    data = form.cleaned_data
    try:
        return notices.check_create_objection(
            notices.ObjectionInput(
                notice=found,
                text=data["text"],
                entry=form.chosen_entry(),
                name=data["name"],
                phone="" if data["anonymous"] else data["phone"],
                anonymous=data["anonymous"],
                ip=client_ip(request),
                idempotency_key=data["key"],
            )
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None


@require_GET
def objected(request: HttpRequest, code: str, tracking: str) -> HttpResponse:
    """The confirmation: the case's tracking code in large type and its private link."""
    found = _notice_or_404(code)
    tracking = normalize_code(tracking)
    case = (
        Case.objects.filter(tracking_code=tracking, objection__notice=found).first()
        if _CODE.fullmatch(tracking)
        else None
    )
    if case is None:
        raise Http404(_("没有找到该查询码。"))
    context = {
        "notice": found,
        "case": case,
        "tracking_url": request.build_absolute_uri(reverse("portal:tracking", args=[case.tracking_code])),
        "noindex": True,
    }
    return private(render(request, "portal/notice_objected.html", context))
