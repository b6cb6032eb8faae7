# SPDX-License-Identifier: LGPL-2.1-or-later
"""More rows of parity-checklist.md with Python components (sections B, E, G, K, L, N)."""

import os
import time

import pytest

from conftest import MODE, _http, dumps, seldon_error

IDENTITY = """
    class MyModel:
        def predict(self, X, names, meta=None):
            return X
"""


@pytest.mark.parametrize("body, status, answer", [
    # row 216: a payload key counts whatever its value, handed over as is
    ({"strData": 5}, 400, seldon_error("Unknown data type returned as payload (must be list or np array):5")),
    ({"jsonData": None}, 400, seldon_error("Unknown data type returned as payload (must be list or np array):None")),
    ({"jsonData": "text"}, 200, dumps({"meta": {}, "strData": "text"})),
    ({"jsonData": [1, "a"]}, 200, dumps({"data": {"names": [], "ndarray": [1, "a"]}, "meta": {}})),
], ids=["strData-number", "jsonData-null", "jsonData-string", "jsonData-list"])
def test_row_216_payload_values(serve, body, status, answer):
    r = serve(IDENTITY).post("/predict", body)
    assert (r.status, r.body) == (status, answer)


def test_rows_7_8_request_path(serve):
    service = serve(IDENTITY, env={"PREDICTIVE_UNIT_ID": "my-model", "PREDICTIVE_UNIT_IMAGE": "my-image:1"})
    r = service.post("/predict", {"meta": {"puid": "123"}, "data": {"ndarray": [1]}})
    assert r.body == b'{"data":{"names":[],"ndarray":[1]},"meta":{"puid":"123","requestPath":{"my-model":"my-image:1"}}}\n'
    r = service.post("/predict", {"meta": {"requestPath": {"earlier": "img:0"}}, "strData": "x"})
    assert r.body == b'{"meta":{"requestPath":{"earlier":"img:0","my-model":"my-image:1"}},"strData":"x"}\n'


def test_row_149_never_called(serve):
    service = serve("""
        class MyModel:
            def metadata(self):
                raise AssertionError("metadata() is never called")

            def feature_names(self):
                raise AssertionError("feature_names() is never called")

            def predict(self, X, names):
                return X
    """)
    assert service.get("/metadata").status == 200
    r = service.post("/predict", {"data": {"names": ["a"], "ndarray": [[1]]}})
    assert r.body == dumps({"data": {"names": ["t:0"], "ndarray": [[1]]}, "meta": {}})


def test_row_155_empty_aggregate(serve):
    service = serve("""
        class MyModel:
            def aggregate(self, Xs, names_list):
                assert Xs == [] and names_list == []
                return []
    """)
    r = service.post("/aggregate", [])
    assert (r.status, r.body) == (500, seldon_error("list index out of range", "MICROSERVICE_INTERNAL_ERROR"))


def test_row_170_boolean_metric_values(serve):
    service = serve("""
        class MyModel:
            def predict(self, X, names):
                return X

            def metrics(self):
                return [{"type": "COUNTER", "key": "flag", "value": True},
                        {"type": "GAUGE", "key": "level", "value": 0.25, "tags": {"unit": "m"}}]
    """)
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (200, dumps(
        {"meta": {"metrics": [{"key": "flag", "type": "COUNTER", "value": True},
                              {"key": "level", "tags": {"unit": "m"}, "type": "GAUGE", "value": 0.25}]},
         "strData": "x"}))


@pytest.mark.skipif(MODE != "program", reason="needs the metrics port of the real program")
def test_row_175_metrics_recorded_before_a_failing_answer(serve):
    service = serve("""
        class MyModel:
            def predict(self, X, names):
                return None

            def metrics(self):
                return [{"type": "COUNTER", "key": "pycalls", "value": 1}]
    """)
    assert service.post("/predict", {"strData": "x"}).status == 400
    assert service.post("/predict", {"strData": "x"}).status == 400
    text = _http(service.metrics_port, "GET", "/metrics").body.decode()
    line = [l for l in text.splitlines() if l.startswith("pycalls_total{")]
    assert line and line[0].endswith(" 2.0"), text


@pytest.mark.skipif(MODE != "program", reason="needs worker processes")
def test_row_46_custom_service(serve, tmp_path):
    marker = tmp_path / "custom-service-ran"
    serve("""
        import os

        class MyModel:
            def custom_service(self):
                with open(%r, "w") as f:
                    f.write(str(os.getpid()))
    """ % str(marker))
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    assert int(marker.read_text() or 0) != os.getpid()


def test_row_35_feedback_unknown_field(serve):
    service = serve("""
        class MyModel:
            def send_feedback(self, features, names, reward, truth, routing=None):
                raise AssertionError("never called")
    """)
    r = service.post("/send-feedback", {"reward": 1, "extra": 1})
    assert r.status == 400
    assert r.json()["status"]["info"].startswith(
        'Invalid JSON: Message type "seldon.protos.Feedback" has no field named "extra" at "Feedback".')
