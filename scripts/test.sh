#!/usr/bin/env bash
# Run every check: ruff (lint and format), mypy, Django's system checks, the missing-migrations check,
# then pytest (unit, integration and the real-browser e2e tests in one session).
#
# Environment:
#   TEST_ONLY_PYTEST=1   skip the lint/type/Django checks and run pytest only (used for the PostgreSQL pass)
#   PYTEST_XDIST=0       run pytest in one process instead of two xdist workers (-n 2)
#   PYTEST_WORKERS=N     number of xdist workers (default 2, the machines have two cores)
# Extra arguments are passed on to pytest, e.g. `scripts/test.sh -k cases -x`.
#
# Every step runs even when an earlier one failed, so one run reports all problems; the exit status is
# non-zero when any step failed. pytest collecting no test at all (exit code 5) counts as a failure.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=.venv/bin
PY=$BIN/python
if [ ! -x "$PY" ]; then
    echo "[test] .venv is missing: run 'make setup' (scripts/setup.sh) first" >&2
    exit 1
fi

failed=()

section() { printf '\n===== %s =====\n' "$*"; }

step() {
    local name=$1
    shift
    section "$name"
    local start=$SECONDS
    "$@"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "[test] FAILED: $name (exit code $rc, $((SECONDS - start))s)"
        failed+=("$name")
    else
        echo "[test] ok: $name ($((SECONDS - start))s)"
    fi
    return 0
}

if [ "${TEST_ONLY_PYTEST:-0}" != "1" ]; then
    step "ruff check" "$BIN/ruff" check .
    step "ruff format --check" "$BIN/ruff" format --check .
    step "mypy" "$BIN/mypy"
    step "manage.py check" "$PY" manage.py check
    step "makemigrations --check" "$PY" manage.py makemigrations --check --dry-run
fi

run_pytest() {
    local args=()
    if [ "${PYTEST_XDIST:-1}" != "0" ]; then
        args+=(-n "${PYTEST_WORKERS:-2}")
    else
        args+=(-p no:xdist)
    fi
    "$PY" -m pytest "${args[@]}" "$@"
    local rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "[test] pytest collected no tests: treating that as a failure" >&2
    fi
    return "$rc"
}

db_label="SQLite"
if [ -n "${DATABASE_URL:-}" ]; then
    db_label="${DATABASE_URL%%:*}"
fi
step "pytest (database: $db_label)" run_pytest "$@"

section "summary"
if [ "${#failed[@]}" -gt 0 ]; then
    printf '[test] %d step(s) failed:\n' "${#failed[@]}"
    printf '  - %s\n' "${failed[@]}"
    exit 1
fi
echo "[test] all steps passed"
