# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the 'metrics' suite (issue 6): the real seldon-microservice serving a plain
Python model in worker processes, Prometheus scrapes checked with promtool, and an OTLP/HTTP
receiver for the tracing tests.

Environment (set by tests/metrics/meson.build): SELDON_MICROSERVICE, SELDON_WORKER_PYTHONPATH,
SELDON_WORKER_DIR, GI_TYPELIB_PATH, LD_LIBRARY_PATH; SELDON_PROTO_DIR for the gRPC calls (the
message classes and call helper of tests/grpc/conftest.py are reused, see `grpc_helpers`).
"""

import http.client
import http.server
import importlib.util
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
import portpick  # noqa: E402
from httphelp import http_request as _http_request  # noqa: E402

MICROSERVICE = os.environ.get("SELDON_MICROSERVICE", "")
PROMTOOL = shutil.which("promtool")
HTTP_TIMEOUT = 30.0
START_TIMEOUT = 60.0

_STRIP_PREFIXES = ("PREDICTIVE_UNIT_", "GUNICORN_", "FLASK_", "GRPC_", "JAEGER_", "PREDICTOR_", "OTEL_")
_STRIP_NAMES = {
    "TRACING", "PAYLOAD_PASSTHROUGH", "INCLUDE_METRICS_IN_CLIENT_RESPONSE",
    "SELDON_EXECUTOR_ENABLED", "MODEL_METADATA", "FILTER_METRICS_ACCESS_LOGS", "LOG_LEVEL_ENV",
    "SELDON_LOG_LEVEL", "SELDON_DEBUG", "SELDON_DEPLOYMENT_ID", "SELDON_METRICS_AGGREGATE",
    "GSETTINGS_BACKEND",
}

needs_program = pytest.mark.skipif(not (MICROSERVICE and os.access(MICROSERVICE, os.X_OK)),
                                   reason="needs the real seldon-microservice (SELDON_MICROSERVICE)")


def free_port():
    return portpick.free_port("metrics")


def http_request(port, method, path, body=None, headers=None):
    return _http_request(port, method, path, body, headers, timeout=HTTP_TIMEOUT)


# ------------------------------------------------------------------------------------------
# the exposition
# ------------------------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """[(name, {label: value}, float)] of every sample line."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = dict(_LABEL.findall(m.group(2) or ""))
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def promtool_check(text):
    """promtool parses the exposition (exit 1 on any error); its lints (exit 3) may only be
    about custom metrics' empty help text (metrics.md §4.1), never about the server's own."""
    if PROMTOOL is None:
        return
    proc = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True,
                          timeout=30)
    out = (proc.stdout + proc.stderr).decode()
    problems = [ln for ln in out.splitlines()
                if ln.strip() and not (ln.endswith(" no help text")
                                       and not ln.startswith(("seldon_microservice_", "process_")))]
    assert proc.returncode in (0, 3) and not problems, out + "\n--- exposition ---\n" + text[:4000]


def select(samples, name, **labels):
    return [(l, v) for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]


def total(samples, name, **labels):
    return sum(v for _, v in select(samples, name, **labels))


# ------------------------------------------------------------------------------------------
# the program
# ------------------------------------------------------------------------------------------


