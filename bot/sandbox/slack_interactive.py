"""Modals and response URLs: views.open/push/update/publish, and what `respond()` posts.

Trigger ids come from the Driver (slash commands, block actions); a trigger can
be exchanged for a view once, and expires after `trigger_ttl_seconds` when the
sandbox is given one (Slack: 3 s). Response URLs accept up to five posts.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.sandbox.block_limits import message_problems, view_problems
from bot.sandbox.slack_api import Body, Handler, Params, bot_message, json_param, required
from bot.sandbox.slack_model import SlackFailure, clone
from bot.sandbox.slack_state import SlackWorkspace

RESPONSE_URL_USES = 5
_hashes = itertools.count(1)


def _exchange_trigger(ws: SlackWorkspace, params: Params) -> str:
    trigger_id = required(params, "trigger_id", "invalid_trigger_id")
    issued = ws.triggers.get(trigger_id)
    if issued is None:
        raise SlackFailure(
            "exchanged_trigger_id" if trigger_id in ws.used_triggers else "invalid_trigger_id"
        )
    ttl = ws.trigger_ttl_seconds
    if ttl is not None and time.monotonic() - issued > ttl:
        raise SlackFailure("expired_trigger_id")
    del ws.triggers[trigger_id]
    ws.used_triggers.add(trigger_id)
    return trigger_id


def _view_param(
    ws: SlackWorkspace, method: str, params: Params, kinds: tuple[str, ...]
) -> dict[str, Any]:
    view = json_param(params, "view", "invalid_arguments")
    if not isinstance(view, dict) or view.get("type") not in kinds:
        raise SlackFailure("invalid_arguments")
    problems = view_problems(view)
    if problems:
        ws.refuse(method, "invalid_arguments", problems)
    return view


def _stored_view(ws: SlackWorkspace, view: dict[str, Any], view_id: str, root: str) -> Body:
    stored: Body = {"id": view_id, "team_id": ws.team_id, "type": view["type"]}
    stored.update(blocks=view.get("blocks", []), private_metadata=view.get("private_metadata", ""))
    stored.update(callback_id=view.get("callback_id", ""), state={"values": {}})
    stored.update(hash=f"{int(time.time())}.sandbox{next(_hashes):06d}", title=view.get("title"))
    stored.update(clear_on_close=bool(view.get("clear_on_close")), close=view.get("close"))
    stored.update(notify_on_close=bool(view.get("notify_on_close")), submit=view.get("submit"))
    stored.update(previous_view_id=None, root_view_id=root, app_id=ws.app_id)
    stored.update(external_id=view.get("external_id", ""), bot_id=ws.bot_id)
    stored["app_installed_team_id"] = ws.team_id
    ws.view_store[view_id] = stored
    return stored


def _log(ws: SlackWorkspace, method: str, stored: Body, **extra: Any) -> Body:
    ws.record_view({"method": method, "view_id": stored["id"], "view": clone(stored), **extra})
    return {"view": clone(stored)}


def views_open(ws: SlackWorkspace, params: Params) -> Body:
    trigger_id = _exchange_trigger(ws, params)
    view = _view_param(ws, "views.open", params, ("modal",))
    view_id = ws.new_id("V")
    return _log(ws, "views.open", _stored_view(ws, view, view_id, view_id), trigger_id=trigger_id)


def views_push(ws: SlackWorkspace, params: Params) -> Body:
    trigger_id = _exchange_trigger(ws, params)
    view = _view_param(ws, "views.push", params, ("modal",))
    stored = _stored_view(ws, view, ws.new_id("V"), "")
    stored["root_view_id"] = stored["id"]
    return _log(ws, "views.push", stored, trigger_id=trigger_id)


def views_update(ws: SlackWorkspace, params: Params) -> Body:
    view = _view_param(ws, "views.update", params, ("modal", "home"))
    view_id = params.get("view_id") or ""
    if not view_id and params.get("external_id"):
        matches = [
            v["id"] for v in ws.view_store.values() if v["external_id"] == params["external_id"]
        ]
        view_id = matches[0] if matches else ""
    current = ws.view_store.get(str(view_id))
    if current is None:
        raise SlackFailure("not_found")
    if params.get("hash") and params["hash"] != current["hash"]:
        raise SlackFailure("hash_conflict")
    stored = _stored_view(ws, view, current["id"], current["root_view_id"])
    return _log(ws, "views.update", stored)


def views_publish(ws: SlackWorkspace, params: Params) -> Body:
    user = required(params, "user_id", "user_not_found")
    if user not in ws.users:
        raise SlackFailure("user_not_found")
    view = _view_param(ws, "views.publish", params, ("home",))
    existing = [v["id"] for v in ws.view_store.values() if v.get("home_user") == user]
    view_id = existing[0] if existing else ws.new_id("V")
    stored = _stored_view(ws, view, view_id, view_id)
    stored["home_user"] = user
    return _log(ws, "views.publish", stored, user_id=user)


def answer_response_url(ws: SlackWorkspace, command_id: str, payload: Any) -> tuple[int, str]:
    """A POST to a response URL: record it, then do what Slack would with it."""
    context = ws.response_contexts.get(command_id)
    if context is None:
        return 404, "expired_url"
    if context["uses"] >= RESPONSE_URL_USES:
        return 404, "used_url"
    if not isinstance(payload, dict):
        return 400, "invalid_payload"
    if not (payload.get("text") or payload.get("blocks") or payload.get("delete_original")):
        return 400, "no_text"
    problems = message_problems(payload.get("text"), payload.get("blocks"))
    if problems is not None:
        ws.record_refusal("response_url", *problems)
        return 400, "invalid_blocks" if problems[0] == "invalid_blocks" else problems[0]
    context["uses"] += 1
    entry = {k: context.get(k) for k in ("kind", "command", "text", "channel_id", "user_id")}
    ws.record_response(dict(entry, command_id=command_id, body=payload, at=time.time()))
    try:
        _apply_response(ws, context, payload)
    except SlackFailure as failure:
        return 400, failure.error
    return 200, "ok"


def _apply_response(ws: SlackWorkspace, context: dict[str, Any], payload: dict[str, Any]) -> None:
    chan = ws.channels.get(str(context.get("channel_id")))
    if chan is None:
        return
    original = chan.get(context.get("message_ts"))
    if original is not None and payload.get("delete_original"):
        ws.drop(chan, original)
    elif original is not None and payload.get("replace_original"):
        original["text"] = payload.get("text") or ""
        for name in ("blocks", "attachments"):
            if payload.get(name):
                original[name] = payload[name]
            else:
                original.pop(name, None)
        ws.lock.notify_all()
    elif payload.get("response_type") == "in_channel":
        message = bot_message(ws, payload, "response_url")
        ws.store(chan, message, thread_ts=payload.get("thread_ts"))


METHODS: dict[str, Handler] = {
    "views.open": views_open,
    "views.publish": views_publish,
    "views.push": views_push,
    "views.update": views_update,
}
