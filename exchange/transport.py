"""The consumer's HTTP call to a provider's exchange endpoint (urllib, as core/upstream does).

The provider is addressed by its domain from `tenants.Domain` through EXCHANGE_PROVIDER_URL; with
EXCHANGE_CONNECT_ADDRESS the connection goes to that address and the domain travels as the Host
header (the district router picks the provider's schema from it). Redirects are not followed: they
would carry the token elsewhere. HTTP error statuses are answers too (the provider's signed
refusals come as 401/403)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from exchange.errors import ExchangeUnavailable

SIGNATURE_HEADER = "X-Exchange-Signature"
MAX_ANSWER_BYTES = 8 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    signature: str


LOCAL_SUFFIX = ".localhost"
RETRY = "请稍后重试或联系运营方"


def local_domains() -> bool:
    """Whether `*.localhost` providers are this machine (the demo, a developer's run): only in
    DEBUG or when EXCHANGE_LOCAL_DOMAINS says so. Production keeps its URL and real DNS."""
    return bool(settings.DEBUG or settings.EXCHANGE_LOCAL_DOMAINS)


def endpoint(domain: str) -> tuple[str, str]:
    """(URL to open, Host header) for a provider's domain. A `*.localhost` domain does not resolve
    from Python; locally it is served by this machine's web server, over plain HTTP on
    EXCHANGE_LOCAL_PORT (the demo's port), unless EXCHANGE_CONNECT_ADDRESS says where."""
    url = settings.EXCHANGE_PROVIDER_URL.format(domain=domain)
    address = settings.EXCHANGE_CONNECT_ADDRESS
    if not address and domain.lower().endswith(LOCAL_SUFFIX) and local_domains():
        url = urlunsplit(urlsplit(url)._replace(scheme="http"))
        address = f"127.0.0.1:{settings.EXCHANGE_LOCAL_PORT}"
    if not address:
        return url, urlsplit(url).netloc
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=address)), parts.netloc


def exchange_post(*, domain: str, token: str, body: bytes, provider_name: str) -> Answer:
    """POST the GraphQL request; return the provider's answer whatever its status."""
    url, host = endpoint(domain)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Host": host,
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
            "User-Agent": "credit-platform-exchange/1",
        },
    )
    timeout = settings.EXCHANGE_TIMEOUT_SECONDS
    try:
        with _opener.open(request, timeout=timeout) as answer:
            return Answer(answer.status, _read(answer), answer.headers.get(SIGNATURE_HEADER, ""))
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise ExchangeUnavailable(
                f"{provider_name}的共享接口要求跳转（HTTP {error.code}），为保护令牌未跟随；"
                "请联系运营方核对对方平台的共享接口地址",
                details={"error": f"HTTP {error.code}"},
            ) from error
        return Answer(error.code, _read(error), error.headers.get(SIGNATURE_HEADER, ""))
    except TimeoutError as error:
        raise _unavailable(f"{provider_name}在{timeout}秒内没有应答，{RETRY}", error) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _unavailable(
                f"{provider_name}在{timeout}秒内没有应答，{RETRY}", error.reason
            ) from error
        raise _unavailable(
            f"对方平台（{provider_name}）暂时无法访问，{RETRY}", error.reason
        ) from error
    except (http.client.HTTPException, OSError) as error:
        raise _unavailable(f"与{provider_name}的连接中断，{RETRY}", error) from error


def _unavailable(message: str, cause: object) -> ExchangeUnavailable:
    """A refusal staff can act on (Chinese, what to do); the technical cause, in English from
    the operating system, stays in `details` for the operator's logs, never on the page."""
    return ExchangeUnavailable(message, details={"error": str(cause)[:200]})


def _read(answer: Any) -> bytes:
    raw: bytes = answer.read(MAX_ANSWER_BYTES + 1)
    if len(raw) > MAX_ANSWER_BYTES:
        raise ExchangeUnavailable(f"共享接口的应答过大，无法读取，{RETRY}")
    return raw
