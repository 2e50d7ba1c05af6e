"""授权核验: reviewers check the consents institutions lodged over the API for natural persons;
the district admin chooses how they are checked. Thin: services decide and audit."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.accounts.enums import StaffRole
from core.common.errors import ApplicationError
from core.reports.enums import ConsentRejection, ConsentVerification
from core.reports.models import ConsentPolicy
from core.reports.selectors import consent_get, consents_decided, consents_pending
from core.reports.services import CONSENT_REVIEW_ROLES, consent_policy_set, consent_verify
from portal_theme.views.access import staff_with_role

REFUSAL = "只有审核员和区县管理员可以核验授权"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="核验结论", widget=forms.RadioSelect,
                                 choices=[("approve", "核验通过"), ("reject", "不予通过")])  # fmt: skip
    rejection = forms.ChoiceField(label="不予通过的原因（机构可见）", required=False,
                                  choices=[("", "—"), *ConsentRejection.choices])  # fmt: skip


class PolicyForm(forms.Form):
    verification = forms.ChoiceField(label="授权核验方式", choices=ConsentVerification.choices)
    trusted_certificates = forms.CharField(
        label="可信的电子签名根证书（PEM，可多张）", required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip


@login_required
def consents(request: HttpRequest) -> HttpResponse:
    user = staff_with_role(request, CONSENT_REVIEW_ROLES, REFUSAL)
    is_admin = user.role == StaffRole.DISTRICT_ADMIN
    current = ConsentPolicy.objects.first()
    initial = {"verification": current.verification if current else ConsentVerification.REVIEWER,
               "trusted_certificates": current.trusted_certificates if current else ""}  # fmt: skip
    policy = PolicyForm(request.POST if is_admin and request.method == "POST" else None,
                        initial=initial)  # fmt: skip
    if policy.is_bound and policy.is_valid():
        try:
            consent_policy_set(user=user, **policy.cleaned_data)
            return redirect("/console/consents/?saved=1")
        except ApplicationError as exc:
            policy.add_error(exc.field if exc.field in policy.fields else None, exc.message)
    return render(request, "portal_theme/console/consents.html", {
        "pending": consents_pending(), "decided": consents_decided(), "policy": policy,
        "is_admin": is_admin, "saved": request.GET.get("saved") == "1",
    })  # fmt: skip


@login_required
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    user = staff_with_role(request, CONSENT_REVIEW_ROLES, REFUSAL)
    try:
        consent = consent_get(consent_id)
    except ApplicationError:
        raise Http404("没有这份授权") from None
    if request.GET.get("document") == "1":
        return redirect(default_storage.url(consent.document))  # a short-lived signed link
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            consent_verify(user=user, consent=consent,
                           approve=form.cleaned_data["decision"] == "approve",
                           rejection=form.cleaned_data["rejection"])  # fmt: skip
            return redirect("/console/consents/")
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "portal_theme/console/consent_detail.html",
                  {"consent": consent, "form": form})  # fmt: skip
