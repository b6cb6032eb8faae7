#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/overhead.sh [BUILDDIR]: the throughput cost of metrics and of tracing (issue 6).
#
# Starts three seldon-microservice servers serving the same component and alternates wrk
# runs between them (ROUNDS rounds of DURATION s each, at CONNECTIONS connections):
#   off      metrics recording switched off (_SELDON_BENCH_METRICS_OFF=1, a benchmark-only
#            switch), tracing off: the baseline;
#   metrics  the default: the server's request metrics, queue/component histograms and the
#            component's custom metrics recorded per request;
#   tracing  metrics and --tracing 1 with OTEL_TRACES_SAMPLER=always_on (sampling 1.0),
#            exporting every span over OTLP/HTTP to a local sink (a small Python server that
#            reads and discards the requests and counts the spans).
# Prints the median requests per second of each, the ratios metrics/off (target >= 0.95) and
# tracing/metrics (target >= 0.85), and the front's CPU time per request.
#
# The component is the C test component "behave" returning a COUNTER, a GAUGE and a TIMER per
# call (BENCH_COMPONENT=c, in-process: the front's cost shows most), or a Python model doing
# the same in BENCH_WORKERS worker processes (BENCH_COMPONENT=python).
#
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_CONNECTIONS (16),
# BENCH_COMPONENT (c), BENCH_WORKERS (2, python only), BENCH_PYTHON (/usr/bin/python3).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")

build=${1:-build}
case "$build" in
  -h|--help)
    sed -n '3,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[[ "$build" = /* ]] || build="$srcdir/$build"
build=$(cd "$build" 2>/dev/null && pwd) || { echo "overhead.sh: no build directory ${1:-build}" >&2; exit 2; }

rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-5}
connections=${BENCH_CONNECTIONS:-16}
component=${BENCH_COMPONENT:-c}
workers=${BENCH_WORKERS:-2}
python=${BENCH_PYTHON:-/usr/bin/python3}

program="$build/src/seldon-microservice"
components_dir="$build/tests/components"
[[ -x "$program" ]] || { echo "overhead.sh: $program is missing: build the tree first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "overhead.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "overhead.sh: curl is not installed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/seldon-overhead.XXXXXX")
pids=()
wrk_pid=

cleanup() {
  local pid
  [[ -n "$wrk_pid" ]] && kill "$wrk_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# CPU time (user + system) of a process and its children, in clock ticks.
cpu_ticks() {
  local pid=$1 total=0 p
  for p in $pid $(pgrep -P "$pid" 2>/dev/null || true); do
    if [[ -r /proc/$p/stat ]]; then
      total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
    fi
  done
  echo "$total"
}

# --- the OTLP sink --------------------------------------------------------------------------
sink_port=$(free_port)
cat >"$tmp/sink.py" <<'EOF'
import http.server, json, sys, threading
count = [0, 0]
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n = body.count(b'"spanId"')
        with lock:
            count[0] += 1
            count[1] += n
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def do_GET(self):
        with lock:
            text = json.dumps({"requests": count[0], "spans": count[1]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
# at the lowest priority: a real collector runs on another machine, and a sink that cannot keep
# up only makes the front drop spans, never wait
nice -n 19 "$python" "$tmp/sink.py" "$sink_port" &
pids+=($!)

# --- the component --------------------------------------------------------------------------
metrics_json='[{"type":"COUNTER","key":"bench_calls","value":1},{"type":"GAUGE","key":"bench_gauge","value":3},{"type":"TIMER","key":"bench_timer","value":1.5}]'
case "$component" in
  c)
    [[ -e "$components_dir/libtest-behave.so" ]] || { echo "overhead.sh: $components_dir/libtest-behave.so is missing" >&2; exit 2; }
    parameters=$("$python" -c 'import json, sys; print(json.dumps([
        {"name": "implements", "value": "predict", "type": "STRING"},
        {"name": "metrics-json", "value": sys.argv[1], "type": "STRING"}]))' "$metrics_json")
    component_args=("$components_dir/libtest-behave.so" --parameters "$parameters" --workers 1)
    cwd=$tmp
    ;;
  python)
    mkdir -p "$tmp/model"
    cat >"$tmp/model/BenchModel.py" <<EOF
import json
class BenchModel:
    def predict(self, X, names):
        return X
    def metrics(self):
        return json.loads('$metrics_json')
EOF
    component_args=(BenchModel --workers "$workers")
    cwd=$tmp/model
    ;;
  *)
    echo "overhead.sh: BENCH_COMPONENT must be c or python" >&2
    exit 2
    ;;
esac

