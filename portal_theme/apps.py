from django.apps import AppConfig


class PortalThemeConfig(AppConfig):
    """The HTML interface: the portal's and the staff console's views, templates, static files
    and template tags. No models (a district's theme and articles are core.content's)."""

    name = "portal_theme"
    label = "web"
    verbose_name = "门户与管理后台界面"
