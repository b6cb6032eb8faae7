# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every service and method of grpc-api.md §2, with C components, and every payload kind."""

import base64

import grpc
import pytest

from conftest import from_json, params, to_json

# (service, method, request kind) of every unary Seldon RPC (grpc-api.md §2)
SELDON_MESSAGE_METHODS = [
    ("Generic", "TransformInput"),
    ("Generic", "TransformOutput"),
    ("Generic", "Route"),
    ("Model", "Predict"),
    ("Router", "Route"),
    ("Transformer", "TransformInput"),
    ("OutputTransformer", "TransformOutput"),
    ("Seldon", "Predict"),
]
AGGREGATE_METHODS = [("Generic", "Aggregate"), ("Combiner", "Aggregate")]
FEEDBACK_METHODS = [("Generic", "SendFeedback"), ("Model", "SendFeedback"), ("Router", "SendFeedback"),
                    ("Seldon", "SendFeedback")]


def path(service, method):
    return "/seldon.protos.%s/%s" % (service, method)


@pytest.fixture(scope="module")
def behave(pool):
    """Every method answers: echo for predict/transforms/aggregate, route 1, feedback."""
    return pool.get("behave", parameters=params(implements="all", route_json="1"))


# -- predict / transforms: the same operation through every service ---------------------------

@pytest.mark.parametrize("service,method", [m for m in SELDON_MESSAGE_METHODS if m[1] != "Route"])
def test_echo_methods(protos, behave, service, method):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1, 2]]}})
    resp = behave.unary(path(service, method), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0", "t:1"], "ndarray": [[1.0, 2.0]]}}


@pytest.mark.parametrize("service,method", [m for m in SELDON_MESSAGE_METHODS if m[1] == "Route"])
def test_route(protos, behave, service, method):
    req = from_json(protos, protos.pb.SeldonMessage,
                    {"meta": {"puid": "abc", "tags": {"a": 1}}, "data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}})
    resp = behave.unary(path(service, method), req, protos.pb.SeldonMessage)
    # grpc-api.md §5: [[N]] with the request's kind; the puid but not the tags
    assert to_json(protos, resp) == {"meta": {"puid": "abc"},
                                     "data": {"names": ["t:0"], "tensor": {"shape": [1, 1], "values": [1.0]}}}


@pytest.mark.parametrize("service,method", AGGREGATE_METHODS)
def test_aggregate(protos, behave, service, method):
    req = from_json(protos, protos.pb.SeldonMessageList,
                    {"seldonMessages": [{"data": {"ndarray": [[1, 2]]}}, {"data": {"ndarray": [[3, 4]]}}]})
    resp = behave.unary(path(service, method), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp)["data"]["ndarray"] == [[1.0, 2.0]]


@pytest.mark.parametrize("service,method", AGGREGATE_METHODS)
def test_aggregate_empty(protos, behave, service, method):
    code, details = behave.error(path(service, method), protos.pb.SeldonMessageList())
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: ")


@pytest.mark.parametrize("service,method", FEEDBACK_METHODS)
def test_feedback(protos, identity, service, method):
    # grpc-api.md §5: an empty Feedback with a component lacking send_feedback
    resp = identity.unary(path(service, method), protos.pb.Feedback(), protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"tensor": {"shape": [0]}}}


def test_feedback_reward_metrics(protos, tmp_pool):
    srv = tmp_pool.new("identity")
    fb = from_json(protos, protos.pb.Feedback, {"request": {"data": {"ndarray": [[1]]}}, "reward": 2.5})
    srv.unary(path("Model", "SendFeedback"), fb, protos.pb.SeldonMessage)
    text = srv.metrics()
    assert "seldon_api_model_feedback_reward_total" in text
    line = [x for x in text.splitlines() if x.startswith("seldon_api_model_feedback_reward_total{")][0]
    assert line.endswith(" 2.5")


def test_metadata_defaults(protos, identity):
    for p, req in ((path("Model", "Metadata"), protos.empty.Empty()),
                   (path("Seldon", "ModelMetadata"), protos.pb.SeldonModelMetadataRequest(name="ignored"))):
        resp = identity.unary(p, req, protos.pb.SeldonModelMetadata)
        # grpc-api.md §5: defaults render as versions [""] only
        assert to_json(protos, resp) == {"versions": [""]}, p


def test_metadata_custom(protos, tmp_pool):
    meta = '{"name": "my-model", "versions": ["v1"], "platform": "c", "inputs": [{"messagetype": "tensor", "schema": {"shape": [1, 4]}}]}'
    srv = tmp_pool.new("identity", env={"MODEL_METADATA": meta})
    resp = srv.unary(path("Seldon", "ModelMetadata"), protos.pb.SeldonModelMetadataRequest(), protos.pb.SeldonModelMetadata)
    got = to_json(protos, resp)
    assert got["name"] == "my-model" and got["versions"] == ["v1"] and got["platform"] == "c"
    assert got["inputs"] == [{"messagetype": "tensor", "schema": {"shape": [1.0, 4.0]}}]


def test_graph_metadata(protos, identity):
    code, details = identity.error(path("Seldon", "GraphMetadata"), protos.empty.Empty())
    assert code == grpc.StatusCode.UNKNOWN
    assert details == "Exception calling application: GraphMetadata not available on the Model level."


def test_every_service_registered(protos, identity):
    """No UNIMPLEMENTED for any method of the spec (grpc-api.md §2), whatever the component."""
    requests = {
        "Aggregate": protos.pb.SeldonMessageList(seldonMessages=[protos.pb.SeldonMessage(strData="x")]),
        "SendFeedback": protos.pb.Feedback(),
        "Metadata": protos.empty.Empty(),
        "ModelMetadata": protos.pb.SeldonModelMetadataRequest(),
        "GraphMetadata": protos.empty.Empty(),
    }
    methods = SELDON_MESSAGE_METHODS + AGGREGATE_METHODS + FEEDBACK_METHODS + [
        ("Model", "Metadata"), ("Seldon", "ModelMetadata"), ("Seldon", "GraphMetadata")]
    assert len(methods) == 17
    for service, method in methods:
        req = requests.get(method, protos.pb.SeldonMessage(strData="x"))
        try:
            identity.unary(path(service, method), req)
        except grpc.RpcError as e:
            assert e.code() != grpc.StatusCode.UNIMPLEMENTED, (service, method, e.details())


# -- payload kinds (grpc-api.md §4) -----------------------------------------------------------

def test_payload_ndarray(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"names": ["a", "b"], "ndarray": [[1, 2], [3, 4]]}})
    resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0", "t:1"], "ndarray": [[1.0, 2.0], [3.0, 4.0]]}}


