# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Seldon.Message additions that language bindings use (seldon-message.h):
new_array, get_packed_array, new_json_text, new_invalid, dup_meta_json, dup_payload_json and
json_node_to_string."""

import json
import struct

import gi
import pytest

gi.require_version("GLib", "2.0")
gi.require_version("Json", "1.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, Json, Seldon  # noqa: E402


def test_new_array_and_packed_array():
    data = struct.pack("=4i", 1, -2, 3, 4)
    message = Seldon.Message.new_array(Seldon.DType.INT32, [2, 2], data)
    assert message.get_payload_kind() == Seldon.PayloadKind.TENSOR
    assert message.to_json() == '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[2,2],"values":[1,-2,3,4]}},"meta":{}}'
    ok, dtype, shape, packed = message.get_packed_array()
    assert (ok, dtype, shape, packed) == (True, Seldon.DType.INT32, [2, 2], data)

    scalar = Seldon.Message.new_array(Seldon.DType.FLOAT32, [], struct.pack("=f", 0.5))
    assert scalar.get_packed_array()[1:3] == (Seldon.DType.FLOAT32, [])
    empty = Seldon.Message.new_array(Seldon.DType.FLOAT64, [0], b"")
    assert empty.get_packed_array() == (True, Seldon.DType.FLOAT64, [0], b"")

    with pytest.raises(GLib.Error) as info:
        Seldon.Message.new_array(Seldon.DType.INT64, [3], b"\x00" * 16)
    assert info.value.message == "data holds 16 bytes, the shape needs 24"

    # not packed: strings, objects, other payloads
    assert not Seldon.Message.new_from_json('{"data":{"ndarray":["a"]}}', -1).get_packed_array()[0]
    assert not Seldon.Message.new_string("x").get_packed_array()[0]


def test_new_json_text():
    big = Seldon.Message.new_json_text(Seldon.PayloadKind.JSON,
                                       '{"big":18446744073709551616,"nul":"a\\u0000b","x":NaN}', -1)
    assert big.to_json() == '{"jsonData":{"big":18446744073709551616,"nul":"a\\u0000b","x":NaN},"meta":{}}'
    as_list = Seldon.Message.new_json_text(Seldon.PayloadKind.LIST, '[1,"a",true]', -1)
    assert as_list.get_payload_kind() == Seldon.PayloadKind.LIST
    with pytest.raises(GLib.Error):
        Seldon.Message.new_json_text(Seldon.PayloadKind.LIST, '{"not":"a list"}', -1)
    with pytest.raises(GLib.Error):
        Seldon.Message.new_json_text(Seldon.PayloadKind.JSON, '{', -1)


def test_new_invalid():
    message = Seldon.Message.new_invalid("(1, 2)")
    assert message.get_payload_kind() == Seldon.PayloadKind.NONE
    assert message.get_invalid_description() == "(1, 2)"
    assert Seldon.Message.new().get_invalid_description() is None
    assert message.to_json() is None


def test_json_texts():
    message = Seldon.Message.new_from_json(
        '{"meta":{"puid":"p","tags":{"f":1e-7,"big":123456789012345678901}},'
        '"data":{"ndarray":[[1.5,2e20,0.1]]}}', -1)
    assert message.dup_meta_json() == '{"puid":"p","tags":{"f":1e-07,"big":123456789012345678901}}'
    assert json.loads(message.dup_payload_json()) == [[1.5, 2e20, 0.1]]
    assert Seldon.Message.new_string("h\u00e9").dup_payload_json() == '"h\u00e9"'
    assert Seldon.Message.new_bytes(GLib.Bytes.new(b"123")).dup_payload_json() == '"MTIz"'
    assert Seldon.Message.new_string("x").dup_meta_json() is None
    assert Seldon.Message.new().dup_payload_json() is None
    # json-glib's own writer prints 2e20 as "2e+20.0"
    assert Seldon.json_node_to_string(Json.from_string("[2e20,1e-7,0.1,1]")) == "[2e+20,1e-07,0.1,1]"
    assert Seldon.json_node_to_string(None) == "null"
