# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python protobuf classes of Seldon's ``prediction.proto`` (package ``seldon.protos``).

Some component methods receive and return protobuf objects, on REST too
(``send_feedback_raw``, ``send_feedback_grpc``; every raw and deprecated method on gRPC):
component-contract.md §4. When the real Seldon Core package is installed its generated
classes are used; otherwise the message types are described here, from grpc-api.md §3, and
built at run time in a private descriptor pool (no protoc needed), with the standard protobuf
message API (``DESCRIPTOR``, ``SerializeToString``, ``google.protobuf.json_format``).

Only the messages a component can see are described: SeldonMessage and its parts,
SeldonMessageList, Feedback, and the TensorFlow TensorProto subset used by ``tftensor``.
"""

import threading

__all__ = ["classes", "is_message", "to_dict", "from_dict", "feedback_json_text"]

_lock = threading.Lock()
_classes = None

# field label / type shorthands of descriptor_pb2.FieldDescriptorProto
_OPT, _REP = 1, 3
_T = {
    "double": 1, "float": 2, "int64": 3, "uint64": 4, "int32": 5, "bool": 8, "string": 9,
    "message": 11, "bytes": 12, "uint32": 13, "enum": 14,
}


def _field(message, name, number, ftype, label=_OPT, type_name=None, oneof=None, packed=None,
           json_name=None):
    field = message.field.add()
    field.name = name
    field.number = number
    field.label = label
    field.type = _T[ftype]
    if type_name is not None:
        field.type_name = type_name
    if oneof is not None:
        field.oneof_index = oneof
    if packed is not None:
        field.options.packed = packed
    if json_name is not None:
        field.json_name = json_name
    return field


def _map_entry(message, entry_name, key_type, value_type, value_type_name=None):
    entry = message.nested_type.add()
    entry.name = entry_name
    entry.options.map_entry = True
    _field(entry, "key", 1, key_type)
    _field(entry, "value", 2, value_type, type_name=value_type_name)
    return entry


def _tensorflow_file(descriptor_pb2):
    f = descriptor_pb2.FileDescriptorProto()
    f.name = "tensorflow/core/framework/tensor.proto"
    f.package = "tensorflow"
    f.syntax = "proto3"

    dtype = f.enum_type.add()
    dtype.name = "DataType"
    names = ["DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16",
             "DT_INT8", "DT_STRING", "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8",
             "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16", "DT_QINT16", "DT_QUINT16", "DT_UINT16",
             "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT", "DT_UINT32", "DT_UINT64",
             "DT_FLOAT8_E5M2", "DT_FLOAT8_E4M3FN"]
    for number, name in enumerate(names):
        value = dtype.value.add()
        value.name = name
        value.number = number
    for number, name in enumerate(names[1:], start=1):
        value = dtype.value.add()
        value.name = name + "_REF"
        value.number = number + 100

    shape = f.message_type.add()
    shape.name = "TensorShapeProto"
    dim = shape.nested_type.add()
    dim.name = "Dim"
    _field(dim, "size", 1, "int64")
    _field(dim, "name", 2, "string")
    _field(shape, "dim", 2, "message", _REP, ".tensorflow.TensorShapeProto.Dim")
    _field(shape, "unknown_rank", 3, "bool")

    handle = f.message_type.add()
    handle.name = "ResourceHandleProto"
    dtype_and_shape = handle.nested_type.add()
    dtype_and_shape.name = "DtypeAndShape"
    _field(dtype_and_shape, "dtype", 1, "enum", type_name=".tensorflow.DataType")
    _field(dtype_and_shape, "shape", 2, "message", type_name=".tensorflow.TensorShapeProto")
    _field(handle, "device", 1, "string")
    _field(handle, "container", 2, "string")
    _field(handle, "name", 3, "string")
    _field(handle, "hash_code", 4, "uint64")
    _field(handle, "maybe_type_name", 5, "string")
    _field(handle, "dtypes_and_shapes", 6, "message", _REP,
           ".tensorflow.ResourceHandleProto.DtypeAndShape")

    tensor = f.message_type.add()
    tensor.name = "TensorProto"
    _field(tensor, "dtype", 1, "enum", type_name=".tensorflow.DataType")
    _field(tensor, "tensor_shape", 2, "message", type_name=".tensorflow.TensorShapeProto")
    _field(tensor, "version_number", 3, "int32")
    _field(tensor, "tensor_content", 4, "bytes")
    _field(tensor, "float_val", 5, "float", _REP, packed=True)
    _field(tensor, "double_val", 6, "double", _REP, packed=True)
    _field(tensor, "int_val", 7, "int32", _REP, packed=True)
    _field(tensor, "string_val", 8, "bytes", _REP)
    _field(tensor, "scomplex_val", 9, "float", _REP, packed=True)
    _field(tensor, "int64_val", 10, "int64", _REP, packed=True)
    _field(tensor, "bool_val", 11, "bool", _REP, packed=True)
    _field(tensor, "dcomplex_val", 12, "double", _REP, packed=True)
    _field(tensor, "half_val", 13, "int32", _REP, packed=True)
    _field(tensor, "resource_handle_val", 14, "message", _REP, ".tensorflow.ResourceHandleProto")
    _field(tensor, "variant_val", 15, "message", _REP, ".tensorflow.VariantTensorDataProto")
    _field(tensor, "uint32_val", 16, "uint32", _REP, packed=True)
    _field(tensor, "uint64_val", 17, "uint64", _REP, packed=True)
    _field(tensor, "float8_val", 18, "bytes")

    variant = f.message_type.add()
    variant.name = "VariantTensorDataProto"
    _field(variant, "type_name", 1, "string")
    _field(variant, "metadata", 2, "bytes")
    _field(variant, "tensors", 3, "message", _REP, ".tensorflow.TensorProto")
    return f


def _prediction_file(descriptor_pb2):
    f = descriptor_pb2.FileDescriptorProto()
    f.name = "prediction.proto"
    f.package = "seldon.protos"
    f.syntax = "proto3"
    f.dependency.extend(["google/protobuf/any.proto", "google/protobuf/struct.proto",
                         "tensorflow/core/framework/tensor.proto"])

    msg = f.message_type.add()
    msg.name = "SeldonMessage"
    msg.oneof_decl.add().name = "data_oneof"
    _field(msg, "status", 1, "message", type_name=".seldon.protos.Status")
    _field(msg, "meta", 2, "message", type_name=".seldon.protos.Meta")
    _field(msg, "data", 3, "message", type_name=".seldon.protos.DefaultData", oneof=0)
    _field(msg, "binData", 4, "bytes", oneof=0)
    _field(msg, "strData", 5, "string", oneof=0)
    _field(msg, "jsonData", 6, "message", type_name=".google.protobuf.Value", oneof=0)
    _field(msg, "customData", 7, "message", type_name=".google.protobuf.Any", oneof=0)

    data = f.message_type.add()
    data.name = "DefaultData"
    data.oneof_decl.add().name = "data_oneof"
    _field(data, "names", 1, "string", _REP)
    _field(data, "tensor", 2, "message", type_name=".seldon.protos.Tensor", oneof=0)
    _field(data, "ndarray", 3, "message", type_name=".google.protobuf.ListValue", oneof=0)
    _field(data, "tftensor", 4, "message", type_name=".tensorflow.TensorProto", oneof=0)

    tensor = f.message_type.add()
    tensor.name = "Tensor"
    _field(tensor, "shape", 1, "int32", _REP, packed=True)
    _field(tensor, "values", 2, "double", _REP, packed=True)

    meta = f.message_type.add()
    meta.name = "Meta"
    _map_entry(meta, "TagsEntry", "string", "message", ".google.protobuf.Value")
    _map_entry(meta, "RoutingEntry", "string", "int32")
    _map_entry(meta, "RequestPathEntry", "string", "string")
    _field(meta, "puid", 1, "string")
    _field(meta, "tags", 2, "message", _REP, ".seldon.protos.Meta.TagsEntry")
    _field(meta, "routing", 3, "message", _REP, ".seldon.protos.Meta.RoutingEntry")
    _field(meta, "requestPath", 4, "message", _REP, ".seldon.protos.Meta.RequestPathEntry")
    _field(meta, "metrics", 5, "message", _REP, ".seldon.protos.Metric")

    metric = f.message_type.add()
    metric.name = "Metric"
    metric_type = metric.enum_type.add()
    metric_type.name = "MetricType"
    for number, name in enumerate(["COUNTER", "GAUGE", "TIMER"]):
        value = metric_type.value.add()
        value.name = name
        value.number = number
    _map_entry(metric, "TagsEntry", "string", "string")
    _field(metric, "key", 1, "string")
    _field(metric, "type", 2, "enum", type_name=".seldon.protos.Metric.MetricType")
    _field(metric, "value", 3, "float")
    _field(metric, "tags", 4, "message", _REP, ".seldon.protos.Metric.TagsEntry")

    msg_list = f.message_type.add()
    msg_list.name = "SeldonMessageList"
    _field(msg_list, "seldonMessages", 1, "message", _REP, ".seldon.protos.SeldonMessage")

    status = f.message_type.add()
    status.name = "Status"
    flag = status.enum_type.add()
    flag.name = "StatusFlag"
    for number, name in enumerate(["SUCCESS", "FAILURE"]):
        value = flag.value.add()
        value.name = name
        value.number = number
    _field(status, "code", 1, "int32")
    _field(status, "info", 2, "string")
    _field(status, "reason", 3, "string")
    _field(status, "status", 4, "enum", type_name=".seldon.protos.Status.StatusFlag")

    feedback = f.message_type.add()
    feedback.name = "Feedback"
    _field(feedback, "request", 1, "message", type_name=".seldon.protos.SeldonMessage")
    _field(feedback, "response", 2, "message", type_name=".seldon.protos.SeldonMessage")
    _field(feedback, "reward", 3, "float")
    _field(feedback, "truth", 4, "message", type_name=".seldon.protos.SeldonMessage")

    pair = f.message_type.add()
    pair.name = "RequestResponse"
    _field(pair, "request", 1, "message", type_name=".seldon.protos.SeldonMessage")
    _field(pair, "response", 2, "message", type_name=".seldon.protos.SeldonMessage")
    return f


def _real_classes():
    # The generated module of an installed Seldon Core, if any.
    try:
        from seldon_core.proto import prediction_pb2  # noqa: PLC0415
    except Exception:  # noqa: BLE001 - not installed, or ours (which has no proto module)
        return None
    return {
        "SeldonMessage": prediction_pb2.SeldonMessage,
        "SeldonMessageList": prediction_pb2.SeldonMessageList,
        "Feedback": prediction_pb2.Feedback,
    }


def _build_classes():
    from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, struct_pb2
    from google.protobuf import message_factory

    pool = descriptor_pool.DescriptorPool()
    for module in (any_pb2, struct_pb2):
        pool.AddSerializedFile(module.DESCRIPTOR.serialized_pb)
    pool.Add(_tensorflow_file(descriptor_pb2))
    pool.Add(_prediction_file(descriptor_pb2))

    factory = message_factory.MessageFactory(pool)
    out = {}
    for name in ("SeldonMessage", "SeldonMessageList", "Feedback"):
        descriptor = pool.FindMessageTypeByName("seldon.protos." + name)
        get_class = getattr(message_factory, "GetMessageClass", None)
        out[name] = get_class(descriptor) if get_class is not None else factory.GetPrototype(descriptor)
    return out


def classes():
    """{"SeldonMessage": cls, "SeldonMessageList": cls, "Feedback": cls}"""
    global _classes
    if _classes is None:
        with _lock:
            if _classes is None:
                _classes = _real_classes() or _build_classes()
    return _classes


def is_message(value, full_name=None):
    """True for a protobuf message object (of type @full_name, when given)."""
    descriptor = getattr(type(value), "DESCRIPTOR", None)
    if descriptor is None or not hasattr(value, "SerializeToString"):
        return False
    return full_name is None or getattr(descriptor, "full_name", None) == full_name


# Where the SeldonMessages sit inside each message type (proto3 JSON member names).
_SELDON_MESSAGE_PATHS = {
    "SeldonMessage": lambda value: [((), value)],
    "SeldonMessageList": lambda value: [
        (("seldonMessages", i), item)
        for i, item in enumerate(value.get("seldonMessages") or [])
        if isinstance(item, dict)],
    "Feedback": lambda value: [
        ((key,), value[key]) for key in ("request", "response", "truth")
        if isinstance(value.get(key), dict)],
}


def _is_any_bytes(value):
    # libseldon's form of a google.protobuf.Any on the gRPC path (seldon-codec-proto-private.h):
    # {"@type": "<type URL>", "value": "<base64 of the serialized message>"}; an empty Any is {}.
    return (isinstance(value, dict) and isinstance(value.get("@type"), str)
            and isinstance(value.get("value", ""), str) and set(value) <= {"@type", "value"})


def _sub_message(message, path):
    for step in path:
        message = getattr(message, step) if isinstance(step, str) else message[step]
    return message


def from_dict(name, value):
    """A new @name message ("SeldonMessage", "SeldonMessageList", "Feedback") parsed from its
    proto3 JSON form @value. A ``customData`` in libseldon's Any form (the type URL and the
    base64 of the packed message, whatever its type) is set as is."""
    import base64

    from google.protobuf import json_format

    customs = []
    if isinstance(value, dict):
        for path, item in _SELDON_MESSAGE_PATHS[name](value):
            custom = item.get("customData")
            if _is_any_bytes(custom):
                customs.append((path, custom))
        if customs:
            value = json_loads_copy(value)
            for path, _custom in customs:
                target = value
                for step in path:
                    target = target[step]
                del target["customData"]

    message = json_format.ParseDict(value, classes()[name]())
    for path, custom in customs:
        any_message = _sub_message(message, path).customData
        any_message.type_url = custom["@type"]
        any_message.value = base64.b64decode(custom.get("value", ""))
    return message


def json_loads_copy(value):
    """A deep copy of a JSON-like value."""
    import copy

    return copy.deepcopy(value)


def _seldon_message_to_dict(message):
    import base64

    from google.protobuf import json_format

    if message.WhichOneof("data_oneof") != "customData":
        return json_format.MessageToDict(message)
    custom = message.customData
    copy = type(message)()
    copy.CopyFrom(message)
    copy.ClearField("customData")
    out = json_format.MessageToDict(copy)
    if custom.type_url or custom.value:
        out["customData"] = {"@type": custom.type_url,
                             "value": base64.b64encode(custom.value).decode("ascii")}
    else:
        out["customData"] = {}
    return out


def to_dict(message):
    """The proto3 JSON form of a protobuf message; a SeldonMessage of any generated class is
    re-read with ours first, so that every class serialises alike. A ``customData`` is
    written in libseldon's Any form, whatever its type."""
    from google.protobuf import json_format

    if is_message(message, "seldon.protos.SeldonMessage"):
        cls = classes()["SeldonMessage"]
        if type(message) is not cls:
            copy = cls()
            copy.ParseFromString(message.SerializeToString())
            message = copy
        return _seldon_message_to_dict(message)
    if is_message(message, "seldon.protos.SeldonMessageList"):
        out = json_format.MessageToDict(type(message)())
        items = [_seldon_message_to_dict(item) for item in message.seldonMessages]
        if items:
            out["seldonMessages"] = items
        return out
    return json_format.MessageToDict(message)


def feedback_json_text(feedback):
    """The Feedback as ``send_feedback_rest`` receives it: proto3 JSON text, 2-space indent."""
    from google.protobuf import json_format

    return json_format.MessageToJson(feedback)
