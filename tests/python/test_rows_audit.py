# SPDX-License-Identifier: LGPL-2.1-or-later
"""Acceptance audit of issue 3: the rows of parity-checklist.md about Python model behaviour that
no other file of this suite checked (or checked only in part), and every worked example of
rest-api.md §10 run against plain Python model classes. Each test names its rows."""

import json
import os
import re
import textwrap
import time

import pytest

from conftest import MODE, ProgramService, _free_port, _http, dumps, seldon_error

needs_program = pytest.mark.skipif(MODE != "program", reason="needs the real seldon-microservice")

INTERNAL = "MICROSERVICE_INTERNAL_ERROR"

IDENTITY = """
    class MyModel:
        def predict(self, X, names, meta=None):
            return X
"""

# Reports what predict() received.
SPY = """
    import numpy as np

    class MyModel:
        def predict(self, X, names, meta=None):
            return {"type": type(X).__name__,
                    "value": X.tolist() if isinstance(X, np.ndarray) else
                             (X.decode("latin-1") if isinstance(X, bytes) else X),
                    "dtype": str(X.dtype) if isinstance(X, np.ndarray) else None,
                    "names": names}
"""


def scrape(service):
    return _http(service.metrics_port, "GET", "/metrics").body.decode()


def series(text, name):
    return [ln for ln in text.splitlines() if ln.startswith(name + "{")]


# ------------------------------------------------------------------------------------------
# rest-api.md §10: every worked example with Python models
# ------------------------------------------------------------------------------------------

W_IDENTITY = IDENTITY
W_TAGGED = """
    class MyModel:
        def predict(self, X, names):
            return X

        def route(self, X, names):
            return 22

        def tags(self):
            return {"mytag": 1}

        def metrics(self):
            return [{"type": "COUNTER", "key": "mycounter", "value": 1}]
"""
W_NUMPY = """
    import numpy as np

    class MyModel:
        def predict(self, X, names):
            return np.array([1, 2, 3])
"""
W_FLOAT32 = """
    import numpy as np

    class MyModel:
        def predict(self, X, names):
            return np.array([[0.1, 0.2]], dtype=np.float32)

        def init_metadata(self):
            return {"versions": "x"}
"""
W_BAD_METRIC = """
    class MyModel:
        def predict(self, X, names):
            return X

        def metrics(self):
            return [{"type": "BAD", "key": "mycounter", "value": 1}]
"""
W_RAISE = """
    class SeldonMicroserviceException(Exception):
        status_code = 400

        def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
            Exception.__init__(self)
            self.message = message
            if status_code is not None:
                self.status_code = status_code
            self.reason = reason

    class MyModel:
        def predict(self, X, names):
            raise SeldonMicroserviceException("foo", status_code=403)
"""
W_RAW = """
    class MyModel:
        def predict_raw(self, msg):
            return {"data": {"ndarray": [9, 9]}, "status": {"code": 400, "status": "FAILURE"}}

        def health_status_raw(self):
            return {"data": {"ndarray": [123.456, 7.89]}}
"""
W_NUMPY_ROUTE = """
    import numpy as np

    class MyModel:
        def predict(self, X, names):
            return None

        def route(self, X, names):
            return np.int64(1)
"""
W_AGG_TAGGED = """
    class MyModel:
        def aggregate(self, Xs, names_list):
            return Xs[0]

        def tags(self):
            return {"mytag": 1}
"""
W_COMBO = """
    class MyModel:
        def aggregate(self, Xs, names_list):
            return Xs[0]

        def send_feedback(self, features, feature_names, reward, truth, routing=None):
            # row 34 sends a 2-D request and expects [], row 36 a 1-D one and expects [[1, 2]]
            return [] if features.ndim == 2 else [[1, 2]]

        def health_status(self):
            return [0.123]
"""
W_NOMETHODS = """
    class MyModel:
        pass
"""
ENV7 = {"PREDICTIVE_UNIT_ID": "my-model", "PREDICTIVE_UNIT_IMAGE": "my-image:1"}

BOUNDARY = "audit-boundary-41"


def multipart(fields=(), files=()):
    parts = []
    for name, value in fields:
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (BOUNDARY, name, value))
    for name, filename, value in files:
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                     'Content-Type: text/plain\r\n\r\n%s\r\n' % (BOUNDARY, name, filename, value))
    return ("".join(parts) + "--%s--\r\n" % BOUNDARY).encode()


CANT_FIND = ('{"status":{"code":-1,"info":"Can\'t find JSON in data","reason":"MICROSERVICE_BAD_DATA",'
             '"status":1}}')
NOT_FOUND = ('{"status":{"code":-1,"info":"404 Not Found: The requested URL was not found on the server. '
             'If you entered the URL manually please check your spelling and try again.",'
             '"reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}')
NOT_ALLOWED = ('{"status":{"code":-1,"info":"405 Method Not Allowed: The method is not allowed for the '
               'requested URL.","reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}')

