"""Loaded by every Python process a test starts (gunicorn, Celery workers, manage.py) when a run
is moved to another day with TEST_TODAY: the child's clock is moved by the same offset as the
test process's, so a server and its tests agree on the day. Only tests put this folder on
PYTHONPATH (tests/support/clock.py); nothing in the product imports it."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import time_machine


def sign_s3_requests_with_the_real_time() -> None:
    """An S3 server refuses a request signed more than 15 minutes away from its own clock
    (RequestTimeTooSkewed), and SeaweedFS is not a Python process a test can move. On a machine
    whose clock says that day both would agree; here botocore signs with the real time."""
    import botocore.auth

    def real_now(remove_tzinfo: bool = True) -> datetime:
        hatch = time_machine.escape_hatch
        now = hatch.datetime.datetime.now(UTC) if hatch.is_travelling() else datetime.now(UTC)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    botocore.auth.get_current_datetime = real_now  # type: ignore[attr-defined]


_offset = os.environ.get("TEST_CLOCK_OFFSET")
if __name__ == "sitecustomize" and _offset:
    import time

    time_machine.travel(time.time() + float(_offset), tick=True).start()
    sign_s3_requests_with_the_real_time()
