"""Name resolution a test controls, for the names it chooses (others go to the real resolver):
install with `monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)`. It stands in for a
DNS server, so a test can make a name's answer change between two lookups, as a rebinding
attacker's server does."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


@dataclass
class FakeDns:
    # name → the answers of the coming lookups, in order; the last one stays.
    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    # Every lookup of a faked name, in order.
    asked: list[str] = field(default_factory=list)

    def answer(self, name: str, *addresses: str, then: list[str] | None = None) -> None:
        """Resolve `name` to `addresses`, and from its second lookup on to `then` if given."""
        self.answers[name] = [list(addresses)] + ([then] if then is not None else [])

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in self.answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.asked.append(host)
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number))
            for a in addresses
        ]
