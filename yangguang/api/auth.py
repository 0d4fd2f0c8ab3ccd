"""How API callers prove who they are: a bearer token, or the browser's session (so /api/v1/docs works).

Both are tried in that order for every operation (see `API_AUTH`); the first that returns a user wins and
the user lands in `request.auth`. Endpoints read it with `request_user(request)`.

- `Authorization: Bearer yg_<prefix>_<secret>`: for scripts and other systems. A request that presents a
  bearer token which does not authenticate is refused with 401 even if it also carries a valid session
  cookie, so a revoked token fails loudly instead of silently running as whoever is logged in.
- The session cookie: for the interactive docs and future htmx calls. Unsafe methods (POST, PUT, PATCH,
  DELETE) must carry the CSRF token, as anywhere else in the site; token clients need none, since a browser
  never attaches a bearer token on its own. Privileged roles that must use two-factor authentication in
  the back office must have verified it in this session too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from yangguang.core.actions.tokens import authenticate_token
from yangguang.core.permissions import requires_two_factor


class NotAuthenticated(AuthenticationError):
    """401 with a Chinese message saying what was wrong with the credentials."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer yg_<prefix>_<secret>` (see `yangguang.core.actions.tokens`)."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = authenticate_token(token)
        if user is None:
            raise NotAuthenticated(_("API 令牌无效、已撤销或所属账户已停用。"))
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in back-office user, with the site's CSRF and two-factor rules."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF 校验失败：请刷新页面后重试。"))
        if self._must_verify_second_factor(user):
            raise NotAuthenticated(_("请先在后台完成两步验证，再使用 API。"))
        return user

    def _must_verify_second_factor(self, user: Any) -> bool:
        if not settings.REQUIRE_2FA_FOR_PRIVILEGED:
            return False
        if getattr(user, "is_verified", lambda: False)():
            return False
        return requires_two_factor(user)

    def _get_key(self, request: HttpRequest) -> str | None:  # pragma: no cover - __call__ does not use it
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - ditto
        return None


# Order matters: a presented bearer token is judged first (see the module docstring).
API_AUTH = [TokenAuth(), SessionAuth(csrf=True)]


def request_user(request: HttpRequest) -> User:
    """The user the API authenticated for this request. Endpoints behind API_AUTH always have one."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise NotAuthenticated(_("请先登录或提供 API 令牌。"))
    return user
