# SPDX-License-Identifier: LGPL-2.1-or-later
"""Command line, environment and start-up (parity-checklist.md A and B; configuration.md §1-§5,
§9; decisions.md D1, D4, D6)."""

import json
import os
import socket
import threading
import time

import pytest

from conftest import (Client, MetricsClient, Server, behave, clean_env, component, expect, expect_error,
                      free_port, params, run_program, scrape)

BEHAVE = component("behave")
IDENTITY = component("identity")


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Exit statuses of start-up failures (configuration.md §1, §9; rows 1, 2, 3, 22, 23, 25, 39, 56)
# ---------------------------------------------------------------------------------------------

def test_help_exits_0():
    rc, out, err, _ = run_program(["--help"], ports=False)
    assert rc == 0, out + err
    assert "--http-port" in out + err


def test_missing_interface_name_is_usage_error():
    # row 1
    rc, out, err, _ = run_program([])
    assert rc == 2, (rc, out, err)
    assert (out + err).strip(), "no usage message"


def test_leftover_argument_exits_255():
    # row 2: the historical form `seldon-microservice MyModel REST`
    rc, out, err, _ = run_program([IDENTITY, "REST"])
    assert rc == 255, (rc, out, err)
    assert "REST" in out + err, "the error must name the leftover argument"


@pytest.mark.parametrize("argv", [
    ["--service-type", "MODELS"],
    ["--service-type", "model"],
    ["--log-level", "LOUD"],
    ["--http-port", "abc"],
    ["--workers", "1.5"],
    ["--no-such-option"],
], ids=["bad-service-type", "lowercase-service-type", "bad-log-level", "bad-int-port",
        "bad-int-workers", "unknown-option"])
def test_usage_errors_exit_2(argv):
    # rows 3, 24; configuration.md §1 (bad choice / bad int given as a flag = usage error, 2).
    # An unknown --option is a leftover upstream (argparse known-args) and so exits 255.
    rc, out, err, _ = run_program([IDENTITY] + argv, ports=False)
    expected = 255 if argv == ["--no-such-option"] else 2
    assert rc == expected, (rc, out, err)
    assert (out + err).strip()


@pytest.mark.parametrize("ptype,value,message", [
    ("INT", "1.5", "Bad model parameter: p-int with value 1.5 can't be parsed as a INT"),
    ("INT", "abc", "Bad model parameter: p-int with value abc can't be parsed as a INT"),
    ("FLOAT", "abc", "Bad model parameter: p-double with value abc can't be parsed as a FLOAT"),
    ("DOUBLE", "1.2.3", "Bad model parameter: p-double with value 1.2.3 can't be parsed as a DOUBLE"),
    ("FOO", "1", "Bad model parameter type: FOO valid are INT, FLOAT, DOUBLE, STRING, BOOL"),
])
def test_bad_parameter_exits_1(ptype, value, message):
    # rows 22, 23: start-up failure, exit 1, message as specified
    name = "p-int" if ptype in ("INT", "FOO") else "p-double"
    rc, out, err, _ = run_program([BEHAVE, "--parameters",
                                   json.dumps([{"name": name, "value": value, "type": ptype}])])
    assert rc == 1, (rc, out, err)
    assert message in out + err


def test_bad_bool_parameter_fails():
    # configuration.md §3: any other BOOL text fails start-up
    rc, out, err, _ = run_program([BEHAVE, "--parameters",
                                   json.dumps([{"name": "p-bool", "value": "maybe", "type": "BOOL"}])])
    assert rc == 1, (rc, out, err)
    assert (out + err).strip()


@pytest.mark.parametrize("parameters", [
    "[{",
    '{"name":"p-int","value":"1","type":"INT"}',
    '[{"name":"no-such-property","value":"1","type":"STRING"}]',
], ids=["invalid-json", "not-a-list", "unknown-name"])
def test_bad_parameters_json_exits_1(parameters):
    # configuration.md §3: invalid JSON fatal; unknown names are a constructor error (row 39)
    rc, out, err, _ = run_program([BEHAVE, "--parameters", parameters])
    assert rc == 1, (rc, out, err)
    assert (out + err).strip()


