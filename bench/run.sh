#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/run.sh [BUILDDIR]: the REST benchmark of libseldon (issue 3). See bench/README.md.
#
# Builds nothing: BUILDDIR (default: build, relative to the source tree) must hold a built
# tree. For each component (the C identity example in-process, then a Python identity model
# in one worker process) it starts seldon-microservice on free ports, measures the idle PSS
# of its process tree, runs wrk at 1, 16 and 64 connections and prints requests per second,
# p50/p99 latency and the CPU time per request of the front and of the worker processes.
# Everything it starts is stopped before it exits.
#
# Environment: BENCH_DURATION (10 s per run), BENCH_CONNECTIONS ("1 16 64"),
# BENCH_WRK_THREADS (1), BENCH_WARMUP (2 s), BENCH_CASES ("c python"; "soup" adds the libsoup
# baseline, see BENCH_SOUP_STATIC), BENCH_SERVER_ARGS (more seldon-microservice options),
# BENCH_PYTHON (/usr/bin/python3), BENCH_SOUP_STATIC (a built bench/soup-static.c).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")

build=${1:-build}
case "$build" in
  -h|--help)
    sed -n '3,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[[ "$build" = /* ]] || build="$srcdir/$build"
build=$(cd "$build" 2>/dev/null && pwd) || { echo "run.sh: no build directory ${1:-build}" >&2; exit 2; }

duration=${BENCH_DURATION:-10}            # seconds per wrk run
connections=${BENCH_CONNECTIONS:-"1 16 64"}
# One wrk thread: on two CPUs a second one only competes with the server for them (wrk's
# event loop drives 64 connections on one thread).
wrk_threads=${BENCH_WRK_THREADS:-1}       # capped at the number of connections
warmup=${BENCH_WARMUP:-2}                 # seconds of unmeasured load before the runs
cases=${BENCH_CASES:-"c python"}          # which components
server_args=${BENCH_SERVER_ARGS:-}        # more seldon-microservice options, for both
python=${BENCH_PYTHON:-/usr/bin/python3}
soup_static=${BENCH_SOUP_STATIC:-}

program="$build/src/seldon-microservice"
for f in "$program" "$build/examples/c/identity.so"; do
  [[ -e "$f" ]] || { echo "run.sh: $f is missing: build the tree first" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "run.sh: curl is not installed" >&2; exit 2; }

bench_name=run.sh
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/seldon-bench.XXXXXX")
server_pid=
wrk_pid=

# Runs wrk in the background, so that a signal interrupts the wait at once.
run_wrk() {   # OUTPUT ARGS...
  local output=$1
  shift
  wrk "$@" >"$output" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=
}

