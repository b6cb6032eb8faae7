# SPDX-License-Identifier: LGPL-2.1-or-later
"""Health, ping and metadata (parity-checklist.md K, rows 139, 141-148; rest-api.md §9.3, §9.7,
component-contract.md §8)."""

import json
import time

import pytest

from conftest import HAVE_YAML, behave, dumps, expect, expect_error, scrape

DEFAULT_META = {"custom": {}, "inputs": [], "name": "", "outputs": [], "platform": "", "versions": [""]}


# -- health (rows 139, 141-143) ------------------------------------------------------------------

def test_health_default(nomethods, fresh):
    expect(nomethods.get("/health/status"), 200, '{"meta":{},"strData":"healthy"}')


def test_health_not_implemented_is_default(pool, fresh):
    c = pool.get(**behave(implements="health-status", result_kind="not-implemented")).client
    expect(c.get("/health/status"), 200, '{"meta":{},"strData":"healthy"}')


@pytest.mark.parametrize("props,answer", [
    (dict(result_kind="tensor", result_json="[[1,2]]"),
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1,2]}},"meta":{}}'),
    (dict(result_kind="tensor", result_json='["a"]'), '{"data":{"names":[],"ndarray":["a"]},"meta":{}}'),
    (dict(result_kind="str", result_json="all good"), '{"meta":{},"strData":"all good"}'),
    (dict(result_kind="json", result_json='{"ok":true}'), '{"jsonData":{"ok":true},"meta":{}}'),
    (dict(result_kind="none"), '{"status":{"code":-1,"info":"Unknown data type returned as payload (must be '
                               'list or np array):None","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
])
def test_health_result_encoding(pool, fresh, props, answer):
    # row 141: encoded with an empty request (numeric ⇒ tensor)
    c = pool.get(**behave(implements="health-status", **props)).client
    r = c.get("/health/status")
    expect(r, 400 if props["result_kind"] == "none" else 200, answer)


def test_health_tags_and_metrics(pool, fresh):
    # row 141: tags() included, metrics() included and recorded with method label "health"
    srv = pool.get(**behave(implements="health-status", result_kind="str", result_json="ok",
                            tags_json='{"h":1}', metrics_json='[{"type":"COUNTER","key":"hc","value":3}]'))
    r = srv.client.get("/api/v1.0/health/status")
    expect(r, 200, '{"meta":{"metrics":[{"key":"hc","type":"COUNTER","value":3}],"tags":{"h":1}},"strData":"ok"}')
    text = scrape(srv)
    lines = [ln for ln in text.splitlines() if ln.startswith("hc_total{")]
    assert lines and all('method="health"' in ln for ln in lines), text


def test_health_exception(pool, fresh):
    # row 142
    c = pool.get(**behave(implements="health-status", error_kind="failed", error_on="health-status",
                          error_message="sick")).client
    expect_error(c.get("/health/status"), 500, "sick", "MICROSERVICE_INTERNAL_ERROR")


def test_health_raw(pool, fresh):
    # row 143: returned verbatim, tags() not used
    c = pool.get(**behave(raw_json='{"z":[1.50,2],"a":"\u00e9"}', raw_methods="health-status",
                          tags_json='{"t":1}')).client
    expect(c.get("/health/status"), 200, '{"a":"\\u00e9","z":[1.5,2]}')


def test_ping_never_touches_component(tmp_pool, fresh, tmp_path):
    trace = tmp_path / "trace"
    srv = tmp_pool.new("behave", parameters=behave(call_delay_ms=5000)["parameters"],
                   env={"TEST_COMPONENT_TRACE": str(trace)})
    t0 = time.monotonic()
    for _ in range(5):
        expect(srv.client.get("/health/ping"), 200, b"pong", content_type="text/html; charset=utf-8")
    assert time.monotonic() - t0 < 2
    assert [ln for ln in trace.read_text().split() if ln != "load" and ln != "init-metadata"] == []


# -- metadata (rows 144-148) ---------------------------------------------------------------------

