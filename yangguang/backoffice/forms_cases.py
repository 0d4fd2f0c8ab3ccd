"""Back-office forms for cases: staff intake, the work-queue filters, one form per lifecycle step, triage,
comments, and the case settings (categories, time limits, routing, handling units, calendar).

As in `forms.py`, choices of places come from the user's jurisdiction for the capability at stake, so an id
posted from elsewhere fails like an unknown one. Forms validate input only; the views make every change
through the case actions (`check_create_case`, `do_transition`, `do_rate`, `do_comment`, `do_triage`) or,
for settings, through `registry.do_save_record` (which runs `full_clean` and writes the audit entry).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.backoffice.forms import (
    ScopedChoiceField,
    areas_in_reach,
    buildings_in_reach,
    limit_choices,
    record_areas_in_reach,
)
from yangguang.core.actions import audit, cases, registry
from yangguang.core.models import (
    Area,
    AuditAction,
    CalendarOverride,
    Case,
    CaseCategory,
    CaseKind,
    CaseStatus,
    Channel,
    HandlingUnit,
    RoleAssignment,
    RoutingRule,
    SlaPolicy,
    Urgency,
)
from yangguang.core.models.cases import OPEN_STATUSES, Ownership
from yangguang.core.permissions import ROLE_CAPS, Cap, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    Actor = AbstractBaseUser | AnonymousUser
    _ModelForm = forms.ModelForm[Any]
    _ModelChoiceField = forms.ModelChoiceField[Any]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:
    _ModelForm = forms.ModelForm
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"

# The channels staff enter on a caller's behalf (the others are fed by the portal, the API and later modules).
STAFF_CHANNELS = [
    (Channel.HOTLINE.value, Channel.HOTLINE.label),
    (Channel.WALK_IN.value, Channel.WALK_IN.label),
    (Channel.GRID_PATROL.value, Channel.GRID_PATROL.label),
    (Channel.LIAISON.value, Channel.LIAISON.label),
]


def _blank(label: StrOrPromise, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def user_label(user: AbstractBaseUser) -> str:
    full_name = user.get_full_name() if isinstance(user, User) else ""
    return full_name or user.get_username()


class UserChoiceField(_ModelChoiceField):
    """A user, shown by full name (the username in brackets tells two 王芳 apart)."""

    default_error_messages = {"invalid_choice": _("所选人员不在可选范围内。")}

    def label_from_instance(self, obj: User) -> str:
        name = user_label(obj)
        return name if name == obj.username else f"{name}（{obj.username}）"


class UserMultipleChoiceField(_ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = user_label(obj)
        return name if name == obj.username else f"{name}（{obj.username}）"


# --- uploads ---------------------------------------------------------------------------------------------


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one file input. The case actions check type (by content) and size; this field
    only collects the files (a subclass takes other evidence files too). A form that wants the photos
    checked with its other fields calls `cases.check_photos` in its `clean_<field>` (`IntakeForm`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# --- intake ----------------------------------------------------------------------------------------------


def intake_areas(user: Actor, capability: str) -> models.QuerySet[Any]:
    """Communities, villages and grids where the user takes cases in."""
    return record_areas_in_reach(user, capability).order_by("path")


class IntakeForm(forms.Form):
    """A case taken in by staff on a caller's behalf (phone, visit, patrol, liaison)."""

    template_name = FIELDS_TEMPLATE

    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=STAFF_CHANNELS,
        initial=Channel.HOTLINE,
        error_messages={"required": _("请选择来源渠道：热线电话、来访、网格员巡查或廉情联络员转达。")},
    )
    area = ScopedChoiceField(
        intake_areas,
        capability=Cap.INTAKE_CASES,
        label=_("问题发生地（社区/网格）"),
        error_messages={"required": _("请选择问题发生的社区或网格。")},
    )
    category = forms.ModelChoiceField(
        queryset=CaseCategory.objects.filter(active=True),
        label=_("问题分类"),
        error_messages={"required": _("请选择问题分类。"), "invalid_choice": _("该分类不存在或已停用。")},
    )
    kind = forms.ChoiceField(
        label=_("诉求类型"), choices=_blank(_("按分类默认"), CaseKind.choices), required=False
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        error_messages={"required": _("请选择紧急程度。")},
    )
    building = ScopedChoiceField(
        buildings_in_reach,
        capability=Cap.INTAKE_CASES,
        label=_("楼栋"),
        required=False,
        help_text=_("须在所选社区或网格之内；不清楚可留空。"),
    )
    location_text = forms.CharField(label=_("位置描述"), max_length=200, required=False)
    title = forms.CharField(
        label=_("标题"), max_length=100, required=False, help_text=_("留空则取问题描述的开头。")
    )
    description = forms.CharField(
        label=_("问题描述"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写问题描述：发生了什么、在哪里、持续多久。")},
    )
    reporter_name = forms.CharField(label=_("反映人姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("反映人电话"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("加密保存，页面上只显示部分号码。"),
    )
    reporter_email = forms.EmailField(
        label=_("反映人电子邮箱"),
        required=False,
        # A text box (styled like the others) that phones still open with the e-mail keyboard.
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    anonymous = forms.BooleanField(
        label=_("匿名反映"), required=False, help_text=_("不登记姓名；留下的电话只用于告知办理结果。")
    )
    confidential = forms.BooleanField(
        label=_("要求保密"), required=False, help_text=_("反映人信息仅受理人员和居务监督委员会可见。")
    )
    photos = MultipleImageField(label=_("现场照片"), help_text=_("最多6张，每张不超过10MB。"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", secrets.token_urlsafe(24))
        super().__init__(*args, **kwargs)
        self.user = user
        limit_choices(self, user)
        self.fields["area"].empty_label = None  # type: ignore[attr-defined]
        self.fields["building"].empty_label = _("（不指定）")  # type: ignore[attr-defined]

    def clean_photos(self) -> list[UploadedFile]:
        """The photos checked with the other fields, by the rules `check_create_case` applies again
        (number, size, type by content), so one submission shows every error."""
        photos: list[UploadedFile] = self.cleaned_data["photos"]
        try:
            cases.check_photos(photos)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc  # keyed "photos" by the action: unkey it
        return photos

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        area = cleaned.get("area")
        building = cleaned.get("building")
        if area is not None and building is not None and not area.contains(building.area):
            self.add_error("building", gettext("所选楼栋不在所选社区或网格之内。"))
        return cleaned

    def add_error(self, field: str | None, error: Any) -> None:
        """Every error, the form's or the action's (the view attaches those after `is_valid`), sends the
        page back with an empty file input whatever was chosen: say so beside it, once."""
        super().add_error(field, error)
        reselect = gettext("请重新选择照片（出于安全原因，浏览器不会保留已选择的文件）")
        if self.photos_chosen() and reselect not in self.errors.get("photos", []):
            super().add_error("photos", reselect)

    def photos_chosen(self) -> bool:
        files = self.files.getlist(self.add_prefix("photos")) if hasattr(self.files, "getlist") else []
        return any(files)


# --- the work queue ------------------------------------------------------------------------------------


# The status filter's choice for every open status: the workspace's "未办结" figures link to it.
OPEN_CHOICE = "open"


class QueueFilterForm(forms.Form):
    """Filters and search of the work queue; invalid values show an error and are ignored.

    "仅看保密诉求" is offered only to users who see confidential reporters somewhere, and lists only the
    confidential cases of the areas where they do: for anyone else the field does not exist, so the
    parameter in a crafted URL is ignored and the list tells nothing about which cases are confidential.
    """

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("编号或标题"),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=_blank(_("全部"), [(OPEN_CHOICE, _("未办结")), *CaseStatus.choices]),
        required=False,
    )
    category = forms.ModelChoiceField(
        queryset=CaseCategory.objects.all(), label=_("分类"), required=False, empty_label=_("全部")
    )
    area = ScopedChoiceField(areas_in_reach, capability=Cap.VIEW_CASES, label=_("区域"), required=False)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=_blank(_("全部"), Urgency.choices), required=False
    )
    channel = forms.ChoiceField(
        label=_("来源渠道"), choices=_blank(_("全部"), Channel.choices), required=False
    )
    since = forms.DateField(
        label=_("受理日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    confidential = forms.BooleanField(label=_("仅看保密诉求"), required=False)

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, user)
        self.fields["area"].empty_label = _("全部")  # type: ignore[attr-defined]
        # Where the user sees confidential reporters (`cases.can_see_reporter`); nowhere: no such filter.
        self.confidential_paths = jurisdiction_paths(user, Cap.SEE_CONFIDENTIAL)
        if not self.confidential_paths:
            del self.fields["confidential"]

    def apply(self, queryset: models.QuerySet[Case]) -> models.QuerySet[Case]:
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status")
        if status == OPEN_CHOICE:
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        for name in ("category", "urgency", "channel"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("confidential"):
            seen = Area.objects.in_areas(self.confidential_paths).values("pk")
            queryset = queryset.filter(confidential=True, area_id__in=seen)
        area = data.get("area")
        if area is not None:
            queryset = queryset.filter(area__path__startswith=area.path)
        if data.get("since"):
            queryset = queryset.filter(created_at__date__gte=data["since"])
        if data.get("until"):
            queryset = queryset.filter(created_at__date__lte=data["until"])
        text = (data.get("q") or "").strip()
        if text:
            queryset = queryset.filter(Q(number__icontains=text) | Q(title__icontains=text))
        return queryset

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


# --- lifecycle steps -----------------------------------------------------------------------------------


class StepForm(forms.Form):
    """Base of the step forms: each knows the case and the user, and renders with the shared field template."""

    template_name = FIELDS_TEMPLATE
    note_label: StrOrPromise = _("说明")
    note_required = False

    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)

    def __init__(self, *args: Any, case: Case, user: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.step_prefix())
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        note = self.fields["note"]
        note.label = self.note_label
        note.required = self.note_required
        note.error_messages = {
            **note.error_messages,
            "required": gettext("请填写%(label)s。") % {"label": self.note_label},
        }

    @classmethod
    def step_prefix(cls) -> str:
        return cls.__name__.removesuffix("Form").lower()


class SignForm(StepForm):
    note_label = _("备注（可不填）")


class StartForm(SignForm):
    pass


class ResumeForm(SignForm):
    pass


class ReopenForm(SignForm):
    pass


class ReturnForm(StepForm):
    note_label = _("退回原因")
    note_required = True


class WaitForm(StepForm):
    note_label = _("需要居民补充的内容")
    note_required = True


class RejectForm(StepForm):
    note_label = _("不予受理的理由")
    note_required = True


class ReplyForm(StepForm):
    note_label = _("答复内容（居民可见）")
    note_required = True

    evidence = MultipleImageField(label=_("办理佐证照片"), help_text=_("最多6张，每张不超过10MB。"))


class CloseForm(StepForm):
    note_label = _("办结说明（居民可见）")

    evidence = MultipleImageField(label=_("办结佐证照片"), help_text=_("答复时已上传佐证的可不再上传。"))


class RateForm(StepForm):
    """The staff call-back (电话回访): the resident's score as told on the phone."""

    note_label = _("回访记录")

    score = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[
            (5, _("5 分 非常满意")),
            (4, _("4 分 满意")),
            (3, _("3 分 基本满意")),
            (2, _("2 分 不满意（转重办）")),
            (1, _("1 分 非常不满意（转重办）")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["score", "note"]


def handle_roles() -> list[str]:
    return [role for role, caps in ROLE_CAPS.items() if Cap.HANDLE_CASES in caps]


def community_path(case: Case) -> str:
    """The path of the community (or village) the case belongs to: a grid case looks across its community."""
    area = case.area
    if area.kind == "grid" and area.parent_id is not None:
        return area.path.rsplit("/", 2)[0] + "/"
    return area.path


def unit_candidates(case: Case) -> models.QuerySet[HandlingUnit]:
    """Units a case may go to: those of its area and the areas above it (street departments), and those
    inside its community (a compound's property company, a grid team)."""
    near = Q(area_id__in=case.area.ancestor_ids()) | Q(area__path__startswith=community_path(case))
    return HandlingUnit.objects.filter(near).select_related("area").order_by("area__path", "name")


def handler_candidates(case: Case) -> models.QuerySet[User]:
    """People a case may be given to: holders of HANDLE_CASES over it or inside its community, and the
    members of the candidate units."""
    near = Q(area_id__in=case.area.ancestor_ids()) | Q(area__path__startswith=community_path(case))
    assigned = RoleAssignment.objects.filter(near, role__in=handle_roles()).values("user_id")
    members = HandlingUnit.members.through.objects.filter(
        handlingunit_id__in=unit_candidates(case).values("pk")
    ).values("user_id")
    return User.objects.filter(Q(pk__in=assigned) | Q(pk__in=members), is_active=True).order_by(
        "first_name", "username"
    )


class DispatchForm(StepForm):
    note_label = _("派单说明（可不填）")

    unit = forms.ModelChoiceField(
        queryset=HandlingUnit.objects.none(),
        label=_("承办单位"),
        required=False,
        empty_label=_("（不指定）"),
        error_messages={"invalid_choice": _("所选单位不在可派范围内。")},
    )
    handler = UserChoiceField(
        queryset=User.objects.none(), label=_("承办人"), required=False, empty_label=_("（不指定）")
    )
    field_order = ["unit", "handler", "note"]

    def __init__(self, *args: Any, case: Case, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, case=case, user=user, **kwargs)
        self.fields["unit"].queryset = unit_candidates(case)  # type: ignore[attr-defined]
        self.fields["handler"].queryset = handler_candidates(case)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("unit") and not cleaned.get("handler") and not self.errors:
            raise ValidationError(gettext("请选择承办人或承办单位。"))
        return cleaned


class MergeForm(StepForm):
    """Merge this case into another open case, named by its number (or by a duplicate candidate's button)."""

    note_label = _("合并说明（可不填）")

    target = forms.CharField(label=_("合并到的诉求编号"), max_length=20)
    field_order = ["target", "note"]

    def clean_target(self) -> Case:
        number = self.cleaned_data["target"].strip().upper()
        target = Case.objects.visible_to(self.user, Cap.VIEW_CASES).filter(number=number).first()
        if target is None:
            raise ValidationError(gettext("没有找到编号为“%(number)s”的诉求。") % {"number": number})
        return target


# The form of each step the case page offers; "rate" stands for the call-back rating (do_rate).
STEP_FORMS: dict[str, type[StepForm]] = {
    "dispatch": DispatchForm,
    "return": ReturnForm,
    "sign": SignForm,
    "start": StartForm,
    "wait": WaitForm,
    "resume": ResumeForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "rate": RateForm,
    "reopen": ReopenForm,
    "merge": MergeForm,
    "reject": RejectForm,
}


class CommentForm(forms.Form):
    template_name = FIELDS_TEMPLATE

    note = forms.CharField(
        label=_("意见或备注"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("请填写意见或备注的内容。")},
    )
    public = forms.BooleanField(
        label=_("居民可见"), required=False, help_text=_("不勾选则只在工作人员之间可见。")
    )

    def __init__(self, *args: Any, may_publish: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)
        if not may_publish:
            del self.fields["public"]


class TriageForm(forms.Form):
    """分类调整: category, kind, urgency and ownership (大事/小事/私事) of an open case."""

    template_name = FIELDS_TEMPLATE

    category = forms.ModelChoiceField(queryset=CaseCategory.objects.filter(active=True), label=_("问题分类"))
    kind = forms.ChoiceField(label=_("诉求类型"), choices=CaseKind.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    ownership = forms.ChoiceField(label=_("归属"), choices=Ownership.choices)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "triage")
        kwargs.setdefault(
            "initial",
            {
                "category": case.category_id,
                "kind": case.kind,
                "urgency": case.urgency,
                "ownership": case.ownership,
            },
        )
        super().__init__(*args, **kwargs)
        self.case = case
        # A case keeps a category that was deactivated after it came in; it stays selectable for it.
        category = self.fields["category"]
        category.queryset = CaseCategory.objects.filter(Q(active=True) | Q(pk=case.category_id))  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """Only the values that differ from the case's (the action records each change)."""
        current = {
            "category": self.case.category,
            "kind": self.case.kind,
            "urgency": self.case.urgency,
            "ownership": self.case.ownership,
        }
        return {name: value for name, value in self.cleaned_data.items() if current[name] != value}


# --- settings --------------------------------------------------------------------------------------------


def settings_areas(user: Actor, capability: str) -> models.QuerySet[Any]:
    return areas_in_reach(user, capability).order_by("path")


def units_in_reach(user: Actor, capability: str) -> models.QuerySet[Any]:
    return HandlingUnit.objects.visible_to(user, capability).select_related("area").order_by("area__path")


class SettingForm(_ModelForm):
    """A case setting; `save_record` saves it through `registry.do_save_record` (validation + audit)."""

    template_name = FIELDS_TEMPLATE

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        limit_choices(self, user)

    def save_record(self, actor: Actor, before: dict[str, Any] | None) -> models.Model:
        with transaction.atomic():
            return registry.do_save_record(actor, self.instance, before=before)


class CategoryForm(SettingForm):
    class Meta:
        model = CaseCategory
        fields = [
            "name",
            "code",
            "parent",
            "default_ownership",
            "default_kind",
            "public_details",
            "position",
            "active",
        ]
        help_texts = {"code": _("英文字母、数字、连字符，创建后请勿随意修改。")}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        parents = CaseCategory.objects.filter(parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].empty_label = _("（顶级分类）")  # type: ignore[attr-defined]


class SlaPolicyForm(SettingForm):
    area = ScopedChoiceField(
        settings_areas,
        capability=Cap.MANAGE_CASE_SETTINGS,
        label=_("适用区域"),
        required=False,
        help_text=_("留空则适用于全部区域。"),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "kind",
            "urgency",
            "category",
            "area",
            "workdays",
            "work_hours",
            "sign_within_hours",
            "remind_before_hours",
            "source",
            "effective_from",
        ]
        labels = {"category": _("适用分类")}
        help_texts = {"category": _("留空则适用于全部分类。"), "source": _("文件名称和文号。")}
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["category"].empty_label = _("（全部分类）")  # type: ignore[attr-defined]
        self.fields["area"].empty_label = _("（全部区域）")  # type: ignore[attr-defined]
        self.fields["source"].required = True


class RoutingRuleForm(SettingForm):
    area = ScopedChoiceField(settings_areas, capability=Cap.MANAGE_CASE_SETTINGS, label=_("区域"))
    unit = ScopedChoiceField(
        units_in_reach, capability=Cap.MANAGE_CASE_SETTINGS, label=_("承办单位"), required=False
    )
    handler = UserChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        label=_("承办人"),
        required=False,
    )

    class Meta:
        model = RoutingRule
        fields = ["category", "area", "unit", "handler", "ownership"]
        labels = {"category": _("问题分类")}
        help_texts = {"ownership": _("留空则用分类的默认归属。")}
        error_messages = {
            NON_FIELD_ERRORS: {"unique_together": _("该分类在该区域已有分派规则，请编辑原规则。")}
        }

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].empty_label = _("（不指定）")  # type: ignore[attr-defined]
        self.fields["handler"].empty_label = _("（不指定）")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        area = cleaned.get("area")
        unit = cleaned.get("unit")
        if not cleaned.get("unit") and not cleaned.get("handler") and not cleaned.get("ownership"):
            raise ValidationError(gettext("请至少指定承办单位、承办人或归属中的一项。"))
        if (
            area is not None
            and unit is not None
            and not (area.contains(unit.area) or unit.area.contains(area))
        ):
            self.add_error("unit", gettext("承办单位须在该区域之内或其上级区域。"))
        return cleaned


class HandlingUnitForm(SettingForm):
    area = ScopedChoiceField(settings_areas, capability=Cap.MANAGE_CASE_SETTINGS, label=_("所属区域"))
    members = UserMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        label=_("成员"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("成员可以看到并办理派给本单位的诉求。按住 Ctrl（或 ⌘）可多选。"),
    )

    class Meta:
        model = HandlingUnit
        fields = ["name", "kind", "area"]
        error_messages = {NON_FIELD_ERRORS: {"unique_together": _("该区域已有同名承办单位。")}}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.members.values_list("pk", flat=True))

    def save_record(self, actor: Actor, before: dict[str, Any] | None) -> models.Model:
        """Save the unit, then its members; a change of members gets its own audit entry."""
        with transaction.atomic():
            unit = registry.do_save_record(actor, self.instance, before=before)
            old = sorted(unit.members.values_list("pk", flat=True)) if before is not None else []
            new = sorted(member.pk for member in self.cleaned_data["members"])
            if old != new:
                unit.members.set(new)
                audit.record(actor, AuditAction.UPDATE, target=unit, changes={"members": [old, new]})
            return unit


class CalendarOverrideForm(SettingForm):
    is_workday = forms.TypedChoiceField(
        label=_("这一天"),
        coerce=lambda value: value == "1",
        choices=[("0", _("休息日（放假）")), ("1", _("工作日（上班）"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = CalendarOverride
        fields = ["date", "is_workday", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"note": _("例如：国务院办公厅2026年部分节假日安排的通知")}
        error_messages = {"date": {"unique": _("这一天已有调整，请先删除原调整。")}}

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.initial["is_workday"] = "1" if self.instance.is_workday else "0"
