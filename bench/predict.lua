-- SPDX-License-Identifier: LGPL-2.1-or-later
-- wrk script of bench/run.sh: POST a small SeldonMessage to /api/v1.0/predictions and print
-- one machine-readable line at the end. (No response() callback: it would make wrk parse
-- every answer in Lua, and wrk shares the machine with the server.)

wrk.method = "POST"
wrk.path = "/api/v1.0/predictions"
wrk.body = '{"data":{"ndarray":[[1,2,3,4]]}}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  -- requests, duration (µs), p50 (µs), p99 (µs), socket errors, non-2xx answers
  io.write(string.format("BENCH %d %d %d %d %d %d\n",
                         summary.requests, summary.duration,
                         latency:percentile(50), latency:percentile(99),
                         e.connect + e.read + e.write + e.timeout, e.status))
end
