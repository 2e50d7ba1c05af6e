"""Institutions' webhook endpoints for monitoring events (变动推送) and their deliveries: set up,
rotated and redelivered by the institutions on /institution/webhooks/; the console shows them
(never the signing secret)."""

from __future__ import annotations

from django.contrib import admin

from billing.admin import base
from billing.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(base.ReadOnlyAdmin[WebhookEndpoint]):
    list_display = ("url", "customer_name", "district_name", "contract_link", "enabled",
                    "daily_digest", "description", "created_at")  # fmt: skip
    list_select_related = ("contract__customer", "contract__district")
    list_filter = ("enabled",)
    search_fields = ("url", "description", "contract__number", "contract__customer__name")
    fields = ("url", "customer_name", "district_name", "contract_link", "enabled", "daily_digest",
              "description", "previous_valid_until", "creator", "created_at")  # fmt: skip
    readonly_fields = fields
    customer_name = base.column("contract.customer.name", "客户机构")
    district_name = base.column("contract.district.name", "区县")
    contract_link = base.column("contract", "合同", link=True)
    creator = base.actor_column("created_by", "创建人")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(base.ReadOnlyAdmin[WebhookDelivery]):
    list_display = ("event_id", "endpoint_url", "change_name", "status", "attempts",
                    "response_code", "last_error", "created_at", "delivered_at", "failed_at")  # fmt: skip
    list_select_related = ("endpoint",)
    list_filter = ("status",)
    search_fields = ("event_id", "endpoint__url")
    fields = ("event_id", "endpoint_url", "change_name", "status", "attempts", "response_code",
              "last_error", "created_at", "next_attempt_at", "retry_until", "delivered_at",
              "failed_at")  # fmt: skip
    readonly_fields = fields
    endpoint_url = base.column("endpoint.url", "回调地址")

    @admin.display(description="变动类型")
    def change_name(self, obj: WebhookDelivery) -> str:
        return obj.change_label
