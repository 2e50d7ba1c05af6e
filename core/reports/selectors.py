"""Reads for reports: a report's content, its verification, and who queried a subject."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage

from core.reports.models import QueryLog, Report


def report_content(report: Report) -> dict[str, Any]:
    with default_storage.open(report.stored_json, "rb") as handle:
        data: dict[str, Any] = json.loads(handle.read())
    return data


@dataclass(frozen=True)
class Verification:
    report: Report | None
    genuine: bool


def report_verify(*, number: str, code: str) -> Verification:
    """Is there a report with this number and code, and is its stored content unchanged?"""
    report = Report.objects.filter(
        number=number.strip().upper(), verification_code=code.strip().upper()
    ).first()
    if report is None:
        return Verification(None, False)
    with default_storage.open(report.stored_json, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return Verification(report, digest == report.sha256)


def queries_for_subject(subject_id: int, limit: int = 100) -> list[QueryLog]:
    return list(QueryLog.objects.filter(subject_id=subject_id).select_related("consent")[:limit])
