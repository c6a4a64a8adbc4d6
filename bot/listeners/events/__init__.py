"""Events API listeners: what happens in an incident channel while its post-mortem is open."""

from slack_bolt import App

from bot.listeners.events import app_home, marks, messages, uninstall


def register(app: App) -> None:
    messages.register(app)
    marks.register(app)
    uninstall.register(app)
    app_home.register(app)
