# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for the Seldon-1.0 typelib (installed to gi/overrides).

Two additions. ``Seldon.custom_error(status, reason, message)`` makes the error a component
raises to answer with its own HTTP status and reason (``Seldon.Error.new_custom`` keeps them in
the GError's extended data, which PyGObject drops when the error is raised from Python).

And a Python exception raised by a component method (a ``do_*`` vfunc of a
Seldon.Component implementation) reaches the server as an error.

PyGObject turns a raised ``GLib.Error`` into the vfunc's GError, but any other exception is
printed and swallowed: the C caller then sees a NULL result without an error, which the
server takes for a component returning ``None``. Like the Seldon Python wrapper, the server
must answer such a failure with 500 ``MICROSERVICE_INTERNAL_ERROR`` and ``str(exception)``, so
every ``do_*`` method that can fail is wrapped to raise it as a ``Seldon.Error.FAILED``
GLib.Error instead (the traceback is logged on the ``seldon`` logger).
"""

import functools
import logging

from gi.repository import GLib

from ..importer import modules
from ..overrides import override

Seldon = modules["Seldon"]._introspection_module

__all__ = []

_logger = logging.getLogger("seldon")

# Every Seldon.Component vfunc except get_flags() takes a GError.
_THROWING_VFUNCS = frozenset(
    "do_" + info.get_name()
    for info in Seldon.Component.__info__.get_vfuncs()
    if info.can_throw_gerror()
)


def _wrap_vfunc(name, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GLib.Error:
            raise
        except Exception as exc:
            _logger.error("%s() failed", name[len("do_"):], exc_info=True)
            raise GLib.Error.new_literal(Seldon.error_quark(), str(exc),
                                         Seldon.Error.FAILED) from exc

    wrapper._seldon_wrapped = True
    return wrapper


def custom_error(status, reason, message):
    """Return a GLib.Error that answers with HTTP @status, Seldon @reason and @message.

    Raise it from a ``do_*`` method: the server reads the status from the code and the reason
    from the message, which carries it as ``\\x1eREASON\\x1eMESSAGE`` (see
    seldon_error_new_custom())."""
    if not 100 <= int(status) <= 599:
        raise ValueError("HTTP status out of range: %r" % (status,))
    return GLib.Error.new_literal(Seldon.error_quark(),
                                  "\x1e%s\x1e%s" % (reason or "", message), int(status))


__all__.append("custom_error")


class Component(Seldon.Component):
    def __init_subclass__(cls, **kwargs):
        # Runs before GObject's metaclass hooks up the do_* methods, so the wrappers are
        # what C calls.
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if (name in _THROWING_VFUNCS and callable(value)
                    and not getattr(value, "_seldon_wrapped", False)):
                setattr(cls, name, _wrap_vfunc(name, value))


Component = override(Component)
__all__.append("Component")
