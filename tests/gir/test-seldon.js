// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The Seldon-1.0 typelib seen from gjs (run with `gjs -m`, TAP output).
//
// A component written in JavaScript (GObject.registerClass implementing Seldon.Component with
// vfunc_* methods) is driven from C: directly through the Seldon.Component methods on this
// thread, then in-process by a Seldon.Worker and a Seldon.Server answering a real HTTP request
// sent with a Soup 3 session.
//
// gjs runs JavaScript only on the thread that owns its context and refuses (with a critical
// warning, returning 0/NULL to C) any call from another thread. The components below say
// SELDON_COMPONENT_FLAGS_MAIN_CONTEXT, so SeldonWorker runs load() and every call on the main
// context that created the worker (this thread), one at a time.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Seldon from 'gi://Seldon?version=1.0';
import Soup from 'gi://Soup?version=3.0';
import System from 'system';

const REQ_12 = '{"data":{"ndarray":[[1,2]]}}';
const TIMEOUT_SECONDS = 10;
const MAIN_THREAD_ONLY = Seldon.ComponentFlags.NOT_THREAD_SAFE | Seldon.ComponentFlags.MAIN_CONTEXT;

// ------------------------------------------------------------------------------------------
// A small TAP harness
// ------------------------------------------------------------------------------------------

const tests = [];

function test(name, fn, todo = null) {
    tests.push({name, fn, todo});
}

class AssertionError extends Error {}

function assert(condition, what = 'assertion failed') {
    if (!condition)
        throw new AssertionError(what);
}

function assertEqual(actual, expected, what = '') {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e)
        throw new AssertionError(`${what ? `${what}: ` : ''}expected ${e}, got ${a}`);
}

function assertThrows(fn, check) {
    try {
        fn();
    } catch (e) {
        check(e);
        return;
    }
    throw new AssertionError('no exception was thrown');
}

function seldonError(code, message) {
    return new GLib.Error(Seldon.error_quark(), code, message);
}

function jsonText(node) {
    return Json.to_string(node, false);
}

// ------------------------------------------------------------------------------------------
// Components
// ------------------------------------------------------------------------------------------

const Doubler = GObject.registerClass({
    Implements: [Seldon.Component],
}, class Doubler extends GObject.Object {
    _init(params = {}) {
        super._init(params);
        this.predictCalls = 0;
    }

    // gjs may only be called on its own thread.
    vfunc_get_flags() {
        return MAIN_THREAD_ONLY;
    }

    vfunc_predict(request, _cancellable) {
        this.predictCalls++;
        const tensor = request.dup_tensor();
        const values = tensor.dup_doubles().map(v => 2 * v);
        return Seldon.Message.new_tensor(
            Seldon.Tensor.new_from_doubles(values, tensor.get_shape()));
    }

    vfunc_tags() {
        return Json.from_string('{"lang":"gjs"}');
    }

    vfunc_class_names() {
        return ['left', 'right'];
    }
});

const Failing = GObject.registerClass({
    Implements: [Seldon.Component],
}, class Failing extends GObject.Object {
    vfunc_get_flags() {
        return MAIN_THREAD_ONLY;
    }

    vfunc_predict(request, _cancellable) {
        switch (request.get_str_data()) {
        case 'bad-data':
            throw seldonError(Seldon.Error.BAD_DATA, 'no good');
        case 'custom':
            throw Seldon.Error.new_custom(418, 'TEAPOT', 'short and stout');
        default:
            throw new TypeError('plain JS exception');
        }
    }
});

// ------------------------------------------------------------------------------------------
// Types, tensors, messages
// ------------------------------------------------------------------------------------------

test('types', () => {
    assertEqual(Seldon.Error.BAD_DATA, 1);
    assertEqual(GLib.quark_to_string(Seldon.error_quark()), 'SeldonError');
    assertEqual(Seldon.ComponentFlags.NOT_THREAD_SAFE, 1);
    assertEqual(Seldon.VERSION_S,
        `${Seldon.MAJOR_VERSION}.${Seldon.MINOR_VERSION}.${Seldon.MICRO_VERSION}`);
    assert(new Doubler() instanceof Seldon.Component, 'a Doubler is a Seldon.Component');
});

