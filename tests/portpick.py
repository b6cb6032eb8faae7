# SPDX-License-Identifier: LGPL-2.1-or-later
"""Free TCP ports for the test suites.

A port found with bind(("", 0)) comes from the kernel's ephemeral range, so between the check
and the server's own bind another suite running in parallel (or any outgoing connection) can
be handed the same port: the server then fails with "Address already in use". Ports are
therefore drawn at random from a range below the ephemeral one (32768-60999 on Linux), and each
suite uses a range of its own.
"""

import random
import socket

RANGES = {
    "integration": (20000, 24999),
    "python": (25000, 27999),
    "examples": (28000, 28999),
    "examples-gi": (29000, 29999),
    "bench": (30000, 31999),
    "grpc": (10000, 12999),
    "lifecycle": (13000, 14999),
    "metrics": (15000, 15999),
}

_handed_out = set()


def free_port(suite):
    low, high = RANGES[suite]
    for _ in range(1000):
        port = random.randint(low, high)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port in %d-%d" % (low, high))
