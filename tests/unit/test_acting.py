"""Who acts, from where, as Bolt reads Slack's payloads: the team of an org-wide install's
click (no `team`), a modal's (no channel), never a user id a value or metadata names."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.request import BoltRequest

from bot.config import Settings
from bot.errors import BadArguments
from bot.listeners import acting


def _bolt(payload: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The body and context Bolt gives a listener for this interaction payload."""
    request = BoltRequest(body=urlencode({"payload": json.dumps(payload)}))
    request.context["deps"] = SimpleNamespace(
        settings=Settings(postmortem_admins=frozenset({"U0CARMEN"}))
    )
    return request.body, request.context


def _click(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": "U0BOB", "team_id": "T0SANDBOX"},
        "channel": {"id": "C0INCIDENT", "name": "inc"},
        "container": {"type": "message", "channel_id": "C0INCIDENT", "message_ts": "1.2"},
        "actions": [{"action_id": "report_publish", "value": "12", "user": "U0ALICE"}],
    }
    payload.update(changes)
    return payload


def test_a_click_acts_as_the_clicker_in_the_channel_it_was_clicked_in() -> None:
    actor = acting.actor(*_bolt(_click()))
    assert (actor.team_id, actor.user_id, actor.channel_id) == ("T0SANDBOX", "U0BOB", "C0INCIDENT")
    assert not actor.is_admin


def test_an_org_wide_installs_click_has_no_team_and_takes_the_users() -> None:
    actor = acting.actor(*_bolt(_click(team=None, user={"id": "U0CARMEN", "team_id": "T0GRID"})))
    assert (actor.team_id, actor.user_id) == ("T0GRID", "U0CARMEN") and actor.is_admin


def test_a_modal_has_no_channel_and_its_metadata_names_nobody() -> None:
    view = {
        "id": "V1",
        "team_id": "T0SANDBOX",
        "callback_id": "action_item_add",
        "private_metadata": json.dumps({"user_id": "U0ALICE", "team_id": "T0OTHER"}),
        "state": {"values": {}},
    }
    payload = {"type": "view_submission", "team": {"id": "T0SANDBOX"}, "user": {"id": "U0BOB"}}
    actor = acting.actor(*_bolt({**payload, "view": view}))
    assert (actor.team_id, actor.user_id, actor.channel_id) == ("T0SANDBOX", "U0BOB", None)


def test_a_payload_without_a_user_is_refused_with_words() -> None:
    with pytest.raises(BadArguments, match="could not tell who sent that"):
        acting.actor(*_bolt(_click(user=None)))
