"""Billing tables, all in the public schema: the operator keeps them *about* districts.

Money is `Decimal` yuan with two places, VAT included. The ledger (`UsageEvent`), wallet top-ups,
invoices and credit notes are append-only: triggers refuse UPDATE and DELETE (migration 0002), so a
mistake is put right by a compensating entry with a reason, never by an edit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from billing.enums import (
    CHANGE_NAMES,
    BillingMode,
    BulkProduct,
    ContractStatus,
    DeliveryStatus,
    EntryKind,
    JobStatus,
    NoticeMeasure,
    PricingModel,
    ProductCode,
    RowStatus,
)
from core.common.identifiers import normalise, uscc_problem
from core.common.placement import public_model
from tenants.models import District


@public_model
class Product(models.Model):
    """A value-added product a district can sell (the five national kinds are seeded)."""

    code = models.CharField("产品代码", max_length=20, choices=ProductCode.choices, unique=True)
    name = models.CharField("产品名称", max_length=60)
    description = models.TextField("产品说明", blank=True)
    unit = models.CharField("计量单位", max_length=10, default="次")
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "增值产品"
        verbose_name_plural = "增值产品"
        ordering = ("sort", "id")

    def __str__(self) -> str:
        return self.name


@public_model
class Price(models.Model):
    """A district's price for a product from `valid_from` on. Prices are versioned, not edited:
    the row with the latest `valid_from` not after a day is the price of that day."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices")
    model = models.CharField("计价方式", max_length=10, choices=PricingModel.choices)
    unit_price_yuan = models.DecimalField(
        "单价（元，含税）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    # Graduated monthly tiers: [{"up_to": 1000, "unit_price": "8.00"}, {"up_to": null, ...}]
    tiers = JSONField("阶梯", default=list, blank=True)
    package_units = models.PositiveIntegerField("套餐次数", null=True, blank=True)
    package_price_yuan = models.DecimalField(
        "套餐价格（元，含税）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    valid_from = models.DateField("生效日期")
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "产品价格"
        verbose_name_plural = "产品价格"
        ordering = ("district", "product", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "product", "valid_from"], name="price_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district.name}“{self.product}”自{self.valid_from}起的价格"


def validate_uscc(value: str) -> None:
    """The customer's 统一社会信用代码 passes GB 32100's checks (it is printed on invoices)."""
    problem = uscc_problem(normalise(value))
    if problem is not None:
        raise ValidationError(problem.message, code="invalid_uscc")


@public_model
class ContractPrice(models.Model):
    """A contract's own price for a product from `valid_from` on, overriding the district's price
    list: a unit price, a percentage discount off the district's price of the day, or both (the
    unit price less the discount). A version with neither returns the contract to the district's
    price. Versioned like `Price`: a change is a new row from its day, never an edit."""

    contract = models.ForeignKey("Contract", on_delete=models.PROTECT, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="contract_prices")
    unit_price_yuan = models.DecimalField(
        "合同单价（元，含税）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    discount_percent = models.DecimalField(
        "折扣（%）", null=True, blank=True, max_digits=5, decimal_places=2
    )
    valid_from = models.DateField("生效日期")
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "合同价格"
        verbose_name_plural = "合同价格"
        ordering = ("contract", "product", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "valid_from"], name="contract_price_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(unit_price_yuan__isnull=True) | Q(unit_price_yuan__gte=0),
                name="contract_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="contract_discount_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"合同{self.contract}“{self.product}”自{self.valid_from}起的价格"


@public_model
class Customer(models.Model):
    """An institution (bank, insurer, guarantor) that buys products."""

    name = models.CharField("机构名称", max_length=200)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc]
    )
    contact_name = models.CharField("联系人", max_length=100, blank=True)
    contact_email = models.EmailField("联系邮箱")
    webhook_url = models.URLField("通知回调地址", blank=True)
    webhook_secret = models.CharField("回调签名密钥", max_length=64)
    # What the institution's own logins may issue on /institution/keys/ (0 keys: not at all).
    # Products, districts and expiry are bounded by its active contracts.
    keys_self_service_max = models.PositiveSmallIntegerField("自助密钥数量上限", default=0)
    keys_rate_ceiling = models.PositiveIntegerField("自助密钥每分钟调用上限", default=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "客户机构"
        verbose_name_plural = "客户机构"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


@public_model
class CustomerMember(models.Model):
    """An operator-domain login that sees one customer's usage and invoices (never staff)."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="customer_membership"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = "机构用户"
        verbose_name_plural = "机构用户"

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.customer_id}"


@public_model
class Contract(models.Model):
    """What a customer may buy in one district and how it pays. The contract row is the lock every
    metered call takes (billing/lock_objects.py), so caps, wallets and packages are exact."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField("合同编号", max_length=40, unique=True)
    mode = models.CharField("付费方式", max_length=10, choices=BillingMode.choices)
    products = JSONField("可购产品", default=list)
    monthly_cap_units = models.PositiveIntegerField("月度次数上限", null=True, blank=True)
    monthly_cap_yuan = models.DecimalField(
        "月度金额上限（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    wallet_balance_yuan = models.DecimalField(
        "预付余额（元）", default=0, max_digits=14, decimal_places=2
    )
    status = models.CharField(
        "状态", max_length=10, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期", null=True, blank=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "客户合同"
        verbose_name_plural = "客户合同"
        ordering = ("customer", "district")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "district"],
                condition=Q(status="active"),
                name="contract_one_active_per_district",
            ),
            models.CheckConstraint(
                condition=Q(wallet_balance_yuan__gte=0), name="contract_wallet_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number


@public_model
class PackageBalance(models.Model):
    """Units left of the prepaid packages a contract bought for one product."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="packages")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    units_remaining = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "套餐余量"
        verbose_name_plural = "套餐余量"
        constraints = [
            models.UniqueConstraint(fields=["contract", "product"], name="package_one_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}/{self.product_id}: {self.units_remaining}"


@public_model
class ApiKey(models.Model):
    """An institution's credential. The secret is shown once and stored as its SHA-256."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    products = JSONField("产品范围", default=list)
    districts = JSONField("区县范围", default=list)  # schema names
    allowed_ips = JSONField("来源地址白名单", default=list, blank=True)  # CIDR strings
    rate_per_minute = models.PositiveIntegerField("每分钟调用上限", default=60)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rotated_to"
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    # Issued by the institution's own login (within the customer's limits), not the operator.
    self_service = models.BooleanField("机构自助签发", default=False)
    # A `ck_test_` key: answers only in the developers' sandbox (generated data, never charged).
    sandbox = models.BooleanField("沙箱密钥", default=False)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


@public_model
class UsageEvent(models.Model):
    """One line of the ledger. Append-only. A charge carries the caller's idempotency key and what
    was served (`response`), so a retry is answered from here and charged nothing."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="events")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="usage_events")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField("类型", max_length=12, choices=EntryKind.choices)
    idempotency_key = models.CharField(max_length=64, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)  # sha256 of the call's parameters
    units = models.IntegerField("数量")
    amount_yuan = models.DecimalField("金额（元，含税）", max_digits=14, decimal_places=2)
    period = models.DateField("账期")  # first day of the month the entry belongs to
    occurred_at = models.DateTimeField("发生时间", default=timezone.now)
    reference = models.CharField("业务凭证", max_length=64, blank=True)  # report number, ...
    response = JSONField(default=dict, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.CharField("原因", max_length=300, blank=True)
    recorded_by = models.CharField("记录人", max_length=254)
    # A charge drawn from a prepaid package (its units come back to the package if corrected).
    from_package = models.BooleanField("套餐内调用", default=False)
    # Who the call was about, already masked (persons: 张* 5001**********1234; organisations:
    # name and code as published), for the institution's per-call list and export.
    subject = models.TextField("查询主体（脱敏）", blank=True, default="")

    class Meta:
        verbose_name = "用量流水"
        verbose_name_plural = "用量流水"
        ordering = ("-occurred_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="usage_idempotency_unique",
            )
        ]
        indexes = [models.Index(fields=["contract", "period"], name="usage_contract_period")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.product_id} {self.amount_yuan}"


@public_model
class UsageRollup(models.Model):
    """Units and amount per contract, product and day, kept in the transaction of each entry.
    Current usage (caps, tiers, pages) is read from here, never by summing the ledger."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="rollups")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    district = models.ForeignKey(District, on_delete=models.PROTECT)
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    day = models.DateField()
    units = models.IntegerField(default=0)
    amount_yuan = models.DecimalField(default=0, max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "用量汇总"
        verbose_name_plural = "用量汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "day"], name="rollup_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.product_id} {self.day}: {self.units}"


@public_model
class WalletTopUp(models.Model):
    """Money paid into a prepaid contract's wallet. Append-only."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="top_ups")
    amount_yuan = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    balance_after_yuan = models.DecimalField("充值后余额（元）", max_digits=14, decimal_places=2)
    reference = models.CharField("付款凭证", max_length=100)
    recorded_by = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "预付充值"
        verbose_name_plural = "预付充值"
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.contract_id} +{self.amount_yuan}"


@public_model
class ThresholdNotice(models.Model):
    """A notice that usage reached 80/90/100 % of a cap or a wallet, sent once per basis (the month
    for caps, the last top-up for wallets)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="notices")
    measure = models.CharField(max_length=10, choices=NoticeMeasure.choices)
    basis = models.CharField(max_length=30)  # "2026-11" or "topup:17"
    threshold = models.PositiveSmallIntegerField()
    used = models.CharField(max_length=40)  # what was used of what, for the message
    created_at = models.DateTimeField(default=timezone.now)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_status = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "用量提醒"
        verbose_name_plural = "用量提醒"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "measure", "basis", "threshold"], name="notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.measure} {self.threshold}%"


