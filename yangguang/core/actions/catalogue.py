"""The power list (小微权力清单) and supervision list (监督清单): the catalogue at three levels, its editing
and adoption, and the check of each use of a power against its item.

Levels. The platform's default catalogue (area NULL, seeded by migration 0006) is read-only here: a district
changes an item by copying it into its own catalogue first. A district (MANAGE_CATALOGUE at the district)
keeps its own items: new ones, or copies of platform items that it adapts or deactivates. A community
(ADOPT_CATALOGUE at the community) adopts items into its own list — a copy with `adopted_from` set — and may
then adapt or deactivate its copies.

Which items apply where (`effective_items`), per list (power and supervision separately):

1. A community that holds any item of its own (adopted, active or not) has made its list: exactly its own
   active items apply. Deactivating every copy therefore leaves it with an empty list, on purpose: it never
   silently falls back to a catalogue it has already chosen from.
2. Until then the district's catalogue applies: the district's own active items, plus the platform items it
   has not replaced. A district item replaces the platform item with the same code or the one it was copied
   from; a deactivated district copy thus hides that platform item for the whole district.
3. Without a district above it (or for the platform itself), the platform's active items apply.

Uses of a power: `check_record_power_use` (MANAGE_FINANCE at the community) validates and records what
actually happened, `do_check_power_use` stores the gaps found by `PowerUse.compliance_gaps()` with the time
of the check, and `explain_gaps` turns them into Chinese lines ("缺少步骤：公示").
"""

from __future__ import annotations

import copy
import datetime
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, ledger
from yangguang.core.models import (
    Activity,
    Area,
    AreaKind,
    AuditAction,
    Domain,
    Evidence,
    Frequency,
    MeetingType,
    PowerItem,
    PowerUse,
    SupervisionItem,
)
from yangguang.core.models.supervision import MEETING_RANK
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    Actor = AbstractBaseUser | AnonymousUser | None

Kind = Literal["power", "supervision"]
KINDS: tuple[Kind, ...] = ("power", "supervision")
Item = PowerItem | SupervisionItem
ItemModel = type[PowerItem] | type[SupervisionItem]

COMMUNITY_KINDS = (AreaKind.COMMUNITY, AreaKind.VILLAGE)
# The largest amount a DecimalField(max_digits=14, decimal_places=2) holds.
MAX_AMOUNT = Decimal("999999999999.99")
MAX_LINES = 40
MAX_LINE_LENGTH = 200


def model_for(kind: str) -> ItemModel:
    if kind == "power":
        return PowerItem
    if kind == "supervision":
        return SupervisionItem
    raise ValueError(kind)


def kind_of(item: Item) -> Kind:
    return "power" if isinstance(item, PowerItem) else "supervision"


# --- levels and scopes -----------------------------------------------------------------------------------


class Level:
    """Where an item sits. Plain strings: they are compared, never stored."""

    PLATFORM = "platform"
    DISTRICT = "district"
    COMMUNITY = "community"


def level_of(item: Item) -> str:
    """The level of an item (reads `item.area`: load it with select_related)."""
    if item.area_id is None:
        return Level.PLATFORM
    if item.area is not None and item.area.kind in COMMUNITY_KINDS:
        return Level.COMMUNITY
    return Level.DISTRICT


@dataclass(frozen=True)
class Scope:
    """The community and district whose catalogues apply at an area (either may be missing)."""

    community: Area | None
    district: Area | None


def scope_of(area: Area | None) -> Scope:
    """One query: the community/village and district on the way from the root to `area`."""
    if area is None:
        return Scope(None, None)
    found = {
        a.kind: a
        for a in Area.objects.filter(
            pk__in=area.ancestor_ids(), kind__in=[*COMMUNITY_KINDS, AreaKind.DISTRICT]
        )
    }
    community = found.get(AreaKind.COMMUNITY) or found.get(AreaKind.VILLAGE)
    return Scope(community, found.get(AreaKind.DISTRICT))


def _platform_items(model: ItemModel, include_inactive: bool) -> models.QuerySet[Any]:
    items = model.objects.filter(area__isnull=True)
    return items if include_inactive else items.filter(active=True)


def _replaced_by(own: models.QuerySet[Any]) -> Q:
    """Items replaced by `own` (same code, or the item an own item was copied from)."""
    return Q(code__in=own.values("code")) | Q(
        pk__in=own.filter(adopted_from__isnull=False).values("adopted_from")
    )


