"""Finance vouchers (报账凭证) and the committee's sign-off.

The chain of DOMAIN.md: staff submit a voucher with its receipts → the supervision committee reviews and
signs it (审核签字) → a second staff member co-signs (会签, the two-person rule: never the person who
prepared it) → the accountant posts it (入账). The committee or the co-signer may reject it with a reason;
staff correct it and submit it again. `VOUCHER_TRANSITIONS` (models/supervision.py) is the one table of
allowed steps; `do_voucher_transition` is the one place that moves a voucher, with a conditional UPDATE on
the current status so that two people pressing the same button cannot both succeed.

Nothing is disclosed as final without the committee's sign-off: `disclosable_vouchers` returns only posted
vouchers the committee signed, and the monthly finance disclosure refuses a month in which any voucher is
still waiting for (or was refused) that signature.

A voucher abandoned before anyone co-signed it is voided (作废) by finance staff with a reason: the step
ends the chain (a voided voucher is never edited or moved on again), writes a line in the committee's
ledger so the committee sees it, and releases the month — the monthly disclosure lists it as voided
instead of waiting for it forever.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, ledger
from yangguang.core.actions.inspections import public_text
from yangguang.core.models import (
    Activity,
    Area,
    AreaKind,
    AuditAction,
    Disclosure,
    PowerItem,
    Voucher,
)
from yangguang.core.models.supervision import VOUCHER_TRANSITIONS, VoucherStatus
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    Actor = AbstractBaseUser | AnonymousUser | None

# The largest amount the column holds (max_digits=14, decimal_places=2).
MAX_AMOUNT = Decimal("999999999999.99")
DISCLOSURE_KIND = "finance_monthly"
# Steps whose reason is required (a rejection must say what to correct, a voiding why it was abandoned).
NOTE_REQUIRED = {"reject", "void"}
# Voiding ends the chain rather than moving a voucher along it: the voucher page offers it apart from the
# steps (`may_void`), so `permitted_steps` lists the chain's steps only.
VOID = "void"
# A welfare project's spending line (projects.SOURCE_TYPE). The project pages count every voucher that was
# not rejected as spent, so such a voucher is not voided here: its project would still count it.
PROJECT_SOURCE = "project"


# --- amounts ---------------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:¥|￥|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(raw: str | Decimal | int) -> Decimal:
    """An amount in yuan as a positive Decimal with at most two decimals.

    Accepts what people type: "1200.50", "1,200.50", "¥300", "￥ 300 元", full-width digits. Commas must
    group thousands ("1,2,00" is refused rather than guessed). Raises ValidationError with a Chinese message
    for anything else.
    """
    if isinstance(raw, bool):
        raise ValidationError({"amount": _("请填写正确的金额，例如 1200.50。")})
    if isinstance(raw, int):
        raw = Decimal(raw)
    if isinstance(raw, Decimal):
        text = format(raw, "f")
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        text = _CURRENCY.sub("", text).strip().replace(" ", "")
    if not text:
        raise ValidationError({"amount": _("请填写金额。")})
    if text.startswith("-"):
        raise ValidationError({"amount": _("金额须大于零。")})
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValidationError({"amount": _("金额格式不正确：千分位逗号的位置不对。")})
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        raise ValidationError({"amount": _("请填写正确的金额，例如 1200.50。")})
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already rules this out
        raise ValidationError({"amount": _("请填写正确的金额，例如 1200.50。")}) from exc
    if amount <= 0:
        raise ValidationError({"amount": _("金额须大于零。")})
    if amount > MAX_AMOUNT:
        raise ValidationError({"amount": _("金额过大，请核对。")})
    cents = amount.quantize(Decimal("0.01"))
    if cents != amount:
        raise ValidationError({"amount": _("金额最多保留两位小数（到分）。")})
    return cents


# --- payees ----------------------------------------------------------------------------------------------

# Words that mark a payee as an organisation. The voucher has no "payee is a person" field (see the report
# of issue #4), so public notices decide by name: anything not recognisably an organisation is treated as a
# private individual and masked. Erring that way only ever hides a company's name, never shows a person's.
ORGANISATION_MARKERS = (
    "公司",
    "有限",
    "集团",
    "合作社",
    "委员会",
    "中心",
    "协会",
    "商会",
    "基金会",
    "社区",
    "街道",
    "政府",
    "医院",
    "卫生院",
    "诊所",
    "学校",
    "幼儿园",
    "大学",
    "学院",
    "银行",
    "信用社",
    "超市",
    "商店",
    "商行",
    "商贸",
    "门市",
    "药房",
    "药店",
    "酒店",
    "宾馆",
    "餐厅",
    "饭店",
    "工厂",
    "厂",
    "事务所",
    "工作室",
    "经营部",
    "服务部",
    "营业部",
    "供电",
    "供水",
    "自来水",
    "燃气",
    "电信",
    "移动",
    "联通",
    "物业",
    "局",
    "站",
    "店",
)


def payee_is_organisation(payee: str) -> bool:
    """Whether a payee's name is recognisably an organisation (see ORGANISATION_MARKERS)."""
    name = payee.strip()
    return any(marker in name for marker in ORGANISATION_MARKERS)


