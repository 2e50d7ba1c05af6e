"""The objection and repair forms, shared by the window (console/remedies.py) and the portal
(portal/remedies.py, which adds how the applicant names the record)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.remedies.services import OPTIONAL_MATERIALS, REQUIRED_MATERIALS, Applicant


class ApplicantForm(forms.Form):
    applicant_name = forms.CharField(label="申请人（经办人）姓名", max_length=50)
    applicant_phone = forms.CharField(label="联系电话", max_length=20)

    def applicant(self, channel: str) -> Applicant:
        return Applicant(
            self.cleaned_data["applicant_name"], self.cleaned_data["applicant_phone"], channel
        )


class ObjectionForm(ApplicantForm):
    reason = forms.CharField(label="异议事项和理由", widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label="证明材料（选填，PDF或图片，不超过5 MB）", required=False)


class RepairForm(ApplicantForm):
    statement = forms.CharField(label="整改情况说明", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in REQUIRED_MATERIALS.items():
            self.fields[key] = forms.FileField(label=f"{label}（PDF或图片）")
        for key, label in OPTIONAL_MATERIALS.items():
            self.fields[key] = forms.FileField(label=f"{label}（选填）", required=False)

    def materials(self) -> dict[str, Any]:
        names = {**REQUIRED_MATERIALS, **OPTIONAL_MATERIALS}
        return {k: self.cleaned_data[k] for k in names if self.cleaned_data.get(k)}
