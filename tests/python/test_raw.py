# SPDX-License-Identifier: LGPL-2.1-or-later
"""Raw and deprecated methods (component-contract.md §2, §4, §7.4; rest-api.md §3.4, §9)."""

import pytest

from conftest import dumps, seldon_error

RAW = """
    class MyModel:
        def predict_raw(self, msg):
            if isinstance(msg, dict) and msg.get("fail"):
                return {"data": {"ndarray": [9, 9]}, "status": {"code": 400, "status": "FAILURE"}}
            return {"got": msg, "meta": {"metrics": [{"type": "COUNTER", "key": "raw", "value": 1}]}}

        def transform_input_raw(self, msg):
            return [msg, "ti"]

        def transform_output_raw(self, msg):
            return {"to": msg}

        def route_raw(self, msg):
            return {"data": {"ndarray": [[7]]}}

        def aggregate_raw(self, msgs):
            return {"count": len(msgs["seldonMessages"]) if isinstance(msgs, dict) else len(msgs)}

        def tags(self):
            raise AssertionError("tags() is not called for raw methods")
"""


def test_predict_raw_gets_the_request_as_is(serve):
    # rows 221: before any payload validation, objects without payload and arrays too
    service = serve(RAW)
    for body in ({"x": 1}, {"meta": {}}, [1, 2], {"data": {"ndarray": [1.5]}}):
        r = service.post("/predict", body)
        assert (r.status, r.body) == (200, dumps(
            {"got": body, "meta": {"metrics": [{"key": "raw", "type": "COUNTER", "value": 1}]}}))


def test_row_27_status_code_mirrored(serve):
    r = serve(RAW).post("/predict", {"fail": True})
    assert (r.status, r.body) == (400, b'{"data":{"ndarray":[9,9]},"status":{"code":400,"status":"FAILURE"}}\n')


def test_other_raw_methods(serve):
    service = serve(RAW)
    assert service.post("/transform-input", {"a": 1}).body == dumps([{"a": 1}, "ti"])
    assert service.post("/transform-output", {"strData": "s"}).body == dumps({"to": {"strData": "s"}})
    assert service.post("/route", {"strData": "s"}).body == dumps({"data": {"ndarray": [[7]]}})
    assert service.post("/aggregate", [{}, {}, {}]).body == dumps({"count": 3})
    assert service.post("/aggregate", {"seldonMessages": [{}]}).body == dumps({"count": 1})


