# SPDX-License-Identifier: LGPL-2.1-or-later
"""Identity: a Seldon Python component whose predict answers the request's payload unchanged.

The Python version of examples/c/seldon-identity.c, written as a plain class the way Seldon
Core's Python wrapper expects it (no libseldon import). From this folder:

    seldon-microservice Identity --http-port 9000
    curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3]]}}' \\
         localhost:9000/api/v1.0/predictions
    => {"data":{"names":["t:0","t:1","t:2"],"ndarray":[[1,2,3]]},"meta":{}}

``X`` is a numpy array for ``data``, a str for ``strData``, bytes for ``binData`` and the
JSON value for ``jsonData``; returning it as it is gives back the same kind of payload.
"""


class Identity:
    def predict(self, X, feature_names, meta=None):
        return X
