"""Case endpoints (诉求工单): list, staff intake, detail with timeline, lifecycle steps, comments, files.

The endpoints are adapters over the case actions, exactly like the back-office pages:

- who sees a case is `Case.objects.visible_to(user, VIEW_CASES)` (lists) and `access_case` (everything
  else): 404 for anyone outside, never 403, so an outsider cannot confirm that a case exists;
- intake is `check_create_case` behind INTAKE_CASES at the chosen area (404 when the caller cannot see the
  area at all, 403 when they can see it but may not take cases in there);
- a step is `check_transition_permission` (403) → the lifecycle table (409 from the wrong state) →
  `do_transition` (422 with the action's Chinese message when the data are refused; 409 when someone else
  moved the case in the meantime);
- the reporter block follows `can_see_reporter` (confidential reporters are hidden outside the intake
  office and the supervision committee) and the platform's masking policy (full name only for holders of
  REVEAL_PERSONAL at the case's area; the phone number only ever masked).

Steps take `multipart/form-data` (or url-encoded form fields) rather than JSON, because `reply` and
`close` carry evidence photos and django-ninja cannot take files and a JSON body in one request.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.params.functions import File, Header, Path

from yangguang.api.auth import request_user
from yangguang.api.schemas import (
    MAX_PK,
    AreaRef,
    BuildingRef,
    CompoundRef,
    ErrorOut,
    ListParams,
    Page,
    PageResult,
    ValidationErrorOut,
    gettext_lazy,
    may_reveal,
    paginate,
)
from yangguang.core.actions import cases as case_actions
from yangguang.core.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Area,
    Building,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseKind,
    CaseStatus,
    HandlingUnit,
    RoleAssignment,
    Urgency,
)
from yangguang.core.permissions import ROLE_CAPS, Cap, has_capability
from yangguang.lib.masking import mask_name

router = Router(tags=[gettext_lazy("诉求")])

LIST_ERRORS: dict[int, type] = {401: ErrorOut, 422: ValidationErrorOut}
DETAIL_ERRORS: dict[int, type] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, type] = {**DETAIL_ERRORS, 403: ErrorOut}
STEP_ERRORS: dict[int, type] = {**WRITE_ERRORS, 409: ErrorOut}

CaseId = Annotated[int, Path(..., ge=1, le=MAX_PK, description=gettext_lazy("诉求 ID"))]
AttachmentId = Annotated[int, Path(..., ge=1, le=MAX_PK, description=gettext_lazy("附件 ID"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description=gettext_lazy("防重复提交的键（每个用户各自独立）"),
    ),
]
Evidence = Annotated[
    list[UploadedFile] | None,
    File(None, description=gettext_lazy("办理佐证照片（JPG、PNG、GIF、WebP，每张不超过 10MB，最多 6 张）")),
]

# Channels staff enter through the API on a caller's behalf. Residents' own channels (portal, QR poster,
# Open311) and the internal sources (inspections, meetings, cross-checks) have their own entry points.
StaffChannel = Literal["hotline", "walk_in", "grid_patrol", "liaison", "api"]
# The lifecycle steps, plus "rate": the staff call-back (电话回访), which reopens the case on a score of 1–2.
StepName = Literal[
    "dispatch",
    "return",
    "sign",
    "start",
    "wait",
    "resume",
    "reply",
    "close",
    "rate",
    "rate_satisfied",
    "rate_unsatisfied",
    "reopen",
    "merge",
    "reject",
]
RATE_STEP = "rate"
# do_transition's codes for "the case is not (or no longer) in a state that allows this step".
_STATE_CODES = frozenset({"bad_state", "conflict"})

_CASE_RELATED = ("area", "category", "unit", "handler")
_DETAIL_RELATED = (*_CASE_RELATED, "compound", "building", "merged_into")


# --- shapes ----------------------------------------------------------------------------------------------


class CategoryRef(Schema):
    code: str = Field(description=gettext_lazy("分类代码（也是 Open311 的 service_code）"))
    name: str = Field(description=gettext_lazy("分类名称"))


class UnitRef(Schema):
    id: int = Field(description=gettext_lazy("承办单位 ID"))
    name: str = Field(description=gettext_lazy("承办单位名称"))


class UserRef(Schema):
    id: int = Field(description=gettext_lazy("用户 ID"))
    name: str = Field(description=gettext_lazy("姓名（未登记姓名时为用户名）"))

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class CaseOut(Schema):
    """A case as a list row."""

    id: int = Field(description=gettext_lazy("诉求 ID"))
    number: str = Field(description=gettext_lazy("诉求编号，如 YG20250000001"))
    title: str = Field(description=gettext_lazy("标题"))
    status: str = Field(description=gettext_lazy("状态代码（见 CaseStatus）"))
    status_label: str = Field(description=gettext_lazy("状态名称"))
    category: CategoryRef = Field(description=gettext_lazy("问题分类"))
    kind: str = Field(
        description=gettext_lazy(
            "诉求类型：inquiry 咨询，help 求助，suggestion 建议，complaint 投诉，report 举报"
        )
    )
    kind_label: str = Field(description=gettext_lazy("诉求类型名称"))
    urgency: str = Field(description=gettext_lazy("紧急程度：normal 一般，urgent 紧急"))
    channel: str = Field(description=gettext_lazy("来源渠道代码"))
    channel_label: str = Field(description=gettext_lazy("来源渠道名称"))
    area: AreaRef = Field(description=gettext_lazy("问题发生的社区或网格"))
    unit: UnitRef | None = Field(description=gettext_lazy("承办单位"))
    handler: UserRef | None = Field(description=gettext_lazy("承办人"))
    anonymous: bool = Field(description=gettext_lazy("匿名反映"))
    confidential: bool = Field(description=gettext_lazy("反映人要求保密"))
    created_at: datetime.datetime = Field(description=gettext_lazy("受理时间"))
    due_at: datetime.datetime | None = Field(description=gettext_lazy("办理期限（签收后开始计算）"))
    closed_at: datetime.datetime | None = Field(description=gettext_lazy("办结时间"))
    overdue: bool = Field(description=gettext_lazy("是否已超期（未办结、未答复且已过办理期限）"))

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_kind_label(obj: Case) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_channel_label(obj: Case) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_overdue(obj: Case) -> bool:
        return is_overdue(obj, timezone.now())


class ReporterOut(Schema):
    """Who reported the case, under the masking policy. The full phone number is never in a response:
    staff who need it reveal it in the back office, which records the reason."""

    anonymous: bool = Field(description=gettext_lazy("匿名反映：不显示姓名、电话和邮箱"))
    name: str | None = Field(description=gettext_lazy("姓名；无完整查看权限时为脱敏姓名"))
    name_masked: bool = Field(description=gettext_lazy("姓名是否已脱敏"))
    phone_masked: str | None = Field(description=gettext_lazy("脱敏联系电话"))
    email: str | None = Field(description=gettext_lazy("电子邮箱；无完整查看权限时为空"))


class AttachmentOut(Schema):
    id: int = Field(description=gettext_lazy("附件 ID"))
    content_type: str = Field(description=gettext_lazy("文件类型（按文件内容识别）"))
    size: int = Field(description=gettext_lazy("字节数"))
    public: bool = Field(description=gettext_lazy("居民是否可见（答复、办结的佐证照片）"))
    url: str = Field(description=gettext_lazy("下载地址（需认证）"))

    @staticmethod
    def resolve_url(obj: CaseAttachment) -> str:
        return reverse("api-v1:case_attachment", kwargs={"case_id": obj.case_id, "attachment_id": obj.pk})


class EventOut(Schema):
    """One step of the timeline: a transition, a comment, a reminder, an escalation."""

    id: int = Field(description=gettext_lazy("记录 ID"))
    at: datetime.datetime = Field(description=gettext_lazy("时间"))
    kind: str = Field(
        description=gettext_lazy("类型：操作名（dispatch、sign、reply…）、comment、received 等")
    )
    from_status: str = Field(description=gettext_lazy("操作前状态"))
    to_status: str = Field(description=gettext_lazy("操作后状态"))
    note: str = Field(description=gettext_lazy("说明"))
    public: bool = Field(description=gettext_lazy("是否在公开进度页显示"))
    actor: str = Field(description=gettext_lazy("操作人"))
    attachments: list[AttachmentOut] = Field(description=gettext_lazy("随本步骤上传的照片"))

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str:
        return obj.actor_label


class CaseDetailOut(CaseOut):
    """A case with its description, place, reporter, timeline and the steps the caller may take now."""

    description: str = Field(description=gettext_lazy("问题描述"))
    location_text: str = Field(description=gettext_lazy("位置描述"))
    compound: CompoundRef | None = Field(description=gettext_lazy("小区"))
    building: BuildingRef | None = Field(description=gettext_lazy("楼栋"))
    ownership: str = Field(description=gettext_lazy("归属：government 大事，community 小事，private 私事"))
    ownership_label: str = Field(description=gettext_lazy("归属名称"))
    urgency_label: str = Field(description=gettext_lazy("紧急程度名称"))
    dispatched_at: datetime.datetime | None = Field(description=gettext_lazy("派单时间"))
    sign_due_at: datetime.datetime | None = Field(description=gettext_lazy("签收期限"))
    signed_at: datetime.datetime | None = Field(description=gettext_lazy("签收时间"))
    replied_at: datetime.datetime | None = Field(description=gettext_lazy("答复时间"))
    satisfaction: int | None = Field(description=gettext_lazy("满意度评分 1–5"))
    redo_count: int = Field(description=gettext_lazy("重办次数"))
    return_count: int = Field(description=gettext_lazy("退回次数"))
    merged_into: str | None = Field(description=gettext_lazy("已合并到的诉求编号"))
    reporter_hidden: bool = Field(description=gettext_lazy("反映人要求保密且您无权查看反映人信息"))
    reporter: ReporterOut | None = Field(description=gettext_lazy("反映人；保密且无权查看时为空"))
    events: list[EventOut] = Field(description=gettext_lazy("办理记录（时间顺序）"))
    actions: list[str] = Field(
        description=gettext_lazy("您现在可以执行的办理操作（POST /cases/{id}/transitions 的 name）")
    )

    @staticmethod
    def resolve_ownership_label(obj: Case) -> str:
        return str(obj.get_ownership_display())

    @staticmethod
    def resolve_urgency_label(obj: Case) -> str:
        return str(obj.get_urgency_display())

    @staticmethod
    def resolve_merged_into(obj: Case) -> str | None:
        return obj.merged_into.number if obj.merged_into is not None else None

    @staticmethod
    def resolve_reporter_hidden(obj: Case, context: Any) -> bool:
        user = _context_user(context)
        return user is None or not case_actions.can_see_reporter(user, obj)

    @staticmethod
    def resolve_reporter(obj: Case, context: Any) -> dict[str, Any] | None:
        return reporter_block(context, obj)

    @staticmethod
    def resolve_events(obj: Case) -> list[CaseEvent]:
        # Prefetched by `_load_detail` with their attachments: two queries however long the timeline.
        return list(obj.events.all())

    @staticmethod
    def resolve_actions(obj: Case) -> list[str]:
        actions: list[str] = getattr(obj, "api_actions", [])
        return actions


class CaseListParams(ListParams):
    """Paging, area subtree and search (number or title), plus the case filters."""

    q: str | None = Field(None, max_length=100, description=gettext_lazy("搜索：编号或标题包含"))
    status: CaseStatus | None = Field(None, description=gettext_lazy("状态"))
    category: str | None = Field(None, max_length=40, description=gettext_lazy("分类代码，如 sanitation"))
    open: bool | None = Field(
        None, description=gettext_lazy("true 只看未办结的，false 只看已办结、合并或不予受理的")
    )
    overdue: bool | None = Field(None, description=gettext_lazy("true 只看已超期的，false 排除已超期的"))


class CaseIn(Schema):
    """A case taken in by staff (or a staff system) on a caller's behalf."""

    area: int = Field(..., ge=1, le=MAX_PK, description=gettext_lazy("问题发生的社区、村或网格的区域 ID"))
    category: str = Field(
        ..., max_length=40, description=gettext_lazy("分类代码（GET /api/v1/cases 的 category.code）")
    )
    description: str = Field(..., max_length=5000, description=gettext_lazy("问题描述，至少 5 个字"))
    title: str = Field("", max_length=100, description=gettext_lazy("标题；留空取描述的开头"))
    kind: CaseKind | None = Field(None, description=gettext_lazy("诉求类型；留空按分类默认"))
    urgency: Urgency = Field(Urgency.NORMAL, description=gettext_lazy("紧急程度"))
    building: int | None = Field(None, ge=1, le=MAX_PK, description=gettext_lazy("楼栋 ID，须在所选区域之内"))
    location_text: str = Field("", max_length=200, description=gettext_lazy("位置描述"))
    reporter_name: str = Field("", max_length=50, description=gettext_lazy("反映人姓名"))
    reporter_phone: str = Field(
        "", max_length=30, description=gettext_lazy("反映人电话（加密保存，只显示脱敏号码）")
    )
    reporter_email: str = Field("", max_length=254, description=gettext_lazy("反映人电子邮箱"))
    anonymous: bool = Field(False, description=gettext_lazy("匿名反映：不登记姓名和邮箱，电话只用于告知结果"))
    confidential: bool = Field(
        False, description=gettext_lazy("要求保密：反映人信息仅受理人员和居务监督委员会可见")
    )
    channel: StaffChannel = Field(
        "api",
        description=gettext_lazy(
            "来源渠道：hotline 热线电话，walk_in 来访，grid_patrol 网格员巡查，liaison 廉情联络员转达，api 接口"
        ),
    )


