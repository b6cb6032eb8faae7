# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Seldon-1.0 typelib seen from Python (PyGObject).

A component written in Python (a GObject class implementing Seldon.Component with do_*
methods) is driven from C: directly through the Seldon.Component methods, then in-process
by a Seldon.Worker and a Seldon.Server answering real HTTP requests (http.client in a
thread), whose answers are compared byte for byte.

Run with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at the build's seldon/ directory
(meson test --suite gir, or meson devenv).
"""

import http.client
import struct
import threading

import gi
import pytest

gi.require_version("GLib", "2.0")
gi.require_version("GObject", "2.0")
gi.require_version("Json", "1.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, GObject, Json, Seldon  # noqa: E402

REQ_12 = b'{"data":{"ndarray":[[1,2]]}}'
HTTP_TIMEOUT = 10


def seldon_error(code, message):
    return GLib.Error.new_literal(Seldon.error_quark(), message, code)


def json_text(node):
    return Json.to_string(node, False)


# ------------------------------------------------------------------------------------------
# Components
# ------------------------------------------------------------------------------------------


class Doubler(GObject.Object, Seldon.Component):
    """Doubles every value of a numeric request; remembers which threads called it."""

    def __init__(self, flags=Seldon.ComponentFlags.NONE):
        super().__init__()
        self.flags = flags
        self.lock = threading.Lock()
        self.load_threads = []
        self.predict_threads = []

    def do_get_flags(self):
        return self.flags

    def do_load(self, cancellable):
        with self.lock:
            self.load_threads.append(threading.get_ident())
        return True

    def do_predict(self, request, cancellable):
        with self.lock:
            self.predict_threads.append(threading.get_ident())
        tensor = request.dup_tensor()
        values = [2 * v for v in tensor.dup_doubles()]
        return Seldon.Message.new_tensor(Seldon.Tensor.new_from_doubles(values, tensor.get_shape()))

    def do_tags(self):
        return Json.from_string('{"lang":"python"}')

    def do_class_names(self):
        return ["left", "right"]


class Failing(GObject.Object, Seldon.Component):
    """Fails predict() the way its request's strData asks."""

    def do_predict(self, request, cancellable):
        what = request.get_str_data()
        if what == "bad-data":
            raise seldon_error(Seldon.Error.BAD_DATA, "no good")
        if what == "custom":
            raise Seldon.custom_error(418, "TEAPOT", "short and stout")
        if what == "other-domain":
            raise GLib.Error.new_literal(GLib.quark_from_string("test-error"), "elsewhere", 7)
        raise ValueError("plain python exception")


class Unloadable(GObject.Object, Seldon.Component):
    def do_load(self, cancellable):
        raise FileNotFoundError("the model file is missing")


# ------------------------------------------------------------------------------------------
# Types, tensors, messages
# ------------------------------------------------------------------------------------------


def test_types():
    assert issubclass(Seldon.Message, GObject.Object)
    assert issubclass(Seldon.Component, GObject.GInterface)
    assert Seldon.Error.BAD_DATA == 1
    assert GLib.quark_to_string(Seldon.error_quark()) == "SeldonError"
    assert Seldon.ComponentFlags.NOT_THREAD_SAFE == 1
    assert Seldon.DType.FLOAT64.value_nick == "float64"
    assert isinstance(Seldon.MAJOR_VERSION, int)
    assert Seldon.VERSION_S == "%d.%d.%d" % (Seldon.MAJOR_VERSION, Seldon.MINOR_VERSION,
                                             Seldon.MICRO_VERSION)


def test_tensor_from_doubles():
    tensor = Seldon.Tensor.new_from_doubles([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3])
    assert tensor.get_dtype() == Seldon.DType.FLOAT64
    assert tensor.props.dtype == Seldon.DType.FLOAT64
    assert tensor.is_numeric()
    assert tensor.get_shape() == [2, 3]
    assert tensor.get_n_dims() == 2
    assert tensor.get_n_elements() == 6
    assert tensor.props.n_elements == 6
    assert tensor.dup_doubles() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert tensor.get_data().get_data() == struct.pack("=6d", 1, 2, 3, 4, 5, 6)
    assert json_text(tensor.to_json()) == "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"
    assert json_text(tensor.dup_element(4)) == "5.0"