test('tensor from doubles', () => {
    const tensor = Seldon.Tensor.new_from_doubles([1, 2, 3, 4, 5, 6], [2, 3]);
    assertEqual(tensor.get_dtype(), Seldon.DType.FLOAT64);
    assertEqual(tensor.dtype, Seldon.DType.FLOAT64);
    assert(tensor.is_numeric());
    assertEqual(tensor.get_shape(), [2, 3]);
    assertEqual(tensor.get_n_dims(), 2);
    assertEqual(tensor.get_n_elements(), 6);
    assertEqual(tensor.dup_doubles(), [1, 2, 3, 4, 5, 6]);
    assertEqual(tensor.get_data().get_size(), 6 * 8);
    assertEqual(jsonText(tensor.to_json()), '[[1.0,2.0,3.0],[4.0,5.0,6.0]]');

    const strings = Seldon.Tensor.new_from_strings(['a', 'b'], [2, 1]);
    assertEqual(strings.get_string(1), 'b');
    assertEqual(jsonText(strings.to_json()), '[["a"],["b"]]');

    const ints = Seldon.Tensor.new_from_int64s([1, 2, 3, 4], [2, 2]);
    assertEqual(jsonText(ints.to_json()), '[[1,2],[3,4]]');

    assertThrows(() => Seldon.Tensor.new_from_doubles([1, 2, 3], [2, 2]), e => {
        assert(e.matches(Seldon.error_quark(), Seldon.Error.FAILED), `${e}`);
        assertEqual(e.message, 'cannot reshape array of size 3 into shape (2,2)');
    });
});

test('message accessors', () => {
    const message = Seldon.Message.new_string('hi');
    assertEqual(message.get_payload_kind(), Seldon.PayloadKind.STRING);
    assertEqual(message.get_str_data(), 'hi');
    assertEqual(message.get_tensor(), null);
    message.set_names(['x', 'y']);
    assertEqual(message.get_names(), ['x', 'y']);
    message.set_meta(Json.from_string('{"puid":"abc"}'));
    assertEqual(message.get_puid(), 'abc');
    message.set_tag('k', Json.from_string('"v"'));
    message.add_metric(Seldon.MetricType.GAUGE, 'level', 0.5);
    assertEqual(message.to_json(),
        '{"meta":{"metrics":[{"key":"level","type":"GAUGE","value":0.5}],"puid":"abc",' +
        '"tags":{"k":"v"}},"strData":"hi"}');

    const bytes = Seldon.Message.new_bytes(new GLib.Bytes(new Uint8Array([0, 1])));
    assertEqual(bytes.to_json(), '{"binData":"AAE=","meta":{}}');
    assertEqual([...bytes.get_bin_data().toArray()], [0, 1]);
});

test('JSON codec round trip', () => {
    const cases = [
        [REQ_12, '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}',
            Seldon.DataKind.NDARRAY],
        ['{"data":{"tensor":{"shape":[1,2],"values":[1.5,2]}}}',
            '{"data":{"names":["t:0","t:1"],"tensor":{"shape":[1,2],"values":[1.5,2.0]}},"meta":{}}',
            Seldon.DataKind.TENSOR],
        ['{"jsonData":{"b":[1,2],"a":"\u00e9"}}',
            '{"jsonData":{"a":"\\u00e9","b":[1,2]},"meta":{}}', Seldon.DataKind.NONE],
    ];
    for (const [text, answer, dataKind] of cases) {
        const message = Seldon.Message.new_from_json(text, -1);
        assertEqual(message.get_data_kind(), dataKind, text);
        assertEqual(message.to_json(), answer, text);
        assertEqual(Seldon.Message.new_from_json(answer, -1).to_json(), answer, answer);
    }
    assertThrows(() => Seldon.Message.new_from_json('[1]', -1), e => {
        assert(e.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA), `${e}`);
        assertEqual(e.message, 'Invalid request data type: [1]');
    });
});

// ------------------------------------------------------------------------------------------
// The JS component called from C, on this thread
// ------------------------------------------------------------------------------------------

test('component called from C', () => {
    const component = new Doubler();
    const request = Seldon.Message.new_from_json(REQ_12, -1);
    // seldon_component_predict() calling vfunc_predict.
    const answer = component.predict(request, null);
    assertEqual(answer.get_tensor().dup_doubles(), [2, 4]);
    assertEqual(component.predictCalls, 1);
    assertEqual(component.get_flags(), MAIN_THREAD_ONLY);
    assertEqual(jsonText(component.tags()), '{"lang":"gjs"}');
    assertEqual(component.class_names(), ['left', 'right']);
    assert(component.load(null), 'load() falls back to success');
    assertThrows(() => component.route(request, null), e =>
        assert(e.matches(Seldon.error_quark(), Seldon.Error.NOT_IMPLEMENTED), `${e}`));
});

test('component errors reach C', () => {
    const component = new Failing();
    assertThrows(() => component.predict(Seldon.Message.new_string('bad-data'), null), e => {
        assert(e.matches(Seldon.error_quark(), Seldon.Error.BAD_DATA), `${e}`);
        assertEqual(e.message, 'no good');
        assertEqual(Seldon.Error.get_http_status(e), 400);
    });
    // gjs hands the thrown GError itself back to C, so the custom status survives.
    assertThrows(() => component.predict(Seldon.Message.new_string('custom'), null), e => {
        assertEqual(Seldon.Error.get_http_status(e), 418);
        assertEqual(Seldon.Error.get_reason(e), 'TEAPOT');
    });
    // Any other exception: C gets a GError of another domain (a 500, see 'server errors'),
    // and gjs rethrows the original exception here, when C returns.
    assertThrows(() => component.predict(Seldon.Message.new_string('js'), null), e => {
        assert(e instanceof TypeError, `${e}`);
        assertEqual(e.message, 'plain JS exception');
    });
});

