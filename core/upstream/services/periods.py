"""A reported period (whole days, checked) and the envelope that heads an export and every batch:
the format, the district and the period."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.common.errors import ValidationFailed
from core.common.tenancy import current_schema
from core.upstream.selectors import FORMAT

MAX_PERIOD_DAYS = 3700  # about ten years: a district's first report may cover its whole history


def check_period(*, start: date, end: date, today: date) -> None:
    """A period is whole days, not in the future, at most about ten years."""
    if start > end:
        raise ValidationFailed("截止日期不能早于起始日期", field="end", code="BAD_PERIOD")
    if end > today:
        raise ValidationFailed("截止日期不能晚于今天", field="end", code="BAD_PERIOD")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed("一次最多选择10年，请缩小日期范围", field="start", code="BAD_PERIOD")


def _district() -> dict[str, str]:
    from tenants.selectors import district_get

    district = district_get(slug=current_schema())
    return {"name": district.name, "region_code": district.region_code}


def envelope(*, start: date, end: date) -> dict[str, Any]:
    """What heads an export file and every batch: the format, the district, the period."""
    return {
        "format": FORMAT,
        "district": _district(),
        "period": {"basis": "change_date", "start": start.isoformat(), "end": end.isoformat()},
    }
