# SPDX-License-Identifier: LGPL-2.1-or-later
"""Model parameters: the ``--parameters`` JSON list turned into constructor keyword arguments
(configuration.md §3)."""

import json

__all__ = ["ParameterError", "parse_parameters"]

_TYPES = ("INT", "FLOAT", "DOUBLE", "STRING", "BOOL")
_TRUE = ("y", "yes", "t", "true", "on", "1")
_FALSE = ("n", "no", "f", "false", "off", "0")


class ParameterError(Exception):
    """A parameter that cannot be converted (reason MICROSERVICE_BAD_PARAMETER)."""

    reason = "MICROSERVICE_BAD_PARAMETER"


def _text(value):
    # How upstream's message shows the value: Python's str()
    return str(value)


def _strtobool(value):
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    # Quirk (configuration.md §3): not the Seldon error, a plain "invalid truth value".
    raise ValueError("invalid truth value %r" % (value,))


def _convert(name, value, ptype):
    bad = ParameterError("Bad model parameter: %s with value %s can't be parsed as a %s"
                         % (name, _text(value), ptype))
    if ptype == "INT":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad
        try:
            return int(value)
        except ValueError:
            raise bad from None
    if ptype in ("FLOAT", "DOUBLE"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad
        try:
            return float(value)
        except ValueError:
            raise bad from None
    if ptype == "STRING":
        if value is None or isinstance(value, (list, dict)):
            raise bad
        return str(value)
    # BOOL
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise bad
    return _strtobool(value)


def parse_parameters(text):
    """The keyword arguments described by the JSON text @text (a list of
    ``{"name", "value", "type"}`` objects). Later entries replace earlier ones of the same
    name. Raises ParameterError (or ValueError for a bad BOOL text, like upstream)."""
    if text is None or text.strip() == "":
        text = "[]"
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise ParameterError("Invalid JSON in model parameters: %s" % exc) from None
    if not isinstance(entries, list):
        raise ParameterError('Invalid model parameters: expected a JSON list of {"name", "value", '
                             '"type"} objects, got %s' % text)

    kwargs = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ParameterError('Invalid model parameters: element %d is not a {"name", "value", '
                                 '"type"} object' % index)
        name = entry.get("name")
        if not isinstance(name, str):
            raise ParameterError('Invalid model parameters: element %d has no "name" string' % index)
        ptype = entry.get("type")
        if ptype not in _TYPES:
            raise ParameterError("Bad model parameter type: %s valid are INT, FLOAT, DOUBLE, STRING, BOOL"
                                 % (ptype,))
        kwargs.pop(name, None)
        kwargs[name] = _convert(name, entry.get("value"), ptype)
    return kwargs
