"""Report verification: anyone checks a credit report by its number and verification code, and
may upload the PDF they were given to compare it with the one the platform issued. The form posts
(the code stays out of the URL); the QR code's GET link still works."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.reports.selectors import report_verify
from portal_theme.inputs import posted_text, text_param

MAX_PDF_BYTES = 5 * 1024 * 1024  # an issued report is a few hundred kilobytes


@require_http_methods(["GET", "HEAD", "POST"])
def report_verify_page(request: HttpRequest) -> HttpResponse:
    error, pdf = "", None
    if request.method == "POST":
        number = posted_text(request, "number", max_length=40)
        code = posted_text(request, "code", max_length=20)
        upload = request.FILES.get("pdf")
        if not (number and code):
            error = "请填写报告编号和验证码"
        elif upload is not None and (upload.size or 0) > MAX_PDF_BYTES:
            error = "上传的文件超过5MB，不是本平台出具的报告PDF"
        elif upload is not None:
            pdf = upload.read()
    else:
        number, code = (
            text_param(request, "number", max_length=40),
            text_param(request, "code", max_length=20),
        )
    checked = bool(number and code) and not error
    result = report_verify(number=number, code=code, pdf=pdf) if checked else None
    return render(request, "portal_theme/portal/report_verify.html",
                  {"number": number, "checked": checked, "result": result, "error": error,
                   "compared": pdf is not None})  # fmt: skip
