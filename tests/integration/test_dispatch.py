# SPDX-License-Identifier: LGPL-2.1-or-later
"""Component dispatch (parity-checklist.md M, rows 158, 161, 162, 165-168, 221;
component-contract.md §2, §5-§7)."""

import json

import pytest

from conftest import behave, expect, expect_error, scrape

NDARRAY_REQ = '{"data":{"ndarray":[[1,2]]}}'
STR_REQ = '{"strData":"x"}'


def _trace(path):
    return path.read_text().split() if path.exists() else []


# -- order: raw, then high level, then fallback (rows 158, 161) ----------------------------------

def test_raw_before_high_level(pool, fresh):
    c = pool.get(**behave(raw_json='{"from":"raw"}', result_kind="str", result_json="high")).client
    expect(c.post_json("/predict", STR_REQ), 200, '{"from":"raw"}')
    # raw-methods defaults to predict only: transform-input uses the high-level method
    expect(c.post_json("/transform-input", STR_REQ), 200, '{"meta":{},"strData":"high"}')


@pytest.mark.parametrize("path,answer", [
    ("/predict", '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    ("/transform-input", '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    ("/transform-output", '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
])
def test_not_implemented_high_level_falls_back(pool, fresh, path, answer):
    # row 161: SELDON_ERROR_NOT_IMPLEMENTED from a high-level method = missing method
    c = pool.get(**behave(error_kind="not-implemented", error_message="nope")).client
    expect(c.post_json(path, NDARRAY_REQ), 200, answer)


def test_not_implemented_feedback_falls_back(pool, fresh):
    c = pool.get(**behave(implements="send-feedback", result_kind="not-implemented")).client
    expect(c.post_json("/send-feedback", '{"request":' + NDARRAY_REQ + "}"), 200, '{"data":{"ndarray":[]},"meta":{}}')


def test_not_implemented_raw_falls_through(pool, fresh, tmp_path):
    # row 161: a raw method that is not implemented for this call falls through to the high level
    c = pool.get(**behave(raw_json='{"x":1}', raw_methods="route", result_kind="str", result_json="hl")).client
    expect(c.post_json("/predict", STR_REQ), 200, '{"meta":{},"strData":"hl"}')


@pytest.mark.parametrize("body,answer", [
    (NDARRAY_REQ, '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    ('{"data":{"tensor":{"shape":[1],"values":[1]}}}', '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
    (STR_REQ, '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
    ('{"binData":"AAE=","meta":{"puid":"p","tags":{"a":1}}}',
     '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{"puid":"p","tags":{"a":1}}}'),
])
def test_missing_predict(nomethods, fresh, body, answer):
    # row 162
    expect(nomethods.post_json("/predict", body), 200, answer)


# -- raw methods (rows 165, 221) -----------------------------------------------------------------

RAW = ('{"data":{"ndarray":[1]},"meta":{"tags":{"a":1},"metrics":[{"key":"rawc","type":"COUNTER","value":2},'
       '{"key":"rawg","type":"GAUGE","value":5,"tags":{"x":"y"}}]}}')


def test_raw_answer_verbatim_and_recorded(tmp_pool, fresh, tmp_path):
    trace = tmp_path / "trace"
    srv = tmp_pool.new("behave", parameters=behave(raw_json=RAW, tags_json='{"static":1}',
                                               metrics_json='[{"type":"COUNTER","key":"m","value":1}]')["parameters"],
                   env={"TEST_COMPONENT_TRACE": str(trace)})
    expect(srv.client.post_json("/predict", STR_REQ), 200, json.dumps(json.loads(RAW), sort_keys=True,
                                                                       separators=(",", ":")))
    # tags() and metrics() are not called for raw methods
    assert "tags" not in _trace(trace) and "metrics" not in _trace(trace), _trace(trace)
    # the answer's metrics are recorded under the operation's label, without the echo being altered
    text = scrape(srv)
    rawc = [ln for ln in text.splitlines() if ln.startswith("rawc_total{")]
    rawg = [ln for ln in text.splitlines() if ln.startswith("rawg{")]
    assert rawc and rawc[0].endswith(" 2.0") and 'method="predict"' in rawc[0], text
    assert rawg and rawg[0].endswith(" 5.0") and 'x="y"' in rawg[0], text


@pytest.mark.parametrize("raw,answer", [
    (RAW, '{"data":{"ndarray":[1]},"meta":{"tags":{"a":1}}}'),
    ('{"strData":"s","meta":{"metrics":[{"key":"k","type":"GAUGE","value":1}]}}', '{"meta":{},"strData":"s"}'),
    ('{"strData":"s"}', '{"strData":"s"}'),
])
def test_raw_metrics_removed_when_excluded(pool, fresh, raw, answer):
    # row 165: INCLUDE_METRICS_IN_CLIENT_RESPONSE=false removes meta.metrics, keeps the rest of meta
    c = pool.get(**behave(raw_json=raw, _env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"})).client
    expect(c.post_json("/predict", STR_REQ), 200, answer)


@pytest.mark.parametrize("raw", ['[1,"a",null]', '"just a string"', "42", "null", '{"status":{"code":"x"}}'])
def test_raw_any_json(pool, fresh, raw):
    # rest-api.md §9.1: a raw method may return any JSON value
    c = pool.get(**behave(raw_json=raw)).client
    r = c.post_json("/predict", STR_REQ)
    if raw.startswith('{"status"'):
        assert r.status in (200, 500), r
    else:
        expect(r, 200, raw)


@pytest.mark.parametrize("body", ['{"x":1}', '{"meta":{}}', "[1,2]", '"s"', "{}", '{"data":{"ndarray":[[1],[2,3]]}}'])
def test_raw_gets_request_before_validation(pool, fresh, body):
    # row 221
    c = pool.get(**behave(raw_echo=True, raw_methods="predict,transform-input,transform-output,route")).client
    for path in ["/predict", "/transform-input", "/transform-output", "/route"]:
        expect(c.post_json(path, body), 200, json.dumps(json.loads(body), separators=(",", ":")))


# -- runtime tags and metrics (row 166) ----------------------------------------------------------

@pytest.mark.parametrize("path,body", [
    ("/predict", STR_REQ), ("/transform-input", STR_REQ), ("/transform-output", STR_REQ),
    ("/aggregate", "[" + STR_REQ + "]"),
])
def test_runtime_tags_everywhere(pool, fresh, path, body):
    c = pool.get(**behave(runtime_tags_json='{"rt":[1,"x"]}',
                          runtime_metrics_json='[{"type":"GAUGE","key":"rg","value":7}]')).client
    expect(c.post_json(path, body), 200,
           '{"meta":{"metrics":[{"key":"rg","type":"GAUGE","value":7}],"tags":{"rt":[1,"x"]}},"strData":"x"}')


def test_runtime_metrics_recorded(tmp_pool, fresh):
    srv = tmp_pool.new("behave", parameters=behave(runtime_metrics_json='[{"type":"COUNTER","key":"rtc","value":1.5}]',
                                               metrics_json='[{"type":"COUNTER","key":"stc","value":1}]')["parameters"])
    for _ in range(2):
        assert srv.client.post_json("/transform-input", STR_REQ).status == 200
    text = scrape(srv)
    rtc = [ln for ln in text.splitlines() if ln.startswith("rtc_total{")]
    stc = [ln for ln in text.splitlines() if ln.startswith("stc_total{")]
    assert rtc and rtc[0].endswith(" 3.0") and 'method="inputtransform"' in rtc[0], text
    assert stc and stc[0].endswith(" 2.0"), text


def test_bad_runtime_metrics_recorded_before_static(tmp_pool, fresh):
    # component-contract.md §7.2: valid runtime metrics are recorded before metrics() fails
    srv = tmp_pool.new("behave", parameters=behave(runtime_metrics_json='[{"type":"COUNTER","key":"early","value":1}]',
                                               metrics_json='[{"type":"NOPE","key":"x","value":1}]')["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 500
    text = scrape(srv)
    assert any(ln.startswith("early_total{") for ln in text.splitlines()), text


# -- class names (row 167) -----------------------------------------------------------------------

def test_class_names_default_and_custom(pool, fresh):
    c = pool.get(**behave(class_names="setosa,versicolor,virginica")).client
    expect(c.post_json("/predict", '{"data":{"ndarray":[[1,2,3]]}}'), 200,
           '{"data":{"names":["setosa","versicolor","virginica"],"ndarray":[[1,2,3]]},"meta":{}}')
    expect(c.post_json("/predict", '{"data":{"ndarray":[1,2,3]}}'), 200,
           '{"data":{"names":[],"ndarray":[1,2,3]},"meta":{}}')


# -- calls per request (row 168) -----------------------------------------------------------------

def test_tags_and_metrics_once_per_request(tmp_pool, fresh, tmp_path):
    trace = tmp_path / "trace"
    srv = tmp_pool.new("tagged", env={"TEST_COMPONENT_TRACE": str(trace)})
    for _ in range(3):
        assert srv.client.post_json("/predict", STR_REQ).status == 200
    calls = _trace(trace)
    assert calls.count("metrics") == 3 and calls.count("tags") == 3, calls


def test_error_after_metrics_still_recorded(tmp_pool, fresh):
    # row 175-like: metrics are recorded even if building the response fails (None result)
    srv = tmp_pool.new("behave", parameters=behave(result_kind="none",
                                               metrics_json='[{"type":"COUNTER","key":"counted","value":1}]')["parameters"])
    expect_error(srv.client.post_json("/predict", STR_REQ), 400,
                 "Unknown data type returned as payload (must be list or np array):None")
    text = scrape(srv)
    assert any(ln.startswith("counted_total{") for ln in text.splitlines()), text
