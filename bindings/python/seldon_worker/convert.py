# SPDX-License-Identifier: LGPL-2.1-or-later
"""Conversions between libseldon's types and the Python values a Seldon component sees.

Requests: a Seldon.Message becomes the component's ``X`` (a numpy array, str, bytes or the
JSON value), its ``names`` and its ``meta``. Results: whatever the component returns becomes
a Seldon.Message (rest-api.md §6.1, component-contract.md §5).

Arrays never go through Python loops over their elements: packed numeric data moves between a
Seldon.Tensor's GBytes and numpy with ``np.frombuffer``/``tobytes``; string and object arrays
go through their JSON or NUL-separated forms, built and parsed in C.
"""

import json

import numpy as np
from gi.repository import GLib, Json, Seldon

__all__ = [
    "MISSING",
    "class_in_mro",
    "from_json_node",
    "invalid_message",
    "meta_of",
    "payload_of",
    "result_to_message",
    "route_to_message",
    "to_json_node",
    "tensor_from_array",
]

MISSING = object()

_DT = Seldon.DType

# Seldon.DType -> numpy dtype, native byte order (seldon-tensor.h).
_NUMPY_OF = {
    _DT.FLOAT64: np.dtype("=f8"),
    _DT.FLOAT32: np.dtype("=f4"),
    _DT.INT64: np.dtype("=i8"),
    _DT.INT32: np.dtype("=i4"),
    _DT.INT16: np.dtype("=i2"),
    _DT.INT8: np.dtype("=i1"),
    _DT.UINT64: np.dtype("=u8"),
    _DT.UINT32: np.dtype("=u4"),
    _DT.UINT16: np.dtype("=u2"),
    _DT.UINT8: np.dtype("=u1"),
    _DT.BOOL: np.dtype("?"),
}

# (numpy kind, item size) -> Seldon.DType
_SELDON_OF = {
    ("f", 8): _DT.FLOAT64,
    ("f", 4): _DT.FLOAT32,
    ("i", 8): _DT.INT64,
    ("i", 4): _DT.INT32,
    ("i", 2): _DT.INT16,
    ("i", 1): _DT.INT8,
    ("u", 8): _DT.UINT64,
    ("u", 4): _DT.UINT32,
    ("u", 2): _DT.UINT16,
    ("u", 1): _DT.UINT8,
    ("b", 1): _DT.BOOL,
}

# numpy dtype.str of the native dtypes above -> Seldon.DType: one lookup per answer
_SELDON_OF_NATIVE = {np.dtype(kind + str(size)).newbyteorder("=").str: dtype
                     for (kind, size), dtype in _SELDON_OF.items()}

_PK = Seldon.PayloadKind
_ndarray = np.ndarray

# Looked up once: every attribute of an overridden namespace (Seldon, GLib) goes through a
# failed module lookup (a formatted AttributeError) and a Python __getattr__.
_Message = Seldon.Message
_Tensor = Seldon.Tensor
_DataKind = Seldon.DataKind
_Bytes = GLib.Bytes


def class_in_mro(obj, name):
    """True when the class of @obj, or one of its bases, is named @name (component-contract.md
    §1: the SDK types are recognised by name, whichever module defined them)."""
    for cls in type(obj).__mro__:
        if cls.__name__ == name:
            return True
    return False


# ------------------------------------------------------------------------------------------
# JSON values
# ------------------------------------------------------------------------------------------


def from_json_node(node):
    """The Python value of a JsonNode (None for a NULL pointer)."""
    if node is None:
        return None
    # Seldon's writer, not Json.to_string(): json-glib 1.6 writes 2e+20 as "2e+20.0".
    return json.loads(Seldon.json_node_to_string(node))


