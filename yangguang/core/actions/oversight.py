"""What the committee's workspace and the street's and district's oversight view read: which community a
user works in, the records an opinion may be attached to, the workspace's figures for one community and
the figures that compare all the communities of a jurisdiction.

Everything here reads; the changes (opinions, ledger lines, disclosures) go through `actions.ledger` and
`actions.ledger_export`. The comparison is a fixed number of grouped queries, whatever the number of
communities: each figure is counted per area path in one query and summed per community in Python.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yangguang.core.models import (
    Activity,
    Application,
    Area,
    Case,
    CaseStatus,
    CommitteeTerm,
    Disclosure,
    Election,
    Enrollment,
    EvaluationSubject,
    Finding,
    Household,
    Inspection,
    Opinion,
    Person,
    PowerUse,
    Project,
    PublicNotice,
    Recheck,
    Rectification,
    Voucher,
    VoucherStatus,
)
from yangguang.core.models.cases import OPEN_STATUSES
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

# A term ending within this many days (or already ended) is flagged 换届到期.
TERM_DUE_DAYS = 90
RECENT = 5

# --- communities -----------------------------------------------------------------------------------------


def community_of(area: Area) -> Area:
    """The community (or village) an area belongs to: itself, or the parent of a grid (`parent` must be
    loaded). Streets and districts are returned as they are."""
    if area.kind == "grid" and area.parent is not None:
        return area.parent
    return area


def communities_in_reach(user: User, capability: str = Cap.VIEW_SUPERVISION) -> models.QuerySet[Area]:
    """Communities and villages under the user's jurisdiction for `capability`, in tree order."""
    return Area.objects.communities().visible_to(user, capability).select_related("parent").order_by("path")


def access_community(user: User, pk: object, capability: str = Cap.VIEW_SUPERVISION) -> Area:
    """A community or village the user holds `capability` over; 404 for anything else."""
    if not user.is_authenticated:
        raise Http404
    try:
        area = Area.objects.select_related("parent").filter(pk=int(str(pk))).first()
    except ValueError as exc:
        raise Http404 from exc
    if area is None:
        raise Http404
    if not area.is_community:
        raise Http404
    if not has_capability(user, capability, area):
        raise Http404
    return area


# --- records an opinion may be attached to ---------------------------------------------------------------

# target_type (the model name, as `ledger.target_key` writes it) → (model, lookup from it to its area).
TARGETS: dict[str, tuple[type[models.Model], str]] = {
    "case": (Case, "area"),
    "person": (Person, "area"),
    "household": (Household, "area"),
    "inspection": (Inspection, "area"),
    "finding": (Finding, "inspection__area"),
    "rectification": (Rectification, "finding__inspection__area"),
    "voucher": (Voucher, "area"),
    "poweruse": (PowerUse, "area"),
    "disclosure": (Disclosure, "area"),
    "committeeterm": (CommitteeTerm, "area"),
    "election": (Election, "term__area"),
    "project": (Project, "area"),
    "application": (Application, "area"),
    "enrollment": (Enrollment, "area"),
    "publicnotice": (PublicNotice, "area"),
    "recheck": (Recheck, "area"),
}


def target_area(obj: models.Model) -> Area | None:
    """The area a supported record belongs to, following the lookup in `TARGETS` (no query when the
    chain was loaded with select_related)."""
    entry = TARGETS.get(obj._meta.model_name or "")
    if entry is None:
        return None
    value: Any = obj
    for step in entry[1].split("__"):
        value = getattr(value, step, None)
        if value is None:
            return None
    return value if isinstance(value, Area) else None


def access_target(user: User, target_type: str, pk: object, capability: str = Cap.VIEW_SUPERVISION) -> Any:
    """Load a record an opinion may be attached to, if the user holds `capability` over its area; 404
    for an unknown type, a missing record or a record outside the user's jurisdiction."""
    if not user.is_authenticated:
        raise Http404
    entry = TARGETS.get(target_type)
    if entry is None:
        raise Http404
    model, lookup = entry
    try:
        obj = model._default_manager.select_related(f"{lookup}__parent").filter(pk=int(str(pk))).first()
    except ValueError as exc:
        raise Http404 from exc
    if obj is None:
        raise Http404
    area = target_area(obj)
    if area is None:
        raise Http404
    if not has_capability(user, capability, area):
        raise Http404
    if isinstance(obj, Inspection) and not may_see_inspection(user, obj, area):
        raise Http404
    return obj


