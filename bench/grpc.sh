#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/grpc.sh [BUILDDIR]: the gRPC benchmark of libseldon (issue 4). See bench/README.md.
#
# Builds nothing: BUILDDIR (default: build, relative to the source tree) must hold a built
# tree (bench/grpc-load, src/seldon-microservice, examples/c/identity.so). For each component
# (the C identity example in-process, then a Python identity model in one worker process) it
# starts seldon-microservice on free ports and runs bench/grpc-load (one channel) with the
# small request {"data":{"ndarray":[[1,2,3,4]]}} and a 100x100 float ndarray, at 1 and 16
# streams, printing calls/s, p50/p90/p99 and the CPU time per call of the front and of the
# worker processes. Then it starts the Python model with 2 worker processes, sends 16 streams
# over ONE channel and shows how many calls each worker slot took (the model counts its calls
# in a custom COUNTER metric; the front keeps one series per worker slot, worker_id).
#
# Environment: BENCH_DURATION (seconds per run, default 10), BENCH_WARMUP (default 2),
# BENCH_STREAMS ("1 16"), BENCH_PAYLOADS ("small ndarray:100x100"), BENCH_CASES
# ("c python split"), BENCH_SERVER_ARGS (more seldon-microservice options),
# BENCH_PYTHON (/usr/bin/python3).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")

build=${1:-build}
case "$build" in
  -h|--help)
    sed -n '3,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[[ "$build" = /* ]] || build="$srcdir/$build"
build=$(cd "$build" 2>/dev/null && pwd) || { echo "grpc.sh: no build directory ${1:-build}" >&2; exit 2; }

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
streams_list=${BENCH_STREAMS:-"1 16"}
payloads=${BENCH_PAYLOADS:-"small ndarray:100x100"}
cases=${BENCH_CASES:-"c python split"}
server_args=${BENCH_SERVER_ARGS:-}
python=${BENCH_PYTHON:-/usr/bin/python3}

program="$build/src/seldon-microservice"
load="$build/bench/grpc-load"
for f in "$program" "$load" "$build/examples/c/identity.so"; do
  [[ -e "$f" ]] || { echo "grpc.sh: $f is missing: build the tree first" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "grpc.sh: curl is not installed" >&2; exit 2; }

bench_name=grpc.sh
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/seldon-grpc-bench.XXXXXX")
server_pid=

cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hz=$(getconf CLK_TCK)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
results=()

# the first gRPC call also waits for the model
bench_server_ready() {
  "$load" -d 0.2 -w 0 -s 1 "127.0.0.1:$grpc_port" >/dev/null
}

bench_component() {   # NAME DIR ARGS...
  local name=$1 pids front workers
  start_server "$@"
  mapfile -t pids < <(tree_pids "$server_pid")
  front=${pids[0]}
  workers=("${pids[@]:1}")

  for payload in $payloads; do
    if [[ "$warmup" != 0 ]]; then
      "$load" -d "$warmup" -w 0 -s 16 -p "$payload" "127.0.0.1:$grpc_port" >/dev/null
    fi
    for n in $streams_list; do
      local line f0 w0 f1 w1 calls_s p50 p90 p99 bytes failed
      f0=$(cpu_ticks "$front")
      w0=$(sum_ticks "${workers[@]}")
      line=$("$load" -d "$duration" -w 0 -s "$n" -p "$payload" "127.0.0.1:$grpc_port") || true
      f1=$(cpu_ticks "$front")
      w1=$(sum_ticks "${workers[@]}")
      read -r _ _ calls_s p50 p90 p99 bytes failed <<<"$line"
      results+=("$(awk -v name="$name" -v payload="$payload" -v n="$n" -v cs="$calls_s" -v p50="$p50" \
                       -v p99="$p99" -v failed="$failed" -v hz="$hz" -v d="$duration" \
                       -v fc="$((f1 - f0))" -v wc="$((w1 - w0))" -v nw="${#workers[@]}" \
        'BEGIN {
           us = 1e6 / hz
           calls = cs * d
           if (calls < 1) calls = 1
           w = "-"
           if (nw > 0)
             w = sprintf("%.1f", wc * us / calls)
           printf "%-7s %-16s %4d %9.0f %8.2f %8.2f %7s %9.1f %9s %9.1f\n", name, payload, n, cs, p50, p99,
                  failed, fc * us / calls, w, (fc + wc) * us / calls
         }')")
    done
  done
  stop_server
}

write_python_model() {   # DIR
  mkdir -p "$1"
  cat >"$1/IdentityModel.py" <<'EOF'
class IdentityModel:
    def predict(self, X, features_names):
        return X
EOF
  cat >"$1/CountingModel.py" <<'EOF'
class CountingModel:
    def predict(self, X, features_names):
        return X

    def metrics(self):
        return [{"type": "COUNTER", "key": "bench_calls", "value": 1}]
EOF
}

split=()
for c in $cases; do
  case "$c" in
    c)
      bench_component c "$tmp" identity --workers 1
      ;;
    python)
      write_python_model "$tmp/python"
      bench_component python "$tmp/python" IdentityModel --workers 1
      ;;
    split)
      write_python_model "$tmp/python"
      start_server split "$tmp/python" CountingModel --workers 2
      line=$("$load" -d "$duration" -w 0 -s 16 -c 1 "127.0.0.1:$grpc_port") || true
      split+=("python, 2 worker processes, 16 streams over ONE channel:")
      split+=("$(printf '%8s %8s %10s %8s %8s %8s %8s  %s' streams channels calls/s 'p50 ms' 'p90 ms' 'p99 ms' bytes failed)")
      split+=("$line")
      split+=("calls per worker slot (bench_calls_total by worker_id, including the start-up call):")
      while IFS= read -r metric; do
        split+=("  $metric")
      done < <(curl -s "http://127.0.0.1:$metrics_port/metrics" | grep '^bench_calls_total{' |
               sed -E 's/.*worker_id="([0-9]+)".* ([0-9.e+]+)$/worker_id=\1 \2/')
      stop_server
      ;;
    *)
      echo "grpc.sh: unknown case $c (c, python, split)" >&2
      exit 2
      ;;
  esac
done

echo
echo "gRPC /seldon.protos.Model/Predict, bench/grpc-load -d ${duration} (${warmup} s warm-up), one channel;" \
     "$(nproc) CPUs, load average at start ${load_at_start}"
printf '%-7s %-16s %4s %9s %8s %8s %7s %9s %9s %9s\n' model payload strm 'calls/s' 'p50 ms' 'p99 ms' failed \
  'front µs' 'worker µs' 'total µs'
if ((${#results[@]} > 0)); then
  printf '%s\n' "${results[@]}"
fi
echo "(µs: CPU time per call, user + system, of the front process and of the worker processes;"
echo " small = {\"data\":{\"ndarray\":[[1,2,3,4]]}} (52 bytes), ndarray:100x100 = 100x100 floats (110608 bytes))"
if ((${#split[@]} > 0)); then
  echo
  printf '%s\n' "${split[@]}"
fi
