"""The committee's explainable checks of a welfare project (惠民项目).

`project_checks` compares what was decided, contracted, paid, reported and counted, and explains each
line in Chinese (`CheckLine`): money (spent against budget and contract), quantities (paid against
counted, reported and planned), vouchers the committee has not signed, the decision and its meeting, and
the quotes (三家比价: the rule of `quote_threshold` and MIN_QUOTES, which procurement may break and these
checks flag). Seed 000's clothes-rack project is the model: 34 racks paid for, 30 counted.

The checks only read. The project itself — lifecycle, procurement, spending, progress, acceptance,
residents' feedback — and the committee's step from a problem line to an inspection finding
(`projects.check_open_finding`) are in `projects`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from yangguang.core.actions.projects import (
    last_quantity_done,
    live_spendings,
    project_warnings,
    qty,
    unsigned_spendings,
    yuan,
)
from yangguang.core.models import Project, ProjectAcceptance
from yangguang.core.models.supervision import MEETING_RANK, MeetingType

# Contracts above this amount need at least MIN_QUOTES quotes (三家比价). ¥50,000 is a common local rule
# (many provinces' 村级小型工程 rules, and the platform's own power item QL-XM-01 "小型工程和维修项目
# （¥50,000及以下）" lists 三家比价 as a step); a deployment can set PROJECT_QUOTE_THRESHOLD. Choosing a
# contract with fewer quotes is allowed (a sole supplier exists) but flagged by `project_checks`.
DEFAULT_QUOTE_THRESHOLD = Decimal("50000")
MIN_QUOTES = 3


def quote_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "PROJECT_QUOTE_THRESHOLD", DEFAULT_QUOTE_THRESHOLD)))


def quotes_missing(project: Project, quote_count: int) -> bool:
    """A contract above the threshold chosen from fewer than MIN_QUOTES quotes (no query)."""
    amount = project.contract_amount
    return amount is not None and amount > quote_threshold() and quote_count < MIN_QUOTES


# --- checks ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckLine:
    """One line of `project_checks`: a stable key (to open a finding from it), ok or problem, and why."""

    key: str
    ok: bool
    text: str


def meeting_kind_of(text: str) -> str | None:
    """The meeting type a recorded meeting's name says (居民代表会议 → representatives …), or None."""
    if not text:
        return None
    if "代表会议" in text or "代表大会" in text:
        return MeetingType.REPRESENTATIVES
    if any(word in text for word in ("居民会议", "村民会议", "居（村）民会议", "居(村)民会议", "民大会")):
        return MeetingType.ASSEMBLY
    if "联席会议" in text or "两委" in text:
        return MeetingType.JOINT
    return None


def meeting_label(kind: str) -> str:
    return str(MeetingType(kind).label) if kind in MeetingType.values else kind


def _gap_text(gap: dict[str, Any]) -> str:
    detail = gap.get("detail") or []
    kind = gap.get("kind")
    if kind == "steps":
        return _("缺少流程步骤：%(s)s") % {"s": "、".join(str(d) for d in detail)}
    if kind == "meeting":
        return _("应召开%(need)s，实际为%(held)s") % {
            "need": meeting_label(str(detail[0])),
            "held": meeting_label(str(detail[1])),
        }
    if kind == "evidence":
        return _("缺少材料：%(s)s") % {"s": "、".join(str(d) for d in detail)}
    if kind == "amount":
        return _("金额¥%(a)s不在事项金额范围内") % {"a": detail[0] if detail else ""}
    return str(detail)


