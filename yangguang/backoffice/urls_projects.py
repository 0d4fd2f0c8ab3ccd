"""Back-office URLs of the projects part."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
