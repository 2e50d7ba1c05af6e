"""The institution pages on the operator's domain (/institution/): a customer's own logins see
their contracts with this month's usage and balances, usage per month, their invoices, and their
webhook endpoints for monitoring events (变动推送) with the delivery log, and their own API keys
(接口密钥), issued, rotated and revoked within the limits the operator set for the customer.

A login sees only its own customer's data: the customer comes from its CustomerMember row, never
from the URL, and an invoice number of another customer is a 404 like a missing one."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing.enums import BulkProduct, ProductCode
from billing.http import (
    district_absolute,
    invoice_csv_response,
    invoice_pdf_response,
    job_results_response,
    month_end,
    month_param,
    product_param,
    usage_export_response,
)
from billing.models import ApiKey, BulkJob, Contract, Customer, Invoice, WebhookEndpoint
from billing.selectors import (
    call_rows,
    contract_standing_list,
    customer_get_for_user,
    invoice_access_by_number,
    invoices_of,
    usage_calls,
    usage_table,
    webhook_deliveries_of,
    webhook_delivery_of,
    webhook_endpoint_of,
    webhook_endpoints_of,
)
from billing.services.bulk_jobs import bulk_job_submit, codes_from_file
from billing.services.keys import (
    KeyScope,
    institution_key_issue,
    institution_key_revoke,
    institution_key_rotate,
)
from billing.services.sandbox import SANDBOX_MAX_KEYS, sandbox_district, sandbox_key_issue
from billing.services.webhooks import (
    webhook_create,
    webhook_enable,
    webhook_redeliver,
    webhook_rotate,
)
from core.accounts.forms import LoginForm, password_set_by_link
from core.accounts.services import LINK_INVALID, login_link_peek
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.forms import date_input, form_submit
from tenants.enums import DistrictKind
from tenants.models import District

LOGIN_URL = "/institution/login/"

MemberView = Callable[..., HttpResponseBase]
CALLS_PER_PAGE = 50


class InstitutionLoginView(LoginView):
    template_name = "billing/institution/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "/institution/"


class InstitutionLogoutView(LogoutView):
    next_page = LOGIN_URL


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link from the operator: the new institution login sets its password."""
    try:
        account = login_link_peek(token=token)
    except ApplicationError as exc:
        return render(request, "billing/institution/link_invalid.html", {"message": exc.message},
                      status=404)  # fmt: skip
    customer = customer_get_for_user(account.pk)
    if customer is None:  # an operator's own account: its links are not redeemed here
        return render(request, "billing/institution/link_invalid.html",
                      {"message": LINK_INVALID}, status=404)  # fmt: skip
    form, signed_in = password_set_by_link(request, token)
    if signed_in:
        return redirect("institution-home")
    return render(request, "billing/institution/welcome.html",
                  {"form": form, "account": account, "customer": customer})  # fmt: skip


def member_required(view: MemberView) -> Callable[..., HttpResponseBase]:
    """Signed in, and a member of a customer (passed to the view); otherwise the login page or a
    403 page that says why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        customer = customer_get_for_user(request.user.pk)
        if customer is None:
            return render(request, "billing/institution/forbidden.html", status=403)
        return view(request, customer, *args, **kwargs)

    return wrapper


@member_required
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Contracts per district: mode, caps, usage this month, what is left, wallet and packages."""
    today = timezone.localdate()
    standings = contract_standing_list(customer_id=customer.pk, day=today)
    return render(request, "billing/institution/home.html",
                  {"customer": customer, "standings": standings, "today": today})  # fmt: skip


