"""`/_sandbox/…`: a running sandbox acting as the people in it (`postmortem-bot sandbox say` …).

    POST /_sandbox/say     {"as", "text", "channel"?, "thread"?}  a message, or a thread reply
    POST /_sandbox/slash   {"as", "text": "/postmortem start …", "channel"?}
    POST /_sandbox/react   {"as", "ts", "name", "channel"?}
    POST /_sandbox/click   {"as", "action_id", "value"?, "channel"?}  the latest such button
    POST /_sandbox/submit  {"as", "values": {field: value}}  the latest modal the bot opened
    POST /_sandbox/home    {"as"}  open the bot's Home tab (a click then finds its buttons too)
    GET  /_sandbox/show    ?channel=&thread=  the channel's messages (or a thread's)

Only the sandbox serves these, never the bot. People are named by user name or id;
a channel by id, #name or name, or by a person's name (their DM with the bot); the
default is the incident channel. An action changes the sandbox first, then the
Driver delivers the signed event, command or interaction to the bot at `bot_url`;
the answer waits until the bot has gone quiet and lists what it said (see
`bot.sandbox.observing`). A refusal is `{"ok": false, "error": <one line>}`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bot.sandbox import modals, observing
from bot.sandbox.driver import Driver
from bot.sandbox.reading import controls, elements, label, readable, visible_text
from bot.sandbox.sandbox import Sandbox
from bot.sandbox.slack_model import SlackFailure
from bot.sandbox.wire import BadBody, Request, Response, request_params

PREFIX = "/_sandbox/"
Params = dict[str, Any]
Answer = dict[str, Any]


class ControlError(Exception):
    """A request the sandbox cannot act on; the message is one line for the person."""


class Control:
    """The `/_sandbox/` routes of one sandbox, delivering to the bot at `bot_url`."""

    def __init__(
        self,
        sb: Sandbox,
        bot_url: str,
        *,
        channel: str | None = None,
        settle: float = 1.0,
        patience: float = 20.0,
    ) -> None:
        self.sb, self.ws, self.bot_url = sb, sb.slack, bot_url.rstrip("/")
        self.default_channel = channel
        self.settle, self.patience = settle, patience
        self.driver = Driver(self.bot_url, sb.signing_secret, sb, sb.pagerduty_webhook_secret)
        self.routes: dict[str, Callable[[Params], Answer]] = {
            "say": self.say,
            "slash": self.slash,
            "react": self.react,
            "click": self.click,
            "submit": self.submit,
            "home": self.home,
            "show": self.show,
        }

    def __call__(self, request: Request) -> Response:
        name = request.path[len(PREFIX) :]
        route = self.routes.get(name)
        if route is None:
            return Response.json(404, {"ok": False, "error": f"no sandbox command {name!r}"})
        try:
            return Response.json(200, {"ok": True, **route(request_params(request))})
        except BadBody:
            return Response.json(400, {"ok": False, "error": "the request body is not JSON"})
        except ControlError as error:
            return Response.json(400, {"ok": False, "error": str(error)})
        except SlackFailure as failure:
            return Response.json(400, {"ok": False, "error": f"Slack refuses: {failure.error}"})

    # -- the routes ---------------------------------------------------------------

    def say(self, params: Params) -> Answer:
        user, channel = self.person(params.get("as")), self.channel(params.get("channel"))
        text = _required(params, "text", "say what, in quotes")
        thread = params.get("thread") or None
        if thread:
            self.message(channel, thread)
        with self.delivering() as after:
            message, response = self.driver.user_posts(channel, user, text, thread_ts=thread)
            done = observing.message_item(channel, message, observing.names(self.ws))
            return after(response, done)

    def slash(self, params: Params) -> Answer:
        user, channel = self.person(params.get("as")), self.channel(params.get("channel"))
        command, _, text = _required(params, "text", "give the command, in quotes").partition(" ")
        if not command.startswith("/"):
            command, text = "/postmortem", f"{command} {text}".strip()
        with self.delivering() as after:
            response = self.driver.slash_command(user, channel, text.strip(), command=command)
            done = {"who": self.name(user), "text": f"{command} {text}".strip(), "ts": _now()}
            return after(response, dict(done, channel=channel), private_to=user)

    def react(self, params: Params) -> Answer:
        user, channel = self.person(params.get("as")), self.channel(params.get("channel"))
        ts = _required(params, "ts", "which message: its ts, as `show` lists it")
        name = _required(params, "name", "which reaction, e.g. pushpin").strip(":")
        self.message(channel, ts)
        with self.delivering() as after:
            response = self.driver.user_reacts(user, channel, ts, name)
            done = {"who": self.name(user), "text": f"reacted :{name}: to {ts}", "ts": _now()}
            return after(response, dict(done, channel=channel))

    def click(self, params: Params) -> Answer:
        """Press a button, or choose `value` in a select or picker, of the newest message
        the person can see that has one with `action_id`."""
        user = self.person(params.get("as"))
        action_id = _required(params, "action_id", "which button: its action_id")
        value = None if params.get("value") is None else str(params["value"])
        try:
            channel = self.channel(params.get("channel"))
            channel, message, block_id, element = self.control(user, channel, action_id, value)
        except ControlError:
            in_home = self.home_button(user, action_id, value)
            if in_home is None:
                raise
            return self.click_in_home(user, in_home)
        choice = None
        if element["type"] != "button":
            try:
                choice = modals.answer(element, _required(params, "value", "choose"), self.person)
            except modals.FieldError as error:
                raise ControlError(str(error)) from None
        with self.delivering() as after:
            response = self.driver.block_action(
                user,
                channel,
                action_id,
                str(element.get("value", "")),
                message_ts=message.get("ts") if message.get("bot_id") else None,
                thread_ts=message.get("thread_ts"),
                block_id=block_id,
                choice=choice,
            )
            shown = label(element) or action_id
            did = f"pressed [{shown}]" if choice is None else f"chose {value} in [{shown}]"
            done = {"who": self.name(user), "text": did, "ts": _now(), "channel": channel}
            return after(response, done, private_to=user)

    def submit(self, params: Params) -> Answer:
        user = self.person(params.get("as"))
        given = params.get("values") or {}
        opened = [v for v in self.ws.views if v["method"] in ("views.open", "views.push")]
        if not opened:
            raise ControlError("the bot has opened no modal; a button opens one (`click`)")
        view = self.sb.slack.view_store.get(opened[-1]["view_id"]) or opened[-1]["view"]
        try:
            values = modals.state(view, {str(k): str(v) for k, v in given.items()}, self.person)
        except modals.FieldError as error:
            raise ControlError(str(error)) from None
        with self.delivering() as after:
            response = self.driver.view_submission(user, view, values)
            done = {"who": self.name(user), "text": f"submitted “{modals.title(view)}”"}
            return after(response, dict(done, ts=_now()), private_to=user)

    def home(self, params: Params) -> Answer:
        """Open the bot's Home tab as the person; the answer lists the Home it published."""
        user = self.person(params.get("as"))
        with self.delivering() as after:
            response = self.driver.open_home(user)
            done = {"who": self.name(user), "text": "opened the bot's Home tab", "ts": _now()}
            return after(response, dict(done, channel=self.ws.dm_channel(user)))

    def home_button(self, user: str, action_id: str, value: str | None) -> dict[str, Any] | None:
        """The button with `action_id` (and `value`, when given) in the person's Home."""
        view = self.ws.home_view(user) or {}
        for _, element in elements(view):
            if element.get("action_id") == action_id and value in (None, element.get("value")):
                return element
        return None

    def click_in_home(self, user: str, element: dict[str, Any]) -> Answer:
        with self.delivering() as after:
            action_id, value = str(element["action_id"]), str(element.get("value", ""))
            response = self.driver.home_click(user, action_id, value)
            did = f"pressed [{label(element) or action_id}] in the Home tab"
            done = {"who": self.name(user), "text": did, "ts": _now()}
            return after(response, dict(done, channel=self.ws.dm_channel(user)), private_to=user)

    def show(self, params: Params) -> Answer:
        channel, thread = self.channel(params.get("channel")), params.get("thread") or None
        if thread:
            self.message(channel, thread)
        messages = self.ws.replies(channel, thread) if thread else self.ws.messages(channel)
        who = observing.names(self.ws)
        items = [observing.message_item(channel, m, who) for m in messages]
        return {"channel": channel, "name": self.ws.channel(channel).name, "messages": items}

    # -- naming things -------------------------------------------------------------

    def person(self, value: Any) -> str:
        wanted = str(value or "").strip().lstrip("@")
        if not wanted:
            raise ControlError("say who acts, with --as NAME (alice, bob, …)")
        with self.ws.lock:
            people = {uid: r["name"] for uid, r in self.ws.users.items() if not r["is_bot"]}
        for user_id, name in people.items():
            if wanted in (user_id, name) or wanted.lower() == name.lower():
                return user_id
        raise ControlError(f"no person {wanted!r} in the sandbox; try {', '.join(people.values())}")

    def name(self, user: str) -> str:
        return observing.names(self.ws).get(user, user)

    def channel(self, value: Any) -> str:
        wanted = str(value or "").strip()
        if not wanted:
            if self.default_channel is None:
                raise ControlError("name the channel, with --channel")
            return self.default_channel
        with self.ws.lock:
            named = {c.id: c.name for c in self.ws.channels.values() if not c.is_im}
        for channel_id, name in named.items():
            if wanted in (channel_id, name, f"#{name}"):
                return channel_id
        try:
            return self.ws.dm_channel(self.person(wanted))
        except ControlError:
            known = ", ".join(f"#{name}" for name in named.values())
            raise ControlError(
                f"no channel {wanted!r} in the sandbox; try {known}, or a person's name for "
                "their DM with the bot"
            ) from None

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        try:
            return self.ws.message(channel, ts)
        except SlackFailure:
            raise ControlError(
                f"no message {ts} in #{self.ws.channel(channel).name}; "
                "`postmortem-bot sandbox show` lists the messages with their ts"
            ) from None

    def control(
        self, user: str, channel: str, action_id: str, value: str | None
    ) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
        """The newest element with `action_id` the person can see (a button also with
        `value`, when given): its channel, message, block id and the element itself.
        They see the channel and its threads, their DM with the bot, and what only they saw."""
        for where, message in self._visible_to(user, channel):
            for block_id, element in elements(message):
                if element.get("action_id") != action_id:
                    continue
                if element["type"] != "button" or value in (None, element.get("value")):
                    return where, message, block_id, element
        wanted = f"{action_id!r}" + (f" with value {value!r}" if value is not None else "")
        raise ControlError(
            f"no button {wanted} that {self.name(user)} can see; `show` lists the buttons"
        )

    def _visible_to(self, user: str, channel: str) -> list[tuple[str, dict[str, Any]]]:
        """Newest first: the bot's messages in the channel and the person's DM, and what
        only the person saw (ephemeral messages, answers to their commands and clicks)."""
        with self.ws.lock:
            places = [self.ws.channels.get(c) for c in (channel, self.ws.dm_id(user))]
            seen = [
                (float(m.get("edited", m)["ts"]), c.id, m)
                for c in places
                if c is not None
                for m in c.messages.values()
                if m.get("bot_id")
            ]
            seen += [
                (float(e["message_ts"]), e["channel"], e)
                for e in self.ws.ephemerals
                if e["user"] == user
            ]
            seen += [
                (r["at"], r["channel_id"], r["body"])
                for r in self.ws.responses
                if r["user_id"] == user
            ]
        seen.sort(key=lambda found: found[0], reverse=True)
        return [(where, message) for _, where, message in seen]

    # -- delivering ------------------------------------------------------------------

    @contextmanager
    def delivering(self) -> Iterator[Callable[..., Answer]]:
        """Yields `after(response, done, private_to=None)`, which checks the bot's answer,
        waits until it has gone quiet and reports what it said since the block began.
        A bot connected over Socket Mode gets Slack's requests there, any other over HTTP."""
        self.driver.socket_mode = self.sb.socket_mode.connections > 0
        over = "Socket Mode" if self.driver.socket_mode else "HTTP"
        before, began = observing.snapshot(self.ws), time.monotonic()

        def after(response: httpx.Response, done: dict[str, Any], private_to: str = "") -> Answer:
            if response.status_code >= 300:
                raise ControlError(
                    f"the bot at {self.bot_url} answered HTTP {response.status_code}: "
                    f"{response.text[:200].strip() or '(no body)'}; is it using the sandbox's "
                    "SLACK_SIGNING_SECRET?"
                )
            ms = round((time.monotonic() - began) * 1000)
            observing.wait_until_quiet(self.ws, self.settle, self.patience)
            said = observing.said_since(self.ws, before)
            ack = self._ack(response, done.get("channel", ""), private_to)
            return {
                "done": done,
                "bot": {"status": response.status_code, "ms": ms, "over": over},
                "said": [
                    *ack,
                    *said,
                ],
            }

        try:
            yield after
        except httpx.TransportError as error:
            raise ControlError(
                f"the bot does not answer at {self.bot_url} ({type(error).__name__}); start it "
                "with the environment the sandbox printed, or give the sandbox --bot-url "
                "(what the person did is in the sandbox; the bot has not heard of it)"
            ) from None

    def _ack(self, response: httpx.Response, channel: str, user: str) -> list[dict[str, Any]]:
        """What the bot put in its HTTP answer: private text, or a modal's errors."""
        if not response.content or not user:
            return []
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text}
        if not isinstance(body, dict):
            return []
        if body.get("response_action") == "errors":
            errors = "; ".join(f"{k}: {v}" for k, v in (body.get("errors") or {}).items())
            body = {"text": f"the modal stays open: {errors}"}
        text = readable(visible_text(body), observing.names(self.ws))
        if not text:
            return []
        item = {"ts": _now(), "channel": channel, "who": "bot", "text": text}
        return [dict(item, private_to=self.name(user), controls=controls(body))]


def _required(params: Params, name: str, hint: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise ControlError(f"missing {name}: {hint}")
    return str(value)


def _now() -> str:
    return f"{time.time():.6f}"
