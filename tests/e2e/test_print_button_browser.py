"""The print button of a printable page works under the Content-Security-Policy: a script file
(backoffice/print.js), not an onclick attribute, opens the print dialog. The e2e conftest fails the test on
any policy violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World
from tests.core.test_inspections import issued
from tests.e2e.browser import log_in


@pytest.mark.django_db(transaction=True)
def test_the_rectification_notice_prints_from_its_button(world: World, base_url: str, page: Any) -> None:
    rectification = issued(world)
    log_in(page, "alice")
    page.goto(reverse("backoffice:insp_rect_print", args=[rectification.pk]))
    # A function, so that Playwright runs it once (an expression whose value is a function would be called).
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    assert page.evaluate("window.printed") is None
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") == 1
