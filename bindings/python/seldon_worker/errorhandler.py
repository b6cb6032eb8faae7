# SPDX-License-Identifier: LGPL-2.1-or-later
"""The component's ``model_error_handler`` (configuration.md §4.6, rest-api.md §8.4).

Upstream registers that attribute, a Flask blueprint, on its REST app. The handlers the
blueprint registered with ``app_errorhandler(ExcClass)`` (or ``register_error_handler``)
answer the exceptions of those classes, taking precedence over the Seldon error object: the
answer is the handler's response, its status, its ``Content-Type`` and its body. As in Flask,
the handler of the most specific class in the exception's MRO wins.

Here, an exception that escapes a component method during a call is looked up in those
handlers; the handler's response travels to the front inside the GLib.Error the call fails
with (the encoding of seldon-error.c: code = the status, message = U+001D CONTENT-TYPE U+001D
LENGTH U+001D BODY INFO).

* A real ``flask.Blueprint`` is registered on a private ``flask.Flask`` app (once, at the first
  exception), so that its handlers run inside an application and request context and
  ``flask.jsonify`` works; the handler's return value becomes a response with
  ``app.make_response`` (Flask's rules for tuples, dicts, strings). The ``FLASK_*`` JSON
  settings of configuration.md §2.1 (``FLASK_DEBUG``, ``FLASK_JSONIFY_PRETTYPRINT_REGULAR``,
  ``FLASK_JSON_SORT_KEYS``, ``FLASK_JSON_AS_ASCII``) apply to that app as they do upstream.
* Without Flask, any object that follows the blueprint protocol (a ``deferred_functions``
  list of callables taking a setup state whose ``app`` offers ``errorhandler(key)`` and
  ``register_error_handler(key, f)``) is emulated: its class handlers are recorded, then
  called with the exception alone; they may return a response-like object (``status_code``,
  ``headers`` or ``mimetype``, ``get_data()``), a dict or list (JSON), a str or bytes
  (``text/html``), or a ``(body, status[, headers])`` tuple.

Limits: the request context of a handler is a stand-in (``flask.request`` is a GET of ``/``,
not the real request); handlers registered for HTTP status codes are never called (upstream's
own catch-all handler answers before them); handlers registered with the blueprint's own
``errorhandler`` are not called either (upstream only calls them for the blueprint's routes);
only exceptions raised in Python during a call are handled: errors the server finds itself
(request decoding, metrics validation, routing) keep the Seldon error object; on gRPC the
exception answers as an ordinary error (``UNKNOWN`` with ``str(exception)``); a body that is
not UTF-8 is sent with its bad bytes replaced, and a body holding NUL characters cannot be sent
(the exception then answers as an ordinary one).
"""

import json
import logging
import os
import sys

from gi.repository import GLib, Seldon

__all__ = ["ErrorHandlers", "from_component"]

logger = logging.getLogger("seldon_worker")

_SEPARATOR = "\x1d"

# configuration.md §2.2, standard rule
_TRUE = ("1", "true", "t")


def _env_bool(name):
    value = os.environ.get(name)
    if value is None:
        return None
    return value.lower() in _TRUE


class ErrorHandlers:
    """The class handlers of a component's model_error_handler."""

    def __init__(self, handlers, app=None):
        self.handlers = dict(handlers)  # exception class -> handler
        self.app = app                  # a flask.Flask, or None (emulation)

    def find(self, exc):
        """The handler of the most specific class of @exc's MRO, or None."""
        for cls in type(exc).__mro__:
            handler = self.handlers.get(cls)
            if handler is not None:
                return handler
        return None

    def respond(self, handler, exc):
        """(status, content type, body bytes) of @handler's answer to @exc."""
        if self.app is not None:
            with self.app.test_request_context():
                response = self.app.make_response(handler(exc))
                return (response.status_code, response.headers.get("Content-Type"),
                        response.get_data())
        return _emulated_response(handler(exc))

    def error_for(self, exc):
        """The GLib.Error that answers with the handler's response to @exc, or None when no
        handler takes @exc. A failing handler is logged and gives None."""
        handler = self.find(exc)
        if handler is None:
            return None
        try:
            status, content_type, body = self.respond(handler, exc)
            if isinstance(status, str):
                status = status.split(None, 1)[0] if status.strip() else status
            status = int(status)
            if not 100 <= status <= 599:
                raise ValueError("status %d out of range" % status)
            text = bytes(body).decode("utf-8", "replace")
            if "\0" in text:
                raise ValueError("the body holds a NUL character")
            info = str(exc).replace("\0", "")
        except BaseException as failure:  # noqa: BLE001 - SystemExit too (see adapter.error_for)
            logger.error("model_error_handler %s failed on %s: %s",
                         getattr(handler, "__name__", handler), type(exc).__name__, failure,
                         exc_info=(type(failure), failure, failure.__traceback__))
            return None
        content_type = (content_type or "").replace(_SEPARATOR, "").replace("\0", "")
        message = "%s%s%s%d%s%s%s" % (_SEPARATOR, content_type, _SEPARATOR,
                                       len(text.encode("utf-8")), _SEPARATOR, text, info)
        return GLib.Error.new_literal(Seldon.error_quark(), message, status)


