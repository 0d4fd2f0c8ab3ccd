"""Forms of the back office's notices (公示), payments ledger (发放比对) and re-check (复核核查) pages.

They parse what was typed; the rules live in `core.actions.notices`, `payments` and `rechecks`, whose
ValidationErrors the views put back beside the fields.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import payments, rechecks
from yangguang.core.models import Area, AreaKind, Enrollment, Objection, Program, PublicNotice, Recheck
from yangguang.core.permissions import Cap
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def communities_for(user: User, capability: str) -> QuerySet[Area]:
    """Communities and villages where `user` holds `capability`, in tree order."""
    return (
        Area.objects.visible_to(user, capability)
        .filter(kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])
        .select_related("parent")
        .order_by("path")
    )


def month_choices(today: datetime.date, back: int = 24, ahead: int = 2) -> list[tuple[str, str]]:
    """ "YYYY-MM" choices around today, newest first."""
    first = today.replace(day=1)
    choices = []
    for shift in range(ahead, -back - 1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 + shift, 12)
        value = f"{year:04d}-{month + 1:02d}"
        choices.append((value, value))
    return choices


def parse_month_value(value: str) -> datetime.date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return None


class MonthField(forms.CharField):
    """A month typed as 2024-05 (an <input type="month"> sends that form)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2024-05"})

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        month = parse_month_value(text)
        if month is None:
            raise ValidationError(_("请按 2024-05 的格式填写月份。"))
        return month


# --- notices -----------------------------------------------------------------------------------------------------


class NoticeStartForm(forms.Form):
    """Step 1 of a new notice: the community and the program (GET)."""

    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label=_("社区/村"),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择社区。")},
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        label=_("救助项目"),
        error_messages={"required": _("请选择救助项目。"), "invalid_choice": _("请选择救助项目。")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = communities_for(user, Cap.MANAGE_WELFARE)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["program"].queryset = Program.objects.filter(active=True).order_by("area__path", "kind")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        area, program = data.get("area"), data.get("program")
        if area is not None and program is not None and not program.area.contains(area):
            self.add_error("program", _("该救助项目不适用于所选社区。"))
        return data


class NoticeCreateForm(forms.Form):
    """Step 2: the applications to notice and the title (POST)."""

    title = forms.CharField(label=_("公示标题"), max_length=200, required=False)
    applications = forms.MultipleChoiceField(
        label=_("公示的申请"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一份申请。")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = choices  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"), max_length=300, error_messages={"required": _("请填写撤回原因。")}
    )


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("核查结果"),
        choices=[("1", _("异议成立")), ("0", _("异议不成立"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核查结果。")},
    )
    note = forms.CharField(
        label=_("核查情况和处理结果"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("将作为答复发给提出异议的居民，并写入公示结果。请勿填写身份证号、电话等个人信息。"),
        error_messages={"required": _("请写明核查情况和处理结果。")},
    )
    evidence = forms.FileField(
        label=_("核查材料（选填，上传后诉求一并办结）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class ObjectionFilterForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("处理结果"), required=False, choices=[("", _("全部")), *Objection.Resolution.choices]
    )


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *PublicNotice.Status.choices]
    )


# --- payments ----------------------------------------------------------------------------------------------------


class PaymentFilterForm(forms.Form):
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("社区/村"), required=False)
    month = MonthField(label=_("发放月份"), required=False)
    mismatch = forms.ChoiceField(
        label=_("比对问题"),
        required=False,
        choices=[
            ("", _("全部")),
            ("any", _("只看有问题的")),
            *[(k, v) for k, v in payments.MISMATCH_LABELS.items() if k != payments.MISSING_PAYMENT],
        ],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities_for(user, Cap.VIEW_WELFARE)  # type: ignore[attr-defined]

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class PaymentImportForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label=_("导入到"),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择社区。")},
    )
    file = forms.FileField(
        label=_("发放文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，列：姓名、身份证号、项目、发放月份、金额。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"required": _("请选择要导入的文件。")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = communities_for(user, Cap.MANAGE_WELFARE)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size is not None and upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("文件过大（%(size).1f MB），上限为 %(limit)d MB。")
                % {"size": upload.size / 1024 / 1024, "limit": limit}
            )
        return upload


class PaymentAddForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label=_("社区/村"),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择社区。")},
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        label=_("救助项目"),
        error_messages={"required": _("请选择救助项目。"), "invalid_choice": _("请选择救助项目。")},
    )
    month = MonthField(label=_("发放月份"), error_messages={"required": _("请填写发放月份。")})
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        error_messages={"required": _("请填写金额。"), "invalid": _("请填写数字金额，如 680.50。")},
    )
    payee_name = forms.CharField(label=_("领取人姓名"), max_length=50)
    payee_id_number = forms.CharField(label=_("领取人身份证号"), max_length=30)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities_for(user, Cap.MANAGE_WELFARE)  # type: ignore[attr-defined]
        self.fields["program"].queryset = Program.objects.filter(active=True).order_by("area__path", "kind")  # type: ignore[attr-defined]


class ReconcileForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label=_("社区/村"),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择社区。")},
    )
    month = MonthField(label=_("发放月份"), error_messages={"required": _("请选择月份。")})

    def __init__(self, *args: Any, user: User, capability: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities_for(user, capability)  # type: ignore[attr-defined]


# --- re-checks ---------------------------------------------------------------------------------------------------


class RecheckFilterForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("结论"), required=False, choices=[("", _("全部")), *Recheck.Conclusion.choices]
    )


