# SPDX-License-Identifier: LGPL-2.1-or-later
"""Finding and constructing the component class (configuration.md §4.1-§4.2)."""

import importlib
import importlib.util
import os
import sys

__all__ = ["find_class", "place_compat_package", "append_working_directory"]

# Where the compatibility seldon_core package lives: next to this package (uninstalled, or
# when both are installed together), unless the build configured another directory.
try:
    from ._config import COMPAT_DIR as _CONFIGURED_COMPAT_DIR
except ImportError:
    _CONFIGURED_COMPAT_DIR = None


def _same_dir(a, b):
    try:
        return os.path.samefile(a or ".", b or ".")
    except OSError:
        return os.path.abspath(a or ".") == os.path.abspath(b or ".")


def place_compat_package():
    """Makes libseldon's compatibility ``seldon_core`` importable, behind everything else on
    ``sys.path``, so that an installed Seldon Core always wins."""
    compat = _CONFIGURED_COMPAT_DIR
    if compat is None:
        compat = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(compat, "seldon_core")):
        return None
    sys.path[:] = [p for p in sys.path if not _same_dir(p, compat)]
    sys.path.append(compat)
    importlib.invalidate_caches()
    return compat


def append_working_directory():
    """configuration.md §4.1: the working directory goes after every existing entry, so an
    installed module of the same name wins."""
    cwd = os.getcwd()
    if not any(p == cwd for p in sys.path):
        sys.path.append(cwd)


def _load_file(path):
    path = os.path.abspath(path)
    name = os.path.splitext(os.path.basename(path))[0]
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.append(directory)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise ImportError("Cannot load %s" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, name


def find_class(interface_name):
    """The class named by @interface_name: ``X`` is class X of module X, ``pkg.mod.X`` class X
    of module pkg.mod (split at the last dot), ``path/to/X.py`` class X of that file."""
    if not interface_name:
        raise ValueError("No component interface name given")
    if interface_name.endswith(".py"):
        module, class_name = _load_file(interface_name)
    elif "." in interface_name:
        module_name, class_name = interface_name.rsplit(".", 1)
        module = importlib.import_module(module_name)
    else:
        class_name = interface_name
        module = importlib.import_module(interface_name)
    return getattr(module, class_name)
