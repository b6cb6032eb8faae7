# SPDX-License-Identifier: LGPL-2.1-or-later
"""Message size limits, deadlines, request timeouts and workers that die (grpc-api.md §1, §6;
configuration.md §8; decisions.md D2, D5)."""

import os
import signal
import subprocess
import threading
import time

import grpc
import pytest

from conftest import MICROSERVICE, clean_env, component, free_port, metric_sums, params

PREDICT = "/seldon.protos.Model/Predict"
MiB = 1024 * 1024


def big_request(protos, size):
    return protos.pb.SeldonMessage(strData="x" * size)


# -- receive / send limits ------------------------------------------------------------------------

def test_default_receive_limit(protos, identity):
    msg = big_request(protos, 5 * MiB)
    code, details = identity.error(PREDICT, msg)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert details == "Received message larger than max (%d vs. 4194304)" % msg.ByteSize()
    # the server keeps serving
    resp = identity.unary(PREDICT, protos.pb.SeldonMessage(strData="ok"), protos.pb.SeldonMessage)
    assert resp.strData == "ok"


def test_under_default_limit(protos, identity):
    ch = grpc.insecure_channel(identity.target, options=[("grpc.max_receive_message_length", 8 * MiB)])
    try:
        resp = identity.unary(PREDICT, big_request(protos, 3 * MiB), protos.pb.SeldonMessage, channel=ch)
    finally:
        ch.close()
    assert len(resp.strData) == 3 * MiB


def test_annotation_limit(protos, tmp_pool, tmp_path):
    annotations = tmp_path / "annotations"
    annotations.write_text('seldon.io/grpc-max-message-size="1000"\n')
    srv = tmp_pool.new("identity", env={"SELDON_ANNOTATIONS_FILE": str(annotations)})
    assert srv.unary(PREDICT, big_request(protos, 500), protos.pb.SeldonMessage).strData == "x" * 500
    code, details = srv.error(PREDICT, big_request(protos, 2000))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert details.startswith("Received message larger than max (")


def test_env_limit_and_send_limit(protos, tmp_pool):
    # the reply of a 900-byte request is larger than 1000 bytes (meta + names): the send limit
    # of the annotation applies too
    srv = tmp_pool.new("behave", env={"SELDON_GRPC_MAX_MESSAGE_BYTES": "1000"},
                       parameters=params(result_kind="str", result_json="y" * 1500))
    code, _ = srv.error(PREDICT, big_request(protos, 1200))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    code, _ = srv.error(PREDICT, big_request(protos, 10))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert srv.alive()


def test_no_limit(protos, tmp_pool):
    srv = tmp_pool.new("identity", env={"SELDON_GRPC_MAX_MESSAGE_BYTES": "0"})
    ch = grpc.insecure_channel(srv.target, options=[("grpc.max_receive_message_length", -1)])
    try:
        resp = srv.unary(PREDICT, big_request(protos, 6 * MiB), protos.pb.SeldonMessage, channel=ch)
    finally:
        ch.close()
    assert len(resp.strData) == 6 * MiB


# -- deadlines -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def slow(pool):
    return pool.get("behave", parameters=params(call_delay_ms=1500))


def test_client_deadline(protos, slow):
    start = time.monotonic()
    code, _ = slow.error(PREDICT, protos.pb.SeldonMessage(strData="x"), timeout=0.3)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - start < 1.2
    # within its deadline the same call works
    assert slow.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage,
                      timeout=10).strData == "x"


def test_deadline_metrics(protos, tmp_pool):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=800))
    code, _ = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"), timeout=0.2)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage, timeout=10)
    time.sleep(1.0)
    sums = metric_sums(srv.metrics(), "seldon_microservice_requests_total")
    grpc_series = {k: v for k, v in sums.items() if 'protocol="grpc"' in k}
    assert any('code="4"' in k for k in grpc_series), sums
    assert any('code="0"' in k and 'method="predict"' in k for k in grpc_series), sums


def test_request_timeout(protos, tmp_pool):
    """SELDON_REQUEST_TIMEOUT_MS bounds gRPC calls too (decisions.md D5)."""
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=3000),
                       env={"SELDON_REQUEST_TIMEOUT_MS": "300"})
    start = time.monotonic()
    code, _ = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"), timeout=20)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - start < 2.5


def test_cancelled_call_frees_the_worker(protos, tmp_pool):
    """A call whose client gives up is cancelled in the worker: with one thread, the next call
    does not wait for the abandoned one to finish its 3 s."""
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=3000), args=["--threads", "1"])
    code, _ = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"), timeout=0.3)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    fast = srv.unary("/seldon.protos.Model/Metadata", protos.empty.Empty(), protos.pb.SeldonModelMetadata,
                     timeout=2.5)
    assert list(fast.versions) == [""]


# -- workers ---------------------------------------------------------------------------------------

def _children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def test_worker_dies_mid_call(protos, tmp_pool):
    """decisions.md D2: a worker process that dies turns its calls into UNAVAILABLE and is
    respawned; the server keeps serving."""
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=2000), args=["--workers", "2"])
    children = _children(srv.proc.pid)
    assert len(children) == 2, children
    results = []

    def call():
        try:
            srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage, timeout=20)
            results.append("ok")
        except grpc.RpcError as e:
            results.append(e.code())

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    os.kill(children[0], signal.SIGKILL)
    for t in threads:
        t.join(30)
    assert sorted(results, key=str) == sorted(["ok", grpc.StatusCode.UNAVAILABLE], key=str), results
    # respawned: calls keep working
    deadline = time.monotonic() + 15
    while len(_children(srv.proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert srv.unary(PREDICT, protos.pb.SeldonMessage(strData="y"), protos.pb.SeldonMessage,
                     timeout=20).strData == "y"


# -- --grpc-workers 0 ------------------------------------------------------------------------------

def test_grpc_workers_zero(protos, tmp_pool):
    srv = tmp_pool.new("identity", grpc_workers=0, wait=False)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if srv.http_get("/health/ping", timeout=2)[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    assert srv.http_get("/health/ping")[0] == 200
    with pytest.raises(grpc.FutureTimeoutError):
        grpc.channel_ready_future(srv.channel).result(timeout=1.0)
    assert "gRPC on" not in srv.output()


def test_grpc_port_in_use(tmp_pool):
    """One front owns the port: a port in use is a start-up error naming it, not a shared port."""
    first = tmp_pool.new("identity")
    argv = [MICROSERVICE, component("identity"), "--http-port", str(free_port()),
            "--metrics-port", str(free_port()), "--grpc-port", str(first.grpc_port)]
    proc = subprocess.run(argv, env=clean_env(), capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert str(first.grpc_port) in (proc.stdout + proc.stderr).decode()
