"""`postmortem-bot inbox`: look at the dead letters, and retry or drop them.

A dead letter is a request the bot answered, tried to carry out as many times as it
may, and gave up on; the person who asked was told its id. `retry` queues it again
with a fresh set of attempts (a running `serve` picks it up within a second); `drop`
deletes it for good. Mistakes are one line each (`InboxError`), exit status 2.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO
from urllib.parse import parse_qs

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import BotError
from storage import schema
from storage.db import check_connection, make_engine, make_sessionmaker
from storage.models import InboxItem, utcnow
from storage.repositories import inbox

SHOWN = 60  # characters of what was asked, and of the last error, on a listed line


class InboxError(BotError):
    """An inbox command that cannot be done: no such item, or not a dead letter."""


def run(settings: Settings, action: str, item_id: int | None, *, limit: int, out: TextIO) -> int:
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine)
        schema.ensure_current(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            if action == "list":
                print_dead_letters(session, limit, out)
            elif action == "retry":
                retry(session, _given(item_id), out)
            else:
                drop(session, _given(item_id), out)
    finally:
        engine.dispose()
    return 0


def print_dead_letters(session: Session, limit: int, out: TextIO) -> None:
    counts = inbox.counts(session)
    print(", ".join(f"{counts[status]} {status}" for status in inbox.STATUSES), file=out)
    dead = inbox.list_dead(session, limit=limit)
    if not dead:
        print("no dead letters", file=out)
        return
    shown = f"the oldest {limit} of " if counts[inbox.DEAD] > limit else ""
    print(f"dead letters ({shown}{counts[inbox.DEAD]}), oldest first:", file=out)
    for item in dead:
        print(_line(item), file=out)
    print("retry one with `postmortem-bot inbox retry ID`, or drop it with `... drop ID`", file=out)


def retry(session: Session, item_id: int, out: TextIO) -> None:
    if not inbox.requeue(session, item_id, now=utcnow()):
        raise _not_dead(session, item_id, "retried")
    print(f"inbox item {item_id} is queued again; a running bot picks it up shortly", file=out)


def drop(session: Session, item_id: int, out: TextIO) -> None:
    if not inbox.drop(session, item_id):
        raise _not_dead(session, item_id, "dropped")
    print(f"inbox item {item_id} is dropped for good", file=out)


def _given(item_id: int | None) -> int:
    if item_id is None:
        raise InboxError("which item? give its id, as `postmortem-bot inbox list` shows it")
    return item_id


def _not_dead(session: Session, item_id: int, verb: str) -> InboxError:
    item = inbox.get(session, item_id)
    if item is None:
        return InboxError(f"there is no inbox item {item_id}: see `postmortem-bot inbox list`")
    return InboxError(
        f"inbox item {item_id} is {item.status}, not a dead letter: only those can be {verb}"
    )


def _line(item: InboxItem) -> str:
    error = _cut((item.last_error or "").replace("\n", " "))
    return (
        f"{item.id:>6}  {_when(item.received_at)}  {item.source}/{item.kind}  "
        f"team {item.team_id or '-'}  {_cut(describe(item))}  "
        f"attempts {item.attempts}  last error: {error or '-'}"
    )


def describe(item: InboxItem) -> str:
    """What was asked, in a few words: the command typed, or the event's type."""
    if item.kind == "command":
        form = parse_qs(item.payload)
        typed = f"{(form.get('command') or [''])[0]} {(form.get('text') or [''])[0]}"
        return typed.strip() or item.handler
    text = item.payload
    if not text.lstrip().startswith("{"):  # an interaction: a form whose `payload` is JSON
        text = (parse_qs(text).get("payload") or ["{}"])[0]
    try:
        body = json.loads(text)
    except ValueError:
        return item.handler
    if not isinstance(body, dict):
        return item.handler
    event = body.get("event")
    kind = event.get("type") if isinstance(event, dict) else body.get("type")
    return f"{kind} ({item.handler})" if kind else item.handler


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
