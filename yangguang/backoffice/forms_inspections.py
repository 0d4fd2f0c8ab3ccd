"""Back-office forms for inspections, rectification notices and bulletins.

As everywhere in the back office, choices come from the user's jurisdiction for the capability at stake
(communities where the user sits on the committee, staff who handle cases there, streets and districts the
user oversees), so a posted id from elsewhere fails like an unknown one. Forms validate input only; the
views make every change through `yangguang.core.actions.inspections`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.backoffice.forms_cases import (
    FIELDS_TEMPLATE,
    MultipleImageField,
    UserChoiceField,
    handle_roles,
)
from yangguang.core.actions import inspections as insp
from yangguang.core.models import (
    Area,
    AreaKind,
    Finding,
    HandlingUnit,
    Inspection,
    InspectionCheck,
    RoleAssignment,
    SupervisionItem,
)
from yangguang.core.permissions import Cap

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    Actor = AbstractBaseUser | AnonymousUser
    _ModelChoiceField = forms.ModelChoiceField[Any]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField

COMMUNITY_KINDS = (AreaKind.COMMUNITY, AreaKind.VILLAGE)
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def _blank(label: StrOrPromise, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def communities_for(user: Actor, capability: str) -> models.QuerySet[Area]:
    return Area.objects.visible_to(user, capability).filter(kind__in=COMMUNITY_KINDS).order_by("path")


class AreaChoiceField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选区域不在您的管辖范围内。")}


class EvidenceInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleEvidenceField(MultipleImageField):
    """Several evidence files (photos, PDF, Word, Excel); the ledger action checks their real type."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", EvidenceInput(attrs={"accept": "image/jpeg,image/png,application/pdf,.docx,.xlsx"})
        )
        super().__init__(**kwargs)


# --- lists -----------------------------------------------------------------------------------------------


