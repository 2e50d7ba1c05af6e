"""信用征集 on the portal: the public sends in credit information, complaints or praise (rate-limited,
with a check for bots) and follows it by its receipt number (portal/receipts.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.collection.models import SubmissionKind
from core.collection.submissions import (
    RENDER_SALT,
    HumanCheck,
    SubmissionForm,
    submission_create,
)
from core.common.forms import form_submit
from core.common.render_tokens import render_token_issue
from core.common.throttle import client_address


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
    form = SubmissionPortalForm(request.POST or None, request.FILES or None,
                                initial={"rendered": render_token_issue(salt=RENDER_SALT)})  # fmt: skip

    def send(data: dict[str, Any]) -> HttpResponse:
        upload = data.get("attachment")
        submission = submission_create(
            form=SubmissionForm(data["kind"], data["subject_name"], data["subject_code"],
                                data["content"], data["contact_name"], data["contact_phone"]),
            client=client_address(request),
            human=HumanCheck(render_token=data["rendered"], honeypot=data["website"]),
            attachment=upload, attachment_name=upload.name if upload else "",
        )  # fmt: skip
        return render(
            request, "portal_theme/portal/submission_done.html", {"submission": submission}
        )

    if response := form_submit(request, form, send):
        return response
    if form.is_bound:
        # The form goes back with a token of its own: the one it came with may have been spent.
        fresh = request.POST.copy()
        fresh["rendered"] = render_token_issue(salt=RENDER_SALT)
        form.data = fresh
    return render(request, "portal_theme/portal/submission_new.html", {"form": form})
