# SPDX-License-Identifier: LGPL-2.1-or-later
"""The front binds the gRPC port at start but loads grpc core only when the first gRPC client
connects: a server used only over REST never maps it (decisions.md D2: memory of the front)."""

import http.client
import subprocess
import time

import grpc

from conftest import MICROSERVICE, clean_env, component, free_port

PREDICT = "/seldon.protos.Model/Predict"


def mapped_grpc_core(pid):
    with open("/proc/%d/maps" % pid) as f:
        return sorted({line.split()[-1] for line in f if "/libgrpc.so" in line})


def rest_predict(srv, body):
    conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
    try:
        conn.request("POST", "/api/v1.0/predictions", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def wait_rest_ready(srv, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert srv.alive(), srv.describe()
        try:
            if srv.http_get("/health/ping", timeout=2.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("not ready over REST\n" + srv.describe())


def test_grpc_core_loaded_with_first_connection(protos, tmp_pool):
    srv = tmp_pool.new("identity", wait=False)
    wait_rest_ready(srv)
    assert "gRPC on 0.0.0.0:%d" % srv.grpc_port in srv.output()
    status, body = rest_predict(srv, b'{"strData":"rest"}')
    assert (status, body) == (200, b'{"meta":{},"strData":"rest"}\n')
    assert mapped_grpc_core(srv.proc.pid) == []

    resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="first"), protos.pb.SeldonMessage)
    assert resp.strData == "first"
    assert len(mapped_grpc_core(srv.proc.pid)) == 1
    # every later connection goes to grpc core too
    other = grpc.insecure_channel(srv.target)
    try:
        resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="second"), protos.pb.SeldonMessage,
                         channel=other)
    finally:
        other.close()
    assert resp.strData == "second"
    status, body = rest_predict(srv, b'{"strData":"rest"}')
    assert (status, body) == (200, b'{"meta":{},"strData":"rest"}\n')


def test_sigterm_before_any_grpc_connection(tmp_pool):
    srv = tmp_pool.new("identity", wait=False)
    wait_rest_ready(srv)
    assert mapped_grpc_core(srv.proc.pid) == []
    assert srv.stop() == 0


def test_missing_module_stops_the_start():
    argv = [MICROSERVICE, component("identity"), "--http-port", str(free_port()),
            "--metrics-port", str(free_port()), "--grpc-port", str(free_port())]
    env = clean_env({"SELDON_MODULE_DIR": "/nonexistent/seldon-grpc-test"})
    proc = subprocess.run(argv, env=env, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    out = (proc.stdout + proc.stderr).decode()
    assert "gRPC is not available: the gRPC module /nonexistent/seldon-grpc-test/seldon-grpc.so is missing" in out


def test_missing_module_without_grpc(tmp_pool):
    srv = tmp_pool.new("identity", env={"SELDON_MODULE_DIR": "/nonexistent/seldon-grpc-test"},
                       grpc_workers=0, wait=False)
    wait_rest_ready(srv)
    assert rest_predict(srv, b'{"strData":"x"}') == (200, b'{"meta":{},"strData":"x"}\n')
