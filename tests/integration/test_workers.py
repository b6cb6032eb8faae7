# SPDX-License-Identifier: LGPL-2.1-or-later
"""Worker processes (decisions.md D2, D4; issue 3 item 1): a native component served by
`--workers 2` runs in two `seldon-worker` processes, supervised by the front.

The Behave component's result-kind "pid" answers {"jsonData": {"pid": P}}, P being the process
that ran the call, so the tests see which worker served each call."""

import http.client
import json
import os
import re
import signal
import threading
import time

import pytest

from conftest import (Server, behave, component, dumps, expect, expect_error_like, params,
                      run_program)

BEHAVE = component("behave")
IDENTITY = component("identity")
REQ = json.dumps({"data": {"ndarray": [[1, 2]]}})
WORKER_DIED = re.compile(r"^Worker [01] exited unexpectedly \(signal 9\) while running this call$")


def children(pid):
    """Live (non-zombie) child processes of `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return sorted(out)


def wait_children(pid, n, timeout=5.0, exclude=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [k for k in children(pid) if k not in exclude]
        if len(kids) >= n:
            return kids
        time.sleep(0.01)
    raise AssertionError("server %d has children %r, wanted %d" % (pid, children(pid), n))


def wait_output(srv, pattern, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, srv.output()):
            return
        time.sleep(0.01)
    raise AssertionError("no %r in the output\n%s" % (pattern, srv.describe()))


def served_by(r):
    assert r.status == 200, "got %r" % (r,)
    return r.json()["jsonData"]["pid"]


def start(pool, *args, **props):
    spec = behave(_args=("--workers", "2") + args, **props)
    return pool.get(**spec)


class KeepAlive:
    """One persistent HTTP/1.1 connection; fails if the server closes it."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.connect()
        self.sock = self.conn.sock

    def post(self, path, body):
        self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        assert self.conn.sock is self.sock, "the connection was not kept alive"
        assert (resp.getheader("Connection") or "").lower() != "close"
        return resp.status, data

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------------------------------------
# The pool
# ---------------------------------------------------------------------------------------------

def test_two_worker_processes(pool):
    srv = start(pool, result_kind="pid")
    kids = wait_children(srv.proc.pid, 2)
    assert len(kids) == 2, kids
    for kid in kids:
        with open("/proc/%d/cmdline" % kid, "rb") as f:
            argv = f.read().split(b"\0")
        assert argv[0].endswith(b"/seldon-worker") and argv[1:3] == [b"--fd", b"3"], argv
    assert "Workers: 2 process(es) x 10 thread(s)" in srv.output()
    # The model runs in the workers, never in the front.
    assert served_by(srv.client.post_json("/predict", REQ)) in kids


def test_one_connection_spreads_over_both_workers(pool):
    srv = start(pool, result_kind="pid")
    kids = wait_children(srv.proc.pid, 2)
    conn = KeepAlive(srv.http_port)
    try:
        pids = []
        for _ in range(20):
            status, body = conn.post("/predict", REQ)
            assert status == 200, body
            pids.append(json.loads(body)["jsonData"]["pid"])
    finally:
        conn.close()
    assert sorted(set(pids)) == kids, pids


def test_concurrent_calls_use_every_worker_thread(pool):
    # 2 workers x 2 threads, calls of 300 ms: 4 run at once, on both workers.
    srv = start(pool, "--threads", "2", result_kind="pid", call_delay_ms=300)
    kids = wait_children(srv.proc.pid, 2)
    results = [None] * 8
    t0 = time.monotonic()

    def call(i):
        results[i] = srv.client.post_json("/predict", REQ)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    pids = [served_by(r) for r in results]
    assert sorted(set(pids)) == kids
    assert all(pids.count(k) == 4 for k in kids), pids
    # Two rounds of 4 calls, not eight in a row (2.4 s) nor two rounds per worker overlapping.
    assert 0.55 < elapsed < 1.5, elapsed


def test_requests_held_until_every_worker_loaded(tmp_pool):
    t0 = time.monotonic()
    srv = tmp_pool.new("behave", args=("--workers", "2"), wait=False,
                       parameters=params(result_kind="pid", load_delay_ms=700))
    srv.wait_ready()
    # /health/ping answers only once both workers loaded.
    assert time.monotonic() - t0 >= 0.7
    assert len(wait_children(srv.proc.pid, 2)) == 2
    r = srv.client.post_json("/predict", REQ)
    assert r.status == 200


