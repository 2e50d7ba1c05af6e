"""办理进度查询: anyone holding a receipt follows it — a 信用征集 submission (ZJ…), an objection
(YY…) or a repair application (XF…) — by its number and the applicant's code. Both travel in a
POST body (never in a URL); every attempt counts against an hourly limit, and a number that does
not exist gets the same answer as a code that does not match it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.collection.submissions import submission_by_receipt
from core.common.errors import ApplicationError
from core.common.throttle import client_address, throttle
from core.remedies.selectors import objection_by_receipt, repair_by_receipt

PER_HOUR = 10
NOT_FOUND = "未找到与该受理编号和证件号码相符的办理记录，请核对后再试"


class ReceiptForm(forms.Form):
    receipt = forms.CharField(label="受理编号", max_length=30)
    code = forms.CharField(
        label="统一社会信用代码或身份证号码",
        max_length=30,
        help_text="异议、信用修复：填写信用主体的统一社会信用代码或身份证号码；"
        "信用征集：填写提交时留下的联系电话。",
    )


@dataclass(frozen=True)
class Progress:
    """What the page shows of a receipt: no applicant's name, phone or materials."""

    kind: str
    number: str
    received_at: datetime
    status: str
    deadline: date | None
    reply: str
    replied_at: datetime | None


def _find(number: str, code: str) -> Progress | None:
    number = number.strip().upper()
    if number.startswith("YY"):
        objection = objection_by_receipt(number=number, code=code)
        if objection is None:
            return None
        return Progress(
            "信用信息异议", objection.number, objection.received_at,
            objection.get_status_display(), objection.due_on, objection.reply,
            objection.answered_at,
        )  # fmt: skip
    if number.startswith("XF"):
        repair = repair_by_receipt(number=number, code=code)
        if repair is None:
            return None
        return Progress(
            "信用修复申请", repair.number, repair.submitted_at, repair.get_status_display(),
            None, repair.decision_reason, repair.decided_at,
        )  # fmt: skip
    submission = submission_by_receipt(receipt_no=number, phone=code)
    if submission is None:
        return None
    return Progress(
        f"信用征集（{submission.get_kind_display()}）", submission.receipt_no,
        submission.created_at, submission.get_status_display(), None, submission.review_note,
        submission.reviewed_at,
    )  # fmt: skip


def receipt_status(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST if request.method == "POST" else None)
    found = None
    if form.is_bound and form.is_valid():
        try:
            throttle("receipt", client_address(request), per_hour=PER_HOUR)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            found = _find(form.cleaned_data["receipt"], form.cleaned_data["code"])
            if found is None:
                form.add_error(None, NOT_FOUND)
    return render(request, "portal_theme/portal/receipt_status.html",
                  {"form": form, "progress": found})  # fmt: skip
