"""TOTP two-factor for district and street roles: enrolment, verification, throttling, the demo switch,
and "my account" (roles, password, two-factor reset).

Codes are computed with the real TOTP algorithm (django_otp.oath.totp) from the device's key: nothing
about verification is mocked.
"""

from __future__ import annotations

import datetime
import re
from base64 import b32encode
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from yangguang.core.actions import accounts
from yangguang.core.models import AuditEntry

HOME = "/office/"
SETUP = "backoffice:otp_setup"
VERIFY = "backoffice:otp_verify"
PASSWORD = "correct horse battery"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` × 30 s later) for the device."""
    device.refresh_from_db()
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + steps_ahead
    )
    return f"{value:0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    device = accounts.do_start_totp_enrolment(user)
    accounts.do_confirm_totp_device(user, device)
    return device


def wait_out_throttling(device: TOTPDevice) -> None:
    """Pretend the back-off delay has passed (the test must not sleep)."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=10)
    )


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA_FOR_PRIVILEGED = True


# --- the middleware ----------------------------------------------------------------------------------


def test_dave_without_a_device_is_sent_to_enrolment(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(SETUP)}?next={quote(HOME, safe='')}"


def test_erin_with_a_device_is_sent_to_verification_keeping_the_query_string(client, world, require_2fa):
    enrolled(world.erin)
    client.force_login(world.erin)
    response = client.get("/office/audit/?action=login&page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(VERIFY)}?next=%2Foffice%2Faudit%2F%3Faction%3Dlogin%26page%3D2"


def test_htmx_request_gets_a_client_side_redirect(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse(SETUP))


def test_alice_community_staff_is_not_asked_for_a_second_factor(client, world, require_2fa):
    client.force_login(world.alice)
    assert client.get(HOME).status_code == 200


def test_dave_may_log_out_before_verifying(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.post(reverse("backoffice:logout"))
    assert response["Location"] == reverse("backoffice:login")


def test_with_the_requirement_off_dave_goes_straight_in_and_the_demo_banner_says_so(client, world, settings):
    settings.REQUIRE_2FA_FOR_PRIVILEGED = False
    settings.DEMO_MODE = True
    client.force_login(world.dave)
    response = client.get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "演示环境" in body
    assert "双因素认证要求已关闭" in body


def test_demo_banner_says_the_requirement_is_on_when_it_is(client, world, settings, require_2fa):
    settings.DEMO_MODE = True
    client.force_login(world.alice)
    assert "区级和街道角色须使用双因素认证" in client.get(HOME).content.decode()


# --- enrolment -----------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_from_setup_and_verify(client, db):
    for name in (SETUP, VERIFY):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("backoffice:login"))


def test_enrolment_page_shows_a_qr_code_and_the_secret_for_manual_entry(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.get(reverse(SETUP), {"next": HOME})
    assert response.status_code == 200
    body = response.content.decode()
    device = TOTPDevice.objects.get(user=world.dave)
    assert not device.confirmed
    assert "<svg" in body
    assert 'role="img"' in body
    assert "二维码" in body
    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] in body
    assert re.sub(r"\s", "", secret) in re.sub(r"\s", "", body)


def test_reloading_the_enrolment_page_keeps_one_pending_device(client, world, require_2fa):
    client.force_login(world.dave)
    client.get(reverse(SETUP))
    client.get(reverse(SETUP))
    assert TOTPDevice.objects.filter(user=world.dave).count() == 1


def test_dave_enrols_with_a_real_code_and_reaches_the_page_he_wanted(client, world, require_2fa):
    client.force_login(world.dave)
    client.get(reverse(SETUP))
    device = TOTPDevice.objects.get(user=world.dave)
    response = client.post(reverse(SETUP), {"token": code_for(device), "next": "/office/audit/"})
    assert response.status_code == 302
    assert response["Location"] == "/office/audit/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    entry = AuditEntry.objects.get(target_type="user", target_id=str(world.dave.pk), action="update")
    assert entry.changes == {"two_factor": [False, True]}


def test_enrolment_accepts_a_code_typed_with_a_space(client, world, require_2fa):
    client.force_login(world.dave)
    client.get(reverse(SETUP))
    code = code_for(TOTPDevice.objects.get(user=world.dave))
    response = client.post(reverse(SETUP), {"token": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302


def test_wrong_enrolment_code_is_refused_in_chinese(client, world, require_2fa):
    client.force_login(world.dave)
    client.get(reverse(SETUP))
    device = TOTPDevice.objects.get(user=world.dave)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse(SETUP), {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_letters_are_not_a_code(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.post(reverse(SETUP), {"token": "abcdef"})
    assert "请输入 6 位数字验证码" in response.content.decode()


def test_enrolment_with_an_existing_device_requires_verifying_it_first(client, world, require_2fa):
    # Otherwise anyone with the password could enrol their own phone and skip the real second factor.
    device = enrolled(world.dave)
    client.force_login(world.dave)
    response = client.get(reverse(SETUP))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(VERIFY))
    assert list(TOTPDevice.objects.filter(user=world.dave)) == [device]


# --- verification --------------------------------------------------------------------------------------


def test_erin_verifies_with_a_real_code_and_goes_to_next(client, world, require_2fa):
    device = enrolled(world.erin)
    client.force_login(world.erin)
    response = client.post(
        reverse(VERIFY), {"token": code_for(device), "next": "/office/audit/?action=login"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/office/audit/?action=login"
    assert client.get("/office/audit/").status_code == 200


def test_verification_ignores_an_offsite_next(client, world, require_2fa):
    device = enrolled(world.erin)
    client.force_login(world.erin)
    response = client.post(reverse(VERIFY), {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("backoffice:home")


def test_verify_without_a_device_sends_to_enrolment(client, world, require_2fa):
    client.force_login(world.dave)
    response = client.get(reverse(VERIFY))
    assert response["Location"].startswith(reverse(SETUP))


def test_wrong_codes_are_throttled_until_the_delay_passes(client, world, require_2fa):
    device = enrolled(world.erin)
    client.force_login(world.erin)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert "验证码不正确" in client.post(reverse(VERIFY), {"token": wrong}).content.decode()
    # Straight after a failure even the right code is refused: django-otp's exponential back-off.
    response = client.post(reverse(VERIFY), {"token": right})
    assert response.status_code == 200
    assert "尝试次数过多" in response.content.decode()
    wait_out_throttling(device)
    assert client.post(reverse(VERIFY), {"token": right}).status_code == 302


def test_a_code_cannot_be_used_twice(client, world, require_2fa, django_user_model):
    device = enrolled(world.erin)
    code = code_for(device)
    client.force_login(world.erin)
    assert client.post(reverse(VERIFY), {"token": code}).status_code == 302
    client.logout()
    client.force_login(world.erin)
    response = client.post(reverse(VERIFY), {"token": code})
    assert response.status_code == 200
    # The next time step's code works (the app shows it 30 seconds later; tolerance allows one step).
    wait_out_throttling(device)
    assert client.post(reverse(VERIFY), {"token": code_for(device, steps_ahead=1)}).status_code == 302


def test_password_login_then_code_is_the_full_flow(client, world, require_2fa):
    device = enrolled(world.dave)
    response = client.post(reverse("backoffice:login"), {"username": "dave", "password": PASSWORD})
    assert response["Location"] == reverse("backoffice:home")
    response = client.get(HOME)
    assert response["Location"].startswith(reverse(VERIFY))
    response = client.post(reverse(VERIFY), {"token": code_for(device), "next": HOME})
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


# --- my account ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["backoffice:account", "backoffice:account_password", "backoffice:account_reset_2fa"]
)
def test_anonymous_visitor_is_sent_to_login_from_account_pages(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_account_page_shows_only_alices_own_roles(client, world):
    client.force_login(world.alice)
    body = client.get(reverse("backoffice:account")).content.decode()
    assert "阳光社区 · 社区工作人员" in body
    assert "居务监督委员会成员" not in body  # bob's role
    assert "未启用" in body
    assert "不要求双因素认证" in body


def test_account_page_offers_enrolment_to_dave_when_the_demo_turned_it_off(client, world):
    client.force_login(world.dave)
    body = client.get(reverse("backoffice:account")).content.decode()
    assert "已关闭这一要求" in body
    assert reverse(SETUP) in body


def test_mallory_without_roles_still_has_an_account_page(client, world):
    client.force_login(world.mallory)
    body = client.get(reverse("backoffice:account")).content.decode()
    assert "还没有被授予任何角色" in body


def test_alice_changes_her_password_and_it_is_audited(client, world):
    client.force_login(world.alice)
    response = client.post(
        reverse("backoffice:account_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "阳光下的新密码2025",
            "new_password2": "阳光下的新密码2025",
        },
    )
    assert response["Location"] == reverse("backoffice:account")
    world.alice.refresh_from_db()
    assert world.alice.check_password("阳光下的新密码2025")
    assert client.get(reverse("backoffice:account")).status_code == 200  # this session survives
    entry = AuditEntry.objects.get(action="update", target_type="user", target_id=str(world.alice.pk))
    assert entry.reason == "本人修改密码"
    assert "阳光下的新密码" not in str(entry.changes)


def test_password_change_errors_are_in_chinese(client, world):
    client.force_login(world.alice)
    response = client.post(
        reverse("backoffice:account_password"),
        {"old_password": "not it", "new_password1": "12345", "new_password2": "12345"},
    )
    body = response.content.decode()
    assert "旧密码不正确" in body
    response = client.post(
        reverse("backoffice:account_password"),
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    body = response.content.decode()
    assert "密码长度太短" in body
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_dave_resets_his_device_with_his_password_and_must_enrol_again(client, world, require_2fa):
    device = enrolled(world.dave)
    client.force_login(world.dave)
    client.post(reverse(VERIFY), {"token": code_for(device)})
    response = client.post(reverse("backoffice:account_reset_2fa"), {"password": PASSWORD})
    assert response["Location"] == reverse(SETUP)
    assert not TOTPDevice.objects.filter(user=world.dave).exists()
    assert client.get(HOME)["Location"].startswith(reverse(SETUP))
    entry = AuditEntry.objects.filter(target_id=str(world.dave.pk), action="update").latest("id")
    assert entry.changes == {"two_factor": [True, False]}
    assert entry.area is None


def test_device_reset_needs_the_right_password(client, world):
    enrolled(world.dave)
    client.force_login(world.dave)
    response = client.post(reverse("backoffice:account_reset_2fa"), {"password": "guess"})
    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.dave, confirmed=True).exists()
