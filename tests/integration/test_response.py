# SPDX-License-Identifier: LGPL-2.1-or-later
"""Building and serialising answers (parity-checklist.md F rows 92-103, G rows 104-111,
H rows 112-118; rest-api.md §6, §7)."""

import json

import pytest

from conftest import behave, dumps, expect, expect_error

NDARRAY_REQ = '{"data":{"ndarray":[1]}}'
TENSOR_REQ = '{"data":{"tensor":{"shape":[1],"values":[1]}}}'
EMPTY_DATA_REQ = '{"data":{}}'
STR_REQ = '{"strData":"x"}'


def get(pool, **kw):
    return pool.get(**behave(**kw)).client


# -- payload kinds (rows 92-99) ------------------------------------------------------------------

def test_bytes_answer(pool, fresh):
    c = get(pool, result_kind="bytes", result_json="AAH/")
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"binData":"AAH/","meta":{}}')


def test_string_answer(pool, fresh):
    c = get(pool, result_kind="str", result_json="h\u00e9llo")
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"meta":{},"strData":"h\\u00e9llo"}')


def test_json_answer(pool, fresh):
    c = get(pool, result_kind="json", result_json='{"z":[1,2.5],"a":{"y":null}}')
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"jsonData":{"a":{"y":null},"z":[1,2.5]},"meta":{}}')


@pytest.mark.parametrize("request_body,answer", [
    (TENSOR_REQ, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    (NDARRAY_REQ, '{"data":{"names":[],"ndarray":[1,2]},"meta":{}}'),
    (EMPTY_DATA_REQ, '{"data":{"names":[],"ndarray":[1,2]},"meta":{}}'),
    (STR_REQ, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ('{"binData":"MTIz"}', '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ('{"jsonData":{}}', '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
])
def test_numeric_answer_kind_follows_request(pool, fresh, request_body, answer):
    # rows 93, 94
    c = get(pool, result_kind="tensor", result_json="[1,2]")
    expect(c.post_json("/predict", request_body), 200, answer)


@pytest.mark.parametrize("result,request_body,answer", [
    # booleans and strings are not numeric: ndarray even for a tensor request (row 95)
    ("[true,false]", TENSOR_REQ, '{"data":{"names":[],"ndarray":[true,false]},"meta":{}}'),
    ("[true,false]", STR_REQ, '{"data":{"names":[],"ndarray":[true,false]},"meta":{}}'),
    ('["a","b"]', STR_REQ, '{"data":{"names":[],"ndarray":["a","b"]},"meta":{}}'),
    ('[1,"a"]', STR_REQ, '{"data":{"names":[],"ndarray":["1","a"]},"meta":{}}'),
    # unsigned and float are numeric
    ("[[1.0,2.0]]", TENSOR_REQ,
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1.0,2.0]}},"meta":{}}'),
    ("[[1.0,2.0]]", NDARRAY_REQ, '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    # 0-d arrays (row 98)
    ("5", STR_REQ, '{"data":{"names":[],"tensor":{"shape":[],"values":[5]}},"meta":{}}'),
    ("5", NDARRAY_REQ, '{"data":{"names":[],"ndarray":5},"meta":{}}'),
    ("3.5", NDARRAY_REQ, '{"data":{"names":[],"ndarray":3.5},"meta":{}}'),
    # names (row 100): 3-D uses the second dimension
    ("[[[1,2],[3,4]],[[5,6],[7,8]]]", TENSOR_REQ,
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[2,2,2],"values":[1,2,3,4,5,6,7,8]}},"meta":{}}'),
    ("[[1,2,3]]", NDARRAY_REQ, '{"data":{"names":["t:0","t:1","t:2"],"ndarray":[[1,2,3]]},"meta":{}}'),
    ("[[]]", NDARRAY_REQ, '{"data":{"names":[],"ndarray":[[]]},"meta":{}}'),
])
def test_tensor_answers(pool, fresh, result, request_body, answer):
    c = get(pool, result_kind="tensor", result_json=result)
    expect(c.post_json("/predict", request_body), 200, answer)


@pytest.mark.parametrize("result,request_body,answer", [
    # a list is answered verbatim as ndarray (row 96) ...
    ('[1,"a"]', NDARRAY_REQ, '{"data":{"names":[],"ndarray":[1,"a"]},"meta":{}}'),
    ("[true,2]", NDARRAY_REQ, '{"data":{"names":[],"ndarray":[true,2]},"meta":{}}'),
    ('[[1,"a"]]', STR_REQ, '{"data":{"names":["t:0","t:1"],"ndarray":[[1,"a"]]},"meta":{}}'),
    # ... but typed like the array it converts to: [true,2] is numeric, values from the array
    ("[true,2]", TENSOR_REQ, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ("[true,2]", STR_REQ, '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ("[[1,2],[3,4]]", STR_REQ, '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[2,2],"values":[1,2,3,4]}},'
                               '"meta":{}}'),
    ("[]", STR_REQ, '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
    ("[1.5,2]", NDARRAY_REQ, '{"data":{"names":[],"ndarray":[1.5,2]},"meta":{}}'),
])
def test_list_answers(pool, fresh, result, request_body, answer):
    c = get(pool, result_kind="list", result_json=result)
    expect(c.post_json("/predict", request_body), 200, answer)