def test_bad_parameters_env_exits_1():
    rc, out, err, _ = run_program([BEHAVE], env={"PREDICTIVE_UNIT_PARAMETERS": "[{"})
    assert rc == 1, (rc, out, err)


@pytest.mark.parametrize("path", ["/nonexistent/libnothing.so", "/etc/hostname", "libm.so.6"],
                         ids=["missing-file", "not-a-module", "no-register-symbol"])
def test_unloadable_component_exits_nonzero(path):
    # row 39: missing module/class ⇒ non-zero exit (upstream: 1), with a reason (row 56)
    rc, out, err, _ = run_program([path])
    assert rc == 1, (rc, out, err)
    assert (out + err).strip()


@pytest.mark.parametrize("env", [
    {"PREDICTIVE_UNIT_HTTP_SERVICE_PORT": "abc"},
    {"GUNICORN_WORKERS": "x"},
    {"GUNICORN_THREADS": "1.5"},
    {"GRPC_WORKERS": "many"},
    {"PREDICTOR_LABELS": "{not json"},
], ids=["port", "workers", "threads", "grpc-workers", "predictor-labels"])
def test_bad_environment_fails(env):
    # configuration.md §1.1 notes, §9: bad integers / PREDICTOR_LABELS ⇒ clear message, non-zero
    srv = Server([IDENTITY, "--grpc-workers", "0", "--metrics-port", str(free_port())], env=env,
                 ports=False)
    rc = srv.wait_exit(20)
    out = srv.describe()
    if rc is None:
        srv.stop()
    srv.cleanup()
    assert rc not in (None, 0), out


def test_log_level_unknown_env_fails():
    # row 25 (F): unknown SELDON_LOG_LEVEL ⇒ clear message, exit 1
    rc, out, err, _ = run_program([IDENTITY], env={"SELDON_LOG_LEVEL": "LOUD"})
    assert rc == 1, (rc, out, err)
    assert (out + err).strip()


# ---------------------------------------------------------------------------------------------
# Accepted options (rows 3, 5, 16, 24, 25)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--service-type", "MODEL"], ["--service-type", "ROUTER"], ["--service-type", "TRANSFORMER"],
    ["--service-type", "COMBINER"], ["--service-type", "OUTLIER_DETECTOR"],
    ["--service-type=ROUTER"],
    ["--persistence"], ["--persistence", "1"], ["--persistence=0"],
    ["--debug"], ["--debug", "false"], ["--debug=true"],
    ["--access-log", "false"],
    ["--log-level", "DEBUG"], ["--log-level", "WARNING"], ["--log-level=ERROR"],
    ["--tracing", "0"],
    ["--workers", "1", "--threads", "4", "--max-requests", "0", "--max-requests-jitter", "0",
     "--keepalive", "2", "--single-threaded", "0", "--grpc-threads", "1"],
], ids=lambda a: " ".join(a))
def test_accepted_options(tmp_pool, argv):
    srv = tmp_pool.new("identity", args=argv)
    r = srv.client.post_json("/predict", {"strData": "ok"})
    expect(r, 200, '{"meta":{},"strData":"ok"}')


@pytest.mark.parametrize("level", ["debug", "Info", "warning", "ERROR"])
def test_log_level_env_any_case(tmp_pool, level):
    # row 25 (F): lower-case levels are accepted (decisions.md D4)
    srv = tmp_pool.new("identity", env={"SELDON_LOG_LEVEL": level})
    srv.assert_alive()


def test_persistence_logs_deprecation(tmp_pool):
    # row 5: non-zero only logs a deprecation error
    srv = tmp_pool.new("identity", args=["--persistence", "1"])
    srv.assert_alive()
    deadline = time.monotonic() + 5
    while "ersistence" not in srv.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "ersistence" in srv.output(), srv.describe()


