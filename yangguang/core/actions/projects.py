"""Welfare projects (惠民项目) under the committee's supervision.

A project is decided (a use of a power-list item, or a recorded meeting), procured (quotes, one chosen as
the contract), carried out (progress reports with photos, 施工动态), paid line by line and accepted with a
count on site. Every payment is a voucher submitted through `vouchers.check_submit_voucher`, so nothing is
paid without the committee's sign-off. What the committee checks on a project (what was decided,
contracted, paid, reported and counted, explained line by line) is in `project_checks`; the committee can
turn a problem line into an inspection finding (and from there a rectification notice) with
`check_open_finding`. Seed 000's clothes-rack project is the model: 34 racks paid for, 30 counted.

Who may do what: staff with Cap.MANAGE_PROJECTS at the community change projects (spending also needs
MANAGE_FINANCE, which `check_submit_voucher` checks); VIEW_WELFARE or VIEW_SUPERVISION reads them; the
committee (SUPERVISE) opens findings. Residents rate a project on the portal (`check_leave_feedback`).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Avg, Count, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, inspections, ledger, vouchers
from yangguang.core.models import (
    Activity,
    Area,
    AuditAction,
    Finding,
    Inspection,
    PowerItem,
    PowerUse,
    Project,
    ProjectAcceptance,
    ProjectFeedback,
    ProjectProgress,
    ProjectQuote,
    ProjectSpending,
    Voucher,
    VoucherStatus,
)
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    User = AbstractBaseUser | AnonymousUser
    Actor = AbstractBaseUser | AnonymousUser | None

Status = Project.Status

# Residents' feedback: at most this many ratings of one project per IP address per hour.
FEEDBACK_LIMIT_PER_HOUR = 3
FEEDBACK_WINDOW_SECONDS = 3600
MAX_FEEDBACK_COMMENT = 500
MAX_QUANTITY = Decimal("9999999999.99")

# The project lifecycle: step → (allowed from-statuses, to-status). "accept" is taken only by recording a
# passed acceptance (`check_record_acceptance`), never as a bare button.
PROJECT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "procure": (frozenset({Status.PLANNED}), Status.PROCUREMENT),
    "start": (frozenset({Status.PROCUREMENT}), Status.IN_PROGRESS),
    "accept": (frozenset({Status.IN_PROGRESS}), Status.ACCEPTED),
    "close": (frozenset({Status.ACCEPTED}), Status.CLOSED),
    "cancel": (frozenset({Status.PLANNED, Status.PROCUREMENT}), Status.CANCELLED),
}
MANUAL_STEPS = ("procure", "start", "close", "cancel")
EDITABLE = frozenset({Status.PLANNED, Status.PROCUREMENT, Status.IN_PROGRESS, Status.ACCEPTED})
QUOTING = frozenset({Status.PLANNED, Status.PROCUREMENT})
SPENDING = frozenset({Status.IN_PROGRESS, Status.ACCEPTED})
REPORTING = frozenset({Status.IN_PROGRESS, Status.ACCEPTED})
PROGRESS_PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
SOURCE_TYPE = "project"


def step_label(step: str) -> str:
    labels = {
        "procure": _("开始采购"),
        "start": _("开工实施"),
        "accept": _("验收"),
        "close": _("结项"),
        "cancel": _("取消项目"),
    }
    return labels.get(step, step)


# --- access ----------------------------------------------------------------------------------------------


def reader_paths(user: User) -> list[str]:
    """Areas where the user reads projects: welfare readers and supervision readers alike."""
    return sorted(
        set(jurisdiction_paths(user, Cap.VIEW_WELFARE) + jurisdiction_paths(user, Cap.VIEW_SUPERVISION))
    )


def may_read(user: User, area: Area) -> bool:
    return has_capability(user, Cap.VIEW_WELFARE, area) or has_capability(user, Cap.VIEW_SUPERVISION, area)


def visible_projects(user: User) -> models.QuerySet[Project]:
    return Project.objects.in_areas(reader_paths(user))


def access_project(user: User, pk: object) -> Project:
    """The only way a view loads a project: 404 for anyone who may not read it."""
    if not user.is_authenticated:
        raise Http404
    try:
        project = (
            Project.objects.select_related("area__parent", "power_item", "decision__item", "created_by")
            .filter(pk=int(str(pk)))
            .first()
        )
    except ValueError as exc:
        raise Http404 from exc
    if project is None:
        raise Http404
    if not may_read(user, project.area):
        raise Http404
    return project


def may_manage(user: Actor, area: Area) -> bool:
    return user is not None and has_capability(user, Cap.MANAGE_PROJECTS, area)


def require_manager(actor: Actor, area: Area) -> None:
    if not may_manage(actor, area):
        raise PermissionDenied(_("只有本社区工作人员可以办理惠民项目。"))


# --- numbers ---------------------------------------------------------------------------------------------


def yuan(amount: Decimal | None) -> str:
    return f"¥{(amount or Decimal(0)):,.2f}"


def qty(amount: Decimal | None) -> str:
    """A quantity without trailing zeros: 34.00 → "34", 12.50 → "12.5"."""
    if amount is None:
        return "—"
    text = format(amount.normalize(), "f")
    return text


def parse_money(raw: str | Decimal | int | None, field: str, label: str) -> Decimal:
    """An amount in yuan (vouchers.parse_amount's rules), its errors keyed by `field` and naming `label`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    try:
        return vouchers.parse_amount(raw)
    except ValidationError as exc:
        messages = [f"{label}：{message}" for message in exc.message_dict.get("amount", exc.messages)]
        raise ValidationError({field: messages}) from exc


_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_quantity(
    raw: str | Decimal | int | None, field: str, label: str, *, allow_zero: bool = False
) -> Decimal | None:
    """A quantity (empty → None): a number ≥ 0 (or > 0) with at most two decimals."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError({field: _("%(label)s须为数字。") % {"label": label}})
    text = format(raw, "f") if isinstance(raw, Decimal | int) else unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    if text.startswith("-"):
        raise ValidationError({field: _("%(label)s不能为负数。") % {"label": label}})
    if not _NUMBER.fullmatch(text):
        raise ValidationError({field: _("%(label)s须为数字，例如 34 或 12.5。") % {"label": label}})
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern rules this out
        raise ValidationError({field: _("%(label)s须为数字。") % {"label": label}}) from exc
    if value > MAX_QUANTITY:
        raise ValidationError({field: _("%(label)s过大，请核对。") % {"label": label}})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({field: _("%(label)s最多保留两位小数。") % {"label": label}})
    if value == 0 and not allow_zero:
        raise ValidationError({field: _("%(label)s须大于零。") % {"label": label}})
    return value.quantize(Decimal("0.01"))


def _collect(errors: dict[str, list[str]], exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        errors.setdefault(field, []).extend(messages)


def _text(raw: str, limit: int) -> str:
    return " ".join(str(raw or "").split())[:limit] if limit else str(raw or "").strip()


# --- creating and editing --------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    """What staff enter for a project. Amounts and quantities may be text as typed."""

    area: Area
    title: str
    budget: str | Decimal
    funding_source: str
    description: str = ""
    power_item: PowerItem | None = None
    decision: PowerUse | None = None
    decision_meeting: str = ""
    decided_on: datetime.date | None = None
    unit_name: str = ""
    planned_quantity: str | Decimal | None = None
    unit_price: str | Decimal | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


def _check_project(data: ProjectInput) -> dict[str, Any]:
    """Validated project fields; every problem at once, in Chinese, keyed by field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, label, limit in (("title", _("项目名称"), 200), ("funding_source", _("资金来源"), 200)):
        text = _text(getattr(data, name), 0)
        if not text:
            errors.setdefault(name, []).append(_("请填写%(label)s。") % {"label": label})
        elif len(text) > limit:
            errors.setdefault(name, []).append(
                _("%(label)s不能超过%(n)d个字。") % {"label": label, "n": limit}
            )
        values[name] = text
    values["description"] = str(data.description or "").strip()
    budget: Decimal | None = None
    try:
        budget = parse_money(data.budget, "budget", _("预算"))
    except ValidationError as exc:
        _collect(errors, exc)
    values["budget"] = budget
    unit_name = _text(data.unit_name, 0)
    if len(unit_name) > 20:
        errors.setdefault("unit_name", []).append(_("计量单位不能超过20个字。"))
    values["unit_name"] = unit_name
    planned: Decimal | None = None
    price: Decimal | None = None
    try:
        planned = parse_quantity(data.planned_quantity, "planned_quantity", _("计划数量"))
    except ValidationError as exc:
        _collect(errors, exc)
    if data.unit_price not in (None, ""):
        try:
            price = parse_money(data.unit_price, "unit_price", _("单价"))
        except ValidationError as exc:
            _collect(errors, exc)
    if planned is not None and not unit_name:
        errors.setdefault("unit_name", []).append(
            _("填写了计划数量，请同时填写计量单位（例如：个、米、套）。")
        )
    if price is not None and planned is None and "planned_quantity" not in errors:
        errors.setdefault("planned_quantity", []).append(_("填写了单价，请同时填写计划数量。"))
    if planned is not None and price is not None and budget is not None and planned * price > budget:
        errors.setdefault("unit_price", []).append(
            _(
                "计划数量%(q)s%(unit)s × 单价%(price)s = %(total)s，超过预算%(budget)s，请核对数量、单价或预算。"
            )
            % {
                "q": qty(planned),
                "unit": unit_name,
                "price": yuan(price),
                "total": yuan(planned * price),
                "budget": yuan(budget),
            }
        )
    values.update(planned_quantity=planned, unit_price=price)
    item = data.power_item
    if item is not None and not vouchers.power_item_applies(item, data.area):
        errors.setdefault("power_item", []).append(_("所选权力事项不适用于本社区或已停用。"))
    values["power_item"] = item
    decision = data.decision
    if decision is not None and decision.area_id != data.area.pk:
        errors.setdefault("decision", []).append(_("所选决策记录不属于本社区。"))
    values["decision"] = decision
    meeting = _text(data.decision_meeting, 0)
    if len(meeting) > 200:
        errors.setdefault("decision_meeting", []).append(_("决策会议不能超过200个字。"))
    if meeting and data.decided_on is None:
        errors.setdefault("decided_on", []).append(_("记录了决策会议，请同时填写决策日期。"))
    if data.decided_on is not None and not meeting:
        errors.setdefault("decision_meeting", []).append(
            _("填写了决策日期，请同时写明是哪次会议作出的决定。")
        )
    if data.decided_on is not None and data.decided_on > timezone.localdate():
        errors.setdefault("decided_on", []).append(_("决策日期不能晚于今天。"))
    values.update(decision_meeting=meeting, decided_on=data.decided_on)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.setdefault("ends_on", []).append(_("计划完工日期不能早于开工日期。"))
    values.update(starts_on=data.starts_on, ends_on=data.ends_on)
    if errors:
        raise ValidationError(errors)
    return values


def project_warnings(project: Project) -> list[str]:
    """Worth a second look, not refused (no query beyond the loaded power item)."""
    item = project.power_item
    if item is None or item.applies_to(project.budget):
        return []
    return [
        _("预算%(budget)s不在权力事项“%(item)s”的金额范围（%(band)s）内，请确认事项选择是否正确。")
        % {"budget": yuan(project.budget), "item": item.name, "band": vouchers._band(item)}
    ]


@transaction.atomic
def check_create_project(actor: Actor, data: ProjectInput) -> Project:
    require_manager(actor, data.area)
    if not data.area.is_community:
        raise ValidationError({"area": _("惠民项目须登记在社区或村。")})
    values = _check_project(data)
    project = Project.objects.create(
        area=data.area,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        **values,
    )
    audit.record(actor, AuditAction.CREATE, target=project, changes=_public_changes({}, project))
    return project


@transaction.atomic
def check_update_project(actor: Actor, project: Project, data: ProjectInput) -> Project:
    """Edit a project's fields; its community never changes (`data.area` is ignored)."""
    require_manager(actor, project.area)
    if project.status not in EDITABLE:
        raise ValidationError(
            _("项目当前状态为“%(status)s”，不能再修改。") % {"status": project.get_status_display()}
        )
    values = _check_project(replace(data, area=project.area))
    before = audit.snapshot(project)
    for key, value in values.items():
        setattr(project, key, value)
    project.save(update_fields=list(values))
    changes = audit.diff(before, audit.snapshot(project))
    if changes:
        audit.record(actor, AuditAction.UPDATE, target=project, changes=changes)
    return project


def _public_changes(before: dict[str, Any], project: Project) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), value] for key, value in audit.public(audit.snapshot(project)).items() if value
    }


