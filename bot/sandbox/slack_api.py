"""The Slack Web API methods the bot uses: conversations, chat, reactions, pins, users.

Each handler takes the workspace (lock held) and the request parameters and
returns the response body, or raises `SlackFailure(<error>)`, which the server
answers as Slack does: HTTP 200 and `{"ok": false, "error": ...}`. Shapes and
error names follow Slack's method reference.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.sandbox.block_limits import message_problems
from bot.sandbox.slack_model import (
    Channel,
    Message,
    SlackFailure,
    add_reaction,
    clone,
    key_ts,
    permalink,
    ts_key,
)
from bot.sandbox.slack_pages import (
    Window,
    decode_cursor,
    encode_cursor,
    newest_first,
    oldest_first,
    page_response,
    truthy,
)
from bot.sandbox.slack_state import SlackWorkspace

# The app-level token (Socket Mode) of the sandbox's app; not a bot token.
APP_TOKEN = "xapp-1-A0SANDBOX-1-sandbox-app-token"
Params = Mapping[str, Any]
Body = dict[str, Any]
Handler = Callable[[SlackWorkspace, Params], Body]

# -- parameters ---------------------------------------------------------------


def text_param(params: Params, name: str) -> str | None:
    value = params.get(name)
    return None if value in (None, "") else str(value)


def required(params: Params, name: str, error: str = "invalid_arguments") -> str:
    value = text_param(params, name)
    if value is None:
        raise SlackFailure(error)
    return value


def limit_param(params: Params, default: int, maximum: int) -> int:
    value = params.get("limit")
    if value in (None, ""):
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError) as exc:
        raise SlackFailure("invalid_limit") from exc
    return default if limit <= 0 else min(limit, maximum)


def json_param(params: Params, name: str, error: str) -> Any:
    """A field that arrives JSON-encoded in a form (or as-is in a JSON body)."""
    value = params.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise SlackFailure(error) from exc
    return value


# -- access -------------------------------------------------------------------


def visible(ws: SlackWorkspace, params: Params) -> Channel:
    """A channel the bot may see: public ones, and private ones it belongs to."""
    chan = ws.channel(required(params, "channel", "channel_not_found"))
    if (chan.is_private or chan.is_im) and ws.bot_user_id not in chan.members:
        raise SlackFailure("channel_not_found")
    return chan


def joined(ws: SlackWorkspace, params: Params) -> Channel:
    """A channel the bot is a member of (needed to read history or post)."""
    chan = visible(ws, params)
    if ws.bot_user_id not in chan.members:
        raise SlackFailure("not_in_channel")
    return chan


def post_target(ws: SlackWorkspace, params: Params) -> Channel:
    """chat.postMessage's `channel`: an id, `#name`, or a user id (their DM with the bot)."""
    target = required(params, "channel", "channel_not_found")
    if target.startswith("#"):
        named = [c.id for c in ws.channels.values() if c.name == target[1:]]
        target = named[0] if named else target
    elif target[:1] in ("U", "W") and target in ws.users:
        target = ws.dm_channel(target)
    return joined(ws, {"channel": target})


# -- shapes -------------------------------------------------------------------


def bot_profile(ws: SlackWorkspace) -> dict[str, Any]:
    return {
        "id": ws.bot_id,
        "app_id": ws.app_id,
        "name": ws.bot_name,
        "icons": {"image_48": "https://a.slack-edge.com/sandbox/bot_48.png"},
        "deleted": False,
        "updated": 1700000000,
        "team_id": ws.team_id,
    }


def within_limits(ws: SlackWorkspace, method: str, text: object, blocks: object) -> None:
    """Refuse, as Slack does, a payload over Slack's limits (`bot.sandbox.block_limits`)."""
    problems = message_problems(text, blocks)
    if problems is not None:
        ws.refuse(method, *problems)
    marker = ws.refuse_containing
    if marker and (marker in str(text or "") or marker in json.dumps(blocks or [])):
        ws.refuse(method, "invalid_blocks", [f"the test refuses payloads containing {marker!r}"])


