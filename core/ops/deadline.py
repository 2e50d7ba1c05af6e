"""The request deadline: a process whose request runs longer than WEB_TIMEOUT seconds ends itself,
and the web server starts a new one (core/config/web_server.py), as gunicorn's worker timeout did.

A request stuck on something that never answers would otherwise hold one of its process's
threads for good. A thread in each process looks once a second at the requests running there;
when one is over the deadline it logs the request at ERROR and ends the process (the other
requests running in it end too, as with any worker restart). The deadline covers computing the
response, not sending a streamed body to a slow client.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time

logger = logging.getLogger("core.ops.deadline")

# WEB_TIMEOUT's default: a department upload is stored in one request (nginx and the Ingress wait
# 130 s).
DEFAULT_SECONDS = 120


class Deadline:
    def __init__(self, seconds: float, interval: float = 1.0) -> None:
        self.seconds = seconds
        self.interval = interval
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, str]] = {}
        self._numbers = itertools.count()
        self._watching_in: int | None = None

    def begin(self, label: str) -> int:
        number = next(self._numbers)
        with self._lock:
            if self._watching_in != os.getpid():  # first request here, or a forked child
                self._running.clear()
                self._watching_in = os.getpid()
                threading.Thread(target=self._watch, name="request-deadline", daemon=True).start()
            self._running[number] = (time.monotonic(), label)
        return number

    def end(self, number: int) -> None:
        with self._lock:
            self._running.pop(number, None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with self._lock:
                late = [(now - started, label) for started, label in self._running.values()
                        if now - started > self.seconds]  # fmt: skip
            if late:
                seconds, label = max(late)
                logger.error(
                    "request over the deadline, ending this worker process",
                    extra={"request": label, "seconds": round(seconds, 1),
                           "deadline_seconds": self.seconds, "pid": os.getpid()},
                )  # fmt: skip
                for handler in logging.getLogger().handlers + logger.handlers:
                    handler.flush()
                os._exit(1)