# --- the lifecycle ---------------------------------------------------------------------------------------


def allowed_steps(project: Project) -> list[str]:
    return [name for name in MANUAL_STEPS if project.status in PROJECT_TRANSITIONS[name][0]]


def _check_state(project: Project, name: str) -> None:
    if project.status not in PROJECT_TRANSITIONS[name][0]:
        raise ValidationError(
            _("项目当前状态为“%(status)s”，不能执行“%(step)s”。")
            % {"status": project.get_status_display(), "step": step_label(name)},
            code="bad_state",
        )


def _move(actor: Actor, project: Project, name: str, reason: str = "") -> Project:
    """Apply one step with a conditional UPDATE on the current status (two clicks cannot both apply)."""
    _check_state(project, name)
    target = PROJECT_TRANSITIONS[name][1]
    before = project.status
    if not Project.objects.filter(pk=project.pk, status=before).update(status=target):
        raise ValidationError(_("该项目刚刚被其他人更新过，请刷新页面后再试。"), code="conflict")
    project.status = target
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=project,
        changes={"status": [before, target], "step": [None, name]},
        reason=reason,
    )
    return project


@transaction.atomic
def do_project_transition(actor: Actor, project: Project, name: str, reason: str = "") -> Project:
    """Move a project along PROJECT_TRANSITIONS (except "accept": see `check_record_acceptance`)."""
    require_manager(actor, project.area)
    if name not in MANUAL_STEPS:
        raise ValidationError(_("未知的项目操作。"))
    reason = reason.strip()
    _check_state(project, name)
    if name == "cancel" and not reason:
        raise ValidationError({"reason": _("请填写取消项目的原因。")})
    if name == "start" and not project.contractor:
        raise ValidationError(_("请先在报价中选定承建/供货单位，再开工实施。"))
    if name == "close":
        pending = list(unsigned_spendings(project))
        if pending:
            raise ValidationError(
                _("还有%(n)d张支出凭证未经居务监督委员会审核签字（%(list)s），不能结项。")
                % {"n": len(pending), "list": "、".join(s.voucher.number for s in pending)}
            )
    return _move(actor, project, name, reason)


