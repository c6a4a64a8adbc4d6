"""Holding a sandbox method: every call, or every call after the first few."""

from __future__ import annotations

import threading

from bot.sandbox.latency import Latency


def test_a_hold_after_one_lets_the_first_call_through_and_keeps_the_second_until_released() -> None:
    latency = Latency()
    latency.hold("conversations.history", after=1)
    latency.before("conversations.history")  # page 1: not held, returns at once
    second = threading.Thread(target=latency.before, args=("conversations.history",))
    second.start()
    second.join(timeout=0.3)
    assert second.is_alive() and latency.waiting("conversations.history") == 1
    latency.release("conversations.history")
    second.join(timeout=5)
    assert not second.is_alive() and latency.waiting("conversations.history") == 0
