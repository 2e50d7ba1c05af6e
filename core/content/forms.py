"""The theme's forms, shared by the district admin's page (console/theme.py) and the operator's
(provisioning/admin.py): the same fields, labels and validation on both."""

from __future__ import annotations

from django import forms

from core.content.models import Theme
from core.content.services import EDITABLE_FIELDS, ThemeChanges


class ThemeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Theme
        fields = EDITABLE_FIELDS
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"}),
                   "accent_colour": forms.TextInput(attrs={"type": "color"})}  # fmt: skip

    def changes(self) -> ThemeChanges:
        """The cleaned form as the service's changes (call after `is_valid`)."""
        return ThemeChanges(**{f: self.cleaned_data[f] or "" for f in EDITABLE_FIELDS})


class LogoForm(forms.Form):
    logo = forms.FileField(label="标志或区徽（PNG或JPG）")