def test_raw_metrics_not_included(serve):
    service = serve(RAW, env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"})
    r = service.post("/predict", {"x": 1})
    assert r.body == dumps({"got": {"x": 1}, "meta": {}})


def test_raw_returning_non_json(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, msg):
                return object()
    """)
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (500, seldon_error("Object of type object is not JSON serializable",
                                                    "MICROSERVICE_INTERNAL_ERROR"))


@pytest.mark.parametrize("method, path, warning", [
    ("predict_rest", "/predict", "predict_rest is deprecated. Please use predict_raw"),
    ("transform_input_rest", "/transform-input", "transform_input_rest is deprecated. Please use transform_input_raw"),
    ("transform_input_grpc", "/transform-input", "transform_input_grpc is deprecated. Please use transform_input_raw"),
    # quirk: the transform-output warnings name transform_input_*
    ("transform_output_rest", "/transform-output", "transform_input_rest is deprecated. Please use transform_input_raw"),
    ("route_grpc", "/route", "route_grpc is deprecated. Please use route_raw"),
    ("aggregate_rest", "/aggregate", "aggregate_rest is deprecated. Please use aggregate_raw"),
])
def test_deprecated_methods(serve, caplog, method, path, warning):
    service = serve("""
        class MyModel:
            def %s(self, msg):
                return {"deprecated": msg}

            def predict_raw(self, msg):
                return "the raw method loses"

            def transform_input_raw(self, msg):
                return "the raw method loses"
    """ % method)
    body = [{"strData": "x"}] if path == "/aggregate" else {"strData": "x"}
    r = service.post(path, body)
    assert (r.status, r.body) == (200, dumps({"deprecated": body}))
    log = caplog.text + service.output()
    assert warning in log


def test_predict_grpc_not_used_on_rest(serve):
    service = serve("""
        class MyModel:
            def predict_grpc(self, msg):
                return {"wrong": True}

            def predict(self, X, names):
                return "high level"
    """)
    assert service.post("/predict", {"strData": "x"}).body == dumps({"meta": {}, "strData": "high level"})


def test_health_status_raw_not_implemented(serve):
    service = serve("""
        class SeldonMicroserviceException(Exception):
            def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
                Exception.__init__(self)
                self.message, self.status_code, self.reason = message, status_code, reason

        class SeldonNotImplementedError(SeldonMicroserviceException):
            pass

        class MyModel:
            def health_status_raw(self):
                raise SeldonNotImplementedError("health_raw is not implemented")

            def health_status(self):
                return {"fine": True}
    """)
    r = service.get("/health/status")
    assert (r.status, r.body) == (200, dumps({"jsonData": {"fine": True}, "meta": {}}))


# ------------------------------------------------------------------------------------------
# feedback: protobuf objects on REST too (rows 137, 138, 220, 223)
# ------------------------------------------------------------------------------------------


def test_send_feedback_raw_protobuf(serve):
    service = serve("""
        class MyModel:
            def send_feedback_raw(self, feedback):
                assert type(feedback).DESCRIPTOR.full_name == "seldon.protos.Feedback"
                from google.protobuf import json_format
                answer = type(feedback.request)()
                json_format.ParseDict({"jsonData": {"has_request": feedback.HasField("request"),
                                                    "reward": feedback.reward,
                                                    "names": list(feedback.request.data.names)},
                                       "meta": {"metrics": [{"key": "fb", "value": 2}]}}, answer)
                return answer
    """)
    r = service.post("/send-feedback", {"request": {"data": {"names": ["a"], "ndarray": [[1]]}}, "reward": 1})
    assert (r.status, r.body) == (200, dumps(
        {"jsonData": {"has_request": True, "names": ["a"], "reward": 1.0},
         "meta": {"metrics": [{"key": "fb", "value": 2.0}]}}))


def test_send_feedback_raw_dict_fails(serve):
    service = serve("""
        class MyModel:
            def send_feedback_raw(self, feedback):
                return {"strData": "a dict"}
    """)
    r = service.post("/send-feedback", {"reward": 1})
    assert (r.status, r.body) == (500, seldon_error("'dict' object has no attribute 'meta'",
                                                    "MICROSERVICE_INTERNAL_ERROR"))


def test_send_feedback_rest_gets_json_text(serve):
    service = serve("""
        import json

        class MyModel:
            def send_feedback_rest(self, text):
                assert isinstance(text, str) and text.startswith('{\\n  "request"')
                return {"jsonData": json.loads(text)}
    """)
    r = service.post("/send-feedback", {"request": {"strData": "s"}, "reward": 0.5})
    assert (r.status, r.body) == (200, dumps({"jsonData": {"request": {"strData": "s"}, "reward": 0.5}}))


def test_send_feedback_grpc_none(serve):
    service = serve("""
        class MyModel:
            def send_feedback_grpc(self, feedback):
                return None
    """)
    r = service.post("/send-feedback", {"reward": 1})
    assert (r.status, r.body) == (200, b'{}\n')


# ------------------------------------------------------------------------------------------
# PAYLOAD_PASSTHROUGH (rest-api.md §3.4)
# ------------------------------------------------------------------------------------------


def test_passthrough(serve):
    service = serve("""
        class MyModel:
            def predict_raw(self, body):
                if body == b"json please":
                    return {"was": body.decode()}
                return b"echo:" + body
    """, env={"PAYLOAD_PASSTHROUGH": "true"})
    r = service.post("/predict", b"not json at all", content_type="text/plain")
    assert (r.status, r.body) == (200, b"echo:not json at all")
    assert r.headers["content-type"] == "application/json"
    r = service.post("/predict", b"json please", content_type="text/plain")
    assert (r.status, r.body) == (200, b'{"was": "json please"}')


def test_passthrough_without_predict_raw(serve):
    service = serve("class MyModel:\n    pass\n", env={"PAYLOAD_PASSTHROUGH": "true"})
    r = service.post("/predict", b"abc", content_type="text/plain")
    assert (r.status, r.body) == (400, seldon_error("Invalid request data type: b'abc'"))
