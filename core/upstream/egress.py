"""Where a batch may go. An upstream batch carries people's identity numbers and the district's
bearer token, so its destination must be the platform the operator named and nothing else:

- `https://` only (the token and the numbers never travel in the clear);
- the host on the operator's list (`UPSTREAM_ALLOWED_HOSTS`);
- every address the name resolves to on the public internet: not loopback, private, shared,
  link-local (cloud metadata at 169.254.169.254), multicast, reserved or unspecified, in IPv4 or
  IPv6, including IPv4 addresses wrapped in IPv6 (`::ffff:127.0.0.1`, 6to4).

`url_check` runs when the operator saves an endpoint; `destination_resolve` runs again for every
push, and the transport connects to the addresses it returns (never resolving the name a second
time), so a name whose DNS answer changes after the check cannot steer the connection elsewhere.

`UPSTREAM_TEST_NETWORKS` lets the tests reach their upstream server on loopback; settings refuse
it outside DJANGO_DEBUG (core/config/settings/upstream.py)."""

from __future__ import annotations

import functools
import http.client
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings

NOT_A_URL = "上报地址应为 https:// 开头的完整网址"
HTTPS_REQUIRED = "上报地址须使用 HTTPS（https:// 开头）"
CREDENTIALS = "上报地址中不能包含用户名或密码"
TOO_LONG = "上报地址不能超过500个字符"
HOST_NOT_ALLOWED = "主机“{host}”不在运营方允许的上报地址清单中"
NOT_RESOLVED = "无法解析主机“{host}”的地址"
PRIVATE_ADDRESS = "该地址解析到内网或本机地址（{address}），不允许"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SocketAddress = tuple[str, int] | tuple[str, int, int, int]


