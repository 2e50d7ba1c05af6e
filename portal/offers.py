"""信用增值服务: what this district sells to institutions (banks, insurers, guarantors), at what
price, how to apply and whom to contact (the district's contact details from its theme), in
business terms: the API is described in the developer documentation, not here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing.selectors import district_offers


def services(request: HttpRequest) -> HttpResponse:
    district = request.tenant  # type: ignore[attr-defined]
    offers = district_offers(district.pk, timezone.localdate())
    return render(request, "portal_theme/portal/services.html", {"offers": offers})