def public_payee(payee: str) -> str:
    """The payee as a public notice shows it: organisations in full, individuals masked (张*丰)."""
    return payee.strip() if payee_is_organisation(payee) else mask_name(payee)


# --- submitting ------------------------------------------------------------------------------------------


@dataclass
class VoucherInput:
    """What staff enter for a voucher. `amount` may be text as typed; `receipts` are uploaded files."""

    area: Area
    number: str
    spent_on: datetime.date | None
    amount: str | Decimal
    payee: str
    purpose: str
    power_item: PowerItem | None = None
    receipts: list[UploadedFile] = field(default_factory=list)
    source_type: str = ""
    source_id: str = ""


def power_item_applies(item: PowerItem, area: Area) -> bool:
    """A power-list item a community may book a voucher under: one that applies there by the catalogue's
    one rule (`catalogue.effective_items`: its adopted items, else its district's, else the platform's)."""
    from yangguang.core.actions.catalogue import effective_items

    if not item.active:
        return False
    return effective_items(area, "power").filter(pk=item.pk).exists()


def voucher_warnings(voucher: Voucher) -> list[str]:
    """Things worth a second look that do not stop the voucher (runs no query beyond the loaded item)."""
    warnings: list[str] = []
    item = voucher.power_item
    if item is not None and not item.applies_to(voucher.amount):
        band = _band(item)
        warnings.append(
            _("金额 ¥%(amount)s 不在权力事项“%(item)s”的金额范围（%(band)s）内，请确认事项选择是否正确。")
            % {"amount": voucher.amount, "item": item.name, "band": band}
        )
    return warnings


def _band(item: PowerItem) -> str:
    if item.amount_min is not None and item.amount_max is not None:
        return _("¥%(low)s至¥%(high)s") % {"low": item.amount_min, "high": item.amount_max}
    if item.amount_min is not None:
        return _("¥%(low)s 以上") % {"low": item.amount_min}
    if item.amount_max is not None:
        return _("¥%(high)s 以下") % {"high": item.amount_max}
    return _("不限")


