"""Cases: intake from every channel, routing, the lifecycle, merging duplicates and the resident's rating.

`check_create_case` is the one way a case is born — portal, QR poster, staff entry, API, Open311, and later
inspections, meetings, cross-checks and objections all call it. `do_transition` is the one way its status
changes: it checks `TRANSITIONS`, claims the row with a conditional UPDATE (so two clicks or two workers
cannot both apply a step), writes the timeline event and queues notifications.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yangguang.core.actions import notify, sla
from yangguang.core.actions.audit import actor_label
from yangguang.core.models import (
    TRANSITIONS,
    Area,
    Building,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseReporter,
    CaseStatus,
    Channel,
    Compound,
    HandlingUnit,
    RoutingRule,
    Urgency,
)
from yangguang.core.models.cases import area_ids_under
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib import textsim
from yangguang.lib.phone import PhoneError, normalize_phone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

PUBLIC_CHANNELS = frozenset({Channel.PORTAL, Channel.QR, Channel.OPEN311})
MAX_ATTACHMENTS = 6
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MIN_DESCRIPTION = 5
# Image types accepted from residents, recognised by their first bytes rather than the declared type.
_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


@dataclass
class CaseInput:
    """What any channel knows about a new case; validated by `check_create_case`."""

    area: Area
    category: CaseCategory
    description: str
    channel: str
    title: str = ""
    kind: str = ""
    urgency: str = Urgency.NORMAL
    compound: Compound | None = None
    building: Building | None = None
    location_text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    anonymous: bool = False
    confidential: bool = False
    idempotency_key: str = ""
    ip: str | None = None
    source_type: str = ""
    source_id: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=list)


def _sniff_image(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Validate uploads before anything is written; returns (file, sniffed content type) pairs."""
    if len(photos) > MAX_ATTACHMENTS:
        raise ValidationError({"photos": _("最多上传%(n)d张照片。") % {"n": MAX_ATTACHMENTS}})
    checked = []
    for upload in photos:
        if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                {"photos": _("照片“%(name)s”超过10MB，请压缩后再上传。") % {"name": upload.name}}
            )
        content_type = _sniff_image(upload)
        if content_type is None:
            raise ValidationError(
                {"photos": _("“%(name)s”不是图片文件（支持 JPG、PNG、GIF、WebP）。") % {"name": upload.name}}
            )
        checked.append((upload, content_type))
    return checked


def _check_rate_limits(data: CaseInput, phone_index: str) -> None:
    """Floods from one IP or one phone number are refused with a clear message (public channels only)."""
    if data.channel not in PUBLIC_CHANNELS:
        return
    now = timezone.now()
    if data.ip:
        recent = Case.objects.filter(
            intake_ip=data.ip, created_at__gte=now - datetime.timedelta(hours=1)
        ).count()
        if recent >= settings.CASE_LIMIT_PER_IP_HOUR:
            raise ValidationError(
                _("提交过于频繁，请一小时后再试；紧急情况请拨打社区电话。"), code="rate_limited"
            )
    if phone_index:
        recent = Case.objects.filter(
            reporter_phone_index=phone_index, created_at__gte=now - datetime.timedelta(days=1)
        ).count()
        if recent >= settings.CASE_LIMIT_PER_PHONE_DAY:
            raise ValidationError(_("该手机号今天提交的诉求已达上限，请明天再试。"), code="rate_limited")


def _check_location(data: CaseInput) -> None:
    if data.building is not None and not data.building.area.path.startswith(data.area.path):
        raise ValidationError({"building": _("所选楼栋不在该社区范围内。")})
    if data.compound is not None and not data.compound.area.path.startswith(data.area.path):
        raise ValidationError({"compound": _("所选小区不在该社区范围内。")})
    if (
        data.building is not None
        and data.compound is not None
        and data.building.compound_id != data.compound.pk
    ):
        raise ValidationError({"building": _("所选楼栋不属于所选小区。")})


def route(category: CaseCategory, area: Area) -> RoutingRule | None:
    """The routing rule of the deepest area above `area` for the category (or its parent category)."""
    ancestors = area.ancestor_ids()
    categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rules = list(RoutingRule.objects.filter(category_id__in=categories, area_id__in=ancestors))
    if not rules:
        return None
    return max(rules, key=lambda r: (ancestors.index(r.area_id), r.category_id == category.pk))


