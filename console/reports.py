"""The service-hall window (征信窗口): record a consent, issue a subject's public credit report (and
print it), see who queried the subject. Thin: services decide what is allowed and log it."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff_permitted
from core.common.errors import ApplicationError
from core.common.forms import date_input, form_error
from core.reports.assembly import printable
from core.reports.enums import ConsentStatus, QueryProduct, RequesterKind
from core.reports.models import Consent, Report, WindowPrice
from core.reports.permissions import REPORT_ISSUE
from core.reports.selectors import (
    consents_for_subject,
    queries_for_subject,
    report_content,
    report_site,
)
from core.reports.services import (
    FREE_SELF_QUERIES_PER_YEAR,
    ConsentTerms,
    Requester,
    consent_record,
    report_issue,
    self_queries_this_year,
    window_price_set,
)
from core.subjects.models import Subject


def _subject(subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise Http404("没有这个主体")
    return subject


class IssueForm(forms.Form):
    requester_kind = forms.ChoiceField(label="查询人类型", choices=RequesterKind.choices)
    requester_name = forms.CharField(label="查询人姓名或名称", max_length=200)
    requester_code = forms.CharField(
        label="查询人证件号或统一社会信用代码", max_length=30, required=False
    )
    purpose = forms.CharField(label="查询用途", max_length=200)
    consent = forms.ModelChoiceField(label="授权书", queryset=Consent.objects.none(), required=False,
                                     empty_label="无（查询本人或仅公开信息）")  # fmt: skip
    fee_collected = forms.BooleanField(label="已收取费用（本人每年第三次起收费）", required=False)

    def __init__(self, subject: Subject, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["consent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = consents_for_subject(subject).filter(
            status=ConsentStatus.VERIFIED, revoked_at__isnull=True
        )


class ConsentForm(forms.Form):
    grantee_name = forms.CharField(label="被授权人名称", max_length=200)
    grantee_code = forms.CharField(label="被授权人证件号或统一社会信用代码", max_length=30)
    purpose = forms.CharField(label="查询用途", max_length=200)
    valid_from = forms.DateField(label="授权起始", widget=date_input())
    valid_until = forms.DateField(label="授权截止", widget=date_input())
    document = forms.FileField(label="签字授权书（PDF或图片）")


@login_required
def window(request: HttpRequest, subject_id: int) -> HttpResponse:
    user = staff_permitted(request, REPORT_ISSUE)
    subject = _subject(subject_id)
    issue = IssueForm(subject, request.POST if "issue" in request.POST else None)
    adding = "consent_add" in request.POST  # (the issue form has a field named "consent")
    consent = ConsentForm(request.POST if adding else None, request.FILES if adding else None)
    price_error = ""
    try:
        if "issue" in request.POST and issue.is_valid():
            data = issue.cleaned_data
            chosen = data.get("consent")
            report = report_issue(
                subject=subject, handled_by=user, purpose=data["purpose"], site=report_site(verify_url=request.build_absolute_uri("/reports/verify/")),
                requester=Requester(data["requester_kind"], data["requester_name"], data.get("requester_code") or ""),
                consent_id=chosen.pk if chosen else None, fee_collected=data["fee_collected"],
            )  # fmt: skip
            return redirect(f"/console/reports/{report.pk}/")
        if "price" in request.POST:
            window_price_set(user=user, product=QueryProduct.CREDIT_REPORT,
                             price_yuan=request.POST.get("price_yuan", ""))  # fmt: skip
            return redirect(f"/console/subjects/{subject.pk}/window/")
        if adding and consent.is_valid():
            data = consent.cleaned_data
            terms = ConsentTerms(grantee_name=data["grantee_name"], grantee_code=data["grantee_code"],
                                 purpose=data["purpose"], products=[QueryProduct.CREDIT_REPORT],
                                 valid_from=data["valid_from"], valid_until=data["valid_until"])  # fmt: skip
            consent_record(user=user, subject=subject, terms=terms, document=data["document"])
            return redirect(f"/console/subjects/{subject.pk}/window/")
    except ApplicationError as exc:
        if "price" in request.POST:
            price_error = exc.message
        else:
            form: forms.Form = consent if adding else issue
            form_error(form, exc)
    return render(request, "portal_theme/console/window.html", {
        "subject": subject, "issue": issue, "consent": consent,
        "consents": consents_for_subject(subject), "queries": queries_for_subject(subject.pk),
        "self_queries": self_queries_this_year(subject, timezone.localdate()),
        "free_self_queries": FREE_SELF_QUERIES_PER_YEAR,
        "price": WindowPrice.objects.filter(product=QueryProduct.CREDIT_REPORT).first(), "price_error": price_error,
    })  # fmt: skip


@login_required
def report_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report as a printable page, or its JSON (`?format=json`)."""
    staff_permitted(request, REPORT_ISSUE)
    report = Report.objects.select_related("subject").filter(pk=report_id).first()
    if report is None:
        raise Http404("没有这份报告")
    if request.GET.get("format") == "json" and report.stored_json:  # gone once past retention
        with default_storage.open(report.stored_json, "rb") as handle:
            response = HttpResponse(handle.read(), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{report.number}.json"'
        return response
    if request.GET.get("format") == "pdf" and report.stored_pdf:
        return redirect(default_storage.url(report.stored_pdf))  # a short-lived signed link
    # Reports stored before the issuer was recorded name today's platform and operator.
    site = report_site(verify_url="")
    data = printable(report_content(report), platform=site.platform, operator=site.operator)
    return render(request, "portal_theme/console/report.html", {"report": report, "data": data})
