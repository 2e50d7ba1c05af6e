"""The district's audit log, for the district admin and the auditor (read only)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import staff_permitted
from core.accounts.permissions import AUDIT_VIEW
from core.audit.selectors import AREAS, audit_entries


class AuditFilterForm(forms.Form):
    area = forms.ChoiceField(label="业务", required=False, choices=[("", "全部"), *AREAS.items()])
    subject = forms.IntegerField(label="主体编号", required=False, min_value=1)
    start = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, AUDIT_VIEW)
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(area=data.get("area") or "", subject_id=data.get("subject"),
                            on_or_after=data.get("start"), before=data.get("end"))  # fmt: skip
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal_theme/console/audit.html",
                  {"form": form, "page": page, "query": query.urlencode()})  # fmt: skip
