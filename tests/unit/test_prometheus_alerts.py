"""ALERTS series become firing and resolved lines at their UTC minutes, keyed so a
second fetch files nothing twice and an alert still firing at the window's end has no
resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import milestones
from bot.core.metrics import Point, Series
from bot.core.milestones import Name
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED
from bot.prometheus.alerts import transitions

STEP = timedelta(seconds=15)
START = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
END = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LABELS = (
    ("__name__", "ALERTS"),
    ("alertname", "CheckoutErrorRate"),
    ("alertstate", "firing"),
    ("service", "checkout"),
    ("severity", "page"),
)


def _firing(*runs: tuple[datetime, datetime]) -> Series:
    points = []
    for first, last in runs:
        at = first
        while at <= last:
            points.append(Point(at, 1.0))
            at += STEP
    return Series(labels=LABELS, points=tuple(points))


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=UTC)


def test_a_run_is_a_firing_line_and_a_resolved_line_with_the_alert_as_actor() -> None:
    lines = transitions((_firing((_at(13, 55), _at(14, 30))),), start=START, end=END, step=STEP)

    assert [(e.kind, e.occurred_at) for e in lines] == [
        (ALERT_FIRING, _at(13, 55)),
        (ALERT_RESOLVED, _at(14, 30)),
    ]
    assert {e.source for e in lines} == {"monitoring"}
    assert lines[0].actor == 'CheckoutErrorRate {service="checkout", severity="page"}'
    assert lines[0].text == "Alert CheckoutErrorRate firing"
    assert lines[0].source_key.startswith("prom:CheckoutErrorRate:")
    assert lines[1].source_key == lines[0].source_key + ":resolved"


def test_a_hole_of_more_than_two_steps_makes_two_firings() -> None:
    series = _firing((_at(13, 55), _at(14, 0)), (_at(14, 10), _at(14, 20)))
    lines = transitions((series,), start=START, end=END, step=STEP)
    assert [e.kind for e in lines] == [ALERT_FIRING, ALERT_RESOLVED] * 2
    assert len({e.source_key for e in lines}) == 4


def test_still_firing_at_the_end_has_no_resolution_and_firing_at_the_start_says_so() -> None:
    lines = transitions((_firing((START, END)),), start=START, end=END, step=STEP)
    assert [e.kind for e in lines] == [None]  # it began before the window: no transition
    assert "already firing when the window starts" in lines[0].text


def test_an_alert_firing_all_window_long_is_no_detection_at_the_windows_edge() -> None:
    """A Watchdog-like alert: the window's start is not when anyone was alerted."""
    always = transitions((_firing((START, END)),), start=START, end=END, step=STEP)
    later = transitions((_firing((START + 20 * STEP, END)),), start=START, end=END, step=STEP)
    assert milestones.derive(always).at(Name.DETECTED) is None
    assert milestones.derive(later).at(Name.DETECTED) == START + 20 * STEP


def test_the_same_alert_fetched_over_a_wider_window_has_the_same_keys() -> None:
    series = (_firing((_at(13, 55), _at(14, 30))),)
    first = transitions(series, start=START, end=END, step=STEP)
    wider = transitions(series, start=START - timedelta(hours=1), end=END, step=STEP)
    assert [e.source_key for e in first] == [e.source_key for e in wider]
