# SPDX-License-Identifier: LGPL-2.1-or-later
"""Errors and robustness (parity-checklist.md I, rows 119-126, 128, 129, 218; rest-api.md §8),
plus malformed input that must never take the server down."""

import json

import pytest

from conftest import behave, expect, expect_error, expect_error_like, seldon_error

STR_REQ = '{"strData":"x"}'


def client(pool, **kw):
    return pool.get(**behave(**kw)).client


# -- component errors (rows 119-121, 218) --------------------------------------------------------

@pytest.mark.parametrize("props,status,reason,info", [
    (dict(error_kind="custom", error_status=403, error_message="foo"), 403, "MICROSERVICE_BAD_DATA", "foo"),
    (dict(error_kind="custom", error_status=418, error_reason="MY_REASON", error_message="teapot"),
     418, "MY_REASON", "teapot"),
    (dict(error_kind="custom", error_status=503, error_reason="MICROSERVICE_INTERNAL_ERROR",
          error_message="later"), 503, "MICROSERVICE_INTERNAL_ERROR", "later"),
    (dict(error_kind="bad-data", error_message="bad input here"), 400, "MICROSERVICE_BAD_DATA", "bad input here"),
    (dict(error_kind="failed", error_message="value was wrong"), 500, "MICROSERVICE_INTERNAL_ERROR",
     "value was wrong"),
    (dict(error_kind="io", error_message="disk on fire"), 500, "MICROSERVICE_INTERNAL_ERROR", "disk on fire"),
    (dict(error_kind="failed", error_message="quote \" and \u00e9"), 500, "MICROSERVICE_INTERNAL_ERROR",
     "quote \" and \u00e9"),
], ids=["custom-403", "custom-reason", "custom-503", "bad-data", "failed", "foreign-domain", "escaping"])
def test_component_errors(pool, fresh, props, status, reason, info):
    r = client(pool, **props).post_json("/predict", STR_REQ)
    expect_error(r, status, info, reason)


@pytest.mark.parametrize("path,body", [
    ("/transform-input", STR_REQ), ("/transform-output", STR_REQ), ("/route", STR_REQ),
    ("/aggregate", "[" + STR_REQ + "]"), ("/send-feedback", "{}"), ("/health/status", None),
])
def test_errors_on_every_method(pool, fresh, path, body):
    c = client(pool, error_kind="custom", error_status=409, error_reason="R", error_message="m",
               implements="all", route_json="1")
    r = c.post_json(path, body) if body is not None else c.get(path)
    expect_error(r, 409, "m", "R")


def test_error_logged(pool, fresh):
    # rest-api.md §8.1: each error is also logged at ERROR
    srv = pool.get(**behave(error_kind="failed", error_message="logged-marker-4711"))
    expect_error(srv.client.post_json("/predict", STR_REQ), 500, "logged-marker-4711",
                 "MICROSERVICE_INTERNAL_ERROR")
    import time
    deadline = time.monotonic() + 3
    while "logged-marker-4711" not in srv.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "logged-marker-4711" in srv.output()


# -- invalid custom metrics (row 122; component-contract.md §7.2) --------------------------------

BAD_METRICS = [
    '[{"type":"BAD","key":"mycounter","value":1}]',
    '[{"type":"counter","key":"a","value":1}]',
    '[{"key":"a","value":1}]',
    '[{"type":"GAUGE","value":1}]',
    '[{"type":"GAUGE","key":"a"}]',
    '[{"type":"GAUGE","key":"a","value":"1"}]',
    '[{"type":"COUNTER","key":"ok","value":1},{"type":"TIMER","key":"t","value":null}]',
    '{"type":"COUNTER","key":"a","value":1}',
    '"not a list"',
    "null",
    '[{"value":1,"key":"\u00e9","type":"X"}]',
]


@pytest.mark.parametrize("metrics", BAD_METRICS)
def test_bad_metrics(pool, fresh, metrics):
    r = client(pool, metrics_json=metrics).post_json("/predict", STR_REQ)
    info = "Bad metric created during request: " + json.dumps(json.loads(metrics))
    expect_error(r, 500, info, "MICROSERVICE_BAD_METRIC")


@pytest.mark.parametrize("metrics", BAD_METRICS[:3])
def test_bad_runtime_metrics(pool, fresh, metrics):
    r = client(pool, runtime_metrics_json=metrics).post_json("/predict", STR_REQ)
    info = "Bad metric created during request: " + json.dumps(json.loads(metrics))
    expect_error(r, 500, info, "MICROSERVICE_BAD_METRIC")


