"""The report's chart reads as the incident: its window fills the axis, labels never collide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.milestones import Milestone, Milestones, Name, Origin
from bot.core.timeline import TimelineEntry
from bot.core.timeline_chart import CHAR_WIDTH, LEFT, RIGHT, WIDTH, Chart, chart

T0 = datetime(2026, 11, 30, 22, 40, tzinfo=UTC)
PLOT = WIDTH - LEFT - RIGHT


def _said(minutes: float, text: str = "looking", key: bool = False) -> TimelineEntry:
    at = T0 + timedelta(minutes=minutes)
    return TimelineEntry(at, "slack", f"C1:{at.timestamp():.6f}", text, "U0ALICE", is_key=key)


def _clock(**minutes: float) -> Milestones:
    return Milestones(
        tuple(
            Milestone(Name(name), T0 + timedelta(minutes=m), Origin.PERSON)
            for name, m in minutes.items()
        )
    )


def _next_morning_and_day_before() -> list[TimelineEntry]:
    before = [_said(-600 - i, "yesterday's standup") for i in range(14)]
    during = [_said(i * 2, "on it", key=i % 5 == 0) for i in range(26)]
    after = [_said(620 + i, "good morning") for i in range(31)]
    return before + during + after


def test_the_axis_spans_the_incident_window_and_counts_what_is_outside_at_the_edges() -> None:
    entries = _next_morning_and_day_before()
    clock = _clock(started=-3, detected=0, acknowledged=4, mitigated=40, resolved=50)
    key = [e for e in entries if e.is_key]

    drawn = chart(entries, key, start=clock.at(Name.STARTED), end=clock.at(Name.RESOLVED),
                  milestones=clock)  # fmt: skip

    assert drawn is not None
    assert [edge.label for edge in drawn.edges] == ["+14 events before", "+31 events after"]
    assert drawn.window_width / PLOT > 0.8, "the incident fills the chart, not 15% of it"
    assert drawn.window_x > LEFT and drawn.window_x + drawn.window_width < WIDTH - RIGHT
    assert sum(bar.count for bar in drawn.bars) == 26
    assert [m.label for m in drawn.milestones] == [
        "started", "detected", "acknowledged", "mitigated", "resolved",
    ]  # fmt: skip
    assert [p.label for p in drawn.phases] == ["Detect", "Acknowledge", "Mitigate", "Resolve"]


def _boxes(drawn: Chart) -> list[tuple[float, float, float]]:
    boxes = []
    for m in drawn.milestones:
        width = CHAR_WIDTH * len(f"{m.label} {m.time}")
        left = {"start": m.x, "end": m.x - width}.get(m.anchor, m.x - width / 2)
        boxes.append((m.label_y, left, left + width))
    return boxes


def test_milestones_a_minute_apart_get_rows_of_their_own_and_no_two_labels_overlap() -> None:
    entries = [_said(i, key=True) for i in range(0, 90, 3)]
    clock = _clock(started=0, detected=1, acknowledged=2, declared=2.5, mitigated=3, resolved=88)

    drawn = chart(entries, entries, start=T0, end=T0 + timedelta(minutes=88), milestones=clock)

    assert drawn is not None
    boxes = _boxes(drawn)
    assert len({row for row, _, _ in boxes}) >= 4, "five labels in three minutes need rows"
    for i, (row, left, right) in enumerate(boxes):
        for other_row, other_left, other_right in boxes[i + 1 :]:
            assert row != other_row or right <= other_left or other_right <= left
    assert all(left >= 0 and right <= WIDTH for _, left, right in boxes)
    lowest_label = max(row for row, _, _ in boxes)
    assert drawn.phase_top > lowest_label, "the phases start below the last label row"


def test_without_milestones_the_axis_spans_the_key_events_and_marks_keep_their_numbers() -> None:
    early = _said(-300, "heads-up from yesterday", key=True)
    during = [_said(m, "mitigated by rollback" if m == 30 else "x", key=True) for m in (0, 10, 30)]
    chatter = [_said(m) for m in range(0, 40, 4)]
    entries = sorted([early, *during, *chatter], key=lambda e: e.occurred_at)

    drawn = chart(entries, [early, *during], milestones=Milestones())

    assert drawn is not None
    assert drawn.edges == (), "every line is within the key events' span"
    assert drawn.window_width / PLOT > 0.8
    assert [mark.number for mark in drawn.marks] == [1, 2, 3, 4]

    narrow = chart(entries, [early, *during], start=T0, end=T0 + timedelta(minutes=30))
    assert narrow is not None
    assert [mark.number for mark in narrow.marks] == [2, 3, 4], "row 1 is before the window"
    assert [edge.label for edge in narrow.edges] == ["+1 event before", "+1 event after"]
