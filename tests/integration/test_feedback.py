# SPDX-License-Identifier: LGPL-2.1-or-later
"""Feedback (parity-checklist.md J, rows 130, 133-136, 219; rest-api.md §9.6)."""

import json

import pytest

from conftest import behave, expect, expect_error_like

FB = ('{"request":{"data":{"names":["a","b"],"ndarray":[[1,2]]}},"response":{"meta":{"routing":{"0":3,'
      '"other":7}}},"reward":0.7,"truth":{"data":{"tensor":{"shape":[2],"values":[5,6]}}}}')


def seen(r):
    assert r.status == 200, r
    doc = r.json()
    assert sorted(doc) == ["jsonData", "meta"], r
    return doc["jsonData"]


@pytest.fixture(scope="module")
def echo(pool):
    return pool.get(**behave(implements="send-feedback", result_kind="feedback-echo")).client


def test_feedback_arguments(echo, fresh):
    # rows 132/133/219 as seen by a C component: float arrays (proto path), names, float32 reward,
    # routing from response.meta.routing["0"] (PREDICTIVE_UNIT_ID unset)
    got = seen(echo.post_json("/send-feedback", FB))
    assert got["reward"] == 0.699999988079071, got
    assert got["routing"] == 3.0, got
    req = got["request"]
    assert req["names"] == ["a", "b"], got
    assert req["dtype"] == "float64" and req["array"] == [[1.0, 2.0]] and req["shape"] == [1.0, 2.0], got
    truth = got["truth"]
    assert truth["dtype"] == "float64" and truth["array"] == [5.0, 6.0], got


def test_feedback_numbers_are_floats_on_the_wire(echo, fresh):
    # row 135: a returned dict's numbers become floats at any depth
    r = echo.post_json("/send-feedback", FB)
    assert b'"routing":3.0' in r.body and b'"array":[[1.0,2.0]]' in r.body, r


def test_absent_parts_are_empty_arrays(echo, fresh):
    # row 219: an absent request/truth, or one whose payload is not data, is an empty float array
    got = seen(echo.post_json("/send-feedback", '{"request":{"strData":"x"},"reward":1}'))
    for part in ("request", "truth"):
        assert got[part]["dtype"] == "float64" and got[part]["array"] == [], got
        assert got[part]["shape"] == [0.0] and got[part]["names"] == [], got


def test_routing_absent(echo, fresh):
    got = seen(echo.post_json("/send-feedback", '{"response":{"meta":{"routing":{"router":0}}},"reward":1}'))
    assert got["routing"] is None, got


def test_routing_other_unit_ignored(pool, fresh):
    # row 133: the key is PREDICTIVE_UNIT_ID when set
    c = pool.get(**behave(implements="send-feedback", result_kind="feedback-echo",
                          _env={"PREDICTIVE_UNIT_ID": "router"})).client
    got = seen(c.post_json("/send-feedback", '{"response":{"meta":{"routing":{"router":2,"0":5}}}}'))
    assert got["routing"] == 2.0, got
    got = seen(c.post_json("/send-feedback", '{"response":{"meta":{"routing":{"0":5}}}}'))
    assert got["routing"] is None, got


def test_reward_default_zero(echo, fresh):
    got = seen(echo.post_json("/send-feedback", "{}"))
    assert got["reward"] == 0.0 and got["routing"] is None, got


def test_reward_numeric_string(echo, fresh):
    # rest-api.md §4.2: the proto3 JSON mapping accepts "0.5" for a number
    got = seen(echo.post_json("/send-feedback", '{"reward":"0.5"}'))
    assert got["reward"] == 0.5, got


@pytest.mark.parametrize("path", ["/send-feedback", "/api/v1.0/feedback", "/api/v0.1/feedback"])
def test_feedback_routes_same(echo, fresh, path):
    got = seen(echo.post_json(path, FB))
    assert got["routing"] == 3.0


# -- None result (row 134) -----------------------------------------------------------------------

@pytest.mark.parametrize("body,answer", [
    ('{"request":{"data":{"ndarray":[[1,2]]}},"reward":1}', '{"data":{"ndarray":[]},"meta":{}}'),
    ('{"request":{"data":{"tensor":{"shape":[1],"values":[1]}}}}', '{"data":{"tensor":{"shape":[0]}},"meta":{}}'),
    ('{"reward":1}', '{"data":{"tensor":{"shape":[0]}},"meta":{}}'),
    ('{"request":{"strData":"x"}}', '{"data":{"tensor":{"shape":[0]}},"meta":{}}'),
    ("{}", '{"data":{"tensor":{"shape":[0]}},"meta":{}}'),
])
def test_none_result(pool, fresh, body, answer):
    c = pool.get(**behave(implements="send-feedback", result_kind="none")).client
    expect(c.post_json("/send-feedback", body), 200, answer)
    # a component without send_feedback answers the same
    expect(pool.get("nomethods").client.post_json("/send-feedback", body), 200, answer)


# -- proto3 JSON rendering (rows 135, 136) -------------------------------------------------------

