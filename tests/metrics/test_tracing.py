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
