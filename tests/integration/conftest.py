# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the integration tests: start the real seldon-microservice binary on free ports,
talk to it over plain HTTP (http.client only) and stop it afterwards.

Environment (set by tests/meson.build):
  SELDON_MICROSERVICE         path of the seldon-microservice program
  SELDON_TEST_COMPONENTS_DIR  directory holding libtest-<name>.so (tests/components/)
  SELDON_TEST_HAVE_YAML       "true" when the program parses MODEL_METADATA as YAML

Every server gets GSETTINGS_BACKEND=memory and an environment stripped of every variable the
microservice reads (SELDON_ANNOTATIONS_FILE points nowhere), so nothing from the host leaks in;
a test adds what it needs.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import pytest

MICROSERVICE = os.environ.get("SELDON_MICROSERVICE", "")
COMPONENTS_DIR = os.environ.get("SELDON_TEST_COMPONENTS_DIR", "")
HAVE_YAML = os.environ.get("SELDON_TEST_HAVE_YAML", "") == "true"

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

# Variables the microservice (or upstream) reads: never inherited from the test runner.
_STRIP_PREFIXES = ("PREDICTIVE_UNIT_", "GUNICORN_", "FLASK_", "GRPC_", "JAEGER_", "PREDICTOR_")
_STRIP_NAMES = {
    "TRACING", "PAYLOAD_PASSTHROUGH", "INCLUDE_METRICS_IN_CLIENT_RESPONSE",
    "SELDON_EXECUTOR_ENABLED", "MODEL_METADATA", "FILTER_METRICS_ACCESS_LOGS", "LOG_LEVEL_ENV",
    "SELDON_LOG_LEVEL", "SELDON_DEBUG", "SELDON_DEPLOYMENT_ID", "SELDON_METRICS_AGGREGATE",
    "SELDON_MAX_BODY_BYTES", "SELDON_REQUEST_TIMEOUT_MS", "USE_MULTIPROCESS_PACKAGE",
    "WEB_CONCURRENCY", "GSETTINGS_BACKEND",
}


def component(name):
    """Path of the test component module `name` (identity, tagged, behave, nomethods)."""
    return os.path.join(COMPONENTS_DIR, "libtest-%s.so" % name)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import portpick  # noqa: E402
from httphelp import dumps, http_request, seldon_error  # noqa: E402,F401


def free_port():
    return portpick.free_port("integration")


def params(**kwargs):
    """--parameters JSON for the Behave component: params(result_kind="none", p_int=("5","INT"))
    -- underscores become dashes; a value given as a tuple is (value, TYPE), else STRING."""
    out = []
    for key, value in kwargs.items():
        name = key.replace("_", "-")
        if isinstance(value, tuple):
            out.append({"name": name, "value": value[0], "type": value[1]})
        elif isinstance(value, bool):
            out.append({"name": name, "value": "true" if value else "false", "type": "BOOL"})
        elif isinstance(value, int):
            out.append({"name": name, "value": str(value), "type": "INT"})
        else:
            out.append({"name": name, "value": value, "type": "STRING"})
    return json.dumps(out)


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in _STRIP_NAMES and not k.startswith(_STRIP_PREFIXES)
           and not (k.startswith("SELDON_") and not k.startswith("SELDON_WORKER"))}
    env["GSETTINGS_BACKEND"] = "memory"
    # never read the host's /etc/podinfo/annotations
    env["SELDON_ANNOTATIONS_FILE"] = "/nonexistent/seldon-itest/annotations"
    env.setdefault("G_DEBUG", "fatal-criticals")
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def scrape(srv, path="/metrics"):
    """The metrics text of a server (metrics.md §1)."""
    r = srv.metrics_client.get(path)
    assert r.status == 200, r
    return r.body.decode()