def test_tensor_other_constructors():
    ints = Seldon.Tensor.new_from_int64s([1, 2, 3, 4], [4])
    assert ints.get_dtype() == Seldon.DType.INT64
    assert json_text(ints.to_json()) == "[1,2,3,4]"

    strings = Seldon.Tensor.new_from_strings(["a", "b"], [2, 1])
    assert strings.get_dtype() == Seldon.DType.STRING
    assert not strings.is_numeric()
    assert strings.get_string(1) == "b"
    assert strings.get_data() is None
    assert json_text(strings.to_json()) == '[["a"],["b"]]'

    packed = Seldon.Tensor.new(Seldon.DType.FLOAT32, [3],
                               GLib.Bytes.new(struct.pack("=3f", 1.0, 2.5, 3.0)))
    assert packed.get_dtype() == Seldon.DType.FLOAT32
    assert packed.dup_doubles() == [1.0, 2.5, 3.0]

    # Bindings pass NULL for an empty list, which new_from_doubles() takes as "one dimension",
    # so a 0-dimensional tensor is made with Seldon.Tensor.new().
    assert Seldon.Tensor.new_from_doubles([7.0], []).get_shape() == [1]
    scalar = Seldon.Tensor.new(Seldon.DType.FLOAT64, [], GLib.Bytes.new(struct.pack("=d", 7.0)))
    assert scalar.get_n_dims() == 0
    assert scalar.get_shape() == []
    assert json_text(scalar.to_json()) == "7.0"

    nested = Seldon.Tensor.new_from_json(Json.from_string("[[1, 2.5], [true, 3]]"))
    assert nested.get_dtype() == Seldon.DType.FLOAT64
    assert nested.get_shape() == [2, 2]
    assert nested.dup_doubles() == [1.0, 2.5, 1.0, 3.0]


def test_tensor_errors():
    with pytest.raises(GLib.Error) as info:
        Seldon.Tensor.new_from_doubles([1.0, 2.0, 3.0], [2, 2])
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.FAILED)
    assert info.value.message == "cannot reshape array of size 3 into shape (2,2)"

    with pytest.raises(GLib.Error) as info:
        Seldon.Tensor.new_from_json(Json.from_string("[[1], [1, 2]]"))
    assert info.value.domain == "SeldonError"


def test_message_payloads():
    tensor = Seldon.Tensor.new_from_int64s([1, 2], [1, 2])
    message = Seldon.Message.new_tensor(tensor)
    assert message.get_payload_kind() == Seldon.PayloadKind.TENSOR
    assert message.get_tensor() == tensor
    assert message.dup_tensor().get_shape() == [1, 2]

    message = Seldon.Message.new_string("hello")
    assert message.get_payload_kind() == Seldon.PayloadKind.STRING
    assert message.get_str_data() == "hello"
    assert message.get_tensor() is None

    message = Seldon.Message.new_bytes(GLib.Bytes.new(b"\x00\x01"))
    assert message.get_bin_data().get_data() == b"\x00\x01"
    assert message.to_json() == '{"binData":"AAE=","meta":{}}'

    message = Seldon.Message.new_json(Json.from_string('{"z":1,"a":[1]}'))
    assert message.get_payload_kind() == Seldon.PayloadKind.JSON
    assert json_text(message.dup_json_data()) == '{"z":1,"a":[1]}'
    assert message.to_json() == '{"jsonData":{"a":[1],"z":1},"meta":{}}'

    message = Seldon.Message.new_route(3)
    assert message.to_json() == '{"data":{"names":[],"tensor":{"shape":[],"values":[3]}},"meta":{}}'

    message = Seldon.Message.new()
    assert message.get_payload_kind() == Seldon.PayloadKind.NONE
    assert message.to_json() is None


