"""The operator console's view of sharing agreements: every agreement between districts, its
derived status, scope and history; the operator may revoke one (with a reason). Districts propose,
accept and decline in their own consoles; nothing here edits an agreement's terms."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html_join

from core.common.errors import ApplicationError
from exchange.enums import ExchangePurpose
from exchange.models import Agreement
from exchange.scope import field_label
from exchange.services.agreements import agreement_revoke
from exchange.status import agreement_status


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin[Agreement]):
    list_display = ("number", "consumer_name", "provider_name", "status_now", "valid_from", "valid_until",
                    "proposed_at")  # fmt: skip
    list_select_related = ("provider", "consumer")
    list_filter = ("status",)
    search_fields = ("provider__name", "consumer__name", "legal_basis")
    fields = ("consumer_name", "provider_name", "status_now", "legal_basis", "purpose_list",
              "scope", "valid_from", "valid_until", "proposed_by", "proposed_at", "decided_by",
              "decided_at", "decline_reason", "revoked_by", "revoked_at", "revoke_reason")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="编号", ordering="pk")
    def number(self, obj: Agreement) -> str:
        return f"#{obj.pk}"

    @admin.display(description="使用方")
    def consumer_name(self, obj: Agreement) -> str:
        return obj.consumer.name

    @admin.display(description="提供方")
    def provider_name(self, obj: Agreement) -> str:
        return obj.provider.name

    @admin.display(description="状态")
    def status_now(self, obj: Agreement) -> str:
        return agreement_status(obj, timezone.localdate()).label

    @admin.display(description="用途")
    def purpose_list(self, obj: Agreement) -> str:
        labels = dict(ExchangePurpose.choices)
        return "、".join(labels.get(p, p) for p in obj.purposes)

    @admin.display(description="共享范围")
    def scope(self, obj: Agreement) -> str:
        return format_html_join("", "<div>{}（{}）：{}</div>", (
            (i.item_name, i.item_code, "、".join(field_label(f) for f in i.fields)) for i in obj.items.order_by("item_code")))  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/revoke/", view(self.revoke_view), name="exchange_agreement_revoke"),
            *super().get_urls(),
        ]

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("exchange.change_agreement"):
            raise PermissionDenied
        agreement = Agreement.objects.select_related("provider", "consumer").filter(pk=pk).first()
        if agreement is None:
            raise Http404("没有该共享协议")
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                agreement_revoke(actor=request.user, agreement=agreement,  # type: ignore[arg-type]
                                 reason=form.cleaned_data["reason"])  # fmt: skip
            except ApplicationError as exc:
                form.add_error("reason", exc.message)
            else:
                messages.success(
                    request,
                    f"已撤销共享协议：{agreement.consumer.name}使用{agreement.provider.name}的数据",
                )
                return redirect("admin:exchange_agreement_change", agreement.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "撤销共享协议",
            "submit": "撤销",
            "original": agreement,
            "summary": [("使用方", agreement.consumer.name), ("提供方", agreement.provider.name),
                        ("状态", self.status_now(agreement))],
            "notice": "撤销后，使用方的下一次查询即被拒绝；协议双方的管理员会在审计日志中看到此操作。",
        }  # fmt: skip
        return TemplateResponse(request, "admin/billing/form.html", context)
