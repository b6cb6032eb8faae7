// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Serves the RowSum component (RowSum.js) from a script of its own: Seldon.Config,
// Seldon.Worker, Seldon.Server and a GLib main loop, everything in this gjs process.
//
//     gjs -m examples/js/serve.js [--http-port PORT] [--metrics-port PORT] [--scale SCALE]
//     curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \
//          localhost:9000/api/v1.0/predictions
//     => {"data":{"names":["t:0"],"ndarray":[[6.0],[15.0]]},"meta":{}}
//
// The ports default to the program's (9000 and 6000); 0 picks free ones. Once the component
// is loaded, the script prints `Listening on http://ADDRESS:PORT` (the port really bound) on
// stdout. SIGTERM or SIGINT stop it: the listener closes, the calls in flight finish, the
// worker shuts down and the script exits with status 0.
//
// RowSum says Seldon.ComponentFlags.MAIN_CONTEXT, so the in-process Seldon.Worker calls it
// on this thread's main context, the only thread where JavaScript may run.

import GLib from 'gi://GLib';
import Seldon from 'gi://Seldon?version=1.0';
import System from 'system';

import RowSum from './RowSum.js';

function usage(message) {
    printerr(`serve.js: ${message}`);
    printerr('usage: gjs -m serve.js [--http-port PORT] [--metrics-port PORT] [--grpc-port PORT] [--scale SCALE]');
    System.exit(2);
}

function parseArgs(args) {
    const options = {httpPort: 9000, metricsPort: 6000, grpcPort: 5000, scale: 1};
    for (let i = 0; i < args.length; i++) {
        const [flag, inline] = args[i].split(/=(.*)/s);
        const value = inline ?? args[++i];
        if (value === undefined)
            usage(`${flag} needs a value`);
        const number = Number(value);
        if (value.trim() === '' || !Number.isFinite(number))
            usage(`${flag}: not a number: ${value}`);
        switch (flag) {
        case '--http-port':
            options.httpPort = number;
            break;
        case '--metrics-port':
            options.metricsPort = number;
            break;
        case '--grpc-port':
            options.grpcPort = number;
            break;
        case '--scale':
            options.scale = number;
            break;
        default:
            usage(`unknown option ${flag}`);
        }
    }
    return options;
}

const options = parseArgs(System.programArgs);
const loop = new GLib.MainLoop(null, false);
let status = 0;
let started = false;

const config = new Seldon.Config({
    http_port: options.httpPort,
    metrics_port: options.metricsPort,
    grpc_port: options.grpcPort,
});
const worker = Seldon.Worker.new(new RowSum({scale: options.scale}), config);
const server = Seldon.Server.new(config, worker);

function stop() {
    if (!started) {
        // Still loading: nothing is in flight.
        server.stop();
        loop.quit();
        return;
    }
    // Stop listening and finish the calls in flight, then stop the worker.
    server.shutdown_async(null, (s, result) => {
        try {
            s.shutdown_finish(result);
        } catch (e) {
            printerr(`Shutdown: ${e.message}`);
        }
        worker.shutdown_async(null, (w, res) => {
            try {
                w.shutdown_finish(res);
            } catch (e) {
                printerr(`Worker shutdown: ${e.message}`);
            }
            loop.quit();
        });
    });
}

let stopping = false;
for (const signal of [2 /* SIGINT */, 15 /* SIGTERM */]) {
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal, () => {
        if (!stopping) {
            stopping = true;
            stop();
        }
        return GLib.SOURCE_CONTINUE;
    });
}

try {
    // Listen first: requests that arrive while the component loads wait for it.
    server.listen();
} catch (e) {
    printerr(`Cannot listen: ${e.message}`);
    System.exit(1);
}

// load() runs, then the worker takes calls.
worker.start_async(null, (w, result) => {
    try {
        w.start_finish(result);
    } catch (e) {
        printerr(`Cannot start the component: ${e.message}`);
        server.stop();
        status = 3;
        loop.quit();
        return;
    }
    started = true;
    print(`Listening on http://${config.listen_address}:${server.get_http_port()}`);
    print(`Metrics on http://${config.listen_address}:${server.get_metrics_port()}`);
});

loop.run();
System.exit(status);
