// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A JavaScript component for tests/integration/test_workers.py, served through the gjs worker
// host (bindings/gjs/seldon-worker.js): predict multiplies a tensor by the `factor` parameter
// and reports the worker's process id in a tag.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Seldon from 'gi://Seldon?version=1.0';

export default GObject.registerClass({
    Implements: [Seldon.Component],
    Properties: {
        'factor': GObject.ParamSpec.double('factor', '', '',
            GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY, -1e9, 1e9, 2),
    },
}, class Doubler extends GObject.Object {
    vfunc_load(_cancellable) {
        this.loaded = true;
        return true;
    }

    vfunc_predict(request, _cancellable) {
        const tensor = request.dup_tensor();
        const values = tensor.dup_doubles().map(v => this.factor * v);
        return Seldon.Message.new_tensor(Seldon.Tensor.new_from_doubles(values, tensor.get_shape()));
    }

    vfunc_tags() {
        return Json.from_string(JSON.stringify({lang: 'gjs', loaded: this.loaded === true, pid: Number(GLib.file_read_link('/proc/self'))}));
    }
});
