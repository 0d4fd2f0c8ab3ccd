"""Back-office forms of the finance part: vouchers (submit, the chain's steps, correction and resubmission,
the monthly disclosure) and the performance evaluation (open, rating, paper tally).

As elsewhere in the back office, choices of places come from the user's jurisdiction for the capability at
stake, and forms validate input only: every change is made by `yangguang.core.actions.vouchers` or
`yangguang.core.actions.evaluation`, which check permissions and write the audit entries.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.backoffice.forms import ScopedChoiceField, limit_choices, record_areas_in_reach
from yangguang.core.actions import registry, vouchers
from yangguang.core.models import (
    Area,
    AreaKind,
    Evaluation,
    EvaluationSubject,
    Grade,
    Person,
    PowerItem,
    Rating,
    Voucher,
    VoucherStatus,
)
from yangguang.core.permissions import Cap, jurisdiction_paths
from yangguang.lib import idnumber

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    User = AbstractBaseUser | AnonymousUser
    _ModelChoiceField = forms.ModelChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*$")


def communities_in_reach(user: User, capability: str) -> models.QuerySet[Area]:
    """Communities and villages where the user holds `capability` (vouchers and evaluations live there)."""
    return (
        record_areas_in_reach(user, capability)
        .filter(kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])
        .order_by("path")
    )


def power_items_for(user: User) -> models.QuerySet[PowerItem]:
    """Active power-list items a voucher of the user's communities may name: the platform's list, those of
    the districts and streets above, and the communities' own adopted copies (the action checks the item
    against the chosen community again)."""
    paths = jurisdiction_paths(user, Cap.MANAGE_FINANCE)
    if not paths:
        return PowerItem.objects.none()
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    condition = Q(area__isnull=True) | Q(area_id__in=above)
    for path in paths:
        condition |= Q(area__path__startswith=path)
    return PowerItem.objects.filter(condition, active=True).order_by("domain", "position", "code")


class PowerItemField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选权力事项不存在或不适用。")}

    def label_from_instance(self, obj: PowerItem) -> str:
        return f"{obj.code} {obj.name}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReceiptsField(forms.FileField):
    """Several receipts in one file input; `ledger.check_evidence` checks the real type and size."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf,.docx,.xlsx"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def parse_month(text: str) -> tuple[int, int] | None:
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


# --- vouchers --------------------------------------------------------------------------------------------


