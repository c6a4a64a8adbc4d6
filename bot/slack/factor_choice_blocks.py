"""Which factor does this action item address? Asked under its notice, never guessed.

When an item names no factor (`(F2)`) and the post-mortem has several, its notice in
the thread carries one button per factor ("F0 — immediate cause", "F1: …") and "None
of these"; the click links the item (or leaves it unlinked, on purpose) and redraws the
notice. Each button's value is "<item id>:<chain>" or "<item id>:none".
"""

from __future__ import annotations

from bot.core.factor_labels import IMMEDIATE_CHAIN, factor_code, factor_label
from bot.core.interview_views import ItemNotice
from bot.slack import blocks, controls, limits

CHOOSE = "action_item_factor"
NONE = "none"
DECLINED = "none of the factors (as answered)"
# Slack's actions block holds 25 elements; "None of these" is one of them.
MAX_FACTORS = limits.ACTIONS_ELEMENTS - 1


def ask(notice: ItemNotice) -> list[blocks.Block]:
    """The question and its buttons, or nothing when there is nothing to ask."""
    if not notice.factor_choices or notice.item_id is None:
        return []
    buttons = [
        controls.button(_choice_label(chain, text), CHOOSE, f"{notice.item_id}:{chain}")
        for chain, text in notice.factor_choices[:MAX_FACTORS]
    ]
    buttons.append(controls.button("None of these", CHOOSE, f"{notice.item_id}:{NONE}"))
    return [
        blocks.context(
            f"Which factor does {notice.code} address? Prevention lists only the links "
            "people make; you can also reply "
            f"`{notice.code} (F1)`."
        ),
        controls.actions(f"ai-factor-{notice.item_id}", *buttons),
    ]


def linked_words(notice: ItemNotice) -> str | None:
    """How the item's factor reads in its notice, saying when the bot linked it alone."""
    if notice.factor_chain is None:
        return DECLINED if notice.factor_declined else None
    words = f"{factor_label(notice.factor_chain)} ({notice.factor_kind})"
    if notice.factor_linked_alone:
        words += " — the only factor so far, so I linked it; reply with another `(Fn)` to change it"
    return words


def chosen(value: str) -> tuple[int, int | None] | None:
    """The item id and chain (None: none of these) a button sent back, or None if unreadable."""
    item, _, chain = value.partition(":")
    if not item.isascii() or not item.isdigit() or not 0 < int(item) < 2**63:
        return None
    if chain == NONE:
        return int(item), None
    if not chain.isascii() or not chain.isdigit() or len(chain) > 2:
        return None
    return int(item), int(chain)


def _choice_label(chain: int, text: str) -> str:
    if chain == IMMEDIATE_CHAIN:
        return factor_label(chain)
    return f"{factor_code(chain)}: {' '.join(text.split())}"
