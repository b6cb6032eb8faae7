# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/lib.sh: shell helpers shared by the benchmark scripts (sourced, not run).
# The sourcing script sets $bench_name (for messages), $python, $build and $srcdir first.

# The environment that makes an uninstalled build's program, its worker processes (C, Python)
# and its gRPC module find everything, for `env "${bench_env[@]}" PROGRAM ...`.
bench_env=(
  GSETTINGS_BACKEND=memory
  GSETTINGS_SCHEMA_DIR="$build/data"
  SELDON_ANNOTATIONS_FILE=/nonexistent/seldon-bench/annotations
  SELDON_COMPONENT_PATH="$build/examples/c"
  SELDON_WORKER_DIR="$build/src"
  SELDON_WORKER_PYTHONPATH="$build/bindings/python:$srcdir/bindings/python"
  SELDON_WORKER_PYTHON="$python"
  GI_TYPELIB_PATH="$build/seldon${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
  LD_LIBRARY_PATH="$build/seldon${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  PYTHONDONTWRITEBYTECODE=1
)

# Stops the server $server_pid (SIGTERM, then SIGKILL after 10 s) and forgets it.
stop_server() {
  local pid=$server_pid
  server_pid=
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$bench_name: server $pid did not stop; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# Starts seldon-microservice ($program with $server_args) as NAME in DIR with ARGS on free ports
# ($http_port, $metrics_port, $grpc_port), its output in $tmp/NAME.log, and waits (60 s at most)
# until /health/ping answers 200. A script may define bench_server_exec NAME (called in the
# server's subshell, it may exec another program instead) and bench_server_ready (called once
# the server is ready).
start_server() {   # NAME DIR ARGS...
  local name=$1 dir=$2
  shift 2
  http_port=$(free_port)
  metrics_port=$(free_port)
  grpc_port=$(free_port)
  (
    cd "$dir"
    if declare -F bench_server_exec >/dev/null; then
      bench_server_exec "$name"
    fi
    exec env "${bench_env[@]}" \
      "$program" "$@" \
        --http-port "$http_port" --metrics-port "$metrics_port" --grpc-port "$grpc_port" \
        --log-level WARNING $server_args
  ) >"$tmp/$name.log" 2>&1 &
  server_pid=$!

  for _ in $(seq 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$bench_name: $name: the server exited during start-up:" >&2
      cat "$tmp/$name.log" >&2
      server_pid=
      return 1
    fi
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/health/ping") = 200 ]]; then
      if declare -F bench_server_ready >/dev/null; then
        bench_server_ready
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "$bench_name: $name: not ready after 60 s" >&2
  return 1
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PID and every descendant, parents first.
tree_pids() {
  local pid=$1 child
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    tree_pids "$child"
  done
}

# Proportional set size of one process, in KiB (smaps_rollup: Linux 4.14+).
pss_kib() {
  awk '/^Pss:/ { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0
}

# User + system CPU time of one process (all its threads), in clock ticks.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  # Fields after the command name (which may hold spaces): state is the 1st, utime the
  # 12th, stime the 13th.
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}

sum_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(cpu_ticks "$pid")))
  done
  echo "$total"
}

# "TOTAL STEAL": every CPU's time and the part stolen by the hypervisor, in clock ticks
# (/proc/stat; steal is 0 on bare metal).
steal_ticks() {
  awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9; exit }' /proc/stat
}