# ---------------------------------------------------------------------------------------------
# Ports and precedence (rows 6, 7; decisions.md D6)
# ---------------------------------------------------------------------------------------------

def test_http_port_from_env(tmp_pool):
    port = free_port()
    metrics = free_port()
    srv = Server([IDENTITY, "--grpc-workers", "0"], ports=False,
                 env={"PREDICTIVE_UNIT_HTTP_SERVICE_PORT": str(port),
                      "PREDICTIVE_UNIT_METRICS_SERVICE_PORT": str(metrics)})
    tmp_pool.extra.append(srv)
    srv.client = Client(port)
    srv.metrics_client = MetricsClient(metrics)
    srv.wait_ready()
    r = srv.metrics_client.get("/metrics")
    assert r.status == 200, r


def test_cli_port_beats_env(tmp_pool):
    env_port = free_port()
    cli_port = free_port()
    srv = Server([IDENTITY, "--grpc-workers", "0", "--http-port", str(cli_port),
                  "--metrics-port", str(free_port())], ports=False,
                 env={"PREDICTIVE_UNIT_HTTP_SERVICE_PORT": str(env_port)})
    tmp_pool.extra.append(srv)
    srv.client = Client(cli_port)
    srv.wait_ready()
    assert not _port_open(env_port), "the environment port must not be used when --http-port is given"


def test_cli_metrics_port_beats_env(tmp_pool):
    env_port = free_port()
    cli_port = free_port()
    srv = Server([IDENTITY, "--grpc-workers", "0", "--http-port", str(free_port()),
                  "--metrics-port", str(cli_port)], ports=False,
                 env={"PREDICTIVE_UNIT_METRICS_SERVICE_PORT": str(env_port)})
    srv.client = Client(int(srv.argv[srv.argv.index("--http-port") + 1]))
    tmp_pool.extra.append(srv)
    srv.wait_ready()
    assert MetricsClient(cli_port).get("/metrics").status == 200
    assert not _port_open(env_port)


def test_default_ports():
    # row 6: 9000 (REST) and 6000 (metrics) by default
    if _port_open(9000) or _port_open(6000):
        pytest.skip("port 9000 or 6000 is in use on this machine")
    for p in (9000, 6000):
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", p))
            except OSError:
                pytest.skip("port %d cannot be bound" % p)
    srv = Server([IDENTITY, "--grpc-workers", "0"], ports=False)
    srv.client = Client(9000)
    try:
        srv.wait_ready()
        assert MetricsClient(6000).get("/metrics").status == 200
    finally:
        rc, crashed = srv.stop()
        srv.cleanup()
    assert not crashed


def _write_config(tmp_path, text):
    path = tmp_path / "microservice.conf"
    path.write_text(text)
    return str(path)


CONFIG_GROUP = "[io/seldon/Microservice]"


def test_config_file_sets_port(tmp_pool, tmp_path):
    # decisions.md D6: --config FILE is a GSettings key file
    port = free_port()
    conf = _write_config(tmp_path, "%s\nhttp-port=%d\n" % (CONFIG_GROUP, port))
    srv = Server([IDENTITY, "--config", conf, "--grpc-workers", "0", "--metrics-port",
                  str(free_port())], ports=False)
    srv.client = Client(port)
    tmp_pool.extra.append(srv)
    srv.wait_ready()


def test_env_beats_config_file(tmp_pool, tmp_path):
    conf_port = free_port()
    env_port = free_port()
    conf = _write_config(tmp_path, "%s\nhttp-port=%d\n" % (CONFIG_GROUP, conf_port))
    srv = Server([IDENTITY, "--config", conf, "--grpc-workers", "0", "--metrics-port",
                  str(free_port())], ports=False,
                 env={"PREDICTIVE_UNIT_HTTP_SERVICE_PORT": str(env_port)})
    srv.client = Client(env_port)
    tmp_pool.extra.append(srv)
    srv.wait_ready()
    assert not _port_open(conf_port)


