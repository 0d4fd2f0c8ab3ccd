"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

PASSWORD = "correct horse battery"  # every persona's, set by tests/conftest.py


def log_in(page: Any, username: str) -> None:
    """Log in through the back office's login form and wait for the home page."""
    page.goto(reverse("backoffice:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/office/")