# --- procurement -----------------------------------------------------------------------------------------


@transaction.atomic
def check_add_quote(
    actor: Actor,
    project: Project,
    *,
    supplier: str,
    amount: str | Decimal,
    received_on: datetime.date | None,
    note: str = "",
) -> ProjectQuote:
    require_manager(actor, project.area)
    if project.status not in QUOTING:
        raise ValidationError(_("只有立项或采购阶段的项目可以登记报价。"))
    errors: dict[str, list[str]] = {}
    supplier = _text(supplier, 0)
    if not supplier:
        errors.setdefault("supplier", []).append(_("请填写报价单位。"))
    elif len(supplier) > 200:
        errors.setdefault("supplier", []).append(_("报价单位不能超过200个字。"))
    elif project.quotes.filter(supplier=supplier).exists():
        errors.setdefault("supplier", []).append(
            _("已登记过“%(s)s”的报价：每家单位只登记一份报价（比价按单位计数）。") % {"s": supplier}
        )
    value: Decimal | None = None
    try:
        value = parse_money(amount, "amount", _("报价"))
    except ValidationError as exc:
        _collect(errors, exc)
    if received_on is None:
        errors.setdefault("received_on", []).append(_("请填写报价日期。"))
    elif received_on > timezone.localdate():
        errors.setdefault("received_on", []).append(_("报价日期不能晚于今天。"))
    note = _text(note, 0)
    if len(note) > 300:
        errors.setdefault("note", []).append(_("说明不能超过300个字。"))
    if errors:
        raise ValidationError(errors)
    assert received_on is not None and value is not None  # noqa: S101 - checked above
    quote = ProjectQuote.objects.create(
        project=project, supplier=supplier, amount=value, received_on=received_on, note=note
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=quote,
        area=project.area,
        changes={"project": [None, project.pk], "supplier": [None, supplier], "amount": [None, str(value)]},
    )
    return quote


