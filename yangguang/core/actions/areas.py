"""Managing the area tree (区 → 街道/乡镇 → 社区/村 → 网格): creating, renaming and importing areas.

Who: holders of MANAGE_AREAS (district administrators) inside their jurisdiction; `actor=None` is the system
(`manage.py bootstrap_district`), the only way to create the top-level district. Every area is created by
`registry.do_create_area`, which checks the placement and writes the audit entry; this module adds the
jurisdiction check and the rules people trip over, with Chinese messages beside the field at fault:

- names are compared the way people type them (full-width letters, stray spaces and case do not count),
  so "阳光　社区" is the same community as "阳光社区" and cannot be created a second time beside it;
- a district's code, when given, is its 6-digit GB/T 2260 code; other codes are local and free-form.

An area is deleted only when nothing hangs on it (`check_delete_area`): what counts is read from every
relation pointing at Area, whichever app declares it, so a model added later is covered too (an area
created by mistake can go; one with children, people, cases or role assignments cannot). Areas are never
moved: moving a subtree would move its jurisdiction with it.

The spreadsheet import (`check_import_areas`) reads one sheet of rows 街道 / 社区/村 / 类型 / 网格 / 编码. Each
row names a path below the area imported into; existing areas are matched by name under their parent and
left alone, missing ones are created, and a row that cannot be placed is rejected with its row number and
reason. The valid rows are applied in one transaction: either all their areas are created or none is.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Final, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from yangguang.core import tabular
from yangguang.core.actions import audit, registry
from yangguang.core.actions.imports import _max_bytes, _read_bytes
from yangguang.core.actions.imports_rows import Column
from yangguang.core.models import ALLOWED_CHILD_KINDS, Area, AreaKind, AuditAction, AuditEntry
from yangguang.core.permissions import Cap, has_capability
from yangguang.core.tabular import Cell, Table, TabularError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

# Area trees are small (a district has a few hundred grids); a sheet longer than this is the wrong file.
MAX_IMPORT_ROWS: Final = 5000
# The areas an import may be run into: a district (rows name streets) or a street (rows name communities).
IMPORT_TARGET_KINDS: Final = (AreaKind.DISTRICT, AreaKind.STREET)

_SPACES: Final = re.compile(r"\s+")
# A space between two Chinese characters is padding typed to line names up ("新华　社区"), not part of them.
_CJK_GAP: Final = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_DISTRICT_CODE: Final = re.compile(r"^\d{6}$")


# --- names and codes -----------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """An area name as stored: NFKC (full-width letters and spaces to half-width), runs of spaces made one,
    and none left between two Chinese characters ("新华　社区" → "新华社区", "Riverside  Park" keeps one)."""
    collapsed = _SPACES.sub(" ", tabular.clean_text(unicodedata.normalize("NFKC", raw))).strip()
    return _CJK_GAP.sub("", collapsed)


def clean_code(raw: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw))


def _max_length(name: str) -> int:
    return int(getattr(Area._meta.get_field(name), "max_length", 0) or 0)


def name_errors(parent: Area | None, name: str, exclude_pk: int | None = None) -> list[str]:
    """What is wrong with `name` for an area under `parent` (empty when it may be used)."""
    if not name:
        return [_("请填写名称。")]
    limit = _max_length("name")
    if len(name) > limit:
        return [_("名称过长（最多%(n)d个字）。") % {"n": limit}]
    siblings = Area.objects.filter(parent=parent) if parent is not None else Area.objects.filter(parent=None)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    key = tabular.match_key(name)
    for other in siblings.values_list("name", flat=True):
        if tabular.match_key(other) == key:
            if parent is None:
                return [_("已有名为“%(name)s”的区。") % {"name": other}]
            return [_("“%(parent)s”下已有名为“%(name)s”的区域。") % {"parent": parent.name, "name": other}]
    return []


def code_errors(kind: str, code: str) -> list[str]:
    limit = _max_length("code")
    if len(code) > limit:
        return [_("编码过长（最多%(n)d个字符）。") % {"n": limit}]
    if code and kind == AreaKind.DISTRICT and not _DISTRICT_CODE.match(code):
        return [_("区的编码应为6位数字的行政区划代码（GB/T 2260），如 430102；不知道可以留空。")]
    return []


def child_kinds(area: Area) -> tuple[str, ...]:
    """The kinds of area that may be created directly under `area` (none under a grid)."""
    return ALLOWED_CHILD_KINDS[area.kind]


# --- permission ----------------------------------------------------------------------------------------


def may_manage(actor: Actor, area: Area) -> bool:
    """Whether `actor` may create areas under, and rename, `area` (None is the system)."""
    return actor is None or has_capability(actor, Cap.MANAGE_AREAS, area)


def _require_manage(actor: Actor, area: Area) -> None:
    if not may_manage(actor, area):
        raise PermissionDenied(_("您没有管理“%(area)s”的区域的权限。") % {"area": area.name})


# --- creating and changing one area --------------------------------------------------------------------


def check_create_area(actor: Actor, *, parent: Area | None, kind: str, name: str, code: str = "") -> Area:
    """Create an area after checking jurisdiction, placement, the name and the code.

    Raises PermissionDenied outside the actor's jurisdiction (a district, having no parent, only for the
    system) and ValidationError with messages keyed by field (kind, name, code).
    """
    if parent is None and actor is not None:
        raise PermissionDenied(_("区只能在安装时用 manage.py bootstrap_district 创建。"))
    if parent is not None:
        _require_manage(actor, parent)
    name = clean_name(name)
    code = clean_code(code)
    errors: dict[str, list[str]] = {}
    try:
        registry.check_area_placement(parent, kind)
    except ValidationError as exc:
        errors["kind"] = exc.messages
    if found := name_errors(parent, name):
        errors["name"] = found
    if found := code_errors(kind, code):
        errors["code"] = found
    if errors:
        raise ValidationError(errors)
    return registry.do_create_area(actor, parent=parent, kind=kind, name=name, code=code)


def check_update_area(actor: Actor, area: Area, *, name: str, code: str) -> Area:
    """Rename an area or change its code; same rules and errors as `check_create_area`."""
    _require_manage(actor, area)
    name = clean_name(name)
    code = clean_code(code)
    errors: dict[str, list[str]] = {}
    parent = Area.objects.filter(pk=area.parent_id).first() if area.parent_id else None
    if found := name_errors(parent, name, exclude_pk=area.pk):
        errors["name"] = found
    if found := code_errors(area.kind, code):
        errors["code"] = found
    if errors:
        raise ValidationError(errors)
    return do_update_area(actor, area, name=name, code=code)


@transaction.atomic
def do_update_area(actor: Actor, area: Area, *, name: str, code: str) -> Area:
    """Set an area's name and code and audit old → new; a change that changes nothing writes nothing.

    The kind, parent and path never change here: moving an area would move a jurisdiction.
    """
    before = audit.snapshot(area)
    area.name = name
    area.code = code
    changes = audit.diff(before, audit.snapshot(area))
    if not changes:
        return area
    area.full_clean(exclude=["path"])
    area.save(update_fields=["name", "code"])
    audit.record(actor, AuditAction.UPDATE, target=area, changes=changes)
    return area


# --- deleting an empty area ----------------------------------------------------------------------------

# The audit trail is history, not data hanging on the area: every area has at least its creation entry, so
# counting it would make every area undeletable. Its entries are handed to the parent instead (see below).
_HISTORY_FIELDS: Final = (AuditEntry._meta.get_field("area"),)


@dataclass(frozen=True)
class AreaLink:
    """One way rows hang on an area: `model` rows with `lookup=area`, called `label` in messages."""

    model: type[models.Model]
    lookup: str
    label: str
    relation: ForeignObjectRel | models.ManyToManyField[Any, Any]  # what it was read from

    def count(self, area: Area) -> int:
        """One query. `_base_manager`: a default manager hiding rows (archived, soft-deleted) must not make
        an area look empty."""
        return int(self.model._base_manager.filter(**{self.lookup: area}).count())


@dataclass(frozen=True)
class Attachment:
    """What hangs on an area through one link: its human name and how many rows."""

    label: str
    count: int


def _parent_for_checks(area: Area) -> Area | None:
    """The parent as far as permission checks go (its path, read from the area's path: no query)."""
    if area.parent_id is None:
        return None
    return Area(pk=area.parent_id, path=area.path.removesuffix(f"{area.pk}/"))


def may_delete(actor: Actor, area: Area) -> bool:
    """Whether `actor` may delete `area` if it is empty: MANAGE_AREAS at its parent, so never a district.
    Runs no query once the actor's role assignments are cached."""
    parent = _parent_for_checks(area)
    return parent is not None and may_manage(actor, parent)


def area_links() -> list[AreaLink]:
    """Every relation through which rows may hang on an area, whichever app declares it.

    Read from the model registry, so a model added later is covered without touching this code. Unlike
    `Area._meta.related_objects`, hidden relations (related_name="+": time-limit rules, supervision items
    and others, several of them on_delete=CASCADE) are included: they would otherwise be deleted silently
    with the area. Left out: the audit trail's link (`_HISTORY_FIELDS`) and a many-to-many's automatic join
    table, which is counted through the many-to-many itself; Area's own many-to-many fields are included.
    """
    rels = [
        rel
        for rel in Area._meta.get_fields(include_hidden=True)
        if isinstance(rel, ForeignObjectRel) and rel.field not in _HISTORY_FIELDS
    ]
    models_seen = Counter(rel.related_model for rel in rels)
    parent_field = Area._meta.get_field("parent")
    links: list[AreaLink] = []
    for rel in rels:
        model = cast("type[models.Model]", rel.related_model)
        if model._meta.auto_created:
            continue
        if rel.field is parent_field:
            label = _("下级区域")
        elif models_seen[model] > 1:  # one model linked to areas twice: say which link
            label = f"{model._meta.verbose_name_plural}（{rel.field.verbose_name}）"
        else:
            label = str(model._meta.verbose_name_plural)
        links.append(AreaLink(model, rel.field.name, label, rel))
    for m2m in Area._meta.many_to_many:
        through = cast("type[models.Model]", m2m.remote_field.through)
        links.append(AreaLink(through, m2m.m2m_field_name(), str(m2m.verbose_name), m2m))
    return links


def attachments(area: Area) -> list[Attachment]:
    """What hangs on `area`, one count query per link; empty when it may be deleted.

    Child areas are one of the links, so an area with a subtree below it is never empty.
    """
    found: list[Attachment] = []
    for link in area_links():
        if n := link.count(area):
            found.append(Attachment(link.label, n))
    return found


def attachment_message(area: Area, found: Sequence[Attachment]) -> str:
    """Why `area` cannot be deleted, naming what hangs on it ("下级区域 3 个、小区 2 个")."""
    listed = "、".join(_("%(label)s（%(n)d）") % {"label": item.label, "n": item.count} for item in found)
    return _(
        "“%(area)s”不能删除：其下还有%(listed)s。只有没有任何数据挂在下面的区域才能删除；"
        "如果只是名称写错了，请改用“修改名称和编码”。"
    ) % {"area": area.name, "listed": listed}


def require_delete(actor: Actor, area: Area) -> None:
    """Raise PermissionDenied unless `actor` may delete `area` (whether it is empty is not looked at)."""
    if area.parent_id is None:
        raise PermissionDenied(_("区不能在后台删除。"))
    if not may_delete(actor, area):
        raise PermissionDenied(
            _("您没有删除“%(area)s”的权限：删除区域需要管理其上级区域的权限。") % {"area": area.name}
        )


def check_delete_area(actor: Actor, area: Area) -> Area:
    """Delete an area nothing hangs on; returns its parent (where the user goes next).

    Raises PermissionDenied without MANAGE_AREAS at the parent (a street administrator may delete inside
    the street, not the street itself) and always for a district; ValidationError listing what hangs on
    the area (`attachment_message`) when it is not empty. The area row is locked before the count, so
    nothing can be attached to it between the check and the delete (an insert that references a row waits
    for that row's lock).
    """
    require_delete(actor, area)
    with transaction.atomic():
        locked = Area.objects.select_for_update().filter(pk=area.pk).first()
        if locked is None:
            raise ValidationError(_("“%(area)s”已被删除。") % {"area": area.name}, code="gone")
        if found := attachments(locked):
            raise ValidationError(attachment_message(locked, found), code="not_empty")
        return do_delete_area(actor, locked)


@transaction.atomic
def do_delete_area(actor: Actor, area: Area) -> Area:
    """Delete an area that `check_delete_area` found empty, audited; returns its parent.

    The area's own audit entries (its creation, renames) stay in the trail, moved to the parent's area so
    that the administrators who could read them still can; the delete entry is filed there too. Should a
    PROTECT or RESTRICT row have appeared anyway, nothing is deleted and the reason is a ValidationError.
    """
    parent = Area.objects.get(pk=cast(int, area.parent_id))
    snap = audit.public(audit.snapshot(area))
    pk, label = str(area.pk), audit._safe_repr(area)
    AuditEntry._base_manager.filter(area=area).update(area=parent)
    try:
        area.delete()
    except (models.ProtectedError, models.RestrictedError) as exc:
        if found := attachments(area):
            raise ValidationError(attachment_message(area, found), code="not_empty") from exc
        raise ValidationError(
            _("“%(area)s”仍被其他记录引用，不能删除。") % {"area": area.name}, code="not_empty"
        ) from exc
    audit.record(
        actor,
        AuditAction.DELETE,
        target_type=Area._meta.model_name or "",
        target_id=pk,
        target_repr=label,
        area=parent,
        changes={key: [value, None] for key, value in snap.items()},
    )
    return parent


# --- the import: columns and template ------------------------------------------------------------------

# Cell values are data, not interface text: the words accepted in a cell stay Chinese whatever the user's
# language.
KIND_WORDS: Final = {
    "社区": AreaKind.COMMUNITY,
    "社区居委会": AreaKind.COMMUNITY,
    "居委会": AreaKind.COMMUNITY,
    "居民委员会": AreaKind.COMMUNITY,
    "村": AreaKind.VILLAGE,
    "行政村": AreaKind.VILLAGE,
    "村委会": AreaKind.VILLAGE,
    "村民委员会": AreaKind.VILLAGE,
}


def area_columns() -> tuple[Column, ...]:
    """The template's columns, in order (a function so the help texts are translated per request)."""
    return (
        Column(
            "街道",
            ("街道/乡镇", "乡镇", "街道（乡镇）", "乡镇（街道）", "街道名称", "乡镇名称", "街道办事处"),
            False,
            False,
            _("导入到区时必填：街道或乡镇的名称。导入到街道时可留空（也可填该街道本身的名称）。"),
        ),
        Column(
            "社区/村",
            ("社区", "村", "社区或村", "村/社区", "社区名称", "村名称", "村居", "社区（村）"),
            False,
            False,
            _("社区或村的名称；只新建街道时留空。"),
        ),
        Column(
            "类型",
            ("社区类型", "区域类型", "社区/村类型", "类别"),
            False,
            False,
            _("社区 或 村。留空时，名称以“村”结尾的按村，其他按社区；已存在的社区或村按系统中的类型。"),
        ),
        Column(
            "网格",
            ("网格名称", "网格名"),
            False,
            False,
            _("可选：网格的名称，须同时填写社区/村。"),
        ),
        Column(
            "编码",
            ("代码", "区域编码", "区划代码", "行政区划代码", "统计用区划代码"),
            False,
            True,
            _("可选：本行最末一级区域（网格、社区/村或街道）的编码，最多20个字符。已存在的区域不会被修改。"),
        ),
    )


def area_aliases() -> dict[str, tuple[str, ...]]:
    return {column.name: column.aliases for column in area_columns()}


def _required_columns(target: Area) -> tuple[str, ...]:
    """The column the header row must have: streets under a district, communities under a street."""
    return ("街道",) if target.kind == AreaKind.DISTRICT else ("社区/村",)


def area_template(fmt: str) -> bytes:
    """The blank area-tree template, as .xlsx (text code column, a drop-down for 类型, notes) or .csv."""
    columns = area_columns()
    headers = [column.name for column in columns]
    if fmt == "csv":
        return tabular.write_csv(headers, [])
    notes = [(column.name, column.help) for column in columns]
    notes.append(
        (
            _("示例"),
            _(
                "每行写一条从街道到最末一级的路径，上级区域可在多行重复：东风街道 | 阳光社区 | 社区 | 第一网格；"
                "东风街道 | 阳光社区 | 社区 | 第二网格；东风街道 | 桃源村 | 村 |（无网格）。"
            ),
        )
    )
    return tabular.write_xlsx(
        headers,
        [],
        sheet_name=_("区域"),
        text_columns=[i for i, column in enumerate(columns) if column.text],
        choices=[tabular.Choices(headers.index("类型"), ["社区", "村"])],
        notes=notes,
    )


def load_area_table(target: Area, source: bytes | IO[bytes], filename: str = "") -> Table:
    """The area sheet of an upload. Raises ValidationError (one message) for a file that cannot be used:
    not a spreadsheet, too large, no header with the needed column, or more than MAX_IMPORT_ROWS rows."""
    data = _read_bytes(source)
    try:
        table = tabular.read_table(
            data,
            filename,
            aliases=area_aliases(),
            required=_required_columns(target),
            max_bytes=_max_bytes(),
        )
    except TabularError as exc:
        raise ValidationError(str(exc), code="bad_file") from exc
    if len(table) > MAX_IMPORT_ROWS:
        raise ValidationError(
            _(
                "表格有 %(rows)d 行数据，超过了区域导入 %(limit)d 行的上限；区域树一般没有这么大，请检查是否选错了文件。"
            )
            % {"rows": len(table), "limit": MAX_IMPORT_ROWS},
            code="too_many_rows",
        )
    return table


# --- the import: planning ------------------------------------------------------------------------------


@dataclass(eq=False)
class PlannedArea:
    """A node of the tree as the import sees it: an existing area, or one the import would create."""

    kind: str
    name: str
    parent: PlannedArea | None
    area: Area | None = None  # None: to be created
    code: str = ""
    line: int = 0  # the row that first named a new area
    kind_line: int = 0  # the row that said (or implied) a new community's kind
    code_line: int = 0
    children: dict[str, PlannedArea] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.area is None

    @property
    def kind_label(self) -> str:
        return str(AreaKind(self.kind).label)

    def trail(self) -> list[str]:
        """Names from below the import's target down to this area."""
        names: list[str] = []
        node: PlannedArea | None = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return names[::-1]

    @property
    def path_label(self) -> str:
        return " › ".join(self.trail())


@dataclass
class RejectedRow:
    line: int
    index: int
    errors: list[str]


@dataclass
class AreaImportResult:
    """What an import found (a preview) or did (applied): read = rows that name new or existing areas +
    rejected rows; `new` lists the areas to create (created, once applied), parents first."""

    target: Area
    filename: str
    rows_read: int = 0
    new: list[PlannedArea] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    def new_by_kind(self) -> list[tuple[str, int]]:
        """(kind label, how many) for each kind below the target, in tree order, zeros included."""
        counts = {kind: 0 for kind in (AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.VILLAGE, AreaKind.GRID)}
        for node in self.new:
            counts[AreaKind(node.kind)] += 1
        if self.target.kind == AreaKind.STREET:
            counts.pop(AreaKind.STREET)
        return [(str(kind.label), n) for kind, n in counts.items()]


@dataclass
class _Row:
    """One row reduced to its levels: (kind, name, kind given in the 类型 column) from the top down."""

    index: int
    line: int
    levels: list[tuple[str, str, bool]] = field(default_factory=list)
    code: str = ""
    errors: list[str] = field(default_factory=list)


def _text(table: Table, values: Sequence[Cell], name: str) -> str:
    pos = table.column(name)
    return "" if pos is None else tabular.cell_text(values[pos])


def _parse_row(target: Area, table: Table, values: Sequence[Cell], row: _Row) -> None:
    """Read one row into its levels, checking what can be checked without the tree."""
    street = clean_name(_text(table, values, "街道"))
    community = clean_name(_text(table, values, "社区/村"))
    kind_text = clean_name(_text(table, values, "类型"))
    grid = clean_name(_text(table, values, "网格"))
    row.code = clean_code(_text(table, values, "编码"))
    errors = row.errors

    if target.kind == AreaKind.DISTRICT:
        if street:
            row.levels.append((AreaKind.STREET, street, True))
        elif community or grid:
            errors.append(_("街道不能为空"))
    elif street and tabular.match_key(street) != tabular.match_key(target.name):
        errors.append(
            _("街道“%(street)s”不是本次导入的“%(target)s”；请删去其他街道的行，或在区一级导入")
            % {"street": street, "target": target.name}
        )

    kind: str | None = None
    if kind_text:
        kind = KIND_WORDS.get(kind_text)
        if kind is None:
            errors.append(_("类型只能填写“社区”或“村”，不能是“%(value)s”") % {"value": kind_text})
    if community:
        inferred = AreaKind.VILLAGE if community.endswith("村") else AreaKind.COMMUNITY
        row.levels.append((kind or inferred, community, kind is not None))
    elif kind_text:
        errors.append(_("填写了类型，但没有填写社区/村"))
    if grid:
        if community:
            row.levels.append((AreaKind.GRID, grid, True))
        else:
            errors.append(_("填写了网格“%(grid)s”，但没有填写它所属的社区/村") % {"grid": grid})

    if not row.levels and not errors:
        errors.append(_("这一行没有填写任何区域名称"))
    name_limit = _max_length("name")
    for _kind, name, _given in row.levels:
        if len(name) > name_limit:
            errors.append(_("“%(name)s”过长（名称最多%(n)d个字）") % {"name": name, "n": name_limit})
    code_limit = _max_length("code")
    if len(row.code) > code_limit:
        errors.append(_("编码过长（最多%(n)d个字符）") % {"n": code_limit})


class _Planner:
    """Places rows on the tree: the target's subtree as it is (one query), plus what earlier rows added."""

    def __init__(self, target: Area) -> None:
        self.root = PlannedArea(kind=target.kind, name=target.name, parent=None, area=target)
        nodes: dict[int, PlannedArea] = {target.pk: self.root}
        below = Area.objects.filter(path__startswith=target.path, depth__gt=target.depth).order_by(
            "depth", "pk"
        )
        for area in below:
            parent = nodes.get(area.parent_id or 0)
            if parent is None:  # pragma: no cover - a path that disagrees with its parent
                continue
            node = PlannedArea(kind=area.kind, name=area.name, parent=parent, area=area, code=area.code)
            parent.children.setdefault(tabular.match_key(area.name), node)
            nodes[area.pk] = node
        self.new: list[PlannedArea] = []
        self.named: set[int] = set()  # ids of the existing areas valid rows name

    def place(self, row: _Row) -> list[str]:
        """Put a valid row on the tree; returns notes for the user. Rejects it (errors) instead when its
        areas clash with the tree or with earlier rows; then nothing of it is kept."""
        node = self.root
        added: list[tuple[PlannedArea, PlannedArea]] = []  # (parent, new child)
        tentative: dict[tuple[int, str], PlannedArea] = {}
        for kind, name, given in row.levels:
            key = tabular.match_key(name)
            child = node.children.get(key) or tentative.get((id(node), key))
            if child is None:
                child = PlannedArea(kind=kind, name=name, parent=node, line=row.line, kind_line=row.line)
                tentative[(id(node), key)] = child
                added.append((node, child))
            elif kind != child.kind and given:
                # A kind left blank (inferred from the name) gives way to the one the tree or an earlier
                # row already has.
                row.errors.append(self._kind_clash(child, kind))
            node = child
        notes: list[str] = []
        pending_code: str | None = None
        if row.code:
            if node.area is not None:
                if row.code != node.area.code:
                    notes.append(self._code_note(row, node.area))
            elif node.code and node.code != row.code:
                row.errors.append(
                    _("“%(name)s”的编码与第%(line)d行填写的“%(code)s”不一致")
                    % {"name": node.name, "line": node.code_line, "code": node.code}
                )
            elif not node.code:
                pending_code = row.code
        if row.errors:
            return []
        for parent, child in added:
            parent.children[tabular.match_key(child.name)] = child
            self.new.append(child)
        if pending_code is not None:
            node.code = pending_code
            node.code_line = row.line
        walk: PlannedArea | None = node
        while walk is not None and walk is not self.root:
            if walk.area is not None:
                self.named.add(walk.area.pk)
            walk = walk.parent
        return notes

    def _code_note(self, row: _Row, area: Area) -> str:
        """An existing area keeps its code: the import only adds areas, it never edits them."""
        values = {"line": row.line, "name": area.name, "old": area.code, "new": row.code}
        if not area.code:
            return (
                _("第%(line)d行：“%(name)s”已存在且没有编码，表中的“%(new)s”未填入（请在区域页面修改）")
                % values
            )
        return (
            _("第%(line)d行：“%(name)s”已存在，编码保持“%(old)s”，未改为“%(new)s”（请在区域页面修改）")
            % values
        )

    def _kind_clash(self, existing: PlannedArea, kind: str) -> str:
        values = {"name": existing.name, "kind": existing.kind_label, "given": str(AreaKind(kind).label)}
        if existing.area is not None:
            return _("“%(name)s”在系统中是%(kind)s，表中填写为%(given)s") % values
        return _("“%(name)s”在第%(line)d行是%(kind)s，这里是%(given)s，前后不一致") % {
            **values,
            "line": existing.kind_line,
        }


def plan_area_import(target: Area, table: Table, filename: str = "") -> AreaImportResult:
    """Check every row against the tree as it is now; nothing is written."""
    result = AreaImportResult(target=target, filename=filename, rows_read=len(table))
    planner = _Planner(target)
    for index, (values, line) in enumerate(zip(table.rows, table.line_numbers, strict=True)):
        row = _Row(index=index, line=line)
        _parse_row(target, table, values, row)
        if not row.errors:
            result.notes.extend(planner.place(row))
        if row.errors:
            result.rejected.append(RejectedRow(line=line, index=index, errors=row.errors))
    result.new = planner.new
    result.unchanged = len(planner.named)
    return result


# --- the import: applying ------------------------------------------------------------------------------


def check_import_areas(
    actor: Actor, target: Area, table: Table, filename: str = "", *, dry_run: bool = False
) -> AreaImportResult:
    """Import the area rows of `table` below `target` (a district or a street).

    With `dry_run` only the plan is returned (the preview). Otherwise the areas of the valid rows are
    created in one transaction, each with its audit entry, plus one import entry for the whole file;
    rejected rows are reported in the result and change nothing. Raises PermissionDenied outside the
    actor's jurisdiction, ValidationError when the target is not a district or street, or when the tree
    changed under the import (then nothing is saved).
    """
    _require_manage(actor, target)
    if target.kind not in IMPORT_TARGET_KINDS:
        raise ValidationError(_("只能把区域导入到区或街道。"))
    if dry_run:
        return plan_area_import(target, table, filename)
    try:
        with transaction.atomic():
            # Two imports into the same area wait for each other, so both cannot create the same street.
            Area.objects.select_for_update().only("pk").get(pk=target.pk)
            result = plan_area_import(target, table, filename)
            for node in result.new:
                # Parents come first in `new`, so each one's area exists by the time its children are made.
                parent = node.parent.area if node.parent is not None else None
                node.area = registry.do_create_area(
                    actor, parent=parent, kind=node.kind, name=node.name, code=node.code
                )
            audit.record(
                actor,
                AuditAction.IMPORT,
                target=target,
                changes={
                    "kind": "areas",
                    "filename": filename,
                    "rows_read": result.rows_read,
                    "created": len(result.new),
                    "unchanged": result.unchanged,
                    "rejected": len(result.rejected),
                },
            )
    except IntegrityError as exc:
        # Someone created the same area between the plan and the writes; the transaction is rolled back.
        raise ValidationError(
            _("导入时区域树被其他人同时修改，未保存任何数据；请重新上传文件预览后再导入。"), code="conflict"
        ) from exc
    except ValidationError as exc:
        raise ValidationError(
            _("导入未完成，未保存任何数据：%(reason)s") % {"reason": "；".join(exc.messages)}, code="failed"
        ) from exc
    result.applied = True
    return result


def error_workbook(table: Table, result: AreaImportResult) -> bytes:
    """The rejected rows with their original columns and one more, 错误原因 (like the people import's)."""
    headers = [*table.headers, _("错误原因")]
    code_at = table.column("编码")
    rows = ([*table.rows[row.index], "；".join(row.errors)] for row in result.rejected)
    return tabular.write_xlsx(
        headers,
        rows,
        sheet_name=_("未导入的行"),
        text_columns=[] if code_at is None else [code_at],
        highlight_column=len(table.headers),
        widths={len(table.headers): 60},
    )
