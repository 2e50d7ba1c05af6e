"""Report verification: anyone checks a credit report (报告编号 XY…) or a 信用核查报告 (核查编号
HC…) by its number and verification code, and may upload the PDF they were given to compare it
with the one the platform issued. One page for both kinds. The form posts (the code stays out of
the URL); the QR code's GET link still works."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.discipline.report import check_verify
from core.reports.selectors import report_verify
from portal_theme.inputs import posted_text, text_param

MAX_PDF_BYTES = 5 * 1024 * 1024  # an issued report is a few hundred kilobytes
CHECK_PREFIX = "HC"  # 核查编号 (core/discipline/services.py); 报告编号 start with XY


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
    is_check = number.strip().upper().startswith(CHECK_PREFIX)
    result = check_result = None
    if checked and is_check:
        check_result = check_verify(number=number, code=code, pdf=pdf)
    elif checked:
        result = report_verify(number=number, code=code, pdf=pdf)
    return render(request, "portal_theme/portal/report_verify.html",
                  {"number": number, "checked": checked, "result": result, "error": error,
                   "is_check": is_check, "check_result": check_result,
                   "compared": pdf is not None})  # fmt: skip
