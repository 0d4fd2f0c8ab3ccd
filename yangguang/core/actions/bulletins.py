"""Bulletins (通报): a street's or district's figures of supervision in its communities for a period.

A bulletin freezes per-community figures in `Bulletin.figures` when it is generated — inspections held by
kind, their findings by severity, rectification notices issued, passed, open, overdue and escalated —
computed in a few grouped queries (`bulletin_figures`). It can then become a disclosure draft
(`do_disclose_bulletin`); the figures are counts, so nothing personal is published, and the remarks pass
`inspections.public_text`.

Who may do what: generating, reading and disclosing a bulletin needs Cap.OVERSEE at the street or district.
The inspections, findings and rectification notices counted here are in `inspections`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, ledger
from yangguang.core.actions.inspections import public_text
from yangguang.core.models import (
    Area,
    AreaKind,
    AuditAction,
    Bulletin,
    Disclosure,
    Finding,
    Inspection,
    Rectification,
)
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser
    Actor = AbstractBaseUser | AnonymousUser | None


BULLETIN_DISCLOSURE_KIND = "bulletin"
MAX_BULLETIN_DAYS = 366
# The columns of a bulletin's figures per community.
INSPECTION_KEYS = tuple(Inspection.Kind.values)
SEVERITY_KEYS = tuple(Finding.Severity.values)
RECTIFICATION_KEYS = ("issued", "passed", "open", "overdue", "escalated")


def access_bulletin(user: User, pk: int | str) -> Bulletin:
    if not user.is_authenticated:
        raise Http404
    try:
        bulletin = Bulletin.objects.select_related("area", "created_by").get(pk=pk)
    except (Bulletin.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not has_capability(user, Cap.OVERSEE, bulletin.area):
        raise Http404
    return bulletin


def _empty_row() -> dict[str, dict[str, int]]:
    return {
        "inspections": {key: 0 for key in (*INSPECTION_KEYS, "total")},
        "findings": {key: 0 for key in (*SEVERITY_KEYS, "total")},
        "rectifications": {key: 0 for key in RECTIFICATION_KEYS},
    }


def bulletin_figures(area: Area, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Per-community figures for a period, in four queries (communities, inspections, findings,
    rectifications), with totals.

    - inspections: completed inspections held in the period, by kind;
    - findings: findings of those inspections, by severity;
    - rectifications: issued in the period; verified as passed in the period; open at the end of the
      period (issued by then, not yet verified as passed by then); overdue (open, and the deadline before
      the end of the period or today, whichever is earlier); escalated to the street in the period.
    """
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    until = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    )
    cutoff = min(end, timezone.localdate())
    communities = list(
        Area.objects.filter(path__startswith=area.path, kind__in=[AreaKind.COMMUNITY, AreaKind.VILLAGE])
        .order_by("path")
        .values_list("pk", "name")
    )
    rows: dict[int, dict[str, dict[str, int]]] = defaultdict(_empty_row)
    held = Inspection.objects.filter(
        area__path__startswith=area.path,
        status=Inspection.Status.COMPLETED,
        held_on__gte=start,
        held_on__lte=end,
    )
    for row in held.values("area_id", "kind").annotate(n=Count("id")).order_by():
        rows[row["area_id"]]["inspections"][row["kind"]] += row["n"]
    findings = Finding.objects.filter(inspection__in=held.values("pk"))
    for row in findings.values("inspection__area_id", "severity").annotate(n=Count("id")).order_by():
        rows[row["inspection__area_id"]]["findings"][row["severity"]] += row["n"]
    passed_by_end = Q(verdict=Rectification.Verdict.PASSED, verified_at__lt=until)
    open_at_end = Q(issued_at__lt=until) & ~passed_by_end
    rectifications = (
        Rectification.objects.filter(
            finding__inspection__area__path__startswith=area.path, issued_at__lt=until
        )
        .values("finding__inspection__area_id")
        .annotate(
            issued=Count("id", filter=Q(issued_at__gte=since)),
            passed=Count("id", filter=passed_by_end & Q(verified_at__gte=since)),
            open=Count("id", filter=open_at_end),
            overdue=Count("id", filter=open_at_end & Q(deadline__lt=cutoff)),
            escalated=Count("id", filter=Q(case__escalated_at__gte=since, case__escalated_at__lt=until)),
        )
        .order_by()
    )
    for row in rectifications:
        target = rows[row["finding__inspection__area_id"]]["rectifications"]
        for key in RECTIFICATION_KEYS:
            target[key] += row[key]
    totals = _empty_row()
    listed = []
    for pk, name in communities:
        row = rows.get(pk) or _empty_row()
        row["inspections"]["total"] = sum(row["inspections"][k] for k in INSPECTION_KEYS)
        row["findings"]["total"] = sum(row["findings"][k] for k in SEVERITY_KEYS)
        for group, values in row.items():
            for key, value in values.items():
                totals[group][key] += value
        listed.append({"area_id": pk, "name": name, **row})
    return {
        "period": [start.isoformat(), end.isoformat()],
        "generated_at": timezone.now().isoformat(),
        "communities": listed,
        "totals": totals,
    }


