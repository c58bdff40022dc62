"""Structured, redacted logging shared by every process (launcher, actors, gateway).

Patient details never reach a log: a filter masks phone numbers anywhere in a message or its
arguments, and drops the values of fields whose names say they hold personal data (names,
message bodies, transcripts). Lines are JSON so they can be shipped and searched.
"""

from __future__ import annotations

import json
import logging
import re
import time

PHONE = re.compile(r"(?<![\w/])\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)|\+\d{8,15}")
PERSONAL_FIELDS = {"name", "text", "body", "transcript", "phone", "from", "to", "email", "caller"}


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def redact(value: str) -> str:
    """Mask phone numbers, keeping the last two digits so support can still correlate."""
    return PHONE.sub(lambda m: "+***" + re.sub(r"\D", "", m.group())[-2:], value)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                record.msg = str(record.msg)
            record.args = None
        record.msg = redact(str(record.msg))
        for key in PERSONAL_FIELDS & (set(record.__dict__) - _STANDARD):
            setattr(record, key, "[redacted]")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line)


def log_config(level: str = "INFO", logfile: str | None = None) -> dict:
    """A ``logging.config.dictConfig`` dict; also Thespian's ``logDefs`` for actor processes."""
    handlers = {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
        }
    }
    if logfile:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": logfile,
            "maxBytes": 10_000_000,
            "backupCount": 3,
            "formatter": "json",
            "filters": ["redact"],
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": handlers,
        "root": {"level": level, "handlers": list(handlers)},
        "loggers": {"Thespian": {"level": "WARNING"}},
    }
