"""The audit trail in the back office: who did what to which record, when, from where.

Read by the supervision committee (its community), street discipline secretaries (their street) and
district administrators (their district). Values in `changes` were masked when the entry was written,
so this page shows them as stored.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yangguang.core.actions import accounts
from yangguang.core.models import AuditAction, AuditEntry
from yangguang.core.permissions import Cap, has_capability

# --- who sees which entries --------------------------------------------------------------------------


def audit_entries_visible_to(user: User) -> QuerySet[AuditEntry]:
    """The audit entries `user` may read. Two rules, stated here rather than spread over the views:

    1. An entry filed under an area is visible to holders of VIEW_AUDIT at that area (the committee of a
       community, the street discipline secretary, district administrators).
    2. An entry about an account that has no area (logins, lockouts, the holder's own password or
       two-factor changes) is visible to the administrators who manage that account (MANAGE_USERS):
       they answer for accounts. A lockout under a username that does not exist belongs to no account
       and is shown to top-level administrators only.
    """
    by_area = AuditEntry.objects.visible_to(user, Cap.VIEW_AUDIT)
    if not has_capability(user, Cap.MANAGE_USERS):
        return cast(QuerySet[AuditEntry], by_area)
    # target_id is text (it names records of every kind), so the managed accounts' keys are cast to match.
    managed_ids = accounts.users_managed_by(user).annotate(key=Cast("pk", CharField())).values("key")
    about_accounts = Q(target_id__in=managed_ids)
    if accounts.manages_unassigned(user):
        about_accounts |= Q(target_id="")
    account_entries = AuditEntry.objects.filter(about_accounts, area__isnull=True, target_type="user")
    return cast(QuerySet[AuditEntry], by_area | account_entries)


def _require_reader(user: User) -> None:
    """Outsiders get 404: the audit trail is not a page they can learn exists for them."""
    if has_capability(user, Cap.VIEW_AUDIT):
        return
    if has_capability(user, Cap.MANAGE_USERS):
        return
    raise Http404


# --- labels --------------------------------------------------------------------------------------------

# Keys written by the account actions, which are not model fields.
_ACCOUNT_KEYS: dict[str, Any] = {
    "role": gettext_lazy("角色"),
    "area": gettext_lazy("区域"),
    "full_name": gettext_lazy("姓名"),
    "username": gettext_lazy("用户名"),
    "is_active": gettext_lazy("账户有效"),
    "two_factor": gettext_lazy("双因素认证"),
}


def _target_model(target_type: str) -> type[models.Model] | None:
    if target_type == "user":
        return User
    try:
        return apps.get_model("core", target_type)
    except LookupError:
        return None


def target_label(target_type: str) -> str:
    """The human name of an entry's target type ("person" → "居民"); the raw type when unknown."""
    model = _target_model(target_type)
    return str(model._meta.verbose_name) if model is not None else target_type


def known_target_types() -> list[tuple[str, str]]:
    """(type, label) of every model that can appear in the trail, for the filter's suggestions."""
    found = [
        (m._meta.model_name or "", str(m._meta.verbose_name))
        for m in apps.get_app_config("core").get_models()
    ]
    return sorted([*found, ("user", str(User._meta.verbose_name))])


def _field_label(model: type[models.Model] | None, key: str) -> str:
    if model is User and key in _ACCOUNT_KEYS:
        return str(_ACCOUNT_KEYS[key])
    if model is not None:
        # A sealed value is logged under its plain name ("id_number") but labelled on its masked column.
        for name in (key, f"{key}_masked"):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if label := getattr(field, "verbose_name", None):
                return str(label)
            # A reverse relation ("checks" of an inspection, "members" of a term) has no label of its own:
            # name it by the related model.
            if field.related_model is not None and not isinstance(field.related_model, str):
                return str(field.related_model._meta.verbose_name_plural)
    return key


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    old: str
    new: str
    single: bool  # a value that is not an [old, new] pair (e.g. which field a reveal showed)


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    model = _target_model(entry.target_type)
    rows: list[ChangeRow] = []
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    for key, value in changes.items():
        if entry.action == AuditAction.REVEAL and key == "field":
            rows.append(ChangeRow(_("查看的字段"), "", _field_label(model, str(value)), True))
        elif isinstance(value, list) and len(value) == 2:
            rows.append(ChangeRow(_field_label(model, key), _display(value[0]), _display(value[1]), False))
        else:
            rows.append(ChangeRow(_field_label(model, key), "", _display(value), True))
    return rows


# --- views ---------------------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # no ASCII colon after Chinese labels
        super().__init__(*args, **kwargs)

    date_from = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("操作"), required=False, choices=[("", gettext_lazy("全部")), *AuditAction.choices]
    )
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    target_type = forms.CharField(
        label=gettext_lazy("对象类型"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"list": "audit-target-types"}),
    )
    target_id = forms.CharField(label=gettext_lazy("对象编号"), required=False, max_length=40)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filtered(entries: QuerySet[AuditEntry], form: AuditFilterForm) -> QuerySet[AuditEntry]:
    form.is_valid()
    data = form.cleaned_data  # the valid fields only: a bad date does not discard the other filters
    if data.get("date_from"):
        entries = entries.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        entries = entries.filter(at__lt=_day_start(data["date_to"] + datetime.timedelta(days=1)))
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("actor"):
        entries = entries.filter(actor_name__icontains=data["actor"].strip())
    if data.get("target_type"):
        entries = entries.filter(target_type=data["target_type"].strip())
    if data.get("target_id"):
        entries = entries.filter(target_id=data["target_id"].strip())
    return entries


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    _require_reader(user)
    form = AuditFilterForm(request.GET)
    entries = _filtered(audit_entries_visible_to(user), form).select_related("area").order_by("-at", "-id")
    page = Paginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, target_label(entry.target_type)) for entry in page.object_list]
    return render(
        request,
        "backoffice/audit/audit_list.html",
        {"form": form, "page_obj": page, "rows": rows, "target_types": known_target_types()},
    )


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    _require_reader(user)
    entry = audit_entries_visible_to(user).select_related("area").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return render(
        request,
        "backoffice/audit/audit_detail.html",
        {"entry": entry, "target_label": target_label(entry.target_type), "rows": change_rows(entry)},
    )
