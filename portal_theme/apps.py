from django.apps import AppConfig


class PortalThemeConfig(AppConfig):
    """What the HTML interfaces (the staff console `console/`, the portal `portal/`) share:
    templates, static files, template tags, the context processor, search tokens and form
    helpers. No views (they are the interfaces'), no models (a district's theme and articles are
    core.content's)."""

    name = "portal_theme"
    label = "web"
    verbose_name = "门户与管理后台界面"
