"""`postmortem-bot`: parse arguments, load settings, call a factory. No logic lives here.

Each command imports what it runs when it runs: the server stack takes about a
second to import, and `lint` in a CI step or `--help` should not pay for it.
"""

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

    remind = commands.add_parser("remind", help="run the reminder jobs once, then exit")
    when = remind.add_mutually_exclusive_group(required=True)
    when.add_argument("--now", action="store_true", help="as of the current time")
    when.add_argument("--at", metavar="ISO-TIME", help="as of this time (UTC without an offset)")
    remind.add_argument("--dry-run", action="store_true", help="print who would get what")
    remind.set_defaults(run=_remind)
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


def _remind(args: argparse.Namespace) -> int:
    from bot.jobs import remind

    logs.configure()
    at = remind.parse_at(args.at) if args.at else None
    return remind.run(Settings.from_env(), at=at, dry_run=args.dry_run, out=sys.stdout)
