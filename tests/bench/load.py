"""A small closed-loop load generator: N threads with keep-alive connections, for a fixed time,
run in its own process so it does not share the interpreter with the server or the test."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from multiprocessing import get_context


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _worker(
    port: int,
    host: str,
    method: str,
    path: str,
    body: bytes,
    until: float,
    out: list[float],
    errors: list[int],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host, "Content-Type": "application/json"}
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        out.append(time.perf_counter() - started)


def _run(
    port: int,
    host: str,
    method: str,
    path: str,
    body: bytes,
    threads: int,
    seconds: float,
    queue: object,
) -> None:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.perf_counter() + seconds
    workers = [
        threading.Thread(
            target=_worker, args=(port, host, method, path, body, until, latencies, errors)
        )
        for _ in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ordered = sorted(latencies)
    queue.put(  # type: ignore[attr-defined]
        LoadResult(
            requests=len(ordered),
            errors=len(errors),
            seconds=seconds,
            p50_ms=statistics.median(ordered) * 1000 if ordered else 0.0,
            p99_ms=ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else 0.0,
        )
    )


def load(
    *,
    port: int,
    host: str,
    method: str,
    path: str,
    body: bytes = b"",
    threads: int = 8,
    seconds: float = 5.0,
) -> LoadResult:
    context = get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_run, args=(port, host, method, path, body, threads, seconds, queue)
    )
    process.start()
    result: LoadResult = queue.get(timeout=seconds + 60)
    process.join(30)
    return result
