#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port.
#
#   export ASSISTANT_TEST_DATABASE_URL="$(scripts/start_postgres.sh [DIR])"
#   pytest -m postgres
#   scripts/stop_postgres.sh DIR        # or: scripts/start_postgres.sh --stop DIR
#
# Uses Debian's packages (/usr/lib/postgresql/<version>/bin). The cluster lives in DIR
# (default: a new temp folder, printed on stderr) with a random password; as root it
# runs as the "postgres" user
# (PostgreSQL refuses to run as root). Prints only the URL on stdout.
set -euo pipefail

pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/initdb" ]] || { echo "start_postgres.sh: no PostgreSQL found under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
  echo "$dir"
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN=$(pg_bin)

if [[ "${1:-}" == "--stop" ]]; then
  dir=${2:?usage: start_postgres.sh --stop DIR}
  [[ -f "$dir/data/PG_VERSION" ]] || { echo "start_postgres.sh: $dir is not a cluster made by this script" >&2; exit 1; }
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  rm -rf "$dir"
  echo "stopped and removed $dir" >&2
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  echo "start_postgres.sh: running as root needs a 'postgres' user to run the server" >&2
  exit 1
fi

dir=${1:-$(mktemp -d /tmp/pgtest.XXXXXX)}
mkdir -p "$dir"
[[ ! -e "$dir/data" ]] || { echo "start_postgres.sh: $dir/data already exists" >&2; exit 1; }
chmod 700 "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres: "$dir"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$password" >"$dir/pwfile"
[[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pwfile"

as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$dir/pwfile" \
  --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"

# Test-only settings: fast, not durable.
as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

PGPASSWORD=$password "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres assistant_test

url="postgresql://postgres:${password}@127.0.0.1:${port}/assistant_test"
printf '%s\n' "$url" >"$dir/url"
chmod 600 "$dir/url"
echo "PostgreSQL running in $dir on 127.0.0.1:$port; stop with: $0 --stop $dir" >&2
echo "$url"