class Client:
    """A tiny HTTP/1.1 client on top of http.client; one connection per request."""

    def __init__(self, port, host="127.0.0.1"):
        self.host = host
        self.port = port

    def request(self, method, path, body=None, headers=None, timeout=30.0):
        return http_request(self.port, method, path, body, headers, timeout=timeout, host=self.host)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_json(self, path, obj, content_type="application/json", method="POST", **kw):
        """POST a JSON document: `obj` is sent as is when it is str/bytes, else json.dumps'd."""
        body = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
        headers = dict(kw.pop("headers", {}) or {})
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.request(method, path, body=body, headers=headers, **kw)

    def get_json_param(self, path, text, method="GET", **kw):
        """GET path?json=<text> (URL-encoded)."""
        return self.request(method, path + "?json=" + urllib.parse.quote(text, safe=""), **kw)

    def raw(self, data, timeout=10.0):
        """Send raw bytes on a fresh TCP connection, return everything read until close."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)


class MetricsClient(Client):
    """The metrics port: a refused connection is reported as such (not a bare socket error)."""

    def request(self, method, path, **kw):
        try:
            return super().request(method, path, **kw)
        except ConnectionRefusedError:
            raise AssertionError("nothing listens on the metrics port %d (metrics.md §1)" % self.port)


class Server:
    """One seldon-microservice process."""

    def __init__(self, args, env=None, ports=True, grpc=False, cwd=None):
        self.http_port = free_port()
        self.metrics_port = free_port()
        self.grpc_port = free_port()
        self.argv = [MICROSERVICE] + list(args)
        if ports:
            self.argv += ["--http-port", str(self.http_port),
                          "--metrics-port", str(self.metrics_port),
                          "--grpc-port", str(self.grpc_port)]
            if not grpc:
                self.argv += ["--grpc-workers", "0"]
        self.env = clean_env(env)
        self.tmpdir = tempfile.TemporaryDirectory(prefix="seldon-itest-")
        self.stdout_path = os.path.join(self.tmpdir.name, "stdout")
        self.stderr_path = os.path.join(self.tmpdir.name, "stderr")
        self._stdout = open(self.stdout_path, "wb")
        self._stderr = open(self.stderr_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self._stdout,
                                     stderr=self._stderr, stdin=subprocess.DEVNULL,
                                     cwd=cwd or self.tmpdir.name)
        self.client = Client(self.http_port)
        self.metrics_client = MetricsClient(self.metrics_port)
        self.returncode = None
        self.reported = False

    # -- output ---------------------------------------------------------------------------
    def stdout(self):
        if not self._stdout.closed:
            self._stdout.flush()
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def output(self):
        return self.stdout() + self.stderr()

    def describe(self):
        return "argv: %r\nexit: %r\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.argv, self.proc.poll(), self.stdout()[-4000:], self.stderr()[-4000:])

    # -- life cycle -----------------------------------------------------------------------
    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                self.reported = True
                raise AssertionError("seldon-microservice exited during start-up\n" + self.describe())
            try:
                r = self.client.get("/health/ping", timeout=2.0)
                if r.status == 200:
                    return self
                last = r
            except OSError as e:
                last = e
            time.sleep(0.02)
        raise AssertionError("seldon-microservice not ready after %.0fs (last: %r)\n%s"
                             % (timeout, last, self.describe()))

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def assert_alive(self):
        assert self.alive(), "seldon-microservice died\n" + self.describe()
        r = self.client.get("/health/ping", timeout=10.0)
        assert r.status == 200 and r.body == b"pong", "ping failed after request: %r" % r

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; returns (exit status, crashed-before?)."""
        crashed = not self.alive()
        if not crashed:
            self.proc.send_signal(signal.SIGTERM)
            if self.wait_exit() is None:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self._stdout.close()
        self._stderr.close()
        return self.returncode, crashed

    def cleanup(self):
        self.tmpdir.cleanup()


def run_program(args, env=None, timeout=20.0, ports=True):
    """Run the program to completion (start-up failures); returns (status, stdout, stderr,
    description)."""
    srv = Server(args, env=env, ports=ports)
    rc = srv.wait_exit(timeout)
    if rc is None:
        srv.stop()
        out = srv.describe()
        srv.cleanup()
        raise AssertionError("program did not exit within %.0fs\n%s" % (timeout, out))
    srv.stop()
    result = (rc, srv.stdout(), srv.stderr(), srv.describe())
    srv.cleanup()
    return result


class ServerPool:
    """Starts servers on demand and shares them by configuration; at teardown every server must
    still be alive (a crash fails the module)."""

    def __init__(self):
        self.servers = {}
        self.extra = []

    def _key(self, name, args, env, parameters):
        return (name, tuple(args), tuple(sorted((env or {}).items())), parameters)

    def spawn(self, name, args=(), env=None, parameters=None, grpc=False):
        argv = [component(name)]
        if parameters is not None:
            argv += ["--parameters", parameters]
        argv += list(args)
        return Server(argv, env=env, grpc=grpc)

    def get(self, name, args=(), env=None, parameters=None, grpc=False):
        key = self._key(name, args, env, parameters)
        srv = self.servers.get(key)
        if srv is None:
            srv = self.spawn(name, args, env, parameters, grpc=grpc)
            self.servers[key] = srv
            srv.wait_ready()
        return srv

    def get_many(self, specs):
        """Start several servers concurrently; specs = list of dicts of get() arguments."""
        started = []
        for spec in specs:
            key = self._key(spec["name"], spec.get("args", ()), spec.get("env"),
                            spec.get("parameters"))
            if key not in self.servers:
                self.servers[key] = self.spawn(**spec)
                started.append(self.servers[key])
        for srv in started:
            srv.wait_ready()
        return [self.get(**spec) for spec in specs]

    def new(self, name, args=(), env=None, parameters=None, wait=True, grpc=False):
        """A server of its own (not shared), still checked and stopped at teardown."""
        srv = self.spawn(name, args, env, parameters, grpc=grpc)
        self.extra.append(srv)
        if wait:
            srv.wait_ready()
        return srv

    def close(self):
        """Stops every server; returns the descriptions of those that had died."""
        crashed = []
        for srv in list(self.servers.values()) + self.extra:
            if srv.returncode is None:
                rc, was_dead = srv.stop()
                if was_dead and not srv.reported:
                    crashed.append(srv.describe())
            srv.cleanup()
        self.servers.clear()
        self.extra = []
        return crashed


