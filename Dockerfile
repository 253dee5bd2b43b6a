# syntax=docker/dockerfile:1
# diagnose-api production image: `docker build -t diagnose-api .`
# The base image is pinned by exact tag; update both stages together.

FROM python:3.11.17-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY diagnose_api ./diagnose_api
# One wheel for the service and one for each pinned runtime dependency,
# PostgreSQL's driver included so that replicas can share a run store.
RUN python -m pip wheel --wheel-dir /wheels --constraint requirements.lock ".[postgres]"


FROM python:3.11.17-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 diagnose \
    && useradd --system --uid 10001 --gid diagnose --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin diagnose \
    && mkdir -p /var/lib/diagnose-api \
    && chown diagnose:diagnose /var/lib/diagnose-api

# Only the runtime dependencies, from the builder's wheels, without an index.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels /wheels/*.whl

WORKDIR /app
COPY gunicorn.conf.py docker-entrypoint.sh ./

ENV DIAGNOSE_BIND=0.0.0.0:8000
ENV DIAGNOSE_SQLITE_PATH=/var/lib/diagnose-api/runs.sqlite3
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/diagnose-api-metrics
VOLUME ["/var/lib/diagnose-api"]

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "diagnose_api.healthcheck"]
CMD ["/app/docker-entrypoint.sh"]
