"""Cases in the back office: the work queue, staff intake, the case page with its lifecycle forms,
attachments, the reporter's phone reveal, the staff inbox and the metrics page.

Who sees a case is decided in one place, `Case.objects.visible_to(user, VIEW_CASES)` (the case's area in
the user's jurisdiction, or the user is its handler or a member of its unit), and a case page is loaded
only through `cases.access_case` (404 for everyone else). Which steps a user may take is the lifecycle
table (`case.allowed_transitions()`) intersected with `cases.check_transition_permission`; the page offers
exactly those forms and the POST views check both again. Every change goes through a case action.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case as Switch
from django.db.models import Count, F, Q, QuerySet, When
from django.db.models.functions import TruncMonth
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from yangguang.backoffice import forms_cases
from yangguang.backoffice.forms import RevealForm, attach_errors
from yangguang.backoffice.views.generic import Crumb, home_crumb, path_maker
from yangguang.core.actions import cases, privacy, sla
from yangguang.core.models import (
    Area,
    AreaKind,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseStatus,
    HandlingUnit,
    Notification,
    Urgency,
)
from yangguang.core.models.cases import OPEN_STATUSES, CaseQuerySet
from yangguang.core.paging import uncounted_page
from yangguang.core.permissions import Cap, has_capability, jurisdiction_paths
from yangguang.lib.workdays import WorkCalendar

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    User = AbstractBaseUser | AnonymousUser

DETAIL_TEMPLATE = "backoffice/cases/detail.html"
DUPLICATES_TEMPLATE = "backoffice/cases/_duplicates.html"


# --- access ----------------------------------------------------------------------------------------------


def visible_cases(user: User) -> CaseQuerySet:
    """The cases `user` may see (jurisdiction, or their own as handler or unit member)."""
    return Case.objects.visible_to(user, Cap.VIEW_CASES)


def user_pk(user: User) -> int:
    """The user's key; 0 (nobody) for an anonymous user, whom login_required keeps out anyway."""
    return int(user.pk) if user.pk is not None else 0


def may_work_on_cases(user: User) -> bool:
    """Whether the case pages have anything for `user`: VIEW_CASES somewhere, or cases of their own
    (a property company's staff member is a unit member without any area role)."""
    if has_capability(user, Cap.VIEW_CASES):
        return True
    if HandlingUnit.objects.filter(members__pk=user_pk(user)).exists():
        return True
    return Case.objects.filter(handler_id=user_pk(user)).exists()


def require_case_worker(user: User) -> None:
    if not may_work_on_cases(user):
        raise Http404


def cases_crumb() -> Crumb:
    return _("诉求办理"), reverse("backoffice:case_queue")


# --- the work queue --------------------------------------------------------------------------------------

QUEUE_TABS: list[tuple[str, StrOrPromise]] = [
    ("mine", gettext_lazy("我的")),
    ("unit", gettext_lazy("本单位")),
    ("dispatch", gettext_lazy("待派单")),
    ("overdue", gettext_lazy("已超期")),
    ("callback", gettext_lazy("待回访")),
    ("all", gettext_lazy("全部")),
]
# Queue tabs are worked in deadline order (no deadline yet: oldest first); "all" shows the newest first.
QUEUE_ORDER = (F("due_at").asc(nulls_last=True), "created_at", "pk")
ALL_ORDER = ("-created_at", "-pk")


def _under(paths: list[str]) -> Q:
    """Cases whose area lies under one of `paths` (nothing when there is none). A subquery on the area
    ids, not a join on the path: it only ever narrows the visible cases (AND), so PostgreSQL still starts
    from the indexes `visible_to` lets it use."""
    if not paths:
        return Q(pk__in=[])
    return Q(area_id__in=Area.objects.in_areas(paths).values("pk"))


