"""The 信用核查报告 download: rendered and stored on the first request (core/discipline/report.py),
then the stored file. Staff who may see checks download any department's; a data clerk only its own
department's (404 otherwise, like any page a user may not use)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from console.access import staff_permitted
from core.accounts.enums import StaffRole
from core.catalog.permissions import department_id_of
from core.common.actors import Actor
from core.common.errors import NotFound
from core.common.tenancy import current_schema
from core.discipline.permissions import CHECK_VIEW
from core.discipline.report import check_report_bytes, check_report_store
from core.discipline.selectors import check_get
from core.reports.selectors import report_site


@login_required
@require_http_methods(["GET", "HEAD"])
def check_report(request: HttpRequest, number: str) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    try:
        check = check_get(number=number.strip().upper())
    except NotFound:
        raise Http404("没有这个核查编号") from None
    if user.role == StaffRole.DATA_CLERK and department_id_of(user) != check.department_id:
        raise Http404("数据录入员只能查看本部门的核查")
    if not check.stored_pdf:
        site = report_site(verify_url=request.build_absolute_uri("/reports/verify/"))
        actor = Actor.for_user(user, schema=current_schema())
        check = check_report_store(check, site=site, actor=actor)
    response = HttpResponse(check_report_bytes(check), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{check.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
