# SPDX-License-Identifier: LGPL-2.1-or-later
"""The component's ``model_error_handler`` (configuration.md §4.6, rest-api.md §8.4,
parity-checklist.md row 127): the handlers of its blueprint answer the exceptions of their
classes with their own response, before the Seldon error object.

The models import Flask as upstream models do (skipped where Flask is not installed); the
last tests use a Flask-free object that follows the blueprint protocol."""

import importlib.util
import re

import pytest

from conftest import MODE, dumps, seldon_error

needs_flask = pytest.mark.skipif(importlib.util.find_spec("flask") is None,
                                 reason="Flask (python3-flask) is not installed")

X = {"data": {"ndarray": [[1, 2]]}}

# The upstream example (rest-api.md §8.4): an exception carrying status_code and
# application_error_code, answered by a handler that builds its JSON with flask.jsonify.
FLASK_MODEL = """
from flask import Blueprint, jsonify


class UserCustomException(Exception):
    status_code = 404

    def __init__(self, message, application_error_code, http_status_code):
        Exception.__init__(self)
        self.message = message
        if http_status_code is not None:
            self.status_code = http_status_code
        self.application_error_code = application_error_code

    def to_dict(self):
        return {"status": {"status": self.status_code, "message": self.message,
                           "app_code": self.application_error_code}}


class SubException(UserCustomException):
    pass


class SeldonMicroserviceException(Exception):
    status_code = 400

    def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
        Exception.__init__(self)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.reason = reason


class SeldonNotImplementedError(SeldonMicroserviceException):
    def __init__(self, message):
        SeldonMicroserviceException.__init__(self, message)


class TupleError(Exception):
    pass


class TextError(Exception):
    pass


class BrokenHandlerError(Exception):
    pass


errors = Blueprint("error_handlers", __name__)


@errors.app_errorhandler(UserCustomException)
def handle_custom(error):
    response = jsonify(error.to_dict())
    response.status_code = error.status_code
    return response


@errors.app_errorhandler(SeldonMicroserviceException)
def handle_seldon(error):
    response = jsonify({"mine": error.message})
    response.status_code = 299
    return response


@errors.app_errorhandler(TupleError)
def handle_tuple(error):
    return {"tuple": str(error), "b": 1, "a": 2}, 418


@errors.app_errorhandler(TextError)
def handle_text(error):
    return "<p>%s</p>" % error, 409


@errors.app_errorhandler(BrokenHandlerError)
def handle_broken(error):
    raise RuntimeError("the handler broke")


@errors.errorhandler(ValueError)
def blueprint_only(error):
    # only for the blueprint's own routes: never called (upstream neither)
    return "blueprint only", 299


class MyModel:
    model_error_handler = errors

    def predict(self, X, names):
        what = X[0][0] if hasattr(X, "shape") and X.size else X
        if what == 1:
            raise UserCustomException("Test-Error-Msg", 1402, 402)
        if what == 2:
            raise SubException("sub", 7, 403)
        if what == 3:
            raise SeldonMicroserviceException("seldon", status_code=401)
        if what == 4:
            raise TupleError("tea")
        if what == 5:
            raise TextError("text")
        if what == 6:
            raise BrokenHandlerError("original")
        if what == 7:
            raise ValueError("not registered")
        return X

    def transform_input(self, X, names):
        raise SeldonNotImplementedError("use the fallback")

    def route(self, X, names):
        raise UserCustomException("no route", 9, 451)

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        raise TupleError("feedback")

    def health_status(self):
        raise UserCustomException("unhealthy", 11, 503)
"""


def _predict(service, value):
    return service.post("/predict", {"data": {"ndarray": [[value]]}})


@needs_flask
def test_upstream_example(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 1)
    assert r.status == 402
    assert r.headers["content-type"] == "application/json"
    assert r.body == b'{"status":{"app_code":1402,"message":"Test-Error-Msg","status":402}}\n'


@needs_flask
def test_handler_of_a_base_class(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 2)
    assert r.status == 403
    assert r.body == dumps({"status": {"app_code": 7, "message": "sub", "status": 403}})


@needs_flask
def test_handler_wins_over_the_seldon_exception(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 3)
    assert r.status == 299
    assert r.body == dumps({"mine": "seldon"})


@needs_flask
def test_handler_returning_a_tuple_and_a_dict(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 4)
    assert r.status == 418
    assert r.headers["content-type"] == "application/json"
    assert r.body == dumps({"a": 2, "b": 1, "tuple": "tea"})


@needs_flask
def test_handler_returning_text(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 5)
    assert r.status == 409
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.body == b"<p>text</p>"


@needs_flask
def test_failing_handler_is_an_ordinary_error(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 6)
    assert r.status == 500
    assert r.body == seldon_error("original", "MICROSERVICE_INTERNAL_ERROR")
    if MODE == "program":
        assert re.search(r" - ERROR:  \[worker 0\] model_error_handler handle_broken failed on "
                         r"BrokenHandlerError: the handler broke\nTraceback", service.output())