def test_cli_beats_config_file(tmp_pool, tmp_path):
    conf_port = free_port()
    cli_port = free_port()
    conf = _write_config(tmp_path, "%s\nhttp-port=%d\n" % (CONFIG_GROUP, conf_port))
    srv = Server([IDENTITY, "--config", conf, "--http-port", str(cli_port), "--grpc-workers", "0",
                  "--metrics-port", str(free_port())], ports=False)
    srv.client = Client(cli_port)
    tmp_pool.extra.append(srv)
    srv.wait_ready()
    assert not _port_open(conf_port)


def test_parameters_cli_beats_env(tmp_pool):
    # rows 7, 20: --parameters beats PREDICTIVE_UNIT_PARAMETERS
    srv = tmp_pool.new("behave", parameters=params(result_kind="params", p_string="cli"),
                   env={"PREDICTIVE_UNIT_PARAMETERS": params(result_kind="params", p_string="env")})
    r = srv.client.post_json("/predict", {"strData": "x"})
    assert r.status == 200, r
    assert r.json()["jsonData"]["p-string"] == "cli"


def test_parameters_from_env(tmp_pool):
    srv = tmp_pool.new("behave", env={"PREDICTIVE_UNIT_PARAMETERS":
                                  params(result_kind="params", p_string="env")})
    r = srv.client.post_json("/predict", {"strData": "x"})
    assert r.status == 200, r
    assert r.json()["jsonData"]["p-string"] == "env"


# ---------------------------------------------------------------------------------------------
# Parameter conversion (rows 20, 21; configuration.md §3)
# ---------------------------------------------------------------------------------------------

# (p-int (value, type), p-double (value, type), p-string, p-bool) -> expected jsonData
PARAM_CASES = [
    ((("42", "INT"), ("0.5", "FLOAT"), ("hello", "STRING"), ("y", "BOOL")),
     {"p-int": 42, "p-double": 0.5, "p-string": "hello", "p-bool": True}),
    (((" -7 ", "INT"), ("1e3", "DOUBLE"), ("", "STRING"), ("n", "BOOL")),
     {"p-int": -7, "p-double": 1000.0, "p-string": "", "p-bool": False}),
    ((("1_000", "INT"), ("-2", "FLOAT"), ("a b", "STRING"), ("yes", "BOOL")),
     {"p-int": 1000, "p-double": -2.0, "p-string": "a b", "p-bool": True}),
    ((("+5", "INT"), ("inf", "FLOAT"), ("\u00e9", "STRING"), ("no", "BOOL")),
     {"p-int": 5, "p-double": float("inf"), "p-string": "\u00e9", "p-bool": False}),
    ((("0", "INT"), ("-inf", "DOUBLE"), ("x", "STRING"), ("t", "BOOL")),
     {"p-int": 0, "p-double": float("-inf"), "p-string": "x", "p-bool": True}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("f", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": False}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("TRUE", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": True}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("False", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": False}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("On", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": True}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("off", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": False}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("1", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": True}),
    ((("7", "INT"), ("2.5", "DOUBLE"), ("x", "STRING"), ("0", "BOOL")),
     {"p-int": 7, "p-double": 2.5, "p-string": "x", "p-bool": False}),
    # configuration.md §3: numbers given as JSON numbers are accepted for the matching type
    (((42, "INT"), (0.25, "FLOAT"), ("x", "STRING"), ("true", "BOOL")),
     {"p-int": 42, "p-double": 0.25, "p-string": "x", "p-bool": True}),
]


@pytest.fixture(scope="module")
def param_servers(pool):
    specs = []
    for (pi, pd, ps, pb), _ in PARAM_CASES:
        specs.append(behave(result_kind="params", p_int=pi, p_double=pd, p_string=ps, p_bool=pb))
    return pool.get_many(specs)


@pytest.mark.parametrize("case", range(len(PARAM_CASES)))
def test_parameter_conversion(param_servers, case):
    expected = PARAM_CASES[case][1]
    r = param_servers[case].client.post_json("/predict", {"strData": "x"})
    assert r.status == 200, r
    got = json.loads(r.body)["jsonData"]
    assert got == expected, r


