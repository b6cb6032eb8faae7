# SPDX-License-Identifier: LGPL-2.1-or-later
"""libseldon's Python worker: serves an unmodified Seldon Python component.

``python3 -m seldon_worker --fd N`` is started by ``seldon-microservice`` for a Python
component (decisions.md D2). It loads the component class named on the command line
(configuration.md §4), constructs it with the model parameters and serves it through
:class:`seldon_worker.adapter.Adapter`, a Seldon.Component, over the channel on fd N.

The adapter can also be used in-process, with a Seldon.Worker and a Seldon.Server built in
Python::

    from seldon_worker import adapt
    worker = Seldon.Worker.new(adapt(MyModel()), config)
"""

__all__ = ["Adapter", "adapt", "build_component", "parse_parameters", "find_class", "setup_logging"]


def __getattr__(name):
    # Lazy, so that "import seldon_worker" does not load PyGObject and numpy by itself.
    if name == "Adapter":
        from .adapter import Adapter
        return Adapter
    if name == "adapt":
        from .adapter import adapt
        return adapt
    if name == "build_component":
        from .host import build_component
        return build_component
    if name == "parse_parameters":
        from .parameters import parse_parameters
        return parse_parameters
    if name == "find_class":
        from .loader import find_class
        return find_class
    if name == "setup_logging":
        from .log import setup_logging
        return setup_logging
    raise AttributeError("module 'seldon_worker' has no attribute %r" % (name,))
