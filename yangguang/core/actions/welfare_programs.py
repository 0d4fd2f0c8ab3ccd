"""Welfare programs, their standards and the household counting rules (救助项目、保障标准、家庭成员认定规则):
configured by the district's civil-affairs bureau and the district administrator (MANAGE_PROGRAMS), each
change with an audit entry. Re-exported by `welfare`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.actions.welfare_common import require
from yangguang.core.models import AreaKind, AuditAction, CountingRule, Program, ProgramStandard
from yangguang.core.permissions import Cap

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None


@transaction.atomic
def do_save_program(actor: Actor, program: Program, before: dict[str, Any] | None = None) -> Program:
    """Create or update a program at a district (MANAGE_PROGRAMS there)."""
    area = program.area if program.area_id else None
    require(actor, Cap.MANAGE_PROGRAMS, area, _("您没有在该区域设置救助项目的权限。"))
    assert area is not None  # noqa: S101 - `require` rejected a missing area
    if area.kind != AreaKind.DISTRICT:
        raise ValidationError({"area": _("救助项目须设在区（县）一级。")})
    _check_percent(program.review_attendance_percent, "review_attendance_percent")
    _check_percent(program.review_approval_percent, "review_approval_percent")
    if program.review_months < 1:
        raise ValidationError({"review_months": _("复核周期至少为1个月。")})
    if program.notice_days < 1:
        raise ValidationError({"notice_days": _("公示天数至少为1天。")})
    duplicate = Program.objects.filter(area=area, code=program.code).exclude(pk=program.pk)
    if duplicate.exists():
        raise ValidationError({"code": _("本区已有代码为“%(code)s”的救助项目。") % {"code": program.code}})
    creating = program.pk is None
    program.save()
    if creating:
        audit.record(actor, AuditAction.CREATE, target=program, changes=audit.public(audit.snapshot(program)))
    else:
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=program,
            changes=audit.diff(before or {}, audit.snapshot(program)),
        )
    return program


def _check_percent(value: int, field: str) -> None:
    if not 1 <= value <= 100:
        raise ValidationError({field: _("比例须在1到100之间。")})


@transaction.atomic
def do_add_standard(actor: Actor, program: Program, standard: ProgramStandard) -> ProgramStandard:
    """Add a standard to a program: for the program's whole area (no area) or one area inside it."""
    require(actor, Cap.MANAGE_PROGRAMS, program.area, _("您没有设置该救助项目的权限。"))
    standard.program = program
    if standard.area_id is not None:
        assert standard.area is not None  # noqa: S101
        if not program.area.contains(standard.area):
            raise ValidationError({"area": _("适用区域须在该救助项目所属区域之内。")})
    if standard.monthly_standard is None or standard.monthly_standard <= 0:
        raise ValidationError({"monthly_standard": _("保障标准须大于0。")})
    if standard.vehicles_allowed is False and standard.vehicle_value_limit is not None:
        raise ValidationError({"vehicle_value_limit": _("不允许拥有机动车时，不需要填写价值上限。")})
    if not standard.source.strip():
        raise ValidationError({"source": _("请填写依据文件（文件名称和文号）。")})
    clash = ProgramStandard.objects.filter(
        program=program, area=standard.area, effective_from=standard.effective_from
    )
    if clash.exists():
        raise ValidationError({"effective_from": _("该区域在同一生效日期已有一条标准。")})
    standard.save()
    audit.record(
        actor,
        AuditAction.CREATE,
        target=standard,
        area=program.area,
        changes=audit.public(audit.snapshot(standard)),
    )
    return standard


@transaction.atomic
def do_add_counting_rule(actor: Actor, rule: CountingRule) -> CountingRule:
    """Override a national counting rule for an area (a province or city's own document)."""
    area = rule.area if rule.area_id else None
    if area is None:
        raise ValidationError({"area": _("请选择适用区域；全国规则由系统预置，不能在此修改。")})
    require(actor, Cap.MANAGE_PROGRAMS, area, _("您没有在该区域设置家庭成员认定规则的权限。"))
    if not rule.reason.strip():
        raise ValidationError({"reason": _("请填写说明。")})
    if not rule.source.strip():
        raise ValidationError({"source": _("请填写依据文件（文件名称和条款）。")})
    clash = CountingRule.objects.filter(
        area=area, circumstance=rule.circumstance, effective_from=rule.effective_from
    )
    if clash.exists():
        raise ValidationError({"effective_from": _("该区域在同一生效日期已有该情形的规则。")})
    rule.save()
    audit.record(
        actor, AuditAction.CREATE, target=rule, area=area, changes=audit.public(audit.snapshot(rule))
    )
    return rule
