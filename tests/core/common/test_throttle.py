from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from core.common.throttle import client_address


def test_the_visitor_address_comes_from_the_trusted_proxy(settings: Any) -> None:
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.2"
    )

    settings.TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = 1
    assert (
        client_address(request) == "198.51.100.7"
    )  # what our nginx saw (the client may forge the rest)
    settings.TRUSTED_PROXIES = 2
    assert client_address(request) == "203.0.113.9"
