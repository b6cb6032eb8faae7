#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Smoke test of the JavaScript and PyGObject examples (examples/js/, examples/python/RowSum.py
and the serve scripts), and of the log lines of worker processes. Each example is started for
real, as README.md says (seldon-microservice FILE, or the script), and answers real HTTP
requests, compared byte for byte. Prints TAP.

Environment (set by examples/meson.build): SELDON_MICROSERVICE (the program), GJS (gjs, or
empty when not installed), GI_TYPELIB_PATH, LD_LIBRARY_PATH, PYTHONPATH (the Seldon override),
SELDON_WORKER_DIR, SELDON_WORKER_PYTHONPATH, SELDON_WORKER_GJS_HOST (the worker programs of
the build), SELDON_COMPONENT_PATH (the C examples), GSETTINGS_SCHEMA_DIR."""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
JS_DIR = os.path.join(HERE, "js")
PY_DIR = os.path.join(HERE, "python")
PROGRAM = os.environ["SELDON_MICROSERVICE"]
GJS = os.environ.get("GJS", "")
PYTHON = "/usr/bin/python3"

SCALE_10 = '[{"name":"scale","value":"10","type":"FLOAT"}]'

# The line format of the program and of its workers (configuration.md §5).
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - [^ :]+:[^ :]*:\d+ - "
                  r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):  ")

# (request, status, answer) with scale 10, the same for the JavaScript and Python RowSum.
ROWSUM_10 = [
    ('{"data":{"ndarray":[[1,2,3],[4,5,6]]}}', 200,
     '{"data":{"names":["t:0"],"ndarray":[[60.0],[150.0]]},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[3],"values":[1,2,6]}}}', 200,
     '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[90.0]}},"meta":{}}'),
    ('{"data":{"names":["a","b"],"ndarray":[[0.5,1],[2,-3]]}}', 200,
     '{"data":{"names":["t:0"],"ndarray":[[15.0],[-10.0]]},"meta":{}}'),
    ('{"data":{"ndarray":[["a","b"]]}}', 400,
     '{"status":{"code":-1,"info":"rowsum needs a 2-D array of numbers, not strings or objects",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    ('{"strData":"x"}', 400,
     '{"status":{"code":-1,"info":"rowsum needs a 2-D array of numbers: The payload is not an array",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    ('{"data":{"ndarray":[[[1]]]}}', 400,
     '{"status":{"code":-1,"info":"rowsum needs a 2-D array of numbers, got 3 dimensions",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
]

# With the serve scripts' --scale 2.
ROWSUM_2 = [
    ("POST", "/api/v1.0/predictions", '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}', 200,
     '{"data":{"names":["t:0"],"ndarray":[[12.0],[30.0]]},"meta":{}}'),
    ("GET", "/predict?json=%7B%22data%22%3A%7B%22ndarray%22%3A%5B1%2C2%5D%7D%7D", None, 200,
     '{"data":{"names":["t:0"],"ndarray":[[6.0]]},"meta":{}}'),
    ("POST", "/predict", '{"jsonData":{"a":1}}', 400,
     '{"status":{"code":-1,"info":"rowsum needs a 2-D array of numbers: The payload is not an array",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    ("GET", "/health/ping", None, 200, "pong"),
]

results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), None, detail))


def skip(name, reason):
    results.append((name, True, reason, ""))


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import portpick  # noqa: E402


def free_port():
    return portpick.free_port("examples-gi")


def request(port, method, path, body=None):
    """(status, body bytes) of one HTTP request to 127.0.0.1:@port."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=body.encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def answer(status, text):
    """The exact bytes of an answer: JSON answers end with a newline."""
    return status, (text + "\n" if text.startswith("{") else text).encode()


def clean_env():
    env = dict(os.environ, GSETTINGS_BACKEND="memory", PYTHONDONTWRITEBYTECODE="1")
    for k in ("PREDICTIVE_UNIT_PARAMETERS", "SELDON_LOG_LEVEL", "LOG_LEVEL_ENV", "SELDON_LOG_FORMAT",
              "G_MESSAGES_DEBUG"):
        env.pop(k, None)
    return env