# FLOAT "nan" (configuration.md §3) is not tested: GLib 2.74 rejects NaN for every gdouble
# property (param_double_validate reports NaN as "changed"), so no GObject component can
# receive it.


def test_parameter_later_entry_wins(tmp_pool):
    # configuration.md §3: later entries with the same name replace earlier ones
    p = json.loads(params(result_kind="params", p_string="first"))
    p.append({"name": "p-string", "value": "second", "type": "STRING"})
    srv = tmp_pool.new("behave", parameters=json.dumps(p))
    r = srv.client.post_json("/predict", {"strData": "x"})
    assert r.status == 200, r
    assert r.json()["jsonData"]["p-string"] == "second"


# ---------------------------------------------------------------------------------------------
# Environment booleans (rows 17, 18, 28)
# ---------------------------------------------------------------------------------------------

PASSTHROUGH_VALUES = [("1", True), ("true", True), ("t", True), ("TRUE", True), ("T", True),
                      ("True", True), ("yes", False), ("on", False), ("", False), ("0", False),
                      ("false", False), (None, False)]


@pytest.fixture(scope="module")
def passthrough_servers(pool):
    return pool.get_many([{"name": "behave", "parameters": params(),
                           "env": {"PAYLOAD_PASSTHROUGH": v} if v is not None else None}
                          for v, _ in PASSTHROUGH_VALUES])


@pytest.mark.parametrize("case", range(len(PASSTHROUGH_VALUES)),
                         ids=[repr(v) for v, _ in PASSTHROUGH_VALUES])
def test_standard_env_boolean(passthrough_servers, case):
    # row 17 (standard rule) observed through PAYLOAD_PASSTHROUGH (row 28)
    value, on = PASSTHROUGH_VALUES[case]
    r = passthrough_servers[case].client.request("POST", "/predict", body=b"hello",
                                                 headers={"Content-Type": "text/plain"})
    if on:
        expect(r, 200, b"hello")
    else:
        expect_error(r, 400, "Can't find JSON in data")


INCLUDE_VALUES = [("true", True), ("TRUE", True), ("True", True), (None, True), ("1", False),
                  ("t", False), ("false", False), ("", False), ("yes", False)]


@pytest.fixture(scope="module")
def include_servers(pool):
    return pool.get_many([{"name": "tagged",
                           "env": {"INCLUDE_METRICS_IN_CLIENT_RESPONSE": v} if v is not None else None}
                          for v, _ in INCLUDE_VALUES])


@pytest.mark.parametrize("case", range(len(INCLUDE_VALUES)), ids=[repr(v) for v, _ in INCLUDE_VALUES])
def test_include_metrics_in_client_response(include_servers, case):
    # row 18 (Q): true iff lower-cased value is "true"; default true; "1" means false
    value, on = INCLUDE_VALUES[case]
    r = include_servers[case].client.post_json(
        "/predict", '{"meta":{"metrics":[{"key":"req","type":"GAUGE","value":2}]},"data":{"ndarray":[1]}}')
    metrics = '{"key":"req","type":"GAUGE","value":2}'
    if on:
        metrics += ',{"key":"mycounter","type":"COUNTER","value":1}'
    expect(r, 200, '{"data":{"names":[],"ndarray":[1]},"meta":{"metrics":[%s],"tags":{"mytag":1}}}'
           % metrics)


@pytest.mark.parametrize("value,recorded", [(None, True), ("true", True), ("no", True),
                                            ("false", False), ("FALSE", False), ("False", False)])
def test_executor_enabled_reward_metrics(tmp_pool, value, recorded):
    # row 19: SELDON_EXECUTOR_ENABLED=false (any case) disables the reward metrics (metrics.md §3)
    env = {"SELDON_EXECUTOR_ENABLED": value} if value is not None else None
    srv = tmp_pool.new("nomethods", env=env)
    r = srv.client.post_json("/send-feedback", {"reward": 0.5})
    assert r.status == 200, r
    text = scrape(srv)
    assert ("seldon_api_model_feedback_reward_total{" in text) == recorded, text
    assert ("seldon_api_model_feedback_total{" in text) == recorded, text


