"""Accounts: users, role assignments, two-factor devices and the login trail.

Every change here writes its audit entry in the same transaction. Account entries have no natural area
(a user is not a record of the registry), so the rules are:

- granting and revoking a role: the role's area;
- creating an account: the area of its first role (an account is always created with one, so it never
  falls outside every administrator's jurisdiction);
- deactivating, resetting two-factor, unlocking, or linking the account to its registry person: the
  account's highest role area inside the acting administrator's jurisdiction;
- the account holder's own actions (login, lockout, password change, two-factor reset): no area. These
  are shown to the administrators who manage the account (see `backoffice.views.audit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from yangguang.core.actions import audit
from yangguang.core.models import Area, AreaKind, AuditAction, AuditEntry, Person, RoleAssignment
from yangguang.core.models.accounts import StaffIdentity
from yangguang.core.permissions import (
    ROLE_CAPS,
    Cap,
    Role,
    forget_assignments,
    has_capability,
    jurisdiction_paths,
)
from yangguang.core.sealing import blind_index
from yangguang.lib import idnumber
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None

# At which kind of area each role may be granted. A role's capabilities cover the area's subtree, so a
# grid worker granted at a street would edit the registry of every community in it: the kind is checked.
ROLE_AREA_KINDS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: (AreaKind.DISTRICT,),
    Role.CIVIL_AFFAIRS: (AreaKind.DISTRICT,),
    Role.STREET_DISCIPLINE: (AreaKind.STREET,),
    Role.COMMUNITY_STAFF: (AreaKind.COMMUNITY, AreaKind.VILLAGE),
    Role.COMMITTEE_MEMBER: (AreaKind.COMMUNITY, AreaKind.VILLAGE),
    Role.GRID_WORKER: (AreaKind.GRID,),
    Role.LIAISON: (AreaKind.COMMUNITY, AreaKind.VILLAGE, AreaKind.GRID),
    Role.VOLUNTEER: (AreaKind.COMMUNITY, AreaKind.VILLAGE, AreaKind.GRID),
    Role.RESIDENT: (AreaKind.COMMUNITY, AreaKind.VILLAGE, AreaKind.GRID),
}

TOTP_DEVICE_NAME = "default"


def _label(choice: str, choices: type[Role] | type[AreaKind]) -> str:
    """A choice's label in the platform language: audit entries read the same whoever wrote them."""
    from django.conf import settings

    with translation.override(settings.LANGUAGE_CODE):
        return str(choices(choice).label)


def user_repr(user: User) -> str:
    """How an account is named in the audit trail: full name and username (staff, not residents)."""
    full_name = user.get_full_name()
    return f"{full_name}（{user.username}）" if full_name else user.username


# --- jurisdiction over accounts ----------------------------------------------------------------------


def manages_unassigned(actor: Actor) -> bool:
    """Whether the actor also looks after accounts that hold no role at all.

    Such accounts belong to no area, so only administrators of a top-level area (a district) see them;
    otherwise an account whose last role was revoked could never be found again to be given a new one.
    """
    if actor is None:
        return False
    # A top-level area's path has a single component: "/3/".
    return any(path.count("/") == 2 for path in jurisdiction_paths(actor, Cap.MANAGE_USERS))


def roles_managed_by(actor: Actor) -> QuerySet[RoleAssignment]:
    """Role assignments whose area lies inside the actor's MANAGE_USERS jurisdiction."""
    paths = jurisdiction_paths(actor, Cap.MANAGE_USERS) if actor is not None else []
    if not paths:
        return RoleAssignment.objects.none()
    in_scope = Q()
    for path in paths:
        in_scope |= Q(area__path__startswith=path)
    return RoleAssignment.objects.filter(in_scope)


def users_managed_by(actor: Actor) -> QuerySet[User]:
    """Accounts the actor administers: those holding a role inside the actor's MANAGE_USERS jurisdiction
    (plus role-less accounts for top-level administrators)."""
    if actor is None:
        return User.objects.none()
    if not jurisdiction_paths(actor, Cap.MANAGE_USERS):
        return User.objects.none()
    condition = Q(pk__in=roles_managed_by(actor).values("user_id"))
    if manages_unassigned(actor):
        condition |= Q(~Exists(RoleAssignment.objects.filter(user_id=OuterRef("pk"))))
    return User.objects.filter(condition)


def grantable_areas(actor: Actor) -> QuerySet[Area]:
    """Areas at which the actor may grant roles, in tree order."""
    if actor is None:
        return Area.objects.none()
    return Area.objects.visible_to(actor, Cap.MANAGE_USERS).order_by("path")


