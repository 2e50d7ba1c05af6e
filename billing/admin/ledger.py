"""The usage ledger: metered calls and package purchases, corrected by a reverse entry; the 用量总览
page, which closes a month's period into invoices; and the monitoring subscriptions the monthly
task charges to the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from billing.admin import base
from billing.enums import EntryKind
from billing.http import month_end, month_param
from billing.models import CreditNote, MonitoringSubscription, UsageEvent
from billing.selectors import usage_table
from billing.services.invoicing import period_close
from billing.services.ledger import usage_correct
from core.common.forms import form_submit


class CorrectionForm(forms.Form):
    amount = forms.CharField(
        label="冲正金额（元）",
        required=False,
        max_length=20,
        help_text="留空为全额冲正（连同数量）；部分冲正只退金额",
    )
    reason = forms.CharField(
        label="原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3, "cols": 40})
    )


@admin.register(UsageEvent)
class UsageEventAdmin(base.ReadOnlyAdmin[UsageEvent]):
    list_display = (
        "occurred_at",
        "customer_name",
        "district_name",
        "product_name",
        "kind",
        "units",
        "amount_yuan",
        "period_text",
        "reference",
        "recorded_by_name",
        "correct_link",
    )
    list_filter = (
        base.CUSTOMER_FILTER,
        base.DISTRICT_FILTER,
        base.PRODUCT_FILTER,
        base.PeriodFilter,
        "kind",
    )
    list_select_related = ("customer", "district", "product")
    search_fields = ("reference", "idempotency_key", "contract__number")
    # `response` (what was served) and `fingerprint` stay out of the console.
    fields = (
        "occurred_at",
        "contract_link",
        "customer_name",
        "district_name",
        "product_name",
        "kind",
        "units",
        "amount_yuan",
        "period_text",
        "reference",
        "api_key_link",
        "idempotency",
        "corrects_link",
        "reason",
        "recorded_by_name",
    )
    readonly_fields = (
        "recorded_by_name",
        "period_text",
        "contract_link",
        "customer_name",
        "district_name",
        "product_name",
        "api_key_link",
        "idempotency",
        "corrects_link",
    )
    api_key_link = base.column("api_key", "接口密钥", link=True)
    idempotency = base.column("idempotency_key", "幂等键")
    corrects_link = base.column("corrects", "冲正对象", link=True)
    recorded_by_name = base.actor_column("recorded_by", "记录人")
    period_text = base.show_period
    change_list_template = "admin/billing/usageevent/change_list.html"

    @admin.display(description="操作")
    def correct_link(self, obj: UsageEvent) -> str:
        if obj.kind == EntryKind.CORRECTION:
            return ""
        url = reverse("admin:billing_usageevent_correct", args=[obj.pk])
        return format_html('<a href="{}">冲正</a>', url)

    def extra_urls(self) -> list[base.ExtraUrl]:
        return [
            ("overview/", self.overview_view, "billing_usage_overview"),
            ("<int:pk>/correct/", self.correct_view, "billing_usageevent_correct"),
        ]

    def summary(self, event: UsageEvent) -> list[tuple[str, object]]:
        return [
            ("流水", f"#{event.pk}（{event.get_kind_display()}）"),
            ("合同", event.contract.number),
            ("客户机构", event.customer.name),
            ("区县", event.district.name),
            ("产品", event.product.name),
            ("数量", event.units),
            ("金额（元）", event.amount_yuan),
            ("账期", base.show_period(self, event)),
        ]

    def correct_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        base.require(request, "billing.add_usageevent")
        events = UsageEvent.objects.select_related("customer", "district", "product", "contract")
        event = base.row_or_404(events, pk, "没有该流水")

        def correct(data: dict[str, Any]) -> HttpResponse:
            correction = usage_correct(actor=base.actor_of(request), event=event,
                                       reason=data["reason"], amount=data["amount"])  # fmt: skip
            note = CreditNote.objects.filter(correction=correction).first()
            return base.done(
                request,
                f"已冲正{-correction.amount_yuan}元（流水#{event.pk}）"
                + (f"，并出具红字凭证{note.number}" if note else ""),
                event,
            )

        return self.form_view(request, CorrectionForm(request.POST or None), correct,
                              title="冲正用量流水", submit="冲正", original=event,
                              notice="冲正记一笔反向流水，原流水不变；账期已出账单的，同时出具红字凭证。")  # fmt: skip

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        """用量总览: usage per customer, district and product for a month; closes the period."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        month = month_param(request)
        if request.method == "POST":
            base.require(request, "billing.add_invoice")

        def close(data: dict[str, Any]) -> HttpResponse:
            invoices = period_close(period=month, actor=base.actor_of(request))
            numbers = "、".join(i.number for i in invoices)
            return base.done(
                request,
                f"{month:%Y年%m月}账期已关闭，出具账单{len(invoices)}张"
                + (f"：{numbers}" if numbers else ""),
                f"{reverse('admin:billing_usage_overview')}?month={month:%Y-%m}",
            )

        form = base.confirmation(request)
        response = form_submit(request, form, close)
        if response is not None:
            return response
        rows = usage_table(start=month, end=month_end(month))
        return self.page(
            request,
            "admin/billing/usage_overview.html",
            title="用量总览",
            month=month,
            rows=rows,
            total_units=sum(r.units for r in rows),
            total_amount=sum((r.amount_yuan for r in rows), start=Decimal("0.00")),
            error="".join(str(e) for e in form.non_field_errors()),
            can_close=request.user.has_perm("billing.add_invoice"),
        )


@admin.register(MonitoringSubscription)
class MonitoringSubscriptionAdmin(base.ReadOnlyAdmin[MonitoringSubscription]):
    """Subscriptions are started and ended by institutions over the API and renewed by the
    monthly task; the console shows them."""

    list_display = ("subject_name", "subject_code", "customer_name", "district_name", "since",
                    "charged_through", "ended", "end_reason")  # fmt: skip
    list_select_related = ("customer", "district")
    list_filter = (
        base.CUSTOMER_FILTER,
        base.DISTRICT_FILTER,
        ("ended_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("subject_code", "subject_name", "contract__number")
    fields = ("subject_name", "subject_code", "customer_name", "district_name", "contract_link",
              "since", "charged_through", "ended", "end_reason")  # fmt: skip
    readonly_fields = fields
    since = base.column("created_at", "订阅时间")
    ended = base.column("ended_at", "结束时间")
