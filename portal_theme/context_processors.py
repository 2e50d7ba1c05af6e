from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest

from core.content.selectors import theme_get_current
from tenants.enums import DistrictKind

# The portal's top navigation: (label, link, the paths it stands for). Where the items share
# a page today, the link goes to that page's section (an anchor on the home page).
PORTAL_NAV = (
    ("首页", "/", ("/",)),
    ("信用动态", "/news/", ("/news/",)),
    ("政策法规", "/laws/", ("/laws/", "/policies/", "/articles/")),
    ("信用查询", "/search/", ("/search/", "/subjects/")),
    ("红黑名单", "/lists/red/", ("/lists/",)),
    ("联合奖惩", "/joint-punishment/", ("/joint-punishment/",)),
    ("成果展示", "/achievements/", ("/achievements/",)),
    ("信用服务", "/#services", ("/services/", "/submissions/", "/reports/verify/")),
    ("异议与修复", "/#remedies", ("/objections/", "/repair/", "/receipts/")),
)


def portal_nav(path: str) -> list[dict[str, Any]]:
    """The navigation items with the one for `path` marked current."""
    return [
        {"label": label, "href": href,
         "current": path == "/" if paths == ("/",) else path.startswith(paths)}
        for label, href, paths in PORTAL_NAV
    ]  # fmt: skip


def district(request: HttpRequest) -> dict[str, Any]:
    """The current district and its theme for every template (None on the operator's domain)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.kind != DistrictKind.DISTRICT:
        return {"district": None, "theme": None, "logo_url": ""}
    theme = theme_get_current()
    logo = default_storage.url(theme.logo) if theme and theme.logo else ""
    return {
        "district": tenant,
        "theme": theme,
        "logo_url": logo,
        "portal_nav": portal_nav(request.path),
    }
