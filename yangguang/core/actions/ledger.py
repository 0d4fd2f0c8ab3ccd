"""What every part of supervision shares: the committee's ledger (台账), its opinions on any record, the
evidence files attached to supervision records, and disclosures that need the committee's signature.

Other supervision actions call `record_activity` for what they record, so the ledger fills itself.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit
from yangguang.core.models import Activity, Area, AuditAction, Disclosure, Evidence, Opinion, Person
from yangguang.core.permissions import Cap, has_capability
from yangguang.lib.masking import mask_name

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    Actor = AbstractBaseUser | AnonymousUser | None

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    "image/jpeg",
    "image/png",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def target_key(obj: models.Model) -> tuple[str, str]:
    """The (type, id) address of any record, as stored in source_type/target_type columns."""
    return obj._meta.model_name or "", str(obj.pk)


def target_label(obj: models.Model) -> str:
    """How an opinion names its record: a resident by the platform's mask only (the committee reads
    the registry masked, and the label is copied into the ledger and its exports)."""
    if isinstance(obj, Person):
        return mask_name(obj.name)
    return str(obj)[:200]


def record_activity(
    actor: Actor,
    area: Area,
    kind: str,
    title: str,
    *,
    on: datetime.date | None = None,
    detail: str = "",
    participants: str = "",
    source: models.Model | None = None,
) -> Activity:
    """Append a line to the committee's ledger. Called by the actions that record the committee's work."""
    source_type, source_id = target_key(source) if source is not None else ("", "")
    user = actor if actor is not None and actor.is_authenticated else None
    return Activity.objects.create(
        area=area,
        on=on or timezone.localdate(),
        kind=kind,
        title=title[:200],
        detail=detail,
        participants=participants[:300],
        source_type=source_type,
        source_id=source_id,
        recorded_by=user,  # type: ignore[misc]
    )


@transaction.atomic
def do_add_opinion(actor: Actor, area: Area, target: models.Model, body: str) -> Opinion:
    """The committee's opinion on a record in its community. Only the committee (SUPERVISE) may write one;
    nobody edits or deletes it afterwards."""
    if actor is None or not has_capability(actor, Cap.SUPERVISE, area):
        raise PermissionDenied(_("只有本社区居务监督委员会成员可以提出监督意见。"))
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("请填写监督意见。")})
    target_type, target_id = target_key(target)
    opinion = Opinion.objects.create(
        area=area,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_label(target),
        body=body,
        author=actor,  # type: ignore[misc]
    )
    audit.record(actor, AuditAction.CREATE, target=opinion, area=area)
    record_activity(
        actor,
        area,
        Activity.Kind.OPINION,
        _("对“%(t)s”提出监督意见") % {"t": opinion.target_repr},
        detail=body,
        source=opinion,
    )
    return opinion


def opinions_for(target: models.Model) -> models.QuerySet[Opinion]:
    target_type, target_id = target_key(target)
    return Opinion.objects.filter(target_type=target_type, target_id=target_id).select_related("author")


def _sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        name = (upload.name or "").lower()
        if name.endswith(".docx"):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if name.endswith(".xlsx"):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def check_evidence(uploads: list[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Validate evidence files before anything is saved: size and real type (sniffed, not the name)."""
    checked = []
    for upload in uploads:
        if upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
            raise ValidationError(
                {"evidence": _("文件“%(name)s”超过20MB，请压缩后再上传。") % {"name": upload.name}}
            )
        content_type = _sniff(upload)
        if content_type is None:
            raise ValidationError(
                {
                    "evidence": _("文件“%(name)s”不是支持的格式（JPG、PNG、PDF、Word、Excel）。")
                    % {"name": upload.name}
                }
            )
        checked.append((upload, content_type))
    return checked


