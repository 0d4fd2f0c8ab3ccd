"""Back-office forms for the supervision committee: terms, members, cadre posts, the close-relatives register,
elections (electors, candidates, voters and their secret ballots, paper counts) and removal motions.

Forms validate input only. People are named by their full ID number and looked up in the community's
registry (blind index), so a number from elsewhere fails like an unknown one. Every change is made by the
views through `yangguang.core.actions.committee`, `cadres` and `elections`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import committee
from yangguang.core.models import (
    Area,
    CadreBody,
    Candidate,
    CommitteeMember,
    Election,
    Elector,
    KinRelation,
    MemberGroup,
    Person,
)
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(
    label: StrOrPromise, *, required: bool = True, initial_today: bool = False, **kwargs: Any
) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=timezone.localdate if initial_today else None,
        error_messages={"invalid": _("请输入有效的日期，例如 2024-05-01。"), "required": _("请填写日期。")},
        **kwargs,
    )


class CommitteeForm(forms.Form):
    template_name = FIELDS_TEMPLATE


class ResidentIdField(forms.CharField):
    """A full ID number of a resident of the form's community, cleaned to the Person."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", _("输入完整的18位身份证号，在本社区登记人口中查找。"))
        super().__init__(**kwargs)
        self.widget.attrs["autocomplete"] = "off"


class AreaForm(CommitteeForm):
    """A form whose people belong to one community."""

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area

    def resident(self, name: str) -> Person | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return committee.find_resident(self.area, raw)
        except ValidationError as exc:
            self.add_error(name, exc)
            return None


class TermForm(CommitteeForm):
    number = forms.IntegerField(label=_("届次"), min_value=1, max_value=99, help_text=_("例如：3 表示第3届"))
    starts_on = date_field(_("任期开始"))
    ends_on = date_field(_("任期结束"))


