# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python logging in a worker: records go to stderr in the Seldon wrapper's line format
(configuration.md §5), the same format the C front uses:
``TIMESTAMP - LOGGER:FUNCTION:LINE - LEVEL:  MESSAGE``; tracebacks follow their line.

The root logger is configured, so the component's own ``logging`` calls get that format too.
In a worker process, the message starts with ``[worker N] ``, N being the worker's slot, as
the lines that libseldon's C code writes in the same process do (seldon-log.c)."""

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


class _Formatter(logging.Formatter):
    """FORMAT, with ``[worker N] `` before the message in worker N."""

    def __init__(self):
        super().__init__(FORMAT)
        self._prefix = None

    def set_slot(self, slot):
        self._prefix = "[worker %d] " % slot if slot >= 0 else None

    def formatMessage(self, record):
        # format() has just set record.message (and sets it again for every other handler)
        if self._prefix is not None:
            record.message = self._prefix + record.message
        return super().formatMessage(record)


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


def setup_logging(level_name="INFO", slot=None):
    """Configures the root logger (once) at @level_name (any case; unknown names mean INFO);
    with @slot (an int), lines carry ``[worker SLOT] `` (None: left as it was)."""
    level = _LEVELS.get(str(level_name or "INFO").strip().upper(), logging.INFO)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _LineHandler)), None)
    if handler is None:
        try:
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            fd = 2
        handler = _LineHandler(fd)
        handler.setFormatter(_Formatter())
        root.addHandler(handler)
    if slot is not None:
        handler.formatter.set_slot(slot)
    root.setLevel(level)
    logging.captureWarnings(True)
    return root