declare -A http_ports
start_server() {   # NAME ENV... -- ARGS...
  local name=$1 http_port metrics_port
  shift
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  http_port=$(free_port)
  metrics_port=$(free_port)
  (cd "$cwd" && exec env GSETTINGS_BACKEND=memory "${env[@]}" "$program" "${component_args[@]}" \
      --http-port "$http_port" --metrics-port "$metrics_port" --grpc-workers 0 "$@" \
      >"$tmp/$name.log" 2>&1) &
  pids+=($!)
  http_ports[$name]=$http_port
  eval "pid_$name=$!"
  for _ in $(seq 300); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/health/ping" || true) = 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  echo "overhead.sh: the $name server did not start:" >&2
  cat "$tmp/$name.log" >&2
  exit 1
}

start_server off _SELDON_BENCH_METRICS_OFF=1 --
start_server metrics --
start_server tracing OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=always_on \
  -- --tracing 1

# the answer must be a success, and the component's metrics must be there (or not)
answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
    -d '{"data":{"ndarray":[[1,2,3,4]]}}' "http://127.0.0.1:${http_ports[metrics]}/api/v1.0/predictions")
[[ "$answer" == *" 200" ]] || { echo "overhead.sh: the component answered: $answer" >&2; exit 1; }

lua="$here/predict.lua"
[[ -e "$lua" ]] || { echo "overhead.sh: $lua is missing" >&2; exit 2; }

declare -A rps cpu
run() {   # NAME
  local name=$1 port=${http_ports[$1]} pid before after requests rate
  eval "pid=\$pid_$name"
  before=$(cpu_ticks "$pid")
  wrk -t1 -c"$connections" -d"${duration}s" -s "$lua" "http://127.0.0.1:$port" >"$tmp/wrk.out" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=
  after=$(cpu_ticks "$pid")
  requests=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
  rate=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out")
  if grep -q 'Non-2xx' "$tmp/wrk.out"; then
    echo "overhead.sh: $name answered errors:" >&2
    cat "$tmp/wrk.out" >&2
    exit 1
  fi
  rps[$name]="${rps[$name]:-} $rate"
  cpu[$name]="${cpu[$name]:-} $("$python" -c 'import os, sys; t, r = int(sys.argv[1]), int(sys.argv[2]);
print(round(t / os.sysconf("SC_CLK_TCK") * 1e6 / max(r, 1), 1))' $((after - before)) "$requests")"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "overhead.sh: component $component, wrk -t1 -c$connections -d${duration}s, $rounds round(s), $(nproc) CPU(s)"
# warm-up, unmeasured
for name in off metrics tracing; do
  wrk -t1 -c"$connections" -d1s -s "$lua" "http://127.0.0.1:${http_ports[$name]}" >/dev/null
done
for round in $(seq "$rounds"); do
  # rotate the order, so that no configuration always runs first
  case $((round % 3)) in
    1) order="off metrics tracing" ;;
    2) order="metrics tracing off" ;;
    0) order="tracing off metrics" ;;
  esac
  for name in $order; do
    run "$name"
  done
done

printf '%-8s %12s %14s   %s\n' config "median req/s" "front µs/req" "runs (req/s)"
for name in off metrics tracing; do
  printf '%-8s %12s %14s   %s\n' "$name" "$(echo "${rps[$name]}" | median)" "$(echo "${cpu[$name]}" | median)" "${rps[$name]# }"
done
# Ratios within each round (the runs of one round are seconds apart, so they share the
# machine's load), then their median: steadier than the ratio of the medians.
"$python" - "${rps[off]}" "${rps[metrics]}" "${rps[tracing]}" "${cpu[off]}" "${cpu[metrics]}" "${cpu[tracing]}" <<'EOF'
import statistics, sys
off, metrics, tracing, c_off, c_metrics, c_tracing = ([float(x) for x in a.split()] for a in sys.argv[1:])
r_m = statistics.median(m / o for m, o in zip(metrics, off))
r_t = statistics.median(t / m for t, m in zip(tracing, metrics))
c_m = statistics.median(m / o for m, o in zip(c_metrics, c_off))
c_t = statistics.median(t / m for t, m in zip(c_tracing, c_metrics))
print("throughput metrics on / off:  %.3f (cost %5.1f%%, target <= 5%%)  %s"
      % (r_m, 100 * (1 - r_m), "ok" if r_m >= 0.95 else "OVER"))
print("throughput tracing on / off:  %.3f (cost %5.1f%%, target <= 15%%) %s"
      % (r_t, 100 * (1 - r_t), "ok" if r_t >= 0.85 else "OVER"))
print("front CPU per request, metrics on / off: %.3f; tracing on / off: %.3f" % (c_m, c_t))
EOF
sleep 1
echo "OTLP sink: $(curl -s "http://127.0.0.1:$sink_port/")"
