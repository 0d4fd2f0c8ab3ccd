"""The benchmark server's two floors (bench/urls.py, bench/settings.py) answer as bench.cases expects:
200 for a logged-in user, the login page for anyone else, and the project's own URLs unchanged beside them."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.test import Client
from django.urls import clear_url_caches

from tests.conftest import World


@pytest.fixture
def bench_urls(settings: Any) -> Any:
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    yield
    clear_url_caches()


def test_bench_settings_change_only_the_url_configuration() -> None:
    project = importlib.import_module("config.settings")
    bench = importlib.import_module("bench.settings")
    assert bench.ROOT_URLCONF == "bench.urls"
    differing = {
        name
        for name in dir(project)
        if name.isupper()
        and not name.startswith("_")
        and getattr(bench, name, None) != getattr(project, name)
    }
    assert differing == {"ROOT_URLCONF"}


@pytest.mark.parametrize("path", ["/bench/floor/", "/bench/empty/"])
def test_floors_answer_a_logged_in_user(bench_urls: Any, world: World, client: Client, path: str) -> None:
    client.force_login(world.alice)
    response = client.get(path)
    assert response.status_code == 200
    if path == "/bench/empty/":
        assert "阳光社区 · 工作台" in response.content.decode()


@pytest.mark.parametrize("path", ["/bench/floor/", "/bench/empty/"])
def test_floors_send_anyone_else_to_the_login_page(
    bench_urls: Any, db: None, client: Client, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/office/login/")


def test_the_project_urls_stay_beside_the_floors(bench_urls: Any, db: None, client: Client) -> None:
    assert client.get("/healthz").status_code == 200
