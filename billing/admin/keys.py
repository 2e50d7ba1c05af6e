"""API keys: issued to a customer with a scope, rotated with an overlap, revoked. A key's secret is
shown once, on the page that follows issuing or rotating it; only its hash is stored."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from billing.admin import base
from billing.enums import ProductCode
from billing.models import ApiKey, Customer
from billing.services.keys import (
    KeyScope,
    institution_key_issue,
    institution_key_revoke,
    institution_key_rotate,
)


class KeyIssueForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), label="客户机构")
    name = forms.CharField(label="名称", max_length=100, help_text="用途，如 信贷审批系统")
    products = forms.MultipleChoiceField(
        label="产品范围",
        choices=ProductCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.MultipleChoiceField(
        label="区县范围", choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateField(label="有效期至", widget=base.DATE_INPUT, help_text="至多三年")
    allowed_ips = forms.CharField(
        label="来源地址白名单",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 30}),
        help_text="每行一个地址或网段，如 203.0.113.0/24；留空为不限来源",
    )
    rate_per_minute = forms.IntegerField(label="每分钟调用上限", initial=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["districts"].choices = [  # type: ignore[attr-defined]
            (d.schema_name, d.name) for d in base.districts()
        ]
        self.fields["expires_at"].initial = timezone.localdate() + timedelta(days=365)


def _scope(data: dict[str, Any]) -> KeyScope:
    """The scope of a new key from the issue form's data; it expires at the end of its last day."""
    expires = datetime.combine(
        data["expires_at"], time(23, 59, 59), tzinfo=timezone.get_current_timezone()
    )
    return KeyScope(
        name=data["name"],
        products=list(data["products"]),
        districts=list(data["districts"]),
        expires_at=expires,
        allowed_ips=[line.strip() for line in data["allowed_ips"].splitlines() if line.strip()],
        rate_per_minute=data["rate_per_minute"],
    )


class KeyRotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="新旧密钥并行（小时）",
        initial=24,
        help_text="0–168；在此期间原密钥仍可使用，便于机构切换，之后失效",
    )


class KeyRevokeForm(forms.Form):
    reason = forms.CharField(label="吊销原因", max_length=300)


@admin.register(ApiKey)
class ApiKeyAdmin(base.AddThroughServiceAdmin[ApiKey]):
    # key_hash is never shown: it is listed nowhere below and excluded from every form.
    list_display = (
        "prefix_text",
        "name",
        "customer_name",
        "products_text",
        "districts_text",
        "expires_at",
        "state",
        "last_used_at",
    )
    list_filter = (base.CUSTOMER_FILTER,)
    list_select_related = ("customer",)
    search_fields = ("prefix", "name", "customer__name")
    exclude = ("key_hash",)
    fields = (
        "prefix_text",
        "name",
        "customer_name",
        "state",
        "products_text",
        "districts_text",
        "allowed_ips",
        "rate_per_minute",
        "expires_at",
        "revoked_at",
        "rotated_from_key",
        "last_used_at",
        "issued_by",
        "issued_at",
    )
    readonly_fields = (
        "prefix_text",
        "state",
        "products_text",
        "districts_text",
        "customer_name",
        "rotated_from_key",
        "issued_by",
        "issued_at",
    )
    rotated_from_key = base.column("rotated_from", "轮换自", link=True)
    issued_by = base.actor_column("created_by", "签发人")
    issued_at = base.column("created_at", "签发时间")
    add_form = KeyIssueForm
    add_page = base.AddPage(
        "签发接口密钥",
        "签发",
        notice="密钥只在签发后显示一次，请让机构当场妥善保存。",
    )

    @admin.display(description="密钥前缀")
    def prefix_text(self, obj: ApiKey) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="产品范围")
    def products_text(self, obj: ApiKey) -> str:
        return base.products_text(obj.products)

    @admin.display(description="区县范围")
    def districts_text(self, obj: ApiKey) -> str:
        names = dict(base.districts().values_list("schema_name", "name"))
        return "、".join(names.get(s, s) for s in obj.districts)

    @admin.display(description="状态")
    def state(self, obj: ApiKey) -> str:
        if obj.revoked_at is not None:
            return "已吊销"
        return "已过期" if obj.expires_at <= timezone.now() else "有效"

    def extra_urls(self) -> list[base.ExtraUrl]:
        return [
            ("<int:pk>/rotate/", self.rotate_view, "billing_apikey_rotate"),
            ("<int:pk>/revoke/", self.revoke_view, "billing_apikey_revoke"),
        ]

    def _secret_page(
        self, request: HttpRequest, key: ApiKey, secret: str, *, old: ApiKey | None = None
    ) -> TemplateResponse:
        """The only place the secret is ever shown (it is stored as its hash)."""
        return self.page(request, "admin/billing/apikey/secret.html",
                         title="密钥已轮换" if old else "密钥已签发", key=key, secret=secret,
                         old=old, products=base.products_text(key.products),
                         districts=self.districts_text(key))  # fmt: skip

    def create(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        key, secret = institution_key_issue(
            actor=base.actor_of(request), customer=data["customer"], scope=_scope(data)
        )
        return self._secret_page(request, key, secret)

    def _key(self, request: HttpRequest, pk: int) -> ApiKey:
        base.require(request, "billing.change_apikey")
        return base.row_or_404(ApiKey.objects.select_related("customer"), pk, "没有该密钥")

    def summary(self, key: ApiKey) -> list[tuple[str, object]]:
        return [
            ("客户机构", key.customer.name),
            ("密钥", f"{key.prefix}…（{key.name}）"),
            ("状态", self.state(key)),
            ("过期时间", timezone.localtime(key.expires_at).strftime("%Y-%m-%d %H:%M")),
        ]

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        key = self._key(request, pk)

        def rotate(data: dict[str, Any]) -> HttpResponse:
            new, secret = institution_key_rotate(
                actor=base.actor_of(request), key=key, overlap_hours=data["overlap_hours"]
            )
            key.refresh_from_db(fields=["expires_at"])
            return self._secret_page(request, new, secret, old=key)

        return self.form_view(request, KeyRotateForm(request.POST or None), rotate,
                              title="轮换接口密钥", submit="轮换", original=key,
                              notice="轮换签发一个范围相同的新密钥，新密钥只显示一次。")  # fmt: skip

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        key = self._key(request, pk)

        def revoke(data: dict[str, Any]) -> HttpResponse:
            institution_key_revoke(actor=base.actor_of(request), key=key, reason=data["reason"])
            return base.done(request, f"密钥{key.prefix}…（{key.name}）已吊销", key)

        return self.form_view(request, KeyRevokeForm(request.POST or None), revoke,
                              title="吊销接口密钥", submit="吊销", original=key,
                              notice="吊销立即生效，不能撤销。")  # fmt: skip