@transaction.atomic
def check_create_case(actor: Actor, data: CaseInput) -> Case:
    """Validate and create a case, route it, and dispatch it when a routing rule names a handler or unit.

    A repeated idempotency key returns the case created the first time. Nothing is written unless every
    check passes.
    """
    if data.idempotency_key:
        existing = Case.objects.filter(idempotency_key=data.idempotency_key).first()
        if existing is not None:
            return existing
    description = data.description.strip()
    if len(description) < MIN_DESCRIPTION:
        raise ValidationError(
            {"description": _("请把问题描述清楚（至少%(n)d个字）。") % {"n": MIN_DESCRIPTION}}
        )
    if not data.area.is_community and data.area.kind != "grid":
        raise ValidationError({"area": _("请选择问题发生的社区或村。")})
    if not data.category.active:
        raise ValidationError({"category": _("该分类已停用，请选择其他分类。")})
    _check_location(data)
    phone = ""
    # An anonymous report keeps no contact details at all: nobody could reach the reporter, so nothing
    # is stored that might identify them.
    if data.reporter_phone.strip() and not data.anonymous:
        try:
            phone = normalize_phone(data.reporter_phone)
        except PhoneError as exc:
            raise ValidationError({"reporter_phone": str(exc)}) from exc
    photos = check_photos(data.photos)

    case = Case(
        area=data.area,
        category=data.category,
        kind=data.kind or data.category.default_kind,
        urgency=data.urgency,
        ownership=data.category.default_ownership,
        channel=data.channel,
        title=(data.title.strip() or description[:30])[:100],
        description=description,
        compound=data.compound or (data.building.compound if data.building else None),
        building=data.building,
        location_text=data.location_text.strip()[:200],
        latitude=None if data.latitude is None else Decimal(f"{data.latitude:.6f}"),
        longitude=None if data.longitude is None else Decimal(f"{data.longitude:.6f}"),
        reporter_name="" if data.anonymous else data.reporter_name.strip()[:50],
        reporter_email="" if data.anonymous else data.reporter_email.strip(),
        anonymous=data.anonymous,
        confidential=data.confidential,
        intake_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        idempotency_key=data.idempotency_key or None,
        intake_ip=data.ip,
        source_type=data.source_type,
        source_id=data.source_id,
        number="",
        tracking_code=_new_tracking_code(),
    )
    if phone:
        case.set_sealed("reporter_phone", phone)
    _check_rate_limits(data, case.reporter_phone_index)
    rule = route(data.category, data.area)
    if rule is not None and rule.ownership:
        case.ownership = rule.ownership
    case.save()
    # The number needs the primary key: YG + year + zero-padded id, unique and stable.
    case.number = f"YG{timezone.localdate():%Y}{case.pk:07d}"
    case.save(update_fields=["number"])
    reporter = CaseReporter(case=case, original_case=case, name=case.reporter_name, email=case.reporter_email)
    if phone:
        # Sealed afresh: a ciphertext is bound to its model and field and cannot be copied across.
        reporter.set_sealed("phone", phone)
    reporter.save()
    event = _event(actor, case, "received", "", CaseStatus.RECEIVED, _("诉求已受理。"), public=True)
    for upload, content_type in photos:
        _attach(case, event, upload, content_type, public=False)
    if rule is not None and (rule.unit_id or rule.handler_id):
        do_transition(
            actor, case, "dispatch", unit=rule.unit, handler=rule.handler, note=_("按分派规则自动派单。")
        )
    return case


def _new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


def _attach(case: Case, event: CaseEvent, upload: UploadedFile, content_type: str, *, public: bool) -> None:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    CaseAttachment.objects.create(
        case=case,
        event=event,
        file=upload,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        public=public,
    )


