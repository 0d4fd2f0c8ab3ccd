"""Forms of the resident portal: reporting a problem and rating its handling, and what every portal form
shares (free-text fields, the error summary at the top of a form).

They only parse what was typed. The rules (description length, phone format, photo types and sizes, where a
building lies, flood limits) belong to `cases.check_create_case`, whose errors the views put back beside
the fields, so every channel refuses the same things with the same words.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import cases
from yangguang.core.models import Area, Building, CaseCategory
from yangguang.lib.phone import PhoneError, normalize_phone
from yangguang.portal.labels import SCORE_LABELS

# Portal keys get their own prefix: a key chosen by an API client can never be replayed through the
# portal to learn the tracking code of a case someone else created.
IDEMPOTENCY_PREFIX = "portal:"
MAX_RATING_NOTE = 500


class FreeTextField(forms.CharField):
    """What a resident types into a `<textarea>`: every portal text area uses this field.

    A browser counts a line break as one character against `maxlength` but submits it as CRLF, which
    would count twice here: text that fitted on the phone would be refused. Line breaks become LF before
    the length check (and are stored as LF). The length message says what to do, in plain words.
    """

    widget = forms.Textarea
    default_error_messages = {
        "max_length": _("最多可以写%(limit_value)d个字，现在是%(show_value)d个字，请删减一些。"),
    }

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().to_python(value)


def error_summary(form: forms.Form, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the summary at the top of a form, in the order of the fields.

    `anchors` names the element to jump to where it is not the field's own id (radio buttons written
    by hand, for example); a form's own errors come first and link nowhere.
    """
    if not form.is_bound or not form.errors:
        return []
    anchors = anchors or {}
    summary = [("", str(message)) for message in form.non_field_errors()]
    for name in form.fields:
        for message in form.errors.get(name, []):
            summary.append((anchors.get(name) or form[name].id_for_label or "", str(message)))
    return summary


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos from one `<input type=file multiple>`; the core checks their types and sizes."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    """A resident's report. Without `fixed_area` the resident picks the community; a community page or a
    compound's QR poster fixes it from the URL instead."""

    area = forms.ModelChoiceField(
        queryset=Area.objects.communities(),
        label=_("问题发生在哪个社区"),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择社区。")},
    )
    category = forms.ModelChoiceField(
        queryset=CaseCategory.objects.filter(active=True),
        label=_("问题分类"),
        error_messages={"required": _("请选择问题分类。"), "invalid_choice": _("请选择问题分类。")},
    )
    description = FreeTextField(
        label=_("问题描述"),
        max_length=2000,
        error_messages={"required": _("请描述您遇到的问题。")},
    )
    # Any building is accepted here; whether it lies in the community is the core's check (and message).
    building = forms.ModelChoiceField(
        queryset=Building.objects.select_related("area", "compound__area"),
        required=False,
        label=_("楼栋"),
        error_messages={"invalid_choice": _("请重新选择楼栋。")},
    )
    location_text = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    photos = MultipleFileField(label=_("照片"), required=False)
    reporter_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("手机号"), max_length=30, required=False)
    reporter_email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        error_messages={"invalid": _("请输入正确的电子邮箱，例如 name@example.com。")},
    )
    anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    confidential = forms.BooleanField(label=_("要求保密"), required=False)
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, fixed_area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_area = fixed_area
        if fixed_area is not None:
            del self.fields["area"]
        self.fields["category"].queryset = CaseCategory.objects.filter(active=True).order_by(  # type: ignore[attr-defined]
            "position", "code"
        )

    # The core refuses one problem at a time; these checks run first so that a resident sees every
    # problem of the page at once. They use the core's own rules and words.
    def clean_description(self) -> str:
        description = str(self.cleaned_data["description"]).strip()
        if len(description) < cases.MIN_DESCRIPTION:
            raise ValidationError(_("请把问题描述清楚（至少%(n)d个字）。") % {"n": cases.MIN_DESCRIPTION})
        return description

    def clean_reporter_phone(self) -> str:
        phone = str(self.cleaned_data["reporter_phone"]).strip()
        if phone:
            try:
                normalize_phone(phone)
            except PhoneError as exc:
                raise ValidationError(str(exc)) from exc
        return phone

    def clean_photos(self) -> list[UploadedFile]:
        photos: list[UploadedFile] = self.cleaned_data["photos"]
        try:
            cases.check_photos(photos)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return photos

    def clean_key(self) -> str:
        """The submission's idempotency key, or "" when the page did not send a well-formed one."""
        return idempotency_key(self.cleaned_data.get("key") or "")

    def chosen_area(self) -> Area:
        return cast(Area, self.fixed_area or self.cleaned_data["area"])


def idempotency_key(raw: str) -> str:
    try:
        return IDEMPOTENCY_PREFIX + str(uuid.UUID(raw.strip()))
    except ValueError:
        return ""


def new_form_key() -> str:
    """Generated when the form is rendered, so a double submit or a resubmission finds the first case."""
    return str(uuid.uuid4())


# Best first, as on a project's feedback form.
RATING_CHOICES = sorted(SCORE_LABELS.items(), reverse=True)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择您的评价。"), "invalid_choice": _("请选择您的评价。")},
    )
    note = FreeTextField(label=_("还想说的话（选填）"), max_length=MAX_RATING_NOTE, required=False)

    def clean_score(self) -> int:
        score = self.cleaned_data["score"]
        if not isinstance(score, int):
            raise ValidationError(_("请选择您的评价。"))
        return score