def district_catalogue(
    model: ItemModel, district: Area, *, include_inactive: bool = False
) -> models.QuerySet[Any]:
    """The district's own items plus the platform items it has not replaced (platform items: active only)."""
    own = model.objects.filter(area=district)
    own_condition = Q(area=district) if include_inactive else Q(area=district, active=True)
    platform = Q(area__isnull=True, active=True) & ~_replaced_by(own)
    return model.objects.filter(own_condition | platform)


@dataclass(frozen=True)
class Listing:
    """The list that applies at an area and whose it is: `level` is the level whose choice applies
    (community: its own adopted list; district: the district's catalogue; platform)."""

    items: models.QuerySet[Any]
    level: str
    scope: Scope


def listing(area: Area | None, kind: str, *, include_inactive: bool = False) -> Listing:
    """The items of the list that applies at `area` (see the module docstring for the rule). With
    `include_inactive`, a level's own deactivated items are listed too (for the pages that manage them)."""
    model = model_for(kind)
    scope = scope_of(area)
    if scope.community is not None:
        own = model.objects.filter(area=scope.community)
        if own.exists():
            return Listing(own if include_inactive else own.filter(active=True), Level.COMMUNITY, scope)
    if scope.district is not None:
        items = district_catalogue(model, scope.district, include_inactive=include_inactive)
        return Listing(items, Level.DISTRICT, scope)
    return Listing(_platform_items(model, include_inactive), Level.PLATFORM, scope)


def items_at(area: Area | None, kind: str, *, include_inactive: bool = False) -> models.QuerySet[Any]:
    return listing(area, kind, include_inactive=include_inactive).items


def effective_items(area: Area | None, kind: str) -> models.QuerySet[Any]:
    """The active items that apply in `area`: its own adopted items; if it has adopted none yet, its
    district's catalogue (district items over the platform's); failing a district, the platform's.
    Always in the same order (code ties broken by creation), so a checklist is built the same way twice."""
    return items_at(area, kind).order_by("domain", "position", "code", "pk")


def has_own_items(area: Area, kind: str) -> bool:
    return model_for(kind).objects.filter(area=area).exists()


def available_for_adoption(community: Area, kind: str) -> models.QuerySet[Any]:
    """Items of the district's (else the platform's) catalogue that the community has not adopted yet."""
    model = model_for(kind)
    scope = scope_of(community)
    source = (
        district_catalogue(model, scope.district)
        if scope.district is not None
        else _platform_items(model, include_inactive=False)
    )
    return source.exclude(_replaced_by(model.objects.filter(area=community)))


# --- who may do what -------------------------------------------------------------------------------------


def reaches(user: AbstractBaseUser | AnonymousUser, capability: str, area: Area) -> bool:
    """Whether the user holds `capability` at `area`, above it or below it: a district's catalogue
    concerns everyone who works anywhere in the district."""
    return any(
        area.path.startswith(path) or path.startswith(area.path)
        for path in jurisdiction_paths(user, capability)
    )


def may_view_item(user: AbstractBaseUser | AnonymousUser, item: Item) -> bool:
    if item.area is None:
        return has_capability(user, Cap.VIEW_SUPERVISION)
    if item.area.kind in COMMUNITY_KINDS:
        return has_capability(user, Cap.VIEW_SUPERVISION, item.area)
    return reaches(user, Cap.VIEW_SUPERVISION, item.area)


def may_edit_item(user: AbstractBaseUser | AnonymousUser, item: Item) -> bool:
    """Platform items: nobody (copy them first). District items: MANAGE_CATALOGUE there. A community's
    copies: ADOPT_CATALOGUE there."""
    if item.area is None:
        return False
    if item.area.kind in COMMUNITY_KINDS:
        return has_capability(user, Cap.ADOPT_CATALOGUE, item.area)
    if item.area.kind != AreaKind.DISTRICT:
        return False
    return has_capability(user, Cap.MANAGE_CATALOGUE, item.area)