class StepIn(Schema):
    """One lifecycle step, sent as form fields (multipart/form-data when photos are attached)."""

    name: StepName = Field(
        ...,
        description=gettext_lazy(
            "操作：dispatch 派单，return 退回，sign 签收，start 开始办理，wait 等待居民补充，resume 继续办理，"
            "reply 答复，close 办结，rate 回访评价（1–2 分转重办），rate_satisfied/rate_unsatisfied 记录评价，"
            "reopen 重办，merge 合并，reject 不予受理"
        ),
    )
    note: str = Field("", max_length=2000, description=gettext_lazy("说明；退回、等待、答复、不予受理必填"))
    unit: int | None = Field(None, ge=1, le=MAX_PK, description=gettext_lazy("派单：承办单位 ID"))
    handler: int | None = Field(None, ge=1, le=MAX_PK, description=gettext_lazy("派单：承办人用户 ID"))
    target: str | None = Field(None, max_length=20, description=gettext_lazy("合并：要合并到的诉求编号"))
    satisfaction: int | None = Field(None, ge=1, le=5, description=gettext_lazy("回访评价：满意度 1–5"))


class CommentIn(Schema):
    note: str = Field(..., max_length=2000, description=gettext_lazy("内容"))
    public: bool = Field(False, description=gettext_lazy("是否在公开进度页显示（仅受理人员和承办方可发布）"))


