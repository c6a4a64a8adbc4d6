"""Alertmanager's side of the webhook, for the demo: notifications shaped as Alertmanager's
`webhook_configs` sends them (version 4, one alert group, `Authorization: Bearer …`).

Only the sending is stood in for: grouping, waits and repeats are Alertmanager's own, and
the tests run the real one (`tests/scenario/alertmanager_server.py`). The fingerprint is
the one Alertmanager gives the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import httpx

from bot.alertmanager.webhook import fingerprint_of

TOKEN = "sandbox-alertmanager-token"
SETTINGS = {"ALERTMANAGER_WEBHOOK_TOKEN": TOKEN}
RECEIVER = "postmortem-bot"
EXTERNAL_URL = "http://alertmanager.sandbox:9093"
_ZERO_TIME = "0001-01-01T00:00:00Z"


def notification(
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    *,
    starts_at: datetime,
    ends_at: datetime | None = None,
) -> dict[str, object]:
    """One alert's group as Alertmanager notifies it: resolved when `ends_at` is given."""
    status = "resolved" if ends_at is not None else "firing"
    name = labels.get("alertname", "")
    alert = {
        "status": status,
        "labels": dict(labels),
        "annotations": dict(annotations),
        "startsAt": _rfc3339(starts_at),
        "endsAt": _rfc3339(ends_at) if ends_at is not None else _ZERO_TIME,
        "generatorURL": "http://prometheus.sandbox:9090/graph?g0.expr=ALERTS",
        "fingerprint": fingerprint_of(tuple(labels.items())),
    }
    return {
        "receiver": RECEIVER,
        "status": status,
        "alerts": [alert],
        "groupLabels": {"alertname": name},
        "commonLabels": dict(labels),
        "commonAnnotations": dict(annotations),
        "externalURL": EXTERNAL_URL,
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
    }


def send(bot_url: str, body: Mapping[str, object], token: str = TOKEN) -> httpx.Response:
    """POST `body` to the bot's `/alertmanager/webhook` as Alertmanager does."""
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "Alertmanager/0.25.0"}
    return httpx.post(f"{bot_url}/alertmanager/webhook", json=body, headers=headers, timeout=10)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
