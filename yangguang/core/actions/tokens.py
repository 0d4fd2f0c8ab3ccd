"""API tokens: issue (the plaintext is shown once), revoke, and authenticate a bearer token.

A token reads `yg_<prefix>_<secret>`. The prefix is stored in clear and finds the row with one indexed
lookup; of the secret only its SHA-256 is stored, so a copy of the database does not yield working tokens.
A plain hash (not argon2) is enough here because the secret is 256 random bits, not a human password, and
it keeps authentication cheap on every request. The hash is compared in constant time.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Final

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.models import ApiToken, AuditAction

SCHEME: Final = "yg"
PREFIX_HEX_BYTES: Final = 6  # 12 hex characters: the column's max_length
SECRET_BYTES: Final = 32
NAME_MAX_LENGTH: Final = 100
# last_used_at is a hint for operators ("is this token still in use?"), not an access log: writing it on
# every request would turn each read into a write, so it is refreshed at most once per interval.
LAST_USED_RESOLUTION: Final = datetime.timedelta(minutes=1)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_prefix() -> str:
    # 48 random bits make a collision very unlikely; the loop makes it impossible.
    while True:
        prefix = secrets.token_hex(PREFIX_HEX_BYTES)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def parse_token(plaintext: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, or None. Runs no query."""
    scheme, sep1, rest = plaintext.strip().partition("_")
    prefix, sep2, secret = rest.partition("_")
    if scheme != SCHEME or not sep1 or not sep2:
        return None
    if len(prefix) != PREFIX_HEX_BYTES * 2 or not secret:
        return None
    return prefix, secret


@transaction.atomic
def do_create_api_token(actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; return the row and the plaintext, which is never available again.

    `actor` is who issued it (None for the command line); the audit entry names the token, never its secret.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称（例如用途或调用方）。")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": _("令牌名称最多%(n)d个字。") % {"n": NAME_MAX_LENGTH}})
    if not user.is_active:
        raise ValidationError(_("该账户已停用，不能签发令牌。"))
    prefix = _new_prefix()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=_hash_secret(secret))
    audit.record(
        actor,
        AuditAction.GRANT,
        target=token,
        changes={"user": [None, user.get_username()], "name": [None, name], "prefix": [None, prefix]},
    )
    return token, f"{SCHEME}_{prefix}_{secret}"


@transaction.atomic
def do_revoke_api_token(actor: User | None, token: ApiToken) -> None:
    """Revoke a token for good. Revoking a revoked token changes nothing and writes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor, AuditAction.REVOKE, target=token, changes={"revoked_at": [None, token.revoked_at.isoformat()]}
    )


def authenticate_token(plaintext: str) -> User | None:
    """The active user a valid, unrevoked token belongs to; None for anything else.

    One query finds the token and its user; a second, conditional UPDATE refreshes `last_used_at` when it is
    older than LAST_USED_RESOLUTION, so concurrent requests write it at most once.
    """
    parsed = parse_token(plaintext)
    if parsed is None:
        return None
    prefix, secret = parsed
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        return None
    if not hmac.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    if token.revoked_at is not None:
        return None
    if not token.user.is_active:
        return None
    _touch(token)
    return token.user


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