def test_message_accessors():
    message = Seldon.Message.new_string("hi")
    assert message.get_names() == []
    message.set_names(["x", "y"])
    assert message.get_names() == ["x", "y"]
    message.set_names(None)
    assert message.get_names() == []

    assert message.dup_meta() is None
    message.set_meta(Json.from_string('{"puid":"abc"}'))
    assert json_text(message.dup_meta()) == '{"puid":"abc"}'
    assert message.get_puid() == "abc"

    message.set_tag("k", Json.from_string('"v"'))
    message.add_metric(Seldon.MetricType.COUNTER, "calls", 1)
    message.add_metric(Seldon.MetricType.GAUGE, "level", 0.5)
    assert message.to_json() == (
        '{"meta":{"metrics":[{"key":"calls","type":"COUNTER","value":1.0},'
        '{"key":"level","type":"GAUGE","value":0.5}],"puid":"abc","tags":{"k":"v"}},'
        '"strData":"hi"}'
    )

    message.set_custom("type.googleapis.com/x.Y", GLib.Bytes.new(b"\x08\x01"))
    assert message.get_payload_kind() == Seldon.PayloadKind.CUSTOM
    assert message.get_custom_type_url() == "type.googleapis.com/x.Y"
    assert message.get_custom_value().get_data() == b"\x08\x01"


@pytest.mark.parametrize("text, answer, payload, data_kind", [
    ('{"data":{"ndarray":[[1,2]]}}',
     '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}',
     Seldon.PayloadKind.TENSOR, Seldon.DataKind.NDARRAY),
    ('{"data":{"names":["a","b"],"tensor":{"shape":[1,2],"values":[1.5,2]}}}',
     '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1.5,2.0]}},"meta":{}}',
     Seldon.PayloadKind.TENSOR, Seldon.DataKind.TENSOR),
    ('{"strData":"h\\u00e9llo"}', '{"meta":{},"strData":"h\\u00e9llo"}',
     Seldon.PayloadKind.STRING, Seldon.DataKind.NONE),
    ('{"binData":"aGVsbG8="}', '{"binData":"aGVsbG8=","meta":{}}',
     Seldon.PayloadKind.BYTES, Seldon.DataKind.NONE),
    ('{"jsonData":{"b":[1,2],"a":null}}', '{"jsonData":{"a":null,"b":[1,2]},"meta":{}}',
     Seldon.PayloadKind.JSON, Seldon.DataKind.NONE),
    ('{"meta":{"puid":"p1","tags":{"x":1}},"data":{"ndarray":["a","b"]}}',
     '{"data":{"names":[],"ndarray":["a","b"]},"meta":{"puid":"p1","tags":{"x":1}}}',
     Seldon.PayloadKind.TENSOR, Seldon.DataKind.NDARRAY),
])
def test_json_codec_round_trip(text, answer, payload, data_kind):
    message = Seldon.Message.new_from_json(text, -1)
    assert message.get_payload_kind() == payload
    assert message.get_data_kind() == data_kind
    assert message.props.payload_kind == payload
    assert message.to_json() == answer
    # The answer is a valid request too, and encodes to itself.
    assert Seldon.Message.new_from_json(answer, -1).to_json() == answer


def test_json_codec_errors():
    with pytest.raises(GLib.Error) as info:
        Seldon.Message.new_from_json("{", -1)
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA)

    with pytest.raises(GLib.Error) as info:
        Seldon.Message.new_from_json("[1]", -1)
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA)
    assert info.value.message == "Invalid request data type: [1]"


def test_errors():
    error = Seldon.Error.new_custom(418, "TEAPOT", "short and stout")
    assert error.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA)
    assert error.message == "short and stout"

    error = Seldon.custom_error(418, "TEAPOT", "short and stout")
    assert Seldon.Error.get_http_status(error) == 418
    assert Seldon.Error.get_reason(error) == "TEAPOT"
    error = Seldon.custom_error(403, None, "forbidden")
    assert Seldon.Error.get_http_status(error) == 403
    assert Seldon.Error.get_reason(error) == "MICROSERVICE_BAD_DATA"

    error = seldon_error(Seldon.Error.TIMEOUT, "late")
    assert Seldon.Error.get_http_status(error) == 504
    assert Seldon.Error.get_reason(error) == "MICROSERVICE_INTERNAL_ERROR"
    assert Seldon.Error.get_grpc_status(error) == 4

    error = GLib.Error.new_literal(GLib.quark_from_string("test-error"), "elsewhere", 7)
    assert Seldon.Error.get_http_status(error) == 500