def _check_fields(
    data: VoucherInput, *, exclude_pk: int | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validated voucher fields and per-field errors (collected, so the form shows them all at once)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    number = data.number.strip()
    if not number:
        errors.setdefault("number", []).append(_("请填写凭证号。"))
    elif len(number) > 30:
        errors.setdefault("number", []).append(_("凭证号不能超过30个字符。"))
    else:
        clash = Voucher.objects.filter(area=data.area, number=number)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors.setdefault("number", []).append(
                _("本社区已有凭证号为“%(number)s”的凭证，凭证号不能重复。") % {"number": number}
            )
    values["number"] = number
    if data.spent_on is None:
        errors.setdefault("spent_on", []).append(_("请填写支出日期。"))
    elif data.spent_on > timezone.localdate():
        errors.setdefault("spent_on", []).append(_("支出日期不能晚于今天。"))
    values["spent_on"] = data.spent_on
    try:
        values["amount"] = parse_amount(data.amount)
    except ValidationError as exc:
        errors.setdefault("amount", []).extend(exc.message_dict["amount"])
    for name, label, limit in (("payee", _("收款方"), 100), ("purpose", _("用途"), 300)):
        text = " ".join(str(getattr(data, name)).split())
        if not text:
            errors.setdefault(name, []).append(_("请填写%(label)s。") % {"label": label})
        elif len(text) > limit:
            errors.setdefault(name, []).append(
                _("%(label)s不能超过%(n)d个字符。") % {"label": label, "n": limit}
            )
        values[name] = text
    item = data.power_item
    if item is not None and not power_item_applies(item, data.area):
        errors.setdefault("power_item", []).append(_("所选权力事项不适用于本社区或已停用。"))
    values["power_item"] = item
    return values, errors


def require_finance(actor: Actor, area: Area) -> None:
    if actor is None or not has_capability(actor, Cap.MANAGE_FINANCE, area):
        raise PermissionDenied(_("只有本社区工作人员可以办理报账。"))


def check_submit_voucher(actor: Actor, data: VoucherInput) -> Voucher:
    """Validate a new voucher and its receipts, then create it. Everything or nothing is saved."""
    require_finance(actor, data.area)
    if data.area.kind not in (AreaKind.COMMUNITY, AreaKind.VILLAGE):
        raise ValidationError({"area": _("报账凭证须登记在社区或村。")})
    values, errors = _check_fields(data)
    if not data.receipts:
        errors.setdefault("receipts", []).append(_("请上传至少一张票据或收据：没有票据的凭证不能提交。"))
        checked: list[tuple[UploadedFile, str]] = []
    else:
        try:
            checked = ledger.check_evidence(data.receipts)
        except ValidationError as exc:
            errors.setdefault("receipts", []).extend(exc.message_dict.get("evidence", exc.messages))
            checked = []
    if errors:
        raise ValidationError(errors)
    return do_submit_voucher(actor, data, values, checked)


def do_submit_voucher(
    actor: Actor, data: VoucherInput, values: dict[str, Any], receipts: list[tuple[UploadedFile, str]]
) -> Voucher:
    now = timezone.now()
    voucher = Voucher(
        area=data.area,
        source_type=data.source_type,
        source_id=data.source_id,
        status=VoucherStatus.SUBMITTED,
        submitted_by=_user(actor),
        **values,
    )
    voucher.history = [_history_entry(actor, "submit", "", now)]
    try:
        with transaction.atomic():
            voucher.save()
            ledger.do_attach_evidence(actor, data.area, voucher, receipts)
            audit.record(actor, AuditAction.CREATE, target=voucher, changes=_created(voucher))
    except IntegrityError as exc:
        # Two people saving the same number at once: the unique constraint decides.
        raise ValidationError(
            {
                "number": _("本社区已有凭证号为“%(number)s”的凭证，凭证号不能重复。")
                % {"number": voucher.number}
            }
        ) from exc
    return voucher


def _created(voucher: Voucher) -> dict[str, list[Any]]:
    return {
        key: [None, value]
        for key, value in audit.public(audit.snapshot(voucher)).items()
        if key in {"number", "spent_on", "amount", "payee", "purpose", "power_item", "status"}
    }


# --- the chain -------------------------------------------------------------------------------------------


def step_label(step: str) -> str:
    labels = {
        "submit": _("提交"),
        "review": _("监委会审核签字"),
        "cosign": _("会签"),
        "post": _("入账"),
        "reject": _("退回"),
        "resubmit": _("修改后重新提交"),
        "void": _("作废"),
    }
    return labels.get(step, step)


def preparer_ids(voucher: Voucher) -> set[int]:
    """Everyone who prepared the voucher: its submitter and whoever corrected and resubmitted it. None of
    them may review or co-sign it (the two-person rule)."""
    ids = {
        int(entry["by_id"])
        for entry in voucher.history
        if entry.get("step") in {"submit", "resubmit"} and entry.get("by_id")
    }
    if voucher.submitted_by_id is not None:
        ids.add(int(voucher.submitted_by_id))
    return ids


def _is_preparer(actor: Actor, voucher: Voucher) -> bool:
    return actor is not None and actor.pk is not None and int(actor.pk) in preparer_ids(voucher)


def check_step_permission(actor: Actor, voucher: Voucher, name: str) -> None:
    """Who may take each step; raises PermissionDenied with the reason. The status is checked separately
    (`allowed_steps`), so a page can offer exactly the steps that are both allowed and permitted."""
    area = voucher.area
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    if name == "review" or (name == "reject" and voucher.status == VoucherStatus.SUBMITTED):
        if not has_capability(actor, Cap.SUPERVISE, area):
            raise PermissionDenied(_("只有本社区居务监督委员会成员可以审核签字或退回待审核的凭证。"))
        if _is_preparer(actor, voucher):
            raise PermissionDenied(_("经办人不能审核自己提交的凭证。"))
        return
    if name in {"cosign", "reject"}:
        if not has_capability(actor, Cap.MANAGE_FINANCE, area):
            raise PermissionDenied(_("只有本社区工作人员可以会签。"))
        if _is_preparer(actor, voucher):
            raise PermissionDenied(_("经办人不能会签自己提交的凭证，须由另一名工作人员会签。"))
        return
    if name in {"post", "resubmit", VOID}:
        require_finance(actor, area)
        return
    raise PermissionDenied(_("未知的报账操作。"))


def allowed_steps(voucher: Voucher) -> list[str]:
    """The steps the transition table allows from the voucher's status (no permission check)."""
    return [name for name, (sources, _target) in VOUCHER_TRANSITIONS.items() if voucher.status in sources]


def permitted_steps(actor: Actor, voucher: Voucher) -> list[str]:
    """The chain's steps the actor may take now (voiding is offered apart: `may_void`)."""
    steps = []
    for name in allowed_steps(voucher):
        if name == VOID:
            continue
        try:
            check_step_permission(actor, voucher, name)
        except PermissionDenied:
            continue
        steps.append(name)
    return steps


def void_refusal(voucher: Voucher) -> str:
    """Why the voucher cannot be voided as it stands ("" when it can; no permission check, no query)."""
    if voucher.status not in VOUCHER_TRANSITIONS[VOID][0]:
        return _("凭证当前状态为“%(status)s”，不能作废：只有尚未会签的凭证可以作废。") % {
            "status": voucher.get_status_display()
        }
    if voucher.source_type == PROJECT_SOURCE:
        return _("这是惠民项目的支出凭证，不能在报账中作废；请退回后更正。")
    return ""


def may_void(actor: Actor, voucher: Voucher) -> bool:
    """Whether the voucher page offers the actor the voiding form."""
    if void_refusal(voucher):
        return False
    try:
        check_step_permission(actor, voucher, VOID)
    except PermissionDenied:
        return False
    return True


def do_voucher_transition(
    actor: Actor,
    voucher: Voucher,
    name: str,
    note: str = "",
    *,
    corrections: VoucherInput | None = None,
) -> Voucher:
    """Apply one step of the voucher chain.

    Raises PermissionDenied when the actor may not take the step, ValidationError (Chinese message) when the
    status does not allow it, a reason is missing, the corrections of a resubmission are invalid, or someone
    else moved the voucher first (the conditional UPDATE found nothing in the expected status).
    """
    if name not in VOUCHER_TRANSITIONS:
        raise ValidationError(_("未知的报账操作。"))
    check_step_permission(actor, voucher, name)
    sources, target = VOUCHER_TRANSITIONS[name]
    if voucher.status not in sources:
        raise ValidationError(
            _("凭证当前状态为“%(status)s”，不能执行“%(step)s”。")
            % {"status": voucher.get_status_display(), "step": step_label(name)},
            code="bad_state",
        )
    if name == VOID and voucher.source_type == PROJECT_SOURCE:
        raise ValidationError(void_refusal(voucher), code="bad_state")
    note = note.strip()
    if name == VOID and not note:
        raise ValidationError({"note": _("请填写作废理由，说明这张凭证为什么不再办理。")})
    if name in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("请填写退回理由，说明需要更正的内容。")})
    now = timezone.now()
    from_status = voucher.status
    changes: dict[str, Any] = {"status": target}
    if name == "review":
        changes.update(reviewed_by=_user(actor), reviewed_at=now, review_opinion=note)
    elif name == "cosign":
        changes.update(cosigned_by=_user(actor), cosigned_at=now)
    elif name == "post":
        changes.update(posted_by=_user(actor), posted_at=now)
    elif name == "reject":
        changes.update(reject_reason=note)
    elif name == VOID:
        changes.update(voided_by=_user(actor), voided_at=now, void_reason=note)
    elif name == "resubmit":
        # The corrected voucher is a new document for the committee: the earlier signatures lapse (they
        # stay in the history).
        changes.update(
            reviewed_by=None,
            reviewed_at=None,
            review_opinion="",
            cosigned_by=None,
            cosigned_at=None,
            reject_reason="",
        )
        changes.update(_corrections(voucher, corrections))
    before = audit.snapshot(voucher)
    entry = _history_entry(actor, name, note, now)
    with transaction.atomic():
        # The conditional UPDATE is the lock: if someone else moved the voucher meanwhile, nothing happens.
        current = Voucher.objects.select_for_update().filter(pk=voucher.pk, status=from_status).first()
        if current is None:
            raise ValidationError(_("该凭证刚刚被其他人处理过，请刷新页面后再试。"), code="conflict")
        changes["history"] = [*current.history, entry]
        claimed = Voucher.objects.filter(pk=voucher.pk, status=from_status).update(**changes)
        if not claimed:  # pragma: no cover - select_for_update holds the row where the database can
            raise ValidationError(_("该凭证刚刚被其他人处理过，请刷新页面后再试。"), code="conflict")
        for key, value in changes.items():
            setattr(voucher, key, value)
        if name == "resubmit" and corrections is not None and corrections.receipts:
            ledger.do_attach_evidence(
                actor, voucher.area, voucher, ledger.check_evidence(corrections.receipts)
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=voucher,
            changes=_changes(before, voucher, name),
            reason=note,
        )
        if name == "review" or (name == "reject" and from_status == VoucherStatus.SUBMITTED):
            _ledger_line(actor, voucher, name, note)
        elif name == VOID:
            _void_ledger_line(actor, voucher, from_status, note)
    return voucher


