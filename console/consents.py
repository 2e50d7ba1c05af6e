"""授权核验: reviewers check the consents institutions lodged over the API for natural persons;
the district admin chooses how they are checked. Thin: services decide and audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff_permitted
from core.accounts.policy import can
from core.common.errors import ApplicationError
from core.common.forms import form_submit
from core.reports.enums import ConsentRejection, ConsentVerification
from core.reports.models import ConsentPolicy
from core.reports.permissions import CONSENT_POLICY, CONSENT_VERIFY
from core.reports.selectors import consent_get, consents_decided, consents_pending
from core.reports.services import consent_policy_set, consent_verify


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
    user = staff_permitted(request, CONSENT_VERIFY)
    sets_policy = can(user, CONSENT_POLICY)
    current = ConsentPolicy.objects.first()
    initial = {"verification": current.verification if current else ConsentVerification.REVIEWER,
               "trusted_certificates": current.trusted_certificates if current else ""}  # fmt: skip
    policy = PolicyForm(request.POST if sets_policy and request.method == "POST" else None,
                        initial=initial)  # fmt: skip

    def save(data: dict[str, Any]) -> HttpResponse:
        consent_policy_set(user=user, **data)
        return redirect("/console/consents/?saved=1")

    if response := form_submit(request, policy, save):
        return response
    return render(request, "portal_theme/console/consents.html", {
        "pending": consents_pending(), "decided": consents_decided(), "policy": policy,
        "saved": request.GET.get("saved") == "1",
    })  # fmt: skip


@login_required
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    user = staff_permitted(request, CONSENT_VERIFY)
    try:
        consent = consent_get(consent_id)
    except ApplicationError:
        raise Http404("没有这份授权") from None
    if request.GET.get("document") == "1":
        return redirect(default_storage.url(consent.document))  # a short-lived signed link
    form = DecisionForm(request.POST if request.method == "POST" else None)

    def decide(data: dict[str, Any]) -> HttpResponse:
        consent_verify(user=user, consent=consent, approve=data["decision"] == "approve",
                       rejection=data["rejection"])  # fmt: skip
        return redirect("/console/consents/")

    if response := form_submit(request, form, decide):
        return response
    return render(request, "portal_theme/console/consent_detail.html",
                  {"consent": consent, "form": form})  # fmt: skip
