"""How case states and timeline steps read to residents: plain Chinese sentences, a six-step indicator.

The back office shows the precise lifecycle (`CaseStatus`); residents see fewer, friendlier steps. Each
status maps to the step the resident would recognise, so "signed for" and "in progress" both read 办理中.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yangguang.core.models import CaseStatus

STEPS: tuple[Promise, ...] = (_("受理"), _("派单"), _("办理"), _("答复"), _("办结"), _("评价"))

# Which step each status stands at. Merged and rejected cases leave the normal path: no indicator.
_STEP_OF_STATUS: dict[str, int] = {
    CaseStatus.RECEIVED: 0,
    CaseStatus.RETURNED: 0,
    CaseStatus.DISPATCHED: 1,
    CaseStatus.SIGNED: 2,
    CaseStatus.IN_PROGRESS: 2,
    CaseStatus.WAITING: 2,
    CaseStatus.UNSATISFIED: 2,
    CaseStatus.REPLIED: 3,
    CaseStatus.CLOSED: 4,
    CaseStatus.SATISFIED: 5,
}

STATUS_SENTENCES: dict[str, Promise] = {
    CaseStatus.RECEIVED: _("您反映的问题已受理，正在安排承办单位。"),
    CaseStatus.RETURNED: _("正在重新安排承办单位。"),
    CaseStatus.DISPATCHED: _("已派给承办单位，等待对方签收。"),
    CaseStatus.SIGNED: _("承办单位已签收，正在处理。"),
    CaseStatus.IN_PROGRESS: _("正在办理中。"),
    CaseStatus.WAITING: _("承办单位需要了解更多情况，请留意社区的电话或短信。"),
    CaseStatus.UNSATISFIED: _("居民对办理结果不满意，已退回重新办理。"),
    CaseStatus.REPLIED: _("承办单位已答复，等待办结。"),
    CaseStatus.CLOSED: _("已办结，等待居民评价。"),
    CaseStatus.SATISFIED: _("已办结，居民评价满意。"),
    CaseStatus.MERGED: _("与其他居民反映的同一问题合并办理。"),
    CaseStatus.REJECTED: _("不予受理，原因见办理记录。"),
}

EVENT_LABELS: dict[str, Promise] = {
    "received": _("已受理"),
    "dispatch": _("已派单"),
    "return": _("重新分派"),
    "sign": _("承办单位已签收"),
    "start": _("开始办理"),
    "wait": _("等待补充情况"),
    "resume": _("继续办理"),
    "reply": _("承办单位答复"),
    "close": _("已办结"),
    "rate_satisfied": _("居民评价：满意"),
    "rate_unsatisfied": _("居民评价：不满意"),
    "reopen": _("退回重新办理"),
    "merge": _("合并办理"),
    "reject": _("不予受理"),
    "comment": _("办理说明"),
    "escalate": _("督办"),
}

# Rating steps carry the resident's own words: shown on their private page, never on the public one.
RESIDENT_NOTE_EVENTS = frozenset({"rate_satisfied", "rate_unsatisfied"})

SCORE_LABELS: dict[int, Promise] = {
    1: _("非常不满意"),
    2: _("不满意"),
    3: _("一般"),
    4: _("满意"),
    5: _("非常满意"),
}


@dataclass(frozen=True)
class Step:
    label: Promise
    done: bool
    current: bool


def steps_for(status: str) -> list[Step]:
    """The step indicator for a status; empty when the case left the normal path (merged, rejected)."""
    at = _STEP_OF_STATUS.get(status)
    if at is None:
        return []
    return [
        Step(label, done=i < at or i == at == len(STEPS) - 1, current=i == at)
        for i, label in enumerate(STEPS)
    ]


def status_sentence(status: str) -> Promise | str:
    return STATUS_SENTENCES.get(status, "")


def event_label(kind: str) -> Promise:
    return EVENT_LABELS.get(kind, _("办理进展"))
