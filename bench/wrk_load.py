"""Drive a server with wrk (C, epoll): a Python client saturates near 180 req/s here and
its own queueing would show up as the server's latency.

Each request is pre-signed (Slack allows five minutes of clock skew). wrk's threads each
get an id in `setup(thread)` and send only their own share of the bodies (thread k of T:
bodies k, k + T, k + 2T, ...), read from a file of their own, so no two threads send the
same body. A thread that runs out starts its share again; `done()` reports how many
bodies were written and how many of them were distinct, so a run that repeated any says so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.signing import slack_headers

FORM = "application/x-www-form-urlencoded"
THREADS = 2
LATENCY_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
BODIES_LINE = re.compile(r"^bodies written: (\d+), distinct: (\d+)$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# `id` is set in each thread's Lua state by setup(), which runs (in the main state)
# before that thread's init(); done() runs in the main state after the threads stop.
SCRIPT = """
local threads, next_id = {}, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  signatures, bodies, written = {}, {}, 0
  for line in io.lines(FOLDER .. "/bodies-" .. id .. ".txt") do
    local tab = line:find("\\t", 1, true)
    signatures[#signatures + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  count = #bodies
end

function request()
  local i = written % count + 1
  written = written + 1
  local headers = {
    ["Content-Type"] = CONTENT_TYPE,
    ["X-Slack-Request-Timestamp"] = TIMESTAMP,
    ["X-Slack-Signature"] = signatures[i],
  }
  return wrk.format("POST", nil, headers, bodies[i])
end

function done(summary, latency, requests)
  local written, distinct = 0, 0
  for _, thread in ipairs(threads) do
    local sent = thread:get("written")
    written = written + sent
    distinct = distinct + math.min(sent, thread:get("count"))
  end
  io.write(string.format("bodies written: %d, distinct: %d\\n", written, distinct))
end
"""


@dataclass(frozen=True)
class Result:
    p50: float  # ms
    p99: float  # ms
    rps: float
    answered: int  # requests wrk saw answered
    non2xx: int
    written: int  # request bodies written (answered, plus those in flight at the stop)
    distinct: int  # distinct bodies among those written

    @property
    def repeated(self) -> int:
        return self.written - self.distinct


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    bodies: list[bytes],
    *,
    secret: str,
    concurrency: int,
    seconds: int,
    content_type: str = FORM,
) -> Result:
    """Latency percentiles, throughput and body counts, as wrk measured them. Each body is
    one line of the threads' files: a form, or JSON without a line break (json.dumps')."""
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        script = folder / "requests.lua"
        script.write_text(_script(folder, bodies, secret, content_type))
        command = [
            "wrk", f"-c{concurrency}", f"-t{THREADS}", f"-d{seconds}s", "--latency",
            "-s", str(script), f"{url}/slack/events",
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _result(output)


def _script(folder: Path, bodies: list[bytes], secret: str, content_type: str) -> str:
    """Write each thread's share of the bodies, signed; return the script that sends them."""
    now = int(time.time())
    for thread in range(THREADS):
        lines = []
        for body in bodies[thread::THREADS]:
            signature = slack_headers(secret, now, body)["X-Slack-Signature"]
            lines.append(f"{signature}\t{body.decode()}\n")
        (folder / f"bodies-{thread}.txt").write_text("".join(lines))
    constants = {"FOLDER": str(folder), "CONTENT_TYPE": content_type, "TIMESTAMP": str(now)}
    header = "".join(f"{name} = {json.dumps(value)}\n" for name, value in constants.items())
    return header + SCRIPT


def _result(output: str) -> Result:
    latency = {p: float(v) * UNITS[u] for p, v, u in LATENCY_LINE.findall(output)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    answered = int(re.search(r"^\s*(\d+) requests in ", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    written, distinct = map(int, BODIES_LINE.search(output).groups())
    return Result(
        p50=latency["50"],
        p99=latency["99"],
        rps=rps,
        answered=answered,
        non2xx=int(errors.group(1)) if errors else 0,
        written=written,
        distinct=distinct,
    )