@pytest.mark.parametrize("request_body,answer", [
    (STR_REQ, '{"data":{"names":[],"tensor":{"shape":[2],"values":[18446744073709551615,1]}},"meta":{}}'),
    (NDARRAY_REQ, '{"data":{"names":[],"ndarray":[18446744073709551615,1]},"meta":{}}'),
])
def test_uint64_answer(pool, fresh, request_body, answer):
    # row 95: unsigned arrays are numeric
    c = get(pool, result_kind="uint64", result_json='["18446744073709551615","1"]')
    expect(c.post_json("/predict", request_body), 200, answer)


def test_none_answer(pool, fresh):
    # row 99
    c = get(pool, result_kind="none")
    expect_error(c.post_json("/predict", STR_REQ), 400,
                 "Unknown data type returned as payload (must be list or np array):None")


def test_class_names(pool, fresh):
    # rows 100, 167: class_names() for answers of 2+ dimensions only, length not checked
    c = get(pool, result_kind="tensor", result_json="[[1,2]]", class_names="a,b,c")
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"data":{"names":["a","b","c"],"ndarray":[[1,2]]},"meta":{}}')
    c = get(pool, result_kind="tensor", result_json="[1,2]", class_names="a,b,c")
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"data":{"names":[],"ndarray":[1,2]},"meta":{}}')


def test_request_names_not_copied(identity, fresh):
    # row 101
    r = identity.post_json("/predict", '{"data":{"names":["x","y","z"],"ndarray":[1,2]}}')
    expect(r, 200, '{"data":{"names":[],"ndarray":[1,2]},"meta":{}}')


def test_float32(pool, fresh):
    # row 103
    c = get(pool, result_kind="float32", result_json="[0.5,0.1,3.4028234663852886e+38]")
    expect(c.post_json("/predict", STR_REQ), 200,
           '{"data":{"names":[],"tensor":{"shape":[3],"values":[0.5,0.10000000149011612,'
           '3.4028234663852886e+38]}},"meta":{}}')


# -- meta merging (rows 102, 104-111) ------------------------------------------------------------

def test_spec_meta_example(pool, fresh):
    # rest-api.md §6.3 example
    c = pool.get(**behave(tags_json='{"shared":"static"}', runtime_tags_json='{"rt":true}',
                          _env={"PREDICTIVE_UNIT_ID": "clf", "PREDICTIVE_UNIT_IMAGE": "org/img:1.0"})).client
    r = c.post_json("/predict", '{"meta":{"puid":"p1","tags":{"shared":"req","r":1},"routing":{"x":1}},'
                                '"strData":"s"}')
    expect(r, 200, '{"meta":{"puid":"p1","requestPath":{"clf":"org/img:1.0"},"tags":{"r":1,"rt":true,'
                   '"shared":"static"}},"strData":"s"}')


def test_runtime_tags_win(pool, fresh):
    # component-contract.md §6.1 example
    c = get(pool, tags_json='{"static":"tag","shared":"not right one"}',
            runtime_tags_json='{"runtime":"tag","shared":"right one"}')
    r = c.post_json("/predict", STR_REQ)
    expect(r, 200, '{"meta":{"tags":{"runtime":"tag","shared":"right one","static":"tag"}},"strData":"x"}')


def test_empty_tags_omitted(pool, fresh):
    c = get(pool, tags_json="{}")
    expect(c.post_json("/predict", '{"meta":{"tags":{}},"strData":"x"}'), 200, '{"meta":{},"strData":"x"}')


M_REQ = {"key": "req", "type": "GAUGE", "value": 1}
M_STATIC = {"key": "static", "type": "COUNTER", "value": 2, "tags": {"mytag": "v"}}
M_RUNTIME = {"key": "runtime", "type": "TIMER", "value": 3.5}


@pytest.mark.parametrize("include", [True, False])
def test_metrics_order(pool, fresh, include):
    # rows 105, 106: request metrics, then metrics(), then runtime; the last two only when
    # INCLUDE_METRICS_IN_CLIENT_RESPONSE; echoed unaltered (no "method" added to tags)
    env = None if include else {"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"}
    c = pool.get(**behave(metrics_json=json.dumps([M_STATIC]), runtime_metrics_json=json.dumps([M_RUNTIME]),
                          _env=env)).client
    r = c.post_json("/predict", json.dumps({"meta": {"metrics": [M_REQ]}, "strData": "x"}))
    metrics = [M_REQ, M_STATIC, M_RUNTIME] if include else [M_REQ]
    expect(r, 200, {"meta": {"metrics": metrics}, "strData": "x"})


