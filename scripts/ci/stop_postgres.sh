#!/usr/bin/env bash
# Stop a server started by start_postgres.sh and delete its cluster.
#
# Usage: scripts/ci/stop_postgres.sh URL
# URL is the one start_postgres.sh printed; its port names the cluster
# folder ${TMPDIR:-/tmp}/diagnose-postgres.PORT. Nothing else is stopped.
set -euo pipefail

log() {
    echo "stop_postgres: $*" >&2
}

if [[ $# -ne 1 ]]; then
    log "usage: stop_postgres.sh URL"
    exit 2
fi

# postgresql://user@127.0.0.1:PORT/dbname -> PORT
port=$(sed -E -n 's#^postgres(ql)?://[^/]*:([0-9]+)/.*$#\2#p' <<<"$1")
if [[ -z "$port" ]]; then
    log "no port found in the URL"
    exit 2
fi

cluster="${TMPDIR:-/tmp}/diagnose-postgres.$port"
if [[ ! -f "$cluster/data/PG_VERSION" ]]; then
    log "no cluster started by start_postgres.sh at $cluster"
    exit 1
fi

bindir="/usr/lib/postgresql/$(cat "$cluster/data/PG_VERSION")/bin"
# The postgres user may not be allowed into the caller's folder.
cd /
if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$bindir/pg_ctl" --pgdata="$cluster/data" --mode=fast --wait stop >&2
else
    "$bindir/pg_ctl" --pgdata="$cluster/data" --mode=fast --wait stop >&2
fi

rm -rf -- "$cluster"
log "stopped the server on port $port and removed $cluster"