def access_managed_user(actor: Actor, pk: int | str) -> User:
    """Load an account the actor administers; 404 otherwise (an outsider cannot tell it exists)."""
    if actor is None:
        raise Http404
    if not actor.is_authenticated:
        raise Http404
    try:
        return users_managed_by(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def access_role_assignment(actor: Actor, user: User, pk: int | str) -> RoleAssignment:
    """Load one of `user`'s role assignments whose area the actor administers; 404 otherwise."""
    if actor is None:
        raise Http404
    try:
        assignment = RoleAssignment.objects.select_related("area", "user").get(pk=pk, user=user)
    except (RoleAssignment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not has_capability(actor, Cap.MANAGE_USERS, assignment.area):
        raise Http404
    return assignment


def _entry_area(actor: Actor, user: User) -> Area | None:
    """The area an administrator's entry about `user` is filed under: the user's highest role area
    inside the actor's jurisdiction (so the supervision committee of that area sees it too)."""
    if actor is None:
        return None
    roles = (
        RoleAssignment.objects.filter(user=user).select_related("area").order_by("area__depth", "area__path")
    )
    for assignment in roles:
        if has_capability(actor, Cap.MANAGE_USERS, assignment.area):
            return assignment.area
    return None


# --- creating accounts and granting roles ------------------------------------------------------------


def validate_new_password(password: str, user: User) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), with Chinese messages.

    Django 5.2's minimum-length message changed its placeholder and its Chinese catalogue still has the
    old one, so that message would appear in English; it is supplied here by its error code.
    """
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError([_in_chinese(error) for error in exc.error_list]) from exc


def _in_chinese(error: ValidationError) -> ValidationError:
    if error.code == "password_too_short" and error.params:
        return ValidationError(
            _("密码长度太短，至少需要 %(min_length)d 个字符。") % {"min_length": error.params["min_length"]},
            code=error.code,
        )
    return error


def _check_grantable(actor: Actor, area: Area, role: str) -> dict[str, str]:
    """Errors (field → message) that forbid `actor` to grant `role` at `area`; empty when allowed."""
    if role not in ROLE_AREA_KINDS:
        return {"role": _("请选择有效的角色。")}
    if actor is None or not has_capability(actor, Cap.MANAGE_USERS, area):
        return {"area": _("“%(area)s”不在您的管辖范围内。") % {"area": area.name}}
    if area.kind not in ROLE_AREA_KINDS[role]:
        kinds = "、".join(_label(kind, AreaKind) for kind in ROLE_AREA_KINDS[role])
        return {
            "area": _("“%(role)s”只能在%(kinds)s一级授予，“%(area)s”是%(kind)s。")
            % {
                "role": _label(role, Role),
                "kinds": kinds,
                "area": area.name,
                "kind": _label(area.kind, AreaKind),
            }
        }
    return {}


def check_grant_role(actor: Actor, user: User, area: Area, role: str) -> RoleAssignment:
    """Grant `role` at `area` to `user` after checking jurisdiction, the area kind and duplicates."""
    errors = _check_grantable(actor, area, role)
    if errors:
        raise ValidationError(errors)
    if not user.is_active:
        raise ValidationError(_("该账户已停用，请先启用后再授权。"))
    if RoleAssignment.objects.filter(user=user, area=area, role=role).exists():
        raise ValidationError(_("该用户在此区域已拥有这个角色。"))
    return do_grant_role(actor, user, area, role)


@transaction.atomic
def do_grant_role(actor: Actor, user: User, area: Area, role: str) -> RoleAssignment:
    assignment = RoleAssignment.objects.create(user=user, area=area, role=role)
    audit.record(
        actor,
        AuditAction.GRANT,
        target=user,
        target_repr=user_repr(user),
        area=area,
        changes={"role": [None, _label(role, Role)], "area": [None, area.name]},
    )
    forget_assignments(user)
    return assignment


def check_create_user(
    actor: Actor, *, username: str, full_name: str, password: str, area: Area, role: str
) -> User:
    """Create an account with its first role; errors map to the fields named by the arguments."""
    username = username.strip()
    full_name = full_name.strip()
    errors: dict[str, str | list[str]] = dict(_check_grantable(actor, area, role))
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该用户名已被使用。")
    try:
        validate_new_password(password, User(username=username, first_name=full_name))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return do_create_user(
        actor, username=username, full_name=full_name, password=password, area=area, role=role
    )


@transaction.atomic
def do_create_user(
    actor: Actor, *, username: str, full_name: str, password: str, area: Area, role: str
) -> User:
    user = User(username=username, first_name=full_name)
    user.set_password(password)
    user.save()
    audit.record(
        actor,
        AuditAction.CREATE,
        target=user,
        target_repr=user_repr(user),
        area=area,
        changes={"username": [None, username], "full_name": [None, full_name]},
    )
    do_grant_role(actor, user, area, role)
    return user


# --- revoking, deactivating ----------------------------------------------------------------------------


def check_revoke_role(actor: Actor, assignment: RoleAssignment) -> None:
    if actor is None or not has_capability(actor, Cap.MANAGE_USERS, assignment.area):
        raise ValidationError(_("该授权不在您的管辖范围内。"))
    own = assignment.user_id == actor.pk
    if own and Cap.MANAGE_USERS in ROLE_CAPS.get(assignment.role, frozenset()):
        # Otherwise the last administrator of a district could lock everyone out of user management.
        raise ValidationError(_("不能撤销自己的管理员角色，请由其他管理员操作。"))
    do_revoke_role(actor, assignment)


@transaction.atomic
def do_revoke_role(actor: Actor, assignment: RoleAssignment) -> None:
    user = assignment.user
    area = assignment.area
    role = assignment.role
    assignment.delete()
    audit.record(
        actor,
        AuditAction.REVOKE,
        target=user,
        target_repr=user_repr(user),
        area=area,
        changes={"role": [_label(role, Role), None], "area": [area.name, None]},
    )
    forget_assignments(user)


def check_set_active(actor: Actor, user: User, active: bool) -> None:
    if actor is None or not users_managed_by(actor).filter(pk=user.pk).exists():
        raise ValidationError(_("该账户不在您的管辖范围内。"))
    if user.pk == actor.pk and not active:
        raise ValidationError(_("不能停用自己的账户。"))
    do_set_active(actor, user, active)


@transaction.atomic
def do_set_active(actor: Actor, user: User, active: bool) -> None:
    """Activate or deactivate an account. A deactivated user's sessions stop working at once (Django's
    ModelBackend refuses inactive users); role assignments are kept so re-activation restores them."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        area=_entry_area(actor, user),
        changes={"is_active": [not active, active]},
    )
    forget_assignments(user)


