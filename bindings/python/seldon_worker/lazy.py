# SPDX-License-Identifier: LGPL-2.1-or-later
"""Deferred import of the numpy subpackages that serving does not need.

``import numpy`` also imports ``numpy.random`` (which pulls in ``secrets``, ``hashlib`` and
OpenSSL's libcrypto), ``numpy.fft``, ``numpy.polynomial`` and ``numpy.ma``: about 9 MiB of
memory in every worker process, most of it for components that never use them. While
:func:`deferred_numpy_subpackages` is active, importing one of them makes a module object whose
code runs at its first attribute access (any attribute, from any thread), so that a component
that does use it sees no difference.

Unlike ``importlib.util.LazyLoader`` (in Python 3.11), the first access is thread-safe: the
module is a lazy one until its code has run, and a thread that touches it meanwhile waits for
the thread running it.
"""

import contextlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types

__all__ = ["deferred_numpy_subpackages"]

DEFERRED = frozenset(["numpy.random", "numpy.fft", "numpy.polynomial", "numpy.ma"])

_LOCK = threading.RLock()
_STATE = "__seldon_deferred__"


def _load(module):
    namespace = object.__getattribute__(module, "__dict__")
    if _STATE not in namespace:
        return
    with _LOCK:
        state = namespace.get(_STATE)
        if state is None or state["running"]:
            # loaded by another thread meanwhile, or this thread runs its code right now
            return
        state["running"] = True
        try:
            loader = state["loader"]
            spec = namespace["__spec__"]
            spec.loader = loader
            namespace["__loader__"] = loader
            loader.exec_module(module)
        except BaseException:
            state["running"] = False
            raise
        del namespace[_STATE]
        object.__setattr__(module, "__class__", types.ModuleType)


class _DeferredModule(types.ModuleType):
    def __getattribute__(self, name):
        _load(self)
        return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        _load(self)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        _load(self)
        object.__delattr__(self, name)


class _DeferringLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__dict__[_STATE] = {"loader": self.loader, "running": False}
        module.__class__ = _DeferredModule


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in DEFERRED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        # Only Python modules and packages (an extension module makes its own module object).
        if not isinstance(spec.loader, (importlib.machinery.SourceFileLoader,
                                        importlib.machinery.SourcelessFileLoader)):
            return spec
        spec.loader = _DeferringLoader(spec.loader)
        return spec


@contextlib.contextmanager
def deferred_numpy_subpackages():
    """While active, the numpy subpackages of DEFERRED that get imported run their code only
    when first used."""
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
