"""Public notices (公示) of welfare applications, and residents' objections (异议) to them.

A notice is built from applications that passed democratic review, with only the whitelisted fields of each
(masked name — the platform's one mask —, counted household size, monthly amount, community/group). It is
shown on the portal for exactly its period, `starts_on` to `ends_on` inclusive (`publicly_visible`), and
`end_due_notices` (run by the periodic job) takes it down afterwards and writes its outcome: the objections
and how each was resolved. Staff then confirm or refuse each application (`welfare.notice_ended` tells them
the period is over; the welfare actions refuse to confirm while an objection is pending).

The period: published today, it ends `program.notice_days` later — calendar days, or working days on the
platform's working calendar (statutory holidays, 调休 and the administrators' CalendarOverride rows, the
same calendar as case deadlines) when `program.notice_working_days`. As in the law's counting of periods
(民法典 第二百零一条), the day of publication is not counted: a 7-day notice published on Monday runs to
the Monday after.

An objection opens a case (channel 公示异议, category 救助帮扶) through `cases.check_create_case`, routed
like any case, so the community's staff re-check the household; the resident follows it through the
case's private tracking link. Resolving an objection answers the case and, when upheld, refuses the
application (through the welfare actions) or, for an enrolled household, opens a re-check.

Recusal (回避) is the welfare rule, reused (`welfare.recusal_findings`, `welfare.check_recusal`): an officer
related to a household on a notice may not publish it, nor decide an objection about the household (upheld
it may refuse the application, dismissed it clears the way to confirmation); another officer does. Building
a draft decides nothing and stays open to them.

An objection to the whole notice (no entry) is answered the same way, and until it is answered no
application of the notice can be confirmed (`welfare.pending_objections` counts it for each of them); the
outcome says so while it is pending, and carries the answer once given. Upheld, it changes no application
by itself: what it found may concern some households or none, so staff act on each application.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, cases, rechecks, sla
from yangguang.core.models import (
    Application,
    ApplicationStatus,
    Area,
    AuditAction,
    Case,
    CaseCategory,
    CaseStatus,
    Channel,
    Enrollment,
    NoticeEntry,
    Objection,
    Program,
    PublicNotice,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.sealing import blind_index
from yangguang.lib.masking import mask_name
from yangguang.lib.phone import PhoneError, normalize_phone
from yangguang.lib.workdays import WorkCalendar

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    Actor = AbstractBaseUser | AnonymousUser | None

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a poster
CODE_LENGTH = 10
MIN_OBJECTION = 10
MAX_OBJECTION = 2000
OBJECTION_CATEGORY = "welfare"
OBJECTION_SOURCE = "objection"
IDEMPOTENCY_PREFIX = "objection:"
# Notices that hold an application: one at a time (a withdrawn notice lets it go).
HOLDING = (PublicNotice.Status.DRAFT, PublicNotice.Status.PUBLISHED, PublicNotice.Status.ENDED)


def _welfare() -> Any:
    # The application transitions belong to the welfare actions (another module of issue #5); imported
    # when used so that the two modules do not import each other at load time.
    from yangguang.core.actions import welfare

    return welfare


def _require_manage(actor: Actor, area: Area) -> None:
    if actor is None or not has_capability(actor, Cap.MANAGE_WELFARE, area):
        raise PermissionDenied(_("您没有管理该社区救助公示的权限。"))


# --- the period ----------------------------------------------------------------------------------------------


def notice_end(
    program: Program, starts_on: datetime.date, calendar: WorkCalendar | None = None
) -> datetime.date:
    """The last day a notice starting on `starts_on` is shown (see the module docstring)."""
    days = max(int(program.notice_days), 1)
    if not program.notice_working_days:
        return starts_on + datetime.timedelta(days=days)
    cal = calendar or sla.calendar()
    day, counted = starts_on, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
    return day


def publicly_visible(notice: PublicNotice, today: datetime.date) -> bool:
    """Whether the portal shows the notice's entries on `today`: published and within its period,
    both ends included (no query)."""
    if notice.status != PublicNotice.Status.PUBLISHED:
        return False
    if notice.starts_on is None or notice.ends_on is None:
        return False
    return notice.starts_on <= today <= notice.ends_on


def visible_notices(today: datetime.date) -> QuerySet[PublicNotice]:
    """The notices the portal shows on `today` (the query form of `publicly_visible`)."""
    return PublicNotice.objects.filter(
        status=PublicNotice.Status.PUBLISHED, starts_on__lte=today, ends_on__gte=today
    )


# --- building a notice ---------------------------------------------------------------------------------------


def group_label(area: Area) -> str:
    """Community/group of an application as a notice shows it: "阳光社区" or "阳光社区一网格" (needs
    `parent` loaded for grids)."""
    if not area.is_community and area.parent is not None:
        return f"{area.parent.name}{area.name}"
    return area.name


def counted_size(application: Application) -> int:
    """The household size the eligibility assessment counted (民发〔2021〕57号 art. 7)."""
    return int((application.eligibility or {}).get("counted_size") or 0)


def noticeable_applications(area: Area, program: Program) -> QuerySet[Application]:
    """Applications of `program` in `area` that may go on a notice: reviewed and on no other notice
    (or noticed on a notice that was withdrawn, to be noticed again)."""
    held = NoticeEntry.objects.filter(notice__status__in=HOLDING).values("application_id")
    return (
        Application.objects.filter(
            area__path__startswith=area.path,
            program=program,
            status__in=[ApplicationStatus.REVIEWED, ApplicationStatus.NOTICED],
        )
        .exclude(pk__in=held)
        .select_related("applicant", "area__parent")
        .order_by("area__path", "number")
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def check_create_notice(
    actor: Actor, area: Area, program: Program, applications: Iterable[Application], *, title: str = ""
) -> PublicNotice:
    """A draft notice of `applications` (each reviewed, of `program`, in `area`, on no other notice), with
    one entry each holding only the whitelisted fields."""
    _require_manage(actor, area)
    if not area.is_community:
        raise ValidationError({"area": _("公示须以社区或村为单位发布。")})
    if not program.area.contains(area) or not program.active:
        raise ValidationError({"program": _("该救助项目不适用于本社区。")})
    wanted = {app.pk for app in applications}
    if not wanted:
        raise ValidationError({"applications": _("请至少选择一份申请。")})
    allowed = {app.pk: app for app in noticeable_applications(area, program).filter(pk__in=wanted)}
    missing = wanted - set(allowed)
    if missing:
        raise ValidationError(
            {
                "applications": _(
                    "有%(n)d份申请不能公示：须为本社区、本项目已民主评议且未在其他公示中的申请。"
                )
                % {"n": len(missing)}
            }
        )
    entries = []
    for app in sorted(allowed.values(), key=lambda a: (a.area.path, a.number)):
        size = counted_size(app)
        if size <= 0 or app.monthly_amount is None:
            raise ValidationError(
                {
                    "applications": _("申请%(number)s尚未完成资格测算或核定救助金，不能公示。")
                    % {"number": app.number}
                }
            )
        entries.append(
            NoticeEntry(
                application=app,
                masked_name=mask_name(app.applicant.name),
                household_size=size,
                monthly_amount=app.monthly_amount,
                group_label=group_label(app.area)[:100],
            )
        )
    title = title.strip() or _("%(area)s%(program)s拟保障对象公示") % {
        "area": area.name,
        "program": program.name,
    }
    notice = PublicNotice.objects.create(
        area=area,
        program=program,
        title=title[:200],
        public_code=_new_code(),
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    for entry in entries:
        entry.notice = notice
    NoticeEntry.objects.bulk_create(entries)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=notice,
        changes={"title": [None, notice.title], "entries": [None, len(entries)]},
    )
    return notice


def _claim(notice: PublicNotice, sources: Sequence[str], **changes: Any) -> bool:
    """Move the notice with a conditional UPDATE (the lock: two clicks, or a click and the periodic job,
    cannot both apply a step); the instance follows."""
    claimed = PublicNotice.objects.filter(pk=notice.pk, status__in=sources).update(**changes)
    if claimed:
        for key, value in changes.items():
            setattr(notice, key, value)
    return bool(claimed)


@transaction.atomic
def do_publish_notice(
    actor: Actor, notice: PublicNotice, *, today: datetime.date | None = None
) -> PublicNotice:
    """Publish a draft: the period starts today; each reviewed application becomes noticed."""
    _require_manage(actor, notice.area)
    members = NoticeEntry.objects.filter(notice=notice, application__members__person__isnull=False)
    _check_members_recusal(actor, members.values_list("application__members__person_id", flat=True))
    today = today or timezone.localdate()
    ends_on = notice_end(notice.program, today)
    if not _claim(
        notice,
        [PublicNotice.Status.DRAFT],
        status=PublicNotice.Status.PUBLISHED,
        starts_on=today,
        ends_on=ends_on,
    ):
        raise ValidationError(_("只有草稿状态的公示可以发布。"), code="bad_state")
    for entry in notice.entries.select_related("application"):
        application = entry.application
        if application.status == ApplicationStatus.REVIEWED:
            _welfare().mark_noticed(application, actor)
        elif application.status != ApplicationStatus.NOTICED:
            raise ValidationError(
                _("申请%(number)s的状态已变为“%(status)s”，请重新生成公示。")
                % {"number": application.number, "status": application.get_status_display()}
            )
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=notice,
        changes={
            "status": [PublicNotice.Status.DRAFT, notice.status],
            "period": [None, f"{today}~{ends_on}"],
        },
    )
    return notice


@transaction.atomic
def do_withdraw_notice(actor: Actor, notice: PublicNotice, reason: str) -> PublicNotice:
    """Take a draft or running notice down, with the reason (kept in the outcome and the audit trail).
    Its applications may be put on a new notice."""
    _require_manage(actor, notice.area)
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("请填写撤回原因（至少4个字）。")})
    before = notice.status
    outcome = _("公示已撤回。撤回原因：%(reason)s") % {"reason": reason}
    if not _claim(
        notice,
        [PublicNotice.Status.DRAFT, PublicNotice.Status.PUBLISHED],
        status=PublicNotice.Status.WITHDRAWN,
        outcome=outcome,
    ):
        raise ValidationError(_("该公示已结束或已撤回，不能再撤回。"), code="bad_state")
    audit.record(
        actor, AuditAction.UPDATE, target=notice, changes={"status": [before, notice.status]}, reason=reason
    )
    return notice


# --- the end of the period and the outcome -------------------------------------------------------------------


def outcome_text(notice: PublicNotice) -> str:
    """The objections received and how each was resolved (one query). Entries are named by their mask.
    While an objection to the whole notice is pending, a last line says that it holds every application."""
    objections = list(notice.objections.select_related("entry").order_by("created_at", "pk"))
    if not objections:
        return _("公示期满，未收到异议。")
    lines = [_("公示期间收到异议%(n)d件：") % {"n": len(objections)}]
    for number, objection in enumerate(objections, start=1):
        about = objection.entry.masked_name if objection.entry is not None else _("公示整体")
        line = _("%(i)d. 针对%(about)s（%(date)s收到）：%(resolution)s") % {
            "i": number,
            "about": about,
            "date": timezone.localdate(objection.created_at).isoformat(),
            "resolution": objection.get_resolution_display(),
        }
        if objection.resolution_note:
            line += _("。处理说明：%(note)s") % {"note": objection.resolution_note}
        lines.append(line)
    if any(o.entry_id is None and o.resolution == Objection.Resolution.PENDING for o in objections):
        lines.append(_("针对公示整体的异议尚在核查中，答复之前本公示中的申请均暂不审批。"))
    return "\n".join(lines)


def _refresh_outcome(notice: PublicNotice) -> None:
    """Rewrite the outcome of an ended notice (an objection resolved after the period changes it)."""
    # Read from the row, not the instance: the objection's copy of its notice may predate the end.
    if PublicNotice.objects.filter(pk=notice.pk, status=PublicNotice.Status.ENDED).exists():
        notice.outcome = outcome_text(notice)
        PublicNotice.objects.filter(pk=notice.pk).update(outcome=notice.outcome)


def end_due_notices(today: datetime.date | None = None) -> int:
    """End every published notice whose period is over: status ENDED and the outcome written. Safe to run from several workers at once and
    again and again (each notice is claimed with a conditional UPDATE). Returns how many it ended."""
    today = today or timezone.localdate()
    ended = 0
    due = PublicNotice.objects.filter(status=PublicNotice.Status.PUBLISHED, ends_on__lt=today)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            notice = PublicNotice.objects.select_related("area", "program").get(pk=pk)
            if not _claim(notice, [PublicNotice.Status.PUBLISHED], status=PublicNotice.Status.ENDED):
                continue
            notice.outcome = outcome_text(notice)
            PublicNotice.objects.filter(pk=pk).update(outcome=notice.outcome)
            audit.record(
                None,
                AuditAction.UPDATE,
                target=notice,
                changes={"status": [PublicNotice.Status.PUBLISHED, PublicNotice.Status.ENDED]},
            )
            ended += 1
    return ended


# --- objections ----------------------------------------------------------------------------------------------


@dataclass
class ObjectionInput:
    """What a resident sends from the portal; validated by `check_create_objection`."""

    notice: PublicNotice
    text: str
    entry: NoticeEntry | None = None
    name: str = ""
    phone: str = ""
    anonymous: bool = False
    ip: str | None = None
    idempotency_key: str = ""


def _objection_category() -> CaseCategory:
    category = CaseCategory.objects.filter(code=OBJECTION_CATEGORY).first()
    if category is None:
        raise ValidationError(_("系统缺少“救助帮扶”诉求分类，暂时无法受理异议，请到社区居委会当面反映。"))
    return category


def _check_flood(data: cases.CaseInput, phone: str) -> None:
    """The case intake's flood limits (per IP per hour, per phone per day, over all resident cases).
    `check_create_case` applies them to the channels in `cases.PUBLIC_CHANNELS` only, and objections come
    from residents too: apply the same rule to them here."""
    if data.channel in cases.PUBLIC_CHANNELS:
        return  # check_create_case does it
    phone_index = blind_index("core.case", "reporter_phone", phone) if phone else ""
    cases._check_rate_limits(replace(data, channel=Channel.PORTAL), phone_index)


def check_create_objection(data: ObjectionInput, *, today: datetime.date | None = None) -> Objection:
    """Record a resident's objection and open its case (see the module docstring). A repeated idempotency
    key returns the objection recorded the first time; nothing is written unless every check passes."""
    if data.idempotency_key:
        existing = Objection.objects.filter(case__idempotency_key=data.idempotency_key).first()
        if existing is not None:
            return existing
    notice = data.notice
    today = today or timezone.localdate()
    if not publicly_visible(notice, today):
        raise ValidationError(_("该公示不在公示期内，不能再提出异议。如有问题请到社区居委会反映。"))
    text = data.text.strip()
    if len(text) < MIN_OBJECTION:
        raise ValidationError({"text": _("请把异议的理由写清楚（至少%(n)d个字）。") % {"n": MIN_OBJECTION}})
    if len(text) > MAX_OBJECTION:
        raise ValidationError({"text": _("异议内容不能超过%(n)d字。") % {"n": MAX_OBJECTION}})
    if data.entry is not None and data.entry.notice_id != notice.pk:
        raise ValidationError({"entry": _("所选对象不在这份公示中。")})
    name = "" if data.anonymous else data.name.strip()[:50]
    phone = ""
    if data.phone.strip() and not data.anonymous:
        try:
            phone = normalize_phone(data.phone)
        except PhoneError as exc:
            raise ValidationError({"phone": str(exc)}) from exc
    about = data.entry.masked_name if data.entry is not None else _("公示整体")
    case_input = cases.CaseInput(
        area=notice.area,
        category=_objection_category(),
        title=_("公示异议：%(title)s（%(about)s）") % {"title": notice.title, "about": about},
        description=_("对公示“%(title)s”中%(about)s的异议：\n%(text)s")
        % {"title": notice.title, "about": about, "text": text},
        channel=Channel.OBJECTION,
        reporter_name=name,
        reporter_phone=phone,
        anonymous=data.anonymous,
        # The objector is shown only to the intake office and the committee, never to the household
        # objected to; the public case page shows only the category and status.
        confidential=True,
        idempotency_key=data.idempotency_key,
        ip=data.ip,
        source_type=OBJECTION_SOURCE,
    )
    _check_flood(case_input, phone)
    with transaction.atomic():
        objection = Objection(notice=notice, entry=data.entry, text=text, name=name, anonymous=data.anonymous)
        if phone:
            objection.set_sealed("phone", phone)
        objection.save()
        case_input.source_id = str(objection.pk)
        case = cases.check_create_case(None, case_input)
        objection.case = case
        objection.save(update_fields=["case"])
        audit.record(
            None, AuditAction.CREATE, target=objection, area=notice.area, changes={"case": case.number}
        )
    return objection


def _answer_case(actor: Actor, case: Case, note: str, evidence: Sequence[UploadedFile]) -> None:
    """Move the objection's case to replied with the resolution (and closed when evidence is given),
    through the case actions and their permission rules. A case already answered gets a comment."""
    if case.status in {CaseStatus.RECEIVED, CaseStatus.RETURNED}:
        cases.check_transition_permission(actor, case, "dispatch")  # type: ignore[arg-type]
        cases.do_transition(actor, case, "dispatch", handler=actor, note=_("异议转复核。"))  # type: ignore[arg-type]
    if case.status == CaseStatus.DISPATCHED:
        cases.check_transition_permission(actor, case, "sign")  # type: ignore[arg-type]
        cases.do_transition(actor, case, "sign")
    if case.status == CaseStatus.WAITING:
        cases.do_transition(actor, case, "resume")
    if case.status in {CaseStatus.SIGNED, CaseStatus.IN_PROGRESS}:
        cases.check_transition_permission(actor, case, "reply")  # type: ignore[arg-type]
        cases.do_transition(actor, case, "reply", note=note)
        if evidence:
            cases.do_transition(actor, case, "close", note=note, evidence=evidence)
        return
    cases.do_comment(actor, case, _("异议处理结果：%(note)s") % {"note": note}, public=True)


@transaction.atomic
def do_resolve_objection(
    actor: Actor, objection: Objection, upheld: bool, note: str, *, evidence: Sequence[UploadedFile] = ()
) -> Objection:
    """Settle an objection after the re-check. Upheld: the application is refused with the note as the
    written reason, or — already confirmed or enrolled — a re-check is opened for the committee; upheld
    about the whole notice, no application changes by itself (staff act on each). The case is answered
    with the note, and the notice's outcome records it."""
    notice = objection.notice
    _require_manage(actor, notice.area)
    note = note.strip()
    if len(note) < 4:
        raise ValidationError({"note": _("请写明核查情况和处理结果（至少4个字）。")})
    if objection.entry is not None:
        _check_objection_recusal(actor, objection.entry.application_id)
    resolution = Objection.Resolution.UPHELD if upheld else Objection.Resolution.DISMISSED
    now = timezone.now()
    claimed = Objection.objects.filter(pk=objection.pk, resolution=Objection.Resolution.PENDING).update(
        resolution=resolution, resolution_note=note, resolved_at=now
    )
    if not claimed:
        raise ValidationError(_("该异议已经处理过了。"), code="conflict")
    objection.resolution, objection.resolution_note, objection.resolved_at = resolution, note, now
    if upheld and objection.entry is not None:
        _act_on_upheld(actor, objection, note)
    if objection.case is not None:
        _answer_case(actor, objection.case, note, evidence)
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=objection,
        area=notice.area,
        changes={"resolution": [Objection.Resolution.PENDING, resolution]},
        reason=note,
    )
    _refresh_outcome(notice)
    return objection