def test_request_metrics_echoed_unvalidated(identity, fresh):
    # request metrics are passed through untouched (never validated nor recorded)
    body = {"meta": {"metrics": [{"key": "x", "type": "WHATEVER", "value": "s", "extra": [1]}]}, "strData": "x"}
    expect(identity.post_json("/predict", json.dumps(body)), 200, body)


@pytest.mark.parametrize("puid,meta", [
    ('"abc"', '{"puid":"abc"}'),
    ("123", '{"puid":123}'),
    ('""', "{}"),
    ("null", "{}"),
])
def test_puid(identity, fresh, puid, meta):
    # row 107
    r = identity.post_json("/predict", '{"meta":{"puid":%s},"strData":"x"}' % puid)
    expect(r, 200, '{"meta":%s,"strData":"x"}' % meta)


def test_request_path_default_image(pool, fresh):
    # row 108: image defaults to NOT_IMPLEMENTED:NOT_IMPLEMENTED; request entries win
    c = pool.get("identity", env={"PREDICTIVE_UNIT_ID": "unit"}).client
    expect(c.post_json("/predict", STR_REQ), 200,
           '{"meta":{"requestPath":{"unit":"NOT_IMPLEMENTED:NOT_IMPLEMENTED"}},"strData":"x"}')
    r = c.post_json("/predict", '{"meta":{"requestPath":{"unit":"mine","a":"b"}},"strData":"x"}')
    expect(r, 200, '{"meta":{"requestPath":{"a":"b","unit":"mine"}},"strData":"x"}')


def test_request_path_without_unit_id(identity, fresh):
    r = identity.post_json("/predict", '{"meta":{"requestPath":{"a":"b"}},"strData":"x"}')
    expect(r, 200, '{"meta":{"requestPath":{"a":"b"}},"strData":"x"}')


def test_routing_and_unknown_meta_dropped(identity, fresh):
    # row 109
    r = identity.post_json("/predict", '{"meta":{"routing":{"a":1},"foo":1,"requestPath":{}},"strData":"x"}')
    expect(r, 200, '{"meta":{},"strData":"x"}')


def test_route_meta(pool, fresh):
    # row 110 (rest-api.md §9.4 example)
    c = get(pool, route_json="1")
    r = c.post_json("/route", '{"meta":{"puid":"r1","tags":{"foo":"bar"},"requestPath":{"prev":"img"},'
                              '"metrics":[{"key":"m","type":"COUNTER","value":1}]},"data":{"ndarray":[2]}}')
    expect(r, 200, '{"data":{"names":["t:0"],"ndarray":[[1]]},"meta":{"puid":"r1"}}')


def test_route_meta_with_env_and_tags(pool, fresh):
    c = pool.get(**behave(route_json="0", tags_json='{"t":1}', runtime_tags_json='{"rt":2}',
                          _env={"PREDICTIVE_UNIT_ID": "r", "PREDICTIVE_UNIT_IMAGE": "i:1"})).client
    r = c.post_json("/route", '{"meta":{"requestPath":{"prev":"img"},"tags":{"x":1}},"data":{"ndarray":[2]}}')
    expect(r, 200, '{"data":{"names":["t:0"],"ndarray":[[0]]},"meta":{"requestPath":{"r":"i:1"},'
                   '"tags":{"rt":2,"t":1}}}')


def test_aggregate_meta_merge(pool, fresh):
    # row 111
    c = pool.get(**behave(_env={"PREDICTIVE_UNIT_ID": "comb", "PREDICTIVE_UNIT_IMAGE": "c:1"})).client
    body = {"seldonMessages": [
        {"meta": {"puid": "p1", "tags": {"a": 1, "common": 1}, "requestPath": {"m1": "i1", "comb": "child"},
                  "metrics": [{"key": "k1", "type": "COUNTER", "value": 1}]}, "strData": "first"},
        {"meta": {"puid": "p2", "tags": {"b": 2, "common": 2}, "requestPath": {"m2": "i2"},
                  "metrics": [{"key": "k2", "type": "GAUGE", "value": 2}]}, "strData": "second"},
    ], "meta": {"tags": {"ignored": True}}}
    r = c.post_json("/aggregate", json.dumps(body))
    expect(r, 200, {"meta": {"metrics": [{"key": "k1", "type": "COUNTER", "value": 1},
                                         {"key": "k2", "type": "GAUGE", "value": 2}],
                             "puid": "p1", "requestPath": {"comb": "child", "m1": "i1", "m2": "i2"},
                             "tags": {"a": 1, "b": 2, "common": 2}},
                    "strData": "first"})