def _changes(before: dict[str, Any], voucher: Voucher, name: str) -> dict[str, list[Any]]:
    """The audit entry's changes: the fields that moved and the step (the history is the voucher's own
    record and would only repeat itself)."""
    changes = audit.diff(before, audit.snapshot(voucher))
    changes.pop("history", None)
    changes["step"] = [None, name]
    return changes


def _corrections(voucher: Voucher, corrections: VoucherInput | None) -> dict[str, Any]:
    """The corrected fields of a resubmission (none given: resubmitted unchanged, e.g. after a receipt was
    found to be legible after all)."""
    if corrections is None:
        return {}
    values, errors = _check_fields(corrections, exclude_pk=voucher.pk)
    if corrections.receipts:
        try:
            ledger.check_evidence(corrections.receipts)
        except ValidationError as exc:
            errors.setdefault("receipts", []).extend(exc.message_dict.get("evidence", exc.messages))
    if errors:
        raise ValidationError(errors)
    return values


def _ledger_line(actor: Actor, voucher: Voucher, name: str, note: str) -> None:
    if name == "review":
        title = _("审核签字报账凭证 %(number)s（¥%(amount)s）") % {
            "number": voucher.number,
            "amount": voucher.amount,
        }
    else:
        title = _("退回报账凭证 %(number)s（¥%(amount)s）") % {
            "number": voucher.number,
            "amount": voucher.amount,
        }
    ledger.record_activity(
        actor,
        voucher.area,
        Activity.Kind.REVIEW,
        title,
        detail=note,
        participants=audit.actor_label(actor),
        source=voucher,
    )


