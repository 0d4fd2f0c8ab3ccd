"""Back-office forms of the welfare part: programs and their data, applications and their steps, members,
enrolment acts, list filters and the roster upload.

Forms validate input only (amounts through `eligibility.parse_amount`, so a mistyped number gets a Chinese
message naming the field); the changes are made by the actions in `core/actions/welfare.py`. Choices of
areas and programs come from the user's jurisdiction for the capability at stake.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions.eligibility import parse_amount
from yangguang.core.actions.registry import find_person_by_id_number
from yangguang.core.actions.welfare import programs_visible
from yangguang.core.models import (
    ApplicationStatus,
    Area,
    AreaKind,
    Circumstance,
    CountingRule,
    Enrollment,
    Person,
    Program,
    ProgramStandard,
    Recheck,
    Relation,
)
from yangguang.core.permissions import Cap, jurisdiction_paths
from yangguang.lib import idnumber

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser
    _ModelForm = forms.ModelForm[Any]
else:
    _ModelForm = forms.ModelForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTE = forms.Textarea(attrs={"rows": 3})


def _area_choices(areas: QuerySet[Area]) -> list[tuple[int, str]]:
    rows = list(areas.order_by("path"))
    top = min((area.depth for area in rows), default=0)
    return [(area.pk, "\u3000" * (area.depth - top) + area.name) for area in rows]


class AreaChoiceField(forms.TypedChoiceField):
    """An area from a fixed list of choices (the user's reach), returned as an Area."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, **kwargs)

    def load(self, value: int | str | None) -> Area | None:
        if value is None or value == "":
            return None
        return Area.objects.get(pk=int(value))


# --- programs ------------------------------------------------------------------------------------------


class ProgramForm(_ModelForm):
    area = AreaChoiceField(label=_("所属区"))

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "kind",
            "unit",
            "review_months",
            "notice_days",
            "notice_working_days",
            "review_attendance_percent",
            "review_approval_percent",
            "source",
            "active",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = Area.objects.visible_to(user, Cap.MANAGE_PROGRAMS).filter(kind=AreaKind.DISTRICT)
        field = self.fields["area"]
        field.choices = _area_choices(districts)  # type: ignore[attr-defined]
        if self.instance.pk:
            field.initial = self.instance.area_id
            field.disabled = True
        self.order_fields(["area"])
        self.fields["review_attendance_percent"].help_text = _(
            "按四舍五入到整数百分比后比较，67即三分之二：应到9人实到6人通过，应到20人实到13人不通过。"
        )

    def clean_area(self) -> Area | None:
        if self.instance.pk:
            return self.instance.area
        field = self.fields["area"]
        assert isinstance(field, AreaChoiceField)  # noqa: S101
        return field.load(self.cleaned_data.get("area"))

    def _post_clean(self) -> None:
        # The action validates uniqueness and ranges with Chinese messages; skip the model's own checks.
        area = self.cleaned_data.get("area")
        if area is not None:
            self.instance.area = area
        for name in self._meta.fields or []:
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])


class StandardForm(_ModelForm):
    area = AreaChoiceField(label=_("适用区域"), required=False)

    class Meta:
        model = ProgramStandard
        fields = [
            "effective_from",
            "monthly_standard",
            "asset_limit_months",
            "vehicles_allowed",
            "vehicle_value_limit",
            "max_properties",
            "source",
        ]
        widgets = {"effective_from": DATE}

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inside = Area.objects.filter(path__startswith=program.area.path).exclude(kind=AreaKind.GRID)
        field = self.fields["area"]
        field.choices = [("", _("整个项目区域"))] + _area_choices(inside)  # type: ignore[attr-defined]
        self.order_fields(["area"])
        self.fields["source"].help_text = _("依据文件的名称和文号。")

    def clean_area(self) -> Area | None:
        field = self.fields["area"]
        assert isinstance(field, AreaChoiceField)  # noqa: S101
        return field.load(self.cleaned_data.get("area"))

    def _post_clean(self) -> None:
        self.instance.area = self.cleaned_data.get("area")
        for name in self._meta.fields or []:
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])


class CountingRuleForm(_ModelForm):
    area = AreaChoiceField(label=_("适用区域"))

    class Meta:
        model = CountingRule
        fields = ["circumstance", "counted", "reason", "source", "effective_from"]
        widgets = {"effective_from": DATE}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Area.objects.visible_to(user, Cap.MANAGE_PROGRAMS).exclude(kind=AreaKind.GRID)
        self.fields["area"].choices = _area_choices(areas)  # type: ignore[attr-defined]
        self.order_fields(["area"])

    def clean_area(self) -> Area | None:
        field = self.fields["area"]
        assert isinstance(field, AreaChoiceField)  # noqa: S101
        return field.load(self.cleaned_data.get("area"))

    def _post_clean(self) -> None:
        self.instance.area = self.cleaned_data.get("area")
        for name in self._meta.fields or []:
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])


# --- applications --------------------------------------------------------------------------------------


class ApplicationCreateForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label=_("救助项目"))
    id_number = forms.CharField(
        label=_("申请人身份证号"),
        max_length=30,
        help_text=_("申请人须是本社区已登记的居民；家庭成员按其所在户自动带出。"),
    )
    applied_on = forms.DateField(label=_("申请日期"), widget=DATE)
    reason = forms.CharField(label=_("申请理由"), required=False, widget=NOTE, max_length=2000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        programs = Program.objects.filter(programs_visible(user, Cap.MANAGE_WELFARE), active=True)
        self.fields["program"].queryset = programs.order_by("name")  # type: ignore[attr-defined]
        self.fields["applied_on"].initial = timezone.localdate()
        self.person: Person | None = None

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"]
        try:
            id18 = idnumber.normalize(raw, today=timezone.localdate())
        except idnumber.IdNumberError as exc:
            raise ValidationError(str(exc)) from exc
        person = find_person_by_id_number(id18)
        visible = Person.objects.visible_to(self.user, Cap.MANAGE_WELFARE)
        if person is None or not visible.filter(pk=person.pk).exists():
            # The same message either way: the form must not tell where else a number is registered.
            raise ValidationError(_("您办理的社区中没有登记该身份证号码的居民，请先在居民信息中登记。"))
        self.person = person
        return id18


class AmountField(forms.CharField):
    """An amount in yuan, parsed by the platform's one parser (Chinese message naming the field)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Decimal:
        text = super().clean(value)
        return parse_amount(text, str(self.label))


class MemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("与申请人关系"), choices=Relation.choices)
    circumstance = forms.ChoiceField(label=_("情形"), choices=Circumstance.choices)
    monthly_income = AmountField(label=_("月收入（元）"))
    deposits = AmountField(label=_("存款及有价证券（元）"))
    vehicle_value = AmountField(label=_("机动车价值（元）"))
    properties = forms.IntegerField(label=_("住房套数"), min_value=0, max_value=99, initial=0)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class AddMemberForm(MemberForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号（已登记居民可填）"), required=False, max_length=30)

    field_order = ["name", "id_number"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.person: Person | None = None

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "").strip()
        if not raw:
            return ""
        try:
            id18 = idnumber.normalize(raw, today=timezone.localdate())
        except idnumber.IdNumberError as exc:
            raise ValidationError(str(exc)) from exc
        person = find_person_by_id_number(id18)
        visible = Person.objects.visible_to(self.user, Cap.MANAGE_WELFARE)
        if person is None or not visible.filter(pk=person.pk).exists():
            raise ValidationError(_("您办理的社区中没有登记该身份证号码的居民；未登记的成员请只填姓名。"))
        self.person = person
        return id18


class RemoveMemberForm(forms.Form):
    reason = forms.CharField(label=_("移除原因"), max_length=200)


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("受理说明"), required=False, widget=NOTE, max_length=1000)


class AuthoriseForm(forms.Form):
    authorisation_signed_on = forms.DateField(label=_("核对授权书签署日期"), widget=DATE)


class SurveyForm(forms.Form):
    survey_on = forms.DateField(label=_("入户调查日期"), widget=DATE)
    survey_notes = forms.CharField(
        label=_("入户调查情况"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("干部近亲属备案申请须写明入户走访情况。"),
    )


class ReviewForm(forms.Form):
    review_on = forms.DateField(label=_("评议日期"), widget=DATE)
    review_expected = forms.IntegerField(label=_("应到评议人数"), min_value=1, max_value=9999)
    review_present = forms.IntegerField(label=_("实到评议人数"), min_value=0, max_value=9999)
    review_approve = forms.IntegerField(label=_("同意人数"), min_value=0, max_value=9999)


class ConfirmForm(forms.Form):
    irregular_income = forms.BooleanField(
        label=_("收入不稳定（有劳动能力的家庭成员收入不稳定，每6个月复核）"), required=False
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=NOTE, max_length=1000)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("不予批准的书面理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("撤回说明"), required=False, widget=NOTE, max_length=1000)


STEP_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "authorise": AuthoriseForm,
    "survey": SurveyForm,
    "review": ReviewForm,
    "confirm": ConfirmForm,
    "refuse": RefuseForm,
    "withdraw": WithdrawForm,
}
STEP_LABELS: dict[str, Any] = {
    "accept": _("受理"),
    "authorise": _("登记核对授权"),
    "survey": _("登记入户调查"),
    "review": _("登记民主评议"),
    "confirm": _("审批确认"),
    "refuse": _("不予批准"),
    "withdraw": _("撤回申请"),
}


class MaskedNameSearch(forms.Form):
    """A list's search box that does not let a reader of masked names confirm a guessed name (a privacy
    oracle): the record's number matches everywhere, a person's name only where the reader holds
    REVEAL_PERSONAL — the rule that decides whether the list shows the name in full. The help text says
    what this reader can search by. Subclasses name the fields searched."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    number_field = "number"
    name_field = "applicant__name"
    help_number = _("申请编号（您看到的姓名经过遮挡，不能按姓名搜索）")
    help_both = _("申请编号或申请人姓名")
    help_partial = _("申请编号或申请人姓名（姓名只在您可查看全名的区域内搜索）")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name_paths = jurisdiction_paths(user, Cap.REVEAL_PERSONAL)
        readable = jurisdiction_paths(user, Cap.VIEW_WELFARE)
        if not self.name_paths:
            self.fields["q"].help_text = self.help_number
        elif all(any(path.startswith(outer) for outer in self.name_paths) for path in readable):
            self.fields["q"].help_text = self.help_both
        else:
            self.fields["q"].help_text = self.help_partial
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    def search(self, queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
        where_names = Q(pk__in=[])
        for path in self.name_paths:
            where_names |= Q(area__path__startswith=path)
        by_name = Q(**{f"{self.name_field}__icontains": text}) & where_names
        return queryset.filter(Q(**{f"{self.number_field}__icontains": text}) | by_name)


class ApplicationFilterForm(MaskedNameSearch):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + ApplicationStatus.choices
    )
    program = forms.ModelChoiceField(label=_("救助项目"), required=False, queryset=Program.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(  # type: ignore[attr-defined]
            programs_visible(user, Cap.VIEW_WELFARE)
        ).order_by("name")
        self.fields["program"].empty_label = _("全部")  # type: ignore[attr-defined]

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("program") is not None:
            queryset = queryset.filter(program=data["program"])
        text = (data.get("q") or "").strip()
        return self.search(queryset, text) if text else queryset


# --- enrolment -----------------------------------------------------------------------------------------


class EnrollmentFilterForm(MaskedNameSearch):
    number_field = "application__number"
    name_field = "head__name"
    help_number = _("申请编号（您看到的姓名经过遮挡，不能按姓名搜索）")
    help_both = _("申请编号或户主姓名")
    help_partial = _("申请编号或户主姓名（姓名只在您可查看全名的区域内搜索）")

    program = forms.ModelChoiceField(label=_("救助项目"), required=False, queryset=Program.objects.none())
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + Enrollment.Status.choices
    )
    due = forms.BooleanField(label=_("30天内到期复核"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(  # type: ignore[attr-defined]
            programs_visible(user, Cap.VIEW_WELFARE)
        ).order_by("name")
        self.fields["program"].empty_label = _("全部")  # type: ignore[attr-defined]

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("program") is not None:
            queryset = queryset.filter(program=data["program"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("due"):
            horizon = timezone.localdate() + datetime.timedelta(days=30)
            queryset = queryset.filter(
                status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED], review_due_on__lte=horizon
            )
        text = (data.get("q") or "").strip()
        return self.search(queryset, text) if text else queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=NOTE, max_length=300)


class ExitForm(ReasonForm):
    exited_on = forms.DateField(label=_("退出日期"), widget=DATE)


class AdjustForm(ReasonForm):
    household_size = forms.IntegerField(label=_("保障人数"), min_value=1, max_value=99)
    monthly_amount = AmountField(label=_("月救助金（元）"), required=True)

    field_order = ["household_size", "monthly_amount", "reason"]


class PeriodicReviewForm(forms.Form):
    note = forms.CharField(label=_("复核说明"), required=False, widget=NOTE, max_length=300)
    irregular_income = forms.BooleanField(
        label=_("收入不稳定（有劳动能力的家庭成员收入不稳定，每6个月复核）"), required=False
    )


class FindingForm(forms.Form):
    recheck = forms.ModelChoiceField(label=_("监委会核查结论"), queryset=Recheck.objects.none())
    household_size = forms.IntegerField(label=_("调整后保障人数"), required=False, min_value=1, max_value=99)
    monthly_amount = forms.CharField(label=_("调整后月救助金（元）"), required=False, max_length=30)
    note = forms.CharField(label=_("处理说明"), required=False, widget=NOTE, max_length=300)

    def __init__(self, *args: Any, enrollment: Enrollment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        linked = Q(enrollment=enrollment)
        if enrollment.application_id is not None:
            linked |= Q(application_id=enrollment.application_id)
        self.fields["recheck"].queryset = Recheck.objects.filter(  # type: ignore[attr-defined]
            linked,
            acted_on=False,
            conclusion__in=[Recheck.Conclusion.ADJUST, Recheck.Conclusion.INELIGIBLE],
        )

    def clean_monthly_amount(self) -> Decimal | None:
        text = self.cleaned_data.get("monthly_amount", "").strip()
        if not text:
            return None
        return parse_amount(text, str(self.fields["monthly_amount"].label))


class RosterImportForm(forms.Form):
    area = forms.TypedChoiceField(label=_("导入到社区"), coerce=int)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("民政系统导出的救助名册，Excel（.xlsx）或 CSV 文件。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"required": _("请选择要导入的文件。")},
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.pk, a.name) for a in areas]  # type: ignore[attr-defined]
        if len(areas) == 1:
            self.fields["area"].initial = areas[0].pk
