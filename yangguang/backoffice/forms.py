"""Back-office forms for the registry: record forms, list filters, household membership and reveals.

Two rules hold for every form here:

- Choices for places (area, compound, building, dwelling) come from the user's jurisdiction for the
  capability at stake, so a posted id from elsewhere fails validation like any unknown id, with a Chinese
  message that does not say whether the record exists.
- Record forms validate only; `save_record` makes the change through the registry actions (which write the
  audit entries), inside one transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import audit, registry
from yangguang.core.models import (
    Area,
    AreaKind,
    AuditAction,
    Building,
    Compound,
    CompoundKind,
    Dwelling,
    DwellingUse,
    Household,
    Merchant,
    Occupancy,
    Person,
    Relation,
    ResidenceStatus,
    Sex,
    Tag,
)
from yangguang.core.models.base import ScopedQuerySet
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber, phone
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser
    _ModelForm = forms.ModelForm[Any]
    _ModelChoiceField = forms.ModelChoiceField[Any]
else:
    # Subscripted at type-checking time only: Django's classes are not generic at runtime.
    _ModelForm = forms.ModelForm
    _ModelChoiceField = forms.ModelChoiceField

# Compounds, people and households belong to a community, a village or one of their grids, never directly
# to a street or district.
RECORD_AREA_KINDS = (AreaKind.COMMUNITY, AreaKind.VILLAGE, AreaKind.GRID)


# --- phone numbers and credit codes --------------------------------------------------------------------


def normalize_phone(raw: str) -> str:
    """The platform's one phone normaliser (yangguang.lib.phone), as a form ValidationError."""
    try:
        return phone.normalize_phone(raw)
    except phone.PhoneError as exc:
        raise ValidationError(str(exc), code="invalid_phone") from exc


