"""The subcommand registry: one declaration per subcommand, checked when the app is built."""

from __future__ import annotations

import re
from typing import Any

import pytest
from slack_bolt import App, BoltContext
from slack_bolt.authorization import AuthorizeResult

from bot.listeners import commands
from bot.listeners.command_line import Family, Invocation, RegistryError, Subcommand
from bot.listeners.commands import actions, interview, milestones, registry, start, timeline
from bot.listeners.commands.registry import Registry, build

TEAM, USER, CHANNEL = "T0TEAM", "U0ALICE", "C0INCIDENT"


def _family_with(*names: str) -> tuple[Family, list[Invocation]]:
    """A family whose handlers only note that they ran."""
    family, calls = Family("tests.retro"), []
    for name in names:
        family.subcommand(name, usage=f"{name} [words]", summary=f"the {name} summary")(
            calls.append
        )
    return family, calls


def _authorize(team_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token="xoxb-test")


class FakeAck:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def __call__(self, **answer: Any) -> None:
        self.answers.append(answer)


def _context() -> BoltContext:
    return BoltContext(team_id=TEAM, user_id=USER, channel_id=CHANNEL, deps="the deps")


def _body(text: str) -> dict[str, Any]:
    return {"command": "/postmortem", "text": text, "trigger_id": "13345224609.738474920.8088"}


def test_a_subcommand_declared_but_never_given_a_handler_stops_the_build() -> None:
    family = Family("tests.retro")
    family.subcommand("retro", usage="retro", summary="hold a retro")  # the `@` was forgotten

    with pytest.raises(RegistryError, match=r"tests\.retro declares `/postmortem retro` but"):
        Registry([family])


def test_a_subcommand_built_without_a_handler_stops_the_build() -> None:
    class Listed(Family):
        subcommands = (Subcommand("retro", "retro", "hold a retro"),)

    with pytest.raises(RegistryError, match="nothing handles it"):
        Registry([Listed("tests.retro")])


def test_building_the_bolt_app_stops_at_a_subcommand_nothing_handles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    family = Family("bot.listeners.commands.retro")
    family.subcommand("retro", usage="retro", summary="hold a retro")
    monkeypatch.setattr(registry, "FAMILIES", (*registry.FAMILIES, family))
    app = App(signing_secret="secret", authorize=_authorize, request_verification_enabled=False)

    with pytest.raises(RegistryError, match="`/postmortem retro` but nothing handles it"):
        commands.register(app)


def test_a_family_module_the_registry_does_not_list_stops_the_build() -> None:
    """Its handlers would answer to names nobody could type: `report` and the rest."""
    forgetful = (start.FAMILY, timeline.FAMILY, milestones.FAMILY, interview.FAMILY, actions.FAMILY)

    with pytest.raises(RegistryError, match=r"commands\.report handles `report`, `publish`"):
        build(forgetful)


def test_one_name_in_two_families_stops_the_build() -> None:
    first, _ = _family_with("retro")
    second = Family("tests.other")
    second.subcommand("retro", usage="retro", summary="again")(print)

    with pytest.raises(RegistryError, match=r"declared twice: in tests\.retro and in tests\.other"):
        Registry([first, second])


def test_a_name_cannot_be_declared_twice_or_given_two_handlers_in_one_module() -> None:
    family, _ = _family_with("retro")
    with pytest.raises(RegistryError, match="declares `/postmortem retro` twice"):
        family.subcommand("retro", usage="retro", summary="again")
    declare = Family("tests.other").subcommand("retro", usage="retro", summary="s")
    declare(print)
    with pytest.raises(RegistryError, match="a second handler"):
        declare(repr)


def test_a_usage_that_does_not_start_with_the_name_stops_the_build() -> None:
    family = Family("tests.retro")
    family.subcommand("retro", usage="retrospective", summary="s")(print)
    with pytest.raises(RegistryError, match="must start with it"):
        Registry([family])


def test_every_subcommand_help_lists_has_a_handler() -> None:
    real = build()
    listed = re.findall(r"^• `/postmortem (\w+)", real.help_text(), flags=re.MULTILINE)

    assert listed == [sub.name for sub in real.subcommands]
    assert "help" in listed and "start" in listed
    for name in listed:
        assert callable(real.handler(name)), name


def test_a_new_family_is_parsed_helped_and_dispatched_from_its_one_declaration() -> None:
    family, calls = _family_with("retro")
    known = Registry([family])
    ack, respond = FakeAck(), FakeAck()

    commands.acknowledger(known)(ack, _body("retro  went   well"), "client", _context())
    commands.dispatcher(known)(_body("retro  went   well"), "client", respond, _context())

    assert "`/postmortem retro [words]` — the retro summary" in known.help_text()
    assert ack.answers == [{}], "acknowledged at once, with nothing to say"
    (invocation,) = calls
    assert invocation.command.name == "retro" and invocation.command.rest == "went well"
    assert invocation.command.typed == "went   well"
    assert (invocation.team_id, invocation.user_id, invocation.channel_id) == (TEAM, USER, CHANNEL)
    assert invocation.deps == "the deps"
    invocation.respond(response_type="ephemeral", text="x" * 41_000)
    (answer,) = respond.answers
    assert answer["response_type"] == "ephemeral" and len(answer["text"]) == 40_000, "fitted"
    assert invocation.trigger_id == "13345224609.738474920.8088"


def test_help_is_answered_in_the_ack_and_not_again_after_it() -> None:
    family, calls = _family_with("retro")
    known = Registry([family])
    ack, respond = FakeAck(), FakeAck()

    commands.acknowledger(known)(ack, _body("help"), "client", _context())
    commands.dispatcher(known)(_body("help"), "client", respond, _context())

    assert ack.answers == [{"response_type": "ephemeral", "text": known.help_text()}]
    assert respond.answers == [] and calls == []


def test_a_mistake_is_answered_in_the_ack_and_nothing_runs_after_it() -> None:
    family, calls = _family_with("retro")
    known = Registry([family])
    ack = FakeAck()

    commands.acknowledger(known)(ack, _body("retor"), "client", _context())
    commands.dispatcher(known)(_body("retor"), "client", FakeAck(), _context())

    assert "I don't know `retor`" in ack.answers[0]["text"] and "`retro`" in ack.answers[0]["text"]
    assert calls == []
