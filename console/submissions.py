"""信用征集 in the console: reviewers read what the public sent in and accept it as a record (through
the upload validation) or reject it with a reason; auditors read. Thin: core.collection decides."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff_permitted
from core.catalog.models import Department
from core.collection.models import Submission
from core.collection.permissions import SUBMISSION_REVIEW, SUBMISSION_VIEW
from core.collection.submissions import submission_accept, submission_reject
from core.common.errors import ApplicationError
from core.common.forms import date_input
from core.records.fields import RECORD_KINDS


@login_required
def submissions(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, SUBMISSION_VIEW)
    items = Submission.objects.order_by("status", "-created_at")[:200]
    return render(request, "portal_theme/console/submissions.html", {"submissions": items})


class AcceptForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="认定部门", empty_label=None
    )
    # No preset: a complaint may become a 守信 or a 失信 record, so the reviewer chooses.
    LX = forms.ChoiceField(
        label="记录类别", choices=[("", "请选择记录类别"), *((k, k) for k in RECORD_KINDS)]
    )
    WSH = forms.CharField(label="认定文书号", max_length=128)
    NR = forms.CharField(label="认定事由或内容", widget=forms.Textarea(attrs={"rows": 3}))
    # <input type=date> reads only ISO dates (2026-12-07), whatever the locale's format.
    JDRQ = forms.DateField(label="认定日期", widget=date_input())
    YXQZI = forms.DateField(
        label="有效期至（选填）", required=False,
        widget=date_input(),
    )  # fmt: skip
    note = forms.CharField(label="审核意见", max_length=500, required=False)


class RejectForm(forms.Form):
    note = forms.CharField(label="未采纳理由", max_length=500)


@login_required
def submission_review(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = staff_permitted(request, SUBMISSION_REVIEW)
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        raise Http404("没有这条信用征集")
    accept = AcceptForm(request.POST if "accept" in request.POST else None,
                        initial={"NR": submission.content, "JDRQ": timezone.localdate()})  # fmt: skip
    reject = RejectForm(request.POST if "reject" in request.POST else None)
    try:
        if "accept" in request.POST and accept.is_valid():
            data = accept.cleaned_data
            department = data["department"]
            values = {
                "XDR_MC": submission.subject_name, "XDR_LB": "法人及非法人组织", "XDR_SHXYM": submission.subject_code,
                "LX": data["LX"], "WSH": data["WSH"], "NR": data["NR"], "JDRQ": data["JDRQ"].isoformat(),
                "YXQZI": data["YXQZI"].isoformat() if data["YXQZI"] else "", "JG": department.name,
                "JGDM": department.code, "SJLY": department.name, "SJLYDM": department.code,
                "BZ": f"来源：信用征集 {submission.receipt_no}",
            }  # fmt: skip
            result = submission_accept(actor=user, submission=submission, department=department,
                                       values=values, note=data["note"])  # fmt: skip
            if isinstance(result, list):
                for problem in result:
                    code = problem.field.removeprefix("JL_")
                    accept.add_error(
                        code if code in accept.fields else None,
                        f"{problem.label}：{problem.message}",
                    )
            else:
                return redirect("console-record", record_id=result.record_id)
        if "reject" in request.POST and reject.is_valid():
            submission_reject(actor=user, submission=submission, note=reject.cleaned_data["note"])
            return redirect("console-submissions")
    except ApplicationError as exc:
        (accept if "accept" in request.POST else reject).add_error(None, exc.message)
    attachment_url = default_storage.url(submission.attachment) if submission.attachment else ""
    return render(request, "portal_theme/console/submission_review.html",
                  {"submission": submission, "accept": accept, "reject": reject, "attachment_url": attachment_url})  # fmt: skip