# --- helpers ---------------------------------------------------------------------------------------------


def _context_user(context: Any) -> User | None:
    request = context.get("request") if isinstance(context, dict) else None
    user = getattr(request, "auth", None)
    return user if isinstance(user, User) else None


def is_overdue(case: Case, now: datetime.datetime) -> bool:
    """`CaseQuerySet.overdue` for one loaded case (no query): open, not waiting for closure, past due."""
    if case.status not in OPEN_STATUSES or case.status == CaseStatus.REPLIED:
        return False
    return case.due_at is not None and case.due_at < now


def _overdue_condition(now: datetime.datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now) & ~Q(status=CaseStatus.REPLIED)


def reporter_block(context: Any, case: Case) -> dict[str, Any] | None:
    """The reporter as the caller may see them: None when confidential and not theirs to see; no identity
    at all for an anonymous report (its phone is kept only to send the outcome)."""
    user = _context_user(context)
    if user is None or not case_actions.can_see_reporter(user, case):
        return None
    if case.anonymous:
        return {"anonymous": True, "name": None, "name_masked": False, "phone_masked": None, "email": None}
    full = may_reveal(context, case.area)
    return {
        "anonymous": False,
        "name": case.reporter_name if full else mask_name(case.reporter_name),
        "name_masked": not full,
        "phone_masked": case.reporter_phone_masked or None,
        "email": (case.reporter_email or None) if full else None,
    }


