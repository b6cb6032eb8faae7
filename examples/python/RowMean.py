# SPDX-License-Identifier: LGPL-2.1-or-later
"""RowMean: predict answers the mean of each row of a 2-D numeric array, as a column.

The Python version of examples/c/seldon-rowmean.c, written as a plain Seldon Python class.
An (n, m) array gives an (n, 1) array of floats; a 1-D array of m values counts as one row.
Anything else (strings, other shapes, rows without values, a payload that is not an array)
is refused with 400 MICROSERVICE_BAD_DATA. From this folder:

    seldon-microservice RowMean
    curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \\
         localhost:9000/api/v1.0/predictions
    => {"data":{"names":["t:0"],"ndarray":[[2.0],[5.0]]},"meta":{}}

Its one parameter, "scale" (default 1), multiplies every mean:

    seldon-microservice RowMean --parameters '[{"name":"scale","value":"100","type":"FLOAT"}]'

The computation is numpy's, on the whole array at once: no Python loop over the values.
"""

import numpy as np

try:
    from seldon_core.flask_utils import SeldonMicroserviceException
except ImportError:
    # Where the Seldon SDK is not installed, components define a look-alike: the server
    # recognises it by its class name.
    class SeldonMicroserviceException(Exception):
        status_code = 400

        def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
            Exception.__init__(self)
            self.message = message
            if status_code is not None:
                self.status_code = status_code
            self.payload = payload
            self.reason = reason


class RowMean:
    def __init__(self, scale=1.0):
        self.scale = float(scale)

    def predict(self, X, feature_names, meta=None):
        if not isinstance(X, np.ndarray):
            raise SeldonMicroserviceException(
                "rowmean needs a 2-D array of numbers, not %s" % type(X).__name__)
        if X.dtype.kind not in "biuf":
            raise SeldonMicroserviceException(
                "rowmean needs a 2-D array of numbers, not strings or objects")
        if X.ndim == 1:
            X = X.reshape(1, -1)
        elif X.ndim != 2:
            raise SeldonMicroserviceException(
                "rowmean needs a 2-D array of numbers, got %d dimensions" % X.ndim)
        rows, cols = X.shape
        if cols == 0 and rows > 0:
            raise SeldonMicroserviceException("rowmean needs at least one value per row")
        sums = X.sum(axis=1, keepdims=True, dtype=np.float64)
        return self.scale * sums / max(cols, 1)
