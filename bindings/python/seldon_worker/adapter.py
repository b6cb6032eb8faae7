# SPDX-License-Identifier: LGPL-2.1-or-later
"""The adapter that serves an unmodified Seldon Python component as a Seldon.Component.

Every Seldon.Component virtual method looks the user object's method up by name at call time
(component-contract.md §1-§2), converts the arguments the way the Seldon Python wrapper
passes them (§3), calls it, and converts the result back (§5). The server (libseldon's
engine, in C) does everything around it: request decoding, fallbacks, metrics validation and
recording, meta merging and the answer's JSON.

Errors (component-contract.md §1): an exception whose class, or one of whose bases, is named
``SeldonMicroserviceException`` answers with its ``status_code`` (400 when None), ``reason``
and ``message``; ``SeldonNotImplementedError`` means "not implemented" wherever the contract
has a fallback; any other exception answers 500 ``MICROSERVICE_INTERNAL_ERROR`` with
``str(exception)``, its traceback logged at ERROR.
"""

import ctypes
import inspect
import json
import logging
import threading

import gi

gi.require_version("GLib", "2.0")
gi.require_version("GObject", "2.0")
gi.require_version("Json", "1.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, GObject, Seldon  # noqa: E402

from . import convert  # noqa: E402
from .convert import MISSING, class_in_mro  # noqa: E402

__all__ = ["Adapter", "adapt"]

logger = logging.getLogger("seldon_worker")

_METHOD = Seldon.Method
_TRANSPORT = Seldon.Transport
_HEALTHY_NOT_IMPLEMENTED = "not implemented - assuming healthy"

# The base name of each operation's raw and deprecated methods (component-contract.md §2).
_RAW_NAMES = {
    _METHOD.PREDICT: "predict",
    _METHOD.TRANSFORM_INPUT: "transform_input",
    _METHOD.TRANSFORM_OUTPUT: "transform_output",
    _METHOD.ROUTE: "route",
    _METHOD.AGGREGATE: "aggregate",
}
# Quirk: the transform-output warnings name transform_input_*.
_WARNING_NAMES = dict(_RAW_NAMES)
_WARNING_NAMES[_METHOD.TRANSFORM_OUTPUT] = "transform_input"


_thread_flags = threading.local()


def _keep_thread_state():
    """Keeps a Python thread state on the calling (worker pool) thread for good.

    PyGObject enters every vfunc with PyGILState_Ensure() and leaves it with
    PyGILState_Release(): on a thread that Python did not create, that makes and destroys a
    whole thread state (with a 16 KiB mmap()ed frame stack) on every call. One extra
    PyGILState_Ensure() that is never released keeps the state alive, so later calls only
    take and drop the GIL."""
    if not getattr(_thread_flags, "kept", False):
        _thread_flags.kept = True
        if threading.current_thread() is not threading.main_thread():
            ctypes.pythonapi.PyGILState_Ensure()


def _seldon_error(code, message):
    return GLib.Error.new_literal(Seldon.error_quark(), message, code)


def _not_implemented(what):
    return _seldon_error(Seldon.Error.NOT_IMPLEMENTED, "%s is not implemented" % what)


def is_seldon_exception(exc):
    return class_in_mro(exc, "SeldonMicroserviceException")


def is_not_implemented(exc):
    return class_in_mro(exc, "SeldonNotImplementedError")


def _custom_error(exc):
    status = getattr(exc, "status_code", None)
    if status is None:
        status = 400
    message = getattr(exc, "message", None)
    if message is None:
        message = str(exc)
    reason = getattr(exc, "reason", None) or "MICROSERVICE_BAD_DATA"
    try:
        status = int(status)
        return Seldon.custom_error(status, str(reason), str(message))
    except (TypeError, ValueError) as bad:
        logger.error("Bad status_code %r in %s", status, type(exc).__name__)
        return _seldon_error(Seldon.Error.FAILED, str(bad))


def error_for(what, exc, falls_through=True):
    """The GLib.Error a component exception becomes. @falls_through: a
    SeldonNotImplementedError means "not implemented" (the contract's fallback applies).

    The adapter catches BaseException, not only Exception: a SystemExit or KeyboardInterrupt
    escaping a vfunc makes PyGObject call PyErr_Print(), which finalizes the interpreter from
    a call thread and hangs the worker. They answer 500 like any other exception."""
    if isinstance(exc, GLib.Error):
        return exc
    if is_seldon_exception(exc):
        if falls_through and is_not_implemented(exc):
            message = getattr(exc, "message", None)
            return _seldon_error(Seldon.Error.NOT_IMPLEMENTED,
                                 str(message) if message is not None else "%s is not implemented" % what)
        return _custom_error(exc)
    logger.error("Exception in %s: %s", what, exc,
                 exc_info=(type(exc), exc, exc.__traceback__))
    return _seldon_error(Seldon.Error.FAILED, str(exc))


# Methods served through call_raw() and predict_passthrough().
DEPRECATED_METHOD_NAMES = frozenset(
    [base + suffix for base in _RAW_NAMES.values() for suffix in ("_rest", "_grpc")]
    + ["send_feedback_rest", "send_feedback_grpc"])
RAW_METHOD_NAMES = frozenset(
    [base + "_raw" for base in _RAW_NAMES.values()] + ["send_feedback_raw", "health_status_raw"])
PASSTHROUGH_METHOD_NAMES = frozenset(["predict_rest", "predict_raw"])

# The hooks the server asks for on every call: tags(), metrics() and class_names() (a method
# or, deprecated, an attribute). An adapter class implements their vfuncs only once some
# component served by it has the hook: until then libseldon does not call into Python for
# them at all, which is what asking a component without the hook comes down to. A hook that
# appears later (set by load(), by predict(), ...) is seen at the end of the next method call,
# before the server asks for it, and the vfunc is installed then (see _probe_hooks()).
HOOK_NAMES = ("tags", "metrics", "class_names")

try:
    from gi._gi import hook_up_vfunc_implementation as _hook_up_vfunc
except ImportError:  # pragma: no cover - every PyGObject 3.x has it
    _hook_up_vfunc = None

_HOOK_VFUNCS = {info.get_name(): info for info in Seldon.Component.__info__.get_vfuncs()
                if info.get_name() in HOOK_NAMES}
_hooks_lock = threading.Lock()


def _has_hook(user, name):
    """Whether @user has the hook @name (attribute presence, as at call time)."""
    try:
        return getattr(user, name, MISSING) is not MISSING
    except BaseException:  # noqa: BLE001 - the vfunc will meet the error at call time
        return True


def _hook_appeared(user, missing):
    """Whether @user has one of the hooks @missing (cheap: called after every call)."""
    try:
        for name in missing:
            if getattr(user, name, MISSING) is not MISSING:
                return True
    except BaseException:  # noqa: BLE001
        return True
    return False


def _install_hook(cls, name):
    """Makes @cls implement the vfunc of hook @name (once; for every instance of @cls: the
    vfunc looks the method up at call time, as before)."""
    with _hooks_lock:
        if name in cls._hooks_installed:
            return
        _hook_up_vfunc(_HOOK_VFUNCS[name], cls.__gtype__, getattr(_AdapterMethods, "do_" + name))
        cls._hooks_installed = cls._hooks_installed | {name}


class _AdapterMethods:
    """The methods of every adapter class (a plain mixin: see _adapter_class())."""

    def __init__(self, user):
        super().__init__()
        self.user = user
        self._meta_kw = {}
        # The hooks whose vfunc this adapter's class does not implement (yet).
        self._missing_hooks = ()
        if _hook_up_vfunc is not None:
            self._missing_hooks = tuple(name for name in HOOK_NAMES
                                        if name not in type(self)._hooks_installed)
            self._probe_hooks()
        # Called (without arguments) once load() succeeded, before the first call.
        self.after_load = None
        # The component's own exception-to-answer mapping (seldon_worker.errorhandler).
        self._error_handlers = None
        if getattr(user, "model_error_handler", None) is not None:
            from .errorhandler import from_component

            self._error_handlers = from_component(user)

    # --------------------------------------------------------------------------------------
    # helpers

    def _error_for(self, what, exc, falls_through=True):
        """error_for(), unless the component's model_error_handler answers @exc (rest-api.md
        §8.4; not for a "not implemented" signal that selects a fallback)."""
        handlers = self._error_handlers
        if (handlers is not None and not isinstance(exc, GLib.Error)
                and not (falls_through and is_not_implemented(exc))):
            error = handlers.error_for(exc)
            if error is not None:
                return error
        return error_for(what, exc, falls_through)

    def _method(self, name):
        return getattr(self.user, name, MISSING)

    def _accepts_meta(self, method):
        """True/False from the signature (component-contract.md §3.3: decided by
        introspection, so a TypeError raised inside the method is never retried); None when
        the signature cannot be read."""
        func = getattr(method, "__func__", method)
        try:
            return self._meta_kw[func]
        except (KeyError, TypeError):
            pass
        try:
            parameters = inspect.signature(method).parameters.values()
        except (TypeError, ValueError):
            accepts = None
        else:
            accepts = any(
                p.kind == p.VAR_KEYWORD
                or (p.name == "meta" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
                for p in parameters)
        try:
            self._meta_kw[func] = accepts
        except TypeError:
            pass
        return accepts

    def _probe_hooks(self):
        """Installs the vfunc of every hook that the component now has (never raises). Call
        it when _hook_appeared()."""
        missing = []
        for name in self._missing_hooks:
            if name in type(self)._hooks_installed:
                continue
            if _has_hook(self.user, name):
                try:
                    _install_hook(type(self), name)
                    continue
                except Exception:  # noqa: BLE001
                    logger.exception("Cannot serve %s()", name)
            missing.append(name)
        self._missing_hooks = tuple(missing)

    def _call_with_meta(self, method, X, names, request):
        # The request's meta is decoded only for a method that can take it.
        accepts = self._accepts_meta(method)
        if accepts:
            return method(X, names, meta=convert.meta_of(request))
        if accepts is None:
            meta = convert.meta_of(request)
            try:
                return method(X, names, meta=meta)
            except TypeError:
                return method(X, names)
        return method(X, names)

    def _single(self, name, request):
        _keep_thread_state()
        try:
            method = getattr(self.user, name, MISSING)
            if method is MISSING:
                raise _not_implemented(name)
            X = convert.payload_of(request)
            # get_names() gives a new list on every call
            result = self._call_with_meta(method, X, request.get_names(), request)
            return convert.result_to_message(result, request=request)
        except BaseException as exc:  # noqa: BLE001 - every failure becomes the call's error
            raise self._error_for(name, exc) from None
        finally:
            # _hook_appeared(), inline: this runs after every call
            missing = self._missing_hooks
            if missing:
                user = self.user
                try:
                    for hook in missing:
                        if getattr(user, hook, MISSING) is not MISSING:
                            self._probe_hooks()
                            break
                except BaseException:  # noqa: BLE001
                    self._probe_hooks()

    # --------------------------------------------------------------------------------------
    # Seldon.Component

    def do_get_flags(self):
        # Like upstream's threaded workers, a Python component is called concurrently; the
        # interpreter lock makes the worker run short calls one after another.
        return Seldon.ComponentFlags.GLOBAL_LOCK

    def do_load(self, cancellable):
        _keep_thread_state()
        try:
            method = self._method("load")
            if method is not MISSING:
                logger.info("Calling load()")
                method()
        except (NotImplementedError, AttributeError) as exc:
            logger.info("load() not implemented: %s", exc)
        except BaseException as exc:  # noqa: BLE001
            raise error_for("load", exc, falls_through=False) from None
        self._check_late_methods()
        if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
            self._probe_hooks()
        after_load = getattr(self, "after_load", None)
        if after_load is not None:
            after_load()
        return True

    def _check_late_methods(self):
        # adapt() decided from the constructed object whether call_raw() and
        # predict_passthrough() are served: say so if load() added such methods.
        for names, vfunc in ((RAW_METHOD_NAMES, "do_call_raw"),
                             (DEPRECATED_METHOD_NAMES, "do_call_deprecated"),
                             (PASSTHROUGH_METHOD_NAMES, "do_predict_passthrough")):
            if hasattr(type(self), vfunc):
                continue
            late = sorted(name for name in names
                          if self._method(name) is not MISSING and not _is_sdk_stub(self.user, name))
            if late:
                logger.warning("%s appeared after the component was constructed and will not be "
                               "called: define it in the class", ", ".join(late))

    def do_predict(self, request, cancellable):
        return self._single("predict", request)

    def do_transform_input(self, request, cancellable):
        return self._single("transform_input", request)

    def do_transform_output(self, request, cancellable):
        return self._single("transform_output", request)

    def do_route(self, request, cancellable):
        _keep_thread_state()
        try:
            method = self._method("route")
            if method is MISSING:
                raise _not_implemented("route")
            X = convert.payload_of(request)
            result = self._call_with_meta(method, X, request.get_names(), request)
            return convert.route_to_message(result)
        except BaseException as exc:  # noqa: BLE001
            # The SDK base class's route() raises SeldonNotImplementedError, which upstream
            # does not catch: 400 "route is not implemented".
            raise self._error_for("route", exc, falls_through=False) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    def do_aggregate(self, requests, cancellable):
        _keep_thread_state()
        try:
            method = self._method("aggregate")
            if method is MISSING:
                raise _not_implemented("aggregate")
            features = [convert.payload_of(m) for m in requests]
            names = [list(m.get_names()) for m in requests]
            return convert.result_to_message(method(features, names))
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("aggregate", exc, falls_through=False) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    def do_send_feedback(self, feedback, cancellable):
        _keep_thread_state()
        try:
            method = self._method("send_feedback")
            if method is MISSING:
                raise _not_implemented("send_feedback")
            request = feedback.get_request()
            truth = feedback.get_truth()
            features = convert.payload_of(request) if request is not None else _empty()
            names = list(request.get_names()) if request is not None else []
            truth_x = convert.payload_of(truth) if truth is not None else _empty()
            has_routing, routing = feedback.get_routing()
            result = method(features, names, feedback.get_reward(), truth_x,
                            routing=routing if has_routing else None)
            message = convert.result_to_message(result)
            description = message.get_invalid_description()
            if description is not None:
                # The proto path cannot encode it: upstream fails with a type error.
                data = result.data if class_in_mro(result, "SeldonResponse") else result
                raise TypeError('can only concatenate str (not "%s") to str' % type(data).__name__)
            return message
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("send_feedback", exc) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    def do_health_status(self, cancellable):
        _keep_thread_state()
        try:
            method = self._method("health_status")
            if method is MISSING:
                raise _not_implemented("health_status")
            try:
                result = method()
            except BaseException as exc:  # noqa: BLE001
                if is_not_implemented(exc):
                    return Seldon.Message.new_string(_HEALTHY_NOT_IMPLEMENTED)
                raise
            # Not a SeldonResponse: that one fails like any other unknown type.
            return convert.result_to_message(result, allow_response=False)
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("health_status", exc, falls_through=False) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    def do_init_metadata(self):
        _keep_thread_state()
        try:
            method = self._method("init_metadata")
            if method is MISSING:
                raise _not_implemented("init_metadata")
            return convert.to_json_node(method())
        except BaseException as exc:  # noqa: BLE001
            raise error_for("init_metadata", exc) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    # tags(), metrics() and class_names(): vfuncs only once the component has the hook (see
    # HOOK_NAMES), and then looked up at call time. The SDK base class's own methods only
    # raise SeldonNotImplementedError, which means the same as having none: answered without
    # calling them.

    def do_tags(self):
        try:
            method = getattr(self.user, "tags", MISSING)
            if method is MISSING or _is_sdk_stub_method(method):
                return None     # same as not implemented, and much cheaper
            _keep_thread_state()
            tags = method()
            if tags is None:
                return None
            return convert.to_json_node(tags)
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("tags", exc) from None

    def do_metrics(self):
        try:
            method = getattr(self.user, "metrics", MISSING)
            if method is MISSING or _is_sdk_stub_method(method):
                return None     # same as not implemented, and much cheaper
            _keep_thread_state()
            return convert.to_json_node(method())
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("metrics", exc) from None

    def do_class_names(self):
        try:
            names = getattr(self.user, "class_names", MISSING)
            if names is MISSING:
                return None     # the default names
            _keep_thread_state()
            if inspect.ismethod(names):
                if _is_sdk_stub_method(names):
                    return None
                names = names()
            else:
                logger.warning("class_names attribute is deprecated. Please define a class_names method")
            if names is None:
                return None
            return [str(name) for name in names]
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for("class_names", exc) from None

    # --------------------------------------------------------------------------------------
    # raw and deprecated methods

    def _call_deprecated(self, method, transport, request, cancellable):
        """1st/2nd: the deprecated methods (component-contract.md §2), their result sent as is
        (libseldon records no metrics of it). Only predict checks the transport; the others
        use *_rest and *_grpc for both (quirk)."""
        _keep_thread_state()
        what = "call_deprecated"
        try:
            grpc = transport == _TRANSPORT.GRPC
            if method == _METHOD.SEND_FEEDBACK:
                return convert.to_json_node(self._feedback_deprecated(request))
            base = _RAW_NAMES.get(method)
            if base is not None:
                for suffix, wanted in (("_rest", not grpc), ("_grpc", grpc)):
                    if method == _METHOD.PREDICT and not wanted:
                        continue
                    user_method = self._method(base + suffix)
                    if user_method is not MISSING:
                        what = base + suffix
                        warn = _WARNING_NAMES[method] + suffix
                        logger.warning("%s is deprecated. Please use %s_raw", warn, _WARNING_NAMES[method])
                        request_value = self._raw_request(method, request, grpc)
                        return self._raw_answer(user_method(request_value), grpc)
            raise _not_implemented(what)
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for(what, exc) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    def _call_raw(self, method, transport, request, cancellable):
        _keep_thread_state()
        what = "call_raw"
        try:
            if method == _METHOD.SEND_FEEDBACK:
                what = "send_feedback"
                return convert.to_json_node(self._feedback_raw(request))
            if method == _METHOD.HEALTH_STATUS:
                what = "health_status_raw"
                raw = self._method("health_status_raw")
                if raw is MISSING:
                    raise _not_implemented(what)
                return convert.to_json_node(raw())

            base = _RAW_NAMES.get(method)
            if base is None:
                raise _not_implemented("raw method")
            grpc = transport == _TRANSPORT.GRPC

            # 3rd (after _call_deprecated()): the raw method
            what = base + "_raw"
            user_method = self._method(what)
            if user_method is MISSING:
                raise _not_implemented(what)
            request_value = self._raw_request(method, request, grpc)
            return self._raw_answer(user_method(request_value), grpc)
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for(what, exc) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()

    @staticmethod
    def _raw_request(method, request, grpc):
        value = convert.from_json_node(request)
        if not grpc:
            return value
        from . import protos

        name = "SeldonMessageList" if method == _METHOD.AGGREGATE else "SeldonMessage"
        return protos.from_dict(name, value)

    @staticmethod
    def _raw_answer(result, grpc):
        from . import protos

        if grpc:
            # component-contract.md §4: a SeldonMessage protobuf, of whichever class
            if not protos.is_message(result, "seldon.protos.SeldonMessage"):
                # upstream reads result.meta (custom metrics) before it sends the answer
                raise AttributeError("'%s' object has no attribute 'meta'" % type(result).__name__)
            return convert.to_json_node(protos.to_dict(result))
        # On REST a protobuf answer fails like upstream's JSON encoder does.
        return convert.to_json_node(result)

    def _feedback_deprecated(self, request):
        """send_feedback_rest / _grpc: the Feedback as its JSON text / as protobuf."""
        from . import protos

        rest = self._method("send_feedback_rest")
        grpc = self._method("send_feedback_grpc") if rest is MISSING else MISSING
        if rest is MISSING and grpc is MISSING:
            raise _not_implemented("send_feedback_rest")

        feedback = protos.from_dict("Feedback", convert.from_json_node(request))
        if rest is not MISSING:
            logger.warning("send_feedback_rest is deprecated. Please use send_feedback_raw")
            return _seldon_message_dict(rest(protos.feedback_json_text(feedback)))
        logger.warning("send_feedback_grpc is deprecated. Please use send_feedback_raw")
        return _seldon_message_dict(grpc(feedback))

    def _feedback_raw(self, request):
        """send_feedback_raw: the Feedback as protobuf."""
        from . import protos

        raw = self._method("send_feedback_raw")
        if raw is MISSING:
            raise _not_implemented("send_feedback_raw")

        feedback = protos.from_dict("Feedback", convert.from_json_node(request))
        result = raw(feedback)
        if not protos.is_message(result, "seldon.protos.SeldonMessage"):
            # upstream reads result.meta to record its metrics
            raise AttributeError("'%s' object has no attribute 'meta'" % type(result).__name__)
        return protos.to_dict(result)

    def _predict_passthrough(self, body, cancellable):
        """PAYLOAD_PASSTHROUGH: predict_rest / predict_raw get the undecoded request bytes
        and their str/bytes result is the answer body (rest-api.md §3.4). Other results are
        JSON-encoded."""
        _keep_thread_state()
        what = "predict_raw"
        try:
            method = self._method("predict_rest")
            if method is not MISSING:
                what = "predict_rest"
                logger.warning("predict_rest is deprecated. Please use predict_raw")
            else:
                method = self._method("predict_raw")
                if method is MISSING:
                    raise _not_implemented(what)
            data = body.get_data() if body is not None else b""
            result = method(data if data is not None else b"")
            if isinstance(result, str):
                result = result.encode("utf-8")
            elif not isinstance(result, (bytes, bytearray)):
                result = json.dumps(result).encode("utf-8")
            return GLib.Bytes.new(bytes(result))
        except BaseException as exc:  # noqa: BLE001
            raise self._error_for(what, exc) from None
        finally:
            if self._missing_hooks and _hook_appeared(self.user, self._missing_hooks):
                self._probe_hooks()


# Each vfunc of the adapter turns every failure into the call's GLib.Error itself (load()
# aside): the Seldon override's wrapper around component vfuncs, one more Python call each
# time, would add nothing.
for _name, _value in vars(_AdapterMethods).items():
    if _name.startswith("do_") and _name != "do_load":
        _value._seldon_wrapped = True
del _name, _value


def _do_call_raw(self, method, transport, request, cancellable):
    return self._call_raw(method, transport, request, cancellable)


def _do_call_deprecated(self, method, transport, request, cancellable):
    return self._call_deprecated(method, transport, request, cancellable)


def _do_predict_passthrough(self, body, cancellable):
    return self._predict_passthrough(body, cancellable)


_do_call_raw._seldon_wrapped = True
_do_call_deprecated._seldon_wrapped = True
_do_predict_passthrough._seldon_wrapped = True


def _adapter_class(name, raw, deprecated, passthrough, doc):
    """A GObject class implementing Seldon.Component with the methods of _AdapterMethods, plus
    call_raw() when @raw, call_deprecated() when @deprecated and predict_passthrough() when
    @passthrough.

    Each class implements the interface itself (rather than one deriving from another): a
    GObject type that inherits an interface shares its parent's interface vtable, so
    PyGObject installing do_call_raw() for a subclass would install it for the parent too,
    and every adapter would then answer call_raw() with a costly "not implemented"."""
    namespace = {
        "__doc__": doc,
        "__gtype_name__": name,
        "__module__": __name__,
        "__qualname__": name,
    }
    for attribute, value in vars(_AdapterMethods).items():
        if attribute.startswith("do_") and (attribute[3:] not in HOOK_NAMES or _hook_up_vfunc is None):
            namespace[attribute] = value
    # the hooks implemented so far (see _install_hook())
    namespace["_hooks_installed"] = frozenset() if _hook_up_vfunc is not None else frozenset(HOOK_NAMES)
    if raw:
        namespace["do_call_raw"] = _do_call_raw
    if deprecated:
        namespace["do_call_deprecated"] = _do_call_deprecated
    if passthrough:
        namespace["do_predict_passthrough"] = _do_predict_passthrough
    metaclass = type(GObject.Object)
    return metaclass(name, (_AdapterMethods, GObject.Object, Seldon.Component), namespace)


Adapter = _adapter_class("SeldonPythonAdapter", True, True, True,
                         """A Seldon.Component serving the Python object @user (any object: every method is
    optional and probed by name at call time, as the Seldon Python wrapper does).""")
# adapt(): the class of each combination of (raw, deprecated, passthrough), made when needed
_adapter_classes = {(True, True, True): Adapter}
_adapter_classes_lock = threading.Lock()


def _adapter_class_for(raw, deprecated, passthrough):
    key = (raw, deprecated, passthrough)
    with _adapter_classes_lock:
        cls = _adapter_classes.get(key)
        if cls is None:
            name = "SeldonPythonAdapter" + "".join(
                part for part, on in zip(("Raw", "Deprecated", "Passthrough"), key) if on)
            if not any(key):
                name += "Core"
            cls = _adapter_classes[key] = _adapter_class(
                name, raw, deprecated, passthrough,
                "The adapter of a component with%s raw, deprecated or passthrough methods."
                % ("" if any(key) else "out"))
        return cls


def _is_sdk_stub(user, name):
    """True when @name is the SDK base class's own method (SeldonComponent.predict_raw and
    the like only raise SeldonNotImplementedError: exactly like having no such method)."""
    if name in getattr(user, "__dict__", {}):
        return False
    for cls in type(user).__mro__:
        if name in cls.__dict__:
            return cls.__name__ == "SeldonComponent" and cls.__module__ == "seldon_core.user_model"
    return False


_SDK_HOOK_STUBS = frozenset(["SeldonComponent.tags", "SeldonComponent.metrics",
                             "SeldonComponent.class_names"])


def _is_sdk_stub_method(method):
    """True when @method is the SDK base class's tags(), metrics() or class_names(), which
    only raise SeldonNotImplementedError: exactly like having no such method."""
    func = getattr(method, "__func__", None)
    return (func is not None and getattr(func, "__qualname__", None) in _SDK_HOOK_STUBS
            and getattr(func, "__module__", None) == "seldon_core.user_model")


def _has_any(user, names):
    return any(getattr(user, name, MISSING) is not MISSING and not _is_sdk_stub(user, name)
               for name in names)


def adapt(user):
    """The Seldon.Component for the Python object @user: an Adapter.

    Telling libseldon that a method is not implemented costs a Python exception, so the raw
    and deprecated methods (asked on every call, and rarely there) are looked up once, here:
    when @user has none, the adapter does not implement call_raw() (nor
    predict_passthrough()) at all. Every other method is looked up at call time."""
    return _adapter_class_for(_has_any(user, RAW_METHOD_NAMES), _has_any(user, DEPRECATED_METHOD_NAMES),
                              _has_any(user, PASSTHROUGH_METHOD_NAMES))(user)


def _seldon_message_dict(value):
    from . import protos

    if value is None:
        return {}
    if protos.is_message(value):
        return protos.to_dict(value)
    return value


def _empty():
    import numpy as np

    return np.zeros((0,), dtype=np.float64)
