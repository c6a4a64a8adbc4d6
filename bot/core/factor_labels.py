"""How a contributing factor is named wherever people see it.

Chain 0 is the immediate cause (the trigger's answer); it has a visible name,
"F0 — immediate cause", so an action item can point at it (`(F0)`) and the report,
the Slack summary and the buttons that ask which factor an item addresses all
say the same thing. The why-chains are F1, F2, … Pure.
"""

from __future__ import annotations

from bot.core.interview import IMMEDIATE_CHAIN

__all__ = ["IMMEDIATE_CHAIN", "IMMEDIATE_NAME", "factor_code", "factor_label"]

IMMEDIATE_NAME = "immediate cause"


def factor_code(chain: int) -> str:
    """What a person types to point at the factor: `F0`, `F1`, …"""
    return f"F{chain}"


def factor_label(chain: int) -> str:
    """The factor's visible name: "F0 — immediate cause", else its code."""
    if chain == IMMEDIATE_CHAIN:
        return f"{factor_code(chain)} — {IMMEDIATE_NAME}"
    return factor_code(chain)
