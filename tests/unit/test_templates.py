"""Templates: a deployment overrides them file by file; Slack output is escaped by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.templates import SlackText, Templates


def test_the_bundled_templates_all_compile() -> None:
    Templates().check()


def test_user_text_in_a_slack_template_cannot_ping_anyone() -> None:
    text = Templates().render(
        "slack/opening.mrkdwn.j2", severity="<!channel> & <@U1>", key_reaction="pushpin"
    )
    assert "<!channel>" not in text and "<@U1>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text


def test_text_the_bot_built_itself_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "opening.mrkdwn.j2").write_text("lead {{ lead }}, said {{ said }}")
    text = Templates(tmp_path).render(
        "slack/opening.mrkdwn.j2", lead=SlackText("<@U1>"), said="<@U2>"
    )
    assert text == "lead <@U1>, said &lt;@U2&gt;"


def test_a_custom_template_replaces_only_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "other.md.j2").write_text("custom")
    templates = Templates(tmp_path)
    assert templates.render("other.md.j2") == "custom"
    assert "blameless post-mortem" in templates.render(
        "slack/opening.mrkdwn.j2", severity=None, key_reaction="pushpin"
    )


def test_a_broken_custom_template_is_reported_at_start_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "opening.mrkdwn.j2").write_text("ok\n{% if severity %}never closed\n")
    with pytest.raises(ConfigError, match=r"opening.mrkdwn.j2 line \d"):
        Templates(tmp_path).check()
