# SPDX-License-Identifier: LGPL-2.1-or-later
"""``SeldonComponent``, ``SeldonNotImplementedError`` and ``SeldonResponse`` for libseldon.

Subclassing ``SeldonComponent`` is optional: the server probes a component for each method by
name. The base class's methods all raise ``SeldonNotImplementedError`` (``load`` does
nothing), which the server treats like a missing method, except for ``route`` and
``aggregate``, whose error reaches the client (400 ``route is not implemented``), and
``health_status``, which is then answered with ``not implemented - assuming healthy``.
"""

import logging

from seldon_core.flask_utils import SeldonMicroserviceException

__all__ = ["SeldonComponent", "SeldonNotImplementedError", "SeldonResponse"]

logger = logging.getLogger(__name__)


class SeldonNotImplementedError(SeldonMicroserviceException):
    """Signals that a component does not implement a method (status 400 if it escapes)."""

    status_code = 400

    def __init__(self, message):
        SeldonMicroserviceException.__init__(self, message)


class SeldonResponse:
    """A method's result together with runtime tags (a dict) and runtime metrics (a list).

    The server merges the tags into the answer's ``meta.tags`` after the static ``tags()``,
    and validates, records and echoes the metrics after ``metrics()``.
    """

    def __init__(self, data, tags=None, metrics=None):
        self.data = data
        self.tags = {} if tags is None else tags
        self.metrics = [] if metrics is None else metrics

    @classmethod
    def create(cls, data):
        """@data itself if it already is a SeldonResponse, else one wrapping it."""
        if isinstance(data, cls):
            return data
        return cls(data=data)


def _not_implemented(what):
    raise SeldonNotImplementedError("%s is not implemented" % what)


class SeldonComponent:
    """Optional base class of a Seldon Python component."""

    def __init__(self, **kwargs):
        self.tracer = None

    def tags(self):
        _not_implemented("tags")

    def class_names(self):
        _not_implemented("class_names")

    def load(self):
        pass

    def predict(self, X, names, meta=None):
        _not_implemented("predict")

    def predict_raw(self, msg):
        _not_implemented("predict_raw")

    def send_feedback_raw(self, feedback):
        _not_implemented("send_feedback_raw")

    def transform_input(self, X, names, meta=None):
        _not_implemented("transform_input")

    def transform_input_raw(self, msg):
        _not_implemented("transform_input_raw")

    def transform_output(self, X, names, meta=None):
        _not_implemented("transform_output")

    def transform_output_raw(self, msg):
        _not_implemented("transform_output_raw")

    def metrics(self):
        _not_implemented("metrics")

    def feature_names(self):
        _not_implemented("feature_names")

    def send_feedback(self, features, feature_names, reward, truth, routing):
        _not_implemented("send_feedback")

    def route(self, features, feature_names):
        _not_implemented("route")

    def route_raw(self, msg):
        _not_implemented("route_raw")

    def aggregate(self, features_list, feature_names_list):
        _not_implemented("aggregate")

    def aggregate_raw(self, msgs):
        _not_implemented("aggregate_raw")

    def health_status(self):
        _not_implemented("health")

    def health_status_raw(self):
        _not_implemented("health_raw")

    def metadata(self):
        _not_implemented("metadata")

    def init_metadata(self):
        _not_implemented("init_metadata")

    def set_tracer(self, tracer):
        self.tracer = tracer
        logger.info("tracing object set inside SeldonComponent.")

    def set_grpc_tracer(self, tracer):
        self.grpc_tracer = tracer
        logger.info("gRPC tracing object set inside SeldonComponent.")
