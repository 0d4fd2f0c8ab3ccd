"""API URLs: /api/v1/ (django-ninja, OpenAPI at /api/v1/docs) and Open311 GeoReport v2.

`urlpatterns` is included by config/urls.py under "api/". The Open311 endpoints live at /open311/v2/
(outside /api/, where the standard's clients expect them), so config/urls.py includes them separately:

    path("open311/v2/", include(open311_urls)),

Every Open311 resource takes its format as a suffix: `services.json` or `services.xml`.
"""

from django.urls import URLPattern, URLResolver, path, re_path

from yangguang.api import open311
from yangguang.api.v1 import api

urlpatterns = [
    path("v1/", api.urls),
]

_FORMAT = r"\.(?P<fmt>json|xml)$"

open311_urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + _FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[-a-zA-Z0-9_]+)" + _FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + _FORMAT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<number>[A-Za-z0-9]+)" + _FORMAT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<code>[-A-Za-z0-9 ]+)" + _FORMAT, open311.token, name="token"),
    path("media/<str:number>/<int:attachment_id>", open311.media, name="media"),
]

# For config/urls.py: `path("open311/v2/", include(open311_urls))` (the "open311" URL namespace).
open311_urls = (open311_urlpatterns, "open311")
