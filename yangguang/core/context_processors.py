"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from yangguang.core.permissions import ALL_CAPS, jurisdiction_paths


def platform(request: HttpRequest) -> dict[str, Any]:
    """Demo/2FA flags for the banner, and `CAPS`: the capabilities the user holds anywhere, so the
    navigation shows only what the user can open (the views still check each object's area)."""
    user = getattr(request, "user", None)
    caps: frozenset[str] = frozenset()
    if user is not None and user.is_authenticated:
        caps = frozenset(cap for cap in ALL_CAPS if jurisdiction_paths(user, cap))
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "REQUIRE_2FA": settings.REQUIRE_2FA_FOR_PRIVILEGED,
        "CAPS": caps,
    }
