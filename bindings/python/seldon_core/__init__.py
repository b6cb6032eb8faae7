# SPDX-License-Identifier: LGPL-2.1-or-later
"""libseldon's compatibility stand-in for the user-facing names of Seldon Core's Python package.

Model classes written for the Seldon Core Python wrapper often import a few names from it:

    from seldon_core.user_model import SeldonComponent, SeldonNotImplementedError, SeldonResponse
    from seldon_core.flask_utils import SeldonMicroserviceException
    from seldon_core.metrics import COUNTER, GAUGE, TIMER

This package provides exactly those names, with the same constructors and attributes, so that
such classes load unchanged under libseldon's Python worker (``python3 -m seldon_worker``).
It is only used where the real ``seldon_core`` package is not installed: the worker places it
at the very end of ``sys.path``, behind every installed package.

The worker host recognises the exception and response types by class name (see
component-contract.md §1), so a real ``seldon_core`` and this one are treated alike.
"""

__version__ = "1.18.2"
