# SPDX-License-Identifier: LGPL-2.1-or-later
"""The worked examples of rest-api.md §10, row by row, with C components standing in for the
Python ones (Identity, Tagged, Behave configured to return what the row's component returns).
Row 26 (a Python SeldonMicroserviceException) is covered by its C counterpart,
seldon_error_new_custom()."""

import pytest

from conftest import behave, expect, expect_error_like, multipart

IDENTITY = {"name": "identity"}
TAGGED = {"name": "tagged"}
NOMETHODS = {"name": "nomethods"}
ENV7 = {"name": "identity",
        "env": {"PREDICTIVE_UNIT_ID": "my-model", "PREDICTIVE_UNIT_IMAGE": "my-image:1"}}
TAGGED_METRICS = '[{"type":"COUNTER","key":"mycounter","value":1}]'


def _q(text):
    return ("param", text)


def _j(obj):
    return ("json", obj)


# (row, server, method, path, request, status, body)
ROWS = [
    (1, IDENTITY, "GET", "/predict", _q('{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    (2, IDENTITY, "POST", "/api/v1.0/predictions", _j('{"data":{"ndarray":[[1,2]]}}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    (3, IDENTITY, "POST", "/predict", _j('{"data":{"tensor":{"shape":[2,1],"values":[1,2]}}}'), 200,
     '{"data":{"names":["t:0"],"tensor":{"shape":[2,1],"values":[1,2]}},"meta":{}}'),
    (4, TAGGED, "POST", "/predict", _j('{"data":{"names":["a","b"],"ndarray":[[1,2]]}}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{"metrics":[{"key":"mycounter",'
     '"type":"COUNTER","value":1}],"tags":{"mytag":1}}}'),
    (5, TAGGED, "POST", "/predict", _j('{"meta":{"tags":{"foo":"bar"}},"data":{"ndarray":[]}}'), 200,
     '{"data":{"names":[],"ndarray":[]},"meta":{"metrics":[{"key":"mycounter","type":"COUNTER",'
     '"value":1}],"tags":{"foo":"bar","mytag":1}}}'),
    (6, IDENTITY, "POST", "/predict", _j('{"meta":{"puid":"123"},"data":{"ndarray":[1]}}'), 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"puid":"123"}}'),
    (7, ENV7, "POST", "/predict", _j('{"meta":{"puid":"123"},"data":{"ndarray":[1]}}'), 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"puid":"123","requestPath":{"my-model":"my-image:1"}}}'),
    (8, ENV7, "POST", "/predict", _j('{"meta":{"requestPath":{"earlier":"img:0"}},"strData":"x"}'), 200,
     '{"meta":{"requestPath":{"earlier":"img:0","my-model":"my-image:1"}},"strData":"x"}'),
    (9, TAGGED, "POST", "/predict",
     _j('{"meta":{"metrics":[{"key":"g","type":"GAUGE","value":100}]},"data":{"ndarray":[1]}}'), 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"metrics":[{"key":"g","type":"GAUGE","value":100},'
     '{"key":"mycounter","type":"COUNTER","value":1}],"tags":{"mytag":1}}}'),
    (10, IDENTITY, "POST", "/predict", _j('{"strData":"my data"}'), 200,
     '{"meta":{},"strData":"my data"}'),
    (11, IDENTITY, "POST", "/predict", _j('{"binData":"MTIz"}'), 200, '{"binData":"MTIz","meta":{}}'),
    (12, behave(result_kind="tensor", result_json="[1,2,3]"), "POST", "/predict",
     _j('{"binData":"MTIz"}'), 200,
     '{"data":{"names":[],"tensor":{"shape":[3],"values":[1,2,3]}},"meta":{}}'),
    (13, IDENTITY, "POST", "/predict", _j('{"jsonData":{"b":1,"a":[1,2]}}'), 200,
     '{"jsonData":{"a":[1,2],"b":1},"meta":{}}'),
    (14, IDENTITY, "POST", "/predict", _j('{"strData":"\u00e9"}'.encode("utf-8")), 200,
     '{"meta":{},"strData":"\\u00e9"}'),
    (15, IDENTITY, "POST", "/predict", _j('{"data":{"ndarray":[[1,"y"]]}}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[["1","y"]]},"meta":{}}'),
    (16, IDENTITY, "POST", "/predict", _j('{"data":{"ndarray":[[1.5,2e20,1e-7,0.1]]}}'), 200,
     '{"data":{"names":["t:0","t:1","t:2","t:3"],"ndarray":[[1.5,2e+20,1e-07,0.1]]},"meta":{}}'),
    (17, behave(result_kind="float32", result_json="[[0.1,0.2]]"), "POST", "/predict",
     _j('{"data":{"ndarray":[1]}}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[0.10000000149011612,0.20000000298023224]]},"meta":{}}'),
    (18, IDENTITY, "POST", "/predict", ("nocontenttype", '{"data":{"ndarray":[1]}}'), 400,
     '{"status":{"code":-1,"info":"Can\'t find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (19, IDENTITY, "GET", "/predict", ("none", None), 400,
     '{"status":{"code":-1,"info":"Can\'t find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (20, IDENTITY, "POST", "/predict", _j('{"foo":"bar"}'), 400,
     '{"status":{"code":-1,"info":"Invalid request data type: {\'foo\': \'bar\'}","reason":'
     '"MICROSERVICE_BAD_DATA","status":1}}'),
    (21, IDENTITY, "GET", "/predict", _q('{"data":'), 400,
     '{"status":{"code":-1,"info":"Can\'t find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (22, IDENTITY, "GET", "/nonexistent", ("none", None), 404,
     '{"status":{"code":-1,"info":"404 Not Found: The requested URL was not found on the server. '
     'If you entered the URL manually please check your spelling and try again.","reason":'
     '"MICROSERVICE_INTERNAL_ERROR","status":1}}'),
    (23, IDENTITY, "GET", "/api/v1.0/predictions", ("none", None), 405,
     '{"status":{"code":-1,"info":"405 Method Not Allowed: The method is not allowed for the '
     'requested URL.","reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}'),
    (24, IDENTITY, "POST", "/health/ping", ("none", None), 405,
     '{"status":{"code":-1,"info":"405 Method Not Allowed: The method is not allowed for the '
     'requested URL.","reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}'),
    (25, behave(metrics_json='[{"type":"BAD","key":"mycounter","value":1}]'), "POST", "/predict",
     _j('{"data":{"ndarray":[1]}}'), 500,
     '{"status":{"code":-1,"info":"Bad metric created during request: [{\\"type\\": \\"BAD\\", '
     '\\"key\\": \\"mycounter\\", \\"value\\": 1}]","reason":"MICROSERVICE_BAD_METRIC","status":1}}'),
    (26, behave(error_kind="custom", error_status=403, error_message="foo"), "POST", "/predict",
     _j('{"strData":"x"}'), 403,
     '{"status":{"code":-1,"info":"foo","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (27, behave(raw_json='{"data":{"ndarray":[9,9]},"status":{"code":400,"status":"FAILURE"}}'),
     "POST", "/predict", _j('{"data":{"ndarray":[1]}}'), 400,
     '{"data":{"ndarray":[9,9]},"status":{"code":400,"status":"FAILURE"}}'),
    (28, behave(route_json="22", tags_json='{"mytag":1}', metrics_json=TAGGED_METRICS), "GET", "/route",
     _q('{"data":{"ndarray":[2]}}'), 200,
     '{"data":{"names":["t:0"],"ndarray":[[22]]},"meta":{"metrics":[{"key":"mycounter","type":"COUNTER",'
     '"value":1}],"tags":{"mytag":1}}}'),
    (29, IDENTITY, "GET", "/route", _q('{"data":{"ndarray":[2]}}'), 400,
     '{"status":{"code":-1,"info":"Route not defined","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (30, behave(route_json="1"), "GET", "/route", _q('{"strData":"x"}'), 200,
     '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[1]}},"meta":{}}'),
    (31, behave(tags_json='{"mytag":1}'), "POST", "/aggregate",
     _j('{"seldonMessages":[{"meta":{"tags":{"input-1":"yes","common":1}},"data":{"ndarray":[0]}},'
        '{"meta":{"tags":{"input-2":"yes","common":2}},"data":{"ndarray":[1]}}]}'), 200,
     '{"data":{"names":[],"ndarray":[0]},"meta":{"tags":{"common":2,"input-1":"yes","input-2":"yes",'
     '"mytag":1}}}'),
    (32, behave(), "POST", "/aggregate", _j('[{"strData":"123"},{"strData":"456"}]'), 200,
     '{"meta":{},"strData":"123"}'),
    (33, behave(), "POST", "/aggregate", _j('{"wrong":[]}'), 400,
     '{"status":{"code":-1,"info":"Invalid request data type: {\'wrong\': []}","reason":'
     '"MICROSERVICE_BAD_DATA","status":1}}'),
    (34, behave(implements="send-feedback", result_kind="list", result_json="[]"), "GET", "/send-feedback",
     _q('{"request":{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}},"response":{"meta":{"routing":'
        '{"router":0}},"data":{"ndarray":[[1.0,2.0]]}},"reward":1}'), 200,
     '{"data":{"ndarray":[]},"meta":{}}'),
    (36, behave(implements="send-feedback", result_kind="list", result_json="[[1,2]]"), "POST",
     "/send-feedback", _j('{"request":{"data":{"ndarray":[1]}},"reward":1}'), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    (37, NOMETHODS, "GET", "/health/status", ("none", None), 200, '{"meta":{},"strData":"healthy"}'),
    (38, behave(implements="health-status", result_kind="list", result_json="[0.123]"), "GET",
     "/health/status", ("none", None), 200,
     '{"data":{"names":[],"tensor":{"shape":[1],"values":[0.123]}},"meta":{}}'),
    (39, behave(raw_json='{"data":{"ndarray":[123.456,7.89]}}', raw_methods="health-status"), "GET",
     "/health/status", ("none", None), 200, '{"data":{"ndarray":[123.456,7.89]}}'),
    (40, behave(metadata_json='{"versions":"x"}'), "GET", "/metadata", ("none", None), 500,
     '{"status":{"code":-1,"info":"Model metadata unavailable","reason":"MICROSERVICE_BAD_METADATA",'
     '"status":1}}'),
    (42, IDENTITY, "POST", "/predict",
     ("multipart", multipart(fields=[("data", '{"names":["a","b"],"ndarray":[[1,2]]}')])), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    (43, IDENTITY, "POST", "/predict",
     ("multipart", multipart(fields=[("meta", '{"puid":"m"}')], files=[("strData", "s.txt", b"hi")])), 200,
     '{"meta":{"puid":"m"},"strData":"hi"}'),
    (44, behave(result_kind="none"), "POST", "/predict", _j('{"data":{"ndarray":[1]}}'), 400,
     '{"status":{"code":-1,"info":"Unknown data type returned as payload (must be list or np array):None",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (45, NOMETHODS, "POST", "/predict", _j('{"data":{"ndarray":[[1,2]]}}'), 200,
     '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    (46, NOMETHODS, "POST", "/predict", _j('{"strData":"x"}'), 200,
     '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
]


def send(client, method, path, request):
    kind, payload = request
    if kind == "json":
        return client.post_json(path, payload, method=method)
    if kind == "param":
        return client.get_json_param(path, payload, method=method)
    if kind == "nocontenttype":
        return client.request(method, path, body=payload)
    if kind == "multipart":
        body, ctype = payload
        return client.request(method, path, body=body, headers={"Content-Type": ctype})
    assert kind == "none"
    return client.request(method, path)


@pytest.fixture(scope="module")
def servers(pool):
    """Start every server the table needs at once (they start in parallel)."""
    specs = []
    for row in ROWS:
        spec = dict(row[1])
        if spec not in specs:
            specs.append(spec)
    pool.get_many(specs)
    return pool


@pytest.mark.parametrize("row", ROWS, ids=["row%02d" % r[0] for r in ROWS])
def test_worked_example(servers, fresh, row):
    num, spec, method, path, request, status, body = row
    srv = servers.get(**spec)
    r = send(srv.client, method, path, request)
    expect(r, status, body)


def test_row35_feedback_unknown_field(servers, fresh):
    srv = servers.get("behave", parameters=behave()["parameters"])
    r = srv.client.post_json("/send-feedback", '{"reward":1,"extra":1}')
    expect_error_like(r, 400, "MICROSERVICE_BAD_DATA",
                      'Invalid JSON: Message type "seldon.protos.Feedback" has no field named "extra" '
                      'at "Feedback".')


def test_row41_ping(servers, fresh):
    srv = servers.get(**IDENTITY)
    r = srv.client.get("/health/ping")
    expect(r, 200, b"pong", content_type="text/html; charset=utf-8")
