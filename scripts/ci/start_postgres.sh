#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and print its URL.
#
# Usage:
#   DIAGNOSE_TEST_POSTGRES_URL="$(scripts/ci/start_postgres.sh)"
#   scripts/ci/stop_postgres.sh "$DIAGNOSE_TEST_POSTGRES_URL"
#
# Installs Debian's postgresql package when no server binaries are found
# (needs root). The cluster lives in ${TMPDIR:-/tmp}/diagnose-postgres.PORT,
# owned by the postgres user when run as root, listens on 127.0.0.1 only on
# a free port, and trusts every local connection, so it must never hold real
# data. fsync is off because the cluster is deleted after the tests.
# Only the URL goes to stdout; progress and errors go to stderr.
set -euo pipefail

DATABASE=diagnose_test

log() {
    echo "start_postgres: $*" >&2
}

find_bindir() {
    # The newest installed major version, for example /usr/lib/postgresql/15/bin.
    find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
        sort -V | tail -n 1
}

bindir=$(find_bindir || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    if [[ $EUID -ne 0 ]]; then
        log "PostgreSQL server binaries not found; install the postgresql package as root"
        exit 1
    fi

    log "installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir=$(find_bindir)
fi

# Run a server binary as the postgres user when root, since initdb and the
# server refuse to run as root.
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Another process may take the port between this check and the server's
# start; the server then fails to start, and pg_ctl reports it below.
port=$(free_port)
cluster="${TMPDIR:-/tmp}/diagnose-postgres.$port"
mkdir "$cluster"
chmod 700 "$cluster"
if [[ $EUID -eq 0 ]]; then
    chown postgres: "$cluster"
fi
# The postgres user may not be allowed into the caller's folder (a CI clone
# under /root), and initdb fails when it cannot read its working directory.
cd "$cluster"

log "initdb in $cluster"
as_owner "$bindir/initdb" --pgdata="$cluster/data" --username=postgres \
    --auth=trust --encoding=UTF8 --locale=C >"$cluster/initdb.log" 2>&1 || {
    cat "$cluster/initdb.log" >&2
    exit 1
}

log "starting the server on 127.0.0.1:$port"
as_owner "$bindir/pg_ctl" --pgdata="$cluster/data" --log="$cluster/server.log" \
    --wait --timeout=60 \
    --options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || {
    cat "$cluster/server.log" >&2
    exit 1
}

as_owner "$bindir/createdb" --host=127.0.0.1 --port="$port" --username=postgres "$DATABASE" >&2

echo "postgresql://postgres@127.0.0.1:$port/$DATABASE"