def access_item(user: AbstractBaseUser | AnonymousUser, kind: str, pk: object) -> Item:
    """Load a list item the user may read: 404 for an unknown kind or item and for outsiders (a community's
    own list is read only by those with VIEW_SUPERVISION there)."""
    if kind not in KINDS or not user.is_authenticated:
        raise Http404
    model = model_for(kind)
    related = ["area", "adopted_from__area"]
    if model is SupervisionItem:
        related.append("power_item__area")
    key = str(pk)
    if not key.isdigit():
        raise Http404
    item: Item | None = model.objects.select_related(*related).filter(pk=int(key)).first()
    if item is None:
        raise Http404
    if not may_view_item(user, item):
        raise Http404
    return item


def require_edit(actor: Actor, item: Item) -> None:
    if actor is None or not may_edit_item(actor, item):
        if item.area is None:
            raise PermissionDenied(_("平台默认清单不能直接修改，请先复制到本区清单后再调整。"))
        raise PermissionDenied(_("您没有修改该清单事项的权限。"))


# --- validating item content -----------------------------------------------------------------------------


def parse_amount(raw: object, field_name: str = "amount") -> Decimal | None:
    """A yuan amount typed by a person: "3500", "3,500.50", "￥3500", full-width digits. Empty → None.
    Raises a ValidationError in Chinese for anything else: not a number, negative, more than two
    decimals, too large."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        for noise in (",", "¥", "￥", "元", " "):
            text = text.replace(noise, "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(
                {field_name: _("金额格式不正确，请填写数字，例如 3500 或 3500.50。")}
            ) from exc
    if not value.is_finite():
        raise ValidationError({field_name: _("金额格式不正确，请填写数字，例如 3500 或 3500.50。")})
    if value < 0:
        raise ValidationError({field_name: _("金额不能为负数。")})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({field_name: _("金额最多保留两位小数。")})
    if value > MAX_AMOUNT:
        raise ValidationError({field_name: _("金额过大，请核对。")})
    return value.quantize(Decimal("0.01"))


def lines(value: object) -> list[str]:
    """A list of non-empty, stripped, de-duplicated lines from a list or from text with one per line."""
    if isinstance(value, str):
        raw: list[Any] = value.splitlines()
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raw = []
    seen: list[str] = []
    for entry in raw:
        text = str(entry).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def _code_taken(model: ItemModel, area: Area | None, code: str, item: Item | None) -> bool:
    same = model.objects.filter(area=area, code=code)
    if item is not None:
        same = same.exclude(pk=item.pk)
    return same.exists()


def _check_lines(errors: dict[str, list[str]], name: str, entries: list[str]) -> None:
    if len(entries) > MAX_LINES:
        errors.setdefault(name, []).append(_("最多填写%(n)s行。") % {"n": MAX_LINES})
    if any(len(entry) > MAX_LINE_LENGTH for entry in entries):
        errors.setdefault(name, []).append(_("每行不超过%(n)s个字。") % {"n": MAX_LINE_LENGTH})


def clean_item_data(kind: str, data: dict[str, Any], area: Area | None, item: Item | None) -> dict[str, Any]:
    """Validate the editable content of an item; return field → value ready to set. All problems are
    reported at once, in Chinese, by field."""
    model = model_for(kind)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    code = unicodedata.normalize("NFKC", str(data.get("code") or "")).strip().upper()
    if not code:
        errors.setdefault("code", []).append(_("请填写编号。"))
    elif len(code) > 20:
        errors.setdefault("code", []).append(_("编号不超过20个字符。"))
    elif _code_taken(model, area, code, item):
        errors.setdefault("code", []).append(_("本清单中已有编号为%(code)s的事项。") % {"code": code})
    cleaned["code"] = code

    name = str(data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("请填写事项名称。"))
    elif len(name) > 100:
        errors.setdefault("name", []).append(_("事项名称不超过100个字。"))
    cleaned["name"] = name

    domain = data.get("domain")
    if domain not in Domain.values:
        errors.setdefault("domain", []).append(_("请选择类别。"))
    cleaned["domain"] = domain

    basis = str(data.get("basis") or "").strip()
    if len(basis) > 300:
        errors.setdefault("basis", []).append(_("依据不超过300个字。"))
    cleaned["basis"] = basis

    frequency = data.get("check_frequency") or Frequency.QUARTERLY
    if frequency not in Frequency.values:
        errors.setdefault("check_frequency", []).append(_("请选择检查频次。"))
    cleaned["check_frequency"] = frequency

    try:
        position = int(data.get("position") or 0)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= 32767:
        errors.setdefault("position", []).append(_("排序应为0到32767之间的整数。"))
    cleaned["position"] = max(position, 0)

    if model is PowerItem:
        _clean_power_fields(data, cleaned, errors)
    else:
        _clean_supervision_fields(data, cleaned, errors, area)

    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_power_fields(data: dict[str, Any], cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for name in ("steps", "evidence"):
        cleaned[name] = lines(data.get(name))
        _check_lines(errors, name, cleaned[name])
    meeting = data.get("meeting_required") or MeetingType.NONE
    if meeting not in MeetingType.values:
        errors.setdefault("meeting_required", []).append(_("请选择需召开的会议。"))
    cleaned["meeting_required"] = meeting
    for name in ("amount_min", "amount_max"):
        try:
            cleaned[name] = parse_amount(data.get(name), name)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                errors.setdefault(field_name, []).extend(messages)
            cleaned[name] = None
    low, high = cleaned["amount_min"], cleaned["amount_max"]
    if low is not None and high is not None and low > high:
        errors.setdefault("amount_max", []).append(_("金额上限不能小于下限。"))


def _clean_supervision_fields(
    data: dict[str, Any], cleaned: dict[str, Any], errors: dict[str, list[str]], area: Area | None
) -> None:
    cleaned["checkpoints"] = lines(data.get("checkpoints"))
    _check_lines(errors, "checkpoints", cleaned["checkpoints"])
    power = data.get("power_item")
    if power is not None and not isinstance(power, PowerItem):
        power = PowerItem.objects.filter(pk=power).first() if str(power).isdigit() else None
        if power is None:
            errors.setdefault("power_item", []).append(_("所选权力事项不存在。"))
    if isinstance(power, PowerItem) and not items_at(area, "power").filter(pk=power.pk).exists():
        errors.setdefault("power_item", []).append(_("只能关联本级清单中适用的权力事项。"))
    cleaned["power_item"] = power if isinstance(power, PowerItem) else None


# --- district editing ------------------------------------------------------------------------------------


def _created_changes(item: Item) -> dict[str, list[Any]]:
    return {key: [None, value] for key, value in audit.public(audit.snapshot(item)).items()}


@transaction.atomic
def check_create_item(actor: Actor, kind: str, district: Area, data: dict[str, Any]) -> Item:
    """A new item in a district's own catalogue (MANAGE_CATALOGUE at the district)."""
    if actor is None or not has_capability(actor, Cap.MANAGE_CATALOGUE, district):
        raise PermissionDenied(_("只有区级管理员可以编辑本区清单。"))
    if district.kind != AreaKind.DISTRICT:
        raise ValidationError(_("清单事项只能在区一级新增；社区请从区级清单中采用。"))
    cleaned = clean_item_data(kind, data, district, None)
    item = model_for(kind)(area=district, **cleaned)
    item.save()
    audit.record(actor, AuditAction.CREATE, target=item, area=district, changes=_created_changes(item))
    return item


