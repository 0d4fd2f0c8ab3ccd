"""The committee's re-check (复核核查) of an enrolled or applying household: a guided checklist (documents,
home visit, data comparison) and a conclusion.

A conclusion changes nothing by itself (issue #5 item 7): staff act on it through
`welfare.apply_committee_finding`, with the re-check linked. The committee (Cap.SUPERVISE) opens, fills in
and concludes re-checks; payment reconciliation and upheld objections open them too (`open_recheck`,
without a permission check: they are findings handed to the committee, not the committee's acts).

The checklist is stored in `Recheck.checklist` as a list of items, one dict each:

    {"key": "doc_hukou", "result": "" | "ok" | "problem", "note": "..."}
    {"key": "home_visit", "result": ..., "note": ..., "date": "2024-05-03", "who": "...", "observations": "..."}
    {"key": "data_members", "result": ..., "note": ..., "facts": "...", "flagged": true}

plus, for re-checks opened by a finding, one origin item that is already answered:

    {"key": "payment_mismatch", "payment": 12, "mismatch": "deceased", "result": "problem", "note": "..."}
    {"key": "objection", "objection": 7, "result": "problem", "note": "..."}

Keys only, no interface text: labels come from `ITEMS` at display time, in the reader's language.
The data comparison ("facts") is taken from the registry when the re-check is opened, masked, so the record
shows what the registry said at the time.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yangguang.core.actions import audit, ledger
from yangguang.core.models import (
    Activity,
    Application,
    Area,
    AuditAction,
    Case,
    Enrollment,
    HouseholdMembership,
    Person,
    Recheck,
)
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_stubs_ext import StrOrPromise

    Actor = AbstractBaseUser | AnonymousUser | None

RESULTS = ("", "ok", "problem")
RESULT_LABELS: dict[str, StrOrPromise] = {
    "": gettext_lazy("未核查"),
    "ok": gettext_lazy("无问题"),
    "problem": gettext_lazy("有问题"),
}
SECTION_LABELS: dict[str, StrOrPromise] = {
    "origin": gettext_lazy("核查缘由"),
    "documents": gettext_lazy("材料核查"),
    "visit": gettext_lazy("入户走访"),
    "data": gettext_lazy("数据比对"),
}


@dataclass(frozen=True)
class Item:
    key: str
    section: str
    label: StrOrPromise


# The guided checklist, in the order the committee works through it.
ITEMS: tuple[Item, ...] = (
    Item("doc_hukou", "documents", gettext_lazy("户口簿")),
    Item("doc_id_card", "documents", gettext_lazy("身份证")),
    Item("doc_income", "documents", gettext_lazy("收入证明")),
    Item("doc_assets", "documents", gettext_lazy("财产申报")),
    Item("home_visit", "visit", gettext_lazy("入户走访")),
    Item("data_members", "data", gettext_lazy("户籍登记成员与计入保障人数")),
    Item("data_deaths", "data", gettext_lazy("户籍登记中的死亡人员")),
    Item("data_enrolments", "data", gettext_lazy("其他救助项目在保情况")),
)
ITEM_KEYS = frozenset(item.key for item in ITEMS)
# Items written by the finding that opened the re-check; shown, never edited.
ORIGIN_LABELS: dict[str, StrOrPromise] = {
    "payment_mismatch": gettext_lazy("发放比对发现的问题"),
    "objection": gettext_lazy("公示异议"),
}
VISIT_FIELDS = ("date", "who", "observations")
MAX_NOTE = 1000


# --- who may do what -------------------------------------------------------------------------------------


def may_supervise(user: AbstractBaseUser | AnonymousUser, recheck: Recheck) -> bool:
    """The committee of the re-check's community (not staff, not even a district administrator)."""
    return has_capability(user, Cap.SUPERVISE, recheck.area)


def _require_supervise(actor: Actor, area: Area) -> None:
    if actor is None or not has_capability(actor, Cap.SUPERVISE, area):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以开展复核核查。"))


