"""Back-office URLs of the supervision part: inspections."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
