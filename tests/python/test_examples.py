# SPDX-License-Identifier: LGPL-2.1-or-later
"""examples/python: the Python versions of the C identity and rowmean examples answer like
the C ones (examples/c/test-examples.py)."""

import os

import pytest

from conftest import dumps

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "examples", "python")


def example(name):
    with open(os.path.join(EXAMPLES, name + ".py")) as f:
        return f.read()


@pytest.mark.parametrize("body, answer", [
    ('{"data":{"ndarray":[[1,2,3]]}}', '{"data":{"names":["t:0","t:1","t:2"],"ndarray":[[1,2,3]]},"meta":{}}'),
    ('{"strData":"hello"}', '{"meta":{},"strData":"hello"}'),
    ('{"jsonData":{"b":1,"a":[1,2]}}', '{"jsonData":{"a":[1,2],"b":1},"meta":{}}'),
    ('{"binData":"MTIz"}', '{"binData":"MTIz","meta":{}}'),
], ids=["ndarray", "strData", "jsonData", "binData"])
def test_identity_example(serve, body, answer):
    r = serve(example("Identity"), name="Identity").post("/api/v1.0/predictions", body)
    assert (r.status, r.body) == (200, answer.encode() + b"\n")


def test_rowmean_example(serve):
    service = serve(example("RowMean"), name="RowMean",
                    parameters='[{"name":"scale","value":"10","type":"FLOAT"}]')
    r = service.post("/predict", '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}')
    assert (r.status, r.body) == (200, b'{"data":{"names":["t:0"],"ndarray":[[20.0],[50.0]]},"meta":{}}\n')
    r = service.post("/predict", '{"data":{"tensor":{"shape":[3],"values":[1,2,6]}}}')
    assert (r.status, r.body) == (200, dumps(
        {"data": {"names": ["t:0"], "tensor": {"shape": [1, 1], "values": [30.0]}}, "meta": {}}))
    r = service.post("/predict", '{"data":{"ndarray":[["a","b"]]}}')
    assert (r.status, r.json()["status"]["reason"]) == (400, "MICROSERVICE_BAD_DATA")
    r = service.post("/predict", '{"strData":"x"}')
    assert r.status == 400 and "rowmean" in r.json()["status"]["info"]
    r = service.post("/predict", '{"data":{"ndarray":[[[1]]]}}')
    assert r.json()["status"]["info"] == "rowmean needs a 2-D array of numbers, got 3 dimensions"
