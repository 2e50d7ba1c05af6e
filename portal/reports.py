"""Report verification: anyone checks a credit report by its number and verification code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.reports.selectors import report_verify
from portal_theme.inputs import text_param


def report_verify_page(request: HttpRequest) -> HttpResponse:
    number, code = (
        text_param(request, "number", max_length=40),
        text_param(request, "code", max_length=20),
    )
    checked = bool(number and code)
    result = report_verify(number=number, code=code) if checked else None
    return render(request, "portal_theme/portal/report_verify.html",
                  {"number": number, "code": code, "checked": checked, "result": result})  # fmt: skip
