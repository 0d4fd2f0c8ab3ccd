"""`manage.py demo_logins`: print the demo users, their password, role and area (`make run` calls it)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from yangguang.core.demo import DEMO_PASSWORD, DEMO_USERNAMES
from yangguang.core.models import Area, RoleAssignment
from yangguang.core.permissions import PRIVILEGED_ROLES, Role


def demo_login_rows() -> list[tuple[str, str, str, str, str]]:
    """(username, name, password, role, area) of every demo user that exists and holds a role.

    The password column says so when a user has changed it, rather than printing one that no longer works.
    """
    users = User.objects.filter(username__in=DEMO_USERNAMES, is_active=True)
    assignments: dict[int, list[RoleAssignment]] = {}
    for assignment in RoleAssignment.objects.filter(user__in=users).select_related("area").order_by("pk"):
        assignments.setdefault(assignment.user_id, []).append(assignment)
    ancestors = {pk for group in assignments.values() for a in group for pk in a.area.ancestor_ids()}
    area_names = dict(Area.objects.filter(pk__in=ancestors).values_list("pk", "name")) if ancestors else {}
    by_name = {user.username: user for user in users}
    # The demo users share one hash; verifying it once keeps this fast with Argon2.
    verified: dict[str, bool] = {}
    rows: list[tuple[str, str, str, str, str]] = []
    for username in DEMO_USERNAMES:
        user = by_name.get(username)
        if user is None or user.pk not in assignments:
            continue
        if user.password not in verified:
            verified[user.password] = check_password(DEMO_PASSWORD, user.password)
        password = DEMO_PASSWORD if verified[user.password] else "(changed by the user)"
        for assignment in assignments[user.pk]:
            area = " / ".join(area_names.get(pk, "?") for pk in assignment.area.ancestor_ids())
            rows.append((username, user.get_full_name(), password, str(Role(assignment.role).label), area))
    return rows


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins created by seed_demo (username, name, password, role, area)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo_login_rows()
        if not rows:
            self.stdout.write(
                "demo_logins: no demo users in this database (load them with `manage.py seed_demo`)."
            )
            return
        table = [("username", "name", "password", "role", "area"), *rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
        self.stdout.write("Demo logins for the back office at /office/:")
        for n, row in enumerate(table):
            self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        privileged = "、".join(sorted(str(Role(role).label) for role in PRIVILEGED_ROLES))
        if settings.REQUIRE_2FA_FOR_PRIVILEGED:
            self.stdout.write(
                f"Two-factor authentication is ON: {privileged} must enrol a TOTP app at first login."
            )
        else:
            self.stdout.write(
                f"Two-factor authentication is off (demo mode); with YANGGUANG_REQUIRE_2FA=true, "
                f"{privileged} must enrol a TOTP app at first login."
            )
