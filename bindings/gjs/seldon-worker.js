// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The worker process of JavaScript components: `gjs -m seldon-worker.js --fd N`.
//
// seldon-microservice spawns it (decisions.md D2) when INTERFACE_NAME ends in `.js`, with one
// end of the channel to the front as fd N. It reads the front's configuration
// (Seldon.WorkerHost), imports the component file, constructs the component and serves it
// until the front closes the channel.
//
// The component file is an ES module (relative paths are taken from the working directory)
// whose default export is a GObject class implementing Seldon.Component:
//
//     import GObject from 'gi://GObject';
//     import Seldon from 'gi://Seldon?version=1.0';
//
//     export default GObject.registerClass({
//         Implements: [Seldon.Component],
//         Properties: {scale: GObject.ParamSpec.double('scale', '', '',
//             GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, -1e9, 1e9, 1)},
//     }, class Scaler extends GObject.Object {
//         vfunc_predict(request, _cancellable) { ... }
//     });
//
// Each model parameter (--parameters) is given to the constructor as a property of its name,
// converted by its type (INT, FLOAT and DOUBLE to numbers, BOOL to a boolean, STRING as is).
// JavaScript only runs on the thread that owns its context, so the class is served with
// Seldon.ComponentFlags.MAIN_CONTEXT added to its flags: load() and every call run here, one
// at a time.
//
// Exit status: 0 when the front closed the channel, 3 when load() failed, 1 when the
// component could not be built (the front is told why) or the channel is unusable.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Seldon from 'gi://Seldon?version=1.0';
import System from 'system';

function parseFd(args) {
    for (let i = 0; i < args.length; i++) {
        let value = null;
        if (args[i] === '--fd' && i + 1 < args.length)
            value = args[i + 1];
        else if (args[i].startsWith('--fd='))
            value = args[i].slice('--fd='.length);
        if (value !== null && /^[0-9]+$/.test(value))
            return Number(value);
    }
    return -1;
}

// The front already checked the parameters (configuration.md §3); convert them the same way.
function parameterValue({name, value, type}) {
    switch (type) {
    case 'INT':
        return parseInt(value, 10);
    case 'FLOAT':
    case 'DOUBLE':
        return parseFloat(value);
    case 'BOOL':
        return ['1', 'true', 't', 'y', 'yes', 'on'].includes(String(value).toLowerCase());
    default:
        if (type !== 'STRING')
            throw new Error(`Bad model parameter: ${name} has unknown type ${type}`);
        return String(value);
    }
}

async function buildComponent(config) {
    const name = config.interface_name;
    const file = Gio.File.new_for_commandline_arg(name);
    const module = await import(file.get_uri());
    const Base = module.default;

    if (typeof Base !== 'function' || !(Base.prototype instanceof GObject.Object) ||
        !GObject.type_is_a(Base.$gtype, Seldon.Component.$gtype))
        throw new Error(`${name} must export a GObject class implementing Seldon.Component as its default export`);

    const Served = GObject.registerClass({
        GTypeName: `SeldonWorkerJs_${Base.$gtype.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
        Implements: [Seldon.Component],
    }, class extends Base {
        vfunc_get_flags() {
            let flags = 0;
            try {
                flags = super.vfunc_get_flags();
            } catch {
                flags = 0;
            }
            return (flags ?? 0) | Seldon.ComponentFlags.NOT_THREAD_SAFE |
                Seldon.ComponentFlags.MAIN_CONTEXT;
        }
    });

    const properties = {};
    for (const parameter of JSON.parse(config.parameters || '[]'))
        properties[parameter.name] = parameterValue(parameter);
    return new Served(properties);
}

async function main() {
    const fd = parseFd(System.programArgs);
    if (fd < 0) {
        printerr('usage: gjs -m seldon-worker.js --fd N (started by seldon-microservice)');
        return 2;
    }

    let host;
    try {
        host = Seldon.WorkerHost.new(fd);
    } catch (e) {
        printerr(`Cannot talk to the front on fd ${fd}: ${e.message}`);
        return 1;
    }

    const config = host.get_config();
    let component;
    try {
        component = await buildComponent(config);
    } catch (e) {
        printerr(`Cannot load component ${config.interface_name}: ${e}\n${e.stack ?? ''}`);
        host.report_failure(1, `Cannot load component ${config.interface_name}: ${e.message ?? e}`);
        return 1;
    }

    try {
        return host.run(component);
    } catch (e) {
        if (e instanceof GLib.Error && e.matches(Seldon.error_quark(), Seldon.Error.LOAD_FAILED))
            return 3;
        printerr(`Worker stopped: ${e.message ?? e}`);
        return 1;
    }
}

const status = await main();
System.exit(status);