// ------------------------------------------------------------------------------------------
// The JS component served by Seldon.Worker + Seldon.Server
// ------------------------------------------------------------------------------------------

function withTimeout(promise, what) {
    let id = 0;
    const timeout = new Promise((_resolve, reject) => {
        id = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, TIMEOUT_SECONDS, () => {
            id = 0;
            reject(new AssertionError(`${what} timed out`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id !== 0)
            GLib.source_remove(id);
    });
}

function startWorker(worker) {
    return withTimeout(new Promise((resolve, reject) => {
        worker.start_async(null, (w, result) => {
            try {
                resolve(w.start_finish(result));
            } catch (e) {
                reject(e);
            }
        });
    }), 'starting the worker');
}

function fetch(session, method, uri, body) {
    const message = Soup.Message.new(method, uri);
    if (body !== null)
        message.set_request_body_from_bytes('application/json',
            new GLib.Bytes(new TextEncoder().encode(body)));
    return withTimeout(new Promise((resolve, reject) => {
        session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, null, (s, result) => {
            try {
                const bytes = s.send_and_read_finish(result);
                resolve({
                    // Not get_status(): Soup.Status has no member for some codes (418).
                    status: message.status_code,
                    headers: message.get_response_headers(),
                    body: new TextDecoder().decode(bytes.toArray()),
                });
            } catch (e) {
                reject(e);
            }
        });
    }), `${method} ${uri}`);
}

async function serve(component, requests) {
    const config = new Seldon.Config({http_port: 0, metrics_port: 0, listen_address: '127.0.0.1'});
    const worker = Seldon.Worker.new(component, config);
    assertEqual(worker.get_n_threads(), 1);
    const server = Seldon.Server.new(config, worker);
    try {
        server.listen();
        const port = server.get_http_port();
        assert(port !== 0, 'the server has a port');
        assertEqual(server.http_port, port);
        assert(await startWorker(worker), 'the worker started');

        const session = new Soup.Session();
        const answers = [];
        for (const [method, path, body] of requests)
            // eslint-disable-next-line no-await-in-loop
            answers.push(await fetch(session, method, `http://127.0.0.1:${port}${path}`, body));
        return answers;
    } finally {
        server.stop();
    }
}

function assertAnswer(answer, status, body) {
    assertEqual([answer.status, answer.body], [status, body]);
    assertEqual(answer.headers.get_one('Content-Type'), 'application/json');
    assertEqual(answer.headers.get_one('Content-Length'), `${new TextEncoder().encode(body).length}`);
}

test('server predict', async () => {
    const component = new Doubler();
    const [answer] = await serve(component, [['POST', '/predict', REQ_12]]);
    assert(component.predictCalls > 0,
        `vfunc_predict was never called (gjs refused the call from the worker thread); answer: ${answer.status} ${answer.body}`);
    assertAnswer(answer, 200,
        '{"data":{"names":["left","right"],"ndarray":[[2.0,4.0]]},"meta":{"tags":{"lang":"gjs"}}}\n');
});

test('server errors', async () => {
    const [badData, custom, js] = await serve(new Failing(), [
        ['POST', '/predict', '{"strData":"bad-data"}'],
        ['POST', '/predict', '{"strData":"custom"}'],
        ['POST', '/predict', '{"strData":"js"}'],
    ]);
    assertAnswer(badData, 400,
        '{"status":{"code":-1,"info":"no good","reason":"MICROSERVICE_BAD_DATA","status":1}}\n');
    assertAnswer(custom, 418,
        '{"status":{"code":-1,"info":"short and stout","reason":"TEAPOT","status":1}}\n');
    assertAnswer(js, 500,
        '{"status":{"code":-1,"info":"plain JS exception","reason":"MICROSERVICE_INTERNAL_ERROR","status":1}}\n');
});

// ------------------------------------------------------------------------------------------

const loop = new GLib.MainLoop(null, false);
let failures = 0;

async function runTests() {
    print(`1..${tests.length}`);
    for (const [i, {name, fn, todo}] of tests.entries()) {
        const directive = todo ? ` # TODO ${todo}` : '';
        try {
            // eslint-disable-next-line no-await-in-loop
            await fn();
            print(`ok ${i + 1} - ${name}${directive}`);
            if (todo)
                failures++;
        } catch (e) {
            print(`not ok ${i + 1} - ${name}${directive}`);
            for (const line of `${e}\n${e.stack ?? ''}`.trimEnd().split('\n'))
                print(`# ${line}`);
            if (!todo)
                failures++;
        }
    }
}

GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
    runTests().catch(e => {
        print(`Bail out! ${e}`);
        failures++;
    }).finally(() => loop.quit());
    return GLib.SOURCE_REMOVE;
});
loop.run();
System.exit(failures > 0 ? 1 : 0);
