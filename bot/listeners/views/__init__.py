"""Modal submissions (view_submission). Each module here has a `register(app)` for its family."""

from slack_bolt import App

from bot.listeners.views import action_item, deadline, milestones


def register(app: App) -> None:
    """Families register themselves here as they are added."""
    deadline.register(app)
    action_item.register(app)
    milestones.register(app)