def _build(builder, value):
    # Only for values json-glib's parser refuses (NaN and infinities): a walk over the value.
    if value is None:
        builder.add_null_value()
    elif value is True or value is False:
        builder.add_boolean_value(value)
    elif isinstance(value, int):
        builder.add_int_value(value)
    elif isinstance(value, float):
        builder.add_double_value(value)
    elif isinstance(value, str):
        builder.add_string_value(value)
    elif isinstance(value, dict):
        builder.begin_object()
        for key, item in value.items():
            builder.set_member_name(key if isinstance(key, str) else json.dumps(key).strip('"'))
            _build(builder, item)
        builder.end_object()
    elif isinstance(value, (list, tuple)):
        builder.begin_array()
        for item in value:
            _build(builder, item)
        builder.end_array()
    else:
        raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def to_json_node(value):
    """A JsonNode holding @value, which must be JSON-serializable (TypeError otherwise, with
    the text of Python's json module)."""
    text = json.dumps(value)
    try:
        return Json.from_string(text)
    except GLib.Error:
        # NaN / Infinity tokens: json.dumps writes them, json-glib does not read them.
        builder = Json.Builder()
        _build(builder, value)
        return builder.get_root()


# ------------------------------------------------------------------------------------------
# requests
# ------------------------------------------------------------------------------------------


def _array_of_tensor(tensor, message):
    # String and object arrays (packed ones are read with get_packed_array())
    shape = tensor.get_shape()
    nested = json.loads(message.dup_payload_json())
    if tensor.get_dtype() == _DT.STRING:
        return np.array(nested, dtype=str).reshape(shape)
    array = np.array(nested, dtype=object)
    if array.shape != tuple(shape):
        # elements that are lists themselves would make numpy nest deeper
        flat = np.empty(tensor.get_n_elements(), dtype=object)
        flat[:] = [from_json_node(tensor.dup_element(i)) for i in range(len(flat))]
        array = flat.reshape(shape)
    return array


def payload_of(message):
    """The decoded payload of @message as a Python component receives it (contract §3.1)."""
    packed, dtype, shape, data = message.get_packed_array()
    if packed:
        # bytearray: a writable copy, like the arrays upstream builds from JSON lists
        return _ndarray(shape, _NUMPY_OF[dtype], bytearray(data))
    kind = message.get_payload_kind()
    if kind == _PK.TENSOR:
        return _array_of_tensor(message.get_tensor(), message)
    if kind == _PK.STRING:
        text = message.get_str_data()
        if text is not None:
            return text
        return json.loads(message.dup_payload_json())
    if kind == _PK.BYTES:
        return message.get_bin_data().get_data()
    if kind in (_PK.JSON, _PK.LIST):
        return json.loads(message.dup_payload_json())
    if kind == _PK.CUSTOM:
        from google.protobuf import any_pb2

        value = message.get_custom_value()
        return any_pb2.Any(type_url=message.get_custom_type_url(),
                           value=value.get_data() if value is not None else b"")
    return None


def meta_of(message):
    """The request's meta as sent (a dict), or None when it had no ``meta`` key."""
    text = message.dup_meta_json()
    return json.loads(text) if text is not None else None


# ------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------


def invalid_message(value):
    """A result that is no payload: answered with 400 ``Unknown data type returned as
    payload (must be list or np array):<str(value)>``."""
    if value is None:
        return _Message.new()
    return _Message.new_invalid(str(value))


def tensor_from_array(array):
    """A Seldon.Tensor holding the numpy array @array (any dtype numpy can express as a
    Seldon dtype; raises TypeError for the others, with upstream's JSON error text)."""
    dtype = array.dtype
    kind = dtype.kind
    shape = list(array.shape)

    if kind == "f" and dtype.itemsize == 2:
        # float16: its values exactly as float32 (upstream prints them as Python floats)
        array = array.astype(np.float32)
        dtype = array.dtype

    seldon_dtype = _SELDON_OF.get((kind, dtype.itemsize))
    if seldon_dtype is not None:
        if not dtype.isnative:
            array = array.astype(dtype.newbyteorder("="))
        return _Tensor.new(seldon_dtype, shape, _Bytes.new(array.tobytes()))

    flat = array.reshape(-1).tolist()
    if kind == "U" and "\0".join(flat).count("\0") == max(len(flat) - 1, 0):
        # NUL-terminated UTF-8 strings, one after another (seldon_tensor_new())
        data = ("\0".join(flat) + "\0").encode("utf-8") if flat else b""
        return _Tensor.new(_DT.STRING, shape, _Bytes.new(data))

    # Object arrays (and strings holding NUL characters): the JSON text of the flat list.
    # Other element types (complex, bytes, longdouble, ...) fail here with the error of
    # upstream's JSON encoder, e.g. "Object of type complex is not JSON serializable".
    return _Tensor.new(_DT.OBJECT, shape, _Bytes.new(json.dumps(flat).encode()))


