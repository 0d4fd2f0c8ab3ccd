"""Template tags of the supervision pages.

`{% opinions_panel record request.user %}` (after `{% load supervision %}`) shows the committee's opinions
on any record of `oversight.TARGETS` and, for members of the record's community committee, the form to add
one. One line on a record's page; the panel costs one query (the opinions) when the record's area is
loaded with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.db import models
from django.urls import reverse

from yangguang.backoffice.forms_workspace import OpinionForm
from yangguang.core.actions import ledger, oversight
from yangguang.core.permissions import Cap, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

register = template.Library()


@register.inclusion_tag("backoffice/workspace/_opinions.html", takes_context=True)
def opinions_panel(
    context: template.Context, record: models.Model, user: AbstractBaseUser | AnonymousUser
) -> dict[str, Any]:
    target_type = record._meta.model_name or ""
    area = oversight.target_area(record) if target_type in oversight.TARGETS else None
    may_opine = area is not None and has_capability(user, Cap.SUPERVISE, area)
    request = context.get("request")
    form = None
    if may_opine:
        back = request.get_full_path() if request is not None else ""
        form = OpinionForm(initial={"next": back}, auto_id="opinion_%s")
    return {
        "target_type": target_type,
        "record_pk": record.pk,
        "opinions": list(ledger.opinions_for(record)),
        "form": form,
        "action": reverse("backoffice:workspace_opinion_add", args=[target_type, record.pk])
        if may_opine
        else "",
        "csrf_token": context.get("csrf_token"),
    }
