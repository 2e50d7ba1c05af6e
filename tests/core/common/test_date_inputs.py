"""Date pickers carry their value in ISO form, the only one browsers accept: with Django's zh-Hans
default (2026/12/31) an initial value, or a date sent back with a form's errors, showed empty."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import translation

from core.common.forms import date_input


def test_a_date_picker_shows_its_value_in_iso_form() -> None:
    with translation.override("zh-hans"):
        html = forms.DateField(widget=date_input()).widget.render("d", date(2026, 12, 31))

    assert 'type="date"' in html
    assert 'value="2026-12-31"' in html