@pytest.fixture(scope="session", autouse=True)
def _check_environment():
    if not MICROSERVICE or not os.access(MICROSERVICE, os.X_OK):
        pytest.exit("SELDON_MICROSERVICE must name the seldon-microservice program "
                    "(run through `meson test --suite integration`)", returncode=2)
    if not COMPONENTS_DIR or not os.path.exists(component("identity")):
        pytest.exit("SELDON_TEST_COMPONENTS_DIR must name the built tests/components directory",
                    returncode=2)


@pytest.fixture(scope="module")
def pool():
    p = ServerPool()
    yield p
    crashed = p.close()
    if crashed:
        pytest.fail("seldon-microservice crashed during the module:\n" +
                    "\n".join(crashed))


@pytest.fixture
def fresh(pool):
    """Per-test: after the test, every server started by the module is still alive."""
    yield pool
    for srv in list(pool.servers.values()) + pool.extra:
        if srv.returncode is None and not srv.alive():
            pytest.fail("seldon-microservice crashed\n" + srv.describe())


@pytest.fixture(scope="module")
def identity(pool):
    return pool.get("identity").client


@pytest.fixture(scope="module")
def tagged(pool):
    return pool.get("tagged").client


@pytest.fixture(scope="module")
def nomethods(pool):
    return pool.get("nomethods").client


def parallel(fn, args_list):
    """Run fn(*args) for each args concurrently; returns the results in order."""
    results = [None] * len(args_list)
    errors = []

    def run(i, args):
        try:
            results[i] = fn(*args)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def expect(r, status, body, content_type="application/json"):
    """Assert the exact status, Content-Type and body. `body` is the spec's text without the
    trailing newline (str), exact bytes, or an object serialised like upstream."""
    if isinstance(body, str):
        body = body.encode() + b"\n"
    elif not isinstance(body, bytes):
        body = dumps(body)
    assert (r.status, r.body) == (status, body), "got %r" % (r,)
    if content_type is not None:
        assert r.header("Content-Type") == content_type, "got %r" % (r,)


def expect_error(r, status, info, reason="MICROSERVICE_BAD_DATA"):
    expect(r, status, seldon_error(info, reason))


def expect_error_like(r, status, reason, info_prefix=""):
    """An error object with this status and reason whose info starts with info_prefix."""
    assert r.status == status, "got %r" % (r,)
    assert r.header("Content-Type") == "application/json", "got %r" % (r,)
    doc = r.json()
    assert list(doc) == ["status"], "got %r" % (r,)
    st = doc["status"]
    assert (st["code"], st["reason"], st["status"]) == (-1, reason, 1), "got %r" % (r,)
    assert sorted(st) == ["code", "info", "reason", "status"], "got %r" % (r,)
    assert isinstance(st["info"], str) and st["info"].startswith(info_prefix), "got %r" % (r,)
    assert r.body.endswith(b"\n") and r.body == dumps(doc), "not canonical: %r" % (r,)
    return st["info"]


def multipart(fields=(), files=(), boundary="itest-boundary-7d3f"):
    """A multipart/form-data body: fields = [(name, text)], files = [(name, filename, bytes)].
    Returns (body, content_type)."""
    out = b""
    for name, value in fields:
        out += b"--" + boundary.encode() + b"\r\n"
        out += b'Content-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        out += (value.encode() if isinstance(value, str) else value) + b"\r\n"
    for name, filename, data in files:
        out += b"--" + boundary.encode() + b"\r\n"
        out += (b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="'
                + filename.encode() + b'"\r\n')
        out += b"Content-Type: application/octet-stream\r\n\r\n"
        out += (data.encode() if isinstance(data, str) else data) + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def behave(_env=None, _args=(), **kwargs):
    """Server spec (for ServerPool.get) of the Behave component with these properties."""
    spec = {"name": "behave", "parameters": params(**kwargs), "args": tuple(_args)}
    if _env:
        spec["env"] = _env
    return spec


@pytest.fixture
def tmp_pool():
    """Per-test servers (for one-off configurations): stopped when the test ends, and the test
    fails if one of them crashed."""
    p = ServerPool()
    yield p
    crashed = p.close()
    if crashed:
        pytest.fail("seldon-microservice crashed during the test:\n" +
                    "\n".join(crashed))