@member_required
def usage(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Usage per district and product for a month, then every entry of the month (paginated,
    filterable by product) with the invoice line it fell on; exported as CSV or XLSX."""
    month = month_param(request)
    product = product_param(request)
    rows = usage_table(start=month, end=month_end(month), customer_id=customer.pk)
    page = Paginator(usage_calls(customer_id=customer.pk, month=month, product=product),
                     CALLS_PER_PAGE).get_page(request.GET.get("page"))  # fmt: skip
    return render(request, "billing/institution/usage.html", {
        "customer": customer, "month": month, "rows": rows,
        "total_units": sum(r.units for r in rows),
        "total_amount": sum((r.amount_yuan for r in rows), start=Decimal("0.00")),
        "product": product, "products": ProductCode.choices, "page": page,
        "calls": call_rows(list(page.object_list)),
    })  # fmt: skip


@member_required
def usage_export(request: HttpRequest, customer: Customer) -> HttpResponse:
    return usage_export_response(request, customer)


@member_required
def invoices(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(request, "billing/institution/invoices.html",
                  {"customer": customer, "invoices": invoices_of(customer.pk)})  # fmt: skip


def _own_invoice(customer: Customer, number: str) -> Invoice:
    """The customer's invoice with this number; another customer's is a 404 like a missing one."""
    try:
        return invoice_access_by_number(customer_id=customer.pk, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from None


@member_required
def invoice_pdf(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    return invoice_pdf_response(_own_invoice(customer, number))


@member_required
def invoice_csv(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    return invoice_csv_response(_own_invoice(customer, number))


# --- 变动推送 (webhooks): endpoints, their secret (shown once), the delivery log ---------------


class WebhookForm(forms.Form):
    contract = forms.TypedChoiceField(label="合同", coerce=int, choices=())
    url = forms.CharField(
        label="回调地址", max_length=500, help_text="须为 https:// 开头、可从公网访问的地址"
    )
    description = forms.CharField(label="说明", max_length=200, required=False)
    daily_digest = forms.BooleanField(
        label="每日邮件汇总",
        required=False,
        help_text="每天上午将前一日的推送条数和失败条数发送到贵机构的联系邮箱",
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contracts = Contract.objects.select_related("district").filter(customer=customer)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.district.name} · {c.number}") for c in contracts
        ]


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, schema="public")  # type: ignore[arg-type]


def _own_endpoint(customer: Customer, pk: int) -> WebhookEndpoint:
    try:
        return webhook_endpoint_of(customer_id=customer.pk, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@member_required
def webhooks(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The customer's endpoints, and a new one (its secret is shown once, on the next page)."""
    form = WebhookForm(request.POST or None, customer=customer)

    def create(data: dict[str, Any]) -> HttpResponse:
        endpoint, secret = webhook_create(
            actor=_actor(request), customer=customer, contract_id=data["contract"],
            url=data["url"], description=data["description"], daily_digest=data["daily_digest"],
        )  # fmt: skip
        return render(request, "billing/institution/webhook_secret.html",
                      {"customer": customer, "endpoint": endpoint, "secret": secret,
                       "created": True})  # fmt: skip

    done = form_submit(request, form, create)
    if done is not None:
        return done
    return render(request, "billing/institution/webhooks.html",
                  {"customer": customer, "form": form,
                   "endpoints": webhook_endpoints_of(customer.pk)})  # fmt: skip


@member_required
def webhook_detail(request: HttpRequest, customer: Customer, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(customer, pk)
    return render(request, "billing/institution/webhook.html", {
        "customer": customer, "endpoint": endpoint, "now": timezone.now(),
        "deliveries": webhook_deliveries_of(endpoint.pk),
    })  # fmt: skip


@require_POST
@member_required
def webhook_rotate_view(request: HttpRequest, customer: Customer, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(customer, pk)
    secret = webhook_rotate(actor=_actor(request), endpoint=endpoint)
    endpoint.refresh_from_db()
    return render(request, "billing/institution/webhook_secret.html",
                  {"customer": customer, "endpoint": endpoint, "secret": secret})  # fmt: skip


@require_POST
@member_required
def webhook_toggle(request: HttpRequest, customer: Customer, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(customer, pk)
    webhook_enable(actor=_actor(request), endpoint=endpoint, enabled=not endpoint.enabled)
    messages.success(request, "已启用该推送地址" if endpoint.enabled else "已停用该推送地址")
    return redirect("institution-webhook", pk=endpoint.pk)


@require_POST
@member_required
def webhook_redeliver_view(
    request: HttpRequest, customer: Customer, pk: int, delivery_pk: int
) -> HttpResponse:
    endpoint = _own_endpoint(customer, pk)
    try:
        delivery = webhook_delivery_of(endpoint=endpoint, pk=delivery_pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    webhook_redeliver(actor=_actor(request), delivery=delivery)
    messages.success(request, f"已安排重新推送事件 {delivery.event_id}")
    return redirect("institution-webhook", pk=endpoint.pk)


# --- 接口密钥 (API keys): issued, rotated and revoked by the institution itself, within the
# operator's limits (billing/services/keys.py `key_limits_check`); the secret is shown once. ---


class KeyForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="用途，如 信贷审批系统")
    districts = forms.MultipleChoiceField(
        label="区县范围", choices=(), widget=forms.CheckboxSelectMultiple
    )
    products = forms.MultipleChoiceField(
        label="产品范围", choices=ProductCode.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label="有效期至", widget=date_input(),
        help_text="不晚于所选区县合同的截止日期",
    )  # fmt: skip
    allowed_ips = forms.CharField(
        label="来源地址白名单", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 30}),
        help_text="每行一个地址或网段，如 203.0.113.0/24；留空为不限来源",
    )  # fmt: skip
    rate_per_minute = forms.IntegerField(label="每分钟调用上限", initial=60, min_value=1)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        contracts = (
            Contract.objects.select_related("district")
            .filter(customer=customer, status="active", valid_from__lte=today,
                    district__kind=DistrictKind.DISTRICT)  # sandbox keys have their own form
            .exclude(valid_until__lt=today)
        )  # fmt: skip
        self.fields["districts"].choices = [  # type: ignore[attr-defined]
            (c.district.schema_name, c.district.name) for c in contracts
        ]
        self.fields["expires_on"].initial = today + timedelta(days=365)
        self.fields["rate_per_minute"].initial = min(60, customer.keys_rate_ceiling)

    def scope(self) -> KeyScope:
        data = self.cleaned_data
        return KeyScope(
            name=data["name"], products=list(data["products"]),
            districts=list(data["districts"]),
            expires_at=datetime.combine(data["expires_on"], time(23, 59, 59),
                                        tzinfo=timezone.get_current_timezone()),
            allowed_ips=[n.strip() for n in data["allowed_ips"].splitlines() if n.strip()],
            rate_per_minute=data["rate_per_minute"],
        )  # fmt: skip


class SandboxKeyForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, initial="接口联调",
                           help_text="用途，如 信贷系统联调")  # fmt: skip
    products = forms.MultipleChoiceField(
        label="产品范围", choices=ProductCode.choices, widget=forms.CheckboxSelectMultiple,
        initial=list(ProductCode.values),
    )  # fmt: skip


class KeyRevokeForm(forms.Form):
    reason = forms.CharField(label="吊销原因", max_length=300)


def _own_key(customer: Customer, pk: int) -> ApiKey:
    """The customer's key; another customer's is a 404 like a missing one."""
    key = ApiKey.objects.select_related("customer").filter(customer=customer, pk=pk).first()
    if key is None:
        raise Http404("没有该密钥")
    return key


def _key_secret_page(
    request: HttpRequest, customer: Customer, key: ApiKey, secret: str, old: ApiKey | None = None
) -> HttpResponse:
    """The only place the secret is ever shown (it is stored as its hash)."""
    response = render(request, "billing/institution/key_secret.html",
                      {"customer": customer, "key": key, "secret": secret, "old": old})  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response


@member_required
def keys(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The customer's keys (every one, whoever issued it), and a new one within the limits."""
    form = KeyForm(request.POST or None, customer=customer)

    def issue(data: dict[str, Any]) -> HttpResponse:
        key, secret = institution_key_issue(
            actor=_actor(request), customer=customer, scope=form.scope(), self_service=True
        )
        return _key_secret_page(request, customer, key, secret)

    done = form_submit(request, form, issue) if customer.keys_self_service_max else None
    if done is not None:
        return done
    now = timezone.now()
    rows = list(ApiKey.objects.filter(customer=customer).order_by("-created_at"))
    names = dict(District.objects.values_list("schema_name", "name"))
    return render(request, "billing/institution/keys.html", {
        "customer": customer, "form": form, "now": now,
        "sandbox_form": SandboxKeyForm(prefix="sandbox"), "sandbox_max": SANDBOX_MAX_KEYS,
        "sandbox_open": sandbox_district() is not None,
        "keys": [(k, "、".join(str(dict(ProductCode.choices).get(p, p)) for p in k.products),
                  "、".join(names.get(s, s) for s in k.districts),
                  "已吊销" if k.revoked_at else "已过期" if k.expires_at <= now else "有效")
                 for k in rows],
        "active": sum(1 for k in rows
                      if not k.sandbox and k.revoked_at is None and k.expires_at > now),
        "revoke_form": KeyRevokeForm(),
    })  # fmt: skip


@require_POST
@member_required
def sandbox_key_new(request: HttpRequest, customer: Customer) -> HttpResponse:
    """A `ck_test_` key for the developers' sandbox (billing/services/sandbox.py)."""
    form = SandboxKeyForm(request.POST, prefix="sandbox")
    if not form.is_valid():
        messages.error(request, "请填写沙箱密钥的名称并选择产品")
        return redirect("institution-keys")
    try:
        key, secret = sandbox_key_issue(
            actor=_actor(request), customer=customer, name=form.cleaned_data["name"],
            products=list(form.cleaned_data["products"]),
        )  # fmt: skip
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("institution-keys")
    return _key_secret_page(request, customer, key, secret)


@require_POST
@member_required
def key_rotate(request: HttpRequest, customer: Customer, pk: int) -> HttpResponse:
    key = _own_key(customer, pk)
    try:
        new, secret = institution_key_rotate(actor=_actor(request), key=key, self_service=True)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("institution-keys")
    key.refresh_from_db(fields=["expires_at"])
    return _key_secret_page(request, customer, new, secret, old=key)


@require_POST
@member_required
def key_revoke(request: HttpRequest, customer: Customer, pk: int) -> HttpResponse:
    key = _own_key(customer, pk)
    form = KeyRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请说明吊销原因")
        return redirect("institution-keys")
    institution_key_revoke(actor=_actor(request), key=key, reason=form.cleaned_data["reason"])
    messages.success(request, f"密钥{key.prefix}…（{key.name}）已吊销")
    return redirect("institution-keys")


# --- 批量任务 (bulk jobs): upload a CSV/XLSX of codes, follow progress, download results --------


class BulkJobForm(forms.Form):
    contract = forms.TypedChoiceField(label="合同", coerce=int, choices=())
    product = forms.ChoiceField(label="产品", choices=BulkProduct.choices)
    purpose = forms.CharField(label="查询用途", max_length=200)
    file = forms.FileField(
        label="代码文件",
        help_text="CSV（UTF-8或GBK）或XLSX，第一列为统一社会信用代码，至多100000行",
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contracts = Contract.objects.select_related("district").filter(customer=customer)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.district.name} · {c.number}") for c in contracts
        ]


def _own_job(customer: Customer, pk: int) -> BulkJob:
    job = (
        BulkJob.objects.select_related("contract__district")
        .filter(pk=pk, contract__customer=customer)
        .first()
    )
    if job is None:
        raise Http404("没有该批量任务")
    return job


def _verify_url(request: HttpRequest, district: District) -> str:
    """The district's report verification page (reports print it), on its own domain."""
    return district_absolute(request, district, "/reports/verify/")


@member_required
def jobs(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The customer's bulk jobs with their progress, and a new one from an uploaded file."""
    form = BulkJobForm(request.POST or None, request.FILES or None, customer=customer)

    def submit(data: dict[str, Any]) -> HttpResponse:
        contract = Contract.objects.get(pk=data["contract"], customer=customer)
        upload = data["file"]
        codes = codes_from_file(upload, upload.name, upload.size)
        job = bulk_job_submit(
            contract=contract, key=None, product=data["product"], codes=codes,
            purpose=data["purpose"], idempotency_key=f"upload-{secrets.token_hex(12)}",
            source=upload.name, created_by=f"user:{request.user.get_username()}",
            actor=_actor(request), verify_url=_verify_url(request, contract.district),
        )  # fmt: skip
        messages.success(request, f"已提交批量任务{job.pk}：共{job.total}行")
        return redirect("institution-jobs")

    done = form_submit(request, form, submit)
    if done is not None:
        return done
    listed = BulkJob.objects.select_related("contract__district").filter(
        contract__customer=customer
    )[:100]
    return render(request, "billing/institution/jobs.html",
                  {"customer": customer, "form": form, "jobs": listed})  # fmt: skip


@member_required
def job_results(request: HttpRequest, customer: Customer, pk: int, fmt: str) -> HttpResponseBase:
    return job_results_response(request, _own_job(customer, pk), fmt)
