"""Where the consumer sends a request (the demo's *.localhost districts are this machine, only
locally) and what staff read when the provider cannot be reached (Chinese, what to do)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from exchange.errors import ExchangeUnavailable
from exchange.transport import endpoint, exchange_post


def test_production_keeps_the_url_and_real_dns(settings: Any) -> None:
    settings.DEBUG = False
    settings.EXCHANGE_LOCAL_DOMAINS = False
    settings.EXCHANGE_CONNECT_ADDRESS = ""
    settings.EXCHANGE_PROVIDER_URL = "https://{domain}/exchange/graphql/"

    assert endpoint("wanzhou.localhost") == (
        "https://wanzhou.localhost/exchange/graphql/",
        "wanzhou.localhost",
    )
    assert endpoint("credit.wanzhou.gov.cn") == (
        "https://credit.wanzhou.gov.cn/exchange/graphql/",
        "credit.wanzhou.gov.cn",
    )


@pytest.mark.parametrize(("debug", "local"), [(True, False), (False, True)])
def test_a_localhost_provider_is_this_machine_over_http_locally(
    settings: Any, debug: bool, local: bool
) -> None:
    settings.DEBUG = debug
    settings.EXCHANGE_LOCAL_DOMAINS = local
    settings.EXCHANGE_CONNECT_ADDRESS = ""
    settings.EXCHANGE_LOCAL_PORT = 8000
    settings.EXCHANGE_PROVIDER_URL = "https://{domain}/exchange/graphql/"

    assert endpoint("wanzhou.localhost") == (
        "http://127.0.0.1:8000/exchange/graphql/",
        "wanzhou.localhost",
    )
    # Only .localhost: a real domain keeps its URL, DNS and TLS even locally.
    assert endpoint("credit.wanzhou.gov.cn")[0] == "https://credit.wanzhou.gov.cn/exchange/graphql/"
    # An explicit connect address still wins.
    settings.EXCHANGE_CONNECT_ADDRESS = "10.0.0.5:8080"
    assert endpoint("wanzhou.localhost") == (
        "https://10.0.0.5:8080/exchange/graphql/",
        "wanzhou.localhost",
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("how", ["unresolvable", "refused"])
def test_an_unreachable_provider_is_explained_in_chinese(settings: Any, how: str) -> None:
    settings.DEBUG = False
    settings.EXCHANGE_LOCAL_DOMAINS = False
    settings.EXCHANGE_TIMEOUT_SECONDS = 5
    if how == "unresolvable":
        settings.EXCHANGE_CONNECT_ADDRESS = ""
        settings.EXCHANGE_PROVIDER_URL = "http://{domain}/exchange/graphql/"
        domain = "nowhere.invalid"
    else:
        settings.EXCHANGE_CONNECT_ADDRESS = f"127.0.0.1:{_closed_port()}"
        settings.EXCHANGE_PROVIDER_URL = "http://{domain}/exchange/graphql/"
        domain = "wanzhou.localhost"

    with pytest.raises(ExchangeUnavailable) as caught:
        exchange_post(domain=domain, token="t", body=b"{}", provider_name="万州区")

    assert caught.value.code == "PROVIDER_UNAVAILABLE"
    assert caught.value.message == "对方平台（万州区）暂时无法访问，请稍后重试或联系运营方"
    assert caught.value.details["error"]  # the technical cause, for the operator's logs
