"""Inspections by the supervision committee (监督检查), their findings and rectification notices (整改通知).

The flow of DOMAIN.md: inspection → finding → rectification notice with a deadline → rectified / overdue →
escalated to the street discipline committee (督办) → verified and closed → reported back (反馈通报).

- An inspection is planned with a checklist built from supervision items (one check per checkpoint) plus
  free-text points, started, its checks recorded one by one, findings added with evidence, and completed
  only when no check is left pending.
- A rectification notice does not duplicate the case machinery: `check_issue_rectification` opens a case
  (channel 监督检查) dispatched to the owner, with the case's deadline set to the end of the notice's
  deadline day. The owner signs, works and replies on the ordinary case page; the ordinary SLA job
  (`actions/escalation.py`, run by `sla_checks`) escalates it to the street when overdue; the committee's
  verification closes it or sends it back (重办). The `Rectification` row keeps the notice itself, the
  verdict and the report back.
- The street's or district's bulletins (通报), which count all this per community, are in `bulletins`.

Who may do what: the committee's own acts need Cap.SUPERVISE at the community (not even the district admin
holds it). Reading needs Cap.VIEW_SUPERVISION, with one exception: an unannounced inspection (明察暗访)
stays hidden from community staff until it is held — see `visible_inspections`.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, cases, ledger
from yangguang.core.models import (
    Activity,
    Area,
    AuditAction,
    Case,
    CaseCategory,
    CaseStatus,
    Channel,
    Disclosure,
    Finding,
    HandlingUnit,
    Inspection,
    InspectionCheck,
    Person,
    Rectification,
    SupervisionItem,
)
from yangguang.core.models.cases import OPEN_STATUSES
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths
from yangguang.lib.masking import mask_id_number, mask_name, mask_phone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.contrib.auth.models import User as AuthUser
    from django.core.files.uploadedfile import UploadedFile

    from yangguang.core.models import Evidence, Project

    User = AbstractBaseUser | AnonymousUser
    Actor = AbstractBaseUser | AnonymousUser | None

# The inspection lifecycle: transition name → (allowed from-statuses, to-status).
INSPECTION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({Inspection.Status.PLANNED}), Inspection.Status.IN_PROGRESS),
    "complete": (frozenset({Inspection.Status.IN_PROGRESS}), Inspection.Status.COMPLETED),
    "cancel": (
        frozenset({Inspection.Status.PLANNED, Inspection.Status.IN_PROGRESS}),
        Inspection.Status.CANCELLED,
    ),
}
# Findings and their rectifications belong to an inspection that is being or has been held.
HELD_STATUSES = frozenset({Inspection.Status.IN_PROGRESS, Inspection.Status.COMPLETED})
RECORDED_RESULTS = frozenset(
    {InspectionCheck.Result.OK, InspectionCheck.Result.PROBLEM, InspectionCheck.Result.NA}
)

# Rectification cases go to the category of integrity reports when it exists and is active.
RECTIFICATION_CATEGORIES = ("integrity", "other")
RECTIFICATION_SOURCE = "finding"
DISCLOSURE_KIND = "rectification_report"
# The committee's verification recorded as the case's rating: passed counts as satisfied, failed as not.
VERIFIED_PASSED_SCORE = 5
VERIFIED_FAILED_SCORE = 1


# --- permissions and visibility ----------------------------------------------------------------------


def require_committee(actor: Actor, area: Area) -> None:
    """The committee's own acts: only members of the community's supervision committee."""
    if actor is None or not has_capability(actor, Cap.SUPERVISE, area):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以进行该操作。"))


def _hidden_until_held() -> Q:
    """Unannounced inspections not yet held (明察暗访 planned, or cancelled before it started)."""
    return Q(kind=Inspection.Kind.UNANNOUNCED, held_on__isnull=True)


def _paths_condition(paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(area__path__startswith=path)
    return condition


def visible_inspections(user: User) -> models.QuerySet[Inspection]:
    """Inspections the user may read (VIEW_SUPERVISION over the community).

    The access rule for unannounced inspections (明察暗访): community staff see inspections whose status is
    not "planned" or whose kind is not "unannounced" — a surprise visit is invisible to those it visits
    until it is held. We also keep one that was cancelled before it started hidden (held_on stays empty),
    so that a called-off visit does not tip anyone off about the next one. The committee itself
    (SUPERVISE) and the street and district (OVERSEE) always see them."""
    base: models.QuerySet[Inspection] = Inspection.objects.visible_to(user, Cap.VIEW_SUPERVISION)
    planners = jurisdiction_paths(user, Cap.SUPERVISE) + jurisdiction_paths(user, Cap.OVERSEE)
    return base.filter(~_hidden_until_held() | _paths_condition(planners))


def may_see_unannounced(user: User, area: Area) -> bool:
    return has_capability(user, Cap.SUPERVISE, area) or has_capability(user, Cap.OVERSEE, area)


def access_inspection(user: User, pk: int | str) -> Inspection:
    """The only way a view loads an inspection: 404 for outsiders and for staff before a surprise visit."""
    if not user.is_authenticated:
        raise Http404
    try:
        inspection = Inspection.objects.select_related("area", "created_by").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not has_capability(user, Cap.VIEW_SUPERVISION, inspection.area):
        raise Http404
    if inspection.kind == Inspection.Kind.UNANNOUNCED and inspection.held_on is None:
        if not may_see_unannounced(user, inspection.area):
            raise Http404
    return inspection


def visible_rectifications(user: User) -> models.QuerySet[Rectification]:
    """Rectification notices of communities where the user holds VIEW_SUPERVISION. (A notice exists only
    for a held inspection, so the unannounced rule has nothing to hide here.)"""
    condition = Q(pk__in=[])
    for path in jurisdiction_paths(user, Cap.VIEW_SUPERVISION):
        condition |= Q(finding__inspection__area__path__startswith=path)
    return Rectification.objects.filter(condition)


def access_rectification(user: User, pk: int | str) -> Rectification:
    if not user.is_authenticated:
        raise Http404
    try:
        rectification = Rectification.objects.select_related(
            "finding__inspection__area",
            "finding__checkpoint",
            "finding__project",
            "case__handler",
            "case__unit",
            "issued_by",
        ).get(pk=pk)
    except (Rectification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not has_capability(user, Cap.VIEW_SUPERVISION, rectification.finding.inspection.area):
        raise Http404
    return rectification


# --- planning ----------------------------------------------------------------------------------------


def applicable_items(area: Area) -> models.QuerySet[SupervisionItem]:
    """Active supervision items that apply to a community, by the catalogue's one rule
    (`catalogue.effective_items`: its adopted items, else its district's catalogue, else the platform's)."""
    from yangguang.core.actions.catalogue import effective_items

    items: models.QuerySet[SupervisionItem] = effective_items(area, "supervision")
    return items.order_by("domain", "position", "code")


def _clean_points(points: Sequence[str]) -> list[str]:
    cleaned = []
    for raw in points:
        point = raw.strip()
        if not point:
            continue
        if len(point) > 300:
            raise ValidationError({"points": _("每个检查要点不超过300字。")})
        cleaned.append(point)
    return cleaned


@transaction.atomic
def check_plan_inspection(
    actor: Actor,
    area: Area,
    *,
    kind: str,
    title: str,
    planned_on: datetime.date,
    items: Sequence[SupervisionItem] = (),
    points: Sequence[str] = (),
    inspectors: Sequence[AuthUser] = (),
) -> Inspection:
    """Plan an inspection of a community and build its checklist: one check per checkpoint of each chosen
    supervision item (the item's name when it lists none), then the free-text points."""
    require_committee(actor, area)
    if not area.is_community:
        raise ValidationError({"area": _("监督检查的对象应为社区或村。")})
    if kind not in Inspection.Kind.values:
        raise ValidationError({"kind": _("请选择检查方式。")})
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("请填写检查主题。")})
    allowed = {item.pk for item in applicable_items(area)}
    foreign = [item for item in items if item.pk not in allowed]
    if foreign:
        raise ValidationError(
            {
                "items": _("监督事项“%(name)s”不适用于本社区或已停用。")
                % {"name": ", ".join(str(item) for item in foreign)}
            }
        )
    extra = _clean_points(points)
    if not items and not extra:
        raise ValidationError({"items": _("请至少选择一个监督事项或填写一个检查要点。")})
    inspection = Inspection.objects.create(
        area=area,
        kind=kind,
        title=title[:200],
        planned_on=planned_on,
        created_by=actor,  # type: ignore[misc]
    )
    if items:
        inspection.items.set(items)
    if inspectors:
        inspection.inspectors.set(inspectors)
    checks: list[InspectionCheck] = []
    for item in sorted(items, key=lambda i: (i.domain, i.position, i.code)):
        for point in item.checkpoints or [item.name]:
            checks.append(
                InspectionCheck(
                    inspection=inspection, item=item, point=str(point)[:300], position=len(checks)
                )
            )
    for point in extra:
        checks.append(InspectionCheck(inspection=inspection, point=point, position=len(checks)))
    InspectionCheck.objects.bulk_create(checks)
    # No ledger line yet: the ledger is readable by staff, and a planned surprise visit must not show up
    # there. The inspection enters the ledger when it is completed.
    audit.record(
        actor,
        AuditAction.CREATE,
        target=inspection,
        changes={"kind": [None, kind], "checks": [None, len(checks)]},
    )
    return inspection


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _step(actor: Actor, inspection: Inspection, name: str, **fields: Any) -> Inspection:
    """Apply one lifecycle step with a conditional UPDATE (two clicks cannot both apply it)."""
    sources, target = INSPECTION_TRANSITIONS[name]
    if inspection.status not in sources:
        raise ValidationError(
            _("检查当前状态为“%(status)s”，不能执行该操作。") % {"status": inspection.get_status_display()},
            code="bad_state",
        )
    claimed = Inspection.objects.filter(pk=inspection.pk, status=inspection.status).update(
        status=target, **fields
    )
    if not claimed:
        raise ValidationError(_("该检查刚刚被其他人更新过，请刷新页面后再试。"), code="conflict")
    before = inspection.status
    inspection.status = target
    for key, value in fields.items():
        setattr(inspection, key, value)
    changes: dict[str, list[Any]] = {"status": [before, target]}
    changes.update({key: [None, _plain(value)] for key, value in fields.items()})
    audit.record(actor, AuditAction.UPDATE, target=inspection, changes=changes)
    return inspection


