FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COMMENTSVC_INSTANCE_PATH=/data \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
COPY pyproject.toml README.md wsgi.py ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system --home /data commentsvc \
    && mkdir -p /data /tmp/metrics && chown commentsvc /data /tmp/metrics
USER commentsvc
EXPOSE 8000
# The same command as commentsvc.gunicorn_conf.COMMAND (docker-compose.yml runs migrations first).
CMD ["gunicorn", "-c", "python:commentsvc.gunicorn_conf", "commentsvc.wsgi_app:app"]