def test_other_methods_through_workers(pool):
    srv = start(pool)
    r = srv.client.post_json("/transform-input", REQ)
    expect(r, 200, {"data": {"names": ["t:0", "t:1"], "ndarray": [[1, 2]]}, "meta": {}})
    r = srv.client.get("/health/ping")
    assert (r.status, r.body) == (200, b"pong")
    r = srv.client.post_json("/predict", "not json")
    expect_error_like(r, 400, "MICROSERVICE_BAD_DATA")


# ---------------------------------------------------------------------------------------------
# Payloads through the channel (inline frames and memfds)
# ---------------------------------------------------------------------------------------------

def _ndarray_request(n):
    values = [[(i * 7919 % 10007) / 7.0 for i in range(n)]]
    return json.dumps({"data": {"names": ["v%d" % i for i in range(n)], "ndarray": values}})


@pytest.mark.parametrize("n", [1, 2000, 6000, 7000, 90000],
                         ids=["tiny", "inline-30k", "inline-60k", "memfd-70k", "memfd-1MiB"])
def test_payload_round_trips_exactly(pool, n):
    single, multi = pool.get_many([
        {"name": "identity", "args": ()},
        {"name": "identity", "args": ("--workers", "2")},
    ])
    body = _ndarray_request(n)
    if n == 90000:
        assert len(body) > 1024 * 1024
    expected = single.client.post_json("/predict", body)
    assert expected.status == 200, expected
    got = multi.client.post_json("/predict", body)
    assert got.status == 200, got
    assert got.body == expected.body
    assert got.header("Content-Type") == expected.header("Content-Type")


def test_large_binary_payload(pool):
    srv = start(pool)
    import base64
    blob = bytes(range(256)) * 8192   # 2 MiB
    body = json.dumps({"binData": base64.b64encode(blob).decode()})
    r = srv.client.post_json("/predict", body)
    assert r.status == 200, r
    assert base64.b64decode(r.json()["binData"]) == blob


def test_multipart_value_through_workers(pool):
    # A multipart form becomes a value, not a body: it crosses the channel as JSON text.
    from conftest import multipart
    srv = start(pool)
    body, ctype = multipart(fields=[("strData", "héllo wörld")])
    r = srv.client.request("POST", "/predict", body=body, headers={"Content-Type": ctype})
    expect(r, 200, {"meta": {}, "strData": "héllo wörld"})


# ---------------------------------------------------------------------------------------------
# Supervision
# ---------------------------------------------------------------------------------------------

