from django.apps import AppConfig


class RemediesConfig(AppConfig):
    name = "core.remedies"
    label = "remedies"
    verbose_name = "异议与信用修复"