def _idempotency_key(user: User, key: str | None) -> str:
    """The stored key: per user, so two systems that happen to pick the same key never see each other's
    case. A SHA-256 hex digest fills the column's 64 characters exactly and cannot collide with the short
    keys the portal's forms use."""
    key = (key or "").strip()
    if not key:
        return ""
    return hashlib.sha256(f"api:{user.pk}:{key}".encode()).hexdigest()


def _permitted_actions(user: User, case: Case) -> list[str]:
    """Steps the lifecycle allows now and the user may take (the back office offers the same)."""
    allowed = set(case.allowed_transitions())
    permitted: list[str] = []
    for name in TRANSITIONS:
        if name not in allowed:
            continue
        try:
            case_actions.check_transition_permission(user, case, name)
        except PermissionDenied:
            continue
        permitted.append(name)
    if "rate_satisfied" in permitted:
        permitted.insert(permitted.index("rate_satisfied"), RATE_STEP)
    return permitted


def _load_detail(user: User, case: Case) -> Case:
    """Attach what the detail shows beyond the case row: the timeline with its photos, and the steps the
    user may take now."""
    events = CaseEvent.objects.prefetch_related("attachments").order_by("at", "id")
    prefetch_related_objects([case], Prefetch("events", queryset=events))
    case.api_actions = _permitted_actions(user, case)  # type: ignore[attr-defined]
    return case