cleanup() {
  if [[ -n "$wrk_pid" ]]; then
    kill -TERM "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" 2>/dev/null || true
  fi
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hz=$(getconf CLK_TCK)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
results=()
memory=()

# soup-static instead of seldon-microservice for the "soup" case
bench_server_exec() {
  if [[ "$1" = soup ]]; then
    exec "$soup_static" "$http_port"
  fi
}

bench_component() {   # NAME DIR ARGS...
  local name=$1 answer pids front workers pss_front pss_workers n
  start_server "$@"

  answer=$(curl -s -H 'Content-Type: application/json' -d '{"data":{"ndarray":[[1,2,3,4]]}}' \
                "http://127.0.0.1:$http_port/api/v1.0/predictions")
  if [[ "$answer" != *'"ndarray":[[1,2,3,4]]'* ]]; then
    echo "run.sh: $name: unexpected answer: $answer" >&2
    return 1
  fi

  # Idle memory once started (and after one call): the front and every worker process.
  sleep 1
  mapfile -t pids < <(tree_pids "$server_pid")
  front=${pids[0]}
  workers=("${pids[@]:1}")
  pss_front=$(pss_kib "$front")
  pss_workers=0
  for pid in "${workers[@]}"; do
    pss_workers=$((pss_workers + $(pss_kib "$pid")))
  done
  memory+=("$(awk -v name="$name" -v f="$pss_front" -v w="$pss_workers" -v nw="${#workers[@]}" \
      'BEGIN { printf "%-8s idle PSS: front %5.1f MiB + %d worker process(es) %5.1f MiB = %5.1f MiB\n",
                      name, f / 1024, nw, w / 1024, (f + w) / 1024 }')")

  if [[ "$warmup" -gt 0 ]]; then
    run_wrk /dev/null -t1 -c16 -d"${warmup}s" -s "$here/predict.lua" "http://127.0.0.1:$http_port"
  fi

  for n in $connections; do
    local t=$((n < wrk_threads ? n : wrk_threads)) out line f0 w0 f1 w1
    local reqs dur p50 p99 sockerr non2xx s0 s1
    s0=$(steal_ticks)
    f0=$(cpu_ticks "$front")
    w0=$(sum_ticks "${workers[@]}")
    run_wrk "$tmp/wrk.out" -t"$t" -c"$n" -d"${duration}s" --latency -s "$here/predict.lua" \
            "http://127.0.0.1:$http_port"
    out=$(cat "$tmp/wrk.out")
    f1=$(cpu_ticks "$front")
    w1=$(sum_ticks "${workers[@]}")
    s1=$(steal_ticks)
    line=$(grep '^BENCH ' <<<"$out") || { echo "$out" >&2; return 1; }
    read -r _ reqs dur p50 p99 sockerr non2xx <<<"$line"
    results+=("$(awk -v name="$name" -v n="$n" -v reqs="$reqs" -v dur="$dur" -v p50="$p50" \
                     -v p99="$p99" -v err="$((sockerr + non2xx))" -v hz="$hz" \
                     -v fc="$((f1 - f0))" -v wc="$((w1 - w0))" -v nw="${#workers[@]}" \
                     -v steal="${s1#* }" -v steal0="${s0#* }" -v all="${s1% *}" -v all0="${s0% *}" \
      'BEGIN {
         us = 1e6 / hz
         w = "-"
         if (nw > 0)
           w = sprintf("%.1f", wc * us / reqs)
         printf "%-8s %5d %10.0f %8.2f %8.2f %7d %9.1f %9s %9.1f %6.1f\n", name, n, reqs / (dur / 1e6),
                p50 / 1000, p99 / 1000, err, fc * us / reqs, w, (fc + wc) * us / reqs,
                (all > all0 ? 100 * (steal - steal0) / (all - all0) : 0)
       }')")
  done

  stop_server
}

for c in $cases; do
  case "$c" in
    c)
      bench_component c "$tmp" identity --workers 1
      ;;
    soup)
      if [[ -z "$soup_static" || ! -x "$soup_static" ]]; then
        echo "run.sh: the soup case needs BENCH_SOUP_STATIC, a built bench/soup-static.c" >&2
        exit 2
      fi
      bench_component soup "$tmp"
      ;;
    python)
      mkdir -p "$tmp/python"
      cat >"$tmp/python/IdentityModel.py" <<'EOF'
class IdentityModel:
    def predict(self, X, features_names):
        return X
EOF
      bench_component python "$tmp/python" IdentityModel --workers 1
      ;;
    *)
      echo "run.sh: unknown case $c (c, python, soup)" >&2
      exit 2
      ;;
  esac
done

echo
echo "POST /api/v1.0/predictions {\"data\":{\"ndarray\":[[1,2,3,4]]}}: wrk -t${wrk_threads} -cN -d${duration}s --latency" \
     "(${warmup} s warm-up); $(nproc) CPUs, load average at start ${load_at_start}"
printf '%-8s %5s %10s %8s %8s %7s %9s %9s %9s %6s\n' component conns 'req/s' 'p50 ms' 'p99 ms' errors \
  'front µs' 'worker µs' 'total µs' 'steal%'
printf '%s\n' "${results[@]}"
echo "(µs: CPU time per request, user + system, of the front process and of the worker processes;"
echo " steal%: CPU time the hypervisor gave to others during the run: on a virtual machine, a few"
echo " percent of steal comes in stalls of milliseconds and sets the p99 latency)"
echo
printf '%s\n' "${memory[@]}"
