"""File uploads the way `files_upload_v2` performs them.

1. `files.getUploadURLExternal` reserves a file id and hands out an upload URL
   (on the sandbox: `/upload/v1/<file id>`);
2. the client POSTs the raw bytes there and gets `OK - <length>`;
3. `files.completeUploadExternal` names the files and shares them: each share
   is a message in the channel (or thread) carrying the file.
"""

from __future__ import annotations

import json
import mimetypes
import time
from typing import Any

from bot.sandbox.slack_api import Body, Handler, Params, joined, required, text_param
from bot.sandbox.slack_model import Channel, Message, SlackFailure, clone
from bot.sandbox.slack_state import SlackWorkspace
from bot.slack.limits import FILE_ALT_TEXT


def files_get_upload_url_external(ws: SlackWorkspace, params: Params) -> Body:
    filename = required(params, "filename")
    try:
        length = int(required(params, "length"))
    except ValueError as exc:
        raise SlackFailure("invalid_arguments") from exc
    if len(text_param(params, "alt_txt") or "") > FILE_ALT_TEXT:
        raise SlackFailure("alt_txt_too_large")
    file_id = ws.new_id("F")
    ws.uploads[file_id] = {
        "id": file_id,
        "filename": filename,
        "title": filename,
        "length": length,
        "content": None,
        "completed": False,
        "channels": [],
        "thread_ts": None,
        "initial_comment": None,
        "alt_txt": text_param(params, "alt_txt"),
        "created": int(time.time()),
    }
    return {"upload_url": f"{ws.base_url}/upload/v1/{file_id}", "file_id": file_id}


def receive_upload(ws: SlackWorkspace, file_id: str, content: bytes) -> tuple[int, str]:
    """The upload URL: store the bytes; answer like files.slack.com does."""
    upload = ws.uploads.get(file_id)
    if upload is None or upload["completed"]:
        return 404, "file_not_found"
    upload["content"] = content
    ws.lock.notify_all()
    return 200, f"OK - {len(content)}"


def files_complete_upload_external(ws: SlackWorkspace, params: Params) -> Body:
    wanted = _file_list(params)
    found = [ws.uploads.get(str(item.get("id"))) for item in wanted]
    uploads = [u for u in found if u is not None and u["content"] is not None]
    if len(uploads) != len(wanted) or any(u["completed"] for u in uploads):
        raise SlackFailure("file_not_found")
    channels = _share_targets(ws, params)
    thread_ts = text_param(params, "thread_ts")
    if thread_ts and len(channels) != 1:
        raise SlackFailure("invalid_arguments")
    for item, upload in zip(wanted, uploads, strict=True):
        upload.update(completed=True, title=item.get("title") or upload["filename"])
        upload.update(thread_ts=thread_ts, initial_comment=text_param(params, "initial_comment"))
        upload["channels"] = [chan.id for chan in channels]
    described = [file_object(ws, u) for u in uploads]
    for chan in channels:
        message = _share_message(ws, described, text_param(params, "initial_comment"))
        ws.store(chan, message, thread_ts=thread_ts)
    return {"files": described}


def _file_list(params: Params) -> list[dict[str, Any]]:
    value = params.get("files")
    try:
        files = json.loads(value) if isinstance(value, str) else value
    except ValueError as exc:
        raise SlackFailure("invalid_arguments") from exc
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
        raise SlackFailure("invalid_arguments")
    return files


def _share_targets(ws: SlackWorkspace, params: Params) -> list[Channel]:
    ids = [text_param(params, "channel_id") or ""]
    ids += (text_param(params, "channels") or "").split(",")
    unique = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    return [joined(ws, {"channel": channel_id}) for channel_id in unique]


def _share_message(ws: SlackWorkspace, files: list[Body], comment: str | None) -> Message:
    message: Message = {"user": ws.bot_user_id, "type": "message", "ts": ""}
    message.update(bot_id=ws.bot_id, app_id=ws.app_id, text=comment or "", team=ws.team_id)
    message.update(files=clone(files), upload=True, display_as_bot=False)
    return message


def file_object(ws: SlackWorkspace, upload: dict[str, Any]) -> Body:
    """The `file` object Slack returns (a subset of its fields, with real names)."""
    name = upload["filename"]
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    url = f"https://files.slack.com/files-pri/{ws.team_id}-{upload['id']}/{name}"
    body: Body = {"id": upload["id"], "created": upload["created"]}
    body.update(timestamp=upload["created"], name=name, title=upload["title"])
    body.update(mimetype=mimetype, filetype=filetype, pretty_type=filetype.upper())
    body.update(user=ws.bot_user_id, user_team=ws.team_id, editable=False, mode="hosted")
    body.update(size=len(upload["content"] or b""), is_external=False, external_type="")
    body.update(is_public=False, public_url_shared=False, display_as_bot=False, username="")
    body.update(url_private=url, url_private_download=url.replace("files-pri", "files-pri/dl"))
    body["permalink"] = f"https://{ws.team_domain}.slack.com/files/{ws.bot_user_id}/{upload['id']}"
    body.update(channels=list(upload["channels"]), groups=[], ims=[], comments_count=0)
    body.update(file_access="visible", has_rich_preview=False, alt_txt=upload["alt_txt"])
    return body


METHODS: dict[str, Handler] = {
    "files.completeUploadExternal": files_complete_upload_external,
    "files.getUploadURLExternal": files_get_upload_url_external,
}