def bot_message(ws: SlackWorkspace, params: Params, method: str = "chat.postMessage") -> Message:
    """A message as the bot posts it: `user` is the bot user, with `bot_id` and `app_id`."""
    text = text_param(params, "text")
    blocks = json_param(params, "blocks", "invalid_blocks")
    attachments = json_param(params, "attachments", "invalid_attachments")
    if blocks is not None and not isinstance(blocks, list):
        raise SlackFailure("invalid_blocks")
    within_limits(ws, method, text, blocks)
    if not (text or blocks or attachments):
        raise SlackFailure("no_text")
    message: Message = {"user": ws.bot_user_id, "type": "message", "ts": ""}
    message.update(bot_id=ws.bot_id, app_id=ws.app_id, text=text or "", team=ws.team_id)
    message["bot_profile"] = bot_profile(ws)
    for name, value in (("blocks", blocks), ("attachments", attachments)):
        if value:
            message[name] = value
    metadata = json_param(params, "metadata", "invalid_metadata_format")
    if metadata:
        message["metadata"] = metadata
    return message


def channel_info(ws: SlackWorkspace, chan: Channel, *, num_members: bool = False) -> Body:
    if chan.is_im:
        return {"id": chan.id, "created": chan.created, "is_im": True, "is_org_shared": False}
    info: Body = {"id": chan.id, "name": chan.name, "is_channel": True, "is_group": False}
    info.update(is_im=False, is_mpim=False, is_private=chan.is_private, created=chan.created)
    info.update(is_archived=False, is_general=False, unlinked=0, name_normalized=chan.name)
    info.update(is_shared=False, is_org_shared=False, is_pending_ext_shared=False)
    info.update(pending_shared=[], context_team_id=ws.team_id, parent_conversation=None)
    info.update(creator=chan.creator, is_ext_shared=False, shared_team_ids=[ws.team_id])
    info["is_member"] = ws.bot_user_id in chan.members
    info["topic"] = {"value": chan.topic, "creator": chan.creator, "last_set": chan.created}
    info["purpose"] = {"value": chan.purpose, "creator": chan.creator, "last_set": chan.created}
    info["previous_names"] = []
    if num_members:
        info["num_members"] = len(chan.members)
    return info


def user_info(ws: SlackWorkspace, record: dict[str, Any]) -> Body:
    now = datetime.now(zoneinfo.ZoneInfo(record["tz"]))
    offset = now.utcoffset()
    profile = {"real_name": record["real_name"], "real_name_normalized": record["real_name"]}
    profile.update(display_name=record["name"], display_name_normalized=record["name"])
    profile.update(email=record["email"], team=ws.team_id, status_text="", status_emoji="")
    if record["is_bot"]:
        profile["bot_id"] = ws.bot_id if record["id"] == ws.bot_user_id else "B" + record["id"][1:]
    user: Body = {"id": record["id"], "team_id": ws.team_id, "name": record["name"]}
    user.update(deleted=record["deleted"], color="9f69e7", real_name=record["real_name"])
    user.update(tz=record["tz"], tz_label=now.tzname(), profile=profile)
    user["tz_offset"] = int(offset.total_seconds()) if offset else 0
    user.update(is_admin=False, is_owner=False, is_primary_owner=False, is_restricted=False)
    user.update(is_ultra_restricted=False, is_bot=record["is_bot"], is_app_user=False)
    user["updated"] = 1700000000
    return user


# -- methods ------------------------------------------------------------------


def auth_test(ws: SlackWorkspace, params: Params) -> Body:
    body: Body = {"url": f"https://{ws.team_domain}.slack.com/", "team": ws.team_name}
    body.update(user=ws.bot_name, team_id=ws.team_id, user_id=ws.bot_user_id)
    body.update(bot_id=ws.bot_id, is_enterprise_install=False)
    return body