class RecheckOpenForm(forms.Form):
    enrollment = forms.ModelChoiceField(
        queryset=Enrollment.objects.none(),
        label=_("救助对象"),
        error_messages={"required": _("请选择救助对象。"), "invalid_choice": _("请选择救助对象。")},
    )
    reason = forms.CharField(
        label=_("核查缘由"), max_length=300, error_messages={"required": _("请填写核查缘由。")}
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enrollment"]
        field.queryset = (  # type: ignore[attr-defined]
            Enrollment.objects.visible_to(user, Cap.SUPERVISE)
            .filter(status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED])
            .select_related("head", "program", "area")
            .order_by("area__path", "program__kind", "pk")
        )
        field.label_from_instance = lambda e: f"{e.area.name} · {e.program.name} · {mask_name(e.head.name)}"  # type: ignore[attr-defined]


class ChecklistForm(forms.Form):
    """One result and note per checklist item, and the home visit's date, visitors and observations."""

    def __init__(self, *args: Any, recheck: Recheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = {entry.get("key"): entry for entry in recheck.checklist}
        result_choices = [(key, label) for key, label in rechecks.RESULT_LABELS.items()]
        for item in rechecks.ITEMS:
            entry = stored.get(item.key, {})
            self.fields[f"{item.key}-result"] = forms.ChoiceField(
                label=_("核查结果"),
                choices=result_choices,
                required=False,
                initial=entry.get("result", ""),
                widget=forms.RadioSelect,
            )
            if item.key == "home_visit":
                self.fields["home_visit-date"] = forms.DateField(
                    label=_("走访日期"),
                    required=False,
                    initial=entry.get("date") or None,
                    widget=forms.DateInput(attrs={"type": "date"}),
                    error_messages={"invalid": _("走访日期格式不正确，请填写如 2024-05-03。")},
                )
                self.fields["home_visit-who"] = forms.CharField(
                    label=_("走访人员"), required=False, max_length=200, initial=entry.get("who", "")
                )
                self.fields["home_visit-observations"] = forms.CharField(
                    label=_("走访所见"),
                    required=False,
                    max_length=1000,
                    initial=entry.get("observations", ""),
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            self.fields[f"{item.key}-note"] = forms.CharField(
                label=_("说明"),
                required=False,
                max_length=1000,
                initial=entry.get("note", ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        answers: dict[str, dict[str, Any]] = {}
        for item in rechecks.ITEMS:
            answer: dict[str, Any] = {
                "result": data.get(f"{item.key}-result") or "",
                "note": data.get(f"{item.key}-note") or "",
            }
            if item.key == "home_visit":
                visited = data.get("home_visit-date")
                answer.update(
                    date=visited.isoformat() if visited else "",
                    who=data.get("home_visit-who") or "",
                    observations=data.get("home_visit-observations") or "",
                )
            answers[item.key] = answer
        return answers


class ConclusionForm(forms.Form):
    conclusion = forms.ChoiceField(
        label=_("结论"),
        choices=[(c.value, c.label) for c in rechecks.CONCLUSIONS],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核查结论。")},
    )
    note = forms.CharField(
        label=_("结论理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("请写明结论的理由。")},
    )


class ActForm(forms.Form):
    """Staff act on a conclusion of "adjust" (new size and amount) or "ineligible" (exit)."""

    household_size = forms.IntegerField(
        label=_("调整后的保障人数"), required=False, min_value=1, max_value=50
    )
    monthly_amount = forms.DecimalField(
        label=_("调整后的月救助金（元）"), required=False, max_digits=10, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=_("处理说明"), required=False, max_length=300)

    def __init__(self, *args: Any, recheck: Recheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if recheck.conclusion != Recheck.Conclusion.ADJUST:
            del self.fields["household_size"]
            del self.fields["monthly_amount"]
