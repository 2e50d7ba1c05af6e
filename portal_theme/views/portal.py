"""The public portal's pages (server-rendered, Chinese first)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.catalog.selectors import catalog_category_list
from core.collection.models import SubmissionKind
from core.collection.submissions import (
    RENDER_SALT,
    HumanCheck,
    SubmissionForm,
    submission_create,
    submission_status,
)
from core.common.errors import ApplicationError
from core.common.render_tokens import render_token_issue
from core.common.throttle import client_address
from core.content.selectors import articles_published
from core.reports.selectors import report_verify
from core.stats.selectors import Filters, by_kind, by_month, list_sizes, timeliness, totals
from portal_theme.views.inputs import text_param


def achievements(request: HttpRequest) -> HttpResponse:
    """成果展示: what the platform has gathered and published over the last 12 months, as counts
    only (the public subset of the statistics: no subject, no department-internal figures)."""
    today = timezone.localdate()
    filters = Filters.last_months(today)
    months = by_month(filters)
    top = max((m.count for m in months), default=0) or 1
    supplied = timeliness(filters)
    records, timely = sum(t.records for t in supplied), sum(t.timely for t in supplied)
    return render(request, "portal_theme/portal/achievements.html", {
        "filters": filters, "kinds": by_kind(filters), "lists": list_sizes(today),
        "months": [(m, 100 * m.count / top) for m in months], "total": totals(filters)["records"],
        "rate": f"{100 * timely / records:.1f}" if records else "",
    })  # fmt: skip


def report_verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone checks a report by its number and verification code."""
    number, code = (
        text_param(request, "number", max_length=40),
        text_param(request, "code", max_length=20),
    )
    checked = bool(number and code)
    result = report_verify(number=number, code=code) if checked else None
    return render(request, "portal_theme/portal/report_verify.html",
                  {"number": number, "code": code, "checked": checked, "result": result})  # fmt: skip


def home(request: HttpRequest) -> HttpResponse:
    categories = catalog_category_list().prefetch_related("items")
    today = timezone.localdate()
    return render(request, "portal_theme/portal/home.html", {
        "categories": categories,
        "news": articles_published(categories=("news",), today=today, limit=5),
        "policies": articles_published(categories=("policies", "laws"), today=today, limit=5),
    })  # fmt: skip


class SubmissionPortalForm(forms.Form):
    kind = forms.ChoiceField(label="征集类别", choices=SubmissionKind.choices)
    subject_name = forms.CharField(label="涉及主体名称", max_length=200)
    subject_code = forms.CharField(label="统一社会信用代码（选填）", max_length=30, required=False)
    content = forms.CharField(
        label="内容（请写明时间、地点和事实）", widget=forms.Textarea(attrs={"rows": 6})
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=20)
    attachment = forms.FileField(label="附件（选填，PDF或图片，不超过5 MB）", required=False)
    # Bots fill every field and submit at once; people leave this empty and take a few seconds.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )
    # Checked by the service (a missing token is refused there, after the rate limit counts it).
    rendered = forms.CharField(widget=forms.HiddenInput, required=False)


def submission_new(request: HttpRequest) -> HttpResponse:
    """信用征集: the public sends in credit information, complaints or praise."""
    form = SubmissionPortalForm(request.POST or None, request.FILES or None,
                                initial={"rendered": render_token_issue(salt=RENDER_SALT)})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("attachment")
        try:
            submission = submission_create(
                form=SubmissionForm(
                    data["kind"],
                    data["subject_name"],
                    data["subject_code"],
                    data["content"],
                    data["contact_name"],
                    data["contact_phone"],
                ),  # fmt: skip
                client=client_address(request),
                human=HumanCheck(render_token=data["rendered"], honeypot=data["website"]),
                attachment=upload,
                attachment_name=upload.name if upload else "",
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return render(
                request, "portal_theme/portal/submission_done.html", {"submission": submission}
            )
    if form.is_bound:
        # The form goes back with a token of its own: the one it came with may have been spent.
        fresh = request.POST.copy()
        fresh["rendered"] = render_token_issue(salt=RENDER_SALT)
        form.data = fresh
    return render(request, "portal_theme/portal/submission_new.html", {"form": form})


def submission_lookup(request: HttpRequest) -> HttpResponse:
    """Follow a submission by its receipt number."""
    receipt = text_param(request, "receipt", max_length=30)
    found, message = None, ""
    if receipt:
        try:
            found = submission_status(receipt_no=receipt)
        except ApplicationError as exc:
            message = exc.message
    return render(request, "portal_theme/portal/submission_status.html",
                  {"receipt": receipt, "submission": found, "message": message})  # fmt: skip
