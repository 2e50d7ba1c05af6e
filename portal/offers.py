"""信用增值服务: what this district sells to institutions (banks, insurers, guarantors), at what
price, and how they buy it through the district's API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing.selectors import district_offers


def services(request: HttpRequest) -> HttpResponse:
    district = request.tenant  # type: ignore[attr-defined]
    offers = district_offers(district.pk, timezone.localdate())
    return render(request, "portal_theme/portal/services.html", {"offers": offers})
