# One image for app, migrate and worker. The base image is a build argument so that machines
# without a registry can build on a local stand-in (make compose-test); the default is the
# official image. Every dependency is pinned with its hash in requirements.lock (make lock).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv && python -m venv /opt/build
COPY requirements.lock deploy/requirements-build.lock /tmp/
RUN /opt/venv/bin/pip install --quiet --require-hashes --no-deps --only-binary=:all: \
        -r /tmp/requirements.lock \
    && /opt/build/bin/pip install --quiet --require-hashes --no-deps -r /tmp/requirements-build.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# The project itself as a wheel built offline with the pinned setuptools, installed without
# resolving anything (its dependencies are the locked ones above).
RUN /opt/build/bin/pip wheel --quiet --no-deps --no-build-isolation -w /tmp/wheels . \
    && /opt/venv/bin/pip install --quiet --no-deps /tmp/wheels/*.whl \
    && /opt/venv/bin/pip uninstall --quiet --yes pip \
    && find /opt/venv -name __pycache__ -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    COMMENTSVC_INSTANCE_PATH=/data COMMENTSVC_MIGRATIONS_DIR=/app/migrations \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
RUN useradd --system --home /data commentsvc \
    && mkdir -p /data /tmp/metrics && chown commentsvc /data /tmp/metrics
COPY --from=build /opt/venv /opt/venv
COPY migrations /app/migrations
WORKDIR /app
USER commentsvc
EXPOSE 8000
# The same command as commentsvc.gunicorn_conf.COMMAND; the compose file's one-shot `migrate`
# service runs `commentsvc db upgrade` before any app container starts.
CMD ["gunicorn", "-c", "python:commentsvc.gunicorn_conf", "commentsvc.wsgi_app:app"]
