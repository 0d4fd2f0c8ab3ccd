"""Back-office forms of welfare projects (惠民项目): the project itself, quotes, spending lines (with their
voucher), progress reports, acceptance, lifecycle steps, the committee's finding, and the list filters.

Forms validate shapes only (dates, choices); amounts and quantities stay text as typed and every rule is
`yangguang.core.actions.projects`', whose errors the views put back beside the fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.backoffice.forms import ScopedChoiceField, limit_choices
from yangguang.backoffice.forms_finance import (
    MultipleFileInput,
    PowerItemField,
    ReceiptsField,
    communities_in_reach,
    power_items_for,
)
from yangguang.core.actions import catalogue, project_checks, projects, vouchers
from yangguang.core.models import Area, Finding, Inspection, PowerItem, PowerUse, Project
from yangguang.core.models.supervision import MeetingType
from yangguang.core.permissions import Cap

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser
    _ModelChoiceField = forms.ModelChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"
DATE = forms.DateInput(attrs={"type": "date"})
DATE_ERRORS = {"invalid": _("请填写正确的日期，例如 2025-03-15。")}
MEETING_CHOICES = [("", _("（未记录）"))] + [
    (value, label) for value, label in MeetingType.choices if value != MeetingType.NONE
]


def reader_communities(user: User, capability: str) -> models.QuerySet[Area]:
    """Communities whose projects the user reads (the list's community filter). `capability` is unused:
    readers are VIEW_WELFARE or VIEW_SUPERVISION holders alike."""
    paths = projects.reader_paths(user)
    return Area.objects.communities().in_areas(paths).select_related("parent").order_by("path")


def power_items_at(area: Area | None) -> models.QuerySet[PowerItem]:
    """Active items that apply to `area` by the catalogue's rule (or, with no area yet, the platform's list)."""
    if area is not None:
        items: models.QuerySet[PowerItem] = catalogue.effective_items(area, "power")
        return items.order_by("domain", "position", "code")
    return PowerItem.objects.filter(area__isnull=True, active=True).order_by("domain", "position", "code")


class PowerUseField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选决策记录不存在或不属于本社区。")}

    def label_from_instance(self, obj: PowerUse) -> str:
        return f"{obj.decided_on:%Y-%m-%d} {obj.title}"


def split_meeting(text: str) -> tuple[str, str]:
    """A stored decision meeting back into (type, remark) for the form."""
    kind = project_checks.meeting_kind_of(text) or ""
    if kind:
        label = str(MeetingType(kind).label)
        if text.startswith(label):
            return kind, text[len(label) :].lstrip("：: ")
    return kind, text


# --- the project -----------------------------------------------------------------------------------------


class ProjectForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    area = ScopedChoiceField(communities_in_reach, capability=Cap.MANAGE_PROJECTS, label=_("社区/村"))
    title = forms.CharField(label=_("项目名称"), max_length=200)
    description = forms.CharField(
        label=_("项目内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.CharField(label=_("预算（元）"), max_length=40, help_text=_("例如 10200 或 10,200.00。"))
    funding_source = forms.CharField(
        label=_("资金来源"), max_length=200, help_text=_("例如：2021年社区惠民资金、街道民生实事专项。")
    )
    power_item = PowerItemField(
        queryset=PowerItem.objects.none(),
        label=_("权力事项"),
        required=False,
        empty_label=_("（未选择）"),
        help_text=_("按小微权力清单选择；预算不在事项金额范围内时会提示。"),
    )
    decision = PowerUseField(
        queryset=PowerUse.objects.none(),
        label=_("决策记录"),
        required=False,
        empty_label=_("（未关联）"),
        help_text=_("已登记的权力运行记录；没有时请在下面写明决策会议和日期。"),
    )
    meeting_kind = forms.ChoiceField(label=_("决策会议类型"), choices=MEETING_CHOICES, required=False)
    meeting_note = forms.CharField(
        label=_("会议说明"), max_length=150, required=False, help_text=_("例如：2021年第2次居民代表会议。")
    )
    decided_on = forms.DateField(label=_("决策日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    unit_name = forms.CharField(
        label=_("计量单位"),
        max_length=20,
        required=False,
        help_text=_("按数量验收的项目填写，例如：个、米、套。"),
    )
    planned_quantity = forms.CharField(label=_("计划数量"), max_length=20, required=False)
    unit_price = forms.CharField(label=_("单价（元）"), max_length=40, required=False)
    starts_on = forms.DateField(label=_("开工日期"), required=False, widget=DATE, error_messages=DATE_ERRORS)
    ends_on = forms.DateField(
        label=_("计划完工日期"), required=False, widget=DATE, error_messages=DATE_ERRORS
    )

    def __init__(self, *args: Any, user: User, project: Project | None = None, **kwargs: Any) -> None:
        if project is not None:
            kind, note = split_meeting(project.decision_meeting)
            kwargs.setdefault(
                "initial",
                {
                    "title": project.title,
                    "description": project.description,
                    "budget": project.budget,
                    "funding_source": project.funding_source,
                    "power_item": project.power_item_id,
                    "decision": project.decision_id,
                    "meeting_kind": kind,
                    "meeting_note": note,
                    "decided_on": project.decided_on,
                    "unit_name": project.unit_name,
                    "planned_quantity": projects.qty(project.planned_quantity)
                    if project.planned_quantity is not None
                    else "",
                    "unit_price": project.unit_price if project.unit_price is not None else "",
                    "starts_on": project.starts_on,
                    "ends_on": project.ends_on,
                },
            )
        super().__init__(*args, **kwargs)
        self.project = project
        self.user = user
        limit_choices(self, user)
        item_field = self.fields["power_item"]
        use_field = self.fields["decision"]
        assert isinstance(item_field, PowerItemField)  # noqa: S101 - narrows the type
        assert isinstance(use_field, PowerUseField)  # noqa: S101 - narrows the type
        if project is not None:
            del self.fields["area"]
            item_field.queryset = power_items_at(project.area)
            use_field.queryset = PowerUse.objects.filter(area=project.area).order_by("-decided_on", "-pk")
        else:
            item_field.queryset = power_items_for(user)
            use_field.queryset = (
                PowerUse.objects.visible_to(user, Cap.MANAGE_PROJECTS)
                .select_related("area")
                .order_by("-decided_on", "-pk")
            )

    def decision_meeting(self) -> str:
        data = self.cleaned_data
        kind = data.get("meeting_kind") or ""
        note = (data.get("meeting_note") or "").strip()
        if not kind:
            return note
        label = str(MeetingType(kind).label)
        return f"{label}：{note}" if note else label

    def project_input(self, area: Area) -> projects.ProjectInput:
        data = self.cleaned_data
        return projects.ProjectInput(
            area=area,
            title=data["title"],
            description=data.get("description") or "",
            budget=data["budget"],
            funding_source=data["funding_source"],
            power_item=data.get("power_item"),
            decision=data.get("decision"),
            decision_meeting=self.decision_meeting(),
            decided_on=data.get("decided_on"),
            unit_name=data.get("unit_name") or "",
            planned_quantity=data.get("planned_quantity") or None,
            unit_price=data.get("unit_price") or None,
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )


# --- procurement, spending, progress, acceptance ---------------------------------------------------------


class QuoteForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    supplier = forms.CharField(label=_("报价单位"), max_length=200)
    amount = forms.CharField(label=_("报价（元）"), max_length=40)
    received_on = forms.DateField(label=_("报价日期"), widget=DATE, error_messages=DATE_ERRORS)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "quote")
        super().__init__(*args, **kwargs)


class SpendingForm(forms.Form):
    """A spending line and the voucher that pays it (the voucher goes to the committee for signature)."""

    template_name = FIELDS_TEMPLATE

    description = forms.CharField(label=_("支出内容"), max_length=300)
    quantity = forms.CharField(
        label=_("数量"),
        max_length=20,
        required=False,
        help_text=_("本次支付对应的数量（按数量验收的项目填写）。"),
    )
    number = forms.CharField(label=_("凭证号"), max_length=30)
    spent_on = forms.DateField(label=_("支出日期"), widget=DATE, error_messages=DATE_ERRORS)
    amount = forms.CharField(
        label=_("金额（元）"), max_length=40, help_text=_("例如 1200.50、1,200.50 或 ¥300。")
    )
    payee = forms.CharField(label=_("收款方"), max_length=100)
    receipts = ReceiptsField(
        label=_("票据/收据"),
        help_text=_("发票、收据等，可多选；支持 JPG、PNG、PDF、Word、Excel，单个不超过20MB。"),
        error_messages={"required": _("请上传至少一张票据或收据：没有票据的凭证不能提交。")},
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "spending")
        kwargs.setdefault("initial", {"payee": project.contractor, "spent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.project = project
        if not project.unit_name:
            del self.fields["quantity"]
        else:
            self.fields["quantity"].label = gettext("数量（%(unit)s）") % {"unit": project.unit_name}

    def voucher_input(self) -> vouchers.VoucherInput:
        data = self.cleaned_data
        project = self.project
        item = project.power_item
        purpose = gettext("惠民项目“%(title)s”：%(what)s") % {
            "title": project.title,
            "what": data["description"],
        }
        return vouchers.VoucherInput(
            area=project.area,
            number=data["number"],
            spent_on=data["spent_on"],
            amount=data["amount"],
            payee=data["payee"],
            purpose=purpose[:300],
            power_item=item if item is not None and vouchers.power_item_applies(item, project.area) else None,
        )


class ProgressForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    on = forms.DateField(label=_("日期"), widget=DATE, error_messages=DATE_ERRORS)
    text = forms.CharField(label=_("进展情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    quantity_done = forms.CharField(label=_("累计完成数量"), max_length=20, required=False)
    over_note = forms.CharField(
        label=_("超出计划数量的说明"),
        max_length=500,
        required=False,
        help_text=_("累计完成数量超过计划数量时必填。"),
    )
    public = forms.BooleanField(
        label=_("在居民网站公开"),
        required=False,
        initial=True,
        help_text=_("公开的施工动态及其照片居民可以看到。"),
    )
    photos = ReceiptsField(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPG 或 PNG，可多选，单张不超过20MB；请勿拍入居民面部、门牌等个人信息。"),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "progress")
        kwargs.setdefault("initial", {"on": timezone.localdate(), "public": True})
        super().__init__(*args, **kwargs)
        if not project.unit_name:
            del self.fields["quantity_done"]
            del self.fields["over_note"]
        else:
            self.fields["quantity_done"].label = gettext("累计完成数量（%(unit)s）") % {
                "unit": project.unit_name
            }


class AcceptanceForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    on = forms.DateField(label=_("验收日期"), widget=DATE, error_messages=DATE_ERRORS)
    quantity_counted = forms.CharField(label=_("实地清点数量"), max_length=20, required=False)
    passed = forms.TypedChoiceField(
        label=_("验收结论"),
        choices=[("yes", _("验收合格")), ("no", _("验收不合格"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择验收结论。")},
    )
    participants = forms.CharField(label=_("参加验收人员"), max_length=300)
    notes = forms.CharField(
        label=_("验收意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "acceptance")
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if project.unit_name:
            self.fields["quantity_counted"].label = gettext("实地清点数量（%(unit)s）") % {
                "unit": project.unit_name
            }
            self.fields["quantity_counted"].help_text = gettext("到现场逐一清点实际安装/交付的数量。")
        else:
            del self.fields["quantity_counted"]


class StepForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    reason = forms.CharField(
        label=_("原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", step)
        super().__init__(*args, **kwargs)
        if step == "cancel":
            reason = self.fields["reason"]
            reason.label = _("取消原因")
            reason.required = True
            reason.error_messages["required"] = gettext("请填写取消项目的原因。")
        else:
            self.fields["reason"].label = _("说明（选填）")


class InspectionChoiceField(_ModelChoiceField):
    default_error_messages = {"invalid_choice": _("所选检查不存在或已结束。")}

    def label_from_instance(self, obj: Inspection) -> str:
        return f"{obj.planned_on:%Y-%m-%d} {obj.title}"


class FindingForm(forms.Form):
    """The committee opens a finding from a problem line."""

    key = forms.CharField(widget=forms.HiddenInput)
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=Finding.Severity.choices, initial=Finding.Severity.MINOR
    )
    inspection = InspectionChoiceField(
        queryset=Inspection.objects.none(),
        label=_("记入检查"),
        required=False,
        empty_label=_("新建一次专项检查"),
    )

    def __init__(self, *args: Any, project: Project, key: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"finding_{key}_%s" if key else "finding_%s")
        kwargs.setdefault("initial", {"key": key})
        super().__init__(*args, **kwargs)
        field = self.fields["inspection"]
        assert isinstance(field, InspectionChoiceField)  # noqa: S101 - narrows the type
        field.queryset = projects.open_inspections(project)


class ProjectFilterForm(forms.Form):
    """Filters of the project list; bad values are ignored (the list then shows everything)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100, help_text=_("项目名称或承建单位"))
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Project.Status.choices]
    )
    area = ScopedChoiceField(
        reader_communities, capability=Cap.VIEW_WELFARE, label=_("社区/村"), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, user)
        self.fields["area"].empty_label = gettext("全部")  # type: ignore[attr-defined]

    def apply(self, queryset: models.QuerySet[Project]) -> models.QuerySet[Project]:
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if data.get("q"):
            text = data["q"].strip()
            queryset = queryset.filter(Q(title__icontains=text) | Q(contractor__icontains=text))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("area"):
            queryset = queryset.filter(area__path__startswith=data["area"].path)
        return queryset
