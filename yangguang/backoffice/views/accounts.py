"""Accounts in the back office.

- Two-factor enrolment (`otp_setup`) and verification (`otp_verify`); `TwoFactorMiddleware` sends district
  and street users here when `REQUIRE_2FA_FOR_PRIVILEGED` is on.
- "My account" for every user: own roles, password change, two-factor status and reset.
- User and role management for holders of MANAGE_USERS (district administrators): list, create, grant,
  revoke, deactivate, reset two-factor, unlock a locked-out login, and link an account to its registry
  person (by exact ID number; the welfare recusal rule reads the link).
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast

import django_otp
import segno
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from yangguang.core.actions import accounts
from yangguang.core.models import Area, RoleAssignment
from yangguang.core.permissions import Cap, Role, has_capability, requires_two_factor

# --- helpers -----------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required guarantees a real user


def _is_verified(request: HttpRequest) -> bool:
    """Whether this session has passed a second factor (OTPMiddleware installs `is_verified`)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _safe_next(request: HttpRequest) -> str:
    """The `next` target if it stays on this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("backoffice:home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


# --- forms -------------------------------------------------------------------------------------------


class PlainLabelsMixin:
    """No ":" after labels (Django's default suffix is an ASCII colon, out of place in Chinese)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TokenForm(PlainLabelsMixin, forms.Form):
    token = forms.CharField(
        label=gettext_lazy("6 位验证码"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())  # "123 456" as apps display it
        if len(token) != 6 or not token.isdigit():
            raise ValidationError(_("请输入 6 位数字验证码。"))
        return token


class ConfirmPasswordForm(PlainLabelsMixin, forms.Form):
    """Re-entering the password before a sensitive change. Goes through `authenticate`, so django-axes
    counts failures here like on the login page."""

    password = forms.CharField(
        label=gettext_lazy("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        user = _user(self.request)
        if authenticate(self.request, username=user.get_username(), password=password) is None:
            raise ValidationError(_("密码不正确。"))
        return password


class PasswordForm(PlainLabelsMixin, PasswordChangeForm):
    """Django's password change form, with the validators' messages all in Chinese."""

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107 (a field name)
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                accounts.validate_new_password(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, error)


class AreaChoiceField(forms.ModelChoiceField[Area]):
    def label_from_instance(self, obj: Area) -> str:
        # Indented by depth so the tree reads in a plain <select>; the kind helps pick the right level.
        return f"{'　' * obj.depth}{obj.name}（{obj.get_kind_display()}）"


class GrantForm(PlainLabelsMixin, forms.Form):
    area = AreaChoiceField(label=gettext_lazy("区域"), queryset=Area.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Role.choices)

    def __init__(self, actor: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AreaChoiceField, self.fields["area"]).queryset = accounts.grantable_areas(actor)


class StaffIdentityForm(PlainLabelsMixin, forms.Form):
    """The registry person behind an account, found by the exact ID number (never by name)."""

    id_number = forms.CharField(
        label=gettext_lazy("本人身份证号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("输入完整的18位身份证号码，在您管辖范围内的登记人口中精确查找。"),
    )


class UserCreateForm(GrantForm):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=gettext_lazy("登录时使用，150 个字符以内，可用字母、数字和 @/./+/-/_。"),
    )
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "至少 10 位，不能全为数字，不能与用户名或姓名相近。请当面告知本人并提醒其修改。"
        ),
    )
    password_again = forms.CharField(
        label=gettext_lazy("再次输入初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "full_name", "password", "password_again", "area", "role"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return cleaned


# --- two-factor enrolment and verification -----------------------------------------------------------


def _qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code (no external service sees the secret)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=2, dark="#000", light="#fff")


def _grouped_secret(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _safe_next(request)
    if accounts.confirmed_totp_device(user) is not None:
        # Enrolling a new device must not be a way around the existing one: verify it first, and replace
        # it only through "reset" on the account page.
        if _is_verified(request):
            messages.info(request, _("您已启用双因素认证。如需更换手机，请先在“我的账户”中重置。"))
            return redirect("backoffice:account")
        return redirect(_with_next("backoffice:otp_verify", next_url))
    device = accounts.do_start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, device = accounts.verify_totp(device, form.cleaned_data["token"])
        if result == "ok":
            accounts.do_confirm_totp_device(user, device)
            django_otp.login(request, device)
            messages.success(request, _("双因素认证已启用。以后登录时需要输入手机上的验证码。"))
            return redirect(next_url)
        form.add_error("token", _token_error(result))
    return render(
        request,
        "backoffice/accounts/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(device),
            "secret": _grouped_secret(device),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        },
    )


def _token_error(result: accounts.TotpResult) -> str:
    if result == "throttled":
        return _("尝试次数过多，请稍等片刻再输入新的验证码。")
    return _("验证码不正确。请确认输入的是当前显示的验证码，并检查手机时间是否准确。")


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _safe_next(request)
    if _is_verified(request):
        return redirect(next_url)
    device = accounts.confirmed_totp_device(user)
    if device is None:
        return redirect(_with_next("backoffice:otp_setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, device = accounts.verify_totp(device, form.cleaned_data["token"])
        if result == "ok":
            django_otp.login(request, device)
            return redirect(next_url)
        form.add_error("token", _token_error(result))
    return render(request, "backoffice/accounts/otp_verify.html", {"form": form, "next": next_url})


# --- my account --------------------------------------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    roles = RoleAssignment.objects.filter(user=user).select_related("area").order_by("area__path")
    privileged = requires_two_factor(user)
    identity = accounts.staff_identity(user)
    return render(
        request,
        "backoffice/accounts/account.html",
        {
            "roles": roles,
            "identity_label": accounts.person_label(identity.person) if identity is not None else "",
            "device": accounts.confirmed_totp_device(user),
            "privileged": privileged,
            "two_factor_required": privileged and settings.REQUIRE_2FA_FOR_PRIVILEGED,
            "verified": _is_verified(request),
        },
    )


@login_required
def account_password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.do_change_password(user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # keep this session; others are logged out
        messages.success(request, _("密码已修改。"))
        return redirect("backoffice:account")
    return render(request, "backoffice/accounts/password.html", {"form": form})


@login_required
def account_reset_two_factor(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ConfirmPasswordForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.do_reset_two_factor(user, user)
        messages.success(request, _("原双因素认证设备已删除，请重新绑定。"))
        return redirect("backoffice:otp_setup")
    return render(
        request,
        "backoffice/accounts/reset_two_factor.html",
        {"form": form, "device": accounts.confirmed_totp_device(user)},
    )


# --- user and role management ------------------------------------------------------------------------


def _require_user_manager(actor: User) -> None:
    if not has_capability(actor, Cap.MANAGE_USERS):
        raise Http404


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    _require_user_manager(actor)
    query = request.GET.get("q", "").strip()
    users = accounts.users_managed_by(actor)
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    visible_roles = accounts.roles_managed_by(actor).select_related("area").order_by("area__path", "role")
    users = (
        users.annotate(has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related(Prefetch("role_assignments", queryset=visible_roles, to_attr="visible_roles"))
        .order_by("username")
    )
    page = Paginator(users, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/accounts/user_list.html", {"page_obj": page, "query": query})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    _require_user_manager(actor)
    form = UserCreateForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.check_create_user(
                actor,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                area=data["area"],
                role=data["role"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已创建账户“%(name)s”。") % {"name": accounts.user_repr(user)})
            return redirect("backoffice:user_detail", pk=user.pk)
    return render(request, "backoffice/accounts/user_form.html", {"form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    roles = accounts.roles_managed_by(actor).filter(user=user).select_related("area").order_by("area__path")
    identity = accounts.staff_identity(user)
    return render(
        request,
        "backoffice/accounts/user_detail.html",
        {
            "subject": user,
            "roles": roles,
            "grant_form": GrantForm(actor),
            "device": accounts.confirmed_totp_device(user),
            "failed_logins": AccessAttempt.objects.filter(username=user.username).count(),
            "is_self": user.pk == actor.pk,
            "identity": identity,
            "identity_label": accounts.person_label(identity.person) if identity is not None else "",
            "identity_form": StaffIdentityForm(),
        },
    )


@login_required
@require_POST
def user_grant(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    form = GrantForm(actor, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("backoffice:user_detail", pk=user.pk)
    try:
        accounts.check_grant_role(actor, user, form.cleaned_data["area"], form.cleaned_data["role"])
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("已授权。"))
    return redirect("backoffice:user_detail", pk=user.pk)


@login_required
@require_POST
def user_revoke(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    assignment = accounts.access_role_assignment(actor, user, assignment_pk)
    try:
        accounts.check_revoke_role(actor, assignment)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("已撤销授权。"))
    # After revoking the last role in the actor's jurisdiction the account may no longer be visible.
    if accounts.users_managed_by(actor).filter(pk=user.pk).exists():
        return redirect("backoffice:user_detail", pk=user.pk)
    return redirect("backoffice:user_list")


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    active = request.POST.get("active") == "1"
    try:
        accounts.check_set_active(actor, user, active)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("账户已启用。") if active else _("账户已停用，该用户将无法登录。"))
    return redirect("backoffice:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    accounts.do_reset_two_factor(actor, user)
    messages.success(request, _("已重置该用户的双因素认证设备，其下次登录时需重新绑定。"))
    return redirect("backoffice:user_detail", pk=user.pk)


@login_required
@require_POST
def user_link_person(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    form = StaffIdentityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入本人的身份证号码。"))
        return redirect("backoffice:user_detail", pk=user.pk)
    try:
        identity = accounts.check_link_person(actor, user, form.cleaned_data["id_number"])
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已将该账户关联到登记人口 %(person)s。") % {"person": accounts.person_label(identity.person)},
        )
    return redirect("backoffice:user_detail", pk=user.pk)


@login_required
@require_POST
def user_unlink_person(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    try:
        accounts.check_unlink_person(actor, user)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("已解除该账户与登记人口的关联。"))
    return redirect("backoffice:user_detail", pk=user.pk)


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _user(request)
    user = accounts.access_managed_user(actor, pk)
    accounts.do_unlock_login(actor, user)
    messages.success(request, _("已解除该账户的登录锁定。"))
    return redirect("backoffice:user_detail", pk=user.pk)
