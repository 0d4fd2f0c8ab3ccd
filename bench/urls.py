"""The project's URLs plus two pages that exist only for the benchmarks (`bench.settings`).

`bench/floor/` is what every back-office page pays before its own work: the session and the user
(`login_required`), and the user's roles (the two-factor middleware and every permission check read them).
`bench/empty/` adds the back-office layout with nothing in it (header, grouped navigation, footer).
`bench.cases` measures both beside the pages, so that a page's cost can be read as floor + its own work."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from yangguang.core.permissions import Cap, has_capability


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    has_capability(request.user, Cap.VIEW_CASES)
    return HttpResponse("ok", content_type="text/plain")


@login_required
def empty(request: HttpRequest) -> HttpResponse:
    has_capability(request.user, Cap.VIEW_CASES)
    return render(request, "backoffice/base.html", {})


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/empty/", empty),
    *project_urlpatterns,
]
