"""A server the scenarios start themselves (Prometheus, Alertmanager): run it, wait for
its `/-/ready`, stop it. One home for that wait, so each server's helper keeps only its
own arguments and data."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bot.sandbox.bot_process import stop

WAIT_SECONDS = 30.0


class ReadyProcess:
    """`args` run with their output in `log`; ready once `url`/-/ready answers 200."""

    def __init__(self, name: str, args: Sequence[str], url: str, log: Path) -> None:
        self.name, self.url, self.log = name, url, log
        self._args = list(args)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(self._args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} was not ready within {WAIT_SECONDS:.0f} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            stop(self._process)  # the sandbox's own SIGTERM-then-SIGKILL