@transaction.atomic
def check_update_item(actor: Actor, item: Item, data: dict[str, Any]) -> Item:
    """Change an item of a district's catalogue, or a community's copy. Writes nothing if nothing changed."""
    require_edit(actor, item)
    cleaned = clean_item_data(kind_of(item), data, item.area, item)
    before = audit.snapshot(item)
    for name, value in cleaned.items():
        setattr(item, name, value)
    changes = audit.diff(before, audit.snapshot(item))
    if changes:
        item.save()
        audit.record(actor, AuditAction.UPDATE, target=item, changes=changes)
    return item


@transaction.atomic
def do_set_item_active(actor: Actor, item: Item, active: bool) -> Item:
    """Deactivate (停用) or re-activate an item; a deactivated item stays for the uses that point to it."""
    require_edit(actor, item)
    if item.active == active:
        return item
    item.active = active
    item.save(update_fields=["active"])
    audit.record(actor, AuditAction.UPDATE, target=item, changes={"active": [not active, active]})
    return item


def _existing_copy(item: Item, area: Area) -> Item | None:
    """The copy of `item` that `area` already holds (copied from it, or with its code)."""
    model = type(item)
    return model.objects.filter(area=area).filter(Q(adopted_from=item) | Q(code=item.code)).first()


def _copy(item: Item, area: Area) -> Item:
    """A copy of `item` for `area`, adopted_from set; a supervision item's power link moves to the
    area's own copy of that power when it has one."""
    model = type(item)
    new = model(area=area, active=True)
    new.adopted_from_id = item.pk
    for model_field in model._meta.concrete_fields:
        if model_field.name in {"id", "area", "adopted_from", "active"}:
            continue
        setattr(new, model_field.attname, copy.deepcopy(getattr(item, model_field.attname)))
    if isinstance(item, SupervisionItem) and isinstance(new, SupervisionItem) and item.power_item_id:
        source_power = item.power_item
        if source_power is not None:
            own_power = _existing_copy(source_power, area)
            if own_power is not None:
                new.power_item_id = own_power.pk
    new.save()
    return new


