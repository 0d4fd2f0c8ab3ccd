"""The committees' composition rules (监委会组成规则) of a district in the back office: the list with each
rule's basis and whether it is in force, "为本区设置" (the district's own rule of a kind of area, starting
from the numbers in force) and editing a district's or street's rule.

Only district administrators (MANAGE_CATALOGUE held at a district, see `committee_rules`) open these
pages; anyone else gets 404. The list is linked from the committee index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yangguang.backoffice import forms_committee as cf
from yangguang.backoffice.forms import attach_errors
from yangguang.backoffice.views.committee import index_crumb
from yangguang.backoffice.views.generic import Crumb, home_crumb
from yangguang.core.actions import committee_rules as rules
from yangguang.core.models import Area, AreaKind

if TYPE_CHECKING:
    from yangguang.core.models import CommitteeRule

FORM_TEMPLATE = "backoffice/committee/form.html"


def rules_url(district: Area) -> str:
    return reverse("backoffice:committee_rules") + f"?area={district.pk}"


def rules_crumbs(district: Area) -> list[Crumb]:
    return [home_crumb(), index_crumb(), (_("组成规则"), rules_url(district))]


def _intro(rule_or_kind: str) -> str:
    return _(
        "修改后，%(kind)s监委会的组成情况检查和新建选举立即按新规则执行。请写明依据（如省级条例），修改记入审计记录。"
    ) % {"kind": rule_or_kind}


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules that apply in one district (`?area=`, else the first the user sets). Queries: the
    districts, the rules (areas joined), the district's own kinds."""
    districts = list(rules.rule_districts(request.user))
    if not districts:
        raise Http404
    wanted = request.GET.get("area")
    district = next((d for d in districts if str(d.pk) == wanted), None) if wanted else districts[0]
    if district is None:
        raise Http404
    context = {
        "district": district,
        "districts": districts,
        "breadcrumbs": [home_crumb(), index_crumb(), (_("组成规则"), None)],
        "rows": rules.district_rules(district),
        "missing": rules.kinds_without_own_rule(district),
    }
    return render(request, "backoffice/committee/rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The district's own rule for communities or villages, pre-filled with the numbers in force."""
    district = rules.access_district(request.user, pk)
    if kind not in rules.AREA_KINDS:
        raise Http404
    label = str(AreaKind(kind).label)
    form = cf.RuleForm(request.POST or None, initial=rules.starting_values(district, kind))
    if request.method == "POST" and form.is_valid():
        try:
            rules.check_create_rule(request.user, district, kind, dict(form.cleaned_data))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已设置本区%(kind)s监委会组成规则。") % {"kind": label})
            return redirect(rules_url(district))
    title = _("为%(area)s设置%(kind)s监委会组成规则") % {"area": district.name, "kind": label}
    return _form_page(request, title, form, district, _intro(label))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule, district = rules.access_rule(request.user, pk)
    form = cf.RuleForm(request.POST or None, initial=_initial(rule))
    if request.method == "POST" and form.is_valid():
        try:
            rules.check_update_rule(request.user, rule, dict(form.cleaned_data))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存，新规则立即适用。"))
            return redirect(rules_url(district))
    title = _("修改%(rule)s") % {"rule": rules.rule_label(rule)}
    return _form_page(request, title, form, district, _intro(rule.get_area_kind_display()))


def _initial(rule: CommitteeRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in rules.EDITABLE_FIELDS}


def _form_page(
    request: HttpRequest, title: str, form: cf.RuleForm, district: Area, intro: str
) -> HttpResponse:
    context = {
        "title": title,
        "form": form,
        "breadcrumbs": [*rules_crumbs(district), (title, None)],
        "cancel": rules_url(district),
        "intro": intro,
    }
    return render(request, FORM_TEMPLATE, context)
