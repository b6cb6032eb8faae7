// SPDX-License-Identifier: LGPL-2.1-or-later
//
// RowSum: a Seldon component written in JavaScript (gjs). predict answers the sum of each row
// of a 2-D numeric array, as a column: an (n, m) array gives an (n, 1) array of doubles, and
// a 1-D array of m values counts as one row. Anything else (strings, other shapes, a payload
// that is not an array) is refused with Seldon.Error.BAD_DATA (REST 400).
//
// Served by seldon-microservice, which runs it in a gjs worker process
// (bindings/gjs/seldon-worker.js imports this file and constructs its default export):
//
//     seldon-microservice examples/js/RowSum.js --http-port 9000
//     curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3],[4,5,6]]}}' \
//          localhost:9000/api/v1.0/predictions
//     => {"data":{"names":["t:0"],"ndarray":[[6.0],[15.0]]},"meta":{}}
//
// Its one parameter, the property "scale" (default 1), multiplies every sum:
//
//     seldon-microservice examples/js/RowSum.js --parameters '[{"name":"scale","value":"10","type":"FLOAT"}]'
//
// examples/js/serve.js serves it from a script instead, with Seldon.Server.
//
// The module's default export is a GObject class implementing Seldon.Component; each
// Seldon.Component method the class defines is a vfunc_* method (here get_flags, load and
// predict; the others keep their defaults). JavaScript only runs on the thread that owns its context,
// so the component says MAIN_CONTEXT: the server calls it on the main context, one call at a
// time (the gjs worker host adds the flag anyway).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Seldon from 'gi://Seldon?version=1.0';

function badData(message) {
    return new GLib.Error(Seldon.error_quark(), Seldon.Error.BAD_DATA, message);
}

export default GObject.registerClass({
    Implements: [Seldon.Component],
    Properties: {
        'scale': GObject.ParamSpec.double('scale', '', '',
            GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY,
            -Number.MAX_VALUE, Number.MAX_VALUE, 1),
    },
}, class RowSum extends GObject.Object {
    vfunc_get_flags() {
        return Seldon.ComponentFlags.NOT_THREAD_SAFE | Seldon.ComponentFlags.MAIN_CONTEXT;
    }

    // Runs once, before the first call. In a worker process, console output goes to the
    // server's log in its line format.
    vfunc_load(_cancellable) {
        console.log(`RowSum loaded with scale ${this.scale}`);
        return true;
    }

    vfunc_predict(request, _cancellable) {
        let tensor;
        try {
            tensor = request.dup_tensor();
        } catch (e) {
            throw badData(`rowsum needs a 2-D array of numbers: ${e.message}`);
        }
        if (!tensor.is_numeric())
            throw badData('rowsum needs a 2-D array of numbers, not strings or objects');

        const shape = tensor.get_shape();
        if (shape.length !== 1 && shape.length !== 2)
            throw badData(`rowsum needs a 2-D array of numbers, got ${shape.length} dimensions`);
        const [rows, cols] = shape.length === 1 ? [1, shape[0]] : shape;

        const values = tensor.dup_doubles();
        const sums = [];
        for (let r = 0; r < rows; r++) {
            let sum = 0;
            for (let c = 0; c < cols; c++)
                sum += values[r * cols + c];
            sums.push(this.scale * sum);
        }
        return Seldon.Message.new_tensor(Seldon.Tensor.new_from_doubles(sums, [rows, 1]));
    }
});