def do_unlock_login(actor: Actor, user: User) -> int:
    """Clear django-axes' failed-login records for the account (all IPs); returns how many were removed."""
    from axes.utils import reset

    removed = reset(username=user.username)
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        area=_entry_area(actor, user),
        reason=_("解除登录锁定"),
    )
    return removed


# --- the registry person behind a staff account ---------------------------------------------------------


def person_label(person: Person) -> str:
    """A linked person as shown on account pages and in the audit trail: masked name and masked ID number."""
    masked_id = person.id_number_masked or _("无身份证号")
    return f"{mask_name(person.name)}（{masked_id}）"


def staff_identity(user: User) -> StaffIdentity | None:
    """The account's link to its registry person, with the person and their area; None when unlinked."""
    return StaffIdentity.objects.filter(user=user).select_related("person__area").first()


def find_linkable_person(actor: Actor, raw_id: str) -> Person:
    """The registry person with exactly this ID number inside the actor's MANAGE_USERS jurisdiction.

    The number is matched by blind index only (the plaintext never reaches the database). A person
    registered elsewhere gets the same answer as an unknown number, so the form cannot be used to learn
    where someone lives.
    """
    try:
        id18 = idnumber.normalize(raw_id, today=timezone.localdate())
    except idnumber.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    index = blind_index("core.person", "id_number", id18)
    person = None
    if actor is not None:
        in_reach = Person.objects.visible_to(actor, Cap.MANAGE_USERS)
        person = in_reach.filter(id_number_index=index).select_related("area").first()
    if person is None:
        raise ValidationError({"id_number": _("在您管辖范围内的登记人口中没有找到该身份证号码的居民。")})
    if person.died_on is not None:
        raise ValidationError({"id_number": _("该居民已登记死亡，不能关联为工作人员本人。")})
    return person


def _check_identity_change(actor: Actor, user: User) -> None:
    if actor is None or not users_managed_by(actor).filter(pk=user.pk).exists():
        raise ValidationError(_("该账户不在您的管辖范围内。"))
    if user.pk == actor.pk:
        # The link decides which applications its holder must stay away from (回避): nobody sets their own.
        raise ValidationError(_("不能为自己的账户关联或解除关联登记人口，请由其他管理员操作。"))


def check_link_person(actor: Actor, user: User, raw_id: str) -> StaffIdentity:
    """Link `user` to the registry person with ID number `raw_id` (MANAGE_USERS over the account and the
    person; not one's own account). Linking again replaces the earlier link."""
    _check_identity_change(actor, user)
    person = find_linkable_person(actor, raw_id)
    current = staff_identity(user)
    if current is not None and current.person_id == person.pk:
        raise ValidationError(_("该账户已关联这位居民。"))
    return do_link_person(actor, user, person)


