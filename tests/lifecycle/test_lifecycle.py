# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lifecycle under load (issue 5): recycling, SIGKILL of a worker, SIGHUP, SIGTERM, deadlines,
the bounded queue, debug mode.

Rows of parity-checklist.md: 9 (max-requests), 14 (pidfile), 15 (debug), 47 (dead workers
replaced), 54 (SIGHUP), 55 (SIGTERM drains and exits 0); decisions.md D2 (a crashed or hung
worker fails only its own calls) and D5 (deadlines)."""

import json
import os
import re
import signal
import socket
import threading
import time

from conftest import ECHO, LOAD_SECONDS, Load, Service, report

SLOW = """
import time

class Slow:
    def predict(self, X, features_names=None):
        time.sleep(float(X[0][0]))
        return X
"""

# Records each call in calls.log (the model's folder), then sleeps X[0][0] seconds.
RECORDER = """
import os
import time

class Recorder:
    def predict(self, X, features_names=None):
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.log"), "a") as f:
            f.write("%s\\n" % X[0][1])
        time.sleep(float(X[0][0]))
        return X
"""

LOOP = """
class Loop:
    def predict(self, X, features_names=None):
        if X[0][0] == 666:
            while True:
                pass
        return X
"""

SLOW_LOAD = """
import time

class SlowLoad:
    def load(self):
        time.sleep(1.0)

    def predict(self, X, features_names=None):
        return X