@transaction.atomic
def check_copy_to_district(actor: Actor, item: Item, district: Area) -> tuple[Item, bool]:
    """Copy a platform item into a district's catalogue so the district can adapt it. Idempotent:
    returns (the district's copy, whether it was created now)."""
    if actor is None or not has_capability(actor, Cap.MANAGE_CATALOGUE, district):
        raise PermissionDenied(_("只有区级管理员可以编辑本区清单。"))
    if district.kind != AreaKind.DISTRICT:
        raise ValidationError(_("只能复制到区级清单。"))
    if item.area_id is not None:
        raise ValidationError(_("只有平台默认清单中的事项可以复制到区级清单。"))
    Area.objects.select_for_update().filter(pk=district.pk).first()
    existing = _existing_copy(item, district)
    if existing is not None:
        return existing, False
    new = _copy(item, district)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=new,
        area=district,
        changes=_created_changes(new),
        reason=_("复制平台默认清单事项 %(code)s") % {"code": item.code},
    )
    return new, True


# --- community adoption ----------------------------------------------------------------------------------


@transaction.atomic
def check_adopt_items(actor: Actor, community: Area, kind: str, item_ids: list[Any]) -> list[Item]:
    """Adopt selected items of the district's (else the platform's) catalogue into a community's list.
    Items the community already holds are skipped, so posting the same selection twice adopts once.
    Returns the copies made now."""
    if actor is None or not has_capability(actor, Cap.ADOPT_CATALOGUE, community):
        raise PermissionDenied(_("只有本社区工作人员可以采用清单事项。"))
    if community.kind not in COMMUNITY_KINDS:
        raise ValidationError(_("只有社区或村可以采用清单事项。"))
    ids = {int(pk) for pk in item_ids if str(pk).isdigit()}
    if not ids:
        raise ValidationError({"items": _("请至少选择一个事项。")})
    # Serialise adoptions into one community so two clicks cannot both copy the same item.
    Area.objects.select_for_update().filter(pk=community.pk).first()
    model = model_for(kind)
    available = set(available_for_adoption(community, kind).filter(pk__in=ids).values_list("pk", flat=True))
    chosen: list[Item] = list(model.objects.filter(pk__in=ids).select_related("area"))
    if len(chosen) != len(ids):
        raise ValidationError({"items": _("所选事项不存在，请刷新页面后重试。")})
    adopted: list[Item] = []
    for item in sorted(chosen, key=lambda i: (i.domain, i.position, i.code)):
        if _existing_copy(item, community) is not None:
            continue
        if item.pk not in available:
            raise ValidationError({"items": _("所选事项不在本社区可采用的清单中，请刷新页面后重试。")})
        new = _copy(item, community)
        audit.record(
            actor,
            AuditAction.CREATE,
            target=new,
            area=community,
            changes=_created_changes(new),
            reason=_("采用清单事项 %(code)s") % {"code": item.code},
        )
        adopted.append(new)
    return adopted


# --- uses of a power -------------------------------------------------------------------------------------


@dataclass
class PowerUseInput:
    """What a staff member reports about one use of a power. `amount` is as typed (parsed here)."""

    area: Area
    item: PowerItem
    title: str
    decided_on: datetime.date | None
    amount: object = None
    meeting_held: str = MeetingType.NONE
    meeting_date: datetime.date | None = None
    steps_done: list[str] = field(default_factory=list)
    evidence_provided: list[str] = field(default_factory=list)
    files: list[UploadedFile] = field(default_factory=list)
    source_type: str = ""
    source_id: str = ""


def has_band(item: PowerItem) -> bool:
    return item.amount_min is not None or item.amount_max is not None


