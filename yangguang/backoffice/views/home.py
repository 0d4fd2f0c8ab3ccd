"""The home page: the user's jurisdiction at a glance."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yangguang.core.models import Area, Building, Compound, Dwelling, Merchant, Person, RoleAssignment
from yangguang.core.permissions import Cap


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required guarantees a real user
    roles = RoleAssignment.objects.filter(user=user).select_related("area").order_by("area__path")
    counts = {
        "compounds": Compound.objects.visible_to(user).count(),
        "buildings": Building.objects.visible_to(user).count(),
        "dwellings": Dwelling.objects.visible_to(user).count(),
        "persons": Person.objects.visible_to(user).count(),
        "merchants": Merchant.objects.visible_to(user).count(),
    }
    top_areas = Area.objects.visible_to(user, Cap.VIEW_REGISTRY).order_by("depth", "path")[:1]
    return render(
        request,
        "backoffice/home.html",
        {"roles": roles, "counts": counts, "top_area": top_areas[0] if top_areas else None},
    )
