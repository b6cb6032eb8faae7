# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a plain Python model's predict() receives and how each kind of result is answered
(component-contract.md §3, §5; rest-api.md §5-§6; worked examples of rest-api.md §10)."""

import pytest

from conftest import dumps, seldon_error

ECHO = """
    import json

    class MyModel:
        def predict(self, X, names, meta=None):
            return X
"""

# The model reports what it received, as jsonData.
SPY = """
    import numpy as np

    class MyModel:
        def predict(self, X, names, meta=None):
            return {
                "type": type(X).__name__,
                "dtype": str(X.dtype) if isinstance(X, np.ndarray) else None,
                "shape": list(X.shape) if isinstance(X, np.ndarray) else None,
                "value": X.tolist() if isinstance(X, np.ndarray) else
                         (X.decode("latin-1") if isinstance(X, bytes) else X),
                "writable": bool(X.flags.writeable) if isinstance(X, np.ndarray) else None,
                "names": names,
                "meta": meta,
            }
"""


def returning(expression, imports="import numpy as np"):
    """A model whose predict() returns @expression."""
    return """
%s

class MyModel:
    def predict(self, X, names, meta=None):
        return %s
""" % (imports, expression)


@pytest.mark.parametrize("request_body, expected", [
    # rows 2, 3, 10, 11, 13, 14, 16 of rest-api.md §10 with a Python identity
    ({"data": {"ndarray": [[1, 2]]}},
     {"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]}, "meta": {}}),
    ({"data": {"tensor": {"shape": [2, 1], "values": [1, 2]}}},
     {"data": {"names": ["t:0"], "tensor": {"shape": [2, 1], "values": [1, 2]}}, "meta": {}}),
    ({"strData": "my data"}, {"meta": {}, "strData": "my data"}),
    ({"binData": "MTIz"}, {"binData": "MTIz", "meta": {}}),
    ({"jsonData": {"b": 1, "a": [1, 2]}}, {"jsonData": {"a": [1, 2], "b": 1}, "meta": {}}),
    ({"strData": "\u00e9"}, {"meta": {}, "strData": "\u00e9"}),
    ({"data": {"ndarray": [[1.5, 2e20, 1e-7, 0.1]]}},
     {"data": {"names": ["t:0", "t:1", "t:2", "t:3"], "ndarray": [[1.5, 2e20, 1e-7, 0.1]]},
      "meta": {}}),
    ({"data": {"ndarray": [[1, "y"]]}},
     {"data": {"names": ["t:0", "t:1"], "ndarray": [["1", "y"]]}, "meta": {}}),
    ({"data": {"ndarray": ["a", None]}},
     {"data": {"names": [], "ndarray": ["a", None]}, "meta": {}}),
    ({"meta": {"puid": "123"}, "data": {"ndarray": [1]}},
     {"data": {"names": [], "ndarray": [1]}, "meta": {"puid": "123"}}),
    ({"data": {"tensor": {"shape": [], "values": [1]}}},
     {"data": {"names": [], "tensor": {"shape": [], "values": [1]}}, "meta": {}}),
    ({"data": {"ndarray": 5}}, {"data": {"names": [], "ndarray": 5}, "meta": {}}),
], ids=["ndarray", "tensor", "strData", "binData", "jsonData", "non-ascii", "floats",
        "mixed-strings", "object", "puid", "0-d tensor", "0-d ndarray"])
def test_identity(serve, request_body, expected):
    r = serve(ECHO).post("/predict", request_body)
    assert (r.status, r.body) == (200, dumps(expected))
    assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize("request_body, expected", [
    ({"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}, "meta": {"puid": "p", "tags": {"t": 1}}},
     {"type": "ndarray", "dtype": "int64", "shape": [1, 2], "value": [[1, 2]], "writable": True,
      "names": ["a", "b"], "meta": {"puid": "p", "tags": {"t": 1}}}),
    ({"data": {"tensor": {"shape": [3], "values": [1.5, 2, 3]}}},
     {"type": "ndarray", "dtype": "float64", "shape": [3], "value": [1.5, 2.0, 3.0],
      "writable": True, "names": [], "meta": None}),
    ({"data": {"ndarray": [[True, False]]}},
     {"type": "ndarray", "dtype": "bool", "shape": [1, 2], "value": [[True, False]],
      "writable": True, "names": [], "meta": None}),
    ({"data": {"ndarray": [["a", "bc"]]}},
     {"type": "ndarray", "dtype": "<U2", "shape": [1, 2], "value": [["a", "bc"]],
      "writable": True, "names": [], "meta": None}),
    ({"data": {"ndarray": [1, None, {"k": 1}]}},
     {"type": "ndarray", "dtype": "object", "shape": [3], "value": [1, None, {"k": 1}],
      "writable": True, "names": [], "meta": None}),
    ({"data": {"ndarray": [18446744073709551615]}},
     {"type": "ndarray", "dtype": "uint64", "shape": [1], "value": [18446744073709551615],
      "writable": True, "names": [], "meta": None}),
    ({"data": {}}, {"type": "ndarray", "dtype": "float64", "shape": [0], "value": [],
                    "writable": True, "names": [], "meta": None}),
    ({"strData": "hello", "meta": {}},
     {"type": "str", "dtype": None, "shape": None, "value": "hello", "writable": None,
      "names": [], "meta": {}}),
    ({"binData": "AQID"},
     {"type": "bytes", "dtype": None, "shape": None, "value": "\x01\x02\x03", "writable": None,
      "names": [], "meta": None}),
    ({"jsonData": [1, {"a": None}]},
     {"type": "list", "dtype": None, "shape": None, "value": [1, {"a": None}], "writable": None,
      "names": [], "meta": None}),
    ({"jsonData": None},
     {"type": "NoneType", "dtype": None, "shape": None, "value": None, "writable": None,
      "names": [], "meta": None}),
], ids=["int-ndarray-names-meta", "tensor-floats", "bool", "str", "object", "uint64", "empty",
        "strData", "binData", "jsonData-list", "jsonData-null"])
def test_arguments(serve, request_body, expected):
    # component-contract.md §3: X, names and meta as the Python wrapper passes them
    r = serve(SPY).post("/predict", request_body)
    assert r.status == 200, r
    assert r.json()["jsonData"] == expected


def test_row_12_numpy_from_bindata(serve):
    r = serve(returning("np.array([1, 2, 3])")).post("/predict", {"binData": "MTIz"})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": [], "tensor": {"shape": [3], "values": [1, 2, 3]}}, "meta": {}}))


def test_row_17_float32(serve):
    r = serve(returning("np.array([[0.1, 0.2]], dtype=np.float32)")).post(
        "/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (200, b'{"data":{"names":["t:0","t:1"],"ndarray":'
                                       b'[[0.10000000149011612,0.20000000298023224]]},"meta":{}}\n')


@pytest.mark.parametrize("dtype, values, ndarray", [
    ("np.int8", "[[-1, 2]]", [[-1, 2]]),
    ("np.int16", "[[-300, 2]]", [[-300, 2]]),
    ("np.int32", "[[-70000, 2]]", [[-70000, 2]]),
    ("np.int64", "[[-2**40, 2]]", [[-2 ** 40, 2]]),
    ("np.uint8", "[[255, 0]]", [[255, 0]]),
    ("np.uint16", "[[65535, 1]]", [[65535, 1]]),
    ("np.uint32", "[[4294967295, 1]]", [[4294967295, 1]]),
    ("np.uint64", "[[18446744073709551615, 1]]", [[18446744073709551615, 1]]),
    ("np.float64", "[[0.1, -2.5]]", [[0.1, -2.5]]),
    ("np.float16", "[[0.5, 0.1]]", [[0.5, 0.0999755859375]]),
    (">f8", "[[1.25, 2]]", [[1.25, 2.0]]),
], ids=["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float64",
        "float16", "big-endian"])
def test_numeric_dtypes(serve, dtype, values, ndarray):
    dt = dtype if dtype.startswith("np.") else repr(dtype)
    service = serve(returning("np.array(%s, dtype=%s)" % (values, dt)))
    # the request's array kind decides: ndarray ...
    r = service.post("/predict", {"data": {"ndarray": [0]}})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": ["t:0", "t:1"], "ndarray": ndarray}, "meta": {}}))
    # ... tensor, and tensor when the request had no data
    flat = ndarray[0]
    for body in ({"data": {"tensor": {"shape": [1], "values": [0]}}}, {"strData": "x"}):
        r = service.post("/predict", body)
        assert (r.status, r.body) == (200, dumps(
            {"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": flat}},
             "meta": {}}))


@pytest.mark.parametrize("expression, ndarray", [
    ("np.array([[True, False]])", [[True, False]]),
    ("np.array([['a', 'bc']])", [["a", "bc"]]),
    ("np.array([[1, None]], dtype=object)", [[1, None]]),
    ("np.array([[1, 2]], dtype=object)", [[1, 2]]),
    ("np.array([['\\u00e9', '']])", [["\u00e9", ""]]),
], ids=["bool", "str", "object", "object-ints", "unicode"])
def test_non_numeric_arrays(serve, expression, ndarray):
    # rest-api.md §6.1: booleans, strings and objects are never numeric: always ndarray
    r = serve(returning(expression)).post("/predict", {"data": {"tensor": {"shape": [1], "values": [1]}}})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": ["t:0", "t:1"], "ndarray": ndarray}, "meta": {}}))


def test_zero_dimensional_arrays(serve):
    service = serve(returning("np.array(3.5)"))
    r = service.post("/predict", {"strData": "x"})
    assert r.body == dumps({"data": {"names": [], "tensor": {"shape": [], "values": [3.5]}}, "meta": {}})
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert r.body == dumps({"data": {"names": [], "ndarray": 3.5}, "meta": {}})


@pytest.mark.parametrize("expression, request_body, expected", [
    # a list answers verbatim as ndarray (row 96), typed as the array it converts to
    ("[1, 'a']", {"data": {"ndarray": [1]}}, {"data": {"names": [], "ndarray": [1, "a"]}, "meta": {}}),
    ("[True, 2]", {"data": {"ndarray": [1]}}, {"data": {"names": [], "ndarray": [True, 2]}, "meta": {}}),
    ("[True, 2]", {"data": {"tensor": {"shape": [1], "values": [1]}}},
     {"data": {"names": [], "tensor": {"shape": [2], "values": [1, 2]}}, "meta": {}}),
    ("[[1.0, 2], [3, 4]]", {"strData": "x"},
     {"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [2, 2], "values": [1.0, 2.0, 3.0, 4.0]}},
      "meta": {}}),
    ("[]", {"data": {"ndarray": [1]}}, {"data": {"names": [], "ndarray": []}, "meta": {}}),
    ("'text'", {"data": {"ndarray": [1]}}, {"meta": {}, "strData": "text"}),
    ("b'\\x00\\xff'", {"data": {"ndarray": [1]}}, {"binData": "AP8=", "meta": {}}),
    ("bytearray(b'123')", {"data": {"ndarray": [1]}}, {"binData": "MTIz", "meta": {}}),
    ("{'z': [1, 2.5], 'a': None}", {"data": {"ndarray": [1]}},
     {"jsonData": {"a": None, "z": [1, 2.5]}, "meta": {}}),
], ids=["list-mixed", "list-bool-int", "list-numeric-tensor", "list-2d", "empty-list", "str",
        "bytes", "bytearray", "dict"])
def test_python_results(serve, expression, request_body, expected):
    r = serve(returning(expression)).post("/predict", request_body)
    assert (r.status, r.body) == (200, dumps(expected))


@pytest.mark.parametrize("expression, shown", [
    ("None", "None"),                       # row 44
    ("5", "5"),
    ("2.5", "2.5"),
    ("(1, 2)", "(1, 2)"),
    ("np.float32(0.1)", "0.1"),
    ("np.int64(7)", "7"),
    ("{1, 2}", "{1, 2}"),
], ids=["None", "int", "float", "tuple", "numpy-float32", "numpy-int64", "set"])
def test_unknown_result_types(serve, expression, shown):
    # rest-api.md §6.1: 400 with Python's str() of the result
    r = serve(returning(expression)).post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (400, seldon_error(
        "Unknown data type returned as payload (must be list or np array):" + shown))


def test_list_with_numpy_scalars(serve):
    # rest-api.md §6.1: fine as a tensor, a 500 from the JSON encoder as an ndarray
    service = serve(returning("[np.int64(1), np.int64(2)]"))
    r = service.post("/predict", {"data": {"tensor": {"shape": [1], "values": [1]}}})
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": [], "tensor": {"shape": [2], "values": [1, 2]}}, "meta": {}}))
    r = service.post("/predict", {"data": {"ndarray": [1]}})
    assert (r.status, r.body) == (500, seldon_error(
        "Object of type int64 is not JSON serializable", "MICROSERVICE_INTERNAL_ERROR"))


def test_rows_45_46_no_predict(serve):
    service = serve("""
        class MyModel:
            pass
    """)
    r = service.post("/predict", {"data": {"ndarray": [[1, 2]]}})
    assert (r.status, r.body) == (200, b'{"data":{"names":[],"ndarray":[]},"meta":{}}\n')
    r = service.post("/predict", {"strData": "x"})
    assert (r.status, r.body) == (200, b'{"data":{"names":[],"tensor":{"shape":[0],"values":[]}},"meta":{}}\n')


def test_large_array_round_trip(serve):
    # packed numeric data moves without per-element Python work, in both directions
    service = serve("""
        import numpy as np

        class MyModel:
            def predict(self, X, names):
                X *= 2          # the array is writable, as upstream's is
                return X.astype(np.float32)
    """)
    values = list(range(100000))
    r = service.post("/predict", {"data": {"tensor": {"shape": [1000, 100], "values": values}}})
    assert r.status == 200, r
    tensor = r.json()["data"]["tensor"]
    assert tensor["shape"] == [1000, 100]
    assert tensor["values"][:3] == [0.0, 2.0, 4.0]
    assert tensor["values"][-1] == 199998.0