def from_component(user):
    """The ErrorHandlers of @user's ``model_error_handler``, or None when it has none (or
    none that can be used, which is logged)."""
    blueprint = getattr(user, "model_error_handler", None)
    if blueprint is None:
        return None
    try:
        handlers = _from_flask(blueprint)
        if handlers is None:
            handlers = _from_protocol(blueprint)
    except Exception as exc:  # noqa: BLE001
        logger.error("Cannot register model_error_handler: %s: %s", type(exc).__name__, exc,
                     exc_info=(type(exc), exc, exc.__traceback__))
        return None
    if handlers is None:
        logger.warning("model_error_handler is not a blueprint (%s): ignored",
                       type(blueprint).__name__)
        return None
    logger.info("Registering the component's model_error_handler")
    return handlers


def _from_flask(blueprint):
    flask = sys.modules.get("flask")
    if flask is None or not isinstance(blueprint, flask.Blueprint):
        return None
    app = flask.Flask("seldon_worker")
    _apply_flask_settings(app)
    app.register_blueprint(blueprint)
    spec = app.error_handler_spec.get(None, {})
    _warn_codes(code for code in spec if code is not None)
    return ErrorHandlers(spec.get(None, {}), app)


def _apply_flask_settings(app):
    """configuration.md §2.1: the FLASK_* settings that change JSON answers."""
    debug = _env_bool("FLASK_DEBUG")
    pretty = _env_bool("FLASK_JSONIFY_PRETTYPRINT_REGULAR")
    sort_keys = _env_bool("FLASK_JSON_SORT_KEYS")
    as_ascii = _env_bool("FLASK_JSON_AS_ASCII")
    if debug is not None:
        app.debug = debug
    provider = getattr(app, "json", None)
    if provider is not None and hasattr(provider, "sort_keys"):
        # Flask 2.2 and later: the JSON provider (the config keys are deprecated there)
        if pretty:
            provider.compact = False
        if sort_keys is not None:
            provider.sort_keys = sort_keys
        if as_ascii is not None:
            provider.ensure_ascii = as_ascii
        return
    for key, value in (("JSONIFY_PRETTYPRINT_REGULAR", pretty), ("JSON_SORT_KEYS", sort_keys),
                       ("JSON_AS_ASCII", as_ascii)):
        if value is not None:
            app.config[key] = value


class _RecordingApp:
    """What a blueprint's deferred registrations see as ``state.app``, without Flask."""

    def __init__(self):
        self.handlers = {}
        self.codes = []

    def register_error_handler(self, key, handler):
        if isinstance(key, int):
            self.codes.append(key)
        elif isinstance(key, type) and issubclass(key, BaseException):
            self.handlers[key] = handler
        else:
            raise TypeError("%r is not an exception class or HTTP status code" % (key,))

    def errorhandler(self, key):
        def decorator(handler):
            self.register_error_handler(key, handler)
            return handler
        return decorator


class _SetupState:
    def __init__(self, app, blueprint):
        self.app = app
        self.blueprint = blueprint
        self.options = {}
        self.first_registration = True
        self.url_prefix = None
        self.subdomain = None
        self.name = getattr(blueprint, "name", None)
        self.name_prefix = ""
        self.url_defaults = {}


def _from_protocol(blueprint):
    deferred = getattr(blueprint, "deferred_functions", None)
    if deferred is None:
        return None
    app = _RecordingApp()
    state = _SetupState(app, blueprint)
    for func in list(deferred):
        try:
            func(state)
        except Exception as exc:  # noqa: BLE001 - routes, hooks...: not served here
            logger.warning("model_error_handler: a registration other than an error handler "
                           "is ignored (%s: %s)", type(exc).__name__, exc)
    _warn_codes(app.codes)
    return ErrorHandlers(app.handlers)


def _warn_codes(codes):
    codes = sorted(set(codes))
    if codes:
        logger.warning("model_error_handler: handlers for HTTP status codes (%s) are never called",
                       ", ".join(str(code) for code in codes))


def _emulated_response(value):
    """(status, content type, body) for a handler's return value, by Flask's rules."""
    status = None
    headers = None
    if isinstance(value, tuple):
        if len(value) == 3:
            value, status, headers = value
        elif len(value) == 2:
            if isinstance(value[1], (dict, list, tuple)) or hasattr(value[1], "items"):
                value, headers = value
            else:
                value, status = value
        else:
            raise TypeError("The view function did not return a valid response tuple.")

    content_type = None
    if isinstance(value, (dict, list)):
        body = (json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
        content_type = "application/json"
        default_status = 200
    elif isinstance(value, str):
        body = value.encode("utf-8")
        content_type = "text/html; charset=utf-8"
        default_status = 200
    elif isinstance(value, (bytes, bytearray)):
        body = bytes(value)
        content_type = "text/html; charset=utf-8"
        default_status = 200
    elif hasattr(value, "status_code") and (hasattr(value, "get_data") or hasattr(value, "data")):
        body = value.get_data() if hasattr(value, "get_data") else value.data
        if isinstance(body, str):
            body = body.encode("utf-8")
        default_status = value.status_code
        content_type = _header(getattr(value, "headers", None), "Content-Type")
        if content_type is None:
            content_type = getattr(value, "content_type", None) or getattr(value, "mimetype", None)
    else:
        raise TypeError("The error handler returned %s, not a response" % type(value).__name__)

    header_type = _header(headers, "Content-Type")
    if header_type is not None:
        content_type = header_type
    return (default_status if status is None else status), content_type, body


def _header(headers, name):
    if headers is None:
        return None
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if str(key).lower() == name.lower():
            return str(value)
    return None
