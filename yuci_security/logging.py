"""Log records as one JSON object per line, so the log collector needs no parsing rules."""

import datetime
import json
import logging

# Attributes every LogRecord has; anything else was passed with extra= and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Never the query string or the body: they may carry personal data or tokens.
            line["method"] = request.method
            line["path"] = request.path
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                line["user"] = user.get_username()
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in {"request", "status_code"} and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
