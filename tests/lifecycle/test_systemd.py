# SPDX-License-Identifier: LGPL-2.1-or-later
"""systemd integration (issue 5 item 5): socket activation with systemd-socket-activate, and
the sd_notify datagrams read from a NOTIFY_SOCKET the test creates (READY after load,
STOPPING on SIGTERM, RELOADING on SIGHUP, WATCHDOG pings)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import ECHO, Service

SLOW_LOAD = """
import time

class SlowLoad:
    def load(self):
        time.sleep(1.0)

    def predict(self, X, features_names=None):
        return X
"""

PASS_ENV = ("SELDON_WORKER_PYTHONPATH", "SELDON_WORKER_DIR", "GI_TYPELIB_PATH", "LD_LIBRARY_PATH",
            "GSETTINGS_BACKEND", "GSETTINGS_SCHEMA_DIR", "PYTHONDONTWRITEBYTECODE", "PATH",
            "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


class Notify:
    """A NOTIFY_SOCKET: a datagram socket at a path, or in the abstract namespace."""

    def __init__(self, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "seldon-lifecycle-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.dir = tempfile.mkdtemp(prefix="seldon-notify-")
            self.address = os.path.join(self.dir, "notify")
            self.sock.bind(self.address)
        self.abstract = abstract
        self.messages = []   # (monotonic time, text)

    def close(self):
        self.sock.close()
        if not self.abstract:
            shutil.rmtree(self.dir, ignore_errors=True)

    def read(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        self.messages.append((time.monotonic(), data.decode()))
        return data.decode()

    def wait_for(self, assignment, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.read(max(deadline - time.monotonic(), 0.01))
            if text is not None and assignment in text.split("\n"):
                return time.monotonic()
        raise AssertionError("no %s among %r" % (assignment, self.messages))


@pytest.fixture
def notifier():
    made = []

    def make(abstract=False):
        made.append(Notify(abstract))
        return made[-1]

    yield make
    for notify in made:
        notify.close()


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_notify_ready_after_load_and_stopping(services, notifier, abstract):
    notify = notifier(abstract)
    srv = Service("SlowLoad", {"SlowLoad": SLOW_LOAD}, ["--workers", "2"], start=False,
                  env={"NOTIFY_SOCKET": notify.address})
    started = time.monotonic()
    srv.start()
    services.append(srv)
    ready = notify.wait_for("READY=1")
    # READY only once every worker ran its 1 s load(); serving at once then.
    assert ready - started >= 1.0, notify.messages
    status, _ = srv.request(timeout=2)
    assert status == 200
    texts = [t for _, t in notify.messages]
    assert any(t.startswith("STATUS=Loading SlowLoad") for t in texts), texts
    assert any("STATUS=Serving: 2 worker process(es)" in t for t in texts), texts
    # The variables are not passed on to the workers.
    for pid in srv.workers():
        with open("/proc/%d/environ" % pid, "rb") as f:
            assert b"NOTIFY_SOCKET=" not in f.read()

    srv.proc.send_signal(signal.SIGHUP)
    notify.wait_for("RELOADING=1")
    notify.wait_for("READY=1", timeout=20)

    srv.proc.send_signal(signal.SIGTERM)
    notify.wait_for("STOPPING=1")
    assert srv.proc.wait(30) == 0


def test_watchdog_pings(services, notifier):
    notify = notifier()
    srv = Service("Echo", {"Echo": ECHO}, start=False,
                  env={"NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "200000"})
    srv.start()
    services.append(srv)
    notify.wait_for("READY=1")
    start = time.monotonic()
    pings = 0
    while time.monotonic() - start < 1.0:
        text = notify.read(0.5)
        if text == "WATCHDOG=1":
            pings += 1
    # one every WATCHDOG_USEC / 2 = 100 ms
    assert 5 <= pings <= 15, notify.messages


@pytest.mark.parametrize("named", [True, False], ids=["named", "by-port"])
def test_socket_activation(services, notifier, named):
    activate = shutil.which("systemd-socket-activate")
    if activate is None:
        pytest.skip("systemd-socket-activate is not installed (Debian package systemd)")
    probe = Service("Echo", {"Echo": ECHO}, start=False)
    notify = notifier()
    if named:
        # names say which is which; the port settings are not used (nothing binds 1 or 2)
        listen = ["-l", "127.0.0.1:%d" % probe.http_port, "-l", "127.0.0.1:%d" % probe.metrics_port,
                  "--fdname=http:metrics"]
        ports = ["--http-port", "1", "--metrics-port", "2"]
    else:
        # unnamed sockets, metrics first: each is the listener configured on its port
        listen = ["-l", "127.0.0.1:%d" % probe.metrics_port, "-l", "127.0.0.1:%d" % probe.http_port]
        ports = ["--http-port", str(probe.http_port), "--metrics-port", str(probe.metrics_port)]
    wrapper = [activate] + listen + ["-E", "NOTIFY_SOCKET=" + notify.address]
    for name in PASS_ENV:
        if name in os.environ:
            wrapper += ["-E", "%s=%s" % (name, os.environ[name])]
    srv = Service("Echo", {"Echo": ECHO}, ["--workers", "2"] + ports,
                  wrapper=wrapper, ports=False, start=False)
    srv.http_port, srv.metrics_port = probe.http_port, probe.metrics_port
    srv.start()
    services.append(srv)
    time.sleep(0.2)
    # The first connection starts the program; it waits in the socket's backlog meanwhile.
    status, data = srv.request(timeout=30)
    assert status == 200, data
    notify.wait_for("READY=1")
    out = srv.output()
    fds = (3, 4) if named else (4, 3)
    assert re.search(r"Socket activation: fd %d \(\w+\) is the REST listener" % fds[0], out), out
    assert re.search(r"Socket activation: fd %d \(\w+\) is the metrics listener" % fds[1], out), out
    conn_status, text = srv.request("/metrics", None, port=srv.metrics_port)
    assert conn_status == 200
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(30) == 0


JOURNAL_SOCKET = "/run/systemd/journal/socket"


def test_journald_structured_logging(services):
    # GLib sends to journald's fixed socket: stand in for journald when there is none (needs
    # root to create it; skipped where a real journald runs).
    if os.path.exists(JOURNAL_SOCKET) or os.geteuid() != 0:
        pytest.skip("needs root and no running journald")
    created = not os.path.isdir(os.path.dirname(JOURNAL_SOCKET))
    os.makedirs(os.path.dirname(JOURNAL_SOCKET), exist_ok=True)
    journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    journal.bind(JOURNAL_SOCKET)
    try:
        srv = Service("Echo", {"Echo": ECHO}, ["--workers", "2", "--log-level", "DEBUG"], start=False)
        srv._log = open(srv.log_path, "wb")
        st = os.fstat(srv._log.fileno())
        # stderr is "the journal stream": JOURNAL_STREAM names its device and inode.
        srv.env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        srv.proc = subprocess.Popen(srv.argv, cwd=srv.folder, env=srv.env, stdout=srv._log,
                                    stderr=srv._log, start_new_session=True)
        services.append(srv)
        srv.wait_ready()
        entries = []
        journal.settimeout(0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                data = journal.recv(65536)
            except socket.timeout:
                if any(e.get("MESSAGE", "").startswith("Workers: 2 process") for e in entries):
                    break
                continue
            entry = {}
            for line in data.decode("utf-8", "replace").split("\n"):
                if "=" in line:
                    key, _, value = line.partition("=")
                    entry[key] = value
            entries.append(entry)
        front = [e for e in entries if e.get("MESSAGE", "").startswith("Workers: 2 process")]
        assert front, entries[:20]
        assert front[0]["PRIORITY"] == "6" and front[0]["SELDON_LEVEL"] == "INFO", front[0]
        assert front[0]["GLIB_DOMAIN"] == "seldon_microservice" and "CODE_FUNC" in front[0]
        for e in entries:
            assert e.get("SELDON_WORKER", "0") in ("0", "1"), e
        # nothing of the front went to stderr
        assert "Workers: 2 process" not in srv.output()
    finally:
        journal.close()
        os.unlink(JOURNAL_SOCKET)
        if created:
            os.rmdir(os.path.dirname(JOURNAL_SOCKET))
