# SPDX-License-Identifier: LGPL-2.1-or-later
"""grpc.health.v1.Health (Check, Watch) and server reflection (grpc-api.md §1): what
grpc_health_probe and `grpcurl -plaintext list/describe` do, done with grpcio."""

import queue
import signal
import threading
import time

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

from conftest import params

CHECK = "/grpc.health.v1.Health/Check"
WATCH = "/grpc.health.v1.Health/Watch"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
REFLECTION_V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"

SELDON_SERVICES = ["seldon.protos.Generic", "seldon.protos.Model", "seldon.protos.Router",
                   "seldon.protos.Transformer", "seldon.protos.OutputTransformer",
                   "seldon.protos.Combiner", "seldon.protos.Seldon"]


def check(protos, srv, service=""):
    return srv.unary(CHECK, protos.health.HealthCheckRequest(service=service),
                     protos.health.HealthCheckResponse, timeout=5)


# -- Health ---------------------------------------------------------------------------------------

def test_check_serving(protos, identity):
    H = protos.health.HealthCheckResponse
    assert check(protos, identity).status == H.SERVING
    for name in SELDON_SERVICES:
        assert check(protos, identity, name).status == H.SERVING


def test_check_unknown_service(protos, identity):
    with pytest.raises(grpc.RpcError) as info:
        check(protos, identity, "no.such.Service")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_check_not_serving_while_loading(protos, tmp_pool):
    H = protos.health.HealthCheckResponse
    srv = tmp_pool.new("behave", parameters=params(load_delay_ms=3000), wait=False)
    grpc.channel_ready_future(srv.channel).result(timeout=10)
    assert check(protos, srv).status == H.NOT_SERVING
    # a Seldon call made now waits for the model, then succeeds
    resp = srv.unary("/seldon.protos.Model/Predict", protos.pb.SeldonMessage(strData="x"),
                     protos.pb.SeldonMessage, timeout=20)
    assert resp.strData == "x"
    assert check(protos, srv).status == H.SERVING


def _watch(protos, srv, service, out, ready=None):
    method = srv.channel.unary_stream(WATCH, request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=protos.health.HealthCheckResponse.FromString)
    call = method(protos.health.HealthCheckRequest(service=service), timeout=30)
    if ready is not None:
        ready.append(call)
    try:
        for resp in call:
            out.put(resp.status)
    except grpc.RpcError as e:
        out.put(e.code())
    out.put(None)


def test_watch(protos, identity):
    H = protos.health.HealthCheckResponse
    out = queue.Queue()
    calls = []
    t = threading.Thread(target=_watch, args=(protos, identity, "", out, calls), daemon=True)
    t.start()
    assert out.get(timeout=10) == H.SERVING
    calls[0].cancel()
    t.join(10)
    assert identity.alive()


def test_watch_unknown_service(protos, identity):
    H = protos.health.HealthCheckResponse
    out = queue.Queue()
    calls = []
    t = threading.Thread(target=_watch, args=(protos, identity, "no.such.Service", out, calls), daemon=True)
    t.start()
    assert out.get(timeout=10) == H.SERVICE_UNKNOWN
    calls[0].cancel()
    t.join(10)


def test_watch_follows_load_and_shutdown(protos, tmp_pool):
    H = protos.health.HealthCheckResponse
    srv = tmp_pool.new("behave", parameters=params(load_delay_ms=1500), wait=False)
    grpc.channel_ready_future(srv.channel).result(timeout=10)
    out = queue.Queue()
    t = threading.Thread(target=_watch, args=(protos, srv, "", out), daemon=True)
    t.start()
    assert out.get(timeout=10) == H.NOT_SERVING
    assert out.get(timeout=10) == H.SERVING
    srv.proc.send_signal(signal.SIGTERM)
    assert out.get(timeout=10) == H.NOT_SERVING
    # then the stream ends (the server stops)
    end = out.get(timeout=20)
    assert end is None or isinstance(end, grpc.StatusCode), end
    assert srv.proc.wait(20) == 0
    assert srv.stop() == 0


# -- Reflection -----------------------------------------------------------------------------------

