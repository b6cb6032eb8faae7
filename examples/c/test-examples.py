#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Smoke test of the example components: serves each with the real seldon-microservice and
checks the answers documented in README.md and in the examples' comments. Prints TAP.

Environment: SELDON_MICROSERVICE (the program), SELDON_COMPONENT_PATH (built examples)."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PROGRAM = os.environ["SELDON_MICROSERVICE"]
results = []


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
import portpick  # noqa: E402


def free_port():
    return portpick.free_port("examples")


def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Served:
    def __init__(self, *args):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        env = dict(os.environ, GSETTINGS_BACKEND="memory")
        for k in ("PREDICTIVE_UNIT_PARAMETERS", "SELDON_LOG_LEVEL", "LOG_LEVEL_ENV"):
            env.pop(k, None)
        self.proc = subprocess.Popen([PROGRAM] + list(args) +
                                     ["--http-port", str(self.port), "--grpc-workers", "0"],
                                     stdout=self.log, stderr=self.log, env=env,
                                     cwd=tempfile.gettempdir())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/health/ping" % self.port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start: " + self.output())

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def main():
    srv = Served("identity")
    try:
        status, body = post(srv.port, "/api/v1.0/predictions", '{"data":{"ndarray":[[1,2,3]]}}')
        check("identity ndarray", (status, body.strip()) ==
              (200, '{"data":{"names":["t:0","t:1","t:2"],"ndarray":[[1,2,3]]},"meta":{}}'), body)
        status, body = post(srv.port, "/predict", '{"strData":"hello"}')
        check("identity strData", (status, body.strip()) == (200, '{"meta":{},"strData":"hello"}'), body)
        status, body = post(srv.port, "/predict", '{"jsonData":{"b":1,"a":[1,2]}}')
        check("identity jsonData", (status, body.strip()) == (200, '{"jsonData":{"a":[1,2],"b":1},"meta":{}}'), body)
        status, body = post(srv.port, "/predict", '{"binData":"MTIz"}')
        check("identity binData", (status, body.strip()) == (200, '{"binData":"MTIz","meta":{}}'), body)
    finally:
        check("identity stops with status 0", srv.stop() == 0, srv.output())

    srv = Served("rowmean", "--parameters", '[{"name":"scale","value":"10","type":"FLOAT"}]')
    try:
        status, body = post(srv.port, "/predict", '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}')
        check("rowmean ndarray", (status, body.strip()) ==
              (200, '{"data":{"names":["t:0"],"ndarray":[[20.0],[50.0]]},"meta":{}}'), body)
        status, body = post(srv.port, "/predict", '{"data":{"tensor":{"shape":[3],"values":[1,2,6]}}}')
        check("rowmean 1-D tensor", (status, body.strip()) ==
              (200, '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[30.0]}},"meta":{}}'), body)
        status, body = post(srv.port, "/predict", '{"data":{"ndarray":[["a","b"]]}}')
        check("rowmean strings", status == 400 and
              json.loads(body)["status"]["reason"] == "MICROSERVICE_BAD_DATA", body)
        status, body = post(srv.port, "/predict", '{"strData":"x"}')
        check("rowmean strData", status == 400 and "rowmean" in json.loads(body)["status"]["info"], body)
    finally:
        check("rowmean stops with status 0", srv.stop() == 0, srv.output())

    proc = subprocess.run([PROGRAM, "rowmean", "--parameters",
                           '[{"name":"nosuch","value":"1","type":"INT"}]'],
                          capture_output=True, text=True, env=dict(os.environ, GSETTINGS_BACKEND="memory"))
    check("rowmean unknown parameter exits 1", proc.returncode == 1 and "nosuch" in proc.stderr,
          proc.stderr)

    print("1..%d" % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            for line in str(detail).splitlines()[-20:]:
                print("# " + line)
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
