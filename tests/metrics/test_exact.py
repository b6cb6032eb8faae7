# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 6, decisions.md D3: with Python worker processes the front holds every slot's
values, so counters summed over worker_id are exact; a respawned worker continues its slot's
series; the server's own metrics (request counts, queue and component time, pool size,
restarts, worker PSS). Every scrape is checked with promtool."""

import os
import signal
import time

from conftest import needs_program, select, total

pytestmark = needs_program

MODEL = """
    import os

    class MyModel:
        def predict(self, X, names):
            return {"pid": os.getpid()}

        def metrics(self):
            return [
                {"type": "COUNTER", "key": "mycounter", "value": 1},
                {"type": "GAUGE", "key": "mygauge", "value": 7},
                {"type": "TIMER", "key": "mytimer", "value": 2.5},
            ]
"""

BODY = b'{"strData":"x"}'
PATH = "/api/v1.0/predictions"


def series_keys(samples):
    return {(name, tuple(sorted(labels.items()))) for name, labels, _ in samples}


def per_slot(samples, name, **labels):
    return {l["worker_id"]: v for l, v in select(samples, name, **labels)}


def worker_pids(service, n=64):
    pids = set()
    for _ in range(n):
        resp = service.post(PATH, BODY)
        assert resp.status == 200, resp
        pids.add(resp.json()["jsonData"]["pid"])
        if len(pids) == 2:
            break
    return pids


def test_exact_sums_over_two_python_workers(serve):
    service = serve(MODEL, args=["--workers", "2", "--threads", "4"])
    counts = service.load(PATH, BODY, 10000, 16)
    assert counts == {200: 10000}, counts

    samples = service.samples()
    assert total(samples, "seldon_microservice_requests_total",
                 method="predict", protocol="rest", code="200") == 10000

    slots = per_slot(samples, "mycounter_total", method="predict")
    assert set(slots) == {"0", "1"}, slots
    assert all(v > 0 for v in slots.values()), slots
    assert sum(slots.values()) == 10000
    assert total(samples, "mytimer_count", method="predict") == 10000
    assert abs(total(samples, "mytimer_sum", method="predict") - 25.0) < 1e-6
    assert {v for _, v in select(samples, "mygauge")} == {7.0}

    # the latency split: every call waited for a worker thread, then ran in a worker
    assert total(samples, "seldon_microservice_component_duration_seconds_count",
                 method="predict", protocol="rest") == 10000
    assert total(samples, "seldon_microservice_queue_duration_seconds_count",
                 method="predict", protocol="rest") == 10000
    assert total(samples, "seldon_microservice_request_duration_seconds_count",
                 method="predict", protocol="rest") == 10000

    # the pool
    assert total(samples, "seldon_microservice_workers") == 2
    assert total(samples, "seldon_microservice_workers_ready") == 2
    assert per_slot(samples, "seldon_microservice_worker_restarts_total") == {"0": 0, "1": 0}
    pss = per_slot(samples, "seldon_microservice_worker_memory_pss_bytes")
    assert set(pss) == {"0", "1"}, pss
    assert all(v > 1 << 20 for v in pss.values()), pss
    assert total(samples, "seldon_microservice_requests_in_flight") == 0
    assert total(samples, "process_resident_memory_bytes") > 0


def test_respawned_worker_continues_its_slot(serve):
    service = serve(MODEL, args=["--workers", "2", "--threads", "4"])
    assert service.load(PATH, BODY, 2000, 16) == {200: 2000}
    pids = worker_pids(service)
    assert len(pids) == 2, pids
    before = service.samples()
    slots_before = per_slot(before, "mycounter_total", method="predict")
    n_before = sum(slots_before.values())

    os.kill(sorted(pids)[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        samples = service.samples()
        restarts = per_slot(samples, "seldon_microservice_worker_restarts_total")
        if (sum(restarts.values()) == 1 and total(samples, "seldon_microservice_workers_ready") == 2
                and len(per_slot(samples, "seldon_microservice_worker_memory_pss_bytes")) == 2):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the killed worker did not come back\n" + service.output())

    assert service.load(PATH, BODY, 2000, 16) == {200: 2000}
    after = service.samples()
    slots_after = per_slot(after, "mycounter_total", method="predict")
    # nothing went back, nothing was lost, and no new series appeared
    assert set(slots_after) == {"0", "1"}
    assert all(slots_after[k] >= slots_before[k] for k in slots_before), (slots_before, slots_after)
    assert sum(slots_after.values()) == n_before + 2000
    assert total(after, "seldon_microservice_requests_total", method="predict", code="200") == \
        total(before, "seldon_microservice_requests_total", method="predict", code="200") + 2000
    assert series_keys(after) == series_keys(before)
    assert sorted(per_slot(after, "seldon_microservice_worker_restarts_total").values()) == [0, 1]


def test_aggregate_serves_the_sums(serve):
    service = serve(MODEL, args=["--workers", "2", "--threads", "4"], env={"SELDON_METRICS_AGGREGATE": "1"})
    assert service.load(PATH, BODY, 1000, 8) == {200: 1000}
    samples = service.samples()
    counters = select(samples, "mycounter_total", method="predict")
    assert len(counters) == 1, counters
    assert "worker_id" not in counters[0][0]
    assert counters[0][1] == 1000
    assert all("worker_id" not in labels for _, labels, _ in samples)
    assert total(samples, "seldon_microservice_workers") == 2


def test_recycled_workers_continue_their_slots(serve):
    """Row 48 (decisions.md D3): a worker recycled after --max-requests hands its slot to its
    successor: no request fails, counters never go back and no new series appear."""
    service = serve(MODEL, args=["--workers", "2", "--threads", "4", "--max-requests", "300"])
    assert service.load(PATH, BODY, 200, 4) == {200: 200}
    before = service.samples()
    assert service.load(PATH, BODY, 3000, 16) == {200: 3000}
    deadline = time.monotonic() + 30
    while True:
        after = service.samples()
        # each slot is recycled at least once (a process serves until its successor loaded)
        restarts = per_slot(after, "seldon_microservice_worker_restarts_total")
        if (total(after, "seldon_microservice_workers_ready") == 2 and len(restarts) == 2
                and all(v >= 1 for v in restarts.values())) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sum(per_slot(after, "mycounter_total", method="predict").values()) == 3200
    assert all(v >= 1 for v in restarts.values()), restarts
    assert series_keys(after) == series_keys(before)


def test_grpc_calls_are_timed(serve, grpc_helpers):
    """gRPC calls count in the latency split as REST ones, with protocol="grpc"."""
    protos = grpc_helpers.protos
    service = serve(MODEL, args=["--workers", "2"], grpc=grpc_helpers)
    request = protos.pb.SeldonMessage(strData="x")
    for _ in range(20):
        answer = service.grpc_unary("/seldon.protos.Model/Predict", request, protos.pb.SeldonMessage)
        assert answer.WhichOneof("data_oneof") == "jsonData"
    assert service.post(PATH, BODY).status == 200

    samples = service.samples()
    for name in ("seldon_microservice_queue_duration_seconds_count",
                 "seldon_microservice_component_duration_seconds_count",
                 "seldon_microservice_request_duration_seconds_count"):
        assert total(samples, name, method="predict", protocol="grpc") == 20, name
        assert total(samples, name, method="predict", protocol="rest") == 1, name
    assert total(samples, "seldon_microservice_component_duration_seconds_sum",
                 method="predict", protocol="grpc") > 0
    assert total(samples, "mycounter_total", method="predict") == 21
