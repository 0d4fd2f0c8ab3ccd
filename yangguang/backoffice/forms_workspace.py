"""Forms of the committee's workspace, the oversight view and the disclosures pages.

Forms validate only; the changes go through `actions.ledger` and `actions.ledger_export`. Filter forms
never fail a page: an invalid value shows an error beside its field and is ignored.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions.ledger_export import FORMATS, HAND_KINDS
from yangguang.core.actions.oversight import Period
from yangguang.core.models import Activity, Disclosure

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"
FORMAT_LABELS = {"xlsx": _("Excel（.xlsx）"), "docx": _("Word（.docx）")}


def _date(label: StrOrPromise, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入有效的日期，例如 2025-03-01。"), "required": _("请选择日期。")},
    )


def _all(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class DateRangeForm(forms.Form):
    """A `since`–`until` pair; a reversed range is an error on `until`."""

    since = _date(_("起始日期"))
    until = _date(_("截止日期"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data

    def valid_data(self) -> dict[str, Any]:
        """The fields that validated (all of them for an unbound form: none set)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class LedgerFilterForm(DateRangeForm):
    kind = forms.ChoiceField(label=_("类型"), choices=_all(Activity.Kind.choices), required=False)
    field_order = ["kind", "since", "until"]


class LedgerLineForm(forms.Form):
    """A line members write by hand: a meeting, a visit, other work."""

    template_name = FIELDS_TEMPLATE

    on = _date(_("日期"), required=True)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(kind.value, kind.label) for kind in HAND_KINDS],
        error_messages={"invalid_choice": _("请选择会议、走访或其他。"), "required": _("请选择类型。")},
    )
    title = forms.CharField(label=_("事项"), max_length=200, error_messages={"required": _("请填写事项。")})
    detail = forms.CharField(
        label=_("情况记录"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = forms.CharField(
        label=_("参加人员"), required=False, max_length=300, help_text=_("多人用顿号分隔。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate(), "kind": Activity.Kind.MEETING})
        super().__init__(*args, **kwargs)


class LedgerExportForm(DateRangeForm):
    """The period and format of a ledger export; both dates are required."""

    fmt = forms.ChoiceField(
        label=_("格式"),
        choices=[(fmt, FORMAT_LABELS[fmt]) for fmt in FORMATS],
        error_messages={"invalid_choice": _("请选择 Excel 或 Word 格式。")},
    )
    field_order = ["since", "until", "fmt"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            self.fields[name].required = True


class OpinionForm(forms.Form):
    body = forms.CharField(
        label=_("监督意见"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写监督意见。"),
            "max_length": _("监督意见最多 %(limit_value)d 字。"),
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class DisclosureFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=_all(Disclosure.Status.choices), required=False)

    def valid_data(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class WithdrawForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    reason = forms.CharField(
        label=_("撤回理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤回理由。")},
    )


class PeriodForm(DateRangeForm):
    """The oversight view's period: this year unless another is chosen."""

    def period(self, today: datetime.date) -> Period:
        default = Period.year_of(today)
        data = self.valid_data()
        if "until" in self.errors:
            return default
        start = data.get("since") or default.start
        end = data.get("until") or max(default.end, start)
        return Period(start, end)
