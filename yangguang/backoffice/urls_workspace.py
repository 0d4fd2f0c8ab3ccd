"""Back-office URLs of the supervision part: workspace."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
