"""Slack listeners, one package per kind of request; each has a `register(app)`."""

from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
