#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages (if missing), starts a throw-away cluster on
# 127.0.0.1:${KONTROL_PG_PORT:-54329} and prints the URL of a fresh database for the tests.
# When it starts the cluster and KONTROL_PG_STARTED_FILE names a file, it writes the cluster's
# folder there: scripts/test stops only a cluster it started.
# `scripts/postgres.sh stop` stops the cluster in ${KONTROL_PG_DATA:-/tmp/kontrol-pg}.
set -euo pipefail
port="${KONTROL_PG_PORT:-54329}"
data="${KONTROL_PG_DATA:-/tmp/kontrol-pg}"
if [ "${1:-}" = stop ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  su postgres -s /bin/sh -c "$bin/pg_ctl -D '$data' -m fast -w stop" >/dev/null
  exit 0
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  rm -rf "$data"; mkdir -p "$data"; chown postgres "$data"
  su postgres -s /bin/sh -c "$bin/initdb -D '$data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
  su postgres -s /bin/sh -c "$bin/pg_ctl -D '$data' -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' -l '$data/log' -w start" >/dev/null
  if [ -n "${KONTROL_PG_STARTED_FILE:-}" ]; then echo "$data" > "$KONTROL_PG_STARTED_FILE"; fi
fi
psql -h 127.0.0.1 -p "$port" -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname='kontrol_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE kontrol_test" >&2
echo "postgresql+psycopg://postgres@127.0.0.1:$port/kontrol_test"
