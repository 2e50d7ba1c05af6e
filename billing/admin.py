"""The operator console for billing (Django admin on the operator's domain): products and prices,
customers, contracts with top-ups, packages and status, API keys, the usage ledger with its
corrections, invoices and credit notes, and the 用量总览 page that closes a period.

Every write goes through billing/services; a refusal (ApplicationError) is shown on the form. Prices
are versioned and the ledger, top-ups, invoices and credit notes are append-only, so nothing here
edits or deletes a row: the default change and delete pages are switched off."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from billing.enums import BillingMode, ContractStatus, EntryKind, PricingModel, ProductCode
from billing.http import invoice_csv_response, invoice_pdf_response, month_end, month_param
from billing.models import (
    ApiKey,
    Contract,
    CreditNote,
    Customer,
    CustomerMember,
    Invoice,
    MonitoringSubscription,
    Price,
    Product,
    UsageEvent,
    WalletTopUp,
)
from billing.pricing import price_describe
from billing.selectors import month_usage, package_units, usage_table
from billing.services.catalogue import (
    ContractTerms,
    contract_create,
    contract_set_status,
    customer_create,
    package_purchase,
    price_set,
    wallet_top_up,
)
from billing.services.invoicing import period_close
from billing.services.keys import KeyScope, api_key_issue, api_key_revoke, api_key_rotate
from billing.services.ledger import usage_correct
from billing.services.members import (
    customer_member_add,
    customer_member_deactivate,
    customer_member_link,
)
from core.accounts.models import User
from core.common.actors import Actor
from core.common.errors import ApplicationError
from tenants.enums import DistrictKind
from tenants.models import District

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PRODUCT_NAMES = dict(ProductCode.choices)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(cast(User, request.user), schema="public")


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _show_error(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's refusal on the form field it names (or on the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _districts() -> QuerySet[District]:
    return District.objects.filter(kind=DistrictKind.DISTRICT).order_by("created_at", "id")


def _products_text(codes: Iterable[str]) -> str:
    return "、".join(PRODUCT_NAMES.get(code, code) for code in codes)


def _form_page(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    submit: str,
    original: object = None,
    summary: list[tuple[str, object]] | None = None,
    notice: str = "",
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "form": form,
        "title": title,
        "submit": submit,
        "original": original,
        "summary": summary or [],
        "notice": notice,
    }
    return TemplateResponse(request, "admin/billing/form.html", context)


def _change_url(obj: Any) -> str:
    return reverse(f"admin:billing_{obj._meta.model_name}_change", args=[obj.pk])


def _column(attr: str, label: str, *, link: bool = False) -> Callable[[Any, Any], object]:
    """A column or read-only field with a Chinese label, for fields whose model verbose name is
    still English (foreign keys, who and when). `attr` may be dotted ("district.name"); `link`
    links a billing row to its console page."""

    @admin.display(description=label, ordering=attr.replace(".", "__"))
    def show(model_admin: Any, obj: Any) -> object:
        value = obj
        for part in attr.split("."):
            value = getattr(value, part) if value is not None else None
        if link and isinstance(value, Model):
            return format_html('<a href="{}">{}</a>', _change_url(value), value)
        return str(value) if isinstance(value, Model) else value

    return show


def _related_only(title: str) -> type[admin.RelatedOnlyFieldListFilter]:
    """A list filter over the related rows that occur, titled in Chinese."""

    class Filter(admin.RelatedOnlyFieldListFilter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Filter


class _ReadOnly:
    """Rows only the services write: the console shows them and never edits or deletes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _AddThroughService:
    """Rows created by a service from a custom add form; never changed or deleted here."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Products and prices ---------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(_ReadOnly, admin.ModelAdmin[Product]):
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
    valid_from = forms.DateField(label="生效日期", widget=DATE_INPUT)
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
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]

    def clean_tiers(self) -> list[dict[str, Any]]:
        return _tier_rows(self.cleaned_data.get("tiers") or "")


@admin.register(Price)
class PriceAdmin(_AddThroughService, admin.ModelAdmin[Price]):
    list_display = ("district_name", "product_name", "model", "price_text", "valid_from", "set_by")
    list_filter = (
        ("district", _related_only("区县")),
        ("product", _related_only("产品")),
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
    district_name = _column("district.name", "区县")
    product_name = _column("product.name", "产品")
    set_by = _column("created_by", "设定人")
    set_at = _column("created_at", "设定时间")

    @admin.display(description="价格")
    def price_text(self, obj: Price) -> str:
        return price_describe(obj)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PriceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                price = price_set(
                    actor=_actor(request),
                    district=data["district"],
                    product=data["product"].code,
                    model=data["model"],
                    valid_from=data["valid_from"],
                    unit_price=data["unit_price"],
                    tiers=data["tiers"],
                    package_units=data["package_units"],
                    package_price=data["package_price"],
                )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已设定{price.district.name}“{price.product.name}”自{price.valid_from}起的价格："
                    f"{price_describe(price)}",
                )
                return redirect("admin:billing_price_changelist")
        return _form_page(
            self,
            request,
            form=form,
            title="设定产品价格",
            submit="保存新价格",
            notice="价格按生效日期分版本保存，已设定的价格不能修改或删除；调价请设定新的生效日期。",
        )


# --- Customers ---------------------------------------------------------------------------------


class CustomerForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=200)
    uscc = forms.CharField(label="统一社会信用代码", max_length=30)
    contact_name = forms.CharField(label="联系人", max_length=100, required=False)
    contact_email = forms.CharField(label="联系邮箱", max_length=254)
    webhook_url = forms.CharField(
        label="通知回调地址",
        max_length=200,
        required=False,
        help_text="用量达到上限80%、90%、100%时推送通知（选填），以 https:// 开头",
    )


@admin.register(Customer)
class CustomerAdmin(_AddThroughService, admin.ModelAdmin[Customer]):
    list_display = ("name", "uscc", "contact_name", "contact_email", "created")
    search_fields = ("name", "uscc")
    fields = (
        "name",
        "uscc",
        "contact_name",
        "contact_email",
        "webhook_url",
        "webhook_secret",
        "member_list",
        "created",
    )
    readonly_fields = (
        "member_list",
        "created",
    )
    created = _column("created_at", "创建时间")

    @admin.display(description="机构用户")
    def member_list(self, obj: Customer) -> str:
        members = list(obj.members.select_related("user").order_by("user__email"))
        if not members:
            return "无"
        return format_html_join(
            "", "<div>{}（{}）{}</div>",
            ((m.user.email, m.user.full_name,
              format_html(' <a href="{}">重发登录链接</a> · <a href="{}">停用</a>',
                          reverse("admin:billing_customer_member_link", args=[m.pk]),
                          reverse("admin:billing_customer_member_deactivate", args=[m.pk]))
              if m.user.is_active else "　已停用")
             for m in members),
        )  # fmt: skip

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/members/add/", view(self.member_add_view),
                 name="billing_customer_member_add"),
            path("members/<int:pk>/link/", view(self.member_link_view),
                 name="billing_customer_member_link"),
            path("members/<int:pk>/deactivate/", view(self.member_deactivate_view),
                 name="billing_customer_member_deactivate"),
            *super().get_urls(),
        ]  # fmt: skip

    def _link_page(
        self, request: HttpRequest, member: CustomerMember, token: str
    ) -> TemplateResponse:
        """The only place the one-time link is shown (only its hash is stored)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "机构用户登录链接",
            "member": member,
            "link": request.build_absolute_uri(reverse("institution-welcome", args=[token])),
        }
        return TemplateResponse(request, "admin/billing/customer/member_link.html", context)

    def _member(self, request: HttpRequest, pk: int) -> CustomerMember:
        _require(request, "billing.change_customer")
        member = CustomerMember.objects.select_related("user", "customer").filter(pk=pk).first()
        if member is None:
            raise Http404("没有该机构用户")
        return member

    def member_add_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "billing.change_customer")
        customer = Customer.objects.filter(pk=pk).first()
        if customer is None:
            raise Http404("没有该客户机构")
        form = MemberForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                member, token = customer_member_add(actor=_actor(request), customer=customer,
                                                    **form.cleaned_data)  # fmt: skip
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                return self._link_page(request, member, token)
        return _form_page(self, request, form=form, title="添加机构用户", submit="开通",
                          original=customer, summary=[("客户机构", customer.name)],
                          notice="开通后显示一次性登录链接（有效期内使用一次），请发给该用户设置密码。")  # fmt: skip

    def member_link_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = self._member(request, pk)
        form = forms.Form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                token = customer_member_link(actor=_actor(request), member=member)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                return self._link_page(request, member, token)
        return _form_page(self, request, form=form, title="重发登录链接", submit="生成新链接",
                          original=member.customer,
                          summary=[("客户机构", member.customer.name), ("机构用户", member.user.email)],
                          notice="生成新链接后，此前未使用的链接失效。")  # fmt: skip

    def member_deactivate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = self._member(request, pk)
        form = forms.Form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            customer_member_deactivate(actor=_actor(request), member=member)
            messages.success(request, f"已停用机构用户：{member.user.email}")
            return redirect(_change_url(member.customer))
        return _form_page(self, request, form=form, title="停用机构用户", submit="停用",
                          original=member.customer,
                          summary=[("客户机构", member.customer.name), ("机构用户", member.user.email)],
                          notice="停用后该账号不能再登录机构页面。")  # fmt: skip

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CustomerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                customer = customer_create(actor=_actor(request), **form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(request, f"已创建客户机构：{customer.name}")
                return redirect(_change_url(customer))
        return _form_page(self, request, form=form, title="新建客户机构", submit="创建")


class MemberForm(forms.Form):
    email = forms.EmailField(label="电子邮箱")
    full_name = forms.CharField(label="姓名", max_length=100)


# --- Contracts ---------------------------------------------------------------------------------


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
    valid_from = forms.DateField(label="生效日期", widget=DATE_INPUT)
    valid_until = forms.DateField(label="截止日期", required=False, widget=DATE_INPUT)
    monthly_cap_units = forms.IntegerField(
        label="月度次数上限", required=False, min_value=1, help_text="后付费合同须设次数或金额上限"
    )
    monthly_cap_yuan = forms.DecimalField(
        label="月度金额上限（元）", required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]


class TopUpForm(forms.Form):
    amount = forms.CharField(label="金额（元）", max_length=20)
    reference = forms.CharField(label="付款凭证号", max_length=100)


class PackageForm(forms.Form):
    product = forms.ChoiceField(label="产品", choices=())
    count = forms.IntegerField(label="份数", initial=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            (code, PRODUCT_NAMES.get(code, code)) for code in contract.products
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=ContractStatus.choices)
    reason = forms.CharField(label="原因", max_length=300)


@admin.register(Contract)
class ContractAdmin(_AddThroughService, admin.ModelAdmin[Contract]):
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
        ("district", _related_only("区县")),
        ("customer", _related_only("客户机构")),
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
        "valid_from",
        "valid_until",
        "signed_by",
        "created",
    )
    readonly_fields = (
        "products_text",
        "usage_this_month",
        "packages_left",
        "customer_name",
        "district_name",
        "signed_by",
        "created",
    )
    customer_name = _column("customer.name", "客户机构")
    district_name = _column("district.name", "区县")
    signed_by = _column("created_by", "签订人")
    created = _column("created_at", "创建时间")

    @admin.display(description="可购产品")
    def products_text(self, obj: Contract) -> str:
        return _products_text(obj.products)

    @admin.display(description="本月用量")
    def usage_this_month(self, obj: Contract) -> str:
        usage = month_usage(obj.pk, timezone.localdate())
        return f"{usage.units}次，{usage.amount_yuan}元"

    @admin.display(description="套餐余量")
    def packages_left(self, obj: Contract) -> str:
        left = package_units(obj.pk)
        return "、".join(f"{PRODUCT_NAMES.get(c, c)} {n}" for c, n in sorted(left.items())) or "无"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/top-up/", view(self.top_up_view), name="billing_contract_top_up"),
            path("<int:pk>/package/", view(self.package_view), name="billing_contract_package"),
            path("<int:pk>/status/", view(self.status_view), name="billing_contract_status"),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ContractForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            terms = ContractTerms(
                mode=data["mode"],
                products=list(data["products"]),
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                monthly_cap_units=data["monthly_cap_units"],
                monthly_cap_yuan=data["monthly_cap_yuan"],
            )
            try:
                contract = contract_create(
                    actor=_actor(request),
                    customer=data["customer"],
                    district=data["district"],
                    terms=terms,
                )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已签订合同{contract.number}：{contract.customer.name}在{contract.district.name}",
                )
                return redirect(_change_url(contract))
        return _form_page(self, request, form=form, title="签订客户合同", submit="签订")

    def _contract(self, request: HttpRequest, pk: int) -> Contract:
        _require(request, "billing.change_contract")
        contract = Contract.objects.select_related("customer", "district").filter(pk=pk).first()
        if contract is None:
            raise Http404("没有该合同")
        return contract

    def _summary(self, contract: Contract) -> list[tuple[str, object]]:
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
        form = TopUpForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                top_up = wallet_top_up(
                    actor=_actor(request), contract=contract, **form.cleaned_data
                )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已为合同{contract.number}充值{top_up.amount_yuan}元，"
                    f"余额{top_up.balance_after_yuan}元",
                )
                return redirect(_change_url(contract))
        return _form_page(self, request, form=form, title="预付充值", submit="确认充值",
                          original=contract, summary=self._summary(contract))  # fmt: skip

    def package_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)
        form = PackageForm(request.POST or None, contract=contract)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                event = package_purchase(actor=_actor(request), contract=contract,
                                         product=data["product"], count=data["count"])  # fmt: skip
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(
                    request,
                    f"已为合同{contract.number}购买{data['count']}份“{event.product.name}”套餐："
                    f"{event.units}{event.product.unit}，{event.amount_yuan}元",
                )
                return redirect(_change_url(contract))
        return _form_page(self, request, form=form, title="购买预付套餐", submit="确认购买",
                          original=contract, summary=self._summary(contract),
                          notice="套餐按本区县当前的套餐价格出售；预付费合同从预付余额中扣款。")  # fmt: skip

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = self._contract(request, pk)
        form = StatusForm(request.POST or None, initial={"status": contract.status})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                changed = contract_set_status(actor=_actor(request), contract=contract,
                                              status=data["status"], reason=data["reason"])  # fmt: skip
            except ApplicationError as exc:
                _show_error(form, exc)
            except IntegrityError:
                # Re-activating while another contract is active in the district: the service
                # does not turn the unique constraint into a Conflict (yet), so say it here.
                form.add_error(
                    "status", f"{contract.customer.name}在{contract.district.name}已有有效合同"
                )
            else:
                messages.success(
                    request, f"合同{changed.number}状态已变更为：{changed.get_status_display()}"
                )
                return redirect(_change_url(contract))
        return _form_page(self, request, form=form, title="变更合同状态", submit="确认变更",
                          original=contract, summary=self._summary(contract))  # fmt: skip


