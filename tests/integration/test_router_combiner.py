# SPDX-License-Identifier: LGPL-2.1-or-later
"""Routers, combiners, transformers (parity-checklist.md L, rows 150-156; rest-api.md §9.2,
§9.4, §9.5; component-contract.md §10, §11)."""

import pytest

from conftest import behave, expect, expect_error, expect_error_like

NDARRAY_REQ = '{"data":{"ndarray":[2]}}'
TENSOR_REQ = '{"data":{"tensor":{"shape":[1],"values":[2]}}}'


def router(pool, route_json, **kw):
    return pool.get(**behave(route_json=route_json, **kw)).client


# -- route (rows 150-152) ------------------------------------------------------------------------

@pytest.mark.parametrize("route_json,request_body,answer", [
    ("22", NDARRAY_REQ, '{"data":{"names":["t:0"],"ndarray":[[22]]},"meta":{}}'),
    ("22", TENSOR_REQ, '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[22]}},"meta":{}}'),
    ("22", '{"strData":"x"}', '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[22]}},"meta":{}}'),
    ("22", '{"data":{}}', '{"data":{"names":["t:0"],"ndarray":[[22]]},"meta":{}}'),
    ("-1", NDARRAY_REQ, '{"data":{"names":["t:0"],"ndarray":[[-1]]},"meta":{}}'),
    ("-2", TENSOR_REQ, '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[-2]}},"meta":{}}'),
    ("9999", NDARRAY_REQ, '{"data":{"names":["t:0"],"ndarray":[[9999]]},"meta":{}}'),
    ("true", NDARRAY_REQ, '{"data":{"names":["t:0"],"ndarray":[[true]]},"meta":{}}'),
    ("true", '{"strData":"x"}', '{"data":{"names":["t:0"],"ndarray":[[true]]},"meta":{}}'),
])
def test_route_answers(pool, fresh, route_json, request_body, answer):
    # rows 150-152
    expect(router(pool, route_json).post_json("/route", request_body), 200, answer)


@pytest.mark.parametrize("route_json,shown", [("1.5", "1.5"), ("2.0", "2.0"), ('"x"', "x"), ("null", "None")])
def test_route_not_int(pool, fresh, route_json, shown):
    # row 150: anything but an integer ⇒ 400
    r = router(pool, route_json).post_json("/route", NDARRAY_REQ)
    expect_error(r, 400, "Routing response must be int but got " + shown)


def test_route_runtime_tags(pool, fresh):
    # row 166: a route answer may carry runtime tags and metrics
    c = router(pool, "0", runtime_tags_json='{"rt":1}',
               runtime_metrics_json='[{"type":"COUNTER","key":"rc","value":1}]')
    expect(c.post_json("/route", NDARRAY_REQ), 200,
           '{"data":{"names":["t:0"],"ndarray":[[0]]},"meta":{"metrics":[{"key":"rc","type":"COUNTER",'
           '"value":1}],"tags":{"rt":1}}}')


def test_route_raw_not_checked(pool, fresh):
    c = pool.get(**behave(raw_json='{"data":{"ndarray":[["not an int"]]}}', raw_methods="route")).client
    expect(c.post_json("/route", NDARRAY_REQ), 200, '{"data":{"ndarray":[["not an int"]]}}')


# -- aggregate (rows 153-155) --------------------------------------------------------------------

@pytest.fixture(scope="module")
def combiner(pool):
    return pool.get(**behave()).client


