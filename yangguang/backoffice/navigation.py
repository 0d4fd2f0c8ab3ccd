"""The back office's main navigation: its links in groups, shown by what the user may open.

Each link names the capabilities of which the user must hold at least one somewhere (`CAPS`, from
`yangguang.core.context_processors.platform`); the views still check each object's area. The visible links
with their reversed URLs depend only on those capabilities and the language, and URLs do not change while
the process runs, so they are built once per (capabilities, language) and kept in memory, and so is their
markup per current link; each request only finds the link of the current page, a loop over some forty
prefixes (about 20 µs in all).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.autoreload import file_changed
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yangguang.core.permissions import Cap


@dataclass(frozen=True)
class _Entry:
    """One link as declared: shown when the user holds any of `needs` (always when empty)."""

    label: Promise
    url_name: str
    args: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    # Further pages that belong to this link (a section without a link of its own).
    also: tuple[str, ...] = ()
    # The home page's URL is a prefix of every other: only the page itself counts as it.
    exact: bool = False


@dataclass(frozen=True)
class _Group:
    key: str
    label: Promise
    entries: tuple[_Entry, ...]


TEMPLATE = "backoffice/_nav.html"

_SUPERVISION = (Cap.VIEW_SUPERVISION,)
_WELFARE = (Cap.VIEW_WELFARE,)
_REGISTRY = (Cap.VIEW_REGISTRY,)

GROUPS: tuple[_Group, ...] = (
    _Group("home", _("首页"), (_Entry(_("首页"), "home", exact=True),)),
    _Group(
        "cases",
        _("诉求"),
        (
            _Entry(_("诉求办理"), "case_queue"),
            _Entry(_("登记诉求"), "case_intake", needs=(Cap.INTAKE_CASES,)),
            _Entry(_("办理统计"), "case_metrics", needs=(Cap.VIEW_CASES,)),
            _Entry(_("消息"), "inbox"),
        ),
    ),
    _Group(
        "supervision",
        _("居务监督"),
        (
            _Entry(_("监委会工作台"), "workspace", needs=_SUPERVISION),
            _Entry(_("公开事项"), "disclosure_list", needs=_SUPERVISION),
            _Entry(_("监督总览"), "oversight", needs=(Cap.OVERSEE,)),
            _Entry(_("监委会"), "committee_index", needs=_SUPERVISION),
            _Entry(_("权力清单"), "catalogue_list", args=("power",), needs=_SUPERVISION),
            _Entry(_("监督清单"), "catalogue_list", args=("supervision",), needs=_SUPERVISION),
            _Entry(_("权力运行"), "catalogue_use_list", needs=_SUPERVISION),
            _Entry(_("监督检查"), "insp_list", needs=_SUPERVISION),
            _Entry(_("整改通知"), "insp_rect_list", needs=_SUPERVISION),
            _Entry(_("通报"), "insp_bulletin_list", needs=(Cap.OVERSEE,)),
            _Entry(_("报账审核"), "finance_voucher_list", needs=_SUPERVISION),
            _Entry(_("履职评价"), "finance_evaluation_list", needs=_SUPERVISION),
        ),
    ),
    _Group(
        "welfare",
        _("民生资金与项目"),
        (
            _Entry(_("救助申请"), "welfare_applications", needs=_WELFARE),
            _Entry(_("救助对象"), "welfare_enrollments", needs=_WELFARE, also=("welfare_import",)),
            _Entry(
                _("救助项目设置"), "welfare_programs", needs=(Cap.MANAGE_PROGRAMS,), also=("welfare_rules",)
            ),
            _Entry(_("公示"), "notices_list", needs=_WELFARE),
            _Entry(_("发放比对"), "notices_payments", needs=_WELFARE),
            _Entry(_("复核核查"), "notices_rechecks", needs=_WELFARE),
            _Entry(_("惠民项目"), "projects_list", needs=(Cap.VIEW_WELFARE, Cap.VIEW_SUPERVISION)),
        ),
    ),
    _Group(
        "registry",
        _("基础信息"),
        (
            _Entry(_("辖区"), "area_list", needs=_REGISTRY),
            _Entry(_("小区"), "compound_list", needs=_REGISTRY),
            _Entry(_("楼栋"), "building_list", needs=_REGISTRY, also=("dwelling_list",)),
            _Entry(_("户"), "household_list", needs=_REGISTRY),
            _Entry(_("居民"), "person_list", needs=_REGISTRY),
            _Entry(_("商户"), "merchant_list", needs=_REGISTRY),
            _Entry(_("导入"), "import", needs=(Cap.IMPORT_REGISTRY,)),
        ),
    ),
    _Group(
        "system",
        _("系统"),
        (
            _Entry(_("审计记录"), "audit_list", needs=(Cap.VIEW_AUDIT, Cap.MANAGE_USERS)),
            _Entry(_("用户与角色"), "user_list", needs=(Cap.MANAGE_USERS,)),
            _Entry(_("诉求设置"), "case_settings", needs=(Cap.MANAGE_CASE_SETTINGS,)),
        ),
    ),
    _Group("account", _("我的账户"), (_Entry(_("我的账户"), "account", also=("otp_setup",)),)),
)


@dataclass(frozen=True)
class NavLink:
    """A link as shown: its label in the active language, its URL, whether it is the current page's."""

    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class NavGroup:
    """A group as shown: only its visible links; `current` when it holds the current page's link."""

    key: str
    label: str
    links: tuple[NavLink, ...]
    current: bool = False

    @property
    def single(self) -> bool:
        """A group of one link shows as that link, not as a menu."""
        return len(self.links) == 1