def overdue_condition(now: datetime.datetime) -> Q:
    """The condition of `CaseQuerySet.overdue(now)`, as a Q so the tab counts share one query."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now) & ~Q(status=CaseStatus.REPLIED)


def is_overdue(case: Case, now: datetime.datetime) -> bool:
    """The same rule for one loaded case (no query)."""
    if case.status not in OPEN_STATUSES or case.status == CaseStatus.REPLIED:
        return False
    return case.due_at is not None and case.due_at < now


def tab_conditions(user: User, now: datetime.datetime) -> dict[str, Q]:
    """What each tab adds to the visible cases. 待派单 is limited to where the user takes cases in."""
    my_units = HandlingUnit.members.through.objects.filter(user_id=user_pk(user)).values("handlingunit_id")
    is_open = Q(status__in=OPEN_STATUSES)
    return {
        "mine": is_open & Q(handler_id=user_pk(user)),
        "unit": is_open & Q(unit_id__in=my_units),
        "dispatch": Q(status__in=[CaseStatus.RECEIVED, CaseStatus.RETURNED])
        & _under(jurisdiction_paths(user, Cap.INTAKE_CASES)),
        "overdue": overdue_condition(now),
        "callback": Q(status=CaseStatus.CLOSED, satisfaction__isnull=True),
        "all": Q(),
    }


# The tabs of open work are counted exactly, in one aggregate over the visible open cases (a few thousand at
# most, found through the indexes). 待回访 lists closed cases, which pile up over the years: it is counted up
# to COUNT_CAP and shown as "99+" beyond; 全部 has no number at all (bench.cases: counting every visible
# case read the whole table).
OPEN_TABS = ("mine", "unit", "dispatch", "overdue")
COUNT_CAP = 99
# What a row of the queue shows (and `is_overdue` reads): not the descriptions, nor the handlers' passwords.
# Read as plain values, not model instances: building six related instances per row cost more than the
# query itself (bench.cases).
QUEUE_FIELDS = (
    "pk",
    "number",
    "title",
    "urgency",
    "status",
    "due_at",
    "created_at",
    "category__name",
    "area__kind",
    "area__name",
    "area__parent__name",
    "handler_id",
    "handler__username",
    "handler__first_name",
    "handler__last_name",
    "unit__name",
)


@dataclass
class QueueRow:
    """One line of the queue, with its labels worked out in Python: the template only prints them."""

    pk: int
    url: str
    number: str
    title: str
    urgent: bool
    category: str
    area: str
    status: str
    handler: str
    unit: str
    overdue: bool
    due_at: str
    created_at: str


def _minute(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def queue_row(values: dict[str, Any], now: datetime.datetime, url_of: Callable[[int], str]) -> QueueRow:
    status = values["status"]
    due_at = values["due_at"]
    overdue = status in OPEN_STATUSES and status != CaseStatus.REPLIED and due_at is not None and due_at < now
    area = values["area__name"]
    if values["area__kind"] == AreaKind.GRID and values["area__parent__name"]:
        area = f"{values['area__parent__name']} › {area}"
    handler = ""
    if values["handler_id"] is not None:
        full_name = f"{values['handler__first_name']} {values['handler__last_name']}".strip()
        handler = full_name or values["handler__username"]
    return QueueRow(
        pk=values["pk"],
        url=url_of(values["pk"]),
        number=values["number"],
        title=values["title"],
        urgent=values["urgency"] == Urgency.URGENT,
        category=values["category__name"],
        area=area,
        status=str(CaseStatus(status).label),
        handler=handler,
        unit=values["unit__name"] or "",
        overdue=overdue,
        due_at=_minute(due_at),
        created_at=_minute(values["created_at"]),
    )


# The queue's rows are written here rather than in the template: 50 rows of eight cells cost the template
# engine about 8 ms a page, and Django's lazy-aware `format_html` still 2 ms; these lines escape each value
# once with the standard library (the values are plain strings) and cost a tenth of that (bench.cases).
def queue_rows_html(rows: list[QueueRow]) -> SafeString:
    """The `<tr>` lines of the queue table. Every value from a row goes through `escape`.

    Each cell carries its column heading in `data-label` (site.css shows it beside the value when a phone
    turns the rows into cards) and the ARIA roles of a table, which that change of display would otherwise
    lose in some browsers; the headings are the ones in cases/queue.html."""
    urgent = f"<strong>{escape(_('【紧急】'))}</strong>"
    overdue = f'<strong style="color: var(--err);">{escape(_("⚠ 已超期"))}</strong><br>'
    undispatched = f'<span class="muted">{escape(_("未派单"))}</span>'
    cell = {
        key: f'<td role="cell" data-label="{escape(label)}">'
        for key, label in (
            ("number", _("编号")),
            ("title", _("标题")),
            ("category", _("分类")),
            ("area", _("区域")),
            ("status", _("状态")),
            ("who", _("承办")),
            ("due", _("办理期限")),
            ("created", _("受理时间")),
        )
    }
    lines = []
    for row in rows:
        who = undispatched
        if row.handler and row.unit:
            who = f"{escape(row.handler)}<br>{escape(row.unit)}"
        elif row.handler or row.unit:
            who = escape(row.handler or row.unit)
        lines.append(
            ('<tr role="row" data-overdue="1">' if row.overdue else '<tr role="row">')
            + f'\n      {cell["number"]}<a href="{escape(row.url)}">{escape(row.number)}</a></td>'
            + f"\n      {cell['title']}{urgent if row.urgent else ''}{escape(row.title)}</td>"
            + f"\n      {cell['category']}{escape(row.category)}</td>\n      {cell['area']}{escape(row.area)}</td>"
            + f"\n      {cell['status']}{escape(row.status)}</td>\n      {cell['who']}{who}</td>"
            + f"\n      {cell['due']}{overdue if row.overdue else ''}{escape(row.due_at or '—')}</td>"
            + f"\n      {cell['created']}{escape(row.created_at)}</td>\n    </tr>"
        )
    return mark_safe("\n    ".join(lines))  # noqa: S308 - every value above is escaped


def count_label(n: int) -> str:
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


def tab_counts(filtered: CaseQuerySet, conditions: dict[str, Q]) -> dict[str, str | None]:
    """The number shown beside each tab (None: no number). Two queries."""
    counts = filtered.open().aggregate(**{name: Count("pk", filter=conditions[name]) for name in OPEN_TABS})
    callback = filtered.filter(conditions["callback"]).order_by()[: COUNT_CAP + 1].count()
    labels: dict[str, str | None] = {name: str(counts[name]) for name in OPEN_TABS}
    labels["callback"] = count_label(callback)
    labels["all"] = None
    return labels


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The work queue. Queries: roles, the user's units and areas, tab counts (two), the page's rows
    (one more than a page, for "next"; no total), and the filter selects — the same number whatever the
    page holds."""
    user = request.user
    require_case_worker(user)
    now = timezone.now()
    conditions = tab_conditions(user, now)
    tab = request.GET.get("tab", "mine")
    if tab not in conditions:
        tab = "mine"
    filter_form = forms_cases.QueueFilterForm(request.GET or None, user=user)
    filtered = cast(CaseQuerySet, filter_form.apply(visible_cases(user)))
    counts = tab_counts(filtered, conditions)
    rows = (
        filtered.filter(conditions[tab])
        .order_by(*(ALL_ORDER if tab == "all" else QUEUE_ORDER))
        .values(*QUEUE_FIELDS)
    )
    page = uncounted_page(rows, settings.PAGE_SIZE, request.GET.get("page"))
    url_of = path_maker("backoffice:case_detail")
    context = {
        "breadcrumbs": [home_crumb(), (_("诉求办理"), None)],
        "tabs": [(name, label, counts[name]) for name, label in QUEUE_TABS],
        "tab": tab,
        "filter_form": filter_form,
        "page_obj": page,
        "rows": queue_rows_html([queue_row(values, now, url_of) for values in page.object_list]),
        "may_intake": has_capability(user, Cap.INTAKE_CASES),
    }
    return render(request, "backoffice/cases/queue.html", context)


