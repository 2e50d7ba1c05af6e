from django.apps import AppConfig


class ExchangeDistrictConfig(AppConfig):
    name = "exchange.district"
    label = "exchange_district"
    verbose_name = "信息共享（区县）"
    default_auto_field = "django.db.models.BigAutoField"
