"""A real Prometheus (Debian's `prometheus` and `promtool`) holding a past incident's
samples, for the metrics scenarios.

The samples are written as OpenMetrics text, turned into TSDB blocks with `promtool tsdb
create-blocks-from openmetrics`, and served by `prometheus` on a free port with a
retention long enough for them. A short `--query.lookback-delta` makes a series end
where its samples end (backfilled data has no staleness markers), as ALERTS does live.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.bot_process import free_port
from tests.scenario.ready_process import ReadyProcess

SAMPLE_EVERY = timedelta(seconds=15)
Labels = dict[str, str]


@dataclass(frozen=True)
class Family:
    """One metric family: its name and, per label set, the value at each moment (None: no sample)."""

    name: str
    series: tuple[tuple[Labels, Callable[[datetime], float | None]], ...]


def openmetrics(families: Iterable[Family], start: datetime, end: datetime) -> str:
    """The families' samples every 15 s over [start, end], as OpenMetrics text."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# TYPE {family.name} gauge")
        for labels, value_at in family.series:
            inside = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            moment = start
            while moment <= end:
                value = value_at(moment)
                if value is not None:
                    lines.append(f"{family.name}{{{inside}}} {value} {int(moment.timestamp())}")
                moment += SAMPLE_EVERY
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def binaries() -> tuple[str, str]:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        pytest.skip("Debian's prometheus package is not installed (.ci/run installs it)")
    return prometheus, promtool


@contextmanager
def running_prometheus(
    text: str, folder: Path, *, retention: str = "60d"
) -> Iterator[PrometheusProcess]:
    """Prometheus serving the samples in `text` (OpenMetrics) until the block ends, keeping
    `retention` (shorter than the samples' age: it forgets them, as a real one would)."""
    prometheus, promtool = binaries()
    folder.mkdir(parents=True, exist_ok=True)
    data, source, config = folder / "data", folder / "samples.om", folder / "prometheus.yml"
    source.write_text(text)
    config.write_text("global:\n  scrape_interval: 15s\n")
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = PrometheusProcess(prometheus, data, config, free_port(), retention)
    process.start()
    try:
        yield process
    finally:
        process.stop()


class PrometheusProcess(ReadyProcess):
    def __init__(self, binary: str, data: Path, config: Path, port: int, retention: str) -> None:
        args = [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--storage.tsdb.retention.time={retention}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--query.lookback-delta=30s",
        ]
        super().__init__(
            "prometheus", args, f"http://127.0.0.1:{port}", data.parent / "prometheus.log"
        )
