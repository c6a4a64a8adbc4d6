"""What a person types after /postmortem, and what they are told when it is wrong."""

from __future__ import annotations

import pytest

from bot.errors import BadArguments
from bot.listeners.commands.registry import build

REGISTRY = build()


def test_an_empty_command_asks_for_help() -> None:
    assert REGISTRY.parse("   ").name == "help"


def test_start_takes_a_quoted_title_and_a_severity() -> None:
    parsed = REGISTRY.parse('start --severity p1 "Checkout API outage"')
    assert parsed.name == "start"
    assert parsed.options == {"severity": "P1"}
    assert parsed.rest == "Checkout API outage"


def test_an_unbalanced_quote_in_a_title_is_not_an_error() -> None:
    assert REGISTRY.parse("start Bob's \"deploy").rest == "Bob's \"deploy"


def test_an_unknown_subcommand_says_what_would_work() -> None:
    with pytest.raises(BadArguments, match="/postmortem help") as raised:
        REGISTRY.parse("strat")
    assert "`start`" in str(raised.value)


def test_user_text_echoed_in_an_error_cannot_ping_the_channel() -> None:
    with pytest.raises(BadArguments) as raised:
        REGISTRY.parse("<!channel>")
    assert "<!channel>" not in str(raised.value)
    assert "&lt;!channel&gt;" in str(raised.value)


def test_a_bad_severity_lists_the_good_ones() -> None:
    with pytest.raises(BadArguments, match="P1"):
        REGISTRY.parse("start --severity critical")


def test_an_option_without_a_value_shows_the_usage() -> None:
    with pytest.raises(BadArguments, match="Usage"):
        REGISTRY.parse("start --severity")


def test_an_option_the_subcommand_does_not_have_is_refused() -> None:
    with pytest.raises(BadArguments, match="no option"):
        REGISTRY.parse("start --colour red")


def test_help_lists_every_subcommand() -> None:
    text = REGISTRY.help_text()
    for sub in REGISTRY.subcommands:
        assert f"/postmortem {sub.usage}" in text
