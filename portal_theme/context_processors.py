from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest

from core.content.selectors import theme_get_current
from tenants.enums import DistrictKind


def district(request: HttpRequest) -> dict[str, Any]:
    """The current district and its theme for every template (None on the operator's domain)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.kind != DistrictKind.DISTRICT:
        return {"district": None, "theme": None, "logo_url": ""}
    theme = theme_get_current()
    logo = default_storage.url(theme.logo) if theme and theme.logo else ""
    return {"district": tenant, "theme": theme, "logo_url": logo}
