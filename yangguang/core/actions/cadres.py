"""The cadres a supervision committee must be independent of: their posts (`CadrePost`) and the
close-relatives register (近亲属备案, `Kinship`), entered one by one or imported from a spreadsheet.

`committee.Register` reads both to check eligibility (村委会组织法第32条). Staff (MANAGE_COMMITTEE) make every
change here; `actor=None` is the system (demo data, management commands) and is not checked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit
from yangguang.core.actions.committee import (
    _in,
    normalize_id,
    person_index,
    post_label,
    require_manage,
)
from yangguang.core.models import (
    Area,
    AuditAction,
    CadreBody,
    CadrePost,
    KinRelation,
    Kinship,
    Person,
)
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None


# --- cadre posts ---------------------------------------------------------------------------------------


def check_create_cadre_post(
    actor: Actor,
    area: Area,
    person: Person,
    *,
    body: str,
    title: str,
    is_party_secretary: bool = False,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> CadrePost:
    require_manage(actor, area)
    title = title.strip()
    errors: dict[str, str] = {}
    if not area.is_community:
        errors["area"] = _("干部任职只登记在社区或村。")
    if not area.contains(person.area):
        errors["person"] = _("%(name)s不是%(area)s的登记居民。") % {"name": person.name, "area": area.name}
    if body not in CadreBody.values:
        errors["body"] = _("请选择所在组织。")
    if not title:
        errors["title"] = _("请填写职务。")
    if is_party_secretary and body != CadreBody.PARTY:
        errors["is_party_secretary"] = _("党组织书记应登记在“社区党组织”。")
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("离职日期不能早于任职日期。")
    duplicate = CadrePost.objects.filter(
        area=area, person=person, body=body, title=title, ends_on__isnull=True
    )
    if not errors and duplicate.exists():
        errors["title"] = _("%(name)s已登记该职务且尚未离职。") % {"name": person.name}
    if errors:
        raise ValidationError(errors)
    return do_create_cadre_post(
        actor,
        area,
        person,
        body=body,
        title=title,
        is_party_secretary=is_party_secretary,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def do_create_cadre_post(
    actor: Actor,
    area: Area,
    person: Person,
    *,
    body: str,
    title: str,
    is_party_secretary: bool,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> CadrePost:
    post = CadrePost.objects.create(
        area=area,
        person=person,
        body=body,
        title=title[:50],
        is_party_secretary=is_party_secretary,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=post,
        target_repr=f"{mask_name(person.name)} {post_label(post)}",
        changes=audit.public(audit.snapshot(post)),
    )
    return post


@transaction.atomic
def do_end_cadre_post(actor: Actor, post: CadrePost, ends_on: datetime.date) -> CadrePost:
    require_manage(actor, post.area)
    if post.ends_on is not None:
        raise ValidationError(_("该任职已于%(d)s结束。") % {"d": post.ends_on})
    if ends_on < post.starts_on:
        raise ValidationError({"ends_on": _("离职日期不能早于任职日期（%(d)s）。") % {"d": post.starts_on}})
    post.ends_on = ends_on
    post.save(update_fields=["ends_on"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=post,
        target_repr=f"{mask_name(post.person.name)} {post_label(post)}",
        changes={"ends_on": [None, ends_on.isoformat()]},
    )
    return post


# --- the close-relatives register ----------------------------------------------------------------------


def _kin_snapshot(line: Kinship) -> dict[str, Any]:
    """Audit values of a register line: the relative is a private person, so their name is masked too."""
    values = audit.public(audit.snapshot(line))
    values["relative_name"] = mask_name(line.relative_name)
    return values


def _kin_repr(line: Kinship) -> str:
    return f"{mask_name(line.cadre.name)} — {line.get_relation_display()} {mask_name(line.relative_name)}"


def _new_kinship(
    area: Area, cadre: Person, relative_name: str, id18: str, relation: str, note: str
) -> tuple[Kinship | None, dict[str, str]]:
    """An unsaved register line and its errors (field → message), matched to the registry by ID number."""
    errors: dict[str, str] = {}
    relative_name = relative_name.strip()
    if not area.contains(cadre.area):
        errors["cadre"] = _("%(name)s不是%(area)s的登记居民。") % {"name": cadre.name, "area": area.name}
    if not relative_name:
        errors["relative_name"] = _("请填写亲属姓名。")
    elif len(relative_name) > 50:
        errors["relative_name"] = _("亲属姓名过长。")
    if relation not in KinRelation.values:
        errors["relation"] = _("请选择关系。")
    if errors:
        return None, errors
    line = Kinship(
        area=area, cadre=cadre, relative_name=relative_name, relation=relation, note=note.strip()[:200]
    )
    line.set_sealed("relative_id_number", id18)
    line.relative = Person.objects.filter(id_number_index=person_index(id18)).first()
    if line.relative_id == cadre.pk:
        return None, {"relative_id_number": _("亲属不能是干部本人。")}
    return line, {}


def check_add_kinship(
    actor: Actor,
    area: Area,
    cadre: Person,
    *,
    relative_name: str,
    relative_id_number: str,
    relation: str,
    note: str = "",
) -> Kinship:
    require_manage(actor, area)
    if not area.is_community:
        raise ValidationError(_("近亲属备案只登记在社区或村。"))
    try:
        id18 = normalize_id(relative_id_number)
    except ValidationError as exc:
        raise ValidationError({"relative_id_number": exc.messages}) from exc
    line, errors = _new_kinship(area, cadre, relative_name, id18, relation, note)
    if line is None:
        raise ValidationError(errors)
    if Kinship.objects.filter(
        area=area, cadre=cadre, relative_id_number_index=line.relative_id_number_index
    ).exists():
        raise ValidationError(
            {"relative_id_number": _("该亲属已在%(name)s名下备案。") % {"name": cadre.name}}
        )
    return do_add_kinship(actor, line)


@transaction.atomic
def do_add_kinship(actor: Actor, line: Kinship) -> Kinship:
    line.save()
    audit.record(
        actor,
        AuditAction.CREATE,
        target=line,
        target_repr=_kin_repr(line),
        changes=_kin_snapshot(line),
    )
    return line


@transaction.atomic
def do_delete_kinship(actor: Actor, line: Kinship, reason: str = "") -> None:
    require_manage(actor, line.area)
    snapshot = _kin_snapshot(line)
    target_repr = _kin_repr(line)
    pk, area = line.pk, line.area
    line.delete()
    audit.record(
        actor,
        AuditAction.DELETE,
        target_type="kinship",
        target_id=str(pk),
        target_repr=target_repr,
        area=area,
        changes={key: [value, None] for key, value in snapshot.items()},
        reason=reason.strip(),
    )


# Cell values are data, not interface text: they stay Chinese whatever the user's language.
RELATION_WORDS: Final[dict[str, tuple[str, ...]]] = {
    KinRelation.SPOUSE: ("配偶", "妻子", "丈夫", "妻", "夫"),
    KinRelation.PARENT: ("父母", "父亲", "母亲", "父", "母"),
    KinRelation.SPOUSE_PARENT: ("配偶的父母", "岳父", "岳母", "公公", "婆婆"),
    KinRelation.SIBLING: ("兄弟姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄", "弟", "姐", "妹"),
    KinRelation.SPOUSE_SIBLING: ("配偶的兄弟姐妹",),
    KinRelation.CHILD: ("子女", "儿子", "女儿", "子", "女"),
    KinRelation.CHILD_SPOUSE: ("子女的配偶", "儿媳", "女婿"),
    KinRelation.GRANDPARENT: ("祖父母、外祖父母", "祖父母", "外祖父母", "祖父", "祖母", "外祖父", "外祖母"),
    KinRelation.GRANDCHILD: ("孙子女、外孙子女", "孙子女", "外孙子女", "孙子", "孙女", "外孙", "外孙女"),
    KinRelation.PARENT_SIBLING: (
        "父母的兄弟姐妹",
        "伯父",
        "叔父",
        "姑母",
        "舅父",
        "姨母",
        "叔叔",
        "姑姑",
        "舅舅",
    ),
    KinRelation.ADOPTIVE_STEP: (
        "养父母、继父母及其他拟制血亲",
        "养父母",
        "继父母",
        "养父",
        "养母",
        "继父",
        "继母",
    ),
}
_RELATION_LOOKUP: Final = {word: value for value, words in RELATION_WORDS.items() for word in (value, *words)}

KINSHIP_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "干部身份证号": ("干部身份证号码", "干部证件号码"),
    "干部姓名": ("干部",),
    "亲属姓名": ("近亲属姓名", "姓名"),
    "亲属身份证号": ("亲属身份证号码", "近亲属身份证号", "身份证号", "身份证号码"),
    "关系": ("与干部关系", "亲属关系"),
    "备注": ("说明",),
}
KINSHIP_REQUIRED: Final = ("干部身份证号", "亲属姓名", "亲属身份证号", "关系")


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class KinshipImport:
    created: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + len(self.rejected)


def _id_cell(value: tabular.Cell) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            # Excel keeps 15 significant digits: an 18-digit number typed into a General cell lost its tail.
            raise ValidationError(
                _("身份证号被 Excel 存成了数字，末尾几位已丢失，请把该列设为文本后重新填写。")
            )
        return str(int(value))
    return tabular.cell_text(value)


def check_import_kinship(actor: Actor, area: Area, data: bytes, filename: str = "") -> KinshipImport:
    """Import register lines from .xlsx/.csv. Each row stands alone: good rows are kept (one transaction,
    one audit entry), bad ones reported with their row number and reason. Unreadable files are refused."""
    require_manage(actor, area)
    if not area.is_community:
        raise ValidationError(_("近亲属备案只登记在社区或村。"))
    try:
        table = tabular.read_table(
            data,
            filename,
            aliases=KINSHIP_COLUMNS,
            required=KINSHIP_REQUIRED,
            max_bytes=int(settings.IMPORT_MAX_UPLOAD_MB) * 1024 * 1024,
        )
    except tabular.TabularError as exc:
        raise ValidationError(str(exc)) from exc

    def cell(row: list[tabular.Cell], name: str) -> tabular.Cell:
        position = table.column(name)
        return row[position] if position is not None else None

    report = KinshipImport()
    parsed: list[tuple[int, str, str, str, str, str, str]] = []
    for row, line_no in zip(table.rows, table.line_numbers, strict=True):
        try:
            cadre_id = normalize_id(_id_cell(cell(row, "干部身份证号")))
        except ValidationError as exc:
            report.rejected.append(
                RowError(line_no, _("干部身份证号：%(e)s") % {"e": "；".join(exc.messages)})
            )
            continue
        try:
            relative_id = normalize_id(_id_cell(cell(row, "亲属身份证号")))
        except ValidationError as exc:
            report.rejected.append(
                RowError(line_no, _("亲属身份证号：%(e)s") % {"e": "；".join(exc.messages)})
            )
            continue
        word = tabular.cell_text(cell(row, "关系"))
        relation = _RELATION_LOOKUP.get(word)
        if relation is None:
            report.rejected.append(RowError(line_no, _("无法识别的关系“%(w)s”。") % {"w": word}))
            continue
        parsed.append(
            (
                line_no,
                cadre_id,
                tabular.cell_text(cell(row, "干部姓名")),
                tabular.cell_text(cell(row, "亲属姓名")),
                relative_id,
                relation,
                tabular.cell_text(cell(row, "备注")),
            )
        )
    cadres = {
        p.id_number_index: p
        for p in Person.objects.filter(_in(area), id_number_index__in={person_index(r[1]) for r in parsed})
    }
    existing = set(Kinship.objects.filter(area=area).values_list("cadre_id", "relative_id_number_index"))
    lines: list[Kinship] = []
    for line_no, cadre_id, cadre_name, relative_name, relative_id, relation, note in parsed:
        cadre = cadres.get(person_index(cadre_id))
        if cadre is None:
            report.rejected.append(RowError(line_no, _("干部不是%(area)s的登记居民。") % {"area": area.name}))
            continue
        if cadre_name and cadre_name != cadre.name:
            report.rejected.append(RowError(line_no, _("干部姓名与身份证号登记的姓名不一致。")))
            continue
        line, errors = _new_kinship(area, cadre, relative_name, relative_id, relation, note)
        if line is None:
            report.rejected.append(RowError(line_no, "；".join(errors.values())))
            continue
        key = (cadre.pk, line.relative_id_number_index)
        if key in existing:
            report.rejected.append(
                RowError(line_no, _("该亲属已在%(name)s名下备案。") % {"name": cadre.name})
            )
            continue
        existing.add(key)
        lines.append(line)
    with transaction.atomic():
        Kinship.objects.bulk_create(lines)
        report.created = len(lines)
        audit.record(
            actor,
            AuditAction.IMPORT,
            target_type="kinship",
            target_repr=_("%(area)s近亲属备案导入") % {"area": area.name},
            area=area,
            changes={"created": report.created, "rejected": len(report.rejected)},
        )
    report.rejected.sort(key=lambda e: e.line)
    return report


def kinship_template() -> bytes:
    headers = list(KINSHIP_COLUMNS)
    return tabular.write_xlsx(headers, [], text_columns=[0, 3], sheet_name="近亲属备案")
