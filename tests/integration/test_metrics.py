# SPDX-License-Identifier: LGPL-2.1-or-later
"""The metrics endpoint (metrics.md; parity-checklist.md section O, rows 131, 171-176, 188-191;
decisions.md D3): exact exposition of custom and feedback metrics, labels, worker_id, the
listener's routes and headers, the server's own metrics, and `promtool check metrics` on every
exposition (skipped when Debian's `prometheus` package is not installed)."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import Client, behave, free_port, scrape

STR_REQ = '{"strData":"x"}'
PROMTOOL = shutil.which("promtool")

EXAMPLE_ENV = {
    "PREDICTIVE_UNIT_ID": "my-model",
    "PREDICTIVE_UNIT_IMAGE": "reg:5000/org/img:1.2",
    "SELDON_DEPLOYMENT_ID": "mydep",
    "PREDICTOR_ID": "default",
    "PREDICTOR_LABELS": '{"version":"v7"}',
}


def labels(method="predict", worker="0", extra=None, example=True):
    """The label text of a custom series (metrics.md §4.2), sorted; `extra` adds user tags."""
    if example:
        d = {"deployment_name": "mydep", "image_name": "reg:5000/org/img", "image_version": "1.2",
             "model_image": "reg:5000/org/img", "model_name": "my-model", "model_version": "1.2",
             "predictor_name": "default", "predictor_version": "v7", "seldon_deployment_name": "mydep"}
    else:
        d = {k: "NOT_IMPLEMENTED" for k in (
            "deployment_name", "image_name", "image_version", "model_image", "model_name",
            "model_version", "predictor_name", "predictor_version", "seldon_deployment_name")}
    d["method"] = method
    if worker is not None:
        d["worker_id"] = worker
    for k, v in (extra or {}).items():
        d.setdefault(k, v)
    return ",".join('%s="%s"' % (k, d[k]) for k in sorted(d))


def custom_part(text):
    """The component's families: everything before the server's own metrics."""
    return text.split("# HELP seldon_microservice_")[0]


def promtool_check(text):
    """promtool parses the exposition; its only lints are about custom metrics: their empty help
    text (metrics.md §4.1) and colons in their names (valid, reserved for recording rules)."""
    if PROMTOOL is None:
        return
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=30)
    out = (p.stdout + p.stderr).decode()
    problems = [ln for ln in out.splitlines()
                if ln.strip() and not (ln.endswith((" no help text", " metric names should not contain ':'"))
                                       and not ln.startswith(("seldon_microservice_", "process_")))]
    assert p.returncode in (0, 3) and not problems, out + "\n--- exposition ---\n" + text[:3000]


def timer_lines(name, lab, ms):
    """The exact lines of a TIMER series with one observation of `ms` milliseconds."""
    bounds = ["0.001", "0.0012341553253454693", "0.0015231393670785815", "0.0018797905611233593",
              "0.0023199535315445415", "0.002863183005509725", "0.0035336125536884733",
              "0.004361026750842238", "0.005382184388525997", "0.006642451525090608",
              "0.008197816923039709", "0.010117379411776668", "0.012486417679584786",
              "0.015410178873747385", "0.019018554321561593", "0.02347185009632733",
              "0.028967908792092944", "0.03575089889988335", "0.04412216226317852",
              "0.05445360152285871", "0.06720420230367624", "0.0829404241586763",
              "0.10236136616184238", "0.12632982515827532", "0.15591062646904755",
              "0.19241792993472334", "0.2374736129208902", "0.2930793240153456",
              "0.3617054084821892", "0.44640065608455204", "0.5509277469444613",
              "0.6799304127720881", "0.8391397397870157", "1.035628778567157",
              "1.2781267721496807", "1.5774069623151439", "1.9467652027782552",
              "2.402610642206036", "2.965194718810281", "3.65951085290597", "4.516404807273444",
              "5.573945044312399", "6.879113959621136", "8.489895126924782",
              "10.477849282518772", "12.931293490187748", "15.959224724520412",
              "19.696162182151948", "24.30812344597087", "29.999999999999996"]
    x = ms / 1000
    out = []
    for b in bounds:
        parts = sorted(lab.split(",") + ['le="%s"' % b], key=lambda s: s.split("=")[0])
        out.append("%s_bucket{%s} %s" % (name, ",".join(parts), "1.0" if x < float(b) else "0.0"))
    parts = sorted(lab.split(",") + ['le="+Inf"'], key=lambda s: s.split("=")[0])
    out.append("%s_bucket{%s} 1.0" % (name, ",".join(parts)))
    out.append("%s_count{%s} 1.0" % (name, lab))
    out.append("%s_sum{%s} %r" % (name, lab, x))
    return out


# -- exact exposition (rows 177, 180-186; metrics.md §4) ------------------------------------------

def test_exact_counter_gauge_timer(tmp_pool):
    srv = tmp_pool.new("behave", env=EXAMPLE_ENV, parameters=behave(metrics_json=json.dumps([
        {"type": "COUNTER", "key": "mycounter", "value": 1},
        {"type": "GAUGE", "key": "mygauge", "value": 100},
        {"type": "TIMER", "key": "mytimer", "value": 20.2, "tags": {"stage": "pre"}},
    ]))["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    text = scrape(srv)
    lab = labels()
    expected = "\n".join([
        "# HELP mycounter_total ",
        "# TYPE mycounter_total counter",
        "mycounter_total{%s} 1.0" % lab,
        "# HELP mygauge ",
        "# TYPE mygauge gauge",
        "mygauge{%s} 100.0" % lab,
        "# HELP mytimer ",
        "# TYPE mytimer histogram",
    ] + timer_lines("mytimer", labels(extra={"stage": "pre"}), 20.2)) + "\n"
    assert custom_part(text) == expected, text
    promtool_check(text)

    # a second predict: the counter adds, the gauge is set again, the histogram counts 2
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    text = scrape(srv)
    assert "\nmycounter_total{%s} 2.0\n" % lab in text, text
    assert "\nmygauge{%s} 100.0\n" % lab in text, text
    assert "\nmytimer_count{%s} 2.0\n" % labels(extra={"stage": "pre"}) in text, text
    assert "\nmytimer_sum{%s} 0.0404\n" % labels(extra={"stage": "pre"}) in text, text


def test_feedback_counters(tmp_pool):
    # rows 131, 188: both counters, method="feedback", the reward widened from float32
    srv = tmp_pool.new("nomethods")
    for reward in (0.5, 0.0, -0.25):
        assert srv.client.post_json("/send-feedback", {"reward": reward}).status == 200
    assert srv.client.post_json("/send-feedback", {"request": {"strData": "x"}}).status == 200
    text = scrape(srv)
    lab = labels("feedback", example=False)
    assert custom_part(text) == (
        "# HELP seldon_api_model_feedback_total \n"
        "# TYPE seldon_api_model_feedback_total counter\n"
        "seldon_api_model_feedback_total{%s} 2.0\n"
        "# HELP seldon_api_model_feedback_reward_total \n"
        "# TYPE seldon_api_model_feedback_reward_total counter\n"
        "seldon_api_model_feedback_reward_total{%s} 0.25\n" % (lab, lab)), text
    promtool_check(text)


def test_labels_precedence_and_escaping(tmp_pool):
    # rows 182, 184: user tags sorted in, escaped; default labels and method win
    tags = {"zz": 'a"b\\c\nd', "model_name": "mine", "method": "mine", "worker_id": "mine"}
    srv = tmp_pool.new("behave", parameters=behave(metrics_json=json.dumps(
        [{"type": "GAUGE", "key": "g", "value": 1.5, "tags": tags}]))["parameters"])
    r = srv.client.post_json("/predict", STR_REQ)
    # the echoed metric is not altered (component-contract.md §7.3)
    assert r.json()["meta"]["metrics"] == [{"key": "g", "tags": tags, "type": "GAUGE", "value": 1.5}], r
    text = scrape(srv)
    line = [ln for ln in text.splitlines() if ln.startswith("g{")]
    assert line == ["g{%s} 1.5" % labels(example=False, extra={"zz": 'a\\"b\\\\c\\nd'})], text
    promtool_check(text)


def test_method_labels(tmp_pool):
    # row 172
    srv = tmp_pool.new("behave", parameters=behave(
        implements="predict,transform-input,transform-output,aggregate,health-status,send-feedback",
        result_kind="str", result_json="ok", route_json="0",
        metrics_json='[{"type":"COUNTER","key":"calls","value":1}]')["parameters"])
    for path, body in [("/predict", STR_REQ), ("/transform-input", STR_REQ),
                       ("/transform-output", STR_REQ), ("/route", STR_REQ),
                       ("/aggregate", "[" + STR_REQ + "]"), ("/send-feedback", '{"reward":1}')]:
        assert srv.client.post_json(path, body).status == 200, path
    assert srv.client.get("/health/status").status == 200
    text = scrape(srv)
    methods = sorted(ln.split('method="')[1].split('"')[0]
                     for ln in text.splitlines() if ln.startswith("calls_total{"))
    assert methods == sorted(["predict", "inputtransform", "outputtransform", "router", "aggregate",
                              "feedback", "health"]), text
    promtool_check(text)


def test_request_metrics_not_recorded(tmp_pool):
    # row 174: metrics sent by the client are echoed, never recorded
    srv = tmp_pool.new("identity")
    r = srv.client.post_json("/predict", '{"meta":{"metrics":[{"key":"client","type":"COUNTER","value":1}]},'
                                         '"data":{"ndarray":[1]}}')
    assert r.status == 200 and "client" in r.body.decode(), r
    assert "client" not in scrape(srv)


def test_invalid_key_never_poisons(tmp_pool):
    # row 189 (decisions.md D3): the bad metric is skipped and logged, the good ones recorded,
    # every scrape still answers valid text
    srv = tmp_pool.new("behave", parameters=behave(metrics_json=json.dumps([
        {"type": "COUNTER", "key": "bad-key", "value": 1},
        {"type": "GAUGE", "key": "tagged", "value": 1, "tags": {"bad-tag": "x"}},
        {"type": "COUNTER", "key": "good", "value": 1},
        {"type": "COUNTER", "key": "a:b", "value": 1},
    ]))["parameters"])
    for _ in range(3):
        r = srv.client.post_json("/predict", STR_REQ)
        assert r.status == 200 and "bad-key" in r.body.decode(), r
        text = scrape(srv)
        assert "bad-key" not in text and "tagged" not in text, text
        assert "\ngood_total{" in "\n" + text and "\na:b_total{" in text, text
        promtool_check(text)
    log = srv.output()
    assert log.count("“bad-key” is not recorded") == 1, log
    assert "“tagged” is not recorded: the tag “bad-tag” is not a valid Prometheus label name" in log, log


def test_worker_slot_label(tmp_pool):
    # decisions.md D3: the in-process worker is slot 0; SELDON_METRICS_AGGREGATE drops the label
    spec = behave(metrics_json='[{"type":"COUNTER","key":"c","value":1}]')["parameters"]
    srv = tmp_pool.new("behave", parameters=spec)
    agg = tmp_pool.new("behave", parameters=spec, env={"SELDON_METRICS_AGGREGATE": "1"})
    for s in (srv, agg):
        for _ in range(3):
            assert s.client.post_json("/predict", STR_REQ).status == 200
    assert "\nc_total{%s} 3.0\n" % labels(example=False) in scrape(srv)
    text = scrape(agg)
    assert "worker_id" not in text, text
    assert "\nc_total{%s} 3.0\n" % labels(example=False, worker=None) in text, text


# -- the listener (rows 177, 179, 191; metrics.md §1) ---------------------------------------------

def test_headers_and_methods(pool):
    srv = pool.get("identity")
    r = srv.metrics_client.get("/metrics")
    assert r.status == 200 and r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", r
    assert r.header("Access-Control-Allow-Origin") == "*", r
    promtool_check(r.body.decode())

    head = srv.metrics_client.request("HEAD", "/metrics")
    assert head.status == 200 and head.body == b"", head
    assert head.header("Content-Type") == r.header("Content-Type"), head

    opt = srv.metrics_client.request("OPTIONS", "/metrics")
    assert opt.status == 200 and opt.header("Allow") == "GET, HEAD, OPTIONS", opt

    for method in ("POST", "PUT", "DELETE"):
        r = srv.metrics_client.request(method, "/metrics", body=b"")
        assert r.status == 405 and r.header("Allow") == "GET, HEAD, OPTIONS", r
        assert r.header("Content-Type") == "text/html; charset=utf-8", r
        assert b"<title>405 Method Not Allowed</title>" in r.body, r


@pytest.mark.parametrize("path", ["/", "/metrics/", "/prometheus", "/predict", "/health/ping",
                                  "/Metrics", "/metricsx"])
def test_other_paths_plain_404(pool, path):
    r = pool.get("identity").metrics_client.get(path)
    assert r.status == 404, r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r
    assert r.body.startswith(b"<!doctype html>") and b"<title>404 Not Found</title>" in r.body, r
    assert b"MICROSERVICE" not in r.body, r


def test_prometheus_endpoint(tmp_pool):
    # the operator sets PREDICTIVE_UNIT_METRICS_ENDPOINT=/prometheus
    srv = tmp_pool.new("behave", env={"PREDICTIVE_UNIT_METRICS_ENDPOINT": "/prometheus"},
                       parameters=behave(metrics_json='[{"type":"GAUGE","key":"g","value":2}]')["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    text = scrape(srv, "/prometheus")
    assert "\ng{%s} 2.0\n" % labels(example=False) in text, text
    assert srv.metrics_client.get("/metrics").status == 404
    assert srv.metrics_client.get("/prometheus?x=1").status == 200


def test_endpoint_must_start_with_slash(tmp_pool):
    srv = tmp_pool.new("identity", env={"PREDICTIVE_UNIT_METRICS_ENDPOINT": "prometheus"}, wait=False)
    assert srv.wait_exit(20) not in (None, 0), srv.describe()
    assert "must start with" in srv.output(), srv.describe()
    srv.reported = True


def test_openmetrics_when_asked(tmp_pool):
    srv = tmp_pool.new("behave", parameters=behave(
        metrics_json='[{"type":"COUNTER","key":"c","value":1}]')["parameters"])
    assert srv.client.post_json("/predict", STR_REQ).status == 200
    prometheus_accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                         "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    r = srv.metrics_client.get("/metrics", headers={"Accept": prometheus_accept})
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8", r
    text = r.body.decode()
    assert text.startswith("# TYPE c counter\nc_total{"), text
    assert text.endswith("\n# EOF\n"), text
    r = srv.metrics_client.get("/metrics", headers={"Accept": "text/plain"})
    assert r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8", r
    assert r.body.decode().startswith("# HELP c_total \n# TYPE c_total counter\n"), r


def test_listen_backlog(pool):
    # configuration.md §6.2: backlog 2048 on both listeners (capped by net.core.somaxconn)
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    srv = pool.get("identity")
    with open("/proc/sys/net/core/somaxconn") as f:
        expected = min(2048, int(f.read()))
    for port in (srv.http_port, srv.metrics_port):
        out = subprocess.run(["ss", "-ltnH", "sport = :%d" % port], capture_output=True, text=True).stdout
        assert out.split()[2] == str(expected), out


def test_burst_of_connections(pool):
    # 100 clients connecting at once all get through without a SYN retransmit (1 s), which a
    # backlog of 10 causes
    srv = pool.get("identity")
    barrier = threading.Barrier(100)
    times = []
    errors = []

    def one(port):
        try:
            barrier.wait(10)
            t0 = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=10):
                times.append(time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(port,)) for port in (srv.http_port, srv.metrics_port) * 50]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(times) == 100 and max(times) < 0.9, sorted(times)[-5:]


def test_scrape_while_worker_busy(tmp_pool):
    # metrics.md §1: the endpoint never waits for the component
    srv = tmp_pool.new("behave", parameters=behave(call_delay_ms=1500)["parameters"])
    t = threading.Thread(target=lambda: srv.client.post_json("/predict", STR_REQ))
    t.start()
    try:
        deadline = time.monotonic() + 1.0
        text = ""
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            text = scrape(srv)
            assert time.monotonic() - t0 < 0.5
            if "seldon_microservice_requests_in_flight{" in text and \
                    [ln for ln in text.splitlines() if ln.startswith("seldon_microservice_requests_in_flight{")
                     and ln.endswith(" 1.0")]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("in-flight gauge never showed the busy call:\n" + text)
    finally:
        t.join()


# -- the server's own metrics (decisions.md D3) ---------------------------------------------------

def test_server_request_metrics(tmp_pool):
    srv = tmp_pool.new("identity")
    for _ in range(3):
        assert srv.client.post_json("/predict", '{"data":{"ndarray":[1]}}').status == 200
    assert srv.client.post_json("/predict", "not json").status == 400
    assert srv.client.get("/nonexistent").status == 404
    assert srv.client.get("/health/ping").status == 200
    text = scrape(srv)
    ni = labels(example=False, worker=None).replace('method="predict",', "")

    def requests(method, code):
        parts = sorted(ni.split(",") + ['method="%s"' % method, 'code="%d"' % code, 'protocol="rest"'],
                       key=lambda s: s.split("=")[0])
        return "\nseldon_microservice_requests_total{%s} " % ",".join(parts)

    assert requests("predict", 200) + "3.0\n" in text, text
    assert requests("predict", 400) + "1.0\n" in text, text
    assert requests("unknown", 404) + "1.0\n" in text, text
    assert requests("ping", 200) in text, text
    assert "# TYPE seldon_microservice_request_duration_seconds histogram\n" in text, text
    count = [ln for ln in text.splitlines()
             if ln.startswith("seldon_microservice_request_duration_seconds_count{") and 'method="predict"' in ln]
    assert count and count[0].endswith(" 4.0"), text
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                 "process_start_time_seconds"):
        assert ("\n%s " % name) in text, text
    start = float(text.split("\nprocess_start_time_seconds ")[1].split("\n")[0])
    assert abs(start - time.time()) < 3600, start
    promtool_check(text)


# -- access log (configuration.md §2.1 FILTER_METRICS_ACCESS_LOGS) ---------------------------------

@pytest.mark.parametrize("env,logged", [(None, False), ({"FILTER_METRICS_ACCESS_LOGS": "false"}, True),
                                        ({"SELDON_DEBUG": "1"}, True)])
def test_scrapes_in_access_log(tmp_pool, env, logged):
    srv = tmp_pool.new("identity", args=["--access-log"], env=env)
    marker = "/health/ping?itest-%d" % free_port()
    assert srv.metrics_client.get("/metrics?scrape-marker").status == 200
    # substring filter: a REST path containing the endpoint is hidden too
    assert srv.client.get("/health/ping?x=/metrics").status == 200
    # last, so that once its line is there every earlier line is too
    assert srv.client.get(marker).status == 200
    deadline = time.monotonic() + 3
    while marker not in srv.stdout() and time.monotonic() < deadline:
        time.sleep(0.05)
    out = srv.stdout()
    assert marker in out, srv.describe()
    assert ("scrape-marker" in out) == logged, srv.describe()
    assert ("x=/metrics" in out) == logged, srv.describe()


# -- promtool ---------------------------------------------------------------------------------

@pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian package prometheus) is not installed")
def test_promtool_accepts_every_kind(tmp_pool):
    srv = tmp_pool.new("behave", env=EXAMPLE_ENV, parameters=behave(
        implements="predict,send-feedback",
        metrics_json=json.dumps([
            {"type": "COUNTER", "key": "c", "value": 1, "tags": {"t": "1"}},
            {"type": "COUNTER", "key": "c", "value": 1, "tags": {"t": "2", "u": "x\ny"}},
            {"type": "COUNTER", "key": "neg", "value": -1.5},
            {"type": "GAUGE", "key": "g", "value": 1234567.0},
            {"type": "GAUGE", "key": "g2", "value": 1e-9},
            {"type": "TIMER", "key": "t", "value": 1},
            {"type": "TIMER", "key": "t", "value": -5, "tags": {"x": "1"}},
            {"type": "TIMER", "key": "t", "value": 1e9, "tags": {"x": "2"}},
            {"type": "COUNTER", "key": "bad-key", "value": 1},
            {"type": "GAUGE", "key": "c_total", "value": 1},
        ]))["parameters"])
    for _ in range(2):
        assert srv.client.post_json("/predict", STR_REQ).status == 200
    assert srv.client.post_json("/send-feedback", '{"reward":-0.5}').status == 200
    text = scrape(srv)
    assert "\nneg_total{" in text and "\ng{" in text and "\nt_bucket{" in text, text
    promtool_check(text)


# -- exact across worker processes (decisions.md D2, D3) ------------------------------------------

def _children(pid):
    kids = set()
    try:
        for path in glob.glob("/proc/%d/task/*/children" % pid):
            with open(path) as f:
                kids.update(int(k) for k in f.read().split())
    except OSError:
        pass
    return kids


def _sums(text, prefix, method="predict"):
    """{worker_id: value} of the `method` series of `prefix` (worker_id None without the label)."""
    out = {}
    for ln in text.splitlines():
        if ln.startswith(prefix + "{") and ('method="%s"' % method) in ln:
            wid = ln.split('worker_id="')[1].split('"')[0] if 'worker_id="' in ln else None
            out[wid] = out.get(wid, 0.0) + float(ln.rsplit(" ", 1)[1])
    return out


def test_worker_slots_exact_and_survive_respawn(tmp_pool):
    srv = tmp_pool.new("behave", args=["--workers", "2"], parameters=behave(
        metrics_json='[{"type":"COUNTER","key":"c","value":1}]')["parameters"])
    statuses = []
    lock = threading.Lock()

    def load(n):
        for _ in range(n):
            r = srv.client.post_json("/predict", STR_REQ)
            with lock:
                statuses.append(r.status)

    def burst(per_thread):
        threads = [threading.Thread(target=load, args=(per_thread,)) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    burst(100)
    text = scrape(srv)
    assert statuses.count(200) == 1600, sorted(set(statuses))
    sums = _sums(text, "c_total")
    assert set(sums) == {"0", "1"} and sum(sums.values()) == 1600, sums
    assert sum(_sums(text, "seldon_microservice_requests_total").values()) == 1600, text[:3000]

    # a worker process dies and is respawned: its slot's series go on, no new series appear
    kids = _children(srv.proc.pid)
    assert len(kids) == 2, kids
    victim = min(kids)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = _children(srv.proc.pid)
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the worker was not respawned\n" + srv.describe())
    burst(25)
    text = scrape(srv)
    ok = statuses.count(200)
    sums = _sums(text, "c_total")
    assert set(sums) == {"0", "1"}, sums
    assert sum(sums.values()) == ok and ok >= 1600 + 400 - 16, (sums, ok)
    assert sum(_sums(text, "seldon_microservice_requests_total").values()) == len(statuses), text[:3000]
