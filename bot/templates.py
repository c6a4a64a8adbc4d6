"""Jinja2 templates: bundled ones, overridable file by file through TEMPLATES_DIR.

Two kinds of output, two kinds of escaping. HTML templates (`*.html.j2`) use
Jinja2's autoescape. Slack templates (`*.mrkdwn.j2`) escape every expression
for Slack's mrkdwn unless it is `SlackText` that the bot built itself (a
mention, a link), so a typed `<!channel>` is shown, never acted upon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)

from bot.core.slack_text import escape
from bot.errors import ConfigError


class SlackText(str):
    """Text already safe for Slack mrkdwn (the bot wrote it, user text inside is escaped)."""


def bundled_dir() -> Path:
    """Inside an installed wheel the templates live in the package; in a checkout, at the top."""
    installed = Path(__file__).parent / "_templates"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[1] / "templates"


def _slack_finalize(value: Any) -> Any:
    if isinstance(value, SlackText) or not isinstance(value, str):
        return value
    return escape(value)


def _environment(loader: ChoiceLoader, *, slack: bool) -> Environment:
    return Environment(
        loader=loader,
        autoescape=False if slack else select_autoescape(["html.j2", "html"]),
        finalize=_slack_finalize if slack else None,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Templates:
    """Renders templates by name; built once at start, after `check()` found them sound."""

    def __init__(self, override_dir: Path | None = None) -> None:
        dirs = [override_dir] if override_dir else []
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in [*dirs, bundled_dir()]])
        self.override_dir = override_dir
        self._slack = _environment(loader, slack=True)
        self._plain = _environment(loader, slack=False)

    def render(self, name: str, **values: Any) -> str:
        environment = self._slack if name.endswith(".mrkdwn.j2") else self._plain
        return environment.get_template(name).render(**values)

    def check(self) -> None:
        """Compile every template now, so a broken custom one stops the start, not a publish."""
        for name in self._plain.list_templates(extensions=["j2"]):
            try:
                self._plain.get_template(name)
            except TemplateSyntaxError as error:
                raise ConfigError(
                    "TEMPLATES_DIR", f"{name} line {error.lineno}: {error.message}"
                ) from None
            except TemplateError as error:
                raise ConfigError("TEMPLATES_DIR", f"{name}: {error}") from None
