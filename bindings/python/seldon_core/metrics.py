# SPDX-License-Identifier: LGPL-2.1-or-later
"""The custom metric type names of ``seldon_core.metrics``.

A component's ``metrics()`` returns a list of ``{"type": ..., "key": ..., "value": ...}``
dicts whose ``type`` is one of these strings.
"""

__all__ = ["COUNTER", "GAUGE", "TIMER"]

COUNTER = "COUNTER"
GAUGE = "GAUGE"
TIMER = "TIMER"
