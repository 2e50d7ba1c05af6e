"""Customers (the institutions that buy reports and scores) and their members, the institution
logins: opened, sent a new one-time login link, or deactivated from the customer's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from billing.admin import base
from billing.enums import ProductCode
from billing.http import month_param, product_param, usage_export_response
from billing.models import Customer, CustomerMember
from billing.selectors import call_rows, usage_calls
from billing.services.catalogue import customer_create
from billing.services.keys import key_limits_set
from billing.services.members import (
    customer_member_add,
    customer_member_deactivate,
    customer_member_link,
)
from core.common.identifiers import normalise, uscc_problem


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

    def clean_uscc(self) -> str:
        """Normalised, or a Chinese error naming what is wrong (the check customer_create makes)."""
        code = normalise(self.cleaned_data["uscc"])
        problem = uscc_problem(code)
        if problem is not None:
            raise forms.ValidationError(problem.message, code="invalid_uscc")
        return code


class KeyLimitsForm(forms.Form):
    max_keys = forms.IntegerField(
        label="自助密钥数量上限", min_value=0, max_value=50,
        help_text="机构用户可自行签发的有效接口密钥数量上限（含运营方签发的有效密钥）；0为不允许自助管理",
    )  # fmt: skip
    rate_ceiling = forms.IntegerField(
        label="每分钟调用上限", min_value=1, max_value=6000,
        help_text="机构自助签发的密钥每分钟调用上限不得超过此值；产品、区县和有效期以机构的有效合同为限",
    )  # fmt: skip


class MemberForm(forms.Form):
    email = forms.EmailField(label="电子邮箱")
    full_name = forms.CharField(label="姓名", max_length=100)


@admin.register(Customer)
class CustomerAdmin(base.AddThroughServiceAdmin[Customer]):
    list_display = ("name", "uscc", "contact_name", "contact_email", "created")
    search_fields = ("name", "uscc")
    fields = (
        "name",
        "uscc",
        "contact_name",
        "contact_email",
        "webhook_url",
        "webhook_secret_text",
        "key_limits_text",
        "member_list",
        "created",
    )
    readonly_fields = (
        "webhook_secret_text",
        "key_limits_text",
        "member_list",
        "created",
    )
    add_form = CustomerForm
    add_page = base.AddPage("新建客户机构", "创建")

    @admin.display(description="回调签名密钥")
    def webhook_secret_text(self, obj: Customer) -> str:
        """Shown whole, as a literal in <code>: this page is the only place it can be read, and the
        operator hands it to the institution to verify the notices' signatures."""
        return format_html("<code>{}</code>（用于核验通知签名，请转交机构）", obj.webhook_secret)

    @admin.display(description="自助密钥限额")
    def key_limits_text(self, obj: Customer) -> str:
        link = reverse("admin:billing_customer_key_limits", args=[obj.pk])
        if not obj.keys_self_service_max:
            return format_html('不允许自助管理接口密钥 <a href="{}">设定限额</a>', link)
        return format_html('有效密钥至多{}个，每分钟调用上限不超过{}次 <a href="{}">修改</a>',
                           obj.keys_self_service_max, obj.keys_rate_ceiling, link)  # fmt: skip

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

    def extra_urls(self) -> list[base.ExtraUrl]:
        return [
            ("<int:pk>/members/add/", self.member_add_view, "billing_customer_member_add"),
            ("members/<int:pk>/link/", self.member_link_view, "billing_customer_member_link"),
            ("members/<int:pk>/deactivate/", self.member_deactivate_view,
             "billing_customer_member_deactivate"),
            ("<int:pk>/usage/", self.usage_view, "billing_customer_usage"),
            ("<int:pk>/key-limits/", self.key_limits_view, "billing_customer_key_limits"),
            ("<int:pk>/usage/export/", self.usage_export_view, "billing_customer_usage_export"),
        ]  # fmt: skip

    def _viewable(self, request: HttpRequest, pk: int) -> Customer:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return base.row_or_404(Customer.objects.all(), pk, "没有该客户机构")

    def usage_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The customer's entries of a month, as its own usage page lists them (逐笔用量)."""
        customer = self._viewable(request, pk)
        month, product = month_param(request), product_param(request)
        page = Paginator(usage_calls(customer_id=customer.pk, month=month, product=product),
                         50).get_page(request.GET.get("page"))  # fmt: skip
        return self.page(request, "admin/billing/customer/usage.html",
                         title=f"{customer.name} · 逐笔用量", original=customer, month=month,
                         product=product, products=ProductCode.choices, page=page,
                         calls=call_rows(list(page.object_list)))  # fmt: skip

    def usage_export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return usage_export_response(request, self._viewable(request, pk))

    def create(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        customer = customer_create(actor=base.actor_of(request), **data)
        return base.done(request, f"已创建客户机构：{customer.name}", customer)

    def _link_page(
        self, request: HttpRequest, member: CustomerMember, token: str
    ) -> TemplateResponse:
        """The only place the one-time link is shown (only its hash is stored)."""
        link = request.build_absolute_uri(reverse("institution-welcome", args=[token]))
        return self.page(request, "admin/billing/customer/member_link.html",
                         title="机构用户登录链接", original=member.customer, member=member,
                         link=link)  # fmt: skip

    def summary(self, customer: Customer) -> list[tuple[str, object]]:
        return [("客户机构", customer.name)]

    def _member(self, request: HttpRequest, pk: int) -> CustomerMember:
        base.require(request, "billing.change_customer")
        members = CustomerMember.objects.select_related("user", "customer")
        return base.row_or_404(members, pk, "没有该机构用户")

    def _member_summary(self, member: CustomerMember) -> list[tuple[str, object]]:
        return [*self.summary(member.customer), ("机构用户", member.user.email)]

    def key_limits_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """What the institution's logins may issue themselves on /institution/keys/."""
        base.require(request, "billing.change_customer")
        customer = base.row_or_404(Customer.objects.all(), pk, "没有该客户机构")

        def save(data: dict[str, Any]) -> HttpResponse:
            key_limits_set(actor=base.actor_of(request), customer=customer, **data)
            return base.done(request, f"已设定{customer.name}的自助密钥限额", customer)

        form = KeyLimitsForm(request.POST or None, initial={
            "max_keys": customer.keys_self_service_max, "rate_ceiling": customer.keys_rate_ceiling})  # fmt: skip
        return self.form_view(request, form, save, title="自助密钥限额", submit="保存",
                              original=customer,
                              notice="机构用户在机构页面“接口密钥”中自行签发、轮换、吊销密钥时受此限额约束。")  # fmt: skip

    def member_add_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        base.require(request, "billing.change_customer")
        customer = base.row_or_404(Customer.objects.all(), pk, "没有该客户机构")

        def add(data: dict[str, Any]) -> HttpResponse:
            member, token = customer_member_add(
                actor=base.actor_of(request), customer=customer, **data
            )
            return self._link_page(request, member, token)

        return self.form_view(request, MemberForm(request.POST or None), add,
                              title="添加机构用户", submit="开通", original=customer,
                              notice="开通后显示一次性登录链接（有效期内使用一次），请发给该用户设置密码。")  # fmt: skip

    def member_link_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = self._member(request, pk)

        def link(data: dict[str, Any]) -> HttpResponse:
            token = customer_member_link(actor=base.actor_of(request), member=member)
            return self._link_page(request, member, token)

        return self.form_view(request, base.confirmation(request), link,
                              title="重发登录链接", submit="生成新链接", original=member.customer,
                              summary=self._member_summary(member),
                              notice="生成新链接后，此前未使用的链接失效。")  # fmt: skip

    def member_deactivate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        member = self._member(request, pk)

        def deactivate(data: dict[str, Any]) -> HttpResponse:
            customer_member_deactivate(actor=base.actor_of(request), member=member)
            return base.done(request, f"已停用机构用户：{member.user.email}", member.customer)

        return self.form_view(request, base.confirmation(request), deactivate,
                              title="停用机构用户", submit="停用", original=member.customer,
                              summary=self._member_summary(member),
                              notice="停用后该账号不能再登录机构页面。")  # fmt: skip
