"""Two-factor enforcement for privileged roles (district and street)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from yangguang.core.permissions import requires_two_factor

# Paths a privileged user may reach before verifying a second factor.
_EXEMPT_NAMES = ("backoffice:login", "backoffice:logout", "backoffice:otp_setup", "backoffice:otp_verify")


class TwoFactorMiddleware:
    """Sends district and street users to TOTP enrolment or verification before any back-office page.

    Demo deployments may switch this off (YANGGUANG_REQUIRE_2FA=false); the pages then show a banner.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_verify(request):
            from django_otp import user_has_device

            target = "backoffice:otp_verify" if user_has_device(request.user) else "backoffice:otp_setup"
            # Encoded, so a target that has its own query string ("?page=2&q=x") survives the round trip.
            url = f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request"):
                # htmx would follow a 302 and swap the whole verification page into a fragment.
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)

    def _must_verify(self, request: HttpRequest) -> bool:
        if not settings.REQUIRE_2FA_FOR_PRIVILEGED:
            return False
        if not request.path.startswith("/office/"):
            return False
        user = request.user
        if not user.is_authenticated:
            return False
        if getattr(user, "is_verified", lambda: False)():
            return False
        # The role check first: it reads the roles the page loads anyway, and most users hold no
        # privileged role, so they never pay for reversing the exempt URLs.
        if not requires_two_factor(user):
            return False
        return request.path not in {reverse(name) for name in _EXEMPT_NAMES}
