# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 6 item 5, configuration.md §7: with --tracing / TRACING=1 the front exports a server
span per call and a child span for the worker's part over OTLP/HTTP (JSON), continuing the
W3C or Jaeger context of the request; sampling and the service name follow the OTEL_* (and
JAEGER_*) variables."""

import time

import pytest

from conftest import attributes, needs_program

pytestmark = needs_program

MODEL = """
    import time

    class MyModel:
        def predict(self, X, names):
            time.sleep(0.02)
            return X
"""

BODY = b'{"data":{"ndarray":[[1,2]]}}'
PATH = "/api/v1.0/predictions"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def tracing_env(otlp, **more):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    env.update(more)
    return env


def of_trace(spans, trace_id):
    return [s for s in spans if s["traceId"] == trace_id]


def by_kind(spans, kind):
    found = [s for s in spans if s["kind"] == kind]
    assert len(found) == 1, spans
    return found[0]


@pytest.mark.parametrize("how", ["option", "env"])
def test_rest_spans_continue_the_w3c_context(serve, otlp, how):
    args = ["--workers", "2"]
    env = tracing_env(otlp, OTEL_SERVICE_NAME="my-service")
    if how == "option":
        args += ["--tracing", "1"]
    else:
        env["TRACING"] = "1"
    service = serve(MODEL, args=args, env=env)
    resp = service.post(PATH, BODY, headers={"traceparent": "00-%s-%s-01" % (TRACE_ID, PARENT_ID),
                                             "tracestate": "vendor=abc"})
    assert resp.status == 200, resp

    spans = of_trace(otlp.wait_spans(lambda s: len(of_trace(s, TRACE_ID)) >= 2), TRACE_ID)
    assert len(spans) == 2, spans
    server = by_kind(spans, 2)
    child = by_kind(spans, 1)
    assert server["parentSpanId"] == PARENT_ID
    assert server["traceState"] == "vendor=abc"
    assert server["name"] == "POST " + PATH
    assert server["_resource"]["service.name"] == "my-service"
    attrs = attributes(server)
    assert attrs["http.request.method"] == "POST"
    assert attrs["url.path"] == PATH
    assert attrs["http.response.status_code"] == "200"
    assert attrs["seldon.method"] == "predict"
    assert attrs["seldon.worker_id"] in ("0", "1")

    # the worker's part: a child of the server span, inside it, at least the model's 20 ms
    assert child["parentSpanId"] == server["spanId"]
    assert child["name"] == "component predict"
    start, end = int(child["startTimeUnixNano"]), int(child["endTimeUnixNano"])
    assert end - start >= 20_000_000
    assert int(server["startTimeUnixNano"]) <= start
    assert end <= int(server["endTimeUnixNano"]) + 1_000_000
    assert abs(int(server["startTimeUnixNano"]) / 1e9 - time.time()) < 60


def test_rest_spans_continue_a_jaeger_context(serve, otlp):
    service = serve(MODEL, args=["--tracing", "1"], env=tracing_env(otlp))
    resp = service.post(PATH, BODY, headers={"uber-trace-id": "%s:%s:0:1" % (TRACE_ID, PARENT_ID)})
    assert resp.status == 200, resp
    spans = of_trace(otlp.wait_spans(lambda s: len(of_trace(s, TRACE_ID)) >= 2), TRACE_ID)
    server = by_kind(spans, 2)
    assert server["parentSpanId"] == PARENT_ID
    # without OTEL_SERVICE_NAME the service is named after the interface, as upstream
    assert server["_resource"]["service.name"] == "MyModel"


def test_new_trace_without_context_and_errors(serve, otlp):
    service = serve(MODEL, args=["--tracing", "1"], env=tracing_env(otlp))
    assert service.post(PATH, b"not json").status == 400

    def posts(spans):
        return [s for s in spans if s["kind"] == 2 and s["name"] == "POST " + PATH]

    server = by_kind(posts(otlp.wait_spans(lambda s: posts(s))), 2)
    assert "parentSpanId" not in server
    assert len(server["traceId"]) == 32 and server["traceId"] != "0" * 32
    assert attributes(server)["http.response.status_code"] == "400"


def test_sampler_always_off_and_tracing_off(serve, otlp):
    off = serve(MODEL, args=["--tracing", "1"], env=tracing_env(otlp, OTEL_TRACES_SAMPLER="always_off"))
    assert off.post(PATH, BODY, headers={"traceparent": "00-%s-%s-01" % (TRACE_ID, PARENT_ID)}).status == 200
    off.close()
    plain = serve(MODEL, env=tracing_env(otlp))
    assert plain.post(PATH, BODY).status == 200
    plain.close()
    time.sleep(0.5)
    assert otlp.spans() == []


def test_invalid_sampler_stops_the_start(serve, otlp):
    with pytest.raises(AssertionError) as info:
        serve(MODEL, args=["--tracing", "1"], env=tracing_env(otlp, OTEL_TRACES_SAMPLER="sometimes"))
    assert "OTEL_TRACES_SAMPLER" in str(info.value)


# ------------------------------------------------------------------------------------------
# gRPC: the same spans, with OpenTelemetry's rpc.* attributes
# ------------------------------------------------------------------------------------------

GRPC_PREDICT = "/seldon.protos.Model/Predict"


def test_grpc_spans_continue_the_w3c_context(serve, otlp, grpc_helpers):
    protos = grpc_helpers.protos
    service = serve(MODEL, args=["--tracing", "1", "--workers", "2"],
                    env=tracing_env(otlp, OTEL_SERVICE_NAME="my-service"), grpc=grpc_helpers)
    request = grpc_helpers.from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1, 2]]}})
    answer = service.grpc_unary(GRPC_PREDICT, request, protos.pb.SeldonMessage,
                                metadata=(("traceparent", "00-%s-%s-01" % (TRACE_ID, PARENT_ID)),
                                          ("tracestate", "vendor=abc")))
    assert answer.data.WhichOneof("data_oneof") == "ndarray"

    spans = of_trace(otlp.wait_spans(lambda s: len(of_trace(s, TRACE_ID)) >= 2), TRACE_ID)
    assert len(spans) == 2, spans
    server = by_kind(spans, 2)
    child = by_kind(spans, 1)
    assert server["parentSpanId"] == PARENT_ID
    assert server["traceState"] == "vendor=abc"
    assert server["name"] == GRPC_PREDICT[1:]
    assert server["_resource"]["service.name"] == "my-service"
    assert server.get("status", {}).get("code", 0) != 2, server
    attrs = attributes(server)
    assert attrs["rpc.system"] == "grpc"
    assert attrs["rpc.service"] == "seldon.protos.Model"
    assert attrs["rpc.method"] == "Predict"
    assert attrs["rpc.grpc.status_code"] == "0"
    assert attrs["seldon.method"] == "predict"
    assert attrs["seldon.worker_id"] in ("0", "1")
    assert not any(key.startswith("http.") for key in attrs), attrs

    # the worker's part: a child of the server span, inside it, at least the model's 20 ms
    assert child["parentSpanId"] == server["spanId"]
    assert child["name"] == "component predict"
    start, end = int(child["startTimeUnixNano"]), int(child["endTimeUnixNano"])
    assert end - start >= 20_000_000
    assert int(server["startTimeUnixNano"]) <= start
    assert end <= int(server["endTimeUnixNano"]) + 1_000_000


def test_grpc_error_spans(serve, otlp, grpc_helpers):
    """A call the front answers itself (GraphMetadata on a model) and a call the model fails:
    both end their span with the status code sent, as an error."""
    protos = grpc_helpers.protos
    grpc = grpc_helpers.grpc
    service = serve("""
        class MyModel:
            def predict(self, X, names):
                raise ValueError("no luck")
    """, args=["--tracing", "1"], env=tracing_env(otlp), grpc=grpc_helpers)
    front_trace = "1" * 32
    failing_trace = "2" * 32
    with pytest.raises(grpc.RpcError) as info:
        service.grpc_unary("/seldon.protos.Seldon/GraphMetadata", b"",
                           metadata=(("traceparent", "00-%s-%s-01" % (front_trace, PARENT_ID)),))
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    request = grpc_helpers.from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1]]}})
    with pytest.raises(grpc.RpcError) as info:
        service.grpc_unary(GRPC_PREDICT, request,
                           metadata=(("traceparent", "00-%s-%s-01" % (failing_trace, PARENT_ID)),))
    failed_code = info.value.code().value[0]
    assert failed_code != 0

    spans = otlp.wait_spans(lambda s: of_trace(s, front_trace) and len(of_trace(s, failing_trace)) >= 2)
    front = of_trace(spans, front_trace)
    assert len(front) == 1, spans  # the worker never saw it: no child span
    assert front[0]["name"] == "seldon.protos.Seldon/GraphMetadata"
    assert front[0]["parentSpanId"] == PARENT_ID
    assert attributes(front[0])["rpc.grpc.status_code"] == str(grpc.StatusCode.UNKNOWN.value[0])
    assert attributes(front[0])["seldon.method"] == "graphmetadata"
    assert front[0]["status"]["code"] == 2
    failing = by_kind(of_trace(spans, failing_trace), 2)
    assert attributes(failing)["rpc.grpc.status_code"] == str(failed_code)
    assert failing["status"]["code"] == 2
    assert "no luck" in failing["status"].get("message", ""), failing
    assert by_kind(of_trace(spans, failing_trace), 1)["parentSpanId"] == failing["spanId"]
