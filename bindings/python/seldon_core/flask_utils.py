# SPDX-License-Identifier: LGPL-2.1-or-later
"""``seldon_core.flask_utils.SeldonMicroserviceException`` for libseldon (no Flask needed)."""

__all__ = ["SeldonMicroserviceException"]


class SeldonMicroserviceException(Exception):
    """Raise it from any component method to answer with a Seldon error.

    The REST answer has HTTP status @status_code (400 when left out), the given @reason
    (``MICROSERVICE_BAD_DATA`` by default) and @message as ``info``. @payload is kept but
    not used.
    """

    status_code = 400

    def __init__(self, message, status_code=None, payload=None, reason="MICROSERVICE_BAD_DATA"):
        Exception.__init__(self)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.payload = payload
        self.reason = reason

    def to_dict(self):
        """The Seldon error object of this exception."""
        return {
            "status": {
                "status": 1,
                "info": self.message,
                "code": -1,
                "reason": self.reason,
            }
        }
