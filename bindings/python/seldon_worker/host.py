# SPDX-License-Identifier: LGPL-2.1-or-later
"""The worker process: ``python3 -m seldon_worker --fd N``.

The front (``seldon-microservice``) spawns it with one end of a socket pair as fd N. The
worker reads its configuration from the front (Seldon.WorkerHost), finds and constructs the
component class (configuration.md §3-§4), and serves it until the front closes the channel.
A failure to build the component is reported to the front, with its traceback in the log,
and the process exits with status 1.
"""

import argparse
import gc
import logging
import os
import sys

from .log import setup_logging

__all__ = ["build_user_object", "build_component", "main"]

logger = logging.getLogger("seldon_worker")


def build_user_object(interface_name, parameters="[]"):
    """Constructs the component class named @interface_name with the keyword arguments of
    the ``--parameters`` JSON @parameters (parsed first, as upstream does)."""
    from .loader import find_class
    from .parameters import parse_parameters

    kwargs = parse_parameters(parameters)
    cls = find_class(interface_name)
    return cls(**kwargs)


def build_component(interface_name, parameters="[]"):
    """The Seldon.Component for @interface_name: the object itself when the class implements
    Seldon.Component with PyGObject, otherwise an Adapter around a plain Seldon Python class.
    Returns (component, user object)."""
    from gi.repository import Seldon

    user = build_user_object(interface_name, parameters)
    if isinstance(user, Seldon.Component):
        return user, user
    from .adapter import adapt

    return adapt(user), user


def _start_custom_service(user, channel_fd):
    """configuration.md §4.5: a callable custom_service runs in its own child process."""
    service = getattr(user, "custom_service", None)
    if not callable(service):
        return None
    pid = os.fork()
    if pid != 0:
        logger.info("Started custom service in process %d", pid)
        return pid
    status = 0
    try:
        # The channel to the front belongs to the worker only: the front must see it close
        # when the worker goes, and the service must go with its worker.
        os.close(channel_fd)
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, 15)   # PR_SET_PDEATHSIG, SIGTERM
        except Exception:  # noqa: BLE001
            pass
        service()
    except BaseException:  # noqa: BLE001
        logger.exception("custom_service failed")
        status = 1
    finally:
        os._exit(status)


def _failure_message(interface_name, exc):
    from .parameters import ParameterError

    if isinstance(exc, ParameterError):
        return str(exc)
    return "Cannot load component %s: %s: %s" % (interface_name, type(exc).__name__, exc)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m seldon_worker",
                                     description="libseldon worker process for Python components")
    parser.add_argument("--fd", type=int, required=True,
                        help="the worker's end of the channel to the front")
    args = parser.parse_args(argv)

    setup_logging(os.environ.get("SELDON_LOG_LEVEL") or "INFO")

    import gi

    gi.require_version("GLib", "2.0")
    gi.require_version("Seldon", "1.0")
    from gi.repository import GLib, Seldon

    from .lazy import deferred_numpy_subpackages
    from .loader import append_working_directory, place_compat_package

    try:
        host = Seldon.WorkerHost.new(args.fd)
    except GLib.Error as exc:
        logger.error("Cannot talk to the front on fd %d: %s", args.fd, exc.message)
        return 1

    config = host.get_config()
    # Lines carry "[worker N] " like those of libseldon's C code in this process.
    setup_logging(config.props.log_level, slot=host.get_slot())
    interface_name = config.props.interface_name
    append_working_directory()
    place_compat_package()

    try:
        # numpy's random, fft, polynomial and ma run their code only if used (seldon_worker.lazy)
        with deferred_numpy_subpackages():
            component, user = build_component(interface_name, config.props.parameters)
    except Exception as exc:  # noqa: BLE001
        logger.error("Cannot load component %s", interface_name, exc_info=True)
        host.report_failure(1, _failure_message(interface_name, exc))
        return 1

    if host.get_slot() == 0:
        _start_custom_service(user, args.fd)

    # Everything allocated so far (modules, the component) lives as long as the process: out
    # of the garbage collector's sight, a full collection no longer stalls a call for
    # milliseconds. Once more after load(), for what the model loaded.
    gc.freeze()
    if component is not user:
        component.after_load = gc.freeze

    try:
        return host.run(component)
    except GLib.Error as exc:
        logger.error("Worker stopped: %s", exc.message)
        if exc.matches(Seldon.error_quark(), Seldon.Error.LOAD_FAILED):
            return 3
        return 1


if __name__ == "__main__":
    sys.exit(main())