# --- intake ----------------------------------------------------------------------------------------------


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Staff take a case in on a caller's behalf; `check_create_case` validates and creates it."""
    user = request.user
    if not has_capability(user, Cap.INTAKE_CASES):
        raise Http404
    form = forms_cases.IntakeForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case_input = cases.CaseInput(
            area=data["area"],
            category=data["category"],
            description=data["description"],
            channel=data["channel"],
            title=data["title"],
            kind=data["kind"],
            urgency=data["urgency"],
            building=data["building"],
            location_text=data["location_text"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            reporter_email=data["reporter_email"],
            anonymous=data["anonymous"],
            confidential=data["confidential"],
            idempotency_key=data["idempotency_key"],
            photos=data["photos"],
        )
        try:
            case = cases.check_create_case(user, case_input)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已受理，编号 %(number)s。") % {"number": case.number})
            if visible_cases(user).filter(pk=case.pk).exists():
                # A new case is where duplicates matter most: its page opens with them looked for.
                return redirect(f"{reverse('backoffice:case_detail', args=[case.pk])}?duplicates=1")
            # A liaison takes cases in without seeing the queue: back to a fresh form.
            return redirect("backoffice:case_intake")
    context = {
        "form": form,
        "breadcrumbs": [home_crumb(), cases_crumb(), (_("登记诉求"), None)],
    }
    return render(request, "backoffice/cases/intake.html", context)


# --- the case page ---------------------------------------------------------------------------------------

EVENT_LABELS: dict[str, StrOrPromise] = {
    "received": gettext_lazy("受理"),
    "dispatch": gettext_lazy("派单"),
    "return": gettext_lazy("退回"),
    "sign": gettext_lazy("签收"),
    "start": gettext_lazy("开始办理"),
    "wait": gettext_lazy("等待居民补充"),
    "resume": gettext_lazy("恢复办理"),
    "reply": gettext_lazy("答复"),
    "close": gettext_lazy("办结"),
    "rate_satisfied": gettext_lazy("回访评价：满意"),
    "rate_unsatisfied": gettext_lazy("回访评价：不满意"),
    "reopen": gettext_lazy("重办"),
    "merge": gettext_lazy("合并"),
    "reject": gettext_lazy("不予受理"),
    "comment": gettext_lazy("备注"),
    "triage": gettext_lazy("分类调整"),
    "reminder": gettext_lazy("到期提醒"),
    "escalate": gettext_lazy("督办"),
}

# Steps of the page in the order they are offered, with their headings and buttons.
STEP_LABELS: dict[str, StrOrPromise] = {
    "sign": gettext_lazy("签收"),
    "start": gettext_lazy("开始办理"),
    "reply": gettext_lazy("答复"),
    "wait": gettext_lazy("等待居民补充"),
    "resume": gettext_lazy("恢复办理"),
    "dispatch": gettext_lazy("派单"),
    "close": gettext_lazy("办结"),
    "rate": gettext_lazy("电话回访评价"),
    "reopen": gettext_lazy("重办"),
    "return": gettext_lazy("退回"),
    "merge": gettext_lazy("合并到其他诉求"),
    "reject": gettext_lazy("不予受理"),
}
STEP_DONE: dict[str, StrOrPromise] = {
    "dispatch": gettext_lazy("已派单。"),
    "return": gettext_lazy("已退回。"),
    "sign": gettext_lazy("已签收，办理时限开始计算。"),
    "start": gettext_lazy("已开始办理。"),
    "wait": gettext_lazy("已暂停计时，等待居民补充。"),
    "resume": gettext_lazy("已恢复办理，时限已顺延。"),
    "reply": gettext_lazy("已答复。"),
    "close": gettext_lazy("已办结。"),
    "rate": gettext_lazy("已记录回访评价。"),
    "reopen": gettext_lazy("已转重办。"),
    "merge": gettext_lazy("已合并。"),
    "reject": gettext_lazy("已不予受理。"),
}
# The call-back form records a rating; the lifecycle table knows it as rate_satisfied/rate_unsatisfied.
RATE_STEP = "rate"
REVEAL_FIELDS: dict[str, StrOrPromise] = {"reporter_phone": gettext_lazy("查看完整联系电话")}


def transition_of(step: str) -> str:
    return "rate_satisfied" if step == RATE_STEP else step


def may_take_step(user: User, case: Case, step: str) -> bool:
    """Whether the lifecycle allows `step` from the current status, and who the user is allows it too."""
    if transition_of(step) not in case.allowed_transitions():
        return False
    try:
        cases.check_transition_permission(user, case, transition_of(step))
    except PermissionDenied:
        return False
    return True


def permitted_steps(user: User, case: Case) -> list[str]:
    """The steps the page offers, in the page's order."""
    return [step for step in STEP_LABELS if may_take_step(user, case, step)]


def may_triage(user: User, case: Case) -> bool:
    return case.is_open and has_capability(user, Cap.INTAKE_CASES, case.area)


def may_publish(user: User, case: Case) -> bool:
    """Public comments (shown to the resident) come from the intake office or the handling side."""
    return has_capability(user, Cap.INTAKE_CASES, case.area) or cases.can_handle(user, case)


def may_reveal_phone(user: User, case: Case) -> bool:
    """The reporter's full phone: not for anonymous callers, only where the reporter may be seen at all,
    and only for holders of REVEAL_PERSONAL at the case's area (the action checks that again)."""
    if case.anonymous:
        return False
    if not case.reporter_phone_enc:
        return False
    if not cases.can_see_reporter(user, case):
        return False
    return has_capability(user, Cap.REVEAL_PERSONAL, case.area)


def clock_label(case: Case, now: datetime.datetime, cal: WorkCalendar) -> str:
    """ "剩余 X 个工作日" / "超期 X 个工作日" for a case whose clock runs, counted on the working calendar."""
    if case.status == CaseStatus.WAITING:
        return _("计时暂停（等待居民补充）")
    if case.due_at is None or case.status not in OPEN_STATUSES or case.status == CaseStatus.REPLIED:
        return ""
    today = timezone.localdate(now)
    due_day = timezone.localdate(case.due_at)
    if case.due_at >= now:
        left = cal.workdays_between(today, due_day)
        if left <= 0:
            return _("今天到期")
        return ngettext("剩余 %(n)d 个工作日", "剩余 %(n)d 个工作日", left) % {"n": left}
    late = cal.workdays_between(due_day, today)
    if late <= 0:
        return _("超期（今天已过期限）")
    return ngettext("超期 %(n)d 个工作日", "超期 %(n)d 个工作日", late) % {"n": late}


@dataclass
class TimelineEntry:
    event: CaseEvent
    label: StrOrPromise
    attachments: list[CaseAttachment]


def may_have_duplicates(case: Case) -> bool:
    return case.is_open and case.merged_into_id is None


def duplicate_candidates(user: User, case: Case) -> list[tuple[Case, float]]:
    """`find_duplicates` narrowed to cases the user may see, reloaded in one query for display."""
    if not may_have_duplicates(case):
        return []
    found = cases.find_duplicates(case)
    if not found:
        return []
    shown = {
        c.pk: c
        for c in visible_cases(user)
        .filter(pk__in=[c.pk for c, _score in found])
        .select_related("area", "category")
    }
    return [(shown[c.pk], score) for c, score in found if c.pk in shown]


def case_context(
    request: HttpRequest,
    case: Case,
    *,
    bound: forms.Form | None = None,
    bound_name: str = "",
    revealed: str | None = None,
    with_duplicates: bool = False,
) -> dict[str, Any]:
    """Everything the case page shows. `bound` replaces the blank form named `bound_name` (a step, or
    "comment", "triage", "reveal") so a refused submission shows its errors beside its fields.
    The duplicate suggestions are looked for only `with_duplicates` (see `case_detail`)."""
    user = request.user
    now = timezone.now()
    steps = permitted_steps(user, case)
    step_forms: list[tuple[str, StrOrPromise, forms.Form]] = []
    for step in steps:
        form = bound if bound is not None and bound_name == step else None
        step_forms.append(
            (step, STEP_LABELS[step], form or forms_cases.STEP_FORMS[step](case=case, user=user))
        )
    events = list(case.events.prefetch_related("attachments").order_by("at", "id"))
    timeline = [
        TimelineEntry(event, EVENT_LABELS.get(event.kind, event.kind), list(event.attachments.all()))
        for event in events
    ]
    intake_photos = [a for entry in timeline if entry.event.kind == "received" for a in entry.attachments]

    def form_for(name: str, factory: Any) -> forms.Form:
        return bound if bound is not None and bound_name == name else factory()

    reveal_allowed = may_reveal_phone(user, case)
    return {
        "case": case,
        "breadcrumbs": [home_crumb(), cases_crumb(), (case.number, None)],
        "clock": clock_label(case, now, sla.calendar()),
        "overdue": is_overdue(case, now),
        "show_reporter": cases.can_see_reporter(user, case),
        "co_reporters": case.reporters.exclude(original_case_id=case.pk).count(),
        "intake_photos": intake_photos,
        "timeline": timeline,
        "step_forms": step_forms,
        "offer_duplicates": may_have_duplicates(case),
        "duplicates": duplicate_candidates(user, case) if with_duplicates else None,
        "may_merge": "merge" in steps,
        "triage_form": form_for("triage", lambda: forms_cases.TriageForm(case=case))
        if may_triage(user, case)
        else None,
        "comment_form": form_for(
            "comment", lambda: forms_cases.CommentForm(may_publish=may_publish(user, case))
        ),
        "reveal_form": form_for("reveal", lambda: RevealForm(fields=REVEAL_FIELDS))
        if reveal_allowed
        else None,
        "reveal_buttons": list(REVEAL_FIELDS.items()) if reveal_allowed else [],
        "reveal_url": reverse("backoffice:case_reveal", args=[case.pk]),
        "revealed": {"field": "reporter_phone", "label": _("联系电话"), "value": revealed}
        if revealed
        else None,
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page. Looking for duplicates ranks the texts of up to 500 recent open cases of the
    community, half the cost of an open case's page, so it is done only when asked for:
    `?duplicates=1` shows the page with the suggestions (a plain link), and the same request from htmx
    gets the suggestions alone, swapped into the page in place."""
    user = request.user
    case = cases.access_case(user, pk)
    with_duplicates = request.GET.get("duplicates") == "1"
    if with_duplicates and request.headers.get("HX-Request"):
        context = {
            "case": case,
            "duplicates": duplicate_candidates(user, case),
            "may_merge": may_take_step(user, case, "merge"),
        }
        return render(request, DUPLICATES_TEMPLATE, context)
    return render(request, DETAIL_TEMPLATE, case_context(request, case, with_duplicates=with_duplicates))


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _perform(user: User, case: Case, step: str, data: dict[str, Any]) -> None:
    note: str = data.get("note", "")
    if step == RATE_STEP:
        cases.do_rate(user, case, data["score"], note, by_callback=True)
    elif step == "dispatch":
        cases.do_transition(user, case, step, note=note, unit=data.get("unit"), handler=data.get("handler"))
    elif step == "merge":
        cases.do_transition(user, case, step, note=note, target=data["target"])
    else:
        cases.do_transition(user, case, step, note=note, evidence=data.get("evidence", []))


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One lifecycle step from its form: 404 for outsiders, 403 for those who may not take it, a message
    when the case is no longer in a state that allows it, errors beside the fields otherwise."""
    form_class = forms_cases.STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    user = request.user
    case = cases.access_case(user, pk)
    cases.check_transition_permission(user, case, transition_of(step))
    if transition_of(step) not in case.allowed_transitions():
        messages.error(
            request,
            _("当前状态“%(status)s”下不能执行该操作。") % {"status": case.get_status_display()},
        )
        return redirect("backoffice:case_detail", pk=case.pk)
    form = form_class(request.POST, request.FILES, case=case, user=user)
    if form.is_valid():
        try:
            _perform(user, case, step, form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # A state conflict or a rule about the case as a whole: nothing to correct in the form.
                _refused(request, exc)
                return redirect("backoffice:case_detail", pk=case.pk)
            attach_errors(form, exc)
        else:
            messages.success(request, str(STEP_DONE[step]))
            return redirect("backoffice:case_detail", pk=case.pk)
    messages.error(request, _("未能提交“%(step)s”，请按提示修改。") % {"step": STEP_LABELS[step]})
    case.refresh_from_db()
    return render(request, DETAIL_TEMPLATE, case_context(request, case, bound=form, bound_name=step))


@login_required
@require_POST
def case_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """An internal note (anyone who sees the case) or a public one (intake office and handlers)."""
    user = request.user
    case = cases.access_case(user, pk)
    form = forms_cases.CommentForm(request.POST, may_publish=may_publish(user, case))
    if form.is_valid():
        try:
            cases.do_comment(
                user, case, form.cleaned_data["note"], public=form.cleaned_data.get("public", False)
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已添加备注。"))
            return redirect("backoffice:case_detail", pk=case.pk)
    messages.error(request, _("未能添加备注，请按提示修改。"))
    return render(request, DETAIL_TEMPLATE, case_context(request, case, bound=form, bound_name="comment"))


@login_required
@require_POST
def case_triage(request: HttpRequest, pk: int) -> HttpResponse:
    """Change category, kind, urgency or ownership (intake office only) through `cases.do_triage`."""
    user = request.user
    case = cases.access_case(user, pk)
    if not has_capability(user, Cap.INTAKE_CASES, case.area):
        raise PermissionDenied(_("只有受理人员可以调整分类。"))
    form = forms_cases.TriageForm(request.POST, case=case)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("没有修改。"))
            return redirect("backoffice:case_detail", pk=case.pk)
        try:
            cases.do_triage(user, case, **changes)
        except ValidationError as exc:
            attach_errors(form, exc)
            case.refresh_from_db()
        else:
            messages.success(request, _("已调整分类。"))
            return redirect("backoffice:case_detail", pk=case.pk)
    messages.error(request, _("未能调整分类，请按提示修改。"))
    return render(request, DETAIL_TEMPLATE, case_context(request, case, bound=form, bound_name="triage"))


@login_required
@require_POST
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the reporter's full phone number once, after `privacy.do_reveal` checked the permission and the
    reason and wrote the audit entry. Nothing is kept: the response is marked no-store."""
    user = request.user
    case = cases.access_case(user, pk)
    if not may_reveal_phone(user, case):
        raise PermissionDenied(_("您没有查看完整联系电话的权限。"))
    form = RevealForm(request.POST, fields=REVEAL_FIELDS)
    value: str | None = None
    if form.is_valid():
        try:
            value = privacy.do_reveal(user, case, form.cleaned_data["field"], form.cleaned_data["reason"])
        except ValidationError as exc:
            attach_errors(form, exc)
    context = case_context(request, case, bound=None if value else form, bound_name="reveal", revealed=value)
    response = render(request, DETAIL_TEMPLATE, context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def case_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """A photo of a case, for those who may see the case. The type was recognised from the file's first
    bytes at upload, so it is served inline with that type only."""
    case = cases.access_case(request.user, pk)
    attachment = CaseAttachment.objects.filter(case=case, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the staff inbox -------------------------------------------------------------------------------------


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user_pk(user), channel=Notification.Channel.INBOX)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications, newest first. Queries: unread count, page count, page rows."""
    notifications = inbox_of(request.user)
    unread = notifications.filter(read_at__isnull=True).count()
    only_unread = request.GET.get("unread") == "1"
    shown = notifications.filter(read_at__isnull=True) if only_unread else notifications
    page = Paginator(
        shown.select_related("case").order_by("-created_at", "-pk"), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "breadcrumbs": [home_crumb(), (_("站内消息"), None)],
        "unread": unread,
        "only_unread": only_unread,
        "page_obj": page,
    }
    return render(request, "backoffice/cases/inbox.html", context)


def mark_read(user: User, pk: int | None = None) -> int:
    """Mark one or all of the user's unread inbox messages read; returns how many changed.
    (A single conditional UPDATE: reading a message is not audited.)"""
    unread = inbox_of(user).filter(read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not inbox_of(request.user).filter(pk=pk).exists():
        raise Http404
    mark_read(request.user, pk)
    return redirect(_inbox_return(request))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_read(request.user)
    messages.success(
        request, ngettext("已将 %(n)d 条消息标为已读。", "已将 %(n)d 条消息标为已读。", count) % {"n": count}
    )
    return redirect(_inbox_return(request))


def _inbox_return(request: HttpRequest) -> str:
    """Back to the inbox page the button was on (only the query string is taken from the form)."""
    query = urlencode(parse_qsl(request.POST.get("return_query", "")))
    url = reverse("backoffice:inbox")
    return f"{url}?{query}" if query else url


# --- metrics ---------------------------------------------------------------------------------------------


def grouped_metrics(queryset: QuerySet[Case], key: Any) -> dict[Any, dict[str, float | int | None]]:
    """`.metrics()` per value of `key`, in one aggregate query (see CaseQuerySet.metrics_by)."""
    return cast(CaseQuerySet, queryset).metrics_by(key)


def community_key() -> Switch:
    """The community of a case: its area, or the parent of its grid."""
    return Switch(When(area__kind=AreaKind.GRID, then=F("area__parent_id")), default=F("area_id"))


RATE_KEYS = ("response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "redo_rate")


def percent(value: float | int | None) -> str:
    if value is None:
        return _("暂无数据")
    return f"{value * 100:.1f}%"


@dataclass
class MetricRow:
    label: str
    total: int
    open: int
    closed: int
    rates: list[str]


def metric_row(label: str, metrics: dict[str, float | int | None] | None) -> MetricRow:
    if metrics is None:
        return MetricRow(label, 0, 0, 0, [percent(None)] * len(RATE_KEYS))
    return MetricRow(
        label,
        int(metrics["total"] or 0),
        int(metrics["open"] or 0),
        int(metrics["closed"] or 0),
        [percent(metrics[key]) for key in RATE_KEYS],
    )


def month_starts(today: datetime.date, months: int = 6) -> list[datetime.date]:
    """The first days of the last `months` months, oldest first, the current month last."""
    starts = []
    year, month = today.year, today.month
    for _n in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    """The 12345 indicators of the cases the user may see: overall, per community, per category and per
    month (last six). One aggregate query per table and one query for each table's labels, so the page
    costs the same however many cases or communities there are."""
    user = request.user
    if not has_capability(user, Cap.VIEW_CASES):
        raise Http404
    visible = visible_cases(user)
    overall = visible.metrics()

    by_community = grouped_metrics(visible, community_key())
    communities = Area.objects.filter(pk__in=[k for k in by_community if k is not None]).order_by("path")
    community_rows = [metric_row(area.name, by_community[area.pk]) for area in communities]

    by_category = grouped_metrics(visible, F("category_id"))
    categories = CaseCategory.objects.filter(pk__in=list(by_category))
    category_rows = [metric_row(category.name, by_category[category.pk]) for category in categories]

    starts = month_starts(timezone.localdate())
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    by_month_raw = grouped_metrics(
        visible.filter(created_at__gte=since),
        TruncMonth("created_at", tzinfo=timezone.get_current_timezone()),
    )
    by_month = {_as_date(key): value for key, value in by_month_raw.items()}
    month_rows = [metric_row(f"{start:%Y-%m}", by_month.get(start)) for start in starts]

    context = {
        "breadcrumbs": [home_crumb(), cases_crumb(), (_("办理指标"), None)],
        "overall_rows": [metric_row(_("全部可见诉求"), overall)],
        "tables": [
            ("community", _("按社区"), _("社区"), community_rows),
            ("category", _("按分类"), _("分类"), category_rows),
            ("month", _("按月份（近六个月，按受理时间）"), _("月份"), month_rows),
        ],
    }
    return render(request, "backoffice/cases/metrics.html", context)