class EgressRefused(Exception):
    """A destination batches may not go to. `temporary`: the name did not resolve (DNS trouble
    may pass); anything else stays refused until the operator changes the endpoint."""

    def __init__(self, message: str, *, code: str, temporary: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.temporary = temporary


@dataclass(frozen=True)
class Destination:
    """A checked destination: the name (for SNI, the certificate and the Host header), the port,
    the request target, and the socket addresses that were checked, to connect to in order."""

    host: str
    port: int
    target: str
    addresses: tuple[tuple[socket.AddressFamily, SocketAddress], ...]


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    host: str
    port: int
    target: str


def url_check(url: str, *, any_host: bool = False) -> CheckedUrl:
    """The URL's form and host: HTTPS, no credentials, a host on the operator's list (any host
    with `any_host`: institutions' webhook receivers, which no operator list names). No DNS."""
    url = url.strip()
    if len(url) > 500:
        raise EgressRefused(TOO_LONG, code="BAD_URL")
    try:
        parts = urlsplit(url)
        port = parts.port if parts.port is not None else 443
        hostname = parts.hostname or ""
    except ValueError as exc:
        raise EgressRefused(NOT_A_URL, code="BAD_URL") from exc
    if not parts.scheme or not hostname or port == 0:
        raise EgressRefused(NOT_A_URL, code="BAD_URL")
    if parts.scheme.lower() != "https":
        raise EgressRefused(HTTPS_REQUIRED, code="NOT_HTTPS")
    if parts.username is not None or parts.password is not None:
        raise EgressRefused(CREDENTIALS, code="BAD_URL")
    host = _ascii_host(hostname)
    if not any_host and not _allowed(host):
        raise EgressRefused(HOST_NOT_ALLOWED.format(host=host), code="HOST_NOT_ALLOWED")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return CheckedUrl(url=url, host=host, port=port, target=target)


def destination_resolve(url: str, *, any_host: bool = False) -> Destination:
    """Check the URL, resolve its host once and check every address it resolves to."""
    checked = url_check(url, any_host=any_host)
    try:
        answers = socket.getaddrinfo(
            checked.host, checked.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as exc:
        raise EgressRefused(
            NOT_RESOLVED.format(host=checked.host), code="NOT_RESOLVED", temporary=True
        ) from exc
    addresses: list[tuple[socket.AddressFamily, SocketAddress]] = []
    for family, _, _, _, sockaddr in answers:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        sockaddr = cast(SocketAddress, sockaddr)  # IPv4 or IPv6, by the family
        address = ipaddress.ip_address(str(sockaddr[0]))
        if not address_permitted(address):
            raise EgressRefused(
                PRIVATE_ADDRESS.format(address=_shown(address)), code="PRIVATE_ADDRESS"
            )
        addresses.append((family, sockaddr))
    if not addresses:
        raise EgressRefused(
            NOT_RESOLVED.format(host=checked.host), code="NOT_RESOLVED", temporary=True
        )
    return Destination(
        host=checked.host, port=checked.port, target=checked.target, addresses=tuple(addresses)
    )


def address_permitted(address: IPAddress) -> bool:
    """Whether a push may connect to `address`: a public internet address (or, in tests, one of
    UPSTREAM_TEST_NETWORKS)."""
    if any(address in ipaddress.ip_network(n) for n in settings.UPSTREAM_TEST_NETWORKS):
        return True
    return all(_public(a) for a in _embedded(address))


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and every IPv4 address it carries (IPv4-mapped, 6to4, Teredo)."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def _shown(address: IPAddress) -> str:
    """The address as people write it (`::ffff:127.0.0.1`, not `::ffff:7f00:1`)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _public(address: IPAddress) -> bool:
    # Spelled out rather than trusting `is_global` alone: its tables changed across Python
    # releases (IPv4-mapped addresses were not loopback before 3.13).
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def _ascii_host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise EgressRefused(NOT_A_URL, code="BAD_URL") from exc


def _allowed(host: str) -> bool:
    for entry in settings.UPSTREAM_ALLOWED_HOSTS:
        entry = entry.lower().rstrip(".")
        if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The client TLS context trusting `ca_file` (the system's CAs when empty), made once per
    process and version of the file (its modification time and size: a replaced CA file is
    loaded again). Loading a CA file costs a fraction of a millisecond, which a sender making
    many connections saves; the context is not changed after it is made, so it can be shared.
    An unreadable file raises OSError (`ssl.SSLError` is one), as `CheckedConnection` does."""
    if not ca_file:
        return _tls_context("", 0, 0)
    stat = os.stat(ca_file)
    return _tls_context(ca_file, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _tls_context(ca_file: str, mtime_ns: int, size: int) -> ssl.SSLContext:
    tls = ssl.create_default_context(cafile=ca_file or None)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    return tls


class CheckedConnection(http.client.HTTPSConnection):
    """HTTPS to a checked destination's addresses only, in order (upstream batches, webhooks). The
    host name is used for SNI, the certificate check and the Host header; it is never resolved
    again (no DNS rebinding between the check and the connection), also when http.client opens
    the connection again for the next request (the server closed a persistent connection).

    `tls`: a context to use (`tls_context`, shared) instead of making one from `ca_file`."""

    def __init__(
        self,
        destination: Destination,
        *,
        timeout: float,
        ca_file: str = "",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        if tls is None:
            tls = ssl.create_default_context(cafile=ca_file or None)
            tls.minimum_version = ssl.TLSVersion.TLSv1_2
        super().__init__(destination.host, destination.port, timeout=timeout, context=tls)
        self._destination = destination
        self._tls = tls
        self._seconds = timeout

    def connect(self) -> None:
        error: OSError = ConnectionError("no address")
        for family, sockaddr in self._destination.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self._seconds)
                sock.connect(sockaddr)
                # As http.client's own connect(): a request written in two parts (or one after
                # another on a persistent connection) is not held back by Nagle's algorithm.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as failed:
                sock.close()
                error = failed
                continue
            try:
                self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
            return
        raise error
