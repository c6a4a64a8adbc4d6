"""Button clicks (block_actions). Each module here has a `register(app)` for its family."""

from slack_bolt import App


def register(app: App) -> None:
    """Families register themselves here as they are added."""
