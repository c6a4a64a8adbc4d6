"""Who may do what (README "Who may do what"): the decision on plain values, and the strict
reading of the ids a button, a modal or a picker sends back."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.core import ids, sealed
from bot.errors import ConfigError, NotAllowed, NotFound
from bot.services import permissions
from bot.services.permissions import Action, Actor, Subject, refusal

TEAM, OTHER_TEAM = "T0SANDBOX", "T0OTHER"
CHANNEL, PRIVATE = "C0INCIDENT", "G0PRIVATE"
LEAD, MEMBER, OWNER, ADMIN = "U0ALICE", "U0BOB", "U0CARMEN", "U0DAISUKE"
CHECKOUT = Subject(TEAM, CHANNEL, LEAD)
ITEM = Subject(TEAM, CHANNEL, LEAD, owner_id=OWNER, code="AI-002")
LEAD_ONLY = sorted(permissions.LEAD_ACTIONS, key=lambda a: a.name)


def person(user: str, channel: str | None = CHANNEL, *, team: str = TEAM) -> Actor:
    return Actor(team, user, channel_id=channel, admins=frozenset({ADMIN}))


@pytest.mark.parametrize("action", LEAD_ONLY, ids=lambda a: a.name)
def test_a_member_who_does_not_lead_is_told_who_may_publish_share_revoke_or_move(
    action: Action,
) -> None:
    said = refusal(action, person(MEMBER), CHECKOUT)
    assert (
        said == f"Only <@{LEAD}>, the post-mortem lead, or a post-mortem admin can {action.value}."
    )


@pytest.mark.parametrize("action", LEAD_ONLY, ids=lambda a: a.name)
def test_the_lead_and_an_admin_may(action: Action) -> None:
    assert refusal(action, person(LEAD), CHECKOUT) is None
    assert refusal(action, person(ADMIN), CHECKOUT) is None


def test_without_admins_the_refusal_names_the_lead_alone() -> None:
    nobody = Actor(TEAM, MEMBER, channel_id=CHANNEL)
    said = refusal(Action.PUBLISH, nobody, CHECKOUT)
    assert said == f"Only <@{LEAD}>, the post-mortem lead, can publish the report."


def test_a_button_clicked_in_another_channel_is_refused_even_for_the_lead() -> None:
    for action in (Action.PUBLISH, Action.INTERVIEW, Action.ADD_ITEM, Action.SHARE):
        assert refusal(action, person(LEAD, PRIVATE), CHECKOUT) == permissions.OTHER_CHANNEL
        assert refusal(action, person(ADMIN, PRIVATE), CHECKOUT) == permissions.OTHER_CHANNEL


def test_another_workspaces_post_mortem_does_not_exist_for_anyone() -> None:
    for who in (LEAD, ADMIN, MEMBER):
        assert refusal(Action.PUBLISH, person(who, team=OTHER_TEAM), CHECKOUT) == permissions.GONE
    with pytest.raises(NotFound):
        permissions.require(Action.PUBLISH, person(LEAD, team=OTHER_TEAM), CHECKOUT)


def test_the_interview_and_new_items_are_for_the_channels_members() -> None:
    in_channel, from_a_modal = person(MEMBER), person(MEMBER, None)
    assert refusal(Action.INTERVIEW, in_channel, CHECKOUT) is None
    assert refusal(Action.ADD_ITEM, from_a_modal, CHECKOUT, member=True) is None
    said = refusal(Action.ADD_ITEM, from_a_modal, CHECKOUT, member=False)
    assert (
        said
        == "Only members of the post-mortem's channel can add action items to this post-mortem."
    )
    assert refusal(Action.ADD_ITEM, from_a_modal, CHECKOUT) is not None, "unknown is not a yes"


def test_membership_is_asked_only_when_it_decides() -> None:
    asked: list[str] = []

    def member(channel: str) -> bool:
        asked.append(channel)
        return channel == CHANNEL

    permissions.require(Action.ADD_ITEM, person(LEAD, None), CHECKOUT, member=member)
    permissions.require(Action.ADD_ITEM, person(MEMBER), CHECKOUT, member=member)
    assert asked == []
    permissions.require(Action.ADD_ITEM, person(MEMBER, None), CHECKOUT, member=member)
    assert asked == [CHANNEL]
    with pytest.raises(NotAllowed):
        permissions.require(
            Action.ADD_ITEM, person(MEMBER, None), Subject(TEAM, PRIVATE, LEAD), member=member
        )


def test_an_item_is_changed_by_its_owner_the_lead_or_an_admin_from_anywhere() -> None:
    in_a_dm = "D0DIRECT"
    for who in (OWNER, LEAD, ADMIN):
        assert refusal(Action.CHANGE_ITEM, person(who, in_a_dm), ITEM) is None
    said = refusal(Action.CHANGE_ITEM, person(MEMBER), ITEM)
    assert said == (
        f"Only <@{OWNER}> (the owner), <@{LEAD}> (the post-mortem lead) or a post-mortem "
        "admin can change AI-002."
    )
    unowned = Subject(TEAM, CHANNEL, LEAD, code="AI-003")
    assert "Only its owner (the owner)" in (
        refusal(Action.CHANGE_ITEM, person(MEMBER), unowned) or ""
    )


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("12", 12),
        ("2147483647", 2**31 - 1),
        ("0", None),
        ("", None),
        ("-3", None),
        ("12 ", None),
        ("1_000", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() says yes, a database says no
        ("²", None),
        ("2147483648", None),
        ("9" * 5000, None),  # over Python's int() digit limit
        (None, None),
        (12, None),
    ],
)
def test_a_row_id_is_ascii_digits_that_fit_an_integer_column(
    value: object, read: int | None
) -> None:
    assert ids.row_id(value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("U0BOB", "U0BOB"),
        ("W0ENTERPRISE", "W0ENTERPRISE"),
        ("U1><!channel", None),
        ("U1", None),
        ("u0bob", None),
        ("C0INCIDENT", None),
        ("U" + "A" * 40, None),
        ("", None),
        (None, None),
        (["U0BOB"], None),
    ],
)
def test_a_picked_user_is_a_slack_user_id_or_nothing(value: object, read: str | None) -> None:
    assert ids.user_id(value) == read


def test_sealed_metadata_reads_back_only_as_written_with_the_same_key() -> None:
    text = '{"item_id":3,"user_id":"U0ALICE"}'
    kept = sealed.seal(b"key", text)
    assert sealed.unseal(b"key", kept) == text
    assert sealed.unseal(b"other key", kept) is None
    assert sealed.unseal(b"key", kept.replace("U0ALICE", "U0BOB")) is None
    assert sealed.unseal(b"key", text) is None
    assert sealed.unseal(b"key", "é.\ud800") is None, "not ASCII, a lone surrogate: refused"


def test_admins_are_read_as_user_ids_and_a_name_stops_the_bot_at_start() -> None:
    settings = Settings.from_env({"POSTMORTEM_ADMINS": " U0CARMEN, W0GRIDADMIN ,"})
    assert settings.postmortem_admins == frozenset({"U0CARMEN", "W0GRIDADMIN"})
    assert Settings.from_env({}).postmortem_admins == frozenset()
    for wrong in ("carmen", "@carmen", "S0GROUP", "U0CARMEN;U0BOB"):
        with pytest.raises(ConfigError, match="POSTMORTEM_ADMINS"):
            Settings.from_env({"POSTMORTEM_ADMINS": wrong})
