"""build_app: the Bolt app with its listeners, error hook and dependencies.

Its lazy listeners are recorded in the inbox before the ack (`bot.inbox.recording`)
and run later by the inbox worker `serve` starts (`bot.inbox.replay`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session, sessionmaker

from bot import listeners, logs
from bot.clients import Clients, build_clients
from bot.config import Settings
from bot.flows.deps import Deps
from bot.inbox import recording
from bot.listeners.errors import on_listener_error, tell_gave_up
from bot.oauth import NOT_INSTALLED, build_oauth_settings
from bot.templates import Templates
from storage.models import utcnow


def build_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clients: Clients | None = None,
    clock: Callable[[], datetime] = utcnow,
    templates: Templates | None = None,
) -> App:
    """The app `serve` runs; `clients` is the process's one `Clients` (built here if None)."""
    clients = clients or build_clients(settings)
    app = _bolt(settings, sessions, clients)
    templates = templates or Templates(settings.templates_dir)
    templates.check()
    deps = Deps(
        settings=settings, sessions=sessions, clients=clients, clock=clock, templates=templates
    )
    _provide(app, deps)
    app.error(on_listener_error)
    recording.install(app, recording.RecordingRunner(sessions, notify=tell_gave_up))
    listeners.register(app)
    return app


def _bolt(settings: Settings, sessions: sessionmaker[Session], clients: Clients) -> App:
    """Bolt, wired for answering fast.

    process_before_response: ack-time listeners run in the request thread and answer at
    once; slow work goes to lazy listeners. Bolt's other mode polls for the ack with
    sleep(0.01), which caps throughput (DESIGN.md). With OAuth, Bolt gives each request a
    copy of `clients.slack` (base URL, retry handlers) carrying the token its workspace
    installed the app with. Bolt falls back to SLACK_BOT_TOKEN from the process
    environment and warns that it "will be unused" beside that client: `serve` takes the
    settings out of the environment once read (config.forget_environment). With one
    token, Bolt asks auth.test once here and keeps its answer for every request; with
    OAuth, once per installed token (`bot.oauth.CachedAuthorize`)."""
    app = App(
        client=clients.slack,
        signing_secret=settings.slack_signing_secret or "",
        # Off: in HTTP mode bot.http.slack_signature checks every request's signature on
        # its raw bytes before Bolt sees it, already parsed; that is the one check. Socket
        # Mode messages arrive over an authenticated WebSocket, unsigned.
        request_verification_enabled=False,
        logger=logs.bolt_logger(),  # Bolt's per-class loggers follow `slack_bolt`'s level
        process_before_response=True,
        oauth_settings=build_oauth_settings(settings, sessions) if settings.oauth else None,
        user_facing_authorize_error_message=NOT_INSTALLED,
    )
    # app_uninstalled and tokens_revoked: bot.listeners.events.uninstall, in both modes.
    return app


def _provide(app: App, deps: Deps) -> None:
    """Every listener finds the process's `Deps` in its context."""

    @app.middleware
    def provide_deps(context: BoltContext, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()
