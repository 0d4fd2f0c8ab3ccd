"""Top-level URL map: back office, resident portal, API, health check."""

from django.urls import include, path

from yangguang.api.urls import open311_urls
from yangguang.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/", include("yangguang.backoffice.urls")),
    path("api/", include("yangguang.api.urls")),
    path("open311/v2/", include(open311_urls)),
    path("", include("yangguang.portal.urls")),
]