@transaction.atomic
def check_generate_bulletin(
    actor: Actor,
    area: Area,
    period_start: datetime.date,
    period_end: datetime.date,
    *,
    title: str = "",
    remarks: str = "",
) -> Bulletin:
    """A bulletin of a street's or district's communities for a period; its figures are frozen now."""
    if actor is None or not has_capability(actor, Cap.OVERSEE, area):
        raise PermissionDenied(_("只有街道或区级监督人员可以生成通报。"))
    if area.kind not in (AreaKind.STREET, AreaKind.DISTRICT):
        raise ValidationError({"area": _("通报的范围应为街道（乡镇）或区。")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("截止日期不能早于起始日期。")})
    if (period_end - period_start).days >= MAX_BULLETIN_DAYS:
        raise ValidationError({"period_end": _("通报期间不能超过一年。")})
    title = title.strip() or _("%(area)s居务监督检查情况通报（%(start)s至%(end)s）") % {
        "area": area.name,
        "start": period_start.isoformat(),
        "end": period_end.isoformat(),
    }
    bulletin = Bulletin.objects.create(
        area=area,
        title=title[:200],
        period_start=period_start,
        period_end=period_end,
        figures=bulletin_figures(area, period_start, period_end),
        remarks=remarks.strip(),
        created_by=actor,  # type: ignore[misc]
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=bulletin,
        changes={"period": [None, f"{period_start.isoformat()}~{period_end.isoformat()}"]},
    )
    return bulletin


def bulletin_disclosure(bulletin: Bulletin) -> Disclosure | None:
    source_type, source_id = ledger.target_key(bulletin)
    return Disclosure.objects.filter(source_type=source_type, source_id=source_id).first()


@transaction.atomic
def do_disclose_bulletin(actor: Actor, bulletin: Bulletin) -> Disclosure:
    """Turn a bulletin into a disclosure draft. Its figures are counts per community: nothing personal."""
    if actor is None or not has_capability(actor, Cap.OVERSEE, bulletin.area):
        raise PermissionDenied(_("只有街道或区级监督人员可以公开通报。"))
    if bulletin_disclosure(bulletin) is not None:
        raise ValidationError(_("该通报已生成公开草稿。"))
    payload = {
        "area": bulletin.area.name,
        "period": [bulletin.period_start.isoformat(), bulletin.period_end.isoformat()],
        "communities": [
            {key: value for key, value in row.items() if key != "area_id"}
            for row in bulletin.figures.get("communities", [])
        ],
        "totals": bulletin.figures.get("totals", {}),
        "remarks": public_text(bulletin.remarks, bulletin.area),
    }
    return ledger.do_create_disclosure(
        actor,
        bulletin.area,
        BULLETIN_DISCLOSURE_KIND,
        bulletin.title,
        payload,
        body=payload["remarks"],
        source=bulletin,
    )