@transaction.atomic
def do_choose_quote(actor: Actor, quote: ProjectQuote) -> ProjectQuote:
    """Choose the quote that becomes the contract: sets the contractor and the contract amount. Fewer
    quotes than the rule wants is allowed (see `project_checks.DEFAULT_QUOTE_THRESHOLD`) and flagged by
    the checks."""
    project = quote.project
    require_manager(actor, project.area)
    if project.status != Status.PROCUREMENT:
        raise ValidationError(_("只有采购阶段的项目可以选定报价；请先“开始采购”。"))
    if quote.amount > project.budget:
        raise ValidationError(
            _("报价%(amount)s超过项目预算%(budget)s，不能选定；如确需调整，请先修改预算。")
            % {"amount": yuan(quote.amount), "budget": yuan(project.budget)}
        )
    before = {"contractor": project.contractor, "contract_amount": project.contract_amount}
    project.quotes.exclude(pk=quote.pk).filter(chosen=True).update(chosen=False)
    ProjectQuote.objects.filter(pk=quote.pk).update(chosen=True)
    quote.chosen = True
    project.contractor = quote.supplier
    project.contract_amount = quote.amount
    project.save(update_fields=["contractor", "contract_amount"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=project,
        changes={
            "contractor": [before["contractor"], quote.supplier],
            "contract_amount": [
                str(before["contract_amount"]) if before["contract_amount"] is not None else None,
                str(quote.amount),
            ],
        },
    )
    return quote


# --- spending (every payment through the committee's sign-off) -------------------------------------------


def live_spendings(project: Project) -> models.QuerySet[ProjectSpending]:
    """Spending lines whose voucher was not rejected (a rejected one is being corrected: not paid)."""
    return project.spendings.exclude(voucher__status=VoucherStatus.REJECTED)


def unsigned_spendings(project: Project) -> models.QuerySet[ProjectSpending]:
    """Lines whose voucher the committee has not signed: waiting for review, or rejected."""
    return (
        project.spendings.filter(voucher__status__in=[VoucherStatus.SUBMITTED, VoucherStatus.REJECTED])
        .select_related("voucher")
        .order_by("created_at", "pk")
    )


def spent_total(project: Project) -> Decimal:
    total = live_spendings(project).aggregate(total=Sum("voucher__amount"))["total"]
    return total or Decimal(0)


def check_add_spending(
    actor: Actor,
    project: Project,
    voucher_data: vouchers.VoucherInput,
    description: str,
    quantity: str | Decimal | None,
    files: Sequence[UploadedFile],
) -> ProjectSpending:
    """A spending line: submits a voucher (source "project") through `vouchers.check_submit_voucher` —
    so it waits for the committee's signature like any other — and links it. Nothing is saved unless both
    the line and the voucher are valid; all errors come back together."""
    require_manager(actor, project.area)
    if project.status not in SPENDING:
        raise ValidationError(
            _("项目开工实施后才能登记支出（当前状态：%(s)s）。") % {"s": project.get_status_display()}
        )
    errors: dict[str, list[str]] = {}
    description = _text(description, 0)
    if not description:
        errors.setdefault("description", []).append(_("请填写支出内容。"))
    elif len(description) > 300:
        errors.setdefault("description", []).append(_("支出内容不能超过300个字。"))
    amount: Decimal | None = None
    try:
        amount = parse_quantity(quantity, "quantity", _("数量"))
    except ValidationError as exc:
        _collect(errors, exc)
    if amount is not None and not project.unit_name:
        errors.setdefault("quantity", []).append(_("本项目没有设置计量单位，不需要填写数量。"))
    data = replace(
        voucher_data,
        area=project.area,
        source_type=SOURCE_TYPE,
        source_id=str(project.pk),
        receipts=list(files),
    )
    with transaction.atomic():
        voucher: Voucher | None = None
        try:
            voucher = vouchers.check_submit_voucher(actor, data)
        except ValidationError as exc:
            _collect(errors, exc)
        if errors or voucher is None:
            # Raising inside the block rolls the voucher back when only the line was wrong.
            raise ValidationError(errors)
        spending = ProjectSpending.objects.create(
            project=project, voucher=voucher, description=description, quantity=amount
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            target=spending,
            area=project.area,
            changes={
                "project": [None, project.pk],
                "voucher": [None, voucher.number],
                "amount": [None, str(voucher.amount)],
                "quantity": [None, str(amount) if amount is not None else None],
            },
        )
    return spending


# --- progress reports (施工动态) -------------------------------------------------------------------------


def last_progress(project: Project) -> ProjectProgress | None:
    return project.progress_reports.order_by("-on", "-id").first()


def last_quantity_done(project: Project) -> Decimal | None:
    result = project.progress_reports.aggregate(top=models.Max("quantity_done"))["top"]
    return result if isinstance(result, Decimal) else None


@transaction.atomic
def check_add_progress(
    actor: Actor,
    project: Project,
    *,
    on: datetime.date | None,
    text: str,
    quantity_done: str | Decimal | None = None,
    public: bool = True,
    photos: Sequence[UploadedFile] = (),
    over_note: str = "",
) -> ProjectProgress:
    """A progress report with its photos and the cumulative quantity done, which never goes down and may
    pass the planned quantity only with a note saying why."""
    require_manager(actor, project.area)
    if project.status not in REPORTING:
        raise ValidationError(_("项目开工实施后才能发布施工动态。"))
    errors: dict[str, list[str]] = {}
    text = str(text or "").strip()
    if not text:
        errors.setdefault("text", []).append(_("请填写进展情况。"))
    elif len(text) > 2000:
        errors.setdefault("text", []).append(_("进展情况不能超过2000字。"))
    latest = last_progress(project)
    today = timezone.localdate()
    if on is None:
        errors.setdefault("on", []).append(_("请填写日期。"))
    elif on > today:
        errors.setdefault("on", []).append(_("日期不能晚于今天。"))
    elif latest is not None and on < latest.on:
        errors.setdefault("on", []).append(
            _("日期不能早于上一条施工动态（%(d)s）。") % {"d": latest.on.isoformat()}
        )
    done: Decimal | None = None
    try:
        done = parse_quantity(quantity_done, "quantity_done", _("累计完成数量"), allow_zero=True)
    except ValidationError as exc:
        _collect(errors, exc)
    if done is not None and not project.unit_name:
        errors.setdefault("quantity_done", []).append(_("本项目没有设置计量单位，不需要填写数量。"))
    previous = last_quantity_done(project)
    if done is not None and previous is not None and done < previous:
        errors.setdefault("quantity_done", []).append(
            _("累计完成数量不能减少：上次报告已完成%(prev)s%(unit)s，本次填写%(now)s%(unit)s。")
            % {"prev": qty(previous), "now": qty(done), "unit": project.unit_name}
        )
    over_note = str(over_note or "").strip()
    planned = project.planned_quantity
    if done is not None and planned is not None and done > planned and not over_note:
        errors.setdefault("over_note", []).append(
            _("累计完成数量%(now)s%(unit)s超过计划数量%(plan)s%(unit)s，请说明原因。")
            % {"now": qty(done), "plan": qty(planned), "unit": project.unit_name}
        )
    checked: list[tuple[UploadedFile, str]] = []
    try:
        checked = ledger.check_evidence(list(photos))
    except ValidationError as exc:
        errors.setdefault("photos", []).extend(exc.message_dict.get("evidence", exc.messages))
    for upload, content_type in checked:
        if content_type not in PROGRESS_PHOTO_TYPES:
            errors.setdefault("photos", []).append(
                _("“%(name)s”不是照片：施工动态只能上传 JPG 或 PNG 照片。") % {"name": upload.name}
            )
    if errors:
        raise ValidationError(errors)
    assert on is not None  # noqa: S101 - checked above
    if done is not None and planned is not None and done > planned:
        text = _("%(text)s\n（超出计划数量的说明：%(note)s）") % {"text": text, "note": over_note}
    progress = ProjectProgress.objects.create(
        project=project,
        on=on,
        text=text,
        quantity_done=done,
        public=public,
        reported_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    ledger.do_attach_evidence(actor, project.area, progress, checked)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=progress,
        area=project.area,
        changes={
            "project": [None, project.pk],
            "quantity_done": [None, str(done) if done is not None else None],
            "photos": [None, len(checked)],
            "public": [None, public],
        },
    )
    return progress


def progress_photos(reports: Sequence[ProjectProgress]) -> dict[int, list[Any]]:
    """Photos per progress report, in one query."""
    by_report: dict[int, list[Any]] = {report.pk: [] for report in reports}
    if not reports:
        return by_report
    from yangguang.core.models import Evidence

    rows = Evidence.objects.filter(
        target_type="projectprogress", target_id__in=[str(report.pk) for report in reports]
    ).order_by("uploaded_at", "id")
    for evidence in rows:
        by_report.setdefault(int(evidence.target_id), []).append(evidence)
    return by_report


# --- acceptance (验收) -----------------------------------------------------------------------------------


@transaction.atomic
def check_record_acceptance(
    actor: Actor,
    project: Project,
    *,
    on: datetime.date | None,
    quantity_counted: str | Decimal | None,
    passed: bool,
    notes: str = "",
    participants: str = "",
) -> ProjectAcceptance:
    """Record the acceptance with what was counted on site. Passed: the project becomes "已验收". Not
    passed: it stays in progress and the acceptance can be recorded again after the works are fixed (the
    earlier result stays in the audit trail)."""
    require_manager(actor, project.area)
    if project.status != Status.IN_PROGRESS:
        raise ValidationError(_("只有实施中的项目可以验收。"))
    errors: dict[str, list[str]] = {}
    if on is None:
        errors.setdefault("on", []).append(_("请填写验收日期。"))
    elif on > timezone.localdate():
        errors.setdefault("on", []).append(_("验收日期不能晚于今天。"))
    counted: Decimal | None = None
    try:
        counted = parse_quantity(quantity_counted, "quantity_counted", _("实地清点数量"), allow_zero=True)
    except ValidationError as exc:
        _collect(errors, exc)
    if counted is None and project.planned_quantity is not None and "quantity_counted" not in errors:
        errors.setdefault("quantity_counted", []).append(
            _("本项目按%(unit)s计量，请填写实地清点的数量。") % {"unit": project.unit_name}
        )
    participants = _text(participants, 0)
    if not participants:
        errors.setdefault("participants", []).append(_("请填写参加验收的人员。"))
    elif len(participants) > 300:
        errors.setdefault("participants", []).append(_("参加验收人员不能超过300个字。"))
    notes = str(notes or "").strip()
    if not passed and not notes:
        errors.setdefault("notes", []).append(_("验收不合格，请在验收意见中写明问题。"))
    if errors:
        raise ValidationError(errors)
    assert on is not None  # noqa: S101 - checked above
    user = actor if actor is not None and actor.is_authenticated else None
    values = {
        "on": on,
        "quantity_counted": counted,
        "passed": passed,
        "notes": notes,
        "participants": participants,
        "recorded_by": user,
    }
    existing = ProjectAcceptance.objects.filter(project=project).first()
    if existing is None:
        acceptance = ProjectAcceptance.objects.create(project=project, **values)
        before: dict[str, Any] = {}
    else:
        before = audit.snapshot(existing)
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        acceptance = existing
    changes = audit.diff(before, audit.snapshot(acceptance))
    audit.record(
        actor,
        AuditAction.CREATE if existing is None else AuditAction.UPDATE,
        target=acceptance,
        area=project.area,
        changes=changes,
    )
    project.acceptance = acceptance
    if passed:
        _move(actor, project, "accept")
    return acceptance


# --- residents' feedback ---------------------------------------------------------------------------------


def publicly_visible(project: Project) -> bool:
    """Whether residents may see the project on the portal: every one that is not cancelled (no query)."""
    return project.status != Status.CANCELLED


def public_projects() -> models.QuerySet[Project]:
    """The projects the portal shows (the query form of `publicly_visible`): its lists, a project's page
    and its photos all start here."""
    return Project.objects.exclude(status=Status.CANCELLED)


def _flood_key(project: Project, ip: str | None) -> str:
    # The IP is hashed: the cache never holds a resident's address in clear.
    digest = hashlib.sha256((ip or "unknown").encode()).hexdigest()[:32]
    return f"project-feedback:{project.pk}:{digest}"


def check_leave_feedback(project: Project, *, score: object, comment: str, ip: str | None) -> ProjectFeedback:
    """A resident's rating (1–5) and comment (≤500 characters) from the portal. At most
    FEEDBACK_LIMIT_PER_HOUR per project per IP address: the case intake's flood limit counts Case rows
    by their stored IP, and a feedback row keeps no IP at all, so a small cache counter (keyed by a hash
    of the IP) does the job here. Phone and ID numbers and residents' names in the comment are masked
    before it is stored: the feedback row keeps no personal data. (Its audit entry records the request's
    IP, as every audit entry does.)"""
    if not publicly_visible(project):
        raise ValidationError(_("该项目已取消，不再收集评价。"))
    errors: dict[str, list[str]] = {}
    try:
        value = int(str(score))
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        errors.setdefault("score", []).append(_("请选择1到5分的评分。"))
    comment = str(comment or "").strip()
    if len(comment) > MAX_FEEDBACK_COMMENT:
        errors.setdefault("comment", []).append(
            _("意见不能超过%(n)d个字（现在%(len)d个字）。") % {"n": MAX_FEEDBACK_COMMENT, "len": len(comment)}
        )
    if errors:
        raise ValidationError(errors)
    key = _flood_key(project, ip)
    if int(cache.get(key, 0)) >= FEEDBACK_LIMIT_PER_HOUR:
        raise ValidationError(_("您对该项目的评价提交过于频繁，请一小时后再试。"), code="rate_limited")
    with transaction.atomic():
        feedback = ProjectFeedback.objects.create(
            project=project, score=value, comment=inspections.public_text(comment, project.area)
        )
        audit.record(
            None, AuditAction.CREATE, target=feedback, area=project.area, changes={"score": [None, value]}
        )
    if cache.add(key, 1, FEEDBACK_WINDOW_SECONDS) is False:
        try:
            cache.incr(key)
        except ValueError:  # the entry expired in between
            cache.set(key, 1, FEEDBACK_WINDOW_SECONDS)
    return feedback


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: Decimal | None
    by_score: dict[int, int]


def feedback_summary(project: Project) -> FeedbackSummary:
    """Count, average and distribution of the residents' scores (two queries)."""
    stats = project.feedback.aggregate(n=Count("id"), avg=Avg("score"))
    by_score = {score: 0 for score in range(5, 0, -1)}
    for row in project.feedback.values("score").annotate(n=Count("id")).order_by():
        by_score[int(row["score"])] = row["n"]
    average = Decimal(str(stats["avg"])).quantize(Decimal("0.1")) if stats["avg"] is not None else None
    return FeedbackSummary(count=stats["n"] or 0, average=average, by_score=by_score)


# --- the committee: from a problem line to a finding -----------------------------------------------------


def finding_marker(project: Project) -> str:
    """How a finding's text names its project for a reader: "（项目编号 P12）". Not translated. The link
    itself is `Finding.project`; migration 0012 set it on older findings by parsing this marker."""
    return f"（项目编号 P{project.pk}）"


def project_findings(project: Project) -> models.QuerySet[Finding]:
    return (
        Finding.objects.filter(project=project)
        .select_related("inspection", "rectification")
        .order_by("created_at", "pk")
    )


def open_inspections(project: Project) -> models.QuerySet[Inspection]:
    """Inspections of the project's community being held now: a finding may be added to one of them."""
    return Inspection.objects.filter(area_id=project.area_id, status=Inspection.Status.IN_PROGRESS).order_by(
        "-planned_on", "-pk"
    )


@transaction.atomic
def check_open_finding(
    actor: Actor,
    project: Project,
    key: str,
    *,
    severity: str = Finding.Severity.MINOR,
    inspection: Inspection | None = None,
) -> Finding:
    """The committee turns a problem line of `project_checks` into an inspection finding: added to an
    inspection of the community being held, or else to a new targeted inspection (专项检查) of the project
    that is planned and started at once with the line as its checkpoint. The finding then goes on like any
    other: `inspections.check_issue_rectification` orders it rectified."""
    # Imported here, not at the top: project_checks reads this module's helpers (yuan, live_spendings …),
    # so a top-level import would be a cycle.
    from yangguang.core.actions.project_checks import project_checks

    inspections.require_committee(actor, project.area)
    problems = {line.key: line for line in project_checks(project) if not line.ok}
    line = problems.get(key)
    if line is None:
        raise ValidationError(_("该检查项目前没有发现问题，无需立为检查发现。"))
    description = _("惠民项目“%(title)s”%(marker)s：%(text)s") % {
        "title": project.title,
        "marker": finding_marker(project),
        "text": line.text,
    }
    if Finding.objects.filter(project=project, description=description).exists():
        raise ValidationError(_("该问题已经立为检查发现，请在检查记录中跟进。"))
    checkpoint = None
    if inspection is None:
        inspection = inspections.check_plan_inspection(
            actor,
            project.area,
            kind=Inspection.Kind.TARGETED,
            title=_("惠民项目专项检查：%(title)s") % {"title": project.title},
            planned_on=timezone.localdate(),
            points=[line.text[:300]],
            inspectors=[actor] if actor is not None and actor.is_authenticated else [],  # type: ignore[list-item]
        )
        inspections.do_start_inspection(actor, inspection)
        checkpoint = inspection.checks.order_by("position", "pk").first()
    elif inspection.area_id != project.area_id:
        raise ValidationError({"inspection": _("所选检查不是本社区的检查。")})
    elif inspection.status != Inspection.Status.IN_PROGRESS:
        raise ValidationError({"inspection": _("只能把问题记入正在进行的检查。")})
    finding = inspections.check_add_finding(
        actor, inspection, description=description, severity=severity, checkpoint=checkpoint, project=project
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=project,
        changes={"finding": [None, finding.pk], "check": [None, key]},
        reason=line.text,
    )
    ledger.record_activity(
        actor,
        project.area,
        Activity.Kind.INSPECTION,
        _("核查惠民项目“%(title)s”发现问题") % {"title": project.title},
        detail=line.text,
        participants=audit.actor_label(actor),
        source=finding,
    )
    return finding


# --- lists -----------------------------------------------------------------------------------------------


def with_spent(queryset: models.QuerySet[Project]) -> models.QuerySet[Project]:
    """Annotate each project with `spent` (vouchers not rejected), in the same query."""
    return queryset.annotate(
        spent=Sum("spendings__voucher__amount", filter=~Q(spendings__voucher__status=VoucherStatus.REJECTED))
    )
