FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COMMENTSVC_INSTANCE_PATH=/data
COPY pyproject.toml README.md wsgi.py ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system --home /data commentsvc \
    && mkdir -p /data && chown commentsvc /data
USER commentsvc
EXPOSE 8000
CMD ["gunicorn", "-c", "python:commentsvc.gunicorn_conf", "wsgi:app"]
