from django.apps import AppConfig


class PortalThemeConfig(AppConfig):
    name = "portal_theme"
    label = "portal_theme"
    verbose_name = "门户与主题"
