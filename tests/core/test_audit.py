from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.audit.services import audit_record
from core.common.actors import Actor


@pytest.mark.django_db
def test_district_audit_entries_stay_in_their_district_and_are_append_only(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        entry = audit_record(
            actor=Actor.cli(), action="record.store", record_id=7, details={"row": 3}
        )
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="record.delete")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
        assert AuditEntry.objects.filter(action="record.store").count() == 1
    with schema_context("kaizhou"):
        assert AuditEntry.objects.filter(action="record.store").count() == 0