def may_see_unannounced(user: User, area: Area) -> bool:
    """An unannounced inspection (明察暗访) not yet held is known to the committee and to the street and
    district only, never to the staff it will visit (the rule of `inspections.visible_inspections`)."""
    return has_capability(user, Cap.SUPERVISE, area) or has_capability(user, Cap.OVERSEE, area)


def may_see_inspection(user: User, inspection: Inspection, area: Area) -> bool:
    if inspection.kind != Inspection.Kind.UNANNOUNCED:
        return True
    if inspection.held_on is not None:
        return True
    return may_see_unannounced(user, area)


# --- the workspace of one community ---------------------------------------------------------------------


def _overdue_cases(now: datetime.datetime, prefix: str = "") -> Q:
    """Open, not yet replied, and past the deadline: the rule of the case queue's 已超期 tab."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}due_at__lt": now}) & ~Q(
        **{f"{prefix}status": CaseStatus.REPLIED}
    )


@dataclass
class WorkspaceFigures:
    """What is waiting in one community, for its committee's home page."""

    open_cases: int = 0
    confidential_cases: int = 0
    overdue_cases: int = 0
    inspections_planned: int = 0
    inspections_in_progress: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    vouchers_to_review: int = 0
    disclosures_to_sign: int = 0
    opinions: list[Opinion] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)


def workspace_figures(
    community: Area, *, see_unannounced: bool, now: datetime.datetime | None = None
) -> WorkspaceFigures:
    """The workspace's counts and recent lines for `community`, in seven queries. Without
    `see_unannounced` (staff), planned unannounced inspections are not counted."""
    now = now or timezone.now()
    inside = {"area__path__startswith": community.path}
    inspections_seen = Inspection.objects.filter(**inside)
    if not see_unannounced:
        inspections_seen = inspections_seen.exclude(kind=Inspection.Kind.UNANNOUNCED, held_on__isnull=True)
    cases = Case.objects.filter(**inside).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        confidential=Count("pk", filter=Q(status__in=OPEN_STATUSES, confidential=True)),
        overdue=Count("pk", filter=_overdue_cases(now)),
    )
    inspections = inspections_seen.aggregate(
        planned=Count("pk", filter=Q(status=Inspection.Status.PLANNED)),
        in_progress=Count("pk", filter=Q(status=Inspection.Status.IN_PROGRESS)),
    )
    rectifications = Rectification.objects.filter(case__area__path__startswith=community.path).aggregate(
        open=Count("pk", filter=Q(case__status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=_overdue_cases(now, "case__")),
    )
    return WorkspaceFigures(
        open_cases=cases["open"],
        confidential_cases=cases["confidential"],
        overdue_cases=cases["overdue"],
        inspections_planned=inspections["planned"],
        inspections_in_progress=inspections["in_progress"],
        rectifications_open=rectifications["open"],
        rectifications_overdue=rectifications["overdue"],
        vouchers_to_review=Voucher.objects.filter(**inside, status=VoucherStatus.SUBMITTED).count(),
        disclosures_to_sign=Disclosure.objects.filter(**inside, status=Disclosure.Status.DRAFT).count(),
        opinions=list(Opinion.objects.filter(**inside).select_related("author")[:RECENT]),
        activities=list(Activity.objects.filter(**inside).select_related("recorded_by")[:RECENT]),
    )


# --- the oversight view: communities compared ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A closed range of days; inspections held and evaluations are counted within it."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year_of(cls, day: datetime.date) -> Period:
        return cls(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))