def test_feedback_and_config():
    feedback = Seldon.Feedback.new()
    assert feedback.get_reward() == 0.0
    assert feedback.get_routing() == (False, 0)

    config = Seldon.Config(http_port=0, threads=3)
    assert config.props.http_port == 0
    assert config.get_effective_threads() == 3
    assert config.copy().props.threads == 3
    assert Seldon.Config.new().props.http_port == 9000


# ------------------------------------------------------------------------------------------
# The Python component called from C
# ------------------------------------------------------------------------------------------


def test_component_called_from_c():
    component = Doubler()
    request = Seldon.Message.new_from_json('{"data":{"ndarray":[[1,2]]}}', -1)

    # Seldon.Component.predict is the C wrapper seldon_component_predict(), which calls the
    # Python vfunc.
    answer = Seldon.Component.predict(component, request, None)
    assert answer.get_tensor().dup_doubles() == [2.0, 4.0]
    assert component.predict(request, None).get_tensor().get_shape() == [1, 2]
    assert component.get_flags() == Seldon.ComponentFlags.NONE
    assert component.load(None)
    assert json_text(component.tags()) == '{"lang":"python"}'
    assert component.class_names() == ["left", "right"]

    # Methods the class does not implement get the C fallbacks.
    with pytest.raises(GLib.Error) as info:
        component.route(request, None)
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.NOT_IMPLEMENTED)
    with pytest.raises(GLib.Error) as info:
        component.metrics()
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.NOT_IMPLEMENTED)


def test_component_errors_reach_c():
    component = Failing()
    with pytest.raises(GLib.Error) as info:
        component.predict(Seldon.Message.new_string("bad-data"), None)
    assert info.value.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA)
    assert info.value.message == "no good"


# ------------------------------------------------------------------------------------------
# The Python component served by Seldon.Worker + Seldon.Server
# ------------------------------------------------------------------------------------------


