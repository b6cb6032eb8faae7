# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python components in several worker processes (decisions.md D2; issue 3 item 1): every
worker takes calls, state is per process, and a worker killed under load fails only its own
in-flight calls and comes back. Needs the real program (SELDON_PYTHON_TEST_MODE=program)."""

import os
import signal
import threading
import time

import pytest

from conftest import MODE

pytestmark = pytest.mark.skipif(MODE != "program", reason="needs the real seldon-microservice")

PID_MODEL = """
    import os
    import time

    class MyModel:
        def __init__(self):
            self.loaded_in = None
            self.calls = 0

        def load(self):
            self.loaded_in = os.getpid()

        def predict(self, X, names):
            self.calls += 1
            if X == "slow":
                time.sleep(0.05)
            return {"pid": os.getpid(), "loaded_in": self.loaded_in, "calls": self.calls}
"""


def _pids(service, n=32):
    results = service.fetch_many([("POST", "/predict", b'{"strData":"slow"}',
                                   {"Content-Type": "application/json"})] * n)
    assert all(r.status == 200 for r in results), results
    return [r.json()["jsonData"] for r in results]


def test_two_workers_take_calls(serve):
    service = serve(PID_MODEL, args=["--workers", "2"])
    answers = _pids(service)
    pids = {a["pid"] for a in answers}
    assert len(pids) == 2, answers
    # load() ran in each worker process, and state is per process
    assert all(a["loaded_in"] == a["pid"] for a in answers)
    assert os.getpid() not in pids


def test_killed_worker_fails_only_its_calls_and_comes_back(serve):
    service = serve(PID_MODEL, args=["--workers", "2"])
    before = {a["pid"] for a in _pids(service)}
    assert len(before) == 2
    victim = sorted(before)[0]

    statuses = []
    failed = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            r = service.fetch_many([("POST", "/predict", b'{"strData":"slow"}',
                                     {"Content-Type": "application/json"})] * 4)
            statuses.extend(x.status for x in r)
            failed.extend(x for x in r if x.status != 200)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()

    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) > statuses.count(503) > -1
    # only the calls in flight in the victim fail: at most its 4 threads' worth
    assert len(failed) <= 4, failed
    # the failed calls get the Seldon error object (rest-api.md §8.1)
    for r in failed:
        status = r.json()["status"]
        assert (status["code"], status["status"], status["reason"]) == (
            -1, 1, "MICROSERVICE_INTERNAL_ERROR"), r
        assert "exited unexpectedly" in status["info"], r

    # the killed worker is respawned (with backoff) and both slots serve again
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = {a["pid"] for a in _pids(service, 16)}
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.2)
    assert len(now) == 2 and victim not in now, now