def _access(user: User, case_id: int) -> Case:
    """`access_case` decides (404 for outsiders); the detail then needs a few more related rows."""
    case = case_actions.access_case(user, case_id)
    return Case.objects.select_related(*_DETAIL_RELATED).get(pk=case.pk)


def _area_for_intake(user: User, area_id: int) -> Area:
    """The area a case is taken in at: 404 when the caller cannot see it (or it does not exist), 403 when
    they can see it but hold no INTAKE_CASES there."""
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        raise Http404
    if has_capability(user, Cap.INTAKE_CASES, area):
        return area
    if has_capability(user, Cap.VIEW_CASES, area) or has_capability(user, Cap.VIEW_REGISTRY, area):
        raise PermissionDenied(_("您没有在该区域登记诉求的权限。"))
    raise Http404


def _community_path(area: Area) -> str:
    """A grid case looks across its whole community for units and handlers."""
    if area.kind == "grid" and area.parent_id is not None:
        return area.path.rsplit("/", 2)[0] + "/"
    return area.path


def _near(case: Case) -> Q:
    return Q(area_id__in=case.area.ancestor_ids()) | Q(area__path__startswith=_community_path(case.area))


# Who a case may be dispatched to. The back office's dispatch form applies the same rule
# (backoffice.forms_cases.unit_candidates / handler_candidates); it is restated here rather than imported
# so the API does not depend on the back office's forms.
def _unit_for(case: Case, unit_id: int | None) -> HandlingUnit | None:
    """Units of the case's area and the areas above it (street departments), and units inside its community."""
    if unit_id is None:
        return None
    unit = HandlingUnit.objects.filter(_near(case), pk=unit_id).first()
    if unit is None:
        raise ValidationError({"unit": _("所选单位不在可派范围内。")})
    return unit


def _handler_for(case: Case, handler_id: int | None) -> User | None:
    """Holders of HANDLE_CASES over the case or inside its community, and members of candidate units."""
    if handler_id is None:
        return None
    handle_roles = [role for role, caps in ROLE_CAPS.items() if Cap.HANDLE_CASES in caps]
    assigned = RoleAssignment.objects.filter(_near(case), role__in=handle_roles).values("user_id")
    units = HandlingUnit.objects.filter(_near(case)).values("pk")
    members = HandlingUnit.members.through.objects.filter(handlingunit_id__in=units).values("user_id")
    handler = User.objects.filter(
        Q(pk__in=assigned) | Q(pk__in=members), pk=handler_id, is_active=True
    ).first()
    if handler is None:
        raise ValidationError({"handler": _("所选人员不在可选范围内。")})
    return handler


