"""Button clicks (block_actions). Each module here has a `register(app)` for its family."""

from slack_bolt import App

from bot.listeners.actions import (
    action_items,
    followup_review,
    interview,
    item_pages,
    report,
    tickets,
)


def register(app: App) -> None:
    """Families register themselves here as they are added."""
    action_items.register(app)
    followup_review.register(app)
    interview.register(app)
    item_pages.register(app)
    report.register(app)
    tickets.register(app)