def _void_ledger_line(actor: Actor, voucher: Voucher, from_status: str, reason: str) -> None:
    """A voided voucher goes into the committee's ledger although staff voided it: money that was asked
    for and then not paid is exactly what the committee watches (a voucher it had signed included)."""
    title = _("报账凭证 %(number)s（¥%(amount)s）已作废") % {
        "number": voucher.number,
        "amount": voucher.amount,
    }
    detail = _("作废前状态：%(status)s。作废理由：%(reason)s") % {
        "status": VoucherStatus(from_status).label,
        "reason": reason,
    }
    ledger.record_activity(
        actor,
        voucher.area,
        Activity.Kind.OTHER,
        title,
        detail=detail,
        participants=audit.actor_label(actor),
        source=voucher,
    )


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _history_entry(actor: Actor, step: str, note: str, now: datetime.datetime) -> dict[str, Any]:
    return {
        "at": now.isoformat(),
        "by": audit.actor_label(actor),
        "by_id": actor.pk if actor is not None and actor.is_authenticated else None,
        "step": step,
        "note": note,
    }


# --- disclosure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(datetime.date(year, month, 1), datetime.date(year, month, last))

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"


def vouchers_of(area: Area, period: Period) -> models.QuerySet[Voucher]:
    return Voucher.objects.filter(
        area__path__startswith=area.path, spent_on__gte=period.start, spent_on__lte=period.end
    )


def disclosable_vouchers(area: Area, period: Period) -> models.QuerySet[Voucher]:
    """The vouchers of `area` in `period` that may be disclosed as final: posted, and signed by the
    committee. Nothing is disclosed as final without the committee's sign-off — this query is the one place
    that says so (the same condition as `Voucher.committee_signed`, as a filter)."""
    return (
        vouchers_of(area, period)
        .filter(status=VoucherStatus.POSTED, reviewed_at__isnull=False)
        .order_by("spent_on", "number", "pk")
    )