VALID = {"custom": {"tag-key": "tag-value"},
         "inputs": [{"datatype": "BYTES", "name": "input", "shape": [1, 4]}, {"messagetype": "jsonData"}],
         "name": "my-model",
         "outputs": [{"datatype": "BYTES", "name": "output", "shape": [3]}],
         "platform": "seldon", "versions": ["v1"]}

ALL_ALTERNATIVES = dict(VALID, inputs=[
    {"messagetype": "tensor", "schema": {"names": ["a", "b"], "shape": [2, 2.0]}},
    {"messagetype": "ndarray"},
    {"messagetype": "tftensor", "schema": {}},
    {"messagetype": "jsonData", "schema": {"anything": [1, {"x": None}]}},
    {"messagetype": "strData"},
    {"messagetype": "binData"},
    {"messagetype": "my-custom-type", "schema": {"k": 1}},
    {"name": "x", "datatype": "FP32", "shape": [1, -1]},
    {},
])

INVALID = [
    {"versions": "x"},
    {"versions": [1]},
    {"name": 5},
    {"platform": ["p"]},
    {"extra": 1},
    {"custom": {"k": 1}},
    {"custom": "text"},
    {"inputs": {"messagetype": "tensor"}},
    {"inputs": "x"},
    {"inputs": [{"messagetype": "tensor", "schema": {"names": ["a"], "extra": 1}}]},
    {"inputs": [{"messagetype": "jsonData", "schema": "text"}]},
    {"inputs": [{"messagetype": "strData", "invalid": "field"}]},
    {"inputs": [{"name": "x", "datatype": "data-type", "shape": [1, 2]}]},
    {"inputs": [{"messagetype": "tensor", "schema": {"shape": [1.5]}}]},
    {"inputs": [{"messagetype": "tensor", "schema": {"shape": [True]}}]},
    {"outputs": [{"messagetype": 5}]},
    {"outputs": [{"name": "x", "shape": "1"}]},
]


@pytest.fixture(scope="module")
def invalid_servers(pool):
    return pool.get_many([behave(metadata_json=json.dumps(m)) for m in INVALID])


@pytest.mark.parametrize("case", range(len(INVALID)), ids=[json.dumps(m) for m in INVALID])
def test_invalid_metadata(invalid_servers, fresh, case):
    # rows 123, 147
    c = invalid_servers[case].client
    expect_error(c.get("/metadata"), 500, "Model metadata unavailable", "MICROSERVICE_BAD_METADATA")
    expect(c.post_json("/predict", '{"strData":"x"}'), 200, '{"meta":{},"strData":"x"}')


@pytest.mark.parametrize("meta", [VALID, ALL_ALTERNATIVES], ids=["spec-example", "all-alternatives"])
def test_valid_metadata(pool, fresh, meta):
    c = pool.get(**behave(metadata_json=json.dumps(meta))).client
    expect(c.get("/metadata"), 200, dumps(meta))


def test_spec_valid_example_bytes(pool, fresh):
    # component-contract.md §8.2 "Example valid metadata (REST rendering)"
    c = pool.get(**behave(metadata_json=json.dumps(VALID))).client
    expect(c.get("/api/v1.0/metadata"), 200,
           '{"custom":{"tag-key":"tag-value"},"inputs":[{"datatype":"BYTES","name":"input","shape":[1,4]},'
           '{"messagetype":"jsonData"}],"name":"my-model","outputs":[{"datatype":"BYTES","name":"output",'
           '"shape":[3]}],"platform":"seldon","versions":["v1"]}')


@pytest.mark.parametrize("image,name,versions", [
    ("repo/img:9.9", "repo/img", ["9.9"]),
    ("localhost:32000/iris:0.1", "localhost:32000/iris", ["0.1"]),
    ("img", "", ["img"]),
    (None, "", [""]),
])
def test_metadata_defaults(pool, fresh, image, name, versions):
    # row 145
    env = {"PREDICTIVE_UNIT_IMAGE": image} if image is not None else None
    c = pool.get("identity", env=env).client
    expect(c.get("/metadata"), 200, dumps(dict(DEFAULT_META, name=name, versions=versions)))


