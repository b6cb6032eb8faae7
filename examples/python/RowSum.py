# SPDX-License-Identifier: LGPL-2.1-or-later
"""RowSum: a component that implements Seldon.Component itself, with PyGObject.

predict answers the sum of each row of a 2-D numeric array, as a column: an (n, m) array gives
an (n, 1) array of doubles, and a 1-D array of m values counts as one row. Anything else
(strings, other shapes, a payload that is not an array) is refused with Seldon.Error.BAD_DATA
(REST 400). The same model as examples/js/RowSum.js, with the same answers.

Unlike Identity.py and RowMean.py (plain Seldon Python classes, which the server adapts), this
class works on Seldon.Message and Seldon.Tensor directly: it is a GObject class implementing
Seldon.Component, whose methods are ``do_*`` vfuncs, and the server calls it as it is. From
this folder:

    seldon-microservice RowSum.py --http-port 9000
    curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \\
         localhost:9000/api/v1.0/predictions
    => {"data":{"names":["t:0"],"ndarray":[[6.0],[15.0]]},"meta":{}}

(``seldon-microservice RowSum`` finds it too, as it finds any Python class.) The model
parameters are the GObject properties of the class; its one parameter, "scale" (default 1),
multiplies every sum:

    seldon-microservice RowSum.py --parameters '[{"name":"scale","value":"10","type":"FLOAT"}]'

serve.py serves it from a script instead, with Seldon.Server. The server calls predict from
several threads at once (PyGObject takes the GIL); a component that cannot take that returns
Seldon.ComponentFlags.NOT_THREAD_SAFE from do_get_flags().
"""

import logging

import gi

gi.require_version("GLib", "2.0")
gi.require_version("GObject", "2.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, GObject, Seldon  # noqa: E402

logger = logging.getLogger(__name__)


def bad_data(message):
    """The error for a request this model cannot take: REST 400 MICROSERVICE_BAD_DATA.
    (Any other Python exception is a 500 MICROSERVICE_INTERNAL_ERROR.)"""
    return GLib.Error.new_literal(Seldon.error_quark(), message, Seldon.Error.BAD_DATA)


class RowSum(GObject.Object, Seldon.Component):
    scale = GObject.Property(type=float, default=1.0)

    def do_load(self, cancellable):
        """Runs once, before the first call. In a worker of seldon-microservice, Python
        logging goes to the server's log in its line format."""
        logger.info("RowSum loaded with scale %s", self.scale)
        return True

    def do_predict(self, request, cancellable):
        try:
            tensor = request.dup_tensor()
        except GLib.Error as error:
            raise bad_data("rowsum needs a 2-D array of numbers: " + error.message) from None
        if not tensor.is_numeric():
            raise bad_data("rowsum needs a 2-D array of numbers, not strings or objects")

        shape = tensor.get_shape()
        if len(shape) == 1:
            rows, cols = 1, shape[0]
        elif len(shape) == 2:
            rows, cols = shape
        else:
            raise bad_data("rowsum needs a 2-D array of numbers, got %d dimensions" % len(shape))

        values = tensor.dup_doubles()
        sums = [self.scale * sum(values[r * cols:(r + 1) * cols]) for r in range(rows)]
        return Seldon.Message.new_tensor(Seldon.Tensor.new_from_doubles(sums, [rows, 1]))
