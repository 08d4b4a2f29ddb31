#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests and benchmarks, and prints its
# URL. Usage: scripts/postgres-for-tests.sh <dir> [port]   Stop it with: pg_ctl -D <dir>/data stop
# Uses the server binaries of Debian's postgresql package; PostgreSQL refuses to run as root, so
# as root the cluster belongs to the postgres user the package creates.
set -euo pipefail
dir=${1:?usage: postgres-for-tests.sh <dir> [port]}
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "PostgreSQL server not found: install it with 'apt-get install -y postgresql'" >&2
  exit 1
fi
as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres "$dir"
if [[ ! -f "$dir/data/PG_VERSION" ]]; then
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log"
fi
# Tests only: durability off for speed (fsync), and enough connections for several bots at once.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
