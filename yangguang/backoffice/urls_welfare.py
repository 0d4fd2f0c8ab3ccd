"""Back-office URLs of the welfare part."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
