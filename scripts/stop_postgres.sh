#!/usr/bin/env bash
# Stop a server started by scripts/start_postgres.sh DIR and remove DIR.
exec bash "$(dirname "$0")/start_postgres.sh" --stop "${1:?usage: stop_postgres.sh DIR}"
