from django.apps import AppConfig


class ContentConfig(AppConfig):
    """A district's portal content and look: its theme (name, colours, logo, contacts) and the
    articles staff publish (法律法规, 政策指引, 信用动态 …). The label stays `portal_theme`, under
    which the tables and migrations were made."""

    name = "core.content"
    label = "portal_theme"
    verbose_name = "门户内容与主题"
