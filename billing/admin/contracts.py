"""Contracts between a customer and a district: signed here, then topped up (prepaid), sold
packages, and moved between statuses from the contract's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing.admin import base
from billing.enums import BillingMode, ContractStatus, ProductCode
from billing.models import Contract, ContractPrice, Customer
from billing.pricing import contract_price_describe
from billing.selectors import month_usage, package_units
from billing.services.catalogue import (
    ContractTerms,
    contract_create,
    contract_price_set,
    contract_set_status,
    package_purchase,
    wallet_top_up,
)
from tenants.models import District


class ContractForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), label="客户机构")
    district = forms.ModelChoiceField(queryset=District.objects.none(), label="区县")
    mode = forms.ChoiceField(
        label="付费方式", choices=BillingMode.choices, widget=forms.RadioSelect
    )
    products = forms.MultipleChoiceField(
        label="可购产品",
        choices=ProductCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label="生效日期", widget=base.DATE_INPUT)
    valid_until = forms.DateField(label="截止日期", required=False, widget=base.DATE_INPUT)
    monthly_cap_units = forms.IntegerField(
        label="月度次数上限", required=False, min_value=1, help_text="后付费合同须设次数或金额上限"
    )
    monthly_cap_yuan = forms.DecimalField(
        label="月度金额上限（元）", required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = base.districts()  # type: ignore[attr-defined]


class TopUpForm(forms.Form):
    amount = forms.CharField(label="金额（元）", max_length=20)
    reference = forms.CharField(label="付款凭证号", max_length=100)


class PackageForm(forms.Form):
    product = forms.ChoiceField(label="产品", choices=())
    count = forms.IntegerField(label="份数", initial=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            (code, base.PRODUCT_NAMES.get(code, code)) for code in contract.products
        ]


class ContractPriceForm(forms.Form):
    product = forms.ChoiceField(label="产品", choices=())
    valid_from = forms.DateField(label="生效日期", widget=base.DATE_INPUT)
    unit_price = forms.CharField(
        label="合同单价（元，含税）", required=False, max_length=20,
        help_text="按次计价，取代区县价格；留空则以区县价格为基础",
    )  # fmt: skip
    discount_percent = forms.CharField(
        label="折扣（%）", required=False, max_length=10,
        help_text="在合同单价（或区县价格）上优惠的百分比，如 15 表示按 85% 收费；两项都留空则自该日起恢复按区县价格",
    )  # fmt: skip

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            (code, base.PRODUCT_NAMES.get(code, code)) for code in contract.products
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=ContractStatus.choices)
    reason = forms.CharField(label="原因", max_length=300)


@admin.register(Contract)
class ContractAdmin(base.AddThroughServiceAdmin[Contract]):
    list_display = (
        "number",
        "customer_name",
        "district_name",
        "mode",
        "status",
        "monthly_cap_units",
        "monthly_cap_yuan",
        "wallet_balance_yuan",
        "valid_from",
        "valid_until",
    )
    list_filter = (
        base.DISTRICT_FILTER,
        base.CUSTOMER_FILTER,
        "status",
        "mode",
    )
    list_select_related = ("customer", "district")
    search_fields = ("number", "customer__name")
    fields = (
        "number",
        "customer_name",
        "district_name",
        "mode",
        "status",
        "products_text",
        "monthly_cap_units",
        "monthly_cap_yuan",
        "usage_this_month",
        "wallet_balance_yuan",
        "packages_left",
        "price_list",
        "valid_from",
        "valid_until",
        "signed_by",
        "created",
    )
    readonly_fields = (
        "price_list",
        "products_text",
        "usage_this_month",
        "packages_left",
        "customer_name",
        "district_name",
        "signed_by",
        "created",
    )
    signed_by = base.actor_column("created_by", "签订人")
    add_form = ContractForm
    add_page = base.AddPage("签订客户合同", "签订")

    @admin.display(description="可购产品")
    def products_text(self, obj: Contract) -> str:
        return base.products_text(obj.products)

    @admin.display(description="本月用量")
    def usage_this_month(self, obj: Contract) -> str:
        usage = month_usage(obj.pk, timezone.localdate())
        return f"{usage.units}次，{usage.amount_yuan}元"

    @admin.display(description="套餐余量")
    def packages_left(self, obj: Contract) -> str:
        left = sorted(package_units(obj.pk).items())
        return "、".join(f"{base.PRODUCT_NAMES.get(c, c)} {n}" for c, n in left) or "无"

    @admin.display(description="合同价格")
    def price_list(self, obj: Contract) -> str:
        rows = ContractPrice.objects.select_related("product").filter(contract=obj)
        return (
            "；".join(
                f"{r.product.name}自{r.valid_from}起：{contract_price_describe(r)}"
                for r in rows.order_by("product__sort", "valid_from")
            )
            or "无（按区县价格）"
        )

    def extra_urls(self) -> list[base.ExtraUrl]:
        return [
            ("<int:pk>/price/", self.price_view, "billing_contract_price"),
            ("<int:pk>/top-up/", self.top_up_view, "billing_contract_top_up"),
            ("<int:pk>/package/", self.package_view, "billing_contract_package"),
            ("<int:pk>/status/", self.status_view, "billing_contract_status"),
        ]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        terms = ContractTerms(
            mode=data["mode"],
            products=list(data["products"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            monthly_cap_units=data["monthly_cap_units"],
            monthly_cap_yuan=data["monthly_cap_yuan"],
        )
        contract = contract_create(
            actor=base.actor_of(request),
            customer=data["customer"],
            district=data["district"],
            terms=terms,
        )
        return base.done(
            request,
            f"已签订合同{contract.number}：{contract.customer.name}在{contract.district.name}",
            contract,
        )

    def _contract(self, request: HttpRequest, pk: int) -> Contract:
        base.require(request, "billing.change_contract")
        contracts = Contract.objects.select_related("customer", "district")
        return base.row_or_404(contracts, pk, "没有该合同")

    def summary(self, contract: Contract) -> list[tuple[str, object]]:
        return [
            ("合同", contract.number),
            ("客户机构", contract.customer.name),
            ("区县", contract.district.name),
            ("付费方式", contract.get_mode_display()),
            ("状态", contract.get_status_display()),
            ("预付余额（元）", contract.wallet_balance_yuan),
        ]

    def top_up_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)

        def top_up(data: dict[str, Any]) -> HttpResponse:
            paid = wallet_top_up(actor=base.actor_of(request), contract=contract, **data)
            return base.done(
                request,
                f"已为合同{contract.number}充值{paid.amount_yuan}元，"
                f"余额{paid.balance_after_yuan}元",
                contract,
            )

        return self.form_view(request, TopUpForm(request.POST or None), top_up,
                              title="预付充值", submit="确认充值", original=contract)  # fmt: skip

    def package_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)

        def purchase(data: dict[str, Any]) -> HttpResponse:
            event = package_purchase(actor=base.actor_of(request), contract=contract,
                                     product=data["product"], count=data["count"])  # fmt: skip
            return base.done(
                request,
                f"已为合同{contract.number}购买{data['count']}份“{event.product.name}”套餐："
                f"{event.units}{event.product.unit}，{event.amount_yuan}元",
                contract,
            )

        return self.form_view(request, PackageForm(request.POST or None, contract=contract),
                              purchase, title="购买预付套餐", submit="确认购买",
                              original=contract,
                              notice="套餐按本区县当前的套餐价格出售；预付费合同从预付余额中扣款。")  # fmt: skip

    def price_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)

        def set_price(data: dict[str, Any]) -> HttpResponse:
            row = contract_price_set(actor=base.actor_of(request), contract=contract, **data)
            return base.done(
                request,
                f"已设定合同{contract.number}“{row.product.name}”自{row.valid_from}起的价格："
                f"{contract_price_describe(row)}",
                contract,
            )

        return self.form_view(request, ContractPriceForm(request.POST or None, contract=contract),
                              set_price, title="设定合同价格", submit="保存合同价格",
                              original=contract,
                              notice="合同价格优先于区县价格，按生效日期分版本保存，不能修改或删除；"
                                     "调价请设定新的生效日期，不能追溯到已计费的调用。")  # fmt: skip

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)

        def set_status(data: dict[str, Any]) -> HttpResponse:
            changed = contract_set_status(actor=base.actor_of(request), contract=contract,
                                          status=data["status"], reason=data["reason"])  # fmt: skip
            return base.done(
                request,
                f"合同{changed.number}状态已变更为：{changed.get_status_display()}",
                contract,
            )

        form = StatusForm(request.POST or None, initial={"status": contract.status})
        return self.form_view(request, form, set_status, title="变更合同状态",
                              submit="确认变更", original=contract)  # fmt: skip


@admin.register(ContractPrice)
class ContractPriceAdmin(base.ReadOnlyAdmin[ContractPrice]):
    """Every version of every contract's own prices (set from the contract's page)."""

    list_display = ("contract_link", "customer_of", "product_name", "price_text", "valid_from",
                    "set_by")  # fmt: skip
    list_filter = (base.PRODUCT_FILTER,)
    list_select_related = ("contract", "contract__customer", "product")
    search_fields = ("contract__number", "contract__customer__name")
    fields = ("contract_link", "customer_of", "product_name", "price_text", "valid_from",
              "set_by", "set_at")  # fmt: skip
    readonly_fields = fields
    customer_of = base.column("contract.customer.name", "客户机构")
    set_by = base.actor_column("created_by", "设定人")
    set_at = base.column("created_at", "设定时间")

    @admin.display(description="价格")
    def price_text(self, obj: ContractPrice) -> str:
        return contract_price_describe(obj)