# (row, model, env, how, path, request, status, exact body without the trailing newline)
# how: "json" POST application/json, "param" GET ?json=, "plain" POST without Content-Type,
# "get" GET, "post" POST without body, "multipart".
WORKED = [
    (1, W_IDENTITY, None, "param", "/predict", '{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    (2, W_IDENTITY, None, "json", "/api/v1.0/predictions", '{"data":{"ndarray":[[1,2]]}}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    (3, W_IDENTITY, None, "json", "/predict", '{"data":{"tensor":{"shape":[2,1],"values":[1,2]}}}', 200,
     '{"data":{"names":["t:0"],"tensor":{"shape":[2,1],"values":[1,2]}},"meta":{}}'),
    (4, W_TAGGED, None, "json", "/predict", '{"data":{"names":["a","b"],"ndarray":[[1,2]]}}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{"metrics":[{"key":"mycounter",'
     '"type":"COUNTER","value":1}],"tags":{"mytag":1}}}'),
    (5, W_TAGGED, None, "json", "/predict", '{"meta":{"tags":{"foo":"bar"}},"data":{"ndarray":[]}}', 200,
     '{"data":{"names":[],"ndarray":[]},"meta":{"metrics":[{"key":"mycounter","type":"COUNTER",'
     '"value":1}],"tags":{"foo":"bar","mytag":1}}}'),
    (6, W_IDENTITY, None, "json", "/predict", '{"meta":{"puid":"123"},"data":{"ndarray":[1]}}', 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"puid":"123"}}'),
    (7, W_IDENTITY, ENV7, "json", "/predict", '{"meta":{"puid":"123"},"data":{"ndarray":[1]}}', 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"puid":"123","requestPath":{"my-model":"my-image:1"}}}'),
    (8, W_IDENTITY, ENV7, "json", "/predict", '{"meta":{"requestPath":{"earlier":"img:0"}},"strData":"x"}', 200,
     '{"meta":{"requestPath":{"earlier":"img:0","my-model":"my-image:1"}},"strData":"x"}'),
    (9, W_TAGGED, None, "json", "/predict",
     '{"meta":{"metrics":[{"key":"g","type":"GAUGE","value":100}]},"data":{"ndarray":[1]}}', 200,
     '{"data":{"names":[],"ndarray":[1]},"meta":{"metrics":[{"key":"g","type":"GAUGE","value":100},'
     '{"key":"mycounter","type":"COUNTER","value":1}],"tags":{"mytag":1}}}'),
    (10, W_IDENTITY, None, "json", "/predict", '{"strData":"my data"}', 200, '{"meta":{},"strData":"my data"}'),
    (11, W_IDENTITY, None, "json", "/predict", '{"binData":"MTIz"}', 200, '{"binData":"MTIz","meta":{}}'),
    (12, W_NUMPY, None, "json", "/predict", '{"binData":"MTIz"}', 200,
     '{"data":{"names":[],"tensor":{"shape":[3],"values":[1,2,3]}},"meta":{}}'),
    (13, W_IDENTITY, None, "json", "/predict", '{"jsonData":{"b":1,"a":[1,2]}}', 200,
     '{"jsonData":{"a":[1,2],"b":1},"meta":{}}'),
    (14, W_IDENTITY, None, "json", "/predict", '{"strData":"\u00e9"}', 200, '{"meta":{},"strData":"\\u00e9"}'),
    (15, W_IDENTITY, None, "json", "/predict", '{"data":{"ndarray":[[1,"y"]]}}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[["1","y"]]},"meta":{}}'),
    (16, W_IDENTITY, None, "json", "/predict", '{"data":{"ndarray":[[1.5,2e20,1e-7,0.1]]}}', 200,
     '{"data":{"names":["t:0","t:1","t:2","t:3"],"ndarray":[[1.5,2e+20,1e-07,0.1]]},"meta":{}}'),
    (17, W_FLOAT32, None, "json", "/predict", '{"data":{"ndarray":[1]}}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[0.10000000149011612,0.20000000298023224]]},"meta":{}}'),
    (18, W_IDENTITY, None, "plain", "/predict", '{"data":{"ndarray":[1]}}', 400, CANT_FIND),
    (19, W_IDENTITY, None, "get", "/predict", None, 400, CANT_FIND),
    (20, W_IDENTITY, None, "json", "/predict", '{"foo":"bar"}', 400,
     '{"status":{"code":-1,"info":"Invalid request data type: {\'foo\': \'bar\'}",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (21, W_IDENTITY, None, "param", "/predict", '{"data":', 400, CANT_FIND),
    (22, W_IDENTITY, None, "get", "/nonexistent", None, 404, NOT_FOUND),
    (23, W_IDENTITY, None, "get", "/api/v1.0/predictions", None, 405, NOT_ALLOWED),
    (24, W_IDENTITY, None, "post", "/health/ping", None, 405, NOT_ALLOWED),
    (25, W_BAD_METRIC, None, "json", "/predict", '{"data":{"ndarray":[1]}}', 500,
     '{"status":{"code":-1,"info":"Bad metric created during request: [{\\"type\\": \\"BAD\\", '
     '\\"key\\": \\"mycounter\\", \\"value\\": 1}]","reason":"MICROSERVICE_BAD_METRIC","status":1}}'),
    (26, W_RAISE, None, "json", "/predict", '{"strData":"x"}', 403,
     '{"status":{"code":-1,"info":"foo","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (27, W_RAW, None, "json", "/predict", '{"data":{"ndarray":[1]}}', 400,
     '{"data":{"ndarray":[9,9]},"status":{"code":400,"status":"FAILURE"}}'),
    (28, W_TAGGED, None, "param", "/route", '{"data":{"ndarray":[2]}}', 200,
     '{"data":{"names":["t:0"],"ndarray":[[22]]},"meta":{"metrics":[{"key":"mycounter","type":"COUNTER",'
     '"value":1}],"tags":{"mytag":1}}}'),
    (29, W_IDENTITY, None, "param", "/route", '{"data":{"ndarray":[2]}}', 400,
     '{"status":{"code":-1,"info":"Route not defined","reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (30, W_NUMPY_ROUTE, None, "param", "/route", '{"strData":"x"}', 200,
     '{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[1]}},"meta":{}}'),
    (31, W_AGG_TAGGED, None, "json", "/aggregate",
     '{"seldonMessages":[{"meta":{"tags":{"input-1":"yes","common":1}},"data":{"ndarray":[0]}},'
     '{"meta":{"tags":{"input-2":"yes","common":2}},"data":{"ndarray":[1]}}]}', 200,
     '{"data":{"names":[],"ndarray":[0]},"meta":{"tags":{"common":2,"input-1":"yes","input-2":"yes",'
     '"mytag":1}}}'),
    (32, W_COMBO, None, "json", "/aggregate", '[{"strData":"123"},{"strData":"456"}]', 200,
     '{"meta":{},"strData":"123"}'),
    (33, W_COMBO, None, "json", "/aggregate", '{"wrong":[]}', 400,
     '{"status":{"code":-1,"info":"Invalid request data type: {\'wrong\': []}",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (34, W_COMBO, None, "param", "/send-feedback",
     '{"request":{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}},"response":{"meta":{"routing":'
     '{"router":0}},"data":{"ndarray":[[1.0,2.0]]}},"reward":1}', 200, '{"data":{"ndarray":[]},"meta":{}}'),
    (35, W_COMBO, None, "json", "/send-feedback", '{"reward":1,"extra":1}', 400, None),
    (36, W_COMBO, None, "json", "/send-feedback", '{"request":{"data":{"ndarray":[1]}},"reward":1}', 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}'),
    (37, W_NOMETHODS, None, "get", "/health/status", None, 200, '{"meta":{},"strData":"healthy"}'),
    (38, W_COMBO, None, "get", "/health/status", None, 200,
     '{"data":{"names":[],"tensor":{"shape":[1],"values":[0.123]}},"meta":{}}'),
    (39, W_RAW, None, "get", "/health/status", None, 200, '{"data":{"ndarray":[123.456,7.89]}}'),
    (40, W_FLOAT32, None, "get", "/metadata", None, 500,
     '{"status":{"code":-1,"info":"Model metadata unavailable","reason":"MICROSERVICE_BAD_METADATA",'
     '"status":1}}'),
    (41, W_IDENTITY, None, "get", "/health/ping", None, 200, None),
    (42, W_IDENTITY, None, "multipart", "/predict",
     multipart(fields=[("data", '{"names":["a","b"],"ndarray":[[1,2]]}')]), 200,
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'),
    (43, W_IDENTITY, None, "multipart", "/predict",
     multipart(fields=[("meta", '{"puid":"m"}')], files=[("strData", "s.txt", "hi")]), 200,
     '{"meta":{"puid":"m"},"strData":"hi"}'),
    (44, W_NUMPY_ROUTE, None, "json", "/predict", '{"data":{"ndarray":[1]}}', 400,
     '{"status":{"code":-1,"info":"Unknown data type returned as payload (must be list or np array):None",'
     '"reason":"MICROSERVICE_BAD_DATA","status":1}}'),
    (45, W_NOMETHODS, None, "json", "/predict", '{"data":{"ndarray":[[1,2]]}}', 200,
     '{"data":{"names":[],"ndarray":[]},"meta":{}}'),
    (46, W_NOMETHODS, None, "json", "/predict", '{"strData":"x"}', 200,
     '{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}'),
]


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """In program mode one running program per (model, env), shared by the worked examples."""
    running = {}

    def get(source, env):
        key = (source, json.dumps(env, sort_keys=True))
        if key not in running:
            folder = str(tmp_path_factory.mktemp("worked"))
            with open(os.path.join(folder, "MyModel.py"), "w") as f:
                f.write(textwrap.dedent(source))
            running[key] = ProgramService(folder, "MyModel", None, env, 4)
        return running[key]

    yield get
    for service in running.values():
        service.close()


def _send(service, how, path, request):
    if how == "json":
        return service.post(path, request.encode("utf-8"))
    if how == "param":
        return service.get_json(path, request)
    if how == "plain":
        return service.post(path, request, content_type=None)
    if how == "get":
        return service.get(path)
    if how == "post":
        return service.fetch("POST", path, b"", {})
    assert how == "multipart"
    return service.post(path, request, content_type="multipart/form-data; boundary=" + BOUNDARY)


@pytest.mark.parametrize("row", WORKED, ids=["example%02d" % w[0] for w in WORKED])
def test_worked_example(request, row):
    num, source, env, how, path, body, status, answer = row
    if MODE == "program":
        service = request.getfixturevalue("programs")(source, env)
    else:
        service = request.getfixturevalue("serve")(source, env=env)
    r = _send(service, how, path, body)
    if num == 35:
        assert r.status == 400, r
        assert r.json()["status"]["info"].startswith(
            'Invalid JSON: Message type "seldon.protos.Feedback" has no field named "extra" at "Feedback".'), r
    elif num == 41:
        assert (r.status, r.body, r.headers["content-type"]) == (200, b"pong", "text/html; charset=utf-8")
    else:
        assert (r.status, r.body) == (status, answer.encode() + b"\n"), r


# ------------------------------------------------------------------------------------------
# A. parameters, passthrough
# ------------------------------------------------------------------------------------------

ECHO_PARAMS = """
    class MyModel:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def predict(self, X, names):
            return {k: [v, type(v).__name__] for k, v in sorted(self.kwargs.items())}
"""


def test_row_21_every_bool_spelling(serve):
    truthy = ["y", "yes", "t", "true", "on", "1", "YES", "True"]
    falsy = ["n", "no", "f", "false", "off", "0", "NO", "False"]
    entries = [{"name": "t%d" % i, "value": v, "type": "BOOL"} for i, v in enumerate(truthy)]
    entries += [{"name": "f%d" % i, "value": v, "type": "BOOL"} for i, v in enumerate(falsy)]
    r = serve(ECHO_PARAMS, parameters=entries).post("/predict", {"strData": "?"})
    assert r.status == 200, r
    got = r.json()["jsonData"]
    assert all(got["t%d" % i] == [True, "bool"] for i in range(len(truthy))), got
    assert all(got["f%d" % i] == [False, "bool"] for i in range(len(falsy))), got


def test_row_28_passthrough_json_parameter(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, body):
                return {"got": body.decode() if isinstance(body, bytes) else body}
    """, env={"PAYLOAD_PASSTHROUGH": "true"})
    # the `json` query value is handed over as text, and the dict returned is answered
    r = service.get_json("/predict", '{"not": "parsed"}')
    assert r.status == 200, r
    assert json.loads(r.body) == {"got": '{"not": "parsed"}'}


# ------------------------------------------------------------------------------------------
# B. loading and lifecycle
# ------------------------------------------------------------------------------------------

SLOW_LOAD = """
    import time

    class MyModel:
        def __init__(self):
            self.state = "constructed"

        def load(self):
            time.sleep(3)
            self.state = "loaded"

        def predict(self, X, names):
            return self.state
"""


@needs_program
def test_rows_44_213_nothing_answered_before_load(tmp_path):
    (tmp_path / "MyModel.py").write_text(textwrap.dedent(SLOW_LOAD))
    service = ProgramService(str(tmp_path), "MyModel", None, None, 4, wait=False)
    try:
        start = time.monotonic()
        # wait until the port accepts connections, then ask while load() still sleeps
        seen = []
        while time.monotonic() - start < 20:
            try:
                r = _http(service.port, "GET", "/health/ping")
                seen.append((time.monotonic() - start, r.status))
                break
            except OSError:
                time.sleep(0.05)
        assert seen, service.output()
        # the first ping was answered (with success) only after load() returned
        assert seen[0][0] >= 2.5 or seen[0][1] != 200, (seen, service.output())
        r = service.post("/predict", {"strData": "x"})
        assert (r.status, r.json()["strData"]) == (200, "loaded")
    finally:
        service.close()


@needs_program
def test_rows_44_213_request_during_load_waits(tmp_path):
    (tmp_path / "MyModel.py").write_text(textwrap.dedent(SLOW_LOAD))
    service = ProgramService(str(tmp_path), "MyModel", None, None, 4, wait=False)
    try:
        start = time.monotonic()
        while True:
            try:
                r = service.post("/predict", {"strData": "x"})
                break
            except OSError:
                assert time.monotonic() - start < 20, service.output()
                time.sleep(0.05)
        # answered by the loaded component, never by the constructed-only one
        assert (r.status, r.json()["strData"]) == (200, "loaded"), r
    finally:
        service.close()


@needs_program
def test_row_43_load_failure_with_grpc_enabled(tmp_path):
    (tmp_path / "MyModel.py").write_text(textwrap.dedent("""
        class MyModel:
            def load(self):
                raise FileNotFoundError("no model file")
    """))
    service = ProgramService(str(tmp_path), "MyModel", None, None, 1,
                             args=["--grpc-workers", "1", "--grpc-port", str(_free_port())], wait=False)
    try:
        start = time.monotonic()
        status = service.proc.wait(20)
        assert status == 3, service.output()
        assert time.monotonic() - start < 15
        assert "no model file" in service.output()
    finally:
        service.close()


# ------------------------------------------------------------------------------------------
# E. what the component receives
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ({"strData": "s", "binData": "MTIz", "jsonData": {"j": 1}, "data": {"ndarray": [1]}},
     {"type": "ndarray", "value": [1], "dtype": "int64", "names": []}),
    ({"strData": "s", "binData": "MTIz", "jsonData": {"j": 1}},
     {"type": "dict", "value": {"j": 1}, "dtype": None, "names": []}),
    ({"binData": "MTIz", "strData": "s"}, {"type": "str", "value": "s", "dtype": None, "names": []}),
    ({"binData": "MTIz", "other": 1, "status": {"code": 1}},
     {"type": "bytes", "value": "123", "dtype": None, "names": []}),
], ids=["data-first", "jsonData-second", "strData-third", "binData-last"])
def test_row_79_payload_precedence(serve, body, expected):
    r = serve(SPY).post("/predict", body)
    assert (r.status, r.json()["jsonData"]) == (200, expected), r


@pytest.mark.parametrize("body, info", [
    ({"foo": "bar"}, "Invalid request data type: {'foo': 'bar'}"),
    ([1, 2], "Invalid request data type: [1, 2]"),
    ({"meta": {}}, "Invalid request data type: {'meta': {}}"),
    ({"customData": {"a": 1}}, "Invalid request data type: {'customData': {'a': 1}}"),   # row 90
], ids=["no-payload", "array", "meta-only", "customData"])
def test_rows_80_90_no_payload(serve, body, info):
    r = serve(IDENTITY).post("/predict", body)
    assert (r.status, r.body) == (400, seldon_error(info))


def test_row_81_data_subkey_precedence(serve):
    service = serve(SPY)
    r = service.post("/predict", {"data": {"ndarray": [9], "tensor": {"shape": [1], "values": [1.5]}}})
    assert r.json()["jsonData"]["value"] == [1.5], r
    r = service.post("/predict", {"data": {"tftensor": {}, "ndarray": [[7]]}})
    assert r.json()["jsonData"]["value"] == [[7]], r
    r = service.post("/predict", {"data": {"names": ["a"]}})
    assert r.json()["jsonData"] == {"type": "ndarray", "value": [], "dtype": "float64", "names": ["a"]}, r


@pytest.mark.parametrize("tensor, info", [
    ({"values": [1, 2]}, "'shape'"),
    ({"shape": [2]}, "'values'"),
    ({"shape": [3], "values": [1, 2]}, "cannot reshape array of size 2 into shape (3,)"),
], ids=["no-shape", "no-values", "size-mismatch"])
def test_rows_82_214_tensor_errors(serve, tensor, info):
    r = serve(IDENTITY).post("/predict", {"data": {"tensor": tensor}})
    assert (r.status, r.body) == (500, seldon_error(info, INTERNAL))


@pytest.mark.parametrize("tensor, answer", [
    ({"shape": [-1], "values": [1, 2]}, {"names": [], "tensor": {"shape": [2], "values": [1, 2]}}),
    ({"shape": [2, -1], "values": [1, 2, 3, 4]},
     {"names": ["t:0", "t:1"], "tensor": {"shape": [2, 2], "values": [1, 2, 3, 4]}}),
    ({"shape": [2], "values": ["a", "b"]}, {"names": [], "ndarray": ["a", "b"]}),
    ({"shape": [2], "values": ["a", True]}, {"names": [], "ndarray": ["a", "True"]}),
], ids=["minus-one", "minus-one-2d", "strings", "string-and-bool"])
def test_row_214_tensor_reshape_semantics(serve, tensor, answer):
    r = serve(IDENTITY).post("/predict", {"data": {"tensor": tensor}})
    assert (r.status, r.body) == (200, dumps({"data": answer, "meta": {}}))


def test_row_84_ragged_ndarray(serve):
    r = serve(IDENTITY).post("/predict", {"data": {"ndarray": [[1], [2, 3]]}})
    assert r.status == 500, r
    status = r.json()["status"]
    assert status["reason"] == INTERNAL
    assert status["info"].startswith("setting an array element with a sequence."), status


def test_row_85_invalid_base64(serve):
    r = serve(IDENTITY).post("/predict", {"binData": "not*base64!"})
    assert r.status == 500, r
    assert r.json()["status"]["reason"] == INTERNAL


@pytest.mark.parametrize("meta", [None, "s", 5, [1], True], ids=["null", "string", "number", "list", "bool"])
def test_rows_89_217_meta_not_an_object(serve, meta):
    r = serve(IDENTITY).post("/predict", {"strData": "x", "meta": meta})
    assert r.status == 500, r
    assert r.json()["status"]["reason"] == INTERNAL


@pytest.mark.parametrize("tftensor", [{}, {"dtype": "DT_INVALID"}], ids=["empty", "invalid-dtype"])
def test_row_91_invalid_tftensor(serve, tftensor):
    r = serve(IDENTITY).post("/predict", {"data": {"tftensor": tftensor}})
    assert r.status == 500, r
    assert r.json()["status"]["reason"] == INTERNAL


def test_rows_91_93_valid_tftensor(serve):
    # support is optional (row 91); when supported, a numeric result answers as tftensor (row 93)
    r = serve(IDENTITY).post("/predict", {"data": {"tftensor": {
        "dtype": "DT_DOUBLE", "tensorShape": {"dim": [{"size": "2"}]}, "doubleVal": [1.5, 2.5]}}})
    if r.status != 200:
        assert (r.status, r.json()["status"]["reason"]) == (500, INTERNAL), r
        return
    tf = r.json()["data"]["tftensor"]
    assert tf["dtype"] == "DT_DOUBLE", r
    assert [int(d["size"]) for d in tf["tensorShape"]["dim"]] == [2], r


# ------------------------------------------------------------------------------------------
# F. results
# ------------------------------------------------------------------------------------------


def test_row_94_non_numeric_without_data(serve):
    service = serve("""
        import numpy as np

        class MyModel:
            def predict(self, X, names):
                return np.array([["a", "b"]])
    """)
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps({"data": {"names": ["t:0", "t:1"], "ndarray": [["a", "b"]]},
                                              "meta": {}}))


# ------------------------------------------------------------------------------------------
# G. meta merging
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("puid, meta", [(123, {"puid": 123}), ("", {}), (None, {}), (0, {})],
                         ids=["number", "empty", "null", "zero"])
def test_row_107_puid(serve, puid, meta):
    r = serve(IDENTITY).post("/predict", {"strData": "x", "meta": {"puid": puid}})
    assert (r.status, r.body) == (200, dumps({"meta": meta, "strData": "x"}))


def test_row_108_default_image(serve):
    service = serve(IDENTITY, env={"PREDICTIVE_UNIT_ID": "unit"})
    r = service.post("/predict", {"strData": "x", "meta": {"requestPath": {"unit": "mine:2", "b": "c"}}})
    # request entries win on equal keys
    assert r.body == dumps({"meta": {"requestPath": {"b": "c", "unit": "mine:2"}}, "strData": "x"})
    r = service.post("/predict", {"strData": "x"})
    assert r.body == dumps({"meta": {"requestPath": {"unit": "NOT_IMPLEMENTED:NOT_IMPLEMENTED"}}, "strData": "x"})


def test_row_109_routing_and_unknown_keys_dropped(serve):
    r = serve(IDENTITY).post("/predict", {"strData": "x", "meta": {"puid": "p", "routing": {"r": 1},
                                                                   "unknown": 5, "tags": {}}})
    assert r.body == dumps({"meta": {"puid": "p"}, "strData": "x"})


def test_row_110_route_ignores_request_meta(serve):
    service = serve("""
        class MyModel:
            def route(self, X, names):
                return 0
    """)
    r = service.post("/route", {"strData": "x", "meta": {
        "puid": "rp", "tags": {"a": 1}, "requestPath": {"x": "y"},
        "metrics": [{"key": "m", "type": "COUNTER", "value": 1}]}})
    assert (r.status, r.body) == (200, dumps({"data": {"names": ["t:0"], "tensor": {"shape": [1, 1], "values": [0]}},
                                              "meta": {"puid": "rp"}}))


def test_row_111_aggregate_meta(serve):
    service = serve("""
        class MyModel:
            def aggregate(self, Xs, names_list):
                return Xs[1]

            def tags(self):
                return {"static": 1}

            def metrics(self):
                return [{"type": "COUNTER", "key": "agg", "value": 1}]
    """, env={"PREDICTIVE_UNIT_ID": "agg", "PREDICTIVE_UNIT_IMAGE": "img:1"})
    m1 = {"key": "m1", "type": "GAUGE", "value": 1}
    m2 = {"key": "m2", "type": "GAUGE", "value": 2}
    r = service.post("/aggregate", {"meta": {"puid": "ignored-top-level"}, "seldonMessages": [
        {"meta": {"puid": "first", "requestPath": {"a": "1"}, "metrics": [m1], "tags": {"t": 1}}, "strData": "x"},
        {"meta": {"puid": "second", "requestPath": {"b": "2"}, "metrics": [m2], "tags": {"t": 2}},
         "strData": "y"}]})
    assert (r.status, r.body) == (200, dumps({"meta": {
        "metrics": [m1, m2, {"key": "agg", "type": "COUNTER", "value": 1}], "puid": "first",
        "requestPath": {"a": "1", "agg": "img:1", "b": "2"}, "tags": {"static": 1, "t": 2}},
        "strData": "y"}))


# ------------------------------------------------------------------------------------------
# J. feedback
# ------------------------------------------------------------------------------------------


@needs_program
def test_row_131_reward_recorded_before_dispatch(serve):
    service = serve("""
        class MyModel:
            def send_feedback(self, features, names, reward, truth, routing=None):
                raise ValueError("feedback failed")
    """)
    assert service.post("/send-feedback", {"reward": 0.5}).status == 500
    assert service.post("/send-feedback", {"reward": 0}).status == 500
    text = scrape(service)
    total = series(text, "seldon_api_model_feedback_total")
    reward = series(text, "seldon_api_model_feedback_reward_total")
    assert len(total) == 1 and total[0].endswith(" 1.0"), text
    assert len(reward) == 1 and reward[0].endswith(" 0.5"), text
    assert 'method="feedback"' in total[0]


@needs_program
def test_rows_19_131_no_reward_metrics_without_executor(serve):
    service = serve("class MyModel:\n    pass\n", env={"SELDON_EXECUTOR_ENABLED": "FALSE"})
    assert service.post("/send-feedback", {"reward": 0.5}).status == 200
    assert "seldon_api_model_feedback" not in scrape(service)


FEEDBACK_SPY = """
    class MyModel:
        calls = []

        def send_feedback(self, features, feature_names, reward, truth, routing=None):
            MyModel.calls.append({"features": features.tolist(), "shape": list(features.shape),
                                  "dtype": str(features.dtype), "names": list(feature_names),
                                  "truth": truth.tolist(), "truth_shape": list(truth.shape),
                                  "routing": routing})
            return None

        def predict(self, X, names):
            return {"calls": MyModel.calls}

        def tags(self):
            return {"static": "s"}
"""


def test_rows_136_219_feedback_meta_and_absent_parts(serve):
    service = serve(FEEDBACK_SPY, env={"PREDICTIVE_UNIT_ID": "unit", "PREDICTIVE_UNIT_IMAGE": "img:3"})
    r = service.post("/send-feedback", {
        "request": {"meta": {"puid": "fp", "tags": {"req": "t"}}, "strData": "not data"},
        "response": {"meta": {"routing": {"other": 4}}},
        "truth": {"binData": "MTIz"}, "reward": 1})
    # row 136: puid of request.meta, static tags only (not the request's), requestPath
    assert (r.status, r.body) == (200, dumps({"data": {"tensor": {"shape": [0]}},
                                              "meta": {"puid": "fp", "requestPath": {"unit": "img:3"},
                                                       "tags": {"static": "s"}}}))
    # row 219: parts that are not `data` give empty float arrays; other units' routing ignored
    calls = service.post("/predict", {"strData": "?"}).json()["jsonData"]["calls"]
    assert calls == [{"features": [], "shape": [0], "dtype": "float64", "names": [], "truth": [],
                      "truth_shape": [0], "routing": None}]


def test_row_220_raw_answer_without_meta(serve):
    service = serve("""
        class MyModel:
            def send_feedback_raw(self, feedback):
                answer = type(feedback.request)()
                answer.strData = "plain"
                return answer
    """)
    r = service.post("/send-feedback", {"request": {"strData": "x"}, "reward": 1})
    assert (r.status, r.body) == (200, b'{"strData":"plain"}\n')


# ------------------------------------------------------------------------------------------
# K. health and metadata
# ------------------------------------------------------------------------------------------


@needs_program
def test_row_141_health_metrics_label(serve):
    service = serve("""
        class MyModel:
            def health_status(self):
                return [1, 2]

            def metrics(self):
                return [{"type": "COUNTER", "key": "hcalls", "value": 1}]
    """)
    r = service.get("/health/status")
    assert (r.status, r.body) == (200, dumps({
        "data": {"names": [], "tensor": {"shape": [2], "values": [1, 2]}},
        "meta": {"metrics": [{"key": "hcalls", "type": "COUNTER", "value": 1}]}}))
    lines = series(scrape(service), "hcalls_total")
    assert len(lines) == 1 and 'method="health"' in lines[0] and lines[0].endswith(" 1.0"), lines


def test_row_144_yaml_model_metadata(serve):
    service = serve("""
        class MyModel:
            def init_metadata(self):
                return {"name": "from-code", "platform": "code", "custom": {"a": "1"}}
    """, env={"MODEL_METADATA": "name: from-yaml\nversions:\n  - v2\n"})
    r = service.get("/metadata")
    assert (r.status, r.body) == (200, dumps({"custom": {"a": "1"}, "inputs": [], "name": "from-yaml",
                                              "outputs": [], "platform": "code", "versions": ["v2"]}))


@needs_program
def test_row_146_non_dict_init_metadata_logged(serve):
    service = serve("""
        class MyModel:
            def init_metadata(self):
                return ["not", "a", "dict"]
    """)
    assert service.get("/metadata").status == 200
    assert re.search(r" - ERROR:  (\[worker 0\] )?init_metadata must return dict$", service.output(),
                     re.MULTILINE), service.output()


# ------------------------------------------------------------------------------------------
# L. router, combiner
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"wrong": []}, {"seldonMessages": {"a": 1}}, '"text"', "5"],
                         ids=["object", "not-a-list", "string", "number"])
def test_row_153_aggregate_bad_shapes(serve, body):
    r = serve(W_COMBO).post("/aggregate", body)
    assert r.status == 400, r
    assert r.json()["status"]["info"].startswith("Invalid request data type: "), r


def test_row_154_aggregate_typed_after_first_child(serve):
    service = serve("""
        import numpy as np

        class MyModel:
            def aggregate(self, Xs, names_list):
                return np.array([[1, 2]])
    """)
    r = service.post("/aggregate", [{"data": {"tensor": {"shape": [1], "values": [0]}}}, {"data": {"ndarray": [0]}}])
    assert r.body == dumps({"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [1, 2]}},
                            "meta": {}})
    r = service.post("/aggregate", [{"data": {"ndarray": [0]}}, {"data": {"tensor": {"shape": [1], "values": [0]}}}])
    assert r.body == dumps({"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]}, "meta": {}})


# ------------------------------------------------------------------------------------------
# M. dispatch
# ------------------------------------------------------------------------------------------


def test_row_158_raw_before_high_level(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, msg):
                return {"strData": "raw"}

            def predict(self, X, names):
                return "high level"

            def transform_input_raw(self, msg):
                return {"strData": "raw ti"}

            def transform_input(self, X, names):
                return "high level"
    """)
    # raw answers are sent as returned (no meta added)
    assert service.post("/predict", {"strData": "x"}).body == dumps({"strData": "raw"})
    assert service.post("/transform-input", {"strData": "x"}).body == dumps({"strData": "raw ti"})


@needs_program
def test_row_160_deprecated_bypass_tags_and_metrics(serve):
    service = serve("""
        class MyModel:
            def predict_rest(self, msg):
                return {"strData": "deprecated", "meta": {"metrics": [
                    {"type": "COUNTER", "key": "inside", "value": 1}]}}

            def tags(self):
                return {"never": "used"}

            def metrics(self):
                return [{"type": "COUNTER", "key": "static_never", "value": 1}]
    """)
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps({"meta": {"metrics": [
        {"key": "inside", "type": "COUNTER", "value": 1}]}, "strData": "deprecated"}))
    text = scrape(service)
    # neither metrics() nor the metrics inside the deprecated method's answer are recorded
    assert "static_never" not in text, text
    assert not series(text, "inside_total"), series(text, "inside_total")


