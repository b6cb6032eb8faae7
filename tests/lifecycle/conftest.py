# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the 'lifecycle' suite (issue 5): the real seldon-microservice serving Python
models in worker processes, real signals, real load.

``Service(models, ...)`` writes the model sources into a fresh folder and starts the program
there; ``Load(port, connections)`` runs a many-threaded HTTP client (one keep-alive connection
per thread) and records every answer. LOAD_SECONDS (default 10, the issue's figure is 20) sets
the length of the load phases; the figures are printed (pytest -s, or the log on failure).

Environment (tests/lifecycle/meson.build): SELDON_MICROSERVICE, SELDON_WORKER_PYTHONPATH,
GI_TYPELIB_PATH, LD_LIBRARY_PATH, GSETTINGS_*.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from portpick import free_port as _free_port  # noqa: E402

MICROSERVICE = os.environ.get("SELDON_MICROSERVICE", "")
LOAD_SECONDS = float(os.environ.get("SELDON_LIFECYCLE_LOAD_SECONDS", "10"))
REQUEST = json.dumps({"data": {"ndarray": [[1, 2]]}}).encode()

ECHO = """
class Echo:
    def predict(self, X, features_names=None):
        return X
"""


def free_port():
    return _free_port("lifecycle")


def children(pid):
    """Live child processes of `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return sorted(out)


def report(text):
    """A figure for the issue's resolution: printed, and kept in the report file if asked."""
    print("\n[lifecycle] " + text, flush=True)
    path = os.environ.get("SELDON_LIFECYCLE_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


class Service:
    """seldon-microservice serving the Python models of `models` ({"Name": source})."""

    def __init__(self, interface, models, args=(), env=None, wrapper=(), ports=True, start=True):
        if not MICROSERVICE:
            pytest.skip("SELDON_MICROSERVICE is not set")
        self.folder = tempfile.mkdtemp(prefix="seldon-lifecycle-")
        for name, source in models.items():
            with open(os.path.join(self.folder, name + ".py"), "w") as f:
                f.write(textwrap.dedent(source))
        self.http_port = free_port()
        self.metrics_port = free_port()
        argv = list(wrapper) + [MICROSERVICE, interface, "--grpc-workers", "0"]
        if ports:
            argv += ["--http-port", str(self.http_port), "--metrics-port", str(self.metrics_port)]
        argv += list(args)
        self.env = dict(os.environ)
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                     "LISTEN_FDNAMES", "SELDON_REQUEST_TIMEOUT_MS", "SELDON_MAX_QUEUED",
                     "SELDON_DEBUG", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
            self.env.pop(name, None)
        self.env["SELDON_ANNOTATIONS_FILE"] = os.path.join(self.folder, "no-annotations")
        self.env.update(env or {})
        self.log_path = os.path.join(self.folder, "output.log")
        self.argv = argv
        self.proc = None
        if start:
            self.start()

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=self.folder, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_output(self, pattern, timeout=10.0, since=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.output()[since:])
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        raise AssertionError("no %r in the output\n%s" % (pattern, self.output()[-5000:]))

    def request(self, path="/api/v1.0/predictions", body=REQUEST, timeout=10.0, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.http_port, timeout=timeout)
        try:
            conn.request("POST" if body is not None else "GET", path, body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def wait_ready(self, timeout=30.0, port=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the server exited with %s\n%s" % (self.proc.returncode, self.output()))
            try:
                status, _ = self.request("/health/ping", None, timeout=2.0, port=port)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("the server did not become ready\n%s" % self.output()[-5000:])

    def workers(self):
        return children(self.proc.pid)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc is not None:
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def services():
    started = []
    yield started
    for service in started:
        service.stop()


class Load:
    """`connections` threads, each sending POSTs one after another on a keep-alive connection
    (reconnecting when the server closes it), until stop(). Records every outcome."""

    def __init__(self, port, connections=32, body=REQUEST, path="/api/v1.0/predictions"):
        self.port = port
        self.body = body
        self.path = path
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []        # (status, body) of every non-200 answer
        self.errors = []          # transport errors: no answer
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(connections)]
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def _run(self):
        # The client stands for load from other machines: it must not starve the server it
        # measures of CPU (nice applies per thread on Linux).
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass
        conn = None
        while not self.stopping.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("POST", self.path, body=self.body,
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.errors.append(repr(exc))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            with self.lock:
                if resp.status == 200:
                    self.ok += 1
                else:
                    self.failures.append((resp.status, data))
        if conn is not None:
            conn.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        self.elapsed = time.monotonic() - self.started
        return self

    def total(self):
        return self.ok + len(self.failures) + len(self.errors)

    def summary(self):
        return "%d requests in %.1f s (%.0f/s), %d failed answers, %d without an answer" % (
            self.total(), self.elapsed, self.total() / self.elapsed, len(self.failures), len(self.errors))
