"""Where upstream reporting may send a district's records (core/upstream/egress.py,
docs/subsystems/upstream.md). The batches carry people's identity numbers and a bearer token, so
the destinations are the operator's choice, never a district's: HTTPS, a host on this list, and
an address on the public internet."""

from ipaddress import ip_network

from django.core.exceptions import ImproperlyConfigured

from core.config.env import env_bool, env_list, env_str


def _allowed_hosts() -> list[str]:
    """Host names an endpoint may name: `credit.cq.gov.cn` exactly, or `.creditchina.gov.cn` for
    that domain and every name under it (as Django's ALLOWED_HOSTS)."""
    hosts = []
    for raw in env_list("UPSTREAM_ALLOWED_HOSTS", []):
        host = raw.lower().rstrip(".")
        bare = host.lstrip(".")
        if not bare or "*" in host or "/" in host or ":" in host or "@" in host:
            raise ImproperlyConfigured(
                f"UPSTREAM_ALLOWED_HOSTS: {raw!r} is not a host name (`name.example` or "
                "`.example` for a domain and its subdomains; no scheme, port or wildcard)"
            )
        hosts.append(host)
    return hosts


def _test_networks() -> list[str]:
    """Non-public networks upstream pushes may reach anyway: the local test upstream on loopback.
    For tests and trials on a developer's machine only, so refused unless DJANGO_DEBUG is on
    (the test suite sets the setting itself, in process)."""
    networks = env_list("UPSTREAM_TEST_NETWORKS", [])
    if networks and not env_bool("DJANGO_DEBUG", False):
        raise ImproperlyConfigured(
            "UPSTREAM_TEST_NETWORKS lets upstream pushes reach private addresses: it is for "
            "tests and local trials only and is refused when DJANGO_DEBUG is off"
        )
    try:
        return [str(ip_network(n, strict=False)) for n in networks]
    except ValueError as exc:
        raise ImproperlyConfigured(f"UPSTREAM_TEST_NETWORKS: {exc}") from exc


UPSTREAM_ALLOWED_HOSTS = _allowed_hosts()
# PEM file of the certificate authorities that upstream servers' certificates are checked
# against; empty: the system's trust store.
UPSTREAM_CA_FILE = env_str("UPSTREAM_CA_FILE")
UPSTREAM_TEST_NETWORKS = _test_networks()