@pytest.mark.parametrize("metrics", [
    '[{"type":"COUNTER","key":"a","value":true}]',
    '[{"type":"GAUGE","key":"a","value":-2.5,"tags":{"x":"y"}}]',
    '[{"type":"TIMER","key":"a","value":0,"extra":1}]',
    "[]",
])
def test_valid_metrics(pool, fresh, metrics):
    r = client(pool, metrics_json=metrics).post_json("/predict", STR_REQ)
    m = json.loads(metrics)
    expect(r, 200, {"meta": {"metrics": m} if m else {}, "strData": "x"})


# -- metadata, feedback, route, aggregate errors (rows 123-126) ----------------------------------

def test_bad_metadata_only_breaks_metadata(pool, fresh):
    # row 123: other endpoints keep working
    c = client(pool, metadata_json='{"versions":"x"}')
    expect_error(c.get("/metadata"), 500, "Model metadata unavailable", "MICROSERVICE_BAD_METADATA")
    expect_error(c.get("/api/v1.0/metadata"), 500, "Model metadata unavailable", "MICROSERVICE_BAD_METADATA")
    expect(c.post_json("/predict", STR_REQ), 200, '{"meta":{},"strData":"x"}')


@pytest.mark.parametrize("body", [
    '{"reward":"x"}', '{"request":{"foo":1}}', '{"request":{"data":{"ndarray":[1]},"meta":{"bar":1}}}',
    '{"request":{"meta":{"metrics":[{"key":"a","type":"BAD","value":1}]}}}', '{"truth":[1]}',
    '{"reward":[1]}', '{"response":{"data":{"tensor":{"shape":"x"}}}}',
])
def test_feedback_invalid_json(nomethods, fresh, body):
    # row 124
    expect_error_like(nomethods.post_json("/send-feedback", body), 400, "MICROSERVICE_BAD_DATA",
                      "Invalid JSON: ")


def test_missing_route_and_aggregate(nomethods, fresh):
    # rows 125, 126
    expect_error(nomethods.post_json("/route", '{"data":{"ndarray":[1]}}'), 400, "Route not defined")
    expect_error(nomethods.post_json("/aggregate", '{"seldonMessages":[{"strData":"a"}]}'), 400,
                 "Aggregate not defined")


# -- server-level errors (row 128) ---------------------------------------------------------------

def test_request_line_too_long(identity, pool, fresh):
    # row 128 / configuration.md §6.2: request line over 4094 bytes ⇒ plain 400 from the server
    r = identity.get("/predict?json=" + "a" * 5000)
    assert r.status == 400, r
    assert r.header("Content-Type") != "application/json", r
    pool.get("identity").assert_alive()


def test_request_line_under_limit(identity, fresh):
    text = json.dumps({"strData": "y" * 3900})
    r = identity.get_json_param("/predict", text)
    assert len("GET /predict?json=%s HTTP/1.1" % text) < 4094
    expect(r, 200, json.dumps({"meta": {}, "strData": "y" * 3900}, separators=(",", ":")))


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET /predict HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"GET /health/ping HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
], ids=["garbage", "bad-version", "bad-length", "bad-chunk", "binary", "huge-header"])
def test_malformed_http(identity, pool, fresh, data):
    out = identity.raw(data)
    if out:
        assert out.startswith(b"HTTP/1."), out[:200]
    pool.get("identity").assert_alive()


@pytest.mark.parametrize("data,status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /predict HTTP/9.9\r\nHost: x\r\n\r\n", 505),
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET /health/ping HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-Field-%d: %s\r\n" % (i, b"v" * 8000) for i in range(10)) + b"\r\n", 431),
], ids=["garbage", "http-9.9", "bad-length", "bad-chunk", "gzip-encoding", "header-block-over-64k"])
def test_malformed_http_status(identity, pool, fresh, data, status):
    # the real program's own HTTP/1.1 server: the exact status line, then the connection closes
    out = identity.raw(data)
    assert out.startswith(b"HTTP/1.1 %d " % status), out[:200]
    pool.get("identity").assert_alive()