def _target_for(user: User, number: str | None) -> Case | None:
    if number is None or not number.strip():
        return None
    number = number.strip().upper()
    target = Case.objects.visible_to(user, Cap.VIEW_CASES).filter(number=number).first()
    if target is None:
        raise ValidationError({"target": _("没有找到编号为“%(number)s”的诉求。") % {"number": number}})
    return target


def _state_conflict(case: Case) -> HttpError:
    return HttpError(409, _("当前状态“%(status)s”下不能执行该操作。") % {"status": case.get_status_display()})


# --- list and detail -------------------------------------------------------------------------------------


def _filtered(queryset: QuerySet[Case], params: CaseListParams) -> QuerySet[Case]:
    if params.area is not None:
        # visible_to has already applied the jurisdiction: an area outside it simply yields nothing.
        path = Area.objects.filter(pk=params.area).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=path)
    if params.status is not None:
        queryset = queryset.filter(status=params.status)
    if params.category:
        queryset = queryset.filter(category__code=params.category)
    if params.open is True:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if params.open is False:
        queryset = queryset.exclude(status__in=OPEN_STATUSES)
    if params.overdue is not None:
        condition = _overdue_condition(timezone.now())
        queryset = queryset.filter(condition) if params.overdue else queryset.exclude(condition)
    q = (params.q or "").strip()
    if q:
        queryset = queryset.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return queryset


@router.get(
    "/cases",
    response={200: Page[CaseOut], **LIST_ERRORS},
    summary=gettext_lazy("诉求列表"),
    description=gettext_lazy("您管辖区域内的诉求，以及您本人或您所在承办单位承办的诉求；按受理时间倒序。"),
)
def list_cases(request: HttpRequest, params: Query[CaseListParams]) -> PageResult[Case]:
    user = request_user(request)
    queryset = Case.objects.visible_to(user, Cap.VIEW_CASES).select_related(*_CASE_RELATED)
    return paginate(_filtered(queryset, params).order_by("-created_at", "-pk"), params)


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **DETAIL_ERRORS},
    summary=gettext_lazy("诉求详情"),
    description=gettext_lazy(
        "含办理记录和您现在可以执行的操作。反映人要求保密时，只有受理人员和居务监督委员会能看到反映人。"
    ),
)
def get_case(request: HttpRequest, case_id: CaseId) -> Case:
    user = request_user(request)
    return _load_detail(user, _access(user, case_id))


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}",
    response={200: None, **DETAIL_ERRORS},
    url_name="case_attachment",
    summary=gettext_lazy("下载诉求照片"),
    description=gettext_lazy("返回照片文件本身（类型在上传时按文件内容识别）。"),
)
def get_attachment(request: HttpRequest, case_id: CaseId, attachment_id: AttachmentId) -> FileResponse:
    case = case_actions.access_case(request_user(request), case_id)
    attachment = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- intake ----------------------------------------------------------------------------------------------


