# Webhook endpoints and their delivery log (issue 24).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_customer_uscc_validated"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("url", models.CharField(max_length=500, verbose_name="回调地址")),
                ("description", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("enabled", models.BooleanField(default=True, verbose_name="启用")),
                ("daily_digest", models.BooleanField(default=False, verbose_name="每日邮件汇总")),
                ("secret", models.CharField(max_length=64)),
                ("previous_secret", models.CharField(blank=True, max_length=64)),
                (
                    "previous_valid_until",
                    models.DateTimeField(blank=True, null=True, verbose_name="原密钥有效至"),
                ),
                ("cursor", models.CharField(blank=True, max_length=100)),
                ("created_by", models.CharField(max_length=254)),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="创建时间"
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="webhooks",
                        to="billing.contract",
                    ),
                ),
            ],
            options={
                "verbose_name": "变动推送地址",
                "verbose_name_plural": "变动推送地址",
                "ordering": ("contract", "-created_at"),
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_id", models.CharField(max_length=100, verbose_name="事件编号")),
                ("change", models.CharField(max_length=20, verbose_name="变动类型")),
                ("payload", models.JSONField(default=dict)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待送达"),
                            ("delivered", "已送达"),
                            ("failed", "失败"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="尝试次数")),
                (
                    "response_code",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="应答状态码"
                    ),
                ),
                (
                    "last_error",
                    models.CharField(blank=True, max_length=300, verbose_name="最近错误"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="生成时间"
                    ),
                ),
                (
                    "next_attempt_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="下次尝试"),
                ),
                ("retry_until", models.DateTimeField(verbose_name="重试截止")),
                (
                    "delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="送达时间"),
                ),
                ("failed_at", models.DateTimeField(blank=True, null=True, verbose_name="失败时间")),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deliveries",
                        to="billing.webhookendpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "变动推送记录",
                "verbose_name_plural": "变动推送记录",
                "ordering": ("-created_at", "-id"),
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["next_attempt_at"],
                        name="delivery_due",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("endpoint", "event_id"), name="delivery_once")
                ],
            },
        ),
    ]