@needs_program
def test_row_165_raw_metrics_recorded(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, msg):
                return {"strData": "r", "meta": {"metrics": [{"type": "COUNTER", "key": "rawc", "value": 2}]}}

            def metrics(self):
                raise AssertionError("metrics() is not called for raw methods")
    """, env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"})
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps({"meta": {}, "strData": "r"}))
    lines = series(scrape(service), "rawc_total")
    assert len(lines) == 1 and lines[0].endswith(" 2.0") and 'method="predict"' in lines[0], lines


def test_row_168_tags_and_metrics_calls(serve):
    service = serve("""
        class MyModel:
            counts = {"tags": 0, "metrics": 0}

            def predict(self, X, names):
                return dict(MyModel.counts)

            def tags(self):
                MyModel.counts["tags"] += 1
                return {}

            def metrics(self):
                MyModel.counts["metrics"] += 1
                return []
    """, threads=1)
    for _ in range(3):
        assert service.post("/predict", {"strData": "x"}).status == 200
    r = service.post("/predict", {"strData": "x"})
    # three complete requests before this one's predict()
    assert r.json()["jsonData"] == {"tags": 3, "metrics": 3}, r


# ------------------------------------------------------------------------------------------
# N. custom metrics with a Python component (rows 171, 172, 174)
# ------------------------------------------------------------------------------------------


@needs_program
def test_rows_171_172_174_metrics_labels_and_request_metrics(serve):
    service = serve("""
        class SeldonResponse:
            def __init__(self, data, tags=None, metrics=None):
                self.data, self.tags, self.metrics = data, tags or {}, metrics or []

        class MyModel:
            def predict(self, X, names):
                return SeldonResponse(X, metrics=[{"type": "COUNTER", "key": "runtime", "value": 1}])

            def transform_input(self, X, names):
                return X

            def transform_output(self, X, names):
                return X

            def route(self, X, names):
                return 0

            def aggregate(self, Xs, names_list):
                return Xs[0]

            def send_feedback(self, features, names, reward, truth, routing=None):
                return None

            def health_status(self):
                return "ok"

            def metrics(self):
                return [{"type": "COUNTER", "key": "calls", "value": 1}]
    """)
    request_metric = {"key": "from_client", "type": "COUNTER", "value": 1}
    for path, body in [("/predict", {"strData": "x", "meta": {"metrics": [request_metric]}}),
                       ("/transform-input", {"strData": "x"}), ("/transform-output", {"strData": "x"}),
                       ("/route", {"strData": "x"}), ("/aggregate", [{"strData": "x"}]),
                       ("/send-feedback", {"reward": 0})]:
        assert service.post(path, body).status == 200, path
    assert service.get("/health/status").status == 200
    text = scrape(service)
    methods = sorted(ln.split('method="')[1].split('"')[0] for ln in series(text, "calls_total"))
    assert methods == sorted(["predict", "inputtransform", "outputtransform", "router", "aggregate",
                              "feedback", "health"]), text
    runtime = series(text, "runtime_total")
    assert len(runtime) == 1 and 'method="predict"' in runtime[0], text
    assert "from_client" not in text


# ------------------------------------------------------------------------------------------
# Q. logging (row 211)
# ------------------------------------------------------------------------------------------


@needs_program
def test_row_211_errors_logged_at_error(serve):
    service = serve("""
        class MyModel:
            def predict(self, X, names):
                if X == "boom":
                    raise ValueError("marker-boom-5150")
                return X
    """)
    r = service.post("/predict", {"strData": "boom"})
    assert r.status == 500
    r = service.post("/predict", {"marker-bad-7301": 1})
    assert r.status == 400
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "marker-bad-7301" not in service.output():
        time.sleep(0.05)
    lines = service.output().splitlines()
    for answer in (seldon_error("marker-boom-5150", INTERNAL),
                   seldon_error("Invalid request data type: {'marker-bad-7301': 1}")):
        text = answer.decode().strip()
        error_object = json.loads(text)
        found = [ln for ln in lines if " - ERROR:  " in ln and
                 ("marker-boom-5150" in ln or "marker-bad-7301" in ln) and
                 (text in ln or json.dumps(error_object) in ln or
                  str(error_object) in ln)]
        assert found, (text, service.output())


def test_row_160_deprecated_answer_sent_as_is(serve):
    # component-contract.md §2: no metrics processing, so INCLUDE_METRICS_IN_CLIENT_RESPONSE=false
    # does not strip the metrics of a deprecated method's answer (it does for raw methods)
    service = serve("""
        class MyModel:
            def transform_input_rest(self, msg):
                return {"strData": "deprecated", "meta": {"metrics": [
                    {"type": "COUNTER", "key": "inside", "value": 1}]}}
    """, env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"})
    r = service.post("/transform-input", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps({"meta": {"metrics": [
        {"key": "inside", "type": "COUNTER", "value": 1}]}, "strData": "deprecated"}))


@needs_program
def test_row_40_constructed_in_each_worker_process(serve):
    # decisions.md D2 (deliberate difference): Python workers are spawned, not forked, so the
    # component is constructed in every worker process, before its load(); construction errors
    # still stop the start (test_loading.py::test_loading_failures)
    service = serve("""
        import os

        class MyModel:
            def __init__(self):
                self.constructed_in = os.getpid()
                self.loaded_after_construction = None

            def load(self):
                self.loaded_after_construction = self.constructed_in == os.getpid()

            def predict(self, X, names):
                import time
                time.sleep(0.05)
                return {"pid": os.getpid(), "constructed_in": self.constructed_in,
                        "loaded": self.loaded_after_construction}
    """, args=["--workers", "2"])
    answers = [r.json()["jsonData"] for r in service.fetch_many(
        [("POST", "/predict", b'{"strData":"x"}', {"Content-Type": "application/json"})] * 16)]
    assert len({a["pid"] for a in answers}) == 2, answers
    assert all(a["constructed_in"] == a["pid"] and a["loaded"] is True for a in answers), answers


def test_row_118_status_mirrored_only_on_predict(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, msg):
                return {"status": {"code": 418, "status": "FAILURE"}, "strData": "p"}

            def transform_input_raw(self, msg):
                return {"status": {"code": 418, "status": "FAILURE"}, "strData": "t"}
    """)
    r = service.post("/api/v1.0/predictions", {"strData": "x"})
    assert (r.status, r.body) == (418, dumps({"status": {"code": 418, "status": "FAILURE"}, "strData": "p"}))
    r = service.post("/transform-input", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps({"status": {"code": 418, "status": "FAILURE"}, "strData": "t"}))


@pytest.mark.parametrize("value", ["just text", "5", "[1, 2]"], ids=["string", "scalar", "list"])
def test_row_148_non_mapping_model_metadata_ignored(serve, value):
    # an F row: logged and ignored (README "Differences from the Python wrapper")
    service = serve("""
        class MyModel:
            def init_metadata(self):
                return {"name": "from-code"}
    """, env={"MODEL_METADATA": value})
    r = service.get("/metadata")
    assert (r.status, r.json()["name"]) == (200, "from-code"), r


def test_row_95_complex_is_numeric(serve):
    # complex arrays are numeric: answered as a tensor, whose values JSON cannot encode
    r = serve("""
        import numpy as np

        class MyModel:
            def predict(self, X, names):
                return np.array([1 + 2j, 3])
    """).post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (500, seldon_error("Object of type complex is not JSON serializable", INTERNAL))
