"""The Slack workspace the sandbox pretends to be, and what happened in it.

Tests and the demo arrange the world through the methods here (people,
channels, messages posted "by a person") and read back what the bot did
(`calls`, `messages`, `ephemerals`, `responses`, `files`, `views`). Every
public method takes the sandbox lock; the Web API handlers run with it held.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from bot.sandbox.rate_limits import RateLimiter, floor_seconds, slack_limits
from bot.sandbox.slack_model import (
    Channel,
    Message,
    SlackFailure,
    add_reaction,
    clone,
    key_ts,
    refresh_thread,
    remove_reaction,
    rich_text_blocks,
    tombstone,
    ts_key,
)


@dataclass(frozen=True)
class Call:
    """One Web API request as the sandbox answered it."""

    method: str
    params: dict[str, Any]
    status: int
    error: str | None
    at: float
    token: str | None = None


class SlackWorkspace:
    """Users, channels, messages and the record of every call, behind one lock."""

    team_id = "T0SANDBOX"
    team_domain = "sandbox"
    team_name = "Sandbox"
    bot_user_id = "U0BOT"
    bot_id = "B0BOT"
    bot_name = "postmortem-bot"
    app_id = "A0SANDBOX"
    bot_token = "xoxb-sandbox-token"
    verification_token = "sandbox-verification-token"

    def __init__(
        self,
        lock: threading.Condition,
        limiter: RateLimiter,
        limits: bool | Mapping[str, int | None],
        *,
        team: tuple[str, str] | None = None,
        ids: Iterator[int] | None = None,
    ) -> None:
        """`team` (id, name) makes another workspace, one the app is installed in by OAuth;
        workspaces sharing `ids` never hand out the same message, file or response id."""
        if team is not None:
            self._become(*team)
        self.lock = lock
        self.limiter = limiter
        self.limits: dict[str, int | None] = slack_limits(limits)
        self.base_url = ""
        self.trigger_ttl_seconds: float | None = None
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self._calls: list[Call] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._refusals: list[dict[str, Any]] = []
        # A test's stand-in for a limit the bot does not know: refuse (invalid_blocks) any
        # chat.* payload whose text or blocks contain this string.
        self.refuse_containing: str | None = None
        self.uploads: dict[str, dict[str, Any]] = {}
        self.view_store: dict[str, dict[str, Any]] = {}
        self._view_log: list[dict[str, Any]] = []
        self.triggers: dict[str, float] = {}
        self.used_triggers: set[str] = set()
        self.response_contexts: dict[str, dict[str, Any]] = {}
        self._ids = ids or itertools.count(1)
        self.add_user(self.bot_user_id, self.bot_name, real_name="Post-mortem bot", is_bot=True)

    def _become(self, team_id: str, team_name: str) -> None:
        tag = team_id[1:]
        self.team_id, self.team_name = team_id, team_name
        self.team_domain = re.sub(r"[^a-z0-9]+", "-", team_name.lower()).strip("-") or tag.lower()
        self.bot_user_id, self.bot_id = f"U{tag}BOT", f"B{tag}BOT"
        self.bot_token = f"xoxb-{tag.lower()}-sandbox-token"

    # -- arranging the world -------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        is_bot: bool = False,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Register a person (or bot) in the workspace; returns the stored record.

        `tz` must be an IANA zone name (ZoneInfoNotFoundError, a KeyError, if not).
        """
        zoneinfo.ZoneInfo(tz)
        record = {
            "id": user_id,
            "name": name,
            "real_name": real_name or name,
            "tz": tz,
            "is_bot": is_bot,
            "email": email or f"{name}@{self.team_domain}.example.com",
            "deleted": False,
        }
        with self.lock:
            self.users[user_id] = record
            return dict(record)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: tuple[str, ...] | list[str] = (),
        created: int | None = None,
        bot_is_member: bool = True,
        topic: str = "",
        purpose: str = "",
    ) -> dict[str, Any]:
        """Create a channel; the bot is a member unless `bot_is_member=False`."""
        people = list(dict.fromkeys(members))
        if bot_is_member and self.bot_user_id not in people:
            people.append(self.bot_user_id)
        with self.lock:
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                created=created if created is not None else int(time.time()),
                creator=people[0] if people else self.bot_user_id,
                is_private=is_private,
                members=people,
                topic=topic,
                purpose=purpose,
            )
            self.lock.notify_all()
            return {"id": channel_id, "name": name, "is_private": is_private, "members": people}

    def join(self, channel_id: str, user: str) -> None:
        with self.lock:
            members = self.channel(channel_id).members
            if user not in members:
                members.append(user)

    def dm_channel(self, user: str) -> str:
        """The id of the bot's direct-message conversation with `user` (opened if need be)."""
        with self.lock:
            if user not in self.users:
                raise KeyError(f"no user {user}")
            dm_id = self.dm_id(user)
            if dm_id not in self.channels:
                self.channels[dm_id] = Channel(
                    id=dm_id,
                    name=user,
                    created=int(time.time()),
                    creator=self.bot_user_id,
                    is_im=True,
                    im_user=user,
                    members=[user, self.bot_user_id],
                )
            return dm_id

    @staticmethod
    def dm_id(user: str) -> str:
        return "D" + user[1:]

    def post_as_user(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
    ) -> Message:
        """Store a message as a person posts it; the bot is not told (see the Driver)."""
        with self.lock:
            chan = self.channel(channel)
            message: Message = {"user": user, "type": "message", "ts": ""}
            message.update(client_msg_id=f"sandbox-{next(self._ids):08d}", text=text)
            message.update(team=self.team_id, blocks=rich_text_blocks(text))
            return clone(self.store(chan, message, thread_ts=thread_ts, ts=ts))

    def post_as_app(
        self,
        channel: str,
        body: Mapping[str, Any],
        *,
        bot_id: str = "B0ALERTS",
        username: str | None = None,
        ts: str | None = None,
    ) -> Message:
        """Store an incoming-webhook body (`text`, `attachments`, `blocks`) the way Slack
        files another app's post: a `bot_message` with the app's `bot_id` and `username`,
        each attachment numbered from 1. The bot is not told."""
        with self.lock:
            chan = self.channel(channel)
            message: Message = {"type": "message", "subtype": "bot_message", "ts": ""}
            message.update(text=body.get("text") or "", bot_id=bot_id)
            if username or body.get("username"):
                message["username"] = username or body["username"]
            if body.get("attachments"):
                attachments = [dict(clone(a), id=n) for n, a in enumerate(body["attachments"], 1)]
                message["attachments"] = attachments
            if body.get("blocks"):
                message["blocks"] = clone(body["blocks"])
            return clone(self.store(chan, message, ts=ts))

    def edit_message(self, channel: str, ts: str, new_text: str) -> dict[str, Any]:
        """Edit a message as its author would; returns {"previous": ..., "message": ...}."""
        with self.lock:
            chan = self.channel(channel)
            message = self.message_or_fail(chan, ts)
            previous = clone(message)
            message["text"] = new_text
            if "client_msg_id" in message:
                message["blocks"] = rich_text_blocks(new_text)
            edited_ts = key_ts(chan.next_key())
            message["edited"] = {"user": message.get("user", ""), "ts": edited_ts}
            self.lock.notify_all()
            return {"previous": previous, "message": clone(message), "event_ts": edited_ts}

    def delete_message(self, channel: str, ts: str) -> dict[str, Any]:
        """Delete a message; returns {"previous": ..., "event_ts": ...}."""
        with self.lock:
            chan = self.channel(channel)
            message = self.message_or_fail(chan, ts)
            previous = clone(message)
            self.drop(chan, message)
            return {"previous": previous, "event_ts": key_ts(chan.next_key())}

    def add_reaction(self, channel: str, ts: str, user: str, name: str) -> Message:
        with self.lock:
            message = self.message_or_fail(self.channel(channel), ts)
            add_reaction(message, user, name)
            self.lock.notify_all()
            return clone(message)

    def remove_reaction(self, channel: str, ts: str, user: str, name: str) -> Message:
        with self.lock:
            message = self.message_or_fail(self.channel(channel), ts)
            remove_reaction(message, user, name)
            self.lock.notify_all()
            return clone(message)

    def pin(self, channel: str, ts: str, user: str) -> Message:
        with self.lock:
            chan = self.channel(channel)
            message = self.message_or_fail(chan, ts)
            if ts_key(ts) in chan.pins:
                raise SlackFailure("already_pinned")
            chan.pins[ts_key(ts)] = {"created": int(time.time()), "created_by": user}
            message["pinned_to"] = [chan.id]
            self.lock.notify_all()
            return clone(message)

    def unpin(self, channel: str, ts: str, user: str) -> Message:
        with self.lock:
            chan = self.channel(channel)
            message = self.message_or_fail(chan, ts)
            if chan.pins.pop(ts_key(ts), None) is None:
                raise SlackFailure("no_pin")
            message.pop("pinned_to", None)
            self.lock.notify_all()
            return clone(message)

    # -- reading back ---------------------------------------------------------

    def messages(self, channel: str) -> list[Message]:
        """Channel-level messages, oldest first (thread replies are not included)."""
        with self.lock:
            chan = self.channel(channel)
            return clone([chan.messages[key] for key in chan.top])

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """A thread: the parent, then its replies oldest first."""
        with self.lock:
            chan = self.channel(channel)
            parent = self.message_or_fail(chan, thread_ts)
            return clone([parent, *chan.replies_of(parent)])

    def message(self, channel: str, ts: str) -> Message:
        with self.lock:
            return clone(self.message_or_fail(self.channel(channel), ts))

    @property
    def calls(self) -> list[Call]:
        with self.lock:
            return list(self._calls)

    def call_count(self, method: str) -> int:
        with self.lock:
            return sum(1 for call in self._calls if call.method == method)

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        with self.lock:
            return clone(self._ephemerals)

    @property
    def responses(self) -> list[dict[str, Any]]:
        with self.lock:
            return clone(self._responses)

    @property
    def refusals(self) -> list[dict[str, Any]]:
        """Payloads refused for breaking Slack's limits: {method, error, reasons}, in order."""
        with self.lock:
            return clone(self._refusals)

    @property
    def files(self) -> list[dict[str, Any]]:
        """Completed uploads: id, title, filename, content (bytes), channels, thread_ts, ..."""
        with self.lock:
            done = [f for f in self.uploads.values() if f["completed"]]
            return [dict(f, channels=list(f["channels"])) for f in done]

    @property
    def views(self) -> list[dict[str, Any]]:
        """Every views.open / push / update / publish, in order: {method, view, ...}."""
        with self.lock:
            return clone(self._view_log)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The Home tab the bot last published for `user` (views.publish), or None."""
        with self.lock:
            found = [v for v in self.view_store.values() if v.get("home_user") == user]
            if not found:
                return None
            view = clone(found[0])
            view.pop("home_user")  # the sandbox's own note of whose Home it is
            return view

    def response_url(self, command_id: str) -> str:
        return f"{self.base_url}/response/{command_id}"

    def rate_floor_seconds(self, method: str, calls: int) -> float:
        """Least wall time `calls` calls to `method` need (one channel for chat.postMessage)."""
        with self.lock:
            return floor_seconds(self.limits.get(method), calls, self.limiter.window)

    def set_rate_limit(self, method: str, limit: int | None) -> None:
        with self.lock:
            self.limits[method] = limit

    # -- used by the Web API handlers (lock held) ------------------------------

    def channel(self, channel_id: str) -> Channel:
        chan = self.channels.get(channel_id)
        if chan is None:
            raise SlackFailure("channel_not_found")
        return chan

    def message_or_fail(self, chan: Channel, ts: str | None) -> Message:
        message = chan.get(ts)
        if message is None:
            raise SlackFailure("message_not_found")
        return message

    def store(
        self,
        chan: Channel,
        message: Message,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        broadcast: bool = False,
    ) -> Message:
        """Give `message` a timestamp and file it in `chan` (in a thread if `thread_ts`)."""
        parent = chan.thread_root(thread_ts) if thread_ts else None
        if thread_ts and parent is None:
            raise SlackFailure("thread_not_found")
        message["ts"] = key_ts(chan.claim_key(ts_key(ts)) if ts else chan.next_key())
        if parent is not None:
            message["thread_ts"] = parent["ts"]
            message["parent_user_id"] = parent.get("user", "")
            if broadcast:
                message["subtype"] = "thread_broadcast"
        chan.add(message, parent=parent, broadcast=broadcast)
        self.lock.notify_all()
        return message

    def drop(self, chan: Channel, message: Message) -> None:
        if chan.thread_parent_of(message) is None and chan.replies_of(message):
            tombstone(message)
            refresh_thread(chan, message)
        else:
            chan.remove(message)
        self.lock.notify_all()

    def record_call(self, call: Call) -> None:
        self._calls.append(call)
        self.lock.notify_all()

    def record_ephemeral(self, entry: dict[str, Any]) -> None:
        self._ephemerals.append(entry)
        self.lock.notify_all()

    def record_response(self, entry: dict[str, Any]) -> None:
        self._responses.append(entry)
        self.lock.notify_all()

    def record_refusal(self, method: str, error: str, reasons: list[str]) -> None:
        self._refusals.append({"method": method, "error": error, "reasons": list(reasons)})
        self.lock.notify_all()

    def refuse(self, method: str, error: str, reasons: list[str]) -> NoReturn:
        """Record an over-limit payload and answer it as Slack does."""
        self.record_refusal(method, error, reasons)
        raise SlackFailure(error)

    def record_view(self, entry: dict[str, Any]) -> None:
        self._view_log.append(entry)
        self.lock.notify_all()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):08X}"

    def new_trigger_id(self) -> str:
        with self.lock:
            trigger_id = f"{next(self._ids)}.{int(time.time())}.sandbox{next(self._ids):06x}"
            self.triggers[trigger_id] = time.monotonic()
            return trigger_id

    def new_response_url(self, context: dict[str, Any]) -> str:
        with self.lock:
            command_id = f"{next(self._ids)}{int(time.time() * 1000) % 100000:05d}"
            self.response_contexts[command_id] = dict(context, uses=0)
            return self.response_url(command_id)