def audit_view(actor: Actor, obj: models.Model, what: str) -> None:
    """Record that `actor` looked at a household's welfare file (issue #5 item 8: every view is audited)."""
    audit.record(actor, AuditAction.REVEAL, target=obj, changes={"view": what})


# --- the data comparison -----------------------------------------------------------------------------------


@dataclass
class Facts:
    """What the registry says about the household, as masked sentences, with a flag when it looks wrong."""

    members: tuple[str, bool]
    deaths: tuple[str, bool]
    enrolments: tuple[str, bool]


def _people_of(
    enrollment: Enrollment | None, application: Application | None, payee: Person | None
) -> tuple[list[Person], int]:
    """The household's people in the registry now (current members, else the head, applicant or payee)
    and the number counted for the assistance."""
    household_id = None
    head: Person | None = payee
    counted = 0
    if enrollment is not None:
        household_id = enrollment.household_id
        head = enrollment.head
        counted = enrollment.household_size
    elif application is not None:
        household_id = application.household_id
        head = application.applicant
        counted = int((application.eligibility or {}).get("counted_size") or 0)
    elif payee is not None:
        household_id = (
            HouseholdMembership.objects.filter(person=payee, end_date__isnull=True)
            .values_list("household_id", flat=True)
            .first()
        )
    people: list[Person] = []
    if household_id is not None:
        people = [
            m.person
            for m in HouseholdMembership.objects.filter(household_id=household_id, end_date__isnull=True)
            .select_related("person")
            .order_by("start_date", "pk")
        ]
    if not people and head is not None:
        people = [head]
    return people, counted


def compare_with_registry(
    enrollment: Enrollment | None,
    application: Application | None,
    today: datetime.date,
    payee: Person | None = None,
) -> Facts:
    """The data comparison of the checklist: registry members now against the counted members, deaths
    recorded in the registry, and the household's other enrolments (three queries)."""
    people, counted = _people_of(enrollment, application, payee)
    dead = [p for p in people if p.died_on is not None and p.died_on <= today]
    alive = len(people) - len(dead)
    members_text = _("户籍登记现有成员%(n)d人（在世%(alive)d人），计入保障人数%(counted)d人。") % {
        "n": len(people),
        "alive": alive,
        "counted": counted,
    }
    members = (members_text, counted > alive)
    if dead:
        deaths_text = "；".join(
            _("%(name)s于%(date)s登记死亡") % {"name": mask_name(p.name), "date": p.died_on} for p in dead
        )
    else:
        deaths_text = _("户籍登记中没有死亡人员。")
    deaths = (deaths_text, bool(dead))
    own = enrollment.pk if enrollment is not None else 0
    program_id = (
        enrollment.program_id if enrollment is not None else (application.program_id if application else None)
    )
    others = (
        Enrollment.objects.filter(head_id__in=[p.pk for p in people], status=Enrollment.Status.ACTIVE)
        .exclude(pk=own)
        .select_related("program", "area", "head")
    )
    lines = []
    duplicate = False
    for other in others:
        lines.append(
            _("%(name)s在%(area)s享受%(program)s")
            % {
                "name": mask_name(other.head.name) if other.head_id else "",
                "area": other.area.name,
                "program": other.program.name,
            }
        )
        duplicate = duplicate or other.program_id == program_id
    enrolments_text = "；".join(lines) if lines else _("没有其他在保的救助项目。")
    return Facts(members, deaths, (enrolments_text, duplicate))


def blank_checklist(facts: Facts) -> list[dict[str, Any]]:
    data = {"data_members": facts.members, "data_deaths": facts.deaths, "data_enrolments": facts.enrolments}
    items: list[dict[str, Any]] = []
    for item in ITEMS:
        entry: dict[str, Any] = {"key": item.key, "result": "", "note": ""}
        if item.key == "home_visit":
            entry.update(date="", who="", observations="")
        if item.key in data:
            text, flagged = data[item.key]
            entry.update(facts=text, flagged=flagged)
        items.append(entry)
    return items


# --- opening -----------------------------------------------------------------------------------------------


