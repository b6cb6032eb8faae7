#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Serves the RowSum component (RowSum.py) from a script of its own: Seldon.Config,
Seldon.Worker, Seldon.Server and a GLib main loop, everything in this Python process.

    /usr/bin/python3 examples/python/serve.py [--http-port PORT] [--metrics-port PORT] [--grpc-port PORT]
                                              [--scale SCALE]
    curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \\
         localhost:9000/api/v1.0/predictions
    => {"data":{"names":["t:0"],"ndarray":[[6.0],[15.0]]},"meta":{}}

The ports default to the program's (9000, 6000 and gRPC 5000); 0 picks free ones. Once the component is
loaded, the script prints ``Listening on http://ADDRESS:PORT`` (the port really bound) on
stdout. SIGTERM or SIGINT stop it: the listener closes, the calls in flight finish, the worker
shuts down and the script exits with status 0.

The worker calls the component on its own threads (``threads`` of Seldon.Config, 10 by
default) while the main loop runs here; PyGObject hands the GIL over as needed.
"""

import argparse
import logging
import signal
import sys

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Seldon", "1.0")

from gi.repository import GLib, Seldon  # noqa: E402

from RowSum import RowSum  # noqa: E402  (this script's folder is first on sys.path)

# The line format of seldon-microservice (and of the Seldon Python wrapper).
LOG_FORMAT = "%(asctime)s - %(name)s:%(funcName)s:%(lineno)s - %(levelname)s:  %(message)s"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve the RowSum example component.")
    parser.add_argument("--http-port", type=int, default=9000)
    parser.add_argument("--metrics-port", type=int, default=6000)
    parser.add_argument("--grpc-port", type=int, default=5000)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)

    config = Seldon.Config(http_port=args.http_port, metrics_port=args.metrics_port,
                           grpc_port=args.grpc_port)
    worker = Seldon.Worker.new(RowSum(scale=args.scale), config)
    server = Seldon.Server.new(config, worker)
    loop = GLib.MainLoop()
    state = {"status": 0, "started": False, "stopping": False}

    def worker_stopped(worker, result):
        try:
            worker.shutdown_finish(result)
        except GLib.Error as error:
            logging.warning("Worker shutdown: %s", error.message)
        loop.quit()

    def server_stopped(server, result):
        try:
            server.shutdown_finish(result)
        except GLib.Error as error:
            logging.warning("Shutdown: %s", error.message)
        worker.shutdown_async(None, worker_stopped)

    def on_signal():
        if not state["stopping"]:
            state["stopping"] = True
            if state["started"]:
                # Stop listening and finish the calls in flight, then stop the worker.
                server.shutdown_async(None, server_stopped)
            else:
                # Still loading: nothing is in flight.
                server.stop()
                loop.quit()
        return GLib.SOURCE_CONTINUE

    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, on_signal)

    try:
        # Listen first: requests that arrive while the component loads wait for it.
        server.listen()
    except GLib.Error as error:
        logging.error("Cannot listen: %s", error.message)
        return 1

    def started(worker, result):
        try:
            worker.start_finish(result)
        except GLib.Error as error:
            logging.error("Cannot start the component: %s", error.message)
            server.stop()
            state["status"] = 3
            loop.quit()
            return
        state["started"] = True
        address = config.props.listen_address
        print("Listening on http://%s:%d" % (address, server.get_http_port()), flush=True)
        print("Metrics on http://%s:%d" % (address, server.get_metrics_port()), flush=True)

    # load() runs, then the worker takes calls.
    worker.start_async(None, started)
    loop.run()
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
