#!/bin/sh
# Start the service in the container. exec replaces this shell with gunicorn,
# so gunicorn runs as PID 1 and receives the SIGTERM of `docker stop`, which
# lets in-flight requests finish within DIAGNOSE_GRACEFUL_TIMEOUT.
set -eu
config_dir=$(dirname "$0")
exec gunicorn -c "$config_dir/gunicorn.conf.py" 'diagnose_api:create_app()'
