"""The "Add action item" modal, submitted: checked at once, recorded after the ack."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.flows.interview_thread import deliver
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import interview
from bot.services.action_items import ItemForm, form_problem
from bot.slack import action_item_blocks as form


def register(app: App) -> None:
    app.view(form.CALLBACK)(ack=validate, lazy=[in_background(record)])


def validate(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Slack shows these errors under the fields; the modal stays open until they are fixed."""
    errors = problems(form.read(view), deps_of(context).clock().date())
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


def record(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    deps = deps_of(context)
    submitted = form.read(body["view"])
    # Bolt starts lazy listeners whatever the ack said: a refused form records nothing.
    if problems(submitted, deps.clock().date()):
        return
    assert submitted.owner_id and submitted.deadline and submitted.priority
    item = ItemForm(
        action=submitted.action,
        owner_id=submitted.owner_id,
        deadline=submitted.deadline,
        priority=submitted.priority,
        factor_chain=submitted.factor_chain,
        keep_vague=submitted.keep_vague,
    )
    team_id = (body.get("team") or {}).get("id") or body["user"]["team_id"]
    with deps.sessions.begin() as session:
        outcome = interview.add_item(
            session, submitted.postmortem_id, item, team_id=team_id, user_id=body["user"]["id"]
        )
    deliver(client, deps, outcome)


def problems(submitted: form.Submitted, today_utc: date) -> dict[str, str]:
    """What is wrong with each field, by block id; empty when the item can be recorded."""
    errors: dict[str, str] = {}
    problem = form_problem(submitted.action, submitted.keep_vague)
    if problem:
        errors[form.ACTION] = problem[:2000]
    required = {
        form.OWNER: submitted.owner_id,
        form.DEADLINE: submitted.deadline,
        form.PRIORITY: submitted.priority,
    }
    errors.update({block_id: "Required." for block_id, value in required.items() if not value})
    # A day of slack: the person's own "today" may still be yesterday in UTC.
    if submitted.deadline is not None and submitted.deadline < today_utc - timedelta(days=1):
        errors[form.DEADLINE] = "Pick a date from today on."
    return errors
