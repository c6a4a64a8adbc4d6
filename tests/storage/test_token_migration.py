"""Migration 0009: plain-text tokens stored before it are encrypted by it, with the key given."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from cryptography.fernet import Fernet
from sqlalchemy import Engine, insert, text

from bot.cli import main
from bot.config import SETTING_NAMES
from bot.errors import ConfigError
from storage import schema
from storage.models import SlackInstallation
from storage.secrets import PREFIX, TokenCipher

KEY = Fernet.generate_key().decode()
PLAIN = {"T0ACME": ("xoxb-acme-plain", "xoxe-acme-refresh"), "T0BETA": ("xoxb-beta-plain", None)}


def _alembic(engine: Engine, verb: str, revision: str, *, key: str | None = None) -> None:
    """`alembic upgrade|downgrade REVISION`, given `key` as `schema.upgrade` gives it."""
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes.update(connection=connection, token_encryption_key=key)
        getattr(command, verb)(config, revision)


@pytest.fixture
def before_0009(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A database at 0008 with two installs whose tokens are stored in plain text."""
    monkeypatch.delenv("TOKEN_ENCRYPTION_KEY", raising=False)
    _alembic(engine, "downgrade", "0008")
    with engine.begin() as connection:
        for team, (token, refresh) in PLAIN.items():
            connection.execute(insert(SlackInstallation).values(_row(team, token, refresh)))
    return engine


def _row(team: str, token: str, refresh: str | None) -> dict[str, object]:
    values: dict[str, object] = {
        "install_id": team,
        "team_id": team,
        "bot_id": "B0",
        "bot_token": token,
    }
    values.update(bot_user_id="U0BOT", bot_scopes="commands", bot_refresh_token=refresh)
    values.update(is_enterprise_install=False, installed_at=datetime(2026, 11, 1, tzinfo=UTC))
    return values


def _raw(engine: Engine) -> dict[str, tuple[str, str | None]]:
    query = "SELECT install_id, bot_token, bot_refresh_token FROM slack_installations"
    with engine.connect() as connection:
        return {row[0]: (row[1], row[2]) for row in connection.execute(text(query))}


def test_the_upgrade_encrypts_the_plain_tokens_with_the_key_it_is_given(
    before_0009: Engine,
) -> None:
    schema.upgrade(before_0009, token_encryption_key=KEY)

    cipher = TokenCipher([KEY])
    stored = _raw(before_0009)
    for team, (token, refresh) in PLAIN.items():
        raw_token, raw_refresh = stored[team]
        assert raw_token.startswith(PREFIX) and cipher.decrypt(raw_token) == token
        assert raw_refresh is None if refresh is None else cipher.decrypt(raw_refresh) == refresh
    assert schema.current_revision(before_0009) == schema.head_revision()


def test_the_key_can_come_from_the_environment_variable(
    before_0009: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", KEY)

    schema.upgrade(before_0009)

    raw_token, _ = _raw(before_0009)["T0ACME"]
    assert TokenCipher([KEY]).decrypt(raw_token) == "xoxb-acme-plain"


def test_plain_tokens_and_no_key_stop_the_upgrade_and_change_nothing(
    before_0009: Engine,
) -> None:
    with pytest.raises(ConfigError) as raised:
        schema.upgrade(before_0009)

    assert raised.value.name == "TOKEN_ENCRYPTION_KEY"
    assert "2 installation(s)" in raised.value.problem and "migrate again" in raised.value.problem
    assert schema.current_revision(before_0009) == "0008"
    assert _raw(before_0009) == PLAIN


def test_a_malformed_key_stops_the_upgrade(before_0009: Engine) -> None:
    with pytest.raises(ConfigError, match="not a Fernet key"):
        schema.upgrade(before_0009, token_encryption_key="not-a-key")
    assert schema.current_revision(before_0009) == "0008"


def test_the_downgrade_decrypts_them_again(before_0009: Engine) -> None:
    schema.upgrade(before_0009, token_encryption_key=KEY)
    with pytest.raises(ConfigError, match="decrypts them"):
        _alembic(before_0009, "downgrade", "0008")

    _alembic(before_0009, "downgrade", "0008", key=KEY)

    assert _raw(before_0009) == PLAIN


def test_migrate_reads_the_key_from_the_settings(
    before_0009: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`postmortem-bot migrate` with the key in a .env file: what the environment lacks."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DATABASE_URL={database_url}\nTOKEN_ENCRYPTION_KEY={KEY}\n")

    assert main(["migrate"]) == 0

    assert "0008 ->" in capsys.readouterr().out
    assert all(token.startswith(PREFIX) for token, _ in _raw(before_0009).values())