class MemberForm(AreaForm):
    id_number = ResidentIdField(label=_("身份证号"))
    position = forms.ChoiceField(label=_("职务"), choices=CommitteeMember.Position.choices, initial="member")
    group = forms.ChoiceField(label=_("身份类别"), choices=MemberGroup.choices)
    has_accounting = forms.BooleanField(label=_("具备财会知识"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["person"] = self.resident("id_number")
        return self.cleaned_data


class SeatForm(CommitteeForm):
    joined_on = date_field(_("就任日期"), initial_today=True)


class LeaveForm(CommitteeForm):
    removed = forms.TypedChoiceField(
        label=_("类型"),
        choices=[("0", _("离任（辞职、迁出、去世等）")), ("1", _("罢免"))],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    on = date_field(_("离任日期"), initial_today=True)
    reason = forms.CharField(label=_("原因"), max_length=200)


class PositionForm(CommitteeForm):
    position = forms.ChoiceField(label=_("职务"), choices=CommitteeMember.Position.choices)


class MemberUserForm(CommitteeForm):
    username = forms.CharField(
        label=_("账号用户名"),
        max_length=150,
        help_text=_("关联后该账号获得本社区“居务监督委员会成员”角色。"),
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(_("没有找到该用户名的账号。"))
        return user


class CadrePostForm(AreaForm):
    id_number = ResidentIdField(label=_("身份证号"))
    body = forms.ChoiceField(label=_("所在组织"), choices=CadreBody.choices)
    title = forms.CharField(label=_("职务"), max_length=50, help_text=_("例如：书记、主任、委员、会计"))
    is_party_secretary = forms.BooleanField(label=_("党组织书记"), required=False)
    starts_on = date_field(_("任职日期"))
    ends_on = date_field(_("离职日期"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["person"] = self.resident("id_number")
        return self.cleaned_data


class EndPostForm(CommitteeForm):
    ends_on = date_field(_("离职日期"), initial_today=True)


class KinshipForm(AreaForm):
    cadre_id_number = ResidentIdField(label=_("干部身份证号"))
    relative_name = forms.CharField(label=_("亲属姓名"), max_length=50)
    relative_id_number = forms.CharField(
        label=_("亲属身份证号"), max_length=30, help_text=_("加密保存，页面上只显示部分号码。")
    )
    relation = forms.ChoiceField(label=_("关系"), choices=KinRelation.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relative_id_number"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["cadre"] = self.resident("cadre_id_number")
        return self.cleaned_data


class KinshipImportForm(CommitteeForm):
    file = forms.FileField(
        label=_("文件"),
        help_text=_(
            "Excel（.xlsx）或 CSV 文件，列：干部身份证号、干部姓名、亲属姓名、亲属身份证号、关系、备注。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
        error_messages={"required": _("请选择要导入的文件。")},
    )


class ElectionForm(CommitteeForm):
    held_on = date_field(_("选举日期"))
    seats = forms.IntegerField(label=_("应选人数"), min_value=1, max_value=20)
    method = forms.ChoiceField(label=_("计票方式"), choices=Election.Method.choices)
    quorum_percent = forms.IntegerField(label=_("到会比例要求（%）"), min_value=1, max_value=100, initial=67)
    majority_percent = forms.IntegerField(
        label=_("当选得票比例（%，超过）"), min_value=1, max_value=99, initial=50
    )


class ElectorsForm(AreaForm):
    id_numbers = forms.CharField(
        label=_("选举人身份证号"),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        help_text=_("每行一个居民代表的身份证号，可从表格中整列粘贴。"),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        people: list[Person] = []
        errors: list[str] = []
        lines = [line.strip() for line in (self.cleaned_data.get("id_numbers") or "").splitlines()]
        for number, raw in enumerate(lines, start=1):
            if not raw:
                continue
            try:
                people.append(committee.find_resident(self.area, raw))
            except ValidationError as exc:
                errors.append(gettext("第%(n)d行：%(e)s") % {"n": number, "e": "；".join(exc.messages)})
        if errors:
            self.add_error("id_numbers", errors)
        self.cleaned_data["people"] = people
        return self.cleaned_data


class CandidateForm(AreaForm):
    id_number = ResidentIdField(label=_("候选人身份证号"))
    group = forms.ChoiceField(label=_("身份类别"), choices=MemberGroup.choices)
    has_accounting = forms.BooleanField(label=_("具备财会知识"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["person"] = self.resident("id_number")
        return self.cleaned_data


class ElectorsChoiceField(_ModelMultipleChoiceField):
    default_error_messages = {"invalid_choice": _("所选选举人不存在，或已登记投票。")}

    def label_from_instance(self, obj: Elector) -> str:
        return mask_name(obj.person.name)


class CandidateChoiceField(_ModelMultipleChoiceField):
    default_error_messages = {"invalid_choice": _("只能选择本次选举的候选人。")}

    def label_from_instance(self, obj: Candidate) -> str:
        return obj.person.name


class VotersForm(CommitteeForm):
    """The representatives who received and cast a ballot; recorded apart from the ballots."""

    electors = ElectorsChoiceField(
        queryset=Elector.objects.none(),
        label=_("领取并投出选票的选举人"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择领取并投出选票的选举人。")},
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["electors"]
        assert isinstance(field, ElectorsChoiceField)  # noqa: S101 - narrows the type
        field.queryset = election.electors.filter(attended=False).select_related("person").order_by("pk")


class BallotForm(CommitteeForm):
    """One ballot from the box, without its voter's name."""

    choices = CandidateChoiceField(
        queryset=Candidate.objects.none(),
        label=_("选票上划选的候选人"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("一个都不选表示弃权票。"),
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field = self.fields["choices"]
        assert isinstance(choice_field, CandidateChoiceField)  # noqa: S101 - narrows the type
        choice_field.queryset = election.candidates.select_related("person").order_by("pk")


class TallyForm(CommitteeForm):
    attended = forms.ModelMultipleChoiceField(
        queryset=Elector.objects.none(),
        label=_("到会的选举人"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attended = self.fields["attended"]
        assert isinstance(attended, forms.ModelMultipleChoiceField)  # noqa: S101 - narrows the type
        attended.queryset = election.electors.select_related("person").order_by("pk")
        attended.label_from_instance = lambda obj: mask_name(obj.person.name)  # type: ignore[method-assign]
        attended.initial = [e.pk for e in election.electors.all() if e.attended]
        self.candidates = list(election.candidates.select_related("person").order_by("pk"))
        for candidate in self.candidates:
            self.fields[f"votes_{candidate.pk}"] = forms.IntegerField(
                label=gettext("%(name)s 得票数") % {"name": candidate.person.name},
                min_value=0,
                initial=candidate.tally,
                error_messages={"required": _("请填写得票数。"), "min_value": _("得票数不能为负数。")},
            )

    def tallies(self) -> dict[int, int]:
        return {c.pk: int(self.cleaned_data[f"votes_{c.pk}"]) for c in self.candidates}


class RemovalForm(CommitteeForm):
    filed_on = date_field(_("提出日期"), initial_today=True)
    signatures = forms.IntegerField(label=_("联名人数"), min_value=0)
    electorate = forms.IntegerField(label=_("有选举权的居民总数"), min_value=1)
    reason = forms.CharField(label=_("罢免理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DecideRemovalForm(CommitteeForm):
    removed = forms.TypedChoiceField(
        label=_("表决结果"),
        choices=[("1", _("罢免")), ("0", _("未通过"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    decided_on = date_field(_("表决日期"), initial_today=True)


NUMBER_ERRORS = {
    "required": _("请填写人数。"),
    "invalid": _("请填写整数。"),
    "min_value": _("人数不能为负数。"),
    "max_value": _("人数不能超过99。"),
}


class RuleForm(CommitteeForm):
    """The numbers of a composition rule and their basis; `committee_rules.clean_rule` checks them together
    (bounds, minimum not above maximum, the basis written out)."""

    min_size = forms.IntegerField(
        label=_("最少人数"), min_value=0, max_value=99, error_messages=NUMBER_ERRORS
    )
    max_size = forms.IntegerField(
        label=_("最多人数"), min_value=0, max_value=99, error_messages=NUMBER_ERRORS
    )
    require_thirds = forms.BooleanField(
        label=_("要求“三个三分之一”"),
        required=False,
        help_text=_("党员、人大代表/政协委员、普通群众各约占三分之一。"),
    )
    min_accounting = forms.IntegerField(
        label=_("具备财会知识的最少人数"), min_value=0, max_value=99, error_messages=NUMBER_ERRORS
    )
    source = forms.CharField(
        label=_("依据"),
        max_length=200,
        help_text=_("写明规定的名称和条款，例如：××省实施《村民委员会组织法》办法第×条。"),
        error_messages={"required": _("请填写依据。"), "max_length": _("依据最多200个字。")},
    )
    effective_from = date_field(_("生效日期"), initial_today=True)
