"""Security headers on every kind of response: the Content-Security-Policy and Permissions-Policy of
`core.middleware.SecurityHeadersMiddleware`, with Django's Referrer-Policy and X-Frame-Options beside them.
The policy is proven against the real pages by the browser tests, which fail on any violation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from yangguang.core.middleware import PERMISSIONS_POLICY


def assert_secured(response: Any) -> None:
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_only_this_sites_scripts_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in settings.CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"


def test_portal_page(world: World, client: Client) -> None:
    response = client.get(reverse("portal:index"))
    assert response.status_code == 200
    assert_secured(response)
    assert response["X-Frame-Options"] == "DENY"


def test_back_office_page(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 200
    assert_secured(response)
    assert response["X-Frame-Options"] == "DENY"


def test_back_office_login_page(client: Client) -> None:
    response = client.get(reverse("backoffice:login"))
    assert response.status_code == 200
    assert_secured(response)


def test_json_api_response(world: World, client: Client) -> None:
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_secured(response)


def test_not_found_page(db: None, client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secured(response)


def test_the_setting_decides_the_policy(world: World, client: Client, settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' https://tiles.example"
    response = client.get(reverse("portal:index"))
    assert response["Content-Security-Policy"] == "default-src 'self'; img-src 'self' https://tiles.example"


def test_an_empty_setting_sends_no_policy(world: World, client: Client, settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = ""
    response = client.get(reverse("portal:index"))
    assert "Content-Security-Policy" not in response
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_view_that_sets_its_own_policy_keeps_it(world: World, client: Client) -> None:
    # The SVG poster runs no script even when opened on its own, so it sends a stricter policy.
    response = client.get(reverse("portal:community_poster_svg", args=[world.sunshine.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
