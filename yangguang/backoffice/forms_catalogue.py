"""Back-office forms of the power and supervision lists and of uses of a power.

The forms only collect input: amounts stay text and lists stay one-per-line text, so that
`yangguang.core.actions.catalogue` parses and validates everything in one place and reports it in Chinese.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import catalogue
from yangguang.core.models import Area, Domain, Frequency, MeetingType, PowerItem, PowerUse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _ModelChoiceField = forms.ModelChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"
PLATFORM = "platform"


def _blank(label: StrOrPromise, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


# --- lists -----------------------------------------------------------------------------------------------


class CatalogueFilterForm(forms.Form):
    """Which level's list to show (平台 / a district / a community), the domain and a search."""

    scope = forms.ChoiceField(label=_("清单范围"), required=False)
    domain = forms.ChoiceField(label=_("类别"), choices=_blank(_("全部"), Domain.choices), required=False)
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("编号或名称"),
    )

    def __init__(self, *args: Any, areas: list[Area], default: Area | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(area.pk): area for area in areas}
        self.default = default
        choices: list[tuple[str, StrOrPromise]] = [(PLATFORM, _("平台默认清单"))]
        choices += [(str(area.pk), f"{area.get_kind_display()} · {area.name}") for area in areas]
        field = _choice_field(self, "scope")
        field.choices = choices
        field.initial = str(default.pk) if default is not None else PLATFORM

    def clean_scope(self) -> str:
        return str(self.cleaned_data.get("scope") or "")

    def scope_area(self) -> Area | None:
        """The chosen area (None: the platform's list). An unknown or unset value falls back to the default."""
        if not self.is_bound or not self.is_valid():
            return self.default
        value = self.cleaned_data["scope"]
        if value == PLATFORM:
            return None
        return self.areas.get(value, self.default)

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in ("domain", "q"))

    def apply(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("domain"):
            queryset = queryset.filter(domain=data["domain"])
        query = (data.get("q") or "").strip()
        if query:
            queryset = queryset.filter(models.Q(code__icontains=query) | models.Q(name__icontains=query))
        return queryset


def _lines_initial(value: list[str]) -> str:
    return "\n".join(value or [])


class ItemForm(forms.Form):
    """The editable content shared by both lists."""

    template_name = FIELDS_TEMPLATE

    # Required, but checked by the action so that every problem is reported in one round.
    code = forms.CharField(
        label=_("编号"), required=False, help_text=_("必填，如 QX-CW-01；同一清单内不能重复。")
    )
    name = forms.CharField(label=_("事项名称"), required=False, help_text=_("必填。"))
    domain = forms.ChoiceField(label=_("类别"), choices=Domain.choices)
    basis = forms.CharField(
        label=_("依据"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("法律法规、标准或本地制度的名称。"),
    )
    check_frequency = forms.ChoiceField(label=_("检查频次"), choices=Frequency.choices)
    position = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, required=False, initial=0)

    @staticmethod
    def initial_for(item: catalogue.Item) -> dict[str, Any]:
        return {
            "code": item.code,
            "name": item.name,
            "domain": item.domain,
            "basis": item.basis,
            "check_frequency": item.check_frequency,
            "position": item.position,
        }


class PowerItemForm(ItemForm):
    steps = forms.CharField(
        label=_("办理流程"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("每行一个步骤，按先后顺序填写，例如：申请、审核、审批、公示、报账。"),
    )
    evidence = forms.CharField(
        label=_("应留存材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一项，例如：会议记录、公示照片、发票、合同、验收单。"),
    )
    meeting_required = forms.ChoiceField(label=_("需召开的会议"), choices=MeetingType.choices)
    amount_min = forms.CharField(
        label=_("金额下限（元）"), required=False, max_length=30, help_text=_("不分档可留空。")
    )
    amount_max = forms.CharField(
        label=_("金额上限（元）"), required=False, max_length=30, help_text=_("不设上限可留空。")
    )

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(item: catalogue.Item) -> dict[str, Any]:
        item = cast(PowerItem, item)
        return {
            **ItemForm.initial_for(item),
            "steps": _lines_initial(item.steps),
            "evidence": _lines_initial(item.evidence),
            "meeting_required": item.meeting_required,
            "amount_min": "" if item.amount_min is None else str(item.amount_min),
            "amount_max": "" if item.amount_max is None else str(item.amount_max),
        }


class PowerChoiceField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选权力事项不在本级清单中。")}

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class SupervisionItemForm(ItemForm):
    checkpoints = forms.CharField(
        label=_("检查要点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("每行一个检查要点。"),
    )
    power_item = PowerChoiceField(
        queryset=PowerItem.objects.none(),
        label=_("关联权力事项"),
        required=False,
        empty_label=_("（不关联）"),
    )

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(_ModelChoiceField, self.fields["power_item"])
        field.queryset = catalogue.items_at(area, "power").order_by("domain", "position", "code")

    @staticmethod
    def initial_for(item: catalogue.Item) -> dict[str, Any]:
        return {
            **ItemForm.initial_for(item),
            "checkpoints": _lines_initial(getattr(item, "checkpoints", [])),
            "power_item": getattr(item, "power_item_id", None),
        }


def item_form_class(kind: str) -> type[PowerItemForm] | type[SupervisionItemForm]:
    return PowerItemForm if kind == "power" else SupervisionItemForm


# --- uses of a power -------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. The actions check real type and size; this field only collects them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class UseFilterForm(forms.Form):
    """Filters of the list of power uses: community, whether the last check found gaps, a search."""

    area = forms.ChoiceField(label=_("社区/村"), required=False)
    gaps = forms.ChoiceField(
        label=_("检查结果"),
        required=False,
        choices=[
            ("", _("全部")),
            ("yes", _("有问题")),
            ("no", _("未发现问题")),
            ("unchecked", _("未检查")),
        ],
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("事项名称"),
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _choice_field(self, "area")
        field.choices = [("", _("全部")), *[(str(area.pk), area.name) for area in areas]]

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in ("area", "gaps", "q"))

    def apply(self, queryset: models.QuerySet[PowerUse]) -> models.QuerySet[PowerUse]:
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("area"):
            queryset = queryset.filter(area_id=int(data["area"]))
        if data.get("gaps") == "yes":
            queryset = queryset.filter(checked_at__isnull=False).exclude(gaps=[])
        elif data.get("gaps") == "no":
            queryset = queryset.filter(checked_at__isnull=False, gaps=[])
        elif data.get("gaps") == "unchecked":
            queryset = queryset.filter(checked_at__isnull=True)
        query = (data.get("q") or "").strip()
        if query:
            queryset = queryset.filter(title__icontains=query)
        return queryset


class ChooseItemForm(forms.Form):
    """Step one of recording a use: which power was used (with a suggestion from the amount)."""

    item = forms.ChoiceField(label=_("权力事项"), required=False)
    amount = forms.CharField(
        label=_("金额（元）"),
        required=False,
        max_length=30,
        help_text=_("填写金额后可按金额档次推荐适用的事项。"),
    )

    def __init__(self, *args: Any, items: list[PowerItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _choice_field(self, "item")
        field.choices = [("", _("请选择")), *[(str(i.pk), f"{i.code} {i.name}") for i in items]]


class PowerUseForm(forms.Form):
    """What actually happened in one use of a power; the checkboxes come from the item."""

    template_name = FIELDS_TEMPLATE

    title = forms.CharField(
        label=_("事项"), max_length=200, help_text=_("如：购买社区办公用品、更换晾衣架。")
    )
    amount = forms.CharField(label=_("金额（元）"), required=False, max_length=30)
    decided_on = forms.DateField(label=_("决策日期"), widget=forms.DateInput(attrs={"type": "date"}))
    meeting_held = forms.ChoiceField(label=_("实际召开的会议"), choices=MeetingType.choices)
    meeting_date = forms.DateField(
        label=_("会议日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    steps_done = forms.MultipleChoiceField(
        label=_("已履行的步骤"), required=False, widget=forms.CheckboxSelectMultiple
    )
    evidence_provided = forms.MultipleChoiceField(
        label=_("已留存的材料"), required=False, widget=forms.CheckboxSelectMultiple
    )
    attachments = MultipleFileField(
        label=_("上传佐证材料"), help_text=_("JPG、PNG、PDF、Word、Excel，每个不超过20MB。")
    )

    def __init__(self, *args: Any, item: PowerItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, entries in (("steps_done", item.steps), ("evidence_provided", item.evidence)):
            field = _choice_field(self, name)
            field.choices = [(entry, entry) for entry in entries]
            field.error_messages["invalid_choice"] = _("“%(value)s”不在该事项的清单中。")

    @staticmethod
    def initial_for(use: PowerUse) -> dict[str, Any]:
        return {
            "title": use.title,
            "amount": "" if use.amount is None else str(use.amount),
            "decided_on": use.decided_on,
            "meeting_held": use.meeting_held,
            "meeting_date": use.meeting_date,
            "steps_done": use.steps_done,
            "evidence_provided": use.evidence_provided,
        }


class EvidenceUploadForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    attachments = MultipleFileField(
        label=_("佐证材料"), help_text=_("JPG、PNG、PDF、Word、Excel，每个不超过20MB。")
    )
