# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the 'grpc' suite: start the real seldon-microservice with a native test
component (tests/components/) or a plain Python model class, and call it with grpcio.

The message classes are generated when the session starts, with protoc --python_out from our
own proto/ (prediction.proto and the TensorFlow subset; the google.protobuf well-known types
come from the installed protobuf package). Calls use generic channel.unary_unary() etc. with
the classes' serializers: no grpc_tools, no generated stubs.

Environment (set by tests/grpc/meson.build):
  SELDON_MICROSERVICE          the program
  SELDON_TEST_COMPONENTS_DIR   the built tests/components
  SELDON_PROTO_DIR             the source proto/ directory
  SELDON_TEST_PYTHON_MODELS    "true" when the program can run Python models (introspection)
  SELDON_WORKER_*, GI_TYPELIB_PATH, LD_LIBRARY_PATH: what Python worker processes need
"""

import http.client
import importlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import grpc
import pytest

MICROSERVICE = os.environ.get("SELDON_MICROSERVICE", "")
COMPONENTS_DIR = os.environ.get("SELDON_TEST_COMPONENTS_DIR", "")
PROTO_DIR = os.environ.get("SELDON_PROTO_DIR", "")
PYTHON_MODELS = os.environ.get("SELDON_TEST_PYTHON_MODELS", "") == "true"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import portpick  # noqa: E402

_STRIP_PREFIXES = ("PREDICTIVE_UNIT_", "GUNICORN_", "FLASK_", "GRPC_", "JAEGER_", "PREDICTOR_")
_STRIP_NAMES = {
    "TRACING", "PAYLOAD_PASSTHROUGH", "INCLUDE_METRICS_IN_CLIENT_RESPONSE",
    "SELDON_EXECUTOR_ENABLED", "MODEL_METADATA", "FILTER_METRICS_ACCESS_LOGS", "LOG_LEVEL_ENV",
    "SELDON_LOG_LEVEL", "SELDON_DEBUG", "SELDON_DEPLOYMENT_ID", "SELDON_METRICS_AGGREGATE",
    "SELDON_MAX_BODY_BYTES", "SELDON_REQUEST_TIMEOUT_MS", "USE_MULTIPROCESS_PACKAGE",
    "WEB_CONCURRENCY", "GSETTINGS_BACKEND",
}


def free_port():
    return portpick.free_port("grpc")


def component(name):
    return os.path.join(COMPONENTS_DIR, "libtest-%s.so" % name)


# ------------------------------------------------------------------------------------------
# message classes
# ------------------------------------------------------------------------------------------

_PROTO_FILES = [
    "prediction.proto",
    "tensorflow/core/framework/tensor.proto",
    "tensorflow/core/framework/tensor_shape.proto",
    "tensorflow/core/framework/types.proto",
    "tensorflow/core/framework/resource_handle.proto",
]


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Protos:
    """The generated modules: pb.SeldonMessage, pb.Feedback, ..., tf.TensorProto, ..."""

    def __init__(self, outdir):
        protoc = shutil.which("protoc")
        if protoc is None:
            pytest.exit("protoc is needed (Debian package protobuf-compiler)", returncode=2)
        subprocess.run([protoc, "--proto_path=" + PROTO_DIR, "--python_out=" + outdir] + _PROTO_FILES,
                       check=True)
        sys.path.insert(0, outdir)
        self.pb = importlib.import_module("prediction_pb2")
        self.tf = importlib.import_module("tensorflow.core.framework.tensor_pb2")
        self.tf_types = importlib.import_module("tensorflow.core.framework.types_pb2")
        self.tf_shape = importlib.import_module("tensorflow.core.framework.tensor_shape_pb2")
        # grpc.health.v1 / grpc.reflection.*: loaded by path, their package name would clash
        # with the grpc module.
        own = ["grpc/health/v1/health.proto", "grpc/reflection/v1alpha/reflection.proto",
               "grpc/reflection/v1/reflection.proto"]
        subprocess.run([protoc, "--proto_path=" + PROTO_DIR, "--python_out=" + outdir] + own, check=True)
        self.health = _load(os.path.join(outdir, "grpc/health/v1/health_pb2.py"), "seldon_test_health_pb2")
        self.reflection = _load(os.path.join(outdir, "grpc/reflection/v1alpha/reflection_pb2.py"),
                                "seldon_test_reflection_v1alpha_pb2")
        self.reflection_v1 = _load(os.path.join(outdir, "grpc/reflection/v1/reflection_pb2.py"),
                                   "seldon_test_reflection_v1_pb2")
        from google.protobuf import any_pb2, empty_pb2, json_format, struct_pb2
        self.empty = empty_pb2
        self.struct = struct_pb2
        self.any = any_pb2
        self.json_format = json_format


@pytest.fixture(scope="session")
def protos(tmp_path_factory):
    if not PROTO_DIR:
        pytest.exit("SELDON_PROTO_DIR must name the proto/ directory", returncode=2)
    return Protos(str(tmp_path_factory.mktemp("protos")))


# ------------------------------------------------------------------------------------------
# the program
# ------------------------------------------------------------------------------------------


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in _STRIP_NAMES and not k.startswith(_STRIP_PREFIXES)
           and not (k.startswith("SELDON_") and not k.startswith("SELDON_WORKER"))}
    env["GSETTINGS_BACKEND"] = "memory"
    env["SELDON_ANNOTATIONS_FILE"] = "/nonexistent/seldon-grpc-test/annotations"
    env.setdefault("G_DEBUG", "fatal-criticals")
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def params(**kwargs):
    """--parameters JSON for the Behave component (underscores become dashes)."""
    out = []
    for key, value in kwargs.items():
        name = key.replace("_", "-")
        if isinstance(value, bool):
            out.append({"name": name, "value": "true" if value else "false", "type": "BOOL"})
        elif isinstance(value, int):
            out.append({"name": name, "value": str(value), "type": "INT"})
        else:
            out.append({"name": name, "value": value, "type": "STRING"})
    return json.dumps(out)


class Server:
    """One seldon-microservice process with gRPC on; .channel is a grpcio channel to it."""

    def __init__(self, argv, env=None, cwd=None, grpc_workers=1, wait=True):
        self.http_port = free_port()
        self.metrics_port = free_port()
        self.grpc_port = free_port()
        self.argv = [MICROSERVICE] + list(argv) + [
            "--http-port", str(self.http_port), "--metrics-port", str(self.metrics_port),
            "--grpc-port", str(self.grpc_port), "--grpc-workers", str(grpc_workers)]
        self.env = clean_env(env)
        self.tmpdir = tempfile.TemporaryDirectory(prefix="seldon-grpctest-")
        self.log_path = os.path.join(self.tmpdir.name, "log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=cwd or self.tmpdir.name)
        self._channel = None
        self.returncode = None
        if wait:
            self.wait_ready()

    @property
    def target(self):
        return "127.0.0.1:%d" % self.grpc_port

    @property
    def channel(self):
        if self._channel is None:
            self._channel = grpc.insecure_channel(self.target)
        return self._channel

    def output(self):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def describe(self):
        return "argv: %r\nexit: %r\n--- output ---\n%s" % (self.argv, self.proc.poll(), self.output()[-6000:])

    def alive(self):
        return self.proc.poll() is None

    def http_get(self, path, port=None, timeout=5.0):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.http_port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def metrics(self):
        status, body = self.http_get("/metrics", port=self.metrics_port)
        assert status == 200
        return body.decode()

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError("seldon-microservice exited during start-up\n" + self.describe())
            try:
                if self.http_get("/health/ping", timeout=2.0)[0] == 200:
                    grpc.channel_ready_future(self.channel).result(timeout=5)
                    return self
            except (OSError, grpc.FutureTimeoutError):
                pass
            time.sleep(0.05)
        raise AssertionError("seldon-microservice not ready\n" + self.describe())

    def close_channel(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def stop(self, sig=signal.SIGTERM):
        """Stops the program; returns its exit status."""
        self.close_channel()
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.returncode = self.proc.returncode
        self._log.close()
        return self.returncode

    # -- calls ----------------------------------------------------------------------------
    def unary(self, path, request, response_cls=None, timeout=20.0, metadata=None, channel=None):
        """Calls @path with @request (a message or bytes); returns the response message (or
        bytes without @response_cls). Raises grpc.RpcError."""
        ch = channel or self.channel
        serializer = None if isinstance(request, bytes) else (lambda m: m.SerializeToString())
        deserializer = response_cls.FromString if response_cls is not None else None
        method = ch.unary_unary(path, request_serializer=serializer, response_deserializer=deserializer)
        return method(request, timeout=timeout, metadata=metadata)

    def error(self, path, request, timeout=20.0, **kw):
        """Calls @path expecting a failure; returns (code, details)."""
        with pytest.raises(grpc.RpcError) as info:
            self.unary(path, request, timeout=timeout, **kw)
        return info.value.code(), info.value.details()


class Pool:
    """Servers shared by configuration within a module; all checked alive at the end."""

    def __init__(self):
        self.servers = {}
        self.extra = []

    def get(self, name, args=(), env=None, parameters=None, grpc_workers=1):
        key = (name, tuple(args), tuple(sorted((env or {}).items())), parameters, grpc_workers)
        srv = self.servers.get(key)
        if srv is None:
            srv = self.servers[key] = self.spawn(name, args, env, parameters, grpc_workers)
        return srv

    def spawn(self, name, args=(), env=None, parameters=None, grpc_workers=1, wait=True):
        argv = [component(name)]
        if parameters is not None:
            argv += ["--parameters", parameters]
        argv += list(args)
        return Server(argv, env=env, grpc_workers=grpc_workers, wait=wait)

    def new(self, name, args=(), env=None, parameters=None, grpc_workers=1, wait=True):
        srv = self.spawn(name, args, env, parameters, grpc_workers, wait)
        self.extra.append(srv)
        return srv

    def python(self, folder, source, name="MyModel", args=(), env=None, grpc_workers=1, wait=True):
        """A Python model class @name (module @name.py written from @source into @folder)."""
        if not PYTHON_MODELS:
            pytest.skip("Python models need the GObject introspection build")
        with open(os.path.join(folder, name + ".py"), "w") as f:
            f.write(textwrap.dedent(source))
        srv = Server([name] + list(args), env=env, cwd=folder, grpc_workers=grpc_workers, wait=wait)
        self.extra.append(srv)
        return srv

    def close(self):
        crashed = []
        for srv in list(self.servers.values()) + self.extra:
            if srv.returncode is None:
                was_dead = not srv.alive()
                rc = srv.stop()
                if was_dead or rc != 0:
                    crashed.append(srv.describe())
            srv.tmpdir.cleanup()
        self.servers.clear()
        self.extra = []
        return crashed


@pytest.fixture(scope="session", autouse=True)
def _check_environment():
    if not MICROSERVICE or not os.access(MICROSERVICE, os.X_OK):
        pytest.exit("SELDON_MICROSERVICE must name the seldon-microservice program "
                    "(run through `meson test --suite grpc`)", returncode=2)
    if not COMPONENTS_DIR or not os.path.exists(component("identity")):
        pytest.exit("SELDON_TEST_COMPONENTS_DIR must name the built tests/components directory",
                    returncode=2)


@pytest.fixture(scope="module")
def pool():
    p = Pool()
    yield p
    crashed = p.close()
    if crashed:
        pytest.fail("seldon-microservice crashed or exited badly:\n" + "\n".join(crashed))


@pytest.fixture
def tmp_pool():
    p = Pool()
    yield p
    crashed = p.close()
    if crashed:
        pytest.fail("seldon-microservice crashed or exited badly:\n" + "\n".join(crashed))


@pytest.fixture(scope="module")
def identity(pool):
    return pool.get("identity")


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def to_json(protos, message):
    """The proto3 JSON view of a message (grpc-api.md §4.3 examples are written this way)."""
    return json.loads(protos.json_format.MessageToJson(message, preserving_proto_field_name=False))


def from_json(protos, cls, obj):
    return protos.json_format.Parse(json.dumps(obj), cls())


def metric_sums(text, name):
    """{labels text: value} of the series of @name in a Prometheus exposition."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            series, _, value = line.rpartition(" ")
            out[series[len(name):]] = float(value)
    return out


def label(series, key):
    """The value of label @key in a series text '{a="x",b="y"}'."""
    for part in series.strip("{}").split(","):
        k, _, v = part.partition("=")
        if k == key:
            return v.strip('"')
    return None
