# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python logging in a worker: records go to stderr in the Seldon wrapper's line format
(configuration.md §5), the same format the C front uses:
``TIMESTAMP - LOGGER:FUNCTION:LINE - LEVEL:  MESSAGE``; tracebacks follow their line."""

import logging
import os
import sys

__all__ = ["setup_logging"]

FORMAT = "%(asctime)s - %(name)s:%(funcName)s:%(lineno)s - %(levelname)s:  %(message)s"

_LEVELS = {
    "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING,
    "WARN": logging.WARNING, "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL,
    "FATAL": logging.CRITICAL, "NOTSET": logging.DEBUG,
}


class _LineHandler(logging.Handler):
    """One write() per record, so lines of concurrent threads and of the C side never
    interleave."""

    def __init__(self, fd):
        super().__init__()
        self.fd = fd

    def emit(self, record):
        try:
            text = self.format(record) + "\n"
            data = text.encode("utf-8", "backslashreplace")
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except Exception:  # noqa: BLE001
            self.handleError(record)


def setup_logging(level_name="INFO"):
    """Configures the root logger (once) at @level_name (any case; unknown names mean INFO)."""
    level = _LEVELS.get(str(level_name or "INFO").strip().upper(), logging.INFO)
    root = logging.getLogger()
    if not any(isinstance(h, _LineHandler) for h in root.handlers):
        try:
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            fd = 2
        handler = _LineHandler(fd)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return root
