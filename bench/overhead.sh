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
#            reads and discards the requests and counts the spans, at nice BENCH_SINK_NICE;
#            the spans it got, of the two per request sent, are reported at the end).
# Prints the median requests per second of each, the ratios metrics/off (target >= 0.95) and
# tracing/metrics (target >= 0.85), and the front's CPU time per request.
#
# The component is the C test component "behave" returning a COUNTER, a GAUGE and a TIMER per
# call (BENCH_COMPONENT=c, in-process: the front's cost shows most), or a Python model doing
# the same in BENCH_WORKERS worker processes (BENCH_COMPONENT=python).
#
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_CONNECTIONS (16),
# BENCH_COMPONENT (c), BENCH_WORKERS (2, python only), BENCH_PYTHON (/usr/bin/python3),
# BENCH_SINK_NICE (0).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")

build=${1:-build}
case "$build" in
  -h|--help)
    sed -n '3,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
sink_nice=${BENCH_SINK_NICE:-0}

program="$build/src/seldon-microservice"
components_dir="$build/tests/components"
[[ -x "$program" ]] || { echo "overhead.sh: $program is missing: build the tree first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "overhead.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "overhead.sh: curl is not installed" >&2; exit 2; }

bench_name=overhead.sh
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

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

# --- the OTLP sink --------------------------------------------------------------------------
sink_port=$(free_port)
# A collector on another machine answers each export at once and costs this machine nothing.
# The sink comes close: one select() loop that reads each POST into one buffer, counts its spans
# with one bytes.count() and answers 200 {} (about 0.2 ms of CPU per export of 512 spans, some
# 0.4 µs per span). It runs at the servers' priority: a lower one saves no CPU (the work is the
# same), it only delays the answers, and under full load the front then drops spans (its
# queue is full), does less work and looks cheaper. The drops are reported at the end.
cat >"$tmp/sink.py" <<'EOF'
import json, selectors, socket, sys

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
count = {"requests": 0, "spans": 0}

class Conn:
    """A keep-alive connection: requests (head + Content-Length body) read into one buffer."""
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray(1 << 16)
        self.view = memoryview(self.buf)
        self.filled = 0
        self.need = 0      # length of the request being read (head + body); 0: head not seen yet
        self.body = 0      # where its body starts
        self.post = False

    def readable(self):
        if self.filled == len(self.buf):
            self.view.release()
            self.buf.extend(bytes(len(self.buf)))
            self.view = memoryview(self.buf)
        got = self.sock.recv_into(self.view[self.filled:])
        if got == 0:
            return False
        self.filled += got
        while True:
            if self.need == 0:
                end = self.buf.find(b"\r\n\r\n", 0, self.filled)
                if end < 0:
                    return True
                head = bytes(self.buf[:end]).lower()
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                self.post = head.startswith(b"post")
                self.body = end + 4
                self.need = self.body + length
                if self.need > len(self.buf):
                    self.view.release()
                    self.buf.extend(bytes(self.need - len(self.buf)))
                    self.view = memoryview(self.buf)
            if self.filled < self.need:
                return True
            if self.post:
                count["requests"] += 1
                count["spans"] += self.buf.count(b'"spanId"', self.body, self.need)
                self.sock.sendall(ANSWER % (2, b"{}"))
            else:
                text = json.dumps(count).encode()
                self.sock.sendall(ANSWER % (len(text), text))
            # what came after this request (a client that pipelines) moves to the front
            rest = self.filled - self.need
            if rest > 0:
                self.buf[:rest] = self.buf[self.need:self.filled]
            self.filled = rest
            self.need = 0

sel = selectors.DefaultSelector()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(64)
sel.register(server, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is server:
            sock, _ = server.accept()
            sel.register(sock, selectors.EVENT_READ, Conn(sock))
            continue
        try:
            alive = key.data.readable()
        except (OSError, ValueError):
            alive = False
        if not alive:
            sel.unregister(key.fileobj)
            key.fileobj.close()
EOF
nice -n "$sink_nice" "$python" "$tmp/sink.py" "$sink_port" &
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
  # the Python worker needs the built bindings (as bench/run.sh)
  (cd "$cwd" && exec env "${bench_env[@]}" \
      "${env[@]}" "$program" "${component_args[@]}" \
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
traced=0   # requests the tracing server answered: 2 spans each (server + component)
run() {   # NAME
  local name=$1 port=${http_ports[$1]} pid before after requests rate
  eval "pid=\$pid_$name"
  before=$(sum_ticks $(tree_pids "$pid"))
  wrk -t1 -c"$connections" -d"${duration}s" -s "$lua" "http://127.0.0.1:$port" >"$tmp/wrk.out" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=
  after=$(sum_ticks $(tree_pids "$pid"))
  requests=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
  rate=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out")
  if grep -q 'Non-2xx' "$tmp/wrk.out"; then
    echo "overhead.sh: $name answered errors:" >&2
    cat "$tmp/wrk.out" >&2
    exit 1
  fi
  rps[$name]="${rps[$name]:-} $rate"
  if [[ $name = tracing ]]; then traced=$((traced + requests)); fi
  cpu[$name]="${cpu[$name]:-} $("$python" -c 'import os, sys; t, r = int(sys.argv[1]), int(sys.argv[2]);
print(round(t / os.sysconf("SC_CLK_TCK") * 1e6 / max(r, 1), 1))' $((after - before)) "$requests")"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "overhead.sh: component $component, wrk -t1 -c$connections -d${duration}s, $rounds round(s), $(nproc) CPU(s)"
# warm-up, unmeasured
for name in off metrics tracing; do
  wrk -t1 -c"$connections" -d1s -s "$lua" "http://127.0.0.1:${http_ports[$name]}" >"$tmp/wrk.out"
  if [[ $name = tracing ]]; then traced=$((traced + $(awk '/requests in/ { print $1 }' "$tmp/wrk.out"))); fi
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
print("throughput metrics / off:      %.3f (cost %5.1f%%, target <= 5%%)  %s"
      % (r_m, 100 * (1 - r_m), "ok" if r_m >= 0.95 else "OVER"))
print("throughput tracing / metrics:  %.3f (cost %5.1f%%, target <= 15%%) %s"
      % (r_t, 100 * (1 - r_t), "ok" if r_t >= 0.85 else "OVER"))
print("front CPU per request, metrics / off: %.3f; tracing / metrics: %.3f" % (c_m, c_t))
EOF
# The last spans leave after OTEL_BSP_SCHEDULE_DELAY (5 s) at the latest.
expected=$((2 * traced))
for _ in $(seq 70); do
  spans=$(curl -s "http://127.0.0.1:$sink_port/" | "$python" -c 'import json, sys; print(json.load(sys.stdin)["spans"])' 2>/dev/null || echo 0)
  (( spans >= expected )) && break
  sleep 0.1
done
"$python" - "$spans" "$expected" <<'EOF'
import sys
spans, expected = int(sys.argv[1]), int(sys.argv[2])
lost = 100 * (1 - spans / max(expected, 1))
print("OTLP sink: %d spans of %d (2 per traced request), %.1f%% dropped%s"
      % (spans, expected, max(lost, 0),
         "" if lost < 1 else ": the sink fell behind (BENCH_SINK_NICE), the tracing figures are optimistic"))
EOF