@dataclass(frozen=True)
class _Built:
    """The visible groups with unmarked links, and (prefix, exact, group index, link index) rows, longest
    prefix first, for finding the current page."""

    groups: tuple[NavGroup, ...]
    matches: tuple[tuple[str, bool, int, int], ...]


@lru_cache(maxsize=256)
def _build(caps: frozenset[str], language: str | None, script_prefix: str, urlconf: object) -> _Built:
    # `language`, `script_prefix` and `urlconf` are keys only: the labels are translated and the URLs
    # reversed under them.
    groups: list[NavGroup] = []
    matches: list[tuple[str, bool, int, int]] = []
    for group in GROUPS:
        links: list[NavLink] = []
        for entry in group.entries:
            if entry.needs and caps.isdisjoint(entry.needs):
                continue
            url = reverse(f"backoffice:{entry.url_name}", args=entry.args)
            position = (len(groups), len(links))
            matches.append((url, entry.exact, *position))
            matches.extend((reverse(f"backoffice:{name}"), False, *position) for name in entry.also)
            links.append(NavLink(str(entry.label), url))
        if links:
            groups.append(NavGroup(group.key, str(group.label), tuple(links)))
    matches.sort(key=lambda row: len(row[0]), reverse=True)
    return _Built(tuple(groups), tuple(matches))


def _current(built: _Built, path: str) -> tuple[int, int] | None:
    """(group index, link index) of the link that `path` belongs to: the longest prefix wins, so the case
    settings are not taken for the case queue."""
    for prefix, exact, group_index, link_index in built.matches:
        if path == prefix or (not exact and path.startswith(prefix)):
            return group_index, link_index
    return None


def _marked(built: _Built, current: tuple[int, int] | None) -> list[NavGroup]:
    groups = list(built.groups)
    if current is None:
        return groups
    group_index, link_index = current
    group = groups[group_index]
    links = list(group.links)
    links[link_index] = NavLink(links[link_index].label, links[link_index].url, current=True)
    groups[group_index] = NavGroup(group.key, group.label, tuple(links), current=True)
    return groups


def _key(caps: Collection[str]) -> tuple[frozenset[str], str | None, str, object]:
    return frozenset(caps), get_language(), get_script_prefix(), get_urlconf()


def navigation(request: HttpRequest, caps: Collection[str]) -> list[NavGroup]:
    """The groups of links the user may see, the group and link of the current page marked.

    `caps` are the capabilities the user holds anywhere (the `CAPS` of the template context)."""
    built = _build(*_key(caps))
    return _marked(built, _current(built, request.path))


def navigation_html(request: HttpRequest, caps: Collection[str]) -> SafeString:
    """The navigation's markup (`TEMPLATE`). Rendering its forty-odd links through the template engine
    takes most of a millisecond, so the markup too is kept, per visible links and current link."""
    key = _key(caps)
    return _markup(*key, _current(_build(*key), request.path))


@lru_cache(maxsize=1024)
def _markup(
    caps: frozenset[str],
    language: str | None,
    script_prefix: str,
    urlconf: object,
    current: tuple[int, int] | None,
) -> SafeString:
    groups = _marked(_build(caps, language, script_prefix, urlconf), current)
    return SafeString(render_to_string(TEMPLATE, {"nav_groups": groups}))


@receiver(file_changed)
def _forget_markup(sender: object, file_path: Path, **kwargs: object) -> None:
    """The development server reloads templates without restarting: drop the kept markup with them."""
    if file_path.suffix == ".html":
        _markup.cache_clear()
