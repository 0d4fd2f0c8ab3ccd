"""People and households (户) of the registry, and merchants (商户)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area, Building, Compound, Dwelling
from yangguang.core.models.base import ScopedQuerySet, SealedFieldsMixin


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidenceStatus(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    RESIDENT = "resident", _("常住人口")
    FLOATING = "floating", _("流动人口")


class Tag(models.Model):
    """A label for people needing attention or holding a role (独居老人, 残疾人, 退役军人, 党员 …)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    sensitive = models.BooleanField(
        _("敏感标签"), default=False, help_text=_("涉及健康等敏感信息，仅对可查看完整个人信息的角色显示。")
    )

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(SealedFieldsMixin):
    """A resident (居民). The ID number and phone are sealed; sex and birth date must agree with the ID."""

    SEALED_FIELDS = {"id_number": "id_number", "phone": "phone"}

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="persons", verbose_name=_("所属区域")
    )
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        verbose_name=_("现住房屋"),
    )
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(
        _("身份证号"), max_length=18, blank=True, editable=False, db_index=True
    )
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    residence_status = models.CharField(
        _("人口类型"), max_length=16, choices=ResidenceStatus.choices, default=ResidenceStatus.REGISTERED
    )
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    hukou_place = models.CharField(_("户籍地"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons", verbose_name=_("标签"))
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["area_id", "name", "id"]
        constraints = [
            # One person per ID number across the whole platform: the blind index is the identity key.
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="person_unique_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Residence(models.Model):
    """A dated stay of a person in a dwelling: a person lives in one dwelling at a time, with history."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="residences")
    start_date = models.DateField(_("入住日期"))
    end_date = models.DateField(_("迁出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("居住记录")
        verbose_name_plural = _("居住记录")
        ordering = ["person_id", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(end_date__isnull=True),
                name="residence_one_current_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.dwelling_id}"


class Household(models.Model):
    """A household (户), registered at a dwelling, with dated memberships and a head."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="households", verbose_name=_("所属区域")
    )
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("房屋"),
    )
    number = models.CharField(
        _("户编号"), max_length=40, help_text=_("户口簿户号或社区自编号，在本社区内唯一。")
    )
    head = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_households",
        verbose_name=_("户主"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["area_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["area", "number"], name="household_unique_number_in_area")
        ]

    def __str__(self) -> str:
        return self.number


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class HouseholdMembership(models.Model):
    """A person's dated membership of a household, with the relation to the head."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    start_date = models.DateField(_("入户日期"))
    end_date = models.DateField(_("离户日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("户成员")
        verbose_name_plural = _("户成员")
        ordering = ["household_id", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(end_date__isnull=True),
                name="membership_one_current_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}∈{self.household_id}"


class Merchant(SealedFieldsMixin):
    """A merchant (商户) operating in the community."""

    SEALED_FIELDS = {"phone": "phone"}

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="merchants", verbose_name=_("所属区域")
    )
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merchants",
        verbose_name=_("小区"),
    )
    building = models.ForeignKey(
        Building,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merchants",
        verbose_name=_("楼栋"),
    )
    name = models.CharField(_("商户名称"), max_length=100, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    category = models.CharField(_("经营类别"), max_length=50, blank=True)
    operator_name = models.CharField(_("经营者"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("经营地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("商户")
        verbose_name_plural = _("商户")
        ordering = ["area_id", "name"]

    def __str__(self) -> str:
        return self.name