@public_model
class Invoice(models.Model):
    """One contract's month, issued at period close. Immutable once written."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField("账单编号", max_length=40, unique=True)
    period = models.DateField("账期")
    lines = JSONField("明细", default=list)
    total_yuan = models.DecimalField("合计（元，含税）", max_digits=14, decimal_places=2)
    tax_yuan = models.DecimalField("其中税额（元）", max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField("税率", max_digits=4, decimal_places=2)
    mode = models.CharField("付费方式", max_length=10, choices=BillingMode.choices)
    stored_pdf = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField("出具时间", default=timezone.now)

    class Meta:
        verbose_name = "月度账单"
        verbose_name_plural = "月度账单"
        ordering = ("-period", "customer")
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="invoice_one_per_period")
        ]

    def __str__(self) -> str:
        return self.number


@public_model
class CreditNote(models.Model):
    """A correction to an issued invoice (the ledger's compensating entry it accounts for)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    correction = models.OneToOneField(UsageEvent, on_delete=models.PROTECT)
    number = models.CharField("红字凭证编号", max_length=40, unique=True)
    amount_yuan = models.DecimalField("金额（元，含税）", max_digits=14, decimal_places=2)
    reason = models.CharField("原因", max_length=300)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "红字凭证"
        verbose_name_plural = "红字凭证"
        ordering = ("-issued_at",)

    def __str__(self) -> str:
        return self.number


@public_model
class MonitoringSubscription(models.Model):
    """One subject an institution monitors in one district (信用监测订阅). Charged one unit for
    the month it starts in, then one unit at the start of every month while it is active
    (`charged_through` is the last month paid). Changes to the subject's records after
    `created_at` appear in the institution's feed."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="monitored")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    district = models.ForeignKey(District, on_delete=models.PROTECT)
    subject_code = models.CharField("统一社会信用代码", max_length=18)
    subject_name = models.CharField("主体名称", max_length=200)
    created_at = models.DateTimeField("订阅时间", default=timezone.now)
    charged_through = models.DateField("已付费至（月）")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "信用监测订阅"
        verbose_name_plural = "信用监测订阅"
        ordering = ("subject_code",)
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "subject_code"],
                condition=Q(ended_at__isnull=True),
                name="monitoring_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_name}（{self.subject_code}）"


@public_model
class WebhookEndpoint(models.Model):
    """An address of the institution's that receives its contract's monitoring events as signed
    JSON POSTs (billing/services/webhooks.py). `cursor` is the pull feed's cursor of the last
    event turned into deliveries; the signing secret is kept (it signs every delivery) and, after
    a rotation, the previous one signs too until `previous_valid_until`."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="webhooks")
    url = models.CharField("回调地址", max_length=500)
    description = models.CharField("说明", max_length=200, blank=True)
    enabled = models.BooleanField("启用", default=True)
    daily_digest = models.BooleanField("每日邮件汇总", default=False)
    secret = models.CharField(max_length=64)
    previous_secret = models.CharField(max_length=64, blank=True)
    previous_valid_until = models.DateTimeField("原密钥有效至", null=True, blank=True)
    cursor = models.CharField(max_length=100, blank=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "变动推送地址"
        verbose_name_plural = "变动推送地址"
        ordering = ("contract", "-created_at")

    def __str__(self) -> str:
        return self.url


@public_model
class WebhookDelivery(models.Model):
    """One monitoring event for one endpoint: sent until the receiver answers 2xx, retried with
    backoff until `retry_until`, then failed. `event_id` is the pull feed's id of the event."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.CharField("事件编号", max_length=100)
    change = models.CharField("变动类型", max_length=20)
    payload = JSONField(default=dict)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    response_code = models.PositiveSmallIntegerField("应答状态码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    retry_until = models.DateTimeField("重试截止")
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    failed_at = models.DateTimeField("失败时间", null=True, blank=True)

    class Meta:
        verbose_name = "变动推送记录"
        verbose_name_plural = "变动推送记录"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.event_id}"

    @property
    def change_label(self) -> str:
        return CHANGE_NAMES.get(self.change, self.change)


@public_model
class BulkJob(models.Model):
    """A bulk job (批量任务): up to 100,000 codes for one product, processed in chunks by a task;
    each found row is charged through the metered call with the key `job:<id>:<row>`."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="bulk_jobs")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, null=True, blank=True)
    product = models.CharField("产品", max_length=20, choices=BulkProduct.choices)
    purpose = models.CharField("查询用途", max_length=200)
    idempotency_key = models.CharField("幂等键", max_length=64)
    fingerprint = models.CharField(max_length=64)
    source = models.CharField("来源", max_length=200, blank=True)  # "api" or the file's name
    # Where the reports of a basic-report job say they can be checked (the district's
    # verification page, absolute): known when the job is submitted, not in the task.
    verify_url = models.CharField("报告验证地址", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveIntegerField("总行数")
    done = models.PositiveIntegerField("已处理行数", default=0)
    found = models.PositiveIntegerField("查得行数", default=0)
    amount_yuan = models.DecimalField(
        "金额（元，含税）", max_digits=14, decimal_places=2, default=0
    )
    stop_reason = models.CharField("停止原因", max_length=300, blank=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量任务"
        verbose_name_plural = "批量任务"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "idempotency_key"], name="bulk_job_idempotency_unique"
            )
        ]

    def __str__(self) -> str:
        return f"批量任务{self.pk}"


@public_model
class BulkJobRow(models.Model):
    """One code of a bulk job, its status, reason and answer."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField("行号")
    code = models.CharField("代码", max_length=40)
    status = models.CharField(
        "状态", max_length=12, choices=RowStatus.choices, default=RowStatus.PENDING
    )
    reason = models.CharField("说明", max_length=300, blank=True)
    result = JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "批量任务明细"
        verbose_name_plural = "批量任务明细"
        ordering = ("job", "row")
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="bulk_row_once")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"
