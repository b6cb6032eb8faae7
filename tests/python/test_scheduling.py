# SPDX-License-Identifier: LGPL-2.1-or-later
"""How calls of a Python component are scheduled (SELDON_COMPONENT_FLAGS_GLOBAL_LOCK): short
calls run one after another, but a call that takes long (waiting for I/O) never holds the
others back for more than a few milliseconds, and every answer belongs to its request."""

import json
import threading
import time

import pytest

from conftest import MODE

SLEEPER = """
    import time

    class MyModel:
        def predict(self, X, names):
            if isinstance(X, str) and X.startswith("sleep "):
                time.sleep(float(X.split()[1]))
            return X
"""


def _predict(value):
    return ("POST", "/predict", json.dumps({"strData": value}).encode(),
            {"Content-Type": "application/json"})


def test_slow_calls_overlap(serve):
    service = serve(SLEEPER, threads=4)
    start = time.monotonic()
    results = service.fetch_many([_predict("sleep 0.4")] * 4)
    elapsed = time.monotonic() - start
    assert [r.status for r in results] == [200] * 4
    # one after another they would take 1.6 s
    assert elapsed < 1.2, elapsed


def test_fast_calls_pass_a_slow_one(serve):
    service = serve(SLEEPER, threads=4)
    requests = [_predict("sleep 1.5")] + [_predict("fast %d" % i) for i in range(6)]
    start = time.monotonic()
    results = service.fetch_many(requests)
    assert time.monotonic() - start >= 1.5
    assert all(r.status == 200 for r in results), results
    assert [r.json()["strData"] for r in results] == ["sleep 1.5"] + ["fast %d" % i for i in range(6)]


@pytest.mark.skipif(MODE != "program", reason="posts from two threads at once")
def test_fast_calls_while_slow_one_runs(serve):
    service = serve(SLEEPER, threads=4)
    times = {}

    def timed(value):
        start = time.monotonic()
        r = service.post("/predict", {"strData": value})
        times[value] = time.monotonic() - start
        return r

    slow = threading.Thread(target=timed, args=("sleep 2",))
    slow.start()
    try:
        time.sleep(0.2)
        for i in range(5):
            r = timed("fast %d" % i)
            assert r.status == 200 and r.json()["strData"] == "fast %d" % i
    finally:
        slow.join()
    assert times["sleep 2"] >= 2
    # each fast call waited at most a few milliseconds for the slow one
    assert max(times["fast %d" % i] for i in range(5)) < 1.0, times


def test_many_concurrent_calls_get_their_own_answers(serve):
    service = serve(SLEEPER, threads=4)
    values = ["value %d" % i for i in range(48)]
    results = service.fetch_many([_predict(v) for v in values])
    assert [r.json()["strData"] for r in results] == values
