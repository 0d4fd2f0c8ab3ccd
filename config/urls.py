"""Top-level URL map: back office, resident portal, API, health check."""

from django.urls import include, path

from yangguang.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/", include("yangguang.backoffice.urls")),
    path("api/", include("yangguang.api.urls")),
    path("", include("yangguang.portal.urls")),
]
