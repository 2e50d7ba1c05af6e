"""The district's audit log, for the district admin and the auditor (read only): each entry as a
Chinese sentence (core/audit/wording.py), filtered by subject name or code, category and dates
(Beijing time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import staff_permitted
from core.accounts.permissions import AUDIT_VIEW
from core.audit.models import AuditEntry
from core.audit.selectors import audit_entries
from core.audit.wording import CATEGORIES, detail_lines, sentence
from core.catalog.actors import actor_names
from core.common.forms import date_input
from core.records.models import Record
from core.subjects.models import Subject
from core.subjects.selectors import subject_search

# Details already said by the sentence.
IN_SENTENCE = ("file",)


class AuditFilterForm(forms.Form):
    area = forms.ChoiceField(
        label="业务类别", required=False,
        choices=[("", "全部"), *((k, label) for k, (label, _) in CATEGORIES.items())],
    )  # fmt: skip
    subject = forms.CharField(label="主体名称或代码", required=False, max_length=200)
    start = forms.DateField(label="起始日期", required=False, widget=date_input())
    end = forms.DateField(label="截止日期", required=False, widget=date_input())


@dataclass(frozen=True)
class Line:
    occurred_at: datetime
    sentence: str
    details: list[str]
    subject_id: int | None
    subject_name: str
    record_id: int | None


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    subject_ids = None
    if data.get("subject"):
        subject_ids = list(subject_search(query=data["subject"]).values_list("pk", flat=True))
    entries = audit_entries(area=data.get("area") or "", subject_ids=subject_ids,
                            on_or_after=data.get("start"), before=data.get("end"))  # fmt: skip
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal_theme/console/audit.html",
                  {"form": form, "page": page, "lines": _lines(list(page)),
                   "query": query.urlencode()})  # fmt: skip


def _lines(entries: list[AuditEntry]) -> list[Line]:
    """Sentences for one page of entries, with one query each for actors, records and subjects."""
    actors = actor_names(e.actor_label for e in entries)
    records = dict(
        Record.objects.filter(pk__in={e.record_id for e in entries if e.record_id}).values_list(
            "pk", "doc_number"
        )
    )
    subjects = dict(
        Subject.objects.filter(pk__in={e.subject_id for e in entries if e.subject_id}).values_list(
            "pk", "name"
        )
    )
    lines = []
    for e in entries:
        details = e.details if isinstance(e.details, dict) else {}
        subject = subjects.get(e.subject_id or 0, "")
        parts = {k: str(v) for k, v in details.items() if not isinstance(v, dict | list)}
        parts.update(
            actor=actors.get(e.actor_label, e.actor_label),
            record=records.get(e.record_id or 0, "（已删除）" if e.record_id else "—"),
            subject=subject or "—",
        )
        lines.append(
            Line(
                e.occurred_at,
                sentence(e.action, **parts),
                detail_lines(details, skip=IN_SENTENCE),
                e.subject_id,
                subject,
                e.record_id,
            )  # fmt: skip
        )
    return lines