def _event(
    actor: Actor,
    case: Case,
    kind: str,
    from_status: str,
    to_status: str,
    note: str = "",
    *,
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    user = actor if actor is not None and actor.is_authenticated else None
    return CaseEvent.objects.create(
        case=case,
        actor=user,  # type: ignore[misc]
        actor_label=actor_label(actor),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
        data=data or {},
    )


# Steps whose note the resident sees on the public status page.
_PUBLIC_STEPS = frozenset(
    {"dispatch", "sign", "reply", "close", "rate_satisfied", "rate_unsatisfied", "reopen", "merge"}
)
# Steps that must say why.
_NOTE_REQUIRED = {
    "return": gettext_lazy("请填写退回原因。"),
    "wait": gettext_lazy("请说明需要居民补充的内容。"),
    "reply": gettext_lazy("请填写答复内容。"),
    "reject": gettext_lazy("请填写不予受理的理由。"),
}
RETURN_WITHIN_WORKDAYS = 2


def do_transition(
    actor: Actor,
    case: Case,
    name: str,
    *,
    note: str = "",
    unit: HandlingUnit | None = None,
    handler: AbstractBaseUser | None = None,
    target: Case | None = None,
    satisfaction: int | None = None,
    evidence: Sequence[UploadedFile] = (),
) -> Case:
    """Apply one lifecycle step. Raises ValidationError (Chinese message) when the step is not allowed."""
    if name not in TRANSITIONS:
        raise ValidationError(_("未知的办理操作。"))
    sources, target_status = TRANSITIONS[name]
    if case.status not in sources:
        raise ValidationError(
            _("当前状态“%(status)s”下不能执行该操作。") % {"status": case.get_status_display()},
            code="bad_state",
        )
    note = note.strip()
    if name in _NOTE_REQUIRED and not note:
        raise ValidationError({"note": str(_NOTE_REQUIRED[name])})
    checked_evidence = check_photos(evidence) if evidence else []
    now = timezone.now()
    changes: dict[str, Any] = {}
    with transaction.atomic():
        _apply(
            case,
            name,
            now,
            changes,
            note=note,
            unit=unit,
            handler=handler,
            target=target,
            satisfaction=satisfaction,
            has_evidence=bool(checked_evidence),
        )
        from_status = case.status
        changes["status"] = target_status
        changes["updated_at"] = now
        # The conditional UPDATE is the lock: if someone else moved the case meanwhile, nothing happens.
        claimed = Case.objects.filter(pk=case.pk, status=from_status).update(**changes)
        if not claimed:
            raise ValidationError(_("该诉求刚刚被其他人处理过，请刷新页面后再试。"), code="conflict")
        for key, value in changes.items():
            setattr(case, key, value)
        event = _event(
            actor,
            case,
            name,
            from_status,
            target_status,
            note,
            public=name in _PUBLIC_STEPS,
            data={"target": target.number} if target is not None else None,
        )
        for upload, content_type in checked_evidence:
            _attach(case, event, upload, content_type, public=name in {"reply", "close"})
        if name == "merge" and target is not None:
            _merge_reporters(case, target)
        notify.case_step(case, event)
    return case


def _apply(
    case: Case,
    name: str,
    now: datetime.datetime,
    changes: dict[str, Any],
    *,
    note: str,
    unit: HandlingUnit | None,
    handler: AbstractBaseUser | None,
    target: Case | None,
    satisfaction: int | None,
    has_evidence: bool,
) -> None:
    """The side effects of each step on the case's fields, collected into `changes`."""
    limits = sla.limits_for(case.kind, case.urgency, case.category_id, case.area)
    if name == "dispatch":
        if unit is None and handler is None and case.unit_id is None and case.handler_id is None:
            raise ValidationError({"handler": _("请选择承办人或承办单位。")})
        if unit is not None:
            changes["unit"] = unit
        if handler is not None:
            changes["handler"] = handler
        changes["dispatched_at"] = now
        changes["sign_due_at"] = sla.calendar().add_work_hours(now, limits.sign_within_hours)
    elif name == "return":
        if case.dispatched_at is not None:
            used = sla.calendar().workdays_between(
                timezone.localdate(case.dispatched_at), timezone.localdate(now)
            )
            if used > RETURN_WITHIN_WORKDAYS:
                raise ValidationError(_("派单超过2个工作日，不能再退回；请申请协调或延期。"))
        changes.update(return_count=case.return_count + 1, handler=None, unit=None, dispatched_at=None)
    elif name == "sign":
        # The clock starts at signing (DOMAIN.md): the deadline is counted from now — except for a
        # rectification notice, whose deadline the committee set when it issued it.
        changes["signed_at"] = now
        if not (case.channel == Channel.INSPECTION and case.due_at is not None):
            changes["due_at"] = sla.deadline(now, limits)
    elif name == "wait":
        changes["paused_at"] = now
    elif name == "resume":
        if case.paused_at is not None and case.due_at is not None:
            cal = sla.calendar()
            paused = cal.working_seconds_between(case.paused_at, now)
            changes["due_at"] = cal.add_work_hours(case.due_at, paused / 3600)
        changes["paused_at"] = None
    elif name == "reply":
        changes["replied_at"] = now
    elif name == "close":
        evidence_exists = case.attachments.exclude(event__kind="received").exists()
        if not (has_evidence or evidence_exists):
            raise ValidationError({"evidence": _("办结前请上传办理结果的照片或材料作为佐证。")})
        changes["closed_at"] = now
    elif name in {"rate_satisfied", "rate_unsatisfied"}:
        if satisfaction is None or not 1 <= satisfaction <= 5:
            raise ValidationError({"satisfaction": _("请选择1到5分的评价。")})
        changes["satisfaction"] = satisfaction
    elif name == "reopen":
        # 重办: back to the same handler, counted against them, with a fresh deadline.
        changes.update(
            redo_count=case.redo_count + 1,
            closed_at=None,
            replied_at=None,
            due_at=sla.deadline(now, limits),
            reminded_at=None,
            escalated_at=None,
        )
    elif name == "merge":
        if target is None or target.pk == case.pk:
            raise ValidationError({"target": _("请选择要合并到的诉求。")})
        if not target.is_open:
            raise ValidationError({"target": _("只能合并到尚未办结的诉求。")})
        if target.merged_into_id is not None:
            raise ValidationError({"target": _("目标诉求本身已被合并。")})
        changes["merged_into"] = target


def _merge_reporters(case: Case, target: Case) -> None:
    """Everyone who reported the duplicate hears the outcome of the case it was merged into."""
    CaseReporter.objects.filter(case=case).update(case=target)
    Case.objects.filter(merged_into=case).update(merged_into=target)


def do_rate(actor: Actor, case: Case, score: int, note: str = "", *, by_callback: bool = False) -> Case:
    """The resident's rating (through the private link) or a staff call-back. 1–2 is unsatisfied and
    reopens the case to the same handler (重办); 3–5 is satisfied."""
    if not 1 <= score <= 5:
        raise ValidationError({"satisfaction": _("请选择1到5分的评价。")})
    prefix = _("（电话回访）") if by_callback else ""
    if score >= 3:
        return do_transition(actor, case, "rate_satisfied", note=prefix + note, satisfaction=score)
    with transaction.atomic():
        do_transition(actor, case, "rate_unsatisfied", note=prefix + note, satisfaction=score)
        return do_transition(actor, case, "reopen", note=_("居民不满意，退回原承办人重办。"))


def do_comment(actor: Actor, case: Case, note: str, *, public: bool = False) -> CaseEvent:
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请填写内容。")})
    return _event(actor, case, "comment", case.status, case.status, note, public=public)


def access_case(user: AbstractBaseUser | AnonymousUser, pk: int | str) -> Case:
    """The only way a back-office view loads a case: 404 unless `Case.objects.visible_to(user)` has it."""
    if not user.is_authenticated:
        raise Http404
    try:
        # Only the relations every case view needs: PostgreSQL plans each join of this query, and with the
        # building, compound, parent area and merge target joined too, planning cost more (about 3 ms)
        # than loading those the page shows one by one (bench.cases).
        return Case.objects.visible_to(user).select_related("area", "category", "unit", "handler").get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can_see_reporter(user: AbstractBaseUser | AnonymousUser, case: Case) -> bool:
    """A confidential reporter is shown only to the intake office and the supervision committee."""
    if not case.confidential:
        return True
    return has_capability(user, Cap.SEE_CONFIDENTIAL, case.area)


TRIAGE_FIELDS = ("category", "kind", "urgency", "ownership")


@transaction.atomic
def do_triage(actor: Actor, case: Case, **values: Any) -> Case:
    """Change a case's category, kind, urgency or ownership (大事/小事/私事), recorded on the timeline.
    A change of kind or urgency recomputes the deadline of a signed case from its signing time."""
    unknown = set(values) - set(TRIAGE_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if not case.is_open:
        raise ValidationError(_("已办结的诉求不能再调整分类。"))
    changed: dict[str, list[str]] = {}
    for name, value in values.items():
        old = getattr(case, name)
        if old != value:
            changed[name] = [str(old), str(value)]
            setattr(case, name, value)
    if not changed:
        return case
    case.full_clean(exclude=["number", "tracking_code", "reporter_phone_enc"])
    if case.signed_at is not None and ({"kind", "urgency"} & set(changed)):
        case.due_at = sla.deadline(
            case.signed_at, sla.limits_for(case.kind, case.urgency, case.category_id, case.area)
        )
    case.save()
    note = "；".join(f"{name}: {old} → {new}" for name, (old, new) in changed.items())
    _event(actor, case, "triage", case.status, case.status, note, data={"changes": changed})
    return case


def can_handle(user: AbstractBaseUser | AnonymousUser, case: Case) -> bool:
    """The handler, a member of the handling unit, or staff with HANDLE_CASES at the case's area."""
    if not user.is_authenticated:
        return False
    if case.handler_id is not None and case.handler_id == user.pk:
        return True
    # The role check runs no query (roles are cached for the request); the membership check does.
    if has_capability(user, Cap.HANDLE_CASES, case.area):
        return True
    return case.unit_id is not None and case.unit.members.filter(pk=user.pk).exists()  # type: ignore[union-attr]


def check_transition_permission(user: AbstractBaseUser | AnonymousUser, case: Case, name: str) -> None:
    """Who may take which step: intake staff dispatch and reject, handlers work the case, supervisors
    approve; residents rate through their private link (checked by the portal view)."""
    if name in {"close", "merge"} and case.channel == Channel.INSPECTION:
        # A rectification notice ends with the committee's verification (actions.inspections), never
        # by the owner or the intake office closing it from the case page.
        raise PermissionDenied(_("整改通知由居务监督委员会验收后办结，不能在此办结或合并。"))
    if name in {"dispatch", "reject", "merge", "close"}:
        if has_capability(user, Cap.INTAKE_CASES, case.area) or has_capability(
            user, Cap.HANDLE_CASES, case.area
        ):
            return
        raise PermissionDenied(_("您没有权限执行该操作。"))
    if name in {"return", "sign", "start", "wait", "resume", "reply"}:
        if can_handle(user, case):
            return
        raise PermissionDenied(_("只有承办人可以执行该操作。"))
    if name in {"rate_satisfied", "rate_unsatisfied", "reopen"}:
        # A rectification notice is confirmed by the committee's verification (actions.inspections), not
        # by a call-back: nobody may pre-empt it from the case page.
        if case.channel == Channel.INSPECTION:
            raise PermissionDenied(_("整改通知由居务监督委员会验收，不能在此记录回访评价。"))
        # A handler never records the call-back rating of their own work.
        if case.handler_id is not None and case.handler_id == user.pk:
            raise PermissionDenied(_("承办人不能为自己办理的诉求记录回访评价。"))
        if case.unit_id is not None and case.unit.members.filter(id=user.pk or 0).exists():  # type: ignore[union-attr]
            raise PermissionDenied(_("承办单位人员不能为本单位办理的诉求记录回访评价。"))
        if has_capability(user, Cap.INTAKE_CASES, case.area):
            return
        raise PermissionDenied(_("回访评价由受理人员记录。"))
    raise PermissionDenied(_("您没有权限执行该操作。"))


# --- duplicates --------------------------------------------------------------------------------------

DUPLICATE_WINDOW_DAYS = 30


def _comparable_text(case: Case) -> str:
    # A title cut from the description would count its words twice.
    return case.description if case.description.startswith(case.title) else f"{case.title} {case.description}"


def find_duplicates(
    case: Case, *, limit: int = 5, threshold: float | None = None
) -> list[tuple[Case, float]]:
    """Open cases that look like the same problem: same community, recent, same place or category,
    similar Chinese text (jieba tokens + rapidfuzz; see lib/textsim)."""
    community = case.area if case.area.is_community else case.area.parent
    scope_path = community.path if community is not None else case.area.path
    since = timezone.now() - datetime.timedelta(days=DUPLICATE_WINDOW_DAYS)
    # By area id rather than a join on the area path, so the (area, created_at) index finds the window.
    pool = (
        Case.objects.open()
        .filter(area_id__in=area_ids_under([scope_path]), created_at__gte=since, merged_into__isnull=True)
        .exclude(pk=case.pk)
        .only("pk", "title", "description", "category_id", "building_id", "compound_id")
        .order_by("-created_at")[:500]
    )
    by_pk = {c.pk: c for c in pool}
    text = _comparable_text(case)
    candidates = [(c.pk, _comparable_text(c)) for c in by_pk.values()]
    kwargs: dict[str, Any] = {"limit": limit * 3}
    if threshold is not None:
        kwargs["threshold"] = threshold
    ranked = textsim.rank_candidates(text, candidates, **kwargs)
    results: list[tuple[Case, float]] = []
    for pk, score in ranked:
        other = by_pk[pk]
        same_place = (case.building_id and other.building_id == case.building_id) or (
            case.compound_id and other.compound_id == case.compound_id
        )
        # Same place or same category lends weight; a text match alone in another category is weaker.
        boosted = min(
            1.0,
            score + (0.1 if same_place else 0.0) + (0.05 if other.category_id == case.category_id else 0.0),
        )
        results.append((other, boosted))
    results.sort(key=lambda pair: pair[1], reverse=True)
    return results[:limit]