def _numeric_answer_allowed(request):
    # rest-api.md §6.1: a numeric array is answered as tensor/tftensor unless the request's
    # data asked for ndarray (or had none of the three)
    if request is None:
        return True
    return request.get_data_kind() not in (_DataKind.NDARRAY, _DataKind.EMPTY)


def _array_message(array):
    # numeric and boolean arrays in one call, without intermediate Tensor/GBytes objects
    seldon_dtype = _SELDON_OF_NATIVE.get(array.dtype.str)
    if seldon_dtype is not None:
        return _Message.new_array(seldon_dtype, array.shape, array.tobytes())
    return _Message.new_tensor(tensor_from_array(array))


def _payload_to_message(value, request=None):
    if isinstance(value, np.ndarray):
        return _array_message(value)
    if isinstance(value, list):
        try:
            text = json.dumps(value)
        except TypeError:
            # numpy scalars inside the list: fine for a numeric answer, which upstream builds
            # from np.array(list); an ndarray answer fails as upstream's JSON encoder does.
            array = np.array(value)
            if array.dtype.kind not in "iufc" or not _numeric_answer_allowed(request):
                raise
            return _array_message(array)
        return _Message.new_json_text(_PK.LIST, text, -1)
    if isinstance(value, str):
        return _Message.new_string(value)
    if isinstance(value, (bytes, bytearray)):
        return _Message.new_bytes(_Bytes.new(bytes(value)))
    if isinstance(value, dict):
        return _Message.new_json_text(_PK.JSON, json.dumps(value), -1)
    if _is_any(value):
        # a google.protobuf.Any: customData (gRPC only; REST answers 400 Unknown data type)
        message = _Message.new()
        message.set_custom(value.type_url, _Bytes.new(bytes(value.value)))
        return message
    return invalid_message(value)


def _is_any(value):
    descriptor = getattr(type(value), "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", None) == "google.protobuf.Any" and hasattr(value, "type_url")


def _add_runtime_parts(message, response):
    tags = response.tags
    if tags:
        merged = {}
        merged.update(tags)
        for key, value in merged.items():
            message.set_tag(str(key), to_json_node(value))
    message.set_runtime_metrics(to_json_node(response.metrics))


def result_to_message(result, allow_response=True, request=None):
    """The Seldon.Message for a high-level method's result (rest-api.md §6.1): numpy arrays,
    lists, str, bytes, bytearray, dict, or a SeldonResponse (by class name) wrapping one of
    them with runtime tags and metrics. Anything else stands for an invalid payload."""
    if type(result) is _ndarray:
        return _array_message(result)     # the usual answer, first
    if allow_response and class_in_mro(result, "SeldonResponse"):
        message = _payload_to_message(result.data, request)
        _add_runtime_parts(message, result)
        return message
    return _payload_to_message(result, request)


def _route_error(value):
    return GLib.Error.new_literal(Seldon.error_quark(),
                                  "Routing response must be int but got %s" % (value,),
                                  Seldon.Error.BAD_DATA)


def _route_payload(value):
    if value is True or value is False:
        return _Message.new_tensor(
            _Tensor.new(_DT.BOOL, [], _Bytes.new(b"\x01" if value else b"\x00")))
    if isinstance(value, int):
        if -(1 << 63) <= value < (1 << 63):
            return _Message.new_route(int(value))
        if 0 <= value < (1 << 64):
            return _Message.new_tensor(tensor_from_array(np.array(value, dtype=np.uint64)))
        raise _route_error(value)
    if isinstance(value, np.integer):
        # decisions.md D4: a numpy integer is answered like the equal Python int
        return _Message.new_tensor(tensor_from_array(np.asarray(value)))
    raise _route_error(value)


def route_to_message(result):
    """The Seldon.Message for a router's result: an int (bool included), a numpy integer, or
    a SeldonResponse whose data is one (component-contract.md §10). Anything else raises the
    400 ``Routing response must be int but got <str>``."""
    if class_in_mro(result, "SeldonResponse"):
        message = _route_payload(result.data)
        _add_runtime_parts(message, result)
        return message
    return _route_payload(result)
