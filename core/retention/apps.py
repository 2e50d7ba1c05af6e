from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "core.retention"
    label = "retention"
    verbose_name = "不良信息保存期限"