def test_sigkill_fails_only_the_calls_of_that_worker(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2", "--threads", "3"),
                       parameters=params(result_kind="pid", call_delay_ms=600))
    kids = wait_children(srv.proc.pid, 2)
    results = [None] * 10

    def call(i):
        results[i] = srv.client.post_json("/predict", REQ)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    time.sleep(0.25)                      # 6 calls run (3 per worker), 4 wait in the front
    victim = kids[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()

    # Back within a second: a new process in the dead one's slot.
    back = wait_children(srv.proc.pid, 2, timeout=1.0, exclude=(victim,))
    assert time.monotonic() - killed_at < 1.0
    assert victim not in back

    for t in threads:
        t.join()
    failed = [r for r in results if r.status != 200]
    ok = [r for r in results if r.status == 200]
    # Exactly the 3 calls running on the victim failed, each with 503 and the error JSON.
    assert len(failed) == 3, results
    for r in failed:
        info = expect_error_like(r, 503, "MICROSERVICE_INTERNAL_ERROR")
        assert WORKER_DIED.match(info), info
    assert all(served_by(r) != victim for r in ok)
    assert srv.alive()

    # Both workers serve again, the new one included.
    pids = set()
    for _ in range(30):
        pids.add(served_by(srv.client.post_json("/predict", REQ)))
        if len(pids) == 2:
            break
    assert pids == set(back), (pids, back)
    out = srv.output()
    assert re.search(r"Worker [01] \(pid %d\) exited unexpectedly \(signal 9\); 3 call\(s\) in flight "
                     r"failed; respawning in 100 ms" % victim, out), out
    assert re.search(r"Worker [01] \(pid \d+\) is back", out), out


def test_idle_worker_killed_is_respawned(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2"), parameters=params(result_kind="pid"))
    kids = wait_children(srv.proc.pid, 2)
    os.kill(kids[1], signal.SIGKILL)
    back = wait_children(srv.proc.pid, 2, timeout=1.0, exclude=(kids[1],))
    assert kids[0] in back
    wait_output(srv, "Worker [01] \\(pid \\d+\\) is back")
    for _ in range(10):
        assert srv.client.post_json("/predict", REQ).status == 200


def test_deadline_cancels_the_call_in_the_worker(tmp_pool):
    # One thread per worker, calls of 5 s, a 300 ms request timeout: both calls answer 504,
    # and the workers are told to cancel them, so the next call does not wait 5 s.
    srv = tmp_pool.new("behave", args=("--workers", "2", "--threads", "1"),
                       env={"SELDON_REQUEST_TIMEOUT_MS": "300"},
                       parameters=params(call_delay_ms=5000, implements="predict"))
    results = [None] * 2

    def call(i):
        results[i] = srv.client.post_json("/predict", REQ)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - t0 < 2.0
    for r in results:
        expect_error_like(r, 504, "MICROSERVICE_INTERNAL_ERROR")
    t0 = time.monotonic()
    r = srv.client.get("/metadata")   # no component call: needs only a free thread
    assert r.status == 200, r
    assert time.monotonic() - t0 < 2.0


def test_too_many_queued_calls_answer_503(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2", "--threads", "1"),
                       env={"SELDON_MAX_QUEUED": "2"},
                       parameters=params(call_delay_ms=700))
    results = [None] * 6

    def call(i):
        results[i] = srv.client.post_json("/predict", REQ)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results)
    # 2 run, 2 wait, 2 are refused.
    assert statuses == [200, 200, 200, 200, 503, 503], results
    for r in results:
        if r.status == 503:
            assert r.json()["status"]["info"] == "Too many calls are waiting for the model"


def test_sigterm_finishes_calls_in_flight_and_stops_workers(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2"),
                       parameters=params(result_kind="pid", call_delay_ms=500))
    kids = wait_children(srv.proc.pid, 2)
    results = [None] * 4

    def call(i):
        results[i] = srv.client.post_json("/predict", REQ)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    assert [r.status for r in results] == [200] * 4, results
    assert srv.wait_exit(10) == 0, srv.describe()
    for kid in kids:
        deadline = time.monotonic() + 3
        while os.path.exists("/proc/%d" % kid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not os.path.exists("/proc/%d" % kid) or _is_zombie(kid), "worker %d still runs" % kid


def _is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


def test_workers_die_with_the_front(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2"), parameters=params(result_kind="pid"))
    kids = wait_children(srv.proc.pid, 2)
    srv.proc.kill()
    srv.returncode = srv.proc.wait()   # killed on purpose: not a crash
    deadline = time.monotonic() + 3
    while any(not _is_zombie(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(_is_zombie(k) for k in kids), "workers outlived the front"


# ---------------------------------------------------------------------------------------------
# Start-up failures (decisions.md D4)
# ---------------------------------------------------------------------------------------------

def test_load_failure_with_two_workers_exits_3():
    t0 = time.monotonic()
    rc, out, err, desc = run_program([BEHAVE, "--workers", "2",
                                      "--parameters", params(load_fail=True)])
    assert rc == 3, desc
    assert time.monotonic() - t0 < 5
    assert "Component failed to load: Behave: load failed on purpose" in out + err, desc
    assert "Reason: Worker failed to boot." in out + err, desc


def test_load_failure_is_prompt_while_other_loads_run():
    # load() fails after 200 ms in every worker; the program does not wait for anything else.
    t0 = time.monotonic()
    rc, out, err, desc = run_program([BEHAVE, "--workers", "3",
                                      "--parameters", params(load_fail=True, load_delay_ms=200)])
    assert rc == 3, desc
    assert time.monotonic() - t0 < 3


def test_bad_parameter_in_worker_exits_1():
    rc, out, err, desc = run_program([BEHAVE, "--workers", "2",
                                      "--parameters", params(no_such_property="x")])
    assert rc == 1, desc
    assert 'Bad model parameter: TestBehave has no property "no-such-property"' in out + err, desc


def test_missing_worker_program_fails_start():
    rc, out, err, desc = run_program([IDENTITY, "--workers", "2"],
                                     env={"SELDON_WORKER_DIR": "/nonexistent/seldon-worker-dir"})
    assert rc == 3, desc
    assert "Cannot start worker 0" in out + err, desc


def test_grpc_workers_size_the_pool(tmp_pool):
    # decisions.md D2: max(--workers, --grpc-workers) processes.
    srv = Server([IDENTITY, "--workers", "1", "--grpc-workers", "3"], grpc=True)
    try:
        srv.wait_ready()
        assert len(wait_children(srv.proc.pid, 3)) == 3
        assert "Workers: 3 process(es)" in srv.output()
    finally:
        srv.stop()
        srv.cleanup()


def test_one_native_worker_stays_in_process(pool):
    srv = pool.get("identity")
    assert children(srv.proc.pid) == []
    assert "Workers: 1 process(es) x 10 thread(s)" in srv.output()


# ---------------------------------------------------------------------------------------------
# JavaScript components (the gjs worker host)
# ---------------------------------------------------------------------------------------------

DOUBLER_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "components", "doubler.js")


def _have_gjs_host():
    import shutil
    typelibs = [os.path.join(d, "Seldon-1.0.typelib")
                for d in os.environ.get("GI_TYPELIB_PATH", "").split(":") if d]
    host = os.environ.get("SELDON_WORKER_GJS_HOST", "")
    return (shutil.which("gjs") is not None and any(os.path.exists(t) for t in typelibs)
            and os.path.exists(host))


@pytest.mark.skipif(not _have_gjs_host(), reason="needs gjs, the Seldon typelib and the gjs worker host")
def test_javascript_component_in_gjs_workers(tmp_pool):
    srv = Server([DOUBLER_JS, "--workers", "2",
                  "--parameters", params(factor=("3", "DOUBLE"))])
    try:
        srv.wait_ready()
        kids = wait_children(srv.proc.pid, 2)
        pids = set()
        for _ in range(10):
            r = srv.client.post_json("/predict", REQ)
            assert r.status == 200, r
            doc = r.json()
            assert doc["data"] == {"names": ["t:0", "t:1"], "ndarray": [[3.0, 6.0]]}
            tags = doc["meta"]["tags"]
            assert tags["lang"] == "gjs" and tags["loaded"] is True
            pids.add(tags["pid"])
        assert pids == set(kids), (pids, kids)
        # A JavaScript component runs one call at a time per worker.
        assert "Workers: 2 process(es) x 1 thread(s)" in srv.output()
    finally:
        srv.stop()
        srv.cleanup()


@pytest.mark.skipif(not _have_gjs_host(), reason="needs gjs, the Seldon typelib and the gjs worker host")
def test_javascript_component_that_cannot_load_exits_1(tmp_path):
    bad = tmp_path / "bad.js"
    bad.write_text("export default 42;\n")
    rc, out, err, desc = run_program([str(bad)])
    assert rc == 1, desc
    assert "must export a GObject class implementing Seldon.Component" in out + err, desc


def test_sigterm_during_start_up_stops_loading_workers(tmp_pool):
    srv = tmp_pool.new("behave", args=("--workers", "2"), wait=False,
                       parameters=params(load_delay_ms=5000))
    kids = wait_children(srv.proc.pid, 2)
    time.sleep(0.2)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.wait_exit(5) == 0, srv.describe()
    assert time.monotonic() - t0 < 2
    deadline = time.monotonic() + 3
    while any(not _is_zombie(k) for k in kids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(_is_zombie(k) for k in kids), "loading workers outlived the front"


def test_respawn_that_fails_to_load_retries_with_backoff(tmp_pool, tmp_path):
    flag = tmp_path / "fail-load"
    srv = tmp_pool.new("behave", args=("--workers", "2"),
                       parameters=params(result_kind="pid", load_fail_if_exists=str(flag)))
    kids = wait_children(srv.proc.pid, 2)
    flag.write_text("")
    os.kill(kids[0], signal.SIGKILL)
    # A call sent while the front has not seen the death yet would fail with it: wait.
    wait_output(srv, "Worker [01] \\(pid %d\\) exited unexpectedly" % kids[0])
    # The respawned worker fails to load, again and again (200, 400, 800 ms...), while the
    # other one serves every call.
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:
        assert served_by(srv.client.post_json("/predict", REQ)) == kids[1]
        time.sleep(0.05)
    out = srv.output()
    delays = [int(d) for d in re.findall(
        r"Worker [01] \(pid \d+\) failed to load: Behave: load failed on purpose; retrying in (\d+) ms", out)]
    assert delays[:3] == [200, 400, 800][:len(delays[:3])] and len(delays) >= 2, out
    assert srv.alive()
    # Once it can load again it is back.
    flag.unlink()
    deadline = time.monotonic() + 8
    pids = set()
    while len(pids) < 2 and time.monotonic() < deadline:
        pids.add(served_by(srv.client.post_json("/predict", REQ)))
        time.sleep(0.02)
    assert len(pids) == 2 and kids[0] not in pids, pids
    assert pids <= set(children(srv.proc.pid)), (pids, children(srv.proc.pid))
    assert re.search(r"Worker [01] \(pid \d+\) is back", srv.output())