@transaction.atomic
def do_start_inspection(
    actor: Actor, inspection: Inspection, held_on: datetime.date | None = None
) -> Inspection:
    """The inspection is being held: from now on staff see it, even an unannounced one."""
    require_committee(actor, inspection.area)
    return _step(actor, inspection, "start", held_on=held_on or timezone.localdate())


@transaction.atomic
def do_record_check(actor: Actor, check: InspectionCheck, result: str, note: str = "") -> InspectionCheck:
    inspection = check.inspection
    require_committee(actor, inspection.area)
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise ValidationError(_("只有进行中的检查可以记录检查结果。"))
    if result not in RECORDED_RESULTS:
        raise ValidationError({"result": _("请选择检查结果。")})
    note = note.strip()
    if len(note) > 500:
        raise ValidationError({"note": _("说明不超过500字。")})
    before = [check.result, check.note]
    check.result = result
    check.note = note
    check.save(update_fields=["result", "note"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=inspection,
        area=inspection.area,
        changes={"check": [check.point[:60], check.point[:60]], "result": [before[0], result]},
    )
    return check


@transaction.atomic
def check_add_finding(
    actor: Actor,
    inspection: Inspection,
    *,
    description: str,
    severity: str = Finding.Severity.MINOR,
    checkpoint: InspectionCheck | None = None,
    uploads: Sequence[UploadedFile] = (),
    project: Project | None = None,
) -> Finding:
    """Record a problem found, with its evidence files (checked before anything is saved). A finding on a
    checkpoint marks that checkpoint "存在问题". `project`: the welfare project the finding was raised
    from (`projects.check_open_finding`), of the inspection's community."""
    require_committee(actor, inspection.area)
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise ValidationError(_("只有进行中的检查可以记录发现的问题。"))
    description = description.strip()
    if len(description) < 5:
        raise ValidationError({"description": _("请把发现的问题描述清楚（至少5个字）。")})
    if severity not in Finding.Severity.values:
        raise ValidationError({"severity": _("请选择严重程度。")})
    if checkpoint is not None and checkpoint.inspection_id != inspection.pk:
        raise ValidationError({"checkpoint": _("所选检查要点不属于本次检查。")})
    if project is not None and project.area_id != inspection.area_id:
        raise ValidationError(_("该惠民项目不属于本次检查的社区。"))
    checked = ledger.check_evidence(list(uploads))
    finding = Finding.objects.create(
        inspection=inspection,
        checkpoint=checkpoint,
        description=description,
        severity=severity,
        project=project,
        created_by=actor,  # type: ignore[misc]
    )
    if checkpoint is not None and checkpoint.result != InspectionCheck.Result.PROBLEM:
        checkpoint.result = InspectionCheck.Result.PROBLEM
        checkpoint.save(update_fields=["result"])
    ledger.do_attach_evidence(actor, inspection.area, finding, checked)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=finding,
        area=inspection.area,
        changes={
            "severity": [None, severity],
            "evidence": [None, len(checked)],
            **({"project": [None, project.pk]} if project is not None else {}),
        },
    )
    return finding


