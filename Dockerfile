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

RUN useradd --create-home --uid 10001 postmortem
USER postmortem
WORKDIR /home/postmortem

ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz')"
# Run `postmortem-bot migrate` once per release (e.g. as a release job) before this starts.
CMD ["postmortem-bot", "serve"]