@pytest.mark.parametrize("body,answer", [
    ('{"seldonMessages":[{"data":{"ndarray":[[1,2]]}},{"strData":"b"}]}',
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    ('[{"data":{"tensor":{"shape":[2],"values":[1,2]}}},{"data":{"ndarray":[3]}}]',
     '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ('[{"binData":"MTIz"},{"jsonData":{"a":1}}]', '{"binData":"MTIz","meta":{}}'),
    ('[{"jsonData":{"a":1}}]', '{"jsonData":{"a":1},"meta":{}}'),
    ('{"seldonMessages":[{"strData":"only"}],"meta":{"puid":"ignored","tags":{"x":1}}}',
     '{"meta":{},"strData":"only"}'),
])
def test_aggregate_shapes(combiner, fresh, body, answer):
    # rows 153, 154
    expect(combiner.post_json("/aggregate", body), 200, answer)


@pytest.mark.parametrize("body,info", [
    ('{"wrong":[]}', "Invalid request data type: {'wrong': []}"),
    ('{"seldonMessages":5}', "Invalid request data type: {'seldonMessages': 5}"),
    ('{"seldonMessages":{"strData":"x"}}', "Invalid request data type: {'seldonMessages': {'strData': 'x'}}"),
    ('"str"', "Invalid request data type: str"),
    ("5", "Invalid request data type: 5"),
    ('[{"foo":1}]', "Invalid request data type: {'foo': 1}"),
    ('[{"strData":"ok"},{"meta":{}}]', "Invalid request data type: {'meta': {}}"),
    ('[{"strData":"ok"},7]', "Invalid request data type: 7"),
])
def test_aggregate_bad_shapes(combiner, fresh, body, info):
    # row 153
    expect_error(combiner.post_json("/aggregate", body), 400, info)


def test_aggregate_typed_after_first_child(pool, fresh):
    # row 154: a numeric result follows the first child's data kind
    c = pool.get(**behave(result_kind="tensor", result_json="[1,2]")).client
    expect(c.post_json("/aggregate", '[{"data":{"ndarray":[0]}},{"data":{"tensor":{"shape":[1],"values":[1]}}}]'),
           200, '{"data":{"names":[],"ndarray":[1,2]},"meta":{}}')
    expect(c.post_json("/aggregate", '[{"strData":"x"},{"data":{"ndarray":[0]}}]'),
           200, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}')
    expect(c.post_json("/aggregate", '[{"data":{"tensor":{"shape":[1],"values":[1]}}},{"strData":"x"}]'),
           200, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}')


def test_aggregate_receives_all(pool, fresh):
    # row 154: the component gets every child's payload and names
    c = pool.get(**behave(result_kind="inspect")).client
    r = c.post_json("/aggregate", '[{"data":{"names":["a"],"ndarray":[[1]]}},{"strData":"s"},{"binData":"AAE="},'
                                  '{"jsonData":[1]}]')
    assert r.status == 200, r
    msgs = r.json()["jsonData"]["messages"]
    assert [m["kind"] for m in msgs] == ["tensor", "string", "bytes", "json"], r
    assert msgs[0]["names"] == ["a"] and msgs[0]["array"] == [[1]], r
    assert msgs[1]["str"] == "s" and msgs[2]["bytes-base64"] == "AAE=" and msgs[3]["json"] == [1], r
    assert all(m["names"] == [] for m in msgs[1:]), r


@pytest.mark.parametrize("body", ['{"seldonMessages":[]}', "[]"])
def test_aggregate_empty(tmp_pool, fresh, tmp_path, body):
    # row 155 (Q): the component is called with an empty list, then it fails (500)
    trace = tmp_path / "trace"
    srv = tmp_pool.new("behave", parameters=behave()["parameters"], env={"TEST_COMPONENT_TRACE": str(trace)})
    r = srv.client.post_json("/aggregate", body)
    expect_error(r, 500, "list index out of range", "MICROSERVICE_INTERNAL_ERROR")
    assert "aggregate" in trace.read_text().split()


def test_aggregate_runtime_tags(pool, fresh):
    c = pool.get(**behave(runtime_tags_json='{"rt":"a"}')).client
    expect(c.post_json("/aggregate", '[{"strData":"x","meta":{"tags":{"rt":"child","c":1}}}]'), 200,
           '{"meta":{"tags":{"c":1,"rt":"a"}},"strData":"x"}')


def test_aggregate_raw_gets_body(pool, fresh):
    c = pool.get(**behave(raw_echo=True, raw_methods="aggregate")).client
    for body in ['{"wrong":[]}', '[1,2]', '{"seldonMessages":[],"x":1}']:
        expect(c.post_json("/aggregate", body), 200, body)


# -- transformers (row 156) ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/transform-input", "/transform-output"])
@pytest.mark.parametrize("body,answer", [
    ('{"data":{"ndarray":[[1,2]]}}', '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    ('{"data":{"names":["a","b"],"tensor":{"shape":[1,2],"values":[1.5,2]}}}',
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1.5,2.0]}},"meta":{}}'),
    ('{"binData":"MTIz"}', '{"binData":"MTIz","meta":{}}'),
    ('{"strData":"s","meta":{"puid":"p","tags":{"a":1}}}', '{"meta":{"puid":"p","tags":{"a":1}},"strData":"s"}'),
    ('{"jsonData":{"k":[1]}}', '{"jsonData":{"k":[1]},"meta":{}}'),
])
def test_missing_transform_echoes(nomethods, fresh, path, body, answer):
    expect(nomethods.post_json(path, body), 200, answer)


@pytest.mark.parametrize("path", ["/transform-input", "/transform-output"])
def test_transform_errors(nomethods, fresh, path):
    expect_error(nomethods.post_json(path, '{"foo":1}'), 400, "Invalid request data type: {'foo': 1}")
    expect_error_like(nomethods.post_json(path, '{"data":{"ndarray":[[1],[2,3]]}}'), 500,
                      "MICROSERVICE_INTERNAL_ERROR")