@router.post(
    "/cases",
    response={201: CaseDetailOut, 200: CaseDetailOut, **WRITE_ERRORS},
    summary=gettext_lazy("登记诉求"),
    description=gettext_lazy(
        "工作人员代居民登记诉求（需要该区域的受理权限）。请求头 `Idempotency-Key` 可防止重复提交："
        "同一用户用同一个键再次提交时返回第一次建立的诉求（状态码 200），不会再建一件。"
    ),
)
def create_case(
    request: HttpRequest,
    payload: CaseIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Case]:
    user = request_user(request)
    area = _area_for_intake(user, payload.area)
    category = CaseCategory.objects.filter(code=payload.category).first()
    if category is None:
        raise ValidationError({"category": _("没有代码为“%(code)s”的分类。") % {"code": payload.category}})
    building = None
    if payload.building is not None:
        building = (
            Building.objects.select_related("area", "compound")
            .filter(pk=payload.building, area__path__startswith=area.path)
            .first()
        )
        if building is None:
            raise ValidationError({"building": _("楼栋不存在，或不在所选区域之内。")})
    email = payload.reporter_email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"reporter_email": _("请填写有效的电子邮箱地址。")}) from exc
    key = _idempotency_key(user, idempotency_key)
    replay = bool(key) and Case.objects.filter(idempotency_key=key).exists()
    data = case_actions.CaseInput(
        area=area,
        category=category,
        description=payload.description,
        channel=str(payload.channel),
        title=payload.title,
        kind=payload.kind or "",
        urgency=payload.urgency,
        building=building,
        location_text=payload.location_text,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        reporter_email=email,
        anonymous=payload.anonymous,
        confidential=payload.confidential,
        idempotency_key=key,
    )
    case = case_actions.check_create_case(user, data)
    # Loaded directly rather than through access_case: a liaison may take cases in without being allowed
    # to read them afterwards, and still needs to learn the number of the case just made.
    case = Case.objects.select_related(*_DETAIL_RELATED).get(pk=case.pk)
    return Status(200 if replay else 201, _load_detail(user, case))


# --- lifecycle -------------------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseDetailOut, **STEP_ERRORS},
    summary=gettext_lazy("办理操作"),
    description=gettext_lazy(
        "执行一步办理操作（表单字段，附照片时用 multipart/form-data，字段名 evidence，可重复，最多 6 张）。"
        "403：您无权执行该操作；409：诉求当前状态不允许该操作（或刚被他人处理过）；422：内容不符合要求。"
        "办结（close）须有办理佐证照片（答复时已上传的也算）。"
    ),
)
def transition(
    request: HttpRequest,
    case_id: CaseId,
    payload: Form[StepIn],
    evidence: Evidence = None,
) -> Case:
    user = request_user(request)
    case = case_actions.access_case(user, case_id)
    step = "rate_satisfied" if payload.name == RATE_STEP else payload.name
    case_actions.check_transition_permission(user, case, step)
    if step not in case.allowed_transitions():
        raise _state_conflict(case)
    try:
        _perform(user, case, payload, evidence or [])
    except ValidationError as exc:
        if getattr(exc, "code", None) in _STATE_CODES:
            raise HttpError(409, "；".join(exc.messages)) from exc
        raise
    case = Case.objects.select_related(*_DETAIL_RELATED).get(pk=case.pk)
    return _load_detail(user, case)


def _perform(user: User, case: Case, payload: StepIn, evidence: list[UploadedFile]) -> None:
    if payload.name == RATE_STEP:
        if payload.satisfaction is None:
            raise ValidationError({"satisfaction": _("请选择1到5分的评价。")})
        case_actions.do_rate(user, case, payload.satisfaction, payload.note, by_callback=True)
        return
    case_actions.do_transition(
        user,
        case,
        payload.name,
        note=payload.note,
        unit=_unit_for(case, payload.unit) if payload.name == "dispatch" else None,
        handler=_handler_for(case, payload.handler) if payload.name == "dispatch" else None,
        target=_target_for(user, payload.target) if payload.name == "merge" else None,
        satisfaction=payload.satisfaction,
        evidence=evidence,
    )


@router.post(
    "/cases/{case_id}/comments",
    response={201: EventOut, **WRITE_ERRORS},
    summary=gettext_lazy("添加办理说明"),
    description=gettext_lazy(
        "能看到诉求的人都可以添加内部说明；公开说明（居民在进度页可见）仅限受理人员和承办方。"
    ),
)
def add_comment(request: HttpRequest, case_id: CaseId, payload: CommentIn) -> Status[CaseEvent]:
    user = request_user(request)
    case = case_actions.access_case(user, case_id)
    if payload.public and not _may_publish(user, case):
        raise PermissionDenied(_("只有受理人员和承办方可以发布公开说明。"))
    return Status(201, case_actions.do_comment(user, case, payload.note, public=payload.public))


def _may_publish(user: User, case: Case) -> bool:
    if has_capability(user, Cap.INTAKE_CASES, case.area):
        return True
    return case_actions.can_handle(user, case)
