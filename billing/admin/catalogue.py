"""Products and their prices per district: prices are versioned by the day they take effect, so a
new price is a new row and none is changed or deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from billing.admin import base
from billing.enums import PricingModel
from billing.models import Price, Product
from billing.pricing import price_describe
from billing.services.catalogue import price_set
from tenants.models import District


@admin.register(Product)
class ProductAdmin(base.ReadOnlyAdmin[Product]):
    list_display = ("name", "code", "unit", "description")
    fields = ("name", "code", "unit", "description")


def _tier_rows(text: str) -> list[dict[str, Any]]:
    """'上限,单价' per line (the last upper bound empty) → rows for the pricing service."""
    rows: list[dict[str, Any]] = []
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.replace("，", ",").split(",")]
        if len(parts) != 2:
            raise forms.ValidationError(f"第{number}行应为“上限,单价”，如 1000,8.00")
        rows.append({"up_to": parts[0] or None, "unit_price": parts[1]})
    return rows


class PriceForm(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.none(), label="区县")
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), to_field_name="code", label="产品"
    )
    model = forms.ChoiceField(
        label="计价方式", choices=PricingModel.choices, widget=forms.RadioSelect
    )
    valid_from = forms.DateField(label="生效日期", widget=base.DATE_INPUT)
    unit_price = forms.CharField(
        label="单价（元，含税）",
        required=False,
        max_length=20,
        help_text="按次计价时填写，如 10.00",
    )
    tiers = forms.CharField(
        label="阶梯",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 30}),
        help_text="阶梯计价时填写，每行一档：本月累计次数上限,单价（元）；最后一档上限留空。\n"
        "如：\n1000,8.00\n5000,6.00\n,5.00",
    )
    package_units = forms.IntegerField(
        label="套餐次数", required=False, min_value=1, help_text="预付套餐时填写"
    )
    package_price = forms.CharField(
        label="套餐价格（元，含税）", required=False, max_length=20, help_text="预付套餐时填写"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = base.districts()  # type: ignore[attr-defined]

    def clean_product(self) -> str:
        return str(self.cleaned_data["product"].code)

    def clean_tiers(self) -> list[dict[str, Any]]:
        return _tier_rows(self.cleaned_data.get("tiers") or "")


@admin.register(Price)
class PriceAdmin(base.AddThroughServiceAdmin[Price]):
    list_display = ("district_name", "product_name", "model", "price_text", "valid_from", "set_by")
    list_filter = (
        base.DISTRICT_FILTER,
        base.PRODUCT_FILTER,
    )
    list_select_related = ("district", "product")
    fields = (
        "district_name",
        "product_name",
        "model",
        "price_text",
        "valid_from",
        "set_by",
        "set_at",
    )
    readonly_fields = (
        "price_text",
        "district_name",
        "product_name",
        "set_by",
        "set_at",
    )
    set_by = base.actor_column("created_by", "设定人")
    set_at = base.column("created_at", "设定时间")
    add_form = PriceForm
    add_page = base.AddPage(
        "设定产品价格",
        "保存新价格",
        notice="价格按生效日期分版本保存，已设定的价格不能修改或删除；调价请设定新的生效日期。",
    )

    @admin.display(description="价格")
    def price_text(self, obj: Price) -> str:
        return price_describe(obj)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        price = price_set(actor=base.actor_of(request), **data)
        return base.done(
            request,
            f"已设定{price.district.name}“{price.product.name}”自{price.valid_from}起的价格："
            f"{price_describe(price)}",
            "admin:billing_price_changelist",
        )