def do_attach_evidence(
    actor: Actor, area: Area, target: models.Model, uploads: list[tuple[UploadedFile, str]]
) -> list[Evidence]:
    """Store already checked evidence files against a record."""
    target_type, target_id = target_key(target)
    saved = []
    for upload, content_type in uploads:
        upload.seek(0)
        digest = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        evidence = Evidence(
            area=area,
            target_type=target_type,
            target_id=target_id,
            name=(upload.name or "file")[:200],
            content_type=content_type,
            size=upload.size or 0,
            sha256=digest,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        evidence.file.save(upload.name or "file", upload, save=False)
        evidence.save()
        saved.append(evidence)
    return saved


def evidence_for(target: models.Model) -> models.QuerySet[Evidence]:
    target_type, target_id = target_key(target)
    return Evidence.objects.filter(target_type=target_type, target_id=target_id)


# --- disclosures ----------------------------------------------------------------------------------------


@transaction.atomic
def do_create_disclosure(
    actor: Actor,
    area: Area,
    kind: str,
    title: str,
    payload: dict[str, Any],
    *,
    body: str = "",
    source: models.Model | None = None,
) -> Disclosure:
    """Draft a disclosure. `payload` must already be the public projection: masked names, no ID numbers,
    phones or detailed addresses (the caller builds it with `yangguang.lib.masking`)."""
    source_type, source_id = target_key(source) if source is not None else ("", "")
    disclosure = Disclosure.objects.create(
        area=area,
        kind=kind,
        title=title[:200],
        body=body,
        payload=payload,
        source_type=source_type,
        source_id=source_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    audit.record(actor, AuditAction.CREATE, target=disclosure, area=area)
    return disclosure


@transaction.atomic
def do_sign_disclosure(actor: Actor, disclosure: Disclosure) -> Disclosure:
    """The supervising body signs a draft; its content is frozen from then on. In a community or village
    that is its supervision committee; a street's or district's bulletin has no committee above it, so the
    oversight body there (the street discipline committee, the district) signs it."""
    if actor is None:
        raise PermissionDenied(_("公开事项须由本社区居务监督委员会审核签字。"))
    if disclosure.area.is_community:
        if not has_capability(actor, Cap.SUPERVISE, disclosure.area):
            raise PermissionDenied(_("公开事项须由本社区居务监督委员会审核签字。"))
    elif not has_capability(actor, Cap.OVERSEE, disclosure.area):
        raise PermissionDenied(_("街道、区级通报须由街道纪工委或区级监督部门审核签字。"))
    updated = Disclosure.objects.filter(pk=disclosure.pk, status=Disclosure.Status.DRAFT).update(
        status=Disclosure.Status.SIGNED, signed_by=actor, signed_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("只有草稿状态的公开事项可以签字。"))
    disclosure.refresh_from_db()
    audit.record(actor, AuditAction.UPDATE, target=disclosure, changes={"status": ["draft", "signed"]})
    record_activity(
        actor,
        disclosure.area,
        Activity.Kind.REVIEW,
        _("审核签字公开事项：%(t)s") % {"t": disclosure.title},
        source=disclosure,
    )
    return disclosure


def may_publish_disclosure(actor: Actor, area: Area) -> bool:
    """Staff who keep the committee's or the finance records at `area` publish and withdraw disclosures."""
    if actor is None:
        return False
    if has_capability(actor, Cap.MANAGE_COMMITTEE, area):
        return True
    if not area.is_community and has_capability(actor, Cap.OVERSEE, area):
        return True  # a street's or district's own bulletins
    return has_capability(actor, Cap.MANAGE_FINANCE, area)


@transaction.atomic
def do_publish_disclosure(actor: Actor, disclosure: Disclosure) -> Disclosure:
    """Publish a signed disclosure on the portal. Nothing unsigned is ever published."""
    if not may_publish_disclosure(actor, disclosure.area):
        raise PermissionDenied(_("只有本社区工作人员可以公开或撤回公开事项。"))
    if disclosure.status != Disclosure.Status.SIGNED or disclosure.signed_at is None:
        raise ValidationError(_("公开事项须经居务监督委员会签字后才能公开。"))
    updated = Disclosure.objects.filter(pk=disclosure.pk, status=Disclosure.Status.SIGNED).update(
        status=Disclosure.Status.PUBLISHED, published_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("该公开事项的状态已变化，请刷新后重试。"))
    disclosure.refresh_from_db()
    audit.record(actor, AuditAction.UPDATE, target=disclosure, changes={"status": ["signed", "published"]})
    return disclosure


@transaction.atomic
def do_withdraw_disclosure(actor: Actor, disclosure: Disclosure, reason: str) -> Disclosure:
    if not may_publish_disclosure(actor, disclosure.area):
        raise PermissionDenied(_("只有本社区工作人员可以公开或撤回公开事项。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤回理由。")})
    if disclosure.status != Disclosure.Status.PUBLISHED:
        raise ValidationError(_("只有已公开的事项可以撤回。"))
    disclosure.status = Disclosure.Status.WITHDRAWN
    disclosure.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=disclosure,
        changes={"status": ["published", "withdrawn"]},
        reason=reason,
    )
    return disclosure
