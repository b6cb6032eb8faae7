# SPDX-License-Identifier: LGPL-2.1-or-later
"""The log of a Python model served by the real program (configuration.md §5): the worker's
lines and the model's own ``logging`` calls have the wrapper's line format,
``TIMESTAMP - LOGGER:FUNCTION:LINE - LEVEL:  MESSAGE``, with ``[worker N] `` before the message
in worker N, as the C code's lines of the same worker process have; the front's own lines have
no prefix."""

import re

import pytest

from conftest import MODE

pytestmark = pytest.mark.skipif(MODE != "program", reason="needs the real seldon-microservice")

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - ", re.MULTILINE)

# Line numbers matter: the expected lines below name them.
LOGGING_MODEL = """\
import logging

logger = logging.getLogger(__name__)


class MyModel:
    def load(self):
        logger.info("loaded %d", 3)
        logger.debug("debug at load")

    def predict(self, X, names):
        logger.warning("predict %s", X.tolist())
        logging.info("through the root logger")
        logging.getLogger("my.component").error("named logger")
        try:
            raise KeyError("key")
        except KeyError:
            logger.exception("caught")
        return X
"""


def _lines(service):
    """The log with every timestamp replaced by TS."""
    return STAMP.sub("TS - ", service.output()).splitlines()


def _wait_for(service, text, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in service.output():
            return
        time.sleep(0.05)
    raise AssertionError("%r not logged:\n%s" % (text, service.output()))


def test_model_log_lines(serve):
    service = serve(LOGGING_MODEL, args=["--workers", "1"])
    r = service.post("/predict", {"data": {"ndarray": [[1, 2]]}})
    assert r.status == 200
    _wait_for(service, "caught")
    lines = _lines(service)

    assert "TS - MyModel:load:8 - INFO:  [worker 0] loaded 3" in lines
    start = lines.index("TS - MyModel:predict:12 - WARNING:  [worker 0] predict [[1, 2]]")
    assert lines[start:start + 8] == [
        "TS - MyModel:predict:12 - WARNING:  [worker 0] predict [[1, 2]]",
        "TS - root:predict:13 - INFO:  [worker 0] through the root logger",
        "TS - my.component:predict:14 - ERROR:  [worker 0] named logger",
        "TS - MyModel:predict:18 - ERROR:  [worker 0] caught",
        "Traceback (most recent call last):",
        '  File "%s/MyModel.py", line 16, in predict' % service.folder,
        '    raise KeyError("key")',
        "KeyError: 'key'",
    ]
    # INFO by default: no DEBUG line
    assert not any("debug at load" in line for line in lines)
    # the front's lines have no prefix
    assert "TS - seldon_microservice:main:%s - INFO:  Starting microservice.py:main" % (
        _line_of(lines, "Starting microservice.py:main")) in lines


def _line_of(lines, text):
    for line in lines:
        if line.endswith(text):
            return line.split(" - ")[1].rsplit(":", 1)[1]
    raise AssertionError("%r not logged" % text)


def test_every_worker_line_has_its_prefix(serve):
    service = serve(LOGGING_MODEL, args=["--workers", "2"])
    _wait_for(service, "[worker 1] loaded 3")
    lines = _lines(service)
    for slot in (0, 1):
        assert "TS - MyModel:load:8 - INFO:  [worker %d] loaded 3" % slot in lines
        assert re.compile(r"TS - seldon_worker:do_load:\d+ - INFO:  \[worker %d\] Calling load\(\)$"
                          % slot, re.MULTILINE).search("\n".join(lines))
    for line in lines:
        if line.startswith("TS - "):
            logger = line[5:].split(":", 1)[0]
            message = line.split(":  ", 1)[1]
            if logger in ("MyModel", "seldon_worker"):
                assert re.match(r"\[worker [01]\] ", message), line
            if logger == "seldon_microservice":
                assert not message.startswith("[worker"), line
            # never "[worker 0] Worker 0: ..."
            assert not re.match(r"\[worker (\d+)\] Worker \1: ", message), line


def test_debug_level(serve):
    service = serve(LOGGING_MODEL, env={"SELDON_LOG_LEVEL": "DEBUG"}, args=["--workers", "1"])
    _wait_for(service, "debug at load")
    assert "TS - MyModel:load:9 - DEBUG:  [worker 0] debug at load" in _lines(service)


def test_warning_level(serve):
    service = serve(LOGGING_MODEL, args=["--workers", "1", "--log-level", "WARNING"])
    assert service.post("/predict", {"data": {"ndarray": [[1]]}}).status == 200
    _wait_for(service, "caught")
    lines = _lines(service)
    assert "TS - MyModel:predict:12 - WARNING:  [worker 0] predict [[1]]" in lines
    assert not any("loaded 3" in line or "through the root logger" in line for line in lines)