def pending_points(inspection: Inspection) -> list[str]:
    return list(
        inspection.checks.filter(result=InspectionCheck.Result.PENDING)
        .order_by("position", "id")
        .values_list("point", flat=True)
    )


@transaction.atomic
def do_complete_inspection(actor: Actor, inspection: Inspection, summary: str) -> Inspection:
    """Close the inspection with its summary. Every check must have a result: the error lists those still
    pending. The inspection then enters the committee's ledger."""
    require_committee(actor, inspection.area)
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("请填写检查小结。")})
    if inspection.status == Inspection.Status.IN_PROGRESS:
        pending = pending_points(inspection)
        if pending:
            raise ValidationError(
                _("还有%(n)d个检查要点未记录结果：%(points)s")
                % {"n": len(pending), "points": "；".join(pending)},
                code="pending_checks",
            )
    _step(actor, inspection, "complete", summary=summary)
    findings = inspection.findings.count()
    ledger.record_activity(
        actor,
        inspection.area,
        Activity.Kind.INSPECTION,
        _("%(kind)s：%(title)s") % {"kind": inspection.get_kind_display(), "title": inspection.title},
        on=inspection.held_on,
        detail=_("%(summary)s\n发现问题%(n)d个。") % {"summary": summary, "n": findings},
        participants="、".join(audit.actor_label(user) for user in inspection.inspectors.all()),
        source=inspection,
    )
    return inspection


