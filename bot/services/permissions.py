"""Who may do what to a post-mortem: the one decision every listener asks (README "Who may
do what").

    publish, share, share revoke,          the post-mortem's lead (whoever ran `start`)
    move or confirm the follow-up review   or an admin (POSTMORTEM_ADMINS)
    press the interview's buttons,         members of the post-mortem's channel, its lead
    add an action item, set milestones     and the admins
    mark an item done, snooze it,          the item's owner, the post-mortem's lead
    change its deadline                    and the admins

A button or a modal names its post-mortem or item by an id the bot wrote into it, and a
request can carry any id. So the id is looked up in the workspace of the request (another
workspace's is "not found"), and the person is the one Slack says acted (`body.user.id`,
the command's `user_id`), never one a value or metadata names. Whatever is done from the
post-mortem's own channel (its buttons, its commands) must come from that channel: a
Publish button carrying another channel's post-mortem is refused, though the clicker may
lead that one too. A modal says nothing of where it was opened, so for one the person's
membership of the channel is asked (`member`, a Slack lookup the listener hands in).

`refusal` is the decision, on plain values; `require` raises it as `NotAllowed`, which
the listeners' error hook shows to the person alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

from bot.core.action_items import item_code
from bot.core.slack_text import mention
from bot.errors import NotAllowed, NotFound
from storage.models import ActionItem, Postmortem
from storage.repositories import open_items, postmortems

MemberOf = Callable[[str], bool]  # channel id -> is the acting person a member of it


class Action(Enum):
    """What a person asks to do; the value completes "Only … can …"."""

    PUBLISH = "publish the report"
    SHARE = "share the report's page"
    REVOKE = "revoke the report's page"
    MOVE_REVIEW = "move the follow-up review"
    CONFIRM_REVIEW = "confirm the follow-up review"
    INTERVIEW = "answer the interview"
    ADD_ITEM = "add action items to this post-mortem"
    MILESTONES = "change the incident's milestones"
    CHANGE_ITEM = "change the item"


LEAD_ACTIONS = frozenset(
    {Action.PUBLISH, Action.SHARE, Action.REVOKE, Action.MOVE_REVIEW, Action.CONFIRM_REVIEW}
)
MEMBER_ACTIONS = frozenset({Action.INTERVIEW, Action.ADD_ITEM, Action.MILESTONES})
# Asked from the post-mortem's own channel (its commands, its thread's buttons). The
# follow-up review and the items' buttons also come from direct messages.
FROM_ITS_CHANNEL = frozenset(
    {Action.PUBLISH, Action.SHARE, Action.REVOKE, Action.MOVE_REVIEW, *MEMBER_ACTIONS}
)
OTHER_CHANNEL = (
    "That belongs to another channel's post-mortem, so nothing was done; "
    "use the buttons and commands in that post-mortem's own channel."
)
GONE = "That post-mortem does not exist any more."


@dataclass(frozen=True)
class Actor:
    """Who asks, as Slack signed it: the workspace, the person, and where (None: a modal)."""

    team_id: str
    user_id: str
    channel_id: str | None = None
    admins: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.user_id in self.admins


@dataclass(frozen=True)
class Subject:
    """What is acted on: a post-mortem, or one of its action items (`owner_id`, `code`)."""

    team_id: str
    channel_id: str
    lead_user_id: str
    owner_id: str | None = None
    code: str | None = None


def refusal(
    action: Action, actor: Actor, subject: Subject, *, member: bool | None = None
) -> str | None:
    """Why `actor` may not do `action` to `subject`, or None when they may.

    `member`: whether the actor belongs to the subject's channel, when that was looked up
    (a click or a command from that very channel counts as belonging)."""
    if actor.team_id != subject.team_id:
        return GONE
    if action in FROM_ITS_CHANNEL and actor.channel_id not in (None, subject.channel_id):
        return OTHER_CHANNEL
    if actor.is_admin or actor.user_id == subject.lead_user_id:
        return None
    if action in LEAD_ACTIONS:
        lead = mention(subject.lead_user_id)
        return f"Only {lead}, the post-mortem lead,{_admins(actor)} can {action.value}."
    if action is Action.CHANGE_ITEM:
        return _item_refusal(actor, subject)
    belongs = actor.channel_id == subject.channel_id or bool(member)
    return None if belongs else f"Only members of the post-mortem's channel can {action.value}."


def require(
    action: Action, actor: Actor, subject: Subject, *, member: MemberOf | None = None
) -> None:
    """Raise NotAllowed (NotFound for another workspace's) unless `actor` may do `action`.
    `member` is asked only when the decision needs it."""
    belongs = None
    if _needs_membership(action, actor, subject) and member is not None:
        belongs = member(subject.channel_id)
    reason = refusal(action, actor, subject, member=belongs)
    if reason == GONE:
        raise NotFound(GONE)
    if reason is not None:
        raise NotAllowed(reason)


def of_postmortem(postmortem: Postmortem) -> Subject:
    return Subject(postmortem.team_id, postmortem.channel_id, postmortem.lead_user_id)


def of_item(item: ActionItem, postmortem: Postmortem) -> Subject:
    return Subject(
        item.team_id,
        postmortem.channel_id,
        postmortem.lead_user_id,
        owner_id=item.owner_id,
        code=item_code(item.number),
    )


def postmortem(
    session: Session,
    action: Action,
    actor: Actor,
    postmortem_id: int,
    *,
    member: MemberOf | None = None,
) -> Postmortem:
    """The post-mortem a button or modal names, if `actor` may do `action` to it."""
    found = postmortems.get(session, postmortem_id)
    if found is None or found.team_id != actor.team_id:
        raise NotFound(GONE)
    require(action, actor, of_postmortem(found), member=member)
    return found


def item(session: Session, actor: Actor, item_id: int) -> tuple[ActionItem, Postmortem]:
    """The action item a button or modal names, and its post-mortem, if `actor` may change it."""
    row = open_items.get(session, item_id)
    if row is None or row[0].team_id != actor.team_id:
        raise NotFound("That action item no longer exists.")
    require(Action.CHANGE_ITEM, actor, of_item(*row))
    return row


def _needs_membership(action: Action, actor: Actor, subject: Subject) -> bool:
    return (
        action in MEMBER_ACTIONS
        and actor.channel_id is None
        and not actor.is_admin
        and actor.user_id != subject.lead_user_id
        and actor.team_id == subject.team_id
    )


def _item_refusal(actor: Actor, subject: Subject) -> str | None:
    if subject.owner_id is not None and actor.user_id == subject.owner_id:
        return None
    owner = mention(subject.owner_id) if subject.owner_id else "its owner"
    lead = mention(subject.lead_user_id)
    if actor.admins:
        who = f"{owner} (the owner), {lead} (the post-mortem lead) or a post-mortem admin"
    else:
        who = f"{owner} (the owner) or {lead} (the post-mortem lead)"
    return f"Only {who} can change {subject.code or 'this item'}."


def _admins(actor: Actor) -> str:
    return " or a post-mortem admin" if actor.admins else ""