def _money_lines(project: Project, spent: Decimal) -> list[CheckLine]:
    lines = []
    if spent > project.budget:
        lines.append(
            CheckLine(
                "budget",
                False,
                _("已报账%(spent)s，超出预算%(budget)s共%(over)s。")
                % {
                    "spent": yuan(spent),
                    "budget": yuan(project.budget),
                    "over": yuan(spent - project.budget),
                },
            )
        )
    else:
        lines.append(
            CheckLine(
                "budget",
                True,
                _("已报账%(spent)s，未超出预算%(budget)s。")
                % {"spent": yuan(spent), "budget": yuan(project.budget)},
            )
        )
    contract = project.contract_amount
    if contract is not None:
        if spent > contract:
            lines.append(
                CheckLine(
                    "contract",
                    False,
                    _("已报账%(spent)s，超出合同金额%(contract)s共%(over)s。")
                    % {"spent": yuan(spent), "contract": yuan(contract), "over": yuan(spent - contract)},
                )
            )
        else:
            lines.append(
                CheckLine(
                    "contract",
                    True,
                    _("已报账%(spent)s，未超出合同金额%(contract)s。")
                    % {"spent": yuan(spent), "contract": yuan(contract)},
                )
            )
    return lines


def _quantity_lines(
    project: Project, paid: Decimal | None, reported: Decimal | None, acceptance: ProjectAcceptance | None
) -> list[CheckLine]:
    unit = project.unit_name
    planned = project.planned_quantity
    counted = acceptance.quantity_counted if acceptance is not None else None
    lines: list[CheckLine] = []
    if not unit and paid is None and counted is None:
        return lines
    words = {"paid": qty(paid), "counted": qty(counted), "reported": qty(reported), "planned": qty(planned)}
    if paid is not None and counted is not None:
        if paid > counted:
            lines.append(
                CheckLine(
                    "quantity_counted",
                    False,
                    _("已支付%(paid)s%(unit)s，验收清点%(counted)s%(unit)s，相差%(gap)s%(unit)s")
                    % {**words, "unit": unit, "gap": qty(paid - counted)},
                )
            )
        else:
            lines.append(
                CheckLine(
                    "quantity_counted",
                    True,
                    _("已支付%(paid)s%(unit)s，验收清点%(counted)s%(unit)s，数量相符")
                    % {**words, "unit": unit},
                )
            )
    if paid is not None and planned is not None and paid > planned:
        lines.append(
            CheckLine(
                "quantity_planned",
                False,
                _("已支付%(paid)s%(unit)s，超过计划数量%(planned)s%(unit)s") % {**words, "unit": unit},
            )
        )
    if reported is not None and counted is not None and reported != counted:
        lines.append(
            CheckLine(
                "quantity_reported",
                False,
                _("施工动态报告累计完成%(reported)s%(unit)s，验收清点%(counted)s%(unit)s，两者不一致")
                % {**words, "unit": unit},
            )
        )
    if counted is None and paid is not None and reported is not None and paid > reported:
        lines.append(
            CheckLine(
                "quantity_ahead",
                False,
                _("已支付%(paid)s%(unit)s，施工动态报告累计仅完成%(reported)s%(unit)s，付款超前于进度")
                % {**words, "unit": unit},
            )
        )
    if counted is None and paid is None and planned is not None:
        lines.append(
            CheckLine(
                "quantity_pending",
                True,
                _("计划%(planned)s%(unit)s，尚未付款或验收清点。") % {**words, "unit": unit},
            )
        )
    return lines