@dataclass
class CommunityRow:
    """One community's line in the oversight table."""

    community: Area
    inspections_held: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    overdue_cases: int = 0
    vouchers_to_review: int = 0
    last_election: datetime.date | None = None
    term_ends_on: datetime.date | None = None
    term_due: bool = False
    evaluations_flagged: int = 0


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _by_community(rows: Any, path_key: str, rows_by_id: dict[int, CommunityRow]) -> Any:
    """Yield (community row, grouped row) for grouped rows keyed by an area path, the community found
    among the path's ancestors (a case in a grid counts for the grid's community)."""
    for row in rows:
        for area_id in _ids(row[path_key]):
            target = rows_by_id.get(area_id)
            if target is not None:
                yield target, row
                break


def community_figures(
    user: User, period: Period, *, now: datetime.datetime | None = None
) -> list[CommunityRow]:
    """The oversight table: one row per community or village under the user's OVERSEE jurisdiction.

    Eight queries whatever the number of communities: the communities, then one grouped query per
    source (inspections, rectifications, cases, vouchers, terms with their elections, evaluations)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    paths = jurisdiction_paths(user, Cap.OVERSEE)
    communities = list(communities_in_reach(user, Cap.OVERSEE))
    rows_by_id = {community.pk: CommunityRow(community) for community in communities}
    if not communities:
        return []

    def under(prefix: str) -> Q:
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{prefix}path__startswith": path})
        return condition

    held = (
        Inspection.objects.filter(under("area__"), held_on__range=(period.start, period.end))
        .exclude(status=Inspection.Status.CANCELLED)
        .values("area__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row, found in _by_community(held, "area__path", rows_by_id):
        row.inspections_held += found["n"]

    rectifications = (
        Rectification.objects.filter(under("case__area__"), case__status__in=OPEN_STATUSES)
        .values("case__area__path")
        .annotate(n=Count("pk"), late=Count("pk", filter=_overdue_cases(now, "case__")))
        .order_by()
    )
    for row, found in _by_community(rectifications, "case__area__path", rows_by_id):
        row.rectifications_open += found["n"]
        row.rectifications_overdue += found["late"]

    cases = (
        Case.objects.filter(under("area__"))
        .filter(_overdue_cases(now))
        .values("area__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row, found in _by_community(cases, "area__path", rows_by_id):
        row.overdue_cases += found["n"]

    vouchers = (
        Voucher.objects.filter(under("area__"), status=VoucherStatus.SUBMITTED)
        .values("area__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row, found in _by_community(vouchers, "area__path", rows_by_id):
        row.vouchers_to_review += found["n"]

    held_elections = [Election.Status.COUNTED, Election.Status.PUBLISHED]
    terms = (
        CommitteeTerm.objects.filter(under("area__"))
        .values("area__path")
        .annotate(
            ends=Max("ends_on"),
            elected=Max("elections__held_on", filter=Q(elections__status__in=held_elections)),
        )
        .order_by()
    )
    for row, found in _by_community(terms, "area__path", rows_by_id):
        row.term_ends_on = found["ends"]
        row.last_election = found["elected"]

    flagged = (
        EvaluationSubject.objects.filter(
            under("evaluation__area__"),
            flagged=True,
            evaluation__year__range=(period.start.year, period.end.year),
        )
        .values("evaluation__area__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row, found in _by_community(flagged, "evaluation__area__path", rows_by_id):
        row.evaluations_flagged += found["n"]

    due_by = today + datetime.timedelta(days=TERM_DUE_DAYS)
    for row in rows_by_id.values():
        row.term_due = row.term_ends_on is not None and row.term_ends_on <= due_by
    return [rows_by_id[community.pk] for community in communities]


# --- disclosures: the public projection, laid out for display ------------------------------------------

DISCLOSURE_KINDS: dict[str, Any] = {
    "election_result": _("选举结果"),
    "bulletin": _("监督检查通报"),
    "rectification_report": _("整改情况"),
    "finance_monthly": _("财务公开"),
    "evaluation_result": _("履职评价结果"),
}

# Labels of the keys the supervision actions write into payloads (election results, finance months,
# rectification reports, bulletins, evaluations); any other key is shown as it is.
PAYLOAD_LABELS: dict[str, Any] = {
    "area": _("区域"),
    "community": _("社区/村"),
    "communities": _("各社区（村）情况"),
    "term": _("届期"),
    "held_on": _("选举日期"),
    "seats": _("应选人数"),
    "electorate": _("应到人数"),
    "attended": _("实到人数"),
    "quorum_percent": _("到会比例要求（%）"),
    "majority_percent": _("当选得票比例（%）"),
    "candidates": _("候选人"),
    "name": _("姓名"),
    "votes": _("得票"),
    "elected": _("当选"),
    "tied": _("票数相同"),
    "unfilled": _("缺额"),
    "period": _("期间"),
    "vouchers": _("支出明细"),
    "number": _("编号"),
    "date": _("日期"),
    "amount": _("金额（元）"),
    "payee": _("收款方"),
    "purpose": _("用途"),
    "totals": _("合计"),
    "voided": _("作废凭证"),
    "void_reason": _("作废理由"),
    "total": _("合计"),
    "count": _("笔数"),
    "problem": _("发现问题"),
    "severity": _("严重程度"),
    "requirement": _("整改要求"),
    "deadline": _("整改期限"),
    "outcome": _("验收结论"),
    "verified_on": _("验收日期"),
    "feedback": _("反馈通报"),
    "remarks": _("通报意见"),
    "year": _("年度"),
    "title": _("名称"),
    "subjects": _("评议对象"),
    "label": _("评议对象"),
    "grade": _("评价结果"),
    "flagged": _("连续两年不称职"),
    "fit": _("称职"),
    "basic": _("基本称职"),
    "unfit": _("不称职"),
    "inspections": _("监督检查"),
    "findings": _("发现问题"),
    "rectifications": _("整改"),
    "issued": _("下发整改通知"),
    "passed": _("整改到位"),
    "open": _("整改中"),
    "overdue": _("超期"),
    "escalated": _("已转督办"),
    "routine": _("日常监督"),
    "targeted": _("专项检查"),
    "unannounced": _("明察暗访"),
    "minor": _("一般"),
    "serious": _("较重"),
    "grave": _("严重"),
}


def payload_label(key: Any) -> str:
    return str(PAYLOAD_LABELS.get(str(key), key))


def _public_items(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """A record's (label, value) pairs. A machine code with a readable twin ("grade" beside
    "grade_label") is shown once, by the twin's text under the code's label."""
    items = []
    for key, value in record.items():
        name = str(key)
        if f"{name}_label" in record:
            continue
        if name.endswith("_label") and name[: -len("_label")] in record:
            name = name[: -len("_label")]
        items.append((payload_label(name), value))
    return items


def disclosure_kind_label(kind: str) -> str:
    return str(DISCLOSURE_KINDS.get(kind, kind))


@dataclass
class PayloadBlock:
    """One entry of a disclosure's payload, as the page shows it: a text, a list, a table or pairs."""

    label: str
    kind: str  # "text" | "list" | "table" | "pairs"
    text: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        return "；".join(f"{label}：{_cell(inner)}" for label, inner in _public_items(value))
    if isinstance(value, list):
        return "、".join(_cell(inner) for inner in value)
    return str(value)


def payload_blocks(payload: Any) -> list[PayloadBlock]:
    """A disclosure's `payload` (already the masked public projection) laid out for a page: each key a
    label; a list of records becomes a table, a list of values a list, a record label–value pairs.
    Only the payload is read: never the record it was made from."""
    if not isinstance(payload, dict):
        return [PayloadBlock(label="", kind="text", text=_cell(payload))] if payload else []
    blocks = []
    for label, value in _public_items(payload):
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            columns: list[str] = []
            table: list[dict[str, Any]] = []
            for item in value:
                record = dict(_public_items(item))
                columns.extend(name for name in record if name not in columns)
                table.append(record)
            rows = [[_cell(record.get(name)) for name in columns] for record in table]
            blocks.append(PayloadBlock(label=label, kind="table", columns=columns, rows=rows))
        elif isinstance(value, list):
            blocks.append(PayloadBlock(label=label, kind="list", items=[_cell(item) for item in value]))
        elif isinstance(value, dict):
            pairs = [(name, _cell(inner)) for name, inner in _public_items(value)]
            blocks.append(PayloadBlock(label=label, kind="pairs", pairs=pairs))
        else:
            blocks.append(PayloadBlock(label=label, kind="text", text=_cell(value)))
    return blocks
