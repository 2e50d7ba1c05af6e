"""A penalty's field (行业领域) set by hand on its console page: the clerk's choice overrides what
the platform inferred or the department's file stated, and the publicity window follows it
(core.records.services.record_sector_set decides and refuses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff
from core.accounts.policy import can
from core.catalog.permissions import DEPARTMENT_DATA
from core.common.errors import NotFound
from core.common.forms import form_submit
from core.records.enums import RecordKind
from core.records.fields import SECTORS
from core.records.selectors import record_get
from core.records.services import CLOSED, record_sector_set


class SectorForm(forms.Form):
    sector = forms.ChoiceField(
        label="行业领域",
        choices=[(label, label) for label in SECTORS],
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择行业领域",
            "invalid_choice": "“%(value)s”不是可选的行业领域",
        },
    )


@login_required
def record_sector(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a penalty's field and set it (staff who may correct the department's records; a page
    anyone else may not use does not exist for them)."""
    user = staff(request)
    try:
        record = record_get(record_id=record_id, today=timezone.localdate())
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if record.kind != RecordKind.PENALTY or not can(user, DEPARTMENT_DATA, record.department_id):
        raise Http404("没有这条行政处罚记录")
    current = next(label for label, value in SECTORS.items() if value == record.sector)
    form = SectorForm(request.POST or None, initial={"sector": current})

    def act(data: dict[str, Any]) -> HttpResponse:
        record_sector_set(record=record, user=user, sector=SECTORS[data["sector"]])
        return redirect("console-record", record_id=record.pk)

    if response := form_submit(request, form, act):
        return response
    closed = CLOSED.get(record.state)  # type: ignore[attr-defined]  # annotated by record_get
    return render(request, "portal_theme/console/record_sector.html",
                  {"record": record, "form": form, "closed": closed})  # fmt: skip
