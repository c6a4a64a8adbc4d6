"""What Bolt assumes of a body: the fields it reads while routing, and their types.

Bolt indexes into what Slack sends without checking (`body["actions"][0]`,
`payload.get("event", {}).get(...)`, `len(payload["authorizations"])`, `"id" in team`),
so a signed body of another shape raises inside `App.dispatch` and reaches the error hook
as a traceback. Slack documents these fields with these types; a body that disagrees is
refused with a 400 before Bolt sees it. Only the fields named here are checked, at the
places named here: anything else (a block, a modal's state) is the listeners' to read.
What each kind of body must carry, and in what format, is `slack_needs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NoneType = type(None)
TEXT = (str,)
MAYBE_TEXT = (str, NoneType)
FLAG = (bool, str)  # Slack sends booleans; a form (ssl_check, a command) sends strings
OBJECT = (dict,)
LIST = (list,)


@dataclass(frozen=True)
class Shape:
    """`fields`: the types a present field may have; `required`: fields that must be there.
    `objects` and `lists`: the shape of the object in a field (when it is one), or of each
    object in a list (all must be objects)."""

    fields: Mapping[str, tuple[type, ...]]
    objects: Mapping[str, Shape] = field(default_factory=dict)
    lists: Mapping[str, Shape] = field(default_factory=dict)
    required: tuple[str, ...] = ()


_IDS = {"id": TEXT, "team_id": MAYBE_TEXT, "enterprise_id": MAYBE_TEXT, "name": MAYBE_TEXT}
_ID_OBJECT = Shape(_IDS)
_AUTHORIZATION = Shape({**_IDS, "user_id": MAYBE_TEXT, "is_enterprise_install": FLAG})
_MESSAGE = Shape(
    {
        "type": TEXT,
        "subtype": MAYBE_TEXT,
        "user": MAYBE_TEXT,
        "user_id": MAYBE_TEXT,
        "bot_id": MAYBE_TEXT,
        "text": MAYBE_TEXT,
        "ts": TEXT,
        "thread_ts": MAYBE_TEXT,
        "channel": (str, dict),
    }
)
_ITEM = Shape({"type": TEXT, "channel": TEXT, "ts": TEXT})
_EVENT = Shape(
    {
        **_MESSAGE.fields,
        "user": (str, dict),  # user_change sends the user object
        "channel_type": MAYBE_TEXT,
        "team": MAYBE_TEXT,
        "user_team": MAYBE_TEXT,
        "tab": MAYBE_TEXT,
        "event_ts": MAYBE_TEXT,
        "function_execution_id": MAYBE_TEXT,
        "inputs": (dict, NoneType),
        "bot_access_token": MAYBE_TEXT,
        "message": OBJECT,
        "previous_message": OBJECT,
        "item": OBJECT,
        "assistant_thread": OBJECT,
    },
    objects={
        "message": _MESSAGE,
        "previous_message": _MESSAGE,
        "item": _ITEM,
        "user": _ID_OBJECT,
        "channel": _ID_OBJECT,
    },
    required=("type",),
)
_VIEW = Shape(
    {
        "id": TEXT,
        "type": TEXT,
        "callback_id": TEXT,
        "private_metadata": MAYBE_TEXT,
        "team_id": MAYBE_TEXT,
        "app_installed_team_id": MAYBE_TEXT,
        "state": OBJECT,
        "blocks": LIST,
    },
    required=("type", "callback_id"),
)
_ACTION = Shape({"action_id": TEXT, "block_id": MAYBE_TEXT, "type": TEXT, "value": MAYBE_TEXT})
_RESPONSE_URL = Shape({"response_url": TEXT})
_CONTAINER = Shape({"type": TEXT, "message_ts": MAYBE_TEXT, "channel_id": MAYBE_TEXT})
BODY = Shape(
    {
        "type": TEXT,
        "token": MAYBE_TEXT,
        "team_id": MAYBE_TEXT,
        "user_id": MAYBE_TEXT,
        "channel_id": MAYBE_TEXT,
        "enterprise_id": MAYBE_TEXT,
        "api_app_id": MAYBE_TEXT,
        "command": TEXT,
        "text": TEXT,
        "trigger_id": MAYBE_TEXT,
        "response_url": TEXT,
        "callback_id": MAYBE_TEXT,
        "action_id": MAYBE_TEXT,
        "block_id": MAYBE_TEXT,
        "value": MAYBE_TEXT,
        "challenge": TEXT,
        "ssl_check": TEXT,
        "event_id": MAYBE_TEXT,
        "thread_ts": MAYBE_TEXT,
        "function_execution_id": MAYBE_TEXT,
        "bot_access_token": MAYBE_TEXT,
        "is_enterprise_install": (bool, str, NoneType),
        "is_ext_shared_channel": (bool, NoneType),
        "team": (dict, str, NoneType),  # null in org-wide installs' interactions
        "enterprise": (dict, str, NoneType),
        "user": (dict, str),
        "channel": (dict, str),
        "event": OBJECT,
        "view": OBJECT,
        "message": OBJECT,
        "previous_message": OBJECT,
        "container": OBJECT,
        "state": OBJECT,
        "item": OBJECT,
        "assistant_thread": OBJECT,
        "function_data": OBJECT,
        "workflow_step": OBJECT,
        "submission": OBJECT,
        "authorizations": LIST,
        "actions": LIST,
        "response_urls": LIST,
    },
    objects={
        "team": _ID_OBJECT,
        "enterprise": _ID_OBJECT,
        "user": _ID_OBJECT,
        "channel": _ID_OBJECT,
        "event": _EVENT,
        "view": _VIEW,
        "message": _MESSAGE,
        "previous_message": _MESSAGE,
        "item": _ITEM,
        "container": _CONTAINER,
        "assistant_thread": Shape({"channel_id": MAYBE_TEXT, "thread_ts": MAYBE_TEXT}),
        "function_data": Shape({"execution_id": MAYBE_TEXT, "inputs": (dict, NoneType)}),
    },
    lists={"authorizations": _AUTHORIZATION, "actions": _ACTION, "response_urls": _RESPONSE_URL},
)


def mismatch(body: Mapping[str, Any]) -> str | None:
    """The path of the first field of the wrong type (e.g. `event.type`), or None."""
    return mismatch_in(body, BODY, "")


def mismatch_in(value: Mapping[str, Any], shape: Shape, path: str) -> str | None:
    for key in shape.required:
        if key not in value:
            return path + key
    for key, kinds in shape.fields.items():
        if key in value and not isinstance(value[key], kinds):
            return path + key
    for key, inner in shape.objects.items():
        found = _in_object(value.get(key), inner, f"{path}{key}.")
        if found is not None:
            return found
    for key, inner in shape.lists.items():
        for index, item in enumerate(value.get(key) or ()):
            found = _in_object(item, inner, f"{path}{key}[{index}].", must_be_object=True)
            if found is not None:
                return found
    return None


def _in_object(
    value: object, shape: Shape, path: str, *, must_be_object: bool = False
) -> str | None:
    if isinstance(value, dict):
        return mismatch_in(value, shape, path)
    return path.rstrip(".") if must_be_object else None