def test_metadata_partial_gets_defaults(pool, fresh):
    c = pool.get(**behave(metadata_json='{"name":"n","custom":{"a":"b"}}',
                          _env={"PREDICTIVE_UNIT_IMAGE": "i:2"})).client
    expect(c.get("/metadata"), 200, dumps(dict(DEFAULT_META, name="n", custom={"a": "b"}, versions=["2"])))


def test_model_metadata_overrides_shallow(pool, fresh):
    # row 144: MODEL_METADATA keys replace init_metadata() keys (shallow)
    c = pool.get(**behave(metadata_json='{"name":"n1","versions":["v1"],"platform":"p1","custom":{"a":"1","b":"2"}}',
                          _env={"MODEL_METADATA": '{"platform":"p2","custom":{"c":"3"}}'})).client
    expect(c.get("/metadata"), 200, dumps(dict(DEFAULT_META, name="n1", versions=["v1"], platform="p2",
                                               custom={"c": "3"})))


def test_model_metadata_validated(pool, fresh):
    c = pool.get("identity", env={"MODEL_METADATA": '{"versions":"not a list"}'}).client
    expect_error(c.get("/metadata"), 500, "Model metadata unavailable", "MICROSERVICE_BAD_METADATA")


@pytest.mark.skipif(not HAVE_YAML, reason="built without YAML support")
def test_model_metadata_yaml(pool, fresh):
    c = pool.get("identity", env={"MODEL_METADATA": "name: yml\nversions:\n  - a\n  - b\ncustom:\n  k: v\n"}).client
    expect(c.get("/metadata"), 200, dumps(dict(DEFAULT_META, name="yml", versions=["a", "b"], custom={"k": "v"})))


@pytest.mark.parametrize("value", ["", "word", "[1, 2]", "5", "{not: [valid"],
                         ids=["empty", "scalar", "list", "number", "syntax-error"])
def test_model_metadata_not_mapping_ignored(tmp_pool, fresh, value):
    # rows 148 (F): a non-mapping MODEL_METADATA is logged and ignored; a syntax error counts as {}
    srv = tmp_pool.new("behave", parameters=behave(metadata_json='{"name":"from-component"}')["parameters"],
                   env={"MODEL_METADATA": value})
    expect(srv.client.get("/metadata"), 200, dumps(dict(DEFAULT_META, name="from-component")))


@pytest.mark.parametrize("value", ["[1,2]", '"text"', "5", "null"])
def test_init_metadata_not_dict_ignored(pool, fresh, value):
    # row 146
    c = pool.get(**behave(metadata_json=value)).client
    expect(c.get("/metadata"), 200, dumps(DEFAULT_META))


def test_init_metadata_not_implemented(pool, fresh):
    c = pool.get(**behave()).client
    expect(c.get("/metadata"), 200, dumps(DEFAULT_META))


def test_metadata_computed_once_before_load(tmp_pool, fresh, tmp_path):
    # rows 144/45: init_metadata() is called once, before load()
    trace = tmp_path / "trace"
    srv = tmp_pool.new("behave", parameters=behave(metadata_json='{"name":"x"}')["parameters"],
                   env={"TEST_COMPONENT_TRACE": str(trace)})
    for _ in range(3):
        assert srv.client.get("/metadata").status == 200
    calls = [ln for ln in trace.read_text().split() if ln in ("init-metadata", "load")]
    assert calls == ["init-metadata", "load"], calls


def test_metadata_integers_stay_integers(pool, fresh):
    m = dict(VALID, outputs=[{"name": "o", "datatype": "INT64", "shape": [1, 10000000000]}])
    c = pool.get(**behave(metadata_json=json.dumps(m))).client
    r = c.get("/metadata")
    expect(r, 200, dumps(m))
    assert b"[1,10000000000]" in r.body