"""


def body(*row):
    return json.dumps({"data": {"ndarray": [list(row)]}}).encode()


def is_error_json(data, reason="MICROSERVICE_INTERNAL_ERROR"):
    obj = json.loads(data)
    return obj["status"]["status"] == 1 and obj["status"]["code"] == -1 and obj["status"]["info"]


# ---------------------------------------------------------------------------------------------
# Under load, 2 Python workers, 32 connections
# ---------------------------------------------------------------------------------------------

def test_sigkill_fails_only_its_calls(services):
    # Other work on the machine (before this test's own load starts).
    busy = os.getloadavg()[0] > os.cpu_count()
    srv = Service("Echo", {"Echo": ECHO}, ["--workers", "2"])
    services.append(srv)
    srv.wait_ready()
    load = Load(srv.http_port, 32)
    time.sleep(LOAD_SECONDS / 2)
    victim = srv.workers()[0]
    mark = len(srv.output())
    killed = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    m = srv.wait_output(r"Worker (\d) \(pid (\d+)\) is back", timeout=5, since=mark)
    back = time.monotonic() - killed
    time.sleep(LOAD_SECONDS / 2)
    load.stop()
    report("SIGKILL of a worker under load: %s; worker back after %.0f ms" % (load.summary(), back * 1000))
    assert not load.errors, load.errors[:5]
    # Only the calls in flight on the killed worker (at most its 10 threads) fail, with 503
    # and the Seldon error object.
    assert len(load.failures) <= 10, load.failures[:5]
    for status, data in load.failures:
        assert status == 503, (status, data)
        assert is_error_json(data), data
        assert b"exited unexpectedly (signal 9)" in data, data
    # Back within 1 s (a Python worker needs ~0.25 s of CPU to start); on a machine that is
    # busy with other work as well, the figure is reported and a looser bound applies.
    assert back < (3.0 if busy else 1.0), (back, busy)
    assert int(m.group(2)) != victim
    assert load.ok > 1000


def test_max_requests_recycles_without_failures(services):
    srv = Service("Echo", {"Echo": ECHO}, ["--workers", "2", "--max-requests", "500",
                                           "--max-requests-jitter", "100"])
    services.append(srv)
    srv.wait_ready()
    first = set(srv.workers())
    load = Load(srv.http_port, 32)
    time.sleep(LOAD_SECONDS)
    load.stop()
    recycles = len(re.findall(r"took over from pid", srv.output()))
    report("--max-requests 500 --max-requests-jitter 100 under load: %s; %d recycles"
           % (load.summary(), recycles))
    assert not load.failures, load.failures[:5]
    assert not load.errors, load.errors[:5]
    # Each process served 500..600 calls (plus those that came while its replacement loaded).
    served = [int(n) for n in re.findall(r"took over from pid \d+ after (\d+) call", srv.output())]
    assert all(n >= 500 for n in served), served
    assert recycles >= LOAD_SECONDS, recycles
    # Slots 0 and 1 continue: the pool keeps two processes, none of the first ones (a
    # replacement may still be loading, a replaced one exiting).
    deadline = time.monotonic() + 10
    while len(srv.workers()) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(srv.workers()) == 2
    assert not first & set(srv.workers())


def test_sighup_rolling_restart_without_failures(services):
    srv = Service("Echo", {"Echo": ECHO}, ["--workers", "2"])
    services.append(srv)
    srv.wait_ready()
    first = set(srv.workers())
    load = Load(srv.http_port, 32)
    time.sleep(LOAD_SECONDS / 3)
    mark = len(srv.output())
    hup = time.monotonic()
    srv.proc.send_signal(signal.SIGHUP)
    srv.wait_output(r"Reload done", timeout=20, since=mark)
    took = time.monotonic() - hup
    time.sleep(max(LOAD_SECONDS - (time.monotonic() - load.started), 1))
    load.stop()
    report("SIGHUP under load: %s; reload took %.0f ms" % (load.summary(), took * 1000))
    assert not load.failures, load.failures[:5]
    assert not load.errors, load.errors[:5]
    time.sleep(0.5)
    assert len(srv.workers()) == 2
    assert not first & set(srv.workers())


def test_sigterm_answers_every_accepted_request(services):
    pidfile = "/tmp/seldon-lifecycle-%d.pid" % os.getpid()
    srv = Service("Slow", {"Slow": SLOW}, ["--workers", "2", "--pidfile", pidfile])
    services.append(srv)
    srv.wait_ready()
    with open(pidfile) as f:
        assert int(f.read()) == srv.proc.pid
    results = []
    lock = threading.Lock()

    def one():
        try:
            r = srv.request(body=body(0.5, 0), timeout=30)
        except OSError as exc:
            r = (None, repr(exc))
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one) for _ in range(32)]
    for t in threads:
        t.start()
    # Every request is accepted and in flight (20 run, 12 wait for a thread).
    time.sleep(0.3)
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(30)
    status = srv.proc.wait(30)
    report("SIGTERM with 32 requests in flight: %d answered 200, exit status %d"
           % (sum(1 for r in results if r[0] == 200), status))
    assert status == 0, srv.output()[-3000:]
    assert [r for r in results if r[0] != 200] == []
    assert len(results) == 32
    assert not os.path.exists(pidfile)
    assert srv.workers() == []
    # Nothing listens once it stopped.
    try:
        srv.request("/health/ping", None, timeout=2)
        raise AssertionError("still answering")
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# Deadlines and the queue (decisions.md D5)
# ---------------------------------------------------------------------------------------------

def test_deadline_504(services):
    srv = Service("Slow", {"Slow": SLOW}, ["--workers", "2"],
                  env={"SELDON_REQUEST_TIMEOUT_MS": "100"})
    services.append(srv)
    srv.wait_ready()
    start = time.monotonic()
    status, data = srv.request(body=body(1.0, 0))
    took = time.monotonic() - start
    report("slow model, 100 ms deadline: %d after %.0f ms" % (status, took * 1000))
    assert status == 504, data
    assert is_error_json(data), data
    assert 0.09 <= took < 0.5, took
    # A call that fits in its deadline is served.
    assert srv.request(body=body(0.01, 0))[0] == 200


def test_rest_timeout_annotation(services):
    srv = Service("Slow", {"Slow": SLOW}, ["--workers", "2"], start=False)
    path = os.path.join(srv.folder, "annotations")
    with open(path, "w") as f:
        f.write('seldon.io/rest-timeout="150"\n')
    srv.env["SELDON_ANNOTATIONS_FILE"] = path
    srv.start()
    services.append(srv)
    srv.wait_ready()
    start = time.monotonic()
    status, data = srv.request(body=body(1.0, 0))
    took = time.monotonic() - start
    assert status == 504, data
    assert 0.14 <= took < 0.6, took


def test_endless_loop_worker_replaced(services):
    srv = Service("Loop", {"Loop": LOOP}, ["--workers", "2"],
                  env={"SELDON_REQUEST_TIMEOUT_MS": "100"})
    services.append(srv)
    srv.wait_ready()
    before = set(srv.workers())
    start = time.monotonic()
    status, data = srv.request(body=body(666, 0))
    assert status == 504, data
    assert time.monotonic() - start < 0.5
    # The other worker keeps serving meanwhile; the stuck one is killed and respawned.
    served = 0
    while not re.search(r"Worker \d \(pid \d+\) is back", srv.output()):
        assert time.monotonic() - start < 10, srv.output()[-3000:]
        status, data = srv.request(body=body(1, 0))
        assert status == 200, data
        served += 1
    replaced = time.monotonic() - start
    report("endless loop, 100 ms deadline: 504, worker killed and back after %.1f s; %d calls "
           "served meanwhile" % (replaced, served))
    assert "still runs a call 2000 ms after its deadline: killing it" in srv.output()
    assert len(before & set(srv.workers())) == 1
    assert srv.request(body=body(1, 0))[0] == 200


def test_stale_calls_never_reach_the_worker(services):
    # One worker, one thread: A runs (and times out), B's deadline passes while it waits,
    # C's client goes away while it waits. Only A reaches the model.
    srv = Service("Recorder", {"Recorder": RECORDER}, ["--workers", "1", "--single-threaded", "1"],
                  env={"SELDON_REQUEST_TIMEOUT_MS": "300"})
    services.append(srv)
    srv.wait_ready()
    results = {}

    def call(name, seconds):
        results[name] = srv.request(body=body(seconds, name))

    a = threading.Thread(target=call, args=("A", 1.0))
    a.start()
    time.sleep(0.1)
    b = threading.Thread(target=call, args=("B", 0))
    b.start()
    time.sleep(0.05)
    c = socket.create_connection(("127.0.0.1", srv.http_port))
    data = body(0, "C")
    c.sendall(b"POST /api/v1.0/predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
    time.sleep(0.05)
    c.close()
    a.join()
    b.join()
    assert results["A"][0] == 504 and results["B"][0] == 504, results
    time.sleep(1.2)   # A ends in the worker; anything queued would run now
    with open(os.path.join(srv.folder, "calls.log")) as f:
        assert f.read().split() == ["A"]


def test_bounded_queue_503(services):
    srv = Service("Slow", {"Slow": SLOW}, ["--workers", "1", "--single-threaded", "1"],
                  env={"SELDON_MAX_QUEUED": "2"})
    services.append(srv)
    srv.wait_ready()
    results = []
    lock = threading.Lock()

    def one():
        r = srv.request(body=body(0.4, 0))
        with lock:
            results.append(r)

    threads = []
    for _ in range(6):
        t = threading.Thread(target=one)
        t.start()
        threads.append(t)
        time.sleep(0.03)
    for t in threads:
        t.join()
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 200, 200, 503, 503, 503], results
    for status, data in results:
        if status == 503:
            assert b"Too many calls are waiting" in data and is_error_json(data)


# ---------------------------------------------------------------------------------------------
# Debug mode (configuration.md §6.4)
# ---------------------------------------------------------------------------------------------

def test_debug_mode_one_process(services):
    srv = Service("Echo", {"Echo": ECHO}, ["--workers", "3", "--max-requests", "5", "--debug"])
    services.append(srv)
    srv.wait_ready()
    for _ in range(20):
        status, data = srv.request()
        assert status == 200, data
    assert len(srv.workers()) == 1
    out = srv.output()
    assert "Debug mode" in out
    assert " - DEBUG:  " in out
    assert "took over" not in out


def test_sigterm_graceful_timeout_answers_503(services):
    # Calls that outlast SELDON_GRACEFUL_TIMEOUT are answered 503 before the program exits 0.
    srv = Service("Slow", {"Slow": SLOW}, ["--workers", "2"], env={"SELDON_GRACEFUL_TIMEOUT": "1"})
    services.append(srv)
    srv.wait_ready()
    results = []

    def one():
        results.append(srv.request(body=body(10, 0), timeout=30))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    start = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(30)
    status = srv.proc.wait(30)
    took = time.monotonic() - start
    assert status == 0
    assert [r[0] for r in results] == [503] * 4, results
    assert all(is_error_json(r[1]) for r in results)
    assert took < 3, took
    report("SIGTERM with calls longer than SELDON_GRACEFUL_TIMEOUT=1: 4 x 503 after %.1f s, exit 0" % took)