class ReflectionClient:
    """What grpcurl does: one bidi stream, one answer per request."""

    def __init__(self, protos, srv, path=REFLECTION, module=None):
        self.pb = module or protos.reflection
        method = srv.channel.stream_stream(path, request_serializer=lambda m: m.SerializeToString(),
                                           response_deserializer=self.pb.ServerReflectionResponse.FromString)
        self.requests = queue.Queue()
        self.responses = method(iter(self.requests.get, None), timeout=30)

    def ask(self, **kw):
        req = self.pb.ServerReflectionRequest(host="", **kw)
        self.requests.put(req)
        resp = next(self.responses)
        assert resp.original_request == req
        return resp

    def close(self):
        self.requests.put(None)
        # the server ends the stream with OK once the client closed its side
        assert list(self.responses) == []
        assert self.responses.code() == grpc.StatusCode.OK

    def list_services(self):
        resp = self.ask(list_services="")
        assert resp.WhichOneof("message_response") == "list_services_response"
        return [s.name for s in resp.list_services_response.service]

    def pool_for_symbol(self, symbol):
        resp = self.ask(file_containing_symbol=symbol)
        assert resp.WhichOneof("message_response") == "file_descriptor_response", resp
        pool = descriptor_pool.DescriptorPool()
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in resp.file_descriptor_response.file_descriptor_proto]
        added = set()
        # dependencies first
        while len(added) < len(files):
            progress = False
            for f in files:
                if f.name not in added and all(d in added for d in f.dependency):
                    pool.Add(f)
                    added.add(f.name)
                    progress = True
            assert progress, "missing dependencies: %r" % [(f.name, list(f.dependency)) for f in files]
        return pool


@pytest.mark.parametrize("path", [REFLECTION, REFLECTION_V1])
def test_list_services(protos, identity, path):
    module = protos.reflection if path == REFLECTION else protos.reflection_v1
    client = ReflectionClient(protos, identity, path, module)
    names = client.list_services()
    for name in SELDON_SERVICES + ["grpc.reflection.v1alpha.ServerReflection"]:
        assert name in names
    client.close()


def test_describe_every_service(protos, identity):
    """`grpcurl describe`: every listed service resolves to its descriptor, methods and types."""
    client = ReflectionClient(protos, identity)
    for name in client.list_services():
        pool = client.pool_for_symbol(name)
        service = pool.FindServiceByName(name)
        assert len(service.methods) > 0, name
        for m in service.methods:
            assert m.input_type.full_name and m.output_type.full_name
    pool = client.pool_for_symbol("seldon.protos.Model")
    predict = pool.FindServiceByName("seldon.protos.Model").methods_by_name["Predict"]
    assert predict.input_type.full_name == "seldon.protos.SeldonMessage"
    assert predict.output_type.full_name == "seldon.protos.SeldonMessage"
    seldon = pool.FindServiceByName("seldon.protos.Seldon")
    assert sorted(m.name for m in seldon.methods) == ["GraphMetadata", "ModelMetadata", "Predict", "SendFeedback"]
    msg = pool.FindMessageTypeByName("seldon.protos.SeldonMessage")
    assert [f.name for f in msg.fields] == ["status", "meta", "data", "binData", "strData", "jsonData", "customData"]
    assert pool.FindMessageTypeByName("tensorflow.TensorProto").fields_by_name["tensor_content"].number == 4
    client.close()


def test_describe_symbols_and_files(protos, identity):
    client = ReflectionClient(protos, identity)
    # a method, a nested enum and a field resolve to their file
    for symbol in ("seldon.protos.Model.Predict", "seldon.protos.Metric.MetricType",
                   "seldon.protos.SeldonMessage.strData", "tensorflow.DataType"):
        resp = client.ask(file_containing_symbol=symbol)
        assert resp.WhichOneof("message_response") == "file_descriptor_response", symbol
    resp = client.ask(file_by_filename="prediction.proto")
    files = [descriptor_pb2.FileDescriptorProto.FromString(b).name
             for b in resp.file_descriptor_response.file_descriptor_proto]
    assert files[0] == "prediction.proto"
    assert "google/protobuf/struct.proto" in files and "tensorflow/core/framework/tensor.proto" in files
    # errors are answers, the stream goes on
    resp = client.ask(file_containing_symbol="no.such.Symbol")
    assert resp.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    resp = client.ask(file_by_filename="nope.proto")
    assert resp.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    resp = client.ask(all_extension_numbers_of_type="seldon.protos.SeldonMessage")
    assert resp.all_extension_numbers_response.base_type_name == "seldon.protos.SeldonMessage"
    assert list(resp.all_extension_numbers_response.extension_number) == []
    # the health and reflection services describe themselves too
    pool = client.pool_for_symbol("grpc.health.v1.Health")
    assert [m.name for m in pool.FindServiceByName("grpc.health.v1.Health").methods] == ["Check", "Watch"]
    client.close()


def test_reflection_many_streams(protos, identity):
    clients = [ReflectionClient(protos, identity) for _ in range(5)]
    for c in clients:
        assert "seldon.protos.Model" in c.list_services()
    for c in clients:
        c.close()
    # abandoned streams do not hurt
    for _ in range(3):
        c = ReflectionClient(protos, identity)
        c.list_services()
        c.responses.cancel()
    time.sleep(0.2)
    assert check(protos, identity).status == protos.health.HealthCheckResponse.SERVING
