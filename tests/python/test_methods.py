# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every optional method of a plain Python component and its fallback
(component-contract.md §2-§12; rest-api.md §9-§10)."""

import json

import pytest

from conftest import dumps, seldon_error

TAGGED = """
    class MyModel:
        def predict(self, X, names):
            return X

        def tags(self):
            return {"mytag": 1}

        def metrics(self):
            return [{"type": "COUNTER", "key": "mycounter", "value": 1}]
"""

RUNTIME = """
    class SeldonResponse:
        # the SDK's look-alike, as components define it where seldon_core is not installed
        def __init__(self, data, tags=None, metrics=None):
            self.data = data
            self.tags = tags if tags is not None else {}
            self.metrics = metrics if metrics is not None else []

    class MyModel:
        def predict(self, X, names):
            return SeldonResponse(X, tags={"runtime": "tag", "shared": "right one"},
                                  metrics=[{"type": "GAUGE", "key": "rt", "value": 2.5}])

        def transform_input(self, X, names):
            return SeldonResponse({"seen": X})

        def route(self, X, names):
            return SeldonResponse(1, tags={"routed": True})

        def aggregate(self, Xs, names_list):
            return SeldonResponse(Xs[0], metrics=[{"type": "COUNTER", "key": "agg", "value": 1}])

        def send_feedback(self, features, names, reward, truth, routing=None):
            return SeldonResponse(None, tags={"fb": "yes"})

        def tags(self):
            return {"static": "tag", "shared": "not right one"}

        def metrics(self):
            return [{"type": "COUNTER", "key": "static", "value": 1}]
"""


# ------------------------------------------------------------------------------------------
# tags, metrics, class names
# ------------------------------------------------------------------------------------------


def test_row_4_tags_and_metrics(serve):
    r = serve(TAGGED).post("/predict", {"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]},
         "meta": {"metrics": [{"key": "mycounter", "type": "COUNTER", "value": 1}],
                  "tags": {"mytag": 1}}}))


def test_row_9_request_metrics_first(serve):
    r = serve(TAGGED).post("/predict", {"meta": {"metrics": [{"key": "g", "type": "GAUGE", "value": 100}],
                                                 "tags": {"foo": "bar"}},
                                        "data": {"ndarray": [1]}})
    assert r.body == dumps(
        {"data": {"names": [], "ndarray": [1]},
         "meta": {"metrics": [{"key": "g", "type": "GAUGE", "value": 100},
                              {"key": "mycounter", "type": "COUNTER", "value": 1}],
                  "tags": {"foo": "bar", "mytag": 1}}})


def test_runtime_tags_and_metrics(serve):
    # component-contract.md §6.1 example: runtime tags win over tags(), metrics appended
    r = serve(RUNTIME).post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": [], "ndarray": [1]},
         "meta": {"metrics": [{"key": "static", "type": "COUNTER", "value": 1},
                              {"key": "rt", "type": "GAUGE", "value": 2.5}],
                  "tags": {"runtime": "tag", "shared": "right one", "static": "tag"}}}))


def test_runtime_parts_everywhere(serve):
    service = serve(RUNTIME)
    static = {"static": "tag", "shared": "not right one"}
    counter = {"key": "static", "type": "COUNTER", "value": 1}

    r = service.post("/transform-input", {"strData": "x"})
    assert r.body == dumps({"jsonData": {"seen": "x"}, "meta": {"metrics": [counter], "tags": static}})

    r = service.post("/route", {"data": {"ndarray": [1]}})
    assert r.body == dumps({"data": {"names": ["t:0"], "ndarray": [[1]]},
                            "meta": {"metrics": [counter], "tags": dict(static, routed=True)}})

    r = service.post("/aggregate", [{"strData": "a"}, {"strData": "b"}])
    assert r.body == dumps({"meta": {"metrics": [counter, {"key": "agg", "type": "COUNTER", "value": 1}],
                                     "tags": static}, "strData": "a"})

    r = service.post("/send-feedback", {"request": {"data": {"ndarray": [[1]]}}, "reward": 1})
    assert r.status == 200, r
    assert r.json()["meta"]["tags"] == dict(static, fb="yes")


@pytest.mark.parametrize("metrics_source, info", [
    # row 25 with a Python component: rendered in the component's own key order
    ('[{"type": "BAD", "key": "mycounter", "value": 1}]',
     'Bad metric created during request: [{"type": "BAD", "key": "mycounter", "value": 1}]'),
    ('[{"type": "COUNTER", "key": "c", "value": "one"}]',
     'Bad metric created during request: [{"type": "COUNTER", "key": "c", "value": "one"}]'),
    ('{"type": "COUNTER", "key": "c", "value": 1}',
     'Bad metric created during request: {"type": "COUNTER", "key": "c", "value": 1}'),
    ('None', 'Bad metric created during request: null'),
], ids=["bad-type", "string-value", "dict", "None"])
def test_bad_metrics(serve, metrics_source, info):
    service = serve("""
        class MyModel:
            def predict(self, X, names):
                return X

            def metrics(self):
                return %s
    """ % metrics_source)
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (500, seldon_error(info, "MICROSERVICE_BAD_METRIC"))


def test_bad_runtime_metrics(serve):
    service = serve("""
        class SeldonResponse:
            def __init__(self, data, tags=None, metrics=None):
                self.data, self.tags, self.metrics = data, tags or {}, metrics

        class MyModel:
            def predict(self, X, names):
                return SeldonResponse(X, metrics=[{"key": "k", "value": 1}])
    """)
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (500, seldon_error(
        'Bad metric created during request: [{"key": "k", "value": 1}]', "MICROSERVICE_BAD_METRIC"))


def test_metrics_not_included(serve):
    service = serve(TAGGED, env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"})
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert r.body == dumps({"data": {"names": [], "ndarray": [1]}, "meta": {"tags": {"mytag": 1}}})


CLASS_NAMES_BASE = """
import numpy as np


class SeldonMicroserviceException(Exception):
    def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
        Exception.__init__(self)
        self.message, self.status_code, self.reason = message, status_code or 400, reason


class SeldonNotImplementedError(SeldonMicroserviceException):
    pass


class MyModel:
    def predict(self, X, names):
        return np.array([[1, 2]])

"""


@pytest.mark.parametrize("definition, names", [
    ("    def class_names(self):\n        return ['left', 'right']\n", ["left", "right"]),
    ("    def __init__(self):\n        self.class_names = ['a', 'b', 'c']\n", ["a", "b", "c"]),
    ("    def class_names(self):\n        raise SeldonNotImplementedError('no')\n", ["t:0", "t:1"]),
], ids=["method", "attribute", "not-implemented"])
def test_class_names(serve, definition, names):
    service = serve(CLASS_NAMES_BASE + definition)
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.json()["data"]["names"]) == (200, names)
    # 1-D results never get names
    r = service.post("/transform-input", {"data": {"ndarray": [1, 2]}})
    assert r.json()["data"]["names"] == []


def test_hooks_added_later(serve):
    # tags(), metrics() and class_names() are probed at call time: added by load() or by
    # predict() itself, they count from that call on
    service = serve("""
        import numpy as np

        class MyModel:
            def load(self):
                self.class_names = ["x", "y"]

            def predict(self, X, names):
                if X.shape[0] > 1:
                    self.tags = lambda: {"late": True}
                    self.metrics = lambda: [{"type": "COUNTER", "key": "late", "value": 1}]
                return X
    """)
    r = service.post("/predict", {"data": {"ndarray": [[1, 2]]}})
    assert r.body == dumps({"data": {"names": ["x", "y"], "ndarray": [[1, 2]]}, "meta": {}})
    expected_meta = {"metrics": [{"key": "late", "type": "COUNTER", "value": 1}], "tags": {"late": True}}
    r = service.post("/predict", {"data": {"ndarray": [[1, 2], [3, 4]]}})
    assert r.body == dumps({"data": {"names": ["x", "y"], "ndarray": [[1, 2], [3, 4]]}, "meta": expected_meta})
    r = service.post("/predict", {"data": {"ndarray": [[5, 6]]}})
    assert r.body == dumps({"data": {"names": ["x", "y"], "ndarray": [[5, 6]]}, "meta": expected_meta})


def test_sdk_hooks_not_implemented(serve):
    # the SDK base class's tags(), metrics() and class_names() mean "none", until overridden
    service = serve("""
        from seldon_core.user_model import SeldonComponent

        class MyModel(SeldonComponent):
            def predict(self, X, names):
                if X.shape[0] > 1:
                    self.tags = lambda: {"mine": 1}
                return X
    """)
    r = service.post("/predict", {"data": {"ndarray": [[1, 2]]}})
    assert r.body == dumps({"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]}, "meta": {}})
    r = service.post("/predict", {"data": {"ndarray": [[1, 2], [3, 4]]}})
    assert r.body == dumps({"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2], [3, 4]]},
                            "meta": {"tags": {"mine": 1}}})


def test_tags_not_implemented_and_failing(serve):
    # component-contract.md §6.1: SeldonNotImplementedError means no tags, anything else a 500
    service = serve("""
        class SeldonMicroserviceException(Exception):
            status_code = 400
            def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
                Exception.__init__(self)
                self.message, self.reason = message, reason

        class SeldonNotImplementedError(SeldonMicroserviceException):
            pass

        class MyModel:
            def predict(self, X, names):
                return X

            def tags(self):
                raise SeldonNotImplementedError("tags is not implemented")

            def transform_input(self, X, names):
                self.tags = self.failing_tags
                return X

            def failing_tags(self):
                raise KeyError("boom")
    """)
    r = service.post("/predict", {"strData": "x"})
    assert r.body == dumps({"meta": {}, "strData": "x"})
    r = service.post("/transform-input", {"strData": "x"})
    assert (r.status, r.body) == (500, seldon_error("'boom'", "MICROSERVICE_INTERNAL_ERROR"))


# ------------------------------------------------------------------------------------------
# transformers
# ------------------------------------------------------------------------------------------


def test_transforms(serve):
    service = serve("""
        class MyModel:
            def transform_input(self, X, names, meta=None):
                return X * 10

            def transform_output(self, X, names, meta=None):
                return {"out": X.tolist(), "names": names}
    """)
    r = service.post("/transform-input", {"data": {"tensor": {"shape": [2], "values": [1, 2]}}})
    assert r.body == dumps({"data": {"names": [], "tensor": {"shape": [2], "values": [10, 20]}}, "meta": {}})
    r = service.post("/transform-output", {"data": {"names": ["a"], "ndarray": [[1.5]]}})
    assert r.body == dumps({"jsonData": {"names": ["a"], "out": [[1.5]]}, "meta": {}})


def test_transform_fallbacks(serve):
    # rest-api.md §9.2: without the methods the payload is echoed, re-encoded
    service = serve("""
        class MyModel:
            pass
    """)
    for path in ("/transform-input", "/transform-output"):
        r = service.post(path, {"data": {"ndarray": [[1, 2]]}, "meta": {"tags": {"t": 1}}})
        assert r.body == dumps({"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]},
                                "meta": {"tags": {"t": 1}}})
        r = service.post(path, {"binData": "MTIz"})
        assert r.body == dumps({"binData": "MTIz", "meta": {}})


# ------------------------------------------------------------------------------------------
# routers
# ------------------------------------------------------------------------------------------


ROUTER = """
    import numpy as np

    class MyModel:
        def route(self, X, names):
            return %s

        def tags(self):
            return {"mytag": 1}

        def metrics(self):
            return [{"type": "COUNTER", "key": "mycounter", "value": 1}]
"""


def test_row_28_route(serve):
    r = serve(ROUTER % "22").get_json("/route", '{"data":{"ndarray":[2]}}')
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": ["t:0"], "ndarray": [[22]]},
         "meta": {"metrics": [{"key": "mycounter", "type": "COUNTER", "value": 1}], "tags": {"mytag": 1}}}))


@pytest.mark.parametrize("expression", ["np.int64(1)", "np.uint8(1)", "np.int32(1)", "1"])
def test_row_30_route_numpy_integer(serve, expression):
    service = serve("""
        import numpy as np

        class MyModel:
            def route(self, X, names):
                return %s
    """ % expression)
    r = service.get_json("/route", '{"strData":"x"}')
    assert (r.status, r.body) == (200, b'{"data":{"names":["t:0"],"tensor":{"shape":[1,1],"values":[1]}},"meta":{}}\n')


@pytest.mark.parametrize("expression, answer", [
    ("True", {"data": {"names": ["t:0"], "ndarray": [[True]]}, "meta": {}}),
    ("-1", {"data": {"names": ["t:0"], "ndarray": [[-1]]}, "meta": {}}),
    ("-2", {"data": {"names": ["t:0"], "ndarray": [[-2]]}, "meta": {}}),
], ids=["bool", "all", "none"])
def test_route_values(serve, expression, answer):
    service = serve("""
        class MyModel:
            def route(self, X, names, meta=None):
                return %s
    """ % expression)
    r = service.post("/route", {"data": {"ndarray": [1]}, "meta": {"puid": "r1", "tags": {"foo": "bar"}}})
    answer = dict(answer, meta={"puid": "r1"})
    assert (r.status, r.body) == (200, dumps(answer))


@pytest.mark.parametrize("expression, shown", [
    ("1.5", "1.5"),
    ("np.float64(2.0)", "2.0"),
    ("'0'", "0"),
    ("None", "None"),
    ("[1]", "[1]"),
    ("np.bool_(True)", "True"),
], ids=["float", "numpy-float", "str", "None", "list", "numpy-bool"])
def test_route_not_int(serve, expression, shown):
    service = serve("""
        import numpy as np

        class MyModel:
            def route(self, X, names):
                return %s
    """ % expression)
    r = service.post("/route", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (400, seldon_error("Routing response must be int but got " + shown))


def test_row_29_no_route(serve):
    r = serve("class MyModel:\n    pass\n").get_json("/route", '{"data":{"ndarray":[2]}}')
    assert (r.status, r.body) == (400, seldon_error("Route not defined"))


# ------------------------------------------------------------------------------------------
# combiners
# ------------------------------------------------------------------------------------------


def test_aggregate(serve):
    service = serve("""
        class MyModel:
            def aggregate(self, Xs, names_list):
                return {"types": [type(X).__name__ for X in Xs], "names": names_list,
                        "first": Xs[0].tolist()}
    """)
    r = service.post("/aggregate", {"seldonMessages": [
        {"data": {"names": ["a"], "ndarray": [[1]]}}, {"strData": "s"}, {"binData": "MTIz"},
        {"jsonData": {"k": 1}}]})
    assert (r.status, r.body) == (200, dumps({
        "jsonData": {"first": [[1]], "names": [["a"], [], [], []],
                     "types": ["ndarray", "str", "bytes", "dict"]}, "meta": {}}))


def test_rows_31_32_aggregate(serve):
    service = serve("""
        class MyModel:
            def aggregate(self, Xs, names_list):
                return Xs[0]

            def tags(self):
                return {"mytag": 1}
    """)
    r = service.post("/aggregate", {"seldonMessages": [
        {"meta": {"tags": {"input-1": "yes", "common": 1}}, "data": {"ndarray": [0]}},
        {"meta": {"tags": {"input-2": "yes", "common": 2}}, "data": {"ndarray": [1]}}]})
    assert r.body == dumps({"data": {"names": [], "ndarray": [0]},
                            "meta": {"tags": {"common": 2, "input-1": "yes", "input-2": "yes", "mytag": 1}}})
    r = service.post("/aggregate", [{"strData": "123"}, {"strData": "456"}])
    assert r.body == dumps({"meta": {"tags": {"mytag": 1}}, "strData": "123"})


def test_no_aggregate(serve):
    r = serve("class MyModel:\n    pass\n").post("/aggregate", [{"strData": "a"}])
    assert (r.status, r.body) == (400, seldon_error("Aggregate not defined"))


# ------------------------------------------------------------------------------------------
# feedback
# ------------------------------------------------------------------------------------------

FEEDBACK = """
    class MyModel:
        def __init__(self):
            self.calls = []

        def send_feedback(self, features, feature_names, reward, truth, routing=None):
            self.calls.append({"features": features.tolist(), "dtype": str(features.dtype),
                               "names": list(feature_names), "reward": reward,
                               "truth": truth.tolist(), "routing": routing})
            return %s

        def predict(self, X, names):
            return {"calls": self.calls}
"""


ROW_34 = ('{"request":{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}},'
          '"response":{"meta":{"routing":{"router":0}},"data":{"ndarray":[[1.0,2.0]]}},"reward":1}')


def test_row_34_feedback(serve):
    service = serve(FEEDBACK % "[]")
    r = service.get_json("/send-feedback", ROW_34)
    assert (r.status, r.body) == (200, b'{"data":{"ndarray":[]},"meta":{}}\n')
    r = service.post("/predict", {"strData": "?"})
    assert r.json()["jsonData"]["calls"] == [
        {"features": [[1.0, 2.0]], "dtype": "float64", "names": ["a", "b"], "reward": 1.0,
         "truth": [], "routing": None}]


def test_feedback_routing_of_this_unit(serve):
    service = serve(FEEDBACK % "[]", env={"PREDICTIVE_UNIT_ID": "router", "PREDICTIVE_UNIT_IMAGE": "r:1"})
    r = service.get_json("/send-feedback", ROW_34)
    assert (r.status, r.body) == (200, b'{"data":{"ndarray":[]},"meta":{"requestPath":{"router":"r:1"}}}\n')
    r = service.post("/predict", {"strData": "?"})
    assert r.json()["jsonData"]["calls"][0]["routing"] == 0


def test_row_36_feedback_result(serve):
    service = serve(FEEDBACK % "[[1, 2]]")
    r = service.post("/send-feedback", {"request": {"data": {"ndarray": [1]}}, "reward": 1})
    assert (r.status, r.body) == (200, b'{"data":{"names":["t:0","t:1"],"ndarray":[[1.0,2.0]]},"meta":{}}\n')


def test_feedback_arguments(serve):
    # component-contract.md §9: float arrays, float32 reward, routing under "0" by default
    service = serve(FEEDBACK % "None")
    r = service.post("/send-feedback", {
        "request": {"data": {"tensor": {"shape": [1, 2], "values": [3, 4]}}},
        "response": {"meta": {"routing": {"0": 2, "other": 1}}},
        "truth": {"data": {"ndarray": [[1]]}}, "reward": 0.7})
    assert (r.status, r.body) == (200, b'{"data":{"tensor":{"shape":[0]}},"meta":{}}\n')
    r = service.post("/predict", {"strData": "?"})
    assert r.json()["jsonData"]["calls"] == [
        {"features": [[3.0, 4.0]], "dtype": "float64", "names": [], "reward": 0.699999988079071,
         "truth": [[1.0]], "routing": 2}]


def test_feedback_fallbacks(serve):
    # no send_feedback (a method of another name does not count), and routing= required
    service = serve("""
        class MyModel:
            def feedback(self, *args):
                raise AssertionError("never called")
    """)
    r = service.post("/send-feedback", {"request": {"data": {"ndarray": [1]}}, "reward": 1})
    assert (r.status, r.body) == (200, b'{"data":{"ndarray":[]},"meta":{}}\n')


def test_feedback_without_routing_parameter(serve):
    service = serve("""
        class MyModel:
            def send_feedback(self, features, feature_names, reward, truth):
                return None
    """)
    r = service.post("/send-feedback", {"reward": 1})
    assert r.status == 500
    assert r.json()["status"]["info"] == ("MyModel.send_feedback() got an unexpected keyword "
                                          "argument 'routing'")


# ------------------------------------------------------------------------------------------
# health
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, status, answer", [
    ("", 200, b'{"meta":{},"strData":"healthy"}\n'),                                    # row 37
    ("    def health_status(self):\n        return [0.123]\n", 200,
     b'{"data":{"names":[],"tensor":{"shape":[1],"values":[0.123]}},"meta":{}}\n'),      # row 38
    ("    def health_status_raw(self):\n        return {'data': {'ndarray': [123.456, 7.89]}}\n",
     200, b'{"data":{"ndarray":[123.456,7.89]}}\n'),                                   # row 39
    ("    def health_status(self):\n        raise RuntimeError('sick')\n", 500,
     seldon_error("sick", "MICROSERVICE_INTERNAL_ERROR")),
    ("    def health_status(self):\n        return 'ok'\n\n"
     "    def tags(self):\n        return {'h': 1}\n", 200, b'{"meta":{"tags":{"h":1}},"strData":"ok"}\n'),
], ids=["none", "list", "raw", "exception", "tags"])
def test_health(serve, body, status, answer):
    service = serve("class MyModel:\n    pass\n\n" + body)
    r = service.get("/health/status")
    assert (r.status, r.body) == (status, answer)


def test_health_seldon_response_is_unknown(serve):
    service = serve(RUNTIME.replace("def predict(self, X, names):",
                                    "def health_status(self):\n            return SeldonResponse('x')\n\n"
                                    "        def predict(self, X, names):"))
    r = service.get("/health/status")
    assert r.status == 400
    assert r.json()["status"]["info"].startswith(
        "Unknown data type returned as payload (must be list or np array):<MyModel.SeldonResponse object at")


# ------------------------------------------------------------------------------------------
# metadata
# ------------------------------------------------------------------------------------------

METADATA = """
    class MyModel:
        def init_metadata(self):
            return %s
