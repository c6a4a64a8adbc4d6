"""`postmortem-bot`: parse arguments, load settings, call a factory. No logic lives here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import logs
from bot.config import Settings
from bot.errors import BotError, ConfigError

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except ConfigError as error:
        print(f"postmortem-bot: {error.name}: {error.problem}", file=sys.stderr)
        return EXIT_USAGE
    except BotError as error:
        print(f"postmortem-bot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postmortem-bot", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve Slack (HTTP or Socket Mode) and PagerDuty")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser("demo", help="play a scripted incident against the sandbox")
    demo.set_defaults(run=_demo)

    sandbox = commands.add_parser("sandbox", help="run the local Slack and PagerDuty stand-ins")
    sandbox.add_argument("--port", type=int, default=4000)
    sandbox.add_argument("--rate-window", type=float, default=60.0, metavar="SECONDS")
    sandbox.set_defaults(run=_sandbox)

    lint = commands.add_parser("lint", help="check text for blaming language and vague actions")
    lint.add_argument("--actions", action="store_true", help="treat each line as an action item")
    lint.add_argument("file", nargs="?", default="-", help="a file, or - for standard input")
    lint.set_defaults(run=_lint)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from bot import server

    logs.configure()
    server.run(Settings.from_env(), host=args.host)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from storage import schema
    from storage.db import make_engine

    settings = Settings.from_env()
    before, after = schema.upgrade(make_engine(settings.database_url))
    print(f"database schema: {before or 'empty'} -> {after}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot import demo

    return demo.run(out=sys.stdout)


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import serve_forever

    serve_forever(port=args.port, rate_window_seconds=args.rate_window)
    return 0


def _lint(args: argparse.Namespace) -> int:
    from bot import lint

    return lint.run(None if args.file == "-" else args.file, actions=args.actions, out=sys.stdout)