def test_payload_ndarray_strings(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [["a", "b"]]}})
    resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp)["data"]["ndarray"] == [["a", "b"]]


def test_payload_tensor(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"tensor": {"shape": [2, 1], "values": [1, 2]}}})
    resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0"], "tensor": {"shape": [2, 1], "values": [1.0, 2.0]}}}


def test_payload_tensor_mismatch(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"tensor": {"shape": [3], "values": [1, 2]}}})
    code, details = identity.error(path("Model", "Predict"), req)
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: ")


def test_payload_tftensor(protos, identity):
    tf = protos.tf.TensorProto(dtype=protos.tf_types.DT_DOUBLE, double_val=[1.0, 2.0])
    tf.tensor_shape.dim.add(size=1)
    tf.tensor_shape.dim.add(size=2)
    req = protos.pb.SeldonMessage(data=protos.pb.DefaultData(tftensor=tf))
    resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    assert resp.data.WhichOneof("data_oneof") == "tftensor"
    out = resp.data.tftensor
    assert [d.size for d in out.tensor_shape.dim] == [1, 2]
    assert out.dtype == protos.tf_types.DT_DOUBLE
    if out.tensor_content:
        import struct
        assert list(struct.unpack("<2d", out.tensor_content)) == [1.0, 2.0]
    else:
        assert list(out.double_val) == [1.0, 2.0]


def test_payload_str(protos, identity):
    resp = identity.unary(path("Model", "Predict"), protos.pb.SeldonMessage(strData="hello"), protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "strData": "hello"}


def test_payload_bin(protos, identity):
    resp = identity.unary(path("Model", "Predict"), protos.pb.SeldonMessage(binData=b"\x00\x01"), protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "binData": base64.b64encode(b"\x00\x01").decode()}


def test_payload_json(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"jsonData": {"a": [1, "x", True, None], "b": {"c": 2.5}}})
    resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "jsonData": {"a": [1.0, "x", True, None], "b": {"c": 2.5}}}


def test_payload_custom(protos, pool):
    srv = pool.get("behave", parameters=params(raw_echo=True, raw_methods="predict"))
    any_msg = protos.any.Any(type_url="type.googleapis.com/my.Thing", value=b"\x08\x01")
    resp = srv.unary(path("Model", "Predict"), protos.pb.SeldonMessage(customData=any_msg), protos.pb.SeldonMessage)
    assert resp.WhichOneof("data_oneof") == "customData"
    assert resp.customData.type_url == "type.googleapis.com/my.Thing"
    assert resp.customData.value == b"\x08\x01"


def test_payload_none(protos, identity):
    code, details = identity.error(path("Model", "Predict"), protos.pb.SeldonMessage())
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: ")


def test_meta_roundtrip(protos, pool):
    srv = pool.get("behave", parameters=params(implements="all", route_json="1"))
    req = from_json(protos, protos.pb.SeldonMessage,
                    {"meta": {"puid": "p1", "tags": {"t": "v"}, "requestPath": {"a": "b"}},
                     "data": {"ndarray": [1]}})
    resp = srv.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage)
    meta = to_json(protos, resp)["meta"]
    assert meta["puid"] == "p1" and meta["tags"] == {"t": "v"} and meta["requestPath"] == {"a": "b"}


def test_undecodable_request(identity):
    code, details = identity.error(path("Model", "Predict"), b"\xff\xff\xff")
    assert code == grpc.StatusCode.INTERNAL
    assert details == "Exception deserializing request!"


def test_unknown_method(identity):
    for p in ("/seldon.protos.Model/Nope", "/no.such.Service/Predict", "/seldon.protos.Model/predict"):
        code, details = identity.error(p, b"")
        assert code == grpc.StatusCode.UNIMPLEMENTED, p
        assert details == "Method not found!"


def test_gzip_request(protos, identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1, 2]]}})
    ch = grpc.insecure_channel(identity.target, compression=grpc.Compression.Gzip)
    try:
        resp = identity.unary(path("Model", "Predict"), req, protos.pb.SeldonMessage, channel=ch)
    finally:
        ch.close()
    assert to_json(protos, resp)["data"]["ndarray"] == [[1.0, 2.0]]


def test_rest_still_works(identity):
    status, _ = identity.http_get("/health/ping")
    assert status == 200
