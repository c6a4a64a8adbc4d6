"""Drive a server with wrk (C, epoll): a Python client saturates near 180 req/s here and
its own queueing would show up as the server's latency.

Each request is pre-signed (Slack allows five minutes of clock skew), written into a
Lua script that wrk cycles through.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bot.sandbox.signing import slack_headers

FORM = "application/x-www-form-urlencoded"
LATENCY_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str, bodies: list[bytes], *, secret: str, concurrency: int, seconds: int
) -> dict[str, float]:
    """p50/p99 in ms, requests per second and non-2xx answers, as wrk measured them."""
    with tempfile.TemporaryDirectory() as workdir:
        script = Path(workdir) / "requests.lua"
        script.write_text(_script(bodies, secret))
        command = [
            "wrk", f"-c{concurrency}", "-t2", f"-d{seconds}s", "--latency", "-s", str(script),
            f"{url}/slack/events",
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _figures(output)


def _script(bodies: list[bytes], secret: str) -> str:
    now = int(time.time())
    entries = []
    for body in bodies:
        headers = {"Content-Type": FORM, **slack_headers(secret, now, body)}
        entries.append(f"{{body={json.dumps(body.decode())}, headers={_lua_table(headers)}}}")
    return (
        "local requests = {" + ",\n".join(entries) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #requests + 1\n"
        '  return wrk.format("POST", nil, requests[i].headers, requests[i].body)\n'
        "end\n"
    )


def _lua_table(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in headers.items()) + "}"


def _figures(output: str) -> dict[str, float]:
    latency = {p: float(v) * UNITS[u] for p, v, u in LATENCY_LINE.findall(output)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "p50": latency["50"],
        "p99": latency["99"],
        "rps": rps,
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }
