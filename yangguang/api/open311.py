"""Open311 GeoReport v2 at /open311/v2/: the public face of cases for other systems and apps.

Plain Django views, not django-ninja: the standard fixes the field names, the XML element names, the error
shape (`[{"code": 400, "description": "…"}]`) and the format suffix on every path (`services.json`,
`services.xml`), none of which fit an OpenAPI router. Mapping (see docs/open311.md):

- a *service* is an active `CaseCategory` (service_code = category code);
- a *service request* is a `Case` (service_request_id = case number; status open/closed from `OPEN_STATUSES`);
- a *token* is the case's tracking code (查询码).

Reading is public and carries no personal data: never the reporter, never a room, never the residents'
own words from a rating; phone and ID numbers typed into free text are masked; a case whose content is not
public (`Case.content_public`: confidential, or in a category that keeps details private) shows only its
service, status, agency and dates. Writing (POST requests) needs an `api_key`, which is an API
token (`manage.py create_api_token`) of an account holding INTAKE_CASES where the problem is; the case goes
through `check_create_case` with channel `open311`, so the public flood limits apply to the caller's IP.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, Final
from xml.etree.ElementTree import Element, tostring

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Max, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from yangguang.core.actions import cases as case_actions
from yangguang.core.actions.tokens import authenticate_token
from yangguang.core.models import (
    OPEN_STATUSES,
    Area,
    AuditEntry,
    Building,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    Channel,
)
from yangguang.core.models.cases import content_public_q
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_id_number, mask_phone

SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES: Final = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DEFAULT_WINDOW: Final = datetime.timedelta(days=90)
MAX_WINDOW: Final = datetime.timedelta(days=90)
MAX_REQUESTS: Final = 1000
MAX_DESCRIPTION: Final = 5000
# The service list has not changed since this instant unless the audit trail records a category edit.
CHANGESET_EPOCH: Final = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
# Rating steps carry the resident's own words: never public (the portal's case page hides them too).
_RESIDENT_WORDS: Final = ("rate_satisfied", "rate_unsatisfied")
# Element names of list items in XML, by the name of the list.
_ITEM_TAGS: Final = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}
# Characters XML 1.0 cannot carry at all, even escaped; dropped from text rather than breaking the document.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The same masking of free text as the portal's public pages (yangguang.portal.scrub): an 18- or 15-digit
# ID number or a mainland mobile number that a resident typed into the description.
_ID_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_TRACKING_SEPARATORS = re.compile(r"[\s\-]")
_EXTENSIONS: Final = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


class Open311Error(Exception):
    """An error the standard's way: an HTTP status and a description, rendered in the requested format."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering -------------------------------------------------------------------------------------------


def _element(tag: str, value: Any) -> Element:
    """One XML element for a value: dicts become child elements, lists repeat the item tag of `tag`,
    booleans read true/false, None is an empty element."""
    element = Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(_ITEM_TAGS[tag], item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_ILLEGAL.sub("", str(value))
    return element


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """`data` as JSON, or as XML under a `root` element (with the XML declaration the standard asks for)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(_element(root, data), encoding="unicode")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn an `Open311Error` raised anywhere in the view into the standard's error list."""

    @wraps(view)
    def wrapper(request: HttpRequest, fmt: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, fmt, *args, **kwargs)
        except Open311Error as exc:
            return render_error(fmt, exc.status, exc.description)

    return wrapper


# --- shared lookups --------------------------------------------------------------------------------------


def _w3c(value: datetime.datetime | None) -> str | None:
    """A W3C date-time with its UTC offset, in the site's time zone: 2025-03-01T09:30:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _parse_w3c(name: str, raw: str) -> datetime.datetime:
    """A W3C date-time (with Z or an offset; without one it is read in the site's time zone) or a date
    (its midnight)."""
    raw = raw.strip()
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is not None:
                value = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s 不是有效的 W3C 日期时间，例如 2025-03-01T00:00:00+08:00。") % {"name": name},
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _comma_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _area_param(raw: str, name: str, status: int) -> Area:
    try:
        pk = int(raw)
    except ValueError:
        pk = 0
    area = Area.objects.filter(pk=pk).first() if pk > 0 else None
    if area is None:
        raise Open311Error(
            status, _("%(name)s “%(value)s” 不是有效的区域 ID。") % {"name": name, "value": raw}
        )
    return area


def _jurisdiction(request: HttpRequest) -> Area | None:
    """`jurisdiction_id` is an area ID here: reads are narrowed to that area's subtree. Optional."""
    raw = request.GET.get("jurisdiction_id", "").strip()
    return _area_param(raw, "jurisdiction_id", 404) if raw else None


def _scrub(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()) if len(m.group()) == 18 else "*" * 15, text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


def _base_url(request: HttpRequest) -> str:
    discovery = reverse("open311:discovery", kwargs={"fmt": "json"})
    return request.build_absolute_uri(discovery).removesuffix("discovery.json")


# --- discovery and services ------------------------------------------------------------------------------


def _changeset() -> datetime.datetime:
    """When the service list last changed: the latest audited edit of a category, else the epoch."""
    latest = AuditEntry.objects.filter(target_type="casecategory").aggregate(at=Max("at"))["at"]
    return max(latest, CHANGESET_EPOCH) if latest is not None else CHANGESET_EPOCH


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = _w3c(_changeset())
    data = {
        "changeset": changeset,
        "contact": _("阳光社区平台运维：请联系所在街道或社区的平台管理员。"),
        "key_service": _(
            "提交诉求（POST requests）需要 api_key：由平台管理员为受理账户签发的 API 令牌"
            "（manage.py create_api_token），只能在该账户有受理权限的区域内提交。查询无需 api_key。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


def _service(category: CaseCategory) -> dict[str, Any]:
    kind = str(category.get_default_kind_display())
    ownership = str(category.get_default_ownership_display())
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("反映%(name)s方面的问题。默认诉求类型：%(kind)s；归属：%(ownership)s。")
        % {"name": category.name, "kind": kind, "ownership": ownership},
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join([category.name, kind]),
        "group": category.parent.name if category.parent is not None else category.name,
    }


@require_GET
@open311_view
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every active category. `jurisdiction_id`, when given, must name an area (all serve every service)."""
    _jurisdiction(request)
    categories = (
        CaseCategory.objects.filter(active=True).select_related("parent").order_by("position", "code")
    )
    return render(fmt, "services", [_service(category) for category in categories])


@require_GET
@open311_view
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """No service asks extra questions yet (`metadata` is false everywhere): an empty attribute list."""
    _jurisdiction(request)
    if not CaseCategory.objects.filter(code=code, active=True).exists():
        raise Open311Error(404, _("没有代码为“%(code)s”的服务。") % {"code": code})
    return render(fmt, "service_definition", {"service_code": code, "attributes": []})


# --- reading service requests ----------------------------------------------------------------------------


def _public_requests() -> QuerySet[Case]:
    """Cases with what the public view shows, in a fixed number of queries however many there are."""
    notes = (
        CaseEvent.objects.filter(public=True)
        .exclude(kind__in=_RESIDENT_WORDS)
        .exclude(note="")
        .order_by("-at", "-id")
    )
    photos = CaseAttachment.objects.filter(public=True).order_by("uploaded_at", "id")
    return (
        Case.objects.select_related("category", "unit", "area__parent", "compound", "building__compound")
        .prefetch_related(
            Prefetch("events", queryset=notes, to_attr="public_notes"),
            Prefetch("attachments", queryset=photos, to_attr="public_photos"),
        )
        .order_by("-created_at", "-id")
    )


def _community(area: Area) -> Area:
    return area.parent if area.kind == "grid" and area.parent is not None else area


def _address(case: Case) -> str:
    """Community, compound and building: never a unit or room, and never the free-text location, which
    residents fill with room numbers and names."""
    compound = case.building.compound if case.building is not None else case.compound
    parts = [_community(case.area).name]
    if compound is not None:
        parts.append(compound.name)
    if case.building is not None:
        parts.append(case.building.name)
    return "".join(parts)


def public_request(request: HttpRequest, case: Case) -> dict[str, Any]:
    """One service request as the standard names its fields. Built from `_public_requests()` rows."""
    data: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "agency_responsible": case.unit.name if case.unit is not None else _community(case.area).name,
        "requested_datetime": _w3c(case.created_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.due_at),
    }
    if not case.content_public:
        # Only the category and the status, as on the portal's public case page.
        return data
    notes: list[CaseEvent] = getattr(case, "public_notes", [])
    photos: list[CaseAttachment] = getattr(case, "public_photos", [])
    data["status_notes"] = _scrub(notes[0].note) if notes else None
    data["description"] = _scrub(case.description)
    data["address"] = _address(case)
    data["address_id"] = case.building_id
    if case.latitude is not None and case.longitude is not None:
        data["lat"] = float(case.latitude)
        data["long"] = float(case.longitude)
    if photos:
        media = reverse("open311:media", kwargs={"number": case.number, "attachment_id": photos[0].pk})
        data["media_url"] = request.build_absolute_uri(media)
    return data


def _window(request: HttpRequest) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date/end_date: both, one (the other 90 days away) or neither (the last 90 days)."""
    raw_start = request.GET.get("start_date", "").strip()
    raw_end = request.GET.get("end_date", "").strip()
    start = _parse_w3c("start_date", raw_start) if raw_start else None
    end = _parse_w3c("end_date", raw_end) if raw_end else None
    if start is None:
        end = end or timezone.now()
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if end - start > MAX_WINDOW:
        raise Open311Error(400, _("start_date 与 end_date 相隔不能超过 90 天。"))
    return start, end


def _statuses(raw: str) -> set[str]:
    statuses = set(_comma_list(raw))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    return statuses


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    queryset = _public_requests()
    numbers = [number.upper() for number in _comma_list(request.GET.get("service_request_id", ""))]
    if numbers:
        # The standard: service_request_id overrides every other parameter.
        if len(numbers) > MAX_REQUESTS:
            raise Open311Error(400, _("一次最多查询 %(n)d 个 service_request_id。") % {"n": MAX_REQUESTS})
        queryset = queryset.filter(number__in=numbers)
    else:
        start, end = _window(request)
        queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
        codes = _comma_list(request.GET.get("service_code", ""))
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        statuses = _statuses(request.GET.get("status", ""))
        if statuses == {"open"}:
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        if statuses == {"closed"}:
            queryset = queryset.exclude(status__in=OPEN_STATUSES)
        area = _jurisdiction(request)
        if area is not None:
            queryset = queryset.filter(area__path__startswith=area.path)
    rows = [public_request(request, case) for case in queryset[:MAX_REQUESTS]]
    return render(fmt, "service_requests", rows)


@require_GET
@open311_view
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    case = _public_requests().filter(number=number.strip().upper()).first()
    if case is None:
        raise Open311Error(404, _("没有编号为“%(number)s”的诉求。") % {"number": number})
    return render(fmt, "service_requests", [public_request(request, case)])


@require_GET
@open311_view
def token(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """The tracking code (查询码) a resident was given → the case number. Nothing else."""
    normalized = _TRACKING_SEPARATORS.sub("", code).upper()
    number = Case.objects.filter(tracking_code=normalized).values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, _("没有找到该查询码。"))
    return render(fmt, "service_requests", [{"service_request_id": number, "token": normalized}])


@require_GET
def media(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """A public photo of a case's result (the `media_url` of a request). Photos residents sent in are never
    public, and a case whose content is not public (`Case.content_public`) shows none."""
    attachment = (
        CaseAttachment.objects.filter(
            content_public_q("case__"), pk=attachment_id, public=True, case__number=number.upper()
        )
        .only("file", "content_type")
        .first()
    )
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        # A neutral name: the uploader's own file name may say more than the photo.
        filename=f"photo-{attachment.pk}{_EXTENSIONS.get(attachment.content_type, '')}",
    )
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- submitting a service request ------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """A POST parameter, from the form body or (as some clients send api_key) the query string."""
    value = request.POST.get(name)
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


def _submitter(request: HttpRequest) -> User:
    user = authenticate_token(_param(request, "api_key"))
    if user is None:
        raise Open311Error(403, _("api_key 无效、已撤销或所属账户已停用。"))
    return user


def _coordinates(request: HttpRequest) -> tuple[float, float] | None:
    raw_lat, raw_long = _param(request, "lat"), _param(request, "long")
    if not raw_lat and not raw_long:
        return None
    try:
        lat, long = float(raw_lat), float(raw_long)
    except ValueError:
        lat, long = 999.0, 999.0
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise Open311Error(400, _("lat 和 long 须同时提供，且为有效的 WGS84 经纬度。"))
    return lat, long


def _place(request: HttpRequest) -> tuple[Area, Building | None]:
    """Where the problem is: `address_id` (a building ID) and/or `area_id` (alias `jurisdiction_id`, the
    community, village or grid). The case needs an area; a building alone gives its own."""
    building = None
    raw_building = _param(request, "address_id")
    if raw_building:
        pk = int(raw_building) if raw_building.isdigit() else 0
        building = Building.objects.select_related("area", "compound").filter(pk=pk).first() if pk else None
        if building is None:
            raise Open311Error(400, _("address_id “%(value)s” 不是有效的楼栋 ID。") % {"value": raw_building})
    area = None
    for name in ("area_id", "jurisdiction_id"):
        raw = _param(request, name)
        if raw:
            area = _area_param(raw, name, 400)
            break
    if area is None and building is not None:
        area = building.area
    if area is None:
        raise Open311Error(
            400, _("请用 area_id（或 jurisdiction_id）指明社区、村或网格，或用 address_id 指明楼栋。")
        )
    return area, building


def _reporter_name(first: str, last: str) -> str:
    """Chinese names read family name first; Latin names given name first."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _location_text(address: str, coordinates: tuple[float, float] | None) -> str:
    # CaseInput has no coordinates yet, so they travel in the location text for the staff who handle it.
    if coordinates is None:
        return address
    return " ".join(
        part
        for part in (
            address,
            _("（坐标 %(lat)s, %(long)s）") % {"lat": coordinates[0], "long": coordinates[1]},
        )
        if part
    )


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _submitter(request)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("缺少参数 service_code。"))
    category = CaseCategory.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(400, _("service_code “%(code)s” 不存在或已停用。") % {"code": code})
    area, building = _place(request)
    if not has_capability(user, Cap.INTAKE_CASES, area):
        raise Open311Error(403, _("该 api_key 无权在此区域提交诉求。"))
    coordinates = _coordinates(request)
    address = _param(request, "address_string")
    if coordinates is None and not address and building is None:
        raise Open311Error(400, _("须提供 lat 和 long、address_string 或 address_id 之一。"))
    description = _param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description 最多 %(n)d 个字。") % {"n": MAX_DESCRIPTION})
    email = _param(request, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Open311Error(400, _("email 不是有效的电子邮箱地址。")) from exc
    data = case_actions.CaseInput(
        area=area,
        category=category,
        description=description,
        channel=Channel.OPEN311,
        building=building,
        location_text=_location_text(address, coordinates),
        latitude=coordinates[0] if coordinates else None,
        longitude=coordinates[1] if coordinates else None,
        reporter_name=_reporter_name(_param(request, "first_name"), _param(request, "last_name")),
        reporter_phone=_param(request, "phone"),
        reporter_email=email,
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    try:
        case = case_actions.check_create_case(user, data)
    except ValidationError as exc:
        status = 429 if getattr(exc, "code", None) == "rate_limited" else 400
        raise Open311Error(status, "；".join(exc.messages)) from exc
    notice = _("诉求已受理，编号 %(number)s。居民可凭查询码在阳光社区网站查看办理进展并评价。") % {
        "number": case.number
    }
    row = {
        "service_request_id": case.number,
        "token": case.tracking_code,
        "service_notice": notice,
        "account_id": None,
    }
    return render(fmt, "service_requests", [row])


@csrf_exempt  # authenticated by api_key in the body, never by a cookie
@require_http_methods(["GET", "POST"])
@open311_view
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)