def apps_connections_open(token: str | None, open_url: Callable[[], str]) -> Body:
    """Socket Mode's WebSocket URL (`bot.sandbox.socket_mode`), for the app-level token
    only; the whole answer, `ok` included."""
    if not token:
        return {"ok": False, "error": "not_authed"}
    if token != APP_TOKEN:
        error = "not_allowed_token_type" if token.startswith("xox") else "invalid_auth"
        return {"ok": False, "error": error}
    return {"ok": True, "url": open_url()}


def conversations_info(ws: SlackWorkspace, params: Params) -> Body:
    chan = visible(ws, params)
    return {
        "channel": channel_info(ws, chan, num_members=truthy(params.get("include_num_members")))
    }


def conversations_history(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    limit = limit_param(params, 100, 999)
    keys, cursor = newest_first(chan.top, Window.from_params(params), params.get("cursor"), limit)
    body: Body = {"messages": [chan.messages[key] for key in keys]}
    body.update(pin_count=len(chan.pins), channel_actions_ts=None, channel_actions_count=0)
    return page_response(body, cursor)


def conversations_replies(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    parent = chan.thread_root(required(params, "ts", "thread_not_found"))
    if parent is None:
        raise SlackFailure("thread_not_found")
    limit = limit_param(params, 1000, 1000)
    reply_keys = chan.threads.get(ts_key(parent["ts"]), [])
    window, cursor = Window.from_params(params), params.get("cursor")
    if cursor in (None, ""):
        keys, next_cursor = oldest_first(reply_keys, window, None, limit - 1)
        keys = [ts_key(parent["ts"]), *keys]
    else:
        keys, next_cursor = oldest_first(reply_keys, window, cursor, limit)
    return page_response({"messages": [chan.messages[key] for key in keys]}, next_cursor)


def conversations_members(ws: SlackWorkspace, params: Params) -> Body:
    members = visible(ws, params).members
    limit = limit_param(params, 100, 1000)
    start_at = decode_cursor(params.get("cursor"), "user")
    if start_at is not None and start_at not in members:
        raise SlackFailure("invalid_cursor")
    start = members.index(start_at) if start_at is not None else 0
    rest = members[start + limit :]
    next_cursor = encode_cursor("user", rest[0]) if rest else ""
    return {
        "members": members[start : start + limit],
        "response_metadata": {"next_cursor": next_cursor},
    }


def conversations_open(ws: SlackWorkspace, params: Params) -> Body:
    users = [u for u in (text_param(params, "users") or "").split(",") if u]
    if not users:
        channel = ws.channel(required(params, "channel", "channel_not_found"))
        return {"channel": channel_info(ws, channel) if channel.is_im else {"id": channel.id}}
    if len(users) > 1:
        raise SlackFailure("method_not_supported_for_channel_type")
    if users[0] not in ws.users:
        raise SlackFailure("user_not_found")
    existed = ws.dm_id(users[0]) in ws.channels
    chan = ws.channels[ws.dm_channel(users[0])]
    body: Body = {"no_op": True, "already_open": True} if existed else {}
    body["channel"] = channel_info(ws, chan) if truthy(params.get("return_im")) else {"id": chan.id}
    return body


def conversations_join(ws: SlackWorkspace, params: Params) -> Body:
    chan = visible(ws, params)
    if chan.is_private or chan.is_im:
        raise SlackFailure("method_not_supported_for_channel_type")
    if ws.bot_user_id not in chan.members:
        chan.members.append(ws.bot_user_id)
    return {"channel": channel_info(ws, chan)}


def chat_post_message(ws: SlackWorkspace, params: Params) -> Body:
    chan = post_target(ws, params)
    message = bot_message(ws, params)
    thread_ts = text_param(params, "thread_ts")
    broadcast = bool(thread_ts) and truthy(params.get("reply_broadcast"))
    ws.store(chan, message, thread_ts=thread_ts, broadcast=broadcast)
    return {"channel": chan.id, "ts": message["ts"], "message": clone(message)}


def chat_post_ephemeral(ws: SlackWorkspace, params: Params) -> Body:
    chan = post_target(ws, params)
    user = required(params, "user", "user_not_found")
    if user not in ws.users:
        raise SlackFailure("user_not_found")
    if user not in chan.members:
        raise SlackFailure("user_not_in_channel")
    message = bot_message(ws, params, "chat.postEphemeral")
    message_ts = key_ts(chan.next_key())
    entry = {"channel": chan.id, "user": user, "thread_ts": text_param(params, "thread_ts")}
    entry.update(text=message["text"], blocks=message.get("blocks"), message_ts=message_ts)
    ws.record_ephemeral(entry)
    return {"message_ts": message_ts}


def chat_update(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    message = ws.message_or_fail(chan, required(params, "ts", "message_not_found"))
    if message.get("bot_id") != ws.bot_id:
        raise SlackFailure("cant_update_message")
    text = text_param(params, "text")
    blocks = json_param(params, "blocks", "invalid_blocks")
    attachments = json_param(params, "attachments", "invalid_attachments")
    if text is None and blocks is None and attachments is None:
        raise SlackFailure("no_text")
    within_limits(ws, "chat.update", text, blocks)
    if text is not None:
        message["text"] = text
    for name, value in (("blocks", blocks), ("attachments", attachments)):
        if value:
            message[name] = value
        elif value is not None:
            message.pop(name, None)  # an empty list removes them
    message["edited"] = {"user": ws.bot_user_id, "ts": key_ts(chan.next_key())}
    ws.lock.notify_all()
    body: Body = {"channel": chan.id, "ts": message["ts"], "text": message["text"]}
    body["message"] = clone(message)
    return body


def chat_delete(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    message = ws.message_or_fail(chan, required(params, "ts", "message_not_found"))
    if message.get("bot_id") != ws.bot_id:
        raise SlackFailure("cant_delete_message")
    ws.drop(chan, message)
    return {"channel": chan.id, "ts": message["ts"]}


def chat_get_permalink(ws: SlackWorkspace, params: Params) -> Body:
    chan = visible(ws, params)
    message = ws.message_or_fail(chan, required(params, "message_ts", "message_not_found"))
    return {"channel": chan.id, "permalink": permalink(ws.team_domain, chan.id, message)}


def reactions_get(ws: SlackWorkspace, params: Params) -> Body:
    if not (params.get("channel") and params.get("timestamp")):
        raise SlackFailure("no_item_specified")
    chan = joined(ws, params)
    message = clone(ws.message_or_fail(chan, text_param(params, "timestamp")))
    message["permalink"] = permalink(ws.team_domain, chan.id, message)
    return {"type": "message", "channel": chan.id, "message": message}


def reactions_add(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    message = ws.message_or_fail(chan, required(params, "timestamp", "no_item_specified"))
    add_reaction(message, ws.bot_user_id, required(params, "name", "invalid_name"))
    ws.lock.notify_all()
    return {}


def pins_list(ws: SlackWorkspace, params: Params) -> Body:
    chan = joined(ws, params)
    items = []
    for key, pin in sorted(chan.pins.items(), key=lambda item: -item[1]["created"]):
        message = clone(chan.messages[key])
        message["permalink"] = permalink(ws.team_domain, chan.id, message)
        item = {"type": "message", "created": pin["created"], "created_by": pin["created_by"]}
        items.append(dict(item, channel=chan.id, message=message))
    return {"items": items}


def users_info(ws: SlackWorkspace, params: Params) -> Body:
    record = ws.users.get(required(params, "user", "user_not_found"))
    if record is None:
        raise SlackFailure("user_not_found")
    return {"user": user_info(ws, record)}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "conversations.history": conversations_history,
    "conversations.info": conversations_info,
    "conversations.join": conversations_join,
    "conversations.members": conversations_members,
    "conversations.open": conversations_open,
    "conversations.replies": conversations_replies,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.get": reactions_get,
    "users.info": users_info,
}
