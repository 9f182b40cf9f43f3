"""Logging: one JSON object per line on standard error, each with the id of the request it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger("oap.access")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log line, with the request id; never bodies or keys (callers never log them)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Send every log line of the service to standard error as JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger("oap")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
