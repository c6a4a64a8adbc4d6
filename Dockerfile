# postmortem-bot: one process serving Slack (HTTP or Socket Mode) and PagerDuty webhooks.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY templates ./templates
RUN pip install . && rm -rf /app/bot /app/storage /app/templates

# /data holds the SQLite database; it is created and owned by the non-root user
# before VOLUME, so a fresh named volume starts out writable by it. A bind-mounted
# host folder must be writable by uid 10001.
RUN useradd --create-home --uid 10001 postmortem \
    && mkdir /data \
    && chown postmortem:postmortem /data
VOLUME /data
USER postmortem
WORKDIR /home/postmortem

ENV PORT=3000 \
    DATABASE_URL=sqlite:////data/postmortem.db
EXPOSE 3000
# /healthz answers 200 once the bot serves and its database answers; start-period
# covers the migration that CMD runs first.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"
# Migration happens on start: `serve --migrate` brings the schema up to date, then
# serves (the single-container SQLite case). With several replicas sharing
# PostgreSQL, run `postmortem-bot migrate` once per release from this image and
# override the command with `postmortem-bot serve` (docker-compose.yml does this).
CMD ["postmortem-bot", "serve", "--migrate"]
