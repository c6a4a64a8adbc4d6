"""OAuth installs' tokens at rest: only Fernet tokens in the columns, and key rotation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.config import SETTING_NAMES
from storage.repositories import installations
from storage.secrets import PREFIX, TokenCipher, UnreadableSecret

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN, REFRESH = "xoxb-1111-2222-acmesecrettoken", "xoxe-1-acmerefreshsecret"


def _values(team: str = "T0ACME", token: str = TOKEN, refresh: str | None = REFRESH) -> dict:
    return {
        "install_id": team,
        "enterprise_id": None,
        "enterprise_name": None,
        "team_id": team,
        "team_name": "Acme",
        "is_enterprise_install": False,
        "app_id": "A0APP",
        "bot_id": "B0ACME",
        "bot_user_id": "U0ACMEBOT",
        "bot_token": token,
        "bot_scopes": "commands,chat:write",
        "bot_refresh_token": refresh,
        "bot_token_expires_at": None,
        "installed_at": datetime(2026, 12, 1, tzinfo=UTC),
    }


def _save(sessions: sessionmaker[Session], cipher: TokenCipher, **values: Any) -> None:
    with sessions.begin() as session:
        installations.save(session, _values(**values), cipher)


def _get(sessions: sessionmaker[Session], cipher: TokenCipher, key: str = "T0ACME") -> dict:
    with sessions() as session:
        found = installations.get(session, key, cipher)
    assert found is not None
    return found


def _raw(engine: Engine) -> list[tuple[str, str | None]]:
    """The token columns as the database holds them."""
    with engine.connect() as connection:
        query = "SELECT bot_token, bot_refresh_token FROM slack_installations ORDER BY install_id"
        return [(row[0], row[1]) for row in connection.execute(text(query))]


def test_the_columns_hold_fernet_tokens_never_the_tokens(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    cipher = TokenCipher([NEW_KEY])
    _save(sessions, cipher)
    _save(sessions, cipher, team="T0BETA", token="xoxb-beta", refresh=None)

    [(acme_token, acme_refresh), (beta_token, beta_refresh)] = _raw(engine)

    for stored in (acme_token, acme_refresh, beta_token):
        assert stored is not None and stored.startswith(PREFIX)
        assert "xox" not in stored and "secret" not in stored
    assert beta_refresh is None
    assert acme_token != beta_token


def test_a_saved_install_reads_back_with_its_tokens_decrypted(
    sessions: sessionmaker[Session],
) -> None:
    cipher = TokenCipher([NEW_KEY])
    _save(sessions, cipher)
    _save(sessions, cipher, token="xoxb-reinstalled", refresh=None)

    found = _get(sessions, cipher)

    assert (found["bot_token"], found["bot_refresh_token"]) == ("xoxb-reinstalled", None)
    assert (found["team_id"], found["bot_user_id"]) == ("T0ACME", "U0ACMEBOT")
    with sessions() as session:
        assert installations.get(session, "T0OTHER", cipher) is None


def test_a_token_that_no_key_decrypts_is_a_clear_error(sessions: sessionmaker[Session]) -> None:
    _save(sessions, TokenCipher([OLD_KEY]))

    with pytest.raises(UnreadableSecret) as raised, sessions() as session:
        installations.get(session, "T0ACME", TokenCipher([NEW_KEY]))

    message = str(raised.value)
    assert "bot_token of installation T0ACME" in message
    assert "does not decrypt with any key in TOKEN_ENCRYPTION_KEY" in message
    assert OLD_KEY not in message and NEW_KEY not in message


def test_rotation_re_encrypts_so_the_old_key_can_be_dropped(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _save(sessions, TokenCipher([OLD_KEY]))
    before = _raw(engine)
    rotating = TokenCipher([NEW_KEY, OLD_KEY])
    assert _get(sessions, rotating)["bot_token"] == TOKEN  # both keys read during a rotation

    with sessions.begin() as session:
        assert installations.reencrypt_all(session, rotating) == 2

    after = _raw(engine)
    assert after != before and all(v.startswith(PREFIX) for v in after[0] if v is not None)
    found = _get(sessions, TokenCipher([NEW_KEY]))
    assert (found["bot_token"], found["bot_refresh_token"]) == (TOKEN, REFRESH)
    with pytest.raises(UnreadableSecret), sessions() as session:
        installations.get(session, "T0ACME", TokenCipher([OLD_KEY]))


def test_rotation_refuses_a_token_no_key_decrypts_and_changes_nothing(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _save(sessions, TokenCipher([OLD_KEY]))
    before = _raw(engine)

    with pytest.raises(UnreadableSecret, match="T0ACME"), sessions.begin() as session:
        installations.reencrypt_all(session, TokenCipher([NEW_KEY]))

    assert _raw(engine) == before


def test_a_plain_token_left_by_an_older_version_is_read_with_a_warning_and_rotation_encrypts_it(
    engine: Engine, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    cipher = TokenCipher([NEW_KEY])
    _save(sessions, cipher)
    with engine.begin() as connection:
        connection.execute(text("UPDATE slack_installations SET bot_token = 'xoxb-plain'"))

    with caplog.at_level(logging.WARNING):
        assert _get(sessions, cipher)["bot_token"] == "xoxb-plain"
    assert "rotate-token-key" in caplog.text and "xoxb-plain" not in caplog.text

    with sessions.begin() as session:
        installations.reencrypt_all(session, cipher)
    [(stored, _)] = _raw(engine)
    assert stored.startswith(PREFIX)
    assert _get(sessions, cipher)["bot_token"] == "xoxb-plain"


def _cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> None:
    """Only `env` as the bot's settings, and no .env file in the working folder."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)


def test_the_rotate_token_key_command_re_encrypts_with_the_first_key(
    database_url: str,
    engine: Engine,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _save(sessions, TokenCipher([OLD_KEY]))
    both = f"{NEW_KEY}, {OLD_KEY}"
    _cli_environment(monkeypatch, tmp_path, DATABASE_URL=database_url, TOKEN_ENCRYPTION_KEY=both)

    assert main(["rotate-token-key"]) == 0

    assert "re-encrypted 2 stored token(s)" in capsys.readouterr().out
    assert _get(sessions, TokenCipher([NEW_KEY]))["bot_token"] == TOKEN


def test_the_rotate_token_key_command_needs_the_key(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli_environment(monkeypatch, tmp_path, DATABASE_URL=database_url)

    assert main(["rotate-token-key"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("postmortem-bot: TOKEN_ENCRYPTION_KEY: missing;")
