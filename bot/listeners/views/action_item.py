"""The "Add action item" modal, submitted: checked at once, recorded after the ack.

What the form carries is read strictly (`action_item_blocks.read`): metadata that is not a
post-mortem id, or an owner that is not a Slack user id, keeps the modal open with the
reason and is never stored. After the ack the post-mortem it names is checked against
the workspace of the request and the person who submitted it: they must belong to its
channel (asked of Slack, since a modal does not say where it was opened), lead it or be
an admin (`bot.services.permissions`); a refusal reaches them by direct message.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.slack_text import escape
from bot.flows.interview_thread import deliver
from bot.listeners import acting
from bot.listeners.deps import deps_of
from bot.listeners.errors import in_background
from bot.services import interview, permissions
from bot.services.action_items import ItemForm, form_problem
from bot.services.permissions import Action
from bot.slack import action_item_blocks as form

OUT_OF_DATE = "This form is out of date; open it again from the interview's Add action item button."
NOT_A_PERSON = "Pick a person from the list."


def register(app: App) -> None:
    app.view(form.CALLBACK)(ack=validate, lazy=[in_background(record)])


def validate(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    """Slack shows these errors under the fields; the modal stays open until they are fixed."""
    errors = problems(view, deps_of(context).clock().date())
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


def record(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    deps, actor = deps_of(context), acting.actor(body, context)
    # Bolt starts lazy listeners whatever the ack said: a refused form records nothing.
    if problems(body["view"], deps.clock().date()):
        return
    submitted = form.read(body["view"])
    assert submitted.postmortem_id and submitted.owner_id
    assert submitted.deadline and submitted.priority
    # Asked of Slack before the session opens: a call inside it would hold the database.
    member = acting.membership(client, deps.sessions, actor, submitted.postmortem_id)
    with deps.sessions() as session:
        permissions.postmortem(
            session, Action.ADD_ITEM, actor, submitted.postmortem_id, member=member
        )
    item = ItemForm(
        # A text input arrives as typed; stored as Slack sends messages (`&lt;`), like
        # every other item, so each output decodes and escapes it the same way.
        action=escape(submitted.action),
        owner_id=submitted.owner_id,
        deadline=submitted.deadline,
        priority=submitted.priority,
        factor_chain=submitted.factor_chain,
        keep_vague=submitted.keep_vague,
    )
    with deps.sessions.begin() as session:
        outcome = interview.add_item(
            session, submitted.postmortem_id, item, team_id=actor.team_id, user_id=actor.user_id
        )
    deliver(client, deps, outcome)


def problems(view: dict[str, Any], today_utc: date) -> dict[str, str]:
    """What is wrong with each field, by block id; empty when the item can be recorded."""
    submitted = form.read(view)
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
    if submitted.owner_id is None and form.picked_owner(view):
        errors[form.OWNER] = NOT_A_PERSON
    # A day of slack: the person's own "today" may still be yesterday in UTC.
    if submitted.deadline is not None and submitted.deadline < today_utc - timedelta(days=1):
        errors[form.DEADLINE] = "Pick a date from today on."
    if submitted.postmortem_id is None:
        errors[form.ACTION] = OUT_OF_DATE
    return errors