# --- API keys ----------------------------------------------------------------------------------


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
    expires_at = forms.DateField(label="有效期至", widget=DATE_INPUT, help_text="至多三年")
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
            (d.schema_name, d.name) for d in _districts()
        ]
        self.fields["expires_at"].initial = timezone.localdate() + timedelta(days=365)

    def scope(self) -> KeyScope:
        data = self.cleaned_data
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
class ApiKeyAdmin(_AddThroughService, admin.ModelAdmin[ApiKey]):
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
    list_filter = (("customer", _related_only("客户机构")),)
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
    customer_name = _column("customer.name", "客户机构")
    rotated_from_key = _column("rotated_from", "轮换自", link=True)
    issued_by = _column("created_by", "签发人")
    issued_at = _column("created_at", "签发时间")

    @admin.display(description="密钥前缀")
    def prefix_text(self, obj: ApiKey) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="产品范围")
    def products_text(self, obj: ApiKey) -> str:
        return _products_text(obj.products)

    @admin.display(description="区县范围")
    def districts_text(self, obj: ApiKey) -> str:
        names = dict(_districts().values_list("schema_name", "name"))
        return "、".join(names.get(s, s) for s in obj.districts)

    @admin.display(description="状态")
    def state(self, obj: ApiKey) -> str:
        if obj.revoked_at is not None:
            return "已吊销"
        return "已过期" if obj.expires_at <= timezone.now() else "有效"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/rotate/", view(self.rotate_view), name="billing_apikey_rotate"),
            path("<int:pk>/revoke/", view(self.revoke_view), name="billing_apikey_revoke"),
            *super().get_urls(),
        ]

    def _secret_page(
        self, request: HttpRequest, key: ApiKey, secret: str, *, old: ApiKey | None = None
    ) -> TemplateResponse:
        """The only place the secret is ever shown (it is stored as its hash)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "密钥已轮换" if old else "密钥已签发",
            "key": key,
            "secret": secret,
            "old": old,
            "products": _products_text(key.products),
            "districts": self.districts_text(key),
        }
        return TemplateResponse(request, "admin/billing/apikey/secret.html", context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = KeyIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                key, secret = api_key_issue(
                    actor=_actor(request),
                    customer=form.cleaned_data["customer"],
                    scope=form.scope(),
                )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                return self._secret_page(request, key, secret)
        return _form_page(self, request, form=form, title="签发接口密钥", submit="签发",
                          notice="密钥只在签发后显示一次，请让机构当场妥善保存。")  # fmt: skip

    def _key(self, request: HttpRequest, pk: int) -> ApiKey:
        _require(request, "billing.change_apikey")
        key = ApiKey.objects.select_related("customer").filter(pk=pk).first()
        if key is None:
            raise Http404("没有该密钥")
        return key

    def _key_summary(self, key: ApiKey) -> list[tuple[str, object]]:
        return [
            ("客户机构", key.customer.name),
            ("密钥", f"{key.prefix}…（{key.name}）"),
            ("状态", self.state(key)),
            ("过期时间", timezone.localtime(key.expires_at).strftime("%Y-%m-%d %H:%M")),
        ]

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        key = self._key(request, pk)
        form = KeyRotateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new, secret = api_key_rotate(
                    actor=_actor(request), key=key, overlap_hours=form.cleaned_data["overlap_hours"]
                )
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                key.refresh_from_db(fields=["expires_at"])
                return self._secret_page(request, new, secret, old=key)
        return _form_page(self, request, form=form, title="轮换接口密钥", submit="轮换",
                          original=key, summary=self._key_summary(key),
                          notice="轮换签发一个范围相同的新密钥，新密钥只显示一次。")  # fmt: skip

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        key = self._key(request, pk)
        form = KeyRevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                api_key_revoke(actor=_actor(request), key=key, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                messages.success(request, f"密钥{key.prefix}…（{key.name}）已吊销")
                return redirect(_change_url(key))
        return _form_page(self, request, form=form, title="吊销接口密钥", submit="吊销",
                          original=key, summary=self._key_summary(key),
                          notice="吊销立即生效，不能撤销。")  # fmt: skip


# --- Ledger, top-ups, invoices, credit notes (append-only) ------------------------------------


class PeriodFilter(admin.SimpleListFilter):
    title = "账期"
    parameter_name = "period"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        periods = (
            model_admin.get_queryset(request)
            .order_by("-period")
            .values_list("period", flat=True)
            .distinct()
        )
        return [(f"{p:%Y-%m}", f"{p:%Y年%m月}") for p in periods]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        try:
            year, month = (int(part) for part in str(value).split("-"))
            return queryset.filter(period=date(year, month, 1))
        except ValueError:
            return queryset.none()


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
class UsageEventAdmin(_ReadOnly, admin.ModelAdmin[UsageEvent]):
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
        "recorded_by",
        "correct_link",
    )
    list_filter = (
        ("customer", _related_only("客户机构")),
        ("district", _related_only("区县")),
        ("product", _related_only("产品")),
        PeriodFilter,
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
        "recorded_by",
    )
    readonly_fields = (
        "period_text",
        "contract_link",
        "customer_name",
        "district_name",
        "product_name",
        "api_key_link",
        "idempotency",
        "corrects_link",
    )
    contract_link = _column("contract", "合同", link=True)
    customer_name = _column("customer.name", "客户机构")
    district_name = _column("district.name", "区县")
    product_name = _column("product.name", "产品")
    api_key_link = _column("api_key", "接口密钥", link=True)
    idempotency = _column("idempotency_key", "幂等键")
    corrects_link = _column("corrects", "冲正对象", link=True)
    change_list_template = "admin/billing/usageevent/change_list.html"

    @admin.display(description="账期")
    def period_text(self, obj: UsageEvent) -> str:
        return f"{obj.period:%Y年%m月}"

    @admin.display(description="操作")
    def correct_link(self, obj: UsageEvent) -> str:
        if obj.kind == EntryKind.CORRECTION:
            return ""
        url = reverse("admin:billing_usageevent_correct", args=[obj.pk])
        return format_html('<a href="{}">冲正</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("overview/", view(self.overview_view), name="billing_usage_overview"),
            path("<int:pk>/correct/", view(self.correct_view), name="billing_usageevent_correct"),
            *super().get_urls(),
        ]

    def correct_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "billing.add_usageevent")
        event = (
            UsageEvent.objects.select_related("customer", "district", "product", "contract")
            .filter(pk=pk)
            .first()
        )
        if event is None:
            raise Http404("没有该流水")
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                correction = usage_correct(actor=_actor(request), event=event,
                                           reason=form.cleaned_data["reason"],
                                           amount=form.cleaned_data["amount"])  # fmt: skip
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                note = CreditNote.objects.filter(correction=correction).first()
                messages.success(
                    request,
                    f"已冲正{-correction.amount_yuan}元（流水#{event.pk}）"
                    + (f"，并出具红字凭证{note.number}" if note else ""),
                )
                return redirect(_change_url(event))
        summary: list[tuple[str, object]] = [
            ("流水", f"#{event.pk}（{event.get_kind_display()}）"),
            ("合同", event.contract.number),
            ("客户机构", event.customer.name),
            ("区县", event.district.name),
            ("产品", event.product.name),
            ("数量", event.units),
            ("金额（元）", event.amount_yuan),
            ("账期", f"{event.period:%Y年%m月}"),
        ]
        return _form_page(self, request, form=form, title="冲正用量流水", submit="冲正",
                          original=event, summary=summary,
                          notice="冲正记一笔反向流水，原流水不变；账期已出账单的，同时出具红字凭证。")  # fmt: skip

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        """用量总览: usage per customer, district and product for a month; closes the period."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        month = month_param(request)
        error = ""
        if request.method == "POST":
            _require(request, "billing.add_invoice")
            try:
                invoices = period_close(period=month, actor=_actor(request))
            except ApplicationError as exc:
                error = exc.message
            else:
                numbers = "、".join(i.number for i in invoices)
                messages.success(
                    request,
                    f"{month:%Y年%m月}账期已关闭，出具账单{len(invoices)}张"
                    + (f"：{numbers}" if numbers else ""),
                )
                return HttpResponseRedirect(
                    f"{reverse('admin:billing_usage_overview')}?month={month:%Y-%m}"
                )
        rows = usage_table(start=month, end=month_end(month))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "用量总览",
            "month": month,
            "rows": rows,
            "total_units": sum(r.units for r in rows),
            "total_amount": sum((r.amount_yuan for r in rows), start=Decimal("0.00")),
            "error": error,
            "can_close": request.user.has_perm("billing.add_invoice"),
        }
        return TemplateResponse(request, "admin/billing/usage_overview.html", context)