class Service:
    def __init__(self, folder, interface, args=(), env=None, grpc=None):
        """@grpc: the module of tests/grpc/conftest.py (`grpc_helpers`) to also serve gRPC
        (on .grpc_port; call with .grpc_unary()), or None for REST only."""
        self.port = free_port()
        self.metrics_port = free_port()
        self.grpc = grpc
        self.grpc_port = free_port() if grpc is not None else 0
        self._channel = None
        grpc_args = (["--grpc-workers", "1", "--grpc-port", str(self.grpc_port)] if grpc is not None
                     else ["--grpc-workers", "0"])
        self.argv = [MICROSERVICE, interface, "--http-port", str(self.port),
                     "--metrics-port", str(self.metrics_port)] + grpc_args + list(args)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in _STRIP_NAMES and not k.startswith(_STRIP_PREFIXES)}
        self.env["GSETTINGS_BACKEND"] = "memory"
        self.env["SELDON_ANNOTATIONS_FILE"] = "/nonexistent/seldon-metrics-test/annotations"
        for key, value in (env or {}).items():
            if value is None:
                self.env.pop(key, None)
            else:
                self.env[key] = value
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=folder, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("seldon-microservice exited %d\n%s" % (self.proc.returncode, self.output()))
            try:
                if http_request(self.port, "GET", "/health/ping").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        output = self.output()
        self.close()
        raise AssertionError("seldon-microservice not ready\n" + output)

    def post(self, path, obj, headers=None):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return http_request(self.port, "POST", path, body, all_headers)

    def scrape(self, check=True):
        """The metrics text (promtool-checked)."""
        resp = http_request(self.metrics_port, "GET", "/metrics")
        assert resp.status == 200, resp
        text = resp.body.decode()
        if check:
            promtool_check(text)
        return text

    def samples(self):
        return parse_exposition(self.scrape())

    def load(self, path, body, total_requests, connections):
        """@total_requests POSTs over @connections keep-alive connections at once; returns
        the status counts."""
        counts = {}
        lock = threading.Lock()
        errors = []
        share = [total_requests // connections + (1 if i < total_requests % connections else 0)
                 for i in range(connections)]

        def client(n):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
            local = {}
            try:
                for _ in range(n):
                    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    local[resp.status] = local.get(resp.status, 0) + 1
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                conn.close()
            with lock:
                for k, v in local.items():
                    counts[k] = counts.get(k, 0) + v

        threads = [threading.Thread(target=client, args=(n,)) for n in share]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        return counts

    def grpc_unary(self, path, request, response_cls=None, metadata=None, timeout=HTTP_TIMEOUT):
        """A unary gRPC call (tests/grpc/conftest.py Server.unary); raises grpc.RpcError."""
        if self._channel is None:
            self._channel = self.grpc.grpc.insecure_channel("127.0.0.1:%d" % self.grpc_port)
            self.grpc.grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT)
        return self.grpc.Server.unary(None, path, request, response_cls, timeout=timeout,
                                      metadata=metadata, channel=self._channel)

    def close(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def serve(tmp_path):
    """serve(source, args=(), env=None, name="MyModel", grpc=None) -> Service: @source
    (dedented) is written to NAME.py in a fresh folder and served by the real program (also
    over gRPC with grpc=the `grpc_helpers` module)."""
    services = []

    def start(source, args=(), env=None, name="MyModel", grpc=None):
        with open(os.path.join(str(tmp_path), name + ".py"), "w") as f:
            f.write(textwrap.dedent(source))
        service = Service(str(tmp_path), name, args, env, grpc)
        services.append(service)
        return service

    yield start
    for service in services:
        service.close()


# ------------------------------------------------------------------------------------------
# an OTLP/HTTP (JSON) receiver
# ------------------------------------------------------------------------------------------


class OtlpReceiver:
    def __init__(self):
        self.requests = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.cond:
                    receiver.requests.append((self.path, self.headers.get("Content-Type"), body))
                    receiver.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def spans(self):
        """Every span received, each a dict with its resource's attributes under "_resource"."""
        out = []
        with self.cond:
            requests = list(self.requests)
        for path, content_type, body in requests:
            assert path == "/v1/traces", path
            assert content_type == "application/json", content_type
            doc = json.loads(body)
            for rs in doc["resourceSpans"]:
                resource = attributes(rs["resource"])
                for ss in rs["scopeSpans"]:
                    for span in ss["spans"]:
                        span = dict(span)
                        span["_resource"] = resource
                        out.append(span)
        return out

    def wait_spans(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans()
            if predicate(spans) or time.monotonic() > deadline:
                return spans
            with self.cond:
                self.cond.wait(0.1)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def attributes(obj):
    """{key: value} of an OTLP attribute list (string and int values)."""
    out = {}
    for a in obj.get("attributes", []):
        v = a["value"]
        out[a["key"]] = v.get("stringValue", v.get("intValue"))
    return out


@pytest.fixture
def otlp():
    receiver = OtlpReceiver()
    yield receiver
    receiver.close()


# ------------------------------------------------------------------------------------------
# gRPC calls: tests/grpc/conftest.py reused
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def grpc_helpers(tmp_path_factory):
    """tests/grpc/conftest.py, loaded under its own name (this directory's conftest has
    the same module name), with .protos set to its generated message classes (Protos).
    Skips without grpcio, protoc or SELDON_PROTO_DIR."""
    pytest.importorskip("grpc")
    pytest.importorskip("google.protobuf")
    if shutil.which("protoc") is None or not os.environ.get("SELDON_PROTO_DIR"):
        pytest.skip("gRPC calls need protoc and SELDON_PROTO_DIR")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "grpc", "conftest.py")
    spec = importlib.util.spec_from_file_location("seldon_grpc_suite_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.protos = module.Protos(str(tmp_path_factory.mktemp("protos")))
    return module
