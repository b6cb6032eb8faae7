# SPDX-License-Identifier: LGPL-2.1-or-later
"""Graceful shutdown with gRPC calls in flight (decisions.md D4, parity row 55), worker pools
behind one channel (decisions.md D2) and systemd socket activation of the gRPC listener."""

import os
import signal
import socket
import subprocess
import threading
import time

import grpc

from conftest import MICROSERVICE, clean_env, component, free_port, label, metric_sums, params

PREDICT = "/seldon.protos.Model/Predict"


def start_calls(protos, srv, n, timeout=30):
    """n Predict calls in the background; returns (threads, results)."""
    results = []

    def call():
        try:
            resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage,
                             timeout=timeout)
            results.append(resp.strData)
        except grpc.RpcError as e:
            results.append(e.code())

    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
    return threads, results


def test_sigterm_finishes_calls_in_flight(protos, tmp_pool):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=1500))
    threads, results = start_calls(protos, srv, 3)
    time.sleep(0.5)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # no new calls once the server drains
    try:
        grpc.channel_ready_future(grpc.insecure_channel(srv.target)).result(timeout=0.5)
        fresh = grpc.insecure_channel(srv.target)
        code = None
        try:
            fresh.unary_unary(PREDICT)(protos.pb.SeldonMessage(strData="y").SerializeToString(), timeout=2)
        except grpc.RpcError as e:
            code = e.code()
        assert code == grpc.StatusCode.UNAVAILABLE
    except grpc.FutureTimeoutError:
        pass  # the listener is already closed
    for t in threads:
        t.join(20)
    assert results == ["x", "x", "x"]
    assert srv.proc.wait(20) == 0
    assert srv.stop() == 0


def test_graceful_timeout_cancels(protos, tmp_pool):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=20000),
                       env={"SELDON_GRACEFUL_TIMEOUT": "1"})
    threads, results = start_calls(protos, srv, 2)
    time.sleep(0.5)
    start = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(20)
    assert results == [grpc.StatusCode.UNAVAILABLE] * 2, results
    assert srv.proc.wait(20) == 0
    assert time.monotonic() - start < 10
    assert srv.stop() == 0


def test_sigterm_idle(tmp_pool):
    srv = tmp_pool.new("identity")
    srv.unary("/grpc.health.v1.Health/Check", b"")
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(10) == 0
    assert srv.stop() == 0


def test_two_workers_one_channel(protos, tmp_pool):
    """decisions.md D2: the calls of one HTTP/2 connection spread over every worker."""
    srv = tmp_pool.new("behave", args=["--workers", "2"],
                       parameters=params(result_kind="pid", call_delay_ms=50,
                                         metrics_json='[{"type":"COUNTER","key":"grpc_test_calls","value":1}]'))
    pids = []
    lock = threading.Lock()

    def call():
        for _ in range(10):
            resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage)
            with lock:
                pids.append(int(resp.jsonData.struct_value.fields["pid"].number_value))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(pids) == 80
    assert len(set(pids)) == 2, set(pids)
    # the split, per worker slot, in the component's counter
    sums = metric_sums(srv.metrics(), "grpc_test_calls_total")
    per_worker = {label(k, "worker_id"): v for k, v in sums.items()}
    assert sorted(per_worker) == ["0", "1"], sums
    assert sum(per_worker.values()) == 80 and min(per_worker.values()) > 0, per_worker


def test_socket_activation(protos, tmp_path):
    """A listening socket passed by systemd (LISTEN_FDS, named "grpc") serves gRPC."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(16)
    port = listener.getsockname()[1]
    http_port = free_port()
    fd = listener.fileno()

    def child_setup():
        # after the fds of the parent were closed (close_fds=False: Python's own are CLOEXEC)
        os.dup2(fd, 3)

    env = clean_env({"LISTEN_FDS": "1", "LISTEN_FDNAMES": "grpc"})
    argv = ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh", MICROSERVICE, component("identity"),
            "--http-port", str(http_port), "--metrics-port", str(free_port()), "--grpc-port", "1"]
    log = open(tmp_path / "log", "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            close_fds=False, preexec_fn=child_setup)
    listener.close()
    try:
        ch = grpc.insecure_channel("127.0.0.1:%d" % port)
        try:
            grpc.channel_ready_future(ch).result(timeout=20)
        except grpc.FutureTimeoutError:
            log.flush()
            raise AssertionError((tmp_path / "log").read_text())
        for _ in range(3):
            resp = ch.unary_unary(PREDICT, request_serializer=lambda m: m.SerializeToString(),
                                  response_deserializer=protos.pb.SeldonMessage.FromString)(
                protos.pb.SeldonMessage(strData="sock"), timeout=20)
            assert resp.strData == "sock"
        # a second connection
        ch2 = grpc.insecure_channel("127.0.0.1:%d" % port)
        assert ch2.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=20) == b"\x08\x01"
        ch2.close()
        ch.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert b"gRPC on" in (tmp_path / "log").read_bytes()


def test_grpc_threads(protos, tmp_pool):
    """--grpc-threads bounds the gRPC calls in flight per worker when it is larger than
    --threads: 4 slow calls run side by side with --threads 1 --grpc-threads 4."""
    for args in (["--threads", "1", "--grpc-threads", "4"],
                 ["--threads", "1", "--grpc-threads", "4", "--workers", "2"]):
        srv = tmp_pool.new("behave", parameters=params(call_delay_ms=600), args=args)
        start = time.monotonic()
        threads, results = start_calls(protos, srv, 4)
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - start
        assert results == ["x"] * 4
        assert elapsed < 1.7, (args, elapsed)
    # and without it, one at a time
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=300), args=["--threads", "1"])
    start = time.monotonic()
    threads, results = start_calls(protos, srv, 3)
    for t in threads:
        t.join(30)
    assert results == ["x"] * 3
    assert time.monotonic() - start >= 0.85
