# SPDX-License-Identifier: LGPL-2.1-or-later
"""Payload decoding (parity-checklist.md E, rows 79-91, 214-217; rest-api.md §5).

The Identity component returns the decoded payload (a tensor answer shows the decoded array in
its nested-list form), so its answer shows what the server decoded."""

import json

import pytest

from conftest import behave, expect, expect_error, expect_error_like


def post(client, body, path="/predict"):
    return client.post_json(path, body)


# -- payload key precedence (row 79) -------------------------------------------------------------

@pytest.mark.parametrize("body,answer", [
    ('{"binData":"MTIz","strData":"s"}', '{"meta":{},"strData":"s"}'),
    ('{"strData":"s","jsonData":{"a":1}}', '{"jsonData":{"a":1},"meta":{}}'),
    ('{"jsonData":1,"data":{"ndarray":[1]}}', '{"data":{"names":[],"ndarray":[1]},"meta":{}}'),
    ('{"customData":{"x":1},"strData":"s","status":{"code":7},"other":1}', '{"meta":{},"strData":"s"}'),
])
def test_payload_precedence(identity, fresh, body, answer):
    expect(post(identity, body), 200, answer)


# -- no payload (row 80, 90) ---------------------------------------------------------------------

@pytest.mark.parametrize("body,info", [
    ("{}", "Invalid request data type: {}"),
    ('{"meta":{}}', "Invalid request data type: {'meta': {}}"),
    ("[1,2]", "Invalid request data type: [1, 2]"),
    # upstream formats the request with str() (an f-string): a top-level string has no quotes
    ('"str"', "Invalid request data type: str"),
    ("5", "Invalid request data type: 5"),
    ("2.5", "Invalid request data type: 2.5"),
    ("true", "Invalid request data type: True"),
    ('{"customData":{"@type":"type.googleapis.com/x","v":1}}',
     "Invalid request data type: {'customData': {'@type': 'type.googleapis.com/x', 'v': 1}}"),
    ('{"x":123456789012345678901234567890}',
     "Invalid request data type: {'x': 123456789012345678901234567890}"),
    # Python's repr of the values (str() of the dict): quotes, escapes, floats
    ('{"a":"it\'s"}', "Invalid request data type: {'a': \"it's\"}"),
    ('{"a":"say \\"hi\\" it\'s"}', "Invalid request data type: {'a': 'say \"hi\" it\\'s'}"),
    ('{"\u00e9":"\\n\\t\\u0001\\\\"}', "Invalid request data type: {'\u00e9': '\\n\\t\\x01\\\\'}"),
    ('{"f":[1e16,1e-5,0.5,-0.0,NaN,Infinity,-Infinity,1e400]}',
     "Invalid request data type: {'f': [1e+16, 1e-05, 0.5, -0.0, nan, inf, -inf, inf]}"),
    ('{"status":{"code":1},"x":[null,true,false,1.0,"q"]}',
     "Invalid request data type: {'status': {'code': 1}, 'x': [None, True, False, 1.0, 'q']}"),
])
def test_invalid_request_data_type(identity, fresh, body, info):
    expect_error(post(identity, body), 400, info)


# -- data sub-keys (rows 81, 82, 214) ------------------------------------------------------------

@pytest.mark.parametrize("body,answer", [
    # tensor beats ndarray
    ('{"data":{"ndarray":[[9]],"tensor":{"shape":[1],"values":[5]}}}',
     '{"data":{"names":[],"tensor":{"shape":[1],"values":[5]}},"meta":{}}'),
    # neither: empty float array (answered as ndarray because the request had data)
    ('{"data":{}}', '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    ('{"data":{"names":["a"]}}', '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    # integers stay integers, floats floats
    ('{"data":{"tensor":{"shape":[2],"values":[1,2]}}}',
     '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[1,2],"values":[1.0,2.5]}}}',
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1.0,2.5]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[2],"values":[1,2.5]}}}',
     '{"data":{"names":[],"tensor":{"shape":[2],"values":[1.0,2.5]}},"meta":{}}'),
    # numpy reshape semantics (row 214)
    ('{"data":{"tensor":{"shape":[],"values":[1]}}}',
     '{"data":{"names":[],"tensor":{"shape":[],"values":[1]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[-1],"values":[1,2]}}}',
     '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[2,-1],"values":[1,2,3,4]}}}',
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[2,2],"values":[1,2,3,4]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[2,2,2],"values":[1,2,3,4,5,6,7,8]}}}',
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[2,2,2],"values":[1,2,3,4,5,6,7,8]}},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[0],"values":[]}}}',
     '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
    # values typed like ndarray: strings give a string array, answered as ndarray
    ('{"data":{"tensor":{"shape":[2],"values":["a","b"]}}}',
     '{"data":{"names":[],"ndarray":["a","b"]},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[2],"values":["a",true]}}}',
     '{"data":{"names":[],"ndarray":["a","True"]},"meta":{}}'),
])
def test_data_decoding(identity, fresh, body, answer):
    expect(post(identity, body), 200, answer)