# GB 32100-2015 unified social credit code: 18 characters from this alphabet, the last a check character.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_credit_code(raw: str) -> str:
    """Upper-case a unified social credit code and verify its shape and check character."""
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(value) != 18 or any(ch not in _CREDIT_ALPHABET for ch in value):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母。"), code="invalid_credit_code")
    total = sum(_CREDIT_ALPHABET.index(ch) * w for ch, w in zip(value[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_ALPHABET[(31 - total % 31) % 31] != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误，请核对。"), code="invalid_credit_code")
    return value


def attach_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form: beside the field it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- choices limited to a jurisdiction ------------------------------------------------------------------

Scope = Callable[["User", str], models.QuerySet[Any]]


def areas_in_reach(user: User, capability: str) -> models.QuerySet[Area]:
    """Every area under the user's jurisdiction for `capability` (for filters)."""
    return Area.objects.visible_to(user, capability).select_related("parent")


def record_areas_in_reach(user: User, capability: str) -> models.QuerySet[Area]:
    """Communities, villages and grids under the user's jurisdiction: where records may be placed."""
    return areas_in_reach(user, capability).filter(kind__in=RECORD_AREA_KINDS)


def compounds_in_reach(user: User, capability: str) -> models.QuerySet[Compound]:
    """Compounds in the user's jurisdiction, and those of the communities above it.

    A grid worker's buildings belong to compounds registered at the community, so a compound located in
    an ancestor of one of the user's areas is a valid choice; the record itself still has to lie in the
    user's area (each form checks that).
    """
    paths = jurisdiction_paths(user, capability)
    if not paths:
        return Compound.objects.none()
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    inside = reduce(or_, (Q(area__path__startswith=path) for path in paths))
    return Compound.objects.filter(inside | Q(area_id__in=above)).select_related("area")


def buildings_in_reach(user: User, capability: str) -> models.QuerySet[Building]:
    return Building.objects.visible_to(user, capability).select_related("compound", "area")


def dwellings_in_reach(user: User, capability: str) -> models.QuerySet[Dwelling]:
    return Dwelling.objects.visible_to(user, capability).select_related("building__compound", "area")


def describe_choice(obj: models.Model) -> str:
    """Option labels that stay unambiguous across a street (two communities may both have a 一网格)."""
    if isinstance(obj, Area):
        return f"{obj.parent.name} › {obj.name}" if obj.parent else obj.name
    if isinstance(obj, Compound):
        return f"{obj.name}（{obj.area.name}）"
    if isinstance(obj, Building):
        return f"{obj.compound.name} {obj.name}"
    if isinstance(obj, Dwelling):
        return f"{obj.building.compound.name} {obj.building.name} {obj.unit}{obj.room}"
    return str(obj)


class ScopedChoiceField(_ModelChoiceField):
    """A foreign-key choice limited to a user's jurisdiction; forms call `limit_to(user)` on creation."""

    default_error_messages = {"invalid_choice": _("所选项不存在，或不在您的管辖范围内。")}

    def __init__(self, scope: Scope, *, capability: str = Cap.EDIT_REGISTRY, **kwargs: Any) -> None:
        self.scope = scope
        self.capability = capability
        # An anonymous user reaches nothing: the real queryset is set per request by limit_to().
        super().__init__(queryset=scope(AnonymousUser(), capability), **kwargs)

    def limit_to(self, user: User) -> None:
        self.queryset = self.scope(user, self.capability)

    def label_from_instance(self, obj: models.Model) -> str:
        return describe_choice(obj)


def limit_choices(form: forms.BaseForm, user: User) -> None:
    for field in form.fields.values():
        if isinstance(field, ScopedChoiceField):
            field.limit_to(user)


# --- record forms --------------------------------------------------------------------------------------


class RegistryForm(_ModelForm):
    """A form for one registry record, for a given user; `save_record` makes the change through the actions.

    The view takes `audit.snapshot` of the record when it loads it (before the form touches the instance)
    and passes it as `before`, so the audit entry says old → new.
    """

    template_name = "backoffice/registry/_form_fields.html"

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        limit_choices(self, user)

    @property
    def editing(self) -> bool:
        return self.instance.pk is not None

    def require_editable(self, field: str, area: Area | None) -> None:
        """Add an error to `field` unless the user may edit records at `area`."""
        if area is not None and not has_capability(self.user, Cap.EDIT_REGISTRY, area):
            self.add_error(field, gettext("“%(area)s”不在您可以修改的范围内。") % {"area": area.name})

    def save_record(self, actor: User, before: dict[str, Any] | None) -> models.Model:
        with transaction.atomic():
            return registry.do_save_record(actor, self.instance, before=before)


class CompoundForm(RegistryForm):
    area = ScopedChoiceField(record_areas_in_reach, label=_("所属区域"))

    class Meta:
        model = Compound
        fields = ["name", "kind", "area", "property_company", "address"]
        error_messages = {NON_FIELD_ERRORS: {"unique_together": _("该区域已有同名小区。")}}


class BuildingForm(RegistryForm):
    compound = ScopedChoiceField(compounds_in_reach, label=_("小区"))
    area = ScopedChoiceField(
        record_areas_in_reach,
        label=_("所属区域"),
        required=False,
        help_text=_("楼栋所在的网格；留空则与小区相同。"),
    )

    class Meta:
        model = Building
        fields = ["compound", "name", "area", "floors"]
        error_messages = {NON_FIELD_ERRORS: {"unique_together": _("该小区已有同名楼栋。")}}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        compound: Compound | None = cleaned.get("compound")
        if compound is None:
            return cleaned
        area: Area | None = cleaned.get("area")
        if area is None and "area" not in self.errors:
            area = cleaned["area"] = compound.area
        if area is None:
            return cleaned
        if not compound.area.contains(area):
            self.add_error(
                "area", gettext("楼栋所属区域须在小区“%(name)s”所在区域之内。") % {"name": compound.name}
            )
        else:
            self.require_editable("area", area)
        return cleaned


class DwellingForm(RegistryForm):
    building = ScopedChoiceField(buildings_in_reach, label=_("楼栋"))

    class Meta:
        model = Dwelling
        fields = ["building", "unit", "room", "floor", "floor_area", "use", "occupancy"]
        error_messages = {NON_FIELD_ERRORS: {"unique_together": _("该楼栋已有相同单元和房号的房屋。")}}


class PlacedByDwellingForm(RegistryForm):
    """Households and people: the area follows the dwelling when one is chosen, else is chosen directly."""

    dwelling = ScopedChoiceField(dwellings_in_reach, label=_("房屋"), required=False)
    area = ScopedChoiceField(
        record_areas_in_reach,
        label=_("所属区域"),
        required=False,
        help_text=_("选择了房屋时，所属区域随房屋确定。"),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        dwelling: Dwelling | None = cleaned.get("dwelling")
        if dwelling is not None:
            cleaned["area"] = dwelling.area
        elif cleaned.get("area") is None and not self.has_error("area") and not self.has_error("dwelling"):
            self.add_error("area", gettext("请选择所属区域，或选择房屋。"))
        return cleaned


class HouseholdForm(PlacedByDwellingForm):
    class Meta:
        model = Household
        fields = ["number", "dwelling", "area"]
        error_messages = {NON_FIELD_ERRORS: {"unique_together": _("该区域已有相同户编号的户。")}}


class SealedPhoneMixin(forms.Form):
    """A phone field for a sealed `phone`: never prefilled (that would show it), blank on edit keeps it."""

    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    clear_phone = forms.BooleanField(label=_("清除已登记的联系电话"), required=False)

    instance: Person | Merchant

    def setup_phone(self, editing: bool) -> None:
        phone = self.fields["phone"]
        phone.widget.attrs.update({"type": "tel", "autocomplete": "off"})
        if editing and self.instance.phone_masked:
            phone.help_text = gettext("当前：%(masked)s。留空则不修改。") % {
                "masked": self.instance.phone_masked
            }
        else:
            del self.fields["clear_phone"]

    def clean_phone(self) -> str:
        raw: str = self.cleaned_data.get("phone", "")
        return normalize_phone(raw) if raw.strip() else ""

    def apply_phone(self) -> None:
        phone: str = self.cleaned_data.get("phone", "")
        if phone:
            self.instance.set_sealed("phone", phone)
        elif self.cleaned_data.get("clear_phone"):
            self.instance.set_sealed("phone", "")


SENSITIVE_PLACEHOLDER = _("（敏感标签）")


class PersonForm(SealedPhoneMixin, PlacedByDwellingForm):
    """A resident. The ID number is validated and sealed by `registry.set_person_identity`; sex and birth
    date, when given, must agree with it. Values that would be shown unmasked are never prefilled for users
    who may not reveal them: they see the mask and leave the field blank to keep it."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("按身份证号确定")), *Sex.choices], required=False
    )
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("可留空，按身份证号确定；填写时须与身份证号一致。"),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.none(), label=_("标签"), required=False, widget=forms.CheckboxSelectMultiple
    )

    instance: Person

    field_order = [
        "name",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "clear_phone",
        "residence_status",
        "ethnicity",
        "hukou_place",
        "tags",
        "dwelling",
        "area",
        "notes",
    ]

    class Meta:
        model = Person
        fields = ["residence_status", "ethnicity", "hukou_place", "dwelling", "area", "notes"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        person = self.instance
        self.fields["dwelling"].label = _("现住房屋")
        self.fields["dwelling"].help_text = _("更换房屋时，按今天的日期记录迁出和入住。")
        self.may_reveal = has_capability(user, Cap.REVEAL_PERSONAL, person.area if self.editing else None)
        tags = Tag.objects.all() if self.may_reveal else Tag.objects.filter(sensitive=False)
        tag_field = self.fields["tags"]
        assert isinstance(tag_field, forms.ModelMultipleChoiceField)  # noqa: S101 - narrows the type
        tag_field.queryset = tags
        if not tags.exists():
            del self.fields["tags"]
        self.fields["notes"].widget.attrs["rows"] = 3
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.setup_phone(self.editing)
        if not self.editing:
            self.fields["name"].required = True
            self.fields["id_number"].required = True
            return
        self.initial.setdefault(
            "tags", [t.pk for t in person.tags.all() if self.may_reveal or not t.sensitive]
        )
        self.fields["id_number"].help_text = gettext("当前：%(masked)s。留空则不修改。") % {
            "masked": person.id_number_masked or gettext("未登记")
        }
        sex_field = self.fields["sex"]
        assert isinstance(sex_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        sex_field.choices = [("", _("不修改")), *Sex.choices]
        self.fields["birth_date"].help_text = _("留空则不修改；填写时须与身份证号一致。")
        if self.may_reveal:
            self.fields["name"].required = True
            self.initial.setdefault("name", person.name)
        else:
            self.fields["name"].help_text = gettext("当前：%(masked)s。留空则不修改。") % {
                "masked": mask_name(person.name)
            }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        person = self.instance
        name = (cleaned.get("name") or "").strip()
        if name:
            person.name = name
        raw_id: str = cleaned.get("id_number") or ""
        sex: str | None = cleaned.get("sex") or None
        birth = cleaned.get("birth_date")
        try:
            if raw_id.strip():
                registry.set_person_identity(person, raw_id, sex, birth)
            elif person.id_number_enc:
                # Internal use of the plaintext (no display): checking the typed sex and date against it.
                registry.check_identity(person.unseal("id_number"), sex, birth)
            else:
                # A record imported without an ID number keeps what was typed.
                person.sex = sex or person.sex
                person.birth_date = birth or person.birth_date
        except ValidationError as exc:
            attach_errors(self, exc)
        return cleaned

    def save_record(self, actor: User, before: dict[str, Any] | None) -> Person:
        person = self.instance
        dwelling: Dwelling | None = self.cleaned_data.get("dwelling")
        area: Area = self.cleaned_data["area"]
        loaded_dwelling_id: int | None = before.get("dwelling") if before else None
        moving = (dwelling.pk if dwelling else None) != loaded_dwelling_id
        with transaction.atomic():
            self.apply_phone()
            # The dwelling changes only through do_move_person, which keeps the residence history.
            person.dwelling_id = loaded_dwelling_id
            registry.do_save_record(actor, person, before=before)
            self._save_tags(actor, person)
            if moving:
                registry.do_move_person(actor, person, dwelling, on=timezone.localdate())
            if dwelling is None and person.area_id != area.pk:
                # Moving out keeps the old area; the chosen one applies from now on.
                moved = audit.snapshot(person)
                person.area = area
                registry.do_save_record(actor, person, before=moved)
        return person

    def _save_tags(self, actor: User, person: Person) -> None:
        """Set the chosen tags, keeping sensitive tags the user cannot see; audit what changed.

        The registry actions do not cover many-to-many fields, so the change is recorded here, with
        sensitive tags named only by a placeholder (the audit trail is read by the supervision committee).
        """
        tag_field = self.fields.get("tags")
        if tag_field is None:
            return
        assert isinstance(tag_field, forms.ModelMultipleChoiceField)  # noqa: S101 - narrows the type
        offered = set(tag_field.queryset or [])
        current = set(person.tags.all())
        wanted = set(self.cleaned_data.get("tags") or []) | (current - offered)
        if wanted == current:
            return
        person.tags.set(wanted)

        def names(tags: set[Tag]) -> list[str]:
            return sorted(str(SENSITIVE_PLACEHOLDER) if t.sensitive else t.name for t in tags)

        audit.record(
            actor, AuditAction.UPDATE, target=person, changes={"tags": [names(current), names(wanted)]}
        )


class MerchantForm(SealedPhoneMixin, RegistryForm):
    area = ScopedChoiceField(
        record_areas_in_reach, label=_("所属区域"), required=False, help_text=_("选择了楼栋时可留空。")
    )
    compound = ScopedChoiceField(compounds_in_reach, label=_("小区"), required=False)
    building = ScopedChoiceField(buildings_in_reach, label=_("楼栋"), required=False)

    instance: Merchant

    field_order = [
        "name",
        "credit_code",
        "category",
        "operator_name",
        "phone",
        "clear_phone",
        "area",
        "compound",
        "building",
        "address",
    ]

    class Meta:
        model = Merchant
        fields = [
            "name",
            "credit_code",
            "category",
            "operator_name",
            "area",
            "compound",
            "building",
            "address",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.setup_phone(self.editing)

    def clean_credit_code(self) -> str:
        raw: str = self.cleaned_data.get("credit_code", "")
        return normalize_credit_code(raw) if raw.strip() else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        building: Building | None = cleaned.get("building")
        compound: Compound | None = cleaned.get("compound")
        if building is not None:
            if compound is not None and building.compound_id != compound.pk:
                self.add_error("building", gettext("所选楼栋不属于所选小区。"))
            cleaned["compound"] = compound or building.compound
            if cleaned.get("area") is None and not self.has_error("area"):
                cleaned["area"] = building.area
        area: Area | None = cleaned.get("area")
        compound = cleaned.get("compound")
        if area is None:
            if not self.has_error("area"):
                self.add_error("area", gettext("请选择所属区域，或选择楼栋。"))
            return cleaned
        # A merchant sits in a compound's community or one of its grids, or a compound lies in its area.
        nested = compound is None or compound.area.contains(area) or area.contains(compound.area)
        if not nested:
            self.add_error("compound", gettext("所选小区不在所属区域内。"))
        return cleaned

    def save_record(self, actor: User, before: dict[str, Any] | None) -> Merchant:
        with transaction.atomic():
            self.apply_phone()
            return registry.do_save_record(actor, self.instance, before=before)


# --- household membership and reveals --------------------------------------------------------------------


class PersonChoiceField(_ModelChoiceField):
    """People offered by name, masked unless the user may see names in full."""

    default_error_messages = {"invalid_choice": _("所选居民不存在，或不在您的管辖范围内。")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Person.objects.none(), **kwargs)
        self.user: User = AnonymousUser()

    def label_from_instance(self, obj: Person) -> str:
        name = obj.name if has_capability(self.user, Cap.REVEAL_PERSONAL, obj.area) else mask_name(obj.name)
        return f"{name}（{obj.id_number_masked}）" if obj.id_number_masked else name


class MembershipForm(forms.Form):
    """Add a person to a household: one of the residents of its dwelling, or anyone by full ID number."""

    template_name = "backoffice/registry/_form_fields.html"

    person = PersonChoiceField(label=_("本房屋居民"), required=False)
    id_number = forms.CharField(
        label=_("或输入身份证号"), max_length=30, required=False, help_text=_("用于添加不住在本房屋的居民。")
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)

    def __init__(self, *args: Any, household: Household, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.household = household
        self.user = user
        field = self.fields["person"]
        assert isinstance(field, PersonChoiceField)  # noqa: S101 - narrows the type
        field.user = user
        members = household.memberships.filter(end_date__isnull=True).values("person_id")
        residents = Person.objects.visible_to(user, Cap.EDIT_REGISTRY).exclude(pk__in=members)
        if household.dwelling_id:
            field.queryset = residents.filter(dwelling_id=household.dwelling_id).select_related("area")
        else:
            field.queryset = Person.objects.none()
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        person: Person | None = cleaned.get("person")
        raw_id: str = (cleaned.get("id_number") or "").strip()
        if person is not None and raw_id:
            raise ValidationError(_("请选择居民或输入身份证号，二者选一。"))
        if person is None and raw_id:
            try:
                id18 = idnumber.normalize(raw_id, today=timezone.localdate())
            except idnumber.IdNumberError as exc:
                self.add_error("id_number", str(exc))
                return cleaned
            found = registry.find_person_by_id_number(id18)
            # Someone outside the user's reach is reported exactly like nobody at all.
            if found is None or not has_capability(self.user, Cap.EDIT_REGISTRY, found.area):
                self.add_error("id_number", gettext("在您的管辖范围内没有找到该身份证号码的居民。"))
                return cleaned
            cleaned["person"] = found
        elif person is None and not self.has_error("person"):
            raise ValidationError(_("请选择居民或输入身份证号。"))
        return cleaned


class RevealForm(forms.Form):
    """Why the full value of a sealed field is needed; the reason goes into the audit entry.

    The page shows one reason box and one submit button per revealable field; the button pressed
    posts `field`.
    """

    field = forms.ChoiceField(error_messages={"required": _("请选择要查看的信息。")})
    reason = forms.CharField(
        label=_("查看事由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        help_text=_("查看记录会写入审计日志。"),
        error_messages={"required": _("请填写查看事由，例如“核对低保申请材料”。")},
    )

    def __init__(self, *args: Any, fields: dict[str, StrOrPromise], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["field"]
        assert isinstance(choice, forms.ChoiceField)  # noqa: S101 - narrows the type
        choice.choices = list(fields.items())


# --- list filters ----------------------------------------------------------------------------------------

_MASKED_FRAGMENT = re.compile(r"[0-9X*\-]{4,20}")
_SHORT_FRAGMENT = re.compile(r"[0-9]{3}[0-9X]")


def _as_id_number(text: str) -> str | None:
    try:
        return idnumber.normalize(text, today=timezone.localdate())
    except idnumber.IdNumberError:
        return None


def _as_phone(text: str) -> str | None:
    try:
        return normalize_phone(text)
    except ValidationError:
        return None


def sealed_search(label: str, text: str, *, id_number: bool) -> Q | None:
    """A condition on sealed fields for a search text, or None when the text is not about them.

    A full ID number or phone number is matched exactly by blind index (the plaintext never reaches the
    database); the visible part of a mask (e.g. the last four characters "123X", or "138****5678" copied
    from a page) is matched against the masked copies.
    """
    full_id = _as_id_number(text) if id_number else None
    if full_id:
        return Q(id_number_index=blind_index(label, "id_number", full_id))
    phone = _as_phone(text)
    if phone:
        return Q(phone_index=blind_index(label, "phone", phone))
    upper = text.upper()
    if _SHORT_FRAGMENT.fullmatch(upper):
        condition = Q(phone_masked__endswith=upper)
        return condition | Q(id_number_masked__endswith=upper) if id_number else condition
    if "*" in upper and _MASKED_FRAGMENT.fullmatch(upper):
        condition = Q(phone_masked=upper)
        return condition | Q(id_number_masked=upper) if id_number else condition
    return None


class RegistryFilterForm(forms.Form):
    """Search box and filters of a list page. Subclasses name their lookups and their text search."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    area = ScopedChoiceField(areas_in_reach, capability=Cap.VIEW_REGISTRY, label=_("区域"), required=False)

    lookups: ClassVar[dict[str, str]] = {}
    search_help: ClassVar[StrOrPromise] = ""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        limit_choices(self, user)
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        self.fields["q"].help_text = self.search_help
        self.fields["area"].empty_label = _("全部")  # type: ignore[attr-defined]

    def apply(self, queryset: ScopedQuerySet[Any]) -> ScopedQuerySet[Any]:
        """Narrow `queryset` by the valid part of the submitted filters (invalid ones show an error)."""
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = self.cleaned_data
        area: Area | None = data.get("area")
        if area is not None:
            queryset = queryset.in_areas([area.path])
        for name, lookup in self.lookups.items():
            value = data.get(name)
            if value not in (None, ""):
                queryset = queryset.filter(**{lookup: value})
        text = (data.get("q") or "").strip()
        if text:
            queryset = queryset.filter(self.search(text))
        return queryset

    def search(self, text: str) -> Q:
        return Q(name__icontains=text)

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


def _choice(label: StrOrPromise, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", _("全部")), *choices], required=False)


class CompoundFilterForm(RegistryFilterForm):
    kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {"kind": "kind"}
    search_help = _("小区名称、地址或物业公司")

    def search(self, text: str) -> Q:
        return Q(name__icontains=text) | Q(address__icontains=text) | Q(property_company__icontains=text)


class BuildingFilterForm(RegistryFilterForm):
    compound_kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {"compound_kind": "compound__kind"}
    search_help = _("楼栋或小区名称")

    def search(self, text: str) -> Q:
        return Q(name__icontains=text) | Q(compound__name__icontains=text)


class DwellingFilterForm(RegistryFilterForm):
    occupancy = _choice(_("使用状况"), Occupancy.choices)
    use = _choice(_("用途"), DwellingUse.choices)
    compound_kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {"occupancy": "occupancy", "use": "use", "compound_kind": "building__compound__kind"}
    search_help = _("房号、楼栋或小区名称")

    def search(self, text: str) -> Q:
        return (
            Q(room__icontains=text)
            | Q(building__name__icontains=text)
            | Q(building__compound__name__icontains=text)
        )


class HouseholdFilterForm(RegistryFilterForm):
    compound_kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {"compound_kind": "dwelling__building__compound__kind"}
    search_help = _("户编号或户主姓名")

    def search(self, text: str) -> Q:
        return Q(number__icontains=text) | Q(head__name__icontains=text)


class PersonFilterForm(RegistryFilterForm):
    residence_status = _choice(_("人口类型"), ResidenceStatus.choices)
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label=_("标签"),
        required=False,
        empty_label=_("全部"),
        error_messages={"invalid_choice": _("所选标签不存在。")},
    )
    compound_kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {
        "residence_status": "residence_status",
        "tag": "tags",
        "compound_kind": "dwelling__building__compound__kind",
    }
    search_help = _("姓名、完整身份证号或手机号，或其后四位")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        tag = self.fields["tag"]
        assert isinstance(tag, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        # Filtering by a sensitive tag would reveal it, so only those who may see it can use it.
        tags = Tag.objects.all()
        tag.queryset = tags if has_capability(user, Cap.REVEAL_PERSONAL) else tags.filter(sensitive=False)

    def apply(self, queryset: ScopedQuerySet[Any]) -> ScopedQuerySet[Any]:
        queryset = super().apply(queryset)
        tag: Tag | None = self.cleaned_data.get("tag") if self.is_bound else None
        if tag is not None and tag.sensitive:
            # Someone who may reveal in one community but only view in another learns nothing about the
            # second one's sensitive tags.
            queryset = queryset.in_areas(jurisdiction_paths(self.user, Cap.REVEAL_PERSONAL))
        return queryset

    def search(self, text: str) -> Q:
        return sealed_search("core.person", text, id_number=True) or Q(name__icontains=text)


class MerchantFilterForm(RegistryFilterForm):
    compound_kind = _choice(_("小区类型"), CompoundKind.choices)

    lookups = {"compound_kind": "compound__kind"}
    search_help = _("商户名称、经营类别、统一社会信用代码或电话")

    def search(self, text: str) -> Q:
        sealed = sealed_search("core.merchant", text, id_number=False)
        if sealed is not None:
            return sealed
        return Q(name__icontains=text) | Q(category__icontains=text) | Q(credit_code=text.upper())
