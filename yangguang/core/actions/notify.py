"""Notifications: a staff inbox, and SMS/email to residents through a pluggable backend.

Rows are written in the same transaction as the change that causes them (so none is lost), and delivery is
queued with `transaction.on_commit` as a background task (so a slow SMS gateway never blocks a request).
Failed deliveries are retried with back-off by `deliver_due`, which claims each row with a conditional
UPDATE and is therefore safe to run from several workers at once.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yangguang.core.models import Area, Case, CaseEvent, CaseReporter, Notification, RoleAssignment
from yangguang.core.permissions import ROLE_CAPS, Cap
from yangguang.core.sealing import keyring

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
_CONTEXT = "core.notification.address"


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Writes SMS to the log instead of sending them (the default; a deployment plugs in its gateway)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


# --- creating notifications --------------------------------------------------------------------------


def to_user(user: User, subject: str, body: str, case: Case | None = None) -> Notification:
    return Notification.objects.create(
        user=user,
        channel=Notification.Channel.INBOX,
        subject=subject,
        body=body,
        case=case,
        sent_at=timezone.now(),
    )


def to_reporter(reporter: CaseReporter, subject: str, body: str, case: Case) -> list[Notification]:
    """SMS and/or email to a reporter, the address kept encrypted until the moment of sending."""
    created = []
    ring = keyring()
    if reporter.phone_enc:
        phone = reporter.unseal("phone")
        created.append(
            Notification.objects.create(
                channel=Notification.Channel.SMS,
                address_masked=reporter.phone_masked,
                address_enc=ring.encrypt(phone, context=_CONTEXT),
                subject=subject,
                body=body,
                case=case,
                next_attempt_at=timezone.now(),
            )
        )
    if reporter.email:
        created.append(
            Notification.objects.create(
                channel=Notification.Channel.EMAIL,
                address_masked=reporter.email[:2] + "***",
                address_enc=ring.encrypt(reporter.email, context=_CONTEXT),
                subject=subject,
                body=body,
                case=case,
                next_attempt_at=timezone.now(),
            )
        )
    return created


def users_with(capability: str, area: Area) -> list[User]:
    """Active users holding `capability` at `area` (through an assignment at the area or above it)."""
    from django.contrib.auth.models import User

    roles = [role for role, caps in ROLE_CAPS.items() if capability in caps]
    user_ids = RoleAssignment.objects.filter(role__in=roles, area_id__in=area.ancestor_ids()).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True))


def case_step(case: Case, event: CaseEvent) -> None:
    """Who hears about a lifecycle step. Called inside the step's transaction."""
    link = _("编号 %(number)s") % {"number": case.number}
    created: list[Notification] = []
    if event.kind == "dispatch":
        recipients = (
            [case.handler] if case.handler is not None else list(case.unit.members.all()) if case.unit else []
        )
        for user in recipients:
            created.append(to_user(user, _("新派单：%(title)s") % {"title": case.title}, link, case))
    elif event.kind in {"reply", "close", "merge"} and not case.anonymous:
        subject = _("您反映的问题有了新进展（%(number)s）") % {"number": case.number}
        body = event.note or case.get_status_display()
        for reporter in case.reporters.all():
            created.extend(to_reporter(reporter, subject, body, case))
    elif event.kind == "reopen" and case.handler is not None:
        created.append(to_user(case.handler, _("诉求需重办：%(title)s") % {"title": case.title}, link, case))
    elif event.kind == "return":
        for user in users_with(Cap.INTAKE_CASES, case.area):
            created.append(
                to_user(user, _("诉求被退回：%(title)s") % {"title": case.title}, event.note, case)
            )
    if any(n.channel != Notification.Channel.INBOX for n in created):
        transaction.on_commit(enqueue_delivery)


def enqueue_delivery() -> None:
    from yangguang.tasks import deliver_notifications

    deliver_notifications.enqueue()


# --- delivering --------------------------------------------------------------------------------------


def _deliver(notification: Notification) -> None:
    address = keyring().decrypt(notification.address_enc, context=_CONTEXT)
    if notification.channel == Notification.Channel.SMS:
        sms_backend().send(address, f"{notification.subject} {notification.body}"[:300])
    else:
        send_mail(notification.subject, notification.body, None, [address])


def deliver_due(now: datetime.datetime | None = None, batch: int = 100) -> tuple[int, int]:
    """Send SMS/email whose time has come. Returns (sent, failed). Safe to run twice at once."""
    now = now or timezone.now()
    sent = failed = 0
    due = Notification.objects.filter(
        ~Q(channel=Notification.Channel.INBOX),
        sent_at__isnull=True,
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    ).order_by("next_attempt_at")[:batch]
    for notification in due:
        # Claim the row: push its next attempt into the future so a concurrent run skips it.
        claimed = Notification.objects.filter(
            pk=notification.pk, sent_at__isnull=True, next_attempt_at=notification.next_attempt_at
        ).update(next_attempt_at=now + datetime.timedelta(minutes=10), attempts=notification.attempts + 1)
        if not claimed:
            continue
        try:
            _deliver(notification)
        except Exception as exc:  # a gateway can fail in any way; record it and retry later
            backoff = datetime.timedelta(minutes=2 ** (notification.attempts + 1))
            Notification.objects.filter(pk=notification.pk).update(
                last_error=str(exc)[:500], next_attempt_at=now + backoff
            )
            failed += 1
            logger.warning("notification %s failed: %s", notification.pk, exc)
        else:
            Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), last_error="")
            sent += 1
    return sent, failed
