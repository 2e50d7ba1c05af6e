"""Reads for uploads."""

from __future__ import annotations

from django.db.models import QuerySet

from core.accounts.models import User
from core.accounts.policy import can
from core.catalog.permissions import DEPARTMENT_DATA, department_id_of
from core.collection.models import UploadBatch
from core.collection.permissions import UPLOADS_VIEW_ALL
from core.common.errors import NotFound


def batch_list_for(actor: User) -> QuerySet[UploadBatch]:
    """Batches the actor may see: every department's for admins, reviewers and auditors; their own
    department's for clerks; none for others."""
    batches = UploadBatch.objects.select_related("department").order_by("-created_at", "-id")
    if can(actor, UPLOADS_VIEW_ALL):
        return batches
    own = department_id_of(actor)
    if own is not None and can(actor, DEPARTMENT_DATA, own):
        return batches.filter(department_id=own)
    return batches.none()


def batch_access_by_id(actor: User, batch_id: int) -> UploadBatch:
    """One batch the actor may see; the same NotFound whether it is missing or not theirs."""
    batch = batch_list_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("没有这个上传批次", code="NOT_FOUND")
    return batch
