#!/usr/bin/env bash
# Runs the full test suite: starts a throwaway PostgreSQL for the workshop's
# PostgreSQL tests, runs pytest, stops the server. Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

pg_url=""
if [ -x scripts/start_postgres.sh ] || [ -f scripts/start_postgres.sh ]; then
  pg_dir=$(mktemp -d /tmp/assistant-pg.XXXXXX)
  if pg_url=$(bash scripts/start_postgres.sh "$pg_dir" 2>"$pg_dir/start.log"); then
    export ASSISTANT_TEST_DATABASE_URL="$pg_url"
    trap 'bash scripts/stop_postgres.sh "$pg_dir" >/dev/null 2>&1 || true' EXIT
  else
    echo "PostgreSQL could not be started (see $pg_dir/start.log); its tests will be skipped" >&2
  fi
fi

exec_status=0
"$PY" -m pytest "$@" || exec_status=$?
exit $exec_status
