# SPDX-License-Identifier: LGPL-2.1-or-later
"""Acceptance audit of issue 4: row 208 of parity-checklist.md, custom metrics of gRPC calls
recorded under the id of the worker that served the call (decisions.md D3: the worker's slot)."""

import threading

from conftest import label, metric_sums

PREDICT = "/seldon.protos.Model/Predict"


def test_row_208_grpc_metrics_under_the_serving_worker(protos, tmp_pool, tmp_path):
    srv = tmp_pool.python(str(tmp_path), """
        import os
        import time

        class MyModel:
            def predict(self, X, features_names=None):
                time.sleep(0.01)
                return {"pid": os.getpid()}

            def metrics(self):
                return [{"type": "COUNTER", "key": "grpc_served", "value": 1,
                         "tags": {"pid": str(os.getpid())}}]
    """, args=["--workers", "2", "--threads", "2"])
    answered = {}
    lock = threading.Lock()

    def call():
        for _ in range(15):
            resp = srv.unary(PREDICT, protos.pb.SeldonMessage(strData="x"), protos.pb.SeldonMessage)
            pid = str(int(resp.jsonData.struct_value.fields["pid"].number_value))
            with lock:
                answered[pid] = answered.get(pid, 0) + 1

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(answered.values()) == 90 and len(answered) == 2, answered

    sums = metric_sums(srv.metrics(), "grpc_served_total")
    slot_of = {}
    for series, value in sums.items():
        pid, slot = label(series, "pid"), label(series, "worker_id")
        assert label(series, "method") == "predict", series
        # every call a process answered was recorded under one slot, that process's own
        assert value == answered[pid], (pid, value, answered)
        assert slot_of.setdefault(pid, slot) == slot, sums
    assert sorted(slot_of.values()) == ["0", "1"], sums
