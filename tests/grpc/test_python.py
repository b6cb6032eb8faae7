# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plain Python model classes served over gRPC (worker processes, python3 -m seldon_worker)."""

import threading

import grpc
import pytest

from conftest import from_json, to_json

PREDICT = "/seldon.protos.Model/Predict"

IDENTITY = """
class MyModel:
    def predict(self, X, features_names=None):
        return X
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def py_identity(pool, folder):
    return pool.python(folder, IDENTITY)


def test_identity(protos, py_identity):
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": [[1, 2]]}})
    resp = py_identity.unary(PREDICT, req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0", "t:1"], "ndarray": [[1.0, 2.0]]}}
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"tensor": {"shape": [2, 1], "values": [1, 2]}}})
    resp = py_identity.unary("/seldon.protos.Seldon/Predict", req, protos.pb.SeldonMessage)
    assert to_json(protos, resp) == {"meta": {}, "data": {"names": ["t:0"], "tensor": {"shape": [2, 1], "values": [1.0, 2.0]}}}
    resp = py_identity.unary(PREDICT, protos.pb.SeldonMessage(binData=b"\x00\x01"), protos.pb.SeldonMessage)
    assert resp.binData == b"\x00\x01"


def test_identity_large_ndarray(protos, py_identity):
    rows = [[float(i * 100 + j) for j in range(100)] for i in range(100)]
    req = from_json(protos, protos.pb.SeldonMessage, {"data": {"ndarray": rows}})
    resp = py_identity.unary(PREDICT, req, protos.pb.SeldonMessage)
    assert to_json(protos, resp)["data"]["ndarray"] == rows


def test_errors(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        class MyModel:
            def predict(self, X, features_names=None):
                raise ValueError("boom " + str(X))

            def route(self, X, features_names=None):
                return 1.0
    """)
    code, details = srv.error(PREDICT, protos.pb.SeldonMessage(strData="x"))
    assert code == grpc.StatusCode.UNKNOWN
    assert details == "Exception calling application: boom x"
    code, details = srv.error("/seldon.protos.Router/Route", protos.pb.SeldonMessage(strData="x"))
    assert code == grpc.StatusCode.UNKNOWN
    assert details.startswith("Exception calling application: Routing response must be int")
    assert srv.alive()


def test_raw_and_grpc_methods(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        class MyModel:
            def predict_raw(self, msg):
                # a SeldonMessage protobuf on gRPC (component-contract.md §4)
                out = type(msg)()
                out.strData = "raw:" + msg.strData
                return out

            def transform_input_grpc(self, msg):
                out = type(msg)()
                out.strData = "grpc:" + msg.strData
                return out
    """)
    resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="a"), protos.pb.SeldonMessage)
    assert resp.strData == "raw:a"
    resp = srv.unary("/seldon.protos.Transformer/TransformInput", protos.pb.SeldonMessage(strData="b"),
                     protos.pb.SeldonMessage)
    assert resp.strData == "grpc:b"


def test_tags_and_metrics(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        class MyModel:
            def predict(self, X, features_names=None):
                return X

            def tags(self):
                return {"model": "py"}

            def metrics(self):
                return [{"type": "COUNTER", "key": "py_grpc_calls", "value": 1}]
    """, env={"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "true"})
    resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage)
    meta = to_json(protos, resp)["meta"]
    assert meta["tags"] == {"model": "py"}
    assert meta["metrics"][0]["key"] == "py_grpc_calls"
    assert "py_grpc_calls_total" in srv.metrics()


def test_worker_dies(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        import os

        class MyModel:
            def predict(self, X, features_names=None):
                if X == "die":
                    os._exit(7)
                return X
    """, args=["--workers", "2"])
    code, _ = srv.error(PREDICT, protos.pb.SeldonMessage(strData="die"))
    assert code == grpc.StatusCode.UNAVAILABLE
    # the other worker (and the respawned one) keep serving
    for _ in range(4):
        resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="ok"), protos.pb.SeldonMessage, timeout=30)
        assert resp.strData == "ok"


def test_two_workers_one_channel(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        import os
        import time

        class MyModel:
            def predict(self, X, features_names=None):
                time.sleep(0.02)
                return {"pid": os.getpid()}
    """, args=["--workers", "2"])
    pids = []
    lock = threading.Lock()

    def call():
        for _ in range(10):
            resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage)
            with lock:
                pids.append(int(resp.jsonData.struct_value.fields["pid"].number_value))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(pids) == 60 and len(set(pids)) == 2, set(pids)