def unsigned_vouchers(area: Area, period: Period) -> models.QuerySet[Voucher]:
    """Vouchers of the period the committee has not signed: waiting for review, or rejected and not yet
    corrected. Either way the month's accounts are not final. A voided voucher is final: not listed."""
    return (
        vouchers_of(area, period)
        .filter(status__in=[VoucherStatus.SUBMITTED, VoucherStatus.REJECTED])
        .order_by("spent_on", "number", "pk")
    )


def voided_vouchers(area: Area, period: Period) -> models.QuerySet[Voucher]:
    """The vouchers of `area` in `period` that were voided: disclosed as voided, never as spent."""
    return vouchers_of(area, period).filter(status=VoucherStatus.VOID).order_by("spent_on", "number", "pk")


def finance_payload(
    area: Area, period: Period, vouchers: list[Voucher], voided: list[Voucher] | None = None
) -> dict[str, Any]:
    """The public projection of a month's posted vouchers: no submitter, no receipts, individuals masked.
    Voided vouchers, if any, follow under "voided" (number, amount, the reason with ID numbers, mobile
    numbers and residents' names masked); they are not in the totals."""
    total = sum((v.amount for v in vouchers), Decimal("0"))
    payload: dict[str, Any] = {
        "period": period.label,
        "area": area.name,
        "vouchers": [
            {
                "number": v.number,
                "date": v.spent_on.isoformat(),
                "amount": str(v.amount),
                "payee": public_payee(v.payee),
                "purpose": v.purpose,
            }
            for v in vouchers
        ],
        "totals": {"count": len(vouchers), "amount": str(total)},
    }
    if voided:
        payload["voided"] = [
            {"number": v.number, "amount": str(v.amount), "void_reason": public_text(v.void_reason, area)}
            for v in voided
        ]
    return payload


def check_create_finance_disclosure(actor: Actor, area: Area, year: int, month: int) -> Disclosure:
    """Draft the monthly finance disclosure (财务月度公开) of `area` from its posted, committee-signed
    vouchers, and the month's voided vouchers listed as voided. Refuses while any voucher of the month is
    unsigned by the committee (listing them; voided ones are final and do not count), for a month that
    has not begun, a month with neither posted nor voided vouchers, and a month that already has a
    disclosure (unless it was withdrawn). The committee then signs the draft (`ledger.do_sign_disclosure`)."""
    require_finance(actor, area)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationError({"month": _("请选择正确的年月。")})
    period = Period.month(year, month)
    if period.start > timezone.localdate():
        raise ValidationError({"month": _("不能公开尚未开始的月份。")})
    pending = list(unsigned_vouchers(area, period))
    if pending:
        listed = "、".join(f"{v.number}（{v.get_status_display()}）" for v in pending)
        raise ValidationError(
            _("%(period)s 还有 %(n)d 张凭证未经监委会审核签字：%(list)s。请先完成审核或更正后再公开。")
            % {"period": period.label, "n": len(pending), "list": listed},
            code="unsigned",
        )
    existing = Disclosure.objects.filter(
        area=area, kind=DISCLOSURE_KIND, payload__period=period.label
    ).exclude(status=Disclosure.Status.WITHDRAWN)
    if existing.exists():
        raise ValidationError(_("%(period)s 的财务公开已经生成，请勿重复生成。") % {"period": period.label})
    vouchers = list(disclosable_vouchers(area, period))
    voided = list(voided_vouchers(area, period))
    if not vouchers and not voided:
        raise ValidationError(_("%(period)s 没有已入账的凭证，无需公开。") % {"period": period.label})
    payload = finance_payload(area, period, vouchers, voided)
    title = _("%(area)s %(year)d年%(month)d月财务收支公开") % {
        "area": area.name,
        "year": year,
        "month": month,
    }
    body = _("本月已入账支出凭证 %(n)d 张，合计 ¥%(total)s，均经居务监督委员会审核签字。") % {
        "n": len(vouchers),
        "total": payload["totals"]["amount"],
    }
    if voided:
        body += _("另有作废凭证 %(n)d 张，未入账、不计入合计，一并列出作废理由。") % {"n": len(voided)}
    return ledger.do_create_disclosure(actor, area, DISCLOSURE_KIND, title, payload, body=body)
