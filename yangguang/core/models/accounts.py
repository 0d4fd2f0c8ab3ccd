"""Role assignments (user, area, role), API tokens and the link from a staff account to its registry person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yangguang.core.models.areas import Area
from yangguang.core.models.people import Person
from yangguang.core.permissions import Role


class RoleAssignment(models.Model):
    """A user holds a role over an area and its subtree. The only source of a user's powers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("区域")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "area", "role"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}@{self.area_id}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 hash of the secret is stored; the prefix finds the row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class StaffIdentity(models.Model):
    """Who a staff account is in the registry: the link from a login account to its registry person.

    Set by a user administrator (MANAGE_USERS) who finds the person by their exact ID number inside their
    jurisdiction. The welfare part reads it to apply the recusal rule (回避): an officer may not handle the
    application of their own household or of their declared close relatives. An account without a link
    is not checked for its own relatives (only the community's close-relatives register applies).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_identity"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="staff_identities", verbose_name=_("登记人口")
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联人"),
    )
    linked_at = models.DateTimeField(_("关联时间"))

    class Meta:
        verbose_name = _("工作人员身份关联")
        verbose_name_plural = _("工作人员身份关联")

    def __str__(self) -> str:
        return f"{self.user_id}→{self.person_id}"