@transaction.atomic
def do_link_person(actor: Actor, user: User, person: Person) -> StaffIdentity:
    current = StaffIdentity.objects.select_for_update().filter(user=user).select_related("person").first()
    before = person_label(current.person) if current is not None else None
    linked_by = actor if isinstance(actor, User) else None
    identity, _created = StaffIdentity.objects.update_or_create(
        user=user, defaults={"person": person, "linked_by": linked_by, "linked_at": timezone.now()}
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        area=_entry_area(actor, user) or person.area,
        changes={"person": [before, person_label(person)]},
        reason=_("关联登记人口"),
    )
    return identity


def check_unlink_person(actor: Actor, user: User) -> None:
    _check_identity_change(actor, user)
    if staff_identity(user) is None:
        raise ValidationError(_("该账户没有关联登记人口。"))
    do_unlink_person(actor, user)


@transaction.atomic
def do_unlink_person(actor: Actor, user: User) -> None:
    identity = (
        StaffIdentity.objects.select_for_update().filter(user=user).select_related("person__area").first()
    )
    if identity is None:
        return
    person = identity.person
    identity.delete()
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        area=_entry_area(actor, user) or person.area,
        changes={"person": [person_label(person), None]},
        reason=_("解除关联登记人口"),
    )


# --- passwords and two-factor devices ----------------------------------------------------------------


@transaction.atomic
def do_change_password(user: User, new_password: str) -> None:
    """Set a new password chosen by the account holder (the form has checked the old one and the
    validators). The entry says that it changed, never what it was."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(user, AuditAction.UPDATE, target=user, target_repr=user_repr(user), reason=_("本人修改密码"))


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def do_start_totp_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page, created on first visit and reused after.

    Nothing is audited yet: an unconfirmed device verifies nothing. Only one is kept per user, so
    reloading the page does not leave stray secrets behind.
    """
    pending = list(TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk"))
    if pending:
        device = pending[0]
        TOTPDevice.objects.filter(pk__in=[d.pk for d in pending[1:]]).delete()
        return device
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


TotpResult = Literal["ok", "wrong", "throttled"]


def verify_totp(device: TOTPDevice, token: str) -> tuple[TotpResult, TOTPDevice]:
    """Check a code against a device with django-otp's own throttling (1, 2, 4, 8 … seconds between
    attempts after failures). The row is locked so two concurrent requests cannot both use one code.
    Returns the result and the fresh device (to pass to `django_otp.login`)."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _info = locked.verify_is_allowed()
        if not allowed:
            return "throttled", locked
        if locked.verify_token(token):
            return "ok", locked
        return "wrong", locked


@transaction.atomic
def do_confirm_totp_device(user: User, device: TOTPDevice) -> None:
    """Mark a device as confirmed once the user has typed a code from it; other devices are removed."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        user,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        changes={"two_factor": [False, True]},
        reason=_("启用双因素认证"),
    )


@transaction.atomic
def do_reset_two_factor(actor: Actor, user: User) -> None:
    """Remove the user's TOTP devices so they enrol again (lost or replaced phone).

    The account holder resets their own (after re-entering the password); an administrator resets an
    account they manage. Privileged users are sent to enrolment on their next page.
    """
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    own = actor is not None and actor.pk == user.pk
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=user,
        target_repr=user_repr(user),
        area=None if own else _entry_area(actor, user),
        changes={"two_factor": [bool(removed), False]},
        reason=_("本人重置双因素认证设备") if own else _("管理员重置双因素认证设备"),
    )


# --- the login trail -----------------------------------------------------------------------------------


def do_record_login(user: User) -> AuditEntry:
    """A successful password login, with the client IP (no area: see the module docstring)."""
    return audit.record(
        user, AuditAction.LOGIN, target=user, target_repr=user_repr(user), reason=_("登录成功")
    )


def do_record_lockout(username: str) -> AuditEntry:
    """The failed attempt that locked an account. Only existing accounts are named: a mistyped
    username may be someone's password, and the audit trail must not keep it."""
    user = User.objects.filter(username=username).first() if username else None
    return audit.record(
        None,
        AuditAction.LOGIN,
        target_type="user",
        target_id=str(user.pk) if user else "",
        target_repr=user_repr(user) if user else "",
        reason=_("连续登录失败，账户已被暂时锁定") if user else _("连续登录失败，已暂时锁定（用户名不存在）"),
    )
