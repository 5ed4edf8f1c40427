#!/usr/bin/env bash
# A Dask scheduler and two single-threaded workers on 127.0.0.1, for the sweep's real-cluster test.
#
#   tests/services/dask_cluster.sh start [DIR]   start them (logs and pids in DIR, default: a new temporary folder),
#                                                wait until both workers joined; prints the scheduler address on
#                                                stdout, e.g. tcp://127.0.0.1:41234, and DIR on stderr
#   tests/services/dask_cluster.sh stop DIR      stop those processes and delete DIR
#
#   export ZERODISTRICT_TEST_SCHEDULER=$(tests/services/dask_cluster.sh start /tmp/zd-dask)  # then pytest tests/design
#
# Runs `python -m dask` of $PYTHON (default: python3 on PATH, e.g. the project's activated venv): the workers
# import zerodistrict from that environment (and from PYTHONPATH, which they inherit).
set -euo pipefail
PY=${PYTHON:-python3}

cmd=${1:-}
case "$cmd" in
  start)
    dir=${2:-$(mktemp -d /tmp/zerodistrict-dask.XXXXXX)}
    mkdir -p "$dir"
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    address="tcp://127.0.0.1:$port"
    "$PY" -m dask scheduler --host 127.0.0.1 --port "$port" --dashboard-address 127.0.0.1:0 \
      >"$dir/scheduler.log" 2>&1 &
    echo $! >"$dir/scheduler.pid"
    for i in 1 2; do
      OMP_NUM_THREADS=1 "$PY" -m dask worker "$address" --nthreads 1 --nworkers 1 --host 127.0.0.1 \
        --dashboard-address 127.0.0.1:0 --local-directory "$dir" >"$dir/worker$i.log" 2>&1 &
      echo $! >"$dir/worker$i.pid"
    done
    if ! "$PY" -c "import sys; from dask.distributed import Client
with Client(sys.argv[1], timeout='60s') as c: c.wait_for_workers(2, timeout=60)" "$address" 2>"$dir/wait.log"; then
      cat "$dir/wait.log" "$dir"/*.log >&2
      "$0" stop "$dir"
      exit 1
    fi
    echo "dask_cluster.sh: scheduler $address, logs in $dir" >&2
    echo "$address"
    ;;
  stop)
    dir=${2:?usage: dask_cluster.sh stop DIR}
    for pidfile in "$dir"/worker*.pid "$dir"/scheduler.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: dask_cluster.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