def open_recheck(
    actor: Actor,
    area: Area,
    reason: str,
    *,
    enrollment: Enrollment | None = None,
    application: Application | None = None,
    case: Case | None = None,
    origin: Mapping[str, Any] | None = None,
    payee: Person | None = None,
) -> Recheck:
    """Create a re-check for the committee's queue. No permission check: callers are the committee's own
    `do_open_recheck` and the findings of reconciliation and objections. `origin` is the answered item
    saying what found the problem; `payee` the person paid, when a payment matched no enrolment."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写核查缘由。")})
    if enrollment is not None and application is None:
        application = enrollment.application
    facts = compare_with_registry(enrollment, application, timezone.localdate(), payee)
    checklist = blank_checklist(facts)
    if origin:
        checklist.insert(0, dict(origin))
    with transaction.atomic():
        recheck = Recheck.objects.create(
            area=area,
            enrollment=enrollment,
            application=application,
            reason=reason[:300],
            checklist=checklist,
            case=case,
            created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        audit.record(actor, AuditAction.CREATE, target=recheck, changes={"reason": [None, recheck.reason]})
    return recheck


def do_open_recheck(
    actor: Actor,
    *,
    reason: str,
    enrollment: Enrollment | None = None,
    application: Application | None = None,
) -> Recheck:
    """The committee opens a re-check of an enrolment or an application in its community."""
    target = enrollment if enrollment is not None else application
    if target is None:
        raise ValidationError(_("请选择要复核的救助对象或申请。"))
    _require_supervise(actor, target.area)
    return open_recheck(actor, target.area, reason, enrollment=enrollment, application=application)


# --- the checklist -----------------------------------------------------------------------------------------


def _require_pending(recheck: Recheck) -> None:
    if recheck.conclusion != Recheck.Conclusion.PENDING:
        raise ValidationError(_("该复核核查已作出结论，不能再修改。"))


def _clean_answer(key: str, raw: Mapping[str, Any]) -> dict[str, str]:
    result = str(raw.get("result") or "").strip()
    if result not in RESULTS:
        raise ValidationError({key: _("核查结果只能是“无问题”或“有问题”。")})
    note = str(raw.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({key: _("说明不能超过%(n)d字。") % {"n": MAX_NOTE}})
    if result == "problem" and not note:
        raise ValidationError({key: _("发现问题时请写明具体情况。")})
    answer = {"result": result, "note": note}
    if key == "home_visit":
        date_text = str(raw.get("date") or "").strip()
        if date_text:
            try:
                visited = datetime.date.fromisoformat(date_text)
            except ValueError as exc:
                raise ValidationError({key: _("走访日期格式不正确，请填写如 2024-05-03。")}) from exc
            if visited > timezone.localdate():
                raise ValidationError({key: _("走访日期不能晚于今天。")})
            date_text = visited.isoformat()
        who = str(raw.get("who") or "").strip()[:200]
        observations = str(raw.get("observations") or "").strip()[:MAX_NOTE]
        if result and not (date_text and who):
            raise ValidationError({key: _("请填写走访日期和走访人员。")})
        answer.update(date=date_text, who=who, observations=observations)
    return answer


@transaction.atomic
def do_save_checklist(actor: Actor, recheck: Recheck, answers: Mapping[str, Mapping[str, Any]]) -> Recheck:
    """Record the committee's answers (`{item key: {"result", "note", and for the visit "date", "who",
    "observations"}}`); items not given keep their answers. The origin items are never changed."""
    _require_supervise(actor, recheck.area)
    _require_pending(recheck)
    unknown = set(answers) - ITEM_KEYS
    if unknown:
        raise ValidationError(_("未知的核查项目。"))
    cleaned = {key: _clean_answer(key, raw) for key, raw in answers.items()}
    items = [dict(entry) for entry in recheck.checklist]
    changed: dict[str, list[Any]] = {}
    present = {entry.get("key") for entry in items}
    for key in cleaned:
        if key not in present:
            items.append({"key": key, "result": "", "note": ""})
    for entry in items:
        answer = cleaned.get(entry.get("key", ""))
        if answer is None:
            continue
        before = {k: entry.get(k, "") for k in answer}
        if before != answer:
            changed[entry["key"]] = [before.get("result", ""), answer["result"]]
            entry.update(answer)
    if not changed:
        return recheck
    recheck.checklist = items
    recheck.save(update_fields=["checklist"])
    audit.record(actor, AuditAction.UPDATE, target=recheck, changes={"checklist": changed})
    return recheck


def problems(recheck: Recheck) -> list[dict[str, Any]]:
    """The items answered "problem" (origin items included). No query."""
    return [entry for entry in recheck.checklist if entry.get("result") == "problem"]


# --- the conclusion ----------------------------------------------------------------------------------------

CONCLUSIONS = (Recheck.Conclusion.ELIGIBLE, Recheck.Conclusion.ADJUST, Recheck.Conclusion.INELIGIBLE)


def subject(recheck: Recheck) -> str:
    """The household a re-check is about, as the ledger names it: program and masked head (needs
    enrollment/application with head/applicant and program loaded)."""
    if recheck.enrollment is not None:
        return f"{recheck.enrollment.program.name} · {mask_name(recheck.enrollment.head.name)}"
    if recheck.application is not None:
        return f"{recheck.application.program.name} · {mask_name(recheck.application.applicant.name)}"
    return ""


def do_conclude_recheck(actor: Actor, recheck: Recheck, conclusion: str, note: str) -> Recheck:
    """The committee's conclusion: eligible, adjust or ineligible, with its reasons; written to the
    committee's ledger. A finding of adjust or ineligible must rest on at least one item with a problem."""
    _require_supervise(actor, recheck.area)
    _require_pending(recheck)
    if conclusion not in CONCLUSIONS:
        raise ValidationError({"conclusion": _("请选择核查结论。")})
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请写明结论的理由。")})
    if conclusion != Recheck.Conclusion.ELIGIBLE and not problems(recheck):
        raise ValidationError(
            {"conclusion": _("认定需调整或不符合条件时，核查清单中至少应有一项记录了发现的问题。")}
        )
    now = timezone.now()
    with transaction.atomic():
        claimed = Recheck.objects.filter(pk=recheck.pk, conclusion=Recheck.Conclusion.PENDING).update(
            conclusion=conclusion, conclusion_note=note, concluded_at=now
        )
        if not claimed:
            raise ValidationError(_("该复核核查刚刚已作出结论，请刷新页面。"), code="conflict")
        recheck.conclusion, recheck.conclusion_note, recheck.concluded_at = conclusion, note, now
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=recheck,
            changes={"conclusion": [Recheck.Conclusion.PENDING, conclusion]},
            reason=note,
        )
        ledger.record_activity(
            actor,
            recheck.area,
            Activity.Kind.INSPECTION,
            _("复核核查：%(subject)s，结论：%(conclusion)s")
            % {"subject": subject(recheck), "conclusion": recheck.get_conclusion_display()},
            detail=note,
            participants=audit.actor_label(actor),
            source=recheck,
        )
    return recheck


# --- display -------------------------------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    key: str
    section: str
    label: StrOrPromise
    entry: dict[str, Any]
    origin: bool

    @property
    def result_label(self) -> StrOrPromise:
        return RESULT_LABELS.get(str(self.entry.get("result") or ""), "")


def checklist_rows(recheck: Recheck) -> list[ChecklistRow]:
    """The stored checklist in the guide's order, origin items first, labelled (no query)."""
    stored = {entry.get("key"): entry for entry in recheck.checklist}
    rows = [
        ChecklistRow(str(entry.get("key")), "origin", ORIGIN_LABELS[entry["key"]], entry, True)
        for entry in recheck.checklist
        if entry.get("key") in ORIGIN_LABELS
    ]
    for item in ITEMS:
        entry = stored.get(item.key) or {"key": item.key, "result": "", "note": ""}
        rows.append(ChecklistRow(item.key, item.section, item.label, entry, False))
    return rows
