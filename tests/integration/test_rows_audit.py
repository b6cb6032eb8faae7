# SPDX-License-Identifier: LGPL-2.1-or-later
"""Acceptance audit of issue 6: the rows of parity-checklist.md sections N, O and Q that no
other test checked through the real program (or only in part)."""

import json
import re
import time

import pytest

from conftest import behave, scrape

STR_REQ = '{"strData":"x"}'
OWN_PREFIXES = ("seldon_microservice_", "process_")


def families(text):
    return {ln.split()[2]: ln.split()[3] for ln in text.splitlines() if ln.startswith("# TYPE ")}


def test_row_178_nothing_recorded(tmp_pool):
    # metrics.md §1: 200 and nothing of the component's before anything is recorded; the
    # server's own families (decisions.md D3) are the only ones served
    srv = tmp_pool.new("behave", parameters=behave(
        metrics_json='[{"type":"COUNTER","key":"later","value":1}]')["parameters"])
    r = srv.metrics_client.get("/metrics")
    assert r.status == 200, r
    text = r.body.decode()
    names = families(text)
    assert names and all(n.startswith(OWN_PREFIXES) for n in names), sorted(names)
    samples = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert all(ln.startswith(OWN_PREFIXES) for ln in samples), samples
    # once something is recorded, the component's family appears
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    assert "later_total" in families(scrape(srv))


def test_row_180_counter_key_with_total_suffix(tmp_pool):
    srv = tmp_pool.new("behave", parameters=behave(metrics_json=json.dumps([
        {"type": "COUNTER", "key": "jobs_total", "value": 2},
        {"type": "COUNTER", "key": "jobs", "value": 1}]))["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    text = scrape(srv)
    assert families(text).get("jobs_total") == "counter", text
    assert "jobs_total_total" not in text
    lines = [ln for ln in text.splitlines() if ln.startswith("jobs_total{")]
    assert len(lines) == 1 and lines[0].endswith(" 3.0"), lines


def test_row_185_large_and_small_values(tmp_pool):
    srv = tmp_pool.new("behave", parameters=behave(metrics_json=json.dumps([
        {"type": "GAUGE", "key": "big", "value": 123456789},
        {"type": "GAUGE", "key": "small", "value": 1e-7},
        {"type": "GAUGE", "key": "plain", "value": 2}]))["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    text = scrape(srv)

    def value(name):
        return [ln for ln in text.splitlines() if ln.startswith(name + "{")][0].rsplit(" ", 1)[1]

    assert (value("big"), value("small"), value("plain")) == ("1.23456789e+08", "1e-07", "2.0"), text


def _error_lines_for(srv, answers, marker):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and marker not in srv.output():
        time.sleep(0.05)
    out = srv.output()
    missing = []
    for r in answers:
        text = r.body.decode().strip()
        json.loads(text)
        # the error object, on a line of the wrapper's format at level ERROR
        if not re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - [^ :]+:[^ :]+:\d+ - ERROR:  .*"
                         + re.escape(text), out, re.MULTILINE):
            missing.append(text)
    return missing, out


def test_row_211_component_and_decoding_errors_logged_at_error(tmp_pool):
    # configuration.md §5, rest-api.md §8.1: each REST error answer is logged at ERROR with the
    # error object
    srv = tmp_pool.new("behave", parameters=behave(error_kind="failed",
                                                   error_message="marker-7719")["parameters"])
    answers = [srv.client.post_json("/predict", STR_REQ),                 # the component
               srv.client.post_json("/predict", '{"marker-5581":1}'),     # payload decoding
               srv.client.request("POST", "/predict", body=b"marker-4417")]  # no JSON
    assert [r.status for r in answers] == [500, 400, 400], answers
    missing, out = _error_lines_for(srv, answers, "Can't find JSON")
    assert not missing, (missing, out[-4000:])


def test_row_211_front_errors_logged_at_error(tmp_pool):
    srv = tmp_pool.new("identity")
    answers = [srv.client.request("GET", "/marker-3301"),                  # unknown path
               srv.client.request("POST", "/health/ping")]                # wrong method
    assert [r.status for r in answers] == [404, 405], answers
    missing, out = _error_lines_for(srv, answers, "405 Method Not Allowed")
    assert not missing, (missing, out[-4000:])


def test_row_212_version_logged(tmp_pool):
    srv = tmp_pool.new("identity")
    out = srv.output()
    assert re.search(r" - INFO:  Starting microservice\.py:main$", out, re.MULTILINE), out
    assert re.search(r" - INFO:  Seldon Core version: 1\.18\.2$", out, re.MULTILINE), out