class Process:
    """A server process with its stdout and stderr in temporary files."""

    def __init__(self, argv, cwd, port=None):
        self.argv = argv
        self.port = port
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=self.err, env=clean_env(), cwd=cwd)

    def read(self, f):
        f.seek(0)
        return f.read().decode(errors="replace")

    def stdout(self):
        return self.read(self.out)

    def stderr(self):
        return self.read(self.err)

    def describe(self):
        return "%s\n--- stdout\n%s--- stderr\n%s" % (" ".join(self.argv), self.stdout(), self.stderr())

    def wait_ready(self, timeout=30):
        """Waits for /health/ping (the port is known) or for the script's `Listening on` line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.port is None:
                m = re.search(r"^Listening on http://[^ ]+:(\d+)$", self.stdout(), re.M)
                if m:
                    self.port = int(m.group(1))
            if self.port is not None:
                try:
                    if request(self.port, "GET", "/health/ping")[0] == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        raise AssertionError("did not start:\n" + self.describe())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed"


def serve_program(component, cwd, *args):
    port = free_port()
    p = Process([PROGRAM, component, "--http-port", str(port), "--metrics-port", str(free_port()),
                 "--grpc-workers", "0"] + list(args), cwd, port)
    p.wait_ready()
    return p


def check_rowsum_10(label, p):
    for i, (body, status, text) in enumerate(ROWSUM_10):
        got = request(p.port, "POST", "/predict" if i % 2 else "/api/v1.0/predictions", body)
        check("%s: %s" % (label, body), got == answer(status, text), "%r\n%s" % (got, p.describe()))


def check_log_lines(label, p):
    """Every stderr line of the program and of its workers is in the upstream format."""
    lines = [line for line in p.stderr().splitlines() if line.strip()]
    bad = [line for line in lines if not LINE.match(line)]
    check("%s: every log line in the program's format" % label, lines and not bad,
          "\n".join(bad) + "\n" + p.describe())


def check_stops(label, p):
    status = p.stop()
    check("%s: SIGTERM stops it with status 0" % label, status == 0, "%r\n%s" % (status, p.describe()))


def find_line(p, pattern):
    return re.search(pattern, p.stderr(), re.M)


# -------------------------------------------------------------------------------------------------


def test_js_component():
    label = "seldon-microservice RowSum.js"
    p = serve_program("RowSum.js", JS_DIR, "--parameters", SCALE_10)
    try:
        check_rowsum_10(label, p)
    finally:
        check_stops(label, p)
    check("%s: console.log() of load() is a worker log line" % label,
          find_line(p, r" - Gjs-Console:[^ ]* - INFO:  \[worker 0\] RowSum loaded with scale 10$"),
          p.describe())
    check("%s: the library's lines in the worker carry its slot" % label,
          find_line(p, r" - Seldon:[^ ]* - [A-Z]+:  \[worker 0\] \{\"status\":\{\"code\":-1,"
                       r"\"info\":\"rowsum needs a 2-D array of numbers, got 3 dimensions\""),
          p.describe())
    check_log_lines(label, p)


def test_js_component_two_workers():
    label = "seldon-microservice examples/js/RowSum.js --workers 2"
    p = serve_program(os.path.join("js", "RowSum.js"), HERE, "--workers", "2")
    try:
        got = [request(p.port, "POST", "/predict", '{"data":{"ndarray":[[1,2]]}}') for _ in range(4)]
        check("%s: answers" % label,
              got == [answer(200, '{"data":{"names":["t:0"],"ndarray":[[3.0]]},"meta":{}}')] * 4,
              "%r\n%s" % (got, p.describe()))
    finally:
        check_stops(label, p)
    for slot in (0, 1):
        check("%s: worker %d logs with its slot" % (label, slot),
              find_line(p, r" - INFO:  \[worker %d\] RowSum loaded with scale 1$" % slot), p.describe())
    check_log_lines(label, p)


def test_js_serve_script():
    label = "gjs -m serve.js"
    p = Process([GJS, "-m", os.path.join(JS_DIR, "serve.js"), "--http-port", "0",
                 "--metrics-port", "0", "--grpc-port", "0", "--scale", "2"], tempfile.gettempdir())
    try:
        p.wait_ready()
        for method, path, body, status, text in ROWSUM_2:
            got = request(p.port, method, path, body)
            check("%s: %s %s" % (label, method, path), got == answer(status, text),
                  "%r\n%s" % (got, p.describe()))
    finally:
        check_stops(label, p)


def test_python_component():
    label = "seldon-microservice RowSum.py"
    p = serve_program("RowSum.py", PY_DIR, "--parameters", SCALE_10)
    try:
        check_rowsum_10(label, p)
    finally:
        check_stops(label, p)
    check("%s: Python logging of load() is a log line" % label,
          find_line(p, r" - RowSum:do_load:\d+ - INFO:  \[worker 0\] RowSum loaded with scale 10\.0$"), p.describe())
    check("%s: the library's lines in the worker carry its slot" % label,
          find_line(p, r" - Seldon:[^ ]* - [A-Z]+:  \[worker 0\] \{\"status\":\{\"code\":-1,"
                       r"\"info\":\"rowsum needs a 2-D array of numbers, got 3 dimensions\""),
          p.describe())
    check_log_lines(label, p)


def test_python_component_by_class_name():
    label = "seldon-microservice RowSum"
    p = serve_program("RowSum", PY_DIR, "--parameters", SCALE_10)
    try:
        got = request(p.port, "POST", "/predict", ROWSUM_10[0][0])
        check("%s: answers" % label, got == answer(*ROWSUM_10[0][1:]), "%r\n%s" % (got, p.describe()))
    finally:
        check_stops(label, p)


def test_python_component_unknown_parameter():
    label = "seldon-microservice RowSum.py with an unknown parameter"
    proc = subprocess.run([PROGRAM, "RowSum.py", "--http-port", str(free_port()),
                           "--metrics-port", str(free_port()), "--grpc-workers", "0",
                           "--parameters", '[{"name":"nosuch","value":"1","type":"INT"}]'],
                          capture_output=True, text=True, env=clean_env(), cwd=PY_DIR, timeout=60)
    check("%s: exits 1 naming it" % label, proc.returncode == 1 and "nosuch" in proc.stderr,
          "%d\n%s" % (proc.returncode, proc.stderr))


def test_python_serve_script():
    label = "python3 serve.py"
    p = Process([PYTHON, os.path.join(PY_DIR, "serve.py"), "--http-port", "0", "--metrics-port", "0",
                 "--grpc-port", "0",
                 "--scale", "2"], tempfile.gettempdir())
    try:
        p.wait_ready()
        for method, path, body, status, text in ROWSUM_2:
            got = request(p.port, method, path, body)
            check("%s: %s %s" % (label, method, path), got == answer(status, text),
                  "%r\n%s" % (got, p.describe()))
    finally:
        check_stops(label, p)
    check("%s: logs load() in the program's format" % label,
          find_line(p, r"^\d{4}-\d\d-\d\d [0-9:]+,\d{3} - RowSum:do_load:\d+ - INFO:  "
                       r"RowSum loaded with scale 2\.0$"), p.describe())


def test_c_workers_log():
    label = "seldon-microservice identity --workers 2 --log-level DEBUG"
    p = serve_program("identity", tempfile.gettempdir(), "--workers", "2", "--log-level", "DEBUG")
    try:
        got = request(p.port, "POST", "/predict", '{"strData":"hi"}')
        check("%s: answers" % label, got == answer(200, '{"meta":{},"strData":"hi"}'), repr(got))
    finally:
        check_stops(label, p)
    for slot in (0, 1):
        check("%s: seldon-worker %d logs with its slot" % (label, slot),
              find_line(p, r" - seldon_microservice:build_component:\d+ - DEBUG:  \[worker %d\] "
                           r"Loading component identity from " % slot), p.describe())
    check_log_lines(label, p)


def main():
    tests = [test_python_component, test_python_component_by_class_name,
             test_python_component_unknown_parameter, test_python_serve_script,
             test_c_workers_log]
    if GJS:
        tests[:0] = [test_js_component, test_js_component_two_workers, test_js_serve_script]
    else:
        skip("JavaScript examples", "gjs is not installed")
    for test in tests:
        try:
            test()
        except Exception as e:  # noqa: BLE001 (reported as a failure)
            check(test.__name__, False, "%s: %s" % (type(e).__name__, e))

    print("1..%d" % len(results))
    for i, (name, ok, skipped, detail) in enumerate(results, 1):
        print("%s %d %s%s" % ("ok" if ok else "not ok", i, name, " # SKIP " + skipped if skipped else ""))
        if not ok:
            for line in str(detail).splitlines()[-40:]:
                print("# " + line)
    return 0 if all(ok for _, ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