@pytest.mark.parametrize("body,info", [
    ('{"data":{"tensor":{"values":[1,2]}}}', "'shape'"),
    ('{"data":{"tensor":{"shape":[2]}}}', "'values'"),
    ('{"data":{"tensor":{"shape":[3],"values":[1,2]}}}', "cannot reshape array of size 2 into shape (3,)"),
    ('{"data":{"tensor":{"shape":[2,2],"values":[1,2,3]}}}',
     "cannot reshape array of size 3 into shape (2,2)"),
])
def test_tensor_errors(identity, fresh, body, info):
    # rows 82, 214
    expect_error(post(identity, body), 500, info, "MICROSERVICE_INTERNAL_ERROR")


@pytest.mark.parametrize("body", [
    '{"data":{"tensor":{"shape":[-1,-1],"values":[1,2]}}}',
    '{"data":{"tensor":{"shape":[1000000000000,1000000000000],"values":[]}}}',
    '{"data":{"tensor":{"shape":[9223372036854775807,2],"values":[1,2]}}}',
    '{"data":{"tensor":{"shape":"x","values":[1]}}}',
    '{"data":{"tensor":{"shape":[1.5],"values":[1]}}}',
    '{"data":{"tensor":5}}',
    '{"data":{"tensor":{"shape":[2],"values":[[1],[2,3]]}}}',
])
def test_tensor_malformed_500(identity, fresh, pool, body):
    # malformed tensors fail with 500 MICROSERVICE_INTERNAL_ERROR and never take the server down
    expect_error_like(post(identity, body), 500, "MICROSERVICE_INTERNAL_ERROR")
    pool.get("identity").assert_alive()


# -- ndarray typing (rows 83, 84, 215) -----------------------------------------------------------

@pytest.mark.parametrize("ndarray,answer,names", [
    ("[[1,2]]", "[[1,2]]", '["t:0","t:1"]'),
    ("[[1,2.5]]", "[[1.0,2.5]]", '["t:0","t:1"]'),
    ("[true,false]", "[true,false]", "[]"),
    ("[true,2]", "[1,2]", "[]"),
    ("[true,2.5]", "[1.0,2.5]", "[]"),
    ('["a","b"]', '["a","b"]', "[]"),
    ('["a",1,2.5,true]', '["a","1","2.5","True"]', "[]"),
    ('[1,null]', '[1,null]', "[]"),
    ('[{"a":1},2]', '[{"a":1},2]', "[]"),
    ("[18446744073709551615]", "[18446744073709551615]", "[]"),
    ("[-9223372036854775808,9223372036854775807]", "[-9223372036854775808,9223372036854775807]", "[]"),
    ("[]", "[]", "[]"),
    ("[[]]", "[[]]", "[]"),
    ("[[1],[2]]", "[[1],[2]]", '["t:0"]'),
    ("5", "5", "[]"),
    ('"x"', '"x"', "[]"),
    ("3.5", "3.5", "[]"),
])
def test_ndarray_typing(identity, fresh, ndarray, answer, names):
    r = post(identity, '{"data":{"ndarray":%s}}' % ndarray)
    expect(r, 200, '{"data":{"names":%s,"ndarray":%s},"meta":{}}' % (names, answer))


@pytest.mark.parametrize("ndarray", ["[[1],[2,3]]", "[[1,2],3]", '[["a"],["b","c"]]'])
def test_ragged_ndarray_500(identity, fresh, ndarray):
    # row 84 (Q): numpy's message
    r = post(identity, '{"data":{"ndarray":%s}}' % ndarray)
    expect_error_like(r, 500, "MICROSERVICE_INTERNAL_ERROR", "setting an array element with a sequence.")


# -- binData, strData, jsonData (rows 85, 86) ----------------------------------------------------

@pytest.mark.parametrize("b64", ["MTIz", "", "AAH/", "YQ==", "YWI="])
def test_bindata_roundtrip(identity, fresh, b64):
    expect(post(identity, '{"binData":"%s"}' % b64), 200, '{"binData":"%s","meta":{}}' % b64)


@pytest.mark.parametrize("b64", ["a", "MTI", "YQ=", "MTIzN"])
def test_bindata_invalid_base64_500(identity, fresh, b64):
    expect_error_like(post(identity, '{"binData":"%s"}' % b64), 500, "MICROSERVICE_INTERNAL_ERROR")


@pytest.mark.parametrize("value", ['{"a":{"b":[1,"x",null,true]}}', "[1,2]", '"s"', "5", "2.5", "true",
                                   "null", '{"n":1e400}'])
def test_jsondata_as_is(inspect, fresh, value):
    # row 86: the JSON value reaches the component as is
    seen = _seen(post(inspect, '{"jsonData":%s}' % value))
    assert seen["kind"] == "json", seen
    assert seen["json"] == json.loads(value), seen


