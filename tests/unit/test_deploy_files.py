"""Deploying as the README says: the Dockerfile, docker-compose.yml, .env.example and
.dockerignore agree with each other and with the real `postmortem-bot` program.

No Docker engine is needed: the files are read, and every command they run is parsed
by the bot's own argument parser.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from bot import cli
from bot.config import SETTING_NAMES, Settings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _service(name: str) -> dict[str, Any]:
    return _compose()["services"][name]


def _interpolate(value: str) -> str:
    """Compose's `${NAME:-default}` with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _command(words: list[str]) -> argparse.Namespace:
    """Parse a container command with the real parser, as `postmortem-bot` would."""
    assert words[0] == "postmortem-bot"
    return cli._parser().parse_args(words[1:])


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def _instructions(name: str) -> list[str]:
    return [arguments for instruction, arguments in _dockerfile() if instruction == name]


def _env_example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text().splitlines()


def _env_example_names(*, commented: bool) -> list[str]:
    prefix = r"#\s*" if commented else ""
    pattern = re.compile(rf"{prefix}([A-Z][A-Z0-9_]*)=")
    return [m.group(1) for line in _env_example_lines() if (m := pattern.match(line))]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: `**` spans folders, `*` does not."""
    parts = re.split(r"(\*\*/|\*\*|\*|\?|\[[^]]*\])", pattern.strip("/"))
    wild = {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    regex = "".join(wild.get(p, p if p.startswith("[") else re.escape(p)) for p in parts)
    return re.compile(regex)


def _sent_to_the_build(path: str) -> bool:
    """Whether .dockerignore lets `path` into the build context (the last match wins)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    folders = path.split("/")
    candidates = ["/".join(folders[: i + 1]) for i in range(len(folders))]
    sent = True
    for rule in rules:
        regex = _pattern_regex(rule.removeprefix("!"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            sent = rule.startswith("!")
    return sent


# docker-compose.yml


def test_compose_starts_postgres_then_migrates_once_then_serves() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "migrate", "bot"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    bot_waits_for = services["bot"]["depends_on"]
    assert bot_waits_for["migrate"] == {"condition": "service_completed_successfully"}
    assert bot_waits_for["postgres"] == {"condition": "service_healthy"}


def test_compose_migrate_and_bot_run_real_postmortem_bot_commands() -> None:
    migrate = _command(_service("migrate")["command"])
    serve = _command(_service("bot")["command"])
    assert migrate.run is cli._migrate
    assert serve.run is cli._serve
    assert serve.migrate is False, "compose migrates in its own one-shot service"


def test_compose_builds_one_bot_image_for_migrate_and_bot() -> None:
    migrate, bot = _service("migrate"), _service("bot")
    assert migrate["build"] == bot["build"] == "."
    assert migrate["image"] == bot["image"]


def test_compose_bot_and_migrate_reach_the_postgres_service_with_psycopg() -> None:
    postgres = _service("postgres")["environment"]
    for name in ("migrate", "bot"):
        url = make_url(_interpolate(_service(name)["environment"]["DATABASE_URL"]))
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port) == ("postgres", 5432)
        assert url.username == postgres["POSTGRES_USER"]
        assert url.password == _interpolate(postgres["POSTGRES_PASSWORD"])
        assert url.database == postgres["POSTGRES_DB"]
        settings = Settings.from_env({"DATABASE_URL": url.render_as_string(hide_password=False)})
        assert settings.database_url.startswith("postgresql+psycopg://postmortem:")


def test_compose_bot_reads_dot_env_and_listens_on_3000() -> None:
    bot = _service("bot")
    assert bot["env_file"] == ".env"
    assert "3000:3000" in bot["ports"]


def test_compose_gives_the_bot_longer_to_stop_than_its_shutdown_grace() -> None:
    """SIGTERM drains the inbox for SHUTDOWN_GRACE_SECONDS; Docker must not kill it first."""
    grace = _compose()["services"]["bot"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > Settings().shutdown_grace_seconds


def test_compose_keeps_postgres_data_in_a_declared_named_volume() -> None:
    compose = _compose()
    mounts = [m.split(":") for m in compose["services"]["postgres"]["volumes"]]
    assert [target for _, target in mounts] == ["/var/lib/postgresql/data"]
    assert {volume for volume, _ in mounts} <= set(compose["volumes"])


def test_compose_health_checks_postgres_with_pg_isready_and_the_bot_on_healthz() -> None:
    postgres, bot = _service("postgres")["healthcheck"], _service("bot")["healthcheck"]
    assert postgres["test"][:2] == ["CMD", "pg_isready"]
    assert "/healthz" in " ".join(bot["test"])
    for check in (postgres, bot):
        assert {"interval", "timeout", "retries", "start_period"} <= set(check)


# .env.example


def test_env_example_fills_in_the_required_settings_and_nothing_unknown() -> None:
    set_names = _env_example_names(commented=False)
    all_names = set_names + _env_example_names(commented=True)
    assert set(all_names) <= set(SETTING_NAMES)
    assert set(REQUIRED_SETTINGS) <= set(set_names)
    assert "PAGERDUTY_WEBHOOK_SECRET" in _env_example_names(commented=True)


def test_env_example_explains_each_setting_on_the_line_before() -> None:
    lines = _env_example_lines()
    for number, line in enumerate(lines):
        if re.match(r"#?\s*[A-Z][A-Z0-9_]*=", line):
            assert lines[number - 1].startswith("# "), f"no comment above {line!r}"


def test_a_filled_in_env_example_is_enough_to_serve() -> None:
    values = dotenv_values(ROOT / ".env.example")
    settings = Settings.from_env({k: v for k, v in values.items() if v is not None})
    settings.check_for_serving()


# Dockerfile and .dockerignore


def test_dockerfile_keeps_the_sqlite_database_in_the_data_volume() -> None:
    assert _instructions("VOLUME") == ["/data"]
    env = " ".join(_instructions("ENV")).split()
    assert "DATABASE_URL=sqlite:////data/postmortem.db" in env
    Settings.from_env({"DATABASE_URL": "sqlite:////data/postmortem.db"})
    assert any("chown postmortem:postmortem /data" in run for run in _instructions("RUN"))


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = _instructions("USER")
    assert users and users[-1] not in ("root", "0")


def test_dockerfile_health_check_waits_a_start_period_then_asks_healthz() -> None:
    [check] = _instructions("HEALTHCHECK")
    for option in ("--start-period=", "--interval=", "--timeout=", "--retries="):
        assert option in check
    assert "/healthz" in check


def test_dockerfile_command_migrates_then_serves() -> None:
    [command] = _instructions("CMD")
    args = _command(json.loads(command))
    assert args.run is cli._serve
    assert args.migrate is True


LEFT_OUT = (
    ".env",
    ".venv/bin/python",
    ".git/HEAD",
    "postmortem.db",
    "tests/unit/test_cli.py",
    "bench/ack_latency.py",
    "build/lib/bot/cli.py",
    "dist/postmortem_bot-0.1.0-py3-none-any.whl",
    "bot/__pycache__/cli.cpython-312.pyc",
)


@pytest.mark.parametrize("path", LEFT_OUT)
def test_dockerignore_keeps_secrets_and_local_clutter_out_of_the_build(path: str) -> None:
    assert not _sent_to_the_build(path)


def test_dockerignore_sends_everything_the_dockerfile_copies() -> None:
    sources = [word for copy in _instructions("COPY") for word in copy.split()[:-1]]
    assert sources, "the Dockerfile copies nothing"
    for source in sources:
        files = [source] if (ROOT / source).is_file() else _source_files(ROOT / source)
        assert files, f"{source} is empty or missing"
        missing = [f for f in files if not _sent_to_the_build(f)]
        assert not missing, f"left out of the build: {missing[:5]}"


def _source_files(folder: Path) -> list[str]:
    files = (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [p.relative_to(ROOT).as_posix() for p in files]


# README


def test_readme_deploying_section_names_real_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    # A command on a line of its own, or after the image's name in `docker run … postmortem-bot`.
    line = r"^(?:docker run .*?postmortem-bot )?(postmortem-bot [^#\n]*?)\s*(?:#.*)?$"
    commands = re.findall(line, section, re.M)
    assert commands, "the Deploying section shows no postmortem-bot command"
    for command in commands:
        _command(command.split())
    for words in ("docker build", "docker run", "docker compose up", "serve --migrate"):
        assert words in section