def suggest_items(area: Area, amount: Decimal, domain: str | None = None) -> list[PowerItem]:
    """Effective items with an amount band that holds `amount` (optionally of one domain)."""
    candidates = effective_items(area, "power")
    if domain is not None:
        candidates = candidates.filter(domain=domain)
    return [item for item in candidates if has_band(item) and item.applies_to(amount)]


def _chosen(
    errors: dict[str, list[str]], name: str, wanted: list[str], allowed: list[str], label: str
) -> list[str]:
    unknown = [entry for entry in wanted if entry not in allowed]
    for entry in unknown:
        errors.setdefault(name, []).append(
            _("“%(entry)s”不属于该事项的%(label)s。") % {"entry": entry, "label": label}
        )
    return [entry for entry in allowed if entry in wanted]


def _validate_use(actor: Actor, data: PowerUseInput, use: PowerUse | None) -> dict[str, Any]:
    if actor is None or not has_capability(actor, Cap.MANAGE_FINANCE, data.area):
        raise PermissionDenied(_("只有本社区工作人员可以登记权力运行记录。"))
    if data.area.kind not in COMMUNITY_KINDS:
        raise ValidationError({"area": _("权力运行记录应登记在社区或村。")})
    errors: dict[str, list[str]] = {}
    item = data.item
    keeps_item = use is not None and use.item_id == item.pk
    if not keeps_item and not effective_items(data.area, "power").filter(pk=item.pk).exists():
        errors.setdefault("item", []).append(_("该事项不在本社区适用的权力清单中，请从清单中选择。"))
    title = data.title.strip()
    if not title:
        errors.setdefault("title", []).append(_("请填写事项。"))
    elif len(title) > 200:
        errors.setdefault("title", []).append(_("事项不超过200个字。"))
    amount: Decimal | None = None
    try:
        amount = parse_amount(data.amount)
    except ValidationError as exc:
        errors.setdefault("amount", []).extend(exc.message_dict["amount"])
    else:
        if amount is None and has_band(item):
            errors.setdefault("amount", []).append(_("该事项按金额分档，请填写金额。"))
    today = timezone.localdate()
    if data.decided_on is None:
        errors.setdefault("decided_on", []).append(_("请填写决策日期。"))
    elif data.decided_on > today:
        errors.setdefault("decided_on", []).append(_("决策日期不能晚于今天。"))
    if data.meeting_held not in MeetingType.values:
        errors.setdefault("meeting_held", []).append(_("请选择实际召开的会议。"))
    if data.meeting_date is not None:
        if data.meeting_held == MeetingType.NONE:
            errors.setdefault("meeting_date", []).append(_("未召开会议时不填写会议日期。"))
        elif data.meeting_date > today:
            errors.setdefault("meeting_date", []).append(_("会议日期不能晚于今天。"))
    steps = _chosen(errors, "steps_done", lines(data.steps_done), item.steps, _("办理流程"))
    evidence = _chosen(
        errors, "evidence_provided", lines(data.evidence_provided), item.evidence, _("应留存材料")
    )
    if errors:
        raise ValidationError(errors)
    return {
        "area": data.area,
        "item": item,
        "title": title,
        "amount": amount,
        "decided_on": data.decided_on,
        "meeting_held": data.meeting_held,
        "meeting_date": data.meeting_date,
        "steps_done": steps,
        "evidence_provided": evidence,
    }


def check_record_power_use(actor: Actor, data: PowerUseInput, use: PowerUse | None = None) -> PowerUse:
    """Validate then record (or, with `use`, correct) a use of a power, attach its files and check it
    against its item. Nothing is saved when anything is wrong."""
    cleaned = _validate_use(actor, data, use)
    try:
        files = ledger.check_evidence(list(data.files))
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.message_dict["evidence"]}) from exc
    return do_record_power_use(actor, cleaned, files, use, data.source_type, data.source_id)