def _decision_lines(project: Project) -> list[CheckLine]:
    use = project.decision
    item = project.power_item
    lines: list[CheckLine] = []
    held: str | None = None
    if use is not None:
        held = use.meeting_held
        gaps = use.compliance_gaps()
        if gaps:
            lines.append(
                CheckLine(
                    "decision",
                    False,
                    _("决策记录“%(title)s”不完整：%(gaps)s。")
                    % {"title": use.title, "gaps": "；".join(_gap_text(gap) for gap in gaps)},
                )
            )
        else:
            lines.append(
                CheckLine(
                    "decision",
                    True,
                    _("决策记录“%(title)s”（%(date)s）流程、会议和材料齐全。")
                    % {"title": use.title, "date": use.decided_on.isoformat()},
                )
            )
        if item is not None and use.item_id != item.pk:
            lines.append(
                CheckLine(
                    "decision_item",
                    False,
                    _("决策记录所用权力事项“%(used)s”与项目的权力事项“%(item)s”不一致。")
                    % {"used": use.item.name, "item": item.name},
                )
            )
    elif project.decision_meeting and project.decided_on:
        held = meeting_kind_of(project.decision_meeting)
        lines.append(
            CheckLine(
                "decision",
                True,
                _("决策会议：%(m)s（%(d)s）。")
                % {"m": project.decision_meeting, "d": project.decided_on.isoformat()},
            )
        )
    else:
        lines.append(CheckLine("decision", False, _("未记录决策依据（权力运行记录或决策会议及日期）。")))
    if item is not None:
        required = item.meeting_required
        if MEETING_RANK.get(required, 0) > 0:
            if held is None:
                lines.append(
                    CheckLine(
                        "meeting",
                        False,
                        _("权力事项“%(item)s”要求召开%(need)s，未能确认召开了该会议。")
                        % {"item": item.name, "need": meeting_label(required)},
                    )
                )
            elif MEETING_RANK.get(held, 0) < MEETING_RANK.get(required, 0):
                lines.append(
                    CheckLine(
                        "meeting",
                        False,
                        _("权力事项“%(item)s”要求召开%(need)s，实际召开的是%(held)s。")
                        % {"item": item.name, "need": meeting_label(required), "held": meeting_label(held)},
                    )
                )
            else:
                lines.append(
                    CheckLine(
                        "meeting",
                        True,
                        _("权力事项要求召开%(need)s，已召开%(held)s。")
                        % {"need": meeting_label(required), "held": meeting_label(held)},
                    )
                )
        if not item.applies_to(project.budget):
            lines.append(CheckLine("band", False, project_warnings(project)[0]))
    return lines


def project_checks(project: Project) -> list[CheckLine]:
    """What the committee checks on a project, line by line: money (spent vs budget and contract),
    quantities (paid vs counted vs reported vs planned), vouchers not yet signed by the committee, the
    decision and its meeting, the quotes. A fixed handful of queries (spending and quantities, acceptance,
    progress, unsigned vouchers, quotes) whatever the project's size."""
    lines: list[CheckLine] = []
    live = live_spendings(project).aggregate(spent=Sum("voucher__amount"), paid=Sum("quantity"))
    spent = live["spent"] or Decimal(0)
    paid = live["paid"]
    lines.extend(_money_lines(project, spent))
    acceptance = ProjectAcceptance.objects.filter(project=project).first()
    reported = last_quantity_done(project)
    lines.extend(_quantity_lines(project, paid, reported, acceptance))
    if acceptance is not None and not acceptance.passed:
        lines.append(
            CheckLine(
                "acceptance",
                False,
                _("%(d)s验收不合格：%(notes)s") % {"d": acceptance.on.isoformat(), "notes": acceptance.notes},
            )
        )
    pending = list(unsigned_spendings(project))
    if pending:
        listed = "、".join(f"{s.voucher.number}（{s.voucher.get_status_display()}）" for s in pending)
        lines.append(
            CheckLine("unsigned", False, _("以下支出凭证尚未经监委会审核签字：%(list)s。") % {"list": listed})
        )
    elif project.spendings.exists():
        lines.append(CheckLine("unsigned", True, _("全部支出凭证均已经监委会审核签字。")))
    lines.extend(_decision_lines(project))
    quotes = project.quotes.count()
    if project.contract_amount is not None:
        if quotes_missing(project, quotes):
            lines.append(
                CheckLine(
                    "quotes",
                    False,
                    _("合同金额%(amount)s超过%(limit)s，仅收到%(n)d家报价（应至少%(min)d家比价）。")
                    % {
                        "amount": yuan(project.contract_amount),
                        "limit": yuan(quote_threshold()),
                        "n": quotes,
                        "min": MIN_QUOTES,
                    },
                )
            )
        else:
            lines.append(
                CheckLine(
                    "quotes",
                    True,
                    _("收到%(n)d家报价，选定%(who)s，合同金额%(amount)s。")
                    % {"n": quotes, "who": project.contractor, "amount": yuan(project.contract_amount)},
                )
            )
    return lines
