"""Log records carry the request or task context; the console handler writes one JSON object per
line (LOG_FORMAT=json, the default) or readable text (LOG_FORMAT=text, for a terminal).

Wired by settings.LOGGING (core/config/settings/ops.py); gunicorn's own log lines use the same
formatter (infra/gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from core.ops.context import log_context

# The fields a record gets from the context, in the order the text format shows them.
CONTEXT_FIELDS = ("request_id", "district", "user_id", "task_id", "task")


def configure(config: dict[str, Any]) -> None:
    """settings.LOGGING_CONFIG: apply settings.LOGGING, and route Python's warnings through logging
    (logger py.warnings) so that standard error carries log lines only, never raw warning text."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


class LogContextFilter(logging.Filter):
    """Copies the bound request/task fields onto every record that does not set them itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in log_context().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def json_formatter() -> logging.Formatter:
    """`{"level": …, "logger": …, "message": …, "time": …, <context and extra fields>}`; Chinese
    text is written as is, an exception as one `exc_info` string."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601 in UTC, with microseconds
        json_ensure_ascii=False,
    )


def text_formatter() -> logging.Formatter:
    context = " ".join(f"{name}=%({name})s" for name in CONTEXT_FIELDS[:3])
    return logging.Formatter(
        f"%(asctime)s %(levelname)s %(name)s [{context}] %(message)s",
        defaults=dict.fromkeys(CONTEXT_FIELDS, "-"),
    )
