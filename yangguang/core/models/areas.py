"""The area tree (区 → 街道/乡镇 → 社区/村 → 网格) and the physical registry (小区 → 楼栋 → 房屋)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.base import ScopedQuerySet


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    GRID = "grid", _("网格")


# Which kind of area may sit under which: the tree is district → street → community/village → grid.
ALLOWED_CHILD_KINDS: dict[str, tuple[str, ...]] = {
    AreaKind.DISTRICT: (AreaKind.STREET,),
    AreaKind.STREET: (AreaKind.COMMUNITY, AreaKind.VILLAGE),
    AreaKind.COMMUNITY: (AreaKind.GRID,),
    AreaKind.VILLAGE: (AreaKind.GRID,),
    AreaKind.GRID: (),
}


class AreaQuerySet(ScopedQuerySet["Area"]):
    scope_prefix = ""

    def communities(self) -> AreaQuerySet:
        return self.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])


class Area(models.Model):
    """A node of the administrative tree.

    `path` is a materialised path of primary keys ("/3/17/52/"): a jurisdiction is a subtree, so every
    scoped query becomes one indexed `path LIKE '/3/17/%'` instead of a recursive walk.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AreaKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("代码"),
        max_length=20,
        blank=True,
        help_text=_("区县填写 GB/T 2260 行政区划代码；其他层级可填本地编码。"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_community(self) -> bool:
        return self.kind in (AreaKind.COMMUNITY, AreaKind.VILLAGE)

    def contains(self, other: Area) -> bool:
        """True when `other` is this area or lies below it (no query)."""
        return other.path.startswith(self.path)

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to this area, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class CompoundKind(models.TextChoices):
    COMMERCIAL = "commercial", _("商品房小区")
    AFFORDABLE = "affordable", _("保障房小区")
    OLD = "old", _("老旧小区和平房区")
    UNMANAGED = "unmanaged", _("失管小区")


class Compound(models.Model):
    """A residential compound (小区), governed differently by type (分类治理)."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("所属区域")
    )
    name = models.CharField(_("小区名称"), max_length=100)
    kind = models.CharField(_("小区类型"), max_length=16, choices=CompoundKind.choices)
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="compound_unique_name_in_area")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋) of a compound. `area` is the most specific area known: its grid, else the community."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("所属区域")
    )
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("例如：3栋、12号楼"))
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name_in_compound")
        ]

    def __str__(self) -> str:
        return self.name


class DwellingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商用")
    MIXED = "mixed", _("商住两用")


class Occupancy(models.TextChoices):
    OWNER = "owner", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    OTHER = "other", _("其他")


class Dwelling(models.Model):
    """A dwelling (房屋): one unit/room of a building."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("楼栋")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("所属区域")
    )
    unit = models.CharField(_("单元"), max_length=20, blank=True)
    room = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    use = models.CharField(
        _("用途"), max_length=16, choices=DwellingUse.choices, default=DwellingUse.RESIDENTIAL
    )
    occupancy = models.CharField(
        _("使用状况"), max_length=16, choices=Occupancy.choices, default=Occupancy.OWNER
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building_id", "unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="dwelling_unique_room_in_building"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}{self.room}"
