# SPDX-License-Identifier: LGPL-2.1-or-later
"""The gRPC rows of parity-checklist.md (section P) not covered elsewhere in this suite."""

import grpc
import pytest

from conftest import from_json, params, to_json

PREDICT = "/seldon.protos.Model/Predict"


@pytest.fixture(scope="module")
def inspect(pool):
    return pool.get("behave", parameters=params(result_kind="inspect"))


def seen(protos, resp):
    return to_json(protos, resp)["jsonData"]


def test_row_197_invalid_metadata(protos, tmp_pool):
    srv = tmp_pool.new("identity", env={"MODEL_METADATA": '{"versions":"not a list"}'})
    for path, req in (("/seldon.protos.Model/Metadata", protos.empty.Empty()),
                      ("/seldon.protos.Seldon/ModelMetadata", protos.pb.SeldonModelMetadataRequest())):
        code, details = srv.error(path, req)
        assert code == grpc.StatusCode.UNKNOWN
        assert details == "Exception calling application: Model metadata unavailable"


def test_row_198_numbers_arrive_as_floats(protos, inspect):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1, 2]]}})
    got = seen(protos, inspect.unary(PREDICT, req, protos.pb.SeldonMessage))
    assert got["dtype"] == "float64" and got["shape"] == [1.0, 2.0]
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"tensor": {"shape": [2], "values": [1, 2]}}})
    got = seen(protos, inspect.unary(PREDICT, req, protos.pb.SeldonMessage))
    assert got["dtype"] == "float64" and got["array"] == [1.0, 2.0]


def test_row_199_tensor_count_mismatch(protos, identity):
    for shape, values in (([3], [1, 2]), ([1], [1, 2]), ([2, 2], [1, 2, 3])):
        req = from_json(protos, protos.pb.SeldonMessage, {"data": {"tensor": {"shape": shape, "values": values}}})
        code, details = identity.error(PREDICT, req)
        assert code == grpc.StatusCode.UNKNOWN, (shape, values)
        assert details.startswith("Exception calling application: ")


def test_row_200_201_meta_and_kind(protos, pool):
    srv = pool.get("behave", parameters=params(result_kind="tensor", result_json="[[1, 2]]"))
    # numeric result, request not `data`: tensor
    resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0", "t:1"],
                                                          "tensor": {"shape": [1, 2], "values": [1.0, 2.0]}}}
    # request `data` with ndarray: ndarray; with nothing set: ndarray
    for data in ({"ndarray": [[0]]}, {}):
        req = from_json(protos, protos.pb.SeldonMessage, {"data": data})
        out = to_json(protos, srv.unary(PREDICT, req, protos.pb.SeldonMessage))
        assert out["meta"] == {} and out["data"]["ndarray"] == [[1.0, 2.0]], data


def test_row_202_meta_is_empty_dict(protos, inspect):
    got = seen(protos, inspect.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage))
    assert got["meta"] == {}


def test_row_203_raw_must_return_message(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        class MyModel:
            def predict_raw(self, msg):
                return {"data": {"ndarray": [1]}}
    """)
    code, details = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"))
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: ")


@pytest.mark.parametrize("kind", ["custom", "bad-data", "failed", "io"])
def test_row_204_205_errors_carry_text(protos, pool, kind):
    srv = pool.get("behave", parameters=params(error_kind=kind, error_message="the reason %s" % kind))
    code, details = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"))
    assert code == grpc.StatusCode.UNKNOWN
    assert details == "Exception calling application: the reason %s" % kind


def test_row_205_wrapper_errors_carry_text(protos, pool):
    srv = pool.get("behave", parameters=params(route_json="1.5"))
    code, details = srv.error("/seldon.protos.Router/Route", protos.pb.SeldonMessage(strData="x"))
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: Routing response must be int")