# ---------------------------------------------------------------------------------------------
# Access log (row 16: bare flag true; explicit false means false, decisions.md D4)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv,env,logged", [
    (["--access-log"], None, True),
    (["--access-log", "true"], None, True),
    (["--access-log", "false"], None, False),
    ([], None, False),
    ([], {"GUNICORN_ACCESS_LOG": "1"}, True),
    ([], {"GUNICORN_ACCESS_LOG": "yes"}, False),
], ids=["bare", "true", "false", "default", "env-1", "env-yes"])
def test_access_log(tmp_pool, argv, env, logged):
    srv = tmp_pool.new("identity", args=argv, env=env)
    marker = "/health/ping?itest-marker-%d" % free_port()
    assert srv.client.get(marker).status == 200
    deadline = time.monotonic() + (3 if logged else 1)
    while marker not in srv.stdout() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (marker in srv.stdout()) == logged, srv.describe()


# ---------------------------------------------------------------------------------------------
# Metrics endpoint path (row 26) and log level (row 24)
# ---------------------------------------------------------------------------------------------

def test_metrics_endpoint_env(tmp_pool):
    srv = tmp_pool.new("identity", env={"PREDICTIVE_UNIT_METRICS_ENDPOINT": "/prometheus"})
    assert srv.metrics_client.get("/prometheus").status == 200
    assert srv.metrics_client.get("/metrics").status == 404


def test_seldon_log_level_overrides_cli(tmp_pool):
    # row 24: SELDON_LOG_LEVEL beats --log-level. An error answer is logged at ERROR (§5), so
    # with --log-level DEBUG but SELDON_LOG_LEVEL=CRITICAL nothing about it may be logged,
    # while the plain --log-level DEBUG server logs it.
    quiet = tmp_pool.new("identity", args=["--log-level", "DEBUG"], env={"SELDON_LOG_LEVEL": "CRITICAL"})
    loud = tmp_pool.new("identity", args=["--log-level", "ERROR"], env={"SELDON_LOG_LEVEL": "DEBUG"})
    marker = "itest-marker-%d" % free_port()
    for srv in (quiet, loud):
        r = srv.client.post_json("/predict", {marker: 1})
        assert r.status == 400, r
    deadline = time.monotonic() + 3
    while marker not in loud.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker in loud.output(), loud.describe()
    assert marker not in quiet.output(), quiet.describe()


# ---------------------------------------------------------------------------------------------
# FLASK_* output formatting (row 29; rest-api.md §7.1)
# ---------------------------------------------------------------------------------------------

BODY = '{"jsonData":{"b":1,"a":["\u00e9",2.5,{"z":null,"y":true}],"c":{}},"meta":{"puid":"p"}}'


