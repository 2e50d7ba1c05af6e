from django.apps import AppConfig


class UpstreamConfig(AppConfig):
    name = "core.upstream"
    label = "upstream"
    verbose_name = "上级平台报送"