class Service:
    """A worker and a server for @component on a private main context, port 0."""

    def __init__(self, component, **settings):
        self.context = GLib.MainContext.new()
        self.context.push_thread_default()
        try:
            self.config = Seldon.Config(http_port=0, metrics_port=0, grpc_port=0, listen_address="127.0.0.1", **settings)
            self.worker = Seldon.Worker.new(component, self.config)
            self.server = Seldon.Server.new(self.config, self.worker)
            self.server.listen()
        except Exception:
            self.context.pop_thread_default()
            raise
        self.port = self.server.get_http_port()
        assert self.port != 0
        assert self.server.props.http_port == self.port

    def start(self):
        """Starts the worker; returns its start error, or None."""
        done = []

        def started(worker, result):
            try:
                worker.start_finish(result)
                done.append(None)
            except GLib.Error as error:
                done.append(error)

        self.worker.start_async(None, started)
        self.iterate_until(lambda: done)
        return done[0]

    def iterate_until(self, condition, timeout=HTTP_TIMEOUT):
        timed_out = []
        source = GLib.timeout_source_new_seconds(timeout)
        source.set_callback(lambda *args: timed_out.append(True) or GLib.SOURCE_REMOVE)
        source.attach(self.context)
        try:
            while not condition() and not timed_out:
                self.context.iteration(True)
        finally:
            source.destroy()
        assert not timed_out, "timed out"

    def fetch(self, requests):
        """Sends every request (method, path, body) from its own client thread while this
        thread serves them; returns (status, headers, body) for each."""
        results = [None] * len(requests)
        finished = []

        def client(i, method, path, body):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                        timeout=HTTP_TIMEOUT)
                headers = {"Content-Type": "application/json"} if body is not None else {}
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                results[i] = (response.status, dict(response.getheaders()), response.read())
                connection.close()
            except Exception as exc:  # reported by the assertion below
                results[i] = exc
            finished.append(i)
            self.context.wakeup()

        threads = [threading.Thread(target=client, args=(i, *r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        self.iterate_until(lambda: len(finished) == len(threads))
        for thread in threads:
            thread.join()
        for result in results:
            assert not isinstance(result, Exception), result
        return results

    def close(self):
        self.server.stop()
        # Let the worker hand back what it still holds, on this context.
        while self.context.iteration(False):
            pass
        self.context.pop_thread_default()


@pytest.fixture
def service():
    services = []

    def make(component, **settings):
        s = Service(component, **settings)
        services.append(s)
        return s

    yield make
    for s in services:
        s.close()


def expect_json(result, status, body):
    got_status, headers, got_body = result
    assert (got_status, got_body) == (status, body)
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == str(len(body))


def test_server_predict(service):
    component = Doubler()
    s = service(component)
    assert s.start() is None
    assert s.worker.is_ready()

    [result] = s.fetch([("POST", "/predict", REQ_12)])
    expect_json(result, 200,
                b'{"data":{"names":["left","right"],"ndarray":[[2.0,4.0]]},'
                b'"meta":{"tags":{"lang":"python"}}}\n')

    # Same answer on the other route, with the request in the query string.
    [result] = s.fetch([("GET", "/predict?json=%7B%22data%22%3A%7B%22ndarray%22"
                                "%3A%5B%5B1%2C2%5D%5D%7D%7D", None)])
    expect_json(result, 200,
                b'{"data":{"names":["left","right"],"ndarray":[[2.0,4.0]]},'
                b'"meta":{"tags":{"lang":"python"}}}\n')

    # Model code ran on the worker's threads, never on this (the server's) thread.
    assert threading.get_ident() not in component.load_threads
    assert threading.get_ident() not in component.predict_threads


def test_server_concurrent_calls(service):
    component = Doubler()
    s = service(component, threads=4)
    assert s.worker.get_n_threads() == 4
    assert s.start() is None

    # At most 8 connections at once: the listening socket's backlog is GLib's default (10), so
    # more simultaneous connects may wait for a SYN retransmission (1 s).
    requests = [("POST", "/predict", b'{"data":{"ndarray":[[%d]]}}' % i) for i in range(8)]
    for i, result in enumerate(s.fetch(requests)):
        # Like the Python wrapper, class_names is used as it is, whatever the width.
        expect_json(result, 200,
                    b'{"data":{"names":["left","right"],"ndarray":[[%.1f]]},'
                    b'"meta":{"tags":{"lang":"python"}}}\n' % (2 * i))
    assert len(component.predict_threads) == 8


def test_server_not_thread_safe(service):
    component = Doubler(Seldon.ComponentFlags.NOT_THREAD_SAFE)
    s = service(component, threads=4)
    assert s.worker.get_n_threads() == 1
    assert s.start() is None

    for result in s.fetch([("POST", "/predict", REQ_12)] * 4):
        assert result[0] == 200
    assert set(component.predict_threads) == set(component.load_threads)
    assert len(set(component.load_threads)) == 1


def test_server_component_errors(service):
    s = service(Failing())
    assert s.start() is None

    [bad_data, other_domain] = s.fetch([
        ("POST", "/predict", b'{"strData":"bad-data"}'),
        ("POST", "/predict", b'{"strData":"other-domain"}'),
    ])
    expect_json(bad_data, 400,
                b'{"status":{"code":-1,"info":"no good","reason":"MICROSERVICE_BAD_DATA",'
                b'"status":1}}\n')
    expect_json(other_domain, 500,
                b'{"status":{"code":-1,"info":"elsewhere","reason":"MICROSERVICE_INTERNAL_ERROR",'
                b'"status":1}}\n')


def test_server_custom_error(service):
    s = service(Failing())
    assert s.start() is None

    [result] = s.fetch([("POST", "/predict", b'{"strData":"custom"}')])
    expect_json(result, 418,
                b'{"status":{"code":-1,"info":"short and stout","reason":"TEAPOT","status":1}}\n')


def test_override_loaded():
    # bindings/python/Seldon.py: without it PyGObject swallows the exceptions below.
    assert Seldon.Component.__module__ == "gi.overrides.Seldon"


def test_server_python_exception(service):
    # Like the Python wrapper: any exception that is not a Seldon one is a 500 with its text.
    s = service(Failing())
    assert s.start() is None

    [result] = s.fetch([("POST", "/predict", b'{"strData":"python"}')])
    expect_json(result, 500,
                b'{"status":{"code":-1,"info":"plain python exception",'
                b'"reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}\n')


def test_server_load_failure(service):
    s = service(Unloadable())
    error = s.start()
    assert error is not None
    assert error.matches(Seldon.error_quark(), Seldon.Error.LOAD_FAILED)
    assert error.message == "the model file is missing"
    assert not s.worker.is_ready()
