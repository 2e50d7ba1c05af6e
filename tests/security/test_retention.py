"""Negative information about people is deleted once past its retention (征信业管理条例 Art. 16) in
every district, by the daily beat job: no district keeps it because nobody ran a command there.
In process (the beat task as Celery runs it eagerly), not against the production server."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from celery.schedules import crontab
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.records.models import Record
from core.retention.tasks import records_retention_delete_everywhere_task
from tenants.models import District
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.support.clock import BEIJING, Clock

PERSON_ID = "11010519491231002X"


def person_and_company_penalties(schema: str) -> None:
    """A person's and a company's penalty in `schema`, both in force until 2027-11-20."""
    person = {**penalty(1, XDR_MC="张三", XDR_LB="自然人", XDR_SHXYM="", FRDB=""),
              "XDR_ZJHM": PERSON_ID}  # fmt: skip
    content = as_csv([person, penalty(2)])
    with schema_context(schema):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监督管理局")
        batch = batch_create(actor=Actor.cli(), department=department, filename="处罚.csv",
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
        assert batch_ingest(batch_id=batch.pk).stored == 2


def test_the_daily_job_deletes_past_retention_in_every_district(
    wanzhou: District, kaizhou: District, settings: Any, tmp_path: Path, clock: Clock
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.move_to(date(2026, 11, 27))
    for schema in ("wanzhou", "kaizhou"):
        person_and_company_penalties(schema)

    # The day after the fifth anniversary of the end of the penalties' term, at 00:30 Beijing time
    clock.move_to(datetime.combine(date(2032, 11, 21), time(0, 30), tzinfo=BEIJING))
    with schema_context("public"):
        assert records_retention_delete_everywhere_task.delay().get() == ["kaizhou", "wanzhou"]

    for schema in ("wanzhou", "kaizhou"):
        with schema_context(schema):
            assert list(Record.objects.values_list("subject__kind", flat=True)) == ["legal"]
            (entry,) = AuditEntry.objects.filter(action="retention.delete")
            assert entry.details["counts"] == {"penalty": 1}


def test_the_job_is_on_the_beat_schedule_every_night(settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["delete-past-retention"] == {
        "task": "retention.records_retention_delete_everywhere_task",
        "schedule": crontab(hour=0, minute=20),
    }
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
