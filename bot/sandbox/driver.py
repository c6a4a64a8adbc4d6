"""The Driver: sends the bot what Slack and PagerDuty would, correctly signed.

    with Sandbox() as sb, Driver(bot_url, signing_secret, sb) as d:
        d.slash_command("U0ALICE", "C0INC", "start")
        message, response = d.user_posts("C0INC", "U0ALICE", "rolled back")

Everything goes to `{bot_url}/slack/events` (commands, events, interactivity)
or `{bot_url}/pagerduty/webhook`; with `socket_mode=True`, Slack's requests go as
envelopes over the sandbox's Socket Mode WebSocket instead (`bot.sandbox.socket_mode`),
and each answer is the ack, as an `httpx.Response` like the HTTP one: 200 with the ack's
payload as the body, or 504 when no ack came within `timeout`. State changes a person makes (posting,
editing, reacting, pinning) are applied to the sandbox first, so the Web API
agrees with the event the bot receives.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.sandbox import payloads
from bot.sandbox.sandbox import Sandbox
from bot.sandbox.signing import pagerduty_signature, slack_signature
from bot.sandbox.slack_model import key_ts, now_key
from bot.sandbox.slack_state import SlackWorkspace

SLACK_PATH = "/slack/events"
PAGERDUTY_PATH = "/pagerduty/webhook"
FORM = "application/x-www-form-urlencoded"


class Driver:
    """Signed deliveries to a running bot, with the sandbox kept in step."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        sandbox: Sandbox,
        pagerduty_secret: str | None = None,
        *,
        timeout: float = 10.0,
        socket_mode: bool = False,
    ) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.socket_mode = socket_mode
        self.timeout = timeout
        self.signing_secret = signing_secret
        self.pagerduty_secret = pagerduty_secret
        self.sb = sandbox
        self.client = httpx.Client(timeout=timeout)
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None
        self._event_ids = itertools.count(1)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Driver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- raw ------------------------------------------------------------------

    def signed_post(
        self,
        path: str,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST `body` with Slack's signature headers (override them to forge or go stale)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp}
        sent["X-Slack-Signature"] = signature or slack_signature(self.signing_secret, stamp, body)
        sent.update(headers or {})
        return self.client.post(f"{self.bot_url}{path}", content=body, headers=sent)

    def deliver_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        team: str | None = None,
    ) -> httpx.Response:
        """Wrap `event` in an event_callback envelope and deliver it (as a retry if asked);
        `team` sends it from another workspace than `sb.slack`."""
        event_id = event_id or f"Ev0SANDBOX{next(self._event_ids):06d}"
        ws = self.sb.team(team) if team else self.sb.slack
        wrapped = payloads.envelope(ws, event, event_id)
        return self.deliver_callback(wrapped, retry_num=retry_num, retry_reason=retry_reason)

    def deliver_callback(
        self,
        wrapped: dict[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """Deliver an `event_callback` body as given (a test's own shape of one)."""
        if self.socket_mode:
            attempt = (retry_num or 0, retry_reason if retry_num else "")
            return self._over_socket("events_api", wrapped, retry=attempt)
        body = json.dumps(wrapped).encode()
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.signed_post(SLACK_PATH, body, "application/json", headers=headers)

    # -- commands and interactivity -----------------------------------------------

    def slash_command(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        command: str = "/postmortem",
        team: str | None = None,
    ) -> httpx.Response:
        """A slash command; `team` sends it from another workspace than `sb.slack`."""
        ws = self.sb.team(team) if team else self.sb.slack
        context = {"kind": "command", "command": command, "text": text}
        urls = self._interaction_urls(dict(context, channel_id=channel_id, user_id=user_id), ws)
        form = payloads.slash_command_form(ws, user_id, channel_id, text, command, urls)
        if self.socket_mode:
            return self._over_socket("slash_commands", dict(form))
        return self.signed_post(SLACK_PATH, urlencode(form).encode(), FORM)

    def block_action(
        self,
        user_id: str,
        channel_id: str,
        action_id: str,
        value: str,
        *,
        message_ts: str | None = None,
        thread_ts: str | None = None,
        block_id: str = "b",
        choice: dict[str, Any] | None = None,
        team: str | None = None,
    ) -> httpx.Response:
        """A button click; without `message_ts` it comes from an ephemeral message.

        `choice` makes it a select or picker instead: what the element sends, e.g.
        {"type": "static_select", "selected_option": {...}} (see `bot.sandbox.modals.answer`).
        `team` clicks it in another workspace than `sb.slack`.
        """
        ws = self.sb.team(team) if team else self.sb.slack
        message = ws.message(channel_id, message_ts) if message_ts else None
        context: dict[str, Any] = {"kind": "block_actions", "command": None, "text": value}
        context.update(channel_id=channel_id, user_id=user_id, message_ts=message_ts)
        context.update(self._interaction_urls(context, ws))
        context.update(message=message, thread_ts=thread_ts)
        context["message_ts"] = message_ts or key_ts(now_key())
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id}
        if choice is None:
            action.update(value=value, type="button")
            action["text"] = {"type": "plain_text", "text": value, "emoji": True}
        else:
            action.update(choice)
        action["action_ts"] = f"{time.time():.6f}"
        payload = payloads.block_actions(ws, action, context)
        return self._post_payload(payload)

    def view_submission(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any], *, team: str | None = None
    ) -> httpx.Response:
        """Submit a modal: `view` (e.g. one from `sb.slack.views`) with `values` as its state;
        `team` submits it in another workspace than `sb.slack`."""
        ws = self.sb.team(team) if team else self.sb.slack
        submitted = dict(view)
        submitted.setdefault("id", ws.new_id("V"))
        submitted.setdefault("type", "modal")
        submitted.setdefault("team_id", ws.team_id)
        submitted.setdefault("private_metadata", "")
        submitted.setdefault("callback_id", "")
        submitted.setdefault("hash", f"{int(time.time())}.sandbox")
        submitted["state"] = {"values": values}
        trigger_id = ws.new_trigger_id()
        self.last_trigger_id = trigger_id
        return self._post_payload(payloads.view_submission(ws, user_id, submitted, trigger_id))

    # -- the App Home ----------------------------------------------------------------

    def open_home(
        self, user_id: str, *, tab: str = "home", team: str | None = None
    ) -> httpx.Response:
        """`user_id` opens the app's Home tab (or `tab="messages"`), in `team` if given."""
        ws = self.sb.team(team) if team else self.sb.slack
        channel = ws.dm_channel(user_id)
        event = payloads.app_home_opened(user_id, channel, tab, ws.home_view(user_id))
        return self.deliver_event(event, team=team)

    def home_click(
        self, user_id: str, action_id: str, value: str, *, team: str | None = None
    ) -> httpx.Response:
        """Press the button `action_id` with `value` in the Home the bot published for
        `user_id`; a button the Home does not show is a test's mistake (LookupError)."""
        ws = self.sb.team(team) if team else self.sb.slack
        view = ws.home_view(user_id)
        if view is None:
            raise LookupError(f"no Home was published for {user_id}")
        action = dict(_button_in(view, action_id, value), action_ts=f"{time.time():.6f}")
        self.last_trigger_id = ws.new_trigger_id()
        payload = payloads.home_block_actions(ws, action, user_id, view, self.last_trigger_id)
        return self._post_payload(payload)

    # -- what people do in channels ----------------------------------------------

    def user_posts(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> tuple[dict[str, Any], httpx.Response]:
        message = self.sb.slack.post_as_user(channel, user, text, thread_ts=thread_ts)
        with self.sb.slack.lock:
            event = payloads.message_event(self.sb.slack, channel, message)
        return message, self.deliver_event(event)

    def user_edits(self, channel: str, ts: str, text: str) -> httpx.Response:
        change = self.sb.slack.edit_message(channel, ts, text)
        with self.sb.slack.lock:
            event = payloads.message_changed(
                self.sb.slack, channel, change["previous"], change["message"], change["event_ts"]
            )
        return self.deliver_event(event)

    def user_deletes(self, channel: str, ts: str) -> httpx.Response:
        gone = self.sb.slack.delete_message(channel, ts)
        with self.sb.slack.lock:
            event = payloads.message_deleted(
                self.sb.slack, channel, gone["previous"], gone["event_ts"]
            )
        return self.deliver_event(event)

    def user_reacts(self, user: str, channel: str, ts: str, name: str) -> httpx.Response:
        message = self.sb.slack.add_reaction(channel, ts, user, name)
        event = payloads.reaction_event("reaction_added", user, channel, message, name)
        return self.deliver_event(event)

    def user_unreacts(self, user: str, channel: str, ts: str, name: str) -> httpx.Response:
        message = self.sb.slack.remove_reaction(channel, ts, user, name)
        event = payloads.reaction_event("reaction_removed", user, channel, message, name)
        return self.deliver_event(event)

    def user_pins(self, user: str, channel: str, ts: str) -> httpx.Response:
        message = self.sb.slack.pin(channel, ts, user)
        count = self._pin_count(channel)
        return self.deliver_event(payloads.pin_event("pin_added", user, channel, message, count))

    def user_unpins(self, user: str, channel: str, ts: str) -> httpx.Response:
        message = self.sb.slack.unpin(channel, ts, user)
        count = self._pin_count(channel)
        return self.deliver_event(payloads.pin_event("pin_removed", user, channel, message, count))

    # -- PagerDuty -------------------------------------------------------------

    def pagerduty_webhook(
        self,
        body: bytes,
        *,
        webhook_id: str | None = None,
        extra_signatures: Iterable[str] = (),
    ) -> httpx.Response:
        """Deliver a v3 webhook body, signed with `pagerduty_secret` (plus any extra `v1=`s)."""
        signatures = (
            [pagerduty_signature(self.pagerduty_secret, body)] if self.pagerduty_secret else []
        )
        signatures += [s if s.startswith("v1=") else f"v1={s}" for s in extra_signatures]
        headers = {"Content-Type": "application/json", "User-Agent": "PagerDuty-Webhook/V3.0"}
        headers["X-Webhook-Id"] = webhook_id or str(uuid.uuid4())
        headers["X-Webhook-Subscription"] = "PSANDBOXSUB"
        if signatures:
            headers["X-PagerDuty-Signature"] = ",".join(signatures)
        return self.client.post(f"{self.bot_url}{PAGERDUTY_PATH}", content=body, headers=headers)

    # -- helpers ----------------------------------------------------------------

    def _interaction_urls(
        self, context: dict[str, Any], ws: SlackWorkspace | None = None
    ) -> dict[str, str]:
        ws = ws or self.sb.slack
        urls = {"trigger_id": ws.new_trigger_id(), "response_url": ws.new_response_url(context)}
        self.last_trigger_id, self.last_response_url = urls["trigger_id"], urls["response_url"]
        return urls

    def _post_payload(self, payload: dict[str, Any]) -> httpx.Response:
        if self.socket_mode:
            return self._over_socket("interactive", payload)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.signed_post(SLACK_PATH, body, FORM)

    def _over_socket(
        self, kind: str, payload: dict[str, Any], *, retry: tuple[int, str] = (0, "")
    ) -> httpx.Response:
        """Deliver over Socket Mode; the ack as the response Slack would have had over HTTP."""
        ack = self.sb.socket_mode.deliver(
            kind, payload, timeout=self.timeout, retry_attempt=retry[0], retry_reason=retry[1]
        )
        request = httpx.Request("POST", f"{self.sb.socket_mode.url}#{kind}")
        if ack is None:
            return httpx.Response(504, text="no acknowledgement", request=request)
        if ack.payload is None:
            return httpx.Response(200, content=b"", request=request)
        return httpx.Response(200, json=ack.payload, request=request)

    def _pin_count(self, channel: str) -> int:
        with self.sb.slack.lock:
            return len(self.sb.slack.channel(channel).pins)


def _button_in(view: dict[str, Any], action_id: str, value: str) -> dict[str, Any]:
    """The button as a click sends it (with its block's id); LookupError if not shown."""
    for block in view.get("blocks") or []:
        for element in block.get("elements") or [] if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id and element.get("value") == value:
                return dict(element, block_id=block.get("block_id", ""))
    raise LookupError(f"the Home has no button {action_id}={value}")