@admin.register(WalletTopUp)
class WalletTopUpAdmin(_ReadOnly, admin.ModelAdmin[WalletTopUp]):
    list_display = ("paid_at", "contract_link", "amount_yuan", "balance_after_yuan", "reference",
                    "paid_by")  # fmt: skip
    list_select_related = ("contract",)
    search_fields = ("contract__number", "reference")
    fields = (
        "paid_at",
        "contract_link",
        "amount_yuan",
        "balance_after_yuan",
        "reference",
        "paid_by",
    )
    readonly_fields = ("paid_at", "contract_link", "paid_by")
    paid_at = _column("at", "充值时间")
    contract_link = _column("contract", "合同", link=True)
    paid_by = _column("recorded_by", "记录人")


@admin.register(MonitoringSubscription)
class MonitoringSubscriptionAdmin(_ReadOnly, admin.ModelAdmin[MonitoringSubscription]):
    """Subscriptions are started and ended by institutions over the API and renewed by the
    monthly task; the console shows them."""

    list_display = ("subject_name", "subject_code", "customer_name", "district_name", "since",
                    "charged_through", "ended", "end_reason")  # fmt: skip
    list_select_related = ("customer", "district")
    list_filter = (
        ("customer", _related_only("客户机构")),
        ("district", _related_only("区县")),
        ("ended_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("subject_code", "subject_name", "contract__number")
    fields = ("subject_name", "subject_code", "customer_name", "district_name", "contract_link",
              "since", "charged_through", "ended", "end_reason")  # fmt: skip
    readonly_fields = fields
    customer_name = _column("customer.name", "客户机构")
    district_name = _column("district.name", "区县")
    contract_link = _column("contract", "合同", link=True)
    since = _column("created_at", "订阅时间")
    ended = _column("ended_at", "结束时间")


@admin.register(Invoice)
class InvoiceAdmin(_ReadOnly, admin.ModelAdmin[Invoice]):
    list_display = (
        "number",
        "customer_name",
        "district_name",
        "period_text",
        "mode",
        "total_yuan",
        "tax_yuan",
        "issued_at",
        "downloads",
    )
    list_filter = (
        ("customer", _related_only("客户机构")),
        ("district", _related_only("区县")),
        PeriodFilter,
    )
    list_select_related = ("customer", "district")
    search_fields = ("number", "customer__name")
    fields = (
        "number",
        "customer_name",
        "district_name",
        "contract_link",
        "period_text",
        "mode",
        "lines_table",
        "total_yuan",
        "tax_yuan",
        "tax_rate",
        "credit_note_list",
        "issued_at",
        "checksum",
        "downloads",
    )
    readonly_fields = (
        "period_text",
        "lines_table",
        "credit_note_list",
        "downloads",
        "customer_name",
        "district_name",
        "contract_link",
        "checksum",
    )
    customer_name = _column("customer.name", "客户机构")
    district_name = _column("district.name", "区县")
    contract_link = _column("contract", "合同", link=True)
    checksum = _column("sha256", "PDF 校验值（SHA-256）")
    change_list_template = "admin/billing/invoice/change_list.html"

    @admin.display(description="账期")
    def period_text(self, obj: Invoice) -> str:
        return f"{obj.period:%Y年%m月}"

    @admin.display(description="明细")
    def lines_table(self, obj: Invoice) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((ln["product"], ln["kind"], ln["units"], ln["amount_yuan"]) for ln in obj.lines),
        )
        return format_html(
            "<table><tr><th>产品</th><th>类型</th><th>数量</th><th>金额（元，含税）</th></tr>"
            "{}</table>",
            rows,
        )

    @admin.display(description="红字凭证")
    def credit_note_list(self, obj: Invoice) -> str:
        notes = obj.credit_notes.order_by("issued_at")
        return "；".join(f"{n.number} {n.amount_yuan}元（{n.reason}）" for n in notes) or "无"

    @admin.display(description="下载")
    def downloads(self, obj: Invoice) -> str:
        return format_html(
            '<a href="{}">PDF</a> <a href="{}">CSV</a>',
            reverse("admin:billing_invoice_pdf", args=[obj.pk]),
            reverse("admin:billing_invoice_csv", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", view(self._download(invoice_pdf_response)),
                 name="billing_invoice_pdf"),
            path("<int:pk>/csv/", view(self._download(invoice_csv_response)),
                 name="billing_invoice_csv"),
            *super().get_urls(),
        ]  # fmt: skip

    def _download(
        self, respond: Callable[[Invoice], HttpResponse]
    ) -> Callable[[HttpRequest, int], HttpResponse]:
        def download(request: HttpRequest, pk: int) -> HttpResponse:
            if not self.has_view_permission(request):
                raise PermissionDenied
            invoice = (
                Invoice.objects.select_related("customer", "district", "contract")
                .filter(pk=pk)
                .first()
            )
            if invoice is None:
                raise Http404("没有该账单")
            return respond(invoice)

        return download


@admin.register(CreditNote)
class CreditNoteAdmin(_ReadOnly, admin.ModelAdmin[CreditNote]):
    list_display = ("number", "invoice_link", "amount_yuan", "reason", "issued")
    list_select_related = ("invoice",)
    search_fields = ("number", "invoice__number")
    fields = ("number", "invoice_link", "correction_link", "amount_yuan", "reason", "issued")
    readonly_fields = ("invoice_link", "correction_link", "issued")
    invoice_link = _column("invoice", "账单", link=True)
    correction_link = _column("correction", "冲正流水", link=True)
    issued = _column("issued_at", "出具时间")
