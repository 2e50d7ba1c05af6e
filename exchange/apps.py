from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "区县信息共享"
    default_auto_field = "django.db.models.BigAutoField"
