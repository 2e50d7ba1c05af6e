"""Public submissions of credit information (信用征集) and their review."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import IO

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import Department
from core.collection.models import Submission, SubmissionKind, SubmissionStatus
from core.collection.permissions import SUBMISSION_REVIEW
from core.collection.services import EntryResult, record_enter
from core.common.actors import Actor, ActorKind
from core.common.errors import ValidationFailed
from core.common.identifiers import normalise, uscc_problem
from core.common.render_tokens import NOT_HUMAN, RenderToken, render_token_read, render_token_spend
from core.common.tenancy import current_schema
from core.common.throttle import throttle
from core.records.models import Record
from core.records.validation import Problem
from core.storage.api import attachment_check, store_attachment

RATE_LIMIT = 5  # submissions per client address per hour
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# The portal form's render token (core/common/render_tokens.py): people take a few seconds to fill
# the form in, bots send it at once; a page left open a day is rendered again.
RENDER_SALT = "portal.submission.rendered"
RENDER_MAX_AGE = 86400
MIN_FILL_SECONDS = 3


@dataclass(frozen=True)
class HumanCheck:
    """What the portal form brings back to tell a person from a bot: the render token it was
    rendered with, and the honeypot field people leave empty."""

    render_token: str
    honeypot: str = ""


@dataclass(frozen=True)
class SubmissionForm:
    kind: str
    subject_name: str
    subject_code: str
    content: str
    contact_name: str
    contact_phone: str


def _receipt() -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"ZJ{stamp}-" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))


def _check(form: SubmissionForm) -> SubmissionForm:
    if form.kind not in SubmissionKind.values:
        raise ValidationFailed("请选择征集类别", field="kind")
    name = form.subject_name.strip()
    if not 2 <= len(name) <= 200:
        raise ValidationFailed("涉及主体名称应为2–200字", field="subject_name")
    code = normalise(form.subject_code)
    if code and (problem := uscc_problem(code)) is not None:
        raise ValidationFailed(problem.message, field="subject_code")
    content = form.content.strip()
    if not 10 <= len(content) <= 4000:
        raise ValidationFailed("内容应为10–4000字，请写明时间、地点和事实", field="content")
    contact = form.contact_name.strip()
    if not 1 <= len(contact) <= 50:
        raise ValidationFailed("请填写联系人", field="contact_name")
    phone = "".join(c for c in form.contact_phone if c.isdigit() or c == "-")
    if not 7 <= len(phone.replace("-", "")) <= 13:
        raise ValidationFailed("请填写有效的联系电话", field="contact_phone")
    return SubmissionForm(form.kind, name, code, content, contact, phone)


def _human(check: HumanCheck) -> RenderToken:
    if check.honeypot:
        raise ValidationFailed(NOT_HUMAN, code="NOT_HUMAN")
    return render_token_read(
        check.render_token, salt=RENDER_SALT, max_age=RENDER_MAX_AGE, min_seconds=MIN_FILL_SECONDS
    )


def submission_create(
    *,
    form: SubmissionForm,
    client: str,
    human: HumanCheck | None = None,
    attachment: IO[bytes] | None = None,
    attachment_name: str = "",
) -> Submission:
    """Take a public submission and hand back the receipt number the submitter follows it with.

    In this order, so that a refused submission keeps nothing: count it against the client's
    hourly limit; check the portal form's anti-bot evidence (`human`; None only for callers other
    than the public form); check every field and the attachment (PDF or image by its content,
    5 MB at most); spend the form's render token (a replayed form is refused); only then store
    the attachment and the submission."""
    throttle("submission", client, per_hour=RATE_LIMIT)
    token = _human(human) if human is not None else None
    clean = _check(form)
    if attachment is not None:
        attachment_check(attachment)
    if token is not None:
        render_token_spend(token, scope="submission", max_age=RENDER_MAX_AGE)
    stored = store_attachment(attachment, folder="submissions") if attachment is not None else ""
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                receipt_no=_receipt(),
                kind=clean.kind,
                subject_name=clean.subject_name,
                subject_code=clean.subject_code,
                content=clean.content,
                contact_name=clean.contact_name,
                contact_phone=clean.contact_phone,
                attachment=stored,
                attachment_name=attachment_name[:200],
            )
            audit_record(actor=Actor(kind=ActorKind.SYSTEM, label="public"), action="submission.create",
                         details={"receipt": submission.receipt_no})  # fmt: skip
    except Exception:
        if stored:
            default_storage.delete(stored)  # no file without its submission
        raise
    return submission


def submission_by_receipt(*, receipt_no: str, phone: str) -> Submission | None:
    """A submission by receipt number, if `phone` is the contact phone given with it (the only
    thing the submitter is asked for that a stranger does not know); None otherwise, the same as
    for a number that does not exist."""
    digits = "".join(c for c in phone if c.isdigit() or c == "-")  # as submission_create keeps it
    if not digits:
        return None
    return Submission.objects.filter(
        receipt_no=receipt_no.strip().upper(), contact_phone=digits
    ).first()


def submission_reject(*, actor: User, submission: Submission, note: str) -> Submission:
    require(actor, SUBMISSION_REVIEW)
    if not note.strip():
        raise ValidationFailed("未采纳须说明理由", field="note")
    return _decide(actor, submission, SubmissionStatus.REJECTED, note.strip(), None)


def submission_accept(
    *,
    actor: User,
    submission: Submission,
    department: Department,
    values: dict[str, str],
    note: str = "",
) -> EntryResult | list[Problem]:
    """Accept a submission as a record (the JL_ template), validated like any other record; the
    record names the submission as its source."""
    require(actor, SUBMISSION_REVIEW)
    if submission.status != SubmissionStatus.PENDING:
        raise ValidationFailed("该信用征集已审核", code="ALREADY_REVIEWED")
    with transaction.atomic():
        result = record_enter(actor=actor, department=department, prefix="JL", values=values)
        if isinstance(result, list):
            transaction.set_rollback(True)
            return result
        Record.objects.filter(pk=result.record_id).update(submission_id=submission.pk)
        _decide(actor, submission, SubmissionStatus.ACCEPTED, note.strip(), result.record_id)
    return result


def _decide(
    actor: User, submission: Submission, status: str, note: str, record_id: int | None
) -> Submission:
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.status != SubmissionStatus.PENDING:
            raise ValidationFailed("该信用征集已审核", code="ALREADY_REVIEWED")
        locked.status, locked.review_note, locked.record_id = status, note, record_id
        locked.reviewed_by, locked.reviewed_at = actor.email, timezone.now()
        locked.save(
            update_fields=["status", "review_note", "record_id", "reviewed_by", "reviewed_at"]
        )
        audit_record(actor=Actor.for_user(actor, schema=current_schema()), action=f"submission.{status}",
                     record_id=record_id, details={"receipt": locked.receipt_no, "note": note})  # fmt: skip
    return locked