REFUSABLE = frozenset(
    {
        ApplicationStatus.RECEIVED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.AUTHORISED,
        ApplicationStatus.SURVEYED,
        ApplicationStatus.REVIEWED,
        ApplicationStatus.NOTICED,
    }
)


def _check_members_recusal(actor: Actor, person_ids: Iterable[int]) -> None:
    """Refuse an officer who must stay away (回避) from any of these households' members: publishing a
    notice decides what the community is told about them."""
    welfare = _welfare()
    welfare.check_recusal(welfare.recusal_findings(actor, list(person_ids)))


def _check_objection_recusal(actor: Actor, application_id: int) -> None:
    """Refuse, before anything is written, an officer who must stay away from the household (回避): upheld,
    the objection may refuse its application; dismissed, it clears the way to its confirmation. Either
    way the officer would decide about their relative."""
    welfare = _welfare()
    application = Application.objects.get(pk=application_id)
    welfare.check_recusal(welfare.application_recusal(actor, application))


def _act_on_upheld(actor: Actor, objection: Objection, note: str) -> None:
    assert objection.entry is not None  # noqa: S101 - checked by the caller
    application = Application.objects.select_related("area", "program", "applicant").get(
        pk=objection.entry.application_id
    )
    enrollment = Enrollment.objects.filter(application=application).first()
    reason = _("公示异议成立：%(note)s") % {"note": note}
    if enrollment is None and application.status in REFUSABLE:
        _welfare().do_application_transition(actor, application, "refuse", reason=reason)
        return
    if application.status in {ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN}:
        return
    rechecks.open_recheck(
        actor,
        application.area,
        reason,
        enrollment=enrollment,
        application=application,
        case=objection.case,
        origin={"key": "objection", "objection": objection.pk, "result": "problem", "note": note},
    )


def objections_for(notice: PublicNotice) -> QuerySet[Objection]:
    return notice.objections.select_related("entry", "case").order_by("created_at", "pk")