def test_jsondata_object_echo(identity, fresh):
    r = post(identity, '{"jsonData":{"a":{"b":[1,"x",null,true,2.5]}}}')
    expect(r, 200, '{"jsonData":{"a":{"b":[1,"x",null,true,2.5]}},"meta":{}}')


def test_strdata_as_is(identity, fresh):
    expect(post(identity, '{"strData":""}'), 200, '{"meta":{},"strData":""}')


# -- names and meta given to the component (rows 87, 88) -----------------------------------------

@pytest.fixture(scope="module")
def inspect(pool):
    return pool.get(**behave(result_kind="inspect")).client


def _seen(r):
    assert r.status == 200, r
    return json.loads(r.body)["jsonData"]


def test_names_from_data(inspect, fresh):
    seen = _seen(post(inspect, '{"data":{"names":["a","b"],"ndarray":[[1,2]]}}'))
    assert seen["names"] == ["a", "b"]
    assert seen["array"] == [[1, 2]] and seen["dtype"] == "int64", seen


def test_names_empty_without_data(inspect, fresh):
    seen = _seen(post(inspect, '{"strData":"x","names":["a"]}'))
    assert seen["names"] == [] and seen["kind"] == "string", seen


def test_meta_absent_is_null(inspect, fresh):
    # row 88: meta is None when the request has no meta key (REST)
    assert _seen(post(inspect, '{"strData":"x"}'))["meta"] is None


def test_meta_as_sent(inspect, fresh):
    seen = _seen(post(inspect, '{"strData":"x","meta":{"puid":"p","x":[1],"routing":{"a":1}}}'))
    assert seen["meta"] == {"puid": "p", "x": [1], "routing": {"a": 1}}, seen
    assert seen["puid"] == "p", seen


def test_meta_empty_object(inspect, fresh):
    assert _seen(post(inspect, '{"strData":"x","meta":{}}'))["meta"] == {}


# -- meta not an object (rows 89, 217) -----------------------------------------------------------

@pytest.mark.parametrize("meta", ["null", '"s"', "5", "[]", "true"])
def test_meta_not_object_500(identity, fresh, meta):
    r = post(identity, '{"strData":"x","meta":%s}' % meta)
    expect_error_like(r, 500, "MICROSERVICE_INTERNAL_ERROR")


# -- tftensor (row 91) ---------------------------------------------------------------------------

@pytest.mark.parametrize("tf", ["{}", '{"dtype":"DT_INVALID"}', '{"dtype":"NOPE","tensorShape":{}}'])
def test_invalid_tftensor_500(identity, fresh, tf):
    r = post(identity, '{"data":{"tftensor":%s}}' % tf)
    expect_error_like(r, 500, "MICROSERVICE_INTERNAL_ERROR")


def test_tftensor_supported_or_500(identity, fresh):
    # support is optional; without it the answer is 500 MICROSERVICE_INTERNAL_ERROR
    r = post(identity, '{"data":{"tftensor":{"dtype":"DT_FLOAT","tensorShape":{"dim":[{"size":"2"}]},'
                       '"floatVal":[1.0,2.0]}}}')
    if r.status != 200:
        expect_error_like(r, 500, "MICROSERVICE_INTERNAL_ERROR")
    else:
        assert r.json()["data"]["tftensor"]["dtype"] == "DT_FLOAT", r


# -- a payload key counts whatever its value (row 216) -------------------------------------------

def test_jsondata_null_reaches_component(inspect, fresh):
    seen = _seen(post(inspect, '{"jsonData":null,"strData":"ignored"}'))
    assert seen["kind"] == "json" and seen["json"] is None, seen


@pytest.mark.parametrize("body,shown", [
    ('{"jsonData":null,"strData":"ignored"}', "None"),
    ('{"strData":5}', "5"),
    ('{"jsonData":true}', "True"),
    ('{"jsonData":2.5}', "2.5"),
])
def test_identity_of_odd_payloads(identity, fresh, body, shown):
    # row 216: the value reaches the component as is; an identity then returns it and fails
    expect_error(post(identity, body), 400,
                 "Unknown data type returned as payload (must be list or np array):" + shown)


def test_identity_of_json_list_and_string(identity, fresh):
    # a Python identity returning a jsonData list or string answers an array / strData
    expect(post(identity, '{"jsonData":[1,2]}'), 200,
           '{"data":{"names":[],"tensor":{"shape":[2],"values":[1,2]}},"meta":{}}')
    expect(post(identity, '{"jsonData":"s"}'), 200, '{"meta":{},"strData":"s"}')


def test_data_string_abc(identity, fresh):
    # rest-api.md §5.1 quirk: {"data": "abc"} gives an empty array, {"data": "ndarray"} fails
    expect(post(identity, '{"data":"abc"}'), 200, '{"data":{"names":[],"ndarray":[]},"meta":{}}')
    expect_error_like(post(identity, '{"data":"ndarray"}'), 500, "MICROSERVICE_INTERNAL_ERROR")
