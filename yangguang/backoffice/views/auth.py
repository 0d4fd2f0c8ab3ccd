"""Login and logout. Lockout after repeated failures is django-axes' job (see settings.AXES_*).

Successful logins and lockouts are written to the audit trail here, in the view, rather than from the
`user_logged_in` / `user_locked_out` signals: the house style keeps side effects out of signals.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from yangguang.core.actions import accounts


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。请注意区分大小写。"),
        "inactive": _("该账户已停用。"),
    }


def lockout_began(request: HttpRequest) -> bool:
    """Whether this failed attempt is the one that locked the account (not a refused attempt during an
    existing lockout). Axes counts attempts made during a lockout as further failures, so the count
    equals the limit exactly once per lockout."""
    if not getattr(request, "axes_locked_out", False):
        return False
    from axes.helpers import get_failure_limit

    credentials: dict[str, Any] | None = getattr(request, "axes_credentials", None)
    failures = getattr(request, "axes_failures_since_start", None)
    return failures is not None and failures == get_failure_limit(request, credentials)


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        accounts.do_record_login(form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # The lockout page itself is rendered by AxesMiddleware (status 429) in place of this response.
        if lockout_began(self.request):
            accounts.do_record_lockout(self.request.POST.get("username", "").strip())
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass
