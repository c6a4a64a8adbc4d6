"""`postmortem-bot`: parse arguments, load settings, call a factory. No logic lives here.

Each command imports what it runs when it runs: the server stack takes about a
second to import, and `lint` in a CI step or `--help` should not pay for it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from bot import logs
from bot.config import Settings, forget_environment
from bot.errors import BotError, ConfigError

EXIT_USAGE = 2
DESCRIPTION = (
    "A Slack app for blameless incident post-mortems: it gathers the timeline, "
    "interviews the team, writes the report and follows up on the action items."
)
EPILOG = (
    "Settings come from the environment (or a .env file in the working folder); "
    "run `postmortem-bot COMMAND --help` for a command's options."
)


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
    parser = argparse.ArgumentParser(prog="postmortem-bot", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {_version()}",
        help="print the version and exit",
    )
    commands = parser.add_subparsers(
        required=True, metavar="COMMAND", title="commands", help="what to do"
    )

    _add_serve(commands)
    _add_migrate(commands)
    _add_demo(commands)
    _add_sandbox(commands)
    _add_lint(commands)
    _add_remind(commands)
    _add_rotate_token_key(commands)
    _add_inbox(commands)
    _add_pagerduty(commands)
    _add_monitoring(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve Slack (HTTP or Socket Mode) and PagerDuty",
        description="Serve Slack's commands, events and buttons (over HTTP, or over Socket "
        "Mode when SLACK_APP_TOKEN is set), PagerDuty webhooks and the report pages, and "
        "send the follow-up reminders. Run `postmortem-bot migrate` first.",
    )
    serve.add_argument(
        "--host",
        default="0.0.0.0",
        help="the address to listen on; PORT sets the port (default: 0.0.0.0, every interface)",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="bring the database schema up to date before serving, as `migrate` does "
        "(for a single instance; with several replicas run `migrate` once instead)",
    )
    serve.set_defaults(run=_serve)


def _add_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser(
        "migrate",
        help="bring the database schema up to date",
        description="Create or upgrade the tables in DATABASE_URL; run it before the first "
        "`serve` and after each upgrade of the bot. It takes no options.",
    )
    migrate.set_defaults(run=_migrate)


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="play a scripted incident against the sandbox",
        description="Play a scripted incident offline: the real bot against the bundled "
        "Slack and PagerDuty sandbox. Your .env and bot settings are not used; Ctrl-C stops "
        "it and cleans up.",
    )
    demo.add_argument(
        "--socket-mode",
        action="store_true",
        help="the bot takes Slack's requests over the sandbox's Socket Mode WebSocket",
    )
    demo.set_defaults(run=_demo)


def _add_lint(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = commands.add_parser(
        "lint",
        help="check text for blaming language and vague actions",
        description="Check a post-mortem written elsewhere for blaming language: one JSON "
        "object per line with findings; the exit status is 1 when there were any.",
    )
    lint.add_argument(
        "--actions",
        action="store_true",
        help='read each line as an action item and also flag vague ones ("improve monitoring")',
    )
    lint.add_argument(
        "file",
        nargs="?",
        default="-",
        help="the text file to check; - or none reads standard input",
    )
    lint.set_defaults(run=_lint)


def _add_remind(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    remind = commands.add_parser(
        "remind",
        help="run the reminder jobs once, then exit",
        description="Send every follow-up that is due (weekly digests to owners, nudges "
        "about late reports, four-week reviews) once, then exit: for cron, instead of the "
        "scheduler inside `serve`. Each reminder goes out once however often it runs.",
    )
    when = remind.add_mutually_exclusive_group(required=True)
    when.add_argument("--now", action="store_true", help="send what is due now")
    when.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="send what is due at this time, e.g. 2026-03-02T09:00+01:00 (UTC without an offset)",
    )
    remind.add_argument(
        "--dry-run", action="store_true", help="print who would get what, and send nothing"
    )
    remind.set_defaults(run=_remind)


def _serve(args: argparse.Namespace) -> int:
    from bot import server

    settings = Settings.from_env()
    forget_environment()  # so Bolt cannot read them again; see `forget_environment`
    logs.configure(settings.log_level)
    server.run(settings, host=args.host, migrate=args.migrate)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from storage import schema
    from storage.db import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    before, after = schema.upgrade(engine, token_encryption_key=settings.token_encryption_key)
    print(f"database schema: {before or 'empty'} -> {after}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot import demo

    return demo.run(out=sys.stdout, socket_mode=args.socket_mode)


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="run the local Slack and PagerDuty stand-ins, or act as a person in them",
        description="Without an ACTION: run the Slack and PagerDuty sandbox (a demo workspace "
        "with an incident channel) until Ctrl-C, printing the environment to start a bot "
        "against it. With one: act as a person in the running sandbox.",
    )
    sandbox.add_argument(
        "--port", type=int, default=4000, help="port the sandbox listens on (default 4000)"
    )
    sandbox.add_argument(
        "--rate-window",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="length of the rate-limit windows (default 60, like Slack's per-minute limits)",
    )
    sandbox.add_argument(
        "--bot-url",
        default="http://127.0.0.1:3000",
        metavar="URL",
        help="where your bot listens; the sandbox delivers people's messages, commands and "
        "clicks there (default http://127.0.0.1:3000)",
    )
    sandbox.set_defaults(run=_sandbox)
    _add_sandbox_hands(sandbox.add_subparsers(dest="hand", metavar="ACTION"))


def _hand_parents() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The options every sandbox ACTION takes, and those plus --as for the ones a person does."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--sandbox-url",
        default="http://127.0.0.1:4000",
        metavar="URL",
        help="the running sandbox (default http://127.0.0.1:4000)",
    )
    where.add_argument(
        "--channel",
        help="a channel id, #name or name, or a person's name for their DM with the bot "
        "(default: the incident channel)",
    )
    who = argparse.ArgumentParser(add_help=False, parents=[where])
    who.add_argument(
        "--as",
        dest="person",
        required=True,
        metavar="NAME",
        help="who acts: alice, bob, carmen or daisuke (or a user id)",
    )
    return where, who


def _add_sandbox_hands(hands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    where, who = _hand_parents()

    def hand(name: str, help: str, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser = hands.add_parser(name, help=help, description=help, parents=[parent])
        parser.set_defaults(run=_sandbox_hand, hand=name)
        return parser

    say = hand("say", "post a message in the channel (or a thread)", who)
    say.add_argument("--thread", metavar="TS", help="reply in the thread of this message")
    say.add_argument("text", help="the message, in quotes")
    reply = hand("reply", "reply in a message's thread", who)
    reply.add_argument("ts", metavar="TS", help="the thread's first message, as `show` lists it")
    reply.add_argument("text", help="the reply, in quotes")
    slash = hand("slash", "type a slash command", who)
    slash.add_argument("text", help='the command, in quotes: "/postmortem start Checkout errors"')
    react = hand("react", "react to a message with an emoji", who)
    react.add_argument("ts", metavar="TS", help="the message, as `show` lists it")
    react.add_argument("reaction", help="the emoji's name, e.g. pushpin")
    click = hand("click", "press the newest button (or use the select) with this action id", who)
    click.add_argument("action_id", metavar="ACTION_ID", help="as `show` lists it")
    click.add_argument(
        "--value", help="the button with this value; for a select or date picker, the choice"
    )
    submit = hand("submit", "fill in and submit the modal the bot opened last", who)
    submit.add_argument("fields", nargs="*", metavar="FIELD=VALUE", help="a field's new value")
    hand("home", "open the bot's Home tab and print it (`click` then presses its buttons)", who)
    show = hand("show", "print the channel's messages with their ts and buttons", where)
    show.add_argument("--thread", metavar="TS", help="print this message's thread instead")


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import serve_forever

    serve_forever(port=args.port, rate_window_seconds=args.rate_window, bot_url=args.bot_url)
    return 0


def _sandbox_hand(args: argparse.Namespace) -> int:
    from bot.sandbox import hands

    return hands.act(args.sandbox_url, args.hand, vars(args), out=sys.stdout)


def _lint(args: argparse.Namespace) -> int:
    from bot import lint

    return lint.run(None if args.file == "-" else args.file, actions=args.actions, out=sys.stdout)


def _remind(args: argparse.Namespace) -> int:
    from bot.jobs import run_once

    settings = Settings.from_env()
    logs.configure(settings.log_level)
    at = run_once.parse_at(args.at) if args.at else None
    return run_once.run(settings, at=at, dry_run=args.dry_run, out=sys.stdout)


def _add_rotate_token_key(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rotate = commands.add_parser(
        "rotate-token-key",
        help="re-encrypt the stored Slack tokens with a new TOKEN_ENCRYPTION_KEY",
        description="Re-encrypt every workspace's Slack token in DATABASE_URL with the first "
        "key of TOKEN_ENCRYPTION_KEY. To change the key: put a new one first, before the old "
        "one (comma-separated), and restart the bot; run this; then remove the old key and "
        "restart again. It takes no options.",
    )
    rotate.set_defaults(run=_rotate_token_key)


def _rotate_token_key(args: argparse.Namespace) -> int:
    from bot import oauth

    return oauth.rotate_token_key(Settings.from_env(), out=sys.stdout)


def _version() -> str:
    try:
        return version("postmortem-bot")
    except PackageNotFoundError:
        return "(not installed; run it from an installed package to see its version)"


def _add_inbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    inbox = commands.add_parser(
        "inbox",
        help="see the requests the bot gave up on, and retry or drop them",
        description="Every request the bot answers is kept in its database until it is done. "
        "One that kept failing until the bot gave up is a dead letter, and whoever asked was "
        "told its id. `list` shows how many requests wait and the dead letters; `retry ID` "
        "queues one again (a running bot picks it up shortly); `drop ID` deletes it for good.",
    )
    inbox.add_argument(
        "action",
        nargs="?",
        choices=("list", "retry", "drop"),
        default="list",
        help="what to do (default: list)",
    )
    inbox.add_argument(
        "item_id", nargs="?", type=int, metavar="ID", help="the dead letter, for retry and drop"
    )
    inbox.add_argument(
        "--limit", type=int, default=100, metavar="N", help="list at most N dead letters (100)"
    )
    inbox.set_defaults(run=_inbox)


def _inbox(args: argparse.Namespace) -> int:
    from bot.inbox import admin

    settings = Settings.from_env()
    return admin.run(settings, args.action, args.item_id, limit=args.limit, out=sys.stdout)


def _add_pagerduty(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add_service_mapping(
        commands,
        "pagerduty",
        help="say which workspace each PagerDuty service belongs to",
        description="A PagerDuty webhook does not say which Slack workspace it is for. In "
        "OAuth mode each service's incidents are seen only by the workspace it is mapped to, "
        "and a service mapped to none is nobody's (its webhooks are kept, and join no "
        "timeline); in single-workspace mode such a service is the workspace's. `list` shows "
        "the mapped services and those PagerDuty named that no workspace has; `map SERVICE_ID "
        "TEAM_ID` gives a service to a workspace; `unmap SERVICE_ID` takes it back.",
        service=("SERVICE_ID", "the PagerDuty service, like PNE3JZM"),
        run=_pagerduty,
    )


def _pagerduty(args: argparse.Namespace) -> int:
    from bot import pagerduty_admin

    settings = Settings.from_env()
    return pagerduty_admin.run(settings, args.action, args.service_id, args.team_id, out=sys.stdout)


def _add_monitoring(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add_service_mapping(
        commands,
        "monitoring",
        help="say which workspace each monitoring service (alerts, metrics) belongs to",
        description="Alertmanager's alerts and Prometheus' series name a service, never a "
        "Slack workspace. In OAuth mode a post-mortem gets a service's alerts, ALERTS history "
        "and charts only when the service is mapped to its workspace (an unmapped service's "
        "alerts are kept, and shown to nobody); in single-workspace mode no mapping is "
        "needed. `list` shows the mapped services and those alerts named that no workspace "
        "has; `map SERVICE TEAM_ID` gives a service to a workspace; `unmap SERVICE` takes it "
        "back.",
        service=("SERVICE", "the service label's value, like checkout"),
        run=_monitoring,
    )


def _monitoring(args: argparse.Namespace) -> int:
    from bot import monitoring_admin

    settings = Settings.from_env()
    return monitoring_admin.run(
        settings, args.action, args.service_id, args.team_id, out=sys.stdout
    )


def _add_service_mapping(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    description: str,
    service: tuple[str, str],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """`NAME [list | map SERVICE TEAM_ID | unmap SERVICE]`: an admin's mapping of an
    integration's services to workspaces (PagerDuty's, monitoring's)."""
    command = commands.add_parser(name, help=help, description=description)
    command.add_argument(
        "action",
        nargs="?",
        choices=("list", "map", "unmap"),
        default="list",
        help="what to do (default: list)",
    )
    metavar, what = service
    command.add_argument("service_id", nargs="?", metavar=metavar, help=what)
    command.add_argument(
        "team_id", nargs="?", metavar="TEAM_ID", help="for map: the Slack workspace, like T0123ABCD"
    )
    command.set_defaults(run=run)
