"""The /api/v1/ NinjaAPI instance: authentication, the JSON error shape, and the routers.

Every error answers `{"detail": "<中文说明>"}` (validation errors add `errors`, one entry per problem), with
401 for missing or bad credentials, 404 for anything the caller may not see (never 403, which would confirm
that the record exists), 403 for an action on a record the caller may see but not change, 409 for a case
step its current state does not allow, and 422 for bad parameters or data an action refused.
OpenAPI: /api/v1/openapi.json, docs: /api/v1/docs.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from yangguang.api.auth import API_AUTH, NotAuthenticated
from yangguang.api.cases import router as cases_router
from yangguang.api.registry import router as registry_router
from yangguang.api.schemas import gettext_lazy

logger = logging.getLogger(__name__)


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON without \\u escapes: readable in curl and logs, and half the bytes for Chinese text."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title=gettext_lazy("阳光社区 API"),
    version="1",
    urls_namespace="api-v1",
    auth=API_AUTH,
    renderer=ChineseJSONRenderer(),
    description=gettext_lazy(
        "阳光社区居务监督与治理平台的接口。认证：`Authorization: Bearer <令牌>`（令牌用 "
        "`manage.py create_api_token` 签发），或在浏览器中登录后台后直接使用本页。"
        "所有数据都按您的角色和管辖区域过滤：不在管辖范围内的记录一律返回 404。"
        "个人信息按平台统一的脱敏规则显示，响应中从不出现完整身份证号或手机号。"
    ),
)
api.add_router("", registry_router)
api.add_router("", cases_router)


# --- errors: one JSON shape, Chinese messages ---------------------------------------------------------------


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("记录不存在，或不在您的管辖范围内。")}, status=404)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # ninja raises a bare AuthenticationError when no credentials were offered at all.
    message = exc.message if isinstance(exc, NotAuthenticated) else _("请先登录或提供 API 令牌。")
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_field_error(error) for error in exc.errors]
    detail = _("请求参数有误：%(errors)s") % {"errors": "；".join(e["message"] for e in errors)}
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # For actions that refuse a user who may see the record but not change it (an outsider gets 404 first).
    message = str(exc) or _("您没有执行此操作的权限。")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(DjangoValidationError)
def _rejected(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    # A `check_*`/`do_*` action refused the data: its messages are already translated.
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    errors: list[dict[str, Any]] = [
        {"loc": ["body", field], "type": "invalid", "message": message}
        for field, messages in fields.items()
        for message in messages
    ]
    detail = "；".join(e["message"] for e in errors)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(request, {"detail": _("服务器内部错误，请稍后重试。")}, status=500)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic error as {loc, type, message} with a Chinese message naming the parameter."""
    loc = [part for part in error.get("loc", ()) if isinstance(part, str | int)]
    # loc is e.g. ["query", "limit"] or ["path", "person_id"]; the last part names the parameter.
    field = str(loc[-1]) if loc else _("参数")
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    return {"loc": loc, "type": kind, "message": _describe(kind, field, ctx)}


def _describe(kind: str, field: str, ctx: dict[str, Any]) -> str:
    if kind == "greater_than_equal":
        return _("%(field)s 不能小于 %(limit)s") % {"field": field, "limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("%(field)s 不能大于 %(limit)s") % {"field": field, "limit": ctx.get("le")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("%(field)s 必须是整数") % {"field": field}
    if kind == "string_too_long":
        return _("%(field)s 最多 %(n)s 个字符") % {"field": field, "n": ctx.get("max_length")}
    if kind == "missing":
        return _("缺少参数 %(field)s") % {"field": field}
    return _("%(field)s 的值无效") % {"field": field}
