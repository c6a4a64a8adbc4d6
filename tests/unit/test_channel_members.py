"""Whether a person belongs to a channel, asked of the sandbox's Slack as of Slack's:
`conversations.members` a page at a time, and a channel the bot cannot see is nobody's."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.sandbox import Sandbox
from bot.slack.members import is_member
from tests.sandbox.conftest import ALICE, BOB, CARMEN, INCIDENT, client, sb  # noqa: F401


def test_members_are_found_on_any_page_and_others_are_not(sb: Sandbox, client: WebClient) -> None:  # noqa: F811
    crowd = [f"U0P{i:04d}" for i in range(1100)]
    for person in crowd:
        sb.slack.add_user(person, person.lower())
    sb.slack.add_channel("C0ALLHANDS", "all-hands", members=[*crowd, CARMEN])

    assert is_member(client, "C0ALLHANDS", CARMEN), "the 1,101st member is on the second page"
    assert is_member(client, "C0ALLHANDS", crowd[0])
    assert not is_member(client, "C0ALLHANDS", ALICE)
    assert is_member(client, INCIDENT, BOB) and not is_member(client, INCIDENT, CARMEN)


def test_a_channel_the_bot_cannot_see_has_no_members_for_it(sb: Sandbox, client: WebClient) -> None:  # noqa: F811
    sb.slack.add_channel("G0HUSH", "hush", is_private=True, members=(ALICE,), bot_is_member=False)
    assert not is_member(client, "G0HUSH", ALICE)
    assert not is_member(client, "C0NOWHERE", ALICE)