# -- serialisation (rows 112-117) ----------------------------------------------------------------

def test_content_type_and_canonical_form(identity, fresh):
    # rows 112, 113
    r = identity.post_json("/predict", '{"jsonData":{"b":{"d":1,"c":[{"z":1,"a":2}]},"a":0},"meta":{"puid":"x"}}')
    expect(r, 200, b'{"jsonData":{"a":0,"b":{"c":[{"a":2,"z":1}],"d":1}},"meta":{"puid":"x"}}\n')


def test_key_sort_by_code_point(identity, fresh):
    r = identity.post_json("/predict", '{"jsonData":{"b":1,"B":2,"_":3,"\u00e9":4,"aa":5,"a":6,"1":7}}'.encode())
    expect(r, 200, '{"jsonData":{"1":7,"B":2,"_":3,"a":6,"aa":5,"b":1,"\\u00e9":4},"meta":{}}')


STRINGS = ["\u00e9", "\U0001F600", "\u20ac", "a/b", 'q"uote', "back\\slash", "\b\f\n\r\t", "\x01\x1f\x7f",
           "\u2028", "\uffff"]


@pytest.mark.parametrize("s", STRINGS, ids=[repr(s) for s in STRINGS])
def test_string_escaping(identity, fresh, s):
    # row 114
    r = identity.post_json("/predict", json.dumps({"strData": s}))
    expect(r, 200, dumps({"meta": {}, "strData": s}))
    if s == "\U0001F600":
        assert b"\\ud83d\\ude00" in r.body


FLOATS = "[1e-5,1e16,1.0,-0.0,123456789.125,1.5e-7,2e20,0.1,1e15,0.0001,1e-4,123.456,5e-324," \
         "1.7976931348623157e308,100.0,1e22,12345678901234567.0,0.30000000000000004,-1.5e-10,1e400,-1e400,1e-400]"


def test_float_format(identity, fresh):
    # rows 115, 116: Python repr of floats; 1e400 overflows to Infinity
    r = identity.post_json("/predict", '{"jsonData":{"f":%s}}' % FLOATS)
    expect(r, 200, dumps({"jsonData": {"f": json.loads(FLOATS)}, "meta": {}}))


def test_float_format_in_arrays(identity, fresh):
    r = identity.post_json("/predict", '{"data":{"ndarray":[1e-5,1e16,-0.0,0.1,2e20,1.5]}}')
    expect(r, 200, '{"data":{"names":[],"ndarray":[1e-05,1e+16,-0.0,0.1,2e+20,1.5]},"meta":{}}')


def test_non_finite(identity, fresh):
    # row 116
    r = identity.post_json("/predict", '{"data":{"ndarray":[NaN,Infinity,-Infinity,1.0]}}')
    expect(r, 200, '{"data":{"names":[],"ndarray":[NaN,Infinity,-Infinity,1.0]},"meta":{}}')


def test_integers_exact(identity, fresh):
    # row 117, on the server's own path (request tags and metrics are merged by the server)
    big = "[0,-1,9007199254740993,-9223372036854775809,340282366920938463463374607431768211457]"
    r = identity.post_json("/predict", '{"meta":{"tags":{"i":%s},"metrics":[{"key":"k","type":"GAUGE",'
                                       '"value":18446744073709551617}]},"strData":"x"}' % big)
    expect(r, 200, '{"meta":{"metrics":[{"key":"k","type":"GAUGE","value":18446744073709551617}],'
                   '"tags":{"i":%s}},"strData":"x"}' % big)


# -- status mirroring (row 118) ------------------------------------------------------------------

RAW_STATUS = '{"data":{"ndarray":[9,9]},"status":{"code":418,"status":"FAILURE"}}'


@pytest.fixture(scope="module")
def raw_status(pool):
    return pool.get(**behave(raw_json=RAW_STATUS, raw_methods="all")).client


@pytest.mark.parametrize("path,status", [
    ("/predict", 418), ("/api/v1.0/predictions", 418), ("/api/v0.1/predictions", 418),
    ("/transform-input", 200), ("/transform-output", 200), ("/route", 200), ("/aggregate", 200),
])
def test_status_mirroring(raw_status, fresh, path, status):
    body = "[" + NDARRAY_REQ + "]" if path == "/aggregate" else NDARRAY_REQ
    expect(raw_status.post_json(path, body), status, RAW_STATUS)


def test_status_without_code_not_mirrored(pool, fresh):
    c = get(pool, raw_json='{"status":{"status":"FAILURE","info":"x"}}')
    expect(c.post_json("/predict", NDARRAY_REQ), 200, '{"status":{"info":"x","status":"FAILURE"}}')