@pytest.mark.parametrize("props,body,answer", [
    (dict(result_kind="tensor", result_json="[1,2]"), '{"request":{"data":{"tensor":{"shape":[1],"values":[1]}}}}',
     '{"data":{"tensor":{"shape":[2],"values":[1.0,2.0]}},"meta":{}}'),
    (dict(result_kind="tensor", result_json="[[1,2]]"), '{"request":{"data":{"ndarray":[1]}}}',
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    (dict(result_kind="tensor", result_json="[1,2]"), '{"request":{"data":{"ndarray":[1]}}}',
     '{"data":{"ndarray":[1.0,2.0]},"meta":{}}'),
    (dict(result_kind="list", result_json='["a","b"]'), "{}", '{"data":{"ndarray":["a","b"]},"meta":{}}'),
    (dict(result_kind="list", result_json="[3]"), "{}", '{"data":{"tensor":{"shape":[1],"values":[3.0]}},"meta":{}}'),
    (dict(result_kind="json", result_json='{"routing":1,"shape":[1,2],"s":"x","b":true,"n":null}'), "{}",
     '{"jsonData":{"b":true,"n":null,"routing":1.0,"s":"x","shape":[1.0,2.0]},"meta":{}}'),
    (dict(result_kind="str", result_json="fine"), "{}", '{"meta":{},"strData":"fine"}'),
    (dict(result_kind="bytes", result_json="AAH/"), "{}", '{"binData":"AAH/","meta":{}}'),
    (dict(result_kind="none", tags_json='{"t":1,"s":"v","l":[1,2]}'), "{}",
     '{"data":{"tensor":{"shape":[0]}},"meta":{"tags":{"l":[1.0,2.0],"s":"v","t":1.0}}}'),
    (dict(result_kind="none", metrics_json='[{"type":"COUNTER","key":"c","value":1},'
                                           '{"type":"GAUGE","key":"g","value":2,"tags":{"a":"b"}},'
                                           '{"type":"TIMER","key":"t","value":0.5}]'), "{}",
     '{"data":{"tensor":{"shape":[0]}},"meta":{"metrics":[{"key":"c","value":1.0},'
     '{"key":"g","tags":{"a":"b"},"type":"GAUGE","value":2.0},{"key":"t","type":"TIMER","value":0.5}]}}'),
    (dict(result_kind="none", runtime_tags_json='{"rt":1}', tags_json='{"st":"s","rt":0}'),
     '{"request":{"meta":{"puid":"fp","tags":{"req":"x"}}}}',
     '{"data":{"tensor":{"shape":[0]}},"meta":{"puid":"fp","tags":{"rt":1.0,"st":"s"}}}'),
], ids=["tensor", "ndarray-2d", "ndarray-1d", "strings", "list-numeric", "json", "str", "bytes", "tags",
        "metrics", "meta"])
def test_proto_rendering(pool, fresh, props, body, answer):
    c = pool.get(**behave(implements="send-feedback", **props)).client
    expect(c.post_json("/send-feedback", body), 200, answer)


def test_feedback_request_path_env(pool, fresh):
    # row 136: requestPath from the environment
    c = pool.get(**behave(implements="send-feedback", result_kind="none",
                          _env={"PREDICTIVE_UNIT_ID": "fb", "PREDICTIVE_UNIT_IMAGE": "img:2"})).client
    r = c.post_json("/send-feedback", '{"request":{"meta":{"puid":"q"}}}')
    expect(r, 200, '{"data":{"tensor":{"shape":[0]}},"meta":{"puid":"q","requestPath":{"fb":"img:2"}}}')


# -- strict parsing (row 130) --------------------------------------------------------------------

def test_unknown_nested_field(nomethods, fresh):
    r = nomethods.post_json("/send-feedback", '{"response":{"data":{"ndarray":[1],"foo":2}}}')
    expect_error_like(r, 400, "MICROSERVICE_BAD_DATA", "Invalid JSON: ")


def test_feedback_valid_empty(nomethods, fresh):
    expect(nomethods.post_json("/send-feedback", "{}"), 200, '{"data":{"tensor":{"shape":[0]}},"meta":{}}')


def test_feedback_needs_json(nomethods, fresh):
    r = nomethods.post_json("/send-feedback", '{"reward":1}', content_type="text/plain")
    expect_error_like(r, 400, "MICROSERVICE_BAD_DATA", "Can't find JSON in data")


def test_feedback_json_data_request(echo, fresh):
    # row 219: a request whose payload is not data gives an empty float array
    got = seen(echo.post_json("/send-feedback", json.dumps({"request": {"jsonData": {"a": 1}}, "reward": 2})))
    assert got["reward"] == 2.0, got
    assert got["request"]["dtype"] == "float64" and got["request"]["array"] == [], got


# -- raw feedback (row 220) ----------------------------------------------------------------------

@pytest.mark.parametrize("raw,answer", [
    ('{"jsonData":{"has_request":true,"reward":1}}', '{"jsonData":{"has_request":true,"reward":1.0}}'),
    ('{"data":{"names":[],"ndarray":[1,2]},"meta":{"tags":{"t":1}}}',
     '{"data":{"ndarray":[1.0,2.0]},"meta":{"tags":{"t":1.0}}}'),
])
def test_raw_feedback_rendered_as_returned(pool, fresh, raw, answer):
    # the raw answer is rendered as proto3 JSON exactly as returned: no meta is added
    c = pool.get(**behave(raw_json=raw, raw_methods="send-feedback", tags_json='{"static":1}')).client
    expect(c.post_json("/send-feedback", '{"request":{"data":{"ndarray":[1]}},"reward":1}'), 200, answer)
