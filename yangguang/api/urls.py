"""API URLs: /api/v1/ (django-ninja, OpenAPI at /api/v1/docs)."""

from django.urls import path

from yangguang.api.v1 import api

urlpatterns = [
    path("v1/", api.urls),
]
