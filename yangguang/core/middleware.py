"""Request context for actions (the client IP that audit entries record), and the security headers every
response carries."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_ip() -> str | None:
    """IP of the request being served, or None outside a request (commands, tasks)."""
    return _client_ip.get()


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy sets it, and a
    # deployment behind a proxy configures the proxy to pass the real address as REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the client IP available to actions without threading the request through every call."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


# No page asks for these; a script injected despite the CSP cannot ask either (docs/security.md). A file
# input's camera choice on phones is the browser's own picker, not a camera permission, and still works.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Sends `settings.CONTENT_SECURITY_POLICY` and `PERMISSIONS_POLICY` on every response that has not set
    its own: a view with a stricter policy (an SVG poster, a downloaded attachment) keeps it. An empty
    setting sends no Content-Security-Policy. Referrer-Policy and X-Content-Type-Options come from Django's
    SecurityMiddleware, X-Frame-Options from XFrameOptionsMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read per response, not once at start-up, so tests can override the setting.
        policy: str = settings.CONTENT_SECURITY_POLICY
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
