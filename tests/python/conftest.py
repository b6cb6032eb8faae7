# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the 'python' suite: serve a plain Python model class and talk HTTP to it.

Every test writes its model as Python source into a fresh folder (``MyModel.py`` holding class
``MyModel``, unless it says otherwise) and starts it with ``serve(source, ...)``. Two ways to
serve it, chosen by SELDON_PYTHON_TEST_MODE:

  program    the real ``seldon-microservice MyModel`` started in that folder (the front spawns
             ``python3 -m seldon_worker``); needs SELDON_MICROSERVICE;
  inprocess  the class is constructed here (seldon_worker.build_component) and served by a
             Seldon.Worker and a Seldon.Server built in this process, on port 0.

The default is ``program`` when SELDON_MICROSERVICE names the program and the typelib has
Seldon.WorkerHost (the worker-process side), else ``inprocess``. Requests are plain HTTP
(http.client) either way, and answers are compared byte for byte.

Environment (set by tests/meson.build): SELDON_MICROSERVICE, GI_TYPELIB_PATH,
LD_LIBRARY_PATH, PYTHONPATH (the build's gi/overrides and bindings/python).
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse

import gi
import pytest

gi.require_version("GLib", "2.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, Seldon  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import portpick  # noqa: E402
from httphelp import dumps, http_request, seldon_error  # noqa: E402,F401

MICROSERVICE = os.environ.get("SELDON_MICROSERVICE", "")
HTTP_TIMEOUT = 20.0
START_TIMEOUT = 30.0


def _default_mode():
    mode = os.environ.get("SELDON_PYTHON_TEST_MODE", "")
    if mode in ("program", "inprocess"):
        return mode
    if MICROSERVICE and os.access(MICROSERVICE, os.X_OK) and hasattr(Seldon, "WorkerHost"):
        return "program"
    return "inprocess"


MODE = _default_mode()


def pytest_report_header(config):
    return "seldon python suite mode: %s" % MODE


# ------------------------------------------------------------------------------------------
# requests (expected bodies: httphelp.dumps(), httphelp.seldon_error())
# ------------------------------------------------------------------------------------------


def _http(port, method, path, body=None, headers=None):
    return http_request(port, method, path, body, headers, timeout=HTTP_TIMEOUT)


class _Client:
    """Request helpers shared by both kinds of service; subclasses define fetch()."""

    def post(self, path, obj, content_type="application/json"):
        body = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
        if isinstance(body, str):
            body = body.encode()
        headers = {"Content-Type": content_type} if content_type else {}
        return self.fetch("POST", path, body, headers)

    def get(self, path):
        return self.fetch("GET", path, None, {})

    def get_json(self, path, text):
        """GET path?json=<text>."""
        if not isinstance(text, str):
            text = json.dumps(text)
        return self.fetch("GET", path + "?json=" + urllib.parse.quote(text, safe=""), None, {})


# ------------------------------------------------------------------------------------------
# in-process service
# ------------------------------------------------------------------------------------------

# Environment variables of the program and the SeldonConfig property each one sets.
_ENV_PROPS = {
    "PREDICTIVE_UNIT_ID": ("unit_id", str),
    "PREDICTIVE_UNIT_IMAGE": ("unit_image", str),
    "MODEL_METADATA": ("model_metadata", str),
    "INCLUDE_METRICS_IN_CLIENT_RESPONSE": ("include_metrics_in_client_response",
                                           lambda v: v.lower() == "true"),
    "PAYLOAD_PASSTHROUGH": ("payload_passthrough", lambda v: v.lower() in ("1", "true", "t")),
    "SELDON_LOG_LEVEL": ("log_level", str),
}


class StartError(Exception):
    """The service did not start: (exit status or None, message/output)."""

    def __init__(self, status, text):
        super().__init__(text)
        self.status = status
        self.text = text


class InProcessService(_Client):
    def __init__(self, folder, interface, parameters, env, threads):
        from seldon_worker.host import build_component

        saved_path = list(sys.path)
        saved_cwd = os.getcwd()
        top = interface.split(".")[0] if not interface.endswith(".py") else None
        if top is not None:
            for name in list(sys.modules):
                if name == top or name.startswith(top + "."):
                    del sys.modules[name]
        importlib.invalidate_caches()
        os.chdir(folder)
        sys.path.append(folder)
        try:
            self.component, self.user = build_component(interface, parameters or "[]")
        except Exception as exc:
            raise StartError(None, "%s: %s" % (type(exc).__name__, exc)) from exc
        finally:
            os.chdir(saved_cwd)
            sys.path[:] = saved_path

        settings = {"http_port": 0, "metrics_port": 0, "grpc_port": 0, "listen_address": "127.0.0.1", "threads": threads}
        for key, value in (env or {}).items():
            if key in _ENV_PROPS and value is not None:
                prop, conv = _ENV_PROPS[key]
                settings[prop] = conv(value)

        self.context = GLib.MainContext.new()
        self.context.push_thread_default()
        try:
            self.config = Seldon.Config(**settings)
            self.worker = Seldon.Worker.new(self.component, self.config)
            self.server = Seldon.Server.new(self.config, self.worker)
            self.server.listen()
            self.port = self.server.get_http_port()
            error = self._start()
        except Exception:
            self.context.pop_thread_default()
            raise
        if error is not None:
            self.close()
            raise StartError(3 if error.matches(Seldon.error_quark(), Seldon.Error.LOAD_FAILED)
                             else 1, error.message)

    def _start(self):
        done = []

        def started(worker, result):
            try:
                worker.start_finish(result)
                done.append(None)
            except GLib.Error as error:
                done.append(error)

        self.worker.start_async(None, started)
        self._iterate_until(lambda: done)
        return done[0]

    def _iterate_until(self, condition):
        timed_out = []
        source = GLib.timeout_source_new_seconds(int(HTTP_TIMEOUT))
        source.set_callback(lambda *args: timed_out.append(True) or GLib.SOURCE_REMOVE)
        source.attach(self.context)
        try:
            while not condition() and not timed_out:
                self.context.iteration(True)
        finally:
            source.destroy()
        assert not timed_out, "timed out"

    def fetch(self, method, path, body, headers):
        return self.fetch_many([(method, path, body, headers)])[0]

    def fetch_many(self, requests):
        """Sends each request from its own client thread while this thread serves them."""
        results = [None] * len(requests)
        finished = []

        def client(i, method, path, body, headers):
            try:
                results[i] = _http(self.port, method, path, body, headers)
            except Exception as exc:  # noqa: BLE001 - reported below
                results[i] = exc
            finished.append(i)
            self.context.wakeup()

        threads = [threading.Thread(target=client, args=(i, *r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        self._iterate_until(lambda: len(finished) == len(threads))
        for thread in threads:
            thread.join()
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    def output(self):
        return ""

    def close(self):
        self.server.stop()
        while self.context.iteration(False):
            pass
        self.context.pop_thread_default()


# ------------------------------------------------------------------------------------------
# the real program
# ------------------------------------------------------------------------------------------


def _free_port():
    return portpick.free_port("python")


_STRIP_PREFIXES = ("PREDICTIVE_UNIT_", "GUNICORN_", "FLASK_", "GRPC_", "JAEGER_", "PREDICTOR_")
_STRIP_NAMES = {
    "TRACING", "PAYLOAD_PASSTHROUGH", "INCLUDE_METRICS_IN_CLIENT_RESPONSE",
    "SELDON_EXECUTOR_ENABLED", "MODEL_METADATA", "FILTER_METRICS_ACCESS_LOGS", "LOG_LEVEL_ENV",
    "SELDON_LOG_LEVEL", "SELDON_DEBUG", "SELDON_DEPLOYMENT_ID", "SELDON_METRICS_AGGREGATE",
    "GSETTINGS_BACKEND",
}


class ProgramService(_Client):
    def __init__(self, folder, interface, parameters, env, threads, args=(), wait=True):
        self.folder = folder
        self.port = _free_port()
        self.metrics_port = _free_port()
        self.argv = [MICROSERVICE, interface, "--http-port", str(self.port),
                     "--metrics-port", str(self.metrics_port), "--grpc-workers", "0",
                     "--threads", str(threads)]
        if parameters is not None:
            self.argv += ["--parameters", parameters]
        self.argv += list(args)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in _STRIP_NAMES and not k.startswith(_STRIP_PREFIXES)}
        self.env["GSETTINGS_BACKEND"] = "memory"
        self.env["SELDON_ANNOTATIONS_FILE"] = "/nonexistent/seldon-python-test/annotations"
        for key, value in (env or {}).items():
            if value is None:
                self.env.pop(key, None)
            else:
                self.env[key] = value
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=folder, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self._wait_ready()

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StartError(self.proc.returncode, self.output())
            try:
                if _http(self.port, "GET", "/health/ping").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.close()
        raise AssertionError("seldon-microservice not ready\n" + self.output())

    def fetch(self, method, path, body, headers):
        return _http(self.port, method, path, body, headers)

    def fetch_many(self, requests):
        results = [None] * len(requests)

        def client(i, method, path, body, headers):
            try:
                results[i] = _http(self.port, method, path, body, headers)
            except Exception as exc:  # noqa: BLE001
                results[i] = exc

        threads = [threading.Thread(target=client, args=(i, *r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------


@pytest.fixture
def model_dir(tmp_path):
    return tmp_path


@pytest.fixture
def serve(tmp_path):
    """serve(source, name="MyModel", parameters=None, env=None, files=None, interface=None,
    threads=4) -> service with post()/get()/get_json()/fetch_many().

    @source is written to NAME.py in a fresh folder (dedented); @files adds other files
    (relative path -> text). Raises StartError when the service cannot start."""
    services = []

    def start(source, name="MyModel", parameters=None, env=None, files=None, interface=None,
              threads=4, args=()):
        folder = str(tmp_path)
        if source is not None:
            with open(os.path.join(folder, name + ".py"), "w") as f:
                f.write(textwrap.dedent(source))
        for path, text in (files or {}).items():
            full = os.path.join(folder, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(textwrap.dedent(text))
        if isinstance(parameters, list):
            parameters = json.dumps(parameters)
        interface = interface or name
        if MODE == "program":
            service = ProgramService(folder, interface, parameters, env, threads, args)
        else:
            service = InProcessService(folder, interface, parameters, env, threads)
        services.append(service)
        return service

    yield start
    for service in services:
        service.close()
