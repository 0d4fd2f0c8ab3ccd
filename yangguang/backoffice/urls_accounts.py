"""Back-office URLs for accounts (included by urls.py): two-factor, my account, user management."""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import accounts

urlpatterns: list[URLPattern | URLResolver] = [
    path("2fa/setup/", accounts.otp_setup, name="otp_setup"),
    path("2fa/verify/", accounts.otp_verify, name="otp_verify"),
    path("account/", accounts.account, name="account"),
    path("account/password/", accounts.account_password, name="account_password"),
    path("account/2fa/reset/", accounts.account_reset_two_factor, name="account_reset_2fa"),
    path("users/", accounts.user_list, name="user_list"),
    path("users/new/", accounts.user_create, name="user_create"),
    path("users/<int:pk>/", accounts.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", accounts.user_grant, name="user_grant"),
    path("users/<int:pk>/roles/<int:assignment_pk>/revoke/", accounts.user_revoke, name="user_revoke"),
    path("users/<int:pk>/active/", accounts.user_set_active, name="user_set_active"),
    path("users/<int:pk>/2fa/reset/", accounts.user_reset_two_factor, name="user_reset_2fa"),
    path("users/<int:pk>/unlock/", accounts.user_unlock, name="user_unlock"),
    path("users/<int:pk>/person/", accounts.user_link_person, name="user_link_person"),
    path("users/<int:pk>/person/remove/", accounts.user_unlink_person, name="user_unlink_person"),
]