class VoucherFieldsForm(forms.Form):
    """The fields staff enter for a voucher (new, or corrected after a rejection)."""

    template_name = FIELDS_TEMPLATE

    number = forms.CharField(label=_("凭证号"), max_length=30)
    spent_on = forms.DateField(
        label=_("支出日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请填写正确的日期，例如 2025-03-15。")},
    )
    amount = forms.CharField(
        label=_("金额（元）"), max_length=40, help_text=_("例如 1200.50、1,200.50 或 ¥300。")
    )
    payee = forms.CharField(label=_("收款方"), max_length=100)
    purpose = forms.CharField(label=_("用途"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    power_item = PowerItemField(
        queryset=PowerItem.objects.none(),
        label=_("权力事项"),
        required=False,
        empty_label=_("（不涉及）"),
        help_text=_("按小微权力清单选择；金额不在事项范围内时会提示。"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        limit_choices(self, user)
        field = self.fields["power_item"]
        assert isinstance(field, PowerItemField)  # noqa: S101 - narrows the type
        field.queryset = power_items_for(user)

    def clean_amount(self) -> str:
        raw: str = self.cleaned_data["amount"]
        try:
            vouchers.parse_amount(raw)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["amount"]) from exc
        return raw

    def voucher_input(self, area: Area) -> vouchers.VoucherInput:
        data = self.cleaned_data
        return vouchers.VoucherInput(
            area=area,
            number=data["number"],
            spent_on=data["spent_on"],
            amount=data["amount"],
            payee=data["payee"],
            purpose=data["purpose"],
            power_item=data.get("power_item"),
            receipts=data.get("receipts") or [],
        )


class VoucherForm(VoucherFieldsForm):
    """A new voucher, with at least one receipt."""

    area = ScopedChoiceField(communities_in_reach, capability=Cap.MANAGE_FINANCE, label=_("社区/村"))
    receipts = ReceiptsField(
        label=_("票据/收据"),
        help_text=_("发票、收据、验收单等，可多选；支持 JPG、PNG、PDF、Word、Excel，单个不超过20MB。"),
        error_messages={"required": _("请上传至少一张票据或收据：没有票据的凭证不能提交。")},
    )
    field_order = ["area", "number", "spent_on", "amount", "payee", "purpose", "power_item", "receipts"]


class ResubmitForm(VoucherFieldsForm):
    """A rejected voucher corrected and submitted again; more receipts may be added."""

    note = forms.CharField(
        label=_("更正说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    receipts = ReceiptsField(label=_("补充票据"), required=False)

    def __init__(self, *args: Any, user: User, voucher: Voucher, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "number": voucher.number,
                "spent_on": voucher.spent_on,
                "amount": voucher.amount,
                "payee": voucher.payee,
                "purpose": voucher.purpose,
                "power_item": voucher.power_item_id,
            },
        )
        kwargs.setdefault("prefix", "resubmit")
        super().__init__(*args, user=user, **kwargs)


class StepForm(forms.Form):
    """A step of the chain with an optional note (review opinion) or a required reason (reject, void)."""

    template_name = FIELDS_TEMPLATE

    note = forms.CharField(
        label=_("意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", step)
        super().__init__(*args, **kwargs)
        note = self.fields["note"]
        if step == "reject":
            note.label = _("退回理由")
            note.required = True
            note.error_messages["required"] = gettext("请填写退回理由，说明需要更正的内容。")
            note.help_text = _("经办人会按理由更正后重新提交。")
        elif step == "review":
            note.label = _("审核意见")
        elif step == "void":
            note.label = _("作废理由")
            note.required = True
            note.error_messages["required"] = gettext("请填写作废理由，说明这张凭证为什么不再办理。")
            note.help_text = _(
                "作废后凭证不能再修改或继续办理；作废记录进入监委会台账，并在月度财务公开中列明。"
            )


class VoucherFilterForm(forms.Form):
    """Filters of the voucher list. Bad values are ignored (the list then shows everything)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100, help_text=_("凭证号或收款方"))
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *VoucherStatus.choices]
    )
    month = forms.CharField(
        label=_("月份"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-03"}),
    )

    def clean_month(self) -> tuple[int, int] | None:
        text: str = self.cleaned_data.get("month") or ""
        if not text:
            return None
        parsed = parse_month(text)
        if parsed is None:
            raise ValidationError(_("月份格式应为 2025-03。"))
        return parsed

    def apply(self, queryset: models.QuerySet[Voucher]) -> models.QuerySet[Voucher]:
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            queryset = queryset.filter(Q(number__icontains=text) | Q(payee__icontains=text))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("month"):
            period = vouchers.Period.month(*data["month"])
            queryset = queryset.filter(spent_on__gte=period.start, spent_on__lte=period.end)
        return queryset


class DisclosureForm(forms.Form):
    """Which community and month to draft the monthly finance disclosure for."""

    template_name = FIELDS_TEMPLATE

    area = ScopedChoiceField(communities_in_reach, capability=Cap.MANAGE_FINANCE, label=_("社区/村"))
    month = forms.CharField(
        label=_("月份"),
        max_length=10,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-03"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "disclose")
        super().__init__(*args, **kwargs)
        limit_choices(self, user)
        if not self.is_bound:
            last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
            self.initial.setdefault("month", f"{last:%Y-%m}")

    def clean_month(self) -> tuple[int, int]:
        parsed = parse_month(self.cleaned_data["month"])
        if parsed is None:
            raise ValidationError(_("月份格式应为 2025-03。"))
        return parsed


# --- evaluation ------------------------------------------------------------------------------------------


class EvaluationForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    area = ScopedChoiceField(communities_in_reach, capability=Cap.MANAGE_COMMITTEE, label=_("社区/村"))
    year = forms.IntegerField(
        label=_("年度"), error_messages={"invalid": _("请填写年度，例如 2025。")}, min_value=0, max_value=9999
    )
    title = forms.CharField(label=_("名称"), max_length=100, initial=_("年度履职评价"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, user)
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)


class SubjectField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选评议对象不存在。")}

    def label_from_instance(self, obj: EvaluationSubject) -> str:
        return obj.label


class RatingForm(forms.Form):
    """One rating form entered by staff: the rater by full ID number (a resident of the community)."""

    template_name = FIELDS_TEMPLATE

    subject = SubjectField(queryset=EvaluationSubject.objects.none(), label=_("评议对象"))
    rater_id_number = forms.CharField(
        label=_("评议人身份证号"),
        max_length=30,
        help_text=_("评议人须是本社区登记的居民；评议票不公开评议人。"),
    )
    rater_kind = forms.ChoiceField(label=_("评议人身份"), choices=Rating.RaterKind.choices)
    grade = forms.ChoiceField(label=_("评价"), choices=Grade.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见"), required=False, max_length=300)

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rating")
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        field = self.fields["subject"]
        assert isinstance(field, SubjectField)  # noqa: S101 - narrows the type
        field.queryset = evaluation.subjects.all()
        self.fields["rater_id_number"].widget.attrs["autocomplete"] = "off"

    def clean_rater_id_number(self) -> Person:
        raw: str = self.cleaned_data["rater_id_number"]
        try:
            id18 = idnumber.normalize(raw, today=timezone.localdate())
        except idnumber.IdNumberError as exc:
            raise ValidationError(str(exc)) from exc
        person = registry.find_person_by_id_number(id18)
        # Someone elsewhere is reported exactly like nobody at all.
        if person is None or not self.evaluation.area.contains(person.area):
            raise ValidationError(gettext("在本社区没有找到该身份证号码的居民。"))
        return person


class TallyForm(forms.Form):
    """The result of a paper count for one subject."""

    template_name = FIELDS_TEMPLATE

    subject = SubjectField(queryset=EvaluationSubject.objects.none(), label=_("评议对象"))
    tally_fit = forms.IntegerField(label=_("称职票"), min_value=0, max_value=1_000_000, initial=0)
    tally_basic = forms.IntegerField(label=_("基本称职票"), min_value=0, max_value=1_000_000, initial=0)
    tally_unfit = forms.IntegerField(label=_("不称职票"), min_value=0, max_value=1_000_000, initial=0)

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "tally")
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        assert isinstance(field, SubjectField)  # noqa: S101 - narrows the type
        field.queryset = evaluation.subjects.all()
        for name in ("tally_fit", "tally_basic", "tally_unfit"):
            self.fields[name].error_messages.update(
                {
                    "invalid": gettext("请填写整数票数。"),
                    "required": gettext("请填写票数（没有则填0）。"),
                    "min_value": gettext("票数不能为负数。"),
                    "max_value": gettext("票数过大，请核对。"),
                }
            )