@needs_flask
def test_other_exceptions_keep_the_seldon_error(serve):
    service = serve(FLASK_MODEL)
    r = _predict(service, 7)
    assert r.status == 500
    assert r.body == seldon_error("not registered", "MICROSERVICE_INTERNAL_ERROR")
    assert _predict(service, 8).status == 200


@needs_flask
def test_not_implemented_still_falls_back(serve):
    # upstream catches SeldonNotImplementedError itself to apply the fallback: no handler
    service = serve(FLASK_MODEL)
    r = service.post("/transform-input", X)
    assert r.status == 200
    assert r.json()["data"]["ndarray"] == [[1, 2]]


@needs_flask
def test_other_methods(serve):
    service = serve(FLASK_MODEL)
    r = service.post("/route", X)
    assert (r.status, r.body) == (451, dumps({"status": {"app_code": 9, "message": "no route",
                                                         "status": 451}}))
    r = service.post("/send-feedback", {"request": X, "reward": 1.0})
    assert (r.status, r.body) == (418, dumps({"a": 2, "b": 1, "tuple": "feedback"}))
    r = service.get("/health/status")
    assert (r.status, r.body) == (503, dumps({"status": {"app_code": 11, "message": "unhealthy",
                                                         "status": 503}}))


@needs_flask
def test_flask_json_settings(serve, monkeypatch):
    # configuration.md §2.1: FLASK_JSON_SORT_KEYS=false keeps the insertion order
    monkeypatch.setenv("FLASK_JSON_SORT_KEYS", "false")     # in-process
    service = serve(FLASK_MODEL, env={"FLASK_JSON_SORT_KEYS": "false"})
    r = _predict(service, 4)
    assert r.body == b'{"tuple":"tea","b":1,"a":2}\n'


@needs_flask
def test_registration_is_logged(serve):
    if MODE != "program":
        pytest.skip("needs the program's log")
    service = serve(FLASK_MODEL)
    assert _predict(service, 1).status == 402
    assert " - INFO:  [worker 0] Registering the component's model_error_handler\n" in service.output()


# Without Flask: an object that follows the blueprint protocol (deferred registrations that
# receive a setup state whose `app` registers error handlers), as a Flask Blueprint does.
PROTOCOL_MODEL = """
class Registrations:
    def __init__(self):
        self.deferred_functions = []

    def app_errorhandler(self, key):
        def decorator(f):
            self.deferred_functions.append(lambda state: state.app.errorhandler(key)(f))
            return f
        return decorator

    def route(self, rule):
        def decorator(f):
            self.deferred_functions.append(lambda state: state.add_url_rule(rule, None, f))
            return f
        return decorator


class Response:
    def __init__(self, data, status_code, mimetype):
        self.data = data
        self.status_code = status_code
        self.mimetype = mimetype


class QuotaError(Exception):
    pass


class Teapot(Exception):
    pass


handlers = Registrations()


@handlers.app_errorhandler(QuotaError)
def quota(error):
    return Response(b'{"quota":"exceeded"}', 429, "application/json")


@handlers.app_errorhandler(Teapot)
def teapot(error):
    return {"teapot": str(error)}, 418, {"X-Ignored": "1"}


@handlers.app_errorhandler(404)
def not_found(error):
    return "never called", 404


@handlers.route("/extra")
def extra():
    return "never served"


class MyModel:
    model_error_handler = handlers

    def predict(self, X, names):
        if X[0][0] == 1:
            raise QuotaError("quota")
        if X[0][0] == 2:
            raise Teapot("short and stout")
        raise KeyError("other")
"""


def test_blueprint_protocol_without_flask(serve):
    service = serve(PROTOCOL_MODEL)
    r = _predict(service, 1)
    assert (r.status, r.headers["content-type"], r.body) == (429, "application/json",
                                                              b'{"quota":"exceeded"}')
    r = _predict(service, 2)
    assert (r.status, r.headers["content-type"], r.body) == (
        418, "application/json", dumps({"teapot": "short and stout"}))
    r = _predict(service, 3)
    assert (r.status, r.body) == (500, seldon_error("'other'", "MICROSERVICE_INTERNAL_ERROR"))
    if MODE == "program":
        out = service.output()
        assert "model_error_handler: handlers for HTTP status codes (404) are never called" in out
        assert "model_error_handler: a registration other than an error handler is ignored" in out


def test_attribute_that_is_no_blueprint(serve):
    service = serve("""
        class MyModel:
            model_error_handler = 42

            def predict(self, X, names):
                raise ValueError("plain")
    """)
    r = _predict(service, 1)
    assert (r.status, r.body) == (500, seldon_error("plain", "MICROSERVICE_INTERNAL_ERROR"))
    if MODE == "program":
        assert "model_error_handler is not a blueprint (int): ignored" in service.output()
