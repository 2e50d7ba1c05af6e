from datetime import date

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from core.retention.models import RetentionRule, RetentionScope
from core.retention.rules import retention_rule_start_problem


class RetentionRuleForm(forms.ModelForm[RetentionRule]):
    class Meta:
        model = RetentionRule
        fields = ("code", "name", "basis", "effective_from", "years", "note")

    def clean_effective_from(self) -> date:
        effective_from: date = self.cleaned_data["effective_from"]
        problem = retention_rule_start_problem(
            effective_from=effective_from, today=timezone.localdate()
        )
        if problem is not None:
            raise forms.ValidationError(problem)
        return effective_from


class RetentionScopeInline(admin.TabularInline[RetentionScope, RetentionRule]):
    """Scopes are given with their version and never changed afterwards."""

    model = RetentionScope
    extra = 0
    fields = ("subject_kind", "record_kind", "runs_from")

    def has_add_permission(self, request: HttpRequest, obj: RetentionRule | None = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    # Django passes the parent version here (the stubs say a scope): neither is looked at.
    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin[RetentionRule]):
    """Versions are read-only once saved (a trigger refuses changes too); a change of the law is
    a new version starting after today and after the latest one."""

    form = RetentionRuleForm
    list_display = ("code", "name", "effective_from", "years")
    inlines = (RetentionScopeInline,)

    def has_change_permission(self, request: HttpRequest, obj: RetentionRule | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RetentionRule | None = None) -> bool:
        return False
