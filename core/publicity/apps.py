from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "core.publicity"
    label = "publicity"
    verbose_name = "公示期限规则"