"""


def test_metadata_default(serve):
    r = serve("class MyModel:\n    pass\n", env={"PREDICTIVE_UNIT_IMAGE": "repo/img:9.9"}).get("/metadata")
    assert (r.status, r.body) == (200, dumps({"custom": {}, "inputs": [], "name": "repo/img",
                                              "outputs": [], "platform": "", "versions": ["9.9"]}))


def test_init_metadata(serve):
    meta = {"name": "my-model", "versions": ["v1"], "platform": "seldon", "custom": {"tag-key": "tag-value"},
            "inputs": [{"datatype": "BYTES", "name": "input", "shape": [1, 4]}, {"messagetype": "jsonData"}],
            "outputs": [{"datatype": "BYTES", "name": "output", "shape": [3]}]}
    r = serve(METADATA % repr(meta)).get("/api/v1.0/metadata")
    assert (r.status, r.body) == (200, dumps(meta))


def test_model_metadata_overrides(serve):
    service = serve(METADATA % '{"name": "user", "platform": "p"}',
                    env={"MODEL_METADATA": json.dumps({"name": "env-name", "versions": ["2"]})})
    r = service.get("/metadata")
    assert r.json() == {"custom": {}, "inputs": [], "name": "env-name", "outputs": [], "platform": "p",
                        "versions": ["2"]}


def test_row_40_invalid_metadata(serve):
    service = serve(METADATA % '{"versions": "x"}' + "\n    def predict(self, X, names):\n        return X\n")
    r = service.get("/metadata")
    assert (r.status, r.body) == (500, seldon_error("Model metadata unavailable", "MICROSERVICE_BAD_METADATA"))
    # every other endpoint keeps working
    assert service.post("/predict", {"strData": "x"}).status == 200


def test_init_metadata_not_a_dict(serve):
    r = serve(METADATA % "['not', 'a', 'dict']").get("/metadata")
    assert (r.status, r.json()["name"]) == (200, "")