@transaction.atomic
def do_cancel_inspection(actor: Actor, inspection: Inspection, reason: str) -> Inspection:
    require_committee(actor, inspection.area)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    if inspection.findings.filter(rectification__isnull=False).exists():
        raise ValidationError(_("本次检查已下达整改通知，不能取消。"))
    sources, target = INSPECTION_TRANSITIONS["cancel"]
    if inspection.status not in sources:
        raise ValidationError(
            _("检查当前状态为“%(status)s”，不能执行该操作。") % {"status": inspection.get_status_display()}
        )
    before = inspection.status
    if not Inspection.objects.filter(pk=inspection.pk, status=before).update(status=target):
        raise ValidationError(_("该检查刚刚被其他人更新过，请刷新页面后再试。"), code="conflict")
    inspection.status = target
    audit.record(
        actor, AuditAction.UPDATE, target=inspection, changes={"status": [before, target]}, reason=reason
    )
    return inspection


# --- rectification notices ---------------------------------------------------------------------------


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last second of `day` in local time: a deadline "by 30 June" runs to the end of 30 June."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def rectification_category() -> CaseCategory:
    by_code = {c.code: c for c in CaseCategory.objects.filter(code__in=RECTIFICATION_CATEGORIES, active=True)}
    for code in RECTIFICATION_CATEGORIES:
        if code in by_code:
            return by_code[code]
    category = CaseCategory.objects.filter(active=True).order_by("position", "code").first()
    if category is None:
        raise ValidationError(_("没有可用的诉求分类，请先在诉求设置中启用分类。"))
    return category


def owner_units(area: Area) -> models.QuerySet[HandlingUnit]:
    """Units a notice may go to: those of the community and the areas above it, and those inside it."""
    return HandlingUnit.objects.filter(
        Q(area_id__in=area.ancestor_ids()) | Q(area__path__startswith=area.path)
    ).select_related("area")