@transaction.atomic
def do_record_power_use(
    actor: Actor,
    cleaned: dict[str, Any],
    files: list[tuple[UploadedFile, str]],
    use: PowerUse | None = None,
    source_type: str = "",
    source_id: str = "",
) -> PowerUse:
    user = actor if actor is not None and actor.is_authenticated else None
    if use is None:
        use = PowerUse(
            recorded_by=user,  # type: ignore[misc]
            source_type=source_type[:40],
            source_id=source_id[:40],
            **cleaned,
        )
        use.save()
        audit.record(actor, AuditAction.CREATE, target=use, changes=_created_changes_use(use))
    else:
        before = audit.snapshot(use)
        for name, value in cleaned.items():
            setattr(use, name, value)
        changes = audit.diff(before, audit.snapshot(use))
        if changes:
            use.save()
            audit.record(actor, AuditAction.UPDATE, target=use, changes=changes)
    _attach(actor, use, files)
    do_check_power_use(actor, use)
    return use


def _created_changes_use(use: PowerUse) -> dict[str, list[Any]]:
    snap = audit.public(audit.snapshot(use))
    return {key: [None, value] for key, value in snap.items() if key not in {"gaps", "checked_at"}}


def _attach(actor: Actor, use: PowerUse, files: list[tuple[UploadedFile, str]]) -> list[Evidence]:
    saved = ledger.do_attach_evidence(actor, use.area, use, files)
    for evidence in saved:
        audit.record(
            actor,
            AuditAction.CREATE,
            target=evidence,
            area=use.area,
            changes={"name": [None, evidence.name], "size": [None, evidence.size]},
            reason=_("权力运行记录“%(title)s”的佐证材料") % {"title": use.title},
        )
    return saved


@transaction.atomic
def do_check_power_use(actor: Actor, use: PowerUse) -> list[dict[str, Any]]:
    """Check a use against its item now and store the gaps with the time of the check. An amount gap
    also keeps the band it was checked against and the items whose band holds the amount."""
    item = use.item
    gaps = use.compliance_gaps()
    for gap in gaps:
        if gap["kind"] == "amount" and use.amount is not None:
            gap["min"] = str(item.amount_min) if item.amount_min is not None else None
            gap["max"] = str(item.amount_max) if item.amount_max is not None else None
            gap["suggest"] = [
                f"{other.code} {other.name}"
                for other in suggest_items(use.area, use.amount, item.domain)
                if other.pk != item.pk
            ]
    old = use.gaps
    use.gaps = gaps
    use.checked_at = timezone.now()
    use.save(update_fields=["gaps", "checked_at"])
    if old != gaps:
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=use,
            changes={"gaps": [explain_gaps(old, use.area), explain_gaps(gaps, use.area)]},
            reason=_("对照权力清单检查"),
        )
    return gaps


def may_recheck(user: AbstractBaseUser | AnonymousUser, use: PowerUse) -> bool:
    return has_capability(user, Cap.MANAGE_FINANCE, use.area) or has_capability(user, Cap.SUPERVISE, use.area)


@transaction.atomic
def check_recheck_power_use(actor: Actor, use: PowerUse) -> list[dict[str, Any]]:
    """重新检查: staff after correcting a record, or the committee as part of its supervision (then the
    check goes into the committee's ledger)."""
    if actor is None or not may_recheck(actor, use):
        raise PermissionDenied(_("只有本社区工作人员或居务监督委员会成员可以重新检查。"))
    gaps = do_check_power_use(actor, use)
    if has_capability(actor, Cap.SUPERVISE, use.area):
        explanation = explain_gaps(gaps, use.area)
        ledger.record_activity(
            actor,
            use.area,
            Activity.Kind.REVIEW,
            _("核查权力运行：%(title)s") % {"title": use.title},
            detail="\n".join(explanation) if explanation else _("未发现问题。"),
            source=use,
        )
    return gaps


def check_add_use_evidence(actor: Actor, use: PowerUse, uploads: list[UploadedFile]) -> list[Evidence]:
    """Attach files (minutes, notice photos, invoices…) to a use of a power (staff of its community)."""
    if actor is None or not has_capability(actor, Cap.MANAGE_FINANCE, use.area):
        raise PermissionDenied(_("只有本社区工作人员可以上传佐证材料。"))
    if not uploads:
        raise ValidationError({"attachments": _("请选择要上传的文件。")})
    try:
        checked = ledger.check_evidence(uploads)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.message_dict["evidence"]}) from exc
    with transaction.atomic():
        return _attach(actor, use, checked)


# --- explaining a check ----------------------------------------------------------------------------------


def format_yuan(value: Decimal | str | None) -> str:
    """¥80,000 / ¥5,000.01."""
    if value is None:
        return ""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"


