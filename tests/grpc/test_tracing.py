# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 6: gRPC calls are traced like REST calls (configuration.md §7) — a server span with
OpenTelemetry's rpc.* attributes continuing the W3C context of the request metadata, and a
child span for the worker's part. Native components, so that this also runs in the sanitizer
build; the OTLP/HTTP receiver is the one of tests/metrics/conftest.py (the Python-model
variants are in tests/metrics/test_tracing.py)."""

import importlib.util
import os
import time

import grpc
import pytest

from conftest import free_port, params

PREDICT = "/seldon.protos.Model/Predict"
PARENT_ID = "00f067aa0ba902b7"


def _load_metrics_conftest():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "metrics", "conftest.py")
    spec = importlib.util.spec_from_file_location("seldon_metrics_suite_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_metrics = _load_metrics_conftest()
# the receiver's port from this suite's range (tests/portpick.py), not the metrics suite's
_metrics.free_port = free_port
attributes = _metrics.attributes


@pytest.fixture
def otlp():
    receiver = _metrics.OtlpReceiver()
    yield receiver
    receiver.close()


def tracing_env(otlp):
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}


def traceparent(trace_id):
    return (("traceparent", "00-%s-%s-01" % (trace_id, PARENT_ID)),)


def of_trace(spans, trace_id):
    return [s for s in spans if s["traceId"] == trace_id]


def test_spans_of_answered_and_abandoned_calls(protos, tmp_pool, otlp):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=600), args=["--tracing", "1"],
                       env=tracing_env(otlp))
    done, abandoned, health = "a" * 32, "b" * 32, "c" * 32
    answer = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage,
                       metadata=traceparent(done))
    assert answer.strData == "x"
    # the client gives up before the worker answers: the span ends with the call
    code, _ = srv.error(PREDICT, protos.pb.SeldonMessage(strData="y"), timeout=0.2,
                        metadata=traceparent(abandoned))
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED
    # health checks are not traced (as they are not in the request metrics)
    srv.unary("/grpc.health.v1.Health/Check", protos.health.HealthCheckRequest(),
              protos.health.HealthCheckResponse, metadata=traceparent(health))

    spans = otlp.wait_spans(lambda s: len(of_trace(s, done)) >= 2 and of_trace(s, abandoned))
    server = [s for s in of_trace(spans, done) if s["kind"] == 2]
    child = [s for s in of_trace(spans, done) if s["kind"] == 1]
    assert len(server) == 1 and len(child) == 1, spans
    server, child = server[0], child[0]
    assert server["parentSpanId"] == PARENT_ID
    assert server["name"] == "seldon.protos.Model/Predict"
    attrs = attributes(server)
    assert (attrs["rpc.system"], attrs["rpc.service"], attrs["rpc.method"]) == \
        ("grpc", "seldon.protos.Model", "Predict")
    assert attrs["rpc.grpc.status_code"] == "0"
    assert attrs["seldon.method"] == "predict"
    assert child["parentSpanId"] == server["spanId"]
    assert int(child["endTimeUnixNano"]) - int(child["startTimeUnixNano"]) >= 600_000_000

    gone = [s for s in of_trace(spans, abandoned) if s["kind"] == 2]
    assert len(gone) == 1, spans
    assert attributes(gone[0])["rpc.grpc.status_code"] == str(grpc.StatusCode.DEADLINE_EXCEEDED.value[0])
    assert gone[0]["status"]["code"] == 2

    time.sleep(0.5)
    assert of_trace(otlp.spans(), health) == []
    assert srv.alive()