def test_truncated_body(identity, pool, fresh):
    # the client announces more than it sends and hangs up: nothing breaks
    identity.raw(b'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                 b'Content-Length: 1000\r\n\r\n{"strData":', timeout=1)
    pool.get("identity").assert_alive()


# -- malformed input never crashes (row 129) -----------------------------------------------------

MALFORMED = [
    ("deep-array", b'{"jsonData":' + b"[" * 100000 + b"]" * 100000 + b"}"),
    ("deep-object", b'{"jsonData":' + b'{"a":' * 100000 + b"1" + b"}" * 100000 + b"}"),
    ("deep-ndarray", b'{"data":{"ndarray":' + b"[" * 100000 + b"1" + b"]" * 100000 + b"}}"),
    ("deep-unclosed", b"[" * 200000),
    ("deep-meta", b'{"strData":"x","meta":{"tags":' + b"[" * 100000 + b"]" * 100000 + b"}}"),
    ("huge-number", b'{"jsonData":{"n":1' + b"0" * 100000 + b"}}"),
    ("huge-exponent", b'{"data":{"ndarray":[1e999999999999,-1e999999999999,1e-999999999999]}}'),
    ("long-string", b'{"strData":"' + b"x" * 2000000 + b'"}'),
    ("many-keys", b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(50000)) + b',"strData":"x"}'),
    ("bad-escape", b'{"strData":"\\uD800"}'),
    ("lone-surrogate-pair", b'{"strData":"\\udc00\\ud800"}'),
    ("bad-escape-2", b'{"strData":"\\x41"}'),
    ("nul-byte", b'{"strData":"a\x00b"}'),
    ("control-char", b'{"strData":"a\x01b"}'),
    ("overlong-utf8", b'{"strData":"\xc0\xaf"}'),
    ("wrong-types-1", b'{"data":{"ndarray":{"a":1}}}'),
    ("wrong-types-2", b'{"data":{"names":5,"ndarray":[[1,2]]}}'),
    ("wrong-types-3", b'{"data":{"names":[1,null],"ndarray":[[1,2]]}}'),
    ("wrong-types-4", b'{"binData":5}'),
    ("wrong-types-5", b'{"binData":null}'),
    ("wrong-types-6", b'{"meta":{"tags":[1],"puid":{},"requestPath":5,"metrics":"x"},"strData":"x"}'),
    ("wrong-types-7", b'{"meta":{"metrics":[1,"x",null]},"strData":"x"}'),
    ("wide-ndarray", b'{"data":{"ndarray":[' + b",".join([b"1.5"] * 200000) + b"]}}"),
    ("big-tensor-shape", b'{"data":{"tensor":{"shape":[4611686018427387904,4],"values":[1]}}}'),
    ("neg-tensor-shape", b'{"data":{"tensor":{"shape":[-1,0],"values":[]}}}'),
    ("nan-shape", b'{"data":{"tensor":{"shape":[NaN],"values":[1]}}}'),
    ("mixed-ndarray", b'{"data":{"ndarray":[[1,[2]],[3,4]]}}'),
    ("object-in-tensor", b'{"data":{"tensor":{"shape":[1],"values":[{"a":1}]}}}'),
]


@pytest.mark.parametrize("body", [b for _, b in MALFORMED], ids=[n for n, _ in MALFORMED])
@pytest.mark.parametrize("path", ["/predict", "/transform-input", "/aggregate", "/send-feedback"])
def test_malformed_input_never_crashes(tagged, pool, fresh, path, body):
    body = b"[" + body + b"]" if path == "/aggregate" and body.startswith(b"{") else body
    r = tagged.post_json(path, body, timeout=60)
    if r.status != 200:
        assert 400 <= r.status < 600, r
        expect_error_like(r, r.status, r.json()["status"]["reason"])
    else:
        json.loads(r.body)
    pool.get("tagged").assert_alive()


def test_deep_nesting_is_bad_data(identity, fresh):
    # A document nested beyond the parser's limit is "no JSON" (400), never a crash.
    r = identity.post_json("/predict", b'{"jsonData":' + b"[" * 100000 + b"]" * 100000 + b"}")
    assert r.status in (200, 400), r
    if r.status == 400:
        assert r.body == seldon_error("Can't find JSON in data"), r


def test_non_utf8_body(identity, fresh):
    expect_error(identity.post_json("/predict", b'{"strData":"\xff"}'), 400, "Can't find JSON in data")
    expect_error(identity.post_json("/predict", b'{"strData":"\xed\xa0\x80"}'), 400, "Can't find JSON in data")


def test_huge_numbers(identity, fresh):
    # 1e400 overflows to Infinity like Python's float(); integers stay exact
    r = identity.post_json("/predict", '{"data":{"ndarray":[1e400,-1e400,1e-400]}}')
    expect(r, 200, '{"data":{"names":[],"ndarray":[Infinity,-Infinity,0.0]},"meta":{}}')


def test_concurrent_bad_and_good(tagged, pool, fresh):
    # one bad request does not disturb others running at the same time
    from conftest import parallel
    bodies = [b'{"data":{"ndarray":[[1],[2,3]]}}', b'{"strData":"ok"}', b"{", b'{"data":{"ndarray":[1]}}'] * 8
    rs = parallel(lambda b: tagged.post_json("/predict", b), [(b,) for b in bodies])
    for b, r in zip(bodies, rs):
        if b == b'{"strData":"ok"}':
            assert r.status == 200 and r.json()["strData"] == "ok", r
        elif b == b"{":
            assert r.status == 400, r
        elif b.startswith(b'{"data":{"ndarray":[[1]'):
            assert r.status == 500, r
        else:
            assert r.status == 200, r
    pool.get("tagged").assert_alive()