@pytest.mark.parametrize("env,expected", [
    ({"FLASK_JSONIFY_PRETTYPRINT_REGULAR": "true"},
     json.dumps(json.loads(BODY), sort_keys=True, indent=2) + "\n"),
    ({"FLASK_DEBUG": "1"}, json.dumps(json.loads(BODY), sort_keys=True, indent=2) + "\n"),
    ({"FLASK_JSON_AS_ASCII": "false"},
     json.dumps(json.loads(BODY), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"),
    ({"FLASK_JSON_AS_ASCII": "1"},
     json.dumps(json.loads(BODY), sort_keys=True, separators=(",", ":")) + "\n"),
    # standard boolean rule (row 17): "yes" is false
    ({"FLASK_JSON_AS_ASCII": "yes"},
     json.dumps(json.loads(BODY), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"),
    ({"FLASK_JSONIFY_PRETTYPRINT_REGULAR": "on"},
     json.dumps(json.loads(BODY), sort_keys=True, separators=(",", ":")) + "\n"),
], ids=["pretty", "flask-debug", "utf8", "ascii", "ascii-yes-is-false", "pretty-on-is-false"])
def test_flask_formatting(tmp_pool, env, expected):
    srv = tmp_pool.new("identity", env=env)
    r = srv.client.post_json("/predict", BODY.encode())
    expect(r, 200, expected.encode())


def test_flask_json_sort_keys_false(tmp_pool):
    srv = tmp_pool.new("identity", env={"FLASK_JSON_SORT_KEYS": "false"})
    r = srv.client.post_json("/predict", '{"jsonData":{"b":1,"a":2,"c":{"z":1,"y":2}}}')
    assert r.status == 200, r
    doc = json.loads(r.body, object_pairs_hook=lambda pairs: pairs)
    payload = dict(doc)["jsonData"]
    assert [k for k, _ in payload] == ["b", "a", "c"], r
    assert [k for k, _ in dict(payload)["c"]] == ["z", "y"], r


# ---------------------------------------------------------------------------------------------
# Timeouts and limits (row 33 via decisions.md D5)
# ---------------------------------------------------------------------------------------------

def test_request_timeout(tmp_pool):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=3000),
                   env={"SELDON_REQUEST_TIMEOUT_MS": "300"})
    t0 = time.monotonic()
    r = srv.client.post_json("/predict", {"strData": "x"})
    elapsed = time.monotonic() - t0
    assert r.status == 504, r
    assert elapsed < 2.5, "the timeout did not cut the call short (%.2fs)" % elapsed
    assert list(r.json()) == ["status"] and r.json()["status"]["code"] == -1, r
    srv.assert_alive()


@pytest.mark.parametrize("line", [
    'seldon.io/rest-timeout="400"',
    ' seldon.io/rest-timeout =  "400"  ',
    "seldon.io/rest-timeout='400'",
])
def test_rest_timeout_annotation(tmp_pool, tmp_path, line):
    # rows 31, 33 (decisions.md D5: a per-call bound in milliseconds)
    ann = tmp_path / "annotations"
    ann.write_text('seldon.io/other="x"\nno equals sign here\n%s\nseldon.io/grpc-timeout="5"\n' % line)
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=4000),
                   env={"SELDON_ANNOTATIONS_FILE": str(ann)})
    t0 = time.monotonic()
    r = srv.client.post_json("/predict", {"strData": "x"})
    assert r.status == 504, r
    assert time.monotonic() - t0 < 3.0
    srv.assert_alive()


@pytest.mark.parametrize("content", ['seldon.io/rest-timeout="abc"\n',
                                     'seldon.io/grpc-max-message-size="big"\n',
                                     'seldon.io/rest-timeout=""\n',
                                     "\x00\x01 garbage\n"])
def test_bad_annotations_ignored(tmp_pool, tmp_path, content):
    # row 34 (F): non-integer values are logged and ignored
    ann = tmp_path / "annotations"
    ann.write_text(content)
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=300), env={"SELDON_ANNOTATIONS_FILE": str(ann)})
    expect(srv.client.post_json("/predict", {"strData": "x"}), 200, '{"meta":{},"strData":"x"}')


def test_max_body_bytes(tmp_pool):
    srv = tmp_pool.new("identity", env={"SELDON_MAX_BODY_BYTES": "1000"})
    small = json.dumps({"strData": "x" * 900})
    r = srv.client.post_json("/predict", small)
    assert r.status == 200, r
    r = srv.client.post_json("/predict", json.dumps({"strData": "x" * 5000}))
    assert r.status == 413, r
    doc = r.json()
    assert list(doc) == ["status"] and doc["status"]["code"] == -1 and doc["status"]["status"] == 1, r
    srv.assert_alive()


# ---------------------------------------------------------------------------------------------
# Loading (rows 43, 213, 41)
# ---------------------------------------------------------------------------------------------