class InspectionFilterForm(forms.Form):
    area = AreaChoiceField(
        queryset=Area.objects.none(), label=_("社区/村"), required=False, empty_label=_("全部")
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=_blank(_("全部"), Inspection.Status.choices), required=False
    )
    kind = forms.ChoiceField(
        label=_("检查方式"), choices=_blank(_("全部"), Inspection.Kind.choices), required=False
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities_for(user, Cap.VIEW_SUPERVISION)  # type: ignore[attr-defined]

    def apply(self, queryset: models.QuerySet[Inspection]) -> models.QuerySet[Inspection]:
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("area") is not None:
            queryset = queryset.filter(area=data["area"])
        for name in ("status", "kind"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        return queryset


RECTIFICATION_TABS: list[tuple[str, StrOrPromise]] = [
    ("open", _("整改中")),
    ("overdue", _("已超期")),
    ("escalated", _("已督办")),
    ("verified", _("已验收")),
    ("all", _("全部")),
]


class RectificationFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("显示"), choices=RECTIFICATION_TABS, required=False)
    area = AreaChoiceField(
        queryset=Area.objects.none(), label=_("社区/村"), required=False, empty_label=_("全部")
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = communities_for(user, Cap.VIEW_SUPERVISION)  # type: ignore[attr-defined]

    def tab(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("show"):
            return str(self.cleaned_data["show"])
        return "open"

    def chosen_area(self) -> Area | None:
        if self.is_bound and self.is_valid():
            area = self.cleaned_data.get("area")
            return area if isinstance(area, Area) else None
        return None


# --- planning --------------------------------------------------------------------------------------------


class ItemChoiceField(_ModelMultipleChoiceField):
    default_error_messages = {"invalid_choice": _("所选监督事项不在可选范围内。")}

    def label_from_instance(self, obj: SupervisionItem) -> str:
        return f"{obj.code} {obj.name}（{obj.get_domain_display()}）"


class PlanForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    area = AreaChoiceField(queryset=Area.objects.none(), label=_("检查对象（社区/村）"), empty_label=None)
    kind = forms.ChoiceField(label=_("检查方式"), choices=Inspection.Kind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("检查主题"), max_length=200)
    planned_on = forms.DateField(label=_("计划日期"), widget=DATE_WIDGET)
    items = ItemChoiceField(
        queryset=SupervisionItem.objects.none(),
        label=_("监督事项"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每个事项的检查要点会自动列入检查清单。"),
    )
    points = forms.CharField(
        label=_("其他检查要点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个要点。"),
        max_length=5000,
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = communities_for(user, Cap.SUPERVISE)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        # Items that apply in the user's communities by the catalogue's rule (adopted items, else the
        # district's, else the platform's); the action checks the chosen community again.
        item_ids: set[int] = set()
        for area in areas:
            item_ids.update(insp.applicable_items(area).values_list("pk", flat=True))
        self.fields["items"].queryset = SupervisionItem.objects.filter(pk__in=item_ids).order_by(  # type: ignore[attr-defined]
            "domain", "position", "code"
        )

    def point_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("points", "").splitlines() if line.strip()]


# --- the inspection page ---------------------------------------------------------------------------------


class CheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[(v, label) for v, label in InspectionCheck.Result.choices if v != "pending"],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class FindingForm(forms.Form):
    template_name = FIELDS_TEMPLATE
    prefix = "finding"

    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Finding.Severity.choices)
    checkpoint = forms.ModelChoiceField(
        queryset=InspectionCheck.objects.none(),
        label=_("对应检查要点"),
        required=False,
        empty_label=_("（不对应具体要点）"),
        error_messages={"invalid_choice": _("所选检查要点不属于本次检查。")},
    )
    evidence = MultipleEvidenceField(
        label=_("佐证材料"), help_text=_("照片、PDF、Word 或 Excel，每个不超过20MB。")
    )

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = inspection.checks.all()  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    template_name = FIELDS_TEMPLATE
    prefix = "complete"

    summary = forms.CharField(label=_("检查小结"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class CancelForm(forms.Form):
    template_name = FIELDS_TEMPLATE
    prefix = "cancel"

    reason = forms.CharField(label=_("取消原因"), max_length=500)


def owner_candidates(area: Area) -> models.QuerySet[User]:
    """Staff who handle cases at the community (assigned there or above)."""
    assigned = RoleAssignment.objects.filter(role__in=handle_roles(), area_id__in=area.ancestor_ids()).values(
        "user_id"
    )
    return User.objects.filter(pk__in=assigned, is_active=True).order_by("first_name", "username")


class RectifyForm(forms.Form):
    """The rectification notice of one finding (prefixed by the finding, several on one page)."""

    template_name = FIELDS_TEMPLATE

    requirement = forms.CharField(
        label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    deadline = forms.DateField(label=_("整改期限"), widget=DATE_WIDGET)
    owner = UserChoiceField(
        queryset=User.objects.none(), label=_("整改责任人"), required=False, empty_label=_("（不指定）")
    )
    unit = forms.ModelChoiceField(
        queryset=HandlingUnit.objects.none(),
        label=_("或责任单位"),
        required=False,
        empty_label=_("（不指定）"),
        error_messages={"invalid_choice": _("所选责任单位不在本社区范围内。")},
    )

    def __init__(self, *args: Any, finding: Finding, area: Area, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"rect-{finding.pk}")
        super().__init__(*args, **kwargs)
        self.finding = finding
        self.fields["owner"].queryset = owner_candidates(area)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = insp.owner_units(area).order_by("area__path", "name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and bool(cleaned.get("owner")) == bool(cleaned.get("unit")):
            raise ValidationError(gettext("请指定一名整改责任人或一个责任单位（二选一）。"))
        return cleaned


# --- verification and report back ------------------------------------------------------------------------


class VerifyForm(forms.Form):
    template_name = FIELDS_TEMPLATE
    prefix = "verify"

    passed = forms.TypedChoiceField(
        label=_("验收结论"),
        choices=[("1", _("整改到位")), ("0", _("整改不到位，退回重新整改"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    photos = MultipleImageField(
        label=_("验收现场照片"), help_text=_("责任人答复时已上传整改佐证的可不再上传。")
    )
    new_deadline = forms.DateField(
        label=_("新的整改期限"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("整改不到位时可重新指定期限；不填则按办理时限重新计算。"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("passed") and cleaned.get("new_deadline"):
            self.add_error("new_deadline", gettext("整改到位时无需填写新的整改期限。"))
        return cleaned

    def photo_list(self) -> list[UploadedFile]:
        return list(self.cleaned_data.get("photos") or [])


class ReportForm(forms.Form):
    template_name = FIELDS_TEMPLATE
    prefix = "report"

    text = forms.CharField(
        label=_("反馈通报内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("将生成公开草稿：居民姓名、身份证号、电话会自动遮挡，经监委会签字后公开。"),
    )


# --- bulletins -------------------------------------------------------------------------------------------


class BulletinForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    area = AreaChoiceField(queryset=Area.objects.none(), label=_("通报范围"), empty_label=None)
    period_start = forms.DateField(label=_("起始日期"), widget=DATE_WIDGET)
    period_end = forms.DateField(label=_("截止日期"), widget=DATE_WIDGET)
    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("不填则自动生成。"))
    remarks = forms.CharField(
        label=_("通报意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (  # type: ignore[attr-defined]
            Area.objects.visible_to(user, Cap.OVERSEE)
            .filter(kind__in=[AreaKind.STREET, AreaKind.DISTRICT])
            .order_by("path")
        )
        if not self.is_bound:
            today = timezone.localdate()
            first = today.replace(day=1)
            self.initial.setdefault("period_end", first - datetime.timedelta(days=1))
            self.initial.setdefault("period_start", (first - datetime.timedelta(days=1)).replace(day=1))
