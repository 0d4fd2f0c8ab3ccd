#!/usr/bin/env bash
# Start Yangguang for development: migrate, load demo data once, print the demo logins, then run the
# background worker and the development server together. Stopping the server (Ctrl-C) stops the worker.
#
# Environment: RUNSERVER_ADDR (default 127.0.0.1:8000).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
ADDR=${RUNSERVER_ADDR:-127.0.0.1:8000}

[ -x "$PY" ] || {
    echo "[run] .venv is missing: run 'make setup' first" >&2
    exit 1
}

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo --if-empty
"$PY" manage.py demo_logins

# Both processes run in the background and this script waits for them, so that a signal to this script
# (Ctrl-C, or a TERM from a supervisor) runs the clean-up at once. With the autoreloader each command is a
# parent with one child process; both are stopped by their process ids.
PIDS=()

any_alive() {
    local pid
    for pid in "$@"; do
        kill -0 "$pid" 2>/dev/null && return 0
    done
    return 1
}

stop_all() {
    local pid all=()
    for pid in "${PIDS[@]}"; do
        all+=("$pid")
        if command -v pgrep >/dev/null 2>&1; then
            # shellcheck disable=SC2207
            all+=($(pgrep -P "$pid" || true))
        fi
    done
    [ "${#all[@]}" -gt 0 ] || return 0
    echo "[run] stopping server and background worker"
    kill -TERM "${all[@]}" 2>/dev/null || true
    # Give the worker a few seconds to finish the task in hand, then insist.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        any_alive "${all[@]}" || break
        sleep 0.5
    done
    kill -KILL "${all[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$PY" manage.py db_worker &
PIDS+=($!)
echo "[run] background worker started (pid $!)"

# Deadline reminders, 督办 escalation and notification retries every five minutes.
"$PY" manage.py sla_checks --every 300 &
PIDS+=($!)
echo "[run] SLA checks started (pid $!, every 300 s)"

echo "[run] serving on http://$ADDR/ (Ctrl-C stops the server and the worker)"
"$PY" manage.py runserver "$ADDR" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")

# Runs until the server exits or this script is signalled; the EXIT trap then stops the worker.
set +e
wait "$SERVER_PID"
status=$?
set -e
exit "$status"