def test_failing_load_exits_3_and_serves_nothing():
    # row 43 (F): nothing served, exit 3 within seconds
    srv = Server([BEHAVE, "--parameters", params(load_fail=True)])
    served = []
    t0 = time.monotonic()
    while srv.alive() and time.monotonic() - t0 < 10:
        try:
            r = srv.client.get("/health/ping", timeout=1)
            served.append(r.status)
        except OSError:
            pass
        time.sleep(0.02)
    rc = srv.wait_exit(1)
    out = srv.describe()
    srv.stop()
    srv.cleanup()
    assert rc == 3, out
    assert time.monotonic() - t0 < 10
    assert 200 not in served, "a request was answered with success before/after a failing load"


def test_failing_load_with_grpc_exits_3():
    srv = Server([BEHAVE, "--parameters", params(load_fail=True)], grpc=True)
    rc = srv.wait_exit(10)
    out = srv.describe()
    srv.stop()
    srv.cleanup()
    assert rc == 3, out


def test_slow_load_serves_nothing_before_load(tmp_pool):
    # row 213: no success answer before load() returned; requests sent meanwhile get served
    delay = 1.5
    srv = tmp_pool.new("behave", parameters=params(load_delay_ms=int(delay * 1000)), wait=False)
    results = []

    def early_request():
        deadline = srv.started_at + 15
        while time.monotonic() < deadline:
            try:
                r = srv.client.post_json("/predict", {"strData": "early"}, timeout=15)
                results.append((time.monotonic() - srv.started_at, r))
                return
            except OSError:
                time.sleep(0.01)

    t = threading.Thread(target=early_request)
    t.start()
    first_ok = None
    while time.monotonic() - srv.started_at < 15 and srv.alive():
        try:
            r = srv.client.get("/health/ping", timeout=15)
            if r.status == 200:
                first_ok = time.monotonic() - srv.started_at
                break
        except OSError:
            time.sleep(0.01)
    t.join()
    assert first_ok is not None, srv.describe()
    assert first_ok >= delay - 0.05, "ping answered %.2fs after start, load takes %.2fs" % (first_ok, delay)
    assert results, "the early request was never answered"
    when, r = results[0]
    assert when >= delay - 0.05, (when, r)
    expect(r, 200, '{"meta":{},"strData":"early"}')


def test_load_called_once_per_worker(tmp_pool, tmp_path):
    trace = tmp_path / "trace"
    srv = tmp_pool.new("behave", parameters=params(), env={"TEST_COMPONENT_TRACE": str(trace)})
    for _ in range(3):
        assert srv.client.post_json("/predict", {"strData": "x"}).status == 200
    assert trace.read_text().split().count("load") == 1


# ---------------------------------------------------------------------------------------------
# Threads (row 8; decisions.md D1: default --threads 10)
# ---------------------------------------------------------------------------------------------

def _concurrent_time(srv, n=3):
    from conftest import parallel
    t0 = time.monotonic()
    rs = parallel(lambda: srv.client.post_json("/predict", {"strData": "x"}), [()] * n)
    for r in rs:
        assert r.status == 200, r
    return time.monotonic() - t0


def test_default_threads_run_concurrently(tmp_pool):
    srv = tmp_pool.new("behave", parameters=params(call_delay_ms=600))
    assert _concurrent_time(srv) < 1.5, "default --threads (10) must run calls concurrently"


@pytest.mark.parametrize("argv", [["--threads", "1"], ["--single-threaded", "1"]])
def test_single_thread_serialises(tmp_pool, argv):
    srv = tmp_pool.new("behave", args=argv, parameters=params(call_delay_ms=400))
    assert _concurrent_time(srv) >= 1.1


def test_sigterm_exits_0(pool):
    # row 55 (F): SIGTERM shuts down gracefully with status 0
    srv = Server([IDENTITY])
    srv.wait_ready()
    rc, crashed = srv.stop()
    out = srv.describe()
    srv.cleanup()
    assert not crashed and rc == 0, out


def test_env_is_clean():
    # sanity check of the fixtures themselves
    env = clean_env({"PREDICTIVE_UNIT_ID": "x"})
    assert env["GSETTINGS_BACKEND"] == "memory" and env["PREDICTIVE_UNIT_ID"] == "x"
    assert os.path.exists(BEHAVE)