def _check_owner(area: Area, owner: AbstractBaseUser | None, unit: HandlingUnit | None) -> None:
    if (owner is None) == (unit is None):
        raise ValidationError({"owner": _("请指定一名整改责任人或一个责任单位（二选一）。")})
    if owner is not None and not (owner.is_active and has_capability(owner, Cap.HANDLE_CASES, area)):
        raise ValidationError({"owner": _("整改责任人须为本社区可办理诉求的工作人员。")})
    if unit is not None and not owner_units(area).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("所选责任单位不在本社区范围内。")})


def next_number(year: int) -> str:
    """ZG<year>-<sequence>, the sequence counted per year across the platform."""
    prefix = f"ZG{year}-"
    last = (
        Rectification.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


@transaction.atomic
def check_issue_rectification(
    actor: Actor,
    finding: Finding,
    *,
    requirement: str,
    deadline: datetime.date,
    owner: AbstractBaseUser | None = None,
    unit: HandlingUnit | None = None,
) -> Rectification:
    """Order a finding rectified by a deadline (整改通知): open its case, dispatch it to the owner, fix the
    case's deadline to the notice's, and record the notice."""
    inspection = finding.inspection
    area = inspection.area
    require_committee(actor, area)
    if inspection.status not in HELD_STATUSES:
        raise ValidationError(_("只有已实施的检查发现的问题可以下达整改通知。"))
    if Rectification.objects.filter(finding=finding).exists():
        raise ValidationError(_("该问题已下达整改通知。"))
    requirement = requirement.strip()
    if len(requirement) < 5:
        raise ValidationError({"requirement": _("请写明整改要求（至少5个字）。")})
    if deadline <= timezone.localdate():
        raise ValidationError({"deadline": _("整改期限须晚于今天。")})
    _check_owner(area, owner, unit)
    number = next_number(timezone.localdate().year)
    case = cases.check_create_case(
        actor,
        cases.CaseInput(
            area=area,
            category=rectification_category(),
            description=_("%(finding)s\n\n整改要求：%(requirement)s\n整改期限：%(deadline)s")
            % {"finding": finding.description, "requirement": requirement, "deadline": deadline.isoformat()},
            channel=Channel.INSPECTION,
            title=_("整改通知 %(number)s：%(summary)s")
            % {"number": number, "summary": finding.description[:40]},
            source_type=RECTIFICATION_SOURCE,
            source_id=str(finding.pk),
        ),
    )
    note = _("居务监督委员会下达整改通知 %(number)s，整改期限 %(deadline)s。") % {
        "number": number,
        "deadline": deadline.isoformat(),
    }
    if case.status == CaseStatus.DISPATCHED:
        # A routing rule for the category already sent it somewhere: the committee names the owner, so the
        # automatic dispatch is taken back before the notice goes to its owner.
        cases.do_transition(actor, case, "return", note=_("整改通知由居务监督委员会指定责任人。"))
    cases.do_transition(actor, case, "dispatch", handler=owner, unit=unit, note=note)
    # The notice's deadline replaces the SLA deadline: the committee sets the time allowed for the
    # rectification (it may be weeks for works), not the hotline's time limits for the case's category.
    # The SLA job reads `due_at`, so an overdue notice is reminded and escalated (督办) like any case.
    due_at = end_of_day(deadline)
    Case.objects.filter(pk=case.pk).update(due_at=due_at)
    case.due_at = due_at
    try:
        with transaction.atomic():
            rectification = Rectification.objects.create(
                finding=finding,
                case=case,
                number=number,
                requirement=requirement,
                deadline=deadline,
                issued_by=actor,  # type: ignore[misc]
            )
    except IntegrityError as exc:
        raise ValidationError(_("整改通知编号冲突，请重新提交。"), code="conflict") from exc
    audit.record(
        actor,
        AuditAction.CREATE,
        target=rectification,
        area=area,
        changes={"deadline": [None, deadline.isoformat()], "case": [None, case.number]},
    )
    ledger.record_activity(
        actor,
        area,
        Activity.Kind.RECTIFICATION,
        _("下达整改通知 %(number)s") % {"number": number},
        detail=_("问题：%(finding)s\n整改要求：%(requirement)s\n整改期限：%(deadline)s")
        % {"finding": finding.description, "requirement": requirement, "deadline": deadline.isoformat()},
        source=rectification,
    )
    return rectification


def has_case_evidence(case: Case) -> bool:
    """Photos or files of the handling (not the intake photos) on the case."""
    return case.attachments.exclude(event__kind="received").exists()


@transaction.atomic
def do_verify_rectification(
    actor: Actor,
    rectification: Rectification,
    *,
    passed: bool,
    note: str,
    photos: Sequence[UploadedFile] = (),
    new_deadline: datetime.date | None = None,
) -> Rectification:
    """The committee's verification (验收) after the owner replied.

    Passed: the case is closed (if only replied) and rated satisfied. Failed: the case is rated unsatisfied
    and reopened to the same handler (重办) with the note, optionally with a new deadline.

    The case page lets only the intake office record a call-back rating, because the usual rating is the
    resident's. A rectification has no resident reporter: the committee's verification plays that role,
    so this action calls `do_transition` itself instead of going through `check_transition_permission`.
    """
    case = rectification.case
    area = rectification.finding.inspection.area
    require_committee(actor, area)
    if rectification.verdict == Rectification.Verdict.PASSED:
        raise ValidationError(_("该整改通知已验收通过。"))
    # A case already rated satisfied (e.g. by a call-back on the case page) can still be verified as passed;
    # it cannot be sent back any more.
    verifiable = {CaseStatus.REPLIED, CaseStatus.CLOSED} | ({CaseStatus.SATISFIED} if passed else set())
    if case.status not in verifiable:
        raise ValidationError(
            _("责任人答复整改情况后才能验收（当前状态：%(status)s）。")
            % {"status": case.get_status_display()},
            code="bad_state",
        )
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请填写验收意见。")})
    if new_deadline is not None and (passed or new_deadline <= timezone.localdate()):
        raise ValidationError({"new_deadline": _("新的整改期限须晚于今天，且仅在整改不到位时填写。")})
    checked_photos = cases.check_photos(photos) if photos else []
    if case.status == CaseStatus.REPLIED and not checked_photos and not has_case_evidence(case):
        raise ValidationError({"photos": _("责任人答复时未上传整改佐证，请上传验收现场照片。")})
    label = _("验收意见：%(note)s") % {"note": note}
    if case.status == CaseStatus.REPLIED:
        cases.do_transition(
            actor, case, "close", note=label, evidence=[upload for upload, _t in checked_photos]
        )
    if passed and case.status == CaseStatus.CLOSED:
        cases.do_transition(actor, case, "rate_satisfied", note=label, satisfaction=VERIFIED_PASSED_SCORE)
    elif not passed:
        cases.do_transition(actor, case, "rate_unsatisfied", note=label, satisfaction=VERIFIED_FAILED_SCORE)
        cases.do_transition(
            actor, case, "reopen", note=_("整改不到位，退回责任人重新整改：%(note)s") % {"note": note}
        )
        if new_deadline is not None:
            due_at = end_of_day(new_deadline)
            Case.objects.filter(pk=case.pk).update(due_at=due_at)
            case.due_at = due_at
    before = {"verdict": rectification.verdict, "deadline": rectification.deadline.isoformat()}
    rectification.verdict = Rectification.Verdict.PASSED if passed else Rectification.Verdict.FAILED
    rectification.verified_by = actor  # type: ignore[assignment]
    rectification.verified_at = timezone.now()
    rectification.verification_note = note
    if new_deadline is not None:
        rectification.deadline = new_deadline
    rectification.save(
        update_fields=["verdict", "verified_by", "verified_at", "verification_note", "deadline"]
    )
    changes: dict[str, list[Any]] = {"verdict": [before["verdict"], rectification.verdict]}
    if new_deadline is not None:
        changes["deadline"] = [before["deadline"], new_deadline.isoformat()]
    audit.record(actor, AuditAction.UPDATE, target=rectification, area=area, changes=changes)
    ledger.record_activity(
        actor,
        area,
        Activity.Kind.RECTIFICATION,
        _("验收整改通知 %(number)s：%(verdict)s")
        % {"number": rectification.number, "verdict": rectification.get_verdict_display()},
        detail=note,
        source=rectification,
    )
    return rectification


# --- report back (反馈通报) ----------------------------------------------------------------------------

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")


_NAME_RUN = re.compile(r"[\u4e00-\u9fff·]{2,}")
MAX_NAME_LENGTH = 8
NAME_LOOKUP_CHUNK = 500


def _name_candidates(text: str) -> list[str]:
    """Every run of 2–8 Chinese characters in the text: the names it might contain."""
    found: set[str] = set()
    for run in _NAME_RUN.findall(text):
        for size in range(2, min(MAX_NAME_LENGTH, len(run)) + 1):
            for start in range(len(run) - size + 1):
                found.add(run[start : start + size])
    return sorted(found)


def public_text(text: str, area: Area) -> str:
    """Free text fit for a public notice: ID numbers, mobile numbers and the names of residents of the
    area replaced by the platform's one mask of each (yangguang.lib.masking).

    Names are found by looking the text's runs of Chinese characters up in the registry (indexed), rather
    than by loading every resident's name: a street has tens of thousands of residents, a notice a few
    hundred characters."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    candidates = _name_candidates(text)
    names: set[str] = set()
    for offset in range(0, len(candidates), NAME_LOOKUP_CHUNK):
        chunk = candidates[offset : offset + NAME_LOOKUP_CHUNK]
        names.update(
            Person.objects.filter(area__path__startswith=area.path, name__in=chunk).values_list(
                "name", flat=True
            )
        )
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def rectification_payload(rectification: Rectification, feedback: str) -> dict[str, Any]:
    """The masked public projection of a notice: no owner, no resident, no contact details."""
    finding = rectification.finding
    area = finding.inspection.area
    return {
        "community": area.name,
        "number": rectification.number,
        "problem": public_text(finding.description, area),
        "severity": finding.get_severity_display(),
        "requirement": public_text(rectification.requirement, area),
        "deadline": rectification.deadline.isoformat(),
        "outcome": rectification.get_verdict_display(),
        "verified_on": timezone.localdate(rectification.verified_at).isoformat()
        if rectification.verified_at
        else None,
        "feedback": public_text(feedback, area),
    }


@transaction.atomic
def do_report_rectification(actor: Actor, rectification: Rectification, text: str) -> Disclosure:
    """Report the outcome back (反馈通报) once verified: a disclosure draft for the committee to sign."""
    area = rectification.finding.inspection.area
    require_committee(actor, area)
    if rectification.verdict == Rectification.Verdict.PENDING:
        raise ValidationError(_("整改通知验收后才能反馈通报。"))
    if rectification.reported_at is not None:
        raise ValidationError(_("该整改通知已反馈通报。"))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请填写反馈通报内容。")})
    payload = rectification_payload(rectification, text)
    disclosure = ledger.do_create_disclosure(
        actor,
        area,
        DISCLOSURE_KIND,
        _("整改情况反馈通报（%(number)s）") % {"number": rectification.number},
        payload,
        body=payload["feedback"],
        source=rectification,
    )
    rectification.feedback = text
    rectification.reported_at = timezone.now()
    rectification.save(update_fields=["feedback", "reported_at"])
    audit.record(
        actor, AuditAction.UPDATE, target=rectification, area=area, changes={"reported": [False, True]}
    )
    ledger.record_activity(
        actor,
        area,
        Activity.Kind.RECTIFICATION,
        _("反馈通报整改通知 %(number)s") % {"number": rectification.number},
        detail=text,
        source=rectification,
    )
    return disclosure


def rectification_is_overdue(rectification: Rectification, today: datetime.date | None = None) -> bool:
    """Past its deadline, not verified as done, and the owner has not replied (as for cases: a reply stops
    the clock). Runs no query when the case is loaded."""
    today = today or timezone.localdate()
    if rectification.verdict == Rectification.Verdict.PASSED:
        return False
    status = rectification.case.status
    return status in OPEN_STATUSES and status != CaseStatus.REPLIED and rectification.deadline < today


def evidence_of_findings(findings: Sequence[Finding]) -> dict[int, list[Evidence]]:
    """Evidence files per finding, in one query."""
    from yangguang.core.models import Evidence

    by_finding: dict[int, list[Evidence]] = defaultdict(list)
    if not findings:
        return by_finding
    rows = Evidence.objects.filter(target_type="finding", target_id__in=[str(f.pk) for f in findings])
    for evidence in rows.order_by("uploaded_at", "id"):
        by_finding[int(evidence.target_id)].append(evidence)
    return by_finding
