"""A real Alertmanager (Debian's `prometheus-alertmanager`) whose one receiver is the bot.

It listens on a free port with clustering off (`--cluster.listen-address=` empty), keeps
its state in a temp folder, groups by `alertname` with one-second waits so a test sees
its notifications at once, and sends them as its `webhook_configs` do: a v4 body with
`Authorization: Bearer <credentials>`. Alerts go in the way Prometheus sends them, a POST
of `/api/v2/alerts`; an alert posted again with an `endsAt` in the past is resolved.
Its own `/metrics` say how many notifications it sent and how many failed.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.sandbox.bot_process import free_port
from tests.scenario.ready_process import WAIT_SECONDS as WAIT
from tests.scenario.ready_process import ReadyProcess


def binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        pytest.skip("Debian's prometheus-alertmanager is not installed (.ci/run installs it)")
    return found


def config(webhook_url: str, token: str, *, repeat_interval: str) -> str:
    """One route to one webhook receiver that sends resolutions too."""
    return json.dumps(
        {
            "route": {
                "receiver": "postmortem-bot",
                "group_by": ["alertname"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": repeat_interval,
            },
            "receivers": [
                {
                    "name": "postmortem-bot",
                    "webhook_configs": [
                        {
                            "url": webhook_url,
                            "send_resolved": True,
                            "http_config": {"authorization": {"credentials": token}},
                        }
                    ],
                }
            ],
        },
        indent=2,
    )  # JSON is YAML


class AlertmanagerProcess(ReadyProcess):
    def __init__(self, folder: Path, config_text: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "alertmanager.yml").write_text(config_text)
        url = f"http://127.0.0.1:{free_port()}"
        args = [
            binary(),
            f"--config.file={folder / 'alertmanager.yml'}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
            "--cluster.listen-address=",
        ]
        super().__init__("alertmanager", args, url, folder / "alertmanager.log")

    def post_alert(
        self,
        labels: Mapping[str, str],
        annotations: Mapping[str, str],
        *,
        starts_at: datetime,
        ends_at: datetime | None = None,
    ) -> None:
        """Send one alert as Prometheus does; with `ends_at` in the past it is resolved."""
        alert: dict[str, object] = {
            "labels": dict(labels),
            "annotations": dict(annotations),
            "startsAt": _rfc3339(starts_at),
            "generatorURL": "http://prometheus.test:9090/graph?g0.expr=up",
        }
        if ends_at is not None:
            alert["endsAt"] = _rfc3339(ends_at)
        answer = httpx.post(f"{self.url}/api/v2/alerts", json=[alert], timeout=5)
        assert answer.status_code == 200, answer.text

    def notifications(self) -> tuple[int, int]:
        """(sent, failed) webhook notifications so far, from its own `/metrics`."""
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        return _counter(text, "alertmanager_notifications_total"), _counter(
            text, "alertmanager_notifications_failed_total"
        )

    def wait_for_notifications(self, *, sent: int = 0, failed: int = 0) -> tuple[int, int]:
        """Until at least `sent` notifications went out and `failed` failed."""
        deadline = time.monotonic() + WAIT
        while True:
            counts = self.notifications()
            if counts[0] >= sent and counts[1] >= failed:
                return counts
            if time.monotonic() >= deadline:
                raise TimeoutError(f"alertmanager notifications {counts}, wanted {sent, failed}")
            time.sleep(0.1)


@contextmanager
def running_alertmanager(
    folder: Path, webhook_url: str, token: str, *, repeat_interval: str = "4h"
) -> Iterator[AlertmanagerProcess]:
    process = AlertmanagerProcess(
        folder, config(webhook_url, token, repeat_interval=repeat_interval)
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _counter(text: str, name: str) -> int:
    """The webhook integration's value of counter `name` (0 before its first use)."""
    pattern = re.compile(rf'^{name}\{{[^}}]*integration="webhook"[^}}]*\}} (\S+)$', re.MULTILINE)
    return sum(int(float(value)) for value in pattern.findall(text))
