"""成果展示: the public subset of the statistics."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.stats.selectors import (
    Filters,
    by_kind,
    by_month,
    list_sizes,
    timeliness_by_deadline,
    totals,
)


def achievements(request: HttpRequest) -> HttpResponse:
    """What the platform has gathered and published over the last 12 months, as counts only (no
    subject, no department-internal figures)."""
    today = timezone.localdate()
    filters = Filters.last_months(today)
    months = by_month(filters)
    top = max((m.count for m in months), default=0) or 1
    # Timeliness per month, over the records that fell due in it (deadline in the month).
    due = list(reversed(timeliness_by_deadline(filters)))
    return render(request, "portal_theme/portal/achievements.html", {
        "filters": filters, "kinds": by_kind(filters), "lists": list_sizes(today),
        "months": [(m, 100 * m.count / top) for m in months], "total": totals(filters)["records"],
        "due": due,
    })  # fmt: skip