def meeting_label(value: str, area: Area | None = None) -> str:
    """The meeting's name as said in the area: 居民代表会议 in a community, 村民代表会议 in a village."""
    label = str(MeetingType(value).label) if value in MeetingType.values else value
    if area is not None and area.kind == AreaKind.COMMUNITY:
        return label.replace("居（村）", "居")
    if area is not None and area.kind == AreaKind.VILLAGE:
        return label.replace("居（村）", "村")
    return label


def band_label(low: Decimal | str | None, high: Decimal | str | None) -> str:
    if low is None and high is None:
        return _("不限金额")
    if low is None or Decimal(low) == 0:
        return _("%(high)s及以下") % {"high": format_yuan(high)}
    if high is None:
        return _("%(low)s及以上") % {"low": format_yuan(low)}
    return _("%(low)s至%(high)s") % {"low": format_yuan(low), "high": format_yuan(high)}


def explain_gaps(gaps: list[dict[str, Any]], area: Area | None = None) -> list[str]:
    """One Chinese line per gap, in the order the check found them."""
    explained: list[str] = []
    for gap in gaps or []:
        detail = gap.get("detail") or []
        kind = gap.get("kind")
        if kind == "steps":
            explained.append(_("缺少步骤：%(steps)s") % {"steps": "、".join(detail)})
        elif kind == "evidence":
            explained.append(_("缺少材料：%(items)s") % {"items": "、".join(detail)})
        elif kind == "meeting":
            required, held = (list(detail) + ["", ""])[:2]
            if held in ("", MeetingType.NONE):
                explained.append(
                    _("应召开%(required)s，实际未召开会议") % {"required": meeting_label(required, area)}
                )
            else:
                explained.append(
                    _("应召开%(required)s，实际为%(held)s")
                    % {"required": meeting_label(required, area), "held": meeting_label(held, area)}
                )
        elif kind == "amount":
            explained.append(_explain_amount(gap))
    return explained


def _explain_amount(gap: dict[str, Any]) -> str:
    amount = Decimal(str((gap.get("detail") or ["0"])[0]))
    low, high = gap.get("min"), gap.get("max")
    if high is not None and amount > Decimal(high):
        line = _("金额%(amount)s超出该事项上限%(limit)s") % {
            "amount": format_yuan(amount),
            "limit": format_yuan(high),
        }
    elif low is not None and amount < Decimal(low):
        line = _("金额%(amount)s低于该事项下限%(limit)s") % {
            "amount": format_yuan(amount),
            "limit": format_yuan(low),
        }
    else:
        line = _("金额%(amount)s不在该事项的金额范围内") % {"amount": format_yuan(amount)}
    suggestions = gap.get("suggest") or []
    if suggestions:
        line += _("，应按“%(items)s”办理") % {"items": "”或“".join(suggestions)}
    return line


@dataclass(frozen=True)
class CheckLine:
    """One row of the line-by-line comparison of a use with its item."""

    ok: bool
    label: str
    text: str


def compliance_lines(use: PowerUse) -> list[CheckLine]:
    """Each requirement of the item and whether the use meets it: every step, the meeting, every piece of
    evidence, the amount band. No query beyond the loaded item and area."""
    item, area = use.item, use.area
    rows: list[CheckLine] = []
    for number, step in enumerate(item.steps, start=1):
        rows.append(CheckLine(step in use.steps_done, _("步骤%(n)s") % {"n": number}, step))
    meeting_ok = MEETING_RANK.get(use.meeting_held, 0) >= MEETING_RANK.get(item.meeting_required, 0)
    rows.append(
        CheckLine(
            meeting_ok,
            _("会议"),
            _("应召开：%(required)s；实际：%(held)s")
            % {
                "required": meeting_label(item.meeting_required, area),
                "held": meeting_label(use.meeting_held, area),
            },
        )
    )
    for document in item.evidence:
        rows.append(CheckLine(document in use.evidence_provided, _("材料"), document))
    if has_band(item):
        rows.append(
            CheckLine(
                use.amount is not None and item.applies_to(use.amount),
                _("金额"),
                _("%(amount)s（该事项适用：%(band)s）")
                % {
                    "amount": format_yuan(use.amount) if use.amount is not None else _("未填写"),
                    "band": band_label(item.amount_min, item.amount_max),
                },
            )
        )
    return rows
